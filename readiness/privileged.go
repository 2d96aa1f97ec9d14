package readiness

import (
	"slices"
	"strings"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey"
)

// The privileged-user rule. Entra gives a user every profile of every
// target that includes them, and admits a passkey when it satisfies any
// one of them (how-to-authentication-passkey-profiles), so what the policy
// guarantees a privileged user is the lowest floor among the profiles in
// their scope, not the best. standingUnder decides it once per user, and
// every check that speaks about privileged users reads its answer and
// reports one cause each:
//
//   - KT-FIDO2-004: no profile in scope fits privileged accounts (its
//     floor is AAL3, or only allow-listed models of unsettled key
//     protection hold it below); or, per profile (KT-FIDO2-004/{profile
//     id}), a device-bound profile below AAL3 is in scope beside one that
//     fits.
//   - KT-FIDO2-004/Fido2: a profile in scope is held below AAL3 only by
//     models whose key protection nothing given settles (high).
//   - KT-PRIV-001: a profile in scope lets a synced passkey register.
//   - KT-BG-001 (break-glass accounts) and KT-PRIV-002 judge the passkeys
//     held, not the profiles: held reads the same evidence mapping.
//
// A profile that admits synced passkeys is KT-PRIV-001's alone, whatever
// else it lacks, so no user is reported twice for one profile.

// privilegedStanding is the rule's answer for one privileged user.
type privilegedStanding struct {
	// floor is the lowest floor (passkey.PasskeyProfile.AssuranceWith with
	// Options.Models) among the profiles in scope that can admit a
	// passkey; assurance.LevelNone when none can: no profile in scope, or
	// the passkey method is off.
	floor assurance.Level
	// fit: a profile in scope fits privileged accounts (fitsPrivileged).
	fit bool
	// synced are the profiles in scope that let a synced passkey register
	// (KT-PRIV-001's cause).
	synced []passkey.ScopedProfile
	// weak are the other profiles in scope whose floor is below AAL3 for
	// a reason other than unsettled models: no attestation, no allow list,
	// a software model, an unreadable AAGUID (KT-FIDO2-004's cause).
	weak []passkey.ScopedProfile
	// unsettled are the profiles in scope held below AAL3 only by models
	// of unknown key protection (KT-FIDO2-004/Fido2's cause).
	unsettled []passkey.ScopedProfile
}

// standing is the rule under the tenant's own policy, when the passkey
// method is on; with it off, no profile can admit a passkey.
func (e *env) standing(p *person) privilegedStanding {
	if !e.fido2Enabled() {
		return privilegedStanding{floor: assurance.LevelNone}
	}
	return e.standingUnder(e.fido2, p)
}

// standingUnder is the rule under pol, for fixes that ask about an edited
// copy of the policy or a user moved between groups.
func (e *env) standingUnder(pol *passkey.FIDO2Policy, p *person) privilegedStanding {
	st := privilegedStanding{floor: assurance.LevelNone}
	first := true
	for _, sp := range pol.ProfilesFor(p.subject()) {
		fl := e.floor(sp.Profile)
		if fl.a.Lowest == assurance.LevelNone && fl.a.Highest == assurance.LevelNone {
			continue // admits no passkey: it cannot lower anyone's floor
		}
		if first || fl.a.Lowest < st.floor {
			st.floor = fl.a.Lowest
		}
		first = false
		switch {
		case admitsSyncedRegistration(sp.Profile):
			st.synced = append(st.synced, sp)
		case fl.aal3:
			st.fit = true
		case fl.unsettled != nil:
			st.fit = true
			st.unsettled = append(st.unsettled, sp)
		default:
			st.weak = append(st.weak, sp)
		}
	}
	return st
}

// aal3 reports whether the policy guarantees the user AAL3: every profile
// in scope that admits a passkey has an AAL3 floor.
func (st privilegedStanding) aal3() bool { return st.floor == assurance.AAL3 }

// qualifiedPrivileged reports whether a profile in p's scope under pol is
// fit for privileged accounts (fitsPrivileged) and none below AAL3 other
// than those KT-PRIV-001 and the unsettled finding report: the state a fix
// of KT-FIDO2-004 must reach.
func (e *env) qualifiedPrivileged(pol *passkey.FIDO2Policy, p *person) bool {
	st := e.standingUnder(pol, p)
	return st.fit && len(st.weak) == 0
}

// heldFloor is the rule for the passkeys a privileged user holds, read
// with the evidence mapping the floor uses (passkeyEvidence): the best
// level among them, and the non-synced ones below AAL3 (a synced passkey
// held is KT-PRIV-002's cause).
func (e *env) heldFloor(p *person) (best assurance.Level, below []heldPasskey) {
	best = assurance.LevelNone
	for _, pk := range p.passkeys {
		lvl := e.heldLevel(pk)
		if lvl > best {
			best = lvl
		}
		if pk.facts.Type != passkey.Synced && lvl < assurance.AAL3 {
			below = append(below, pk)
		}
	}
	return best, below
}

func (e *env) heldLevel(pk heldPasskey) assurance.Level {
	return e.cls.result(passkeyEvidence(pk.facts, e.opts.Models)).AAL
}

// profileIn reports whether a scoped list holds the profile id.
func profileIn(list []passkey.ScopedProfile, id string) bool {
	return slices.ContainsFunc(list, func(sp passkey.ScopedProfile) bool { return strings.EqualFold(sp.Profile.ID, id) })
}
