package readiness

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/keytier/keytier/graphadapter"
)

// The bootstrap fix (KT-CA-001). A Conditional Access policy that demands a
// phishing-resistant strength for all resources also governs registering
// security information, so a user who holds no accepted method cannot get
// one. The fix, in the order of its calls:
//
//  1. POST /policies/authenticationStrengthPolicies: a custom strength
//     whose allowedCombinations are temporaryAccessPassOneTime and the
//     blocking policy's own combinations (learn.microsoft.com/graph/api/
//     authenticationstrengthroot-post-policies; the values are Graph's
//     authenticationMethodModes, resources/authenticationstrengthpolicy).
//     Not sent when the tenant has a custom strength with exactly these.
//  2. POST /identity/conditionalAccess/policies: the "Register security
//     information" user action (conditions.applications.includeUserActions
//     "urn:user:registersecurityinfo", resources/
//     conditionalaccessapplications) for the blocking policy's users,
//     granted by that strength (grantControls.authenticationStrength
//     {"id"}, resources/conditionalaccessgrantcontrols).
//  3. POST /identity/conditionalAccess/policies: the blocking policy's
//     conditions, grant and session controls, with that strength in place
//     of its own (caReplacement): the replacement for
//     those the next calls take out of the blocking policy. For everyone
//     else in scope nothing changes (each phishing-resistant combination
//     also satisfies the new strength, and Entra requires every policy
//     that applies).
//  4. Add the stuck users who are not members yet to the onboarding group
//     (addMembers), each only when joining changes nothing else
//     (membershipChangeSafe).
//  5. PATCH the blocking policy: its excludeGroups plus the onboarding
//     group. Graph merges the members of conditions it is sent and
//     replaces the collection (conditionalaccesspolicy-update: "Existing
//     properties that aren't included in the request body maintain their
//     previous values"), so the list is sent complete.
//
// Calls 2 and 3 name the strength call 1 creates, whose id Graph assigns:
// GraphRequest.Bind says where it goes.

// bootstrapStrengthName is the displayName of the strength call 1 creates.
const bootstrapStrengthName = "Phishing-resistant MFA or a one-time pass"

// strengthPlaceholder stands, in a body, for the id call 1 returns.
const strengthPlaceholder = "{id returned by call 1}"

