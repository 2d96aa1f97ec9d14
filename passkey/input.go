package passkey

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
)

// InputKind says what Inspect found in its input.
type InputKind string

const (
	// InputRegistrationResponse is a PublicKeyCredential JSON object from a
	// registration ceremony, as PublicKeyCredential.toJSON() or go-webauthn's
	// protocol.CredentialCreationResponse produce it.
	InputRegistrationResponse InputKind = "registrationResponse"
	// InputAttestationObject is a bare attestation object (WebAuthn L3 §6.5.4).
	InputAttestationObject InputKind = "attestationObject"
)

// Encoding says how a bare attestation object was encoded.
type Encoding string

const (
	EncodingJSON      Encoding = "json" // a registration response (its binary members are base64url)
	EncodingBase64URL Encoding = "base64url"
	EncodingBase64    Encoding = "base64"
	EncodingHex       Encoding = "hex"
	EncodingCBOR      Encoding = "cbor" // raw bytes
)

// Input describes the detected input.
type Input struct {
	Kind     InputKind `json:"kind"`
	Encoding Encoding  `json:"encoding"`
	Size     int       `json:"size"`
}

// cborLimits is the decoder every CBOR byte from outside passes through
// before go-webauthn sees it: explicit resource limits (limits.go) and the
// CTAP2 restrictions (no indefinite lengths, no tags, no duplicate keys).
var cborLimits = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  MaxCBORNesting,
		MaxArrayElements: MaxCBORArrayElements,
		MaxMapPairs:      MaxCBORMapPairs,
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsForbidden,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
	}.DecMode()
	if err != nil {
		panic("passkey: invalid CBOR limits: " + err.Error()) // constants: a programming error, caught by every test
	}
	return dm
}()

// checkCBOR reports whether data is exactly one well-formed CBOR item within
// the limits, naming where in the input a problem is.
func checkCBOR(data []byte, where string) error {
	if len(data) == 0 {
		return errorf(CodeFieldMissing, where, nil, "empty attestation object")
	}
	err := cborLimits.Wellformed(data)
	if err == nil {
		return nil
	}
	var extra *cbor.ExtraneousDataError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errorf(CodeCBORTruncated, where, nil, "CBOR ends after %d bytes, before the item it declares is complete", len(data))
	case errors.As(err, &extra):
		return errorf(CodeCBORTrailingBytes, where, nil, "%s", strings.TrimPrefix(err.Error(), "cbor: "))
	case overLimit(err):
		return errorf(CodeCBORLimit, where, nil, "%s", strings.TrimPrefix(err.Error(), "cbor: "))
	case notCTAP2(err):
		return errorf(CodeCBORInvalid, where, nil, "not CTAP2 canonical CBOR: %s", strings.TrimPrefix(err.Error(), "cbor: "))
	default:
		return errorf(CodeCBORInvalid, where, nil, "%s", strings.TrimPrefix(err.Error(), "cbor: "))
	}
}

// overLimit reports whether a CBOR error is one of keytier's resource limits.
func overLimit(err error) bool {
	var (
		nest  *cbor.MaxNestedLevelError
		arr   *cbor.MaxArrayElementsError
		pairs *cbor.MaxMapPairsError
	)
	return errors.As(err, &nest) || errors.As(err, &arr) || errors.As(err, &pairs)
}

// notCTAP2 reports whether a CBOR error is one of the CTAP2 restrictions.
func notCTAP2(err error) bool {
	var (
		indef   *cbor.IndefiniteLengthError
		tags    *cbor.TagsMdError
		dupKeys *cbor.DupMapKeyError
	)
	return errors.As(err, &indef) || errors.As(err, &tags) || errors.As(err, &dupKeys)
}

// skipCBOR is a decoding target that keeps nothing: UnmarshalFirst into it
// checks one item against the limits and tells where it ends.
type skipCBOR struct{}

func (*skipCBOR) UnmarshalCBOR([]byte) error { return nil }

// checkAuthDataCBOR checks the two CBOR items inside the authenticator data
// (WebAuthn L3 §6.1): the credential public key (§6.5.1.1) and the
// extension outputs (§9). The attestation object holds authData as one byte
// string, so checkCBOR never looks inside it, and go-webauthn decodes both
// items with its own decoder, whose array and map limits are fxamacker's
// defaults (131072). Checked here first, a hostile COSE key or extension map
// costs what a hostile attestation object costs and fails with the same
// code. Structural problems (a short header, a credential id longer than the
// data) are left to go-webauthn's parser, which names them.
func checkAuthDataCBOR(ad []byte, where string) error {
	const (
		flagAT = 0x40
		flagED = 0x80
	)
	if len(ad) < 37 {
		return nil
	}
	flags, off := ad[32], 37
	if flags&flagAT != 0 {
		if len(ad) < 55 {
			return nil
		}
		off = 55 + int(binary.BigEndian.Uint16(ad[53:55]))
		if off >= len(ad) {
			return nil
		}
		rest, err := cborLimits.UnmarshalFirst(ad[off:], new(skipCBOR))
		if err != nil {
			return authDataCBORError(err, where+".credentialPublicKey", "credential public key", off)
		}
		off = len(ad) - len(rest)
	}
	if flags&flagED == 0 || off == len(ad) {
		// Leftover bytes, or ED without extensions: go-webauthn's parser
		// refuses both.
		return nil
	}
	if err := cborLimits.Wellformed(ad[off:]); err != nil {
		return authDataCBORError(err, where+".extensions", "extension outputs", off)
	}
	return nil
}

