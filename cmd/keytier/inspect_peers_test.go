package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
)

// peersOf decodes the peers member of inspect --json, checking that each
// entry carries the contract's members.
func peersOf(t *testing.T, out string) []map[string]any {
	t.Helper()
	var r struct {
		Peers []map[string]any `json:"peers"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	require.NotNil(t, r.Peers, "peers is an array, never null: %s", out)
	for _, p := range r.Peers {
		for _, k := range []string{"name", "version", "accepts", "step", "reason", "option"} {
			assert.Contains(t, p, k)
		}
	}
	return r.Peers
}

func TestInspectPeersJSON(t *testing.T) {
	code, out, _ := runCLI(t, "", "inspect", "--sample", "NoneES256CrossOriginNotAllowed", "--json")
	assert.Equal(t, exitFail, code)
	ps := peersOf(t, out)
	require.Len(t, ps, 2)
	assert.Equal(t, "go-webauthn", ps[0]["name"])
	assert.Equal(t, false, ps[0]["accepts"])
	assert.Equal(t, "clientDataJSON.crossOrigin", ps[0]["step"])
	assert.Equal(t, "@simplewebauthn/server", ps[1]["name"])
	assert.Equal(t, true, ps[1]["accepts"])
	assert.Equal(t, "keytier", ps[1]["rightBySpec"])
	assert.Contains(t, ps[1]["section"], "§7.1")
}

// TestInspectPeersNeedVerification: without the relying party's settings
// there is nothing to ask the libraries, and peers is empty.
func TestInspectPeersNeedVerification(t *testing.T) {
	s, err := samples.Get("NoneES256")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "reg.json")
	require.NoError(t, os.WriteFile(path, s.Registration, 0o600))
	code, out, _ := runCLI(t, "", "inspect", path, "--json")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, peersOf(t, out))

	code, out, _ = runCLI(t, "", "inspect", "--json", "--bogus")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, peersOf(t, out))
}

// TestInspectPeersText: the card lists each library's answer; --plain, for
// end users, leaves them out.
func TestInspectPeersText(t *testing.T) {
	_, out, _ := runCLI(t, "", "inspect", "--sample", "PackedES512WithMDS")
	assert.Contains(t, out, "Peers (same RP ID, origins and challenge")
	assert.Contains(t, out, "✔ go-webauthn")
	assert.Contains(t, out, "✘ @simplewebauthn/server 14.1.0 (model) refuses at credential public key algorithm")
	assert.Contains(t, out, "option: supportedAlgorithmIDs")
	_, out, _ = runCLI(t, "", "inspect", "--sample", "PackedES512WithMDS", "--plain")
	assert.NotContains(t, out, "Peers")
}
