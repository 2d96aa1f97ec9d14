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
		out = append(out, Reason{Profile: pp.ID, Code: code, Message: fmt.Sprintf("%q: ", name) + fmt.Sprintf(format, args...)})
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
	// Why explains the range in order: what the profile admits, then each
	// end and the rules that cap it.
	Why []string
}

// AALRange returns the lowest and highest assurance level a passkey the
// profile admits can have; Assurance says why.
func (pp PasskeyProfile) AALRange() (lowest, highest assurance.Level) {
	a := pp.Assurance()
	return a.Lowest, a.Highest
}

// Assurance classifies, with assurance.Classify, every kind of passkey the
// profile admits and returns the lowest and highest result. The kinds are
// the combinations of:
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
//   - key protection unknown, or hardware when attested (FIDO MDS says it
//     only for an attested model).
//
// So a profile admitting only synced passkeys reads AAL2 to AAL2, and one
// admitting device-bound passkeys AAL2 to AAL3: with attestation enforced
// too, since an attested model's metadata may name software key protection,
// or none, and only a hardware-backed key is non-exportable (AAL3). A
// profile that admits no passkey returns LevelNone for both.
func (pp PasskeyProfile) Assurance() ProfileAssurance {
	var out ProfileAssurance
	known, unknown := pp.PasskeyTypes.Types()
	var syncs []assurance.Syncability
	for _, k := range known {
		if k == Synced {
			syncs = append(syncs, assurance.Syncable)
		} else {
			syncs = append(syncs, assurance.DeviceBound)
		}
	}
	if len(unknown) > 0 {
		syncs = append(syncs, assurance.SyncabilityUnknown)
	}
	attested := []bool{false, true}
	switch pp.AttestationEnforcement {
	case AttestationAtRegistration:
		attested = []bool{true}
		out.Why = append(out.Why, "Attestation is enforced at registration, so every passkey it admits is attested.")
	case "", AttestationNotEnforced:
		out.Why = append(out.Why, "Attestation is not enforced, so it admits passkeys with and without attestation.")
	default:
		out.Why = append(out.Why, fmt.Sprintf("attestationEnforcement %q is unknown, so keytier assumes passkeys with and without attestation.", pp.AttestationEnforcement))
	}
	first := true
	for _, sy := range slices.Compact(syncs) {
		for _, att := range attested {
			if sy == assurance.Syncable && att {
				continue // synced passkeys carry no attestation
			}
			protections := []assurance.KeyProtection{assurance.KeyProtectionUnknown}
			if att {
				protections = append(protections, assurance.KeyProtectionHardware)
			}
			for _, kp := range protections {
				// UserVerified: Entra requires it (see above).
				e := assurance.Evidence{Method: assurance.MethodPasskey, UserVerified: true, Syncability: sy, AttestationTrusted: att, KeyProtection: kp}
				r := assurance.Classify(e)
				if first || r.AAL < out.Lowest {
					out.Lowest, out.LowestEvidence, out.LowestResult = r.AAL, e, r
				}
				if first || r.AAL > out.Highest {
					out.Highest, out.HighestEvidence, out.HighestResult = r.AAL, e, r
				}
				first = false
			}
		}
	}
	if first {
		out.Why = append(out.Why, fmt.Sprintf("passkeyTypes %q admits no passkey keytier can classify.", pp.PasskeyTypes))
		return out
	}
	out.Why = slices.Insert(out.Why, 0, fmt.Sprintf("The profile admits %s passkeys.", describeTypes(known, unknown)))
	out.Why = append(out.Why,
		"Entra requires user verification (PIN or biometric) at every passkey registration and sign-in, so each one it admits is multi-factor.",
		fmt.Sprintf("Lowest %s: %s.", out.Lowest, describeCase(out.LowestEvidence, out.LowestResult)),
		fmt.Sprintf("Highest %s: %s.", out.Highest, describeCase(out.HighestEvidence, out.HighestResult)))
	return out
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

// describeCase names the evidence and the rules that capped its level.
func describeCase(e assurance.Evidence, r assurance.Result) string {
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
	if e.KeyProtection != "" {
		s += ", key protection " + string(e.KeyProtection)
	}
	var capped []string
	for _, st := range r.Trace {
		if st.Outcome == assurance.OutcomeFail {
			capped = append(capped, st.Rule)
		}
	}
	if len(capped) > 0 {
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
