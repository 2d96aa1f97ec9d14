package assurance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// yubiKeyLike is a device-bound security key with a PIN, attested against
// FIDO MDS.
var yubiKeyLike = Evidence{
	Method:             MethodPasskey,
	UserVerified:       true,
	Syncability:        DeviceBound,
	KeyProtection:      KeyProtectionSecureElement,
	AttestationTrusted: true,
	Certification:      "FIDO_CERTIFIED_L2",
	FIPS140Level:       2,
}

func with(e Evidence, f func(*Evidence)) Evidence {
	f(&e)
	return e
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name    string
		e       Evidence
		aal     Level
		pr      bool
		rule    string  // the rule that decides the case
		outcome Outcome // its outcome
		sawHas  string  // optional: text the deciding step's Saw contains
	}{
		{"synced passkey with UV", Evidence{Method: MethodPasskey, UserVerified: true, Syncability: Syncable},
			AAL2, true, "aal3.not-synced", OutcomeFail, "synced"},
		{"synced passkey claiming hardware and attested", with(yubiKeyLike, func(e *Evidence) { e.Syncability = Syncable }),
			AAL2, true, "aal3.not-synced", OutcomeFail, "sync fabric"},
		{"passkey with unknown syncability", with(yubiKeyLike, func(e *Evidence) { e.Syncability = SyncabilityUnknown }),
			AAL2, true, "aal3.not-synced", OutcomeFail, "cannot rule out that the key is exportable"},
		{"attested device-bound security key", yubiKeyLike,
			AAL3, true, "aal3.attested", OutcomePass, "trusted root"},
		{"device-bound key without trusted attestation", with(yubiKeyLike, func(e *Evidence) { e.AttestationTrusted = false }),
			AAL2, true, "aal3.attested", OutcomeFail, ""},
		{"device-bound key in software", with(yubiKeyLike, func(e *Evidence) { e.KeyProtection = KeyProtectionSoftware }),
			AAL2, true, "aal3.non-exportable", OutcomeFail, "software"},
		{"device-bound key, protection unknown", with(yubiKeyLike, func(e *Evidence) { e.KeyProtection = KeyProtectionUnknown }),
			AAL2, true, "aal3.non-exportable", OutcomeFail, "unknown"},
		{"device-bound key in a TEE", with(yubiKeyLike, func(e *Evidence) { e.KeyProtection = KeyProtectionTEE }),
			AAL3, true, "aal3.non-exportable", OutcomePass, "tee"},
		{"passkey without UV", with(yubiKeyLike, func(e *Evidence) { e.UserVerified = false }),
			AAL1, true, "aal2.two-factors", OutcomeFail, "UV flag not set"},
		{"passkey without UV plus password", with(yubiKeyLike, func(e *Evidence) { e.UserVerified = false; e.WithPassword = true }),
			AAL3, true, "aal3.authenticator-type", OutcomePass, "plus a password"},
		{"synced passkey without UV plus password", Evidence{Method: MethodPasskey, Syncability: Syncable, WithPassword: true},
			AAL2, true, "aal2.two-factors", OutcomePass, ""},
		{"password", Evidence{Method: MethodPassword},
			AAL1, false, "aal2.two-factors", OutcomeFail, "password"},
		{"password flagged with a password", Evidence{Method: MethodPassword, WithPassword: true},
			AAL1, false, "aal2.replay-resistant", OutcomeFail, ""},
		{"SMS", Evidence{Method: MethodSMS},
			AAL1, false, "aal2.two-factors", OutcomeFail, "out-of-band"},
		{"SMS plus password is restricted", Evidence{Method: MethodSMS, WithPassword: true},
			AAL2, false, "oob.pstn-restricted", OutcomeWarn, ""},
		{"SMS plus password is not phishing-resistant", Evidence{Method: MethodSMS, WithPassword: true},
			AAL2, false, "aal3.phishing-resistant", OutcomeFail, ""},
		{"voice plus password", Evidence{Method: MethodVoice, WithPassword: true},
			AAL2, false, "oob.pstn-restricted", OutcomeWarn, "telephone"},
		{"SMS cannot verify the user", Evidence{Method: MethodSMS, UserVerified: true},
			AAL1, false, "aal2.two-factors", OutcomeFail, ""},
		{"email code alone", Evidence{Method: MethodEmailOTP},
			LevelNone, false, "aal1.one-factor", OutcomeFail, "§3.1.3.1"},
		{"email code plus password", Evidence{Method: MethodEmailOTP, WithPassword: true},
			AAL1, false, "aal1.one-factor", OutcomePass, "password is the only factor"},
		{"Authenticator push", Evidence{Method: MethodAuthenticatorPush},
			AAL1, false, "aal2.two-factors", OutcomeFail, ""},
		{"Authenticator phone sign-in", Evidence{Method: MethodAuthenticatorPush, UserVerified: true},
			AAL2, false, "aal3.phishing-resistant", OutcomeFail, "relayed"},
		{"Authenticator push uses number matching", Evidence{Method: MethodAuthenticatorPush, WithPassword: true},
			AAL2, false, "oob.number-match", OutcomePass, ""},
		{"software OATH", Evidence{Method: MethodSoftwareOATH},
			AAL1, false, "aal2.two-factors", OutcomeFail, "single-factor OTP"},
		{"software OATH plus password", Evidence{Method: MethodSoftwareOATH, WithPassword: true},
			AAL2, false, "aal2.two-factors", OutcomePass, ""},
		{"software OATH with its own PIN", Evidence{Method: MethodSoftwareOATH, UserVerified: true},
			AAL2, false, "aal2.two-factors", OutcomePass, "multi-factor OTP"},
		{"hardware OATH plus password", Evidence{Method: MethodHardwareOATH, WithPassword: true},
			AAL2, false, "aal2.phishing-resistant-option", OutcomeWarn, ""},
		{"Windows Hello, attested hardware TPM",
			Evidence{Method: MethodWindowsHello, KeyProtection: KeyProtectionSecureElement, AttestationTrusted: true},
			AAL3, true, "aal3.authenticator-type", OutcomePass, ""},
		{"Windows Hello, software key", Evidence{Method: MethodWindowsHello, KeyProtection: KeyProtectionSoftware},
			AAL2, true, "aal3.non-exportable", OutcomeFail, ""},
		{"Windows Hello, hardware TPM without attestation", Evidence{Method: MethodWindowsHello, KeyProtection: KeyProtectionHardware},
			AAL2, true, "aal3.attested", OutcomeFail, ""},
		{"Windows Hello, weak key", Evidence{Method: MethodWindowsHello, KeyProtection: KeyProtectionHardware, WeakKey: true},
			LevelNone, false, "aal1.approved-crypto", OutcomeFail, "weak"},
		{"Platform SSO, attested Secure Enclave",
			Evidence{Method: MethodPlatformSSO, KeyProtection: KeyProtectionSecureElement, AttestationTrusted: true},
			AAL3, true, "aal3.phishing-resistant", OutcomePass, "origin binding"},
		{"smart card certificate with PIN",
			Evidence{Method: MethodCertificateMultiFactor, KeyProtection: KeyProtectionHardware, AttestationTrusted: true},
			AAL3, true, "aal3.phishing-resistant", OutcomePass, "channel binding"},
		{"single-factor software certificate", Evidence{Method: MethodCertificateSingleFactor, KeyProtection: KeyProtectionSoftware},
			AAL1, true, "aal2.two-factors", OutcomeFail, "single-factor cryptographic"},
		{"single-factor hardware certificate plus password",
			Evidence{Method: MethodCertificateSingleFactor, KeyProtection: KeyProtectionHardware, AttestationTrusted: true, WithPassword: true},
			AAL3, true, "aal3.authenticator-type", OutcomePass, ""},
		{"single-factor software certificate plus password",
			Evidence{Method: MethodCertificateSingleFactor, KeyProtection: KeyProtectionSoftware, WithPassword: true},
			AAL2, true, "aal3.non-exportable", OutcomeFail, ""},
		{"Authenticator passkey is device-bound by design",
			Evidence{Method: MethodAuthenticatorPasskey, UserVerified: true, KeyProtection: KeyProtectionSecureElement, AttestationTrusted: true},
			AAL3, true, "aal3.not-synced", OutcomePass, "Microsoft Authenticator"},
		{"Authenticator passkey reported synced",
			Evidence{Method: MethodAuthenticatorPasskey, UserVerified: true, Syncability: Syncable, KeyProtection: KeyProtectionSecureElement, AttestationTrusted: true},
			AAL2, true, "aal3.not-synced", OutcomeFail, ""},
		{"device-bound passkey has no sync fabric", yubiKeyLike,
			AAL3, true, "syncable.fabric-controls", OutcomeNotApplicable, ""},
		{"synced passkey needs fabric controls", Evidence{Method: MethodPasskey, UserVerified: true, Syncability: Syncable},
			AAL2, true, "syncable.fabric-controls", OutcomeWarn, ""},
		{"FIPS validation unknown does not lower the level", with(yubiKeyLike, func(e *Evidence) { e.FIPS140Level = 0 }),
			AAL3, true, "fips140.validation", OutcomeWarn, ""},
		{"Temporary Access Pass", Evidence{Method: MethodTAP},
			AAL1, false, "tap.single-factor", OutcomeWarn, ""},
		{"Temporary Access Pass is one factor", Evidence{Method: MethodTAP, UserVerified: true},
			AAL1, false, "aal2.two-factors", OutcomeFail, "look-up secret"},
		{"zero evidence", Evidence{},
			LevelNone, false, "aal1.one-factor", OutcomeFail, "no method"},
		{"unknown method", Evidence{Method: "carrierPigeon", UserVerified: true},
			LevelNone, false, "aal1.one-factor", OutcomeFail, "carrierPigeon"},
		{"unknown method plus password", Evidence{Method: "carrierPigeon", WithPassword: true},
			AAL1, false, "aal1.one-factor", OutcomePass, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Classify(tt.e)
			assert.Equal(t, tt.aal, res.AAL, "AAL")
			assert.Equal(t, tt.pr, res.PhishingResistant, "phishing resistance")
			step, ok := res.Step(tt.rule)
			require.True(t, ok, "trace lacks rule %s: %+v", tt.rule, res.Trace)
			assert.Equal(t, tt.outcome, step.Outcome, "outcome of %s (saw %q)", tt.rule, step.Saw)
			assert.Contains(t, step.Saw, tt.sawHas)
			assert.NotEmpty(t, step.Admin)
			assert.NotEmpty(t, step.Plain)
		})
	}
}

