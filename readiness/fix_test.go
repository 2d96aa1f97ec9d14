package readiness_test

import (
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

// assertFixed sends f's calls to a copy of s (applyFix) and audits the copy
// again: the finding is gone, or — for a fix that says it is partial —
// still there, about fewer users, each named in the description. It
// returns the fixed copy.
//
// Findings the fixed copy has and s had not are errors, except those whose
// ids are in known: the failing tenants of TestChecks are the demo with one
// thing broken, and a fix that switches a method back on lets the checks
// that read it find the demo's own problems again.
func assertFixed(t *testing.T, s *graphadapter.Snapshot, opts readiness.Options, f readiness.Finding, known ...string) *graphadapter.Snapshot {
	t.Helper()
	require.NotEmpty(t, f.Remediation.GraphRequests, f.ID)
	// A fix that builds on earlier fixes of the report (After) is sent
	// after them.
	reqs, err := fixCalls(readiness.Run(s, opts), f)
	require.NoError(t, err, f.ID)
	fixed, err := applyFix(s, reqs)
	require.NoError(t, err, "%s: %s", f.ID, f.Remediation.Description)
	after := readiness.Run(fixed, opts)
	// A fix that moves the problem elsewhere — a new policy with the same
	// deadlock, a group that now lacks a profile — is no fix: nothing the
	// tenant did not have before may appear.
	before := map[string]bool{}
	for _, id := range known {
		before[id] = true
	}
	for _, x := range readiness.Run(s, opts).Findings {
		before[x.ID] = true
	}
	for _, x := range after.Findings {
		if !before[x.ID] {
			t.Errorf("%s's fix brings a new finding: %s: %s", f.ID, x.ID, x.Title)
		}
	}
	var still *readiness.Finding
	for i := range after.Findings {
		if after.Findings[i].ID == f.ID {
			still = &after.Findings[i]
		}
	}
	if !f.Remediation.Partial {
		if still != nil {
			t.Errorf("%s is still reported after its fix: %s (users %v)", f.ID, still.Title, still.Users)
		}
		return fixed
	}
	assert.Contains(t, f.Remediation.Description, "Partial", "%s: a partial fix says so", f.ID)
	if assert.NotNil(t, still, "%s: marked partial, but its fix removed it", f.ID) {
		assert.Less(t, len(still.Users), len(f.Users), f.ID)
		for _, u := range still.Users {
			assert.Contains(t, f.Users, u, f.ID)
			assert.Contains(t, f.Remediation.Description, u, "%s: the users left are named", f.ID)
		}
	}
	return fixed
}

// TestDemoFixes: every finding of the demo tenant whose fix is written as
// Graph calls is gone once they are sent.
func TestDemoFixes(t *testing.T) {
	s := demo.Snapshot()
	checked := map[string]bool{}
	for _, f := range readiness.Run(s, readiness.Options{}).Findings {
		if len(f.Remediation.GraphRequests) == 0 {
			continue
		}
		checked[f.Check] = true
		t.Run(f.ID, func(t *testing.T) { assertFixed(t, s, readiness.Options{}, f) })
	}
	assert.Equal(t, []string{"KT-CA-001", "KT-CAMP-002", "KT-FIDO2-004", "KT-PRIV-001", "KT-REF-001", "KT-TAP-002", "KT-TAP-003", "KT-TAP-004", "KT-TAP-005", "KT-WEAK-001"}, sortedKeys(checked))
}

// fixCalls returns f's calls preceded by those of the fixes it is to be
// sent after (Remediation.After, recursively, in report order), as one
// list: a Bind naming another finding's call is turned into the index of
// that call in the list.
func fixCalls(r readiness.Report, f readiness.Finding) ([]readiness.GraphRequest, error) {
	need := map[string]bool{f.ID: true}
	for i := len(r.Findings) - 1; i >= 0; i-- {
		if x := r.Findings[i]; need[x.ID] {
			for _, id := range x.Remediation.After {
				need[id] = true
			}
		}
	}
	var list []readiness.Finding
	for _, x := range r.Findings {
		if need[x.ID] && x.ID != f.ID {
			list = append(list, x)
		}
	}
	return flatten(append(list, f))
}

// flatten joins the calls of fs, in order, into one list.
func flatten(fs []readiness.Finding) ([]readiness.GraphRequest, error) {
	var out []readiness.GraphRequest
	start := map[string]int{}
	for _, x := range fs {
		start[x.ID] = len(out)
		for _, g := range x.Remediation.GraphRequests {
			g.Bind = slices.Clone(g.Bind)
			for i, bd := range g.Bind {
				if bd.Finding == "" {
					g.Bind[i].Request = start[x.ID] + bd.Request
					continue
				}
				at, ok := start[bd.Finding]
				if !ok {
					return nil, fmt.Errorf("%s binds to %s, which is not sent before it", x.ID, bd.Finding)
				}
				g.Bind[i].Request, g.Bind[i].Finding = at+bd.Request, ""
			}
			out = append(out, g)
		}
	}
	return out, nil
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestApplierRefuses: the interpreter fails on what it does not know
// rather than letting a fix pass unexamined.
func TestApplierRefuses(t *testing.T) {
	s := demo.Snapshot()
	ca := s.ConditionalAccessPolicies[0].ID
	for name, r := range map[string]readiness.GraphRequest{
		"unknown address":     {Method: "PATCH", URL: graph + "/policies/somethingElse", Body: []byte(`{}`)},
		"wrong method":        {Method: "PUT", URL: fido2URL, Body: []byte(`{"state": "enabled"}`)},
		"unknown member":      {Method: "PATCH", URL: fido2URL, Body: []byte(`{"isEnabled": true}`)},
		"wrong type":          {Method: "PATCH", URL: fido2URL, Body: []byte(`{"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "state": "enabled"}`)},
		"no such policy":      {Method: "PATCH", URL: graph + "/identity/conditionalAccess/policies/nope", Body: []byte(`{"state": "disabled"}`)},
		"unbound placeholder": {Method: "PATCH", URL: graph + "/identity/conditionalAccess/policies/" + ca, Body: []byte(`{"grantControls": {"authenticationStrength": {"id": "{id returned by call 1}"}}}`)},
		"unknown strength":    {Method: "PATCH", URL: graph + "/identity/conditionalAccess/policies/" + ca, Body: []byte(`{"grantControls": {"authenticationStrength": {"id": "11111111-2222-3333-4444-555555555555"}}}`)},
		"member twice":        {Method: "POST", URL: graph + "/groups/" + adminsID + "/members/$ref", Body: []byte(`{"@odata.id": "` + graph + `/directoryObjects/` + s.MembersOf(adminsID)[0].ID + `"}`)},
		"not a member":        {Method: "DELETE", URL: graph + "/groups/" + adminsID + "/members/" + s.MembersOf(salesID)[0].ID + "/$ref"},
		"no such method":      {Method: "DELETE", URL: graph + "/users/" + s.Users[0].ID + "/authentication/fido2Methods/nope"},
		"unknown mode":        {Method: "POST", URL: graph + "/policies/authenticationStrengthPolicies", Body: []byte(`{"displayName": "x", "allowedCombinations": ["passkey"]}`)},
	} {
		_, err := applyFix(s, []readiness.GraphRequest{r})
		assert.Error(t, err, name)
	}
}

// TestApplierMerges: PATCH merges objects member by member and replaces
// collections, as Graph does.
func TestApplierMerges(t *testing.T) {
	s := demo.Snapshot()
	fixed, err := applyFix(s, []readiness.GraphRequest{
		{Method: "PATCH", URL: campaignURL, Body: []byte(`{"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {"snoozeDurationInDays": 0}}}`)},
		{Method: "PATCH", URL: graph + "/identity/conditionalAccess/policies/" + s.ConditionalAccessPolicies[1].ID, Body: []byte(`{"conditions": {"users": {"excludeGroups": []}}}`)},
	})
	require.NoError(t, err)
	camp := fixed.AuthenticationMethodsPolicy.Campaign()
	assert.Equal(t, 0, camp.SnoozeDurationInDays)
	assert.Equal(t, "enabled", camp.State, "members not sent keep their values")
	assert.Len(t, camp.ExcludeTargets, 1)
	p := fixed.ConditionalAccessPolicies[1]
	assert.Empty(t, p.Users.ExcludeGroups, "a collection is replaced")
	assert.Equal(t, s.ConditionalAccessPolicies[1].Users.IncludeGroups, p.Users.IncludeGroups)
	assert.NotNil(t, p.Grant)
}

// TestBootstrapFix: KT-CA-001's fix on the demo's Engineering policy, call
// by call, and what it leaves the users it is about.
func TestBootstrapFix(t *testing.T) {
	s := demo.Snapshot()
	var f readiness.Finding
	for _, x := range findings(readiness.Run(s, readiness.Options{}), "KT-CA-001") {
		if slices.Contains(x.Users, demo.NewHireTAPOnly) {
			f = x
		}
	}
	require.NotEmpty(t, f.ID)
	require.Len(t, f.Users, 17)
	reqs := f.Remediation.GraphRequests
	require.Len(t, reqs, 5)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, graph+"/policies/authenticationStrengthPolicies", reqs[0].URL)
	assert.JSONEq(t, `{"displayName": "Phishing-resistant MFA or a one-time pass",
		"description": "For users who are still onboarding: a one-time Temporary Access Pass, or the phishing-resistant methods they register with it.",
		"allowedCombinations": ["temporaryAccessPassOneTime", "windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"]}`, string(reqs[0].Body))
	bind := []readiness.Binding{{Pointer: "/grantControls/authenticationStrength/id", Request: 0, From: "/id"}}
	for _, r := range reqs[1:3] {
		assert.Equal(t, "POST", r.Method)
		assert.Equal(t, graph+"/identity/conditionalAccess/policies", r.URL)
		assert.Equal(t, bind, r.Bind)
	}
	assert.Contains(t, string(reqs[1].Body), `"includeUserActions":["urn:user:registersecurityinfo"]`)
	assert.Contains(t, string(reqs[2].Body), `"includeApplications":["All"]`, "the policy's own conditions")
	assert.Contains(t, string(reqs[2].Body), `"termsOfUse":[]`, "the policy's own grant controls")
	assert.Equal(t, "PATCH", reqs[3].Method)
	assert.Equal(t, graph+"/groups/"+newHiresID, reqs[3].URL, "the stuck users who are not new hires join New Hires")
	assert.Equal(t, 15, strings.Count(string(reqs[3].Body), "directoryObjects/"))
	assert.JSONEq(t, `{"conditions": {"users": {"excludeGroups": ["`+breakGlassID+`", "`+newHiresID+`"]}}}`, string(reqs[4].Body))
	assert.False(t, f.Remediation.Partial)

	// Everyone stuck but the new hire holding a one-time pass needs one.
	var need []string
	for _, p := range f.Remediation.Prerequisites {
		assert.Equal(t, readiness.StepIssueTAP, p.Step)
		need = append(need, p.User)
	}
	want := slices.DeleteFunc(slices.Clone(f.Users), func(u string) bool { return u == demo.NewHireTAPOnly })
	assert.Equal(t, want, need)

	fixed := assertFixed(t, s, readiness.Options{}, f)
	// The replacement: every one of them is now under a policy for all
	// resources whose strength accepts a one-time pass, and no longer
	// under the phishing-resistant one.
	newHires := map[string]bool{}
	for _, u := range fixed.MembersOf(newHiresID) {
		newHires[u.UserPrincipalName] = true
	}
	for _, upn := range f.Users {
		assert.True(t, newHires[upn], "%s is in New Hires", upn)
	}
	var replacement *graphadapter.ConditionalAccessPolicy
	for i := range fixed.ConditionalAccessPolicies {
		if strings.Contains(fixed.ConditionalAccessPolicies[i].DisplayName, "one-time pass accepted while in New Hires") {
			replacement = &fixed.ConditionalAccessPolicies[i]
		}
	}
	require.NotNil(t, replacement)
	var combos []string
	for _, sp := range fixed.AuthenticationStrengthPolicies {
		if sp.ID == replacement.Grant.AuthenticationStrengthID {
			combos = sp.AllowedCombinations
		}
	}
	assert.Equal(t, []string{"temporaryAccessPassOneTime", "windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"}, combos, "the id call 0 returned was bound")
	assert.NotContains(t, combos, "temporaryAccessPassMultiUse")

	// A compliant device the blocking policy requires beside the strength
	// stays required in the replacement.
	s = demo.Snapshot()
	c := &s.ConditionalAccessPolicies[1]
	m, err := decodeObject(c.Raw)
	require.NoError(t, err)
	grant := m["grantControls"].(map[string]any)
	grant["operator"], grant["builtInControls"] = "AND", []any{"compliantDevice"}
	*c, err = graphadapter.ParseConditionalAccessPolicy([]byte(mustJSON(m)))
	require.NoError(t, err)
	for _, x := range findings(readiness.Run(s, readiness.Options{}), "KT-CA-001") {
		if slices.Contains(x.Users, demo.NewHireTAPOnly) {
			body := string(x.Remediation.GraphRequests[2].Body)
			assert.Contains(t, body, `"builtInControls":["compliantDevice"]`)
			assert.Contains(t, body, `"operator":"AND"`)
		}
	}

	// Partial: a stuck user who cannot join New Hires safely (New Hires
	// would change a Conditional Access policy that applies to them) is
	// left, and named.
	s = demo.Snapshot()
	blocker := `{"id": "9a9a9a9a-0000-4000-8000-000000000001", "displayName": "Block New Hires from admin portals", "state": "enabled",
		"conditions": {"applications": {"includeApplications": ["MicrosoftAdminPortals"]}, "users": {"includeGroups": ["` + newHiresID + `"]}},
		"grantControls": {"operator": "OR", "builtInControls": ["block"]}}`
	cp, err := graphadapter.ParseConditionalAccessPolicy([]byte(blocker))
	require.NoError(t, err)
	s.ConditionalAccessPolicies = append(s.ConditionalAccessPolicies, cp)
	require.NoError(t, s.Check())
	partial := 0
	for _, x := range findings(readiness.Run(s, readiness.Options{}), "KT-CA-001") {
		if slices.Contains(x.Users, demo.NewHireTAPOnly) {
			partial++
			assert.True(t, x.Remediation.Partial)
			assertFixed(t, s, readiness.Options{}, x)
		}
	}
	assert.Equal(t, 1, partial)
}

// TestWeakMethodStrands: excluding Admins from SMS would leave the security
// administrator whose only second factor is SMS with a password alone; the
// finding lists them first, and stops listing them once they hold a
// passkey.
func TestWeakMethodStrands(t *testing.T) {
	s := demo.Snapshot()
	fs := findings(readiness.Run(s, readiness.Options{}), "KT-WEAK-001")
	var sms readiness.Finding
	for _, f := range fs {
		if f.ID == "KT-WEAK-001/Sms" {
			sms = f
		}
	}
	require.NotEmpty(t, sms.ID)
	var stranded []string
	for _, p := range sms.Remediation.Prerequisites {
		stranded = append(stranded, p.User)
	}
	assert.Equal(t, []string{demo.SecurityAdminSMSOnly, demo.SecurityAdminSMSOnly}, stranded, "a pass, then a device-bound passkey")
	assert.Equal(t, readiness.StepIssueTAP, sms.Remediation.Prerequisites[0].Step)
	assert.Equal(t, readiness.StepRegisterDeviceBoundPasskey, sms.Remediation.Prerequisites[1].Step)
	assert.True(t, strings.HasPrefix(sms.Remediation.Description, "First give "+demo.SecurityAdminSMSOnly), sms.Remediation.Description)

	// After the PATCH, read from the fixed snapshot itself: the SMS
	// configuration no longer applies to them, and every method they have
	// left is a password, a phone or an email address.
	fixed := assertFixed(t, s, readiness.Options{}, sms)
	u, ok := fixed.UserByUPN(demo.SecurityAdminSMSOnly)
	require.True(t, ok)
	for _, m := range u.Methods {
		assert.Contains(t, []graphadapter.MethodKind{graphadapter.KindPassword, graphadapter.KindPhone, graphadapter.KindEmail}, m.Kind())
	}
	conf, _ := fixed.AuthenticationMethodsPolicy.MethodConfiguration("Sms")
	assert.Contains(t, string(conf.Raw), adminsID)
	inAdmins := slices.ContainsFunc(fixed.GroupsOf(u.ID), func(g *graphadapter.Group) bool { return g.ID == adminsID })
	assert.True(t, inAdmins)

	// Email is no one's second factor: excluding it strands nobody.
	for _, f := range fs {
		if f.ID == "KT-WEAK-001/Email" {
			assert.Empty(t, f.Remediation.Prerequisites)
		}
	}

	// Once they hold a device-bound, attested passkey, nobody is stranded.
	s = demo.Snapshot()
	su, _ := s.UserByUPN(demo.SecurityAdminSMSOnly)
	addMethod(t, su, `{"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "yubikey-test", "aaGuid": "ee882879-721c-4913-9775-3dfcce97072a", "attestationLevel": "attested", "model": "YubiKey 5"}`)
	require.NoError(t, s.Check())
	for _, f := range findings(readiness.Run(s, readiness.Options{}), "KT-WEAK-001") {
		assert.Empty(t, f.Remediation.Prerequisites, f.ID)
		assert.False(t, strings.HasPrefix(f.Remediation.Description, "First"), f.ID)
	}
}

// TestSingleDeletePrerequisites: a fix that deletes a user's method first
// has them register the one that replaces it.
func TestSingleDeletePrerequisites(t *testing.T) {
	// KT-PRIV-002 with one privileged holder of a synced passkey.
	s := demo.Snapshot()
	for _, upn := range privilegedUPNs(s) {
		if upn != demo.GlobalAdminSyncedPasskey {
			dropMethods(t, s, upn, isSynced)
		}
	}
	fs := findings(readiness.Run(s, readiness.Options{}), "KT-PRIV-002")
	require.Len(t, fs, 1)
	assert.Equal(t, []readiness.Prerequisite{{User: demo.GlobalAdminSyncedPasskey, Step: readiness.StepRegisterDeviceBoundPasskey,
		Reason: "the DELETE removes the synced passkey; register its device-bound replacement first"}}, fs[0].Remediation.Prerequisites)
	assertFixed(t, s, readiness.Options{}, fs[0])

	// KT-TAP-005: the contractor keeps SMS, so deleting the pass strands
	// no one; without the phone, the pass is all they have.
	s = demo.Snapshot()
	fs = findings(readiness.Run(s, readiness.Options{}), "KT-TAP-005")
	require.Len(t, fs, 1)
	assert.Empty(t, fs[0].Remediation.Prerequisites)
	assertFixed(t, s, readiness.Options{}, fs[0])
	dropMethods(t, s, demo.ContractorLongTAP, func(m *graphadapter.Method) bool { return m.Kind() == graphadapter.KindPhone })
	fs = findings(readiness.Run(s, readiness.Options{}), "KT-TAP-005")
	require.Len(t, fs, 1)
	require.Len(t, fs[0].Remediation.Prerequisites, 1)
	assert.Equal(t, demo.ContractorLongTAP, fs[0].Remediation.Prerequisites[0].User)
}

// assertComposes sends every fix of s's report, in the report's order, to
// one copy of s and audits it again: each object is created once, every
// finding whose fix is not partial is gone, and no finding appears that s
// did not have (or known lists).
func assertComposes(t *testing.T, s *graphadapter.Snapshot, opts readiness.Options, known ...string) {
	t.Helper()
	r := readiness.Run(s, opts)
	reqs, err := flatten(r.Findings)
	require.NoError(t, err)
	if len(reqs) == 0 {
		return
	}
	fixed, err := applyFix(s, reqs)
	require.NoError(t, err)

	// Each object once: no two authentication strengths or Conditional
	// Access policies alike.
	seen := map[string]bool{}
	for _, sp := range fixed.AuthenticationStrengthPolicies {
		k := sp.DisplayName + "|" + strings.Join(sp.AllowedCombinations, ",")
		assert.False(t, seen[k], "the authentication strength %q is created twice", sp.DisplayName)
		seen[k] = true
	}
	for _, c := range fixed.ConditionalAccessPolicies {
		assert.False(t, seen["ca|"+c.DisplayName], "the Conditional Access policy %q is created twice", c.DisplayName)
		seen["ca|"+c.DisplayName] = true
	}

	before := map[string]bool{}
	for _, id := range known {
		before[id] = true
	}
	for _, f := range r.Findings {
		before[f.ID] = true
	}
	after := readiness.Run(fixed, opts)
	left := map[string]readiness.Finding{}
	for _, f := range after.Findings {
		left[f.ID] = f
		if !before[f.ID] {
			t.Errorf("the fixes together bring a new finding: %s: %s", f.ID, f.Title)
		}
	}
	for _, f := range r.Findings {
		if len(f.Remediation.GraphRequests) == 0 || f.Remediation.Partial {
			continue
		}
		if x, ok := left[f.ID]; ok {
			t.Errorf("%s is still reported after every fix: %s (users %v)", f.ID, x.Title, x.Users)
		}
	}
}

// TestFixesCompose: the demo tenant's fixes, and each failing tenant's of
// TestChecks, all sent together in report order.
func TestFixesCompose(t *testing.T) {
	t.Run("demo", func(t *testing.T) { assertComposes(t, demo.Snapshot(), readiness.Options{}) })
	var demoFindings []string
	for _, f := range readiness.Run(demo.Snapshot(), readiness.Options{}).Findings {
		demoFindings = append(demoFindings, f.ID)
	}
	for _, tc := range checkCases() {
		t.Run(tc.check, func(t *testing.T) {
			s := demo.Snapshot()
			if tc.fail != nil {
				tc.fail(t, s)
			}
			assertComposes(t, s, tc.opts, demoFindings...)
		})
	}
}

// TestComposeCreatesOnce: the demo's two KT-CA-001 fixes need the same
// authentication strength; the second leaves its creation out and binds to
// the first's call.
func TestComposeCreatesOnce(t *testing.T) {
	fs := findings(readiness.Run(demo.Snapshot(), readiness.Options{}), "KT-CA-001")
	require.Len(t, fs, 2)
	first, second := fs[0].Remediation, fs[1].Remediation
	assert.Equal(t, graph+"/policies/authenticationStrengthPolicies", first.GraphRequests[0].URL)
	assert.Empty(t, first.After)
	assert.Equal(t, []string{fs[0].ID}, second.After)
	for _, g := range second.GraphRequests {
		assert.NotEqual(t, graph+"/policies/authenticationStrengthPolicies", g.URL)
	}
	assert.Equal(t, []readiness.Binding{{Pointer: "/grantControls/authenticationStrength/id", Request: 0, From: "/id", Finding: fs[0].ID}}, second.GraphRequests[0].Bind)
	assert.Contains(t, second.Description, "leaves out what that fix already does (POST /policies/authenticationStrengthPolicies")

	// Without composition the report would create it twice: the control.
	var creates int
	for _, f := range fs {
		for _, g := range f.Remediation.GraphRequests {
			if g.URL == graph+"/policies/authenticationStrengthPolicies" {
				creates++
			}
		}
	}
	assert.Equal(t, 1, creates)
}
