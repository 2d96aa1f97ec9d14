package assurance

import (
	"fmt"
	"slices"
)

// Rule is one requirement of SP 800-63B-4 (or one of Microsoft's mappings
// onto it) as data. [Classify] evaluates the rules of [Rules] in order.
type Rule struct {
	// ID is stable: traces, tests and the CLI's JSON refer to it.
	ID string `json:"id"`
	// Level is the level the rule gates: when it fails, the result is below
	// Level. LevelNone marks an advisory rule that never lowers the level.
	Level Level `json:"level"`
	// Citation names the sections the rule enforces.
	Citation string `json:"citation"`
	// Summary says in one line what the rule checks.
	Summary string `json:"summary"`
	// AppliesTo lists the methods the rule covers; empty means every method,
	// including ones keytier does not know.
	AppliesTo []Method `json:"appliesTo,omitempty"`
	// Explanations hold the admin and plain texts, one per outcome the rule
	// can reach.
	Explanations []Explanation `json:"explanations"`

	// eval returns the outcome and what the rule saw.
	eval func(Evidence) (Outcome, string)
}

// Explanation is the pair of texts a rule gives for one outcome.
type Explanation struct {
	Outcome Outcome `json:"outcome"`
	// Admin explains the outcome to an identity administrator, with the
	// standard's terms and what to do.
	Admin string `json:"admin"`
	// Plain explains it to the person who signs in, without jargon.
	Plain string `json:"plain"`
}

// Applies reports whether the rule covers the method.
func (r Rule) Applies(m Method) bool {
	return len(r.AppliesTo) == 0 || slices.Contains(r.AppliesTo, m)
}

// Explain returns the texts for an outcome, if the rule has them.
func (r Rule) Explain(o Outcome) (Explanation, bool) {
	for _, x := range r.Explanations {
		if x.Outcome == o {
			return x, true
		}
	}
	return Explanation{}, false
}

// Rules returns every rule in evaluation order. The slice and everything
// in it are copies: changing them does not change [Classify].
func Rules() []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		r.AppliesTo = slices.Clone(r.AppliesTo)
		r.Explanations = slices.Clone(r.Explanations)
		out[i] = r
	}
	return out
}

// Method groups the table uses. Never mutated.
var (
	passkeyMethods = []Method{MethodPasskey, MethodAuthenticatorPasskey}
	cryptoMethods  = []Method{
		MethodPasskey, MethodAuthenticatorPasskey, MethodWindowsHello, MethodPlatformSSO,
		MethodCertificateSingleFactor, MethodCertificateMultiFactor,
	}
	notPhishingResistantMethods = []Method{
		MethodPassword, MethodSMS, MethodVoice, MethodEmailOTP, MethodAuthenticatorPush,
		MethodSoftwareOATH, MethodHardwareOATH, MethodTAP,
	}
)

// idPhishingResistant is the rule whose verdict is Result.PhishingResistant.
const idPhishingResistant = "aal3.phishing-resistant"

func passIf(ok bool) Outcome {
	if ok {
		return OutcomePass
	}
	return OutcomeFail
}

