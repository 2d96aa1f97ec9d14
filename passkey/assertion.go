package passkey

import (
	"bytes"
	"crypto/ecdh"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"

	"github.com/keytier/keytier/assurance"
)

// AssertionOptions say what the relying party expects of a sign-in. RPID,
// Origins and Challenge are required. An AssertionOptions may be reused;
// VerifyAssertion does not modify it.
type AssertionOptions struct {
	// RPID, Origins, TopOrigins and AllowCrossOrigin are as in
	// VerifyOptions, and origins are compared the same way: exactly, with
	// the configuration normalised once.
	RPID             string
	Origins          []string
	TopOrigins       []string
	AllowCrossOrigin bool
	// Challenge is the challenge sent in PublicKeyCredentialRequestOptions,
	// as raw bytes.
	Challenge []byte
	// SkipChallengeCheck accepts any C.challenge. It exists for re-checking
	// an assertion recorded earlier, whose challenge is gone; the caller
	// then owes the proof that the assertion is fresh, since without the
	// challenge check a replayed assertion verifies (§13.4.3).
	SkipChallengeCheck bool

	// AllowCredentials are the credential ids sent in allowCredentials, for
	// a sign-in where the user was identified first. nil: a discoverable
	// sign-in (empty allowCredentials), where the response must carry the
	// user handle.
	AllowCredentials [][]byte
	// UserHandle is the user.id of the account the record belongs to, when
	// the record does not carry it (a go-webauthn row). The response's
	// userHandle, when present, must equal it (§7.2). Nil: the record's. A
	// discoverable sign-in needs one or the other (options_invalid).
	UserHandle []byte

	// RequireUserVerification fails a sign-in whose UV flag is clear (the
	// relying party asked for userVerification "required").
	RequireUserVerification bool
	// RejectSignCountRegression fails a sign-in whose signature counter did
	// not advance (§6.1.1: a possible cloned authenticator). Zero: the
	// sign-in is accepted and flagged with a sign_count_regressed event.
	RejectSignCountRegression bool
	// Extensions lists the extension identifiers the relying party
	// requested; nil skips the check, as in VerifyOptions.
	Extensions []string

	// Now returns the current time, stamped on events and the record. Nil
	// means time.Now.
	Now func() time.Time
}

// SignIn is the outcome of VerifyAssertion.
type SignIn struct {
	// Record is the updated record for the caller to persist: sign count,
	// backup state, uvInitialized, the current verdict and the events.
	// Nil when the assertion failed before its signature was verified,
	// since nothing it says is then the authenticator's word.
	Record *Record `json:"record"`
	// Events are what this sign-in changed or revealed, in order.
	Events []Event `json:"events"`
	// Flags and SignCount are the assertion's authenticator data.
	Flags     Flags  `json:"flags"`
	SignCount uint32 `json:"signCount"`
	// UserHandle is the response's userHandle, when present.
	UserHandle Bytes       `json:"userHandle,omitempty"`
	ClientData *ClientData `json:"clientData,omitempty"`
	// Steps are the §7.2 checks performed, in order, each with who did it.
	Steps []Step `json:"steps"`
}

// VerifyAssertion runs the WebAuthn L3 §7.2 authentication procedure on an
// assertion (AuthenticationResponseJSON, §5.1) against the stored record,
// and returns the updated record with the events the sign-in produced.
//
// The cheap checks come first (§7.2's order: credential and user, client
// data, rpIdHash, UP, UV), then the signature with the stored key; the
// backup flags and the counter are compared with the record only after
// the signature verified, so what they change in the record is the
// authenticator's signed word, never a forger's. On a refusal from those
// last steps (backup_eligibility_changed, flags_inconsistent,
// sign_count_regressed under RejectSignCountRegression) the SignIn still
// carries the events and the re-classified record: persist it to keep
// the evidence.
//
// Every refusal is an *Error with a Code and a Where.
func VerifyAssertion(data []byte, rec *Record, opts AssertionOptions) (*SignIn, error) {
	allowed, err := opts.check()
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, &Error{Code: CodeRecordInvalid, Where: "record", Reason: "no record"}
	}
	// §7.2: in a discoverable sign-in the response's userHandle names the
	// account, and the relying party must check that account holds the
	// credential. Without the owner's handle that check cannot be made,
	// and any account's credential would sign in as whoever the caller
	// looked up.
	if opts.AllowCredentials == nil && len(opts.UserHandle) == 0 && len(rec.UserHandle) == 0 {
		return nil, &Error{Code: CodeOptionsInvalid, Where: "AssertionOptions.UserHandle", Reason: "a discoverable sign-in (no AllowCredentials) needs the owner's user handle to check response.userHandle against, and the record carries none: set UserHandle, or AllowCredentials for a sign-in whose user was identified first"}
	}
	a, err := readAssertion(data)
	if err != nil {
		return nil, err
	}
	return a.verify(rec, &opts, allowed)
}

