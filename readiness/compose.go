package readiness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
)

// Each check writes its fix against the tenant as it is, but an
// administrator sends the fixes of one report one after another: a fix
// must then build on what the fixes before it changed, not undo it or do
// it again. compose rewrites the report's fixes, in report order, so that
// sending every one of them in that order leaves the tenant as their
// intentions compose:
//
//   - A PATCH is rebased on the resource as the earlier fixes left it. For
//     each member it sends, the value is merged three ways (merge3): what
//     the tenant has, what the earlier fixes sent, what this fix wants.
//     Objects merge member by member; collections of objects with an id
//     (includeTargets, passkeyProfiles) merge element by element; lists of
//     strings (excludeGroups, aaGuids, allowedPasskeyProfiles) merge as
//     sets. This matters because Graph replaces a collection, and the
//     registration campaign is sent whole: a later fix written against
//     the tenant would put back what an earlier one took away.
//   - A POST that creates an object an earlier fix of the report creates
//     with the same body (the authentication strength every KT-CA-001 fix
//     needs) is left out, and the calls that named its response name the
//     earlier fix's call (Binding.Finding).
//   - A member added to or removed from a group, or a method deleted, by
//     an earlier fix is not added, removed or deleted again: Graph refuses
//     a member already there.
//
// Remediation.After lists the findings whose fixes a rewritten fix builds
// on; it is to be sent after them.
type composer struct {
	e *env
	// state is each resource a PATCH changed, as the earlier fixes left
	// it, by URL; base is the same as the tenant has it.
	state, base map[string]map[string]any
	// touched names the findings whose fixes changed each member of a
	// resource, by URL and member.
	touched map[string]map[string][]string
	// created maps a creating POST (method, URL, canonical body) to the
	// finding and call that made it.
	created map[string]Binding
	// done holds the group memberships and methods an earlier fix added or
	// removed, with the finding that did.
	done map[string]string
}

func (e *env) compose(fs []Finding) {
	c := &composer{e: e, state: map[string]map[string]any{}, base: map[string]map[string]any{},
		touched: map[string]map[string][]string{}, created: map[string]Binding{}, done: map[string]string{}}
	for i := range fs {
		c.fix(&fs[i])
	}
}

func (c *composer) fix(f *Finding) {
	r := &f.Remediation
	if len(r.GraphRequests) == 0 {
		return
	}
	var after []string
	var dropped []string
	keep := make([]GraphRequest, 0, len(r.GraphRequests))
	// where says what became of each call: its index in keep, or (when
	// left out because an earlier fix makes it) that fix's call.
	where := make([]Binding, len(r.GraphRequests))
	for i, g := range r.GraphRequests {
		out, by, drop := c.call(f.ID, g)
		if by != "" && !slices.Contains(after, by) {
			after = append(after, by)
		}
		if drop {
			where[i] = c.created[createKey(g)]
			if where[i].Finding == "" {
				where[i] = Binding{Finding: by, Request: -1}
			}
			dropped = append(dropped, g.Method+" "+strings.TrimPrefix(g.URL, graphBase))
			continue
		}
		where[i] = Binding{Request: len(keep)}
		keep = append(keep, out)
	}
	// Binds follow the calls they name.
	for k := range keep {
		for b := range keep[k].Bind {
			bd := &keep[k].Bind[b]
			if bd.Finding != "" || bd.Request < 0 || bd.Request >= len(where) {
				continue
			}
			w := where[bd.Request]
			bd.Finding, bd.Request = w.Finding, w.Request
		}
		keep[k].Bind = slices.DeleteFunc(keep[k].Bind, func(bd Binding) bool { return bd.Request < 0 })
	}
	// The creating calls this fix keeps are the ones later fixes bind to.
	for k, g := range keep {
		if isCreate(g) {
			key := createKey(g)
			if _, seen := c.created[key]; !seen {
				c.created[key] = Binding{Finding: f.ID, Request: k}
			}
		}
	}
	sort.Strings(after)
	r.After = after
	if len(dropped) > 0 {
		r.Description += fmt.Sprintf(" Sent after %s, as this report orders them, this fix leaves out what %s already %s (%s).",
			strings.Join(after, ", "), verb(len(after), "that fix", "those fixes"), verb(len(after), "does", "do"), strings.Join(dropped, "; "))
	} else if len(after) > 0 {
		r.Description += fmt.Sprintf(" Its calls are written for the tenant as %s leave%s it: send them after.", strings.Join(after, ", "), verb(len(after), "s", ""))
	}
	r.GraphRequest, r.GraphRequests = nil, keep
	if len(keep) == 0 {
		r.Partial = false
	}
	r.normalize()
}

