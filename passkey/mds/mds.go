package mds

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/metadata"
	"github.com/google/uuid"
)

// Options configure Load. The zero value is not usable: Root is required. An
// Options value is not modified by Load and may be reused.
type Options struct {
	// Root is the trust anchor the BLOB's signing chain must verify to.
	// Required: the caller says what it trusts. In production this is the
	// MDS root FIDO publishes at https://fidoalliance.org/metadata/
	// (historically "GlobalSign Root CA - R3"; go-webauthn v0.18.2 ships
	// GlobalSign Root R46 as metadata.ProductionMDSRoot): check which root
	// the BLOB you fetched chains to. Tests use their own (see mdstest).
	Root *x509.Certificate

	// Now returns the time at which the signing chain's validity periods are
	// checked and status reports are evaluated (Entry.Revoked, Compromised,
	// CertificationLevel…), and which BLOB.Provider uses for status
	// validation. Nil means time.Now.
	Now func() time.Time

	// MaxSize is the largest input accepted, in bytes. Zero means
	// DefaultMaxSize (16 MiB); negative is invalid.
	MaxSize int64

	// CRLs are certificate revocation lists the caller obtained (and trusts to
	// be current) for the signing chain. A CRL is used only if its signature
	// verifies under the chain certificate (or Root) that issued the
	// certificate it is consulted for. Nil
	// means revocation is not checked: MDS3 §3.2 asks for it, and Load does
	// no network I/O, so the caller then owes it.
	CRLs []*x509.RevocationList
}

// BLOB is a verified, parsed Metadata BLOB. It is safe for concurrent use; do
// not modify the Entries it returns.
type BLOB struct {
	// Number is the payload's serial number ("no"), strictly increasing from
	// one BLOB to the next (MDS3 §3.1.6).
	Number int
	// NextUpdate is the date by which FIDO promises a newer BLOB ("nextUpdate",
	// a date at midnight UTC).
	NextUpdate time.Time
	// LegalHeader is the payload's legalHeader, the terms of use of the data.
	LegalHeader string
	// SigningCertificate is the certificate whose key signed the BLOB.
	SigningCertificate *x509.Certificate
	// Skipped lists entries that were not loaded, in BLOB order.
	Skipped []SkippedEntry

	entries  []*Entry
	byAAGUID map[uuid.UUID]*Entry
	byKeyID  map[string]*Entry
	now      func() time.Time
}

// SkippedEntry is a BLOB entry Load could not use.
type SkippedEntry struct {
	// Index is the entry's position in payload.entries.
	Index int
	// AAGUID is the entry's aaguid member as written, "" if absent.
	AAGUID string
	// Reason says why: go-webauthn's parse error, or a duplicate AAGUID.
	Reason string
}

