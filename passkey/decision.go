package passkey

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey/catalog"
)

// Subject is the user a policy decision is about.
type Subject struct {
	// UserID is the user's object id; it matches user targets.
	UserID string
	// GroupIDs are the object ids of the groups the user is a member of,
	// as the caller resolved them (keytier does not expand nesting). They
	// match group targets.
	GroupIDs []string
	// RoleTemplateIDs are the user's directory roles. The FIDO2 policy does
	// not target roles (its targets are groups, passkeyAuthenticationMethodTarget),
	// so they do not change ProfilesFor or Evaluate; they travel with the
	// subject for callers that judge whether a user's profile fits the
	// user's privileges.
	RoleTemplateIDs []string
}

// AttestationEvidence says what attestation a credential presented.
type AttestationEvidence string

const (
	// AttestationAbsent: no attestation, or self attestation, which proves
	// nothing about the authenticator. The zero value means the same.
	AttestationAbsent AttestationEvidence = "absent"
	// AttestationUntrusted: an attestation that was not verified, or did
	// not chain to a trust anchor.
	AttestationUntrusted AttestationEvidence = "untrusted"
	// AttestationTrusted: an attestation that chains to a trust anchor (for
	// a Graph record: attestationLevel "attested", Entra's verification).
	AttestationTrusted AttestationEvidence = "trusted"
)

// CredentialFacts is what a policy decision needs to know about a passkey.
// Build it with CredentialFactsOf from a decoded registration, or with
// FIDO2Method.Facts from a Graph record.
type CredentialFacts struct {
	AAGUID        uuid.UUID // all zero: not disclosed
	Authenticator string    // the catalog's name, for messages
	// Type is synced or device-bound; "" when nothing says which.
	Type PasskeyType
	// TypeConfidence and TypeExplanation say how sure Type is and why.
	TypeConfidence  Confidence
	TypeExplanation []string
	Attestation     AttestationEvidence
	// Registered: the passkey is already registered, so the question is
	// whether it may still sign in. Entra enforces attestation only at
	// registration ("Users who register a passkey (FIDO2) without
	// attestation aren't blocked from sign-in if Enforce attestation is set
	// to Yes later", how-to-authentication-passkey-profiles), while passkey
	// types and key restrictions apply to sign-in too. Zero: a registration.
	Registered bool
}

// CredentialFactsOf reads the facts from a decoded registration (Inspect
// or Verify). Attestation counts as trusted only after Verify found a
// trusted chain; "none" and self attestation count as absent.
func CredentialFactsOf(c *Credential) CredentialFacts {
	f := CredentialFacts{
		AAGUID:          c.AAGUID,
		Authenticator:   c.Authenticator,
		Type:            c.PasskeyType,
		TypeConfidence:  c.Backup.Confidence,
		TypeExplanation: slices.Clone(c.Backup.Explanation),
	}
	switch {
	case c.Format == "none" || c.Attestation.Type == AttestationNone || c.Attestation.Type == AttestationSelf:
		f.Attestation = AttestationAbsent
	case c.Attestation.Trusted:
		f.Attestation = AttestationTrusted
	default:
		f.Attestation = AttestationUntrusted
	}
	return f
}

// LegacyProfileID is the id keytier gives the implicit profile of a policy
// without passkey profiles. It is not a Graph id.
const LegacyProfileID = "legacy"

// ScopedProfile is a passkey profile that applies to a subject, and why.
type ScopedProfile struct {
	Profile PasskeyProfile
	// Legacy: the policy has no passkey profiles, and Profile is its legacy
	// tenant-wide settings acting as one profile for every include target.
	Legacy bool
	// ByDefault: at least one of Targets assigns no profile, and this is the
	// policy's default profile (see ProfilesFor).
	ByDefault bool
	// Targets are the include targets that brought the profile in, with
	// their index in IncludeTargets.
	Targets []TargetRef
	// Why says the same in words.
	Why string
}

// TargetRef names an include or exclude target by its position.
type TargetRef struct {
	Index  int
	Target IncludeTarget
}

