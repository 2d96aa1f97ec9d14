package readiness

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/catalog"
)

func checkFIDO2Enabled(e *env, c *Check) []Finding {
	if e.fido2Enabled() {
		return nil
	}
	f := c.finding("")
	state := "missing"
	f.Title = "The passkey (FIDO2) method configuration is missing"
	if e.fido2Conf != nil {
		state = e.fido2Conf.State
		f.Title = "The passkey (FIDO2) method is " + state
		if e.fido2 == nil {
			state = "unreadable"
			f.Title = "The passkey (FIDO2) method configuration cannot be read (KT-FIDO2-000)"
		}
	}
	f.Admin = fmt.Sprintf("The Fido2 method configuration is %s: nobody can register or sign in with a passkey, so no user can reach phishing-resistant AAL2 or AAL3 with one.", state)
	f.Plain = "Passkeys are switched off for your organisation, so you cannot sign in with your face, fingerprint or security key yet."
	f.Remediation = Remediation{
		Description:  "Enable the passkey (FIDO2) method, then target it with passkey profiles per group (KT-FIDO2-003).",
		GraphRequest: configPatch(configFIDO2, passkey.FIDO2PolicyODataType, map[string]any{"state": "enabled"}),
	}
	return []Finding{f}
}

func checkSelfService(e *env, c *Check) []Finding {
	// Absent means Graph did not report it; its default is true.
	if e.fido2 == nil || e.fido2.IsSelfServiceRegistrationAllowed == nil || *e.fido2.IsSelfServiceRegistrationAllowed {
		return nil
	}
	f := c.finding("")
	f.Title = "Users cannot register passkeys themselves"
	f.Admin = "isSelfServiceRegistrationAllowed is false: users cannot add a passkey in My Security Info, so every passkey must be provisioned by an administrator and the registration campaign cannot succeed."
	f.Plain = "You cannot add a passkey to your account yourself yet; the IT team has to do it for you."
	f.Remediation = Remediation{
		Description:  "Allow self-service set-up; restrict what may be registered with passkey profiles, not by blocking registration.",
		GraphRequest: configPatch(configFIDO2, passkey.FIDO2PolicyODataType, map[string]any{"isSelfServiceRegistrationAllowed": true}),
	}
	return []Finding{f}
}

func checkProfilesMigrated(e *env, c *Check) []Finding {
	if e.fido2 == nil {
		return nil
	}
	p := e.fido2
	f := c.finding("")
	if len(p.PasskeyProfiles) == 0 {
		f.Title = "The passkey policy has no passkey profiles"
		f.Admin = "The passkey policy has no passkey profiles: its legacy tenant-wide settings (isAttestationEnforced, keyRestrictions) apply to everyone alike, and synced passkeys cannot be admitted at all. Entra migrates tenants to profiles (message center MC1221452)."
		f.Plain = "Everyone gets the same passkey rules today; soon admins and everyone else will get rules that fit them."
		e.fixMigrateToProfiles(&f)
		return []Finding{f}
	}
	for _, t := range p.IncludeTargets {
		for _, id := range t.AllowedPasskeyProfiles {
			if !strings.EqualFold(id, p.DefaultPasskeyProfile) {
				return nil
			}
		}
	}
	f.Title = "Every passkey target uses only the default profile"
	f.Admin = "The policy was migrated to passkey profiles but every target uses only the default profile, so administrators and the workforce get the same rules."
	f.Plain = "Everyone gets the same passkey rules; admins should get stricter ones."
	e.fixProfilesPerGroup(&f)
	return []Finding{f}
}

// fixMigrateToProfiles writes the migration to passkey profiles as Entra
// performs it — a default profile carrying the legacy settings, with
// Entra's id, assigned to every existing target — plus a device-bound,
// attested profile that replaces it on the groups made only of privileged
// accounts, so that the policy has profiles per group.
func (e *env) fixMigrateToProfiles(f *Finding) {
	f.Remediation.Description = "Opt in to passkey profiles in Entra ID > Authentication methods > Passkey (FIDO2); Entra creates the default profile from the legacy settings. Then add a device-bound profile for privileged accounts and a synced profile for the workforce, each assigned to its group."
	x := e.newFIDO2Fix()
	if x == nil {
		return
	}
	legacy := x.p
	def := passkey.PasskeyProfile{
		ID: defaultProfileID, Name: "Default passkey profile",
		PasskeyTypes:           passkey.PasskeyTypes(passkey.DeviceBound),
		AttestationEnforcement: passkey.AttestationNotEnforced,
		KeyRestrictions:        &passkey.KeyRestrictions{IsEnforced: ptr(false), EnforcementType: passkey.EnforceAllow, AAGUIDs: []string{}},
	}
	if legacy.IsAttestationEnforced != nil && *legacy.IsAttestationEnforced {
		def.AttestationEnforcement = passkey.AttestationAtRegistration
	}
	if legacy.KeyRestrictions != nil {
		def.KeyRestrictions = legacy.KeyRestrictions
	}
	// Graph ignores the legacy settings once the policy has profiles; the
	// default profile carries them on.
	x.p.IsAttestationEnforced, x.p.KeyRestrictions = nil, nil
	x.p.PasskeyProfiles = []passkey.PasskeyProfile{def}
	x.p.DefaultPasskeyProfile = defaultProfileID
	x.profiles, x.targets = true, true
	for i := range x.p.IncludeTargets {
		x.p.IncludeTargets[i].AllowedPasskeyProfiles = []string{defaultProfileID}
	}
	cover := e.groupCover(e.privileged(), isPrivileged)
	privileged := ""
	if cover != nil {
		privileged = x.privilegedProfile()
		for _, g := range cover {
			if privileged != "" {
				x.allow(g.ID, privileged, true)
			}
		}
	}
	req := x.patch()
	if req == nil {
		return
	}
	f.Remediation.Description = "Migrate to passkey profiles as Entra's opt-in does: a default profile (Entra's id " + defaultProfileID + ") with the legacy settings, assigned to every existing target."
	if privileged != "" {
		f.Groups = groupNames(cover)
		f.Remediation.Description += fmt.Sprintf(" The groups made only of privileged accounts (%s) get a device-bound profile with attestation enforced and an AAGUID allow list instead: %s", strings.Join(f.Groups, ", "), newProfileNote)
	}
	f.Remediation.Description += " The workforce's synced profile is KT-FIDO2-005's fix." + x.cleanedNote()
	f.Remediation.setRequests(req)
}

