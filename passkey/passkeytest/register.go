package passkeytest

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/fxamacker/cbor/v2"
)

// RegisterOptions are the inputs of one registration ceremony: what the
// relying party asked for (RP ID, challenge), what the client adds (origin,
// cross-origin context) and how the authenticator answers (flags, counter,
// extensions). RPID, Origin and Challenge are required; every other zero
// value yields the ordinary response of a conforming authenticator.
type RegisterOptions struct {
	// RPID is the relying party id whose SHA-256 becomes rpIdHash
	// (WebAuthn L3 §6.1). Required.
	RPID string

	// Origin is clientDataJSON's origin (§5.8.1), e.g.
	// "https://login.example.com". Required.
	Origin string

	// Challenge is the relying party's challenge, base64url-encoded into
	// clientDataJSON. Required; §13.4.3 wants at least 16 random bytes, but
	// shorter ones are accepted so that relying parties can be tested.
	Challenge []byte

	// Type is clientDataJSON's type. Empty: "webauthn.create".
	Type string

	// CrossOrigin is clientDataJSON's crossOrigin: the call came from an
	// iframe not same-origin with its ancestors (§5.8.1).
	CrossOrigin bool

	// TopOrigin is clientDataJSON's topOrigin, written when non-empty.
	// Clients send it only with CrossOrigin; set it without to test that a
	// relying party refuses that.
	TopOrigin string

	// UserHandle is the user.id of the creation options. A registration
	// response does not carry it; it is kept in the Credential so that
	// Assert can return it, as a discoverable credential does (§6.3.3).
	UserHandle []byte

	// CredentialID is the credential id. Nil or empty: 32 bytes derived from
	// the AAGUID, the credential public key, RPID and UserHandle, so the
	// same inputs give the same id on every run. Longer than 1023 bytes is
	// allowed (§7.1 has relying parties refuse it); longer than
	// 65535 cannot be encoded.
	CredentialID []byte

	// Key is the credential private key. Nil: the package's fixed test key
	// for the authenticator's algorithm, shared by every credential that
	// does not set one. Its type must match the algorithm.
	Key crypto.Signer

	// SignCount is the signature counter in the authenticator data (§6.1.1).
	// Zero: the authenticator does not count.
	SignCount uint32

	// UserVerified sets UV.
	UserVerified bool

	// BackupEligible sets BE: the credential may be synced, i.e. a
	// multi-device credential (§6.1.3). It is kept in the Credential, since
	// BE cannot change over a credential's life.
	BackupEligible bool

	// BackedUp sets BS. Without BackupEligible the flags are inconsistent,
	// which §6.1.3 forbids and the §7.1 procedure rejects.
	BackedUp bool

	// OmitUserPresence clears UP, which every registration sets (§6.3.2);
	// relying parties must reject its absence (§7.1, §7.2).
	OmitUserPresence bool

	// Extensions are authenticator extension outputs (§9), CBOR-encoded at
	// the end of the authenticator data with ED set, e.g.
	// {"credProtect": 2}. Nil: none, ED clear.
	Extensions map[string]any

	// ClientExtensionResults is the response's clientExtensionResults
	// (§5.1), e.g. {"credProps": {"rk": true}}. Nil: {}.
	ClientExtensionResults map[string]any

	// Tamper breaks the response on purpose. Zero: nothing is broken.
	Tamper Tamper
}

// Tamper breaks a response after, or while, the authenticator produces it,
// for tests that a relying party rejects what it must. The zero value
// changes nothing. A wrong challenge or origin needs no tampering: pass a
// different one than the relying party expects.
type Tamper struct {
	// RPID, when non-empty, is hashed into the authenticator data instead
	// of the ceremony's RP ID, as if another relying party had asked; the
	// signature is valid over it: the rpIdHash checks of §7.1 and §7.2
	// must catch it.
	RPID string

	// Flags, when non-nil, rewrites the authenticator data flags before
	// signing, for combinations the options do not express (AT clear, ED
	// without extensions, reserved bits).
	Flags func(byte) byte

	// CorruptSignature flips a bit of the signature after signing: the
	// attestation signature in Register (an error with AttestationNone,
	// which has none), the assertion signature in Assert.
	CorruptSignature bool

	// ClientDataJSON, when non-nil, rewrites clientDataJSON after its hash
	// was signed.
	ClientDataJSON func([]byte) []byte

	// AuthenticatorData, when non-nil, rewrites the authenticator data after
	// it was signed, everywhere the response carries it.
	AuthenticatorData func([]byte) []byte
}

