package peers_test

import (
	"encoding/base64"
	"fmt"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/peers"
	"github.com/keytier/keytier/passkey/peers/gowebauthn"
)

// A registration made in a cross-origin iframe, for a relying party that
// does not allow that: keytier and go-webauthn refuse it, SimpleWebAuthn
// does not look.
func ExampleCompare() {
	s, _ := samples.Get("NoneES256CrossOriginNotAllowed")
	challenge, _ := base64.RawURLEncoding.DecodeString(s.Challenge)
	opts := passkey.VerifyOptions{
		RPID:       s.RPID,
		Origins:    []string{s.Origin},
		Challenge:  challenge,
		Algorithms: passkey.RecommendedAlgorithms(),
	}
	_, err := passkey.Verify(s.Registration, opts)
	fmt.Println("keytier:", passkey.CodeOf(err))
	for _, v := range peers.Compare(s.Registration, opts, err, gowebauthn.Check, peers.SimpleWebAuthn) {
		fmt.Printf("%s: accepts %v, at %q\n", v.Name, v.Accepts, v.Step)
		if !v.AgreesWithKeytier {
			fmt.Printf("  right by WebAuthn L3: %s (%s)\n", v.RightBySpec, v.Section)
		}
	}
	// Output:
	// keytier: cross_origin_not_allowed
	// go-webauthn: accepts false, at "clientDataJSON.crossOrigin"
	// @simplewebauthn/server: accepts true, at ""
	//   right by WebAuthn L3: keytier (§7.1, the step on C.crossOrigin)
}

// SimpleWebAuthn requires user verification unless told otherwise.
func ExampleSimpleWebAuthn() {
	s, _ := samples.Get("NoneES256")
	challenge, _ := base64.RawURLEncoding.DecodeString(s.Challenge)
	v := peers.SimpleWebAuthn(s.Registration, passkey.VerifyOptions{
		RPID:       s.RPID,
		Origins:    []string{s.Origin},
		Challenge:  challenge,
		Algorithms: passkey.RecommendedAlgorithms(),
	})
	fmt.Println(v)
	fmt.Println("option:", v.Option)
	// Output:
	// @simplewebauthn/server 14.1.0: refuses at user verification: User verification was required, but user could not be verified
	// option: requireUserVerification: false
}
