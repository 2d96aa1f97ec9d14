package rollout_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/rollout"
)

// TestWriteHTMLEscapes: names from the tenant reach the page as text, in
// element content and in attributes alike, never as markup.
func TestWriteHTMLEscapes(t *testing.T) {
	const hostile = `<script>alert("x")</script> & 'y' + z`
	s := demo.Snapshot()
	s.Tenant.DisplayName = hostile
	for i := range s.Groups {
		s.Groups[i].DisplayName += " " + hostile
	}
	p := build(t, s, rollout.Options{})
	var b bytes.Buffer
	require.NoError(t, p.WriteHTML(&b))
	page := b.String()
	assert.NotContains(t, page, "<script")
	assert.NotContains(t, page, `"x")`)
	const escaped = `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;y&#39; &#43; z`
	assert.Contains(t, page, "<title>Passkey rollout plan: "+escaped+"</title>")
	assert.Contains(t, page, "<h1>Passkey rollout plan: "+escaped+"</h1>")
	// Segment names reach the table, the headings and the charts' titles.
	for _, sg := range p.Segments {
		if strings.Contains(sg.Name, hostile) {
			name := strings.ReplaceAll(sg.Name, hostile, escaped)
			assert.Contains(t, page, "<td>"+name+"</td>")
			assert.Contains(t, page, "<title>Readiness of "+name+"</title>")
		}
	}
	assert.Equal(t, 1, strings.Count(page, "</html>"))
}