// newProfileNote explains the allow list of a device-bound profile keytier
// proposes.
const newProfileNote = "its allow list holds the models of the attested device-bound passkeys privileged users hold today (else keytier's catalog of hardware security keys); compare it with the keys you issue (keytier policy allowlist builds one from FIDO metadata) before sending."

// fixProfilesPerGroup assigns a device-bound, attested profile to the
// groups made only of privileged accounts, in place of the default profile.
func (e *env) fixProfilesPerGroup(f *Finding) {
	f.Remediation.Description = "Add a device-bound profile (attestation enforced, AAGUID allow list) assigned to the privileged accounts' group and a synced or mixed profile assigned to the workforce groups (how-to-authentication-passkey-profiles). keytier writes no request: no group holds only privileged accounts; create one first."
	x := e.newFIDO2Fix()
	cover := e.groupCover(e.privileged(), isPrivileged)
	if x == nil || cover == nil {
		return
	}
	id := x.privilegedProfile()
	if id == "" || strings.EqualFold(id, x.p.DefaultPasskeyProfile) {
		return
	}
	for _, g := range cover {
		x.allow(g.ID, id, true)
	}
	req := x.patch()
	if req == nil {
		return
	}
	f.Groups = groupNames(cover)
	f.Remediation.Description = fmt.Sprintf("Assign the groups made only of privileged accounts (%s) a device-bound profile with attestation enforced and an AAGUID allow list in place of the default profile", strings.Join(f.Groups, ", "))
	if x.profiles {
		f.Remediation.Description += "; the profile is new: " + newProfileNote
	} else {
		f.Remediation.Description += "."
	}
	f.Remediation.Description += " The workforce keeps the default profile until it gets a synced one (KT-FIDO2-005)." + x.cleanedNote()
	f.Remediation.setRequests(req)
}

// privilegedFloor is what a profile guarantees a privileged account, read
// from passkey.PasskeyProfile.AssuranceWith with the audit's Models, so
// that readiness and `keytier policy check` cannot disagree.
type privilegedFloor struct {
	// aal3: every passkey the profile admits reaches AAL3 (FloorLimits is
	// empty): device-bound only, attestation enforced, and an enforced
	// allow list whose every model is known to keep its keys in hardware.
	aal3 bool
	// unsettled are the allow-listed models whose key protection nothing
	// settles (neither the catalog nor the FIDO metadata given), when they
	// are all that keeps the floor below AAL3; nil otherwise.
	unsettled []passkey.ModelProtection
	// a is the classification the floor comes from.
	a passkey.ProfileAssurance
}

// floor classifies pp for privileged accounts. The answer for a profile
// with the settings AssuranceWith reads is kept: the checks ask about the
// tenant's few profiles once per privileged user, and fixes about edited
// copies.
func (e *env) floor(pp passkey.PasskeyProfile) privilegedFloor {
	for _, c := range e.floors {
		if sameFloorSettings(c.pp, pp) {
			return c.fl
		}
	}
	fl := e.classifyFloor(pp)
	if len(e.floors) < 16 {
		e.floors = append(e.floors, cachedFloor{pp, fl})
	}
	return fl
}

// sameFloorSettings reports whether a and b agree on what AssuranceWith
// reads: passkeyTypes, attestationEnforcement and key restrictions.
func sameFloorSettings(a, b passkey.PasskeyProfile) bool {
	if a.PasskeyTypes != b.PasskeyTypes || a.AttestationEnforcement != b.AttestationEnforcement {
		return false
	}
	ka, kb := a.KeyRestrictions, b.KeyRestrictions
	if ka == nil || kb == nil {
		return ka == nil && kb == nil
	}
	return (ka.IsEnforced == nil) == (kb.IsEnforced == nil) && (ka.IsEnforced == nil || *ka.IsEnforced == *kb.IsEnforced) &&
		ka.EnforcementType == kb.EnforcementType && slices.Equal(ka.AAGUIDs, kb.AAGUIDs)
}

func (e *env) classifyFloor(pp passkey.PasskeyProfile) privilegedFloor {
	a := pp.AssuranceWith(e.opts.Models)
	out := privilegedFloor{a: a, aal3: len(a.FloorLimits) == 0 && a.Lowest == assurance.AAL3}
	if out.aal3 {
		return out
	}
	var unknown []passkey.ModelProtection
	for _, mp := range a.Models {
		if mp.KeyProtection == assurance.KeyProtectionUnknown {
			unknown = append(unknown, mp)
		}
	}
	// AssuranceWith gives each allow-listed model it cannot show to be
	// hardware one FloorLimits sentence; when the unknown ones account for
	// them all, nothing else (synced passkeys, no attestation, no list, a
	// software model, a malformed AAGUID) holds the floor down.
	if len(unknown) > 0 && len(unknown) == len(a.FloorLimits) {
		out.unsettled = unknown
	}
	return out
}

// fitsPrivileged reports whether a profile is fit for privileged accounts
// as far as its settings go: its floor is AAL3, or only allow-listed
// models of unknown key protection keep it below (a lesser finding, which
// FIDO metadata may settle). It is the profile form of EIDSCA.AF03…AF06.
func (e *env) fitsPrivileged(pp passkey.PasskeyProfile) bool {
	fl := e.floor(pp)
	return fl.aal3 || fl.unsettled != nil
}