// ProfilesFor returns the passkey profiles that apply to s, in the order of
// passkeyProfiles; nil when s is excluded or not included. It reads the
// targets only: whether the policy is enabled is Evaluate's question.
//
// Entra's rules (learn.microsoft.com/entra/identity/authentication/
// how-to-authentication-passkey-profiles, "Apply a passkey profile to a
// targeted group"):
//
//   - A member of an excluded group is "blocked from FIDO2 passkey
//     registration or sign-in entirely, and this takes precedence over them
//     being in any Included groups."
//   - A user in several included targets gets every profile those targets
//     assign.
//   - The target id "all_users" includes everyone.
//
// Two cases Graph does not spell out, decided here. A policy with no
// passkeyProfiles (or an empty list) predates profiles: its legacy settings
// act as one implicit profile (ScopedProfile.Legacy) admitting device-bound
// passkeys only, since synced passkeys need profiles ("Your organization must
// be enrolled in Passkey profiles", how-to-authentication-synced-passkeys). In a
// policy with profiles, an include target listing no allowedPasskeyProfiles
// gets the default profile, the baseline Entra creates on migration from the
// legacy settings (fido2AuthenticationMethodConfiguration,
// defaultPasskeyProfile); Validate warns about such targets.
func (p *FIDO2Policy) ProfilesFor(s Subject) []ScopedProfile {
	return p.scope(s).profiles
}

type scoping struct {
	included []int
	excluded []int
	profiles []ScopedProfile
}

func (p *FIDO2Policy) scope(s Subject) scoping {
	var sc scoping
	for i, t := range p.ExcludeTargets {
		if targets(t.TargetType, t.ID, s) {
			sc.excluded = append(sc.excluded, i)
		}
	}
	for i, t := range p.IncludeTargets {
		if targets(t.TargetType, t.ID, s) {
			sc.included = append(sc.included, i)
		}
	}
	if len(sc.excluded) > 0 || len(sc.included) == 0 {
		return sc
	}
	if len(p.PasskeyProfiles) == 0 {
		sp := ScopedProfile{Profile: p.legacyProfile(), Legacy: true}
		for _, i := range sc.included {
			sp.Targets = append(sp.Targets, TargetRef{i, p.IncludeTargets[i]})
		}
		sp.Why = "the policy has no passkey profiles; its legacy settings apply to " + describeTargets(sp.Targets)
		sc.profiles = []ScopedProfile{sp}
		return sc
	}
	type acc struct {
		targets   []TargetRef
		byDefault bool
	}
	byProfile := map[string]*acc{}
	add := func(id string, ref TargetRef, def bool) {
		key := strings.ToLower(id)
		a := byProfile[key]
		if a == nil {
			a = &acc{}
			byProfile[key] = a
		}
		if n := len(a.targets); n == 0 || a.targets[n-1].Index != ref.Index {
			a.targets = append(a.targets, ref)
		}
		a.byDefault = a.byDefault || def
	}
	for _, i := range sc.included {
		t := p.IncludeTargets[i]
		ref := TargetRef{i, t}
		if len(t.AllowedPasskeyProfiles) == 0 {
			if p.DefaultPasskeyProfile != "" {
				add(p.DefaultPasskeyProfile, ref, true)
			}
			continue
		}
		for _, id := range t.AllowedPasskeyProfiles {
			add(id, ref, false)
		}
	}
	for _, pp := range p.PasskeyProfiles {
		a := byProfile[strings.ToLower(pp.ID)]
		if a == nil || pp.ID == "" {
			continue
		}
		delete(byProfile, strings.ToLower(pp.ID)) // a repeated id applies once
		sp := ScopedProfile{Profile: pp, ByDefault: a.byDefault, Targets: a.targets}
		sp.Why = "assigned by " + describeTargets(a.targets)
		if a.byDefault {
			sp.Why += " (the default profile, for a target that assigns none)"
		}
		sc.profiles = append(sc.profiles, sp)
	}
	return sc
}

// targets reports whether a target with this type and id covers s.
func targets(tt TargetType, id string, s Subject) bool {
	switch tt {
	case TargetGroup, "":
		if id == AllUsers {
			return true
		}
		for _, g := range s.GroupIDs {
			if g != "" && strings.EqualFold(g, id) {
				return true
			}
		}
	case TargetUser:
		return s.UserID != "" && strings.EqualFold(s.UserID, id)
	}
	return false
}

