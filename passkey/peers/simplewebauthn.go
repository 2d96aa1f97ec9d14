package peers

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/keytier/keytier/passkey"
)

// SimpleWebAuthnVersion is the @simplewebauthn/server release the model
// follows. The differential test (TestSimpleWebAuthnModelAgainstPackage)
// runs exactly this version, pinned in testdata/simplewebauthn's lockfile.
const SimpleWebAuthnVersion = "14.1.0"

// SimpleWebAuthnDefaultAlgorithms is verifyRegistrationResponse's default
// supportedAlgorithmIDs on a runtime without ML-DSA in WebCrypto (Node 20
// and 22): EdDSA, ES256, RS256. On a runtime with ML-DSA, 14.1.0 puts
// ML-DSA-44 (-48) first.
func SimpleWebAuthnDefaultAlgorithms() []int64 { return []int64{-8, -7, -257} }

// SimpleWebAuthn answers whether @simplewebauthn/server's
// verifyRegistrationResponse, called with only the required arguments —
// response, expectedChallenge (the base64url of opts.Challenge),
// expectedOrigin (opts.Origins as written) and expectedRPID (opts.RPID) —
// would accept data. It is a model of that function's decisions in
// SimpleWebAuthnVersion, not the package: keytier does not run JavaScript.
// The model follows its documented defaults: user presence and user
// verification required, supportedAlgorithmIDs
// SimpleWebAuthnDefaultAlgorithms(), attestationSafetyNetEnforceCTSCheck
// true, no MetadataService, and the root certificates its SettingsService
// ships (Apple WebAuthn root for apple, Google hardware attestation roots
// for android-key, GlobalSign Root CA for android-safetynet, none for
// packed, tpm and fido-u2f, whose chains are then not validated). It does
// not read C.crossOrigin or C.topOrigin when registering. Certificates are
// judged at opts.Now() (time.Now when nil), as the package judges them at
// Date.now(); opts.Time is not used. The package looks revocation up in
// CRLs over the network and counts an unreachable CRL as "not revoked";
// the model makes no request and counts every certificate as not revoked.
//
// What the model does not follow, each rare and none reached by the
// samples: the package's repair of one malformed Ed25519 key encoding
// some authenticators sent, and its re-encoding of the credential public
// key (a non-canonical COSE key is measured as sent here); the TPM pubArea
// and certInfo steps come from go-webauthn's tpm procedure, so when that
// procedure stops at its own AIK certificate checks the attested name is
// not compared; a runtime with ML-DSA in WebCrypto, which changes the
// default algorithm list.
func SimpleWebAuthn(data []byte, opts passkey.VerifyOptions) Verdict {
	v := Verdict{Name: NameSimpleWebAuthn, Version: SimpleWebAuthnVersion, Model: true}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	m := &swModel{now: now()}
	if r := m.verify(data, opts); r != nil {
		v.Step, v.Reason = r.step, r.msg
		v.Option = simpleWebAuthnOption(r.step)
		return v
	}
	v.Accepts = true
	return v
}

// simpleWebAuthnOption is the verifyRegistrationResponse argument (or
// SettingsService call) that changes the answer for each cause.
func simpleWebAuthnOption(step string) string {
	switch step {
	case StepUV:
		return "requireUserVerification: false"
	case StepUP:
		return "requireUserPresence: false"
	case StepAlgorithm:
		return "supportedAlgorithmIDs (the list offered in pubKeyCredParams)"
	case StepCTS:
		return "attestationSafetyNetEnforceCTSCheck: false"
	case StepTrustAnchor:
		return "SettingsService.setRootCertificates({ identifier: fmt, certificates })"
	case StepChallenge:
		return "expectedChallenge as a function that decides"
	case StepOrigin, StepOptions:
		return "expectedOrigin written as the browser serializes it"
	}
	return ""
}

// refusal is the model's record of where and why the package refuses.
type refusal struct {
	step string
	msg  string
}

