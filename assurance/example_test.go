package assurance_test

import (
	"fmt"

	"github.com/keytier/keytier/assurance"
)

func ExampleClassify() {
	// A passkey from a platform provider that syncs it (BE flag set),
	// unlocked with a fingerprint (UV flag set).
	synced := assurance.Classify(assurance.Evidence{
		Method:       assurance.MethodPasskey,
		UserVerified: true,
		Syncability:  assurance.Syncable,
	})
	fmt.Println("synced passkey:", synced.AAL, "phishing-resistant:", synced.PhishingResistant)
	step, _ := synced.Step("aal3.not-synced")
	fmt.Println(" ", step.Rule, step.Outcome, "-", step.Saw)

	// A security key with a PIN, its attestation verified against FIDO MDS.
	securityKey := assurance.Classify(assurance.Evidence{
		Method:             assurance.MethodPasskey,
		UserVerified:       true,
		Syncability:        assurance.DeviceBound,
		KeyProtection:      assurance.KeyProtectionSecureElement,
		AttestationTrusted: true,
		Certification:      "FIDO_CERTIFIED_L2",
	})
	fmt.Println("security key:", securityKey.AAL, "phishing-resistant:", securityKey.PhishingResistant)
	step, _ = securityKey.Step("aal3.non-exportable")
	fmt.Println(" ", step.Rule, step.Outcome, "-", step.Saw)
	// Output:
	// synced passkey: AAL2 phishing-resistant: true
	//   aal3.not-synced fail - synced (backup eligible): the key can be copied to a sync fabric
	// security key: AAL3 phishing-resistant: true
	//   aal3.non-exportable pass - key protection secure_element, FIDO certification FIDO_CERTIFIED_L2
}

func ExampleClassify_trace() {
	res := assurance.Classify(assurance.Evidence{Method: assurance.MethodSMS, WithPassword: true})
	fmt.Println(res.AAL, res.PhishingResistant)
	for _, s := range res.Trace {
		fmt.Printf("%-32s %s\n", s.Rule, s.Outcome)
	}
	// Output:
	// AAL2 false
	// aal1.one-factor                  pass
	// aal2.two-factors                 pass
	// aal2.replay-resistant            pass
	// aal3.phishing-resistant          fail
	// aal3.authenticator-type          fail
	// aal2.phishing-resistant-option   warn
	// oob.pstn-restricted              warn
}

func ExampleRules() {
	for _, r := range assurance.Rules() {
		if r.Level == assurance.AAL3 {
			fmt.Printf("%s (%s)\n", r.ID, r.Citation)
		}
	}
	// Output:
	// aal3.phishing-resistant (SP 800-63B-4 §3.2.5; §2.3.2)
	// aal3.authenticator-type (SP 800-63B-4 §2.3.1)
	// aal3.not-synced (SP 800-63B-4 Appendix B (Cloning of Authentication Keys); §3.1.7.4)
	// aal3.non-exportable (SP 800-63B-4 §2.3.2; §3.2.13)
	// aal3.attested (SP 800-63B-4 §2.3.2; §3.2.4)
}

func ExampleRequirements() {
	for _, l := range []assurance.Level{assurance.AAL1, assurance.AAL2, assurance.AAL3} {
		r := assurance.Requirements(l)
		fmt.Printf("%s: overall %v (%s), idle %v (%s), %s\n", l,
			r.ReauthOverall.Max, r.ReauthOverall.Keyword,
			r.ReauthInactivity.Max, r.ReauthInactivity.Keyword, r.ReauthCitation)
	}
	// Output:
	// AAL1: overall 720h0m0s (SHOULD), idle 0s (MAY), SP 800-63B-4 §2.1.3
	// AAL2: overall 24h0m0s (SHOULD), idle 1h0m0s (SHOULD), SP 800-63B-4 §2.2.3
	// AAL3: overall 12h0m0s (SHALL), idle 15m0s (SHOULD), SP 800-63B-4 §2.3.3
}
