package passkey

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/google/go-tpm/tpm2"
)

// This file re-verifies attestation statements as of a reference time for
// the formats whose go-webauthn procedure compares certificates with the
// wall clock: packed with x5c (§8.2), fido-u2f (§8.6), tpm (§8.3) and
// android-safetynet (§8.5). It runs only after go-webauthn refused a
// statement for that comparison alone; every other statement is
// go-webauthn's to judge. It reads no clock: the reference time is the
// caller's (VerifyOptions.Time, else VerifyOptions.Now).
//
// For packed and fido-u2f the wall-clock check comes first in go-webauthn,
// so nothing after it has run: keytier performs the whole procedure. For
// tpm it comes after the certInfo signature, the extraData and the pubArea
// checks, so keytier performs what follows it: the §8.3.1 AIK certificate
// requirements and the name match. For android-safetynet go-webauthn
// v0.18.2 reads time.Now in attestationFormatValidationHandlerAndroidSafetyNet
// and uses it twice: as the CurrentTime of the JWS chain verification (the
// first step, before the signature) and as the end of the window the
// response's timestampMs must fall in (not after it, not more than one
// minute before it). keytier performs the whole procedure with the
// reference time in both places. Certificate validity itself is checked at
// the reference time by checkValidity. TestPastTimeAgreesWithGoWebAuthn
// runs this code on every statement go-webauthn verifies now and requires
// the same verdicts; TestPastTimeTPMStepOrder guards the tpm assumption.
//
// The file also holds the two procedures that replace a vendor check
// go-webauthn hard-codes by the caller's trust anchors: apple (§8.8, whose
// chain go-webauthn accepts only up to the Apple WebAuthn root it carries)
// and the tpm manufacturer (go-webauthn accepts only the TCG vendor ids it
// lists). They run only when the caller gave anchors and the chain reaches
// one of them at the reference time.

// wallClockRefusal reports whether a go-webauthn refusal is its wall-clock
// certificate-validity check.
func wallClockRefusal(msg string) bool {
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "no longer valid or not yet valid") ||
		strings.Contains(msg, "certificate has expired or is not yet valid")
}

var (
	oidFIDOAAGUID          = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}
	oidTCGKpAIKCertificate = asn1.ObjectIdentifier{2, 23, 133, 8, 3}
	oidTPMManufacturer     = asn1.ObjectIdentifier{2, 23, 133, 2, 1}
	oidTPMModel            = asn1.ObjectIdentifier{2, 23, 133, 2, 2}
	oidTPMVersion          = asn1.ObjectIdentifier{2, 23, 133, 2, 3}
	oidSubjectAltName      = asn1.ObjectIdentifier{2, 5, 29, 17}
)

// verifyStatementAt returns go-webauthn's attestation type name for a
// statement verified by keytier's own procedure as of ref. anchors are the
// caller's trust anchors; the SafetyNet chain may end at one of them or at
// a root of the host's trust store, as go-webauthn's does.
func (c *Credential) verifyStatementAt(clientDataHash []byte, ref time.Time, anchors []*x509.Certificate) (string, error) {
	stmt := c.att.AttStatement
	certs, err := c.x5cCertificates()
	if err != nil {
		return "", err
	}
	switch c.Format {
	case "packed":
		return "basic_full", c.packedAt(stmt, certs, clientDataHash)
	case "fido-u2f":
		return "basic_full", c.fidoU2FAt(stmt, certs, clientDataHash)
	case "tpm":
		if err := c.tpmRemainderAt(stmt, certs[0]); err != nil {
			return "attca", err
		}
		// go-webauthn checks the manufacturer after its clock check, so a
		// statement it refused for the clock never reached that step.
		if m, _, _, _ := tpmSAN(certs[0]); !tcgVendor(m) {
			if _, err := chainAt(c.Format, certs, poolOf(anchors), ref); err != nil {
				return "attca", fmt.Errorf("tpm: the AIK names TPM manufacturer %q, which the TCG vendor registry does not list, and its chain reaches no trust anchor you gave as of %s", m, c.refText(ref))
			}
		}
		return "attca", nil
	case "android-safetynet":
		roots, err := x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		for _, a := range anchors {
			roots.AddCert(a)
		}
		return "basic_full", c.safetyNetAt(stmt, certs, clientDataHash, ref, roots)
	}
	return "", fmt.Errorf("go-webauthn's %s procedure reads the wall clock and %w, so the statement cannot be verified as of another time", c.Format, errNoProcedure)
}

