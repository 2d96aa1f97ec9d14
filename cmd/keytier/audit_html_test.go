package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/readiness"
)

// TestAuditHTMLGolden: the demo tenant's HTML report. Regenerate with
// `go test ./cmd/keytier -update`.
func TestAuditHTMLGolden(t *testing.T) {
	code, out, errOut := runCLI(t, "", "audit", "--format", "html")
	require.Equal(t, exitOK, code, errOut)
	path := filepath.Join("testdata", "audit-demo.html")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create it")
	assert.Equal(t, string(want), out)

	code, again, _ := runCLI(t, "", "audit", "--format", "html")
	require.Equal(t, exitOK, code)
	assert.Equal(t, out, again, "the same report renders to the same bytes")
}

func auditHTML(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, stdin, append([]string{"audit", "--format", "html"}, args...)...)
	require.Equal(t, exitOK, code, errOut)
	return out
}

var (
	tagRE  = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*/?>`)
	attrRE = regexp.MustCompile(`([^\s=>/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?`)
)

type htmlTag struct {
	name  string
	attrs map[string]string
}

// htmlTags lists the start tags of a page html/template wrote: it escapes
// '<', '>' and quotes in text and attribute values, so a tag starts at every
// '<' followed by a letter.
func htmlTags(t *testing.T, page string) []htmlTag {
	t.Helper()
	var tags []htmlTag
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		tag := htmlTag{name: strings.ToLower(m[1]), attrs: map[string]string{}}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			v := strings.Trim(a[2], `"'`)
			tag.attrs[strings.ToLower(a[1])] = html.UnescapeString(v)
		}
		tags = append(tags, tag)
	}
	// Every '<' followed by a letter was matched as a whole tag.
	require.Equal(t, len(regexp.MustCompile(`<[a-zA-Z]`).FindAllString(page, -1)), len(tags), "unparsed start tag")
	return tags
}

