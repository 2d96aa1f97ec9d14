package readiness

import "slices"

// EIDSCAControl is one Maester check that readiness covers, with the value
// it asks for.
//
// Source of the EIDSCA ids, settings and Maester's values: the Entra ID
// Security Config Analyzer definitions, Cloud-Architekt/AzureAD-Attack-Defense
// config/EidscaConfig.json (branch AADSCAv4, read at commit 07d3e47), from
// which Maester generates its EIDSCA tests (maester365/maester
// build/eidsca/Update-EidscaTests.ps1, which downloads that file). The file
// gives a RecommendedValue for AF01–AF06, AT01 and AT02 and none for
// AT03–AT08 or AG08–AG12; Maester ships tests only for the controls with a
// value (build/eidsca/eidsca-test-metadata.json lists AF01–AF06, AG01–AG03,
// AT01, AT02). MT.1067 is one of Maester's own tests.
type EIDSCAControl struct {
	// ID is Maester's id: "EIDSCA.AT04", "MT.1067".
	ID string
	// Setting is the Graph member the control reads, as EidscaConfig.json
	// names it.
	Setting string
	// Name is the control's display name there.
	Name string
	// Maester is EidscaConfig.json's RecommendedValue, as written; "" when
	// it gives none.
	Maester string
	// Recommended is the value readiness checks for: Maester's where it
	// gives one (restated for passkey profiles where the control reads a
	// legacy setting), keytier's otherwise.
	Recommended Recommended
	// Checks are the readiness checks that cover the control, in Checks
	// order.
	Checks []string
}

// Recommended is a recommended value and why.
type Recommended struct {
	Value string
	// Reason says where the value comes from and why it is right.
	Reason string
}

// EIDSCA returns the Maester checks readiness covers, in Maester id order.
// Every id a Check names is here, and every control here has a Recommended
// value.
func EIDSCA() []EIDSCAControl {
	byID := map[string][]string{}
	for _, c := range checks() {
		for _, id := range c.EIDSCA {
			byID[id] = append(byID[id], c.ID)
		}
	}
	out := eidscaControls()
	for i := range out {
		out[i].Checks = slices.Clone(byID[out[i].ID])
	}
	return out
}

const (
	maesterSource  = "Maester (EidscaConfig.json RecommendedValue)"
	tapHowTo       = "learn.microsoft.com/entra/identity/authentication/howto-authentication-temporary-access-pass"
	campaignSource = "learn.microsoft.com/graph/api/resources/authenticationmethodsregistrationcampaign"
)

