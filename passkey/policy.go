package passkey

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// FIDO2Policy is Microsoft Graph's fido2AuthenticationMethodConfiguration:
// the tenant's passkey (FIDO2) method policy, with its passkey profiles and
// the groups they are assigned to. Member names and values are Graph's,
// verbatim (learn.microsoft.com/graph/api/resources/
// fido2authenticationmethodconfiguration, v1.0).
//
// The model is faithful rather than interpreted, so a document read by
// ParseFIDO2Policy writes back (MarshalJSON) with the same meaning:
//
//   - Members keytier does not read ("@odata.context", members Graph adds
//     later) are kept in Unknown, at every level, and written back.
//   - Enumerations are strings: a value keytier does not know
//     (unknownFutureValue, a value added later) survives and Validate
//     reports it as a warning with its JSON path.
//   - passkeyTypes keeps Graph's flags string as written ("deviceBound,synced").
//   - An absent member stays absent: optional booleans are pointers. A JSON
//     null reads as the zero value and is written back as null while the
//     field stays zero: in a PATCH, null sets a property and absent leaves
//     it alone, so the two are kept apart (policy_nulls.go).
//
// MarshalJSON writes the configuration alone, even when it was found inside
// a whole authenticationMethodsPolicy document.
type FIDO2Policy struct {
	ODataType string      `json:"@odata.type,omitzero"` // "#microsoft.graph.fido2AuthenticationMethodConfiguration"
	ID        string      `json:"id,omitzero"`          // "Fido2"
	State     PolicyState `json:"state,omitzero"`

	// IsSelfServiceRegistrationAllowed: users may register passkeys
	// themselves in Security info. It is tenant-wide, not per profile.
	IsSelfServiceRegistrationAllowed *bool `json:"isSelfServiceRegistrationAllowed,omitzero"`

	// IsAttestationEnforced and KeyRestrictions are the tenant-wide settings
	// of a policy without passkey profiles. Graph deprecates
	// isAttestationEnforced in favour of each profile's
	// attestationEnforcement; when a policy has passkeyProfiles, keytier
	// evaluates the profiles and ignores both.
	IsAttestationEnforced *bool            `json:"isAttestationEnforced,omitzero"`
	KeyRestrictions       *KeyRestrictions `json:"keyRestrictions,omitzero"`

	// DefaultPasskeyProfile is the id of the non-deletable baseline profile,
	// created on migration to profiles from the legacy settings.
	DefaultPasskeyProfile string           `json:"defaultPasskeyProfile,omitzero"`
	PasskeyProfiles       []PasskeyProfile `json:"passkeyProfiles,omitzero"`

	IncludeTargets []IncludeTarget `json:"includeTargets,omitzero"`
	ExcludeTargets []ExcludeTarget `json:"excludeTargets,omitzero"`

	// Unknown holds the members keytier does not read, as a JSON object.
	Unknown jsontext.Value `json:",embed"`

	// path is where the configuration sits in the document it was read from
	// ("authenticationMethodConfigurations.0"), so that errors name it there.
	path string
	// nulls are the known members the document set to null.
	nulls []string
}

// PasskeyProfile is Graph's passkeyProfile: a named set of rules a passkey
// must satisfy, assigned to groups through IncludeTarget.AllowedPasskeyProfiles
// (learn.microsoft.com/graph/api/resources/passkeyprofile).
type PasskeyProfile struct {
	ID                     string                 `json:"id,omitzero"`
	Name                   string                 `json:"name,omitzero"`
	PasskeyTypes           PasskeyTypes           `json:"passkeyTypes,omitzero"`
	AttestationEnforcement AttestationEnforcement `json:"attestationEnforcement,omitzero"`
	KeyRestrictions        *KeyRestrictions       `json:"keyRestrictions,omitzero"`
	Unknown                jsontext.Value         `json:",embed"`
	nulls                  []string
}

// KeyRestrictions is Graph's fido2KeyRestrictions: an allow or block list of
// authenticator models by AAGUID. Entra applies it at registration and at
// sign-in: removing an allowed AAGUID stops registered passkeys of that model
// from signing in (how-to-authentication-passkey-profiles, "Key Restriction
// Policy").
type KeyRestrictions struct {
	IsEnforced      *bool           `json:"isEnforced,omitzero"`
	EnforcementType EnforcementType `json:"enforcementType,omitzero"`
	// AAGUIDs are kept as written; Validate checks each with
	// catalog.ParseAAGUID.
	AAGUIDs []string       `json:"aaGuids,omitzero"`
	Unknown jsontext.Value `json:",embed"`
	nulls   []string
}

