package passkey

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/google/uuid"

	"github.com/keytier/keytier/assurance"
)

// Record is a credential as a relying party stores it between sign-ins
// (WebAuthn L3 §4 "credential record": id, public key, sign count, the
// backup flags, uvInitialized, transports) together with what keytier
// concluded about it: the attestation, the verdict at registration and the
// verdict as it stands after the latest sign-in, and the events seen on the
// way. VerifyAssertion reads a Record and returns an updated copy for the
// caller to persist.
//
// Its JSON is a contract: members keep their names and meanings, new ones
// may be added. Binary members are unpadded base64url.
type Record struct {
	ID         Bytes `json:"id"`
	UserHandle Bytes `json:"userHandle,omitempty"`
	// RPID is the relying party id the credential is scoped to, and
	// Origin the origin it was registered on; both from the verified
	// registration, "" when the source did not keep them.
	RPID   string `json:"rpId,omitempty"`
	Origin string `json:"origin,omitempty"`
	// PublicKey is the credential public key as a COSE_Key (§6.5.1.1).
	PublicKey     Bytes  `json:"publicKey"`
	Algorithm     int64  `json:"algorithm"`
	AlgorithmName string `json:"algorithmName"`
	SignCount     uint32 `json:"signCount"`
	// BackupEligible is BE at registration; it never changes (§6.1.3).
	BackupEligible bool `json:"backupEligible"`
	// BackupState is BS as of the latest verified ceremony.
	BackupState bool `json:"backupState"`
	// UVInitialized is true once any ceremony verified the user (§4).
	UVInitialized bool      `json:"uvInitialized"`
	Transports    []string  `json:"transports,omitempty"`
	AAGUID        uuid.UUID `json:"aaguid"`

	Attestation RecordAttestation `json:"attestation"`
	// Evidence is the assurance evidence at registration; sign-ins change
	// only what they observe (syncability, user verification).
	Evidence assurance.Evidence `json:"evidence"`
	// Registration is the verdict when the credential was registered;
	// Current is the verdict after the latest sign-in.
	Registration Verdict `json:"registration"`
	Current      Verdict `json:"current"`

	RegisteredAt time.Time `json:"registeredAt,omitzero"`
	LastSignIn   time.Time `json:"lastSignIn,omitzero"`
	SignIns      uint64    `json:"signIns"`
	// Events are the most recent events, oldest first, at most
	// MaxRecordEvents.
	Events []Event `json:"events,omitempty"`
	// Source says where the record came from: "keytier" (NewRecord) or
	// "go-webauthn" (a webauthn.Credential read by ParseRecord).
	Source string `json:"source"`
}

// RecordAttestation is what the registration's attestation established.
type RecordAttestation struct {
	Format    string `json:"format,omitempty"`
	Type      string `json:"type,omitempty"`
	Verified  bool   `json:"verified"` // the attestation signature was verified
	Trusted   bool   `json:"trusted"`  // and it chains to a trust anchor
	TrustedBy string `json:"trustedBy,omitempty"`
}

// Verdict is keytier's answer about a credential at one moment.
type Verdict struct {
	Authenticator     string          `json:"authenticator"`
	AuthenticatorKind string          `json:"authenticatorKind,omitempty"`
	PasskeyType       PasskeyType     `json:"passkeyType"`
	Confidence        Confidence      `json:"confidence"`
	AAL               assurance.Level `json:"aal"`
	PhishingResistant bool            `json:"phishingResistant"`
	// Explanation says, in order, why PasskeyType follows.
	Explanation []string `json:"explanation,omitempty"`
}

// Record sources.
const (
	SourceKeytier    = "keytier"
	SourceGoWebAuthn = "go-webauthn"
)

