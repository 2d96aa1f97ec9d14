package readiness_test

import (
	"encoding/json"
	"fmt"
	"math"
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

// windowsHello is the AAGUID of Windows Hello, on the demo's privileged
// allow list: a platform authenticator, whose key protection the catalog
// leaves unknown.
const windowsHello = "08987058-cadc-4b81-b6e1-30de50dcbe96"

// privilegedProfileName is the demo's device-bound, attested profile.
const privilegedProfileName = "Privileged accounts: device-bound, attested"

// takeOffAllowList removes aaguid from the allow list of the profile named
// name, as an administrator would in the admin center.
func takeOffAllowList(m map[string]any, name, aaguid string) {
	for _, p := range m["passkeyProfiles"].([]any) {
		if pp := p.(map[string]any); pp["name"] == name {
			kr := pp["keyRestrictions"].(map[string]any)
			kr["aaGuids"] = slices.DeleteFunc(kr["aaGuids"].([]any), func(v any) bool { return v == aaguid })
		}
	}
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
	goals := map[string]string{}
	for _, c := range readiness.Checks() {
		goals[c.ID] = c.Title
	}
	var demoFindings []string
	for _, f := range readiness.Run(demo.Snapshot(), readiness.Options{}).Findings {
		demoFindings = append(demoFindings, f.ID)
	}
	fixedChecks := map[string]bool{}
	defer func() {
		// The checks whose failing tenants get a fix written as calls;
		// the others' fixes need an administrator's decision
		// (KT-USER-001, KT-BG-001) or hold several objects (KT-PRIV-002).
		assert.Equal(t, []string{"KT-CA-001", "KT-CAMP-001", "KT-CAMP-002", "KT-CAMP-003", "KT-CAMP-004", "KT-FIDO2-000", "KT-FIDO2-001", "KT-FIDO2-002", "KT-FIDO2-003", "KT-FIDO2-004", "KT-FIDO2-005", "KT-PRIV-001", "KT-REF-001", "KT-TAP-001", "KT-TAP-002", "KT-TAP-003", "KT-TAP-004", "KT-TAP-005", "KT-TAP-006", "KT-WEAK-001"}, sortedKeys(fixedChecks))
	}()
	for _, tc := range checkCases() {
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
				// A finding states the problem, not the check's goal.
				assert.NotEmpty(t, f.Title)
				assert.NotEqual(t, goals[f.Check], f.Title, f.ID)
			}
			if tc.want != nil {
				tc.want(t, failing, fs)
			}
			// Every fix written as Graph calls, sent to a copy of the
			// failing tenant, removes its finding (or leaves what it says
			// it leaves) and brings no other.
			for _, f := range fs {
				if len(f.Remediation.GraphRequests) > 0 {
					fixedChecks[f.Check] = true
					assertFixed(t, failing, tc.opts, f, demoFindings...)
				}
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

// checkCase is a row of TestChecks: how to turn the demo tenant into one
// that fails a check and one that passes it.
type checkCase struct {
	check string
	// fail and pass turn the demo tenant into one that fails or
	// passes the check; nil leaves it as it is.
	fail, pass func(t *testing.T, s *graphadapter.Snapshot)
	opts       readiness.Options
	// passOpts, when set, replaces opts for the passing tenant.
	passOpts *readiness.Options
	// want inspects the failing tenant's findings.
	want func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding)
}

// checkCases is TestChecks' table; TestEveryCheckTested holds it to
// readiness.Checks().
func checkCases() []checkCase {
	return []checkCase{
		{check: "KT-FIDO2-000",
			fail: makeInvalidPolicy,
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				byID := map[string]readiness.Finding{}
				for _, f := range fs {
					byID[f.ID] = f
				}
				ref := byID["KT-FIDO2-000/includeTargets.2.allowedPasskeyProfiles.1"]
				assert.Equal(t, readiness.SeverityHigh, ref.Severity)
				assert.Equal(t, "The passkey policy is invalid at includeTargets.2.allowedPasskeyProfiles.1", ref.Title)
				assert.Contains(t, ref.Admin, missingProfileID)
				assertRequests(t, ref, request{"PATCH", fido2URL, `{
					"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
					"includeTargets": [
						{"targetType": "group", "id": "513269ac-7130-51f2-9406-79d7aa5fe348", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["8d8b25bc-a475-5898-8462-5b433e87cd15"]},
						{"targetType": "group", "id": "476994cd-a685-5ddd-b724-c44a7f2e5a7b", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["8d8b25bc-a475-5898-8462-5b433e87cd15"]},
						{"targetType": "group", "id": "199190b6-65a2-5e65-9b77-65941e2c9e64", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["4abb8dd7-2705-59dc-ba0d-3264ff54e881"]},
						{"targetType": "group", "id": "677fde31-f0cb-51c6-865d-4742fcaf3f94", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["4abb8dd7-2705-59dc-ba0d-3264ff54e881"]}
					]}`})

				aaguid := byID["KT-FIDO2-000/passkeyProfiles.1.keyRestrictions.aaGuids.6"]
				assert.Equal(t, readiness.SeverityHigh, aaguid.Severity)
				assert.Contains(t, aaguid.Admin, `"not-a-guid"`)
				require.NotNil(t, aaguid.Remediation.GraphRequest)
				var body struct {
					PasskeyProfiles []struct {
						ID              string `json:"id"`
						KeyRestrictions struct {
							AAGUIDs []string `json:"aaGuids"`
						} `json:"keyRestrictions"`
					} `json:"passkeyProfiles"`
				}
				require.NoError(t, json.Unmarshal(aaguid.Remediation.GraphRequest.Body, &body))
				require.Len(t, body.PasskeyProfiles, 3, "the collection is sent complete")
				assert.Equal(t, []string{"2fc0579f-8113-47ea-b116-bb5a8db9202a", "ee882879-721c-4913-9775-3dfcce97072a", "c5ef55ff-ad9a-4b9f-b580-adebafe026d0", "d8522d9f-575b-4866-88a9-ba99fa02f35b", "77010bd7-212a-4fc9-b236-d2ca5e9d4084", "08987058-cadc-4b81-b6e1-30de50dcbe96"},
					body.PasskeyProfiles[1].KeyRestrictions.AAGUIDs, "the allow list without the malformed entry, in its order")

				warn := byID["KT-FIDO2-000/passkeyProfiles.2.passkeyTypes"]
				assert.Equal(t, readiness.SeverityInfo, warn.Severity, "a warning")
				assert.Contains(t, warn.Admin, "unknownFutureValue")
				assert.Nil(t, warn.Remediation.GraphRequest)
			}},
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
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				// The migration as Entra does it (a default profile with the
				// legacy settings on every target), plus a device-bound,
				// attested profile for the groups made only of privileged
				// accounts, allowing the models they hold today. The target
				// of the deleted group is left out.
				assert.Equal(t, []string{"Admins", "Break Glass"}, fs[0].Groups)
				assertRequests(t, fs[0], request{"PATCH", fido2URL, `{
					"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
					"defaultPasskeyProfile": "00000000-0000-0000-0000-000000000001",
					"passkeyProfiles": [
						{"id": "00000000-0000-0000-0000-000000000001", "name": "Default passkey profile", "passkeyTypes": "deviceBound", "attestationEnforcement": "disabled",
						 "keyRestrictions": {"isEnforced": false, "enforcementType": "block", "aaGuids": []}},
						{"id": "9f7d29ca-80f0-5179-af39-94e81524f093", "name": "Privileged accounts: device-bound, attested", "passkeyTypes": "deviceBound", "attestationEnforcement": "registrationOnly",
						 "keyRestrictions": {"isEnforced": true, "enforcementType": "allow", "aaGuids": ["08987058-cadc-4b81-b6e1-30de50dcbe96", "2fc0579f-8113-47ea-b116-bb5a8db9202a", "77010bd7-212a-4fc9-b236-d2ca5e9d4084", "c5ef55ff-ad9a-4b9f-b580-adebafe026d0", "d8522d9f-575b-4866-88a9-ba99fa02f35b", "ee882879-721c-4913-9775-3dfcce97072a"]}}
					],
					"includeTargets": [
						{"targetType": "group", "id": "513269ac-7130-51f2-9406-79d7aa5fe348", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["9f7d29ca-80f0-5179-af39-94e81524f093"]},
						{"targetType": "group", "id": "476994cd-a685-5ddd-b724-c44a7f2e5a7b", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["9f7d29ca-80f0-5179-af39-94e81524f093"]},
						{"targetType": "group", "id": "199190b6-65a2-5e65-9b77-65941e2c9e64", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["00000000-0000-0000-0000-000000000001"]},
						{"targetType": "group", "id": "677fde31-f0cb-51c6-865d-4742fcaf3f94", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["00000000-0000-0000-0000-000000000001"]}
					]}`})
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
				// Admins holds only privileged accounts, all of them: its
				// target comes back with the existing device-bound profile.
				// Break Glass carries the profile too, but joining it would
				// exempt them from Conditional Access.
				assert.Equal(t, []string{"Admins"}, fs[0].Groups)
				assertRequests(t, fs[0], request{"PATCH", fido2URL, `{
					"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
					"includeTargets": [
						{"targetType": "group", "id": "476994cd-a685-5ddd-b724-c44a7f2e5a7b", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["8d8b25bc-a475-5898-8462-5b433e87cd15"]},
						{"targetType": "group", "id": "199190b6-65a2-5e65-9b77-65941e2c9e64", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["4abb8dd7-2705-59dc-ba0d-3264ff54e881"]},
						{"targetType": "group", "id": "677fde31-f0cb-51c6-865d-4742fcaf3f94", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["4abb8dd7-2705-59dc-ba0d-3264ff54e881"]},
						{"targetType": "group", "id": "513269ac-7130-51f2-9406-79d7aa5fe348", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["8d8b25bc-a475-5898-8462-5b433e87cd15"]}
					]}`})
				// The break-glass accounts keep their group's profile,
				// whose allow list holds Windows Hello: the lesser finding.
				unsettled := fs[1]
				assert.Equal(t, "KT-FIDO2-004/Fido2", unsettled.ID)
				assert.Equal(t, []string{demo.BreakGlass1, demo.BreakGlass2}, unsettled.Users)
			},
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { takeOffAllowList(m, privilegedProfileName, windowsHello) })
			}},
		// Every privileged user has the device-bound, attested profile
		// (the demo as it is), but its allow list holds Windows Hello, whose
		// key protection the catalog cannot settle: the floor is AAL2, as
		// keytier policy check says, and the finding is high, not critical.
		{check: "KT-FIDO2-004",
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				require.Len(t, fs, 1)
				f := fs[0]
				assert.Equal(t, "KT-FIDO2-004/Fido2", f.ID)
				assert.Equal(t, readiness.SeverityHigh, f.Severity)
				assert.Equal(t, privilegedUPNs(s), f.Users)
				assert.Contains(t, f.Admin, windowsHello+" (Windows Hello)")
				assert.Contains(t, f.Admin, "the floor is AAL2")
				assert.Contains(t, f.Remediation.Description, "MDS3 BLOB")
				assertRequests(t, f, request{"PATCH", fido2URL, `{
					"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
					"passkeyProfiles": [
						{"id": "00000000-0000-0000-0000-000000000001", "name": "Default passkey profile", "passkeyTypes": "deviceBound", "attestationEnforcement": "disabled",
						 "keyRestrictions": {"isEnforced": false, "enforcementType": "allow", "aaGuids": []}},
						{"id": "8d8b25bc-a475-5898-8462-5b433e87cd15", "name": "Privileged accounts: device-bound, attested", "passkeyTypes": "deviceBound", "attestationEnforcement": "registrationOnly",
						 "keyRestrictions": {"isEnforced": true, "enforcementType": "allow", "aaGuids": ["2fc0579f-8113-47ea-b116-bb5a8db9202a", "ee882879-721c-4913-9775-3dfcce97072a", "c5ef55ff-ad9a-4b9f-b580-adebafe026d0", "d8522d9f-575b-4866-88a9-ba99fa02f35b", "77010bd7-212a-4fc9-b236-d2ca5e9d4084"]}},
						{"id": "4abb8dd7-2705-59dc-ba0d-3264ff54e881", "name": "Workforce: synced or device-bound", "passkeyTypes": "deviceBound,synced", "attestationEnforcement": "disabled",
						 "keyRestrictions": {"isEnforced": false, "enforcementType": "allow", "aaGuids": []}}
					]}`})
				// The privileged holder of a Windows Hello passkey, and only
				// they, must register another key first.
				var holders []string
				for _, upn := range privilegedUPNs(s) {
					u, _ := s.UserByUPN(upn)
					for i := range u.Methods {
						if f2, ok := u.Methods[i].FIDO2(); ok && f2.AAGUID == windowsHello {
							holders = append(holders, upn)
							break
						}
					}
				}
				require.NotEmpty(t, holders)
				var got []string
				for _, p := range f.Remediation.Prerequisites {
					assert.Equal(t, readiness.StepRegisterDeviceBoundPasskey, p.Step)
					got = append(got, p.User)
				}
				assert.Equal(t, holders, got)
			},
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { takeOffAllowList(m, privilegedProfileName, windowsHello) })
			}},
		{check: "KT-FIDO2-005",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { setProfileTypes(m, workforceProfile, "deviceBound") })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Empty(t, fs[0].Users, "tenant-wide: no synced profile at all")
				assert.Equal(t, "No user can register a synced passkey", fs[0].Title)
				// The policy has Entra's three profiles: the workforce
				// profile, neither the default nor the privileged one, is
				// changed back to admit synced passkeys; its targets stay.
				// Sent after KT-FIDO2-004/Fido2, earlier in the report, the
				// collection keeps Windows Hello off the allow list.
				assert.Equal(t, []string{"All Staff", "Contractors"}, fs[0].Groups)
				assert.Equal(t, []string{"KT-FIDO2-004/Fido2"}, fs[0].Remediation.After)
				assertRequests(t, fs[0], request{"PATCH", fido2URL, `{
					"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
					"passkeyProfiles": [
						{"id": "00000000-0000-0000-0000-000000000001", "name": "Default passkey profile", "passkeyTypes": "deviceBound", "attestationEnforcement": "disabled",
						 "keyRestrictions": {"isEnforced": false, "enforcementType": "allow", "aaGuids": []}},
						{"id": "8d8b25bc-a475-5898-8462-5b433e87cd15", "name": "Privileged accounts: device-bound, attested", "passkeyTypes": "deviceBound", "attestationEnforcement": "registrationOnly",
						 "keyRestrictions": {"isEnforced": true, "enforcementType": "allow", "aaGuids": ["2fc0579f-8113-47ea-b116-bb5a8db9202a", "ee882879-721c-4913-9775-3dfcce97072a", "c5ef55ff-ad9a-4b9f-b580-adebafe026d0", "d8522d9f-575b-4866-88a9-ba99fa02f35b", "77010bd7-212a-4fc9-b236-d2ca5e9d4084"]}},
						{"id": "4abb8dd7-2705-59dc-ba0d-3264ff54e881", "name": "Workforce: synced or device-bound", "passkeyTypes": "deviceBound,synced", "attestationEnforcement": "disabled",
						 "keyRestrictions": {"isEnforced": false, "enforcementType": "allow", "aaGuids": []}}
					]}`})
			}},
		{check: "KT-FIDO2-005",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { fidoTargetsWithout(m, contractorsID) })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				// The enabled contractors lose their only synced profile;
				// Contractors has no privileged member, so its target comes
				// back rather than anyone moving.
				var want []string
				for _, u := range s.MembersOf(contractorsID) {
					if u.Enabled() {
						want = append(want, u.UserPrincipalName)
					}
				}
				slices.Sort(want)
				assert.Equal(t, want, fs[0].Users)
				assert.Equal(t, []string{"Contractors"}, fs[0].Groups)
				assertRequests(t, fs[0], request{"PATCH", fido2URL, `{
					"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
					"includeTargets": [
						{"targetType": "group", "id": "513269ac-7130-51f2-9406-79d7aa5fe348", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["8d8b25bc-a475-5898-8462-5b433e87cd15"]},
						{"targetType": "group", "id": "476994cd-a685-5ddd-b724-c44a7f2e5a7b", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["8d8b25bc-a475-5898-8462-5b433e87cd15"]},
						{"targetType": "group", "id": "199190b6-65a2-5e65-9b77-65941e2c9e64", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["4abb8dd7-2705-59dc-ba0d-3264ff54e881"]},
						{"targetType": "group", "id": "677fde31-f0cb-51c6-865d-4742fcaf3f94", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["4abb8dd7-2705-59dc-ba0d-3264ff54e881"]}
					]}`})
			}},
		{check: "KT-PRIV-001",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { setProfileTypes(m, workforceProfile, "deviceBound") })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Contains(t, fs[0].Users, demo.GlobalAdminSyncedPasskey)
				assert.NotContains(t, fs[0].Users, demo.BreakGlass1, "only in the break-glass group's device-bound scope")
				assert.Equal(t, []string{"All Staff"}, fs[0].Groups)
				assert.Equal(t, fmt.Sprintf("%d privileged users can register a synced passkey", len(fs[0].Users)), fs[0].Title)
				// One DELETE per membership of All Staff, by UPN: All
				// Staff grants no role and no Conditional Access policy or
				// other method depends on it, and Admins keeps their
				// device-bound profile.
				var want []request
				for _, upn := range fs[0].Users {
					u, ok := s.UserByUPN(upn)
					require.True(t, ok)
					want = append(want, request{"DELETE", graph + "/groups/" + allStaffID + "/members/" + u.ID + "/$ref", ""})
				}
				assertRequests(t, fs[0], want...)
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
		{check: "KT-TAP-006",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "TemporaryAccessPass", func(m map[string]any) { m["defaultLength"] = 6 })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Equal(t, []string{"EIDSCA.AT04"}, fs[0].EIDSCA)
				assert.Equal(t, readiness.SeverityMedium, fs[0].Severity)
				assert.Equal(t, "Temporary Access Passes are 6 characters long", fs[0].Title)
				assertRequests(t, fs[0], request{"PATCH", graph + "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
					`{"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration", "defaultLength": 8}`})
			}},
		{check: "KT-TAP-006",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "TemporaryAccessPass", func(m map[string]any) { m["defaultLength"] = 64 })
			},
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "TemporaryAccessPass", func(m map[string]any) { m["defaultLength"] = 48 })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Equal(t, readiness.SeverityLow, fs[0].Severity)
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
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Equal(t, []string{"New Hires"}, fs[0].Groups, "the onboarding group, by name")
				assertRequests(t, fs[0], request{"PATCH", graph + "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", `{
					"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
					"includeTargets": [{"id": "2088c2d8-f46c-5b32-b391-353da9a635d9", "targetType": "group", "isRegistrationRequired": false}]}`})
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
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				// The whole campaign, its target switched to Fido2.
				assertRequests(t, fs[0], request{"PATCH", campaignURL, campaignBody(1, true, `[{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "Fido2"}]`)})
			}},
		{check: "KT-CAMP-002",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				s.AuthenticationMethodsPolicy.Campaign().IncludeTargets = nil
			},
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				s.AuthenticationMethodsPolicy.Campaign().IncludeTargets[0].TargetedAuthenticationMethod = "Fido2"
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Equal(t, "The registration campaign includes nobody", fs[0].Title)
				assertRequests(t, fs[0], request{"PATCH", campaignURL, campaignBody(1, true, `[{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "Fido2"}]`)})
			}},
		{check: "KT-CAMP-003",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				no := false
				s.AuthenticationMethodsPolicy.Campaign().EnforceRegistrationAfterAllowedSnoozes = &no
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Empty(t, fs[0].EIDSCA, "EIDSCA.AG12 is the snooze length, KT-CAMP-004")
				// Sent after KT-CAMP-002, earlier in the report, the whole
				// campaign keeps its switch to passkeys.
				assert.Equal(t, []string{"KT-CAMP-002"}, fs[0].Remediation.After)
				assertRequests(t, fs[0], request{"PATCH", campaignURL, campaignBody(1, true, fido2Target)})
			}},
		{check: "KT-CAMP-004",
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				s.AuthenticationMethodsPolicy.Campaign().SnoozeDurationInDays = 7
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				assert.Equal(t, []string{"EIDSCA.AG12"}, fs[0].EIDSCA)
				assert.Equal(t, "Users can snooze the registration campaign for 7 days at a time", fs[0].Title)
				assert.Contains(t, fs[0].Admin, "21 days")
				assert.Equal(t, []string{"KT-CAMP-002"}, fs[0].Remediation.After)
				assertRequests(t, fs[0], request{"PATCH", campaignURL, campaignBody(1, true, fido2Target)})
			}},
		{check: "KT-CAMP-004", // 0 prompts at every MFA sign-in: stricter, passes
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				s.AuthenticationMethodsPolicy.Campaign().SnoozeDurationInDays = 2
			},
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				s.AuthenticationMethodsPolicy.Campaign().SnoozeDurationInDays = 0
			}},
		{check: "KT-REF-001",
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { fidoTargetsWithout(m, demo.MissingGroupID) })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				require.Len(t, fs, 1)
				assert.Equal(t, "KT-REF-001/Fido2", fs[0].ID)
				assert.Equal(t, []string{demo.MissingGroupID}, fs[0].Groups)
				assert.Equal(t, "The Fido2 method configuration targets 1 group that no longer exists", fs[0].Title)
				assertRequests(t, fs[0], request{"PATCH", fido2URL, `{
					"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
					"includeTargets": [
						{"targetType": "group", "id": "513269ac-7130-51f2-9406-79d7aa5fe348", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["8d8b25bc-a475-5898-8462-5b433e87cd15"]},
						{"targetType": "group", "id": "476994cd-a685-5ddd-b724-c44a7f2e5a7b", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["8d8b25bc-a475-5898-8462-5b433e87cd15"]},
						{"targetType": "group", "id": "199190b6-65a2-5e65-9b77-65941e2c9e64", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["4abb8dd7-2705-59dc-ba0d-3264ff54e881"]},
						{"targetType": "group", "id": "677fde31-f0cb-51c6-865d-4742fcaf3f94", "isRegistrationRequired": false, "allowedPasskeyProfiles": ["4abb8dd7-2705-59dc-ba0d-3264ff54e881"]}
					],
					"excludeTargets": []}`})
			}},
		{check: "KT-REF-001", // the registration campaign's part
			fail: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { fidoTargetsWithout(m, demo.MissingGroupID) })
				camp := s.AuthenticationMethodsPolicy.Campaign()
				camp.ExcludeTargets = append(camp.ExcludeTargets, graphadapter.ExcludeTarget{ID: demo.MissingGroupID, TargetType: "group"})
			},
			pass: func(t *testing.T, s *graphadapter.Snapshot) {
				editConfig(t, s, "Fido2", func(m map[string]any) { fidoTargetsWithout(m, demo.MissingGroupID) })
			},
			want: func(t *testing.T, s *graphadapter.Snapshot, fs []readiness.Finding) {
				require.Len(t, fs, 1)
				assert.Equal(t, "KT-REF-001/registrationCampaign", fs[0].ID)
				assert.Equal(t, "The registration campaign targets 1 group that no longer exists", fs[0].Title)
				assertRequests(t, fs[0], request{"PATCH", campaignURL, campaignBody(1, true, authenticatorTarget)})
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
				reqs := eng.Remediation.GraphRequests
				require.NotEmpty(t, reqs)
				assert.Equal(t, graph+"/policies/authenticationStrengthPolicies", eng.Remediation.GraphRequest.URL, "the strength first")
				last := reqs[len(reqs)-1]
				assert.Equal(t, "PATCH", last.Method, "the change to the blocking policy last")
				assert.Contains(t, string(last.Body), groupID(t, s, "New Hires"), "the onboarding group is excluded")
				assert.Contains(t, string(last.Body), groupID(t, s, "Break Glass"), "existing exclusions stay")
			}},
	}
}

