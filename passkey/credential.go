package passkey

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/google/uuid"
)

// Credential is a decoded WebAuthn credential: what a registration response
// or a bare attestation object says about itself. Inspect fills it without
// checking anything cryptographic; Verify fills Attestation.SignatureVerified
// and Attestation.Trusted and records how in Verification.
type Credential struct {
	Input Input `json:"input"`

	Format        string    `json:"format"` // attestation statement format: packed, tpm, android-key, android-safetynet, fido-u2f, apple, none, compound
	AAGUID        uuid.UUID `json:"aaguid"` // all zero: not disclosed (fido-u2f never carries one)
	Authenticator string    `json:"authenticator"`
	// AuthenticatorKind comes from the authenticator catalog (and MDS, when
	// given): syncedProvider, platform, securityKey, or "" when unknown.
	AuthenticatorKind string `json:"authenticatorKind,omitempty"`

	CredentialID       Bytes     `json:"credentialId"`
	PublicKeyAlgorithm int64     `json:"publicKeyAlgorithm"` // COSE algorithm identifier
	PublicKeyAlgName   string    `json:"publicKeyAlgorithmName"`
	PublicKey          Bytes     `json:"publicKey"` // COSE_Key as carried in the authenticator data
	SignCount          uint32    `json:"signCount"`
	Flags              Flags     `json:"flags"`
	FlagsByte          byte      `json:"flagsByte"`
	RPIDHash           Bytes     `json:"rpIdHash"`
	Extensions         Extension `json:"extensions"`

	// Transports and Attachment are reported by the client (not signed); they
	// are empty for a bare attestation object.
	Transports []string `json:"transports,omitempty"`
	Attachment string   `json:"attachment,omitempty"`

	// ClientData is the parsed clientDataJSON; nil for a bare attestation object.
	ClientData *ClientData `json:"clientData,omitempty"`

	PasskeyType PasskeyType `json:"passkeyType"`
	Backup      Backup      `json:"backup"`

	Attestation Attestation `json:"attestation"`

	// Verification is nil unless Verify ran.
	Verification *Verification `json:"verification,omitempty"`

	// Warnings are things a careful reader should know that did not make the
	// credential fail (a stale MDS BLOB, BE/catalog disagreement, …).
	Warnings []string `json:"warnings,omitempty"`

	att            protocol.AttestationObject
	verified       bool // Verify accepted it: NewRecord may store it
	clientDataJSON []byte
	rawID          []byte
	echo           responseEcho
}

// Flags are the authenticator data flags (WebAuthn L3 §6.1).
type Flags struct {
	UP bool `json:"up"` // user present
	UV bool `json:"uv"` // user verified
	BE bool `json:"be"` // backup eligible: the credential may be synced (a multi-device credential)
	BS bool `json:"bs"` // backed up now
	AT bool `json:"at"` // attested credential data included
	ED bool `json:"ed"` // extension data included
	// Raw is the flags byte (in JSON as the credential's flagsByte, so
	// "flags" holds only booleans).
	Raw byte `json:"-"`
}

func flagsOf(f protocol.AuthenticatorFlags) Flags {
	return Flags{
		UP:  f.HasUserPresent(),
		UV:  f.HasUserVerified(),
		BE:  f.HasBackupEligible(),
		BS:  f.HasBackupState(),
		AT:  f.HasAttestedCredentialData(),
		ED:  f.HasExtensions(),
		Raw: byte(f),
	}
}

// Extension holds the extension outputs: the authenticator's (signed, in the
// authenticator data) and the client's (clientExtensionResults, unsigned).
type Extension struct {
	Authenticator map[string]any  `json:"authenticator,omitempty"`
	Client        json.RawMessage `json:"client,omitempty"`
}

// ClientData is the part of clientDataJSON that verification reads
// (WebAuthn L3 §5.8.1).
type ClientData struct {
	Type        string `json:"type"`
	Challenge   string `json:"challenge"`
	Origin      string `json:"origin"`
	CrossOrigin bool   `json:"crossOrigin,omitempty"`
	TopOrigin   string `json:"topOrigin,omitempty"`
}

// Attestation is what the attestation statement says and, after Verify, what
// keytier concluded from it.
type Attestation struct {
	// Type is none, self, basic, attCA or anonCA (WebAuthn L3 §6.5.3) once
	// verified; before verification it is what the format implies.
	Type              string `json:"type"`
	SignatureVerified bool   `json:"signatureVerified"`
	Trusted           bool   `json:"trusted"`
	TrustedBy         string `json:"trustedBy,omitempty"` // "mds", "root" or "" when not trusted
	// Metadata is the FIDO MDS entry for the authenticator, when a BLOB was given.
	Metadata *Metadata `json:"metadata,omitempty"`
	// Notes explain the trust decision in order.
	Notes []string `json:"notes,omitempty"`

	chain *certChain
}

// certChain holds the attestation certificates' DER and parses it once,
// on first use: crypto/x509 parsing costs more than decoding the rest of a
// registration, and many readers never look at the certificates.
type certChain struct {
	der   [][]byte
	once  sync.Once
	certs []Certificate
	err   error
}

// Certificates returns the attestation certificates, leaf first (nil for
// none and self attestation), parsed on first use.
func (a Attestation) Certificates() ([]Certificate, error) {
	if a.chain == nil {
		return nil, nil
	}
	ch := a.chain
	ch.once.Do(func() {
		for i, der := range ch.der {
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				ch.certs, ch.err = nil, fmt.Errorf("x5c[%d]: %w", i, err)
				return
			}
			ch.certs = append(ch.certs, Certificate{cert})
		}
	})
	return ch.certs, ch.err
}

// MarshalJSON adds the certificates (or why they could not be parsed).
func (a Attestation) MarshalJSON() ([]byte, error) {
	type plain Attestation
	certs, err := a.Certificates()
	out := struct {
		plain
		Certificates      []Certificate `json:"certificates,omitempty"`
		CertificatesError string        `json:"certificatesError,omitempty"`
	}{plain: plain(a), Certificates: certs}
	if err != nil {
		out.CertificatesError = err.Error()
	}
	return json.Marshal(out)
}

// Certificate is a parsed attestation certificate. In JSON it is a summary
// (subject, issuer, serial, validity, SHA-256 fingerprint), computed when
// marshalled so that decoding stays cheap.
type Certificate struct {
	*x509.Certificate
}

type certificateJSON struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	SHA256    string    `json:"sha256"`
}

// MarshalJSON writes the certificate's summary.
func (c Certificate) MarshalJSON() ([]byte, error) {
	sum := sha256.Sum256(c.Raw)
	return json.Marshal(certificateJSON{
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		Serial:    c.SerialNumber.Text(16),
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
		SHA256:    hex.EncodeToString(sum[:]),
	})
}

// Bytes is binary data that reads and writes as unpadded base64url in JSON,
// as WebAuthn's JSON serialisation does.
type Bytes []byte

func (b Bytes) MarshalText() ([]byte, error) {
	return []byte(base64.RawURLEncoding.EncodeToString(b)), nil
}

func (b *Bytes) UnmarshalText(text []byte) error {
	v, err := decodeBase64(base64.RawURLEncoding, string(text))
	*b = v
	return err
}

func (b Bytes) String() string { return base64.RawURLEncoding.EncodeToString(b) }

// responseEcho holds the convenience members toJSON() adds beside the
// attestation object (WebAuthn L3 §5.2.1), which must agree with it.
type responseEcho struct {
	authenticatorData []byte
	publicKey         []byte // SubjectPublicKeyInfo DER
	publicKeyAlg      *int64
}
