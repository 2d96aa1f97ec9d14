package graphadapter_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
)

// streamCases are documents around the checks Load makes before decoding
// (size, blank, nesting) and the decoder's errors, whose order of
// precedence the streaming load must keep.
func streamCases() []string {
	deep := strings.Repeat("[", graphadapter.MaxNesting+1) + strings.Repeat("]", graphadapter.MaxNesting+1)
	valid := doc(user("u", `{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod","id":"p","lifetimeInMinutes":60}`), `{"id":"g","members":["u"]}`, `{"principalId":"g","roleDefinitionId":"r"}`)
	return []string{
		valid,
		"",
		"   \n\t ",
		"\u00a0\u2003 \u3000",
		"\u00a0x",
		"\xc2",
		"  \xc2\xa0\xff",
		"{",
		"{}",
		"{} x",
		"[]",
		deep,
		`{"tenant": ` + deep + `}`,
		`{"tenant": {"id": "t"}, oops ` + deep,
		deep + ` trailing`,
		`{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[[[[[["}`,
		`{"a": "\\\\"` + strings.Repeat("[", 40),
		`{"a": "unterminated ` + strings.Repeat("[", 40),
		`{"tenant":{"id":"t","id":"t"}}`,
		`{"tenant":{"id":"t"},"capturedAt":"2026-06-01T09:00:00Z","users":[{"id":"u","authenticationMethods":[{"id":1}]}]}`,
		strings.Replace(valid, `"lifetimeInMinutes":60`, `"lifetimeInMinutes":"60"`, 1),
		strings.Replace(valid, `"members":["u"]`, `"members":["u",7]`, 1),
		strings.Replace(valid, `"u"`, `"u\u00e9"`, 1),
		valid + "\n",
		valid + "]",
	}
}

// loadBothWays loads data with Load and with the streaming load over r and
// requires the same outcome: the same error text, or snapshots that
// marshal to the same bytes.
func loadBothWays(t *testing.T, data []byte, stream func([]byte) (*graphadapter.Snapshot, error)) {
	t.Helper()
	want, wantErr := graphadapter.Load(data)
	got, gotErr := stream(data)
	if wantErr != nil {
		require.Error(t, gotErr, "%q", data)
		require.Equal(t, wantErr.Error(), gotErr.Error(), "%q", data)
		var we, ge *graphadapter.Error
		require.ErrorAs(t, wantErr, &we)
		require.ErrorAs(t, gotErr, &ge)
		require.Equal(t, we.Offset, ge.Offset, "%q", data)
		require.Nil(t, got)
		return
	}
	require.NoError(t, gotErr, "%q", data)
	a, err := want.Marshal()
	require.NoError(t, err)
	b, err := got.Marshal()
	require.NoError(t, err)
	require.Equal(t, string(a), string(b))
	require.Equal(t, want.Warnings(), got.Warnings())
}

var streams = map[string]func([]byte) (*graphadapter.Snapshot, error){
	"whole": func(b []byte) (*graphadapter.Snapshot, error) { return graphadapter.LoadReader(bytes.NewReader(b), b) },
	"1byte": func(b []byte) (*graphadapter.Snapshot, error) {
		return graphadapter.LoadReader(iotest.OneByteReader(bytes.NewReader(b)), b)
	},
	"half": func(b []byte) (*graphadapter.Snapshot, error) {
		return graphadapter.LoadReader(iotest.HalfReader(bytes.NewReader(b)), b)
	},
}

// TestLoadFileMatchesLoad holds LoadFile's streaming load to Load, on the
// testdata documents and the cases around Load's checks, read whole, a
// byte at a time and in halves (runes and strings split across reads), and
// through a file.
func TestLoadFileMatchesLoad(t *testing.T) {
	cases := streamCases()
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	for _, name := range files {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		cases = append(cases, string(b))
	}
	dir := t.TempDir()
	for i, c := range cases {
		for name, stream := range streams {
			t.Run(name, func(t *testing.T) { loadBothWays(t, []byte(c), stream) })
		}
		path := filepath.Join(dir, "case.json")
		require.NoError(t, os.WriteFile(path, []byte(c), 0o600))
		loadBothWays(t, []byte(c), func([]byte) (*graphadapter.Snapshot, error) { return graphadapter.LoadFile(path) })
		_ = i
	}
}

// TestLoadReaderReadError: an error reading comes first, as when LoadFile
// read the whole file before looking at it.
func TestLoadReaderReadError(t *testing.T) {
	_, err := graphadapter.LoadReader(iotest.DataErrReader(iotest.ErrReader(iotest.ErrTimeout)), nil)
	require.ErrorIs(t, err, iotest.ErrTimeout)
	r := iotest.TimeoutReader(iotest.OneByteReader(strings.NewReader(`{"tenant": [[[`)))
	_, err = graphadapter.LoadReader(r, nil)
	require.ErrorIs(t, err, iotest.ErrTimeout)
}

// FuzzLoadFile: the streaming load and Load agree on every input.
func FuzzLoadFile(f *testing.F) {
	for _, c := range streamCases() {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, stream := range streams {
			loadBothWays(t, data, stream)
		}
	})
}
