package graphadapter

import (
	"fmt"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// AuthenticationMethodsPolicy is the response of
// GET /policies/authenticationMethodsPolicy (learn.microsoft.com/graph/api
// /authenticationmethodspolicy-get): the tenant-wide switch for each method
// and the registration campaign.
type AuthenticationMethodsPolicy struct {
	ID                      string                   `json:"id"`
	DisplayName             string                   `json:"displayName,omitempty"`
	Description             string                   `json:"description,omitempty"`
	LastModifiedDateTime    *time.Time               `json:"lastModifiedDateTime,omitempty"`
	PolicyVersion           string                   `json:"policyVersion,omitempty"`
	PolicyMigrationState    string                   `json:"policyMigrationState,omitempty"`
	RegistrationEnforcement *RegistrationEnforcement `json:"registrationEnforcement,omitempty"`
	// MethodConfigurations is authenticationMethodConfigurations: one entry
	// per method type (Fido2, TemporaryAccessPass, Sms, ...).
	MethodConfigurations []MethodConfiguration `json:"authenticationMethodConfigurations"`
	Unknown              jsontext.Value        `json:",embed"`
}

// MethodConfiguration returns the configuration whose id is id ("Fido2",
// "TemporaryAccessPass", "Sms", ...; Graph's ids, compared exactly).
func (p *AuthenticationMethodsPolicy) MethodConfiguration(id string) (*MethodConfiguration, bool) {
	if p == nil {
		return nil, false
	}
	for i := range p.MethodConfigurations {
		if p.MethodConfigurations[i].ID == id {
			return &p.MethodConfigurations[i], true
		}
	}
	return nil, false
}

// Campaign returns registrationEnforcement.authenticationMethodsRegistrationCampaign,
// or nil when the policy has none.
func (p *AuthenticationMethodsPolicy) Campaign() *RegistrationCampaign {
	if p == nil || p.RegistrationEnforcement == nil {
		return nil
	}
	return p.RegistrationEnforcement.Campaign
}

// RegistrationEnforcement is Graph's registrationEnforcement
// (learn.microsoft.com/graph/api/resources/registrationenforcement).
type RegistrationEnforcement struct {
	Campaign *RegistrationCampaign `json:"authenticationMethodsRegistrationCampaign,omitempty"`
	Unknown  jsontext.Value        `json:",embed"`
}

// RegistrationCampaign is authenticationMethodsRegistrationCampaign
// (learn.microsoft.com/graph/api/resources
// /authenticationmethodsregistrationcampaign): the sign-in nudge to register
// a targeted method.
type RegistrationCampaign struct {
	// State: default (Microsoft-managed), enabled, disabled.
	State string `json:"state"`
	// SnoozeDurationInDays: 0–14; 0 prompts at every MFA sign-in.
	SnoozeDurationInDays int `json:"snoozeDurationInDays"`
	// EnforceRegistrationAfterAllowedSnoozes: nil when Graph did not report
	// it (the v1.0 documentation example omits it); Graph's default is true.
	EnforceRegistrationAfterAllowedSnoozes *bool            `json:"enforceRegistrationAfterAllowedSnoozes,omitempty"`
	IncludeTargets                         []CampaignTarget `json:"includeTargets"`
	ExcludeTargets                         []ExcludeTarget  `json:"excludeTargets"`
	Unknown                                jsontext.Value   `json:",embed"`
}

// CampaignTarget is an authenticationMethodsRegistrationCampaignIncludeTarget:
// a user or group ("all_users" for everyone) and the method it is nudged to
// register (targetedAuthenticationMethod, e.g. microsoftAuthenticator).
type CampaignTarget struct {
	ID                           string         `json:"id"`
	TargetType                   string         `json:"targetType"` // user | group
	TargetedAuthenticationMethod string         `json:"targetedAuthenticationMethod"`
	Unknown                      jsontext.Value `json:",embed"`
}

// ExcludeTarget is Graph's excludeTarget: a user or group left out.
type ExcludeTarget struct {
	ID         string         `json:"id"`
	TargetType string         `json:"targetType"`
	Unknown    jsontext.Value `json:",embed"`
}

// MethodConfiguration is one item of authenticationMethodConfigurations.
// keytier reads the members common to every type here and keeps the object
// in Raw; the FIDO2 (passkey profiles) and Temporary Access Pass
// configurations are decoded from Raw by the packages that reason about them.
type MethodConfiguration struct {
	ODataType string // e.g. #microsoft.graph.fido2AuthenticationMethodConfiguration
	ID        string // e.g. Fido2, TemporaryAccessPass, Sms
	State     string // enabled | disabled
	Raw       jsontext.Value
}

// ParseMethodConfiguration reads one authenticationMethodConfiguration
// object (for example the response of GET /policies/authenticationMethodsPolicy
// /authenticationMethodConfigurations/fido2).
func ParseMethodConfiguration(data []byte) (MethodConfiguration, error) {
	var c MethodConfiguration
	if err := checkNesting(data); err != nil {
		return c, err
	}
	v := jsontext.Value(data)
	if !v.IsValid() {
		return c, jsonError(jsonv2.Unmarshal(data, new(jsontext.Value)), "")
	}
	return c, c.parse(v.Clone(), "")
}

func (c *MethodConfiguration) parse(raw jsontext.Value, path string) error {
	if err := wantObject(raw, path); err != nil {
		return err
	}
	var w struct {
		ODataType string         `json:"@odata.type"`
		ID        string         `json:"id"`
		State     string         `json:"state"`
		Unknown   jsontext.Value `json:",embed"`
	}
	if err := jsonv2.Unmarshal(raw, &w); err != nil {
		return jsonError(err, path)
	}
	if err := checkCase(w.Unknown, []string{"@odata.type", "id", "state"}, path); err != nil {
		return err
	}
	if w.ODataType == "" {
		return errorAt(joinPath(path, "@odata.type"), nil, "missing: a method configuration names its type")
	}
	if w.ID == "" {
		return errorAt(joinPath(path, "id"), nil, "missing or empty")
	}
	*c = MethodConfiguration{ODataType: w.ODataType, ID: w.ID, State: w.State, Raw: raw}
	return nil
}

// UnmarshalJSONFrom reads a MethodConfiguration; errors name the full path.
func (c *MethodConfiguration) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	return c.parse(v.Clone(), pointerPath(dec.StackPointer()))
}