// admitsSyncedRegistration reports whether a profile lets a synced passkey
// be registered: it admits the synced type, does not enforce attestation
// (synced passkeys carry none, how-to-authentication-synced-passkeys), and
// its key restrictions leave some synced provider in.
func admitsSyncedRegistration(pp passkey.PasskeyProfile) bool {
	if !pp.PasskeyTypes.Allows(passkey.Synced) || pp.AttestationEnforcement == passkey.AttestationAtRegistration {
		return false
	}
	kr := pp.KeyRestrictions
	if kr == nil || kr.IsEnforced == nil || !*kr.IsEnforced || kr.EnforcementType != passkey.EnforceAllow {
		return true // no list, or a block list: some synced provider remains
	}
	for _, s := range kr.AAGUIDs {
		if a, err := catalog.ParseAAGUID(s); err == nil {
			if en, ok := catalog.Lookup(a); ok && en.Kind == catalog.KindSyncedProvider {
				return true
			}
		}
	}
	return false
}

// targetGroups returns the names of the groups among the targets that
// brought a scoped profile in.
func (e *env) targetGroups(sp passkey.ScopedProfile) []string {
	var out []string
	for _, t := range sp.Targets {
		if t.Target.ID == passkey.AllUsers {
			out = append(out, "all users")
			continue
		}
		if t.Target.TargetType == passkey.TargetGroup || t.Target.TargetType == "" {
			out = append(out, e.groupName(t.Target.ID))
		}
	}
	return out
}

func checkPrivilegedProfile(e *env, c *Check) []Finding {
	var uncovered []*person
	// The privileged users with a profile in scope held below AAL3 only by
	// models of unknown key protection, and those profiles.
	var unsettledWho []*person
	var unsettled []passkey.PasskeyProfile
	// The device-bound profiles below AAL3 in scope of privileged users
	// who have a fitting profile too, and who they are, by profile id.
	var weak []passkey.PasskeyProfile
	weakWho := map[string][]*person{}
	for _, p := range e.privileged() {
		st := e.standing(p)
		if !st.fit {
			uncovered = append(uncovered, p)
		}
		if st.fit {
			for _, sp := range st.weak {
				id := strings.ToLower(sp.Profile.ID)
				if _, ok := weakWho[id]; !ok {
					weak = append(weak, sp.Profile)
				}
				weakWho[id] = append(weakWho[id], p)
			}
		}
		if len(st.unsettled) > 0 {
			unsettledWho = append(unsettledWho, p)
			for _, sp := range st.unsettled {
				if !slices.ContainsFunc(unsettled, func(q passkey.PasskeyProfile) bool { return strings.EqualFold(q.ID, sp.Profile.ID) }) {
					unsettled = append(unsettled, sp.Profile)
				}
			}
		}
	}
	var out []Finding
	var weakUsers []*person
	for _, pp := range weak {
		for _, p := range weakWho[strings.ToLower(pp.ID)] {
			if !slices.Contains(weakUsers, p) {
				weakUsers = append(weakUsers, p)
			}
		}
	}
	if len(uncovered) > 0 || len(weakUsers) > 0 {
		f := c.finding("")
		all := append(slices.Clone(uncovered), weakUsers...)
		f.Users = upns(all)
		n := len(all)
		switch {
		case len(weakUsers) == 0:
			f.Title = fmt.Sprintf("%s %s no device-bound, attested passkey profile", count(n, "privileged user", "privileged users"), verb(n, "has", "have"))
			f.Admin = fmt.Sprintf("%s %s a privileged role but no passkey profile in their scope admits only device-bound passkeys with attestation enforced and an enforced allow list of hardware models. Their passkeys cannot be shown to be non-exportable hardware keys, which AAL3 requires (SP 800-63B-4 §2.3.2).", count(n, "privileged user", "privileged users"), verb(n, "holds", "hold"))
		default:
			names := make([]string, len(weak))
			for i, pp := range weak {
				names[i] = fmt.Sprintf("%q (floor %s: %s)", pp.Name, e.floor(pp).a.Lowest, strings.Join(e.floor(pp).a.FloorLimits, " "))
			}
			f.Title = fmt.Sprintf("%s %s a device-bound passkey profile below AAL3 in scope", count(n, "privileged user", "privileged users"), verb(n, "has", "have"))
			f.Admin = fmt.Sprintf("%s %s a device-bound passkey profile below AAL3 in scope: %s. Entra gives a user every profile of every target that includes them and admits a passkey that satisfies any one (how-to-authentication-passkey-profiles), so the lowest floor in scope is what the account is guaranteed, whatever other profile they have; AAL3 needs a non-exportable key (SP 800-63B-4 §2.3.2).",
				count(n, "privileged user", "privileged users"), verb(n, "has", "have"), strings.Join(names, "; "))
			if len(uncovered) > 0 {
				f.Admin += fmt.Sprintf(" %s of them %s no profile fit for privileged accounts at all.", count(len(uncovered), "privileged user", "privileged users"), verb(len(uncovered), "has", "have"))
			}
		}
		f.Plain = "Your admin account is not yet required to use a company-approved security key or device-bound passkey."
		if len(weak) == 0 {
			e.fixPrivilegedProfile(&f, uncovered)
		} else {
			e.fixWeakProfiles(&f, weak, weakUsers, uncovered)
		}
		out = append(out, f)
	}
	if len(unsettled) > 0 {
		sort.SliceStable(unsettled, func(i, j int) bool { return unsettled[i].ID < unsettled[j].ID })
		out = append(out, e.unsettledFinding(c, unsettled, unsettledWho))
	}
	return out
}