// call rewrites one call of finding id: the call to send, the earlier
// finding it builds on ("" for none), and whether it is left out.
func (c *composer) call(id string, g GraphRequest) (GraphRequest, string, bool) {
	path := strings.TrimPrefix(g.URL, graphBase+"/")
	switch {
	case isCreate(g):
		if b, ok := c.created[createKey(g)]; ok {
			return g, b.Finding, true
		}
		return g, "", false
	case g.Method == "DELETE":
		key := "DELETE " + path
		if by, ok := c.done[key]; ok {
			return g, by, true
		}
		c.done[key] = id
		return g, "", false
	case g.Method == "POST" && strings.HasSuffix(path, "/members/$ref"):
		group := strings.TrimSuffix(strings.TrimPrefix(path, "groups/"), "/members/$ref")
		var body map[string]string
		if json.Unmarshal(g.Body, &body) != nil {
			return g, "", false
		}
		key := "member " + group + " " + body["@odata.id"]
		if by, ok := c.done[key]; ok {
			return g, by, true
		}
		c.done[key] = id
		return g, "", false
	case g.Method == "PATCH" && strings.HasPrefix(path, "groups/"):
		var body map[string][]string
		if json.Unmarshal(g.Body, &body) != nil {
			return g, "", false
		}
		group := strings.TrimPrefix(path, "groups/")
		refs := body["members@odata.bind"]
		kept := refs[:0:0]
		by := ""
		for _, ref := range refs {
			key := "member " + group + " " + ref
			if b, ok := c.done[key]; ok {
				by = b
				continue
			}
			c.done[key] = id
			kept = append(kept, ref)
		}
		if len(kept) == 0 {
			return g, by, true
		}
		if len(kept) < len(refs) {
			g.Body = mustMarshal(map[string]any{"members@odata.bind": kept})
		}
		return g, by, false
	case g.Method == "PATCH":
		return c.patch(id, g)
	}
	return g, "", false
}

// patch rebases a PATCH on the resource as the earlier fixes left it.
func (c *composer) patch(id string, g GraphRequest) (GraphRequest, string, bool) {
	body, err := decodeJSONObject(g.Body)
	if err != nil {
		return g, "", false
	}
	base, ok := c.base[g.URL]
	if !ok {
		if base, ok = c.e.resource(g.URL); !ok {
			return g, "", false
		}
		c.base[g.URL] = base
		c.state[g.URL] = deepCopy(base).(map[string]any)
	}
	state := c.state[g.URL]
	if c.touched[g.URL] == nil {
		c.touched[g.URL] = map[string][]string{}
	}
	by := ""
	changed := false
	for k, want := range body {
		if k == "@odata.type" {
			continue
		}
		if prev := c.touched[g.URL][k]; len(prev) > 0 {
			merged := merge3(base[k], state[k], want)
			if !jsonEqual(merged, want) {
				body[k] = merged
				changed = true
			}
			by = prev[len(prev)-1]
		}
		if !jsonEqual(want, base[k]) && !slices.Contains(c.touched[g.URL][k], id) {
			c.touched[g.URL][k] = append(c.touched[g.URL][k], id)
		}
		mergeInto(state, k, body[k])
	}
	if changed {
		g.Body = mustMarshal(body)
	}
	return g, by, false
}

// resource is the tenant's own JSON of the resource at url, for the
// resources readiness's fixes PATCH: a method configuration, the
// authentication methods policy (for its registration campaign), a
// Conditional Access policy.
func (e *env) resource(url string) (map[string]any, bool) {
	var raw []byte
	pol := e.s.AuthenticationMethodsPolicy
	switch path := strings.TrimPrefix(url, graphBase+"/"); {
	case url == campaignURL:
		b, err := jsonv2.Marshal(pol)
		if err != nil {
			return nil, false
		}
		raw = b
	case strings.HasPrefix(path, "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/"):
		conf, ok := pol.MethodConfiguration(strings.TrimPrefix(path, "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/"))
		if !ok {
			return nil, false
		}
		raw = conf.Raw
	case strings.HasPrefix(path, "identity/conditionalAccess/policies/"):
		id := strings.TrimPrefix(path, "identity/conditionalAccess/policies/")
		for i := range e.s.ConditionalAccessPolicies {
			if e.s.ConditionalAccessPolicies[i].ID == id {
				raw = e.s.ConditionalAccessPolicies[i].Raw
			}
		}
	}
	if raw == nil {
		return nil, false
	}
	m, err := decodeJSONObject(raw)
	return m, err == nil
}

