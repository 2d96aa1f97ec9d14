package main

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/graphtest"
	"github.com/keytier/keytier/graphadapter/msgraph"
)

const graphToken = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.dGVzdC1zaWduYXR1cmU"

func graphServer(t *testing.T) *graphtest.Server {
	t.Helper()
	srv, err := graphtest.NewServer(demo.Snapshot(), graphtest.Options{Token: graphToken})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	t.Setenv(msgraph.TokenEnv, graphToken)
	return srv
}

func TestSnapshotFromGraph(t *testing.T) {
	srv := graphServer(t)
	want := demo.Snapshot()
	out := filepath.Join(t.TempDir(), "tenant.json")
	code, stdout, stderr := runCLI(t, "", "snapshot", "--tenant", want.Tenant.ID, "--auth", "token", "--graph-endpoint", srv.URL, "--out", out)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "300 users")
	assert.Contains(t, stderr, "users 300/300", "the progress line reaches the end")
	assert.Contains(t, stderr, "requests")
	assert.NotContains(t, stdout+stderr, graphToken)

	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "a snapshot holds personal data")
	got, err := graphadapter.LoadFile(out)
	require.NoError(t, err)
	assert.Equal(t, want.Tenant.ID, got.Tenant.ID)
	assert.Len(t, got.Users, len(want.Users))
	assert.Len(t, got.Groups, len(want.Groups))

	// keytier audit reads the file, and auditing the live tenant gives the
	// same report.
	code, fromFile, stderr := runCLI(t, "", "audit", out, "--format", "json")
	require.Equal(t, exitOK, code, stderr)
	code, live, stderr := runCLI(t, "", "audit", "--tenant", want.Tenant.ID, "--auth", "token", "--graph-endpoint", srv.URL, "--format", "json")
	require.Equal(t, exitOK, code, stderr)
	assert.JSONEq(t, stripCaptured(fromFile), stripCaptured(live))
	assert.Contains(t, fromFile, "KT-", "the audit found something to say")
}

// stripCaptured drops the capture time, the one thing two reads differ in.
func stripCaptured(report string) string {
	var lines []string
	for _, l := range strings.Split(report, "\n") {
		if !strings.Contains(l, `"capturedAt"`) {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func TestTapIssueThroughGraph(t *testing.T) {
	srv := graphServer(t)
	s := demo.Snapshot()
	var upn, id string
	for _, u := range s.Users {
		if len(u.MethodsOf(graphadapter.KindTemporaryAccessPass)) == 0 && u.Enabled() {
			upn, id = u.UserPrincipalName, u.ID
			break
		}
	}
	code, stdout, stderr := runCLI(t, "", "tap", "issue", "--tenant", s.Tenant.ID, "--user", upn, "--auth", "token", "--graph-endpoint", srv.URL, "--lifetime", "2h", "--once")
	require.Equal(t, exitOK, code, stderr)
	assert.NotContains(t, stdout+stderr, graphToken)

	ms, err := srv.Directory().AuthenticationMethods(t.Context(), id)
	require.NoError(t, err)
	var passes []graphadapter.TemporaryAccessPassMethod
	for i := range ms {
		if p, ok := ms[i].TemporaryAccessPass(); ok {
			passes = append(passes, p)
		}
	}
	require.Len(t, passes, 1, "the pass exists in the tenant")
	assert.Equal(t, 120, passes[0].LifetimeInMinutes)
	var printed string
	for _, l := range strings.Split(stdout, "\n") {
		if c, ok := strings.CutPrefix(strings.TrimSpace(l), "code:"); ok {
			printed = strings.TrimSpace(c)
		}
	}
	assert.GreaterOrEqual(t, len(printed), 8, "the code is printed: %s", stdout)
	assert.Equal(t, 1, strings.Count(stdout, printed), "once")

	// Outside the tenant's policy: a usage error naming the bounds.
	code, _, stderr = runCLI(t, "", "tap", "issue", "--tenant", s.Tenant.ID, "--user", upn, "--auth", "token", "--graph-endpoint", srv.URL, "--lifetime", "1000h")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "lifetimeInMinutes")
	// No such user.
	code, _, stderr = runCLI(t, "", "tap", "issue", "--tenant", s.Tenant.ID, "--user", "nobody@example.com", "--auth", "token", "--graph-endpoint", srv.URL)
	assert.Equal(t, exitFail, code, stderr)
}

func TestGraphAuthErrors(t *testing.T) {
	srv := graphServer(t)
	t.Setenv(msgraph.TokenEnv, "")
	code, _, stderr := runCLI(t, "", "snapshot", "--tenant", "t", "--auth", "token", "--graph-endpoint", srv.URL, "--out", filepath.Join(t.TempDir(), "x.json"))
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, msgraph.TokenEnv)

	t.Setenv(msgraph.TokenEnv, "wrong-token")
	code, _, stderr = runCLI(t, "", "snapshot", "--tenant", "t", "--auth", "token", "--graph-endpoint", srv.URL, "--out", filepath.Join(t.TempDir(), "x.json"))
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, "401")
	assert.NotContains(t, stderr, "wrong-token")

	for _, args := range [][]string{
		{"snapshot", "--tenant", "t"},                                                               // no --out
		{"snapshot", "--out", "x.json"},                                                             // no --tenant
		{"snapshot", "--tenant", "t", "--out", "x", "--auth", "password"},                           // unknown method
		{"snapshot", "--tenant", "t", "--out", "x", "--graph-endpoint", "http://graph.example.com"}, // plain http off loopback
		{"audit", "file.json", "--tenant", "t"},
	} {
		code, _, stderr := runCLI(t, "", args...)
		assert.NotEqual(t, exitOK, code, "%v: %s", args, stderr)
		assert.NotEmpty(t, stderr, args)
	}
}

// TestMain runs the command itself when a test starts this binary as
// keytier (see runAsKeytier), so a test can give it its own environment.
func TestMain(m *testing.M) {
	if os.Getenv("KEYTIER_TEST_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestSnapshotTrustsSSLCertFile: behind a TLS-inspecting proxy the
// proxy's root comes in through SSL_CERT_FILE, which Go reads once per
// process, so the command runs in a process of its own.
func TestSnapshotTrustsSSLCertFile(t *testing.T) {
	srv, err := graphtest.NewTLSServer(demo.Snapshot(), graphtest.Options{Token: graphToken})
	require.NoError(t, err)
	defer srv.Close()
	dir, noCerts := t.TempDir(), t.TempDir()
	ca := filepath.Join(dir, "proxy-root.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644))

	keytier := func(certFile string) (string, error) {
		cmd := exec.Command(os.Args[0], "snapshot", "--tenant", "t", "--auth", "token", "--graph-endpoint", srv.URL, "--out", filepath.Join(dir, "s.json"))
		cmd.Env = append(os.Environ(), "KEYTIER_TEST_AS_MAIN=1", msgraph.TokenEnv+"="+graphToken, "SSL_CERT_FILE="+certFile, "SSL_CERT_DIR="+noCerts)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := keytier(ca)
	require.NoError(t, err, out)
	assert.Contains(t, out, "300 users")

	empty := filepath.Join(noCerts, "empty.pem")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	out, err = keytier(empty)
	require.Error(t, err, "without the proxy's root the server is not trusted")
	assert.Contains(t, out, "certificate")
	assert.NotContains(t, out, graphToken)
}
