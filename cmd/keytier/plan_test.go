package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/internal/browsertest"
)

// TestPlanGolden: the demo tenant's plan in each format. Regenerate with
// `go test ./cmd/keytier -update`, then read the diff: every segment,
// wave, message and runbook names the tenant's own groups, rules and
// lifetimes.
func TestPlanGolden(t *testing.T) {
	for _, tc := range []struct{ golden, format string }{
		{"plan-demo.md", "markdown"},
		{"plan-demo.html", "html"},
		{"plan-demo.json", "json"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", "plan", "--format", tc.format)
			require.Equal(t, exitOK, code, errOut)
			path := filepath.Join("testdata", tc.golden)
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), out)
		})
	}
}

// TestPlanGatesAreAuditIDs: every gate of the plan is the id of a finding
// in `keytier audit --format json` of the same snapshot.
func TestPlanGatesAreAuditIDs(t *testing.T) {
	code, out, errOut := runCLI(t, "", "audit", "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	ids := map[string]bool{}
	for _, f := range decodeAudit(t, out).Findings {
		ids[f.ID] = true
	}
	code, out, errOut = runCLI(t, "", "plan", "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	var p struct {
		Waves []struct {
			Gates []string `json:"gates"`
		} `json:"waves"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	n := 0
	for _, w := range p.Waves {
		for _, g := range w.Gates {
			assert.True(t, ids[g], g)
			n++
		}
	}
	assert.Positive(t, n)
}

// TestPlanExitCodes: 0 on a plan, 2 on usage and an unreadable snapshot,
// with the one error object under --format json.
func TestPlanExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"tenant":{"id":"x"},"users":[{"id":"u"}`), 0o600))
	for _, tc := range []struct {
		name    string
		stdin   string
		args    []string
		code    string // error code in the JSON object
		message string
	}{
		{name: "truncated snapshot", args: []string{bad}, code: "snapshot", message: "the snapshot is unreadable"},
		{name: "not JSON on stdin", stdin: "nope", args: []string{"-"}, code: "snapshot", message: "the snapshot is unreadable"},
		{name: "unknown format", args: []string{"--format", "pdf"}, code: "usage", message: "unknown --format"},
		{name: "two snapshots", args: []string{"a", "b"}, code: "usage", message: "one snapshot at a time"},
		{name: "missing file", args: []string{filepath.Join(dir, "nope.json")}, code: "usage", message: "no such file"},
		{name: "bad start", args: []string{"--start", "next week"}, code: "usage", message: "--start \"next week\": want a date"},
		{name: "language", args: []string{"--lang", "fr"}, code: "usage", message: "English (en) only"},
		{name: "unknown flag", args: []string{"--nope"}, code: "usage", message: "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.stdin, append([]string{"plan"}, tc.args...)...)
			assert.Equal(t, exitUsage, code, errOut)
			assert.Contains(t, errOut, tc.message)
			assert.Empty(t, out)

			if tc.name == "unknown format" {
				return // no JSON was asked for
			}
			code, out, _ = runCLI(t, tc.stdin, append([]string{"plan", "--format", "json"}, tc.args...)...)
			assert.Equal(t, exitUsage, code)
			dec := json.NewDecoder(strings.NewReader(out))
			var members map[string]json.RawMessage
			require.NoError(t, dec.Decode(&members), out)
			assert.False(t, dec.More(), "exactly one JSON object")
			var e struct{ Code, Message string }
			require.NoError(t, json.Unmarshal(members["error"], &e))
			assert.Equal(t, tc.code, e.Code)
			assert.Contains(t, e.Message, tc.message)
			assert.Equal(t, "null", string(members["tenant"]))
			for _, m := range []string{"segments", "waves", "messages", "runbooks"} {
				assert.Equal(t, "[]", string(members[m]), m)
			}
		})
	}
}

// TestPlanOut: --out FILE writes the format asked; --out DIR writes the
// three files, or the one --format names.
func TestPlanOut(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "", "plan", "--out", dir, "--start", "2026-09-01")
	require.Equal(t, exitOK, code, errOut)
	assert.Empty(t, out)
	for _, name := range []string{"plan.md", "plan.html", "plan.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Contains(t, string(b), "2026-09-01", name)
	}
	one := t.TempDir()
	code, _, errOut = runCLI(t, "", "plan", "--out", one, "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	entries, err := os.ReadDir(one)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "plan.json", entries[0].Name())

	fresh := filepath.Join(t.TempDir(), "plan") + string(os.PathSeparator)
	code, _, errOut = runCLI(t, "", "plan", "--out", fresh)
	require.Equal(t, exitOK, code, errOut)
	_, err = os.Stat(filepath.Join(fresh, "plan.html"))
	require.NoError(t, err, "a path ending in / is a directory to create")

	file := filepath.Join(t.TempDir(), "rollout.html")
	code, _, errOut = runCLI(t, "", "plan", "--format", "html", "--out", file)
	require.Equal(t, exitOK, code, errOut)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "<!DOCTYPE html>"))
}