// Registration is the authenticator's and client's answer to
// navigator.credentials.create().
type Registration struct {
	// JSON is the PublicKeyCredential as PublicKeyCredential.toJSON() emits
	// it (WebAuthn L3 §5.1, RegistrationResponseJSON): what a browser posts
	// to the relying party.
	JSON []byte

	// AttestationObject is the CBOR attestation object (§6.5.4), as found
	// base64url-encoded in JSON's response.attestationObject.
	AttestationObject []byte

	// ClientDataJSON is the serialized client data (§5.8.1).
	ClientDataJSON []byte

	// AuthenticatorData is the authenticator data inside AttestationObject
	// (§6.1).
	AuthenticatorData []byte

	// Credential is the new credential, for later assertions and for
	// comparing what a relying party stored.
	Credential *Credential
}

// Credential is a credential created by Register: what the authenticator
// keeps (the private key) and what the relying party should have stored.
type Credential struct {
	// ID is the credential id (§4, "Credential ID").
	ID []byte

	// Key is the credential private key.
	Key crypto.Signer

	// Algorithm is the COSE algorithm of Key.
	Algorithm Algorithm

	// PublicKey is the credential public key as a COSE_Key (§6.5.1.1), the
	// bytes a relying party stores and verifies assertions with.
	PublicKey []byte

	// RPID is the relying party the credential is scoped to.
	RPID string

	// UserHandle is the user handle Assert returns; nil for none.
	UserHandle []byte

	// BackupEligible is the BE flag, fixed for the credential's life
	// (§6.1.3).
	BackupEligible bool

	// SignCount is the signature counter at registration.
	SignCount uint32
}

