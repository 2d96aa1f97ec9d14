package passkey

// Limits on untrusted input, in one place. Every decoder in this package
// enforces them before doing any work proportional to the input, so a hostile
// credential costs at most a few milliseconds and a bounded amount of memory.
const (
	// MaxInputSize bounds the bytes Inspect and Verify accept. The largest real
	// registrations (Android SafetyNet with its JWS, TPM with an AIK chain) are
	// around 12 KiB as base64 inside JSON; 256 KiB leaves room for long
	// certificate chains and extension outputs while refusing anything absurd.
	MaxInputSize = 256 << 10

	// MaxCBORNesting is the deepest CBOR array/map nesting accepted. It is
	// go-webauthn's own limit (webauthncbor's nestedLevelsAllowed), so that
	// anything deeper fails here, with cbor_limit_exceeded, rather than
	// passing keytier's check and failing in go-webauthn's decoder with a
	// vaguer code. It is enough: an attestation object is a map (1) holding
	// the statement map (2) whose deepest member, x5c, is an array (3) of byte
	// strings; a compound statement's array of maps of arrays reaches 4; COSE
	// keys are flat maps (1). Every real and W3C sample is at most 3 deep.
	// fxamacker/cbor accepts no limit below 4.
	MaxCBORNesting = 5

	// MaxCBORArrayElements bounds any CBOR array: x5c chains are a handful of
	// certificates; compound statements a handful of sub-statements.
	MaxCBORArrayElements = 64

	// MaxCBORMapPairs bounds any CBOR map: attestation statements and COSE keys
	// have fewer than ten members; extension outputs a few more.
	MaxCBORMapPairs = 64

	// MaxCredentialIDLength is the WebAuthn L3 §7.1 limit: "Verify that the
	// credentialId is ≤ 1023 bytes."
	MaxCredentialIDLength = 1023
)
