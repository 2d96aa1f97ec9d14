package passkey

// Limits on the Graph JSON documents this package reads: the FIDO2 method
// policy (ParseFIDO2Policy) and registered passkeys (ParseFIDO2Method,
// ParseFIDO2Methods). Each is enforced before the document is decoded into
// Go values, so a hostile document costs a bounded amount of memory and time.
//
// Entra caps the whole authentication methods policy at 20 KB and quotes the
// cost of its parts: a passkey profile with 10 AAGUIDs is about 0.3 KB, a
// target about 0.23 KB (learn.microsoft.com/entra/identity/authentication/
// how-to-authentication-passkey-profiles, "Policy size limit"). The limits
// below leave an order of magnitude of room above what Entra can store, so
// a real tenant never meets them.
const (
	// MaxPolicySize bounds the bytes ParseFIDO2Policy reads: a
	// fido2AuthenticationMethodConfiguration, or the whole
	// authenticationMethodsPolicy that holds it. Entra's own ceiling is 20 KB.
	MaxPolicySize = 256 << 10

	// MaxPolicyDepth is the deepest JSON nesting accepted. The deepest member
	// Graph writes, an AAGUID inside a profile's key restrictions inside the
	// whole authenticationMethodsPolicy, sits at depth 7.
	MaxPolicyDepth = 16

	// MaxPolicyArrayElements bounds every JSON array in a policy document,
	// including arrays in members keytier does not read.
	MaxPolicyArrayElements = 2048

	// MaxPasskeyProfiles bounds passkeyProfiles. Entra supports three today
	// ("Support for more passkey profiles is in development").
	MaxPasskeyProfiles = 64

	// MaxPolicyTargets bounds includeTargets and excludeTargets, each. At
	// about 0.23 KB a target, 20 KB holds fewer than 90.
	MaxPolicyTargets = 1024

	// MaxTargetProfiles bounds one include target's allowedPasskeyProfiles.
	MaxTargetProfiles = MaxPasskeyProfiles

	// MaxRestrictionAAGUIDs bounds one keyRestrictions.aaGuids list. An
	// AAGUID costs about 40 bytes, so 20 KB holds about 500.
	MaxRestrictionAAGUIDs = 1024

	// MaxMethodSize bounds the bytes ParseFIDO2Method and ParseFIDO2Methods
	// read. A fido2AuthenticationMethod is a few hundred bytes; a list of
	// them a few KB.
	MaxMethodSize = 256 << 10

	// MaxMethods bounds the records of a fido2Methods list.
	MaxMethods = 256

	// MaxMethodCertificates bounds one record's attestationCertificates;
	// Graph lists one thumbprint per certificate of the attestation chain.
	MaxMethodCertificates = 16
)
