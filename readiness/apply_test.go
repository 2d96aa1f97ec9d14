package readiness_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/readiness"
)

// applyFix sends a fix's calls, in order, to a copy of s, interpreting each
// as Microsoft Graph v1.0 would, and loads the result. It edits the
// snapshot's JSON document — the parts of it are Graph's own resources —
// so that what it changes is what a GET would return after the calls.
//
// Graph's semantics, as documented for each resource:
//   - PATCH updates only the members it is sent ("Existing properties that
//     aren't included in the request body maintain their previous values",
//     conditionalaccesspolicy-update; the same for the method
//     configurations and authenticationMethodsPolicy-update): objects are
//     merged member by member, and a collection is replaced as a whole, as
//     Graph replaces includeTargets, excludeTargets and passkeyProfiles.
//   - POST to a collection creates an object and Graph assigns its id
//     (authenticationStrengthPolicy: "system-generated identifier"); a
//     later call's Bind copies it in.
//   - POST /groups/{id}/members/$ref and PATCH /groups/{id} with
//     members@odata.bind add members, at most 20 a call, and refuse a member
//     already there (group-post-members); DELETE .../members/{id}/$ref
//     removes one (group-delete-members).
//   - DELETE /users/{id}/authentication/{fido2Methods|
//     temporaryAccessPassMethods}/{id} removes that method.
//
// Anything else — another address, method or member, a placeholder left
// unbound, a Conditional Access grant naming a strength the tenant lacks, a
// member or object that does not exist — is an error, so that a fix this
// cannot interpret fails the test instead of passing it unexamined.
func applyFix(s *graphadapter.Snapshot, reqs []readiness.GraphRequest) (*graphadapter.Snapshot, error) {
	b, err := s.Marshal()
	if err != nil {
		return nil, err
	}
	doc, err := decodeObject(b)
	if err != nil {
		return nil, err
	}
	g := &graphSim{doc: doc, responses: make([]map[string]any, len(reqs))}
	for i, r := range reqs {
		if err := g.apply(i, r); err != nil {
			return nil, fmt.Errorf("call %d (%s %s): %w", i, r.Method, r.URL, err)
		}
	}
	out, err := json.Marshal(g.doc)
	if err != nil {
		return nil, err
	}
	return graphadapter.Load(out)
}

type graphSim struct {
	doc       map[string]any
	responses []map[string]any
	created   int
}

const graphV1 = "https://graph.microsoft.com/v1.0/"

// Members a PATCH may send, by resource (Graph's properties of each
// resource type that readiness's fixes change).
var (
	configMembers = map[string][]string{
		"#microsoft.graph.fido2AuthenticationMethodConfiguration":               {"state", "isSelfServiceRegistrationAllowed", "isAttestationEnforced", "keyRestrictions", "defaultPasskeyProfile", "passkeyProfiles", "includeTargets", "excludeTargets"},
		"#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration": {"state", "defaultLifetimeInMinutes", "defaultLength", "minimumLifetimeInMinutes", "maximumLifetimeInMinutes", "isUsableOnce", "includeTargets", "excludeTargets"},
	}
	commonConfigMembers = []string{"state", "includeTargets", "excludeTargets"}
	caMembers           = []string{"displayName", "state", "conditions", "grantControls", "sessionControls"}
	caUsersMembers      = []string{"includeUsers", "excludeUsers", "includeGroups", "excludeGroups", "includeRoles", "excludeRoles"}
	strengthMembers     = []string{"displayName", "description", "allowedCombinations"}
	// authenticationMethodModes values (resources/authenticationstrengthpolicy).
	methodModes = []string{"password", "voice", "hardwareOath", "softwareOath", "sms", "fido2", "windowsHelloForBusiness", "microsoftAuthenticatorPush", "deviceBasedPush", "temporaryAccessPassOneTime", "temporaryAccessPassMultiUse", "email", "x509CertificateSingleFactor", "x509CertificateMultiFactor", "federatedSingleFactor", "federatedMultiFactor"}
)

