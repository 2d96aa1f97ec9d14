// Package mdstest builds small, signed FIDO MDS3 BLOBs for tests: a test PKI
// (root, intermediate, signing certificate), metadata entries for fake
// authenticators, and a JWS signer. Nothing here is downloaded; every key is
// generated fresh, so BLOBs differ from run to run while their content does
// not.
//
//	s := mdstest.NewSigner(t)
//	blob := mdstest.BuildBLOB(t, s, mdstest.Payload{
//		NextUpdate: time.Now().AddDate(0, 1, 0),
//		Entries:    []mdstest.Authenticator{{AAGUID: id, Description: "Test key"}},
//	})
//	b, err := mds.Load(blob, mds.Options{Root: s.Root.Certificate})
package mdstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// NotBefore and NotAfter bound the validity of every certificate and CRL this
// package issues: wide and fixed, so tests do not depend on the clock unless
// they choose a time outside them.
func NotBefore() time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) }

// NotAfter: see NotBefore.
func NotAfter() time.Time { return time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) }

// CA is a certificate authority for tests.
type CA struct {
	Certificate *x509.Certificate
	Key         crypto.Signer
	serial      int64
}

// NewCA returns a self-signed P-256 root CA named commonName.
func NewCA(t testing.TB, commonName string) *CA {
	t.Helper()
	key := newECKey(t)
	tmpl := caTemplate(commonName, 1)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("mdstest: create root %q: %v", commonName, err)
	}
	return &CA{Certificate: parse(t, der), Key: key, serial: 1}
}

// NewIntermediate returns a P-256 CA named commonName issued by ca.
func (ca *CA) NewIntermediate(t testing.TB, commonName string) *CA {
	t.Helper()
	key := newECKey(t)
	tmpl := caTemplate(commonName, 0)
	tmpl.SerialNumber = nil // the next serial of ca
	cert := ca.Issue(t, tmpl, key.Public())
	return &CA{Certificate: cert, Key: key}
}

// Issue signs tmpl for pub. A zero SerialNumber gets the next serial of ca;
// zero NotBefore/NotAfter get the package's fixed validity.
func (ca *CA) Issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	c := *tmpl
	if c.SerialNumber == nil {
		ca.serial++
		c.SerialNumber = big.NewInt(ca.serial + 1000)
	}
	if c.NotBefore.IsZero() {
		c.NotBefore = NotBefore()
	}
	if c.NotAfter.IsZero() {
		c.NotAfter = NotAfter()
	}
	der, err := x509.CreateCertificate(rand.Reader, &c, ca.Certificate, pub, ca.Key)
	if err != nil {
		t.Fatalf("mdstest: issue %q: %v", c.Subject.CommonName, err)
	}
	return parse(t, der)
}

// CRL returns a revocation list signed by ca listing the given certificates,
// valid from NotBefore() to NotAfter().
func (ca *CA) CRL(t testing.TB, revoked ...*x509.Certificate) *x509.RevocationList {
	t.Helper()
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(1),
		ThisUpdate: NotBefore(),
		NextUpdate: NotAfter(),
	}
	for _, c := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber:   c.SerialNumber,
			RevocationTime: NotBefore().AddDate(1, 0, 0),
		})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Certificate, ca.Key)
	if err != nil {
		t.Fatalf("mdstest: create CRL: %v", err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("mdstest: parse CRL: %v", err)
	}
	return crl
}

// Signer signs BLOBs the way FIDO's service does: the signing certificate and
// its intermediate travel in the x5c header, the root is the trust anchor
// given to mds.Load.
type Signer struct {
	Root         *CA
	Intermediate *CA
	// Leaf is the BLOB signing certificate; Key its private key.
	Leaf *x509.Certificate
	Key  crypto.Signer
	// Algorithm is the JWS alg: "ES256" (P-256 key) or "RS256" (RSA 2048).
	Algorithm string
}

// NewSigner returns an ES256 signer under a fresh test PKI.
func NewSigner(t testing.TB) *Signer {
	t.Helper()
	return newSigner(t, "ES256", newECKey(t))
}

// NewRSASigner returns an RS256 signer (what FIDO's production BLOB uses)
// under a fresh test PKI.
func NewRSASigner(t testing.TB) *Signer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("mdstest: RSA key: %v", err)
	}
	return newSigner(t, "RS256", key)
}