func refuse(step string, format string, a ...any) *refusal {
	return &refusal{step: step, msg: fmt.Sprintf(format, a...)}
}

type swModel struct {
	now time.Time
}

// swResponse is the part of the response object verifyRegistrationResponse
// reads. Members stay raw where the package tests JavaScript truthiness.
type swResponse struct {
	ID       json.RawMessage `json:"id"`
	RawID    json.RawMessage `json:"rawId"`
	Type     json.RawMessage `json:"type"`
	Response struct {
		ClientDataJSON    string `json:"clientDataJSON"`
		AttestationObject string `json:"attestationObject"`
	} `json:"response"`
}

// swClientData is the client data members the package reads.
type swClientData struct {
	Type         any             `json:"type"`
	Challenge    any             `json:"challenge"`
	Origin       any             `json:"origin"`
	TokenBinding json.RawMessage `json:"tokenBinding"`
}

// swAttestationObject is the decoded attestation object.
type swAttestationObject struct {
	Fmt      any                        `cbor:"fmt"`
	AuthData []byte                     `cbor:"authData"`
	AttStmt  map[string]cbor.RawMessage `cbor:"attStmt"`
}

// swAuthData is parseAuthenticatorData's result.
type swAuthData struct {
	rpIDHash                  []byte
	up, uv, be, bs            bool
	at                        bool
	aaguid, credentialID, key []byte
}

// cborDecoder bounds what the model decodes, like keytier's own decoder.
var cborDecoder, _ = cbor.DecOptions{
	MaxNestedLevels:  16,
	MaxArrayElements: 1024,
	MaxMapPairs:      1024,
	DupMapKey:        cbor.DupMapKeyQuiet,
}.DecMode()

// verify follows verifyRegistrationResponse's steps in its order and
// returns the first refusal, or nil.
func (m *swModel) verify(data []byte, opts passkey.VerifyOptions) *refusal {
	var resp swResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return refuse(StepParse, "the response is not a JSON object: %v", err)
	}
	if !jsTruthy(jsValue(resp.ID)) {
		return refuse(StepCredentialID, "Missing credential ID")
	}
	if !jsStrictEqual(jsValue(resp.ID), jsValue(resp.RawID)) {
		return refuse(StepCredentialID, "Credential ID was not base64url-encoded")
	}
	if jsString(resp.Type) != "public-key" {
		return refuse(StepCredentialID, "Unexpected credential type %s, expected \"public-key\"", jsString(resp.Type))
	}

	clientDataJSON, ok := decodeBase64URL(resp.Response.ClientDataJSON)
	if !ok {
		return refuse(StepParse, "clientDataJSON is not base64url")
	}
	var cd swClientData
	if err := json.Unmarshal(clientDataJSON, &cd); err != nil {
		return refuse(StepParse, "clientDataJSON is not JSON: %v", err)
	}
	if t, _ := cd.Type.(string); t != "webauthn.create" {
		return refuse(StepType, "Unexpected registration response type: %v", cd.Type)
	}
	expectedChallenge := base64.RawURLEncoding.EncodeToString(opts.Challenge)
	if c, _ := cd.Challenge.(string); c != expectedChallenge {
		return refuse(StepChallenge, "Unexpected registration response challenge \"%v\", expected \"%s\"", cd.Challenge, expectedChallenge)
	}
	if r := matchExpectedOrigin(cd.Origin, opts.Origins); r != nil {
		return r
	}
	if r := checkTokenBinding(cd.TokenBinding); r != nil {
		return r
	}

	attObj, ok := decodeBase64URL(resp.Response.AttestationObject)
	if !ok {
		return refuse(StepParse, "attestationObject is not base64url")
	}
	var ao swAttestationObject
	if _, err := cborDecoder.UnmarshalFirst(attObj, &ao); err != nil {
		return refuse(StepParse, "the attestation object does not decode: %v", err)
	}
	ad, r := parseAuthenticatorData(ao.AuthData)
	if r != nil {
		return r
	}
	if r := matchExpectedRPID(ad.rpIDHash, opts.RPID); r != nil {
		return r
	}
	if !ad.up {
		return refuse(StepUP, "User presence was required, but user was not present")
	}
	if !ad.uv {
		return refuse(StepUV, "User verification was required, but user could not be verified")
	}
	if !ad.at {
		return refuse(StepAuthData, "No credential ID was provided by authenticator")
	}
	key, err := decodeCOSEKey(ad.key)
	if err != nil {
		return refuse(StepAlgorithm, "%v", err)
	}
	alg, ok := key.int(coseAlg)
	if !ok {
		return refuse(StepAlgorithm, "Credential public key was missing numeric alg")
	}
	if algs := SimpleWebAuthnDefaultAlgorithms(); !slices.Contains(algs, alg) {
		return refuse(StepAlgorithm, "Unexpected public key alg \"%d\", expected one of \"%s\"", alg, joinInts(algs))
	}

	h := sha256.Sum256(clientDataJSON)
	st := &swStatement{
		now:            m.now,
		stmt:           ao.AttStmt,
		authData:       ao.AuthData,
		clientDataHash: h[:],
		ad:             ad,
		key:            key,
		attObj:         attObj,
	}
	if r := st.verify(ao.Fmt); r != nil {
		return r
	}
	// parseBackupFlags, once the statement verified.
	if ad.bs && !ad.be {
		return refuse(StepBackupFlags, "Single-device credential indicated that it was backed up, which should be impossible.")
	}
	return nil
}