// MarshalJSONTo writes Raw.
func (c *MethodConfiguration) MarshalJSONTo(enc *jsontext.Encoder) error {
	if len(c.Raw) == 0 {
		return fmt.Errorf("graphadapter: method configuration %q has no Raw JSON; build it with ParseMethodConfiguration", c.ID)
	}
	return enc.WriteValue(c.Raw)
}

// ConditionalAccessPolicy is one item of GET /identity/conditionalAccess
// /policies (learn.microsoft.com/graph/api/resources/conditionalaccesspolicy).
// keytier reads who a policy applies to and what it grants; the rest
// (applications, platforms, locations, session controls) stays in Raw.
type ConditionalAccessPolicy struct {
	ID          string
	DisplayName string
	// State: enabled, disabled, enabledForReportingButNotEnforced.
	State string
	// Users is conditions.users; zero when the policy has none.
	Users ConditionalAccessUsers
	// Grant is grantControls; nil when the policy grants nothing (session
	// controls only) or Graph returned null.
	Grant *GrantControls
	Raw   jsontext.Value
}

// ConditionalAccessUsers is conditionalAccessUsers: ids of users, groups
// and role templates, plus Graph's keywords ("All", "None",
// "GuestsOrExternalUsers") in the user lists.
type ConditionalAccessUsers struct {
	IncludeUsers  []string `json:"includeUsers"`
	ExcludeUsers  []string `json:"excludeUsers"`
	IncludeGroups []string `json:"includeGroups"`
	ExcludeGroups []string `json:"excludeGroups"`
	IncludeRoles  []string `json:"includeRoles"`
	ExcludeRoles  []string `json:"excludeRoles"`
}

// GrantControls is conditionalAccessGrantControls.
type GrantControls struct {
	Operator        string   // AND | OR
	BuiltInControls []string // mfa, compliantDevice, block, ...
	// AuthenticationStrengthID is authenticationStrength.id: the
	// authentication strength policy the grant requires, "" if none.
	AuthenticationStrengthID string
}

// ParseConditionalAccessPolicy reads one conditionalAccessPolicy object.
func ParseConditionalAccessPolicy(data []byte) (ConditionalAccessPolicy, error) {
	var p ConditionalAccessPolicy
	if err := checkNesting(data); err != nil {
		return p, err
	}
	v := jsontext.Value(data)
	if !v.IsValid() {
		return p, jsonError(jsonv2.Unmarshal(data, new(jsontext.Value)), "")
	}
	return p, p.parse(v.Clone(), "")
}

