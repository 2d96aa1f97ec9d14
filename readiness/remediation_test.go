package readiness_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/readiness"
)

// Ids of the demo tenant the expected requests name; TestDemoIDs keeps
// them honest.
const (
	adminsID      = "513269ac-7130-51f2-9406-79d7aa5fe348"
	breakGlassID  = "476994cd-a685-5ddd-b724-c44a7f2e5a7b"
	allStaffID    = "199190b6-65a2-5e65-9b77-65941e2c9e64"
	contractorsID = "677fde31-f0cb-51c6-865d-4742fcaf3f94"
	newHiresID    = "2088c2d8-f46c-5b32-b391-353da9a635d9"
	salesID       = "1377c708-b98f-5c7a-93ce-47d05f77da16"

	privilegedProfileID = "8d8b25bc-a475-5898-8462-5b433e87cd15"

	graph       = "https://graph.microsoft.com/v1.0"
	fido2URL    = graph + "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2"
	campaignURL = graph + "/policies/authenticationMethodsPolicy"

	// missingProfileID is a profile makeInvalidPolicy refers to that the
	// policy does not have.
	missingProfileID = "11111111-1111-1111-1111-111111111111"
)

func TestDemoIDs(t *testing.T) {
	s := demo.Snapshot()
	for name, id := range map[string]string{"Admins": adminsID, "Break Glass": breakGlassID, "All Staff": allStaffID, "Contractors": contractorsID, "New Hires": newHiresID, "Sales": salesID} {
		assert.Equal(t, groupID(t, s, name), id, name)
	}
}

// request is an expected Graph call; body "" means none.
type request struct{ method, url, body string }

// assertRequests checks the finding's calls, in order, bodies compared as
// JSON, and that graphRequest is the first of them.
func assertRequests(t *testing.T, f readiness.Finding, want ...request) {
	t.Helper()
	got := f.Remediation.GraphRequests
	require.Len(t, got, len(want), "%s: %s", f.ID, f.Remediation.Description)
	require.NotNil(t, f.Remediation.GraphRequest)
	assert.Equal(t, got[0], *f.Remediation.GraphRequest, "graphRequest is the first call")
	for i, w := range want {
		assert.Equal(t, w.method, got[i].Method, "%s call %d", f.ID, i)
		assert.Equal(t, w.url, got[i].URL, "%s call %d", f.ID, i)
		if w.body == "" {
			assert.Empty(t, got[i].Body, "%s call %d", f.ID, i)
		} else {
			assert.JSONEq(t, w.body, string(got[i].Body), "%s call %d", f.ID, i)
		}
	}
}

// authenticatorTarget is the demo campaign's include target.
const fido2Target = `[{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "Fido2"}]`

const authenticatorTarget = `[{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "microsoftAuthenticator"}]`

// campaignBody is the PATCH of the demo's registration campaign: enabled,
// Break Glass excluded, with the given snooze, enforcement and include
// targets.
func campaignBody(snooze int, enforce bool, include string) string {
	return fmt.Sprintf(`{"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {
		"state": "enabled", "snoozeDurationInDays": %d, "enforceRegistrationAfterAllowedSnoozes": %t,
		"includeTargets": %s,
		"excludeTargets": [{"id": %q, "targetType": "group"}]}}}`, snooze, enforce, include, breakGlassID)
}

// makeInvalidPolicy gives the demo's FIDO2 policy two errors — All Staff's
// target names a profile that does not exist, the privileged profile's
// allow list a malformed AAGUID — and a warning: a passkey type keytier
// does not know.
func makeInvalidPolicy(t *testing.T, s *graphadapter.Snapshot) {
	editConfig(t, s, "Fido2", func(m map[string]any) {
		for _, x := range m["includeTargets"].([]any) {
			if tt := x.(map[string]any); tt["id"] == allStaffID {
				tt["allowedPasskeyProfiles"] = append(tt["allowedPasskeyProfiles"].([]any), missingProfileID)
			}
		}
		for _, p := range m["passkeyProfiles"].([]any) {
			if pp := p.(map[string]any); pp["id"] == privilegedProfileID {
				kr := pp["keyRestrictions"].(map[string]any)
				kr["aaGuids"] = append(kr["aaGuids"].([]any), "not-a-guid")
			}
		}
		setProfileTypes(m, workforceProfile, "deviceBound,synced,unknownFutureValue")
	})
}

