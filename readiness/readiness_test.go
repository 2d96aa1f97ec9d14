package readiness_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/readiness"
)

// Group ids of the demo tenant, by display name.
func groupID(t *testing.T, s *graphadapter.Snapshot, name string) string {
	t.Helper()
	for _, g := range s.Groups {
		if g.DisplayName == name {
			return g.ID
		}
	}
	t.Fatalf("no group %q", name)
	return ""
}

// editConfig rewrites a method configuration through its JSON, as an
// administrator's PATCH would.
func editConfig(t *testing.T, s *graphadapter.Snapshot, id string, edit func(m map[string]any)) {
	t.Helper()
	c, ok := s.AuthenticationMethodsPolicy.MethodConfiguration(id)
	require.True(t, ok, id)
	var m map[string]any
	require.NoError(t, json.Unmarshal(c.Raw, &m))
	edit(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	nc, err := graphadapter.ParseMethodConfiguration(b)
	require.NoError(t, err)
	*c = nc
}

// dropMethods removes the methods of the user with the given UPN for which
// drop is true.
func dropMethods(t *testing.T, s *graphadapter.Snapshot, upn string, drop func(m *graphadapter.Method) bool) {
	t.Helper()
	u, ok := s.UserByUPN(upn)
	require.True(t, ok, upn)
	u.Methods = slices.DeleteFunc(u.Methods, func(m graphadapter.Method) bool { return drop(&m) })
	require.NoError(t, s.Check())
}

func addMethod(t *testing.T, u *graphadapter.User, raw string) {
	t.Helper()
	m, err := graphadapter.ParseMethod([]byte(raw))
	require.NoError(t, err)
	u.Methods = append(u.Methods, m)
}

func findings(r readiness.Report, check string) []readiness.Finding {
	var out []readiness.Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// privilegedUPNs lists the enabled privileged users, computed from the
// snapshot's own index, not from readiness.
func privilegedUPNs(s *graphadapter.Snapshot) []string {
	var out []string
	for i := range s.Users {
		u := &s.Users[i]
		if u.Enabled() && len(s.PrivilegedRolesOf(u.ID)) > 0 {
			out = append(out, u.UserPrincipalName)
		}
	}
	slices.Sort(out)
	return out
}

func fidoTargetsWithout(m map[string]any, groupID string) {
	var kept []any
	for _, t := range m["includeTargets"].([]any) {
		if t.(map[string]any)["id"] != groupID {
			kept = append(kept, t)
		}
	}
	m["includeTargets"] = kept
}

func setProfileTypes(m map[string]any, name, types string) {
	for _, p := range m["passkeyProfiles"].([]any) {
		if pp := p.(map[string]any); pp["name"] == name {
			pp["passkeyTypes"] = types
		}
	}
}

const workforceProfile = "Workforce: synced or device-bound"

func isSynced(m *graphadapter.Method) bool {
	f, ok := m.FIDO2()
	return ok && f.AttestationLevel == "notAttested"
}

// TestChecks: every check, on a tenant that fails it and one that passes
// it. The demo tenant carries its deliberate problems; each case changes it
// the way an administrator would.
func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		check string
		// fail and pass turn the demo tenant into one that fails or
		// passes the check; nil leaves it as it is.
		fail, pass func(t *testing.T, s *graphadapter.Snapshot)
		opts       readiness.Options
		// passOpts, when set, replaces opts for the passing tenant.
		passOpts *readiness.Options
		// want inspects the failing tenant's findings.
		want func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding)
	}{
		{check: "KT-FIDO2-001",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { m["state"] = "disabled" })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				g := fs[0].Remediation.GraphRequest
				require.NotNil(t, g)
				assert.Equal(t, "PATCH", g.Method)
				assert.JSONEq(t, `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration","state":"enabled"}`, string(g.Body))
			}},
		{check: "KT-FIDO2-002",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { m["isSelfServiceRegistrationAllowed"] = false })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Contains(t, string(fs[0].Remediation.GraphRequest.Body), `"isSelfServiceRegistrationAllowed":true`)
			}},
		{check: "KT-FIDO2-003",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) {
					delete(m, "passkeyProfiles")
					delete(m, "defaultPasskeyProfile")
					for _, t := range m["includeTargets"].([]any) {
						delete(t.(map[string]any), "allowedPasskeyProfiles")
					}
				})
			}},
		{check: "KT-FIDO2-004",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				admins := groupID(t, s, "Admins")
				editConfig(t, s, "Fido2", func(m map[string]any) { fidoTargetsWithout(m, admins) })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				// Everyone privileged but the break-glass accounts, whose
				// own group still gets the device-bound profile.
				want := slices.DeleteFunc(privilegedUPNs(s), func(u string) bool { return u == demo.BreakGlass1 || u == demo.BreakGlass2 })
				assert.Equal(t, want, fs[0].Users)
				assert.Equal(t, []string{"Break Glass"}, fs[0].Groups, "the group that carries the profile")
			}},
		{check: "KT-FIDO2-005",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { setProfileTypes(m, workforceProfile, "deviceBound") })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Empty(t, fs[0].Users, "tenant-wide: no synced profile at all")
			}},
		{check: "KT-PRIV-001",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { setProfileTypes(m, workforceProfile, "deviceBound") })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Contains(t, fs[0].Users, demo.GlobalAdminSyncedPasskey)
				assert.NotContains(t, fs[0].Users, demo.BreakGlass1, "only in the break-glass group's device-bound scope")
				assert.Equal(t, []string{"All Staff"}, fs[0].Groups)
			}},
		{check: "KT-PRIV-002",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				for _, upn := range privilegedUPNs(s) {
					dropMethods(t, s, upn, isSynced)
				}
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				// The Global Administrator's Apple passkey and the
				// Identity Operators' 1Password passkeys.
				want := []string{demo.GlobalAdminSyncedPasskey}
				for _, m := range s.MembersOf(demo.IdentityOperatorsGroupID) {
					want = append(want, m.UserPrincipalName)
				}
				slices.Sort(want)
				assert.Equal(t, want, fs[0].Users)
			}},
		{check: "KT-BG-001",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				dropMethods(t, s, demo.BreakGlass1, func(m *graphadapter.Method) bool { return m.Kind() == graphadapter.KindFIDO2 })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Equal(t, []string{demo.BreakGlass1}, fs[0].Users)
			}},
		{check: "KT-BG-001", opts: readiness.Options{BreakGlass: []string{}},
			passOpts: &readiness.Options{BreakGlass: []string{demo.BreakGlass2}},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Equal(t, readiness.SeverityMedium, fs[0].Severity, "none identified")
				assert.Empty(t, fs[0].Users)
			}},
		{check: "KT-WEAK-001",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				for _, id := range []string{"Sms", "Voice", "Email"} {
					editConfig(t, s, id, func(m map[string]any) { m["state"] = "disabled" })
				}
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				require.Len(t, fs, 2, "SMS and email are on, voice is off")
				for _, f := range fs {
					assert.Equal(t, privilegedUPNs(s), f.Users)
					assert.Equal(t, []string{"Admins", "Break Glass"}, f.Groups)
					require.NotNil(t, f.Remediation.GraphRequest)
				}
				assert.Equal(t, "KT-WEAK-001/Sms", fs[1].ID)
			}},
		{check: "KT-USER-001",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				for i := range s.Users {
					addMethod(t, &s.Users[i], `{"@odata.type":"#microsoft.graph.windowsHelloForBusinessAuthenticationMethod","id":"whfb-test","keyStrength":"normal"}`)
				}
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Contains(t, fs[0].Users, demo.NewHireTAPOnly)
				assert.Contains(t, fs[0].Users, demo.SecurityAdminSMSOnly)
				assert.NotContains(t, fs[0].Users, demo.BreakGlass1)
			}},
		{check: "KT-TAP-001",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "TemporaryAccessPass", func(m map[string]any) { m["state"] = "disabled" })
			}},
		{check: "KT-TAP-002",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "TemporaryAccessPass", func(m map[string]any) { m["isUsableOnce"] = true })
			}},
		{check: "KT-TAP-003",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "TemporaryAccessPass", func(m map[string]any) { m["maximumLifetimeInMinutes"] = 480 })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.JSONEq(t, `{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration","maximumLifetimeInMinutes":480,"defaultLifetimeInMinutes":60,"minimumLifetimeInMinutes":60}`,
					string(fs[0].Remediation.GraphRequest.Body))
			}},
		{check: "KT-TAP-004",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				nh := groupID(t, s, "New Hires")
				editConfig(t, s, "TemporaryAccessPass", func(m map[string]any) {
					m["includeTargets"] = []any{map[string]any{"targetType": "group", "id": nh, "isRegistrationRequired": false}}
				})
			}},
		{check: "KT-TAP-005",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				dropMethods(t, s, demo.ContractorLongTAP, func(m *graphadapter.Method) bool { return m.Kind() == graphadapter.KindTemporaryAccessPass })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Equal(t, []string{demo.ContractorLongTAP}, fs[0].Users)
				assert.Equal(t, "DELETE", fs[0].Remediation.GraphRequest.Method)
			}},
		{check: "KT-CAMP-001",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				s.AuthenticationMethodsPolicy.Campaign().State = "disabled"
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Equal(t, readiness.SeverityMedium, fs[0].Severity)
				assert.Contains(t, string(fs[0].Remediation.GraphRequest.Body), `"targetedAuthenticationMethod":"Fido2"`)
				assert.Contains(t, string(fs[0].Remediation.GraphRequest.Body), groupID(t, s, "Break Glass"), "keeps the exclusions")
			}},
		{check: "KT-CAMP-002",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				s.AuthenticationMethodsPolicy.Campaign().IncludeTargets[0].TargetedAuthenticationMethod = "Fido2"
			}},
		{check: "KT-CAMP-003",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				no := false
				s.AuthenticationMethodsPolicy.Campaign().EnforceRegistrationAfterAllowedSnoozes = &no
			}},
		{check: "KT-REF-001",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { fidoTargetsWithout(m, demo.MissingGroupID) })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				require.Len(t, fs, 1)
				assert.Equal(t, "KT-REF-001/Fido2", fs[0].ID)
				assert.Equal(t, []string{demo.MissingGroupID}, fs[0].Groups)
				body := string(fs[0].Remediation.GraphRequest.Body)
				assert.NotContains(t, body, demo.MissingGroupID)
				assert.Contains(t, body, groupID(t, s, "Admins"), "the other targets stay")
			}},
		{check: "KT-CA-001",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				for i := range s.ConditionalAccessPolicies {
					if g := s.ConditionalAccessPolicies[i].Grant; g != nil && g.AuthenticationStrengthID == graphadapter.StrengthPhishingResistant {
						g.AuthenticationStrengthID = graphadapter.StrengthMFA // admits a pass
					}
				}
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				var eng *readiness.Finding
				for i := range fs {
					if slices.Contains(fs[i].Users, demo.NewHireTAPOnly) {
						eng = &fs[i]
					}
				}
				require.NotNil(t, eng, "the new hire holding only a pass is locked out")
				assert.Equal(t, []string{"Engineering"}, eng.Groups)
				assert.Contains(t, eng.Admin, "ScubaGear#1938")
				g := eng.Remediation.GraphRequest
				require.NotNil(t, g)
				assert.Contains(t, string(g.Body), groupID(t, s, "New Hires"), "the onboarding group is excluded")
				assert.Contains(t, string(g.Body), groupID(t, s, "Break Glass"), "existing exclusions stay")
			}},
	} {
		t.Run(tc.check, func(t *testing.T) {
			failing := demo.Snapshot()
			if tc.fail != nil {
				tc.fail(t, failing)
			}
			fs := findings(readiness.Run(failing, tc.opts), tc.check)
			require.NotEmpty(t, fs, "the failing tenant must fail %s", tc.check)
			for _, f := range fs {
				assert.NotEmpty(t, f.Admin)
				assert.NotEmpty(t, f.Plain)
				assert.NotEmpty(t, f.Remediation.Description)
			}
			if tc.want != nil {
				tc.want(t, failing, fs)
			}

			passing := demo.Snapshot()
			if tc.pass != nil {
				tc.pass(t, passing)
			}
			opts := tc.opts
			if tc.passOpts != nil {
				opts = *tc.passOpts
			}
			r := readiness.Run(passing, opts)
			assert.Empty(t, findings(r, tc.check), "the passing tenant must pass %s", tc.check)
			assert.Contains(t, r.Passed, tc.check)
		})
	}
}

