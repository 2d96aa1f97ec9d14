package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Demo tenant accounts the option tests rely on (graphadapter/demo).
const (
	demoSyncedUser   = "amara.urquhart@northwindfab.example" // an Apple Passwords (synced) passkey only
	demoBreakGlass   = "bg-01@northwindfab.example"          // an attested YubiKey
	demoReusableTAP  = "ravi.menon.ext@northwindfab.example" // an active, reusable 30-day pass
	demoEightHourTAP = "lena.fischer@northwindfab.example"   // an active one-time 8-hour pass, issued 07:00
)

// auditFindings runs keytier audit --format json on the demo tenant with
// args and returns its findings by check id. The checks these tests read
// (KT-BG-001, KT-TAP-*) report at most one finding each.
func auditFindings(t *testing.T, args ...string) map[string]auditFinding {
	t.Helper()
	code, out, errOut := runCLI(t, "", append([]string{"audit", "--format", "json"}, args...)...)
	require.Equal(t, exitOK, code, errOut)
	r := decodeAudit(t, out)
	byCheck := map[string]auditFinding{}
	for _, f := range r.Findings {
		if !strings.HasPrefix(f.Check, "KT-BG-") && !strings.HasPrefix(f.Check, "KT-TAP-") {
			continue
		}
		require.NotContains(t, byCheck, f.Check, "one finding per check")
		a := auditFinding{Severity: f.Severity, Users: f.Users, Admin: f.Admin, Description: f.Remediation.Description}
		if g := f.Remediation.GraphRequest; g != nil {
			a.Body = g.Body
		}
		byCheck[f.Check] = a
	}
	return byCheck
}

type auditFinding struct {
	Severity, Admin, Description string
	Users                        []string
	Body                         json.RawMessage
}

func TestAuditBreakGlassFlag(t *testing.T) {
	// By keytier's rule the demo's bg-01 and bg-02 are the emergency
	// accounts, both on attested keys: the check passes.
	assert.NotContains(t, auditFindings(t), "KT-BG-001")

	// Named, an account holding only a synced passkey fails it, by UPN.
	f := auditFindings(t, "--break-glass", demoSyncedUser)
	require.Contains(t, f, "KT-BG-001")
	assert.Equal(t, "high", f["KT-BG-001"].Severity)
	assert.Equal(t, []string{demoSyncedUser}, f["KT-BG-001"].Users)

	// Comma-separated and repeated lists add up; case does not matter, the
	// report uses the snapshot's spelling; a good account is not listed.
	for _, args := range [][]string{
		{"--break-glass", demoBreakGlass + "," + strings.ToUpper(demoSyncedUser)},
		{"--break-glass", demoBreakGlass, "--break-glass", demoSyncedUser + "," + demoSyncedUser},
	} {
		f := auditFindings(t, args...)
		require.Contains(t, f, "KT-BG-001", args)
		assert.Equal(t, []string{demoSyncedUser}, f["KT-BG-001"].Users, args)
	}
	assert.NotContains(t, auditFindings(t, "--break-glass", demoBreakGlass), "KT-BG-001")

	// none: the tenant has no emergency account, which the check reports
	// (medium) and whose fix names the flag.
	f = auditFindings(t, "--break-glass", "none")
	require.Contains(t, f, "KT-BG-001")
	assert.Equal(t, "medium", f["KT-BG-001"].Severity)
	assert.Empty(t, f["KT-BG-001"].Users)
	assert.Contains(t, f["KT-BG-001"].Description, "--break-glass")
}

