package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter/demo"
)

// auditReport mirrors the JSON contract of `keytier audit --format json`;
// decoding refuses members the contract does not name.
type auditReport struct {
	Tenant struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"tenant"`
	CapturedAt string `json:"capturedAt"`
	Summary    struct {
		Users int `json:"users"`
		ByAAL struct {
			AAL3 int `json:"AAL3"`
			AAL2 int `json:"AAL2"`
			AAL1 int `json:"AAL1"`
			None int `json:"none"`
		} `json:"byAAL"`
		NoPhishingResistantMethod int     `json:"noPhishingResistantMethod"`
		PasswordlessCoverage      float64 `json:"passwordlessCoverage"`
		Groups                    []struct {
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
			Users       int    `json:"users"`
			ByAAL       struct {
				AAL3 int `json:"AAL3"`
				AAL2 int `json:"AAL2"`
				AAL1 int `json:"AAL1"`
				None int `json:"none"`
			} `json:"byAAL"`
			NoPhishingResistantMethod int     `json:"noPhishingResistantMethod"`
			PasswordlessCoverage      float64 `json:"passwordlessCoverage"`
		} `json:"groups"`
	} `json:"summary"`
	Findings []struct {
		ID          string   `json:"id"`
		Check       string   `json:"check"`
		Severity    string   `json:"severity"`
		Title       string   `json:"title"`
		EIDSCA      []string `json:"eidsca"`
		Users       []string `json:"users"`
		Groups      []string `json:"groups"`
		Admin       string   `json:"admin"`
		Plain       string   `json:"plain"`
		Remediation struct {
			Description   string         `json:"description"`
			GraphRequest  *auditRequest  `json:"graphRequest"`
			GraphRequests []auditRequest `json:"graphRequests"`
			Partial       bool           `json:"partial"`
			Prerequisites []struct {
				User   string `json:"user"`
				Step   string `json:"step"`
				Reason string `json:"reason"`
			} `json:"prerequisites"`
			After []string `json:"after"`
		} `json:"remediation"`
	} `json:"findings"`
}

type auditRequest struct {
	Method string          `json:"method"`
	URL    string          `json:"url"`
	Body   json.RawMessage `json:"body"`
	Bind   []struct {
		Pointer string `json:"pointer"`
		Request int    `json:"request"`
		From    string `json:"from"`
		Finding string `json:"finding"`
	} `json:"bind"`
}

func decodeAudit(t *testing.T, out string) auditReport {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var r auditReport
	require.NoError(t, dec.Decode(&r), out)
	assert.False(t, dec.More(), "exactly one JSON object")
	return r
}

func TestAuditDemoJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "", "audit", "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	r := decodeAudit(t, out)
	assert.Equal(t, "Northwind Fabrication", r.Tenant.DisplayName)
	assert.Equal(t, "2026-06-01T09:00:00Z", r.CapturedAt)
	s := r.Summary
	assert.Equal(t, s.Users, s.ByAAL.AAL3+s.ByAAL.AAL2+s.ByAAL.AAL1+s.ByAAL.None)
	require.NotEmpty(t, s.Groups, "summary.groups")
	for _, g := range s.Groups {
		assert.NotEmpty(t, g.ID)
		assert.Equal(t, g.Users, g.ByAAL.AAL3+g.ByAAL.AAL2+g.ByAAL.AAL1+g.ByAAL.None, g.DisplayName)
	}
	byCheck := map[string][]string{}
	for _, f := range r.Findings {
		byCheck[f.Check] = append(byCheck[f.Check], f.Users...)
		assert.NotEmpty(t, f.Admin)
		assert.NotNil(t, f.Users)
		assert.NotNil(t, f.Remediation.GraphRequests, "%s: graphRequests is an array", f.ID)
		assert.NotNil(t, f.Remediation.Prerequisites, "%s: prerequisites is an array", f.ID)
		if g := f.Remediation.GraphRequest; g != nil {
			require.NotEmpty(t, f.Remediation.GraphRequests)
			first := f.Remediation.GraphRequests[0]
			assert.Equal(t, first.Method+" "+first.URL, g.Method+" "+g.URL, "graphRequest is the first of graphRequests")
			assert.JSONEq(t, string(first.Body), string(g.Body))
		} else {
			assert.Empty(t, f.Remediation.GraphRequests)
		}
		for _, g := range f.Remediation.GraphRequests {
			assert.True(t, strings.HasPrefix(g.URL, "https://graph.microsoft.com/v1.0/"), g.URL)
		}
	}
	// Each deliberate problem of the demo tenant is found on its account.
	assert.Contains(t, byCheck["KT-PRIV-002"], demo.GlobalAdminSyncedPasskey)
	assert.Contains(t, byCheck["KT-WEAK-001"], demo.SecurityAdminSMSOnly)
	assert.Contains(t, byCheck["KT-WEAK-001"], demo.HelpdeskAdminSMS)
	assert.Contains(t, byCheck["KT-TAP-005"], demo.ContractorLongTAP)
	assert.Contains(t, byCheck["KT-CA-001"], demo.NewHireTAPOnly)
	assert.Contains(t, byCheck, "KT-REF-001")
}

func TestAuditFileStdinAndOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tenant.json")
	require.NoError(t, os.WriteFile(path, demo.Bytes(), 0o600))

	code, fromFile, errOut := runCLI(t, "", "audit", path, "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	code, fromStdin, _ := runCLI(t, string(demo.Bytes()), "audit", "--format", "json", "-")
	require.Equal(t, exitOK, code)
	assert.Equal(t, fromFile, fromStdin)

	outPath := filepath.Join(t.TempDir(), "report.md")
	code, stdout, _ := runCLI(t, "", "audit", "--format", "markdown", "--out", outPath)
	require.Equal(t, exitOK, code)
	assert.Empty(t, stdout)
	md, err := os.ReadFile(outPath)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(md), "# Passkey readiness: Northwind Fabrication"))
}

func TestAuditExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"tenant":{"id":"x"},"users":[{"id":"u"}`), 0o600))
	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{name: "truncated snapshot", args: []string{bad}, code: exitFail, stderr: "the snapshot is invalid"},
		{name: "not JSON on stdin", stdin: "nope", args: []string{"-"}, code: exitFail, stderr: "the snapshot is invalid"},
		{name: "unknown format", args: []string{"--format", "pdf"}, code: exitUsage, stderr: "unknown --format"},
		{name: "two snapshots", args: []string{"a", "b"}, code: exitUsage, stderr: "one snapshot at a time"},
		{name: "missing file", args: []string{filepath.Join(dir, "nope.json")}, code: exitUsage, stderr: "no such file"},
		{name: "unknown flag", args: []string{"--nope"}, code: exitUsage, stderr: "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.stdin, append([]string{"audit"}, tc.args...)...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, errOut, tc.stderr)
			assert.Empty(t, out)
		})
	}
}