// fixWeakProfiles takes the device-bound profiles below AAL3 off the
// targets that bring them to privileged users who have a profile fit for
// them — when each such target is a group made only of privileged accounts
// and keeps another profile — and, for uncovered, assigns such groups a
// profile fit for them in place of what they had, all in one PATCH, written
// only when every one of them is then held to the rule. Otherwise the
// administrator decides.
func (e *env) fixWeakProfiles(f *Finding, weak []passkey.PasskeyProfile, weakUsers, uncovered []*person) {
	names := make([]string, len(weak))
	for i, pp := range weak {
		names[i] = fmt.Sprintf("%q", pp.Name)
	}
	f.Remediation.Description = fmt.Sprintf("Take %s out of these privileged accounts' scope: off the targets that bring it to them, or the accounts out of those groups (separate admin accounts); keep them in the group that assigns the profile fit for privileged accounts.", strings.Join(names, ", "))
	x := e.newFIDO2Fix()
	if x == nil {
		return
	}
	var groups []string
	for _, p := range weakUsers {
		for _, sp := range e.fido2.ProfilesFor(p.subject()) {
			if !slices.ContainsFunc(weak, func(pp passkey.PasskeyProfile) bool { return strings.EqualFold(pp.ID, sp.Profile.ID) }) {
				continue
			}
			for _, t := range sp.Targets {
				g, ok := e.s.GroupByID(t.Target.ID)
				if !ok || len(e.s.MembersOf(g.ID)) == 0 || slices.ContainsFunc(e.s.MembersOf(g.ID), func(u *graphadapter.User) bool { return notPrivileged(e.byID[u.ID]) && e.byID[u.ID] != nil }) {
					f.Remediation.Description += fmt.Sprintf(" keytier writes no request: %s gets %q through a target that is not a group made only of privileged accounts (%s).", p.upn(), sp.Profile.Name, e.groupName(t.Target.ID))
					return
				}
				tt := x.target(g.ID)
				var kept []string
				if tt != nil {
					kept = slices.DeleteFunc(slices.Clone(tt.AllowedPasskeyProfiles), func(id string) bool { return strings.EqualFold(id, sp.Profile.ID) })
				}
				if len(kept) == 0 {
					f.Remediation.Description += fmt.Sprintf(" keytier writes no request: the target of %s has no other profile to keep.", g.DisplayName)
					return
				}
				tt.AllowedPasskeyProfiles = kept
				x.targets = true
				groups = append(groups, g.DisplayName)
			}
		}
	}
	if len(uncovered) > 0 {
		cover := e.groupCover(uncovered, isPrivileged)
		id := ""
		if cover != nil {
			id = x.privilegedProfile()
		}
		if id == "" {
			f.Remediation.Description += " keytier writes no request: " + verb(len(uncovered), "one of them has", "some of them have") + " no profile fit for privileged accounts and no group made only of privileged accounts holds them."
			return
		}
		for _, g := range cover {
			x.allow(g.ID, id, true)
			groups = append(groups, g.DisplayName)
		}
	}
	all := append(slices.Clone(weakUsers), uncovered...)
	if slices.ContainsFunc(all, func(p *person) bool { return !e.qualifiedPrivileged(&x.p, p) }) {
		return
	}
	req := x.patch()
	if req == nil {
		return
	}
	f.Groups = sortedUnique(groups)
	f.Remediation.Description = fmt.Sprintf("Take %s off the passkey targets of %s, groups made only of privileged accounts, so that the profile fit for privileged accounts is the only one in their scope.", strings.Join(names, ", "), strings.Join(f.Groups, ", "))
	if x.profiles {
		f.Remediation.Description += " The profile is new: " + newProfileNote
	}
	f.Remediation.Description += x.cleanedNote()
	f.Remediation.setRequests(req)
}

