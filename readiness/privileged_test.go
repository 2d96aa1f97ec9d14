package readiness_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/readiness"
)

const (
	defaultProfileID   = "00000000-0000-0000-0000-000000000001" // device-bound, attestation not enforced
	workforceProfileID = "4abb8dd7-2705-59dc-ba0d-3264ff54e881" // synced or device-bound
)

// breakGlassTarget makes the Break Glass group's passkey target assign
// exactly profiles. The group holds the two emergency access accounts
// only, both privileged, so the scenarios below are about them alone.
func breakGlassTarget(t *testing.T, s *graphadapter.Snapshot, profiles ...string) {
	t.Helper()
	editConfig(t, s, "Fido2", func(m map[string]any) {
		for _, x := range m["includeTargets"].([]any) {
			if tg := x.(map[string]any); tg["id"] == breakGlassID {
				list := make([]any, len(profiles))
				for i, p := range profiles {
					list[i] = p
				}
				tg["allowedPasskeyProfiles"] = list
			}
		}
	})
}

// causes returns, for user upn, the ids of the findings of the checks that
// speak about privileged users' passkey profiles that name them.
func causes(r readiness.Report, upn string) []string {
	var out []string
	for _, f := range r.Findings {
		if (f.Check == "KT-FIDO2-004" || f.Check == "KT-PRIV-001") && slices.Contains(f.Users, upn) {
			out = append(out, f.ID)
		}
	}
	slices.Sort(out)
	return out
}

// TestPrivilegedRule: the tenant whose privileged user has one profile
// with an AAL3 floor and one unattested device-bound profile in scope,
// which the rule "some profile reaches AAL3" passed and "a profile admits
// synced passkeys" did not catch, and its neighbours. Each privileged user
// is reported once per cause, by the check that owns it.
func TestPrivilegedRule(t *testing.T) {
	for _, tc := range []struct {
		name     string
		profiles []string
		// windowsHello keeps the demo's privileged allow list as it is
		// (Windows Hello on it: unsettled); otherwise it is taken off
		// and the privileged profile's floor is AAL3.
		windowsHello bool
		want         []string
	}{
		{name: "AAL3 and an unattested device-bound profile", profiles: []string{privilegedProfileID, defaultProfileID}, want: []string{"KT-FIDO2-004"}},
		{name: "AAL3 alone", profiles: []string{privilegedProfileID}, want: nil},
		{name: "AAL3 and a synced profile", profiles: []string{privilegedProfileID, workforceProfileID}, want: []string{"KT-PRIV-001"}},
		{name: "an unattested device-bound profile alone", profiles: []string{defaultProfileID}, want: []string{"KT-FIDO2-004"}},
		{name: "a synced profile alone", profiles: []string{workforceProfileID}, want: []string{"KT-FIDO2-004", "KT-PRIV-001"}},
		{name: "unsettled models alone", profiles: []string{privilegedProfileID}, windowsHello: true, want: []string{"KT-FIDO2-004/Fido2"}},
		{name: "unsettled models and an unattested device-bound profile", profiles: []string{privilegedProfileID, defaultProfileID}, windowsHello: true, want: []string{"KT-FIDO2-004", "KT-FIDO2-004/Fido2"}},
		{name: "all three", profiles: []string{privilegedProfileID, defaultProfileID, workforceProfileID}, want: []string{"KT-FIDO2-004", "KT-PRIV-001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := demo.Snapshot()
			if !tc.windowsHello {
				editConfig(t, s, "Fido2", func(m map[string]any) { takeOffAllowList(m, privilegedProfileName, windowsHello) })
			}
			breakGlassTarget(t, s, tc.profiles...)
			r := readiness.Run(s, readiness.Options{})
			for _, upn := range []string{demo.BreakGlass1, demo.BreakGlass2} {
				assert.Equal(t, tc.want, causes(r, upn), upn)
			}
			// The fix of each finding about them, sent alone, takes it
			// away and brings no other.
			for _, f := range r.Findings {
				if slices.Contains(f.Users, demo.BreakGlass1) && slices.Contains(tc.want, f.ID) && len(f.Remediation.GraphRequests) > 0 {
					assertFixed(t, s, readiness.Options{}, f)
				}
			}
		})
	}
}

