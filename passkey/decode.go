package passkey

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/google/uuid"
)

// Inspect decodes a credential without verifying it: a registration response
// (PublicKeyCredential JSON) or a bare attestation object in base64url,
// base64, hex or raw CBOR; which one is detected. It names the authenticator
// from the embedded catalog and tells synced from device-bound. Nothing
// cryptographic is checked: Attestation.SignatureVerified is false. Use
// Verify for that.
//
// Every error is an *Error with a Code and a Where.
func Inspect(data []byte) (*Credential, error) {
	c, err := decodeFor(data, false)
	if err != nil {
		return nil, err
	}
	c.describe(nil, nil)
	return c, nil
}

// decode detects and decodes data for Verify; describe names it afterwards.
func decode(data []byte) (*Credential, error) {
	return decodeFor(data, true)
}

// decodeFor decodes data; with verify false, only what Inspect reports
// (see inspectAttestationObject).
func decodeFor(data []byte, verify bool) (*Credential, error) {
	in, raw, err := detect(data)
	if err != nil {
		return nil, err
	}
	c := &Credential{Input: in}
	where := "input"
	if in.Kind == InputRegistrationResponse {
		text := bytes.TrimSpace(data)
		var ok bool
		if raw, ok = c.decodeResponseFast(text); !ok {
			if raw, err = c.decodeResponseJSON(text); err != nil {
				return nil, err
			}
		}
		where = "response.attestationObject"
	} else if in.Encoding == EncodingCBOR && !verify {
		// raw is the caller's buffer, and the fast path keeps slices of
		// what it decodes: a copy, so that reusing data later cannot
		// change the Credential.
		raw = bytes.Clone(raw)
	}
	decodeAtt := c.inspectAttestationObject
	if verify {
		decodeAtt = c.decodeAttestationObject
	}
	if err := decodeAtt(raw, where); err != nil {
		return nil, err
	}
	if err := c.checkEcho(); err != nil {
		// Inspect reports what it sees; Verify fails on it.
		c.Warnings = append(c.Warnings, err.Error())
	}
	return c, nil
}

// registrationJSON is the wire shape of a registration response. Binary
// members are b64JSON values, decoded as the JSON is read, straight from
// the input's bytes; their errors are reported afterwards, in the order
// decodeResponseJSON checks them, naming the member they are in.
type registrationJSON struct {
	ID                      b64JSON        `json:"id"`
	RawID                   b64JSON        `json:"rawId"`
	Type                    string         `json:"type"`
	AuthenticatorAttachment string         `json:"authenticatorAttachment"`
	ClientExtensionResults  jsontext.Value `json:"clientExtensionResults"`
	Response                *struct {
		ClientDataJSON     b64JSON  `json:"clientDataJSON"`
		AttestationObject  b64JSON  `json:"attestationObject"`
		Transports         []string `json:"transports"`
		AuthenticatorData  b64JSON  `json:"authenticatorData"`
		PublicKey          b64JSON  `json:"publicKey"`
		PublicKeyAlgorithm *int64   `json:"publicKeyAlgorithm"`
	} `json:"response"`
}