// unsettledFinding reports the profiles fit for privileged accounts in
// every setting whose floor is still AAL2 because their allow lists name
// models whose key protection nothing given settles (a platform
// authenticator such as Windows Hello has hardware and software variants).
// It is less severe than a profile that admits synced or unattested
// passkeys: every passkey such a profile admits is device-bound and
// attested, and FIDO metadata may show the models to be hardware. who are
// the privileged users with no profile in scope whose floor is AAL3.
func (e *env) unsettledFinding(c *Check, profiles []passkey.PasskeyProfile, who []*person) Finding {
	var models []passkey.ModelProtection
	names := make([]string, len(profiles))
	for i, pp := range profiles {
		names[i] = fmt.Sprintf("%q", pp.Name)
		for _, mp := range e.floor(pp).unsettled {
			if !slices.ContainsFunc(models, func(m passkey.ModelProtection) bool { return m.AAGUID == mp.AAGUID }) {
				models = append(models, mp)
			}
		}
	}
	listed := make([]string, len(models))
	reasons := make([]string, len(models))
	for i, mp := range models {
		listed[i], reasons[i] = mp.AAGUID.String(), mp.AAGUID.String()+": "+mp.Why
		if mp.Name != "" {
			listed[i] += " (" + mp.Name + ")"
			reasons[i] = mp.Name + ": " + mp.Why
		}
	}
	unsettledModel := func(a uuid.UUID) bool {
		return slices.ContainsFunc(models, func(mp passkey.ModelProtection) bool { return mp.AAGUID == a })
	}
	f := c.finding(configFIDO2)
	f.Severity = SeverityHigh
	f.Users = upns(who)
	f.Title = fmt.Sprintf("%s %s no profile whose floor is AAL3: %s of unknown key protection %s on the allow list", count(len(who), "privileged user", "privileged users"), verb(len(who), "has", "have"), count(len(models), "model", "models"), verb(len(models), "is", "are"))
	f.Admin = fmt.Sprintf("%s %s in scope of %s, which %s only device-bound passkeys and %s attestation and an allow list, but no profile in their scope guarantees AAL3: the allow list names %s, whose key protection keytier cannot settle (%s). AAL3 needs a non-exportable key (SP 800-63B-4 §2.3.2), so the floor is %s, as keytier policy check reports (passkey.PasskeyProfile.AssuranceWith).",
		count(len(who), "privileged user", "privileged users"), verb(len(who), "is", "are"), strings.Join(names, ", "), verb(len(profiles), "admits", "admit"), verb(len(profiles), "enforces", "enforce"), strings.Join(listed, ", "), strings.Join(reasons, "; "), e.floor(profiles[0]).a.Lowest)
	f.Plain = "Your admin account may register a kind of passkey that is not shown to keep its key in tamper-resistant hardware."
	f.Remediation.Description = fmt.Sprintf("Settle the key protection of %s with FIDO metadata: give the audit an MDS3 BLOB (keytier audit --mds, readiness Options.Models.MDS), the authority on where a model keeps its keys; or take them off the allow list of %s.", strings.Join(listed, ", "), strings.Join(names, ", "))
	x := e.newFIDO2Fix()
	if x == nil {
		return f
	}
	var staying []uuid.UUID // the models left on the edited lists
	for _, pp := range profiles {
		i := x.profile(func(q passkey.PasskeyProfile) bool { return strings.EqualFold(q.ID, pp.ID) })
		if i < 0 || x.p.PasskeyProfiles[i].KeyRestrictions == nil {
			return f
		}
		q := &x.p.PasskeyProfiles[i]
		kr := *q.KeyRestrictions
		kr.AAGUIDs = slices.DeleteFunc(slices.Clone(kr.AAGUIDs), func(s string) bool {
			a, err := catalog.ParseAAGUID(s)
			return err == nil && unsettledModel(a)
		})
		if len(kr.AAGUIDs) == 0 {
			f.Remediation.Description += fmt.Sprintf(" keytier writes no request to take them off: no other model is on the list of %q, and an enforced allow list cannot be empty; add the security keys you issue first.", pp.Name)
			return f
		}
		q.KeyRestrictions = &kr
		for _, s := range kr.AAGUIDs {
			if a, err := catalog.ParseAAGUID(s); err == nil {
				staying = append(staying, a)
			}
		}
		if !e.floor(*q).aal3 {
			return f
		}
	}
	x.profiles = true
	req := x.patch()
	if req == nil {
		return f
	}
	f.Remediation.Description += " The PATCH sends passkeyProfiles with them taken off; the other models stay." + x.cleanedNote()
	// Entra applies key restrictions at sign-in too, so a passkey of a
	// model taken off the list stops working for whoever gets the profile.
	for _, p := range e.privileged() {
		if !slices.ContainsFunc(e.fido2.ProfilesFor(p.subject()), func(sp passkey.ScopedProfile) bool {
			return slices.ContainsFunc(profiles, func(pp passkey.PasskeyProfile) bool { return strings.EqualFold(sp.Profile.ID, pp.ID) })
		}) {
			continue
		}
		keeps := slices.ContainsFunc(p.passkeys, func(pk heldPasskey) bool {
			return pk.facts.Type == passkey.DeviceBound && pk.facts.Attestation == passkey.AttestationTrusted && slices.Contains(staying, pk.facts.AAGUID)
		})
		if i := slices.IndexFunc(p.passkeys, func(pk heldPasskey) bool { return unsettledModel(pk.facts.AAGUID) }); i >= 0 && !keeps {
			f.Remediation.Prerequisites = append(f.Remediation.Prerequisites, Prerequisite{User: p.upn(), Step: StepRegisterDeviceBoundPasskey,
				Reason: "the PATCH takes " + p.passkeys[i].facts.AAGUID.String() + " off the allow list and Entra applies key restrictions at sign-in too: register a key of a model that stays on it first"})
		}
	}
	if n := len(f.Remediation.Prerequisites); n > 0 {
		f.Remediation.Description += fmt.Sprintf(" Entra applies key restrictions at sign-in too: %s %s a passkey of a model taken off and must register another first (Prerequisites).", count(n, "privileged user", "privileged users"), verb(n, "holds", "hold"))
	}
	f.Remediation.setRequests(req)
	return f
}

// fixPrivilegedProfile brings who into the scope of a profile fit for
// privileged accounts, in this order of preference: assign such a profile
// (an existing one, or a new one) to groups made only of privileged
// accounts that together hold them all — a policy change that moves no
// one; else add them to a group whose target already assigns one, when
// joining it changes nothing else (membershipChangeSafe: no group that
// Conditional Access excludes, none that grants a role); else leave the
// choice of a group to the administrator.
func (e *env) fixPrivilegedProfile(f *Finding, who []*person) {
	if !e.fido2Enabled() {
		f.Remediation.Description = "Enable the passkey (FIDO2) method (KT-FIDO2-001), then assign the privileged accounts' group a passkey profile with passkeyTypes \"deviceBound\", attestationEnforcement \"registrationOnly\" and an enforced allow list of the security keys you issue."
		return
	}
	if cover := e.groupCover(who, isPrivileged); cover != nil {
		x := e.newFIDO2Fix()
		if id := x.privilegedProfile(); id != "" {
			// The groups hold only privileged accounts: the profile
			// replaces whatever their targets assigned, so that no weaker
			// profile stays beside it (the privileged rule's lowest floor).
			for _, g := range cover {
				x.allow(g.ID, id, true)
			}
			fixed := !slices.ContainsFunc(who, func(p *person) bool { return !e.qualifiedPrivileged(&x.p, p) })
			if req := x.patch(); fixed && req != nil {
				f.Groups = groupNames(cover)
				f.Remediation.Description = fmt.Sprintf("Assign a device-bound profile with attestation enforced and an AAGUID allow list to %s, %s", strings.Join(f.Groups, ", "), verb(len(cover), "the group made only of privileged accounts that holds these users", "the groups made only of privileged accounts that hold these users"))
				if x.profiles {
					f.Remediation.Description += "; the profile is new: " + newProfileNote
				} else {
					f.Remediation.Description += "."
				}
				f.Remediation.Description += x.cleanedNote()
				f.Remediation.setRequests(req)
				return
			}
		}
	}
	if g, profile := e.privilegedCarrier(who); g != nil {
		f.Groups = []string{g.DisplayName}
		f.Remediation.Description = fmt.Sprintf("Add these users to %q, whose passkey target assigns the profile %q; joining it changes no Conditional Access policy, role or other method that applies to them (POST /groups/{id}/members/$ref for one user, PATCH /groups/{id} with members@odata.bind for up to %d at a time).", g.DisplayName, profile, MaxMembersPerRequest)
		f.Remediation.setRequests(addMembers(g, who)...)
		return
	}
	f.Remediation.Description = "Create a group holding only privileged accounts (role-assignable, so that only Privileged Role Administrators can change its members), add these users, and assign it a passkey profile with passkeyTypes \"deviceBound\", attestationEnforcement \"registrationOnly\" and an enforced allow list of the security keys you issue (keytier policy allowlist). keytier writes no request: every group that holds these users has members without a privileged role, and no group that carries such a profile can take them without changing their Conditional Access, roles or methods."
}

