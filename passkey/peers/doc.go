// Package peers answers, for one registration, what two libraries relying
// parties run would decide: go-webauthn's high-level API and
// @simplewebauthn/server's verifyRegistrationResponse, each with its
// defaults and the same RP ID, origins and challenge keytier's
// passkey.Verify was given. Where a library and keytier disagree, the
// verdict says which answer WebAuthn Level 3 supports, citing the section,
// and which setting of the library changes its answer.
//
// Compare is the entry point; GoWebAuthn and SimpleWebAuthn ask one
// library each:
//
//	c, err := passkey.Verify(data, opts)
//	for _, v := range peers.Compare(data, opts, err) {
//		fmt.Println(v) // "@simplewebauthn/server 14.1.0: refuses at user verification: …"
//	}
//	_ = c
//
// go-webauthn runs in-process (it is keytier's own dependency).
// SimpleWebAuthn is a model of its decisions in Go, held to the real
// package by TestSimpleWebAuthnModelAgainstPackage, which runs the pinned
// release under Node.js over every sample in internal/samples.
package peers