// x5cCertificates returns the statement's certificates, leaf first (for
// android-safetynet, those of the JWS header).
func (c *Credential) x5cCertificates() ([]*x509.Certificate, error) {
	chain, err := c.Attestation.Certificates()
	if err != nil || len(chain) == 0 {
		return nil, fmt.Errorf("no usable x5c: %v", err)
	}
	certs := make([]*x509.Certificate, len(chain))
	for i, cert := range chain {
		certs[i] = cert.Certificate
	}
	return certs, nil
}

// packedAt is §8.2's verification procedure for a statement with x5c.
func (c *Credential) packedAt(stmt map[string]any, certs []*x509.Certificate, clientDataHash []byte) error {
	alg, ok := stmt["alg"].(int64)
	if !ok {
		return errors.New("packed: alg missing")
	}
	sig, ok := stmt["sig"].([]byte)
	if !ok {
		return errors.New("packed: sig missing")
	}
	leaf := certs[0]
	// Verify that sig is a valid signature over authenticatorData ||
	// clientDataHash using the attestation public key in attestnCert with
	// the algorithm specified in alg.
	sigAlg := webauthncose.SigAlgFromCOSEAlg(webauthncose.COSEAlgorithmIdentifier(alg))
	if sigAlg == x509.UnknownSignatureAlgorithm {
		return fmt.Errorf("packed: unsupported COSE alg %d", alg)
	}
	if err := leaf.CheckSignature(sigAlg, slices.Concat(c.att.RawAuthData, clientDataHash), sig); err != nil {
		return fmt.Errorf("packed: %w: %w", errSignature, err)
	}
	// §8.2.1 attestation statement certificate requirements.
	switch {
	case leaf.Version != 3:
		return errors.New("packed: attestation certificate is not version 3")
	case len(leaf.Subject.Country) != 1 || len(leaf.Subject.Country[0]) != 2:
		return errors.New("packed: attestation certificate Subject-C is not a two-letter country code")
	case strings.Join(leaf.Subject.Organization, "") == "":
		return errors.New("packed: attestation certificate Subject-O is empty")
	case strings.Join(leaf.Subject.OrganizationalUnit, " ") != "Authenticator Attestation":
		return errors.New("packed: attestation certificate Subject-OU is not \"Authenticator Attestation\"")
	case leaf.Subject.CommonName == "":
		return errors.New("packed: attestation certificate Subject-CN is empty")
	case leaf.IsCA:
		return errors.New("packed: attestation certificate is a CA")
	}
	return c.checkCertAAGUID(leaf, "packed")
}

// fidoU2FAt is §8.6's verification procedure.
func (c *Credential) fidoU2FAt(stmt map[string]any, certs []*x509.Certificate, clientDataHash []byte) error {
	sig, ok := stmt["sig"].([]byte)
	if !ok {
		return errors.New("fido-u2f: sig missing")
	}
	if len(certs) != 1 {
		return errors.New("fido-u2f: x5c must contain exactly one certificate")
	}
	pub, ok := certs[0].PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return errors.New("fido-u2f: attestation certificate does not hold a P-256 key")
	}
	key, err := webauthncose.ParsePublicKey(c.PublicKey)
	if err != nil {
		return fmt.Errorf("fido-u2f: credential public key: %w", err)
	}
	ec, ok := key.(webauthncose.EC2PublicKeyData)
	if !ok || len(ec.XCoord) != 32 || len(ec.YCoord) != 32 {
		return errors.New("fido-u2f: credential public key is not an uncompressed P-256 point")
	}
	// verificationData = 0x00 || rpIdHash || clientDataHash || credentialId || publicKeyU2F
	data := slices.Concat([]byte{0x00}, c.RPIDHash, clientDataHash, c.CredentialID, []byte{0x04}, ec.XCoord, ec.YCoord)
	if err := certs[0].CheckSignature(x509.ECDSAWithSHA256, data, sig); err != nil {
		return fmt.Errorf("fido-u2f: %w: %w", errSignature, err)
	}
	return nil
}

