package passkeytest

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"strconv"
)

// Algorithm is a COSE algorithm identifier (IANA "COSE Algorithms"
// registry; WebAuthn L3 §5.8.5) naming the credential key type.
type Algorithm int64

// The algorithms an Authenticator can create credentials with: the three
// that WebAuthn L3 §5.4 advises relying parties to list in pubKeyCredParams.
const (
	ES256 Algorithm = -7   // ECDSA P-256 with SHA-256
	EdDSA Algorithm = -8   // Ed25519
	RS256 Algorithm = -257 // RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit key
)

// String returns the algorithm's registered name, or its number.
func (a Algorithm) String() string {
	switch a {
	case ES256:
		return "ES256"
	case EdDSA:
		return "EdDSA"
	case RS256:
		return "RS256"
	}

	return "Algorithm(" + strconv.FormatInt(int64(a), 10) + ")"
}

// Attestation selects the attestation statement an Authenticator returns
// (WebAuthn L3 §6.5, §8).
type Attestation int

const (
	// AttestationNone is the "none" format (§8.7): an empty statement,
	// what synced passkey providers typically return.
	AttestationNone Attestation = iota
	// AttestationPackedSelf is the "packed" format with self attestation
	// (§8.2, no x5c): signed by the credential key itself. Relying parties
	// see attestation type Self ("basic_surrogate" in go-webauthn).
	AttestationPackedSelf
	// AttestationPacked is the "packed" format with an x5c chain (§8.2):
	// signed by an ES256 attestation key whose certificate chains to
	// [RootCertificate] through an intermediate. Attestation type Basic.
	AttestationPacked
	// AttestationFIDOU2F is the "fido-u2f" format (§8.6): ES256
	// credentials only, AAGUID zero, one attestation certificate issued
	// by [RootCertificate]. Attestation type Basic.
	AttestationFIDOU2F
)

// Format returns the attestation statement format identifier (§8), the
// attestation object's fmt, or "" for an undefined value.
func (a Attestation) Format() string {
	switch a {
	case AttestationNone:
		return "none"
	case AttestationPackedSelf, AttestationPacked:
		return "packed"
	case AttestationFIDOU2F:
		return "fido-u2f"
	}

	return ""
}

// String names the attestation for test output.
func (a Attestation) String() string {
	switch a {
	case AttestationNone:
		return "none"
	case AttestationPackedSelf:
		return "packed-self"
	case AttestationPacked:
		return "packed-x5c"
	case AttestationFIDOU2F:
		return "fido-u2f"
	}

	return "Attestation(" + strconv.Itoa(int(a)) + ")"
}

// Options describe an authenticator model. The zero value is an ES256
// authenticator with an undisclosed (all-zero) AAGUID returning "none"
// attestation, i.e. what a synced passkey provider looks like to a relying
// party that asked for no attestation.
type Options struct {
	// AAGUID identifies the authenticator model (WebAuthn L3 §6.5.1). Zero:
	// the all-zero AAGUID, meaning "not disclosed". AttestationFIDOU2F
	// requires it to be zero: U2F devices have no AAGUID (§8.6).
	AAGUID [16]byte

	// Attestation is the attestation statement returned by Register.
	// Zero: AttestationNone.
	Attestation Attestation

	// Algorithm is the credential key algorithm. Zero: ES256.
	// AttestationFIDOU2F accepts only ES256 (§8.6).
	Algorithm Algorithm

	// Attachment is reported as the credential's authenticatorAttachment
	// (§5.1, §5.4.5): "platform" or "cross-platform". Empty: the member is
	// omitted, as clients do when they cannot tell.
	Attachment string

	// Transports is what the response's getTransports() reports (§5.2.1.1),
	// e.g. "internal", "hybrid", "usb", "nfc", "ble". Nil: an empty list.
	// Values are not checked, so unknown ones can be tested.
	Transports []string
}

// Authenticator is a virtual WebAuthn authenticator. It holds no state
// between calls (sign counts and flags are the caller's), so one value may
// be used from several goroutines.
type Authenticator struct {
	opts Options

	// credentialKey is the fixed key of opts.Algorithm, used when
	// RegisterOptions.Key is nil.
	credentialKey crypto.Signer

	// attestationKey signs packed x5c and fido-u2f statements, and
	// x5c is the certificate chain sent with it, leaf first.
	attestationKey crypto.Signer
	x5c            [][]byte
}