func (o *AssertionOptions) check() (allowedOrigins, error) {
	vo := VerifyOptions{RPID: o.RPID, Origins: o.Origins, TopOrigins: o.TopOrigins, Challenge: o.Challenge, Algorithms: []int64{0}}
	if o.SkipChallengeCheck && len(vo.Challenge) == 0 {
		vo.Challenge = []byte{0}
	}
	allowed, err := vo.check()
	if e, ok := err.(*Error); ok {
		e.Where = strings.Replace(e.Where, "VerifyOptions", "AssertionOptions", 1)
	}
	return allowed, err
}

// assertion is a decoded AuthenticationResponseJSON.
type assertion struct {
	rawID          []byte
	clientDataJSON []byte
	clientData     *ClientData
	authData       []byte
	parsed         protocol.AuthenticatorData
	signature      []byte
	userHandle     []byte
	clientExt      jsontext.Value
}

type assertionJSON struct {
	ID                      b64JSON        `json:"id"`
	RawID                   b64JSON        `json:"rawId"`
	Type                    string         `json:"type"`
	AuthenticatorAttachment string         `json:"authenticatorAttachment"`
	ClientExtensionResults  jsontext.Value `json:"clientExtensionResults"`
	Response                *struct {
		ClientDataJSON    b64JSON `json:"clientDataJSON"`
		AuthenticatorData b64JSON `json:"authenticatorData"`
		Signature         b64JSON `json:"signature"`
		UserHandle        b64JSON `json:"userHandle"`
		AttestationObject b64JSON `json:"attestationObject"`
	} `json:"response"`
}

// MaxAssertionSize bounds the bytes VerifyAssertion reads. An assertion
// is a credential id (≤ 1023 bytes), authenticator data, a signature
// (512 bytes for RSA-4096) and clientDataJSON: a few KiB. 64 KiB leaves
// room for extension outputs.
const MaxAssertionSize = 64 << 10

// readAssertion decodes an assertion strictly, naming the member of any
// problem; nothing is verified yet.
func readAssertion(data []byte) (*assertion, error) {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return nil, &Error{Code: CodeInputEmpty, Where: "input", Reason: "no assertion"}
	case len(data) > MaxAssertionSize:
		return nil, errorf(CodeInputTooLarge, "input", nil, "%d bytes; an assertion is at most %d", len(data), MaxAssertionSize)
	}
	var j assertionJSON
	if err := jsonv2.Unmarshal(data, &j); err != nil {
		return nil, jsonError(err, "")
	}
	if j.Response == nil {
		return nil, errorf(CodeFieldMissing, "response", nil, "an assertion has a response member")
	}
	if j.Type != "public-key" {
		return nil, errorf(CodeJSONInvalid, "type", nil, "got %q, want \"public-key\"", j.Type)
	}
	var (
		a   assertion
		err error
	)
	if a.rawID, err = credentialID(&j.ID, &j.RawID); err != nil {
		return nil, err
	}
	if len(a.rawID) > MaxCredentialIDLength {
		return nil, errorf(CodeCredentialIDLength, "rawId", nil, "%d bytes; at most %d", len(a.rawID), MaxCredentialIDLength)
	}
	r := j.Response
	if r.AttestationObject.kind != 0 {
		return nil, errorf(CodeJSONInvalid, "response.attestationObject", nil, "an assertion has no attestation object; this looks like a registration response")
	}
	if a.clientDataJSON, err = r.ClientDataJSON.bytes("response.clientDataJSON", true); err != nil {
		return nil, err
	}
	if a.clientData, err = parseClientData(a.clientDataJSON); err != nil {
		return nil, err
	}
	if a.authData, err = r.AuthenticatorData.bytes("response.authenticatorData", true); err != nil {
		return nil, err
	}
	if err := a.parseAuthData(); err != nil {
		return nil, err
	}
	if a.signature, err = r.Signature.bytes("response.signature", true); err != nil {
		return nil, err
	}
	if a.userHandle, err = r.UserHandle.bytes("response.userHandle", false); err != nil {
		return nil, err
	}
	if v := j.ClientExtensionResults; len(v) > 0 && v.Kind() != 'n' {
		if v.Kind() != '{' {
			return nil, errorf(CodeJSONInvalid, "clientExtensionResults", nil, "want an object")
		}
		a.clientExt = v
	}
	return &a, nil
}

