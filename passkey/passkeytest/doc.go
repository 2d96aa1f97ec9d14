// Package passkeytest is a virtual WebAuthn authenticator for tests: it
// produces the registration and authentication responses a browser would
// send, signed with fixed test keys, so that relying-party code (keytier's
// own passkey package and its users') can be tested against real bytes.
//
// An [Authenticator] has an identity: an AAGUID, an attestation statement
// format ([AttestationNone], [AttestationPackedSelf], [AttestationPacked],
// [AttestationFIDOU2F]) and a credential algorithm ([ES256], [EdDSA],
// [RS256]). [Authenticator.Register] answers a navigator.credentials.create()
// call with a [Registration]: the PublicKeyCredential JSON exactly as
// PublicKeyCredential.toJSON() emits it (WebAuthn L3 §5.1), the bare
// attestation object (§6.5.4), clientDataJSON and the new [Credential].
// [Authenticator.Assert] answers navigator.credentials.get() with that
// credential.
//
// Every knob a relying party must check is exposed, including ones a real
// authenticator would never set wrong: flags such as BS without BE, a
// missing UP, a different RP ID hashed into the authenticator data, a
// corrupted signature ([Tamper]). Those are what negative tests are made of.
//
// # Trust
//
// The packed attestation certificates chain to a test root,
// [RootCertificate] (and [RootPEM]): root → intermediate → attestation leaf.
// The leaf meets WebAuthn L3 §8.2.1 and carries the authenticator's AAGUID
// in the id-fido-gen-ce-aaguid extension, so it is issued when the
// Authenticator is created. The fido-u2f attestation certificate is issued
// directly by the root. Trust the root in tests only: its keys are public.
//
// # Reproducibility
//
// Keys are fixed (testdata/, embedded), so credential ids, credential
// public keys and authenticator data are the same on every run. Signatures
// are deterministic too: Ed25519 and RSASSA-PKCS1-v1_5 always are, and
// ECDSA signatures (ES256 credentials, every packed x5c and fido-u2f
// attestation signature, the packed leaf certificate's own signature) are
// made with (*ecdsa.PrivateKey).Sign and a nil io.Reader, which Go 1.24 and
// later answer with an RFC 6979 deterministic signature. So the same
// Options and RegisterOptions yield byte-identical responses, for every
// attestation and algorithm, on every run (testdata/golden holds them). A
// caller's RegisterOptions.Key of another type than the standard library's
// keys signs with crypto/rand and is reproducible only if it is
// deterministic itself.
//
// What cannot be reproduced is key generation from a seed: Go 1.26 draws
// ECDSA and RSA keys from its own source of randomness whatever io.Reader is
// passed, which is why the keys are stored rather than derived.
//
// The keys and certificates were generated once by
// passkey/passkeytest/internal/gencerts; see that program's documentation.
package passkeytest
