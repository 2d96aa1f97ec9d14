package peers

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// swStatement is one attestation statement and what its verification
// procedure in the package reads.
type swStatement struct {
	now            time.Time
	stmt           map[string]cbor.RawMessage
	authData       []byte
	clientDataHash []byte
	ad             *swAuthData
	key            coseKey
	attObj         []byte // the attestation object, for the tpm oracle
}

// swKnownAlgs are the COSE algorithms the package's isCOSEAlg knows.
var swKnownAlgs = []int64{-7, -8, -35, -36, -37, -38, -39, -47, -48, -49, -50, -257, -258, -259, -65535}

// OIDs the package reads.
var (
	oidFIDOGenCEAAGUID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}
	oidKeyDescription  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 1, 17}
	oidAppleNonce      = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 8, 2}
	oidSubjectAltName  = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtKeyUsage     = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTCGManufacturer = asn1.ObjectIdentifier{2, 23, 133, 2, 1}
	oidTCGModel        = asn1.ObjectIdentifier{2, 23, 133, 2, 2}
	oidTCGVersion      = asn1.ObjectIdentifier{2, 23, 133, 2, 3}
	oidCountry         = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidOrganization    = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit         = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidCommonName      = asn1.ObjectIdentifier{2, 5, 4, 3}
)

func (s *swStatement) has(k string) bool {
	v, ok := s.stmt[k]
	if !ok {
		return false
	}
	var x any
	return cbor.Unmarshal(v, &x) == nil && cborTruthy(x)
}

func (s *swStatement) bytes(k string) []byte {
	var b []byte
	_ = cbor.Unmarshal(s.stmt[k], &b)
	return b
}

// alg is attStmt.alg when it is an integer.
func (s *swStatement) alg() (int64, bool) {
	var a int64
	if cbor.Unmarshal(s.stmt["alg"], &a) != nil {
		return 0, false
	}
	return a, true
}

// x5c parses attStmt.x5c.
func (s *swStatement) x5c(format string) ([]*x509.Certificate, *refusal) {
	var ders [][]byte
	if err := cbor.Unmarshal(s.stmt["x5c"], &ders); err != nil || len(ders) == 0 {
		return nil, refuse(StepStatement, "x5c is not an array of certificates (%s)", format)
	}
	return parseCertificates(ders, format)
}

func parseCertificates(ders [][]byte, format string) ([]*x509.Certificate, *refusal) {
	certs := make([]*x509.Certificate, len(ders))
	for i, d := range ders {
		c, err := x509.ParseCertificate(d)
		if err != nil {
			return nil, refuse(StepStatement, "x5c[%d] does not parse: %v (%s)", i, err, format)
		}
		certs[i] = c
	}
	return certs, nil
}

// checkAlg is the package's "alg present and a COSE algorithm" pair.
func (s *swStatement) checkAlg(format string) (int64, *refusal) {
	if !s.has("alg") {
		return 0, refuse(StepStatement, "Attestation statement did not contain alg (%s)", format)
	}
	alg, ok := s.alg()
	if !ok || !slices.Contains(swKnownAlgs, alg) {
		return 0, refuse(StepStatement, "Attestation statement contained invalid alg %s (%s)", s.stmt["alg"], format)
	}
	return alg, nil
}

func (s *swStatement) signed() []byte {
	return slices.Concat(s.authData, s.clientDataHash)
}