// parseAuthData reads the authenticator data (§6.1) of an assertion: no
// attested credential data (§6.3.3), extensions only when ED says so.
func (a *assertion) parseAuthData() error {
	const where = "response.authenticatorData"
	if len(a.authData) < 37 {
		return errorf(CodeAuthDataInvalid, where, nil, "%d bytes; authenticator data is at least 37 (rpIdHash, flags, signCount)", len(a.authData))
	}
	flags := protocol.AuthenticatorFlags(a.authData[32])
	if flags.HasAttestedCredentialData() {
		return errorf(CodeAuthDataInvalid, where+".flags", nil, "AT is set; an assertion carries no attested credential data (§6.3.3)")
	}
	if flags.HasExtensions() {
		if err := checkAuthDataCBOR(a.authData, where); err != nil {
			return err
		}
	} else if len(a.authData) != 37 {
		return errorf(CodeAuthDataInvalid, where, nil, "%d bytes after the signature counter with ED clear", len(a.authData)-37)
	}
	if err := a.parsed.Unmarshal(a.authData); err != nil {
		return errorf(CodeAuthDataInvalid, where, nil, "%s", protoMessage(err))
	}
	return nil
}

// verify runs §7.2 on a decoded assertion.
func (a *assertion) verify(rec *Record, o *AssertionOptions, allowed allowedOrigins) (*SignIn, error) {
	s := &SignIn{
		Flags:      flagsOf(a.parsed.Flags),
		SignCount:  a.parsed.Counter,
		UserHandle: a.userHandle,
		ClientData: a.clientData,
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	var key any
	checks := []struct {
		check string
		run   func() error
	}{
		{"credential is the record's and was allowed; userHandle is its owner's", func() error { return a.checkCredential(rec, o) }},
		{clientDataCheck(o.SkipChallengeCheck), func() error { return a.checkClientData(o, allowed) }},
		{"rpIdHash is SHA-256 of the RP ID", func() error { return a.checkRPIDHash(o.RPID) }},
		{"UP set; UV set when required", func() error { return a.checkUser(o.RequireUserVerification) }},
		{"extension outputs were requested", func() error { return a.checkExtensions(o.Extensions) }},
		{"signature over authenticatorData and hash(clientDataJSON) with the stored key", func() error {
			var err error
			key, err = recordKey(rec)
			if err != nil {
				return err
			}
			return a.checkSignature(key)
		}},
	}
	for _, ch := range checks {
		err := ch.run()
		s.Steps = append(s.Steps, Step{Check: ch.check, By: "keytier", OK: err == nil})
		if err != nil {
			return s, err
		}
	}
	// From here on the authenticator data is the credential's signed word.
	at := now().UTC()
	next := rec.Clone()
	s.Record = next
	err := a.compare(rec, next, s, o, at)
	s.Steps = append(s.Steps, Step{Check: "backup flags against the record (BE fixed, BS tracked); signature counter", By: "keytier", OK: err == nil})
	next.LastSignIn = at
	if err == nil {
		next.SignIns++
	}
	next.Events = append(next.Events, s.Events...)
	if n := len(next.Events) - MaxRecordEvents; n > 0 {
		next.Events = slices.Delete(next.Events, 0, n)
	}
	return s, err
}

func clientDataCheck(skipChallenge bool) string {
	if skipChallenge {
		return "clientDataJSON type, origin, crossOrigin, topOrigin (challenge NOT checked: SkipChallengeCheck)"
	}
	return "clientDataJSON type, challenge, origin, crossOrigin, topOrigin"
}

// checkCredential: §7.2's steps on allowCredentials and on identifying the
// user. credential.id must be the record's (the caller looked the record up
// by it), be one of allowCredentials when the relying party sent any, and
// the userHandle, when present, must be the owner's; a discoverable
// sign-in must carry it, since only it says whose credential this is.
func (a *assertion) checkCredential(rec *Record, o *AssertionOptions) error {
	if !bytes.Equal(a.rawID, rec.ID) {
		return errorf(CodeCredentialIDMismatch, "rawId", nil, "%s is not the record's credential id %s", Bytes(a.rawID), rec.ID)
	}
	if o.AllowCredentials != nil && !slices.ContainsFunc(o.AllowCredentials, func(id []byte) bool { return bytes.Equal(id, a.rawID) }) {
		return errorf(CodeCredentialNotAllowed, "rawId", nil, "credential %s is not in allowCredentials", Bytes(a.rawID))
	}
	owner := o.UserHandle
	if owner == nil {
		owner = rec.UserHandle
	}
	switch {
	case len(a.userHandle) == 0 && o.AllowCredentials == nil:
		return errorf(CodeUserHandleMissing, "response.userHandle", nil, "a discoverable sign-in (no allowCredentials) must return the user handle, which identifies the account")
	case len(a.userHandle) > 0 && len(owner) > 0 && subtle.ConstantTimeCompare(a.userHandle, owner) != 1:
		return errorf(CodeUserHandleMismatch, "response.userHandle", nil, "not the user handle of the credential's owner")
	}
	return nil
}

// checkClientData: C.type is webauthn.get, C.challenge the challenge sent,
// C.origin and C.topOrigin as registration compares them.
func (a *assertion) checkClientData(o *AssertionOptions, allowed allowedOrigins) error {
	cd := a.clientData
	if cd.Type != string(protocol.AssertCeremony) {
		return errorf(CodeClientDataType, "clientDataJSON.type", nil, "got %q, want %q", cd.Type, protocol.AssertCeremony)
	}
	if !o.SkipChallengeCheck {
		got, decErr := decodeBase64(base64.RawURLEncoding, cd.Challenge)
		if decErr != nil || subtle.ConstantTimeCompare(got, o.Challenge) != 1 {
			return errorf(CodeChallengeMismatch, "clientDataJSON.challenge", nil, "not the challenge the relying party sent")
		}
	}
	return cd.checkOrigins(allowed.origins, allowed.topOrigins, o.AllowCrossOrigin, "sign-in")
}

func (a *assertion) checkRPIDHash(rpID string) error {
	want := sha256.Sum256([]byte(rpID))
	if !bytes.Equal(a.authData[:32], want[:]) {
		return errorf(CodeRPIDMismatch, "authData.rpIdHash", nil, "not SHA-256(%q); the assertion was made for another relying party id", rpID)
	}
	return nil
}

func (a *assertion) checkUser(requireUV bool) error {
	f := a.parsed.Flags
	switch {
	case !f.HasUserPresent():
		return errorf(CodeUserNotPresent, "authData.flags", nil, "UP is not set")
	case requireUV && !f.HasUserVerified():
		return errorf(CodeUserNotVerified, "authData.flags", nil, "user verification was required but UV is not set")
	}
	return nil
}

func (a *assertion) checkExtensions(requested []string) error {
	if requested == nil {
		return nil
	}
	var ext map[string]any
	if len(a.parsed.ExtData) > 0 {
		if err := webauthncbor.Unmarshal(a.parsed.ExtData, &ext); err != nil {
			return errorf(CodeAuthDataInvalid, "authData.extensions", nil, "not a CBOR map of extension outputs: %s", protoMessage(err))
		}
	}
	for id := range ext {
		if !slices.Contains(requested, id) {
			return errorf(CodeExtensionUnexpected, "authData.extensions."+id, nil, "the authenticator returned an output for %q, which was not requested", id)
		}
	}
	if len(a.clientExt) > 0 {
		var m map[string]jsontext.Value
		if err := jsonv2.Unmarshal(a.clientExt, &m); err != nil {
			return errorf(CodeJSONInvalid, "clientExtensionResults", nil, "want an object")
		}
		for id := range m {
			if !slices.Contains(requested, id) {
				return errorf(CodeExtensionUnexpected, "clientExtensionResults."+id, nil, "the client returned an output for %q, which was not requested", id)
			}
		}
	}
	return nil
}

// recordKey parses the stored COSE key.
func recordKey(rec *Record) (any, error) {
	key, err := webauthncose.ParsePublicKey(rec.PublicKey)
	if err != nil {
		return nil, errorf(CodeRecordInvalid, "record.publicKey", nil, "not a COSE key keytier can use: %s", protoMessage(err))
	}
	return key, nil
}

// coseKeyAlgorithm returns the alg of a COSE key that parses and is usable.
func coseKeyAlgorithm(cose []byte) (int64, error) {
	if alg, ok := canonicalKeyAlgorithm(cose); ok {
		return alg, nil
	}
	return parseKeyAlgorithm(cose)
}

// The three keys nearly every authenticator makes, as CTAP2's canonical
// CBOR encodes them (CTAP 2.1 §8; COSE, RFC 9053): the bytes before and
// between the key material.
var (
	// {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
	canonicalES256, canonicalES256Y = []byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20}, []byte{0x22, 0x58, 0x20}
	// {1: 1 (OKP), 3: -8 (EdDSA), -1: 6 (Ed25519), -2: x}
	canonicalEdDSA = []byte{0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20}
	// {1: 3 (RSA), 3: -257 (RS256), -1: n (2048 bits), -2: e = 65537}
	canonicalRS256, canonicalRS256E = []byte{0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20, 0x59, 0x01, 0x00}, []byte{0x21, 0x43, 0x01, 0x00, 0x01}
)