// TestEveryCheckTested holds TestChecks' table to readiness.Checks(): each
// check has a row, which TestChecks runs on a failing and a passing tenant,
// and each row names a check that exists. A row that runs the same tenant
// with the same options twice (fail, pass and passOpts nil) could not fail
// one and pass the other.
func TestEveryCheckTested(t *testing.T) {
	assert.Empty(t, untestedChecks(readiness.Checks(), checkCases()))
	for _, c := range readiness.Checks() {
		assert.NotEmpty(t, c.Title)
		assert.NotEmpty(t, c.Source)
		assert.Less(t, c.Severity.Rank(), 5, c.ID)
	}

	// The control: the same rule finds a check the table leaves out, a row
	// for a check that does not exist, and a row that changes nothing.
	cases := slices.DeleteFunc(checkCases(), func(tc checkCase) bool { return tc.check == "KT-CA-001" })
	cases = append(cases, checkCase{check: "KT-NOPE-001", fail: makeInvalidPolicy}, checkCase{check: "KT-USER-001"})
	assert.Equal(t, []string{
		"KT-USER-001: a row runs the same tenant with the same options as failing and as passing",
		"KT-CA-001: no row in TestChecks' table",
		"KT-NOPE-001: a row for a check readiness does not have",
	}, untestedChecks(readiness.Checks(), cases))
}