func (g *graphSim) apply(i int, r readiness.GraphRequest) error {
	if !strings.HasPrefix(r.URL, graphV1) {
		return fmt.Errorf("not a Microsoft Graph v1.0 address")
	}
	path := strings.Split(strings.TrimPrefix(r.URL, graphV1), "/")
	var body map[string]any
	if len(r.Body) > 0 && string(r.Body) != "null" {
		var err error
		if body, err = decodeObject(r.Body); err != nil {
			return fmt.Errorf("body: %w", err)
		}
	}
	for _, bd := range r.Bind {
		if bd.Request < 0 || bd.Request >= i || g.responses[bd.Request] == nil {
			return fmt.Errorf("bind %s: call %d returned no object before this one", bd.Pointer, bd.Request)
		}
		v, err := pointerGet(g.responses[bd.Request], bd.From)
		if err != nil {
			return fmt.Errorf("bind from %s: %w", bd.From, err)
		}
		if err := pointerReplaceString(body, bd.Pointer, v); err != nil {
			return fmt.Errorf("bind %s: %w", bd.Pointer, err)
		}
	}
	if body != nil && strings.Contains(mustJSON(body), "{id returned by call") {
		return fmt.Errorf("a placeholder is left in the body")
	}
	switch m, p := r.Method, path; {
	case m == "PATCH" && match(p, "policies", "authenticationMethodsPolicy"):
		if err := onlyMembers(body, []string{"registrationEnforcement"}); err != nil {
			return err
		}
		return merge(g.obj("authenticationMethodsPolicy"), body)

	case m == "PATCH" && match(p, "policies", "authenticationMethodsPolicy", "authenticationMethodConfigurations", "*"):
		conf := g.find(g.list(g.obj("authenticationMethodsPolicy"), "authenticationMethodConfigurations"), p[3], strings.EqualFold)
		if conf == nil {
			return fmt.Errorf("no method configuration %q", p[3])
		}
		typ, _ := conf["@odata.type"].(string)
		if t, ok := body["@odata.type"]; ok && t != typ {
			return fmt.Errorf("@odata.type %v, the configuration is %s", t, typ)
		}
		delete(body, "@odata.type")
		allowed, ok := configMembers[typ]
		if !ok {
			allowed = commonConfigMembers
		}
		if err := onlyMembers(body, allowed); err != nil {
			return err
		}
		return merge(conf, body)

	case m == "POST" && match(p, "policies", "authenticationStrengthPolicies"):
		if err := onlyMembers(body, strengthMembers); err != nil {
			return err
		}
		combos, ok := body["allowedCombinations"].([]any)
		if !ok || len(combos) == 0 || body["displayName"] == nil {
			return fmt.Errorf("displayName and allowedCombinations are required")
		}
		for _, c := range combos {
			cs, _ := c.(string)
			for _, mode := range strings.Split(cs, ",") {
				if !slices.Contains(methodModes, mode) {
					return fmt.Errorf("allowedCombinations: %q is not an authenticationMethodModes value", c)
				}
			}
		}
		body["id"], body["policyType"], body["requirementsSatisfied"] = g.newID(), "custom", "mfa"
		g.appendTo("authenticationStrengthPolicies", body)
		g.responses[i] = body
		return nil

	case m == "POST" && match(p, "identity", "conditionalAccess", "policies"):
		if err := onlyMembers(body, caMembers); err != nil {
			return err
		}
		if err := g.checkCA(body, true); err != nil {
			return err
		}
		body["id"] = g.newID()
		g.appendTo("conditionalAccessPolicies", body)
		g.responses[i] = body
		return nil

	case m == "PATCH" && match(p, "identity", "conditionalAccess", "policies", "*"):
		cap := g.find(g.list(g.doc, "conditionalAccessPolicies"), p[3], func(a, b string) bool { return a == b })
		if cap == nil {
			return fmt.Errorf("no Conditional Access policy %q", p[3])
		}
		if err := onlyMembers(body, caMembers); err != nil {
			return err
		}
		if err := merge(cap, body); err != nil {
			return err
		}
		return g.checkCA(cap, false)

	case m == "POST" && match(p, "groups", "*", "members", "$ref"):
		if err := onlyMembers(body, []string{"@odata.id"}); err != nil {
			return err
		}
		ref, _ := body["@odata.id"].(string)
		return g.addMembers(p[1], []any{ref})

	case m == "PATCH" && match(p, "groups", "*"):
		if err := onlyMembers(body, []string{"members@odata.bind"}); err != nil {
			return err
		}
		refs, ok := body["members@odata.bind"].([]any)
		if !ok || len(refs) == 0 || len(refs) > readiness.MaxMembersPerRequest {
			return fmt.Errorf("members@odata.bind: 1 to %d references", readiness.MaxMembersPerRequest)
		}
		return g.addMembers(p[1], refs)

	case m == "DELETE" && match(p, "groups", "*", "members", "*", "$ref"):
		grp := g.find(g.list(g.doc, "groups"), p[1], strings.EqualFold)
		if grp == nil || body != nil {
			return fmt.Errorf("no group %q, or a body on DELETE", p[1])
		}
		members, _ := grp["members"].([]any)
		k := slices.Index(members, any(p[3]))
		if k < 0 {
			return fmt.Errorf("%s is not a member of %s", p[3], p[1])
		}
		grp["members"] = slices.Delete(members, k, k+1)
		return nil

	case m == "DELETE" && match(p, "users", "*", "authentication", "*", "*"):
		types := map[string]string{"fido2Methods": "#microsoft.graph.fido2AuthenticationMethod", "temporaryAccessPassMethods": "#microsoft.graph.temporaryAccessPassAuthenticationMethod"}
		typ, ok := types[p[3]]
		u := g.find(g.list(g.doc, "users"), p[1], strings.EqualFold)
		if !ok || u == nil || body != nil {
			return fmt.Errorf("not a method collection keytier deletes from, no user %q, or a body on DELETE", p[1])
		}
		methods, _ := u["authenticationMethods"].([]any)
		k := slices.IndexFunc(methods, func(x any) bool {
			mm, _ := x.(map[string]any)
			return mm["id"] == p[4] && mm["@odata.type"] == typ
		})
		if k < 0 {
			return fmt.Errorf("user %s holds no %s %s", p[1], typ, p[4])
		}
		u["authenticationMethods"] = slices.Delete(methods, k, k+1)
		return nil
	}
	return fmt.Errorf("not a call this interpreter knows")
}