// TestPolicyFindingPerProblem: one KT-FIDO2-000 finding per problem
// Validate reports, errors high and warnings info, the JSON path in the id.
func TestPolicyFindingPerProblem(t *testing.T) {
	s := demo.Snapshot()
	makeInvalidPolicy(t, s)
	fs := findings(readiness.Run(s, readiness.Options{}), "KT-FIDO2-000")
	var ids []string
	errs, warns := 0, 0
	for _, f := range fs {
		ids = append(ids, f.ID)
		switch f.Severity {
		case readiness.SeverityHigh:
			errs++
		case readiness.SeverityInfo:
			warns++
		default:
			t.Errorf("%s: severity %s", f.ID, f.Severity)
		}
	}
	assert.Subset(t, ids, []string{
		"KT-FIDO2-000/includeTargets.2.allowedPasskeyProfiles.1",
		"KT-FIDO2-000/passkeyProfiles.1.keyRestrictions.aaGuids.6",
		"KT-FIDO2-000/passkeyProfiles.2.passkeyTypes",
	})
	assert.Equal(t, 2, errs)
	assert.GreaterOrEqual(t, warns, 1)
	assert.Len(t, fs, errs+warns)

	assert.Empty(t, findings(readiness.Run(demo.Snapshot(), readiness.Options{}), "KT-FIDO2-000"), "the demo's policy is valid")
}

// TestNoPatchSendsInvalidReferences: with the policy broken, the other
// checks' PATCH bodies leave out what names nothing.
func TestNoPatchSendsInvalidReferences(t *testing.T) {
	s := demo.Snapshot()
	makeInvalidPolicy(t, s)
	admins := groupID(t, s, "Admins")
	editConfig(t, s, "Fido2", func(m map[string]any) { fidoTargetsWithout(m, admins) }) // KT-FIDO2-004 writes a PATCH too
	r := readiness.Run(s, readiness.Options{})
	sent := 0
	for _, f := range r.Findings {
		for _, g := range f.Remediation.GraphRequests {
			if !strings.HasSuffix(g.URL, "/Fido2") {
				continue
			}
			sent++
			assert.NotContains(t, string(g.Body), missingProfileID, f.ID)
			assert.NotContains(t, string(g.Body), "not-a-guid", f.ID)
			assert.NotContains(t, string(g.Body), demo.MissingGroupID, f.ID)
		}
	}
	assert.GreaterOrEqual(t, sent, 4, "KT-FIDO2-000 twice, KT-FIDO2-004 and KT-REF-001 patch the policy")
	require.NotEmpty(t, findings(r, "KT-FIDO2-004"))
	assert.NotNil(t, findings(r, "KT-FIDO2-004")[0].Remediation.GraphRequest)
}

// TestPolicyUnreadable: a configuration keytier cannot read is one
// KT-FIDO2-000 finding, and KT-FIDO2-001 says so.
func TestPolicyUnreadable(t *testing.T) {
	s := demo.Snapshot()
	editConfig(t, s, "Fido2", func(m map[string]any) { m["passkeyProfiles"] = "all of them" })
	r := readiness.Run(s, readiness.Options{})
	fs := findings(r, "KT-FIDO2-000")
	require.Len(t, fs, 1)
	assert.Equal(t, readiness.SeverityHigh, fs[0].Severity)
	assert.Contains(t, fs[0].ID, "passkeyProfiles")
	assert.True(t, strings.HasPrefix(fs[0].Title, "The passkey policy cannot be read"), fs[0].Title)
	assert.Nil(t, fs[0].Remediation.GraphRequest)
	on := findings(r, "KT-FIDO2-001")
	require.Len(t, on, 1)
	assert.Contains(t, on[0].Title, "cannot be read")
}