// privilegedCarrier returns a group whose include target assigns a profile
// fit for privileged accounts, that every one of who can join safely and
// would then be covered by, and the profile's name.
func (e *env) privilegedCarrier(who []*person) (*graphadapter.Group, string) {
	for _, t := range e.fido2.IncludeTargets {
		g, ok := e.s.GroupByID(t.ID)
		if !ok {
			continue
		}
		i := slices.IndexFunc(e.fido2.PasskeyProfiles, func(pp passkey.PasskeyProfile) bool {
			return e.fitsPrivileged(pp) && slices.ContainsFunc(t.AllowedPasskeyProfiles, func(id string) bool { return strings.EqualFold(id, pp.ID) })
		})
		if i < 0 {
			continue
		}
		if !slices.ContainsFunc(who, func(p *person) bool {
			return !e.membershipChangeSafe(p, g.ID, true) || !e.qualifiedPrivileged(e.fido2, p.moved([]string{g.ID}, nil))
		}) {
			return g, e.fido2.PasskeyProfiles[i].Name
		}
	}
	return nil, ""
}

func checkWorkforceProfile(e *env, c *Check) []Finding {
	if !e.fido2Enabled() {
		return nil
	}
	var without []*person
	any := false
	for _, p := range e.users {
		if admitsSynced(e.fido2, p) {
			any = true
			continue
		}
		if len(p.privileged) == 0 {
			without = append(without, p)
		}
	}
	f := c.finding("")
	switch {
	case !any:
		f.Title = "No user can register a synced passkey"
		f.Admin = "No user is in scope of a passkey profile that admits synced passkeys. Synced passkeys are phishing-resistant at AAL2 (SP 800-63B-4 Appendix B) and the fastest way to get the workforce off passwords and SMS."
		f.Plain = "You cannot yet use the passkey saved in your phone's or browser's password manager for work."
		e.fixWorkforceNone(&f)
	case len(without) > 0:
		f.Users = upns(without)
		f.Title = fmt.Sprintf("%s without a privileged role cannot register a synced passkey", count(len(without), "user", "users"))
		f.Admin = fmt.Sprintf("%s without a privileged role %s in scope of no profile that admits synced passkeys.", count(len(without), "user", "users"), verb(len(without), "is", "are"))
		f.Plain = "You cannot yet use the passkey saved in your phone's or browser's password manager for work."
		e.fixWorkforceUsers(&f, without)
	default:
		return nil
	}
	return []Finding{f}
}

// admitsSynced reports whether a profile in p's scope under pol lets p
// register a synced passkey.
func admitsSynced(pol *passkey.FIDO2Policy, p *person) bool {
	return slices.ContainsFunc(pol.ProfilesFor(p.subject()), func(sp passkey.ScopedProfile) bool { return admitsSyncedRegistration(sp.Profile) })
}

// syncedProfileNote says what a workforce profile keytier proposes is.
const syncedProfileNote = "passkeyTypes \"deviceBound,synced\", attestationEnforcement \"disabled\" (synced passkeys carry no attestation, how-to-authentication-synced-passkeys)"

// fixWorkforceNone assigns a profile admitting synced passkeys (workforceProfile)
// to every include target that holds someone without a privileged role,
// or, when none does, to groups made only of such users.
func (e *env) fixWorkforceNone(f *Finding) {
	f.Remediation.Description = "Add a profile with " + syncedProfileNote + ", and assign it to the workforce groups."
	x := e.newFIDO2Fix()
	if x == nil {
		return
	}
	id := x.workforceProfile()
	if id == "" {
		f.Remediation.Description += " keytier writes no request: the policy has Entra's three profiles already and none can be changed without touching the default or the privileged accounts' profile."
		return
	}
	var groups []string
	for _, t := range slices.Clone(x.p.IncludeTargets) {
		if t.ID == passkey.AllUsers {
			x.allow(t.ID, id, false)
			groups = append(groups, "all users")
			continue
		}
		if g, ok := e.s.GroupByID(t.ID); ok && slices.ContainsFunc(e.s.MembersOf(g.ID), func(u *graphadapter.User) bool { return notPrivileged(e.byID[u.ID]) && e.byID[u.ID] != nil }) {
			x.allow(t.ID, id, false)
			groups = append(groups, e.groupName(t.ID))
		}
	}
	if len(groups) == 0 {
		var workforce []*person
		for _, p := range e.users {
			if notPrivileged(p) {
				workforce = append(workforce, p)
			}
		}
		for _, g := range e.groupCover(workforce, notPrivileged) {
			x.allow(g.ID, id, false)
			groups = append(groups, g.DisplayName)
		}
	}
	if !slices.ContainsFunc(e.users, func(p *person) bool { return notPrivileged(p) && admitsSynced(&x.p, p) }) {
		return
	}
	req := x.patch()
	if req == nil {
		return
	}
	f.Groups = sortedUnique(groups)
	f.Remediation.Description = fmt.Sprintf("Let %s register synced passkeys with a profile of %s", strings.Join(f.Groups, ", "), syncedProfileNote)
	switch i := x.profile(func(pp passkey.PasskeyProfile) bool { return pp.ID == id }); {
	case x.profiles && e.fido2.PasskeyProfiles != nil && len(x.p.PasskeyProfiles) == len(e.fido2.PasskeyProfiles):
		f.Remediation.Description += fmt.Sprintf(": the policy has Entra's three profiles already, so %q is changed to admit them.", x.p.PasskeyProfiles[i].Name)
	case x.profiles:
		f.Remediation.Description += ": a new profile."
	default:
		f.Remediation.Description += fmt.Sprintf(": %q, assigned to no one yet.", x.p.PasskeyProfiles[i].Name)
	}
	f.Remediation.Description += " Privileged members of these groups come into its scope too: take them out (separate admin accounts, KT-PRIV-001)." + x.cleanedNote()
	f.Remediation.setRequests(req)
}