// untestedChecks says what keeps the table from testing every check with a
// failing and a passing tenant.
func untestedChecks(checks []readiness.Check, cases []checkCase) []string {
	var out []string
	rows := map[string]int{}
	for _, tc := range cases {
		rows[tc.check]++
		if tc.fail == nil && tc.pass == nil && tc.passOpts == nil {
			out = append(out, tc.check+": a row runs the same tenant with the same options as failing and as passing")
		}
	}
	for _, c := range checks {
		if rows[c.ID] == 0 {
			out = append(out, c.ID+": no row in TestChecks' table")
		}
		delete(rows, c.ID)
	}
	for _, tc := range cases {
		if rows[tc.check] > 0 {
			out = append(out, tc.check+": a row for a check readiness does not have")
			delete(rows, tc.check)
		}
	}
	return out
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

	// Passwordless coverage, counted from the fixture: the share of enabled
	// users holding a phishing-resistant passwordless method (a passkey,
	// which Entra always verifies the user for, or Windows Hello for
	// Business or a platform credential whose key is not weak), to four
	// places.
	holds := map[string]bool{}
	total := 0
	for i := range s.Users {
		u := &s.Users[i]
		if !u.Enabled() {
			continue
		}
		total++
		holds[u.ID] = holdsPasswordless(u)
	}
	share := func(n, d int) float64 { return math.Round(float64(n)/float64(d)*10000) / 10000 }
	n := 0
	for _, ok := range holds {
		if ok {
			n++
		}
	}
	require.Greater(t, n, 0)
	require.Less(t, n, total, "the fixture must hold users both with and without")
	assert.Equal(t, share(n, total), sum.PasswordlessCoverage)

	require.Len(t, sum.Groups, len(s.Groups))
	for i, g := range sum.Groups {
		members, with := 0, 0
		for _, id := range s.Groups[i].Members {
			ok, enabled := holds[id]
			if !enabled {
				continue // disabled, or not a user
			}
			members++
			if ok {
				with++
			}
		}
		require.Equal(t, members, g.Users, g.DisplayName)
		if members > 0 {
			assert.Equal(t, share(with, members), g.PasswordlessCoverage, g.DisplayName)
		}
		if g.DisplayName == "Break Glass" {
			assert.Equal(t, readiness.Tiers{AAL3: 2}, g.ByAAL)
			assert.Equal(t, 1.0, g.PasswordlessCoverage)
		}
	}
}

