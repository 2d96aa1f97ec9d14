package passkey_test

import (
	"fmt"
	"os"

	"github.com/google/uuid"

	"github.com/keytier/keytier/passkey"
)

// Read a tenant's FIDO2 policy with passkey profiles, as Graph returns it.
func ExampleParseFIDO2Policy() {
	data, _ := os.ReadFile("testdata/policy/keytier-rollout.json")
	p, err := passkey.ParseFIDO2Policy(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, pp := range p.PasskeyProfiles {
		fmt.Printf("%s: %s, attestation %s\n", pp.Name, pp.PasskeyTypes, pp.AttestationEnforcement)
	}

	// A profile that names an AAGUID Graph would not accept fails with its path.
	_, err = passkey.ParseFIDO2Policy([]byte(`{"passkeyProfiles":[{"id":"p1","passkeyTypes":"deviceBound",
		"keyRestrictions":{"isEnforced":true,"enforcementType":"allow","aaGuids":["YubiKey 5"]}}]}`))
	fmt.Println(err)
	// Output:
	// Default passkey profile: deviceBound, attestation disabled
	// Privileged: attested security keys: deviceBound, attestation registrationOnly
	// Workforce: synced or device-bound: deviceBound,synced, attestation disabled
	// passkey: invalid FIDO2 policy at passkeyProfiles.0.keyRestrictions.aaGuids.0: "YubiKey 5" is not an AAGUID in 8-4-4-4-12 hexadecimal form
}

// Decide whether an administrator may register a passkey, and why not.
func ExampleFIDO2Policy_Evaluate() {
	data, _ := os.ReadFile("testdata/policy/keytier-rollout.json")
	p, _ := passkey.ParseFIDO2Policy(data)
	admin := passkey.Subject{UserID: "u1", GroupIDs: []string{"a1000000-0000-4000-8000-000000000001"}}

	yubiKey := passkey.CredentialFacts{
		AAGUID:      uuid.MustParse("2fc0579f-8113-47ea-b116-bb5a8db9202a"),
		Type:        passkey.DeviceBound,
		Attestation: passkey.AttestationTrusted,
	}
	d := p.Evaluate(admin, yubiKey)
	fmt.Println("YubiKey admitted:", d.Admitted, "by", d.By.Profile.Name)

	authenticator := passkey.CredentialFacts{
		AAGUID:        uuid.MustParse("90a3ccdf-635c-4729-a248-9b709135078f"),
		Authenticator: "Microsoft Authenticator for iOS",
		Type:          passkey.DeviceBound,
	}
	d = p.Evaluate(admin, authenticator)
	fmt.Println("Authenticator admitted:", d.Admitted)
	for _, r := range d.Reasons {
		fmt.Println("-", r.Code, r.Message)
	}
	// Output:
	// YubiKey admitted: true by Privileged: attested security keys
	// Authenticator admitted: false
	// - aaguid_not_allowed "Privileged: attested security keys": AAGUID 90a3ccdf-635c-4729-a248-9b709135078f (Microsoft Authenticator for iOS) is not on the profile's allow list
	// - attestation_required "Privileged: attested security keys": the profile enforces attestation, and this passkey presents none
	// - aaguid_blocked "Workforce: synced or device-bound": AAGUID 90a3ccdf-635c-4729-a248-9b709135078f (Microsoft Authenticator for iOS) is on the profile's block list
}

// What assurance can the passkeys a profile admits reach?
func ExamplePasskeyProfile_AALRange() {
	workforce := passkey.PasskeyProfile{Name: "Workforce", PasskeyTypes: "synced"}
	attested := passkey.PasskeyProfile{Name: "Attested, any model", PasskeyTypes: "deviceBound", AttestationEnforcement: passkey.AttestationAtRegistration}
	admins := attested
	admins.Name = "Admins: YubiKey 5 NFC only"
	isEnforced := true
	admins.KeyRestrictions = &passkey.KeyRestrictions{IsEnforced: &isEnforced, EnforcementType: passkey.EnforceAllow,
		AAGUIDs: []string{"2fc0579f-8113-47ea-b116-bb5a8db9202a"}}
	for _, pp := range []passkey.PasskeyProfile{workforce, attested, admins} {
		lo, hi := pp.AALRange()
		fmt.Printf("%s: %s to %s\n", pp.Name, lo, hi)
	}
	fmt.Println(attested.Assurance().FloorLimits)
	for _, why := range workforce.Assurance().Why {
		fmt.Println(why)
	}
	// Output:
	// Workforce: AAL2 to AAL2
	// Attested, any model: AAL2 to AAL3
	// Admins: YubiKey 5 NFC only: AAL3 to AAL3
	// [no AAGUID allow list is enforced, so any model may register, including ones that keep keys in software or whose key protection is unknown]
	// The profile admits synced passkeys.
	// Attestation is not enforced, so it admits passkeys with and without attestation.
	// Entra requires user verification (PIN or biometric) at every passkey registration and sign-in, so each one it admits is multi-factor.
	// Floor below AAL3 because it admits synced passkeys, whose keys are exportable (SP 800-63B-4 Appendix B); attestation is not enforced, so a passkey's AAGUID is its own claim and nothing proves where its key is; no AAGUID allow list is enforced, so any model may register, including ones that keep keys in software or whose key protection is unknown.
	// Lowest AAL2: synced passkey with user verification, not attested; capped by aal3.not-synced, aal3.non-exportable, aal3.attested.
	// Highest AAL2: synced passkey with user verification, not attested; capped by aal3.not-synced, aal3.non-exportable, aal3.attested.
}

// Review which profile each include target brings to its members.
func ExampleFIDO2Policy_Assignments() {
	data, _ := os.ReadFile("testdata/policy/keytier-rollout.json")
	p, err := passkey.ParseFIDO2Policy(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range p.Assignments() {
		t := p.IncludeTargets[a.Index]
		for _, sp := range a.Profiles {
			fmt.Printf("includeTargets.%d (%s %s): %s\n", a.Index, t.TargetType, t.ID, sp.Profile.Name)
		}
	}
	// Output:
	// includeTargets.0 (group a1000000-0000-4000-8000-000000000001): Privileged: attested security keys
	// includeTargets.1 (group all_users): Workforce: synced or device-bound
}