func (c *Credential) decodeResponseJSON(data []byte) ([]byte, error) {
	var r registrationJSON
	// JSON v2 semantics: member names match exactly and a repeated member
	// is an error, where encoding/json would match "Type" for "type" and
	// let the last of two "challenge" members win.
	if err := jsonv2.Unmarshal(data, &r); err != nil {
		return nil, jsonError(err, "")
	}
	for _, m := range []struct {
		v     *b64JSON
		where string
	}{{&r.ID, "id"}, {&r.RawID, "rawId"}} {
		if k := m.v.kind; k != 0 && k != '"' && k != 'n' {
			return nil, errorf(CodeJSONInvalid, m.where, nil, "got JSON %s, want a string", k)
		}
	}
	if r.Response == nil {
		return nil, errorf(CodeFieldMissing, "response", nil, "a registration response has a response member")
	}
	if r.Type != "public-key" {
		return nil, errorf(CodeJSONInvalid, "type", nil, "got %q, want \"public-key\"", r.Type)
	}
	var err error
	if c.rawID, err = credentialID(&r.ID, &r.RawID); err != nil {
		return nil, err
	}
	if c.clientDataJSON, err = r.Response.ClientDataJSON.bytes("response.clientDataJSON", true); err != nil {
		return nil, err
	}
	if c.ClientData, err = parseClientData(c.clientDataJSON); err != nil {
		return nil, err
	}
	att, err := r.Response.AttestationObject.bytes("response.attestationObject", true)
	if err != nil {
		return nil, err
	}
	if c.echo.authenticatorData, err = r.Response.AuthenticatorData.bytes("response.authenticatorData", false); err != nil {
		return nil, err
	}
	if c.echo.publicKey, err = r.Response.PublicKey.bytes("response.publicKey", false); err != nil {
		return nil, err
	}
	c.echo.publicKeyAlg = r.Response.PublicKeyAlgorithm
	c.Transports = r.Response.Transports
	c.Attachment = r.AuthenticatorAttachment
	if len(r.ClientExtensionResults) > 0 && string(r.ClientExtensionResults) != "null" {
		if r.ClientExtensionResults[0] != '{' {
			return nil, errorf(CodeJSONInvalid, "clientExtensionResults", nil, "want an object")
		}
		c.Extensions.Client = json.RawMessage(r.ClientExtensionResults)
	}
	return att, nil
}

// credentialID reads rawId and id, which is defined as the base64url
// encoding of rawId (§5.1), so the two must agree.
func credentialID(id, rawID *b64JSON) ([]byte, error) {
	raw, err := rawID.bytes("rawId", true)
	if err != nil {
		return nil, err
	}
	echo, err := id.bytes("id", true)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(echo, raw) {
		return nil, errorf(CodeCredentialIDMismatch, "id", nil, "id and rawId differ")
	}
	return raw, nil
}

// b64JSON is a base64url member of a registration response. It decodes
// itself while json/v2 reads the document, from the decoder's view of the
// input, so the text is not first copied into a jsontext.Value (for a TPM
// registration, 6 KB per response). What went wrong is recorded, not
// returned: bytes reports it later, in decodeResponseJSON's order of checks
// and naming the member, exactly as for a member read as raw JSON.
type b64JSON struct {
	kind    jsontext.Kind // 0: absent
	data    []byte
	empty   bool  // nothing but '=' padding, or nothing at all
	corrupt int64 // index of the first invalid character, or -1
	quote   error // the string would not unquote
	err     error // another base64 decoding failure
}

// UnmarshalJSONFrom implements json/v2's UnmarshalerFrom. Syntax errors
// from ReadValue are returned as they are, with their offsets.
func (m *b64JSON) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	*m = b64JSON{kind: v.Kind(), corrupt: -1}
	if m.kind != '"' {
		return nil
	}
	s := v[1 : len(v)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		// Escapes are legal JSON, if odd in base64: unquote first.
		u, err := jsontext.AppendUnquote(nil, v)
		if err != nil {
			m.quote = err
			return nil
		}
		s = u
	}
	s = bytes.TrimRight(s, "=")
	if len(s) == 0 {
		m.empty = true
		return nil
	}
	out := make([]byte, base64.RawURLEncoding.DecodedLen(len(s)))
	if n, ok := decodeBase64URL(out, s); ok {
		m.data = out[:n]
		return nil
	}
	n, err := base64.RawURLEncoding.Decode(out, s)
	var corrupt base64.CorruptInputError
	if errors.As(err, &corrupt) && (s[corrupt] == '+' || s[corrupt] == '/') {
		// Standard alphabet: decode again rather than scan every member
		// for '+' and '/' first, which cost a tenth of Inspect's time.
		n, err = base64.RawStdEncoding.Decode(out, s)
	}
	switch {
	case errors.As(err, &corrupt):
		m.corrupt = int64(corrupt)
	case err != nil:
		m.err = err
	default:
		m.data = out[:n]
	}
	return nil
}

