package tap

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Graph names used in policy documents.
const (
	// PolicyODataType is the @odata.type Graph gives the policy
	// (learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethodconfiguration).
	PolicyODataType = "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"
	// PolicyID is the policy's id under
	// /policies/authenticationMethodsPolicy/authenticationMethodConfigurations.
	PolicyID = "TemporaryAccessPass"
	// AllUsers is the includeTargets id Graph uses for "every user"
	// (the GET example on
	// learn.microsoft.com/graph/api/temporaryaccesspassauthenticationmethodconfiguration-get).
	AllUsers = "all_users"
)

// State is Graph's authenticationMethodState: whether the method is on in
// the tenant.
type State string

// The two authenticationMethodState values.
const (
	StateEnabled  State = "enabled"
	StateDisabled State = "disabled"
)

// TargetType is Graph's authenticationMethodTargetType.
type TargetType string

// authenticationMethodTargetType values. unknownFutureValue is Graph's
// evolvable-enum sentinel: accepted so newer documents still parse, and never
// matched by AppliesTo.
const (
	TargetUser               TargetType = "user"
	TargetGroup              TargetType = "group"
	TargetUnknownFutureValue TargetType = "unknownFutureValue"
)

// Policy mirrors Graph's temporaryAccessPassAuthenticationMethodConfiguration
// (learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethodconfiguration).
// JSON in and out uses Graph's member names; members this type does not know
// (@odata.context, includeTargets@odata.context, anything Graph adds later)
// are kept in Unknown and written back unchanged, so reading a policy,
// changing one field and writing it back never drops data.
//
// The zero Policy is not valid; start from DefaultPolicy or ParsePolicy.
// A Policy is a value: the package never modifies one it is given.
type Policy struct {
	ODataType string `json:"@odata.type,omitzero"`
	ID        string `json:"id,omitzero"`
	State     State  `json:"state"`
	// DefaultLifetimeInMinutes is the lifetime of a pass issued without
	// one; between MinimumLifetimeInMinutes and MaximumLifetimeInMinutes.
	DefaultLifetimeInMinutes int `json:"defaultLifetimeInMinutes"`
	// MinimumLifetimeInMinutes and MaximumLifetimeInMinutes bound every
	// pass's lifetime; each is 10–43200 (30 days).
	MinimumLifetimeInMinutes int `json:"minimumLifetimeInMinutes"`
	MaximumLifetimeInMinutes int `json:"maximumLifetimeInMinutes"`
	// DefaultLength is the length of every pass in characters, 8–48.
	DefaultLength int `json:"defaultLength"`
	// IsUsableOnce true makes every pass in the tenant one-time; false lets
	// each pass be issued one-time or reusable within its lifetime.
	IsUsableOnce   bool            `json:"isUsableOnce"`
	IncludeTargets []IncludeTarget `json:"includeTargets"`
	ExcludeTargets []ExcludeTarget `json:"excludeTargets"`

	// Unknown holds the members not listed above, as a JSON object.
	Unknown jsontext.Value `json:",embed"`
}

// IncludeTarget is Graph's authenticationMethodTarget
// (learn.microsoft.com/graph/api/resources/authenticationmethodtarget).
type IncludeTarget struct {
	ID                     string         `json:"id"`
	TargetType             TargetType     `json:"targetType"`
	IsRegistrationRequired bool           `json:"isRegistrationRequired"`
	Unknown                jsontext.Value `json:",embed"`
}

// ExcludeTarget is Graph's excludeTarget
// (learn.microsoft.com/graph/api/resources/excludetarget).
type ExcludeTarget struct {
	ID         string         `json:"id"`
	TargetType TargetType     `json:"targetType"`
	Unknown    jsontext.Value `json:",embed"`
}