// fixWorkforceUsers brings who into the scope of a profile admitting synced
// passkeys: by assigning one to groups made only of users without a
// privileged role that together hold them all, else by adding them to the
// largest group whose target already assigns one, when joining it is safe
// (membershipChangeSafe).
func (e *env) fixWorkforceUsers(f *Finding, who []*person) {
	if cover := e.groupCover(who, notPrivileged); cover != nil {
		x := e.newFIDO2Fix()
		if id := x.workforceProfile(); id != "" {
			for _, g := range cover {
				x.allow(g.ID, id, false)
			}
			fixed := !slices.ContainsFunc(who, func(p *person) bool { return !admitsSynced(&x.p, p) })
			if req := x.patch(); fixed && req != nil {
				f.Groups = groupNames(cover)
				f.Remediation.Description = fmt.Sprintf("Assign a profile admitting synced passkeys to %s, %s.", strings.Join(f.Groups, ", "), verb(len(cover), "the group without privileged members that holds these users", "the groups without privileged members that hold these users")) + x.cleanedNote()
				f.Remediation.setRequests(req)
				return
			}
		}
	}
	var best *graphadapter.Group
	for _, t := range e.fido2.IncludeTargets {
		g, ok := e.s.GroupByID(t.ID)
		if !ok || (best != nil && len(g.Members) <= len(best.Members)) {
			continue
		}
		if !slices.ContainsFunc(who, func(p *person) bool {
			return !e.membershipChangeSafe(p, g.ID, true) || !admitsSynced(e.fido2, p.moved([]string{g.ID}, nil))
		}) {
			best = g
		}
	}
	if best == nil {
		f.Remediation.Description = "Add these users to a group whose passkey target assigns the workforce profile. keytier writes no request: no such group can take them without changing their Conditional Access, roles or methods."
		return
	}
	f.Groups = []string{best.DisplayName}
	f.Remediation.Description = fmt.Sprintf("Add these users to %q, whose passkey target assigns a profile admitting synced passkeys; joining it changes no Conditional Access policy, role or other method that applies to them (PATCH /groups/{id} with members@odata.bind, %d members a call).", best.DisplayName, MaxMembersPerRequest)
	f.Remediation.setRequests(addMembers(best, who)...)
}

func checkPrivilegedCanSync(e *env, c *Check) []Finding {
	if !e.fido2Enabled() {
		return nil
	}
	var who []*person
	var groups []string
	for _, p := range e.privileged() {
		st := e.standing(p)
		for _, sp := range st.synced {
			groups = append(groups, e.targetGroups(sp)...)
		}
		if len(st.synced) > 0 {
			who = append(who, p)
		}
	}
	if len(who) == 0 {
		return nil
	}
	f := c.finding("")
	f.Users = upns(who)
	f.Groups = sortedUnique(groups)
	f.Title = fmt.Sprintf("%s can register a synced passkey", count(len(who), "privileged user", "privileged users"))
	f.Admin = fmt.Sprintf("%s can register a synced passkey: a user gets every profile of every target that includes them, and a passkey is admitted when it satisfies any one of them (how-to-authentication-passkey-profiles). Membership of %s brings in a profile that admits synced passkeys, whose keys can be exported and never reach AAL3 (SP 800-63B-4 Appendix B).", count(len(who), "privileged user", "privileged users"), strings.Join(f.Groups, ", "))
	f.Plain = "Your admin account could be set up with a passkey that syncs through a personal password manager. Admin accounts should use a key that never leaves the device."
	e.fixPrivilegedSync(&f, who)
	return []Finding{f}
}