// IncludeTarget is Graph's passkeyAuthenticationMethodTarget: a group (or
// "all_users") enabled for passkeys, with the profiles that apply to it
// (learn.microsoft.com/graph/api/resources/passkeyauthenticationmethodtarget).
type IncludeTarget struct {
	TargetType             TargetType     `json:"targetType,omitzero"`
	ID                     string         `json:"id,omitzero"` // a group's object id, AllUsers, or for TargetUser a user's
	IsRegistrationRequired *bool          `json:"isRegistrationRequired,omitzero"`
	AllowedPasskeyProfiles []string       `json:"allowedPasskeyProfiles,omitzero"`
	Unknown                jsontext.Value `json:",embed"`
	nulls                  []string
}

// ExcludeTarget is Graph's excludeTarget: a group whose members may not use
// passkeys at all, whatever else includes them.
type ExcludeTarget struct {
	TargetType TargetType     `json:"targetType,omitzero"`
	ID         string         `json:"id,omitzero"`
	Unknown    jsontext.Value `json:",embed"`
	nulls      []string
}

// FIDO2PolicyODataType is the @odata.type of a fido2AuthenticationMethodConfiguration.
const FIDO2PolicyODataType = "#microsoft.graph.fido2AuthenticationMethodConfiguration"

// AllUsers is the include (or exclude) target id that stands for every user
// of the tenant.
const AllUsers = "all_users"

// PolicyState is authenticationMethodState.
type PolicyState string

const (
	PolicyEnabled  PolicyState = "enabled"
	PolicyDisabled PolicyState = "disabled"
)

// EnforcementType is fido2RestrictionEnforcementType.
type EnforcementType string

const (
	EnforceAllow EnforcementType = "allow" // only the listed AAGUIDs
	EnforceBlock EnforcementType = "block" // every AAGUID but the listed ones
)

// AttestationEnforcement is Graph's attestationEnforcement.
type AttestationEnforcement string

const (
	AttestationNotEnforced AttestationEnforcement = "disabled"
	// AttestationAtRegistration: a passkey must present an attestation Entra
	// can verify against FIDO metadata when it is registered. Passkeys
	// registered before it was turned on keep signing in
	// (how-to-authentication-passkey-profiles).
	AttestationAtRegistration AttestationEnforcement = "registrationOnly"
)

// TargetType is authenticationMethodTargetType. Graph documents group and
// unknownFutureValue; user targets still exist in older tenants ("Effective
// December 2022, the user target value is no longer recommended").
type TargetType string

const (
	TargetGroup TargetType = "group"
	TargetUser  TargetType = "user"
)

// PasskeyTypes is Graph's passkeyTypes flags enumeration, serialised as a
// comma-separated string: "deviceBound", "synced" or "deviceBound,synced".
// It is kept as written so that it round-trips.
type PasskeyTypes string

// Types splits the flags into the passkey types keytier knows and the
// values it does not (unknownFutureValue, values added later), in order.
func (t PasskeyTypes) Types() (known []PasskeyType, unknown []string) {
	if t == "" {
		return nil, nil
	}
	for f := range strings.SplitSeq(string(t), ",") {
		switch f = strings.TrimSpace(f); PasskeyType(f) {
		case DeviceBound, Synced:
			known = append(known, PasskeyType(f))
		default:
			unknown = append(unknown, f)
		}
	}
	return known, unknown
}

// Allows reports whether the flags include pt.
func (t PasskeyTypes) Allows(pt PasskeyType) bool {
	known, _ := t.Types()
	for _, k := range known {
		if k == pt {
			return true
		}
	}
	return false
}

// PolicyError is a problem with a FIDO2 policy document, at a dotted JSON
// path ("passkeyProfiles.1.keyRestrictions.aaGuids.0"). A Warning is
// something Graph may well accept but that probably does not do what its
// author meant, or that keytier cannot evaluate (an unknown enumeration
// value).
type PolicyError struct {
	Path    string
	Reason  string
	Warning bool
}

func (e *PolicyError) Error() string {
	kind := "invalid FIDO2 policy"
	if e.Warning {
		kind = "FIDO2 policy warning"
	}
	if e.Path == "" {
		return "passkey: " + kind + ": " + e.Reason
	}
	return "passkey: " + kind + " at " + e.Path + ": " + e.Reason
}

// PolicyErrors is every error ParseFIDO2Policy found, in document order.
// errors.As(err, &pe) with pe a *PolicyError finds the first.
type PolicyErrors []*PolicyError