// tpmRemainderAt performs the §8.3 steps go-webauthn's tpm procedure runs
// after its wall-clock check: the §8.3.1 AIK certificate requirements and
// the check that certInfo names pubArea.
func (c *Credential) tpmRemainderAt(stmt map[string]any, aik *x509.Certificate) error {
	switch {
	case aik.Version != 3:
		return errors.New("tpm: AIK certificate is not version 3")
	case len(aik.Subject.Names) != 0:
		return errors.New("tpm: AIK certificate subject is not empty")
	case !aik.BasicConstraintsValid || aik.IsCA:
		return errors.New("tpm: AIK certificate basic constraints missing or CA")
	case !slices.ContainsFunc(aik.UnknownExtKeyUsage, oidTCGKpAIKCertificate.Equal):
		return errors.New("tpm: AIK certificate extended key usage lacks tcg-kp-AIKCertificate (2.23.133.8.3)")
	}
	manufacturer, model, version, err := tpmSAN(aik)
	if err != nil {
		return err
	}
	if manufacturer == "" || model == "" || version == "" {
		return errors.New("tpm: AIK certificate subject alternative name lacks TPM manufacturer, model or version")
	}
	if err := c.checkCertAAGUID(aik, "tpm"); err != nil {
		return err
	}
	certInfo, _ := stmt["certInfo"].([]byte)
	pubArea, _ := stmt["pubArea"].([]byte)
	info, err := tpm2.Unmarshal[tpm2.TPMSAttest](certInfo)
	if err != nil {
		return fmt.Errorf("tpm: certInfo: %w", err)
	}
	pub, err := tpm2.Unmarshal[tpm2.TPMTPublic](pubArea)
	if err != nil {
		return fmt.Errorf("tpm: pubArea: %w", err)
	}
	certify, err := info.Attested.Certify()
	if err != nil {
		return fmt.Errorf("tpm: certInfo is not TPM_ST_ATTEST_CERTIFY: %w", err)
	}
	name, err := tpm2.ObjectName(pub)
	if err != nil {
		return fmt.Errorf("tpm: pubArea name: %w", err)
	}
	if !bytes.Equal(certify.Name.Buffer, name.Buffer) {
		return errors.New("tpm: certInfo does not name pubArea")
	}
	return nil
}

// tpmSAN reads the TPM device attributes from the AIK's subject
// alternative name (a directoryName, TCG EK Credential Profile §3.2.9).
func tpmSAN(cert *x509.Certificate) (manufacturer, model, version string, err error) {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidSubjectAltName) {
			continue
		}
		var names []asn1.RawValue
		if _, err := asn1.Unmarshal(ext.Value, &names); err != nil {
			return "", "", "", fmt.Errorf("tpm: AIK subject alternative name: %w", err)
		}
		for _, n := range names {
			if n.Class != asn1.ClassContextSpecific || n.Tag != 4 { // directoryName
				continue
			}
			var rdns pkix.RDNSequence
			if _, err := asn1.Unmarshal(n.Bytes, &rdns); err != nil {
				return "", "", "", fmt.Errorf("tpm: AIK directoryName: %w", err)
			}
			for _, rdn := range rdns {
				for _, atv := range rdn {
					v, _ := atv.Value.(string)
					switch {
					case atv.Type.Equal(oidTPMManufacturer):
						manufacturer = strings.TrimPrefix(v, "id:")
					case atv.Type.Equal(oidTPMModel):
						model = v
					case atv.Type.Equal(oidTPMVersion):
						version = strings.TrimPrefix(v, "id:")
					}
				}
			}
		}
	}
	return manufacturer, model, version, nil
}

// checkCertAAGUID: if the certificate carries id-fido-gen-ce-aaguid, it is
// not critical and equals the AAGUID in authData (§8.2.1, §8.3.1).
func (c *Credential) checkCertAAGUID(cert *x509.Certificate, format string) error {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidFIDOAAGUID) {
			continue
		}
		if ext.Critical {
			return fmt.Errorf("%s: id-fido-gen-ce-aaguid is marked critical", format)
		}
		var aaguid []byte
		if _, err := asn1.Unmarshal(ext.Value, &aaguid); err != nil {
			return fmt.Errorf("%s: id-fido-gen-ce-aaguid: %w", format, err)
		}
		if !bytes.Equal(aaguid, c.AAGUID[:]) {
			return fmt.Errorf("%s: certificate AAGUID does not match the authenticator data", format)
		}
	}
	return nil
}

// safetyNetHostname is the host the SafetyNet attestation certificate must
// be issued to (§8.5 step 5).
const safetyNetHostname = "attest.android.com"

// safetyNetMaxAge is how long before the reference time a SafetyNet
// response may have been made: go-webauthn v0.18.2 allows one minute
// before its clock (and nothing after it), and keytier keeps its window,
// moved to the reference time.
const safetyNetMaxAge = time.Minute