func (p *ConditionalAccessPolicy) parse(raw jsontext.Value, path string) error {
	if err := wantObject(raw, path); err != nil {
		return err
	}
	var w struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
		State       string `json:"state"`
		Conditions  *struct {
			Users *ConditionalAccessUsers `json:"users"`
		} `json:"conditions"`
		GrantControls *struct {
			Operator               string   `json:"operator"`
			BuiltInControls        []string `json:"builtInControls"`
			AuthenticationStrength *struct {
				ID string `json:"id"`
			} `json:"authenticationStrength"`
		} `json:"grantControls"`
	}
	if err := jsonv2.Unmarshal(raw, &w); err != nil {
		return jsonError(err, path)
	}
	if w.ID == "" {
		return errorAt(joinPath(path, "id"), nil, "missing or empty")
	}
	*p = ConditionalAccessPolicy{ID: w.ID, DisplayName: w.DisplayName, State: w.State, Raw: raw}
	if w.Conditions != nil && w.Conditions.Users != nil {
		p.Users = *w.Conditions.Users
	}
	if g := w.GrantControls; g != nil {
		p.Grant = &GrantControls{Operator: g.Operator, BuiltInControls: g.BuiltInControls}
		if g.AuthenticationStrength != nil {
			p.Grant.AuthenticationStrengthID = g.AuthenticationStrength.ID
		}
	}
	return nil
}

// UnmarshalJSONFrom reads a ConditionalAccessPolicy; errors name the full path.
func (p *ConditionalAccessPolicy) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	return p.parse(v.Clone(), pointerPath(dec.StackPointer()))
}

// MarshalJSONTo writes Raw.
func (p *ConditionalAccessPolicy) MarshalJSONTo(enc *jsontext.Encoder) error {
	if len(p.Raw) == 0 {
		return fmt.Errorf("graphadapter: conditional access policy %q has no Raw JSON; build it with ParseConditionalAccessPolicy", p.ID)
	}
	return enc.WriteValue(p.Raw)
}

// Built-in authentication strength policy ids, the same in every tenant
// (learn.microsoft.com/graph/api/authenticationstrengthroot-list-policies).
const (
	StrengthMFA               = "00000000-0000-0000-0000-000000000002" // Multifactor authentication
	StrengthPasswordlessMFA   = "00000000-0000-0000-0000-000000000003" // Passwordless MFA
	StrengthPhishingResistant = "00000000-0000-0000-0000-000000000004" // Phishing-resistant MFA
)

// AuthenticationStrengthPolicy is one item of GET /policies
// /authenticationStrengthPolicies (learn.microsoft.com/graph/api/resources
// /authenticationstrengthpolicy): the method combinations a Conditional
// Access grant accepts.
type AuthenticationStrengthPolicy struct {
	ID          string
	DisplayName string
	PolicyType  string // builtIn | custom
	// AllowedCombinations are Graph's authenticationMethodModes values,
	// comma-joined for multi-method combinations ("password,sms").
	AllowedCombinations []string
	Raw                 jsontext.Value
}

// ParseAuthenticationStrengthPolicy reads one authenticationStrengthPolicy object.
func ParseAuthenticationStrengthPolicy(data []byte) (AuthenticationStrengthPolicy, error) {
	var p AuthenticationStrengthPolicy
	if err := checkNesting(data); err != nil {
		return p, err
	}
	v := jsontext.Value(data)
	if !v.IsValid() {
		return p, jsonError(jsonv2.Unmarshal(data, new(jsontext.Value)), "")
	}
	return p, p.parse(v.Clone(), "")
}

func (p *AuthenticationStrengthPolicy) parse(raw jsontext.Value, path string) error {
	if err := wantObject(raw, path); err != nil {
		return err
	}
	var w struct {
		ID                  string   `json:"id"`
		DisplayName         string   `json:"displayName"`
		PolicyType          string   `json:"policyType"`
		AllowedCombinations []string `json:"allowedCombinations"`
	}
	if err := jsonv2.Unmarshal(raw, &w); err != nil {
		return jsonError(err, path)
	}
	if w.ID == "" {
		return errorAt(joinPath(path, "id"), nil, "missing or empty")
	}
	*p = AuthenticationStrengthPolicy{ID: w.ID, DisplayName: w.DisplayName, PolicyType: w.PolicyType, AllowedCombinations: w.AllowedCombinations, Raw: raw}
	return nil
}

// UnmarshalJSONFrom reads an AuthenticationStrengthPolicy; errors name the full path.
func (p *AuthenticationStrengthPolicy) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	return p.parse(v.Clone(), pointerPath(dec.StackPointer()))
}

// MarshalJSONTo writes Raw.
func (p *AuthenticationStrengthPolicy) MarshalJSONTo(enc *jsontext.Encoder) error {
	if len(p.Raw) == 0 {
		return fmt.Errorf("graphadapter: authentication strength policy %q has no Raw JSON; build it with ParseAuthenticationStrengthPolicy", p.ID)
	}
	return enc.WriteValue(p.Raw)
}