// checkCA refuses a Conditional Access policy that names users it does not
// hold or a strength the tenant does not have, as Graph answers 400.
func (g *graphSim) checkCA(p map[string]any, create bool) error {
	cond, ok := p["conditions"].(map[string]any)
	if !ok {
		return fmt.Errorf("conditions missing")
	}
	users, ok := cond["users"].(map[string]any)
	if !ok {
		return fmt.Errorf("conditions.users missing")
	}
	if err := onlyMembers(users, caUsersMembers); err != nil {
		return fmt.Errorf("conditions.users: %w", err)
	}
	if create {
		if _, ok := cond["applications"].(map[string]any); !ok {
			return fmt.Errorf("conditions.applications missing")
		}
	}
	grant, _ := p["grantControls"].(map[string]any)
	if st, ok := grant["authenticationStrength"].(map[string]any); ok {
		id, _ := st["id"].(string)
		builtIn := id == graphadapter.StrengthMFA || id == graphadapter.StrengthPasswordlessMFA || id == graphadapter.StrengthPhishingResistant
		if !builtIn && g.find(g.list(g.doc, "authenticationStrengthPolicies"), id, func(a, b string) bool { return a == b }) == nil {
			return fmt.Errorf("grantControls.authenticationStrength.id %q names no authentication strength", id)
		}
	}
	return nil
}