func describeTargets(refs []TargetRef) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = describeTarget(r.Target.TargetType, r.Target.ID) + fmt.Sprintf(" (includeTargets.%d)", r.Index)
	}
	return strings.Join(parts, ", ")
}

func describeTarget(tt TargetType, id string) string {
	switch {
	case id == AllUsers:
		return "all users"
	case tt == TargetUser:
		return "user " + id
	}
	return "group " + id
}

// legacyProfile is the implicit profile of a policy without profiles.
func (p *FIDO2Policy) legacyProfile() PasskeyProfile {
	pp := PasskeyProfile{
		ID:                     LegacyProfileID,
		Name:                   "legacy FIDO2 settings",
		PasskeyTypes:           PasskeyTypes(DeviceBound),
		AttestationEnforcement: AttestationNotEnforced,
		KeyRestrictions:        p.KeyRestrictions,
	}
	if p.IsAttestationEnforced != nil && *p.IsAttestationEnforced {
		pp.AttestationEnforcement = AttestationAtRegistration
	}
	return pp
}

// ReasonCode names why a policy does not admit a passkey. The codes are part
// of keytier's contract and keep their meaning across versions.
type ReasonCode string

const (
	ReasonPolicyDisabled       ReasonCode = "policy_disabled"          // state is not "enabled"
	ReasonNotInScope           ReasonCode = "not_in_scope"             // no include target covers the user
	ReasonExcluded             ReasonCode = "excluded"                 // an exclude target covers the user
	ReasonNoProfile            ReasonCode = "no_profile"               // included, but no existing profile is assigned
	ReasonTypeNotAllowed       ReasonCode = "passkey_type_not_allowed" // synced or device-bound, and the profile does not admit it
	ReasonTypeUnknown          ReasonCode = "passkey_type_unknown"     // nothing says whether it is synced, and the profile admits one type only
	ReasonAAGUIDBlocked        ReasonCode = "aaguid_blocked"           // on the profile's block list
	ReasonAAGUIDNotAllowed     ReasonCode = "aaguid_not_allowed"       // not on the profile's allow list
	ReasonAttestationRequired  ReasonCode = "attestation_required"     // the profile enforces attestation; there is none
	ReasonAttestationUntrusted ReasonCode = "attestation_untrusted"    // attestation present but not trusted
	ReasonSettingUnknown       ReasonCode = "profile_setting_unknown"  // the profile has a value keytier does not know
)

// Reason is one reason a passkey is not admitted. Profile is the id of the
// profile that refuses it ("" for reasons about the whole policy).
type Reason struct {
	Profile string     `json:"profile,omitempty"`
	Code    ReasonCode `json:"code"`
	Message string     `json:"message"`
}

// Decision is a policy's answer for one user and one passkey.
type Decision struct {
	Admitted bool `json:"admitted"`
	// By is the first profile (in passkeyProfiles order) that admits the
	// passkey; nil when it is refused.
	By *ScopedProfile `json:"-"`
	// Profiles are the profiles that apply to the user (ProfilesFor).
	Profiles []ScopedProfile `json:"-"`
	// Reasons, when refused, are every reason: the policy's, then each
	// applicable profile's, in order. Empty when admitted.
	Reasons []Reason `json:"reasons,omitempty"`
}