// canonicalKeyAlgorithm is coseKeyAlgorithm for a key in one of those
// encodings, whose outcome in parseKeyAlgorithm is known from its bytes
// but for the EC2 point: crypto/ecdh checks that it is on P-256 with the
// same nistec code crypto/elliptic's IsOnCurve uses, without big.Int. It reports
// false, to leave the key to parseKeyAlgorithm, for any other key and for
// every key parseKeyAlgorithm refuses, so errors keep their words.
// FuzzCOSEKeyFastPath holds the two to the same answers.
func canonicalKeyAlgorithm(cose []byte) (int64, bool) {
	switch {
	case len(cose) == 77 && bytes.HasPrefix(cose, canonicalES256) && bytes.Equal(cose[42:45], canonicalES256Y):
		var point [65]byte // SEC 1 uncompressed: 0x04 ‖ x ‖ y
		point[0] = 4
		copy(point[1:33], cose[10:42])
		copy(point[33:], cose[45:77])
		if _, err := ecdh.P256().NewPublicKey(point[:]); err != nil {
			return 0, false
		}
		return int64(webauthncose.AlgES256), true
	case len(cose) == 42 && bytes.HasPrefix(cose, canonicalEdDSA):
		return int64(webauthncose.AlgEdDSA), true
	case len(cose) == 272 && bytes.HasPrefix(cose, canonicalRS256) && bytes.Equal(cose[267:], canonicalRS256E):
		if len(bytes.Trim(cose[11:267], "\x00")) == 0 {
			return 0, false // a zero modulus
		}
		return int64(webauthncose.AlgRS256), true
	}
	return 0, false
}