func newSigner(t testing.TB, alg string, key crypto.Signer) *Signer {
	t.Helper()
	root := NewCA(t, "mdstest MDS3 BLOB root")
	inter := root.NewIntermediate(t, "mdstest MDS3 BLOB CA-1")
	leaf := inter.Issue(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "mdstest MDS3 BLOB signer", Organization: []string{"keytier tests"}},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}, key.Public())
	return &Signer{Root: root, Intermediate: inter, Leaf: leaf, Key: key, Algorithm: alg}
}

// Header returns the JWS header Sign uses: alg, typ and x5c (leaf, then
// intermediate, standard base64 DER).
func (s *Signer) Header() map[string]any {
	return map[string]any{
		"alg": s.Algorithm,
		"typ": "JWT",
		"x5c": []string{
			base64.StdEncoding.EncodeToString(s.Leaf.Raw),
			base64.StdEncoding.EncodeToString(s.Intermediate.Certificate.Raw),
		},
	}
}

// Sign returns the compact JWS of payload (any bytes, JSON or not) under
// s.Header().
func (s *Signer) Sign(t testing.TB, payload []byte) []byte {
	t.Helper()
	return s.SignWithHeader(t, s.Header(), payload)
}

// SignWithHeader returns the compact JWS of payload under header, signed with
// s.Key using s.Algorithm whatever header says: for tests of odd headers (no
// x5c, x5u, another alg, a foreign chain).
func (s *Signer) SignWithHeader(t testing.TB, header map[string]any, payload []byte) []byte {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatalf("mdstest: header: %v", err)
	}
	signing := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(payload)
	method := jwt.GetSigningMethod(s.Algorithm)
	if method == nil {
		t.Fatalf("mdstest: unknown algorithm %q", s.Algorithm)
	}
	sig, err := method.Sign(signing, s.Key)
	if err != nil {
		t.Fatalf("mdstest: sign: %v", err)
	}
	return []byte(signing + "." + base64.RawURLEncoding.EncodeToString(sig))
}

// Payload is a Metadata BLOB Payload (MDS3 §3.1.6).
type Payload struct {
	// Number is "no"; zero means 1.
	Number int
	// NextUpdate is written as a YYYY-MM-DD date (UTC).
	NextUpdate time.Time
	// LegalHeader; "" means a fixed test text.
	LegalHeader string
	Entries     []Authenticator
}

// Authenticator describes one Metadata BLOB Payload Entry (MDS3 §3.1.1) and
// its metadata statement. Only fields that are set are written, as in real
// BLOBs.
type Authenticator struct {
	// AAGUID; zero omits it (fido-u2f and UAF entries).
	AAGUID uuid.UUID
	// KeyIdentifiers are attestationCertificateKeyIdentifiers (hex SKIs).
	KeyIdentifiers []string
	Description    string
	// ProtocolFamily; "" means "u2f" when AAGUID is zero, else "fido2".
	ProtocolFamily   string
	KeyProtection    []string
	AttachmentHint   []string
	AttestationTypes []string // "" means ["basic_full"]
	// RootCertificates become attestationRootCertificates.
	RootCertificates             []*x509.Certificate
	MultiDeviceCredentialSupport string
	Status                       []Status
	// TimeOfLastStatusChange; zero means 2024-01-01.
	TimeOfLastStatusChange time.Time
	// Statement members merged into metadataStatement last (override or add,
	// e.g. "authenticatorGetInfo", or a malformed value on purpose).
	Statement map[string]any
	// Extra members merged into the entry last.
	Extra map[string]any
}

// Status is one StatusReport (MDS3 §3.1.3).
type Status struct {
	Status                           string
	EffectiveDate                    time.Time // zero: omitted
	SunsetDate                       time.Time // zero: omitted
	CertificationDescriptor          string
	CertificateNumber                string
	CertificationPolicyVersion       string
	CertificationRequirementsVersion string
	FIPSRevision                     int
	FIPSPhysicalSecurityLevel        int
	// Certificate scopes the report to one attestation certificate.
	Certificate *x509.Certificate
}

