// Package peers answers, for one registration, what two libraries relying
// parties run would decide: go-webauthn's high-level API and
// @simplewebauthn/server's verifyRegistrationResponse, each with its
// defaults and the same RP ID, origins and challenge keytier's
// passkey.Verify was given. Where a library and keytier disagree, the
// verdict says which answer WebAuthn Level 3 supports, citing the section,
// and which setting of the library changes its answer.
//
// Compare is the entry point; it asks the peers it is given and judges
// their answers against keytier's:
//
//	_, err := passkey.Verify(data, opts)
//	for _, v := range peers.Compare(data, opts, err, gowebauthn.Check, peers.SimpleWebAuthn) {
//		fmt.Println(v) // "@simplewebauthn/server 14.1.0: refuses at user verification: …"
//	}
//
// go-webauthn runs in-process (it is keytier's own dependency), from the
// subpackage gowebauthn, which links go-webauthn's high-level webauthn
// package; a program that must stay small can leave it out.
// SimpleWebAuthn is a model of that library's decisions in Go, held to the
// real package by TestSimpleWebAuthnModelAgainstPackage, which runs the
// pinned release under Node.js over every sample in internal/samples.
package peers