// bytes returns the decoded member, tolerating '=' padding and the
// standard alphabet that some libraries emit. JSON null counts as absent.
func (m *b64JSON) bytes(where string, required bool) ([]byte, error) {
	switch {
	case m.kind == 0 || m.kind == 'n':
		return missingMember(where, required)
	case m.kind != '"':
		return nil, errorf(CodeJSONInvalid, where, nil, "got JSON %s, want a string", m.kind)
	case m.quote != nil:
		return nil, errorf(CodeJSONInvalid, where, m.quote, "invalid string")
	case m.empty:
		return missingMember(where, required)
	case m.corrupt >= 0:
		return nil, errorf(CodeEncodingInvalid, where, nil, "invalid base64url at character %d", m.corrupt)
	case m.err != nil:
		return nil, errorf(CodeEncodingInvalid, where, m.err, "invalid base64url")
	}
	return m.data, nil
}

func missingMember(where string, required bool) ([]byte, error) {
	if required {
		return nil, errorf(CodeFieldMissing, where, nil, "missing or empty")
	}
	return nil, nil
}

// jsonError names where in the document a JSON error is, as a dotted
// path ("response.clientDataJSON") or a byte offset.
func jsonError(err error, prefix string) error {
	var (
		syntax   *jsontext.SyntacticError
		semantic *jsonv2.SemanticError
	)
	switch {
	case errors.As(err, &syntax):
		where := jsonPath(prefix, syntax.JSONPointer)
		return errorf(CodeJSONInvalid, fmt.Sprintf("%s@%d", where, syntax.ByteOffset), nil, "%v", syntax.Err)
	case errors.As(err, &semantic):
		where := jsonPath(prefix, semantic.JSONPointer)
		if semantic.GoType != nil && semantic.JSONKind != 0 {
			return errorf(CodeJSONInvalid, where, nil, "got JSON %s, want %s", semantic.JSONKind, goTypeName(semantic.GoType.String()))
		}
		return errorf(CodeJSONInvalid, where, nil, "%v", semantic.Err)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errorf(CodeJSONInvalid, jsonPath(prefix, ""), nil, "JSON ends early")
	}
	return errorf(CodeJSONInvalid, jsonPath(prefix, ""), err, "malformed JSON")
}

// jsonPath turns a JSON Pointer (RFC 6901) into a dotted path under prefix.
func jsonPath(prefix string, p jsontext.Pointer) string {
	var parts []string
	if prefix != "" {
		parts = append(parts, prefix)
	}
	for tok := range p.Tokens() {
		parts = append(parts, tok)
	}
	if len(parts) == 0 {
		return "input"
	}
	return strings.Join(parts, ".")
}

func goTypeName(t string) string {
	switch t {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int64", "*int64":
		return "an integer"
	case "[]string":
		return "an array of strings"
	case "passkey.Bytes":
		return "a base64url string"
	case "uint32", "uint64", "uint8", "int":
		return "a non-negative integer"
	case "time.Time":
		return "an RFC 3339 time"
	case "uuid.UUID":
		return "a UUID string"
	case "[]passkey.Event":
		return "an array of events"
	}
	return t
}

var clientDataMembers = []string{"type", "challenge", "origin", "crossOrigin", "topOrigin"}