// verify dispatches on fmt to the format's verification procedure.
func (st *swStatement) verify(fmtValue any) *refusal {
	format, _ := fmtValue.(string)
	switch format {
	case "fido-u2f":
		return st.fidoU2F()
	case "packed":
		return st.packed()
	case "android-safetynet":
		return st.androidSafetyNet()
	case "android-key":
		return st.androidKey()
	case "tpm":
		return st.tpm()
	case "apple":
		return st.apple()
	case "none":
		if len(st.stmt) > 0 {
			return refuse(StepStatement, "None attestation had unexpected attestation statement")
		}
		return nil
	}
	return refuse(StepFormat, "Unsupported Attestation Format: %v", fmtValue)
}

// matchExpectedOrigin: every expected origin must be written as a browser
// serializes it (for https ones), and the client's origin must be one of
// them exactly.
func matchExpectedOrigin(origin any, expected []string) *refusal {
	for _, e := range expected {
		if !strings.HasPrefix(e, "https://") {
			continue // "an exotic origin, like an application package identifier"
		}
		if strings.HasSuffix(e, "/") {
			return refuse(StepOptions, "%q is not a valid expected origin. Remove the trailing \"/\" and try again", e)
		}
		if s, ok := serializeHTTPSOrigin(e); !ok || s != e {
			return refuse(StepOptions, "%q is not a valid expected origin", e)
		}
	}
	o, _ := origin.(string)
	if !slices.Contains(expected, o) {
		return refuse(StepOrigin, "Unexpected response origin \"%v\", expected one of: %s", origin, strings.Join(expected, ", "))
	}
	return nil
}

// serializeHTTPSOrigin is what a WHATWG URL's origin is for an ASCII
// https URL: scheme and lower-cased host, the port unless it is 443.
func serializeHTTPSOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return "", false
	}
	for _, r := range u.Host {
		if r > 0x7f {
			return "", false
		}
	}
	host := strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" && p != "443" {
		host += ":" + p
	}
	return "https://" + host, true
}