// TestPlanHTMLInChromium: the demo plan's page renders in headless
// Chromium with no console message and no request but the page itself,
// with one chart per segment and per wave.
func TestPlanHTMLInChromium(t *testing.T) {
	chromium := browsertest.Chromium(t, "TestPlanHTMLInChromium")
	path, err := filepath.Abs(filepath.Join("testdata", "plan-demo.html"))
	require.NoError(t, err)
	page, err := os.ReadFile(path)
	require.NoError(t, err)

	alloc, cancel := chromedp.NewExecAllocator(context.Background(), browsertest.Options(t, chromium)...)
	defer cancel()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	// Start the browser on the tab's own context: a first action on a
	// shorter-lived context would end the browser with it.
	require.NoError(t, chromedp.Do(tab))
	console := browsertest.RecordConsole(tab)
	netlog, err := browsertest.RecordNetwork(tab, 400)
	require.NoError(t, err)
	ctx, cancelTimeout := context.WithTimeout(tab, 60*time.Second)
	defer cancelTimeout()

	pageURL := (&url.URL{Scheme: "file", Path: path}).String()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(pageURL), chromedp.WaitReady(chromedp.CSS("body"))))
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg[role=img]").length`))
	require.NoError(t, err)
	title, err := chromedp.Run(ctx, chromedp.Title())
	require.NoError(t, err)
	assert.Equal(t, "Passkey rollout plan: Northwind Fabrication", title)
	assert.Equal(t, strings.Count(string(page), "<svg role=\"img\""), charts)
	assert.Equal(t, 5, charts, "two segments and three waves")
	assert.Empty(t, console.Messages(), "no console message")
	assert.Equal(t, []string{pageURL}, netlog.Requests(), "no request leaves the page")
	assert.Empty(t, netlog.Failures())
}

// TestPlanDocExample keeps docs/plan.md's example the demo tenant's plan:
// the block between its markers is the JSON the command prints, cut to one
// of each kind. -update rewrites it.
func TestPlanDocExample(t *testing.T) {
	code, out, errOut := runCLI(t, "", "plan", "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	var full map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &full))
	first := func(k string) []any {
		l, _ := full[k].([]any)
		if len(l) > 1 {
			return l[len(l)-1:] // the workforce's: the longest-lived
		}
		return l
	}
	waves, _ := full["waves"].([]any)
	example := map[string]any{
		"tenant": full["tenant"], "tenantId": full["tenantId"], "capturedAt": full["capturedAt"], "start": full["start"],
		"assumptions": full["assumptions"], "warnings": full["warnings"], "tap": full["tap"],
		"segments": first("segments"), "waves": waves[:1], "messages": first("messages"), "runbooks": first("runbooks"),
	}
	b, err := json.MarshalIndent(example, "", "  ")
	require.NoError(t, err)
	block := "```json\n" + string(b) + "\n```\n"

	const begin, end = "<!-- example: generated by TestPlanDocExample -->\n", "<!-- end of example -->"
	path := filepath.Join("..", "..", "docs", "plan.md")
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	require.True(t, i >= 0 && j > i, "docs/plan.md holds the example's markers")
	if *update {
		doc = []byte(string(doc[:i+len(begin)]) + block + string(doc[j:]))
		require.NoError(t, os.WriteFile(path, doc, 0o644))
	}
	assert.Equal(t, block, string(doc[i+len(begin):j]), "docs/plan.md's example is stale: go test ./cmd/keytier -run TestPlanDocExample -update")
}

// TestPlanFromGraph: --tenant reaches a live tenant as audit --tenant does
// (here the Graph-speaking test server holding the demo tenant), and the
// plan is the one the same snapshot makes from a file.
func TestPlanFromGraph(t *testing.T) {
	srv := graphServer(t)
	want := demo.Snapshot()
	// The live snapshot is taken now: both plans are as of the demo's
	// capturedAt, when its passes are still active.
	asOf := want.CapturedAt.Format(time.RFC3339)
	code, live, stderr := runCLI(t, "", "plan", "--tenant", want.Tenant.ID, "--auth", "token", "--graph-endpoint", srv.URL, "--format", "json", "--start", "2026-09-07", "--at", asOf)
	require.Equal(t, exitOK, code, stderr)
	assert.NotContains(t, live+stderr, graphToken)
	code, fromDemo, stderr := runCLI(t, "", "plan", "--format", "json", "--start", "2026-09-07", "--at", asOf)
	require.Equal(t, exitOK, code, stderr)
	assert.JSONEq(t, stripCaptured(fromDemo), stripCaptured(live))
}