// NewRecord makes the record a relying party stores after a registration
// that Verify accepted. userHandle is the user.id the relying party sent in
// PublicKeyCredentialCreationOptions (nil if it keeps none); at is when the
// credential was registered (zero: unknown). A credential Verify refused,
// or one only inspected, has no record: its key is nobody's word.
func NewRecord(c *Credential, userHandle []byte, at time.Time) (*Record, error) {
	if c == nil || !c.verified {
		return nil, &Error{Code: CodeRecordInvalid, Where: "credential", Reason: "only a credential Verify accepted can become a record"}
	}
	r := &Record{
		ID:             bytes.Clone(c.CredentialID),
		UserHandle:     bytes.Clone(userHandle),
		RPID:           c.Verification.RPID,
		Origin:         c.Verification.Origin,
		PublicKey:      bytes.Clone(c.PublicKey),
		Algorithm:      c.PublicKeyAlgorithm,
		AlgorithmName:  c.PublicKeyAlgName,
		SignCount:      c.SignCount,
		BackupEligible: c.Flags.BE,
		BackupState:    c.Flags.BS,
		UVInitialized:  c.Flags.UV,
		Transports:     slices.Clone(c.Transports),
		AAGUID:         c.AAGUID,
		Attestation: RecordAttestation{
			Format:    c.Format,
			Type:      c.Attestation.Type,
			Verified:  c.Attestation.SignatureVerified,
			Trusted:   c.Attestation.Trusted,
			TrustedBy: c.Attestation.TrustedBy,
		},
		RegisteredAt: at.UTC(),
		Source:       SourceKeytier,
	}
	r.judgeRegistration(c)
	return r, nil
}

// judgeRegistration sets the record's evidence and its registration
// verdict from the registration c, and makes the current verdict the same.
func (r *Record) judgeRegistration(c *Credential) {
	r.Evidence = c.Evidence()
	aal, phishingResistant := assurance.Verdict(r.Evidence)
	r.Registration = Verdict{
		Authenticator:     c.Authenticator,
		AuthenticatorKind: c.AuthenticatorKind,
		PasskeyType:       c.PasskeyType,
		Confidence:        c.Backup.Confidence,
		AAL:               aal,
		PhishingResistant: phishingResistant,
		Explanation:       slices.Clone(c.Backup.Explanation),
	}
	r.Current = r.Registration
	r.Current.Explanation = slices.Clone(r.Registration.Explanation)
}

// Clone returns a deep copy of r.
func (r *Record) Clone() *Record {
	c := *r
	c.ID = bytes.Clone(r.ID)
	c.UserHandle = bytes.Clone(r.UserHandle)
	c.PublicKey = bytes.Clone(r.PublicKey)
	c.Transports = slices.Clone(r.Transports)
	c.Registration.Explanation = slices.Clone(r.Registration.Explanation)
	c.Current.Explanation = slices.Clone(r.Current.Explanation)
	c.Events = slices.Clone(r.Events)
	return &c
}

// MaxRecordSize bounds the bytes ParseRecord accepts. A record holds a key
// of at most a few hundred bytes (an RSA-4096 COSE key is about 550), an id
// of at most 1023, and MaxRecordEvents short events; a go-webauthn record
// may carry the registration's attestation object, which Verify bounds at
// MaxInputSize.
const MaxRecordSize = MaxInputSize + 64<<10

// MaxRecordEvents is how many events a Record keeps; older ones are
// dropped first.
const MaxRecordEvents = 32

// ParseRecord reads a stored credential: keytier's Record JSON, or
// go-webauthn's webauthn.Credential as encoding/json marshals it (id,
// publicKey and AAGUID in standard base64, flags{…}, authenticator{…},
// attestation{…}). A go-webauthn record is classified as keytier would
// have classified its registration without a trust anchor: from its
// flags, its AAGUID and, when it kept one, its attestation object
// (unverified: nothing in the row says a chain was checked).
//
// Reading is strict: exact member names, no repeated member, the right
// types; an error is an *Error whose Where names the member.
func ParseRecord(data []byte) (*Record, error) {
	if r, ok := readRecordFast(data); ok {
		return r, nil
	}
	j, err := decodeRecordJSON(data, "")
	if err != nil {
		return nil, err
	}
	return j.record("")
}

// decodeRecordJSON reads a stored row in one pass: keytier's members into
// the Record, and the members whose shape differs between the two (id,
// publicKey, attestation) or that only go-webauthn writes, raw, until the
// row has said which it is. Unknown members are ignored, so a record a
// newer keytier wrote still reads; names are exact and a repeated member
// is an error (json/v2).
func decodeRecordJSON(data []byte, prefix string) (*recordJSON, error) {
	where := prefix
	if where == "" {
		where = "record"
	}
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return nil, &Error{Code: CodeInputEmpty, Where: where, Reason: "no record"}
	case len(data) > MaxRecordSize:
		return nil, errorf(CodeInputTooLarge, where, nil, "%d bytes; a record is at most %d", len(data), MaxRecordSize)
	}
	j := new(recordJSON)
	if err := jsonv2.Unmarshal(data, j); err != nil {
		e := jsonError(err, prefix).(*Error)
		e.Code = CodeRecordInvalid
		return nil, e
	}
	return j, nil
}

