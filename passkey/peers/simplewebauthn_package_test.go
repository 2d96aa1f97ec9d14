package peers_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey/peers"
	"github.com/keytier/keytier/passkey/peers/internal/peercases"
)

// harnessDir is where `npm ci` installs the pinned @simplewebauthn/server
// (see testdata/simplewebauthn/package-lock.json); KEYTIER_SIMPLEWEBAUTHN_DIR
// names another directory holding such a node_modules.
func harnessDir() string {
	if d := os.Getenv("KEYTIER_SIMPLEWEBAUTHN_DIR"); d != "" {
		return d
	}
	return filepath.Join("testdata", "simplewebauthn")
}

// simpleWebAuthnPackage returns node and the directory holding the
// installed package. Without them the test is skipped with a message
// saying how to enable it, except in CI (CI=true), where it fails.
func simpleWebAuthnPackage(t *testing.T) (node, dir string) {
	t.Helper()
	dir, err := filepath.Abs(harnessDir())
	require.NoError(t, err)
	node, nodeErr := exec.LookPath("node")
	_, pkgErr := os.Stat(filepath.Join(dir, "node_modules", "@simplewebauthn", "server", "package.json"))
	if nodeErr == nil && pkgErr == nil {
		return node, dir
	}
	how := "the real @simplewebauthn/server is needed to check the model: install Node.js 20 or later and run " +
		"`npm ci --prefix passkey/peers/testdata/simplewebauthn` (or set KEYTIER_SIMPLEWEBAUTHN_DIR to a directory where it was installed)"
	if nodeErr != nil {
		how = "node not found; " + how
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(how)
	}
	t.Skip(how)
	return "", ""
}

type harnessCase struct {
	Name              string          `json:"name"`
	Response          json.RawMessage `json:"response"`
	ExpectedChallenge string          `json:"expectedChallenge"`
	ExpectedOrigin    []string        `json:"expectedOrigin"`
	ExpectedRPID      string          `json:"expectedRPID"`
}

type harnessOutput struct {
	Version string `json:"version"`
	Results []struct {
		Name     string `json:"name"`
		Verified bool   `json:"verified"`
		Error    string `json:"error"`
	} `json:"results"`
}

// TestSimpleWebAuthnModelAgainstPackage runs the real package over every
// sample in internal/samples and every passkeytest case, and fails where
// the model's accept or refuse differs from the package's.
func TestSimpleWebAuthnModelAgainstPackage(t *testing.T) {
	node, dir := simpleWebAuthnPackage(t)
	cases, err := peercases.All()
	require.NoError(t, err)

	in := make([]harnessCase, len(cases))
	for i, c := range cases {
		in[i] = harnessCase{
			Name:              c.Name,
			Response:          c.Data,
			ExpectedChallenge: base64.RawURLEncoding.EncodeToString(c.Opts.Challenge),
			ExpectedOrigin:    c.Opts.Origins,
			ExpectedRPID:      c.Opts.RPID,
		}
	}
	body, err := json.Marshal(in)
	require.NoError(t, err)

	now := time.Now()
	cmd := exec.Command(node, filepath.Join("testdata", "simplewebauthn", "verify.mjs"), dir)
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "the harness failed: %s", stderr.String())
	var got harnessOutput
	require.NoError(t, json.Unmarshal(out, &got), "harness output: %s", out)
	require.Equal(t, peers.SimpleWebAuthnVersion, got.Version, "the installed package is not the version the model follows")
	require.Len(t, got.Results, len(cases))

	for i, c := range cases {
		pkg := got.Results[i]
		require.Equal(t, c.Name, pkg.Name)
		opts := c.Opts
		opts.Now = func() time.Time { return now }
		model := peers.SimpleWebAuthn(c.Data, opts)
		if model.Accepts != pkg.Verified {
			t.Errorf("%s: the package says verified=%v (%s); the model says accepts=%v at %q (%s)",
				c.Name, pkg.Verified, pkg.Error, model.Accepts, model.Step, model.Reason)
			continue
		}
		t.Logf("%s: both %v; package: %s; model: %s", c.Name, pkg.Verified, pkg.Error, model.Reason)
	}
}