// fidoU2F: x5c and sig present, AAGUID zero, no chain validation (no
// roots ship for fido-u2f), an ES256 signature by x5c[0].
func (s *swStatement) fidoU2F() *refusal {
	const f = "FIDOU2F"
	pub, r := s.key.pkcs()
	if r != nil {
		return r
	}
	if !s.has("x5c") {
		return refuse(StepStatement, "No attestation certificate provided in attestation statement (%s)", f)
	}
	if !s.has("sig") {
		return refuse(StepStatement, "No attestation signature provided in attestation statement (%s)", f)
	}
	if !isZero(s.ad.aaguid) {
		return refuse(StepU2FAAGUID, "AAGUID %q was not expected value", fmt.Sprintf("%x", s.ad.aaguid))
	}
	certs, r := s.x5c(f)
	if r != nil {
		return r
	}
	data := slices.Concat([]byte{0}, s.ad.rpIDHash, s.clientDataHash, s.ad.credentialID, pub)
	return verifyWithCertificate(certs[0], -7, data, s.bytes("sig"), f)
}

// packed: sig and alg; with x5c the leaf's subject, CA flag, version,
// validity now and AAGUID extension, then its signature (no roots ship for
// packed, so the chain is not validated); without x5c a signature by the
// credential key.
func (s *swStatement) packed() *refusal {
	const f = "Packed"
	if !s.has("sig") {
		return refuse(StepStatement, "No attestation signature provided in attestation statement (%s)", f)
	}
	alg, r := s.checkAlg(f)
	if r != nil {
		return r
	}
	if !s.has("x5c") {
		if !s.key.verify(alg, s.signed(), s.bytes("sig")) {
			return refuse(StepStatement, "the self attestation signature does not verify (%s)", f)
		}
		return nil
	}
	const ff = "Packed|Full"
	certs, r := s.x5c(ff)
	if r != nil {
		return r
	}
	leaf := certs[0]
	sub := subjectFields(leaf)
	switch {
	case sub[oidOrgUnit.String()] != "Authenticator Attestation":
		return refuse(StepStatement, "Certificate OU was not \"Authenticator Attestation\" (%s)", ff)
	case sub[oidCommonName.String()] == "":
		return refuse(StepStatement, "Certificate CN was empty (%s)", ff)
	case sub[oidOrganization.String()] == "":
		return refuse(StepStatement, "Certificate O was empty (%s)", ff)
	case len(sub[oidCountry.String()]) != 2:
		return refuse(StepStatement, "Certificate C was not two-character ISO 3166 code (%s)", ff)
	case leaf.IsCA:
		return refuse(StepStatement, "Certificate basic constraints CA was not `false` (%s)", ff)
	case leaf.Version != 3:
		return refuse(StepStatement, "Certificate version was not `3` (ASN.1 value of 2) (%s)", ff)
	}
	if r := leafValidNow(leaf, s.now, ff); r != nil {
		return r
	}
	if r := checkAAGUIDExtension(leaf, s.ad.aaguid, ff); r != nil {
		return r
	}
	return verifyWithCertificate(leaf, alg, s.signed(), s.bytes("sig"), ff)
}

// androidKey: the leaf's key is the credential key, its key description
// carries clientDataHash and no allApplications; the last x5c certificate
// must be one of the shipped roots and the chain must reach it, every
// certificate valid now; then the signature.
func (s *swStatement) androidKey() *refusal {
	const f = "Android Key"
	switch {
	case !s.has("x5c"):
		return refuse(StepStatement, "No attestation certificate provided in attestation statement (%s)", f)
	case !s.has("sig"):
		return refuse(StepStatement, "No attestation signature provided in attestation statement (%s)", f)
	}
	alg, r := s.checkAlg(f)
	if r != nil {
		return r
	}
	certs, r := s.x5c(f)
	if r != nil {
		return r
	}
	leaf := certs[0]
	pub, r := s.key.pkcs()
	if r != nil {
		return r
	}
	if !bytes.Equal(pub, spkiBits(leaf)) {
		return refuse(StepStatement, "Credential public key does not equal leaf cert public key (%s)", f)
	}
	ext := extension(leaf, oidKeyDescription)
	if ext == nil {
		return refuse(StepStatement, "Certificate did not contain extKeyStore (%s)", f)
	}
	challenge, teeAll, swAll, err := parseKeyDescription(ext)
	switch {
	case err != nil:
		return refuse(StepStatement, "the key description does not parse: %v (%s)", err, f)
	case !bytes.Equal(challenge, s.clientDataHash):
		return refuse(StepStatement, "Attestation challenge was not equal to client data hash (%s)", f)
	case teeAll:
		return refuse(StepStatement, "teeEnforced contained \"allApplications [600]\" tag (%s)", f)
	case swAll:
		return refuse(StepStatement, "softwareEnforced contained \"allApplications [600]\" tag (%s)", f)
	}
	root := certs[len(certs)-1]
	if !slices.ContainsFunc(roots.androidKey, root.Equal) {
		return refuse(StepTrustAnchor, "x5c root certificate was not a known root certificate (%s)", f)
	}
	if r := validateCertificatePath(certs[:len(certs)-1], []*x509.Certificate{root}, s.now, f); r != nil {
		return r
	}
	return verifyWithCertificate(leaf, alg, s.signed(), s.bytes("sig"), f)
}