func TestAuditMaxTAPLifetimeFlag(t *testing.T) {
	// Default 8 hours: the demo policy allows 30-day passes (KT-TAP-003) and
	// only the reusable pass counts as long-lived (KT-TAP-005).
	f := auditFindings(t)
	require.Contains(t, f, "KT-TAP-003")
	assert.Contains(t, f["KT-TAP-003"].Admin, "keytier accepts at most 8 hours")
	assert.Equal(t, []string{demoReusableTAP}, f["KT-TAP-005"].Users)

	// One hour: the 8-hour pass active at capture is flagged too, and the
	// fix lowers the policy to 60 minutes.
	for _, v := range []string{"1h", "60m"} {
		f = auditFindings(t, "--max-tap-lifetime", v)
		assert.Equal(t, []string{demoEightHourTAP, demoReusableTAP}, f["KT-TAP-005"].Users, v)
		require.Contains(t, f, "KT-TAP-003", v)
		assert.Contains(t, f["KT-TAP-003"].Admin, "keytier accepts at most 1 hour", v)
		var body map[string]any
		require.NoError(t, json.Unmarshal(f["KT-TAP-003"].Body, &body), v)
		assert.Equal(t, 60.0, body["maximumLifetimeInMinutes"], v)
	}

	// 30 days, Entra's ceiling: the policy's maximum (43200 minutes) is
	// accepted; the reusable pass is still reported.
	for _, v := range []string{"720h", "30d"} {
		f = auditFindings(t, "--max-tap-lifetime", v)
		assert.NotContains(t, f, "KT-TAP-003", v)
		assert.Equal(t, []string{demoReusableTAP}, f["KT-TAP-005"].Users, v)
	}
}

func TestAuditAtFlag(t *testing.T) {
	// The reusable pass was issued 2026-05-27 09:00 for 30 days: active at
	// capture (2026-06-01), expired on 2026-06-27.
	assert.Contains(t, auditFindings(t), "KT-TAP-005")
	assert.NotContains(t, auditFindings(t, "--at", "2026-06-27T00:00:00Z"), "KT-TAP-005")
	f := auditFindings(t, "--at", "2026-06-26T08:59:00Z")
	assert.Equal(t, []string{demoReusableTAP}, f["KT-TAP-005"].Users)
}

func TestAuditOptionFlagsUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--break-glass", ""}, `invalid value "" for flag -break-glass`},
		{[]string{"--break-glass", "alice"}, `"alice" is not a userPrincipalName`},
		{[]string{"--break-glass", demoBreakGlass + ",," + demoSyncedUser}, `"" is not a userPrincipalName`},
		{[]string{"--break-glass", "a@b@c"}, `"a@b@c" is not a userPrincipalName`},
		{[]string{"--break-glass", "bg 01@northwindfab.example"}, `is not a userPrincipalName`},
		{[]string{"--break-glass", "none", "--break-glass", demoBreakGlass}, "--break-glass none cannot be combined"},
		{[]string{"--break-glass", "nobody@northwindfab.example"}, `--break-glass: the snapshot has no user "nobody@northwindfab.example"`},
		{[]string{"--max-tap-lifetime", "soon"}, `invalid value "soon" for flag -max-tap-lifetime: want a duration`},
		{[]string{"--max-tap-lifetime", "5m"}, "10 minutes to 30 days"},
		{[]string{"--max-tap-lifetime", "721h"}, "10 minutes to 30 days"},
		{[]string{"--max-tap-lifetime", "31d"}, "10 minutes to 30 days"},
		{[]string{"--max-tap-lifetime", "-1h"}, "10 minutes to 30 days"},
		{[]string{"--max-tap-lifetime", "90m30s"}, "whole minutes"},
		{[]string{"--at", "yesterday"}, `--at "yesterday": want RFC 3339`},
		{[]string{"--at", "2026-06-01"}, `--at "2026-06-01": want RFC 3339`},
	} {
		code, out, errOut := runCLI(t, "", append([]string{"audit"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, "%v: %s", tc.args, errOut)
		assert.Empty(t, out, tc.args)
		assert.Contains(t, errOut, tc.stderr, tc.args)
	}
}

func TestAuditOptionFlagsUsage(t *testing.T) {
	code, _, errOut := runCLI(t, "", "audit", "-h")
	assert.Equal(t, exitOK, code)
	for _, s := range []string{
		"[--break-glass UPN[,UPN...]|none] [--max-tap-lifetime DURATION] [--at RFC3339]",
		"-break-glass value", "-max-tap-lifetime value", "-at string",
		"default 8h, Entra's default maximum",
	} {
		assert.Contains(t, errOut, s)
	}
}