// holdsPasswordless reports whether u holds a phishing-resistant
// passwordless method, read from the snapshot directly.
func holdsPasswordless(u *graphadapter.User) bool {
	if len(u.MethodsOf(graphadapter.KindFIDO2)) > 0 {
		return true
	}
	for _, m := range u.MethodsOf(graphadapter.KindWindowsHello) {
		if wh, _ := m.WindowsHello(); wh.KeyStrength != "weak" {
			return true
		}
	}
	for _, m := range u.MethodsOf(graphadapter.KindPlatformCredential) {
		if pc, _ := m.PlatformCredential(); pc.KeyStrength != "weak" {
			return true
		}
	}
	return false
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
	assert.ElementsMatch(t, []string{"users", "byAAL", "noPhishingResistantMethod", "passwordlessCoverage", "groups"}, keys(sum))
	var groups []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(sum["groups"], &groups))
	require.NotEmpty(t, groups)
	for _, g := range groups {
		assert.ElementsMatch(t, []string{"id", "displayName", "users", "byAAL", "noPhishingResistantMethod", "passwordlessCoverage"}, keys(g))
	}
	var fs []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(top["findings"], &fs))
	for _, f := range fs {
		assert.ElementsMatch(t, []string{"id", "check", "severity", "title", "eidsca", "users", "groups", "admin", "plain", "remediation"}, keys(f))
		for _, k := range []string{"eidsca", "users", "groups"} {
			assert.NotEqual(t, "null", string(f[k]), "%s is an array", k)
		}
		var rem map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(f["remediation"], &rem))
		assert.ElementsMatch(t, []string{"description", "graphRequest", "graphRequests", "partial", "prerequisites", "after"}, keys(rem))
		assert.NotEqual(t, "null", string(rem["after"]), "after is an array")
		assert.NotEqual(t, "null", string(rem["prerequisites"]), "prerequisites is an array")
		var reqs []json.RawMessage
		require.NoError(t, json.Unmarshal(rem["graphRequests"], &reqs), "graphRequests is an array")
		require.NotNil(t, reqs, "graphRequests is an array, never null")
		if len(reqs) == 0 {
			assert.Equal(t, "null", string(rem["graphRequest"]))
		} else {
			assert.JSONEq(t, string(reqs[0]), string(rem["graphRequest"]), "graphRequest is the first of graphRequests")
		}
	}
}