// fixPrivilegedSync takes each of who out of the groups whose targets bring
// in a profile admitting synced passkeys (DELETE
// /groups/{id}/members/{id}/$ref, one call per membership), when for every
// one of them that leaves a passkey profile in scope and none admitting
// synced passkeys, and changes nothing else (membershipChangeSafe).
func (e *env) fixPrivilegedSync(f *Finding, who []*person) {
	f.Remediation.Description = "Take privileged accounts out of the workforce groups the passkey policy targets (use separate admin accounts), or exclude a group of privileged accounts from those targets; keep them in the group that assigns the device-bound profile."
	type move struct {
		p     *person
		group string
	}
	var moves []move
	for _, p := range who {
		var out []string
		for _, sp := range e.fido2.ProfilesFor(p.subject()) {
			if !admitsSyncedRegistration(sp.Profile) {
				continue
			}
			for _, t := range sp.Targets {
				if t.Target.ID == passkey.AllUsers || t.Target.TargetType == passkey.TargetUser || !p.inGroup(t.Target.ID) {
					f.Remediation.Description += fmt.Sprintf(" keytier writes no request: %s gets the profile through a target that is not a group it is a member of (%s).", p.upn(), t.Target.ID)
					return
				}
				if !slices.Contains(out, t.Target.ID) {
					out = append(out, t.Target.ID)
				}
			}
		}
		after := e.fido2.ProfilesFor(p.moved(nil, out).subject())
		if len(after) == 0 || slices.ContainsFunc(after, func(sp passkey.ScopedProfile) bool { return admitsSyncedRegistration(sp.Profile) }) {
			f.Remediation.Description += fmt.Sprintf(" keytier writes no request: out of those groups, %s would have no passkey profile left.", p.upn())
			return
		}
		for _, g := range out {
			if !e.membershipChangeSafe(p, g, false) {
				f.Remediation.Description += fmt.Sprintf(" keytier writes no request: leaving %s would change the Conditional Access policies, roles or methods that apply to %s.", e.groupName(g), p.upn())
				return
			}
			moves = append(moves, move{p, g})
		}
	}
	sort.SliceStable(moves, func(i, j int) bool {
		a, b := moves[i], moves[j]
		if a.group != b.group {
			return e.groupName(a.group) < e.groupName(b.group)
		}
		return a.p.upn() < b.p.upn()
	})
	reqs := make([]*GraphRequest, len(moves))
	for i, m := range moves {
		reqs[i] = removeMember(m.group, m.p.u.ID)
	}
	f.Remediation.Description = fmt.Sprintf("Take these privileged accounts out of %s (one DELETE /groups/{id}/members/{id}/$ref per membership): they keep the device-bound profile of their other targets, and no Conditional Access policy, role or other method that applies to them changes. Give the people behind them separate, unprivileged accounts for everyday work, which may stay in those groups.", strings.Join(f.Groups, ", "))
	f.Remediation.setRequests(reqs...)
}

func checkPrivilegedHoldsSynced(e *env, c *Check) []Finding {
	var who []*person
	var ids []string
	for _, p := range e.privileged() {
		found := false
		for _, pk := range p.passkeys {
			if pk.facts.Type == passkey.Synced {
				found = true
				ids = append(ids, pk.id)
			}
		}
		if found {
			who = append(who, p)
		}
	}
	if len(who) == 0 {
		return nil
	}
	f := c.finding("")
	f.Users = upns(who)
	f.Title = fmt.Sprintf("%s %s a synced passkey", count(len(who), "privileged user", "privileged users"), verb(len(who), "holds", "hold"))
	f.Admin = fmt.Sprintf("%s already %s a synced passkey (by AAGUID and attestation level, passkey.FIDO2Method.Facts). A synced key lives in a consumer sync fabric and is exportable: at most AAL2, never AAL3 (SP 800-63B-4 Appendix B), and as safe as the personal account behind it.", count(len(who), "privileged user", "privileged users"), verb(len(who), "holds", "hold"))
	f.Plain = "Your admin account has a passkey stored in a password manager that copies it to your other devices. Replace it with the security key the IT team gives you, then remove the synced one."
	f.Remediation.Description = "Register a device-bound, attested passkey for each user, then delete the synced passkeys (DELETE /users/{id}/authentication/fido2Methods/{id}) and fix the profile scope (KT-PRIV-001) so they cannot come back."
	if len(ids) == 1 {
		f.Remediation.GraphRequest = &GraphRequest{Method: "DELETE", URL: graphBase + "/users/" + who[0].u.ID + "/authentication/fido2Methods/" + ids[0]}
		f.Remediation.Prerequisites = []Prerequisite{{User: who[0].upn(), Step: StepRegisterDeviceBoundPasskey,
			Reason: "the DELETE removes the synced passkey; register its device-bound replacement first"}}
	}
	return []Finding{f}
}

func checkBreakGlass(e *env, c *Check) []Finding {
	f := c.finding("")
	if len(e.breakGlass) == 0 {
		f.Severity = SeverityMedium
		f.Title = "No emergency access account was identified"
		f.Admin = "No emergency access account was identified (a Global Administrator named like one — \"bg-\", \"breakglass\", \"emergency\" — or excluded from every Conditional Access policy that would apply to it). Microsoft recommends two, with phishing-resistant credentials, excluded from Conditional Access."
		f.Plain = "There is no spare administrator account for emergencies."
		f.Remediation.Description = "Create two cloud-only emergency access accounts with Global Administrator, each with its own device-bound FIDO2 security key, or name yours with Options.BreakGlass (keytier audit --break-glass UPN,UPN): keytier cannot always guess them."
		return []Finding{f}
	}
	// The privileged rule for what they hold: an emergency account signs
	// in with a passkey whose tier is AAL3 (the evidence mapping the
	// profile floor uses), and holds none below it. A synced passkey held
	// is KT-PRIV-002's cause, not this one's.
	var bad []*person
	for _, p := range e.breakGlass {
		best, below := e.heldFloor(p)
		if best < assurance.AAL3 || len(below) > 0 {
			bad = append(bad, p)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	f.Users = upns(bad)
	f.Title = fmt.Sprintf("%s %s no passkey at AAL3, or also %s one below it", count(len(bad), "emergency access account", "emergency access accounts"), verb(len(bad), "holds", "hold"), verb(len(bad), "holds", "hold"))
	f.Admin = fmt.Sprintf("%s %s no registered passkey at AAL3 (device-bound, attested, of a model known to keep its key in hardware: the floor KT-FIDO2-004 applies to profiles), or also %s a device-bound one below it. Since Entra enforces MFA for admin portals, emergency access accounts need a phishing-resistant method that does not depend on a person's phone or sync account (security-emergency-access). Synced passkeys they hold are KT-PRIV-002's.", count(len(bad), "emergency access account", "emergency access accounts"), verb(len(bad), "holds", "hold"), verb(len(bad), "holds", "hold"))
	f.Plain = "An emergency admin account does not have its own hardware security key."
	f.Remediation.Description = "Register a FIDO2 security key (attested, on the privileged profile's allow list, of a model known to keep its key in hardware) for each account, store it in a safe, and remove the passkeys below AAL3 (DELETE /users/{id}/authentication/fido2Methods/{id}) once it signs in."
	return []Finding{f}
}