// safetyNetAt is §8.5's verification procedure as of ref, in go-webauthn's
// order: ver, the JWS chain (validity, path to roots, hostname), the JWS
// signature, the nonce, ctsProfileMatch, the timestamp. Errors are *Error
// with the code of the step that failed.
func (c *Credential) safetyNetAt(stmt map[string]any, certs []*x509.Certificate, clientDataHash []byte, ref time.Time, roots *x509.CertPool) error {
	at := c.refText(ref)
	// Step 1–2: ver is the version of Google Play Services that made the
	// response, a positive decimal integer; response is a compact JWS.
	ver, _ := stmt["ver"].(string)
	if v, err := strconv.ParseUint(ver, 10, 64); err != nil || v == 0 {
		return errorf(CodeAttestationInvalid, "attStmt.ver", nil, "android-safetynet: ver %q is not a Google Play Services version", ver)
	}
	resp, _ := stmt["response"].([]byte)
	parts := strings.Split(string(resp), ".")
	if len(parts) != 3 {
		return errorf(CodeAttestationInvalid, "attStmt.response", nil, "android-safetynet: response is not a compact JWS")
	}
	hb, err := decodeBase64(base64.RawURLEncoding, parts[0])
	if err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.response", err, "android-safetynet: JWS header")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(hb, &header); err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.response", err, "android-safetynet: JWS header")
	}
	if header.Alg != "RS256" {
		return errorf(CodeAttestationInvalid, "attStmt.response", nil, "android-safetynet: JWS alg %q, want RS256 (the only one go-webauthn and SafetyNet use)", header.Alg)
	}
	// Step 4: the response came from the SafetyNet service. As SafetyNet's
	// documentation asks (and go-webauthn does), the chain is validated
	// and the leaf matched to the hostname (step 5) before its key is
	// trusted with the signature — here as of ref.
	for i, cert := range certs {
		where := fmt.Sprintf("attStmt.response.x5c[%d]", i)
		switch {
		case ref.Before(cert.NotBefore):
			return errorf(CodeCertNotYetValid, where, nil, "%q is valid from %s, after the reference time %s", cert.Subject.String(), cert.NotBefore.UTC().Format(time.RFC3339), at)
		case ref.After(cert.NotAfter):
			return errorf(CodeCertExpired, where, nil, "the certificate %s expired %s, before the reference time %s; re-verify as of the time of registration", certName(cert), cert.NotAfter.UTC().Format(time.RFC3339), at)
		}
	}
	inter := x509.NewCertPool()
	for _, cert := range certs[1:] {
		inter.AddCert(cert)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{
		DNSName:       safetyNetHostname,
		CurrentTime:   ref,
		Roots:         roots,
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}); err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.response.x5c", nil, "android-safetynet: the JWS certificate chain does not verify for %s as of %s: %v", safetyNetHostname, at, err)
	}
	pub, ok := certs[0].PublicKey.(*rsa.PublicKey)
	if !ok {
		return errorf(CodeAttestationInvalid, "attStmt.response.x5c[0]", nil, "android-safetynet: the leaf holds a %s key, not RSA", keyKind(certs[0].PublicKey))
	}
	sig, err := decodeBase64(base64.RawURLEncoding, parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err != nil || rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
		return errorf(CodeSignatureInvalid, "attStmt.response", nil, "android-safetynet: the JWS signature does not verify with the key of %q", certs[0].Subject.String())
	}
	pb, err := decodeBase64(base64.RawURLEncoding, parts[1])
	if err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.response", err, "android-safetynet: JWS payload")
	}
	var payload struct {
		Nonce           string `json:"nonce"`
		TimestampMs     int64  `json:"timestampMs"`
		CtsProfileMatch bool   `json:"ctsProfileMatch"`
	}
	if err := json.Unmarshal(pb, &payload); err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.response", err, "android-safetynet: JWS payload")
	}
	// Step 3: nonce is the base64 of SHA-256(authenticatorData ||
	// clientDataHash).
	want := sha256.Sum256(slices.Concat(c.att.RawAuthData, clientDataHash))
	if got, err := base64.StdEncoding.DecodeString(payload.Nonce); err != nil || !bytes.Equal(got, want[:]) {
		return errorf(CodeAttestationInvalid, "attStmt.response.nonce", nil, "android-safetynet: the nonce is not base64(SHA-256(authenticatorData || clientDataHash)): the response was made for another registration")
	}
	// Step 6: ctsProfileMatch is true.
	if !payload.CtsProfileMatch {
		return errorf(CodeAttestationInvalid, "attStmt.response.ctsProfileMatch", nil, "android-safetynet: ctsProfileMatch is false (the device failed Android compatibility checks)")
	}
	// go-webauthn's freshness rule, at the reference time: the response
	// was made at most safetyNetMaxAge before it, and not after it.
	ts := time.UnixMilli(payload.TimestampMs).UTC()
	switch {
	case ts.After(ref):
		return errorf(CodeAttestationInvalid, "attStmt.response.timestampMs", nil, "android-safetynet: the response was made at %s, after the reference time %s", ts.Format(time.RFC3339Nano), at)
	case ts.Before(ref.Add(-safetyNetMaxAge)):
		return errorf(CodeAttestationInvalid, "attStmt.response.timestampMs", nil, "android-safetynet: the response was made at %s, more than %s before the reference time %s; re-verify as of the time of registration", ts.Format(time.RFC3339Nano), safetyNetMaxAge, at)
	}
	return nil
}