// Register creates a credential as an authenticator does for
// authenticatorMakeCredential (WebAuthn L3 §6.3.2), wraps it in the
// attestation statement the Authenticator was made with (§8), and
// serializes the client's response (§5.1). opts is not modified.
func (a *Authenticator) Register(opts RegisterOptions) (*Registration, error) {
	if err := checkCeremony("RegisterOptions", opts.RPID, opts.Origin, opts.Challenge); err != nil {
		return nil, err
	}

	key := opts.Key
	if key == nil {
		key = a.credentialKey
	} else if err := checkKey(key, a.opts.Algorithm); err != nil {
		return nil, &OptionError{Field: "RegisterOptions.Key", Reason: err.Error()}
	}

	if opts.Tamper.CorruptSignature && a.opts.Attestation == AttestationNone {
		return nil, &OptionError{Field: "RegisterOptions.Tamper.CorruptSignature", Reason: "attestation \"none\" carries no signature to corrupt"}
	}

	if len(opts.CredentialID) > math.MaxUint16 {
		return nil, &OptionError{Field: "RegisterOptions.CredentialID", Reason: fmt.Sprintf("%d bytes do not fit credentialIdLength's 16 bits (WebAuthn L3 §6.5.1)", len(opts.CredentialID))}
	}

	em, err := cborEncoder()
	if err != nil {
		return nil, err
	}

	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("passkeytest: encoding the credential public key: %w", err)
	}

	cose, err := coseKey(em, key.Public(), a.opts.Algorithm)
	if err != nil {
		return nil, err
	}

	id := slices.Clone(opts.CredentialID)
	if len(id) == 0 {
		id = a.deriveCredentialID(spki, opts.RPID, opts.UserHandle)
	}

	typ := opts.Type
	if typ == "" {
		typ = "webauthn.create"
	}

	cdj, err := clientData{Type: typ, Challenge: opts.Challenge, Origin: opts.Origin, CrossOrigin: opts.CrossOrigin, TopOrigin: opts.TopOrigin}.marshal()
	if err != nil {
		return nil, fmt.Errorf("passkeytest: serializing client data: %w", err)
	}

	flags, ext, err := authDataFlags(flagAT, flagRequest{
		up: !opts.OmitUserPresence, uv: opts.UserVerified, be: opts.BackupEligible, bs: opts.BackedUp,
		extensions: opts.Extensions, field: "RegisterOptions.Extensions", tamper: opts.Tamper,
	})
	if err != nil {
		return nil, err
	}

	rpID := opts.RPID
	if opts.Tamper.RPID != "" {
		rpID = opts.Tamper.RPID
	}

	ad := authData(rpID, flags, opts.SignCount, attestedCredentialData(a.opts.AAGUID, id, cose), ext)
	clientDataHash := sha256.Sum256(cdj)

	stmt, err := a.statement(key, ad, clientDataHash[:], id, cose)
	if err != nil {
		return nil, err
	}

	if opts.Tamper.CorruptSignature {
		stmt["sig"] = corrupt(stmt["sig"].([]byte))
	}

	if opts.Tamper.AuthenticatorData != nil {
		ad = opts.Tamper.AuthenticatorData(bytes.Clone(ad))
	}

	if opts.Tamper.ClientDataJSON != nil {
		cdj = opts.Tamper.ClientDataJSON(bytes.Clone(cdj))
	}

	attObj, err := em.Marshal(map[string]any{"fmt": a.opts.Attestation.Format(), "attStmt": stmt, "authData": ad})
	if err != nil {
		return nil, fmt.Errorf("passkeytest: encoding the attestation object: %w", err)
	}

	results, err := clientExtensionResults(opts.ClientExtensionResults)
	if err != nil {
		return nil, &OptionError{Field: "RegisterOptions.ClientExtensionResults", Reason: err.Error()}
	}

	transports := a.opts.Transports
	if transports == nil {
		transports = []string{}
	}

	resp, err := json.Marshal(registrationResponseJSON{
		ID:                      b64.EncodeToString(id),
		RawID:                   b64.EncodeToString(id),
		Type:                    "public-key",
		AuthenticatorAttachment: a.opts.Attachment,
		ClientExtensionResults:  results,
		Response: attestationResponseJSON{
			ClientDataJSON:     b64.EncodeToString(cdj),
			AttestationObject:  b64.EncodeToString(attObj),
			Transports:         transports,
			AuthenticatorData:  b64.EncodeToString(ad),
			PublicKey:          b64.EncodeToString(spki),
			PublicKeyAlgorithm: int64(a.opts.Algorithm),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("passkeytest: encoding the response JSON: %w", err)
	}

	return &Registration{
		JSON:              resp,
		AttestationObject: attObj,
		ClientDataJSON:    cdj,
		AuthenticatorData: ad,
		Credential: &Credential{
			ID:             id,
			Key:            key,
			Algorithm:      a.opts.Algorithm,
			PublicKey:      cose,
			RPID:           opts.RPID,
			UserHandle:     slices.Clone(opts.UserHandle),
			BackupEligible: opts.BackupEligible,
			SignCount:      opts.SignCount,
		},
	}, nil
}

// registrationResponseJSON is RegistrationResponseJSON (WebAuthn L3 §5.1).
type registrationResponseJSON struct {
	ID                      string                  `json:"id"`
	RawID                   string                  `json:"rawId"`
	Type                    string                  `json:"type"`
	AuthenticatorAttachment string                  `json:"authenticatorAttachment,omitempty"`
	ClientExtensionResults  json.RawMessage         `json:"clientExtensionResults"`
	Response                attestationResponseJSON `json:"response"`
}

// attestationResponseJSON is AuthenticatorAttestationResponseJSON (§5.2.1):
// publicKey is the SubjectPublicKeyInfo getPublicKey() returns.
type attestationResponseJSON struct {
	ClientDataJSON     string   `json:"clientDataJSON"`
	AttestationObject  string   `json:"attestationObject"`
	Transports         []string `json:"transports"`
	AuthenticatorData  string   `json:"authenticatorData"`
	PublicKey          string   `json:"publicKey"`
	PublicKeyAlgorithm int64    `json:"publicKeyAlgorithm"`
}

// statement builds attStmt for the authenticator's format.
func (a *Authenticator) statement(credentialKey crypto.Signer, ad, clientDataHash, id, cose []byte) (map[string]any, error) {
	switch a.opts.Attestation {
	case AttestationNone:
		// §8.7: an empty map.
		return map[string]any{}, nil
	case AttestationPackedSelf:
		// §8.2 signing procedure, self attestation: the credential key
		// signs authenticatorData || clientDataHash, alg is its own.
		sig, err := sign(credentialKey, slices.Concat(ad, clientDataHash))
		if err != nil {
			return nil, fmt.Errorf("passkeytest: packed self attestation signature: %w", err)
		}

		return map[string]any{"alg": int64(a.opts.Algorithm), "sig": sig}, nil
	case AttestationPacked:
		// §8.2 signing procedure, full attestation: the attestation key
		// (ES256) signs the same data; x5c carries its chain.
		sig, err := sign(a.attestationKey, slices.Concat(ad, clientDataHash))
		if err != nil {
			return nil, fmt.Errorf("passkeytest: packed attestation signature: %w", err)
		}

		return map[string]any{"alg": int64(ES256), "sig": sig, "x5c": a.x5c}, nil
	case AttestationFIDOU2F:
		// §8.6 signing procedure: the U2F registration signature over
		// 0x00 || rpIdHash || clientDataHash || credentialId || publicKeyU2F,
		// publicKeyU2F being the uncompressed P-256 point 0x04 || x || y.
		var key struct {
			X []byte `cbor:"-2,keyasint"`
			Y []byte `cbor:"-3,keyasint"`
		}

		if err := cbor.Unmarshal(cose, &key); err != nil {
			return nil, fmt.Errorf("passkeytest: reading back the credential public key: %w", err)
		}

		data := slices.Concat([]byte{0x00}, ad[:32], clientDataHash, id, []byte{0x04}, key.X, key.Y)

		sig, err := sign(a.attestationKey, data)
		if err != nil {
			return nil, fmt.Errorf("passkeytest: fido-u2f attestation signature: %w", err)
		}

		return map[string]any{"sig": sig, "x5c": a.x5c}, nil
	}

	return nil, &OptionError{Field: "Options.Attestation", Reason: fmt.Sprintf("unknown attestation %v", a.opts.Attestation)}
}

// deriveCredentialID makes a credential id that is stable across runs and
// differs between authenticators, keys, relying parties and users.
func (a *Authenticator) deriveCredentialID(spki []byte, rpID string, userHandle []byte) []byte {
	h := sha256.New()
	h.Write([]byte("passkeytest credential id\x00"))
	h.Write(a.opts.AAGUID[:])
	h.Write(spki)
	h.Write([]byte(rpID))
	h.Write([]byte{0x00})
	h.Write(userHandle)

	return h.Sum(nil)
}

// checkCeremony checks the inputs every ceremony needs.
func checkCeremony(options, rpID, origin string, challenge []byte) error {
	switch {
	case rpID == "":
		return &OptionError{Field: options + ".RPID", Reason: "required: the relying party id whose hash goes into the authenticator data"}
	case origin == "":
		return &OptionError{Field: options + ".Origin", Reason: "required: the origin the client reports, e.g. \"https://" + rpID + "\""}
	case len(challenge) == 0:
		return &OptionError{Field: options + ".Challenge", Reason: "required: the relying party's challenge must not be empty"}
	}

	return nil
}

// flagRequest is what a ceremony asks of the authenticator data flags.
type flagRequest struct {
	up, uv, be, bs bool
	extensions     map[string]any
	field          string // the options field the extensions came from, for errors
	tamper         Tamper
}

// authDataFlags builds the flags byte (WebAuthn L3 §6.1) on top of base
// and the CBOR extension outputs, then applies any flag tampering.
func authDataFlags(base byte, r flagRequest) (byte, []byte, error) {
	flags := base
	for _, f := range []struct {
		set bool
		bit byte
	}{{r.up, flagUP}, {r.uv, flagUV}, {r.be, flagBE}, {r.bs, flagBS}} {
		if f.set {
			flags |= f.bit
		}
	}
	var ext []byte
	if len(r.extensions) > 0 {
		flags |= flagED
		em, err := cborEncoder()
		if err != nil {
			return 0, nil, err
		}
		if ext, err = em.Marshal(r.extensions); err != nil {
			return 0, nil, &OptionError{Field: r.field, Reason: err.Error()}
		}
	}
	if r.tamper.Flags != nil {
		flags = r.tamper.Flags(flags)
	}
	return flags, ext, nil
}
