package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keytier/keytier/readiness"
)

// renderAuditHTML writes the report as one self-contained HTML page: inline
// CSS, two inline SVG charts computed here, no script, and a
// Content-Security-Policy that forbids every network load, so the page
// reads the same offline, from a mail attachment or a ticket. Every value of
// the report goes through html/template's contextual escaping. The output
// depends only on the report: no clock, no map order.
func renderAuditHTML(w io.Writer, r readiness.Report) error {
	var buf bytes.Buffer
	if err := auditHTMLTemplate.Execute(&buf, newAuditPage(r)); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// auditPage is what the template renders; chart geometry and every derived
// string are computed in Go so that the template only places them.
type auditPage struct {
	Report     readiness.Report
	CapturedAt string
	Counts     string
	Coverage   string
	Tiers      svgChart
	Groups     []readiness.GroupSummary
	GroupChart svgChart
	Findings   []htmlFinding
	Passed     []htmlCheck
}

type htmlFinding struct {
	readiness.Finding
	Anchor   string
	SevClass string
	SevLabel string
	// OpenUsers: the user list starts expanded when it is short.
	OpenUsers bool
	// Requests are the fix's Graph calls as HTTP messages, in order.
	Requests []string
}

type htmlCheck struct{ ID, Title string }

// svgChart is a horizontal bar chart: one row per bar, a label column on the
// left, the bar area, and the value on the right. Coordinates are strings
// formatted with one decimal so the output is byte-stable.
type svgChart struct {
	ID, Title, Desc string
	Width, Height   int
	// LabelX is where right-aligned labels end; BarX where bars start,
	// BarWidth the full length of a bar (100 %).
	LabelX, BarX, BarWidth int
	// Marker, when set, is a vertical reference line across the bars.
	Marker *svgMarker
	Bars   []svgBar
}

type svgMarker struct {
	X, Y1, Y2, TextY string
	Label            string
}

type svgBar struct {
	// Label is shown (shortened when long); Title is the tooltip and
	// accessible name of the row.
	Label, Title string
	Class        string
	Y, TextY     string
	Width        string
	Value        string
	ValueX       string
}

const (
	svgRow       = 28
	svgBarHeight = 18
	svgTop       = 8
	svgValueCol  = 170
	svgCharWidth = 7 // average advance of the 13px sans-serif labels
	svgMaxLabel  = 34
)

func newAuditPage(r readiness.Report) auditPage {
	s := r.Summary
	p := auditPage{
		Report:     r,
		CapturedAt: r.CapturedAt.Format(time.RFC3339),
		Counts:     severityCounts(r.Findings),
		Coverage:   percent(s.PasswordlessCoverage),
		Tiers:      tierChart(s),
	}
	p.Groups = slices.Clone(s.Groups)
	slices.SortStableFunc(p.Groups, func(a, b readiness.GroupSummary) int {
		return cmp.Or(
			cmp.Compare(a.PasswordlessCoverage, b.PasswordlessCoverage),
			cmp.Compare(groupName(a), groupName(b)),
			cmp.Compare(a.ID, b.ID),
		)
	})
	p.GroupChart = coverageChart(p.Groups, s.PasswordlessCoverage)

	used := map[string]bool{}
	for _, f := range r.Findings {
		hf := htmlFinding{
			Finding:   f,
			Anchor:    uniqueAnchor("finding-"+f.ID, used),
			SevClass:  severityClass(f.Severity),
			SevLabel:  strings.ToUpper(string(f.Severity)),
			OpenUsers: len(f.Users) <= maxListed,
		}
		for _, g := range f.Remediation.Requests() {
			hf.Requests = append(hf.Requests, graphRequestText(&g))
		}
		p.Findings = append(p.Findings, hf)
	}

	titles := map[string]string{}
	for _, c := range readiness.Checks() {
		titles[c.ID] = c.Title
	}
	for _, id := range r.Passed {
		p.Passed = append(p.Passed, htmlCheck{ID: id, Title: titles[id]})
	}
	return p
}

func groupName(g readiness.GroupSummary) string {
	if g.DisplayName == "" {
		return g.ID
	}
	return g.DisplayName
}

// severityClass maps a severity to its badge class; a value readiness does
// not define gets a neutral badge rather than a class built from data.
func severityClass(s readiness.Severity) string {
	if s.Rank() <= readiness.SeverityInfo.Rank() {
		return "sev-" + string(s)
	}
	return "sev-unknown"
}

// uniqueAnchor turns a finding id into an HTML id: ASCII letters, digits,
// '-', '_' and '.', anything else replaced by '-', with a numeric suffix when
// two ids collapse to the same anchor.
func uniqueAnchor(id string, used map[string]bool) string {
	b := []byte(id)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	base := string(b)
	a := base
	for n := 2; used[a]; n++ {
		a = base + "-" + strconv.Itoa(n)
	}
	used[a] = true
	return a
}

// graphRequestText is the fixing request as an HTTP message: request line,
// then the JSON body, indented, when there is one.
func graphRequestText(g *readiness.GraphRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", g.Method, g.URL)
	if len(g.Body) > 0 {
		var body bytes.Buffer
		if err := json.Indent(&body, g.Body, "", "  "); err != nil {
			body.Reset()
			body.Write(g.Body)
		}
		fmt.Fprintf(&b, "\nContent-Type: application/json\n\n%s", body.Bytes())
	}
	for _, x := range g.Bind {
		fmt.Fprintf(&b, "\n\n%s", bindText(x))
	}
	return b.String()
}

// xmlText keeps a value usable inside SVG, which a page may be parsed as
// XML: invalid UTF-8 and the characters XML 1.0 forbids become U+FFFD.
func xmlText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

// shortLabel bounds a chart label to svgMaxLabel characters.
func shortLabel(s string) string {
	s = xmlText(s)
	if utf8.RuneCountInString(s) <= svgMaxLabel {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:svgMaxLabel-1])) + "…"
}

