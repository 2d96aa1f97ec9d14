package passkey

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/keytier/keytier/passkey/catalog"
)

// Validate checks the policy's meaning and returns every problem it finds,
// errors and warnings, in document order, each with its JSON path.
//
// Errors: a configuration of another @odata.type; more profiles, targets,
// allowed profiles or AAGUIDs than policy_limits.go allows; a profile without
// an id or passkeyTypes, or with an id used twice; a defaultPasskeyProfile
// that is not among passkeyProfiles; a target without an id, or naming a
// profile that does not exist; an AAGUID that is not in canonical form
// (catalog.ParseAAGUID); enforced key restrictions without a known
// enforcementType; an enforced allow list that is empty (it admits no
// passkey at all).
//
// Warnings: enumeration values keytier does not know (kept, but not
// evaluated: a profile with one admits nothing in Evaluate); a profile that
// enforces attestation and admits synced passkeys (synced passkeys carry no
// attestation, so that profile admits only device-bound ones); an include
// target without allowedPasskeyProfiles in a policy with profiles (keytier
// then applies the default profile); repeated targets, profile references
// and AAGUIDs; the legacy settings beside profiles (Graph ignores them).
// And Entra's documented limits, which the parse limits in policy_limits.go
// leave room above: more than three passkey profiles; a configuration larger
// than the 20 KB Entra allows the whole authentication methods policy; a
// profile id that is not a GUID (targets name profiles in a Guid
// collection); a profile without a name, or with another profile's name.
// Warnings rather than errors: Entra announces more profiles, and keytier
// measures the configuration as it writes it, not as Graph stores it.
//
// Validate works on any FIDO2Policy, including one built in Go before a
// PATCH.
func (p *FIDO2Policy) Validate() []*PolicyError {
	v := &validator{base: p.path}
	p.validate(v)
	return v.out
}

