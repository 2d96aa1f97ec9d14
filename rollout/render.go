package rollout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/keytier/keytier/readiness"
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
// and a Content-Security-Policy that forbids every load. Every value is
// escaped where it is written (esc; codeSpans for the text whose
// backquoted spans become <code>): the page puts values only in element
// text and in quoted attributes, where escaping &, <, >, " and ' is what
// makes them text. It is written without html/template so that a program
// linking rollout for the plan alone (the playground's WebAssembly) does
// not carry the template engine and the regular expressions its
// initialization compiles (docs/playground.md has the figures).
func (p *Plan) WriteHTML(w io.Writer) error {
	var b strings.Builder
	put := func(parts ...string) {
		for _, s := range parts {
			b.WriteString(s)
		}
	}
	n := strconv.Itoa
	put(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<title>Passkey rollout plan: `, esc(p.Tenant), `</title>
<style>
`, planCSS, `</style>
</head>
<body>
<h1>Passkey rollout plan: `, esc(p.Tenant), `</h1>
<p class="muted">Snapshot of `, esc(p.CapturedAt.UTC().Format("2006-01-02 15:04 MST")), `; the first wave starts on `, esc(p.Start), `.</p>
`)
	if len(p.Warnings) > 0 {
		put(`<div class="warn"><h3>Warnings</h3><ul>`)
		for _, x := range p.Warnings {
			put(`<li>`, codeSpans(x), `</li>`)
		}
		put(`</ul></div>`)
	}
	put("\n<h3>Assumptions</h3>\n<ul>")
	for _, x := range p.Assumptions {
		put(`<li>`, esc(x), `</li>`)
	}
	put(`</ul>
<p class="legend"><span><i style="background:var(--ready)"></i>ready</span><span><i style="background:var(--can)"></i>can register</span><span><i style="background:var(--pass)"></i>need a pass</span><span><i style="background:var(--blocked)"></i>blocked</span></p>

<h2 id="segments">Segments</h2>
<table>
<thead><tr><th>segment</th><th>users</th><th>ready</th><th>can register</th><th>need a pass</th><th>blocked</th><th>tier</th></tr></thead>
<tbody>`)
	for _, s := range p.Segments {
		put(`<tr><td>`, esc(s.Name), `</td><td class="n">`, n(s.Users), `</td><td class="n">`, n(s.Ready), `</td><td class="n">`, n(s.CanRegister),
			`</td><td class="n">`, n(s.NeedPass), `</td><td class="n">`, n(s.Blocked), `</td><td>`, esc(s.Profile.Tier), `</td></tr>`)
	}
	put("</tbody>\n</table>\n")
	for _, s := range p.Segments {
		put("\n<section>\n<h3>", esc(s.Name), "</h3>\n")
		writeChart(&b, chart(s.Name, s.Ready, s.CanRegister, s.NeedPass, s.Blocked))
		put("\n<ul>\n")
		if len(s.Groups) > 0 {
			put(`<li>Groups: `, joinEsc(s.Groups, ", "), `</li>`)
		}
		put("\n")
		if s.Privileged {
			put(`<li>Every member holds a privileged role.</li>`)
		}
		put("\n<li>Rules: ", esc(s.Profile.Plain), "</li>\n")
		for _, bl := range s.BlockedBy {
			put(`<li>Blocked by <code>`, esc(bl.Finding), `</code> (`, n(bl.Users), ` users): `, esc(bl.Title), `</li>`)
		}
		put("\n</ul>\n</section>\n")
	}
	put("\n\n<h2 id=\"waves\">Waves</h2>\n")
	for _, wv := range p.Waves {
		var r, c, np, bl int
		for _, s := range p.Segments {
			for _, name := range wv.Segments {
				if s.Name == name {
					r, c, np, bl = r+s.Ready, c+s.CanRegister, np+s.NeedPass, bl+s.Blocked
				}
			}
		}
		put("\n<section>\n<h3>", esc(wv.Name), ": ", esc(wv.Start), " to ", esc(wv.End), "</h3>\n")
		writeChart(&b, chart(wv.Name, r, c, np, bl))
		put("\n<p>", esc(wv.Why), "</p>\n<ul><li>Segments: ", joinEsc(wv.Segments, "; "), "</li><li>Users: ", n(wv.Users), "</li>\n<li>Gates: ")
		if len(wv.Gates) == 0 {
			put("none")
		}
		for j, g := range wv.Gates {
			if j > 0 {
				put(", ")
			}
			put(`<code>`, esc(g), `</code>`)
		}
		put("</li></ul>\n")
		for _, f := range wv.Fixes {
			put("\n<h4><code>", esc(f.Finding), "</code> ", esc(f.Title), "</h4>\n<p>", esc(f.Description), "</p>\n")
			for _, g := range f.GraphRequests {
				put(`<pre>`, esc(requestText(g)), `</pre>`)
			}
			put("\n")
		}
		put("\n</section>\n")
	}
	put("\n\n<h2 id=\"messages\">Messages</h2>\n")
	for _, m := range p.Messages {
		put("\n<div class=\"msg\">\n<p class=\"muted\">", esc(m.Segment), " · ", esc(m.Kind), " · send ", esc(m.Send), "</p>\n<p><strong>", esc(m.Subject), "</strong></p>\n")
		for _, l := range strings.Split(m.Body, "\n") {
			put(`<p>`, esc(l), `</p>`)
		}
		put("\n</div>\n")
	}
	put("\n\n<h2 id=\"runbooks\">Helpdesk runbooks</h2>\n")
	for _, r := range p.Runbooks {
		put("\n<section>\n<h3>", esc(r.Segment), ": ", esc(r.Title), "</h3>\n<ol>")
		for _, st := range r.Steps {
			put(`<li>`, codeSpans(st), `</li>`)
		}
		put("</ol>\n</section>\n")
	}
	put("\n</body>\n</html>\n\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// requestText is a Graph call as the page shows it: the method and URL,
// then the body indented.
func requestText(g readiness.GraphRequest) string {
	var body bytes.Buffer
	if len(g.Body) > 0 && json.Indent(&body, g.Body, "", "  ") != nil {
		body.Reset()
		body.Write(g.Body)
	}
	s := g.Method + " " + g.URL
	if body.Len() > 0 {
		s += "\n\n" + body.String()
	}
	return s
}

// htmlEscaper escapes text for HTML element content and quoted attribute
// values, as html/template does there (+ included, NUL replaced).
var htmlEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

func esc(s string) string { return htmlEscaper.Replace(s) }

// codeEscaper is text/template's HTMLEscapeString: the escaping of the
// text codeSpans puts between its <code> elements.
var codeEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "'", "&#39;", "&", "&amp;", "<", "&lt;", ">", "&gt;")

// codeSpans escapes s and makes its backquoted spans <code> elements.
func codeSpans(s string) string {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		e := codeEscaper.Replace(part)
		if i%2 == 1 {
			b.WriteString("<code>" + e + "</code>")
		} else {
			b.WriteString(e)
		}
	}
	return b.String()
}

func joinEsc(list []string, sep string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = esc(s)
	}
	return strings.Join(out, sep)
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

func writeChart(b *strings.Builder, c svgChart) {
	f1 := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	b.WriteString(`<svg role="img" width="100%" viewBox="0 0 560 28" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg"><title>` +
		esc(c.Title) + `</title><desc>` + esc(c.Desc) + `</desc>`)
	for _, bar := range c.Bars {
		b.WriteString(`<g><title>` + esc(bar.Tip) + `</title><rect class="` + esc(bar.Class) + `" x="` + f1(bar.X) + `" y="0" width="` + f1(bar.Width) + `" height="28"></rect>`)
		if bar.Width > 40.0 {
			b.WriteString(`<text x="` + f1(bar.LabelX) + `" y="18">` + strconv.Itoa(bar.Count) + `</text>`)
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
}

// planCSS is the page's style sheet: light and dark, and print rules that
// start each part on a page of its own.
const planCSS = `:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0; --ready: #1a7f37; --can: #0969da; --pass: #bf8700; --blocked: #cf222e; }
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
`