// authDataCBORError names a problem with a CBOR item inside the
// authenticator data starting at byte off. Over a limit it is keytier's
// limit code; anything else means the authenticator data is malformed.
func authDataCBORError(err error, where, item string, off int) error {
	var extra *cbor.ExtraneousDataError
	msg := strings.TrimPrefix(err.Error(), "cbor: ")
	switch {
	case overLimit(err):
		return errorf(CodeCBORLimit, where, nil, "the %s at authData byte %d: %s", item, off, msg)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errorf(CodeAuthDataInvalid, where, nil, "the authenticator data ends inside the %s that starts at byte %d", item, off)
	case errors.As(err, &extra):
		return errorf(CodeAuthDataInvalid, where, nil, "bytes after the %s (the last item of the authenticator data): %s", item, msg)
	}
	return errorf(CodeAuthDataInvalid, where, nil, "the %s at authData byte %d: %s", item, off, msg)
}

// detect finds out what data is and returns the attestation-object bytes for
// a bare object (nil for JSON, which is decoded later member by member).
func detect(data []byte) (Input, []byte, error) {
	in := Input{Size: len(data)}
	if len(data) > MaxInputSize {
		return in, nil, errorf(CodeInputTooLarge, "input", nil, "%d bytes; the limit is %d", len(data), MaxInputSize)
	}
	if len(data) > 0 && data[0] >= 0x80 {
		// Raw CBOR: an attestation object is a map (major type 5, 0xa0–0xbf);
		// no text encoding starts with a byte at or above 0x80.
		in.Kind, in.Encoding = InputAttestationObject, EncodingCBOR
		return in, data, nil
	}
	text := bytes.TrimSpace(data)
	if len(text) == 0 {
		return in, nil, errorf(CodeInputEmpty, "input", nil, "no credential given")
	}
	if text[0] == '{' {
		in.Kind, in.Encoding = InputRegistrationResponse, EncodingJSON
		return in, nil, nil
	}
	if !utf8.Valid(text) {
		return in, nil, errorf(CodeInputUnrecognized, "input", nil, "neither JSON, text encoding nor a CBOR map (first byte 0x%02x)", data[0])
	}
	in.Kind = InputAttestationObject
	s := string(text)
	var (
		raw []byte
		err error
	)
	switch {
	case isHex(s):
		in.Encoding = EncodingHex
		raw, err = hex.DecodeString(s)
	case strings.ContainsAny(s, "-_"):
		in.Encoding = EncodingBase64URL
		raw, err = decodeBase64(base64.RawURLEncoding, s)
	default:
		// Without '-', '_', '+' or '/' the two alphabets agree; standard
		// base64 is named only when its own characters appear.
		in.Encoding = EncodingBase64URL
		if strings.ContainsAny(s, "+/") {
			in.Encoding = EncodingBase64
		}
		raw, err = decodeBase64(base64.RawStdEncoding, strings.NewReplacer("-", "+", "_", "/").Replace(s))
	}
	if err != nil {
		var corrupt base64.CorruptInputError
		if errors.As(err, &corrupt) {
			return in, nil, errorf(CodeEncodingInvalid, "input", nil, "invalid %s at character %d", in.Encoding, int64(corrupt))
		}
		var invalid hex.InvalidByteError
		if errors.As(err, &invalid) {
			return in, nil, errorf(CodeEncodingInvalid, "input", nil, "invalid hex character %q", byte(invalid))
		}
		return in, nil, errorf(CodeEncodingInvalid, "input", err, "invalid %s", in.Encoding)
	}
	return in, raw, nil
}

// isHex reports whether s is an even-length run of hex digits that could be
// an attestation object (a CBOR map starts with a0–bf). Base64 text of an
// attestation object starts with 'o' or 'p' (0xa3 = 101000 11…), never a hex digit
// pair in a0–bf, so the two cannot be confused.
func isHex(s string) bool {
	if len(s) < 2 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s[0] == 'a' || s[0] == 'A' || s[0] == 'b' || s[0] == 'B'
}

// decodeBase64 accepts the encoding with or without '=' padding: browsers
// emit unpadded base64url, some libraries and hand-made samples pad.
func decodeBase64(enc *base64.Encoding, s string) ([]byte, error) {
	return enc.DecodeString(strings.TrimRight(s, "="))
}