// TestAuditGolden: the demo tenant's report in each format. Regenerate with
// `go test ./cmd/keytier -update`.
func TestAuditGolden(t *testing.T) {
	for _, tc := range []struct{ golden, format string }{
		{"audit-demo.txt", "text"},
		{"audit-demo.json", "json"},
		{"audit-demo.md", "markdown"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", "audit", "--format", tc.format)
			require.Equal(t, exitOK, code, errOut)
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

// TestAuditUsageErrorJSON: with --format json a usage error is still the
// one JSON object on stdout, {"error": {"code": "usage", "message": …},
// "tenant": null, "capturedAt": null, "summary": null, "findings": []},
// wherever --format stands and whatever stops the parse; with another
// format (or --format json overridden) stdout stays empty.
func TestAuditUsageErrorJSON(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		json    bool
		message string
	}{
		{[]string{"--format", "json", "a", "b"}, true, "one snapshot at a time"},
		{[]string{"a", "b", "--format=json"}, true, "one snapshot at a time"},
		{[]string{"-format", "json", "--nope"}, true, "flag provided but not defined"},
		{[]string{"--format", "json", "--max-tap-lifetime", "5m"}, true, "10 minutes to 30 days"},
		{[]string{"--format", "json", "--break-glass", "nobody@northwindfab.example"}, true, "the snapshot has no user"},
		{[]string{"--format", "json", "--at"}, true, "flag needs an argument"},
		{[]string{"--format", "json", "--format", "text", "a", "b"}, false, ""},
		{[]string{"--format", "text", "a", "b"}, false, ""},
		{[]string{"a", "b"}, false, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append([]string{"audit"}, tc.args...)...)
			assert.Equal(t, exitUsage, code)
			assert.NotEmpty(t, errOut, "the message goes to stderr too")
			if !tc.json {
				assert.Empty(t, out)
				return
			}
			dec := json.NewDecoder(strings.NewReader(out))
			var members map[string]json.RawMessage
			require.NoError(t, dec.Decode(&members), out)
			assert.False(t, dec.More(), "exactly one JSON object")
			var e struct{ Code, Message string }
			require.NoError(t, json.Unmarshal(members["error"], &e))
			assert.Equal(t, "usage", e.Code)
			assert.Contains(t, e.Message, "keytier audit: ")
			assert.Contains(t, e.Message, tc.message)
			for _, m := range []string{"tenant", "capturedAt", "summary"} {
				assert.Equal(t, "null", string(members[m]), m)
			}
			assert.Equal(t, "[]", string(members["findings"]))
		})
	}
}