// record finishes reading the row as the shape it turned out to be.
func (j *recordJSON) record(prefix string) (*Record, error) {
	if j.Authenticator != nil && j.Source == "" {
		return j.goWebAuthn(prefix)
	}
	r := &j.Record
	if err := decodeMember(j.ID, prefix, "id", &r.ID); err != nil {
		return nil, err
	}
	if err := decodeMember(j.PublicKey, prefix, "publicKey", &r.PublicKey); err != nil {
		return nil, err
	}
	if err := decodeMember(j.Attestation, prefix, "attestation", &r.Attestation); err != nil {
		return nil, err
	}
	if err := r.check(prefix); err != nil {
		return nil, err
	}
	return r, nil
}

// decodeMember decodes the raw member name of a keytier record into dst;
// an absent or null member leaves dst as it is. A base64url string without
// escapes, which is how keytier writes every binary member, is decoded
// directly; anything else, and every error, goes through json/v2 so the
// message is its.
func decodeMember(raw jsontext.Value, prefix, name string, dst any) error {
	if len(raw) == 0 || raw.Kind() == 'n' {
		return nil
	}
	if b, ok := dst.(*Bytes); ok && raw.Kind() == '"' && bytes.IndexByte(raw, '\\') < 0 {
		if err := b.UnmarshalText(raw[1 : len(raw)-1]); err == nil {
			return nil
		}
	}
	if err := jsonv2.Unmarshal(raw, dst); err != nil {
		e := jsonError(err, joinPath(prefix, name)).(*Error)
		e.Code = CodeRecordInvalid
		return e
	}
	return nil
}

// recordJSON is a stored row as ParseRecord decodes it in one pass. Its
// own members are at a shallower depth than the embedded Record's, so
// they take id, publicKey and attestation (json/v2, like Go, lets the
// shallower field win).
type recordJSON struct {
	Record      `json:",inline"`
	ID          jsontext.Value `json:"id"`
	PublicKey   jsontext.Value `json:"publicKey"`
	Attestation jsontext.Value `json:"attestation"`

	// go-webauthn's webauthn.Credential members (webauthn/credential.go,
	// v0.18), as encoding/json writes them.
	Authenticator     jsontext.Value `json:"authenticator"`
	Flags             jsontext.Value `json:"flags"`
	AttestationType   string         `json:"attestationType"`
	AttestationFormat string         `json:"attestationFormat"`
	Transport         []string       `json:"transport"`

	// Members only a Microsoft Graph authentication method has: a fleet
	// row that has any of them is one (fleetRowKind).
	ODataType        jsontext.Value `json:"@odata.type"`
	GraphAAGUID      jsontext.Value `json:"aaGuid"`
	AttestationLevel jsontext.Value `json:"attestationLevel"`
}

// graphKind says what fleetRowKind would say of a row that decoded: a
// Graph method of another type, a FIDO2 method, or a record.
func (j *recordJSON) graphKind() fleetKind {
	switch {
	case len(j.ODataType) != 0 && j.ODataType.Kind() == '"':
		var t string
		if jsonv2.Unmarshal(j.ODataType, &t) == nil && t != FIDO2MethodODataType {
			return rowGraphOther
		}
		return rowGraph
	case len(j.ODataType) != 0 || len(j.GraphAAGUID) != 0 || len(j.AttestationLevel) != 0:
		return rowGraph
	}
	return rowRecord
}