// isCreate reports whether g creates an object in a collection (a POST
// that is not a $ref).
func isCreate(g GraphRequest) bool {
	return g.Method == "POST" && !strings.HasSuffix(g.URL, "/$ref")
}

func createKey(g GraphRequest) string {
	var buf bytes.Buffer
	if json.Compact(&buf, g.Body) != nil {
		buf.Write(g.Body)
	}
	return g.Method + " " + g.URL + " " + buf.String()
}

// merge3 merges what a fix wants (ours, written against base) into what
// the earlier fixes left (theirs).
func merge3(base, theirs, ours any) any {
	switch {
	case jsonEqual(ours, base):
		return theirs
	case jsonEqual(theirs, base), jsonEqual(theirs, ours):
		return ours
	}
	bm, bok := base.(map[string]any)
	tm, tok := theirs.(map[string]any)
	om, ook := ours.(map[string]any)
	if tok && ook {
		if !bok {
			bm = map[string]any{}
		}
		out := map[string]any{}
		for k, v := range tm {
			out[k] = v
		}
		for k, v := range om {
			out[k] = merge3(bm[k], tm[k], v)
		}
		for k := range bm {
			if _, inOurs := om[k]; !inOurs {
				delete(out, k) // ours removed it
			}
		}
		return out
	}
	bl, _ := base.([]any)
	tl, tok := theirs.([]any)
	ol, ook := ours.([]any)
	if !tok || !ook {
		return ours
	}
	if keyed(bl) && keyed(tl) && keyed(ol) {
		return mergeKeyed(bl, tl, ol)
	}
	if scalars(bl) && scalars(tl) && scalars(ol) {
		out := slices.Clone(tl)
		for _, v := range ol {
			if !containsJSON(bl, v) && !containsJSON(out, v) {
				out = append(out, v) // ours added it
			}
		}
		return slices.DeleteFunc(out, func(v any) bool { return containsJSON(bl, v) && !containsJSON(ol, v) })
	}
	return ours
}

// mergeKeyed merges lists of objects by their id: theirs' order, ours'
// additions after it, ours' removals removed, and each element both
// touched merged.
func mergeKeyed(base, theirs, ours []any) []any {
	byID := func(list []any, id string) any {
		for _, v := range list {
			if elemID(v) == id {
				return v
			}
		}
		return nil
	}
	var out []any
	for _, t := range theirs {
		id := elemID(t)
		b, o := byID(base, id), byID(ours, id)
		switch {
		case o == nil && b != nil:
			continue // ours removed it
		case o == nil:
			out = append(out, t)
		default:
			out = append(out, merge3(b, t, o))
		}
	}
	for _, o := range ours {
		id := elemID(o)
		if byID(theirs, id) == nil && byID(base, id) == nil {
			out = append(out, o)
		}
	}
	return out
}

func elemID(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["id"].(string)
	return strings.ToLower(s)
}

func keyed(list []any) bool {
	for _, v := range list {
		if elemID(v) == "" {
			return false
		}
	}
	return true
}

func scalars(list []any) bool {
	for _, v := range list {
		switch v.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

func containsJSON(list []any, v any) bool {
	return slices.ContainsFunc(list, func(x any) bool { return jsonEqual(x, v) })
}

// mergeInto applies one member of a PATCH body as Graph does: objects
// member by member, anything else replaced.
func mergeInto(dst map[string]any, k string, v any) {
	if sv, ok := v.(map[string]any); ok {
		if dv, ok := dst[k].(map[string]any); ok {
			for kk, vv := range sv {
				mergeInto(dv, kk, vv)
			}
			return
		}
	}
	dst[k] = deepCopy(v)
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			out[k] = deepCopy(vv)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = deepCopy(vv)
		}
		return out
	}
	return v
}

func jsonEqual(a, b any) bool { return reflect.DeepEqual(a, b) }

func decodeJSONObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("not an object")
	}
	return m, nil
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only values decoded from JSON reach here; they marshal.
		panic("readiness: " + err.Error())
	}
	return b
}