// matchExpectedRPID: the RP ID must be written as a URL host is (lower
// case ASCII), and rpIdHash must be its SHA-256.
func matchExpectedRPID(rpIDHash []byte, rpID string) *refusal {
	u, err := url.Parse("https://" + rpID)
	if err != nil || strings.ToLower(u.Hostname()) != rpID || u.Port() != "" {
		return refuse(StepOptions, "%q is not a valid expected RP ID", rpID)
	}
	want := sha256.Sum256([]byte(rpID))
	if !bytes.Equal(rpIDHash, want[:]) {
		return refuse(StepRPID, "Unexpected RP ID hash")
	}
	return nil
}

func checkTokenBinding(raw json.RawMessage) *refusal {
	var tb any
	if len(raw) == 0 || json.Unmarshal(raw, &tb) != nil || !jsTruthy(tb) {
		return nil
	}
	obj, ok := tb.(map[string]any)
	if !ok {
		return refuse(StepTokenBinding, "Unexpected value for TokenBinding \"%v\"", tb)
	}
	status, _ := obj["status"].(string)
	if !slices.Contains([]string{"present", "supported", "not-supported"}, status) {
		return refuse(StepTokenBinding, "Unexpected tokenBinding.status value of \"%v\"", obj["status"])
	}
	return nil
}

// parseAuthenticatorData reads the authenticator data as the package
// does: at least 37 bytes; with AT, the AAGUID, the credential id and one
// CBOR item for the key; with ED, one CBOR item of extensions; nothing
// after.
func parseAuthenticatorData(b []byte) (*swAuthData, *refusal) {
	if len(b) < 37 {
		return nil, refuse(StepAuthData, "Authenticator data was %d bytes, expected at least 37 bytes", len(b))
	}
	flags := b[32]
	ad := &swAuthData{
		rpIDHash: b[:32],
		up:       flags&0x01 != 0,
		uv:       flags&0x04 != 0,
		be:       flags&0x08 != 0,
		bs:       flags&0x10 != 0,
		at:       flags&0x40 != 0,
	}
	p := 37
	if ad.at {
		if len(b) < p+18 {
			return nil, refuse(StepAuthData, "Authenticator data ends inside the attested credential data")
		}
		ad.aaguid = b[p : p+16]
		n := int(b[p+16])<<8 | int(b[p+17])
		p += 18
		if len(b) < p+n {
			return nil, refuse(StepAuthData, "Authenticator data ends inside the credential id")
		}
		ad.credentialID = b[p : p+n]
		p += n
		var key cbor.RawMessage
		rest, err := cborDecoder.UnmarshalFirst(b[p:], &key)
		if err != nil {
			return nil, refuse(StepAuthData, "the credential public key does not decode: %v", err)
		}
		ad.key = b[p : len(b)-len(rest)]
		p = len(b) - len(rest)
	}
	if flags&0x80 != 0 {
		var ext cbor.RawMessage
		rest, err := cborDecoder.UnmarshalFirst(b[p:], &ext)
		if err != nil {
			return nil, refuse(StepAuthData, "the extensions do not decode: %v", err)
		}
		p = len(b) - len(rest)
	}
	if len(b) > p {
		return nil, refuse(StepAuthData, "Leftover bytes detected while parsing authenticator data")
	}
	return ad, nil
}

// decodeBase64URL decodes as the package's base64url helper does:
// padding optional.
func decodeBase64URL(s string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}

// jsString is the JSON value as a string, "" for anything else.
func jsString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// jsValue is a JSON member as JavaScript sees it; absent is undefined,
// here nil like null.
func jsValue(raw json.RawMessage) any {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return v
}

// jsStrictEqual is JavaScript's === on two parsed JSON values: primitives
// by value, objects and arrays never (they are distinct objects).
func jsStrictEqual(a, b any) bool {
	switch a.(type) {
	case map[string]any, []any:
		return false
	}
	switch b.(type) {
	case map[string]any, []any:
		return false
	}
	return a == b
}

// jsTruthy is JavaScript's truthiness for a JSON value.
func jsTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0
	}
	return true
}

func joinInts(a []int64) string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
