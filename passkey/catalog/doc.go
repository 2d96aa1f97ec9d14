// Package catalog names authenticators by AAGUID and says what kind of thing
// each one is: a passkey provider that syncs keys, a device-bound platform
// authenticator, or a roaming hardware security key.
//
// The kind is what a passkey rollout needs from an AAGUID: Microsoft Graph
// reports a registered passkey's aaGuid but no passkey type, and a synced
// passkey can serve at AAL2 but never at AAL3 (NIST SP 800-63B-4, Appendix B),
// so "is this credential synced?" is answered here first and then checked
// against the credential's own BE/BS flags.
//
// The embedded default catalog combines three reviewed sources, generated
// into catalog.json by ./internal/gen (run go generate ./passkey/catalog):
//
//   - provider names from the community list
//     passkeydeveloper/passkey-authenticator-aaguids (commit 47b6f84);
//   - a kind for each of those providers, with the reason and its source
//     (internal/gen/kinds.json); where the sources do not settle it, the kind
//     is [KindUnknown] and the reason says why;
//   - hardware security keys and platform authenticators confirmed from FIDO
//     MDS3 statements, vendor lists and real attestation certificates
//     (internal/gen/extra.json).
//
// NOTICE.md records the sources and licences.
//
// Entry points: [Lookup] and [All] read the default catalog; [ParseAAGUID]
// reads the canonical text form; [New] builds a [Catalog] from entries in
// order of precedence, for example the default catalog followed by entries
// derived from a FIDO MDS BLOB.
//
// The catalog is advisory. A catalog kind never outranks what a credential
// proves about itself: a BE flag of 1 means the key may be synced whatever
// the catalog says, and attestation (verified elsewhere) is what proves the
// model.
//
//	aaguid, err := catalog.ParseAAGUID("EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4")
//	if err != nil { ... }
//	e, ok := catalog.Lookup(aaguid) // "Google Password Manager", KindSyncedProvider, true
package catalog
