package rollout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// WriteJSON writes the plan as one indented JSON object, the contract of
// `keytier plan --format json`.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// WriteMarkdown writes the plan for a wiki: segments, waves with their
// gates and fixes, the messages, the runbooks.
func (p *Plan) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Passkey rollout plan: %s\n\n", p.Tenant)
	fmt.Fprintf(&b, "Snapshot of %s; the first wave starts on %s.\n\n", p.CapturedAt.UTC().Format("2006-01-02 15:04 MST"), p.Start)
	if len(p.Warnings) > 0 {
		b.WriteString("## Warnings\n\n")
		for _, x := range p.Warnings {
			fmt.Fprintf(&b, "- %s\n", x)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Assumptions\n\n")
	for _, x := range p.Assumptions {
		fmt.Fprintf(&b, "- %s\n", x)
	}
	b.WriteString("\n## Segments\n\n| segment | users | ready | can register | need a pass | blocked | tier |\n|---|---:|---:|---:|---:|---:|---|\n")
	for _, s := range p.Segments {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %s |\n", mdCell(s.Name), s.Users, s.Ready, s.CanRegister, s.NeedPass, s.Blocked, s.Profile.Tier)
	}
	for _, s := range p.Segments {
		fmt.Fprintf(&b, "\n### %s\n\n", s.Name)
		if len(s.Groups) > 0 {
			fmt.Fprintf(&b, "- Groups: %s\n", strings.Join(s.Groups, ", "))
		}
		if s.Privileged {
			b.WriteString("- Every member holds a privileged role.\n")
		}
		fmt.Fprintf(&b, "- Rules: %s\n", s.Profile.Plain)
		for _, bl := range s.BlockedBy {
			fmt.Fprintf(&b, "- Blocked by `%s` (%d users): %s\n", bl.Finding, bl.Users, bl.Title)
		}
	}
	b.WriteString("\n## Waves\n")
	for i, wv := range p.Waves {
		fmt.Fprintf(&b, "\n### %d. %s: %s to %s\n\n%s\n\n- Segments: %s\n- Users: %d\n", i+1, wv.Name, wv.Start, wv.End, wv.Why, strings.Join(wv.Segments, "; "), wv.Users)
		if len(wv.Gates) == 0 {
			b.WriteString("- Gates: none\n")
			continue
		}
		fmt.Fprintf(&b, "- Gates (fix before the wave starts): %s\n", strings.Join(backquote(wv.Gates), ", "))
		for _, f := range wv.Fixes {
			fmt.Fprintf(&b, "\n#### `%s` %s\n\n%s\n", f.Finding, f.Title, f.Description)
			for j, g := range f.GraphRequests {
				fmt.Fprintf(&b, "\n%d. `%s %s`\n", j+1, g.Method, g.URL)
				if len(g.Body) > 0 {
					fmt.Fprintf(&b, "\n   ```json\n   %s\n   ```\n", g.Body)
				}
			}
		}
	}
	b.WriteString("\n## Messages\n")
	for _, m := range p.Messages {
		fmt.Fprintf(&b, "\n### %s: %s (send %s)\n\n**Subject:** %s\n\n%s\n", m.Segment, m.Kind, m.Send, m.Subject, quoteBlock(m.Body))
	}
	b.WriteString("\n## Helpdesk runbooks\n")
	for _, r := range p.Runbooks {
		fmt.Fprintf(&b, "\n### %s: %s\n\n", r.Segment, r.Title)
		for i, st := range r.Steps {
			fmt.Fprintf(&b, "%d. %s\n", i+1, st)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func backquote(ids []string) []string {
	out := make([]string, len(ids))
	for i, s := range ids {
		out[i] = "`" + s + "`"
	}
	return out
}

func quoteBlock(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n")
}

// WriteHTML writes the plan as one self-contained, printable page: inline
// CSS, one inline SVG readiness chart per segment and per wave, no script,
// and a Content-Security-Policy that forbids every load. Every value goes
// through html/template's contextual escaping.
func (p *Plan) WriteHTML(w io.Writer) error {
	page := htmlPage{Plan: p}
	for _, s := range p.Segments {
		page.Segments = append(page.Segments, htmlSegment{Segment: s, Chart: chart(s.Name, s.Ready, s.CanRegister, s.NeedPass, s.Blocked)})
	}
	for _, wv := range p.Waves {
		var r, c, n, bl int
		for _, s := range p.Segments {
			for _, name := range wv.Segments {
				if s.Name == name {
					r, c, n, bl = r+s.Ready, c+s.CanRegister, n+s.NeedPass, bl+s.Blocked
				}
			}
		}
		hw := htmlWave{Wave: wv, Chart: chart(wv.Name, r, c, n, bl)}
		for _, f := range wv.Fixes {
			hf := htmlFix{GateFix: f}
			for _, g := range f.GraphRequests {
				var body bytes.Buffer
				if len(g.Body) > 0 && json.Indent(&body, g.Body, "", "  ") != nil {
					body.Reset()
					body.Write(g.Body)
				}
				s := g.Method + " " + g.URL
				if body.Len() > 0 {
					s += "\n\n" + body.String()
				}
				hf.Requests = append(hf.Requests, s)
			}
			hw.Fixes = append(hw.Fixes, hf)
		}
		page.Waves = append(page.Waves, hw)
	}
	var buf bytes.Buffer
	if err := planHTML.Execute(&buf, page); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type htmlPage struct {
	*Plan
	Segments []htmlSegment
	Waves    []htmlWave
}

type htmlSegment struct {
	Segment
	Chart svgChart
}

type htmlWave struct {
	Wave
	Chart svgChart
	Fixes []htmlFix
}

type htmlFix struct {
	GateFix
	Requests []string
}

// svgChart is one stacked bar of readiness: ready, can register, need a
// pass, blocked, each a share of the users.
type svgChart struct {
	Title, Desc string
	Bars        []svgBar
	Total       int
}

type svgBar struct {
	X, Width          float64
	Class, Label, Tip string
	LabelX            float64
	Count             int
}

const chartWidth = 560.0

func chart(name string, ready, can, need, blocked int) svgChart {
	total := ready + can + need + blocked
	c := svgChart{Title: "Readiness of " + name, Total: total,
		Desc: fmt.Sprintf("%d users: %d ready, %d can register, %d need a pass, %d blocked.", total, ready, can, need, blocked)}
	x := 0.0
	for _, part := range []struct {
		n            int
		class, label string
	}{{ready, "ready", "ready"}, {can, "can", "can register"}, {need, "pass", "need a pass"}, {blocked, "blocked", "blocked"}} {
		if part.n == 0 || total == 0 {
			continue
		}
		wd := chartWidth * float64(part.n) / float64(total)
		c.Bars = append(c.Bars, svgBar{X: x, Width: wd, Class: part.class, Label: part.label, Count: part.n, LabelX: x + 4,
			Tip: fmt.Sprintf("%s: %d of %d", part.label, part.n, total)})
		x += wd
	}
	return c
}

var planHTML = template.Must(template.New("plan").Funcs(template.FuncMap{
	"f1":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"lines": func(s string) []string { return strings.Split(s, "\n") },
	"code": func(s string) template.HTML {
		// Backquoted spans become <code>, everything else escaped.
		var b strings.Builder
		for i, part := range strings.Split(s, "`") {
			esc := template.HTMLEscapeString(part)
			if i%2 == 1 {
				b.WriteString("<code>" + esc + "</code>")
			} else {
				b.WriteString(esc)
			}
		}
		return template.HTML(b.String())
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<title>Passkey rollout plan: {{.Tenant}}</title>
<style>
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0; --ready: #1a7f37; --can: #0969da; --pass: #bf8700; --blocked: #cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; } }
body { font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3 { line-height: 1.25; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .3rem; margin-top: 2.5rem; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; } td.n { text-align: right; }
.muted { color: var(--muted); } code, pre { font: 13px/1.4 ui-monospace, monospace; } pre { white-space: pre-wrap; word-break: break-all; border: 1px solid var(--line); padding: .5rem; }
.msg { border: 1px solid var(--line); padding: .5rem 1rem; margin: 1rem 0; break-inside: avoid; } .msg p { margin: .4rem 0; }
svg .ready { fill: var(--ready); } svg .can { fill: var(--can); } svg .pass { fill: var(--pass); } svg .blocked { fill: var(--blocked); } svg text { fill: #fff; font: 12px system-ui, sans-serif; }
.legend span { display: inline-block; margin-right: 1rem; } .legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
.warn { border-left: 4px solid var(--blocked); padding-left: .8rem; }
@media print { body { margin: 0; max-width: none; } h2 { break-before: page; } h2:first-of-type { break-before: auto; } .msg, section { break-inside: avoid; } }
</style>
</head>
<body>
<h1>Passkey rollout plan: {{.Tenant}}</h1>
<p class="muted">Snapshot of {{.CapturedAt.UTC.Format "2006-01-02 15:04 MST"}}; the first wave starts on {{.Start}}.</p>
{{with .Warnings}}<div class="warn"><h3>Warnings</h3><ul>{{range .}}<li>{{code .}}</li>{{end}}</ul></div>{{end}}
<h3>Assumptions</h3>
<ul>{{range .Assumptions}}<li>{{.}}</li>{{end}}</ul>
<p class="legend"><span><i style="background:var(--ready)"></i>ready</span><span><i style="background:var(--can)"></i>can register</span><span><i style="background:var(--pass)"></i>need a pass</span><span><i style="background:var(--blocked)"></i>blocked</span></p>

<h2 id="segments">Segments</h2>
<table>
<thead><tr><th>segment</th><th>users</th><th>ready</th><th>can register</th><th>need a pass</th><th>blocked</th><th>tier</th></tr></thead>
<tbody>{{range .Segments}}<tr><td>{{.Name}}</td><td class="n">{{.Users}}</td><td class="n">{{.Ready}}</td><td class="n">{{.CanRegister}}</td><td class="n">{{.NeedPass}}</td><td class="n">{{.Blocked}}</td><td>{{.Profile.Tier}}</td></tr>{{end}}</tbody>
</table>
{{range .Segments}}
<section>
<h3>{{.Name}}</h3>
{{template "chart" .Chart}}
<ul>
{{with .Groups}}<li>Groups: {{range $i, $g := .}}{{if $i}}, {{end}}{{$g}}{{end}}</li>{{end}}
{{if .Privileged}}<li>Every member holds a privileged role.</li>{{end}}
<li>Rules: {{.Profile.Plain}}</li>
{{range .BlockedBy}}<li>Blocked by <code>{{.Finding}}</code> ({{.Users}} users): {{.Title}}</li>{{end}}
</ul>
</section>
{{end}}

<h2 id="waves">Waves</h2>
{{range $i, $w := .Waves}}
<section>
<h3>{{$w.Name}}: {{$w.Start}} to {{$w.End}}</h3>
{{template "chart" $w.Chart}}
<p>{{$w.Why}}</p>
<ul><li>Segments: {{range $j, $s := $w.Segments}}{{if $j}}; {{end}}{{$s}}{{end}}</li><li>Users: {{$w.Users}}</li>
<li>Gates: {{if $w.Gates}}{{range $j, $g := $w.Gates}}{{if $j}}, {{end}}<code>{{$g}}</code>{{end}}{{else}}none{{end}}</li></ul>
{{range $w.Fixes}}
<h4><code>{{.Finding}}</code> {{.Title}}</h4>
<p>{{.Description}}</p>
{{range .Requests}}<pre>{{.}}</pre>{{end}}
{{end}}
</section>
{{end}}

<h2 id="messages">Messages</h2>
{{range .Messages}}
<div class="msg">
<p class="muted">{{.Segment}} · {{.Kind}} · send {{.Send}}</p>
<p><strong>{{.Subject}}</strong></p>
{{range lines .Body}}<p>{{.}}</p>{{end}}
</div>
{{end}}

<h2 id="runbooks">Helpdesk runbooks</h2>
{{range .Runbooks}}
<section>
<h3>{{.Segment}}: {{.Title}}</h3>
<ol>{{range .Steps}}<li>{{code .}}</li>{{end}}</ol>
</section>
{{end}}
</body>
</html>
{{define "chart"}}<svg role="img" width="100%" viewBox="0 0 560 28" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg"><title>{{.Title}}</title><desc>{{.Desc}}</desc>{{range .Bars}}<g><title>{{.Tip}}</title><rect class="{{.Class}}" x="{{f1 .X}}" y="0" width="{{f1 .Width}}" height="28"></rect>{{if gt .Width 40.0}}<text x="{{f1 .LabelX}}" y="18">{{.Count}}</text>{{end}}</g>{{end}}</svg>{{end}}
`))