// DefaultPolicy returns Entra's documented default settings — minimum
// lifetime 1 hour, maximum 8 hours, default 1 hour, length 8, one-time use
// off (the "Enable the Temporary Access Pass policy" table on
// learn.microsoft.com/entra/identity/authentication/howto-authentication-temporary-access-pass) —
// with the method enabled for all users, the shape of Graph's GET example.
// Whether the method is on in a real tenant is the tenant's choice; this
// default is for a service that issues passes, which needs it on.
func DefaultPolicy() Policy {
	p := policySettingDefaults()
	p.State = StateEnabled
	p.IncludeTargets = []IncludeTarget{{ID: AllUsers, TargetType: TargetGroup}}
	p.ExcludeTargets = []ExcludeTarget{}
	return p
}

// policySettingDefaults fills what an absent member means when parsing.
// Targets stay empty: an absent includeTargets must not silently widen the
// policy to everyone.
func policySettingDefaults() Policy {
	return Policy{
		ODataType:                PolicyODataType,
		ID:                       PolicyID,
		State:                    StateDisabled,
		DefaultLifetimeInMinutes: 60,
		MinimumLifetimeInMinutes: 60,
		MaximumLifetimeInMinutes: 480,
		DefaultLength:            8,
		IsUsableOnce:             false,
	}
}