func (e *env) fixBootstrap(f *Finding, cap *graphadapter.ConditionalAccessPolicy, combos []string, stuck, holders []*person) {
	name := cap.DisplayName
	if name == "" {
		name = cap.ID
	}
	oneTime := func(p *person) bool {
		return slices.ContainsFunc(p.taps, func(t tapHeld) bool { return tapActive(t.m, e.at) && t.m.IsUsableOnce })
	}
	r := &f.Remediation
	var noPass []*person
	for _, p := range stuck {
		if !oneTime(p) {
			noPass = append(noPass, p)
			r.Prerequisites = append(r.Prerequisites, Prerequisite{User: p.upn(), Step: StepIssueTAP,
				Reason: "holds no method the onboarding strength accepts: a one-time pass is the one they can be given"})
		}
	}
	passNote := ""
	if len(noPass) > 0 {
		passNote = fmt.Sprintf(" First, %s no active one-time pass (%s, listed under prerequisites): issue each one (one-time, a few hours) in person after checking who they are; the new strength does not accept a reusable pass.",
			count(len(noPass), "user holds", "users hold"), strings.Join(upns(noPass), ", "))
	}

	g := e.onboardingGroup(cap, holders)
	if g == nil {
		g = e.namedOnboardingGroup(cap)
	}
	conditions, users, ok := caConditions(cap)
	if g == nil || !ok {
		r.Description = fmt.Sprintf("Create an onboarding group for users who have not registered yet (role-assignable, its members changed only by the onboarding process), and then: create a custom authentication strength allowing temporaryAccessPassOneTime and %s; require it for the \"Register security information\" user action (%s) and, with %q's other conditions, for all resources; add the stuck users to the group and exclude it from %q. keytier writes no request: no group fits (named like an onboarding group, or holding every stuck user with a pass, and not already targeted by the policy).",
			strings.Join(combos, ", "), registerSecurityInfo, name, name) + passNote
		return
	}

	var movers, left []*person
	for _, p := range stuck {
		switch {
		case p.inGroup(g.ID):
		case e.membershipChangeSafe(p, g.ID, true):
			movers = append(movers, p)
		default:
			left = append(left, p)
		}
	}

	want := append([]string{"temporaryAccessPassOneTime"}, slices.DeleteFunc(slices.Clone(combos), func(c string) bool { return strings.HasPrefix(c, "temporaryAccessPass") })...)
	var reqs []*GraphRequest
	strengthID, bind := e.customStrength(want), []Binding(nil)
	if strengthID == "" {
		reqs = append(reqs, postJSON(graphBase+"/policies/authenticationStrengthPolicies", map[string]any{
			"displayName":         bootstrapStrengthName,
			"description":         "For users who are still onboarding: a one-time Temporary Access Pass, or the phishing-resistant methods they register with it.",
			"allowedCombinations": want,
		}))
		strengthID = strengthPlaceholder
		bind = []Binding{{Pointer: "/grantControls/authenticationStrength/id", Request: 0, From: "/id"}}
	}
	grant := map[string]any{"operator": "OR", "builtInControls": []string{}, "authenticationStrength": map[string]string{"id": strengthID}}
	register := postJSON(graphBase+"/identity/conditionalAccess/policies", map[string]any{
		"displayName": "Register security information with a one-time pass (" + name + ")",
		"state":       "enabled",
		"conditions": map[string]any{
			"users":          users,
			"applications":   map[string]any{"includeApplications": []string{}, "excludeApplications": []string{}, "includeUserActions": []string{registerSecurityInfo}},
			"clientAppTypes": []string{"all"},
		},
		"grantControls": grant,
	})
	register.Bind = bind
	replacement := postJSON(graphBase+"/identity/conditionalAccess/policies", caReplacement(cap, map[string]any{
		"displayName": name + " (one-time pass accepted while in " + g.DisplayName + ")",
		"state":       "enabled",
		"conditions":  conditions,
	}, strengthID))
	replacement.Bind = bind
	reqs = append(reqs, register, replacement)
	if len(movers) > 0 {
		reqs = append(reqs, addMembers(g, movers)...)
	}
	excl := append(slices.Clone(cap.Users.ExcludeGroups), g.ID)
	reqs = append(reqs, patch(graphBase+"/identity/conditionalAccess/policies/"+cap.ID,
		map[string]any{"conditions": map[string]any{"users": map[string]any{"excludeGroups": excl}}}))

	var b strings.Builder
	n := 1
	step := func(format string, args ...any) {
		fmt.Fprintf(&b, " (%d) ", n)
		fmt.Fprintf(&b, format, args...)
		n++
	}
	fmt.Fprintf(&b, "Give the users %q locks out a way in through %q, in this order:", name, g.DisplayName)
	if bind != nil {
		step("create the authentication strength %q allowing temporaryAccessPassOneTime and %s (the next two calls take the id Graph returns: bind);", bootstrapStrengthName, strings.Join(want[1:], ", "))
	} else {
		step("use the tenant's custom strength %s, which allows exactly temporaryAccessPassOneTime and %s;", e.strengthName(strengthID), strings.Join(want[1:], ", "))
	}
	step("require it for the \"Register security information\" user action (%s) for the policy's users;", registerSecurityInfo)
	step("require it, under the policy's own conditions, for everything the policy covers: the replacement for the members of %q the last call takes out of the policy, which changes nothing for anyone else in its scope;", g.DisplayName)
	if len(movers) > 0 {
		step("add %s to %q (joining changes no Conditional Access policy, role or method that applies to them today);", count(len(movers), "stuck user", "stuck users"), g.DisplayName)
	}
	step("exclude %q from the policy.", g.DisplayName)
	fmt.Fprintf(&b, " Take users out of %q once they hold a passkey; whoever can change its members can lower their requirement to a one-time pass, so keep its membership to the onboarding process.", g.DisplayName)
	b.WriteString(passNote)
	if len(left) > 0 {
		r.Partial = true
		fmt.Fprintf(&b, " Partial: %s cannot join %q without changing the Conditional Access policies, roles or methods that apply to them (%s); they stay locked out until the administrator finds them another way in.",
			count(len(left), "stuck user", "stuck users"), g.DisplayName, strings.Join(upns(left), ", "))
	}
	r.Description = b.String()
	r.setRequests(reqs...)
}