// parseClientData reads clientDataJSON (§5.8.1) strictly: exact member
// names, no repeated member, no member that differs from a known one only
// in case. Either looseness could make keytier read a
// different challenge or origin than another verifier reads.
func parseClientData(raw []byte) (*ClientData, error) {
	const where = "response.clientDataJSON"
	var w struct {
		ClientData
		Unknown map[string]jsontext.Value `json:",embed"` // members keytier does not read
	}
	if err := jsonv2.Unmarshal(raw, &w); err != nil {
		e := jsonError(err, where).(*Error)
		e.Code = CodeClientDataInvalid
		return nil, e
	}
	for name := range w.Unknown {
		for _, known := range clientDataMembers {
			if strings.EqualFold(name, known) {
				return nil, errorf(CodeClientDataInvalid, where+"."+name, nil, "member %q is not %q: browsers spell it exactly", name, known)
			}
		}
	}
	cd := w.ClientData
	if cd.Type == "" || cd.Challenge == "" || cd.Origin == "" {
		return nil, errorf(CodeClientDataInvalid, where, nil, "type, challenge and origin are required")
	}
	return &cd, nil
}

// decodeAttestationObject decodes the attestation object (§6.5.4) and its
// authenticator data (§6.1), after checking the CBOR against keytier's limits.
func (c *Credential) decodeAttestationObject(raw []byte, where string) error {
	if err := checkCBOR(raw, where); err != nil {
		return err
	}
	att := &c.att
	if err := webauthncbor.Unmarshal(raw, att); err != nil {
		return errorf(CodeCBORInvalid, where, nil, "not an attestation object: %s", strings.TrimPrefix(err.Error(), "cbor: "))
	}
	if att.Format == "" {
		return errorf(CodeFieldMissing, where+".fmt", nil, "attestation statement format missing")
	}
	if len(att.RawAuthData) == 0 {
		return errorf(CodeFieldMissing, where+".authData", nil, "authenticator data missing")
	}
	// §7.1: the credential id is at most 1023 bytes. go-webauthn checks it
	// too; checking first gives the failure its own code.
	if len(att.RawAuthData) >= 55 && att.RawAuthData[32]&0x40 != 0 {
		if n := int(att.RawAuthData[53])<<8 | int(att.RawAuthData[54]); n > MaxCredentialIDLength {
			return errorf(CodeCredentialIDLength, where+".authData@53", nil, "credential id is %d bytes; at most %d allowed", n, MaxCredentialIDLength)
		}
	}
	if err := checkAuthDataCBOR(att.RawAuthData, where+".authData"); err != nil {
		return err
	}
	if err := att.AuthData.Unmarshal(att.RawAuthData); err != nil {
		return errorf(CodeAuthDataInvalid, where+".authData", nil, "%s", protoMessage(err))
	}
	if !att.AuthData.Flags.HasAttestedCredentialData() {
		return errorf(CodeAuthDataInvalid, where+".authData@32", nil, "AT flag not set: a registration carries attested credential data")
	}
	ad := att.AuthData
	c.Format = att.Format
	c.AAGUID, _ = uuid.FromBytes(ad.AttData.AAGUID) // 16 bytes: Unmarshal sliced them
	c.CredentialID = ad.AttData.CredentialID
	c.PublicKey = ad.AttData.CredentialPublicKey
	c.SignCount = ad.Counter
	c.Flags = flagsOf(ad.Flags)
	c.FlagsByte = byte(ad.Flags)
	c.RPIDHash = ad.RPIDHash
	if len(ad.ExtData) > 0 {
		var m map[string]any
		if err := webauthncbor.Unmarshal(ad.ExtData, &m); err == nil {
			c.Extensions.Authenticator = m
		}
	}
	var pk webauthncose.PublicKeyData
	if err := webauthncbor.Unmarshal(c.PublicKey, &pk); err != nil {
		return errorf(CodeAlgUnsupported, where+".authData.credentialPublicKey", nil, "not a COSE key: %s", strings.TrimPrefix(err.Error(), "cbor: "))
	}
	c.PublicKeyAlgorithm = pk.Algorithm
	name, ok := algorithmName(pk.Algorithm)
	if !ok {
		return errorf(CodeAlgUnsupported, where+".authData.credentialPublicKey", nil, "COSE algorithm %d is not one keytier can verify", pk.Algorithm)
	}
	c.PublicKeyAlgName = name
	der, err := attestationDER(att)
	if err != nil {
		return errorf(CodeAttestationInvalid, where+".attStmt.x5c", nil, "%s", err.Error())
	}
	if len(der) > 0 {
		c.Attestation.chain = &certChain{der: der}
	}
	c.Attestation.Type = claimedAttestationType(att.Format, len(der) > 0)
	return nil
}

