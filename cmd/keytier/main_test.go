package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// report mirrors the JSON contract of `keytier inspect --json`.
type report struct {
	OK    bool `json:"ok"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Credential *struct {
		Format             string          `json:"format"`
		AAGUID             string          `json:"aaguid"`
		Authenticator      string          `json:"authenticator"`
		CredentialID       string          `json:"credentialId"`
		PublicKeyAlgorithm int             `json:"publicKeyAlgorithm"`
		Flags              map[string]bool `json:"flags"`
		PasskeyType        string          `json:"passkeyType"`
		Attestation        struct {
			Type              string `json:"type"`
			SignatureVerified bool   `json:"signatureVerified"`
			Trusted           bool   `json:"trusted"`
		} `json:"attestation"`
	} `json:"credential"`
	Assurance *struct {
		AAL               string `json:"aal"`
		PhishingResistant bool   `json:"phishingResistant"`
		Reasons           []struct {
			Rule, Citation, Outcome, Admin, Plain string
		} `json:"reasons"`
	} `json:"assurance"`
}

func decodeReport(t *testing.T, out string) report {
	t.Helper()
	// Exactly one JSON object: json.Unmarshal fails on anything after it.
	var loose map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &loose), "exactly one JSON object: %s", out)
	// report names the contract's members; more are allowed, so unknown
	// members are not an error here.
	var r report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	return r
}

func TestInspectDefaultSample(t *testing.T) {
	code, out, errOut := runCLI(t, "", "inspect", "--json")
	require.Equal(t, exitOK, code, errOut)
	r := decodeReport(t, out)
	assert.True(t, r.OK)
	assert.Nil(t, r.Error)
	assert.Equal(t, "fbfc3007-154e-4ecc-8c0b-6e020557d7bd", r.Credential.AAGUID)
	assert.Equal(t, "synced", r.Credential.PasskeyType)
	assert.Equal(t, "AAL2", r.Assurance.AAL)
	assert.True(t, r.Assurance.PhishingResistant)
	assert.NotEmpty(t, r.Assurance.Reasons)
}

func TestInspectFileAndStdin(t *testing.T) {
	s, err := samples.Get("yubico-yubikey-5ci-packed")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "reg.json")
	require.NoError(t, os.WriteFile(path, s.Registration, 0o600))
	verify := []string{"--rp-id", s.RPID, "--origin", s.Origin, "--challenge", s.Challenge}

	// Flags before and after the file name.
	code, out, errOut := runCLI(t, "", append(append([]string{"inspect", path}, verify...), "--json")...)
	require.Equal(t, exitOK, code, errOut)
	r := decodeReport(t, out)
	assert.True(t, r.OK)
	assert.Equal(t, "packed", r.Credential.Format)
	assert.Equal(t, -7, r.Credential.PublicKeyAlgorithm)
	assert.Equal(t, "basic", r.Credential.Attestation.Type)
	assert.True(t, r.Credential.Attestation.SignatureVerified)
	assert.Equal(t, "deviceBound", r.Credential.PasskeyType)
	for _, f := range []string{"up", "uv", "be", "bs", "at", "ed"} {
		assert.Contains(t, r.Credential.Flags, f)
	}

	code, out, _ = runCLI(t, string(s.Registration), "inspect", "--json", "-")
	require.Equal(t, exitOK, code)
	r = decodeReport(t, out)
	assert.False(t, r.Credential.Attestation.SignatureVerified, "no verification asked")
}

func TestInspectExitCodes(t *testing.T) {
	s, err := samples.Get("yubico-yubikey-5ci-packed")
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		stdin   string
		args    []string
		code    int
		errCode string
		stderr  string
	}{
		{name: "wrong origin", stdin: string(s.Registration), args: []string{"--rp-id", s.RPID, "--origin", "https://evil.test", "--challenge", s.Challenge, "-"}, code: exitFail, errCode: "origin_mismatch"},
		{name: "wrong RP id", stdin: string(s.Registration), args: []string{"--rp-id", "evil.test", "--origin", s.Origin, "--challenge", s.Challenge, "-"}, code: exitFail, errCode: "rp_id_mismatch"},
		{name: "garbage", stdin: "not a credential", args: []string{"-"}, code: exitFail, errCode: "encoding_invalid"},
		{name: "expired certificate", args: []string{"--sample", "pywebauthn-windows-hello-tpm-rsa-surface-pro-4"}, code: exitFail, errCode: "certificate_expired"},
		{name: "unknown flag", args: []string{"--nope"}, code: exitUsage, stderr: "flag provided but not defined"},
		{name: "incomplete verification flags", args: []string{"--rp-id", "example.com", "-"}, code: exitUsage, stderr: "needs --rp-id, --origin and --challenge"},
		{name: "bad challenge", args: []string{"--rp-id", "a", "--origin", "https://a", "--challenge", "!!", "-"}, code: exitUsage, stderr: "--challenge is not base64url"},
		{name: "bad time", args: []string{"--sample", "gw-pixel-8a-android-key", "--rp-id", "localhost", "--origin", "http://localhost:8000", "--challenge", "t4LWI0iYJSTWPl9WXUdNhdHAnrPDLF9eWAP9lHgmHP8", "--at", "yesterday"}, code: exitUsage, stderr: "--at"},
		{name: "two inputs", args: []string{"a", "b"}, code: exitUsage, stderr: "one input at a time"},
		{name: "missing file", args: []string{"/nonexistent/cred.json"}, code: exitUsage, stderr: "no such file"},
		{name: "unknown sample", args: []string{"--sample", "nope"}, code: exitUsage, stderr: "no sample named"},
		{name: "trust flags without verification", stdin: string(s.Registration), args: []string{"--mds", "x", "-"}, code: exitUsage, stderr: "apply to verification"},
		{name: "origin with a path", args: []string{"--rp-id", "a", "--origin", "https://a/login", "--challenge", "AAAA", "-"}, code: exitUsage, stderr: `--origin: "https://a/login" is not an origin`},
		{name: "top origin with userinfo", args: []string{"--rp-id", "a", "--origin", "https://a", "--top-origin", "https://u@b", "--challenge", "AAAA", "-"}, code: exitUsage, stderr: "--top-origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.stdin, append([]string{"inspect", "--json"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout %s stderr %s", out, errOut)
			if tc.errCode != "" {
				r := decodeReport(t, out)
				assert.False(t, r.OK)
				require.NotNil(t, r.Error)
				assert.Equal(t, tc.errCode, r.Error.Code)
				assert.NotEmpty(t, r.Error.Message)
			}
			if tc.stderr != "" {
				assert.Contains(t, errOut, tc.stderr)
				assertUsageReport(t, out, tc.stderr)
			}
		})
	}
}

// assertUsageReport: with --json a usage error is still exactly one JSON
// object, {"ok": false, "error": {"code": "usage", "message": …},
// "credential": null, "assurance": null}.
func assertUsageReport(t *testing.T, out, message string) {
	t.Helper()
	r := decodeReport(t, out)
	assert.False(t, r.OK)
	require.NotNil(t, r.Error, "%s", out)
	assert.Equal(t, "usage", r.Error.Code)
	assert.Contains(t, r.Error.Message, message)
	var members map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &members))
	for _, m := range []string{"credential", "assurance"} {
		assert.Equal(t, "null", string(members[m]), "%s is null", m)
	}
	assert.Equal(t, "false", string(members["ok"]))
}

// TestInspectUsageErrorJSONFlag: the usage-error object follows --json
// wherever it stands and whatever stops the parse; without --json (or
// with --json=false) stdout stays empty and the message goes to stderr.
func TestInspectUsageErrorJSONFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		json bool
	}{
		{[]string{"inspect", "a", "b"}, false},
		{[]string{"inspect", "--json=false", "a", "b"}, false},
		{[]string{"inspect", "--json", "--json=false", "a", "b"}, false},
		{[]string{"inspect", "a", "b", "--json"}, true},
		{[]string{"inspect", "-json=true", "a", "b"}, true},
		{[]string{"inspect", "--nope", "--json"}, true},
		{[]string{"inspect", "--json", "--at"}, true}, // a flag without its value
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tc.args...)
			assert.Equal(t, exitUsage, code)
			assert.NotEmpty(t, errOut, "the message goes to stderr too")
			if !tc.json {
				assert.Empty(t, out)
				return
			}
			assertUsageReport(t, out, "keytier inspect: ")
		})
	}
}

func TestInspectOversizedInput(t *testing.T) {
	code, out, _ := runCLI(t, strings.Repeat("A", maxRead+100), "inspect", "--json", "-")
	assert.Equal(t, exitFail, code)
	r := decodeReport(t, out)
	assert.Equal(t, "input_too_large", r.Error.Code)
}

// TestInspectCardGolden: the human card for fixed inputs and a fixed
// reference time. Regenerate with `go test ./cmd/keytier -update`.
func TestInspectCardGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"icloud-admin.txt", []string{"--sample", "wasmo-icloud-keychain-none", "--rp-id", "staging.rounds.app", "--origin", "https://staging.rounds.app", "--challenge", "QSBzZXJ2ZXItc2lkZSByYW5kb21seSBnZW5lcmF0ZWQgc3RyaW5n", "--at", "2026-01-01T00:00:00Z"}},
		{"pixel-plain.txt", []string{"--sample", "gw-pixel-8a-android-key", "--rp-id", "localhost", "--origin", "http://localhost:8000", "--challenge", "t4LWI0iYJSTWPl9WXUdNhdHAnrPDLF9eWAP9lHgmHP8", "--at", "2025-01-20T00:00:00Z", "--plain"}},
		{"tpm-expired.txt", []string{"--sample", "pywebauthn-windows-hello-tpm-rsa-surface-pro-4"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			_, out, errOut := runCLI(t, "", append([]string{"inspect"}, tc.args...)...)
			require.Empty(t, errOut)
			out = maskNow(out)
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

// maskNow replaces the wall-clock times a card reports for "now"; fixed
// reference times stay.
var nowTimes = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ( \(now\))|(validity period now \()[^)]*`)

func maskNow(s string) string { return nowTimes.ReplaceAllString(s, "${2}NOW${1}") }

func TestSamplesCommand(t *testing.T) {
	code, out, _ := runCLI(t, "", "samples")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "wasmo-icloud-keychain-none")
	assert.Contains(t, out, "PackedES256WithMDS")
}

func TestUsage(t *testing.T) {
	code, _, errOut := runCLI(t, "")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "keytier inspect")
	code, _, _ = runCLI(t, "", "frobnicate")
	assert.Equal(t, exitUsage, code)
}