func TestEveryCheckTested(t *testing.T) {
	// The table above names each check; a new check without cases fails here.
	src := []string{"KT-FIDO2-001", "KT-FIDO2-002", "KT-FIDO2-003", "KT-FIDO2-004", "KT-FIDO2-005", "KT-PRIV-001", "KT-PRIV-002", "KT-BG-001", "KT-WEAK-001", "KT-USER-001", "KT-TAP-001", "KT-TAP-002", "KT-TAP-003", "KT-TAP-004", "KT-TAP-005", "KT-CAMP-001", "KT-CAMP-002", "KT-CAMP-003", "KT-REF-001", "KT-CA-001"}
	var ids []string
	for _, c := range readiness.Checks() {
		ids = append(ids, c.ID)
		assert.NotEmpty(t, c.Title)
		assert.NotEmpty(t, c.Source)
		assert.Less(t, c.Severity.Rank(), 5, c.ID)
	}
	assert.Equal(t, src, ids)
}

func TestProfilesDefaultOnly(t *testing.T) {
	s := demo.Snapshot()
	editConfig(t, s, "Fido2", func(m map[string]any) {
		for _, t := range m["includeTargets"].([]any) {
			t.(map[string]any)["allowedPasskeyProfiles"] = []any{m["defaultPasskeyProfile"]}
		}
	})
	fs := findings(readiness.Run(s, readiness.Options{}), "KT-FIDO2-003")
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0].Admin, "only the default profile")
}

