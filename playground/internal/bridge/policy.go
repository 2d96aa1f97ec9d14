package bridge

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/catalog"
	"github.com/keytier/keytier/readiness"
)

// PolicyView is a FIDO2 (passkey) method policy as the page shows it: its
// profiles with the assurance tier each guarantees, who is in scope, and
// the readiness findings that read the policy alone. It has the shape of
// `keytier policy check --json`.
type PolicyView struct {
	Valid    bool      `json:"valid"`
	Errors   []Problem `json:"errors"`
	Warnings []Problem `json:"warnings"`
	// The members below are empty when the policy does not parse.
	State                            string `json:"state,omitempty"`
	IsSelfServiceRegistrationAllowed *bool  `json:"isSelfServiceRegistrationAllowed,omitempty"`
	DefaultPasskeyProfile            string `json:"defaultPasskeyProfile,omitempty"`
	// Legacy: the policy has no passkey profiles; its tenant-wide settings
	// act as one profile.
	Legacy         bool          `json:"legacy"`
	Profiles       []ProfileView `json:"profiles"`
	IncludeTargets []TargetView  `json:"includeTargets"`
	ExcludeTargets []TargetView  `json:"excludeTargets"`
	// Groups are the groups the targets name, for the what-if panel.
	Groups []Named `json:"groups"`
	// Findings are readiness findings about the policy's own settings; for
	// a policy pasted alone, only the checks that need no users or groups
	// (see policyOnlyChecks).
	Findings []FindingView `json:"findings"`
}

// Problem is a policy error or warning at a JSON path.
type Problem struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// ProfileView is one passkey profile and the tier it guarantees.
type ProfileView struct {
	ID                     string  `json:"id"`
	Name                   string  `json:"name"`
	PasskeyTypes           string  `json:"passkeyTypes"`
	PasskeyTypesText       string  `json:"passkeyTypesText"`
	AttestationEnforcement string  `json:"attestationEnforcement"`
	AttestationText        string  `json:"attestationText"`
	KeyRestrictions        string  `json:"keyRestrictions"`
	AAGUIDs                []Named `json:"aaGuids"`
	Default                bool    `json:"default"`
	// AssignedBy are the include targets (JSON paths) that bring the
	// profile to their members.
	AssignedBy []string `json:"assignedBy"`
	// Lowest and Highest are the assurance levels a passkey the profile
	// admits can have (passkey.PasskeyProfile.AALRange); Why says why.
	Lowest  string   `json:"lowest"`
	Highest string   `json:"highest"`
	Why     []string `json:"why"`
}

// TargetView is an include or exclude target.
type TargetView struct {
	Path        string `json:"path"`
	TargetType  string `json:"targetType"`
	ID          string `json:"id"`
	Description string `json:"description"`
	// IsRegistrationRequired: include targets only.
	IsRegistrationRequired bool `json:"isRegistrationRequired,omitempty"`
	// Profiles are the profiles the target's members get (include targets).
	Profiles []Named `json:"profiles,omitempty"`
	// ByDefault: the target assigns no profile, so its members get the
	// default profile.
	ByDefault bool `json:"byDefault,omitempty"`
	// ExcludedBy are exclude targets naming the same group (or all users):
	// the include target then gives no one anything.
	ExcludedBy []string `json:"excludedBy,omitempty"`
}

// Named is an id with the name people know it by ("" when none is known).
type Named struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// policyOnlyChecks are the readiness checks that read a method policy's
// own settings and nothing else; the others need the tenant's users,
// groups and roles, and over a policy pasted alone they would report the
// missing tenant rather than the policy.
var policyOnlyChecks = []string{
	"KT-FIDO2-001", "KT-FIDO2-002", "KT-FIDO2-003",
	"KT-TAP-001", "KT-TAP-002", "KT-TAP-003", "KT-TAP-004",
}

// groupNamer names group ids; nil when there is no tenant to ask.
type groupNamer func(id string) string