// Evaluate decides whether the policy admits the passkey described by f for
// the user s: at registration, or for a registered passkey (f.Registered) at
// sign-in.
//
// A passkey is admitted when the policy is enabled, s is in scope
// (ProfilesFor) and the passkey fully satisfies at least one applicable
// profile: "registration and authentication with a passkey are allowed if
// the passkey fully satisfies the requirements of at least one of the scoped
// passkey profiles" (how-to-authentication-passkey-profiles). A profile is
// satisfied when it admits the passkey's type, its key restrictions admit the
// AAGUID, and, at registration, its attestation enforcement is met. A
// profile with a value keytier does not know satisfies nothing.
//
// When the passkey is refused, the Decision lists every reason, from the
// policy and from each applicable profile, so one answer says everything an
// administrator would have to change.
func (p *FIDO2Policy) Evaluate(s Subject, f CredentialFacts) Decision {
	var d Decision
	var policyReasons, profileReasons []Reason
	if p.State != PolicyEnabled {
		msg := "the passkey (FIDO2) method is disabled for the tenant"
		if p.State == "" {
			msg = "the policy does not say it is enabled (state missing)"
		} else if p.State != PolicyDisabled {
			msg = fmt.Sprintf("the policy's state %q is not \"enabled\"", p.State)
		}
		policyReasons = append(policyReasons, Reason{Code: ReasonPolicyDisabled, Message: msg})
	}
	sc := p.scope(s)
	switch {
	case len(sc.excluded) > 0:
		var names []string
		for _, i := range sc.excluded {
			t := p.ExcludeTargets[i]
			names = append(names, describeTarget(t.TargetType, t.ID)+fmt.Sprintf(" (excludeTargets.%d)", i))
		}
		policyReasons = append(policyReasons, Reason{Code: ReasonExcluded,
			Message: "excluded by " + strings.Join(names, ", ") + "; exclusion takes precedence over every include target"})
	case len(sc.included) == 0:
		policyReasons = append(policyReasons, Reason{Code: ReasonNotInScope,
			Message: "no include target covers the user: neither all_users nor any of the user's groups is included"})
	case len(sc.profiles) == 0:
		policyReasons = append(policyReasons, Reason{Code: ReasonNoProfile,
			Message: "the user is included, but the targets that include them assign no existing passkey profile"})
	}
	d.Profiles = sc.profiles
	for i := range d.Profiles {
		rs := d.Profiles[i].Profile.check(f)
		if len(rs) == 0 && d.By == nil {
			d.By = &d.Profiles[i]
		}
		profileReasons = append(profileReasons, rs...)
	}
	d.Admitted = len(policyReasons) == 0 && d.By != nil
	if !d.Admitted {
		d.By = nil
		d.Reasons = append(policyReasons, profileReasons...)
	}
	return d
}

// check returns every reason the profile refuses the passkey; none when it
// admits it.
func (pp PasskeyProfile) check(f CredentialFacts) []Reason {
	var out []Reason
	name := pp.Name
	if name == "" {
		name = pp.ID
	}
	add := func(code ReasonCode, format string, args ...any) {
		out = append(out, Reason{Profile: pp.ID, Code: code, Message: fmt.Sprintf("%q: "+format, append([]any{name}, args...)...)})
	}
	model := f.Authenticator
	if model == "" {
		model = "this authenticator"
	}

	known, unknown := pp.PasskeyTypes.Types()
	admitsType := func(t PasskeyType) bool { return slices.Contains(known, t) }
	switch {
	case len(known) == 0 && len(unknown) == 0:
		add(ReasonTypeNotAllowed, "the profile admits no passkey type")
	case f.Type != "" && !admitsType(f.Type) && len(unknown) > 0:
		add(ReasonSettingUnknown, "passkeyTypes %q has a value keytier does not know, so it cannot tell whether a %s passkey is admitted", pp.PasskeyTypes, f.Type)
	case f.Type != "" && !admitsType(f.Type):
		add(ReasonTypeNotAllowed, "this is a %s passkey and the profile admits only %s", describePasskeyType(f.Type), pp.PasskeyTypes)
	case f.Type == "" && !(admitsType(Synced) && admitsType(DeviceBound)):
		add(ReasonTypeUnknown, "nothing shows whether this passkey is synced or device-bound, and the profile admits only %s", pp.PasskeyTypes)
	}

	if kr := pp.KeyRestrictions; kr != nil && kr.enforced() {
		listed := false
		for _, s := range kr.AAGUIDs {
			if id, err := catalog.ParseAAGUID(s); err == nil && id == f.AAGUID {
				listed = true
				break
			}
		}
		switch kr.EnforcementType {
		case EnforceBlock:
			if listed {
				add(ReasonAAGUIDBlocked, "AAGUID %s (%s) is on the profile's block list", f.AAGUID, model)
			}
		case EnforceAllow:
			if !listed {
				if f.AAGUID == uuid.Nil {
					add(ReasonAAGUIDNotAllowed, "the authenticator does not disclose its AAGUID, and the profile allows only listed AAGUIDs")
				} else {
					add(ReasonAAGUIDNotAllowed, "AAGUID %s (%s) is not on the profile's allow list", f.AAGUID, model)
				}
			}
		default:
			add(ReasonSettingUnknown, "key restrictions are enforced with enforcementType %q, which keytier does not know", kr.EnforcementType)
		}
	}

	switch pp.AttestationEnforcement {
	case "", AttestationNotEnforced:
	case AttestationAtRegistration:
		if f.Registered {
			break
		}
		switch f.Attestation {
		case AttestationTrusted:
		case AttestationUntrusted:
			add(ReasonAttestationUntrusted, "the profile enforces attestation, and this attestation does not chain to a trusted root")
		default:
			add(ReasonAttestationRequired, "the profile enforces attestation, and this passkey presents none%s", syncedNote(f))
		}
	default:
		add(ReasonSettingUnknown, "attestationEnforcement %q is a value keytier does not know", pp.AttestationEnforcement)
	}
	return out
}