// androidSafetyNet: ver and response; the JWS timestamp within a minute
// before now; its nonce; ctsProfileMatch; the leaf named
// attest.android.com; the chain to the shipped GlobalSign root, valid now;
// the JWS signature.
func (s *swStatement) androidSafetyNet() *refusal {
	const f = "SafetyNet"
	switch {
	case !s.has("ver"):
		return refuse(StepStatement, "No ver value in attestation (%s)", f)
	case !s.has("response"):
		return refuse(StepStatement, "No response was included in attStmt by authenticator (%s)", f)
	}
	parts := strings.Split(string(s.bytes("response")), ".")
	if len(parts) != 3 {
		return refuse(StepStatement, "the response is not a JWS (%s)", f)
	}
	var header struct {
		X5C []string `json:"x5c"`
	}
	var payload struct {
		Nonce           string  `json:"nonce"`
		CTSProfileMatch bool    `json:"ctsProfileMatch"`
		TimestampMs     float64 `json:"timestampMs"`
	}
	hb, ok1 := decodeBase64URL(parts[0])
	pb, ok2 := decodeBase64URL(parts[1])
	if !ok1 || !ok2 || json.Unmarshal(hb, &header) != nil || json.Unmarshal(pb, &payload) != nil {
		return refuse(StepStatement, "the JWS header or payload does not parse (%s)", f)
	}
	nowMs := float64(s.now.UnixMilli())
	if payload.TimestampMs > nowMs {
		return refuse(StepTimestamp, "Payload timestamp \"%.0f\" was later than \"%.0f\" (%s)", payload.TimestampMs, nowMs, f)
	}
	if payload.TimestampMs+60*1000 < nowMs {
		return refuse(StepTimestamp, "Payload timestamp \"%.0f\" has expired (%s)", payload.TimestampMs+60*1000, f)
	}
	nonce := sha256.Sum256(s.signed())
	if payload.Nonce != base64.StdEncoding.EncodeToString(nonce[:]) {
		return refuse(StepStatement, "Could not verify payload nonce (%s)", f)
	}
	if !payload.CTSProfileMatch {
		return refuse(StepCTS, "Could not verify device integrity (%s)", f)
	}
	ders := make([][]byte, len(header.X5C))
	for i, c := range header.X5C {
		d, err := base64.StdEncoding.DecodeString(c)
		if err != nil {
			return refuse(StepStatement, "the JWS x5c[%d] is not base64 (%s)", i, f)
		}
		ders[i] = d
	}
	if len(ders) == 0 {
		return refuse(StepStatement, "the JWS header has no x5c (%s)", f)
	}
	certs, r := parseCertificates(ders, f)
	if r != nil {
		return r
	}
	if subjectFields(certs[0])[oidCommonName.String()] != "attest.android.com" {
		return refuse(StepStatement, "Certificate common name was not \"attest.android.com\" (%s)", f)
	}
	if r := validateCertificatePath(certs, roots.safetyNet, s.now, f); r != nil {
		return r
	}
	sig, ok := decodeBase64URL(parts[2])
	if !ok {
		return refuse(StepStatement, "the JWS signature is not base64url (%s)", f)
	}
	// No alg is passed for SafetyNet, so the hash follows the leaf's key:
	// SHA-256 for RSA and P-256.
	return verifyWithCertificate(certs[0], certificateAlg(certs[0]), []byte(parts[0]+"."+parts[1]), sig, f)
}