// check holds a record to what VerifyAssertion relies on.
func (r *Record) check(prefix string) error {
	at := func(m string) string { return joinPath(prefix, m) }
	switch {
	case len(r.ID) == 0:
		return errorf(CodeRecordInvalid, at("id"), nil, "missing or empty")
	case len(r.ID) > MaxCredentialIDLength:
		return errorf(CodeRecordInvalid, at("id"), nil, "%d bytes; a credential id is at most %d (§7.1)", len(r.ID), MaxCredentialIDLength)
	case len(r.PublicKey) == 0:
		return errorf(CodeRecordInvalid, at("publicKey"), nil, "missing or empty")
	case r.BackupState && !r.BackupEligible:
		return errorf(CodeRecordInvalid, at("backupState"), nil, "true while backupEligible is false; no authenticator may report that (§6.1.3)")
	case len(r.Events) > MaxRecordEvents:
		return errorf(CodeRecordInvalid, at("events"), nil, "%d events; a record keeps at most %d", len(r.Events), MaxRecordEvents)
	}
	alg, err := coseKeyAlgorithm(r.PublicKey)
	if err != nil {
		return errorf(CodeRecordInvalid, at("publicKey"), nil, "not a COSE key keytier can use: %v", err)
	}
	if r.Algorithm == 0 {
		r.Algorithm = alg
	} else if r.Algorithm != alg {
		return errorf(CodeRecordInvalid, at("algorithm"), nil, "%d, but the public key's alg is %d", r.Algorithm, alg)
	}
	r.AlgorithmName = AlgorithmName(alg)
	if r.Source == "" {
		r.Source = SourceKeytier
	}
	return nil
}

// goWebAuthnAuthenticator and goWebAuthnAttestation are the nested
// members of go-webauthn's webauthn.Credential JSON.
type goWebAuthnAuthenticator struct {
	AAGUID       jsontext.Value `json:"AAGUID"`
	SignCount    uint32         `json:"signCount"`
	CloneWarning bool           `json:"cloneWarning"`
	Attachment   string         `json:"attachment"`
}

type goWebAuthnAttestation struct {
	Object jsontext.Value `json:"object"`
}

type goWebAuthnFlags struct {
	UserPresent    bool `json:"userPresent"`
	UserVerified   bool `json:"userVerified"`
	BackupEligible bool `json:"backupEligible"`
	BackupState    bool `json:"backupState"`
}

// stdBytes decodes a go-webauthn []byte member: standard base64 as
// encoding/json writes it (padding optional; base64url tolerated, since
// some stores re-encode).
func stdBytes(v jsontext.Value, where string, required bool) ([]byte, error) {
	if len(v) == 0 || v.Kind() == 'n' {
		return missingMember(where, required)
	}
	if v.Kind() != '"' {
		return nil, errorf(CodeRecordInvalid, where, nil, "got JSON %s, want a base64 string", v.Kind())
	}
	text := []byte(v[1 : len(v)-1])
	if bytes.IndexByte(text, '\\') >= 0 {
		// Escapes are legal JSON, if odd in base64: unquote first.
		var s string
		if err := jsonv2.Unmarshal(v, &s); err != nil {
			return nil, errorf(CodeRecordInvalid, where, nil, "invalid string")
		}
		text = []byte(s)
	}
	text = bytes.TrimRight(text, "=")
	if len(text) == 0 {
		return missingMember(where, required)
	}
	b := make([]byte, base64.RawStdEncoding.DecodedLen(len(text)))
	n, err := base64.RawStdEncoding.Decode(b, text)
	if err != nil {
		n, err = base64.RawURLEncoding.Decode(b, text)
	}
	if err != nil {
		return nil, errorf(CodeEncodingInvalid, where, nil, "invalid base64")
	}
	return b[:n], nil
}

// goWebAuthn reads the row as go-webauthn's webauthn.Credential. Like
// go-webauthn's own reader (encoding/json), it ignores members it does not
// know, since that JSON has grown members over releases.
func (g *recordJSON) goWebAuthn(prefix string) (*Record, error) {
	w := goWebAuthnRow{
		id: g.ID, publicKey: g.PublicKey,
		attestationType: g.AttestationType, attestationFormat: g.AttestationFormat, transport: g.Transport,
	}
	for _, m := range []struct {
		raw  jsontext.Value
		name string
		dst  any
	}{{g.Authenticator, "authenticator", &w.auth}, {g.Flags, "flags", &w.flags}, {g.Attestation, "attestation", &w.att}} {
		if len(m.raw) == 0 || m.raw.Kind() == 'n' {
			continue
		}
		if err := jsonv2.Unmarshal(m.raw, m.dst); err != nil {
			e := jsonError(err, joinPath(prefix, m.name)).(*Error)
			e.Code = CodeRecordInvalid
			return nil, e
		}
	}
	return w.record(prefix)
}

// goWebAuthnRow is a go-webauthn row's members as goWebAuthn reads them:
// the binary ones raw, for stdBytes.
type goWebAuthnRow struct {
	id, publicKey                      jsontext.Value
	auth                               goWebAuthnAuthenticator
	flags                              goWebAuthnFlags
	att                                goWebAuthnAttestation
	attestationType, attestationFormat string
	transport                          []string
}

