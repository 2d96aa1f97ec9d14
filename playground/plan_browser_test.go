//go:build !js

package playground_test

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/readiness"
	"github.com/keytier/keytier/rollout"
)

// attrsAll are the attributes of every element sel matches, in document
// order.
func (p page) attrsAll(sel string) []map[string]string {
	p.t.Helper()
	nodes := run(p, "nodes "+sel, chromedp.Nodes(chromedp.CSSAll(sel), chromedp.AtLeast(0)))
	out := make([]map[string]string, len(nodes))
	for i, n := range nodes {
		out[i] = map[string]string{}
		for j := 0; j+1 < len(n.Attributes); j += 2 {
			out[i][n.Attributes[j]] = n.Attributes[j+1]
		}
	}
	return out
}

// checkPlan holds the plan view to want, which rollout computed in Go for
// the same snapshot and settings: the segments with their counts, the
// waves with their dates, users and gates, every message and runbook.
func checkPlan(t *testing.T, p page, want *rollout.Plan) {
	t.Helper()
	box := run(p, "plan", chromedp.Attributes(chromedp.CSS(`[data-testid=plan]`)))
	if box["data-tenant"] != want.Tenant || box["data-start"] != want.Start {
		t.Errorf("plan of %q starting %s, rollout gives %q starting %s", box["data-tenant"], box["data-start"], want.Tenant, want.Start)
	}
	segs := p.attrsAll(`[data-testid=plan-segments] [data-testid=plan-segment]`)
	if len(segs) != len(want.Segments) {
		t.Fatalf("%d segments shown, rollout gives %d", len(segs), len(want.Segments))
	}
	for i, s := range want.Segments {
		w := map[string]string{"data-name": s.Name, "data-users": strconv.Itoa(s.Users), "data-ready": strconv.Itoa(s.Ready),
			"data-can-register": strconv.Itoa(s.CanRegister), "data-need-pass": strconv.Itoa(s.NeedPass),
			"data-blocked": strconv.Itoa(s.Blocked), "data-tier": s.Profile.Tier}
		for k, v := range w {
			if segs[i][k] != v {
				t.Errorf("segment %d (%s): %s = %q, rollout gives %q", i, s.Name, k, segs[i][k], v)
			}
		}
	}
	waves := p.attrsAll(`[data-testid=plan-waves] [data-testid=plan-wave]`)
	if len(waves) != len(want.Waves) {
		t.Fatalf("%d waves shown, rollout gives %d", len(waves), len(want.Waves))
	}
	for i, wv := range want.Waves {
		w := map[string]string{"data-name": wv.Name, "data-start": wv.Start, "data-end": wv.End, "data-users": strconv.Itoa(wv.Users),
			"data-segments": strings.Join(wv.Segments, "\n"), "data-gates": strings.Join(wv.Gates, " ")}
		for k, v := range w {
			if waves[i][k] != v {
				t.Errorf("wave %d (%s): %s = %q, rollout gives %q", i, wv.Name, k, waves[i][k], v)
			}
		}
		sel := fmt.Sprintf(`[data-testid=plan-wave]:nth-of-type(%d) [data-gate]`, i+1)
		if n := len(p.attrsAll(sel)); n != len(wv.Gates) {
			t.Errorf("wave %s shows %d gates, rollout gives %d", wv.Name, n, len(wv.Gates))
		}
	}
	var got, exp []string
	for _, m := range p.attrsAll(`[data-testid=plan-message]`) {
		got = append(got, m["data-segment"]+"|"+m["data-kind"]+"|"+m["data-send"])
	}
	for _, m := range want.Messages {
		exp = append(exp, m.Segment+"|"+m.Kind+"|"+m.Send)
	}
	if !slices.Equal(got, exp) {
		t.Errorf("messages shown %v, rollout gives %v", got, exp)
	}
	got, exp = nil, nil
	for _, r := range p.attrsAll(`[data-testid=plan-runbook]`) {
		got = append(got, r["data-segment"]+"|"+r["data-situation"])
	}
	for _, r := range want.Runbooks {
		exp = append(exp, r.Segment+"|"+r.Situation)
	}
	if !slices.Equal(got, exp) {
		t.Errorf("runbooks shown %v, rollout gives %v", got, exp)
	}
	var md bytes.Buffer
	if err := want.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if v := run(p, "markdown", chromedp.Value(chromedp.CSS(`[data-testid=plan-markdown]`))); v != md.String() {
		t.Errorf("the plan's Markdown on the page differs from rollout's WriteMarkdown (%d and %d bytes)", len(v), md.Len())
	}
}