func syncedNote(f CredentialFacts) string {
	if f.Type == Synced {
		return " (synced passkeys carry no attestation)"
	}
	return ""
}

func describePasskeyType(t PasskeyType) string {
	if t == DeviceBound {
		return "device-bound"
	}
	return string(t)
}

// ProfileAssurance is the range of NIST SP 800-63B-4 levels the passkeys a
// profile admits can reach, with an admitted passkey at each end.
type ProfileAssurance struct {
	Lowest, Highest                 assurance.Level
	LowestEvidence, HighestEvidence assurance.Evidence
	LowestResult, HighestResult     assurance.Result
	// FloorLimits are the conditions that keep the lowest level below AAL3,
	// one sentence each, in the order of the rule (see Assurance); empty
	// when the floor is AAL3 or the profile admits nothing.
	FloorLimits []string
	// Models is what keytier knows about each AAGUID of an enforced allow
	// list, in list order; nil when no allow list is enforced.
	Models []ModelProtection
	// Why explains the range in order: what the profile admits, the floor's
	// rule, then each end and the rules that cap it.
	Why []string
}

// AALRange returns the lowest and highest assurance level a passkey the
// profile admits can have, with the embedded catalog and no FIDO metadata;
// Assurance says why.
func (pp PasskeyProfile) AALRange() (lowest, highest assurance.Level) {
	a := pp.Assurance()
	return a.Lowest, a.Highest
}

// profileCase is one kind of passkey a profile admits.
type profileCase struct {
	e     assurance.Evidence
	r     assurance.Result
	model string // the listed model it stands for, "" for any model
	// hardwareModel: the case stands for any model that keeps its key in
	// hardware, not for one the profile names.
	hardwareModel bool
}

// Assurance is AssuranceWith the embedded catalog and no FIDO metadata.
func (pp PasskeyProfile) Assurance() ProfileAssurance { return pp.AssuranceWith(Models{}) }