// parseKeyAlgorithm is coseKeyAlgorithm for any key, through
// go-webauthn's own parser.
func parseKeyAlgorithm(cose []byte) (int64, error) {
	key, err := webauthncose.ParsePublicKey(cose)
	if err != nil {
		return 0, errors.New(protoMessage(err))
	}
	switch k := key.(type) {
	case webauthncose.EC2PublicKeyData:
		if _, err := k.ToECDSA(); err != nil {
			return 0, errors.New("the EC2 point is not on its curve")
		}
		return k.Algorithm, nil
	case webauthncose.OKPPublicKeyData:
		return k.Algorithm, nil
	case webauthncose.RSAPublicKeyData:
		return k.Algorithm, nil
	}
	return 0, errors.New("a key type keytier does not verify")
}

// checkSignature: the signature over authenticatorData ‖ SHA-256(cData),
// with the stored credential public key (§7.2, §6.3.3).
func (a *assertion) checkSignature(key any) error {
	hash := sha256.Sum256(a.clientDataJSON)
	signed := make([]byte, 0, len(a.authData)+len(hash))
	signed = append(append(signed, a.authData...), hash[:]...)
	ok, err := webauthncose.VerifySignature(key, signed, a.signature)
	if !ok || err != nil {
		reason := "the signature does not verify with the stored public key"
		if err != nil {
			reason += ": " + protoMessage(err)
		}
		return &Error{Code: CodeAssertionSignature, Where: "response.signature", Reason: reason}
	}
	return nil
}