// Warnings returns the warnings Validate finds.
func (p *FIDO2Policy) Warnings() []*PolicyError {
	var out []*PolicyError
	for _, e := range p.Validate() {
		if e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// Entra's documented limits on the FIDO2 configuration, checked as warnings
// (see Validate).
const (
	// entraMaxPasskeyProfiles: "Up to three passkey profiles, including the
	// Default passkey profile, are supported. Support for more passkey
	// profiles is in development." (learn.microsoft.com/entra/identity/
	// authentication/how-to-authentication-passkey-profiles, "Enable passkey
	// profiles").
	entraMaxPasskeyProfiles = 3

	// entraMaxPolicySize: "The Authentication methods policy supports a size
	// limit of 20 KB. You can't save more passkey profiles after the size
	// limit is reached." (same page, "Prerequisites"). The limit is on the
	// whole policy; the FIDO2 configuration is part of it, so when it alone
	// is larger Graph cannot store it. The page measures a file's size in
	// Windows' KB, 1,024 bytes.
	entraMaxPolicySize = 20 << 10
)

type validator struct {
	base string
	out  []*PolicyError
}

func (v *validator) at(parts ...any) string {
	s := make([]string, 0, len(parts)+1)
	s = append(s, v.base)
	for _, p := range parts {
		switch p := p.(type) {
		case int:
			s = append(s, strconv.Itoa(p))
		default:
			s = append(s, fmt.Sprint(p))
		}
	}
	return joinPath(s...)
}

func (v *validator) fail(path, format string, args ...any) {
	v.out = append(v.out, &PolicyError{Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (v *validator) warn(path, format string, args ...any) {
	v.out = append(v.out, &PolicyError{Path: path, Reason: fmt.Sprintf(format, args...), Warning: true})
}

func (p *FIDO2Policy) validate(v *validator) {
	if b, err := p.MarshalJSON(); err == nil && len(b) > entraMaxPolicySize {
		v.warn(v.at(), "the configuration is %d bytes as keytier writes it; Entra stores at most 20 KB (%d bytes) for the whole authentication methods policy, so Graph will refuse it: remove AAGUIDs, targets or profiles", len(b), entraMaxPolicySize)
	}
	if p.ODataType != "" && p.ODataType != FIDO2PolicyODataType {
		v.fail(v.at("@odata.type"), "%q is not a FIDO2 configuration (want %q)", p.ODataType, FIDO2PolicyODataType)
	}
	if p.ID != "" && !strings.EqualFold(p.ID, "fido2") {
		v.warn(v.at("id"), "%q: Graph names the FIDO2 configuration \"Fido2\"", p.ID)
	}
	switch p.State {
	case "", PolicyEnabled, PolicyDisabled:
	default:
		v.warn(v.at("state"), "unknown state %q: keytier treats the policy as not enabled", p.State)
	}
	// A policy is in profile mode when it lists at least one profile; an
	// empty or absent passkeyProfiles leaves the legacy settings in force.
	profiles := len(p.PasskeyProfiles) > 0
	if profiles && p.IsAttestationEnforced != nil && *p.IsAttestationEnforced {
		v.warn(v.at("isAttestationEnforced"), "deprecated and ignored once the policy has passkey profiles: each profile's attestationEnforcement decides")
	}
	if profiles && p.KeyRestrictions != nil && p.KeyRestrictions.enforced() {
		v.warn(v.at("keyRestrictions"), "legacy key restrictions are ignored once the policy has passkey profiles: each profile's keyRestrictions decide")
	}
	if p.KeyRestrictions != nil {
		p.KeyRestrictions.validate(v, "keyRestrictions")
	}

	if len(p.PasskeyProfiles) > MaxPasskeyProfiles {
		v.fail(v.at("passkeyProfiles"), "%d profiles; at most %d accepted", len(p.PasskeyProfiles), MaxPasskeyProfiles)
	} else if len(p.PasskeyProfiles) > entraMaxPasskeyProfiles {
		v.warn(v.at("passkeyProfiles"), "%d profiles; Entra supports up to %d, the default profile included (how-to-authentication-passkey-profiles)", len(p.PasskeyProfiles), entraMaxPasskeyProfiles)
	}
	ids := map[string]int{}
	names := map[string]int{}
	for i, pp := range p.PasskeyProfiles {
		if i >= MaxPasskeyProfiles {
			break
		}
		pp.validate(v, i)
		if name := strings.ToLower(strings.TrimSpace(pp.Name)); name != "" {
			if first, dup := names[name]; dup {
				v.warn(v.at("passkeyProfiles", i, "name"), "%q is also the name of passkeyProfiles.%d: the admin center lists profiles by name, so admins cannot tell them apart when assigning them", pp.Name, first)
			} else {
				names[name] = i
			}
		}
		if pp.ID == "" {
			continue
		}
		key := strings.ToLower(pp.ID)
		if first, dup := ids[key]; dup {
			v.fail(v.at("passkeyProfiles", i, "id"), "profile id %q already used by passkeyProfiles.%d", pp.ID, first)
			continue
		}
		ids[key] = i
	}
	if p.DefaultPasskeyProfile != "" && p.PasskeyProfiles != nil {
		if _, ok := ids[strings.ToLower(p.DefaultPasskeyProfile)]; !ok {
			v.fail(v.at("defaultPasskeyProfile"), "%q is not the id of any passkey profile", p.DefaultPasskeyProfile)
		}
	}

	if len(p.IncludeTargets) > MaxPolicyTargets {
		v.fail(v.at("includeTargets"), "%d targets; at most %d accepted", len(p.IncludeTargets), MaxPolicyTargets)
	}
	seen := map[string]int{}
	for i, t := range p.IncludeTargets {
		if i >= MaxPolicyTargets {
			break
		}
		t.validate(v, i, ids, profiles, p.DefaultPasskeyProfile)
		key := string(t.TargetType) + "/" + strings.ToLower(t.ID)
		if first, dup := seen[key]; dup && t.ID != "" {
			v.warn(v.at("includeTargets", i), "target %q is already included by includeTargets.%d", t.ID, first)
		} else {
			seen[key] = i
		}
	}
	if len(p.ExcludeTargets) > MaxPolicyTargets {
		v.fail(v.at("excludeTargets"), "%d targets; at most %d accepted", len(p.ExcludeTargets), MaxPolicyTargets)
	}
	for i, t := range p.ExcludeTargets {
		if i >= MaxPolicyTargets {
			break
		}
		if t.ID == "" {
			v.fail(v.at("excludeTargets", i, "id"), "an exclude target needs the id of a group")
		}
		validateTargetType(v, t.TargetType, v.at("excludeTargets", i, "targetType"))
	}
}

func validateTargetType(v *validator, tt TargetType, path string) {
	switch tt {
	case "", TargetGroup, TargetUser:
	default:
		v.warn(path, "unknown target type %q: keytier matches no user with it", tt)
	}
}

func (t IncludeTarget) validate(v *validator, i int, ids map[string]int, profiles bool, def string) {
	if t.ID == "" {
		v.fail(v.at("includeTargets", i, "id"), "an include target needs the id of a group or %q", AllUsers)
	}
	validateTargetType(v, t.TargetType, v.at("includeTargets", i, "targetType"))
	if len(t.AllowedPasskeyProfiles) > MaxTargetProfiles {
		v.fail(v.at("includeTargets", i, "allowedPasskeyProfiles"), "%d profiles; at most %d accepted", len(t.AllowedPasskeyProfiles), MaxTargetProfiles)
		return
	}
	if profiles && len(t.AllowedPasskeyProfiles) == 0 {
		if def != "" {
			v.warn(v.at("includeTargets", i, "allowedPasskeyProfiles"), "no passkey profile assigned: keytier applies the default profile %q, which Entra assigns to existing targets on migration", def)
		} else {
			v.warn(v.at("includeTargets", i, "allowedPasskeyProfiles"), "no passkey profile assigned and no defaultPasskeyProfile: members of this target are admitted by no profile")
		}
	}
	refs := map[string]int{}
	for j, id := range t.AllowedPasskeyProfiles {
		path := v.at("includeTargets", i, "allowedPasskeyProfiles", j)
		key := strings.ToLower(id)
		if first, dup := refs[key]; dup {
			v.warn(path, "profile %q is already listed at allowedPasskeyProfiles.%d", id, first)
			continue
		}
		refs[key] = j
		switch _, ok := ids[key]; {
		case !profiles:
			v.fail(path, "refers to passkey profile %q, but the policy has no passkeyProfiles", id)
		case !ok:
			v.fail(path, "refers to passkey profile %q, which is not among passkeyProfiles", id)
		}
	}
}

func (pp PasskeyProfile) validate(v *validator, i int) {
	if pp.ID == "" {
		v.fail(v.at("passkeyProfiles", i, "id"), "a passkey profile needs an id")
	} else if _, err := catalog.ParseAAGUID(pp.ID); err != nil {
		// Graph's own ids are GUIDs (the default profile's is
		// 00000000-0000-0000-0000-000000000001), and include targets name
		// profiles in allowedPasskeyProfiles, a Guid collection
		// (passkeyAuthenticationMethodTarget).
		v.warn(v.at("passkeyProfiles", i, "id"), "%q is not a GUID in 8-4-4-4-12 form: Graph's allowedPasskeyProfiles holds GUIDs, so no target could name this profile", pp.ID)
	}
	if strings.TrimSpace(pp.Name) == "" {
		v.warn(v.at("passkeyProfiles", i, "name"), "no name: Graph requires one (passkeyProfile.name), and the admin center shows profiles by name")
	}
	known, unknown := pp.PasskeyTypes.Types()
	switch {
	case pp.PasskeyTypes == "":
		v.fail(v.at("passkeyProfiles", i, "passkeyTypes"), "required: \"deviceBound\", \"synced\" or \"deviceBound,synced\"")
	case len(unknown) > 0:
		v.warn(v.at("passkeyProfiles", i, "passkeyTypes"), "unknown passkey type %q: keytier admits no passkey through this profile", strings.Join(unknown, ","))
	}
	for j, k := range known {
		for _, earlier := range known[:j] {
			if earlier == k {
				v.warn(v.at("passkeyProfiles", i, "passkeyTypes"), "%q is listed twice", k)
			}
		}
	}
	switch pp.AttestationEnforcement {
	case AttestationNotEnforced, "":
	case AttestationAtRegistration:
		// Synced passkeys carry no attestation (Entra, how-to-authentication-
		// synced-passkeys: "Unattested passkeys, including synced
		// passkeys"), so a profile that enforces attestation can register
		// only device-bound ones whatever passkeyTypes says; the Entra admin
		// center offers only device-bound once attestation is enforced.
		if pp.PasskeyTypes.Allows(Synced) {
			v.warn(v.at("passkeyProfiles", i, "attestationEnforcement"), "attestation is enforced, but synced passkeys carry no attestation: this profile cannot register the synced passkeys its passkeyTypes allow")
		}
	default:
		v.warn(v.at("passkeyProfiles", i, "attestationEnforcement"), "unknown value %q: keytier admits no passkey through this profile", pp.AttestationEnforcement)
	}
	if pp.KeyRestrictions != nil {
		pp.KeyRestrictions.validate(v, "passkeyProfiles", i, "keyRestrictions")
	}
}

func (k *KeyRestrictions) enforced() bool { return k.IsEnforced != nil && *k.IsEnforced }

func (k *KeyRestrictions) validate(v *validator, path ...any) {
	at := func(more ...any) string { return v.at(append(append([]any{}, path...), more...)...) }
	switch k.EnforcementType {
	case EnforceAllow, EnforceBlock:
	case "":
		if k.enforced() {
			v.fail(at("enforcementType"), "key restrictions are enforced but say neither allow nor block")
		}
	default:
		if k.enforced() {
			v.fail(at("enforcementType"), "unknown enforcement type %q: keytier cannot apply it", k.EnforcementType)
		} else {
			v.warn(at("enforcementType"), "unknown enforcement type %q", k.EnforcementType)
		}
	}
	if len(k.AAGUIDs) > MaxRestrictionAAGUIDs {
		v.fail(at("aaGuids"), "%d AAGUIDs; at most %d accepted", len(k.AAGUIDs), MaxRestrictionAAGUIDs)
		return
	}
	if k.enforced() && k.EnforcementType == EnforceAllow && len(k.AAGUIDs) == 0 {
		v.fail(at("aaGuids"), "an enforced allow list without AAGUIDs admits no passkey")
	}
	seen := map[[16]byte]int{}
	for j, s := range k.AAGUIDs {
		id, err := catalog.ParseAAGUID(s)
		if err != nil {
			v.fail(at("aaGuids", j), "%q is not an AAGUID in 8-4-4-4-12 hexadecimal form", s)
			continue
		}
		if first, dup := seen[id]; dup {
			v.warn(at("aaGuids", j), "AAGUID %s is already listed at aaGuids.%d", id, first)
			continue
		}
		seen[id] = j
	}
}