// Load verifies blob, a FIDO MDS3 Metadata BLOB (a compact JWS), against
// opts.Root and parses its entries. See the package documentation for what is
// and is not verified. Errors are *Error values matching one of the Err…
// sentinels.
func Load(blob []byte, opts Options) (*BLOB, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if opts.Root == nil {
		return nil, newError(ErrInvalidOptions, "Options.Root", "no trust anchor given; pass FIDO's MDS root certificate (or a test root)", nil)
	}
	maxSize := opts.MaxSize
	switch {
	case maxSize < 0:
		return nil, newError(ErrInvalidOptions, "Options.MaxSize", fmt.Sprintf("negative limit %d", maxSize), nil)
	case maxSize == 0:
		maxSize = DefaultMaxSize
	}
	if int64(len(blob)) > maxSize {
		return nil, newError(ErrTooLarge, "input", fmt.Sprintf("%d bytes, limit %d (Options.MaxSize)", len(blob), maxSize), nil)
	}
	at := now()

	// A downloaded BLOB often ends with a newline; nothing else may surround it.
	blob = bytes.TrimSpace(blob)
	parts := strings.Split(string(blob), ".")
	if len(parts) != 3 {
		return nil, newError(ErrMalformed, "input", fmt.Sprintf("a JWT has 3 dot-separated parts, found %d", len(parts)), nil)
	}
	for i, name := range []string{"JWT header", "payload", "signature"} {
		if parts[i] == "" {
			return nil, newError(ErrMalformed, name, "empty", nil)
		}
	}

	header, err := decodeHeader(parts[0])
	if err != nil {
		return nil, err
	}
	method, ok := signingMethod(header.Alg)
	if !ok {
		return nil, newError(ErrUntrusted, "JWT header", fmt.Sprintf("alg %q not accepted; MDS3 BLOBs are signed with RS256 or ES256", header.Alg), nil)
	}
	// MDS3 §3.2 step 4: x5u names a chain to download; keytier never downloads.
	if header.X5U != nil {
		return nil, newError(ErrUntrusted, "JWT header", "x5u present; Load does not fetch certificate chains, the BLOB must carry x5c", nil)
	}

	chain, err := verifyChain(header.X5C, opts.Root, at)
	if err != nil {
		return nil, err
	}
	if err := checkRevocation(chain, opts.CRLs); err != nil {
		return nil, err
	}

	// MDS3 §3.2 step 6: verify the signature with the signing certificate.
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, newError(ErrMalformed, "signature", "not base64url", err)
	}
	if err := method.Verify(parts[0]+"."+parts[1], sig, chain[0].PublicKey); err != nil {
		return nil, newError(ErrSignature, "signature", fmt.Sprintf("does not verify under the %s key of %q; the BLOB was altered or signed by another key", header.Alg, chain[0].Subject.String()), err)
	}

	payload, err := decodePayload(parts[1])
	if err != nil {
		return nil, err
	}
	// nextUpdate is a full-date (MDS3 §3.1.6); go-webauthn parses it the same way.
	next, err := time.Parse(time.DateOnly, payload.NextUpdate)
	if err != nil {
		return nil, newError(ErrMalformed, "payload.nextUpdate", fmt.Sprintf("%q is not a YYYY-MM-DD date", payload.NextUpdate), nil)
	}

	b := &BLOB{
		Number:             payload.Number,
		NextUpdate:         next,
		LegalHeader:        payload.LegalHeader,
		SigningCertificate: chain[0],
		byAAGUID:           make(map[uuid.UUID]*Entry),
		byKeyID:            make(map[string]*Entry),
		now:                now,
	}
	b.addEntries(payload.Entries, at)
	return b, nil
}

type jwsHeader struct {
	Alg string   `json:"alg"`
	X5C []string `json:"x5c"`
	// A pointer so that "x5u": "" is still noticed.
	X5U *string `json:"x5u"`
}

func decodeHeader(part string) (*jwsHeader, error) {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return nil, newError(ErrMalformed, "JWT header", "not base64url", err)
	}
	var h jwsHeader
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, newError(ErrMalformed, "JWT header", "not a JSON object with string alg and string-array x5c", err)
	}
	return &h, nil
}