// compare is §7.2's steps on the backup flags and the signature counter,
// and the record update that follows a verified signature.
func (a *assertion) compare(rec, next *Record, s *SignIn, o *AssertionOptions, at time.Time) error {
	f := s.Flags
	var refusal error
	// §6.1.3: BS without BE is never valid.
	if f.BS && !f.BE {
		refusal = errorf(CodeFlagsInconsistent, "authData.flags", nil, "BS is set but BE is not: a credential cannot be backed up if it is not backup eligible")
	}
	// §7.2: BE is fixed at registration. A change means the authenticator
	// is not the one that registered the credential, or misreports it.
	if f.BE != rec.BackupEligible {
		s.Events = append(s.Events, backupEligibilityEvent(rec.BackupEligible, f.BE, at))
		if refusal == nil {
			refusal = errorf(CodeBackupEligibilityChanged, "authData.flags.BE", nil, "BE was %s at registration and is %s now; it may never change (§6.1.3, §7.2)", bit(rec.BackupEligible), bit(f.BE))
		}
	}
	// §7.2: BS may change; the relying party's policy decides what a
	// change means. keytier's: a key now backed up is synced.
	if f.BS != rec.BackupState {
		s.Events = append(s.Events, backupStateEvent(rec, f.BS, at))
		// BE is the record's for life, and BS without BE is a state no
		// record may hold (§6.1.3; ParseRecord refuses it): on a
		// credential registered with BE=0 the event and the verdict keep
		// what BS=1 revealed, and the record stays readable.
		if rec.BackupEligible {
			next.BackupState = f.BS
		}
	}
	if f.BS || (f.BE && !rec.BackupEligible) {
		next.reclassifySynced(at, s)
	}
	// §7.2, §6.1.1: if either counter is non-zero, the new one must be
	// greater; otherwise the authenticator may be cloned.
	switch {
	case s.SignCount == 0 && rec.SignCount == 0:
	case s.SignCount > rec.SignCount:
		next.SignCount = s.SignCount
	default:
		s.Events = append(s.Events, signCountEvent(rec.SignCount, s.SignCount, o.RejectSignCountRegression, at))
		if refusal == nil && o.RejectSignCountRegression {
			refusal = errorf(CodeSignCountRegressed, "authData.signCount", nil, "%d is not greater than the stored %d: the credential's key may exist in two authenticators (§6.1.1)", s.SignCount, rec.SignCount)
		}
	}
	// uvInitialized latches (§4); a record that was verified before and
	// a sign-in that was not is worth a flag even when UV was optional.
	if f.UV {
		next.UVInitialized = true
	} else if rec.UVInitialized {
		s.Events = append(s.Events, userNotVerifiedEvent(at))
	}
	if refusal != nil {
		// A refused sign-in does not advance the counter.
		next.SignCount = rec.SignCount
	}
	return refusal
}

// reclassifySynced re-judges a record whose authenticator now says its key
// is (or may be) backed up: whatever registration concluded, the key is
// synced now, and that is the authenticator's signed word.
func (r *Record) reclassifySynced(at time.Time, s *SignIn) {
	if r.Current.PasskeyType == Synced && r.Evidence.Syncability == assurance.Syncable {
		return
	}
	before := r.Current
	r.Evidence.Syncability = assurance.Syncable
	res := assurance.Classify(r.Evidence)
	r.Current.PasskeyType = Synced
	r.Current.Confidence = High
	r.Current.AAL = res.AAL
	r.Current.PhishingResistant = res.PhishingResistant
	r.Current.Explanation = append(r.Current.Explanation, "On "+at.Format(time.RFC3339)+" the authenticator reported, in a signed assertion, that the key is backed up or may be: it is synced from now on.")
	// Attach the consequence to the event that caused it.
	for i := len(s.Events) - 1; i >= 0; i-- {
		e := &s.Events[i]
		if e.Code == EventBackupStateChanged || e.Code == EventBackupEligibilityChanged {
			e.TierBefore, e.TierAfter = before.tier(), r.Current.tier()
			e.Admin += " " + tierSentence(before, r.Current)
			e.Plain += " " + plainTierSentence(before, r.Current)
			break
		}
	}
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