// AssuranceWith classifies every kind of passkey the profile admits and
// returns the lowest and highest result. Each kind's evidence is
// CredentialFacts.Evidence(m), the mapping readiness uses for registered
// passkeys, so a profile's range and the tiers of the passkeys it admitted
// agree. The kinds are the combinations of:
//
//   - syncability: each passkey type the profile admits (unknown too, when
//     passkeyTypes has a value keytier does not know);
//   - user verification, always on. A profile has no setting for it because
//     Entra does not make it optional: "Microsoft Entra ID requires user
//     verification with biometrics or PIN for all FIDO2 authentication
//     attempts" (learn.microsoft.com/entra/identity/authentication/
//     concept-fido2-hardware-vendor, "Attestation requirements"), and the
//     creation options Graph hands out for registration say
//     authenticatorSelection.userVerification "required" ("Currently always
//     required", learn.microsoft.com/graph/api/resources/
//     webauthnauthenticatorselectioncriteria?view=graph-rest-beta). A passkey
//     without user verification would be a single-factor authenticator
//     (AAL1), but Entra neither registers nor accepts one, so no profile
//     admits it and the floor is the one with user verification;
//   - a trusted attestation, or none when the profile does not enforce
//     attestation. Synced passkeys carry no attestation (Entra,
//     how-to-authentication-synced-passkeys), so a synced passkey is never
//     attested, and a profile enforcing attestation admits no synced one;
//   - for an attested passkey, the model: each AAGUID of an enforced allow
//     list, or, with no allow list enforced, any model: one whose key
//     protection is unknown and one that keeps its key in hardware.
//
// The range is of the passkeys that register under the profile as it
// stands. Entra enforces attestation at registration only, so a passkey
// registered before attestation was enforced keeps signing in at its own
// level; readiness classifies each registered passkey for that.
//
// The floor is AAL3 exactly when the profile admits only device-bound
// passkeys, enforces attestation, and enforces an allow list whose every
// AAGUID m knows to be a model with hardware, non-exportable key
// protection (Models.KeyProtection). AAL3 needs a non-exportable key
// (SP 800-63B-4 §2.3.2); a synced key is exportable (Appendix B); without
// attestation the AAGUID is unproven; and without an allow list, or with one
// model of software or unknown key protection on it, some admitted passkey
// may keep its key where it can be copied. FloorLimits names each condition
// that fails. A profile that admits no passkey returns LevelNone for both
// ends.
func (pp PasskeyProfile) AssuranceWith(m Models) ProfileAssurance {
	var out ProfileAssurance
	known, unknown := pp.PasskeyTypes.Types()
	var types []PasskeyType // "" stands for a type keytier does not know
	for _, k := range known {
		if !slices.Contains(types, k) {
			types = append(types, k)
		}
	}
	if len(unknown) > 0 {
		types = append(types, "")
	}
	attested := []bool{false, true}
	switch pp.AttestationEnforcement {
	case AttestationAtRegistration:
		attested = []bool{true}
		out.Why = append(out.Why, "Attestation is enforced at registration, so every passkey it admits is attested. Entra enforces it at registration only: a passkey registered before it was enforced keeps signing in at its own level.")
	case "", AttestationNotEnforced:
		out.Why = append(out.Why, "Attestation is not enforced, so it admits passkeys with and without attestation.")
	default:
		out.Why = append(out.Why, fmt.Sprintf("attestationEnforcement %q is unknown, so keytier assumes passkeys with and without attestation.", pp.AttestationEnforcement))
	}

	// The models an attested passkey can be: the allow list's, or any.
	kr := pp.KeyRestrictions
	allowList := kr != nil && kr.enforced() && kr.EnforcementType == EnforceAllow
	var listed []ModelProtection
	var badAAGUIDs []string
	if allowList {
		for _, s := range kr.AAGUIDs {
			id, err := catalog.ParseAAGUID(s)
			if err != nil {
				badAAGUIDs = append(badAAGUIDs, s)
				continue
			}
			if slices.ContainsFunc(listed, func(mp ModelProtection) bool { return mp.AAGUID == id }) {
				continue
			}
			listed = append(listed, m.KeyProtection(id))
		}
		out.Models = listed
	}

	var cases []profileCase
	add := func(e assurance.Evidence, model string) {
		cases = append(cases, profileCase{e: e, r: assurance.Classify(e), model: model})
	}
	addHardware := func(e assurance.Evidence) {
		e.KeyProtection = assurance.KeyProtectionHardware
		cases = append(cases, profileCase{e: e, r: assurance.Classify(e), hardwareModel: true})
	}
	for _, t := range types {
		for _, att := range attested {
			if t == Synced && att {
				continue // synced passkeys carry no attestation
			}
			f := CredentialFacts{Type: t, Attestation: AttestationAbsent}
			if !att {
				add(f.Evidence(m), "")
				continue
			}
			f.Attestation = AttestationTrusted
			if !allowList {
				// Any model: one keytier knows nothing about, and one that
				// keeps its key in hardware.
				e := f.Evidence(m)
				add(e, "")
				addHardware(e)
				continue
			}
			for _, mp := range listed {
				f.AAGUID = mp.AAGUID
				add(f.Evidence(m), describeModel(mp))
			}
			if len(badAAGUIDs) > 0 {
				f.AAGUID = uuid.Nil
				add(f.Evidence(m), "an AAGUID keytier cannot read")
			}
		}
	}
	if len(cases) == 0 {
		out.Why = append(out.Why, fmt.Sprintf("passkeyTypes %q admits no passkey keytier can classify.", pp.PasskeyTypes))
		return out
	}
	lo, hi := cases[0], cases[0]
	for _, c := range cases[1:] {
		if c.r.AAL < lo.r.AAL {
			lo = c
		}
		if c.r.AAL > hi.r.AAL {
			hi = c
		}
	}
	out.Lowest, out.LowestEvidence, out.LowestResult = lo.r.AAL, lo.e, lo.r
	out.Highest, out.HighestEvidence, out.HighestResult = hi.r.AAL, hi.e, hi.r

	// The floor's rule, condition by condition.
	// With attestation enforced no synced passkey registers (Validate warns
	// about such a profile), so passkeyTypes' synced flag admits none here.
	if slices.Contains(types, Synced) && pp.AttestationEnforcement != AttestationAtRegistration {
		out.FloorLimits = append(out.FloorLimits, "it admits synced passkeys, whose keys are exportable (SP 800-63B-4 Appendix B)")
	}
	if len(unknown) > 0 {
		out.FloorLimits = append(out.FloorLimits, fmt.Sprintf("passkeyTypes %q has a value keytier does not know, which may admit keys that can be exported", pp.PasskeyTypes))
	}
	if pp.AttestationEnforcement != AttestationAtRegistration {
		out.FloorLimits = append(out.FloorLimits, "attestation is not enforced, so a passkey's AAGUID is its own claim and nothing proves where its key is")
	}
	switch {
	case kr == nil || !kr.enforced():
		out.FloorLimits = append(out.FloorLimits, "no AAGUID allow list is enforced, so any model may register, including ones that keep keys in software or whose key protection is unknown")
	case kr.EnforcementType == EnforceBlock:
		out.FloorLimits = append(out.FloorLimits, "its key restrictions are a block list, so any model not on it may register, including ones that keep keys in software or whose key protection is unknown")
	case kr.EnforcementType != EnforceAllow:
		out.FloorLimits = append(out.FloorLimits, fmt.Sprintf("its key restrictions have enforcementType %q, which keytier does not know", kr.EnforcementType))
	default:
		for _, mp := range listed {
			if !mp.NonExportable() {
				kp := string(mp.KeyProtection)
				if kp == "" {
					kp = "unknown"
				}
				out.FloorLimits = append(out.FloorLimits, fmt.Sprintf("allow-listed AAGUID %s has key protection %s: %s", describeModel(mp), kp, mp.Why))
			}
		}
		for _, s := range badAAGUIDs {
			out.FloorLimits = append(out.FloorLimits, fmt.Sprintf("allow-listed AAGUID %q is not an AAGUID keytier can read", s))
		}
	}
	// The rule and Classify must say the same; if they ever part, the
	// cases say why and the floor is not claimed.
	if len(out.FloorLimits) == 0 && out.Lowest < assurance.AAL3 {
		out.FloorLimits = append(out.FloorLimits, "the lowest case is capped by "+strings.Join(failedRules(lo.r), ", "))
	}

	out.Why = slices.Insert(out.Why, 0, fmt.Sprintf("The profile admits %s passkeys.", describeTypes(known, unknown)))
	out.Why = append(out.Why,
		"Entra requires user verification (PIN or biometric) at every passkey registration and sign-in, so each one it admits is multi-factor.")
	if len(out.FloorLimits) == 0 {
		out.Why = append(out.Why, "Floor AAL3: it admits only device-bound passkeys, enforces attestation, and enforces an allow list whose every AAGUID is a model with hardware key protection ("+describeSources(listed)+").")
	} else {
		out.Why = append(out.Why, "Floor below AAL3 because "+strings.Join(out.FloorLimits, "; ")+".")
	}
	out.Why = append(out.Why,
		fmt.Sprintf("Lowest %s: %s.", out.Lowest, describeCase(lo)),
		fmt.Sprintf("Highest %s: %s.", out.Highest, describeCase(hi)))
	return out
}

