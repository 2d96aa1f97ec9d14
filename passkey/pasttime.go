package passkey

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/google/go-tpm/tpm2"
)

// This file re-verifies attestation statements as of a reference time for
// the formats whose go-webauthn procedure compares certificates with the
// wall clock: packed with x5c (§8.2), fido-u2f (§8.6) and tpm (§8.3). It
// runs only after go-webauthn refused a statement for that comparison
// alone, and only when the caller asked for a time other than now; every
// other statement is go-webauthn's to judge.
//
// For packed and fido-u2f the wall-clock check comes first in go-webauthn,
// so nothing after it has run: keytier performs the whole procedure. For
// tpm it comes after the certInfo signature, the extraData and the pubArea
// checks, so keytier performs what follows it: the §8.3.1 AIK certificate
// requirements and the name match. Certificate validity itself is checked
// at the reference time by checkValidity. TestPastTimeAgreesWithGoWebAuthn
// runs this code on every statement go-webauthn verifies now and requires
// the same verdicts; TestPastTimeTPMStepOrder guards the tpm assumption.

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
// statement verified by keytier's own procedure.
func (c *Credential) verifyStatementAt(clientDataHash []byte) (string, error) {
	stmt := c.att.AttStatement
	chain, err := c.Attestation.Certificates()
	if err != nil || len(chain) == 0 {
		return "", fmt.Errorf("no usable x5c: %v", err)
	}
	certs := make([]*x509.Certificate, len(chain))
	for i, cert := range chain {
		certs[i] = cert.Certificate
	}
	switch c.Format {
	case "packed":
		return "basic_full", c.packedAt(stmt, certs, clientDataHash)
	case "fido-u2f":
		return "basic_full", c.fidoU2FAt(stmt, certs, clientDataHash)
	case "tpm":
		return "attca", c.tpmRemainderAt(stmt, certs[0])
	}
	return "", fmt.Errorf("go-webauthn's %s procedure reads the wall clock and keytier has no procedure of its own for it, so the statement cannot be verified as of another time", c.Format)
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
		return fmt.Errorf("packed: signature validation error: %w", err)
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
		return fmt.Errorf("fido-u2f: signature validation error: %w", err)
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