// verifyChain returns the verified chain, signing certificate first. MDS3 §3.2
// step 5: the chain comes from x5c; without x5c the trust anchor itself is the
// signing certificate.
func verifyChain(x5c []string, root *x509.Certificate, at time.Time) ([]*x509.Certificate, error) {
	if x5c == nil {
		return []*x509.Certificate{root}, nil
	}
	if len(x5c) == 0 {
		return nil, newError(ErrMalformed, "JWT header", "x5c is empty", nil)
	}
	if len(x5c) > maxChainLength {
		return nil, newError(ErrMalformed, "JWT header", fmt.Sprintf("x5c has %d certificates, limit %d", len(x5c), maxChainLength), nil)
	}
	certs := make([]*x509.Certificate, len(x5c))
	for i, s := range x5c {
		// x5c members are base64 (not base64url) DER, RFC 7515 §4.1.6.
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, newError(ErrMalformed, fmt.Sprintf("x5c[%d]", i), "not base64", err)
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return nil, newError(ErrMalformed, fmt.Sprintf("x5c[%d]", i), "not an X.509 certificate", err)
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	intermediates := x509.NewCertPool()
	for _, c := range certs[1:] {
		intermediates.AddCert(c)
	}
	chains, err := certs[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   at,
		// The BLOB signing certificate carries no EKU that means "MDS".
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, newError(ErrUntrusted, "x5c", fmt.Sprintf("signing certificate %q does not chain to the trusted root %q at %s", certs[0].Subject.String(), root.Subject.String(), at.UTC().Format(time.RFC3339)), err)
	}
	return chains[0], nil
}

// checkRevocation looks up every certificate of chain but the anchor in the
// CRLs whose signature verifies under that certificate's issuer (MDS3 §3.2
// step 2: all chain certificates are checked for revocation).
func checkRevocation(chain []*x509.Certificate, crls []*x509.RevocationList) error {
	if len(crls) == 0 {
		return nil
	}
	for i, cert := range chain[:len(chain)-1] {
		issuer := chain[i+1]
		for _, crl := range crls {
			if crl == nil || !bytes.Equal(crl.RawIssuer, cert.RawIssuer) || crl.CheckSignatureFrom(issuer) != nil {
				continue
			}
			for _, entry := range crl.RevokedCertificateEntries {
				if entry.SerialNumber != nil && entry.SerialNumber.Cmp(cert.SerialNumber) == 0 {
					return newError(ErrRevoked, "x5c", fmt.Sprintf("%q (serial %s) is revoked by the CRL of %q since %s", cert.Subject.String(), cert.SerialNumber, issuer.Subject.String(), entry.RevocationTime.UTC().Format(time.DateOnly)), nil)
				}
			}
		}
	}
	return nil
}

func decodePayload(part string) (*metadata.PayloadJSON, error) {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return nil, newError(ErrMalformed, "payload", "not base64url", err)
	}
	var p metadata.PayloadJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, newError(ErrMalformed, "payload", "not a MetadataBLOBPayload JSON object (MDS3 §3.1.6)", err)
	}
	if p.NextUpdate == "" {
		return nil, newError(ErrMalformed, "payload.nextUpdate", "missing; MDS3 §3.1.6 requires it", nil)
	}
	return &p, nil
}

func (b *BLOB) addEntries(raw []metadata.EntryJSON, at time.Time) {
	for i, ej := range raw {
		parsed, err := ej.Parse()
		if err != nil {
			b.Skipped = append(b.Skipped, SkippedEntry{Index: i, AAGUID: ej.AaGUID, Reason: err.Error()})
			continue
		}
		if parsed.AaGUID != uuid.Nil {
			if _, dup := b.byAAGUID[parsed.AaGUID]; dup {
				b.Skipped = append(b.Skipped, SkippedEntry{Index: i, AAGUID: ej.AaGUID, Reason: "duplicate AAGUID; the earlier entry is kept"})
				continue
			}
		}
		e := newEntry(&parsed, at)
		b.entries = append(b.entries, e)
		if e.AAGUID != uuid.Nil {
			b.byAAGUID[e.AAGUID] = e
		}
		for _, kid := range e.KeyIdentifiers {
			if _, dup := b.byKeyID[kid]; !dup {
				b.byKeyID[kid] = e
			}
		}
	}
}

// Entries returns the loaded entries in BLOB order, including those listed by
// neither AAGUID nor key identifier (FIDO UAF authenticators, listed by AAID).
func (b *BLOB) Entries() []*Entry {
	return append([]*Entry(nil), b.entries...)
}

// Lookup returns the entry for a FIDO2 authenticator's AAGUID. The all-zero
// AAGUID ("not disclosed") is never found.
func (b *BLOB) Lookup(aaguid uuid.UUID) (*Entry, bool) {
	if aaguid == uuid.Nil {
		return nil, false
	}
	e, ok := b.byAAGUID[aaguid]
	return e, ok
}

// LookupByKeyIdentifier returns the entry listing hexSKI among its
// attestationCertificateKeyIdentifiers: the hex Subject Key Identifier of the
// attestation certificate, the only way fido-u2f authenticators (which carry
// no AAGUID) are listed (MDS3 §3.1.1, Metadata BLOB Payload Entry). Case is
// ignored.
func (b *BLOB) LookupByKeyIdentifier(hexSKI string) (*Entry, bool) {
	e, ok := b.byKeyID[strings.ToLower(hexSKI)]
	return e, ok
}

// Stale reports whether now is on or after NextUpdate, the date by which FIDO
// promises a newer BLOB (MDS3 §3.1.6). A stale BLOB is still usable; callers
// should warn and fetch a newer one.
func (b *BLOB) Stale(now time.Time) bool {
	return !now.Before(b.NextUpdate)
}