// apple: the chain to the shipped Apple root, every certificate valid now;
// the nonce extension; the leaf's key is the credential key. No signature.
func (s *swStatement) apple() *refusal {
	const f = "Apple"
	if !s.has("x5c") {
		return refuse(StepStatement, "No attestation certificate provided in attestation statement (%s)", f)
	}
	certs, r := s.x5c(f)
	if r != nil {
		return r
	}
	if r := validateCertificatePath(certs, roots.apple, s.now, f); r != nil {
		return r
	}
	leaf := certs[0]
	if len(leaf.Extensions) == 0 {
		return refuse(StepStatement, "credCert missing extensions (%s)", f)
	}
	ext := extension(leaf, oidAppleNonce)
	if ext == nil {
		return refuse(StepStatement, "credCert missing \"1.2.840.113635.100.8.2\" extension (%s)", f)
	}
	nonce := sha256.Sum256(s.signed())
	if len(ext) < 6 || !bytes.Equal(ext[6:], nonce[:]) {
		return refuse(StepStatement, "credCert nonce was not expected value (%s)", f)
	}
	pub, r := s.key.pkcs()
	if r != nil {
		return r
	}
	if !bytes.Equal(pub, spkiBits(leaf)) {
		return refuse(StepStatement, "Credential public key does not equal credCert public key (%s)", f)
	}
	return nil
}

// tpm: the statement's members; pubArea and certInfo against the
// credential key and the signed data; the AIK certificate's requirements,
// its validity now and its TPM manufacturer on the package's list; then
// the signature (no roots ship for tpm, so the chain is not validated).
//
// pubArea and certInfo are TPM structures the model does not parse
// itself: go-webauthn's tpm procedure does, and its refusals at those steps
// are the model's. Its refusals at the AIK certificate's steps are not:
// the model checks the certificate as the package does.
func (s *swStatement) tpm() *refusal {
	const f = "TPM"
	var ver string
	_ = cbor.Unmarshal(s.stmt["ver"], &ver)
	if ver != "2.0" {
		return refuse(StepStatement, "Unexpected ver %q, expected \"2.0\" (%s)", ver, f)
	}
	if !s.has("sig") {
		return refuse(StepStatement, "No attestation signature provided in attestation statement (%s)", f)
	}
	alg, r := s.checkAlg(f)
	if r != nil {
		return r
	}
	switch {
	case !s.has("x5c"):
		return refuse(StepStatement, "No attestation certificate provided in attestation statement (%s)", f)
	case !s.has("pubArea"):
		return refuse(StepStatement, "Attestation statement did not contain pubArea (%s)", f)
	case !s.has("certInfo"):
		return refuse(StepStatement, "Attestation statement did not contain certInfo (%s)", f)
	}
	if r := s.tpmStructures(); r != nil {
		return r
	}
	certs, r := s.x5c(f)
	if r != nil {
		return r
	}
	aik := certs[0]
	switch {
	case aik.IsCA:
		return refuse(StepStatement, "Certificate basic constraints CA was not `false` (%s)", f)
	case aik.Version != 3:
		return refuse(StepStatement, "Certificate version was not `3` (ASN.1 value of 2) (%s)", f)
	case len(subjectFields(aik)) > 0:
		return refuse(StepStatement, "Certificate subject was not empty (%s)", f)
	}
	if r := leafValidNow(aik, s.now, f); r != nil {
		return r
	}
	if len(aik.Extensions) == 0 {
		return refuse(StepStatement, "Certificate was missing extensions (%s)", f)
	}
	san := extension(aik, oidSubjectAltName)
	if san == nil {
		return refuse(StepStatement, "Certificate did not contain subjectAltName extension (%s)", f)
	}
	manufacturer, model, version, ok := tcgValues(san)
	if !ok {
		return refuse(StepStatement, "Certificate subjectAltName extension directoryName was empty (%s)", f)
	}
	if manufacturer == "" || model == "" || version == "" {
		return refuse(StepStatement, "Certificate contained incomplete subjectAltName data (%s)", f)
	}
	eku := extension(aik, oidExtKeyUsage)
	if eku == nil {
		return refuse(StepStatement, "Certificate did not contain ExtendedKeyUsage extension (%s)", f)
	}
	if !swTPMManufacturer(manufacturer) {
		return refuse(StepTrustAnchor, "Could not match TPM manufacturer %q (%s)", manufacturer, f)
	}
	var usages []asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(eku, &usages); err != nil || len(usages) == 0 || usages[0].String() != "2.23.133.8.3" {
		return refuse(StepStatement, "Unexpected extKeyUsage, expected \"2.23.133.8.3\" (%s)", f)
	}
	if r := checkAAGUIDExtension(aik, s.ad.aaguid, f); r != nil {
		return r
	}
	return verifyWithCertificate(aik, alg, s.bytes("certInfo"), s.bytes("sig"), f)
}