func eidscaControls() []EIDSCAControl {
	return []EIDSCAControl{
		{ID: "EIDSCA.AF01", Setting: "state", Name: "State", Maester: "enabled",
			Recommended: Recommended{"enabled", maesterSource}},
		{ID: "EIDSCA.AF02", Setting: "isSelfServiceRegistrationAllowed", Name: "Allow self-service set up", Maester: "true",
			Recommended: Recommended{"true", maesterSource}},
		{ID: "EIDSCA.AF03", Setting: "isAttestationEnforced", Name: "Enforce attestation", Maester: "true",
			Recommended: Recommended{`attestationEnforcement "registrationOnly" on the profile of every privileged user`, maesterSource + ", per passkey profile: isAttestationEnforced is deprecated and ignored once a policy has profiles; a workforce profile admitting synced passkeys cannot enforce attestation (synced passkeys carry none)"}},
		{ID: "EIDSCA.AF04", Setting: "keyRestrictions.isEnforced", Name: "Enforce key restrictions", Maester: "true",
			Recommended: Recommended{"true on the profile of every privileged user", maesterSource + ", per passkey profile"}},
		{ID: "EIDSCA.AF05", Setting: "keyRestrictions.aaGuids", Name: "Restricted", Maester: "true",
			Recommended: Recommended{"a non-empty list of the security keys the organisation issues (keytier policy allowlist builds one from FIDO metadata)", maesterSource + " (the list is not empty), per passkey profile"}},
		{ID: "EIDSCA.AF06", Setting: "keyRestrictions.enforcementType", Name: "Restrict specific keys", Maester: "true",
			Recommended: Recommended{`"allow" on the profile of every privileged user`, maesterSource + " (allow or block); keytier asks for an allow list, since a block list admits every model not yet on it"}},
		{ID: "EIDSCA.AG08", Setting: "registrationEnforcement.authenticationMethodsRegistrationCampaign.state", Name: "Registration campaign - State",
			Recommended: Recommended{"enabled", "keytier: \"default\" lets Microsoft choose whom the campaign nudges and to which method (" + campaignSource + ")"}},
		{ID: "EIDSCA.AG09", Setting: "registrationEnforcement.authenticationMethodsRegistrationCampaign.includeTargets.id", Name: "Registration campaign - Included users/groups",
			Recommended: Recommended{"all_users, or the groups being rolled out to", "keytier: every user who can register a passkey should be nudged to"}},
		{ID: "EIDSCA.AG10", Setting: "registrationEnforcement.authenticationMethodsRegistrationCampaign.includeTargets.targetedAuthenticationMethod", Name: "Registration campaign - Authentication Method",
			Recommended: Recommended{"Fido2", "keytier: the campaign can target Fido2 or microsoftAuthenticator (learn.microsoft.com/graph/api/resources/authenticationmethodsregistrationcampaignincludetarget); only a passkey is phishing-resistant"}},
		{ID: "EIDSCA.AG12", Setting: "registrationEnforcement.authenticationMethodsRegistrationCampaign.snoozeDurationInDays", Name: "Registration campaign - Days allowed to snooze",
			Recommended: Recommended{"1 (MaxCampaignSnoozeDays; 0 also passes)", "keytier: Graph allows 0 to 14 days; with enforceRegistrationAfterAllowedSnoozes true a user registers after three snoozes, so one day means within about three days (" + campaignSource + ")"}},
		{ID: "EIDSCA.AT01", Setting: "state", Name: "State", Maester: "enabled",
			Recommended: Recommended{"enabled", maesterSource}},
		{ID: "EIDSCA.AT02", Setting: "isUsableOnce", Name: "One-time", Maester: "true",
			Recommended: Recommended{"true", maesterSource}},
		{ID: "EIDSCA.AT03", Setting: "defaultLifetimeInMinutes", Name: "Default lifetime",
			Recommended: Recommended{"60 (KT-TAP-003 fails above Options.MaxTAPLifetime, 480 by default)", "keytier: Entra's default (" + tapHowTo + "); an hour is enough to register a passkey, and a shorter-lived pass is a smaller prize"}},
		{ID: "EIDSCA.AT04", Setting: "defaultLength", Name: "Length",
			Recommended: Recommended{"8 (KT-TAP-006 fails outside Graph's 8 to 48)", "keytier: Entra's default and Graph's minimum; 8 characters carry at least 26.6 bits even if drawn from digits alone, above the 20 bits SP 800-63B-4 asks of look-up and out-of-band secrets (§3.1.2.1, §3.1.3.1; rev. 3 §5.1.2.1, §5.1.3.1), for a one-time pass that lives hours under Entra's smart lockout"}},
		{ID: "EIDSCA.AT05", Setting: "minimumLifetimeInMinutes", Name: "Minimum lifetime",
			Recommended: Recommended{"60, and never above the maximum", "keytier: Entra's default (" + tapHowTo + "); KT-TAP-003's fix lowers it with the maximum"}},
		{ID: "EIDSCA.AT06", Setting: "maximumLifetimeInMinutes", Name: "Maximum lifetime",
			Recommended: Recommended{"480 (Options.MaxTAPLifetime)", "keytier: Entra's default maximum of 8 hours (" + tapHowTo + "): one working day to register a passkey"}},
		{ID: "EIDSCA.AT07", Setting: "includeTargets", Name: "Included users/groups from Temporary Access Pass",
			Recommended: Recommended{"the onboarding (new hire) and recovery groups, not all_users", "keytier: a pass signs in like a password for its lifetime; only the people who need one to register or recover should be able to receive it (" + tapHowTo + ")"}},
		{ID: "MT.1067", Setting: "includeTargets, excludeTargets", Name: "Authentication method policies should not reference non-existent groups",
			Recommended: Recommended{"no target names a group that does not exist", "Maester MT.1067 (the test's expectation; it has no EidscaConfig.json value)"}},
	}
}
