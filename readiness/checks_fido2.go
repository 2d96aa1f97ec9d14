package readiness

import (
	"fmt"
	"slices"
	"strings"

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
	if e.fido2Conf != nil {
		state = e.fido2Conf.State
		if e.fido2 == nil {
			state = "unreadable"
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
		f.Admin = "The passkey policy has no passkey profiles: its legacy tenant-wide settings (isAttestationEnforced, keyRestrictions) apply to everyone alike, and synced passkeys cannot be admitted at all. Entra migrates tenants to profiles (message center MC1221452)."
		f.Plain = "Everyone gets the same passkey rules today; soon admins and everyone else will get rules that fit them."
		f.Remediation = Remediation{Description: "Opt in to passkey profiles in Entra ID > Authentication methods > Passkey (FIDO2); Entra creates the default profile from the legacy settings. Then add a device-bound profile for privileged accounts and a synced profile for the workforce, each assigned to its group."}
		return []Finding{f}
	}
	for _, t := range p.IncludeTargets {
		for _, id := range t.AllowedPasskeyProfiles {
			if id != p.DefaultPasskeyProfile {
				return nil
			}
		}
	}
	f.Admin = "The policy was migrated to passkey profiles but every target uses only the default profile, so administrators and the workforce get the same rules."
	f.Plain = "Everyone gets the same passkey rules; admins should get stricter ones."
	f.Remediation = Remediation{Description: "Add a device-bound profile (attestation enforced, AAGUID allow list) assigned to the privileged accounts' group and a synced or mixed profile assigned to the workforce groups (how-to-authentication-passkey-profiles)."}
	return []Finding{f}
}

// qualifiesPrivileged reports whether a profile is fit for privileged
// accounts: device-bound passkeys only, attestation enforced and an
// enforced AAGUID allow list — the profile form of EIDSCA.AF03…AF06.
func qualifiesPrivileged(pp passkey.PasskeyProfile) bool {
	known, unknown := pp.PasskeyTypes.Types()
	kr := pp.KeyRestrictions
	return len(unknown) == 0 && len(known) == 1 && known[0] == passkey.DeviceBound &&
		pp.AttestationEnforcement == passkey.AttestationAtRegistration &&
		kr != nil && kr.IsEnforced != nil && *kr.IsEnforced && kr.EnforcementType == passkey.EnforceAllow && len(kr.AAGUIDs) > 0
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
	for _, p := range e.privileged() {
		if e.fido2Enabled() && slices.ContainsFunc(e.fido2.ProfilesFor(p.subject()), func(sp passkey.ScopedProfile) bool { return qualifiesPrivileged(sp.Profile) }) {
			continue
		}
		uncovered = append(uncovered, p)
	}
	if len(uncovered) == 0 {
		return nil
	}
	f := c.finding("")
	f.Users = upns(uncovered)
	// Where a qualifying profile is already assigned to a group, that
	// group is the fix.
	var carrier *graphadapter.Group
	var carrierProfile string
	if e.fido2 != nil {
		for _, t := range e.fido2.IncludeTargets {
			g, ok := e.s.GroupByID(t.ID)
			if !ok {
				continue
			}
			for _, id := range t.AllowedPasskeyProfiles {
				if i := slices.IndexFunc(e.fido2.PasskeyProfiles, func(pp passkey.PasskeyProfile) bool { return pp.ID == id }); i >= 0 && qualifiesPrivileged(e.fido2.PasskeyProfiles[i]) {
					carrier, carrierProfile = g, e.fido2.PasskeyProfiles[i].Name
					break
				}
			}
			if carrier != nil {
				break
			}
		}
	}
	f.Admin = fmt.Sprintf("%s %s a privileged role but no passkey profile in their scope admits only device-bound passkeys with attestation enforced and an enforced AAGUID allow list. Their passkeys cannot be shown to be non-exportable hardware keys, which AAL3 requires (SP 800-63B-4 §2.3.2).", count(len(uncovered), "privileged user", "privileged users"), verb(len(uncovered), "holds", "hold"))
	f.Plain = "Your admin account is not yet required to use a company-approved security key or device-bound passkey."
	if carrier != nil {
		f.Groups = []string{carrier.DisplayName}
		f.Remediation.Description = fmt.Sprintf("Add these users to %q, whose target assigns the profile %q (POST /groups/{id}/members/$ref for each).", carrier.DisplayName, carrierProfile)
		if len(uncovered) == 1 {
			b := fmt.Sprintf(`{"@odata.id":%q}`, graphBase+"/directoryObjects/"+uncovered[0].u.ID)
			f.Remediation.GraphRequest = &GraphRequest{Method: "POST", URL: graphBase + "/groups/" + carrier.ID + "/members/$ref", Body: []byte(b)}
		}
	} else {
		f.Remediation.Description = "Create a passkey profile with passkeyTypes \"deviceBound\", attestationEnforcement \"registrationOnly\" and an enforced allow list of the security keys you issue, and assign it to a group holding every privileged account."
	}
	return []Finding{f}
}

func checkWorkforceProfile(e *env, c *Check) []Finding {
	if !e.fido2Enabled() {
		return nil
	}
	var without []*person
	any := false
	for _, p := range e.users {
		sps := e.fido2.ProfilesFor(p.subject())
		if slices.ContainsFunc(sps, func(sp passkey.ScopedProfile) bool { return admitsSyncedRegistration(sp.Profile) }) {
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
		f.Admin = "No user is in scope of a passkey profile that admits synced passkeys. Synced passkeys are phishing-resistant at AAL2 (SP 800-63B-4 Appendix B) and the fastest way to get the workforce off passwords and SMS."
		f.Plain = "You cannot yet use the passkey saved in your phone's or browser's password manager for work."
		f.Remediation.Description = "Add a profile with passkeyTypes \"synced\" or \"deviceBound,synced\" and attestationEnforcement \"disabled\" (synced passkeys carry no attestation), and assign it to the workforce groups."
	case len(without) > 0:
		f.Users = upns(without)
		f.Admin = fmt.Sprintf("%s without a privileged role %s in scope of no profile that admits synced passkeys.", count(len(without), "user", "users"), verb(len(without), "is", "are"))
		f.Plain = "You cannot yet use the passkey saved in your phone's or browser's password manager for work."
		f.Remediation.Description = "Add these users to a group whose passkey target assigns the workforce profile."
	default:
		return nil
	}
	return []Finding{f}
}

func checkPrivilegedCanSync(e *env, c *Check) []Finding {
	if !e.fido2Enabled() {
		return nil
	}
	var who []*person
	var groups []string
	for _, p := range e.privileged() {
		hit := false
		for _, sp := range e.fido2.ProfilesFor(p.subject()) {
			if admitsSyncedRegistration(sp.Profile) {
				hit = true
				groups = append(groups, e.targetGroups(sp)...)
			}
		}
		if hit {
			who = append(who, p)
		}
	}
	if len(who) == 0 {
		return nil
	}
	f := c.finding("")
	f.Users = upns(who)
	f.Groups = sortedUnique(groups)
	f.Admin = fmt.Sprintf("%s can register a synced passkey: a user gets every profile of every target that includes them, and a passkey is admitted when it satisfies any one of them (how-to-authentication-passkey-profiles). Membership of %s brings in a profile that admits synced passkeys, whose keys can be exported and never reach AAL3 (SP 800-63B-4 Appendix B).", count(len(who), "privileged user", "privileged users"), strings.Join(f.Groups, ", "))
	f.Plain = "Your admin account could be set up with a passkey that syncs through a personal password manager. Admin accounts should use a key that never leaves the device."
	f.Remediation.Description = "Take privileged accounts out of the workforce groups the passkey policy targets (use separate admin accounts), or exclude a group of privileged accounts from those targets; keep them in the group that assigns the device-bound profile."
	return []Finding{f}
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
	f.Admin = fmt.Sprintf("%s already %s a synced passkey (by AAGUID and attestation level, passkey.FIDO2Method.Facts). A synced key lives in a consumer sync fabric and is exportable: at most AAL2, never AAL3 (SP 800-63B-4 Appendix B), and as safe as the personal account behind it.", count(len(who), "privileged user", "privileged users"), verb(len(who), "holds", "hold"))
	f.Plain = "Your admin account has a passkey stored in a password manager that copies it to your other devices. Replace it with the security key the IT team gives you, then remove the synced one."
	f.Remediation.Description = "Register a device-bound, attested passkey for each user, then delete the synced passkeys (DELETE /users/{id}/authentication/fido2Methods/{id}) and fix the profile scope (KT-PRIV-001) so they cannot come back."
	if len(ids) == 1 {
		f.Remediation.GraphRequest = &GraphRequest{Method: "DELETE", URL: graphBase + "/users/" + who[0].u.ID + "/authentication/fido2Methods/" + ids[0]}
	}
	return []Finding{f}
}

func checkBreakGlass(e *env, c *Check) []Finding {
	f := c.finding("")
	if len(e.breakGlass) == 0 {
		f.Severity = SeverityMedium
		f.Admin = "No emergency access account was identified (a Global Administrator named like one — \"bg-\", \"breakglass\", \"emergency\" — or excluded from every Conditional Access policy that would apply to it). Microsoft recommends two, with phishing-resistant credentials, excluded from Conditional Access."
		f.Plain = "There is no spare administrator account for emergencies."
		f.Remediation.Description = "Create two cloud-only emergency access accounts with Global Administrator, each with its own device-bound FIDO2 security key, or name yours with Options.BreakGlass (keytier audit cannot guess them)."
		return []Finding{f}
	}
	var bad []*person
	for _, p := range e.breakGlass {
		deviceBound, synced := false, false
		for _, pk := range p.passkeys {
			switch {
			case pk.facts.Type == passkey.Synced:
				synced = true
			case pk.facts.Type == passkey.DeviceBound && pk.facts.Attestation == passkey.AttestationTrusted:
				deviceBound = true
			}
		}
		if !deviceBound || synced {
			bad = append(bad, p)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	f.Users = upns(bad)
	f.Admin = fmt.Sprintf("%s %s an attested device-bound passkey or also hold a synced one. Since Entra enforces MFA for admin portals, emergency access accounts need a phishing-resistant method that does not depend on a person's phone or sync account (security-emergency-access).", count(len(bad), "emergency access account", "emergency access accounts"), verb(len(bad), "lacks", "lack"))
	f.Plain = "An emergency admin account does not have its own hardware security key."
	f.Remediation.Description = "Register a FIDO2 security key (attested, on the privileged profile's allow list) for each account, store it in a safe, and remove synced passkeys."
	return []Finding{f}
}