// BuildPolicyView parses a FIDO2 policy document (passkey.ParseFIDO2Policy)
// and describes it. names, when not nil, names groups (a snapshot's);
// findings are added by the caller.
func buildPolicyView(data []byte, names groupNamer) (PolicyView, *passkey.FIDO2Policy) {
	v := PolicyView{Errors: []Problem{}, Warnings: []Problem{}, Profiles: []ProfileView{},
		IncludeTargets: []TargetView{}, ExcludeTargets: []TargetView{}, Groups: []Named{}, Findings: []FindingView{}}
	p, err := passkey.ParseFIDO2Policy(data)
	if err != nil {
		var pe passkey.PolicyErrors
		if !errors.As(err, &pe) {
			pe = passkey.PolicyErrors{{Reason: err.Error()}}
		}
		v.Errors = problems(pe)
		return v, nil
	}
	v.Valid = true
	v.Warnings = problems(p.Warnings())
	v.State = string(p.State)
	v.IsSelfServiceRegistrationAllowed = p.IsSelfServiceRegistrationAllowed
	v.DefaultPasskeyProfile = p.DefaultPasskeyProfile

	name := func(id string) string {
		if names == nil {
			return ""
		}
		return names(id)
	}
	profiles, legacy := p.EffectiveProfiles()
	v.Legacy = legacy
	byID := map[string]int{}
	for _, pp := range profiles {
		byID[strings.ToLower(pp.ID)] = len(v.Profiles)
		v.Profiles = append(v.Profiles, profileView(pp, !legacy && pp.ID != "" && strings.EqualFold(pp.ID, p.DefaultPasskeyProfile)))
	}
	seen := map[string]bool{}
	addGroup := func(tt passkey.TargetType, id string) {
		if tt != passkey.TargetGroup || id == passkey.AllUsers || id == "" || seen[strings.ToLower(id)] {
			return
		}
		seen[strings.ToLower(id)] = true
		v.Groups = append(v.Groups, Named{ID: id, Name: name(id)})
	}

	for i, t := range p.ExcludeTargets {
		v.ExcludeTargets = append(v.ExcludeTargets, TargetView{Path: fmt.Sprintf("excludeTargets.%d", i),
			TargetType: string(t.TargetType), ID: t.ID, Description: describeTarget(t.TargetType, t.ID, name(t.ID))})
		addGroup(t.TargetType, t.ID)
	}
	for _, a := range p.Assignments() {
		t := p.IncludeTargets[a.Index]
		tv := TargetView{Path: fmt.Sprintf("includeTargets.%d", a.Index), TargetType: string(t.TargetType), ID: t.ID,
			Description:            describeTarget(t.TargetType, t.ID, name(t.ID)),
			IsRegistrationRequired: t.IsRegistrationRequired != nil && *t.IsRegistrationRequired,
			ByDefault:              a.ByDefault}
		addGroup(t.TargetType, t.ID)
		for _, j := range a.ExcludedBy {
			tv.ExcludedBy = append(tv.ExcludedBy, fmt.Sprintf("excludeTargets.%d", j))
		}
		for _, sp := range a.Profiles {
			tv.Profiles = append(tv.Profiles, Named{ID: sp.Profile.ID, Name: sp.Profile.Name})
			if k, ok := byID[strings.ToLower(sp.Profile.ID)]; ok {
				v.Profiles[k].AssignedBy = append(v.Profiles[k].AssignedBy, tv.Path)
			}
		}
		v.IncludeTargets = append(v.IncludeTargets, tv)
	}
	return v, p
}

func profileView(pp passkey.PasskeyProfile, isDefault bool) ProfileView {
	a := pp.Assurance()
	lo, hi := pp.AALRange()
	v := ProfileView{
		ID: pp.ID, Name: pp.Name,
		PasskeyTypes:           string(pp.PasskeyTypes),
		PasskeyTypesText:       describePasskeyTypes(pp.PasskeyTypes),
		AttestationEnforcement: string(pp.AttestationEnforcement),
		AttestationText:        describeAttestation(pp.AttestationEnforcement),
		AAGUIDs:                []Named{},
		Default:                isDefault,
		AssignedBy:             []string{},
		Lowest:                 lo.String(),
		Highest:                hi.String(),
		Why:                    a.Why,
	}
	enforced, typ := false, ""
	if kr := pp.KeyRestrictions; kr != nil {
		enforced = kr.IsEnforced != nil && *kr.IsEnforced
		typ = string(kr.EnforcementType)
		for _, s := range kr.AAGUIDs {
			v.AAGUIDs = append(v.AAGUIDs, Named{ID: s, Name: catalogName(s)})
		}
	}
	v.KeyRestrictions = describeRestrictions(enforced, typ, len(v.AAGUIDs))
	return v
}

