// Package assurance turns neutral evidence about an authenticator into a
// NIST SP 800-63B-4 authentication assurance level (AAL), a phishing
// resistance verdict and a trace that explains every rule it applied.
//
// The package imports nothing else from keytier. Callers describe what they
// know about a sign-in method in an [Evidence] value (the WebAuthn UV and BE
// flags, where the key is kept, whether the attestation chained to a trusted
// root, ...) and call [Classify]. Every rule lives in one table, listed by
// [Rules]; each carries its citation, a summary and two explanations per
// outcome: one for identity administrators and one in plain "unlock"
// language for the people who use the credential. Per-level session and
// FIPS 140 requirements are data too, returned by [Requirements].
//
//	res := assurance.Classify(assurance.Evidence{
//		Method:       assurance.MethodPasskey,
//		UserVerified: true,
//		Syncability:  assurance.Syncable,
//	})
//	// res.AAL == assurance.AAL2, res.PhishingResistant == true
//
// # How the level is decided
//
// Each rule gates one level (AAL1, AAL2 or AAL3) or is advisory. The result
// is the highest level whose gating rules, and those of every lower level,
// did not fail. Advisory rules never lower the level: they carry conditions
// the standard attaches (restricted authenticators, sync fabric controls,
// FIPS 140 procurement) that keytier cannot observe in a credential.
//
// # Decisions about the standard
//
// Sources: SP 800-63B-4 (pages.nist.gov/800-63-4/sp800-63b, its Appendix B
// "Syncable Authenticators" and change log) and Microsoft's mapping of Entra
// methods to AALs (learn.microsoft.com/entra/standards/
// nist-authenticator-assurance-level-1, -2 and -3). Where the evidence or the
// text left room, keytier decided as follows.
//
//   - AAL3 requires trusted attestation. §2.3.2 requires a non-exportable key
//     (§3.2.13: a separate chip or isolated execution environment). The
//     backup-eligibility flag and catalog data are the authenticator's own
//     claims; only an attestation chained to a trusted root (§3.2.4) proves
//     the hardware. Without it keytier grants AAL2 at most.
//   - Unknown syncability is never promoted to AAL3: keytier cannot rule out
//     that the key is exportable (Appendix B: syncing means exporting).
//   - Temporary Access Pass is one factor, not phishing-resistant: an issued
//     secret typed by hand, closest to a look-up secret (§3.1.2) or a
//     recovery code (§4.2). Microsoft Entra treats it as strong
//     authentication for registering methods; SP 800-63B-4 has no such
//     notion, so the trace says so.
//   - Email codes are not an authenticator: email SHALL NOT be used for
//     out-of-band authentication (§3.1.3.1).
//   - Microsoft Authenticator push counts as out-of-band because Entra
//     requires number matching: the claimant carries the number from the
//     sign-in screen to the app, the transfer §3.1.3.1 requires. With the
//     app's own unlock (UserVerified) it is multi-factor out-of-band
//     (§3.1.3.4), as Microsoft maps phone sign-in.
//   - Windows Hello for Business, macOS Platform SSO (Secure Enclave key) and
//     certificate-based authentication are multi-factor cryptographic
//     authenticators per Microsoft's mapping; a single-factor certificate
//     needs a password alongside. Hardware versus software key protection is
//     read from [Evidence.KeyProtection], not from the method.
//   - FIPS 140 validation is reported by an advisory rule and never lowers
//     the level: it is a procurement condition for federal agencies that a
//     credential cannot prove. The AAL3 levels in [Requirements] carry a note
//     on what could and could not be confirmed in the published text.
package assurance
