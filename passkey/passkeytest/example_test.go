package passkeytest_test

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"

	"github.com/keytier/keytier/passkey/passkeytest"
)

// A security key with full packed attestation registers a passkey; the
// relying party (here go-webauthn) verifies the response and the
// attestation chain against the test root.
func ExampleAuthenticator_Register() {
	key, err := passkeytest.New(passkeytest.Options{
		AAGUID:      [16]byte{0x6b, 0x65, 0x79, 0x74, 0x69, 0x65, 0x72, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x00, 0x01},
		Attestation: passkeytest.AttestationPacked,
		Algorithm:   passkeytest.ES256,
		Attachment:  "cross-platform",
		Transports:  []string{"usb", "nfc"},
	})
	if err != nil {
		panic(err)
	}

	challenge := []byte("a fresh random challenge")

	reg, err := key.Register(passkeytest.RegisterOptions{
		RPID:         "example.com",
		Origin:       "https://example.com",
		Challenge:    challenge,
		UserVerified: true,
	})
	if err != nil {
		panic(err)
	}

	// reg.JSON is what the browser would post.
	pcc, err := protocol.ParseCredentialCreationResponseBytes(reg.JSON)
	if err != nil {
		panic(err)
	}

	_, err = pcc.Verify(base64.RawURLEncoding.EncodeToString(challenge), "example.com", []string{"https://example.com"}, nil, nil,
		protocol.TopOriginExplicitVerificationMode, false, true, true, nil,
		[]protocol.CredentialParameter{{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256}},
		protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
	fmt.Println("verified:", err == nil)
	fmt.Println("format:", pcc.Response.AttestationObject.Format)
	fmt.Println("attestation type:", pcc.Response.AttestationObject.Type)

	roots := x509.NewCertPool()
	roots.AddCert(passkeytest.RootCertificate())

	chain := key.Chain()
	intermediates := x509.NewCertPool()
	intermediates.AddCert(chain[1])

	_, err = chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	fmt.Println("chain trusted:", err == nil)

	// Output:
	// verified: true
	// format: packed
	// attestation type: basic_full
	// chain trusted: true
}

// A synced passkey signs in; the relying party verifies the assertion with
// the public key it stored at registration.
func ExampleAuthenticator_Assert() {
	provider, err := passkeytest.New(passkeytest.Options{Algorithm: passkeytest.EdDSA, Attachment: "platform"})
	if err != nil {
		panic(err)
	}

	reg, err := provider.Register(passkeytest.RegisterOptions{
		RPID: "example.com", Origin: "https://example.com", Challenge: []byte("registration challenge"),
		UserHandle: []byte("user-1"), UserVerified: true, BackupEligible: true, BackedUp: true,
	})
	if err != nil {
		panic(err)
	}

	challenge := []byte("authentication challenge")

	as, err := provider.Assert(reg.Credential, passkeytest.AssertOptions{
		Origin: "https://example.com", Challenge: challenge, UserVerified: true, BackedUp: true,
	})
	if err != nil {
		panic(err)
	}

	par, err := protocol.ParseCredentialRequestResponseBytes(as.JSON)
	if err != nil {
		panic(err)
	}

	err = par.Verify(base64.RawURLEncoding.EncodeToString(challenge), "example.com", "", []string{"https://example.com"}, nil, nil,
		protocol.TopOriginExplicitVerificationMode, false, true, true, reg.Credential.PublicKey, protocol.SignaturePolicy{})
	fmt.Println("verified:", err == nil)
	fmt.Println("user handle:", string(par.Response.UserHandle))
	fmt.Println("backed up:", par.Response.AuthenticatorData.Flags.HasBackupState())

	// Output:
	// verified: true
	// user handle: user-1
	// backed up: true
}

// A relying party's negative test: the same response signed for another
// RP ID must be refused.
func ExampleTamper() {
	key, err := passkeytest.New(passkeytest.Options{Attestation: passkeytest.AttestationPackedSelf})
	if err != nil {
		panic(err)
	}

	challenge := []byte("a fresh random challenge")

	reg, err := key.Register(passkeytest.RegisterOptions{
		RPID: "example.com", Origin: "https://example.com", Challenge: challenge,
		Tamper: passkeytest.Tamper{RPID: "evil.example"},
	})
	if err != nil {
		panic(err)
	}

	pcc, err := protocol.ParseCredentialCreationResponseBytes(reg.JSON)
	if err != nil {
		panic(err)
	}

	_, err = pcc.Verify(base64.RawURLEncoding.EncodeToString(challenge), "example.com", []string{"https://example.com"}, nil, nil,
		protocol.TopOriginExplicitVerificationMode, false, false, true, nil,
		[]protocol.CredentialParameter{{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256}},
		protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
	fmt.Println("refused:", err != nil)

	// Output:
	// refused: true
}
