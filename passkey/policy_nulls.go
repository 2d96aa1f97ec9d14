package passkey

import (
	"bytes"
	"reflect"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Explicit nulls. Graph writes some members as null ("defaultPasskeyProfile":
// null in a policy that predates passkey profiles, Get authenticationMethodsPolicy,
// v1.0), and null is not the same as absent once the document goes back to
// Graph: in an OData PATCH a null sets the property to null, an absent
// member leaves it as it is (OData JSON Format 4.01 §11.4.3, "Update an
// Entity"). So keytier keeps which known members were null and writes them
// back as null, after the members it writes, as long as the field is still
// its zero value; a value set since wins. Members keytier does not know keep
// their nulls in Unknown, as written.

type (
	passkeyProfileJSON  PasskeyProfile
	keyRestrictionsJSON KeyRestrictions
	includeTargetJSON   IncludeTarget
	excludeTargetJSON   ExcludeTarget
)

// MarshalJSON writes the profile as Graph does, with the members keytier
// did not read and the members that were null.
func (pp PasskeyProfile) MarshalJSON() ([]byte, error) {
	return marshalWithNulls((*passkeyProfileJSON)(&pp), pp.nulls)
}

// MarshalJSON writes the key restrictions as Graph does, with the members
// keytier did not read and the members that were null.
func (k KeyRestrictions) MarshalJSON() ([]byte, error) {
	return marshalWithNulls((*keyRestrictionsJSON)(&k), k.nulls)
}

// MarshalJSON writes the target as Graph does, with the members keytier did
// not read and the members that were null.
func (t IncludeTarget) MarshalJSON() ([]byte, error) {
	return marshalWithNulls((*includeTargetJSON)(&t), t.nulls)
}

// MarshalJSON writes the target as Graph does, with the members keytier did
// not read and the members that were null.
func (t ExcludeTarget) MarshalJSON() ([]byte, error) {
	return marshalWithNulls((*excludeTargetJSON)(&t), t.nulls)
}

// marshalWithNulls marshals v, a pointer to a struct without methods, and
// adds "name":null for each name in nulls whose field is still zero.
func marshalWithNulls(v any, nulls []string) ([]byte, error) {
	out, err := jsonv2.Marshal(v)
	if err != nil || len(nulls) == 0 {
		return out, err
	}
	rv := reflect.ValueOf(v).Elem()
	var add bytes.Buffer
	for _, name := range nulls {
		if f, ok := fieldByJSONName(rv, name); !ok || !f.IsZero() {
			continue
		}
		if add.Len() > 0 || !bytes.Equal(bytes.TrimSpace(out), []byte("{}")) {
			add.WriteByte(',')
		}
		q, _ := jsontext.AppendQuote(nil, name)
		add.Write(q)
		add.WriteString(":null")
	}
	if add.Len() == 0 {
		return out, nil
	}
	end := bytes.LastIndexByte(out, '}')
	if end < 0 {
		return out, nil
	}
	return append(append(out[:end:end], add.Bytes()...), '}'), nil
}

// jsonName is the member name a struct field is written under, "" for
// fields that are not members (unexported, embedded fallbacks).
func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || name == "" {
		return ""
	}
	return name
}

func fieldByJSONName(rv reflect.Value, name string) (reflect.Value, bool) {
	t := rv.Type()
	for i := range t.NumField() {
		if jsonName(t.Field(i)) == name {
			return rv.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// nullMembers returns, in document order, the members of the JSON object
// data that are known to struct type t and set to null.
func nullMembers(data jsontext.Value, t reflect.Type) []string {
	if data.Kind() != '{' {
		return nil
	}
	known := map[string]bool{}
	for i := range t.NumField() {
		if n := jsonName(t.Field(i)); n != "" {
			known[n] = true
		}
	}
	d := jsontext.NewDecoder(bytes.NewReader(data))
	if _, err := d.ReadToken(); err != nil {
		return nil
	}
	var out []string
	for d.PeekKind() == '"' {
		tok, err := d.ReadToken()
		if err != nil {
			return out
		}
		name := tok.String()
		if d.PeekKind() == 'n' && known[name] {
			out = append(out, name)
		}
		if err := d.SkipValue(); err != nil {
			return out
		}
	}
	return out
}

// recordNulls notes, at every level of p, the known members raw (the
// configuration p was read from) sets to null.
func (p *FIDO2Policy) recordNulls(raw jsontext.Value) {
	p.nulls = nullMembers(raw, reflect.TypeFor[FIDO2Policy]())
	var shape struct {
		KeyRestrictions jsontext.Value   `json:"keyRestrictions"`
		PasskeyProfiles []jsontext.Value `json:"passkeyProfiles"`
		IncludeTargets  []jsontext.Value `json:"includeTargets"`
		ExcludeTargets  []jsontext.Value `json:"excludeTargets"`
	}
	// raw has been read strictly already; a failure here leaves nulls out.
	if jsonv2.Unmarshal(raw, &shape) != nil {
		return
	}
	if p.KeyRestrictions != nil {
		p.KeyRestrictions.nulls = nullMembers(shape.KeyRestrictions, reflect.TypeFor[KeyRestrictions]())
	}
	for i, v := range shape.PasskeyProfiles {
		if i >= len(p.PasskeyProfiles) {
			break
		}
		pp := &p.PasskeyProfiles[i]
		pp.nulls = nullMembers(v, reflect.TypeFor[PasskeyProfile]())
		var inner struct {
			KeyRestrictions jsontext.Value `json:"keyRestrictions"`
		}
		if pp.KeyRestrictions != nil && jsonv2.Unmarshal(v, &inner) == nil {
			pp.KeyRestrictions.nulls = nullMembers(inner.KeyRestrictions, reflect.TypeFor[KeyRestrictions]())
		}
	}
	for i, v := range shape.IncludeTargets {
		if i < len(p.IncludeTargets) {
			p.IncludeTargets[i].nulls = nullMembers(v, reflect.TypeFor[IncludeTarget]())
		}
	}
	for i, v := range shape.ExcludeTargets {
		if i < len(p.ExcludeTargets) {
			p.ExcludeTargets[i].nulls = nullMembers(v, reflect.TypeFor[ExcludeTarget]())
		}
	}
}