// catalogName is the authenticator catalog's name for an AAGUID, or "".
func catalogName(s string) string {
	id, err := catalog.ParseAAGUID(s)
	if err != nil {
		return ""
	}
	if e, ok := catalog.Lookup(id); ok {
		return e.Name
	}
	return ""
}

func describeTarget(tt passkey.TargetType, id, name string) string {
	switch {
	case id == passkey.AllUsers:
		return "all users"
	case tt == passkey.TargetUser:
		return "user " + id
	case name != "":
		return fmt.Sprintf("group %s (%s)", name, id)
	}
	return "group " + id
}

func describePasskeyTypes(t passkey.PasskeyTypes) string {
	known, unknown := t.Types()
	var parts []string
	for _, k := range known {
		switch k {
		case passkey.Synced:
			parts = append(parts, "synced")
		case passkey.DeviceBound:
			parts = append(parts, "device-bound")
		}
	}
	for _, u := range unknown {
		parts = append(parts, fmt.Sprintf("%q (unknown to keytier: not evaluated)", u))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " and ")
}

func describeAttestation(a passkey.AttestationEnforcement) string {
	switch a {
	case passkey.AttestationAtRegistration:
		return "enforced at registration: only attested passkeys register, so no synced passkey does"
	case passkey.AttestationNotEnforced, "":
		return "not enforced: passkeys with and without attestation register"
	}
	return fmt.Sprintf("%q (unknown to keytier: the profile admits nothing)", string(a))
}

func describeRestrictions(enforced bool, typ string, n int) string {
	switch {
	case !enforced && n > 0:
		return fmt.Sprintf("not enforced; the %s list of %d AAGUID(s) is ignored", orNotSet(typ), n)
	case !enforced:
		return "not enforced: any authenticator model"
	case typ == string(passkey.EnforceAllow):
		return fmt.Sprintf("allow list: only these %d model(s)", n)
	case typ == string(passkey.EnforceBlock):
		return fmt.Sprintf("block list: every model but these %d", n)
	}
	return fmt.Sprintf("enforced, type %q", typ)
}

func orNotSet(s string) string {
	if s == "" {
		return "not set"
	}
	return s
}

func problems(es []*passkey.PolicyError) []Problem {
	out := []Problem{}
	for _, e := range es {
		out = append(out, Problem{Path: e.Path, Reason: e.Reason})
	}
	return out
}

// policyFindings runs the readiness checks that read only the method
// configuration cfg, over a tenant that holds nothing else, and keeps the
// findings of the checks whose id starts with family ("KT-FIDO2-"): the
// others would report the configurations the tenant lacks.
func policyFindings(cfg graphadapter.MethodConfiguration, family string) ([]FindingView, error) {
	s := &graphadapter.Snapshot{
		Tenant:                      graphadapter.Tenant{ID: "policy"},
		AuthenticationMethodsPolicy: &graphadapter.AuthenticationMethodsPolicy{ID: "authenticationMethodsPolicy", MethodConfigurations: []graphadapter.MethodConfiguration{cfg}},
	}
	// The checks kept here do not read the time; Check requires one.
	s.CapturedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Check(); err != nil {
		return nil, err
	}
	r := readiness.Run(s, readiness.Options{})
	out := []FindingView{}
	for _, f := range r.Findings {
		if slices.Contains(policyOnlyChecks, f.Check) && strings.HasPrefix(f.Check, family) {
			out = append(out, findingView(f, len(out)+1))
		}
	}
	return out, nil
}
