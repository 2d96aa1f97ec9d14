package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readInput(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// The committed catalog.json must be exactly what the generator makes from
// the committed inputs; otherwise someone edited it by hand or forgot to run
// go generate.
func TestCommittedCatalogIsGenerated(t *testing.T) {
	got, err := generate(
		readInput(t, filepath.Join("testdata", "passkey-provider-names.json")),
		readInput(t, "kinds.json"),
		readInput(t, "extra.json"),
	)
	require.NoError(t, err)
	want := readInput(t, filepath.Join("..", "..", "catalog.json"))
	assert.Equal(t, string(want), string(got), "catalog.json is stale: run go generate ./passkey/catalog")
}

func TestGenerateIsDeterministic(t *testing.T) {
	up := readInput(t, filepath.Join("testdata", "passkey-provider-names.json"))
	kinds := readInput(t, "kinds.json")
	extra := readInput(t, "extra.json")
	first, err := generate(up, kinds, extra)
	require.NoError(t, err)
	for range 5 {
		again, err := generate(up, kinds, extra)
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
}

func TestRunWritesFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "catalog.json")
	require.NoError(t, run(filepath.Join("testdata", "passkey-provider-names.json"), "kinds.json", "extra.json", out))
	assert.Equal(t, readInput(t, filepath.Join("..", "..", "catalog.json")), readInput(t, out))

	err := run(filepath.Join("testdata", "missing.json"), "kinds.json", "extra.json", out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gen: ")
}

func TestGenerateRejects(t *testing.T) {
	const (
		a        = "11111111-2222-4333-8444-555555555555"
		b        = "66666666-7777-4888-9999-aaaaaaaaaaaa"
		upstream = `{"` + a + `": "Provider A"}`
		kindA    = `[{"aaguid":"` + a + `","name":"Provider A","kind":"syncedProvider","reason":"syncs"}]`
	)
	tests := []struct {
		name                   string
		upstream, kinds, extra string
		wantErr                string
	}{
		{"empty upstream (retired list)", `{}`, `[]`, `[]`, "upstream list is empty"},
		{"upstream AAGUID not canonical", `{"11111111-2222-4333-8444-55555555555A": "X"}`, `[]`, `[]`, "not lower-case"},
		{"upstream zero AAGUID", `{"00000000-0000-0000-0000-000000000000": "X"}`, `[]`, `[]`, "all-zero"},
		{"upstream empty name", `{"` + a + `": " "}`, kindA, `[]`, "empty name"},
		{"upstream provider without kind row", upstream, `[]`, `[]`, "has no row in the kinds overlay"},
		{"kind row without upstream", upstream, `[{"aaguid":"` + b + `","name":"B","kind":"platform","reason":"r"}]`, `[]`, "not in the upstream list"},
		{"kind row name drifted", upstream, `[{"aaguid":"` + a + `","name":"Old A","kind":"platform","reason":"r"}]`, `[]`, "differs from upstream"},
		{"kind not in vocabulary", upstream, `[{"aaguid":"` + a + `","name":"Provider A","kind":"roaming","reason":"r"}]`, `[]`, "is not one of"},
		{"kind without reason", upstream, `[{"aaguid":"` + a + `","name":"Provider A","kind":"unknown","reason":""}]`, `[]`, "has no reason"},
		{"kind row twice", upstream, `[{"aaguid":"` + a + `","name":"Provider A","kind":"platform","reason":"r"},{"aaguid":"` + a + `","name":"Provider A","kind":"platform","reason":"r"}]`, `[]`, "listed twice"},
		{"unknown overlay column", upstream, `[{"aaguid":"` + a + `","name":"Provider A","kind":"platform","reason":"r","note":"x"}]`, `[]`, "unknown field"},
		{"extra shadows upstream", upstream, kindA, `[{"aaguid":"` + a + `","name":"A key","kind":"securityKey","source":"s","reason":"r"}]`, "may not shadow"},
		{"extra without source", upstream, kindA, `[{"aaguid":"` + b + `","name":"B","kind":"securityKey","source":"","reason":"r"}]`, "name and source are required"},
		{"extra bad kind", upstream, kindA, `[{"aaguid":"` + b + `","name":"B","kind":"hardware","source":"s","reason":"r"}]`, "is not one of"},
		{"trailing data", upstream, kindA + ` []`, `[]`, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := generate([]byte(tt.upstream), []byte(tt.kinds), []byte(tt.extra))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "gen: ")
		})
	}
}

func TestGenerateSmallInput(t *testing.T) {
	const (
		a = "11111111-2222-4333-8444-555555555555"
		b = "06666666-7777-4888-9999-aaaaaaaaaaaa"
	)
	out, err := generate(
		[]byte(`{"`+a+`": "Provider A"}`),
		[]byte(`[{"aaguid":"`+a+`","name":"Provider A","kind":"unknown","reason":"not settled"}]`),
		[]byte(`[{"aaguid":"`+b+`","name":"Key B","kind":"securityKey","source":"vendor list","reason":"hardware key"}]`),
	)
	require.NoError(t, err)
	s := string(out)
	// b sorts before a, and each entry carries its own source.
	assert.Less(t, strings.Index(s, b), strings.Index(s, a))
	assert.Contains(t, s, `"source": "vendor list"`)
	assert.Contains(t, s, `"source": "`+upstreamSource+`"`)
	assert.Contains(t, s, `"kind": "unknown"`)
	assert.Equal(t, byte('\n'), out[len(out)-1])
}