// JSON returns the payload as MDS3 JSON.
func (p Payload) JSON(t testing.TB) []byte {
	t.Helper()
	no := p.Number
	if no == 0 {
		no = 1
	}
	legal := p.LegalHeader
	if legal == "" {
		legal = "mdstest BLOB: test data, not FIDO Alliance metadata."
	}
	entries := make([]any, 0, len(p.Entries))
	for _, a := range p.Entries {
		entries = append(entries, a.entry())
	}
	out, err := json.Marshal(map[string]any{
		"legalHeader": legal,
		"no":          no,
		"nextUpdate":  date(p.NextUpdate),
		"entries":     entries,
	})
	if err != nil {
		t.Fatalf("mdstest: payload: %v", err)
	}
	return out
}

// BuildBLOB returns p signed by s: a BLOB mds.Load accepts with
// s.Root.Certificate as the root.
func BuildBLOB(t testing.TB, s *Signer, p Payload) []byte {
	t.Helper()
	return s.Sign(t, p.JSON(t))
}

func (a Authenticator) entry() map[string]any {
	family := a.ProtocolFamily
	if family == "" {
		family = "fido2"
		if a.AAGUID == uuid.Nil {
			family = "u2f"
		}
	}
	types := a.AttestationTypes
	if len(types) == 0 {
		types = []string{"basic_full"}
	}
	roots := []string{}
	for _, c := range a.RootCertificates {
		roots = append(roots, base64.StdEncoding.EncodeToString(c.Raw))
	}
	st := map[string]any{
		"description":                 a.Description,
		"authenticatorVersion":        1,
		"protocolFamily":              family,
		"schema":                      3,
		"attestationTypes":            types,
		"attestationRootCertificates": roots,
	}
	e := map[string]any{"metadataStatement": st}
	if a.AAGUID != uuid.Nil {
		st["aaguid"] = a.AAGUID.String()
		e["aaguid"] = a.AAGUID.String()
	}
	if len(a.KeyIdentifiers) > 0 {
		st["attestationCertificateKeyIdentifiers"] = a.KeyIdentifiers
		e["attestationCertificateKeyIdentifiers"] = a.KeyIdentifiers
	}
	setList(st, "keyProtection", a.KeyProtection)
	setList(st, "attachmentHint", a.AttachmentHint)
	if a.MultiDeviceCredentialSupport != "" {
		st["multiDeviceCredentialSupport"] = a.MultiDeviceCredentialSupport
	}
	reports := []any{}
	for _, s := range a.Status {
		reports = append(reports, s.json())
	}
	e["statusReports"] = reports
	changed := a.TimeOfLastStatusChange
	if changed.IsZero() {
		changed = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	e["timeOfLastStatusChange"] = date(changed)
	for k, v := range a.Statement {
		st[k] = v
	}
	for k, v := range a.Extra {
		e[k] = v
	}
	return e
}

func (s Status) json() map[string]any {
	r := map[string]any{"status": s.Status}
	setString := func(k, v string) {
		if v != "" {
			r[k] = v
		}
	}
	if !s.EffectiveDate.IsZero() {
		r["effectiveDate"] = date(s.EffectiveDate)
	}
	if !s.SunsetDate.IsZero() {
		r["sunsetDate"] = date(s.SunsetDate)
	}
	setString("certificationDescriptor", s.CertificationDescriptor)
	setString("certificateNumber", s.CertificateNumber)
	setString("certificationPolicyVersion", s.CertificationPolicyVersion)
	setString("certificationRequirementsVersion", s.CertificationRequirementsVersion)
	if s.FIPSRevision != 0 {
		r["fipsRevision"] = s.FIPSRevision
	}
	if s.FIPSPhysicalSecurityLevel != 0 {
		r["fipsPhysicalSecurityLevel"] = s.FIPSPhysicalSecurityLevel
	}
	if s.Certificate != nil {
		r["certificate"] = base64.StdEncoding.EncodeToString(s.Certificate.Raw)
	}
	return r
}

func setList(m map[string]any, k string, v []string) {
	if len(v) > 0 {
		m[k] = v
	}
}

func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func caTemplate(cn string, pathLen int) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"keytier tests"}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            pathLen,
		MaxPathLenZero:        pathLen == 0,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		SerialNumber:          big.NewInt(1),
		NotBefore:             NotBefore(),
		NotAfter:              NotAfter(),
	}
}

func newECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("mdstest: EC key: %v", err)
	}
	return key
}

func parse(t testing.TB, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("mdstest: parse certificate: %v", err)
	}
	return c
}