func px(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// barLength is share of the full length; a non-zero count never vanishes.
func barLength(n, of int, full int) float64 {
	if n <= 0 || of <= 0 {
		return 0
	}
	return max(float64(n)/float64(of)*float64(full), 1)
}

// layout sets the columns of a chart from its longest label.
func (c *svgChart) layout(labels []string, top int) {
	longest := 0
	for _, l := range labels {
		longest = max(longest, utf8.RuneCountInString(l))
	}
	c.Width = 680
	c.LabelX = min(max(longest*svgCharWidth+8, 48), svgMaxLabel*svgCharWidth+8)
	c.BarX = c.LabelX + 10
	c.BarWidth = c.Width - c.BarX - svgValueCol
	c.Height = top + len(labels)*svgRow + svgTop
}

func (c *svgChart) row(i, top int) (y, textY string) {
	y0 := float64(top + i*svgRow)
	return px(y0), px(y0 + svgBarHeight/2 + 4.5)
}

// tierChart: users per assurance level, bars scaled to all users.
func tierChart(s readiness.Summary) svgChart {
	tiers := []struct {
		label, class string
		n            int
	}{
		{"AAL3", "tier-aal3", s.ByAAL.AAL3},
		{"AAL2", "tier-aal2", s.ByAAL.AAL2},
		{"AAL1", "tier-aal1", s.ByAAL.AAL1},
		{"none", "tier-none", s.ByAAL.None},
	}
	c := svgChart{
		ID:    "chart-tiers",
		Title: "Users by assurance level",
		Desc: fmt.Sprintf("%d users by the best assurance level of their methods: AAL3 %d, AAL2 %d, AAL1 %d, none %d.",
			s.Users, s.ByAAL.AAL3, s.ByAAL.AAL2, s.ByAAL.AAL1, s.ByAAL.None),
	}
	labels := make([]string, len(tiers))
	for i, t := range tiers {
		labels[i] = t.label
	}
	c.layout(labels, svgTop)
	for i, t := range tiers {
		y, ty := c.row(i, svgTop)
		share := 0.0
		if s.Users > 0 {
			share = float64(t.n) / float64(s.Users)
		}
		value := fmt.Sprintf("%d users · %s", t.n, percent(share))
		w := barLength(t.n, s.Users, c.BarWidth)
		c.Bars = append(c.Bars, svgBar{
			Label:  t.label,
			Title:  t.label + ": " + value,
			Class:  t.class,
			Y:      y,
			TextY:  ty,
			Width:  px(w),
			Value:  value,
			ValueX: px(float64(c.BarX) + w + 6),
		})
	}
	return c
}

// coverageChart: the share of each group's users holding a passwordless
// phishing-resistant method, with the tenant-wide share as a marker.
func coverageChart(groups []readiness.GroupSummary, tenant float64) svgChart {
	const top = 24 // room for the marker's label
	c := svgChart{
		ID:    "chart-coverage",
		Title: "Passwordless coverage by group",
	}
	var desc []string
	labels := make([]string, len(groups))
	for i, g := range groups {
		labels[i] = shortLabel(groupName(g))
		if g.Users == 0 {
			desc = append(desc, xmlText(groupName(g))+" no enabled users")
		} else {
			desc = append(desc, xmlText(groupName(g))+" "+percent(g.PasswordlessCoverage))
		}
	}
	c.Desc = "Share of each group's enabled users holding a passkey, Windows Hello for Business or a macOS platform credential, lowest first; tenant-wide " + percent(tenant) + "."
	if len(desc) > 0 {
		c.Desc += " " + strings.Join(desc, ", ") + "."
	} else {
		c.Desc += " The snapshot has no groups."
	}
	c.layout(labels, top)
	c.Height = max(c.Height, top+svgRow)
	for i, g := range groups {
		y, ty := c.row(i, top)
		w := 0.0
		value := "no enabled users"
		if g.Users > 0 {
			w = g.PasswordlessCoverage * float64(c.BarWidth)
			value = fmt.Sprintf("%s of %d", percent(g.PasswordlessCoverage), g.Users)
		}
		class := "cov"
		if g.Users > 0 && g.PasswordlessCoverage < tenant {
			class = "cov cov-below"
		}
		c.Bars = append(c.Bars, svgBar{
			Label:  labels[i],
			Title:  xmlText(groupName(g)) + ": " + value,
			Class:  class,
			Y:      y,
			TextY:  ty,
			Width:  px(w),
			Value:  value,
			ValueX: px(float64(c.BarX+c.BarWidth) + 6),
		})
	}
	x := px(float64(c.BarX) + tenant*float64(c.BarWidth))
	c.Marker = &svgMarker{
		X:     x,
		Y1:    px(top - 4),
		Y2:    px(float64(c.Height - svgTop + 2)),
		TextY: px(top - 8),
		Label: "tenant " + percent(tenant),
	}
	return c
}

var auditHTMLTemplate = template.Must(template.New("audit.html").Funcs(template.FuncMap{
	"join":    strings.Join,
	"percent": percent,
}).Parse(auditHTMLSource))

// figuresCSS styles the figures and the SVG bar charts that the audit
// and fleet pages share.
const figuresCSS = `.muted { color: var(--muted); }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .5rem; margin: 1rem 0; padding: 0; }
.figures div { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
.figures dt { color: var(--muted); font-size: .85rem; }
.figures dd { margin: 0; font-size: 1.35rem; font-weight: 600; }
figure { margin: 1rem 0; }
svg.chart { display: block; width: 100%; height: auto; max-width: 680px; font: 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
svg.chart text { fill: var(--fg); }
svg.chart .label { text-anchor: end; }
svg.chart .value { fill: var(--muted); }
svg.chart .track { fill: var(--track); }
`

const auditHTMLSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Passkey readiness: {{.Report.Tenant.DisplayName}}</title>
<style>
:root { color-scheme: light dark; --fg: #1d232b; --muted: #5a6572; --bg: #ffffff; --panel: #f4f6f8; --line: #d5dbe1; --accent: #2f6fb2;
  --aal3: #1f7a4d; --aal2: #2f6fb2; --aal1: #c27c0e; --none: #b3261e; --track: #e3e8ed;
  --critical: #b3261e; --high: #c4510b; --medium: #9a6a00; --low: #2f6fb2; --info: #5a6572; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e4e8ec; --muted: #a2adb8; --bg: #15191e; --panel: #1e242b; --line: #38414b; --accent: #7db3ea;
    --aal3: #4cc28a; --aal2: #6aa6e6; --aal1: #e0a640; --none: #f07167; --track: #2c343d;
    --critical: #f07167; --high: #f08c4a; --medium: #e0b64a; --low: #7db3ea; --info: #a2adb8; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1.5rem; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 0 0 .5rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
` + figuresCSS + `.tier-aal3 { fill: var(--aal3); } .tier-aal2 { fill: var(--aal2); } .tier-aal1 { fill: var(--aal1); } .tier-none { fill: var(--none); }
.cov { fill: var(--aal3); } .cov-below { fill: var(--aal1); }
svg.chart .marker { stroke: var(--fg); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg.chart .marker-label { text-anchor: middle; fill: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
a { color: var(--accent); }
.badge { display: inline-block; min-width: 5.5rem; text-align: center; border-radius: 4px; padding: .05rem .4rem; font-size: .75rem; font-weight: 700; letter-spacing: .04em; color: #fff; vertical-align: .1em; }
@media (prefers-color-scheme: dark) { .badge { color: #15191e; } }
.sev-critical { background: var(--critical); } .sev-high { background: var(--high); } .sev-medium { background: var(--medium); }
.sev-low { background: var(--low); } .sev-info, .sev-unknown { background: var(--info); }
article.finding { border: 1px solid var(--line); border-left-width: 5px; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
article.finding.sev-critical { border-left-color: var(--critical); } article.finding.sev-high { border-left-color: var(--high); }
article.finding.sev-medium { border-left-color: var(--medium); } article.finding.sev-low { border-left-color: var(--low); }
article.finding.sev-info, article.finding.sev-unknown { border-left-color: var(--info); }
.meta { margin: .25rem 0; }
ul.names { list-style: none; margin: .25rem 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem .5rem; }
ul.names li { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 0 .35rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .82rem; overflow-wrap: anywhere; }
blockquote { margin: .5rem 0; padding: .25rem .75rem; border-left: 3px solid var(--line); color: var(--muted); }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .75rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
summary { cursor: pointer; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .85rem; }
@media print { body { max-width: none; } article.finding { break-inside: avoid; } }
</style>
</head>
<body>
<header>
<h1>Passkey readiness: {{.Report.Tenant.DisplayName}}</h1>
<p class="muted">Tenant <code>{{.Report.Tenant.ID}}</code> · snapshot captured <time datetime="{{.CapturedAt}}">{{.CapturedAt}}</time></p>
</header>
<main>
<section aria-labelledby="summary">
<h2 id="summary">Summary</h2>
{{with .Report.Summary -}}
<dl class="figures">
<div><dt>Users</dt><dd>{{.Users}}</dd></div>
<div><dt>AAL3</dt><dd>{{.ByAAL.AAL3}}</dd></div>
<div><dt>AAL2</dt><dd>{{.ByAAL.AAL2}}</dd></div>
<div><dt>AAL1</dt><dd>{{.ByAAL.AAL1}}</dd></div>
<div><dt>none</dt><dd>{{.ByAAL.None}}</dd></div>
<div><dt>No phishing-resistant method</dt><dd>{{.NoPhishingResistantMethod}}</dd></div>
<div><dt>Passwordless coverage</dt><dd>{{$.Coverage}}</dd></div>
</dl>
{{- end}}
<p class="muted">Enabled accounts only; each user counts at the best assurance level any of their registered methods reaches.</p>
{{template "chart" .Tiers}}
</section>
<section aria-labelledby="groups">
<h2 id="groups">Passwordless coverage by group</h2>
{{template "chart" .GroupChart}}
{{- if .Groups}}
<table>
<caption class="muted">Groups, lowest passwordless coverage first</caption>
<thead><tr><th>Group</th><th class="n">Users</th><th class="n">AAL3</th><th class="n">AAL2</th><th class="n">AAL1</th><th class="n">none</th><th class="n">No phishing-resistant</th><th class="n">Passwordless</th></tr></thead>
<tbody>
{{- range .Groups}}
<tr><td>{{.DisplayName}}</td><td class="n">{{.Users}}</td><td class="n">{{.ByAAL.AAL3}}</td><td class="n">{{.ByAAL.AAL2}}</td><td class="n">{{.ByAAL.AAL1}}</td><td class="n">{{.ByAAL.None}}</td><td class="n">{{.NoPhishingResistantMethod}}</td><td class="n">{{percent .PasswordlessCoverage}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
</section>
<section aria-labelledby="findings">
<h2 id="findings">Findings ({{.Counts}})</h2>
{{- if .Findings}}
<table>
<thead><tr><th>Severity</th><th>Finding</th><th>Title</th><th class="n">Users</th></tr></thead>
<tbody>
{{- range .Findings}}
<tr><td><span class="badge {{.SevClass}}">{{.SevLabel}}</span></td><td><a href="#{{.Anchor}}"><code>{{.ID}}</code></a></td><td>{{.Title}}</td><td class="n">{{len .Users}}</td></tr>
{{- end}}
</tbody>
</table>
{{- range .Findings}}{{$f := .}}
<article class="finding {{.SevClass}}" id="{{.Anchor}}">
<h3><span class="badge {{.SevClass}}">{{.SevLabel}}</span> <code>{{.ID}}</code> {{.Title}}</h3>
{{- with .EIDSCA}}
<p class="meta"><strong>Maester:</strong> {{join . ", "}}</p>
{{- end}}
{{- with .Users}}
{{if $f.OpenUsers}}<details open>{{else}}<details>{{end}}<summary><strong>Users ({{len .}})</strong></summary>
<ul class="names">{{range .}}<li>{{.}}</li>{{end}}</ul>
</details>
{{- end}}
{{- with .Groups}}
<p class="meta"><strong>Groups:</strong> {{join . ", "}}</p>
{{- end}}
<p>{{.Admin}}</p>
<blockquote><strong>For users:</strong> {{.Plain}}</blockquote>
<p><strong>Fix:</strong> {{.Remediation.Description}}</p>
{{- with .Remediation.Prerequisites}}
<p class="meta"><strong>Before the calls:</strong></p>
<ul>{{range .}}<li>{{.User}}: <code>{{.Step}}</code> ({{.Reason}})</li>{{end}}</ul>
{{- end}}
{{- if gt (len .Requests) 1}}
<p class="meta">{{len .Requests}} requests, in order:</p>
{{- end}}
{{- range .Requests}}
<pre><code>{{.}}</code></pre>
{{- end}}
</article>
{{- end}}
{{- else}}
<p>No findings.</p>
{{- end}}
</section>
{{- if .Passed}}
<section aria-labelledby="passed">
<h2 id="passed">Passed checks</h2>
<ul>
{{- range .Passed}}
<li><code>{{.ID}}</code> {{.Title}}</li>
{{- end}}
</ul>
</section>
{{- end}}
</main>
<footer>keytier audit · {{.Report.Tenant.DisplayName}} · snapshot captured {{.CapturedAt}}</footer>
</body>
</html>
{{define "chart" -}}
<figure>
<svg class="chart" id="{{.ID}}" role="img" aria-labelledby="{{.ID}}-title {{.ID}}-desc" viewBox="0 0 {{.Width}} {{.Height}}" width="{{.Width}}" height="{{.Height}}">
<title id="{{.ID}}-title">{{.Title}}</title>
<desc id="{{.ID}}-desc">{{.Desc}}</desc>
{{- $c := .}}
{{- range .Bars}}
<g>
<title>{{.Title}}</title>
<text class="label" x="{{$c.LabelX}}" y="{{.TextY}}">{{.Label}}</text>
<rect class="track" x="{{$c.BarX}}" y="{{.Y}}" width="{{$c.BarWidth}}" height="18" rx="3"/>
<rect class="{{.Class}}" x="{{$c.BarX}}" y="{{.Y}}" width="{{.Width}}" height="18" rx="3"/>
<text class="value" x="{{.ValueX}}" y="{{.TextY}}">{{.Value}}</text>
</g>
{{- end}}
{{- with .Marker}}
<line class="marker" x1="{{.X}}" y1="{{.Y1}}" x2="{{.X}}" y2="{{.Y2}}"/>
<text class="marker-label" x="{{.X}}" y="{{.TextY}}">{{.Label}}</text>
{{- end}}
</svg>
</figure>
{{- end}}
`
