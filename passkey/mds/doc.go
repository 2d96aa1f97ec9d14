// Package mds loads a FIDO Metadata Service v3 BLOB that the caller supplies
// as bytes and answers what keytier's credential verdicts need: is this
// authenticator model listed, how are its keys protected, which roots anchor
// its attestation, what is its FIDO and FIPS certification, and has it been
// revoked or compromised.
//
// The main entry points are [Load], which verifies and parses a BLOB, and the
// [BLOB] it returns: [BLOB.Lookup] by AAGUID, [BLOB.LookupByKeyIdentifier]
// for fido-u2f authenticators, [BLOB.Stale], and [BLOB.Provider], a
// go-webauthn metadata.Provider over the same entries for attestation
// verification.
//
//	root, _ := x509.ParseCertificate(globalSignRootR3DER) // what you trust
//	blob, err := mds.Load(blobBytes, mds.Options{Root: root})
//	if err != nil { ... }
//	if blob.Stale(time.Now()) { log.Print("MDS BLOB is past its nextUpdate") }
//	if e, ok := blob.Lookup(aaguid); ok { fmt.Println(e.CertificationLevel) }
//
// # What Load verifies
//
// Load follows FIDO MDS3 §3.2 (Metadata BLOB object processing rules) for a
// BLOB already in hand:
//
//   - the input is at most [Options.MaxSize] bytes and is a compact JWS with
//     three base64url parts;
//   - the header's alg is RS256 or ES256, the algorithms FIDO's BLOBs are
//     signed with; anything else, "none" included, is refused;
//   - a header carrying x5u is refused (step 4): Load never fetches anything;
//   - the x5c chain verifies to [Options.Root] at [Options.Now] (RFC 5280 path
//     validation by crypto/x509, validity periods included); without x5c the
//     root itself is taken as the signing certificate (step 5);
//   - the chain's certificates are checked against the CRLs in
//     [Options.CRLs], when the caller supplies them (step 2);
//   - the JWS signature verifies under the signing certificate's key (step 6);
//   - the payload is JSON with a parseable nextUpdate; entries are parsed by
//     go-webauthn's metadata package (metadata.EntryJSON.Parse), step 8.
//
// # What Load does not verify
//
//   - Revocation, unless the caller passes CRLs: Load does no CRL or OCSP
//     fetching. This is why Load does not call go-webauthn's
//     metadata.Decoder.DecodeBytes, which fetches CRLs and OCSP responses
//     over the network for the chain and reads the wall clock.
//   - Freshness: a BLOB past its nextUpdate still loads, because a slightly
//     old BLOB is far better than none; [BLOB.Stale] reports it so the
//     caller can warn.
//   - Serial number monotonicity (step 6: "no" must be greater than the last
//     one seen): Load has no memory of earlier BLOBs; compare [BLOB.Number]
//     yourself.
//   - Entries go-webauthn cannot parse do not fail the load; they are listed
//     in [BLOB.Skipped] with the reason, as go-webauthn's own fetcher skips
//     them. Refuse the BLOB yourself if any is skipped and that matters.
//   - Unknown JSON members are ignored, so newer BLOBs still load.
package mds