// TestReportJSONGroups: summary.groups carries the per-group figures.
func TestReportJSONGroups(t *testing.T) {
	s := demo.Snapshot()
	b, err := json.Marshal(readiness.Run(s, readiness.Options{}))
	require.NoError(t, err)
	var r struct {
		Summary struct {
			Groups []struct {
				ID                        string          `json:"id"`
				DisplayName               string          `json:"displayName"`
				Users                     int             `json:"users"`
				ByAAL                     readiness.Tiers `json:"byAAL"`
				NoPhishingResistantMethod int             `json:"noPhishingResistantMethod"`
				PasswordlessCoverage      float64         `json:"passwordlessCoverage"`
			} `json:"groups"`
		} `json:"summary"`
	}
	require.NoError(t, json.Unmarshal(b, &r))
	require.Len(t, r.Summary.Groups, len(s.Groups))
	for i, g := range r.Summary.Groups {
		assert.Equal(t, s.Groups[i].ID, g.ID, "snapshot order")
		assert.Equal(t, s.Groups[i].DisplayName, g.DisplayName)
		assert.Equal(t, g.Users, g.ByAAL.AAL3+g.ByAAL.AAL2+g.ByAAL.AAL1+g.ByAAL.None)
		if g.DisplayName == "Break Glass" {
			assert.Equal(t, 2, g.Users)
			assert.Equal(t, readiness.Tiers{AAL3: 2}, g.ByAAL)
			assert.Zero(t, g.NoPhishingResistantMethod)
			assert.Equal(t, 1.0, g.PasswordlessCoverage)
		}
	}

	empty := demo.Snapshot()
	empty.Groups = nil
	require.NoError(t, empty.Check())
	b, err = json.Marshal(readiness.Run(empty, readiness.Options{}).Summary)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"groups":[]`, "an array, never null")
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func demoSnapshot() *graphadapter.Snapshot { return demo.Snapshot() }

// A registered passkey's tier comes from passkey.CredentialFacts.Evidence:
// attested and device-bound is AAL3 only for a model the catalog knows to
// keep its keys in hardware. An attested passkey of a platform
// authenticator (Windows Hello: the catalog cannot tell the TPM variant
// from the software one) or of a model nobody lists is AAL2.
func TestRegisteredPasskeyTier(t *testing.T) {
	for _, tc := range []struct {
		name, aaguid, level string
		want                readiness.Tiers
	}{
		{"attested security key", "2fc0579f-8113-47ea-b116-bb5a8db9202a", "attested", readiness.Tiers{AAL3: 2}},
		{"attested Windows Hello", "08987058-cadc-4b81-b6e1-30de50dcbe96", "attested", readiness.Tiers{AAL3: 1, AAL2: 1}},
		{"attested, model unknown", "6d44ba9b-f6ec-2e49-b930-0c8fe920cb73", "attested", readiness.Tiers{AAL3: 1, AAL2: 1}},
		{"unattested security key", "2fc0579f-8113-47ea-b116-bb5a8db9202a", "notAttested", readiness.Tiers{AAL3: 1, AAL2: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := demo.Snapshot()
			dropMethods(t, s, demo.BreakGlass1, func(m *graphadapter.Method) bool { return m.Kind() == graphadapter.KindFIDO2 })
			u, ok := s.UserByUPN(demo.BreakGlass1)
			require.True(t, ok)
			addMethod(t, u, `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"fido2-test","displayName":"key",`+
				`"aaGuid":"`+tc.aaguid+`","attestationLevel":"`+tc.level+`","attestationCertificates":[]}`)
			r := readiness.Run(s, readiness.Options{})
			i := slices.IndexFunc(r.Summary.Groups, func(g readiness.GroupSummary) bool { return g.DisplayName == "Break Glass" })
			require.GreaterOrEqual(t, i, 0)
			assert.Equal(t, tc.want, r.Summary.Groups[i].ByAAL)
		})
	}
}