// TestPrivilegedProfileCarrier: when no group of privileged accounts alone
// holds the users, they join the group whose target assigns the
// device-bound profile — not Break Glass, which Conditional Access
// excludes — 20 members per PATCH.
func TestPrivilegedProfileCarrier(t *testing.T) {
	s := demo.Snapshot()
	paw := graphadapter.Group{ID: "5f0c3c1e-7a0d-4c55-9d2e-0c1b2a3d4e5f", DisplayName: "Privileged Access Workstations", Members: []string{}}
	s.Groups = append(s.Groups, paw)
	sales := s.MembersOf(salesID)
	require.Greater(t, len(sales), 30)
	for _, u := range sales[:21] {
		s.RoleAssignments = append(s.RoleAssignments, graphadapter.RoleAssignment{PrincipalID: u.ID, RoleDefinitionID: "194ae4cb-b126-40b2-bd5b-6091b380977d", DirectoryScopeID: "/"}) // Security Administrator
	}
	for i := range s.Groups {
		if s.Groups[i].ID == adminsID {
			s.Groups[i].Members = append(s.Groups[i].Members, sales[30].ID) // Admins is no longer privileged accounts alone
		}
	}
	editConfig(t, s, "Fido2", func(m map[string]any) {
		fidoTargetsWithout(m, adminsID)
		m["includeTargets"] = append(m["includeTargets"].([]any), map[string]any{"targetType": "group", "id": paw.ID, "isRegistrationRequired": false, "allowedPasskeyProfiles": []any{privilegedProfileID}})
	})
	require.NoError(t, s.Check())

	fs := noProfileFindings(readiness.Run(s, readiness.Options{}))
	require.Len(t, fs, 1)
	f := fs[0]
	require.Len(t, f.Users, 30, "the 9 in Admins and the 21 new Security Administrators")
	assert.Equal(t, []string{"Privileged Access Workstations"}, f.Groups)
	var refs []string
	for _, upn := range f.Users { // sorted by UPN, as the requests are
		u, _ := s.UserByUPN(upn)
		refs = append(refs, fmt.Sprintf("%q", graph+"/directoryObjects/"+u.ID))
	}
	bind := func(refs []string) string { return `{"members@odata.bind": [` + strings.Join(refs, ",") + `]}` }
	assertRequests(t, f,
		request{"PATCH", graph + "/groups/" + paw.ID, bind(refs[:20])},
		request{"PATCH", graph + "/groups/" + paw.ID, bind(refs[20:])})

	// One user: POST /groups/{id}/members/$ref.
	s.RoleAssignments = slices.DeleteFunc(s.RoleAssignments, func(ra graphadapter.RoleAssignment) bool {
		return slices.ContainsFunc(sales[1:21], func(u *graphadapter.User) bool { return u.ID == ra.PrincipalID })
	})
	editConfig(t, s, "Fido2", func(m map[string]any) {
		m["includeTargets"] = append(m["includeTargets"].([]any), map[string]any{"targetType": "group", "id": adminsID, "isRegistrationRequired": false, "allowedPasskeyProfiles": []any{privilegedProfileID}})
	})
	require.NoError(t, s.Check())
	fs = noProfileFindings(readiness.Run(s, readiness.Options{}))
	require.Len(t, fs, 1)
	require.Equal(t, []string{sales[0].UserPrincipalName}, fs[0].Users)
	assertRequests(t, fs[0], request{"POST", graph + "/groups/" + paw.ID + "/members/$ref", fmt.Sprintf(`{"@odata.id": %q}`, graph+"/directoryObjects/"+sales[0].ID)})
}

// noProfileFindings is KT-FIDO2-004's finding of privileged users with no
// device-bound, attested profile, without its finding of allow-listed
// models of unknown key protection (the demo's Windows Hello), which
// TestChecks covers.
func noProfileFindings(r readiness.Report) []readiness.Finding {
	return slices.DeleteFunc(findings(r, "KT-FIDO2-004"), func(f readiness.Finding) bool { return f.ID != "KT-FIDO2-004" })
}

// TestPrivilegedProfileNoSafeGroup: when the only group carrying the
// profile is excluded from Conditional Access, keytier writes no request.
func TestPrivilegedProfileNoSafeGroup(t *testing.T) {
	s := demo.Snapshot()
	sales := s.MembersOf(salesID)
	for i := range s.Groups {
		if s.Groups[i].ID == adminsID {
			s.Groups[i].Members = append(s.Groups[i].Members, sales[0].ID)
		}
	}
	editConfig(t, s, "Fido2", func(m map[string]any) { fidoTargetsWithout(m, adminsID) })
	require.NoError(t, s.Check())
	fs := noProfileFindings(readiness.Run(s, readiness.Options{}))
	require.Len(t, fs, 1)
	assert.Nil(t, fs[0].Remediation.GraphRequest, "joining Break Glass would exempt them from Conditional Access")
	assert.Empty(t, fs[0].Remediation.GraphRequests)
	assert.Contains(t, fs[0].Remediation.Description, "keytier writes no request")
}

// TestCampaignStatePatch: the campaign PATCH writes Graph's members only.
func TestCampaignStatePatch(t *testing.T) {
	s := demo.Snapshot()
	s.AuthenticationMethodsPolicy.Campaign().State = "disabled"
	fs := findings(readiness.Run(s, readiness.Options{}), "KT-CAMP-001")
	require.Len(t, fs, 1)
	assert.Equal(t, "The registration campaign is disabled", fs[0].Title)
	assertRequests(t, fs[0], request{"PATCH", campaignURL, campaignBody(1, true, `[{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "Fido2"}]`)})
}