func describeModel(mp ModelProtection) string {
	if mp.Name == "" {
		return mp.AAGUID.String()
	}
	return fmt.Sprintf("%s (%s)", mp.AAGUID, mp.Name)
}

// describeSources says where the listed models' key protection came from.
func describeSources(listed []ModelProtection) string {
	var catalogN, mdsN int
	for _, mp := range listed {
		if mp.Source == "FIDO MDS" {
			mdsN++
		} else {
			catalogN++
		}
	}
	switch {
	case mdsN == 0:
		return "from keytier's catalog"
	case catalogN == 0:
		return "from FIDO MDS"
	}
	return fmt.Sprintf("%d from FIDO MDS, %d from keytier's catalog", mdsN, catalogN)
}

func describeTypes(known []PasskeyType, unknown []string) string {
	var parts []string
	for _, k := range known {
		parts = append(parts, describePasskeyType(k))
	}
	for _, u := range unknown {
		parts = append(parts, fmt.Sprintf("%q (unknown)", u))
	}
	return strings.Join(parts, " and ")
}

func failedRules(r assurance.Result) []string {
	var capped []string
	for _, st := range r.Trace {
		if st.Outcome == assurance.OutcomeFail {
			capped = append(capped, st.Rule)
		}
	}
	return capped
}