// caConditions returns a Conditional Access policy's conditions and their
// users member as Graph wrote them.
func caConditions(cap *graphadapter.ConditionalAccessPolicy) (conditions, users json.RawMessage, ok bool) {
	var top struct {
		Conditions json.RawMessage `json:"conditions"`
	}
	if json.Unmarshal(cap.Raw, &top) != nil || len(top.Conditions) == 0 {
		return nil, nil, false
	}
	var c struct {
		Users json.RawMessage `json:"users"`
	}
	if json.Unmarshal(top.Conditions, &c) != nil || len(c.Users) == 0 {
		return nil, nil, false
	}
	return top.Conditions, c.Users, true
}

// caReplacement completes the body of the policy that replaces the
// blocking one: its grant controls and session controls as Graph wrote
// them (a compliant device required alongside the strength stays
// required), the authentication strength alone replaced.
func caReplacement(cap *graphadapter.ConditionalAccessPolicy, body map[string]any, strengthID string) map[string]any {
	var top struct {
		Grant   map[string]json.RawMessage `json:"grantControls"`
		Session json.RawMessage            `json:"sessionControls"`
	}
	_ = json.Unmarshal(cap.Raw, &top) // cap was read from this JSON
	grant := map[string]any{}
	for k, v := range top.Grant {
		grant[k] = v
	}
	grant["authenticationStrength"] = map[string]string{"id": strengthID}
	body["grantControls"] = grant
	if len(top.Session) > 0 && string(top.Session) != "null" {
		body["sessionControls"] = top.Session
	}
	return body
}

// customStrength returns the id of a custom authentication strength whose
// allowed combinations are exactly want, or "".
func (e *env) customStrength(want []string) string {
	for _, sp := range e.s.AuthenticationStrengthPolicies {
		if sp.PolicyType == "custom" && slices.Equal(sortedUnique(sp.AllowedCombinations), sortedUnique(want)) {
			return sp.ID
		}
	}
	return ""
}

// namedOnboardingGroup returns the first group named like an onboarding
// group that the policy neither includes nor excludes by name, that holds
// no role and at most half the users; nil when there is none.
func (e *env) namedOnboardingGroup(cap *graphadapter.ConditionalAccessPolicy) *graphadapter.Group {
	for i := range e.s.Groups {
		g := &e.s.Groups[i]
		if !onboardingName(g.DisplayName) || slices.Contains(cap.Users.IncludeGroups, g.ID) || slices.Contains(cap.Users.ExcludeGroups, g.ID) ||
			len(g.Members)*2 > len(e.users) || slices.ContainsFunc(e.s.RoleAssignments, func(ra graphadapter.RoleAssignment) bool { return ra.PrincipalID == g.ID }) {
			continue
		}
		return g
	}
	return nil
}

// onboardingName reports whether a group's name says it holds new hires.
func onboardingName(name string) bool {
	name = strings.ToLower(name)
	for _, w := range []string{"new hire", "new-hire", "newhire", "onboarding", "joiner"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