// ParsePolicy decodes a Graph temporaryAccessPassAuthenticationMethodConfiguration
// document and validates it. Members that are absent take Entra's defaults
// (see DefaultPolicy; an absent state means disabled and absent targets mean
// none). Duplicate member names, input over MaxPolicySize and values outside
// Entra's ranges are errors; every error is a *PolicyError naming the field
// and wraps ErrInvalidPolicy.
func ParsePolicy(data []byte) (Policy, error) {
	var p Policy
	if err := p.UnmarshalJSON(data); err != nil {
		return Policy{}, err
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

type policyJSON Policy // no methods: lets MarshalJSON/UnmarshalJSON use the struct tags

// UnmarshalJSON decodes a Graph document without validating it (use
// ParsePolicy or Validate for that), so tools can load and report on a
// policy that breaks the rules. Absent members take Entra's defaults.
func (p *Policy) UnmarshalJSON(data []byte) error {
	if len(data) > MaxPolicySize {
		return &PolicyError{Reason: fmt.Sprintf("document is %d bytes, more than the %d allowed", len(data), MaxPolicySize)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &PolicyError{Reason: "empty document"}
	}
	v := policyJSON(policySettingDefaults())
	// json v2 rejects duplicate member names by default: a document with
	// two "isUsableOnce" members has no single meaning.
	if err := jsonv2.Unmarshal(data, &v); err != nil {
		return &PolicyError{Field: jsonField(err), Reason: "malformed JSON", Err: err}
	}
	// Graph never sends an empty @odata.type or id, and both are omitted
	// when empty on output; reading "" as absent keeps a
	// parse-marshal-parse round trip stable (found by FuzzParsePolicy).
	if v.ODataType == "" {
		v.ODataType = PolicyODataType
	}
	if v.ID == "" {
		v.ID = PolicyID
	}
	*p = Policy(v)
	return nil
}

// MarshalJSON writes Graph's JSON: the known members, then the unknown ones
// exactly as they were read.
func (p Policy) MarshalJSON() ([]byte, error) {
	v := policyJSON(p)
	if v.IncludeTargets == nil {
		v.IncludeTargets = []IncludeTarget{}
	}
	if v.ExcludeTargets == nil {
		v.ExcludeTargets = []ExcludeTarget{}
	}
	return jsonv2.Marshal(&v)
}

// jsonField extracts the JSON pointer json v2 reports, as a Graph-style
// field path, so "defaultLength": "x" is reported against defaultLength.
func jsonField(err error) string {
	var se *jsonv2.SemanticError
	if errors.As(err, &se) && se.JSONPointer != "" {
		return strings.ReplaceAll(strings.TrimPrefix(string(se.JSONPointer), "/"), "/", ".")
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) && syn.JSONPointer != "" {
		return strings.ReplaceAll(strings.TrimPrefix(string(syn.JSONPointer), "/"), "/", ".")
	}
	return ""
}

// Validate checks the policy against Entra's documented constraints and
// returns the first violation as a *PolicyError naming the Graph field.
func (p Policy) Validate() error {
	if p.ODataType != "" && p.ODataType != PolicyODataType {
		return policyErrorf("@odata.type", "is %q, want %q", p.ODataType, PolicyODataType)
	}
	if p.ID != "" && !strings.EqualFold(p.ID, PolicyID) {
		return policyErrorf("id", "is %q, want %q", p.ID, PolicyID)
	}
	switch p.State {
	case StateEnabled, StateDisabled:
	default:
		return policyErrorf("state", "is %q, want %q or %q", p.State, StateEnabled, StateDisabled)
	}
	if p.DefaultLength < MinLength || p.DefaultLength > MaxLength {
		return policyErrorf("defaultLength", "%d is outside %d–%d", p.DefaultLength, MinLength, MaxLength)
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"minimumLifetimeInMinutes", p.MinimumLifetimeInMinutes},
		{"maximumLifetimeInMinutes", p.MaximumLifetimeInMinutes},
	} {
		if f.v < MinLifetimeMinutes || f.v > MaxLifetimeMinutes {
			return policyErrorf(f.name, "%d is outside %d–%d (30 days)", f.v, MinLifetimeMinutes, MaxLifetimeMinutes)
		}
	}
	if p.MinimumLifetimeInMinutes > p.MaximumLifetimeInMinutes {
		return policyErrorf("minimumLifetimeInMinutes", "%d is more than maximumLifetimeInMinutes %d",
			p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes)
	}
	if p.DefaultLifetimeInMinutes < p.MinimumLifetimeInMinutes || p.DefaultLifetimeInMinutes > p.MaximumLifetimeInMinutes {
		return policyErrorf("defaultLifetimeInMinutes", "%d is outside minimumLifetimeInMinutes–maximumLifetimeInMinutes (%d–%d)",
			p.DefaultLifetimeInMinutes, p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes)
	}
	if len(p.IncludeTargets) > MaxTargets {
		return policyErrorf("includeTargets", "%d targets, more than the %d allowed", len(p.IncludeTargets), MaxTargets)
	}
	if len(p.ExcludeTargets) > MaxTargets {
		return policyErrorf("excludeTargets", "%d targets, more than the %d allowed", len(p.ExcludeTargets), MaxTargets)
	}
	for i, t := range p.IncludeTargets {
		if err := validateTarget(fmt.Sprintf("includeTargets[%d]", i), t.ID, t.TargetType); err != nil {
			return err
		}
	}
	for i, t := range p.ExcludeTargets {
		if err := validateTarget(fmt.Sprintf("excludeTargets[%d]", i), t.ID, t.TargetType); err != nil {
			return err
		}
	}
	return nil
}

func validateTarget(field, id string, tt TargetType) error {
	if id == "" {
		return policyErrorf(field+".id", "is empty")
	}
	if len(id) > MaxIDLength {
		return policyErrorf(field+".id", "is %d bytes, more than %d", len(id), MaxIDLength)
	}
	switch tt {
	case TargetUser, TargetGroup, TargetUnknownFutureValue:
		return nil
	default:
		return policyErrorf(field+".targetType", "is %q, want %q or %q", tt, TargetUser, TargetGroup)
	}
}

// AppliesTo reports whether the policy lets userID use a pass: the method is
// enabled, an include target names the user, one of groupIDs or all_users,
// and no exclude target names the user or one of groupIDs (exclusion wins,
// as in every Entra authentication method policy). Group membership comes
// from the caller's directory; the policy holds only ids.
func (p Policy) AppliesTo(userID string, groupIDs []string) bool {
	if p.State != StateEnabled {
		return false
	}
	matches := func(id string, tt TargetType) bool {
		switch tt {
		case TargetUser:
			return id == userID
		case TargetGroup:
			if id == AllUsers {
				return true
			}
			for _, g := range groupIDs {
				if g == id {
					return true
				}
			}
		}
		return false
	}
	for _, t := range p.ExcludeTargets {
		if matches(t.ID, t.TargetType) {
			return false
		}
	}
	for _, t := range p.IncludeTargets {
		if matches(t.ID, t.TargetType) {
			return true
		}
	}
	return false
}