// TestPrivilegedRuleFix: the weaker profile's fix takes it off the Break
// Glass target and leaves the profile fit for them.
func TestPrivilegedRuleFix(t *testing.T) {
	s := demo.Snapshot()
	editConfig(t, s, "Fido2", func(m map[string]any) { takeOffAllowList(m, privilegedProfileName, windowsHello) })
	breakGlassTarget(t, s, privilegedProfileID, defaultProfileID)
	fs := findings(readiness.Run(s, readiness.Options{}), "KT-FIDO2-004")
	require.Len(t, fs, 1)
	f := fs[0]
	assert.Equal(t, []string{demo.BreakGlass1, demo.BreakGlass2}, f.Users)
	assert.Equal(t, "2 privileged users have a device-bound passkey profile below AAL3 in scope", f.Title)
	assert.Contains(t, f.Admin, `"Default passkey profile" (floor AAL2`)
	assert.Equal(t, []string{"Break Glass"}, f.Groups)
	require.Len(t, f.Remediation.GraphRequests, 1)
	assert.Contains(t, string(f.Remediation.GraphRequests[0].Body),
		`{"targetType":"group","id":"`+breakGlassID+`","isRegistrationRequired":false,"allowedPasskeyProfiles":["`+privilegedProfileID+`"]}`)
	assertFixed(t, s, readiness.Options{}, f)

	// Through a group with members who are not privileged, no request:
	// taking the profile off it would change what they may register.
	s = demo.Snapshot()
	editConfig(t, s, "Fido2", func(m map[string]any) {
		takeOffAllowList(m, privilegedProfileName, windowsHello)
		for _, x := range m["includeTargets"].([]any) {
			if tg := x.(map[string]any); tg["id"] == allStaffID {
				tg["allowedPasskeyProfiles"] = []any{defaultProfileID}
			}
		}
	})
	fs = findings(readiness.Run(s, readiness.Options{}), "KT-FIDO2-004")
	require.Len(t, fs, 1)
	assert.Empty(t, fs[0].Remediation.GraphRequests)
	assert.Contains(t, fs[0].Remediation.Description, "not a group made only of privileged accounts (All Staff)")
}

// TestBreakGlassHeldFloor: KT-BG-001 judges what an emergency account
// holds by the tier the profile floor uses: a passkey at AAL3, none
// below it. A synced passkey held is KT-PRIV-002's alone.
func TestBreakGlassHeldFloor(t *testing.T) {
	add := func(s *graphadapter.Snapshot, raw string) {
		u, ok := s.UserByUPN(demo.BreakGlass1)
		require.True(t, ok)
		addMethod(t, u, raw)
		require.NoError(t, s.Check())
	}
	bg := func(s *graphadapter.Snapshot) []string {
		var out []string
		for _, f := range findings(readiness.Run(s, readiness.Options{}), "KT-BG-001") {
			out = append(out, f.Users...)
		}
		return out
	}
	priv2 := func(s *graphadapter.Snapshot) []string {
		var out []string
		for _, f := range findings(readiness.Run(s, readiness.Options{}), "KT-PRIV-002") {
			out = append(out, f.Users...)
		}
		return out
	}

	s := demo.Snapshot()
	assert.Empty(t, bg(s), "each holds an attested security key the catalog knows to be hardware")

	// An attested Windows Hello passkey instead of the security key:
	// attested and device-bound, which the old rule passed, but its key
	// protection is unknown, so AAL2.
	s = demo.Snapshot()
	dropMethods(t, s, demo.BreakGlass1, func(m *graphadapter.Method) bool { return m.Kind() == graphadapter.KindFIDO2 })
	add(s, `{"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "whello", "aaGuid": "`+windowsHello+`", "attestationLevel": "attested", "model": "Windows Hello"}`)
	assert.Equal(t, []string{demo.BreakGlass1}, bg(s))

	// The security key and an unattested device-bound passkey beside it.
	s = demo.Snapshot()
	add(s, `{"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "unattested", "aaGuid": "ee882879-721c-4913-9775-3dfcce97072a", "attestationLevel": "notAttested", "model": "YubiKey 5"}`)
	assert.Equal(t, []string{demo.BreakGlass1}, bg(s))

	// The security key and a synced passkey: KT-PRIV-002, not KT-BG-001.
	s = demo.Snapshot()
	add(s, `{"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "icloud", "aaGuid": "fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "attestationLevel": "notAttested", "model": "iCloud Keychain"}`)
	assert.Empty(t, bg(s))
	assert.Contains(t, priv2(s), demo.BreakGlass1)
}