func (g *graphSim) addMembers(groupID string, refs []any) error {
	grp := g.find(g.list(g.doc, "groups"), groupID, strings.EqualFold)
	if grp == nil {
		return fmt.Errorf("no group %q", groupID)
	}
	members, _ := grp["members"].([]any)
	for _, r := range refs {
		ref, _ := r.(string)
		id, ok := strings.CutPrefix(ref, graphV1+"directoryObjects/")
		if !ok || g.find(g.list(g.doc, "users"), id, strings.EqualFold) == nil {
			return fmt.Errorf("%q is not a user of the tenant", ref)
		}
		if slices.Contains(members, any(id)) {
			return fmt.Errorf("%s is already a member of %s: Graph refuses the request", id, groupID)
		}
		members = append(members, id)
	}
	grp["members"] = members
	return nil
}

func (g *graphSim) newID() string {
	g.created++
	return fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", g.created)
}

func (g *graphSim) obj(name string) map[string]any {
	m, _ := g.doc[name].(map[string]any)
	return m
}

func (g *graphSim) list(in map[string]any, name string) []any {
	l, _ := in[name].([]any)
	return l
}

func (g *graphSim) appendTo(name string, v map[string]any) {
	g.doc[name] = append(g.list(g.doc, name), v)
}

func (g *graphSim) find(list []any, id string, eq func(a, b string) bool) map[string]any {
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			if s, _ := m["id"].(string); eq(s, id) {
				return m
			}
		}
	}
	return nil
}

// match reports whether path is pattern, "*" matching one segment.
func match(path []string, pattern ...string) bool {
	if len(path) != len(pattern) {
		return false
	}
	for i := range path {
		if pattern[i] != "*" && pattern[i] != path[i] {
			return false
		}
		if pattern[i] == "*" && path[i] == "" {
			return false
		}
	}
	return true
}

func onlyMembers(body map[string]any, allowed []string) error {
	if body == nil {
		return fmt.Errorf("a body is required")
	}
	for k := range body {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("member %q is not one this call changes (%s)", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// merge applies a PATCH body: objects member by member, everything else
// (collections included) replaced.
func merge(dst, src map[string]any) error {
	if dst == nil {
		return fmt.Errorf("the resource does not exist")
	}
	for k, v := range src {
		if sv, ok := v.(map[string]any); ok {
			if dv, ok := dst[k].(map[string]any); ok {
				if err := merge(dv, sv); err != nil {
					return err
				}
				continue
			}
		}
		dst[k] = v
	}
	return nil
}

func decodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	return m, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func pointerTokens(ptr string) ([]string, error) {
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("%q is not a JSON Pointer", ptr)
	}
	toks := strings.Split(ptr[1:], "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks, nil
}

func pointerGet(doc map[string]any, ptr string) (any, error) {
	toks, err := pointerTokens(ptr)
	if err != nil {
		return nil, err
	}
	var cur any = doc
	for _, t := range toks {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: no member %q", ptr, t)
		}
		if cur, ok = m[t]; !ok {
			return nil, fmt.Errorf("%s: no member %q", ptr, t)
		}
	}
	return cur, nil
}

// pointerReplaceString sets the member at ptr, which must hold a string
// (the placeholder), to v.
func pointerReplaceString(doc map[string]any, ptr string, v any) error {
	toks, err := pointerTokens(ptr)
	if err != nil {
		return err
	}
	parent, err := pointerGet(doc, "/"+strings.Join(toks[:len(toks)-1], "/"))
	if len(toks) == 1 {
		parent, err = doc, nil
	}
	if err != nil {
		return err
	}
	m, ok := parent.(map[string]any)
	last := toks[len(toks)-1]
	if !ok {
		return fmt.Errorf("no object holds %q", last)
	}
	if _, ok := m[last].(string); !ok {
		return fmt.Errorf("member %q holds no placeholder", last)
	}
	m[last] = v
	return nil
}