// record makes the Record of a go-webauthn row.
func (g *goWebAuthnRow) record(prefix string) (*Record, error) {
	at := func(m string) string { return joinPath(prefix, m) }
	auth, flags, att := g.auth, g.flags, g.att
	id, err := stdBytes(g.id, at("id"), true)
	if err != nil {
		return nil, err
	}
	pub, err := stdBytes(g.publicKey, at("publicKey"), true)
	if err != nil {
		return nil, err
	}
	aaguidRaw, err := stdBytes(auth.AAGUID, at("authenticator.AAGUID"), false)
	if err != nil {
		return nil, err
	}
	var aaguid uuid.UUID
	if len(aaguidRaw) != 0 {
		if len(aaguidRaw) != 16 {
			return nil, errorf(CodeRecordInvalid, at("authenticator.AAGUID"), nil, "%d bytes; an AAGUID is 16", len(aaguidRaw))
		}
		aaguid = uuid.UUID(aaguidRaw)
	}
	obj, err := stdBytes(att.Object, at("attestation.object"), false)
	if err != nil {
		return nil, err
	}
	format := g.attestationFormat
	if format == "" && isAttestationFormat(g.attestationType) {
		// go-webauthn before v0.14 stored the format in attestationType;
		// its own UnmarshalJSON migrates such rows the same way.
		format = g.attestationType
	}
	r := &Record{
		ID:             id,
		PublicKey:      pub,
		SignCount:      auth.SignCount,
		BackupEligible: flags.BackupEligible,
		BackupState:    flags.BackupState,
		UVInitialized:  flags.UserVerified,
		Transports:     g.transport,
		AAGUID:         aaguid,
		Attestation:    RecordAttestation{Format: format},
		Source:         SourceGoWebAuthn,
	}
	if err := r.check(prefix); err != nil {
		return nil, err
	}
	// What the registration said, as far as the row remembers it.
	c := &Credential{AAGUID: aaguid, Format: format, Flags: Flags{UV: r.UVInitialized, BE: r.BackupEligible, BS: r.BackupState, UP: true}}
	if len(obj) > 0 {
		if ins, err := Inspect(obj); err == nil && bytes.Equal(ins.CredentialID, id) {
			c.Format = ins.Format
			c.Attestation.Type = ins.Attestation.Type
			r.Attestation.Format, r.Attestation.Type = ins.Format, ins.Attestation.Type
		}
	}
	c.describe(nil, nil)
	if c.Backup.Explanation != nil {
		c.Backup.Explanation = append(c.Backup.Explanation, "Read from a go-webauthn record: keytier did not verify its attestation.")
	}
	r.judgeRegistration(c)
	return r, nil
}

func isAttestationFormat(s string) bool {
	return slices.Contains(attestationFormats, protocol.AttestationFormat(s))
}

// Classify returns the assurance the credential gives as the record now
// stands, with the rule trace.
func (r *Record) Classify() assurance.Result {
	return assurance.Classify(r.Evidence)
}

// Facts returns the policy facts of the record, as CredentialFactsOf does
// for a registration, with Registered set.
func (r *Record) Facts() CredentialFacts {
	f := r.facts()
	f.TypeExplanation = slices.Clone(f.TypeExplanation)
	return f
}

// facts is Facts sharing the record's explanation, for a caller that
// only reads it.
func (r *Record) facts() CredentialFacts {
	f := CredentialFacts{
		AAGUID:          r.AAGUID,
		Authenticator:   r.Current.Authenticator,
		Type:            r.Current.PasskeyType,
		TypeConfidence:  r.Current.Confidence,
		TypeExplanation: r.Current.Explanation,
		Registered:      true,
	}
	switch {
	case r.Attestation.Format == "none" || r.Attestation.Type == AttestationNone || r.Attestation.Type == AttestationSelf || r.Attestation.Format == "":
		f.Attestation = AttestationAbsent
	case r.Attestation.Trusted:
		f.Attestation = AttestationTrusted
	default:
		f.Attestation = AttestationUntrusted
	}
	return f
}

// String is a one-line summary for logs: no key material.
func (r *Record) String() string {
	return fmt.Sprintf("credential %s (%s, %s, %s)", r.ID, r.Current.Authenticator, r.Current.PasskeyType, r.Current.AAL)
}
