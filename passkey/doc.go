// Package passkey decodes, verifies and classifies WebAuthn credentials.
//
// It answers three questions about a passkey registration: what is it
// (attestation format, authenticator, synced or device-bound), can it be
// trusted (was the attestation verified, and does it chain to a trust
// anchor), and what assurance does it give (NIST SP 800-63B-4 AAL, through
// package assurance), each with the reasons.
//
// The entry points:
//
//   - Inspect decodes a registration response (PublicKeyCredential JSON) or
//     a bare attestation object in base64url, base64, hex or raw CBOR,
//     without checking anything cryptographic.
//   - Verify runs the WebAuthn L3 §7.1 registration procedure against a
//     relying party's VerifyOptions, at a reference time, with trust
//     anchors from a FIDO MDS3 BLOB (package mds) or explicit roots.
//   - Credential.Classify returns the AAL with its rule trace.
//   - Analyze does all three and returns the Report that
//     `keytier inspect --json` prints.
//   - ParseFIDO2Policy reads Entra's FIDO2 (passkey) method policy with its
//     passkey profiles, as Microsoft Graph serves it; FIDO2Policy.Evaluate
//     decides whether a user's credential is admitted, and by which
//     profile, or why not; PasskeyProfile.AALRange says which assurance
//     levels a profile can admit, and AssuranceWith, with FIDO metadata,
//     what holds its floor below AAL3. ParseFIDO2Method reads Graph's
//     record of a registered passkey for the same decisions;
//     CredentialFacts.Evidence turns either into assurance evidence, the
//     one mapping profile ranges and readiness's per-user tiers share.
//   - NewRecord turns a verified registration into the Record a relying
//     party stores; ParseRecord reads one back (keytier's JSON, or a
//     go-webauthn webauthn.Credential row). VerifyAssertion runs the
//     WebAuthn L3 §7.2 sign-in procedure against a Record and returns the
//     updated Record with the Events the sign-in revealed: a key backed up
//     since registration, a backup eligibility that changed, a counter
//     that went back, a user not verified.
//   - ReadRecords and ClassifyRecords judge a relying party's stored
//     credentials in bulk, streaming (a JSON array, JSON Lines or a tenant
//     snapshot; keytier records, go-webauthn rows or Graph passkey
//     records), row by row with the problems of each, and FleetSummary
//     counts them.
//
// # Who checks what
//
// go-webauthn's protocol package parses the CBOR and authenticator data
// for Verify and runs each attestation format's verification procedure
// (§8). Inspect, which reports only what is sliced out of the bytes, reads
// common registrations in one pass of its own (inspect_fast.go,
// response_fast.go) and hands anything unusual, and every error, to the
// same decoding Verify uses. keytier adds the §7.1 steps that package
// leaves to its callers or loosens:
//
//   - CBOR is checked against explicit limits (limits.go) before go-webauthn
//     decodes it; trailing bytes and truncation get their own codes.
//   - clientDataJSON members are matched exactly (Go's encoding/json would
//     accept "Challenge" for "challenge", and a repeated member).
//   - The challenge is compared as bytes, in constant time.
//   - The origin and top origin must equal a configured origin in its
//     serialized form, scheme://host[:port] (go-webauthn compares scheme
//     and host only, so a path or userinfo slipped through); see
//     VerifyOptions.Origins.
//   - BS without BE is refused (§6.1.3; go-webauthn checks it only in its
//     high-level webauthn package).
//   - Extension outputs are checked against the extensions requested.
//   - rawId must equal the attested credential id, and toJSON()'s
//     convenience members must agree with the attestation object.
//   - Attestation certificates must be valid at a reference time: go-webauthn
//     ignores expiry for android-key and apple and uses the wall clock for
//     the other formats. When it refuses a packed, fido-u2f or tpm
//     statement only for its clock and the caller asked about another time,
//     keytier verifies that statement itself as of then (pasttime.go).
//   - go-webauthn's built-in vendor roots (Apple for apple, Google for
//     android-key) and TCG vendor list (tpm) give way to the caller's trust
//     anchors: when the chain reaches one, keytier performs the format's
//     procedure itself (pasttime.go, androidkey.go).
//   - The trust path is evaluated against the caller's anchors at the
//     reference time (go-webauthn's §7.1 trust steps are TODOs), and the
//     FIDO MDS status of the authenticator applied.
//
// The credential id's uniqueness across users (§7.1) is the relying
// party's to check against its own records.
//
// For sign-ins, VerifyAssertion performs §7.2 itself, on go-webauthn's
// protocol types (AuthenticatorData) and COSE keys (webauthncose): the same
// exact origin comparison as registration, the credential and user steps
// (allowCredentials, userHandle) that go-webauthn keeps in its high-level
// package, and the backup flags and signature counter against the stored
// record, which go-webauthn's protocol package does not see. Those last
// comparisons run after the signature is verified, so what they write into
// the record is the authenticator's signed word.
//
// # Synced or device-bound
//
// The BE flag (§6.1.3) says whether a credential is backup eligible. It is
// signed by the authenticator but only as trustworthy as the attestation,
// so keytier cross-checks it against the authenticator catalog (package
// catalog) and reports a Confidence. When the two disagree, keytier
// believes whichever gives the lower assurance; see Backup.
package passkey