func TestCampaignMicrosoftManaged(t *testing.T) {
	s := demo.Snapshot()
	s.AuthenticationMethodsPolicy.Campaign().State = "default"
	fs := findings(readiness.Run(s, readiness.Options{}), "KT-CAMP-001")
	require.Len(t, fs, 1)
	assert.Equal(t, readiness.SeverityLow, fs[0].Severity)
}

func TestActiveTAPAt(t *testing.T) {
	s := demo.Snapshot()
	u, _ := s.UserByUPN(demo.ContractorLongTAP)
	tp, _ := u.MethodsOf(graphadapter.KindTemporaryAccessPass)[0].TemporaryAccessPass()
	end := tp.StartDateTime.Add(time.Duration(tp.LifetimeInMinutes) * time.Minute)

	before := readiness.Run(s, readiness.Options{At: end.Add(-time.Minute)})
	assert.NotEmpty(t, findings(before, "KT-TAP-005"))
	after := readiness.Run(s, readiness.Options{At: end})
	assert.Empty(t, findings(after, "KT-TAP-005"), "an expired pass is no longer active")
}

func TestSummary(t *testing.T) {
	s := demo.Snapshot()
	r := readiness.Run(s, readiness.Options{})
	enabled := 0
	for i := range s.Users {
		if s.Users[i].Enabled() {
			enabled++
		}
	}
	sum := r.Summary
	assert.Equal(t, enabled, sum.Users)
	assert.Equal(t, sum.Users, sum.ByAAL.AAL3+sum.ByAAL.AAL2+sum.ByAAL.AAL1+sum.ByAAL.None)
	assert.Equal(t, len(findings(r, "KT-USER-001")[0].Users), sum.NoPhishingResistantMethod)
	assert.Greater(t, sum.ByAAL.AAL3, 0, "attested security keys reach AAL3")
	assert.InDelta(t, 0.5, sum.PasswordlessCoverage, 0.5)
	require.Len(t, sum.Groups, len(s.Groups))
	for _, g := range sum.Groups {
		if g.DisplayName == "Break Glass" {
			assert.Equal(t, readiness.Tiers{AAL3: 2}, g.ByAAL)
			assert.Equal(t, 1.0, g.PasswordlessCoverage)
		}
	}
}

func TestRunDoesNotModifySnapshot(t *testing.T) {
	s := demo.Snapshot()
	before, err := s.Marshal()
	require.NoError(t, err)
	readiness.Run(s, readiness.Options{})
	after, err := s.Marshal()
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

func TestReportJSONContract(t *testing.T) {
	b, err := json.Marshal(readiness.Run(demo.Snapshot(), readiness.Options{}))
	require.NoError(t, err)
	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &top))
	assert.ElementsMatch(t, []string{"tenant", "capturedAt", "summary", "findings"}, keys(top))
	var sum map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(top["summary"], &sum))
	assert.ElementsMatch(t, []string{"users", "byAAL", "noPhishingResistantMethod", "passwordlessCoverage"}, keys(sum))
	var fs []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(top["findings"], &fs))
	for _, f := range fs {
		assert.ElementsMatch(t, []string{"id", "check", "severity", "title", "eidsca", "users", "groups", "admin", "plain", "remediation"}, keys(f))
		for _, k := range []string{"eidsca", "users", "groups"} {
			assert.NotEqual(t, "null", string(f[k]), "%s is an array", k)
		}
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func demoSnapshot() *graphadapter.Snapshot { return demo.Snapshot() }
