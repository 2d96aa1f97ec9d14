package passkey

import (
	"errors"
	"fmt"
)

// Code names what went wrong, in a form programs can branch on. The codes are
// part of keytier's contract: `keytier inspect --json` and the playground
// report them, and they keep their meaning across versions.
type Code string

// Input and decoding problems.
const (
	CodeInputEmpty         Code = "input_empty"         // nothing to read
	CodeInputTooLarge      Code = "input_too_large"     // more than MaxInputSize bytes
	CodeInputUnrecognized  Code = "input_unrecognized"  // neither registration JSON nor an attestation object in a known encoding
	CodeEncodingInvalid    Code = "encoding_invalid"    // bad base64url, base64 or hex
	CodeJSONInvalid        Code = "json_invalid"        // malformed JSON, or a member of the wrong type
	CodeFieldMissing       Code = "field_missing"       // a required member is absent or empty
	CodeCBORTruncated      Code = "cbor_truncated"      // CBOR ends before its declared content
	CodeCBORTrailingBytes  Code = "cbor_trailing_bytes" // bytes after the attestation object
	CodeCBORLimit          Code = "cbor_limit_exceeded" // nesting, array or map size over the limits
	CodeCBORInvalid        Code = "cbor_invalid"        // not well-formed CBOR, or not the expected shape
	CodeAuthDataInvalid    Code = "authenticator_data_invalid"
	CodeCredentialIDLength Code = "credential_id_too_long"
	CodeAlgUnsupported     Code = "algorithm_unsupported" // the credential public key uses an unknown or unusable COSE algorithm
	CodeClientDataInvalid  Code = "client_data_invalid"
	CodeResponseMismatch   Code = "response_inconsistent" // convenience members (publicKey, authenticatorData, …) disagree with the attestation object
	CodeOptionsInvalid     Code = "options_invalid"       // a VerifyOptions value is unusable (an origin that is not scheme://host[:port])
)

// Verification failures: each names the WebAuthn L3 §7.1 (Registering a New
// Credential) check that failed.
const (
	CodeClientDataType       Code = "client_data_type_mismatch" // C.type is not "webauthn.create"
	CodeChallengeMismatch    Code = "challenge_mismatch"        // C.challenge differs from the challenge sent
	CodeOriginMismatch       Code = "origin_mismatch"           // C.origin is not an expected origin
	CodeCrossOrigin          Code = "cross_origin_not_allowed"  // C.crossOrigin / C.topOrigin not expected
	CodeTopOriginMismatch    Code = "top_origin_mismatch"       // C.topOrigin not an expected top origin, or present without crossOrigin
	CodeRPIDMismatch         Code = "rp_id_mismatch"            // rpIdHash is not SHA-256 of the RP ID
	CodeUserNotPresent       Code = "user_not_present"          // UP flag not set
	CodeUserNotVerified      Code = "user_not_verified"         // UV required but flag not set
	CodeFlagsInconsistent    Code = "flags_inconsistent"        // BS set although BE is not (§6.1.3)
	CodeAlgNotAllowed        Code = "algorithm_not_allowed"     // alg not among the offered pubKeyCredParams
	CodeExtensionUnexpected  Code = "extension_unexpected"      // extension output that was not requested
	CodeFormatUnsupported    Code = "attestation_format_unsupported"
	CodeSignatureInvalid     Code = "attestation_signature_invalid" // the attestation signature does not verify
	CodeAttestationInvalid   Code = "attestation_invalid"           // statement malformed or its certificate fails the format's requirements
	CodeCertExpired          Code = "certificate_expired"           // an attestation certificate is not valid at the reference time
	CodeCertNotYetValid      Code = "certificate_not_yet_valid"
	CodeUntrusted            Code = "attestation_untrusted"    // trust required but the chain reaches no trust anchor
	CodeAuthenticatorStatus  Code = "authenticator_revoked"    // FIDO MDS reports the authenticator revoked or its keys compromised
	CodeCredentialIDMismatch Code = "credential_id_mismatch"   // rawId differs from the attested credential id
	CodeVerifyUnavailable    Code = "verification_unavailable" // verification asked for, but the input carries no clientDataJSON
)

// Sign-in failures: each names the WebAuthn L3 §7.2 (Verifying an
// Authentication Assertion) check that failed. The client-data, rpIdHash,
// UP/UV, extension and flags codes above apply to sign-in too.
const (
	CodeRecordInvalid            Code = "record_invalid"              // the stored credential record is unusable (no key, a key that does not parse, BS without BE)
	CodeCredentialNotAllowed     Code = "credential_not_allowed"      // credential.id is not in allowCredentials
	CodeUserHandleMissing        Code = "user_handle_missing"         // a discoverable sign-in without response.userHandle
	CodeUserHandleMismatch       Code = "user_handle_mismatch"        // response.userHandle is not the credential owner's
	CodeAssertionSignature       Code = "assertion_signature_invalid" // the signature does not verify with the stored public key
	CodeBackupEligibilityChanged Code = "backup_eligibility_changed"  // BE differs from the record (§6.1.3: fixed for life)
	CodeSignCountRegressed       Code = "sign_count_regressed"        // the counter did not advance and policy rejects that (§6.1.1)
)

// Error is the error every function of this package returns for bad input
// and failed verification. Where tells where the problem is: a JSON path
// ("response.attestationObject"), a byte offset ("attestationObject@117"), or
// or a check ("clientDataJSON.origin").
type Error struct {
	Code   Code
	Where  string
	Reason string
	Err    error // the underlying error, if any
}

func (e *Error) Error() string {
	msg := "passkey: " + string(e.Code)
	if e.Where != "" {
		msg += " at " + e.Where
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code, so callers can
// write errors.Is(err, &passkey.Error{Code: passkey.CodeOriginMismatch}).
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code && t.Where == "" && t.Reason == ""
}

// CodeOf returns the Code of err if it is (or wraps) an *Error, and "" otherwise.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func errorf(code Code, where string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Where: where, Reason: fmt.Sprintf(format, args...), Err: err}
}