func (es PolicyErrors) Error() string {
	switch len(es) {
	case 0:
		return "passkey: invalid FIDO2 policy"
	case 1:
		return es[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", es[0].Error(), len(es)-1)
}

func (es PolicyErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// ParseFIDO2Policy reads the FIDO2 method policy from Graph JSON: the
// configuration alone (GET or PATCH
// /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2),
// the whole authenticationMethodsPolicy (GET /policies/authenticationMethodsPolicy),
// or a list of configurations (a JSON array, or a collection response's
// {"value": [...]}), in which case the fido2AuthenticationMethodConfiguration
// in it is used.
//
// Reading is strict: member names match exactly, a repeated member, a value
// of the wrong JSON type, trailing data, and anything over the limits in
// policy_limits.go are errors. Then the policy is validated (see Validate).
// If anything is wrong, ParseFIDO2Policy returns nil and a PolicyErrors
// holding every error, each with its JSON path in the document as given;
// warnings do not fail it (see Warnings). To inspect a policy that does not
// validate, unmarshal it into a FIDO2Policy and call Validate.
func ParseFIDO2Policy(data []byte) (*FIDO2Policy, error) {
	if err := checkPolicyJSON(data, MaxPolicySize); err != nil {
		return nil, PolicyErrors{err}
	}
	raw, path, err := locateFIDO2(data)
	if err != nil {
		return nil, PolicyErrors{err}
	}
	p := &FIDO2Policy{path: path}
	if err := jsonv2.Unmarshal(raw, (*fido2PolicyJSON)(p)); err != nil {
		return nil, PolicyErrors{policyJSONError(err, path)}
	}
	p.recordNulls(raw)
	var errs PolicyErrors
	for _, e := range p.Validate() {
		if !e.Warning {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

// fido2PolicyJSON has FIDO2Policy's fields and none of its methods, so that
// (un)marshalling it does not recurse into MarshalJSON/UnmarshalJSON.
type fido2PolicyJSON FIDO2Policy

// MarshalJSON writes the configuration as Graph does, with the members
// keytier did not read. It does not validate: a policy under construction
// can be written.
func (p FIDO2Policy) MarshalJSON() ([]byte, error) {
	return marshalWithNulls((*fido2PolicyJSON)(&p), p.nulls)
}

// UnmarshalJSON reads a fido2AuthenticationMethodConfiguration object
// strictly and within the limits, but does not validate it and does not
// look inside a whole authenticationMethodsPolicy: it is for a FIDO2Policy
// that is a member of a larger document. ParseFIDO2Policy does both.
func (p *FIDO2Policy) UnmarshalJSON(data []byte) error {
	if err := checkPolicyJSON(data, MaxPolicySize); err != nil {
		return err
	}
	var q FIDO2Policy
	if err := jsonv2.Unmarshal(data, (*fido2PolicyJSON)(&q)); err != nil {
		return policyJSONError(err, "")
	}
	q.recordNulls(data)
	*p = q
	return nil
}

// checkPolicyJSON checks size, syntax, repeated members, nesting and array
// lengths in one pass over the tokens, before anything is decoded into Go
// values.
func checkPolicyJSON(data []byte, maxSize int) *PolicyError {
	if len(bytes.TrimSpace(data)) == 0 {
		return &PolicyError{Reason: "empty input"}
	}
	if len(data) > maxSize {
		return &PolicyError{Reason: fmt.Sprintf("%d bytes; at most %d accepted", len(data), maxSize)}
	}
	d := jsontext.NewDecoder(bytes.NewReader(data))
	for {
		if _, err := d.ReadToken(); err != nil {
			if errors.Is(err, io.EOF) {
				return &PolicyError{Path: "input", Reason: "JSON ends early"}
			}
			return policyJSONError(err, "")
		}
		depth := d.StackDepth()
		if depth > MaxPolicyDepth {
			return &PolicyError{Path: jsonPath("", d.StackPointer()), Reason: fmt.Sprintf("nested deeper than %d levels", MaxPolicyDepth)}
		}
		if depth == 0 {
			break
		}
		if kind, n := d.StackIndex(depth); kind == '[' && n > MaxPolicyArrayElements {
			return &PolicyError{Path: jsonPath("", d.StackPointer().Parent()), Reason: fmt.Sprintf("more than %d array elements", MaxPolicyArrayElements)}
		}
	}
	end := int(d.InputOffset())
	if _, err := d.ReadToken(); !errors.Is(err, io.EOF) {
		rest := bytes.TrimLeft(data[end:], " \t\r\n")
		return &PolicyError{Path: fmt.Sprintf("input@%d", len(data)-len(rest)), Reason: "data after the JSON value"}
	}
	return nil
}

// locateFIDO2 finds the fido2AuthenticationMethodConfiguration in data and
// returns it with its path.
func locateFIDO2(data []byte) (jsontext.Value, string, *PolicyError) {
	v := jsontext.Value(bytes.TrimSpace(data))
	var list jsontext.Value
	var listPath string
	switch v.Kind() {
	case '[':
		list = v
	case '{':
		var top struct {
			ODataType string         `json:"@odata.type"`
			Configs   jsontext.Value `json:"authenticationMethodConfigurations"`
			Value     jsontext.Value `json:"value"`
		}
		if err := jsonv2.Unmarshal(v, &top); err != nil {
			return nil, "", policyJSONError(err, "")
		}
		switch {
		case top.ODataType == FIDO2PolicyODataType:
			return v, "", nil
		case len(top.Configs) > 0:
			list, listPath = top.Configs, "authenticationMethodConfigurations"
		case len(top.Value) > 0 && top.ODataType == "":
			list, listPath = top.Value, "value"
		default:
			return v, "", nil
		}
	default:
		return nil, "", &PolicyError{Path: "input", Reason: "want a JSON object (the FIDO2 configuration or the authentication methods policy)"}
	}
	var items []jsontext.Value
	if err := jsonv2.Unmarshal(list, &items); err != nil {
		return nil, "", policyJSONError(err, listPath)
	}
	var found jsontext.Value
	foundPath := ""
	for i, it := range items {
		itemPath := joinPath(listPath, strconv.Itoa(i))
		if it.Kind() != '{' {
			return nil, "", &PolicyError{Path: itemPath, Reason: fmt.Sprintf("got JSON %s, want an object", kindName(it.Kind()))}
		}
		var head struct {
			ODataType string `json:"@odata.type"`
			ID        string `json:"id"`
		}
		if err := jsonv2.Unmarshal(it, &head); err != nil {
			return nil, "", policyJSONError(err, itemPath)
		}
		// Graph writes the type; a hand-made list may carry only the id,
		// which Graph spells "Fido2" in responses and "fido2" in URLs.
		if head.ODataType != FIDO2PolicyODataType && (head.ODataType != "" || !strings.EqualFold(head.ID, "fido2")) {
			continue
		}
		if found != nil {
			return nil, "", &PolicyError{Path: itemPath, Reason: "a second FIDO2 configuration; the first is at " + foundPath}
		}
		found, foundPath = it, itemPath
	}
	if found == nil {
		where := listPath
		if where == "" {
			where = "input"
		}
		return nil, "", &PolicyError{Path: where, Reason: "no fido2AuthenticationMethodConfiguration in the list"}
	}
	return found, foundPath, nil
}

// policyJSONError turns a json v2 error into a PolicyError naming the
// dotted path under prefix.
func policyJSONError(err error, prefix string) *PolicyError {
	var (
		syntax   *jsontext.SyntacticError
		semantic *jsonv2.SemanticError
	)
	switch {
	case errors.As(err, &syntax):
		reason := strings.TrimPrefix(syntax.Err.Error(), "jsontext: ")
		if errors.Is(syntax.Err, io.ErrUnexpectedEOF) {
			reason = "JSON ends early"
		}
		return &PolicyError{Path: fmt.Sprintf("%s@%d", jsonPath(prefix, syntax.JSONPointer), syntax.ByteOffset), Reason: reason}
	case errors.As(err, &semantic):
		where := jsonPath(prefix, semantic.JSONPointer)
		if semantic.GoType != nil && semantic.JSONKind != 0 {
			return &PolicyError{Path: where, Reason: fmt.Sprintf("got JSON %s, want %s", kindName(semantic.JSONKind), wantName(semantic.GoType))}
		}
		if semantic.Err != nil {
			return &PolicyError{Path: where, Reason: strings.TrimPrefix(semantic.Err.Error(), "jsontext: ")}
		}
		return &PolicyError{Path: where, Reason: "malformed JSON"}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &PolicyError{Path: jsonPath(prefix, ""), Reason: "JSON ends early"}
	}
	return &PolicyError{Path: jsonPath(prefix, ""), Reason: err.Error()}
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "boolean"
	case '"':
		return "string"
	case '0':
		return "number"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value"
}

// wantName says in words what JSON a Go type reads.
func wantName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t == reflect.TypeFor[jsontext.Value]() {
			return "a JSON value"
		}
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

func joinPath(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}