var oidAppleNonce = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 8, 2}

// appleAt is §8.8's verification procedure for a statement go-webauthn
// refused because its chain does not reach the Apple WebAuthn root it
// carries: the chain must reach one of anchors instead, as of ref.
func (c *Credential) appleAt(clientDataHash []byte, ref time.Time, anchors []*x509.Certificate) error {
	// Step 1: x5c is present (decoded with the statement).
	certs, err := c.x5cCertificates()
	if err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.x5c", nil, "apple: %v", err)
	}
	if _, err := chainAt(c.Format, certs, poolOf(anchors), ref); err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.x5c", nil, "apple: the chain reaches neither the Apple WebAuthn root nor a trust anchor you gave, as of %s: %v", c.refText(ref), err)
	}
	credCert := certs[0]
	// Steps 2–3: nonce = SHA-256(authenticatorData || clientDataHash).
	nonce := sha256.Sum256(slices.Concat(c.att.RawAuthData, clientDataHash))
	// Step 4: nonce equals the value of the extension with OID
	// 1.2.840.113635.100.8.2 in credCert.
	var ext []byte
	for _, e := range credCert.Extensions {
		if e.Id.Equal(oidAppleNonce) {
			ext = e.Value
		}
	}
	if ext == nil {
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "apple: credCert lacks extension 1.2.840.113635.100.8.2 (the nonce)")
	}
	var decoded struct {
		Nonce []byte `asn1:"tag:1,explicit"`
	}
	if _, err := asn1.Unmarshal(ext, &decoded); err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", err, "apple: extension 1.2.840.113635.100.8.2")
	}
	if !bytes.Equal(decoded.Nonce, nonce[:]) {
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "apple: the nonce in credCert is not SHA-256(authenticatorData || clientDataHash)")
	}
	// Step 5: the credential public key equals the Subject Public Key of
	// credCert.
	pub, ok := cryptoPublicKey(c.PublicKey)
	eq, comparable := pub.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !comparable || !eq.Equal(credCert.PublicKey) {
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "apple: the credential public key is not credCert's subject public key")
	}
	// Step 6: attestation type anonCA, trust path x5c.
	return nil
}

// tpmVendorAt judges a tpm statement go-webauthn refused only because the
// AIK's TPM manufacturer is not in its copy of the TCG vendor registry.
// Every step before that check passed in go-webauthn (pubArea, extraData,
// the certInfo signature, the clock, version, subject, SAN present);
// keytier performs the steps after it (tpmRemainderAt) and requires the AIK
// chain to reach one of anchors, as of ref. It returns the manufacturer
// the AIK names.
func (c *Credential) tpmVendorAt(ref time.Time, anchors []*x509.Certificate) (string, error) {
	certs, err := c.x5cCertificates()
	if err != nil {
		return "", errorf(CodeAttestationInvalid, "attStmt.x5c", nil, "tpm: %v", err)
	}
	manufacturer, _, _, err := tpmSAN(certs[0])
	if err != nil {
		return "", errorf(CodeAttestationInvalid, "attStmt.x5c[0]", err, "tpm")
	}
	if err := c.tpmRemainderAt(c.att.AttStatement, certs[0]); err != nil {
		return manufacturer, errorf(CodeAttestationInvalid, "attStmt", nil, "%v", err)
	}
	if _, err := chainAt(c.Format, certs, poolOf(anchors), ref); err != nil {
		return manufacturer, errorf(CodeAttestationInvalid, "attStmt.x5c", nil, "tpm: the AIK names TPM manufacturer %q, which go-webauthn does not list, and its chain reaches no trust anchor you gave as of %s: %v", manufacturer, c.refText(ref), err)
	}
	return manufacturer, nil
}