// TestEIDSCA: every Maester id a check names is mapped, with a recommended
// value and its reason; Maester's own values are kept where it gives one.
func TestEIDSCA(t *testing.T) {
	controls := map[string]readiness.EIDSCAControl{}
	var ids []string
	for _, c := range readiness.EIDSCA() {
		controls[c.ID] = c
		ids = append(ids, c.ID)
		assert.NotEmpty(t, c.Setting, c.ID)
		assert.NotEmpty(t, c.Name, c.ID)
		assert.NotEmpty(t, c.Recommended.Value, "%s: a recommended value", c.ID)
		assert.NotEmpty(t, c.Recommended.Reason, "%s: where it comes from", c.ID)
		assert.NotEmpty(t, c.Checks, "%s: covered by a check", c.ID)
		if c.Maester == "" {
			assert.True(t, strings.HasPrefix(c.Recommended.Reason, "keytier") || strings.HasPrefix(c.Recommended.Reason, "Maester MT."), "%s: Maester gives no value, so the value is keytier's: %s", c.ID, c.Recommended.Reason)
		} else {
			assert.True(t, strings.HasPrefix(c.Recommended.Reason, "Maester"), c.ID)
		}
	}
	assert.True(t, slices.IsSorted(ids), "Maester id order")
	for _, c := range readiness.Checks() {
		for _, id := range c.EIDSCA {
			assert.Contains(t, controls, id, "%s names %s", c.ID, id)
			assert.Contains(t, controls[id].Checks, c.ID)
		}
	}
	// Maester's EidscaConfig.json gives no value for these.
	for _, id := range []string{"EIDSCA.AT03", "EIDSCA.AT04", "EIDSCA.AT05", "EIDSCA.AT06", "EIDSCA.AT07", "EIDSCA.AG08", "EIDSCA.AG09", "EIDSCA.AG10", "EIDSCA.AG12"} {
		assert.Empty(t, controls[id].Maester, id)
	}
	assert.Equal(t, "defaultLength", controls["EIDSCA.AT04"].Setting)
	assert.Equal(t, []string{"KT-TAP-006"}, controls["EIDSCA.AT04"].Checks)
	assert.Equal(t, "registrationEnforcement.authenticationMethodsRegistrationCampaign.snoozeDurationInDays", controls["EIDSCA.AG12"].Setting)
	assert.Equal(t, []string{"KT-CAMP-004"}, controls["EIDSCA.AG12"].Checks)
	assert.Equal(t, []string{"KT-TAP-003"}, controls["EIDSCA.AT06"].Checks)
	assert.Equal(t, "enabled", controls["EIDSCA.AF01"].Maester)
}

// TestGraphRequestsJSON: a report's graphRequests is an array and
// graphRequest its first element, in the JSON as in Go.
func TestGraphRequestsJSON(t *testing.T) {
	r := readiness.Run(demo.Snapshot(), readiness.Options{})
	priv := findings(r, "KT-PRIV-001")
	require.Len(t, priv, 1)
	b, err := json.Marshal(priv[0].Remediation)
	require.NoError(t, err)
	var rem struct {
		GraphRequest  json.RawMessage   `json:"graphRequest"`
		GraphRequests []json.RawMessage `json:"graphRequests"`
	}
	require.NoError(t, json.Unmarshal(b, &rem))
	require.Len(t, rem.GraphRequests, len(priv[0].Users))
	assert.JSONEq(t, string(rem.GraphRequests[0]), string(rem.GraphRequest))
	assert.JSONEq(t, `{"method": "DELETE", "url": "`+priv[0].Remediation.GraphRequests[0].URL+`", "body": null}`, string(rem.GraphRequest))
}

// TestRemediationRequests: Requests serves a Remediation built by hand with
// GraphRequest alone as well as one Run filled.
func TestRemediationRequests(t *testing.T) {
	g := readiness.GraphRequest{Method: "PATCH", URL: fido2URL, Body: json.RawMessage(`{}`)}
	assert.Equal(t, []readiness.GraphRequest{g}, readiness.Remediation{GraphRequest: &g}.Requests())
	assert.Empty(t, readiness.Remediation{}.Requests())
	for _, f := range readiness.Run(demo.Snapshot(), readiness.Options{}).Findings {
		assert.Equal(t, f.Remediation.GraphRequests, f.Remediation.Requests(), f.ID)
	}
}
