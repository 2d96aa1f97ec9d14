package passkey_test

import (
	"fmt"
	"time"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// Inspect a real iCloud Keychain registration without verifying it.
func ExampleInspect() {
	s, _ := samples.Get("wasmo-icloud-keychain-none")
	c, err := passkey.Inspect(s.Registration)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Format, c.AAGUID)
	fmt.Println(c.Authenticator, "·", c.PasskeyType, "· confidence", c.Backup.Confidence)
	fmt.Printf("UV=%v BE=%v BS=%v\n", c.Flags.UV, c.Flags.BE, c.Flags.BS)
	// Output:
	// none fbfc3007-154e-4ecc-8c0b-6e020557d7bd
	// Apple Passwords · synced · confidence medium
	// UV=true BE=true BS=true
}

// Verify a stored YubiKey 5Ci registration as the relying party that made
// it would.
func ExampleVerify() {
	s, _ := samples.Get("yubico-yubikey-5ci-packed")
	c, err := passkey.Verify(s.Registration, passkey.VerifyOptions{
		RPID:       "example.com",
		Origins:    []string{"https://example.com"},
		Challenge:  []byte("challenge"),
		Algorithms: passkey.RecommendedAlgorithms(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Authenticator, c.PasskeyType)
	fmt.Println("attestation:", c.Attestation.Type, "signature verified:", c.Attestation.SignatureVerified)

	// The same registration for another relying party fails, and says why.
	_, err = passkey.Verify(s.Registration, passkey.VerifyOptions{
		RPID:       "example.org",
		Origins:    []string{"https://example.com"},
		Challenge:  []byte("challenge"),
		Algorithms: passkey.RecommendedAlgorithms(),
	})
	fmt.Println(passkey.CodeOf(err))
	// Output:
	// YubiKey 5Ci (YubiKey 5 Series with Lightning) deviceBound
	// attestation: basic signature verified: true
	// rp_id_mismatch
}

// Re-verify a stored registration as of when it was made: the Pixel 8a's
// attestation chain expired in February 2025.
func ExampleVerifyOptions_Time() {
	s, _ := samples.Get("gw-pixel-8a-android-key")
	opts := passkey.VerifyOptions{
		RPID:       s.RPID,
		Origins:    []string{s.Origin},
		Challenge:  mustBase64URL(s.Challenge),
		Algorithms: passkey.RecommendedAlgorithms(),
	}
	_, err := passkey.Verify(s.Registration, opts)
	fmt.Println("today:", passkey.CodeOf(err))

	opts.Time = time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC)
	c, err := passkey.Verify(s.Registration, opts)
	fmt.Println("as of", c.Verification.ReferenceTime.Format(time.DateOnly)+":", err == nil, c.Attestation.Type)
	// Output:
	// today: certificate_expired
	// as of 2025-01-20: true basic
}

// Classify a synced passkey: AAL2 at most, whatever else it does right.
func ExampleCredential_Classify() {
	s, _ := samples.Get("altshift-google-password-manager-none")
	c, _ := passkey.Inspect(s.Registration)
	res := c.Classify()
	fmt.Println(res.AAL, "phishing-resistant:", res.PhishingResistant)
	step, _ := res.Step("aal3.not-synced")
	fmt.Println(step.Outcome, "—", step.Plain)
	// Output:
	// AAL2 phishing-resistant: true
	// fail — Your key can be copied to your other devices through your account, or we can't tell whether it can. That's fine for everyday work, but the highest level needs a key that never leaves one device.
}

// A relying party stores the record of a verified registration and checks
// each sign-in against it; the authenticator later reports the key backed
// up, and the record says so.
func ExampleVerifyAssertion() {
	phone, _ := passkeytest.New(passkeytest.Options{Algorithm: passkeytest.ES256, Attachment: "platform"})
	regChallenge, signInChallenge := []byte("registration challenge"), []byte("sign-in challenge")
	reg, _ := phone.Register(passkeytest.RegisterOptions{RPID: "example.com", Origin: "https://login.example.com",
		Challenge: regChallenge, UserVerified: true, UserHandle: []byte("user-42"), BackupEligible: true})

	c, err := passkey.Verify(reg.JSON, passkey.VerifyOptions{RPID: "example.com", Origins: []string{"https://login.example.com"},
		Challenge: regChallenge, Algorithms: passkey.RecommendedAlgorithms()})
	if err != nil {
		panic(err)
	}
	record, _ := passkey.NewRecord(c, []byte("user-42"), time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))

	// Later: a sign-in, from a key that has since been backed up.
	as, _ := phone.Assert(reg.Credential, passkeytest.AssertOptions{Origin: "https://login.example.com",
		Challenge: signInChallenge, UserVerified: true, BackedUp: true})
	s, err := passkey.VerifyAssertion(as.JSON, record, passkey.AssertionOptions{
		RPID:      "example.com",
		Origins:   []string{"https://login.example.com"},
		Challenge: signInChallenge,
	})
	if err != nil {
		panic(err)
	}
	for _, e := range s.Events {
		fmt.Println(e.Code, e.Old, "→", e.New)
	}
	fmt.Println(s.Record.Current.PasskeyType, s.Record.Current.AAL, "backed up:", s.Record.BackupState)
	// Output:
	// backup_state_changed 0 → 1
	// synced AAL2 backed up: true
}
