package readiness

import "slices"

// Check is one item of the deployment checklist.
type Check struct {
	// ID is stable: reports, tests and tickets refer to it.
	ID       string
	Severity Severity
	// EIDSCA lists the Maester checks this one covers (EIDSCA.xxnn or
	// MT.nnnn); empty when Maester has none.
	EIDSCA []string
	// Title states the check's goal, as a passed check reads ("No
	// privileged user can register a synced passkey"); each finding has its
	// own title stating the problem it found ("9 privileged users can
	// register a synced passkey").
	Title string
	// Source names the documentation the check enforces.
	Source string

	run func(e *env, c *Check) []Finding
}

// Checks returns the checklist in evaluation order. The slice and its
// contents are copies.
func Checks() []Check {
	out := checks()
	for i := range out {
		out[i].EIDSCA = slices.Clone(out[i].EIDSCA)
		out[i].run = nil
	}
	return out
}

// Maester's ids: EIDSCA.AF (passkey/FIDO2), EIDSCA.AT (Temporary Access
// Pass), EIDSCA.AG (registration campaign) from Maester's EIDSCA definitions
// (maester365/maester, website/docs/tests/eidsca); MT.1067 from Maester's
// own tests ("Authentication method policies should not reference
// non-existent groups").
func checks() []Check {
	return []Check{
		{ID: "KT-FIDO2-000", Severity: SeverityHigh,
			Title:  "The passkey policy is valid",
			Source: "passkey.FIDO2Policy.Validate; learn.microsoft.com/graph/api/resources/fido2authenticationmethodconfiguration, .../resources/passkeyprofile",
			run:    checkFIDO2Valid},
		{ID: "KT-FIDO2-001", Severity: SeverityCritical, EIDSCA: []string{"EIDSCA.AF01"},
			Title:  "The passkey (FIDO2) method is enabled",
			Source: "learn.microsoft.com/graph/api/resources/fido2authenticationmethodconfiguration (state)",
			run:    checkFIDO2Enabled},
		{ID: "KT-FIDO2-002", Severity: SeverityHigh, EIDSCA: []string{"EIDSCA.AF02"},
			Title:  "Users may register passkeys themselves",
			Source: "learn.microsoft.com/graph/api/resources/fido2authenticationmethodconfiguration (isSelfServiceRegistrationAllowed)",
			run:    checkSelfService},
		{ID: "KT-FIDO2-003", Severity: SeverityMedium,
			Title:  "The passkey policy uses passkey profiles per group",
			Source: "learn.microsoft.com/entra/identity/authentication/how-to-authentication-passkey-profiles",
			run:    checkProfilesMigrated},
		{ID: "KT-FIDO2-004", Severity: SeverityCritical, EIDSCA: []string{"EIDSCA.AF03", "EIDSCA.AF04", "EIDSCA.AF05", "EIDSCA.AF06"},
			Title:  "Every privileged user gets a device-bound profile with attestation and an AAGUID allow list",
			Source: "how-to-authentication-passkey-profiles; NIST SP 800-63B-4 §2.3.2 (AAL3: non-exportable key)",
			run:    checkPrivilegedProfile},
		{ID: "KT-FIDO2-005", Severity: SeverityMedium,
			Title:  "The workforce gets a profile that admits synced passkeys",
			Source: "learn.microsoft.com/entra/identity/authentication/how-to-authentication-synced-passkeys; SP 800-63B-4 Appendix B (synced at AAL2)",
			run:    checkWorkforceProfile},
		{ID: "KT-PRIV-001", Severity: SeverityCritical,
			Title:  "No privileged user can register a synced passkey",
			Source: "how-to-authentication-passkey-profiles (a user gets every profile of every target); SP 800-63B-4 Appendix B (never AAL3)",
			run:    checkPrivilegedCanSync},
		{ID: "KT-PRIV-002", Severity: SeverityCritical,
			Title:  "No privileged user holds a synced passkey",
			Source: "SP 800-63B-4 §2.3.2 and Appendix B; learn.microsoft.com/graph/api/resources/fido2authenticationmethod",
			run:    checkPrivilegedHoldsSynced},
		{ID: "KT-BG-001", Severity: SeverityHigh,
			Title:  "Break-glass accounts sign in with a device-bound passkey at AAL3",
			Source: "learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access",
			run:    checkBreakGlass},
		{ID: "KT-WEAK-001", Severity: SeverityHigh,
			Title:  "SMS, voice and email codes are not enabled for privileged users",
			Source: "SP 800-63B-4 §3.1.3 (PSTN restricted; email is not out-of-band); learn.microsoft.com/entra/identity/authentication/concept-authentication-methods-manage",
			run:    checkWeakForPrivileged},
		{ID: "KT-USER-001", Severity: SeverityMedium,
			Title:  "Every user holds a phishing-resistant method",
			Source: "SP 800-63B-4 §3.2.5 (phishing resistance); §2.2 (AAL2 verifiers offer a phishing-resistant option)",
			run:    checkNoPhishingResistant},
		{ID: "KT-TAP-001", Severity: SeverityHigh, EIDSCA: []string{"EIDSCA.AT01"},
			Title:  "Temporary Access Pass is enabled for onboarding and recovery",
			Source: "learn.microsoft.com/entra/identity/authentication/howto-authentication-temporary-access-pass",
			run:    checkTAPEnabled},
		{ID: "KT-TAP-002", Severity: SeverityMedium, EIDSCA: []string{"EIDSCA.AT02"},
			Title:  "Temporary Access Passes are one-time",
			Source: "howto-authentication-temporary-access-pass (Require one-time use)",
			run:    checkTAPOneTime},
		{ID: "KT-TAP-003", Severity: SeverityMedium, EIDSCA: []string{"EIDSCA.AT03", "EIDSCA.AT05", "EIDSCA.AT06"},
			Title:  "Temporary Access Pass lifetimes are short",
			Source: "learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethodconfiguration",
			run:    checkTAPLifetime},
		{ID: "KT-TAP-006", Severity: SeverityMedium, EIDSCA: []string{"EIDSCA.AT04"},
			Title:  "Temporary Access Passes have a length Entra accepts",
			Source: "learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethodconfiguration (defaultLength: 8 to 48 characters)",
			run:    checkTAPLength},
		{ID: "KT-TAP-004", Severity: SeverityLow, EIDSCA: []string{"EIDSCA.AT07"},
			Title:  "Temporary Access Pass is targeted at the groups that need it",
			Source: "howto-authentication-temporary-access-pass (Enable the Temporary Access Pass policy)",
			run:    checkTAPTargeted},
		{ID: "KT-TAP-005", Severity: SeverityHigh,
			Title:  "No user holds an active long-lived or reusable Temporary Access Pass",
			Source: "learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethod",
			run:    checkActiveTAPs},
		{ID: "KT-CAMP-001", Severity: SeverityMedium, EIDSCA: []string{"EIDSCA.AG08"},
			Title:  "The registration campaign is enabled",
			Source: "learn.microsoft.com/graph/api/resources/authenticationmethodsregistrationcampaign",
			run:    checkCampaignState},
		{ID: "KT-CAMP-002", Severity: SeverityLow, EIDSCA: []string{"EIDSCA.AG09", "EIDSCA.AG10"},
			Title:  "The registration campaign nudges users to passkeys",
			Source: "learn.microsoft.com/graph/api/resources/authenticationmethodsregistrationcampaignincludetarget (Fido2 or microsoftAuthenticator)",
			run:    checkCampaignTarget},
		{ID: "KT-CAMP-003", Severity: SeverityLow,
			Title:  "The registration campaign cannot be snoozed forever",
			Source: "learn.microsoft.com/graph/api/resources/authenticationmethodsregistrationcampaign (enforceRegistrationAfterAllowedSnoozes)",
			run:    checkCampaignSnooze},
		{ID: "KT-CAMP-004", Severity: SeverityLow, EIDSCA: []string{"EIDSCA.AG12"},
			Title:  "The registration campaign is snoozed for at most a day at a time",
			Source: "learn.microsoft.com/graph/api/resources/authenticationmethodsregistrationcampaign (snoozeDurationInDays: 0 to 14 days)",
			run:    checkCampaignSnoozeDays},
		{ID: "KT-REF-001", Severity: SeverityMedium, EIDSCA: []string{"MT.1067"},
			Title:  "Method policies target only groups that exist",
			Source: "maester365/maester MT.1067; learn.microsoft.com/graph/api/resources/authenticationmethodtarget",
			run:    checkMissingGroups},
		{ID: "KT-CA-001", Severity: SeverityHigh,
			Title:  "No Conditional Access policy locks out users who can only hold a Temporary Access Pass yet",
			Source: "learn.microsoft.com/entra/identity/authentication/concept-authentication-strengths; troubleshoot-authentication-strengths; cisagov/ScubaGear#1938",
			run:    checkBootstrapDeadlock},
	}
}