// checkEcho compares the convenience members of a toJSON() response
// (§5.2.1: getAuthenticatorData, getPublicKey, getPublicKeyAlgorithm) with
// the attestation object. They are unsigned copies; a client that reports
// values differing from what the authenticator signed is broken or lying.
func (c *Credential) checkEcho() error {
	if c.echo.authenticatorData != nil && !bytes.Equal(c.echo.authenticatorData, c.att.RawAuthData) {
		return errorf(CodeResponseMismatch, "response.authenticatorData", nil, "differs from the authenticator data in the attestation object")
	}
	// 0 is reserved in the COSE registry; go-webauthn's own
	// CredentialCreationResponse writes it when the client sent nothing.
	if c.echo.publicKeyAlg != nil && *c.echo.publicKeyAlg != 0 && *c.echo.publicKeyAlg != c.PublicKeyAlgorithm {
		return errorf(CodeResponseMismatch, "response.publicKeyAlgorithm", nil, "says %d, the credential public key says %d", *c.echo.publicKeyAlg, c.PublicKeyAlgorithm)
	}
	if c.echo.publicKey != nil {
		echoed, err := x509.ParsePKIXPublicKey(c.echo.publicKey)
		if err != nil {
			return errorf(CodeResponseMismatch, "response.publicKey", nil, "not a SubjectPublicKeyInfo: %v", err)
		}
		// A COSE key that does not convert is checkAlgorithm's to report
		// (algorithm_unsupported); there is nothing to compare it with.
		if attested, ok := cryptoPublicKey(c.PublicKey); ok {
			if e, ok := echoed.(interface{ Equal(crypto.PublicKey) bool }); !ok || !e.Equal(attested) {
				return errorf(CodeResponseMismatch, "response.publicKey", nil, "a %s key that is not the credential public key in the authenticator data", keyKind(echoed))
			}
		}
	}
	if c.rawID != nil && !bytes.Equal(c.rawID, c.CredentialID) {
		return errorf(CodeCredentialIDMismatch, "rawId", nil, "differs from the credential id in the authenticator data")
	}
	return nil
}

// cryptoPublicKey converts a COSE credential public key to the Go type
// x509.ParsePKIXPublicKey returns for the same key, so the two compare with
// Equal. ok is false when the key does not parse or is of a type keytier
// does not compare.
func cryptoPublicKey(cose []byte) (crypto.PublicKey, bool) {
	parsed, err := webauthncose.ParsePublicKey(cose)
	if err != nil {
		return nil, false
	}
	switch k := parsed.(type) {
	case webauthncose.EC2PublicKeyData:
		pub, err := k.ToECDSA()
		if err != nil {
			return nil, false
		}
		return pub, true
	case webauthncose.OKPPublicKeyData:
		if len(k.XCoord) != ed25519.PublicKeySize {
			return nil, false
		}
		return ed25519.PublicKey(k.XCoord), true
	case webauthncose.RSAPublicKeyData:
		e, err := webauthncose.ParseRSAPublicKeyDataExponent(&k)
		if err != nil {
			return nil, false
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(k.Modulus), E: e}, true
	}
	return nil, false
}

func keyKind(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "Ed25519"
	case *rsa.PublicKey:
		return "RSA"
	}
	return fmt.Sprintf("%T", pub)
}

// protoMessage renders a go-webauthn error with its detail, which its
// Error() method leaves out.
func protoMessage(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		parts := []string{}
		for _, s := range []string{pe.Details, pe.DevInfo} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, ": ")
		}
		return pe.Type
	}
	return strings.TrimPrefix(err.Error(), "cbor: ")
}