// sweep returns evidence over every combination of the fields that decide.
func sweep() []Evidence {
	var out []Evidence
	methods := append(Methods(), "", "carrierPigeon")
	for _, m := range methods {
		for _, uv := range []bool{false, true} {
			for _, s := range []Syncability{SyncabilityUnknown, Syncable, DeviceBound} {
				for _, kp := range []KeyProtection{KeyProtectionUnknown, KeyProtectionSoftware, KeyProtectionHardware, KeyProtectionTEE, KeyProtectionSecureElement, "remote_handle"} {
					for _, att := range []bool{false, true} {
						for _, pw := range []bool{false, true} {
							for _, weak := range []bool{false, true} {
								for _, fips := range []int{0, 3} {
									out = append(out, Evidence{
										Method: m, UserVerified: uv, Syncability: s, KeyProtection: kp,
										AttestationTrusted: att, WithPassword: pw, WeakKey: weak, FIPS140Level: fips,
									})
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}

// TestClassifyInvariants checks, over every combination, what the standard
// says must always hold.
func TestClassifyInvariants(t *testing.T) {
	all := Rules()
	for _, e := range sweep() {
		res := Classify(e)

		// The trace has every rule that covers the method, once, in order.
		var want []string
		for _, r := range all {
			if r.Applies(e.Method) {
				want = append(want, r.ID)
			}
		}
		var got []string
		for _, s := range res.Trace {
			got = append(got, s.Rule)
			require.NotEmpty(t, s.Citation, "%+v", e)
			require.NotEmpty(t, s.Saw, "%s %+v", s.Rule, e)
			require.NotEmpty(t, s.Admin, "%s %s %+v", s.Rule, s.Outcome, e)
			require.NotEmpty(t, s.Plain, "%s %s %+v", s.Rule, s.Outcome, e)
		}
		require.Equal(t, want, got, "%+v", e)

		// The level is the highest one whose gating rules did not fail.
		for _, r := range all {
			s, ok := res.Step(r.ID)
			if ok && r.Level != LevelNone && s.Outcome == OutcomeFail {
				require.Less(t, res.AAL, r.Level, "%s failed but AAL is %s: %+v", r.ID, res.AAL, e)
			}
			if ok && r.Level == LevelNone {
				require.NotEqual(t, OutcomeFail, s.Outcome, "advisory %s must not fail", r.ID)
			}
		}

		crypto := e.Method.kind() == kindCrypto
		require.Equal(t, crypto && !e.WeakKey, res.PhishingResistant, "%+v", e)
		if res.AAL == AAL3 {
			require.True(t, res.PhishingResistant, "AAL3 without phishing resistance: %+v", e)
			require.True(t, e.AttestationTrusted, "AAL3 without trusted attestation: %+v", e)
			require.True(t, e.KeyProtection.HardwareBacked(), "AAL3 with exportable key: %+v", e)
			require.NotEqual(t, Syncable, e.Syncability, "AAL3 for a synced key: %+v", e)
			if e.Method == MethodPasskey {
				require.Equal(t, DeviceBound, e.Syncability, "AAL3 for a passkey not known to be device-bound: %+v", e)
			}
		}
		if res.AAL >= AAL2 {
			require.True(t, e.UserVerified || e.WithPassword || e.Method.ownFactorsFixed(), "AAL2 from one factor: %+v", e)
		}
		if e.Method == MethodEmailOTP && !e.WithPassword {
			require.Equal(t, LevelNone, res.AAL, "email code counted as a factor: %+v", e)
		}
		if crypto && e.WeakKey {
			require.Equal(t, LevelNone, res.AAL, "weak key accepted: %+v", e)
		}
	}
}

// ownFactorsFixed: methods whose activation factor is part of the method.
func (m Method) ownFactorsFixed() bool {
	return m == MethodWindowsHello || m == MethodPlatformSSO || m == MethodCertificateMultiFactor
}

// TestEveryExplanationIsReachable keeps the table honest: each outcome a rule
// explains is produced by some evidence, and each outcome a rule produces is
// explained.
func TestEveryExplanationIsReachable(t *testing.T) {
	seen := map[string]map[Outcome]bool{}
	for _, e := range sweep() {
		for _, s := range Classify(e).Trace {
			if seen[s.Rule] == nil {
				seen[s.Rule] = map[Outcome]bool{}
			}
			seen[s.Rule][s.Outcome] = true
		}
	}
	for _, r := range Rules() {
		for _, x := range r.Explanations {
			assert.True(t, seen[r.ID][x.Outcome], "rule %s explains %s but never produces it", r.ID, x.Outcome)
		}
		for o := range seen[r.ID] {
			_, ok := r.Explain(o)
			assert.True(t, ok, "rule %s produces %s without explaining it", r.ID, o)
		}
	}
}

func BenchmarkClassify(b *testing.B) {
	cases := []Evidence{
		yubiKeyLike,
		{Method: MethodPasskey, UserVerified: true, Syncability: Syncable},
		{Method: MethodSMS, WithPassword: true},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = Classify(cases[i%len(cases)])
	}
}

// The memo is invisible: a repeated call returns what the rules return, and
// a caller that changes its trace changes no one else's.
func TestClassifyMemo(t *testing.T) {
	first := Classify(yubiKeyLike)
	require.NotEmpty(t, first.Trace)
	first.Trace[0].Admin = "changed by a caller"
	first.Trace = append(first.Trace[:1], Step{Rule: "added by a caller"})

	again := Classify(yubiKeyLike)
	assert.Equal(t, classify(yubiKeyLike), again)
	assert.NotEqual(t, "changed by a caller", again.Trace[0].Admin)
	aal, pr := Verdict(yubiKeyLike)
	assert.Equal(t, again.AAL, aal)
	assert.Equal(t, again.PhishingResistant, pr)

	// Past the bound, results are still right and the memo stops growing.
	for i := range maxMemo + 10 {
		e := yubiKeyLike
		e.FIPS140Level = i + 10
		assert.Equal(t, classify(e), Classify(e))
	}
	memo.RLock()
	defer memo.RUnlock()
	assert.LessOrEqual(t, len(memo.m), maxMemo)
}