func TestAuditHTMLSelfContained(t *testing.T) {
	page := auditHTML(t, "")
	assert.True(t, strings.HasPrefix(page, "<!DOCTYPE html>\n"))
	assert.Contains(t, page, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`)

	tags := htmlTags(t, page)
	require.NotEmpty(t, tags)
	hrefs := 0
	for _, tag := range tags {
		switch tag.name {
		case "script", "link", "img", "iframe", "object", "embed", "base", "form", "image", "use", "foreignobject", "audio", "video", "source":
			t.Errorf("<%s> would load or run something: %v", tag.name, tag.attrs)
		}
		for name, v := range tag.attrs {
			lv := strings.ToLower(v)
			if strings.Contains(lv, "http://") || strings.Contains(lv, "https://") || strings.HasPrefix(lv, "//") {
				t.Errorf("<%s %s=%q> references the network", tag.name, name, v)
			}
			switch name {
			case "src", "srcset", "action", "formaction", "poster", "data", "xlink:href", "background", "ping":
				t.Errorf("<%s %s=%q>: no external references", tag.name, name, v)
			case "href":
				hrefs++
				assert.True(t, strings.HasPrefix(v, "#"), "<%s href=%q> is not a link within the page", tag.name, v)
			}
			assert.False(t, strings.HasPrefix(name, "on"), "event handler %s on <%s>", name, tag.name)
		}
	}
	assert.Positive(t, hrefs, "the findings table links to each finding")

	// The stylesheet loads nothing either.
	style := page[strings.Index(page, "<style>"):strings.Index(page, "</style>")]
	for _, bad := range []string{"url(", "@import", "@font-face"} {
		assert.NotContains(t, style, bad)
	}
	// Graph URLs are printed, as text.
	assert.Contains(t, page, "<pre><code>PATCH https://graph.microsoft.com/v1.0/")
}

// chartSVG mirrors the charts' markup.
type chartSVG struct {
	XMLName xml.Name `xml:"svg"`
	ID      string   `xml:"id,attr"`
	Role    string   `xml:"role,attr"`
	Labels  string   `xml:"aria-labelledby,attr"`
	Title   struct {
		ID   string `xml:"id,attr"`
		Text string `xml:",chardata"`
	} `xml:"title"`
	Desc struct {
		ID   string `xml:"id,attr"`
		Text string `xml:",chardata"`
	} `xml:"desc"`
	Bars []struct {
		Title string `xml:"title"`
		Text  []struct {
			Class string `xml:"class,attr"`
			Text  string `xml:",chardata"`
		} `xml:"text"`
		Rect []struct {
			Class string  `xml:"class,attr"`
			Width float64 `xml:"width,attr"`
		} `xml:"rect"`
	} `xml:"g"`
}

// pageSVGs parses every <svg>…</svg> of the page as XML, strictly.
func pageSVGs(t *testing.T, page string) map[string]chartSVG {
	t.Helper()
	charts := map[string]chartSVG{}
	rest := page
	for {
		i := strings.Index(rest, "<svg")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</svg>")
		require.Positive(t, j, "unterminated <svg>")
		src := rest[i : i+j+len("</svg>")]
		rest = rest[i+j:]

		dec := xml.NewDecoder(strings.NewReader(src))
		dec.Strict = true
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, "SVG is not well-formed XML:\n%s", src)
		}
		var c chartSVG
		require.NoError(t, xml.Unmarshal([]byte(src), &c), src)
		assert.Equal(t, "img", c.Role)
		assert.Equal(t, c.ID+"-title "+c.ID+"-desc", c.Labels, "accessible name and description")
		assert.Equal(t, c.ID+"-title", c.Title.ID)
		assert.Equal(t, c.ID+"-desc", c.Desc.ID)
		assert.NotEmpty(t, c.Title.Text)
		assert.NotEmpty(t, c.Desc.Text)
		require.NotContains(t, charts, c.ID)
		charts[c.ID] = c
	}
	return charts
}

func TestAuditHTMLCharts(t *testing.T) {
	page := auditHTML(t, "")
	s := readiness.Run(demo.Snapshot(), readiness.Options{}).Summary

	charts := pageSVGs(t, page)
	require.Len(t, charts, 2)

	tiers := charts["chart-tiers"]
	assert.Equal(t, "Users by assurance level", tiers.Title.Text)
	require.Len(t, tiers.Bars, 4)
	want := []struct {
		label string
		n     int
	}{{"AAL3", s.ByAAL.AAL3}, {"AAL2", s.ByAAL.AAL2}, {"AAL1", s.ByAAL.AAL1}, {"none", s.ByAAL.None}}
	var widths []float64
	for i, w := range want {
		bar := tiers.Bars[i]
		require.Len(t, bar.Text, 2)
		assert.Equal(t, w.label, bar.Text[0].Text)
		assert.True(t, strings.HasPrefix(bar.Text[1].Text, fmt.Sprintf("%d users · ", w.n)), bar.Text[1].Text)
		assert.Contains(t, tiers.Desc.Text, fmt.Sprintf("%s %d", w.label, w.n))
		require.Len(t, bar.Rect, 2)
		widths = append(widths, bar.Rect[1].Width)
		if w.n == 0 {
			assert.Zero(t, bar.Rect[1].Width)
		}
	}
	// Bars are proportional to the counts.
	assert.InDelta(t, float64(s.ByAAL.AAL2)/float64(s.ByAAL.AAL3), widths[1]/widths[0], 0.05)
	assert.Less(t, widths[0]+widths[1]+widths[2]+widths[3], tiers.Bars[0].Rect[0].Width+0.5, "shares of one whole")

	cov := charts["chart-coverage"]
	assert.Equal(t, "Passwordless coverage by group", cov.Title.Text)
	require.Len(t, cov.Bars, len(s.Groups))
	prev := -1.0
	for _, bar := range cov.Bars {
		require.Len(t, bar.Text, 2)
		var g *readiness.GroupSummary
		for i := range s.Groups {
			if s.Groups[i].DisplayName == bar.Text[0].Text {
				g = &s.Groups[i]
			}
		}
		require.NotNil(t, g, "label %q names a group", bar.Text[0].Text)
		assert.Equal(t, fmt.Sprintf("%s of %d", percent(g.PasswordlessCoverage), g.Users), bar.Text[1].Text)
		assert.InDelta(t, g.PasswordlessCoverage*bar.Rect[0].Width, bar.Rect[1].Width, 0.1)
		assert.GreaterOrEqual(t, g.PasswordlessCoverage, prev, "lowest coverage first")
		prev = g.PasswordlessCoverage
	}
	assert.Contains(t, page, "tenant "+percent(s.PasswordlessCoverage))
}

func TestAuditHTMLEveryFinding(t *testing.T) {
	page := auditHTML(t, "")
	code, out, errOut := runCLI(t, "", "audit", "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	r := decodeAudit(t, out)
	require.NotEmpty(t, r.Findings)

	anchors := map[string]string{}
	for _, tag := range htmlTags(t, page) {
		if tag.name == "article" {
			anchors[tag.attrs["id"]] = ""
		}
	}
	assert.Len(t, anchors, len(r.Findings), "one article per finding, each with its own id")
	for _, f := range r.Findings {
		code := "<code>" + html.EscapeString(f.ID) + "</code>"
		assert.Equal(t, 2, strings.Count(page, code), "%s: in the table and its article", f.ID)
		badge := `<span class="badge sev-` + f.Severity + `">` + strings.ToUpper(f.Severity) + `</span> ` + code
		assert.Contains(t, page, badge)
		for _, u := range f.Users {
			assert.Contains(t, page, "<li>"+html.EscapeString(u)+"</li>")
		}
		if g := f.Remediation.GraphRequest; g != nil {
			assert.Contains(t, page, "<pre><code>"+g.Method+" "+html.EscapeString(g.URL))
		}
	}
}

// hostileName is a user's name, a group's name and a tenant's name written
// by someone who hopes the report runs it.
const hostileName = `<script>alert("x")</script><img src=x onerror=alert(1)>`

func TestAuditHTMLEscapes(t *testing.T) {
	doc := string(demo.Bytes())
	upn := hostileName + "@" + demo.Domain
	enc := func(s string) string {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		return string(b)
	}
	for old, new := range map[string]string{
		enc(demo.GlobalAdminSyncedPasskey): enc(upn),
		`"Northwind Fabrication"`:          enc("Northwind " + hostileName),
		`"Dana Whitfield"`:                 enc("Dana " + hostileName),
		`"Admins"`:                         enc("Admins " + hostileName),
	} {
		require.Contains(t, doc, old)
		doc = strings.ReplaceAll(doc, old, new)
	}

	page := auditHTML(t, doc, "-")
	assert.NotContains(t, strings.ToLower(page), "<script")
	assert.NotContains(t, strings.ToLower(page), "<img")
	escaped := html.EscapeString(hostileName)
	assert.Contains(t, page, "<li>"+escaped+"@"+demo.Domain+"</li>", "the UPN in the finding's users")
	assert.Contains(t, page, "<td>Admins "+escaped+"</td>", "the group in the table")
	assert.Contains(t, page, "<title>Passkey readiness: Northwind "+escaped+"</title>")
	htmlTags(t, page)

	charts := pageSVGs(t, page)
	found := false
	for _, bar := range charts["chart-coverage"].Bars {
		if strings.HasPrefix(bar.Title, "Admins <script>") {
			found = true
			assert.Equal(t, "Admins "+hostileName+": "+bar.Text[1].Text, bar.Title, "the full name in the bar's title")
			assert.True(t, strings.HasSuffix(bar.Text[0].Text, "…"), "a long label is shortened: %q", bar.Text[0].Text)
		}
	}
	assert.True(t, found, "the renamed group is charted")
}

// TestAuditHTMLHostileReport renders a report whose every string is hostile,
// including values no snapshot produces today (a severity, a request body).
func TestAuditHTMLHostileReport(t *testing.T) {
	r := readiness.Report{
		Tenant:     readiness.Tenant{ID: `"><script>1</script>`, DisplayName: hostileName},
		CapturedAt: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC),
		Summary: readiness.Summary{
			Users: 3, ByAAL: readiness.Tiers{AAL3: 1, AAL1: 2},
			Groups: []readiness.GroupSummary{
				{ID: "g1", DisplayName: "a\x00b\x01c\xff" + hostileName, Users: 3, ByAAL: readiness.Tiers{AAL3: 1, AAL1: 2}, PasswordlessCoverage: 0.3333},
				{ID: "g2", DisplayName: "", Users: 0},
			},
			PasswordlessCoverage: 0.3333,
		},
		Findings: []readiness.Finding{{
			ID: `KT-X/"><script>`, Check: "KT-X", Severity: readiness.Severity(`x" onclick="alert(1)`),
			Title: hostileName, EIDSCA: []string{hostileName}, Users: []string{hostileName}, Groups: []string{hostileName},
			Admin: hostileName, Plain: hostileName,
			Remediation: readiness.Remediation{
				Description: hostileName,
				GraphRequest: &readiness.GraphRequest{
					Method: "PATCH", URL: "javascript:alert(1)//" + hostileName,
					Body: json.RawMessage(`{"a":"</code></pre><script>alert(1)</script>"}`),
				},
			},
		}},
		Passed: []string{hostileName},
	}
	var buf bytes.Buffer
	require.NoError(t, renderAuditHTML(&buf, r))
	page := buf.String()
	assert.NotContains(t, strings.ToLower(page), "<script")
	assert.NotContains(t, strings.ToLower(page), "<img")
	assert.Contains(t, page, `<article class="finding sev-unknown"`)
	assert.Contains(t, page, `&#34;a&#34;: &#34;&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;`, "the body, indented and escaped")
	for _, tag := range htmlTags(t, page) {
		for name := range tag.attrs {
			assert.False(t, strings.HasPrefix(name, "on"), "event handler %s on <%s>", name, tag.name)
		}
	}
	charts := pageSVGs(t, page)
	require.Len(t, charts["chart-coverage"].Bars, 2)
	assert.Equal(t, "g2", charts["chart-coverage"].Bars[0].Text[0].Text, "a group without a name goes by its id")
	assert.Equal(t, "no enabled users", charts["chart-coverage"].Bars[0].Text[1].Text)
}

func TestAuditHTMLEmptyTenant(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, renderAuditHTML(&buf, readiness.Report{Tenant: readiness.Tenant{ID: "t", DisplayName: "Empty"}}))
	page := buf.String()
	charts := pageSVGs(t, page)
	require.Len(t, charts, 2)
	for _, bar := range charts["chart-tiers"].Bars {
		assert.Zero(t, bar.Rect[1].Width)
		assert.Equal(t, "0 users · 0.0%", bar.Text[1].Text)
	}
	assert.Empty(t, charts["chart-coverage"].Bars)
	assert.Contains(t, page, "<p>No findings.</p>")
	assert.NotContains(t, page, "Passed checks")
}