// rules is the whole rule set, in evaluation order: AAL1, AAL2, AAL3, then
// advisories. It is never mutated; Rules returns a copy.
//
// Section numbers are those of SP 800-63B-4 (final, 2025), checked against
// its published change log (pages.nist.gov/800-63-4/sp800-63b/changelog)
// and the section layout of NIST's source (github.com/usnistgov/800-63-4):
// §2.x are the AAL requirements, §3.1.x the authenticator types, §3.2.x the
// general requirements, Appendix B syncable authenticators.
var rules = []Rule{
	// ---- AAL1 ----
	{
		ID:       "aal1.one-factor",
		Level:    AAL1,
		Citation: "SP 800-63B-4 §2.1.1; §3.1.3.1",
		Summary:  "At least one permitted authentication factor.",
		Explanations: []Explanation{
			{OutcomePass,
				"The method proves at least one of the authenticator types §2.1.1 permits, which is what AAL1 asks for.",
				"This is a real way to prove it's you."},
			{OutcomeFail,
				"No permitted authentication factor: the method is not an authenticator type of §2.1.1 (email codes are excluded by §3.1.3.1), so the sign-in does not reach AAL1. Offer a passkey instead.",
				"This on its own isn't enough to prove it's you. Adding a passkey fixes that."},
		},
		eval: func(e Evidence) (Outcome, string) {
			saw := e.describe()
			if e.Method.kind() == kindNone && e.WithPassword {
				saw += "; the password is the only factor"
			}
			return passIf(e.factors() >= 1), saw
		},
	},
	{
		ID:        "aal1.approved-crypto",
		Level:     AAL1,
		Citation:  "SP 800-63B-4 §2.1.2; §3.1.6.2",
		Summary:   "Cryptographic keys use approved cryptography of at least 112-bit strength.",
		AppliesTo: cryptoMethods,
		Explanations: []Explanation{
			{OutcomePass,
				"No weakness reported for the key. Authenticators at every AAL must use approved cryptography with at least the SP 800-131A minimum strength (§2.1.2, §3.1.6.2).",
				"The key on your device is a strong one."},
			{OutcomeFail,
				"The key is reported weak (Graph keyStrength \"weak\"). A key below the SP 800-131A minimum strength is not approved cryptography (§2.1.2, §3.1.6.2): have the user provision the credential again.",
				"The key on your device is an older, weaker kind. Setting it up again takes a minute and makes it strong."},
		},
		eval: func(e Evidence) (Outcome, string) {
			if e.WeakKey {
				return OutcomeFail, "key strength reported weak"
			}
			return OutcomePass, "key strength not reported weak"
		},
	},

	// ---- AAL2 ----
	{
		ID:       "aal2.two-factors",
		Level:    AAL2,
		Citation: "SP 800-63B-4 §2.2.1; Appendix B (UV flag)",
		Summary:  "Two distinct factors: a multi-factor authenticator, or a password plus a physical authenticator.",
		Explanations: []Explanation{
			{OutcomePass,
				"Two distinct factors, as AAL2 requires (§2.2.1): a multi-factor authenticator such as a passkey with user verification, or a password combined with a physical authenticator.",
				"You prove it's you in two ways at once: something you have, plus something you know or are, like a PIN, password, fingerprint or face."},
			{OutcomeFail,
				"One factor only. At AAL2 a single authenticator must itself be multi-factor, or be combined with a password (§2.2.1). A passkey whose UV flag is not set is a single-factor cryptographic authenticator (Appendix B): require user verification.",
				"Right now this proves it's you in just one way. Unlocking it with your fingerprint, face or PIN each time would make it count twice."},
		},
		eval: func(e Evidence) (Outcome, string) {
			return passIf(e.factors() >= 2), fmt.Sprintf("%s (%d of 2 factors)", e.describe(), e.factors())
		},
	},
	{
		ID:       "aal2.replay-resistant",
		Level:    AAL2,
		Citation: "SP 800-63B-4 §2.2.2; §3.2.7",
		Summary:  "At least one authenticator is replay-resistant.",
		Explanations: []Explanation{
			{OutcomePass,
				"At least one authenticator is replay-resistant (§3.2.7): its output is fresh for each sign-in, as AAL2 requires (§2.2.2).",
				"What you send when you sign in works only once, so nobody can reuse it later."},
			{OutcomeFail,
				"A password alone is not replay-resistant (§3.2.7); AAL2 needs at least one replay-resistant authenticator (§2.2.2).",
				"A password is the same every time, so someone who sees it once could use it again."},
		},
		eval: func(e Evidence) (Outcome, string) {
			switch e.Method.kind() {
			case kindLookUp, kindOOB, kindOTP, kindCrypto:
				return OutcomePass, e.describe()
			}
			return OutcomeFail, e.describe() + ": no replay-resistant authenticator"
		},
	},

	// ---- AAL3 ----
	{
		ID:       idPhishingResistant,
		Level:    AAL3,
		Citation: "SP 800-63B-4 §3.2.5; §2.3.2",
		Summary:  "The authenticator output is bound to the verifier, so an impostor site cannot relay it.",
		Explanations: []Explanation{
			{OutcomePass,
				"Phishing-resistant (§3.2.5), as AAL3 requires (§2.3.2): WebAuthn binds the signature to the relying party's domain (verifier name binding, §3.2.5.2); certificate-based sign-in signs the TLS channel (channel binding, §3.2.5.1). Microsoft's mapping marks Windows Hello for Business and Platform SSO phishing-resistant.",
				"It only works on the real website, so a fake look-alike site can't use it to sign in as you."},
			{OutcomeFail,
				"Not phishing-resistant (§3.2.5): the user types, reads or approves a secret that an impostor site can relay, or the key is too weak to bind anything. AAL3 requires phishing resistance (§2.3.2).",
				"A fake website could ask you for this and pass it on. A passkey would protect you from that."},
		},
		eval: func(e Evidence) (Outcome, string) {
			switch {
			case e.phishingResistant() && (e.Method == MethodCertificateSingleFactor || e.Method == MethodCertificateMultiFactor):
				return OutcomePass, string(e.Method) + ": client certificate signs the TLS handshake (channel binding)"
			case e.phishingResistant():
				return OutcomePass, string(e.Method) + ": signature bound to the verifier's name (origin binding)"
			case e.Method.kind() == kindCrypto:
				return OutcomeFail, string(e.Method) + ": key reported weak"
			}
			return OutcomeFail, e.describe() + ": output can be relayed by an impostor"
		},
	},
	{
		ID:       "aal3.authenticator-type",
		Level:    AAL3,
		Citation: "SP 800-63B-4 §2.3.1",
		Summary:  "A multi-factor cryptographic authenticator, or a single-factor one used with a password.",
		Explanations: []Explanation{
			{OutcomePass,
				"A combination AAL3 permits (§2.3.1): a multi-factor cryptographic authenticator, or a single-factor cryptographic authenticator together with a password.",
				"It uses a secret key on your device together with something only you know or are."},
			{OutcomeFail,
				"AAL3 permits only a multi-factor cryptographic authenticator, or a single-factor cryptographic authenticator used with a password (§2.3.1).",
				"The highest level needs a passkey or security key that you unlock with a PIN, fingerprint or face."},
		},
		eval: func(e Evidence) (Outcome, string) {
			ok := e.Method.kind() == kindCrypto && (e.ownFactors() == 2 || e.passwordAdds())
			return passIf(ok), e.describe()
		},
	},
	{
		ID:        "aal3.not-synced",
		Level:     AAL3,
		Citation:  "SP 800-63B-4 Appendix B (Cloning of Authentication Keys); §3.1.7.4",
		Summary:   "The key is device-bound: a synced key is exportable, so AAL2 at most.",
		AppliesTo: cryptoMethods,
		Explanations: []Explanation{
			{OutcomePass,
				"Device-bound: the private key is not in a sync fabric. Syncing a key inherently makes it exportable, which AAL3 forbids (Appendix B).",
				"Your key stays on this one device and is never copied anywhere."},
			{OutcomeFail,
				"The key is synced, or keytier cannot rule out that the key is exportable. Syncing means the key can be exported, which violates AAL3's non-exportability requirement (Appendix B): a synced passkey reaches AAL2 at most. Use a device-bound passkey for AAL3.",
				"Your key can be copied to your other devices through your account, or we can't tell whether it can. That's fine for everyday work, but the highest level needs a key that never leaves one device."},
		},
		eval: func(e Evidence) (Outcome, string) {
			switch e.syncability() {
			case DeviceBound:
				switch {
				case e.Syncability == DeviceBound:
					return OutcomePass, "device-bound (not backup eligible)"
				case e.Method == MethodAuthenticatorPasskey:
					return OutcomePass, "device-bound: Microsoft Authenticator keeps passkeys on the device"
				}
				return OutcomePass, "device-bound: " + string(e.Method) + " keys are not synced"
			case Syncable:
				return OutcomeFail, "synced (backup eligible): the key can be copied to a sync fabric"
			}
			return OutcomeFail, "syncability unknown: cannot rule out that the key is exportable"
		},
	},
	{
		ID:        "aal3.non-exportable",
		Level:     AAL3,
		Citation:  "SP 800-63B-4 §2.3.2; §3.2.13",
		Summary:   "The key is held in separate hardware or an isolated execution environment.",
		AppliesTo: cryptoMethods,
		Explanations: []Explanation{
			{OutcomePass,
				"The key is held by separate hardware or an isolated execution environment (secure element, TEE or TPM) that will not release it to the host (§3.2.13), as AAL3 requires (§2.3.2).",
				"Your key is locked inside a special chip and can't be copied out, even by software on your device."},
			{OutcomeFail,
				"Key protection is software or unknown. A key the host processor can reach is exportable (§3.2.13), so the authenticator does not meet AAL3 (§2.3.2). Hardware protection is known from a trusted attestation with FIDO MDS keyProtection, or for Windows Hello from a hardware TPM.",
				"We can't confirm your key is locked inside a special chip, so it can't get the highest rating. It still protects you well."},
		},
		eval: func(e Evidence) (Outcome, string) {
			return passIf(e.KeyProtection.HardwareBacked()), e.describeProtection()
		},
	},
	{
		ID:        "aal3.attested",
		Level:     AAL3,
		Citation:  "SP 800-63B-4 §2.3.2; §3.2.4",
		Summary:   "An attestation chained to a trusted root proves the hardware; keytier's condition for AAL3.",
		AppliesTo: cryptoMethods,
		Explanations: []Explanation{
			{OutcomePass,
				"The attestation chained to a trusted root, so the authenticator's make and its hardware key protection are proven rather than claimed (§3.2.4).",
				"Your device proved who made it, so we know its key is kept in secure hardware."},
			{OutcomeFail,
				"No attestation chained to a trusted root. The flags and catalog data are the authenticator's own claims, so keytier cannot know the key is non-exportable hardware (§2.3.2) and does not grant AAL3. Enforce attestation for the profile that must reach AAL3 (§3.2.4: federal enterprise verifiers SHOULD use attestation).",
				"Your device didn't show proof of who made it, so we can't give it the highest rating. You did nothing wrong."},
		},
		eval: func(e Evidence) (Outcome, string) {
			if e.AttestationTrusted {
				return OutcomePass, "attestation chained to a trusted root"
			}
			return OutcomeFail, "attestation missing or not chained to a trusted root"
		},
	},

	// ---- Advisory: never lower the level ----
	{
		ID:        "aal2.phishing-resistant-option",
		Level:     LevelNone,
		Citation:  "SP 800-63B-4 §2.2.2",
		Summary:   "Verifiers at AAL2 must offer a phishing-resistant option; federal staff must use one.",
		AppliesTo: notPhishingResistantMethods,
		Explanations: []Explanation{
			{OutcomeWarn,
				"This method is not phishing-resistant. Verifiers at AAL2 SHALL offer at least one phishing-resistant option, and federal agencies SHALL require one for staff, contractors and partners (§2.2.2). Offer this user a passkey.",
				"A passkey would be safer than this: fake websites can't trick it."},
		},
		eval: func(e Evidence) (Outcome, string) {
			return OutcomeWarn, e.describe() + ": not phishing-resistant"
		},
	},
	{
		ID:        "oob.pstn-restricted",
		Level:     LevelNone,
		Citation:  "SP 800-63B-4 §3.1.3.3; §3.2.9",
		Summary:   "SMS and voice codes over the telephone network are a restricted authenticator.",
		AppliesTo: []Method{MethodSMS, MethodVoice},
		Explanations: []Explanation{
			{OutcomeWarn,
				"Out-of-band codes over the PSTN are restricted (§3.1.3.3, §3.2.9): the organization must accept the risk, offer an unrestricted alternative at the same AAL, tell users about the risk, and plan a migration.",
				"Text and voice codes can be stolen, for example if someone takes over your phone number. A passkey is safer."},
		},
		eval: func(e Evidence) (Outcome, string) {
			return OutcomeWarn, string(e.Method) + ": code delivered over the public telephone network"
		},
	},
	{
		ID:        "oob.number-match",
		Level:     LevelNone,
		Citation:  "SP 800-63B-4 §3.1.3; §3.1.3.1",
		Summary:   "Push approval counts as out-of-band only when the claimant transfers a secret (number matching).",
		AppliesTo: []Method{MethodAuthenticatorPush},
		Explanations: []Explanation{
			{OutcomePass,
				"Counted as out-of-band because Microsoft Entra requires number matching for Authenticator push: the claimant carries the number shown at sign-in to the app, the primary-to-secondary transfer §3.1.3.1 requires. A push that only asks for approval would not qualify (§3.1.3).",
				"You type the number from the sign-in screen into the app, which shows you're the one signing in."},
		},
		eval: func(e Evidence) (Outcome, string) {
			return OutcomePass, "Microsoft Authenticator push with number matching"
		},
	},
	{
		ID:        "tap.single-factor",
		Level:     LevelNone,
		Citation:  "SP 800-63B-4 §3.1.2; §4.2",
		Summary:   "A Temporary Access Pass is one factor, for registering or recovering a stronger method.",
		AppliesTo: []Method{MethodTAP},
		Explanations: []Explanation{
			{OutcomeWarn,
				"A Temporary Access Pass is a time-limited passcode an administrator issues. Microsoft Entra treats it as strong authentication for registering methods, but in SP 800-63B-4 terms it is an issued secret typed by hand, closest to a look-up secret (§3.1.2) or a recovery code (§4.2): one factor, not phishing-resistant. Use it to register a passkey, keep it short-lived and one-time.",
				"This is a temporary code to help you set up a passkey. Use it to add your passkey; after that you won't need it."},
		},
		eval: func(e Evidence) (Outcome, string) {
			return OutcomeWarn, "Temporary Access Pass: issued, time-limited passcode"
		},
	},
	{
		ID:        "syncable.fabric-controls",
		Level:     LevelNone,
		Citation:  "SP 800-63B-4 Appendix B (Cloning of Authentication Keys); §3.1.7.4",
		Summary:   "A synced key is acceptable at AAL2 only when the sync fabric meets Appendix B.",
		AppliesTo: passkeyMethods,
		Explanations: []Explanation{
			{OutcomeWarn,
				"The key is or may be synced. AAL2 holds only if the sync fabric meets Appendix B: keys stored encrypted, access to the sync account protected by AAL2-equivalent MFA, the rules published; for federal enterprise keys also a FISMA Moderate fabric, device management that stops sharing, and agency-managed sync accounts. keytier cannot observe these.",
				"Your key is backed up to your account so it follows you to a new phone. Keep that account protected with a strong sign-in."},
			{OutcomeNotApplicable,
				"The key is device-bound, so the sync fabric requirements of Appendix B do not apply.",
				"Your key isn't backed up to an online account, so there's no account to protect for it."},
		},
		eval: func(e Evidence) (Outcome, string) {
			switch e.syncability() {
			case DeviceBound:
				return OutcomeNotApplicable, "device-bound: no sync fabric"
			case Syncable:
				return OutcomeWarn, "synced (backup eligible)"
			}
			return OutcomeWarn, "syncability unknown: the key may be in a sync fabric"
		},
	},
	{
		ID:        "fips140.validation",
		Level:     LevelNone,
		Citation:  "SP 800-63B-4 §2.2.2; §2.3.2",
		Summary:   "FIPS 140 validation of the authenticator, a procurement condition for federal agencies.",
		AppliesTo: cryptoMethods,
		Explanations: []Explanation{
			{OutcomePass,
				"The authenticator's cryptographic module has a known FIPS 140 validation. Federal agencies need Level 1 for cryptographic authenticators at AAL2 (§2.2.2); compare the overall and physical security levels with Requirements(AAL3) before relying on it at AAL3 (§2.3.2).",
				"Your device's security chip has been tested against a government security standard."},
			{OutcomeWarn,
				"FIPS 140 validation unknown. Federal agencies must use validated cryptographic authenticators (§2.2.2 at AAL2, §2.3.2 at AAL3); keytier reports this but does not lower the level, because validation is a procurement fact a credential cannot prove.",
				"We don't know whether your device's security chip was tested against a government standard. Most organizations don't require it."},
		},
		eval: func(e Evidence) (Outcome, string) {
			if e.FIPS140Level >= 1 && e.FIPS140Level <= 4 {
				return OutcomePass, fmt.Sprintf("FIPS 140 Level %d overall", e.FIPS140Level)
			}
			return OutcomeWarn, "FIPS 140 validation unknown"
		},
	},
}