// New returns an Authenticator for opts, issuing its attestation
// certificate when opts.Attestation is AttestationPacked. opts is copied.
func New(opts Options) (*Authenticator, error) {
	opts.Transports = slices.Clone(opts.Transports)

	if opts.Algorithm == 0 {
		opts.Algorithm = ES256
	}

	if credentialKeyFile(opts.Algorithm) == "" {
		return nil, &OptionError{Field: "Options.Algorithm", Reason: fmt.Sprintf("%v is not supported; use ES256 (-7), EdDSA (-8) or RS256 (-257)", opts.Algorithm)}
	}

	switch opts.Attachment {
	case "", "platform", "cross-platform":
	default:
		return nil, &OptionError{Field: "Options.Attachment", Reason: fmt.Sprintf("%q is not \"platform\", \"cross-platform\" or empty", opts.Attachment)}
	}

	a := &Authenticator{opts: opts}

	var err error

	if a.credentialKey, err = readKey(credentialKeyFile(opts.Algorithm)); err != nil {
		return nil, err
	}

	switch opts.Attestation {
	case AttestationNone, AttestationPackedSelf:
	case AttestationPacked:
		if err = a.issuePackedChain(); err != nil {
			return nil, err
		}
	case AttestationFIDOU2F:
		// §8.6: the format can only convey a raw P-256 point, and U2F
		// devices predate AAGUIDs.
		if opts.Algorithm != ES256 {
			return nil, &OptionError{Field: "Options.Algorithm", Reason: fmt.Sprintf("fido-u2f attestation requires ES256, not %v (WebAuthn L3 §8.6)", opts.Algorithm)}
		}

		if opts.AAGUID != ([16]byte{}) {
			return nil, &OptionError{Field: "Options.AAGUID", Reason: "fido-u2f attestation requires the all-zero AAGUID (WebAuthn L3 §8.6)"}
		}

		if a.attestationKey, err = readKey("u2f-attestation-key.pem"); err != nil {
			return nil, err
		}

		der, err := readPEM("u2f-attestation.pem", "CERTIFICATE")
		if err != nil {
			return nil, err
		}

		a.x5c = [][]byte{der}
	default:
		return nil, &OptionError{Field: "Options.Attestation", Reason: fmt.Sprintf("unknown attestation %v; use AttestationNone, AttestationPackedSelf, AttestationPacked or AttestationFIDOU2F", opts.Attestation)}
	}

	return a, nil
}

// oidFIDOGenCeAAGUID is id-fido-gen-ce-aaguid, the certificate extension
// carrying the AAGUID (WebAuthn L3 §8.2.1).
var oidFIDOGenCeAAGUID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}

// issuePackedChain issues the attestation leaf for a.opts.AAGUID from the
// test intermediate CA. The leaf is issued here rather than stored because
// §8.2.1 wants the AAGUID in it, and the AAGUID is the caller's choice.
func (a *Authenticator) issuePackedChain() error {
	intermediate, err := readCertificate("intermediate.pem")
	if err != nil {
		return err
	}

	intermediateKey, err := readKey("intermediate-key.pem")
	if err != nil {
		return err
	}

	if a.attestationKey, err = readKey("attestation-key.pem"); err != nil {
		return err
	}

	aaguid, err := asn1.Marshal(a.opts.AAGUID[:])
	if err != nil {
		return fmt.Errorf("passkeytest: encoding the AAGUID extension: %w", err)
	}

	spki, err := x509.MarshalPKIXPublicKey(a.attestationKey.Public())
	if err != nil {
		return fmt.Errorf("passkeytest: encoding the attestation public key: %w", err)
	}

	keyID := sha256.Sum256(spki)

	// The serial number is derived from the AAGUID so that the leaf of a
	// given model always has the same issuer and serial.
	serial := sha256.Sum256(append([]byte("passkeytest attestation serial\x00"), a.opts.AAGUID[:]...))
	serial[0] &= 0x7f

	leaf := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(serial[:16]),
		// §8.2.1: Subject C (ISO 3166), O (vendor), OU the literal
		// "Authenticator Attestation", CN of the vendor's choosing.
		Subject: pkix.Name{
			Country:            []string{"US"},
			Organization:       []string{"keytier passkeytest (test only, never trust)"},
			OrganizationalUnit: []string{"Authenticator Attestation"},
			CommonName:         "keytier passkeytest Packed Attestation",
		},
		NotBefore:    intermediate.NotBefore,
		NotAfter:     intermediate.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		SubjectKeyId: keyID[:20],
		// §8.2.1: Basic Constraints with CA false.
		BasicConstraintsValid: true,
		IsCA:                  false,
		// §8.2.1: the AAGUID as a 16-byte OCTET STRING, not critical.
		ExtraExtensions: []pkix.Extension{{Id: oidFIDOGenCeAAGUID, Critical: false, Value: aaguid}},
	}

	// A nil Reader: the serial is set, and the intermediate's ECDSA key then
	// signs deterministically (RFC 6979), so the leaf is the same bytes on
	// every run.
	der, err := x509.CreateCertificate(nil, leaf, intermediate, a.attestationKey.Public(), intermediateKey)
	if err != nil {
		return fmt.Errorf("passkeytest: issuing the packed attestation certificate: %w", err)
	}

	// §8.2: x5c is the attestation certificate followed by its chain; the
	// root is the relying party's trust anchor and is left out.
	a.x5c = [][]byte{der, intermediate.Raw}

	return nil
}

// AAGUID returns the authenticator's AAGUID.
func (a *Authenticator) AAGUID() [16]byte { return a.opts.AAGUID }

// Attestation returns the attestation the authenticator produces.
func (a *Authenticator) Attestation() Attestation { return a.opts.Attestation }

// Algorithm returns the algorithm of the credentials the authenticator
// creates by default.
func (a *Authenticator) Algorithm() Algorithm { return a.opts.Algorithm }

// Chain returns the attestation certificates sent in x5c, leaf first, or
// nil when the attestation has none (AttestationNone,
// AttestationPackedSelf). Each call returns new values.
func (a *Authenticator) Chain() []*x509.Certificate {
	if len(a.x5c) == 0 {
		return nil
	}

	chain := make([]*x509.Certificate, 0, len(a.x5c))

	for _, der := range a.x5c {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			// The chain was parsed or issued by New.
			panic("passkeytest: attestation chain: " + err.Error())
		}

		chain = append(chain, cert)
	}

	return chain
}