// tpmStructures runs go-webauthn's tpm procedure for its pubArea and
// certInfo steps (see tpm).
func (s *swStatement) tpmStructures() *refusal {
	var att protocol.AttestationObject
	if err := webauthncbor.Unmarshal(s.attObj, &att); err != nil {
		return refuse(StepStatement, "pubArea and certInfo could not be checked: %v (TPM)", err)
	}
	if err := att.AuthData.Unmarshal(att.RawAuthData); err != nil {
		return refuse(StepStatement, "pubArea and certInfo could not be checked: %v (TPM)", err)
	}
	err := att.VerifyAttestation(s.clientDataHash, nil, protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
	if err == nil {
		return nil
	}
	msg := err.Error()
	if pe, ok := err.(*protocol.Error); ok {
		msg = pe.Details + " " + pe.DevInfo
	}
	for _, structural := range []string{"TPMT_PUBLIC", "Mismatch between", "RSA exponent", "RSA public key size", "Magic is not", "Type is not set", "ExtraData", "Hash value mismatch", "Unsupported COSE alg", "WebAuthn only supports TPM 2.0"} {
		if strings.Contains(msg, structural) {
			return refuse(StepStatement, "%s (TPM)", strings.TrimSpace(msg))
		}
	}
	return nil
}

// swTPMManufacturers are the TPM manufacturer ids the package accepts
// (its tpm/constants.js, the TCG vendor registry plus FIDO's test id).
var swTPMManufacturers = []string{
	"414D4400", "414E5400", "41544D4C", "4252434D", "4353434F", "464C5953", "524F4343", "474F4F47",
	"48504900", "48504500", "48495349", "49424D00", "49465800", "494E5443", "4C454E00", "4D534654",
	"4E534D20", "4E545A00", "4E534700", "4E544300", "51434F4D", "534D534E", "53454345", "534E5300",
	"534D5343", "53544D20", "54584E00", "57454300", "5345414C", "FFFFF1D0",
}

func swTPMManufacturer(id string) bool {
	if len(id) < 3 {
		return false
	}
	return slices.Contains(swTPMManufacturers, strings.ToUpper(id[3:]))
}

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

func cborTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int64:
		return x != 0
	case uint64:
		return x != 0
	case float64:
		return x != 0
	}
	return true // byte strings, arrays and maps are objects in JavaScript
}