// describeCase names the evidence, the model it stands for, and the rules
// that capped its level.
func describeCase(c profileCase) string {
	e := c.e
	s := e.Syncability.String() + " passkey"
	if e.UserVerified {
		s += " with user verification"
	} else {
		s += " without user verification"
	}
	if e.AttestationTrusted {
		s += ", attested"
	} else {
		s += ", not attested"
	}
	if c.model != "" {
		s += ", " + c.model
	}
	switch {
	case c.hardwareModel:
		s += ", a model that keeps its key in hardware"
	case e.KeyProtection != "":
		s += ", key protection " + string(e.KeyProtection)
	case e.AttestationTrusted:
		s += ", key protection unknown"
	}
	if capped := failedRules(c.r); len(capped) > 0 {
		s += "; capped by " + strings.Join(capped, ", ")
	}
	return s
}

// EffectiveProfiles returns the profiles the policy applies: its
// passkeyProfiles, or, for a policy that predates profiles, the one
// implicit profile its legacy settings make (legacy true; see ProfilesFor).
func (p *FIDO2Policy) EffectiveProfiles() (profiles []PasskeyProfile, legacy bool) {
	if len(p.PasskeyProfiles) > 0 {
		return p.PasskeyProfiles, false
	}
	q := *p
	q.IncludeTargets = []IncludeTarget{{TargetType: TargetGroup, ID: AllUsers}}
	q.ExcludeTargets = nil
	for _, sp := range q.ProfilesFor(Subject{}) {
		profiles = append(profiles, sp.Profile)
	}
	return profiles, true
}

// TargetAssignment is what one include target gives its members.
type TargetAssignment struct {
	// Index is the target's position in IncludeTargets.
	Index int
	// Profiles are the profiles a member of this target, and of nothing
	// else, gets through it (ProfilesFor, keeping what this target brings).
	Profiles []ScopedProfile
	// ByDefault: the target names no allowed profile, so its members get
	// the policy's default profile.
	ByDefault bool
	// ExcludedBy are the positions in ExcludeTargets of the targets that
	// cancel this one: all users, or the same user or group.
	ExcludedBy []int
}

// Assignments says, for each include target, which profiles it brings and
// what excludes it: the policy's routing, as an admin reviews it.
func (p *FIDO2Policy) Assignments() []TargetAssignment {
	out := make([]TargetAssignment, 0, len(p.IncludeTargets))
	for i, t := range p.IncludeTargets {
		a := TargetAssignment{Index: i}
		for j, x := range p.ExcludeTargets {
			if x.ID == AllUsers || (x.ID != "" && strings.EqualFold(x.ID, t.ID) && x.TargetType == t.TargetType) {
				a.ExcludedBy = append(a.ExcludedBy, j)
			}
		}
		alone := Subject{GroupIDs: []string{t.ID}}
		if t.TargetType == TargetUser {
			alone = Subject{UserID: t.ID}
		}
		for _, sp := range p.ProfilesFor(alone) {
			if !slices.ContainsFunc(sp.Targets, func(ref TargetRef) bool { return ref.Index == i }) {
				continue
			}
			a.Profiles = append(a.Profiles, sp)
			a.ByDefault = a.ByDefault || (sp.ByDefault && len(t.AllowedPasskeyProfiles) == 0)
		}
		out = append(out, a)
	}
	return out
}