// planSubtest: a pasted tenant snapshot gets its rollout plan, the one
// `keytier plan` makes of it, and its audit shows each fix's place in the
// report's order and the fixes it must follow.
func planSubtest(t *testing.T, p page, srvURL string) {
	t.Run("plan", func(t *testing.T) {
		p := p
		p.t = t
		snap := demo.Snapshot()
		want, err := rollout.Build(snap, rollout.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Segments) < 2 || len(want.Waves) < 2 || !slices.ContainsFunc(want.Waves, func(w rollout.Wave) bool { return len(w.Gates) > 0 }) {
			t.Fatalf("rollout gives %d segments and %d waves for the demo tenant; the case is here for several of each, and a gate", len(want.Segments), len(want.Waves))
		}
		p.do("paste the demo tenant",
			chromedp.Navigate("about:blank"),
			chromedp.Navigate(srvURL+"/"),
			chromedp.WaitReady(chromedp.CSS(`[data-testid=verdict][data-state=ready]`)),
			chromedp.SetValue(chromedp.CSS(`#text`), string(demo.Bytes())),
			chromedp.Click(chromedp.CSS(`[data-testid=analyze]`)),
			chromedp.WaitReady(chromedp.CSS(`[data-testid=verdict][data-state=done][data-source=input]`)),
			chromedp.WaitReady(chromedp.CSS(`[data-testid=plan][data-state=done][data-source=input]`)))
		checkPlan(t, p, want)

		// The page's dates are the plan's --start and --wave-days.
		start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
		dated, err := rollout.Build(snap, rollout.Options{Start: start, WaveDays: 7})
		if err != nil {
			t.Fatal(err)
		}
		p.do("plan with dates",
			chromedp.SetValue(chromedp.CSS(`[data-testid=plan-start]`), start.Format(time.DateOnly)),
			chromedp.SetValue(chromedp.CSS(`[data-testid=plan-wave-days]`), "7"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("plan").dataset.state = "before"`),
			chromedp.Click(chromedp.CSS(`[data-testid=plan-run]`)),
			chromedp.WaitReady(chromedp.CSS(`[data-testid=plan][data-state=done]`)))
		checkPlan(t, p, dated)

		// The audit: every fix in the report's order, and the ones that
		// build on earlier fixes name them.
		report := readiness.Run(snap, readiness.Options{})
		items := p.attrsAll(`[data-testid=tenant] ~ [data-testid=findings] > li`)
		if len(items) != len(report.Findings) {
			t.Fatalf("%d findings shown, readiness gives %d", len(items), len(report.Findings))
		}
		withAfter, withPrereq := 0, 0
		for i, f := range report.Findings {
			got := items[i]
			if got["data-finding"] != f.ID || got["data-order"] != strconv.Itoa(i+1) || got["data-after"] != strings.Join(f.Remediation.After, " ") {
				t.Errorf("finding %d: id %q order %q after %q; readiness gives %s, %d, %q", i, got["data-finding"], got["data-order"], got["data-after"], f.ID, i+1, strings.Join(f.Remediation.After, " "))
			}
			li := fmt.Sprintf(`[data-testid=tenant] ~ [data-testid=findings] > li[data-finding=%q]`, f.ID)
			if len(f.Remediation.After) > 0 {
				withAfter++
				var refs []string
				for _, b := range p.attrsAll(li + ` [data-testid=fix-after] [data-ref]`) {
					refs = append(refs, b["data-ref"])
				}
				if !slices.Equal(refs, f.Remediation.After) {
					t.Errorf("%s shows it follows %v, readiness says %v", f.ID, refs, f.Remediation.After)
				}
				if txt := p.text(li + ` [data-testid=fix-order]`); !strings.Contains(txt, fmt.Sprintf(" %d of %d, in the report's order.", i+1, len(report.Findings))) {
					t.Errorf("%s: order line %q", f.ID, txt)
				}
			}
			if n := len(f.Remediation.Prerequisites); n > 0 {
				withPrereq++
				pre := p.attrsAll(li + ` [data-testid=fix-prerequisites]`)
				if len(pre) != 1 || pre[0]["data-count"] != strconv.Itoa(n) {
					t.Errorf("%s: prerequisites shown %v, readiness gives %d", f.ID, pre, n)
				}
				first := p.attrsAll(li + ` [data-testid=fix-prerequisites] > li[data-user]`)
				if len(first) == 0 || first[0]["data-user"] != f.Remediation.Prerequisites[0].User || first[0]["data-step"] != f.Remediation.Prerequisites[0].Step {
					t.Errorf("%s: first prerequisite shown %v, readiness gives %+v", f.ID, first, f.Remediation.Prerequisites[0])
				}
			}
		}
		if withAfter == 0 || withPrereq == 0 {
			t.Errorf("the demo tenant has %d fixes that follow others and %d with prerequisites; the case is here for both", withAfter, withPrereq)
		}

		// Something else pasted: the plan goes away.
		c, ok := snap.AuthenticationMethodsPolicy.MethodConfiguration("TemporaryAccessPass")
		if !ok {
			t.Fatal("the demo tenant has no TAP policy")
		}
		p.do("paste a policy",
			chromedp.Evaluate[chromedp.Void](`document.getElementById("verdict").dataset.source = "before"`),
			chromedp.SetValue(chromedp.CSS(`#text`), string(c.Raw)),
			chromedp.Click(chromedp.CSS(`[data-testid=analyze]`)),
			chromedp.WaitReady(chromedp.CSS(`[data-testid=verdict][data-state=done][data-source=input]`)),
			chromedp.WaitNotVisible(chromedp.CSS(`#plan-panel`)))
	})
}
