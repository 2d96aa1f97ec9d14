package peers

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"embed"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The root certificates @simplewebauthn/server 14.1.0 ships in its
// SettingsService (services/defaultRootCerts), as published by Apple,
// Google and GlobalSign; see roots/README.md.
//
//go:embed roots/*.pem
var rootFiles embed.FS

var roots = struct {
	apple, androidKey, safetyNet []*x509.Certificate
}{
	apple:      mustRoots("roots/apple.pem"),
	androidKey: mustRoots("roots/android-key.pem"),
	safetyNet:  mustRoots("roots/android-safetynet.pem"),
}

// mustRoots reads embedded PEM certificates; they are part of the build,
// so a failure is a build defect that the package's tests catch.
func mustRoots(name string) []*x509.Certificate {
	b, err := rootFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	var out []*x509.Certificate
	for {
		var block *pem.Block
		if block, b = pem.Decode(b); block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			panic(fmt.Sprintf("peers: %s: %v", name, err))
		}
		out = append(out, c)
	}
	return out
}

// validateCertificatePath follows the package's validateCertificatePath:
// no anchors, nothing to do; anchors outside their validity now are
// dropped; the x5c chain, built leaf first from the certificates given,
// must reach an anchor; then every certificate on that chain must be valid
// now.
func validateCertificatePath(x5c, anchors []*x509.Certificate, now time.Time, format string) *refusal {
	if len(anchors) == 0 {
		return nil
	}
	var valid []*x509.Certificate
	for _, a := range anchors {
		if validAt(a, now) {
			valid = append(valid, a)
		}
	}
	if len(valid) == 0 {
		return refuse(StepCertTime, "No specified trust anchor was valid for verifying x5c (%s)", format)
	}
	if len(x5c) == 0 {
		return refuse(StepStatement, "Unexpected error while validating certificate path (%s)", format)
	}
	var chain []*x509.Certificate
	for _, anchor := range valid {
		seen := map[string]bool{}
		for _, c := range append(append([]*x509.Certificate{}, x5c...), anchor) {
			if seen[string(c.Raw)] {
				return refuse(StepStatement, "Unexpected error while validating certificate path (%s)", format)
			}
			seen[string(c.Raw)] = true
		}
		pool := append(append([]*x509.Certificate{}, x5c[1:]...), anchor)
		built := buildChain(x5c[0], pool)
		last := built[len(built)-1]
		reaches := last.Equal(anchor)
		if !reaches && len(built) > 1 {
			reaches = signedBy(built[len(built)-2], anchor)
			if reaches {
				built[len(built)-1] = anchor
			}
		}
		if reaches {
			chain = built
			break
		}
	}
	if chain == nil {
		return refuse(StepTrustAnchor, "x5c could not be chained to any specified trust anchor (%s)", format)
	}
	for _, c := range chain {
		if !validAt(c, now) {
			return refuse(StepCertTime, "Found certificate out of validity period: %s (%s)", certLabel(c), format)
		}
	}
	return nil
}

// buildChain walks from leaf to the issuer of each certificate among pool
// (by name and signature) until a self-signed certificate or no issuer.
func buildChain(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	chain := []*x509.Certificate{leaf}
	cur := leaf
	for len(chain) <= len(pool)+1 {
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) && signedBy(cur, cur) {
			break
		}
		var next *x509.Certificate
		for _, p := range pool {
			if bytes.Equal(p.RawSubject, cur.RawIssuer) && signedBy(cur, p) {
				next = p
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
		cur = next
	}
	return chain
}

// signedBy reports whether parent's key signed c, without the CA and
// algorithm-strength rules crypto/x509 adds on top.
func signedBy(c, parent *x509.Certificate) bool {
	alg, ok := signatureCOSE[c.SignatureAlgorithm]
	if !ok {
		return false
	}
	return verifySignature(parent.PublicKey, alg, c.RawTBSCertificate, c.Signature)
}

// signatureCOSE maps an X.509 signature algorithm to the COSE algorithm
// of the same scheme and hash.
var signatureCOSE = map[x509.SignatureAlgorithm]int64{
	x509.ECDSAWithSHA256: -7, x509.ECDSAWithSHA384: -35, x509.ECDSAWithSHA512: -36,
	x509.SHA256WithRSA: -257, x509.SHA384WithRSA: -258, x509.SHA512WithRSA: -259, x509.SHA1WithRSA: -65535,
	x509.SHA256WithRSAPSS: -37, x509.SHA384WithRSAPSS: -38, x509.SHA512WithRSAPSS: -39,
	x509.PureEd25519: -8,
}

func validAt(c *x509.Certificate, t time.Time) bool {
	return !t.Before(c.NotBefore) && !t.After(c.NotAfter)
}

func certLabel(c *x509.Certificate) string {
	if s := c.Subject.String(); s != "" {
		return fmt.Sprintf("%q (valid %s to %s)", s, c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
	}
	return fmt.Sprintf("serial %s (valid %s to %s)", c.SerialNumber.Text(16), c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
}

// leafValidNow is the packed and tpm procedures' own validity check of
// the leaf alone.
func leafValidNow(c *x509.Certificate, now time.Time, format string) *refusal {
	if now.Before(c.NotBefore) {
		return refuse(StepCertTime, "Certificate not good before %q (%s)", c.NotBefore.Format(time.RFC3339), format)
	}
	if now.After(c.NotAfter) {
		return refuse(StepCertTime, "Certificate not good after %q (%s)", c.NotAfter.Format(time.RFC3339), format)
	}
	return nil
}

// checkAAGUIDExtension: when id-fido-gen-ce-aaguid is present, it must
// equal the authenticator data's AAGUID.
func checkAAGUIDExtension(c *x509.Certificate, aaguid []byte, format string) *refusal {
	ext := extension(c, oidFIDOGenCEAAGUID)
	if ext == nil {
		return nil
	}
	var v []byte
	if _, err := asn1.Unmarshal(ext, &v); err != nil || !bytes.Equal(v, aaguid) {
		return refuse(StepStatement, "Certificate extension id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4) was present but not equal to attestation statement AAGUID (%s)", format)
	}
	return nil
}

// extension returns the value of c's extension id, or nil.
func extension(c *x509.Certificate, id asn1.ObjectIdentifier) []byte {
	for _, e := range c.Extensions {
		if e.Id.Equal(id) {
			return e.Value
		}
	}
	return nil
}

// subjectFields are the subject's C, O, OU and CN, keyed by OID string,
// the last of each winning: the four the package reads.
func subjectFields(c *x509.Certificate) map[string]string {
	out := map[string]string{}
	for _, n := range c.Subject.Names {
		switch {
		case n.Type.Equal(oidCountry), n.Type.Equal(oidOrganization), n.Type.Equal(oidOrgUnit), n.Type.Equal(oidCommonName):
			out[n.Type.String()] = fmt.Sprint(n.Value)
		}
	}
	return out
}

// spkiBits is the subjectPublicKey bit string of c: for an EC key the
// uncompressed point.
func spkiBits(c *x509.Certificate) []byte {
	in := cryptobyte.String(c.RawSubjectPublicKeyInfo)
	var spki, algID cryptobyte.String
	var bits asn1.BitString
	if !in.ReadASN1(&spki, cbasn1.SEQUENCE) || !spki.ReadASN1(&algID, cbasn1.SEQUENCE) || !spki.ReadASN1BitString(&bits) {
		return nil
	}
	return bits.Bytes
}

// parseKeyDescription reads the Android key description: the attestation
// challenge and whether either authorization list carries allApplications
// ([600]).
func parseKeyDescription(der []byte) (challenge []byte, teeAll, swAll bool, err error) {
	var seq asn1.RawValue
	if _, err = asn1.Unmarshal(der, &seq); err != nil {
		return nil, false, false, err
	}
	var fields []asn1.RawValue
	rest := seq.Bytes
	for len(rest) > 0 {
		var f asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			return nil, false, false, err
		}
		fields = append(fields, f)
	}
	if len(fields) < 8 {
		return nil, false, false, errors.New("fewer than eight fields")
	}
	has600 := func(list asn1.RawValue) (bool, error) {
		rest := list.Bytes
		for len(rest) > 0 {
			var e asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &e); err != nil {
				return false, err
			}
			if e.Class == asn1.ClassContextSpecific && e.Tag == 600 {
				return true, nil
			}
		}
		return false, nil
	}
	if swAll, err = has600(fields[6]); err != nil {
		return nil, false, false, err
	}
	if teeAll, err = has600(fields[7]); err != nil {
		return nil, false, false, err
	}
	return fields[4].Bytes, teeAll, swAll, nil
}

// tcgValues reads the TPM manufacturer, model and version from the first
// directoryName of a subjectAltName extension; ok is false when there is
// no non-empty directoryName.
func tcgValues(san []byte) (manufacturer, model, version string, ok bool) {
	var names asn1.RawValue
	if _, err := asn1.Unmarshal(san, &names); err != nil {
		return "", "", "", false
	}
	rest := names.Bytes
	for len(rest) > 0 {
		var gn asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &gn); err != nil {
			return "", "", "", false
		}
		if gn.Class != asn1.ClassContextSpecific || gn.Tag != 4 {
			continue
		}
		var rdns [][]struct {
			Type  asn1.ObjectIdentifier
			Value any
		}
		if _, err := asn1.Unmarshal(gn.Bytes, &rdns); err != nil || len(rdns) == 0 || len(rdns[0]) == 0 {
			return "", "", "", false
		}
		for _, rdn := range rdns {
			for _, atv := range rdn {
				s := fmt.Sprint(atv.Value)
				switch {
				case atv.Type.Equal(oidTCGManufacturer):
					manufacturer = s
				case atv.Type.Equal(oidTCGModel):
					model = s
				case atv.Type.Equal(oidTCGVersion):
					version = s
				}
			}
		}
		return manufacturer, model, version, true
	}
	return "", "", "", false
}

// verifyWithCertificate checks a signature by c's key; a signature that
// does not verify makes the package return verified: false.
func verifyWithCertificate(c *x509.Certificate, alg int64, data, sig []byte, format string) *refusal {
	if !verifySignature(c.PublicKey, alg, data, sig) {
		return refuse(StepStatement, "the attestation signature does not verify (%s)", format)
	}
	return nil
}

// certificateAlg is the COSE algorithm the package derives from a
// certificate's key when no alg is given: ES256 or ES384 by curve, RS256
// for RSA.
func certificateAlg(c *x509.Certificate) int64 {
	if k, ok := c.PublicKey.(*ecdsa.PublicKey); ok && k.Curve == elliptic.P384() {
		return -35
	}
	if _, ok := c.PublicKey.(*rsa.PublicKey); ok {
		return -257
	}
	return -7
}

// hashFor is the hash of a COSE algorithm.
func hashFor(alg int64) crypto.Hash {
	switch alg {
	case -35, -38, -258:
		return crypto.SHA384
	case -36, -39, -259:
		return crypto.SHA512
	case -65535:
		return crypto.SHA1
	}
	return crypto.SHA256
}

// verifySignature verifies sig over data with pub, hashing by alg. For
// RSA keys the scheme is PSS for the PS algorithms and PKCS #1 v1.5
// otherwise; for ECDSA the signature is DER.
func verifySignature(pub crypto.PublicKey, alg int64, data, sig []byte) bool {
	if k, ok := pub.(ed25519.PublicKey); ok {
		return ed25519.Verify(k, data, sig)
	}
	h := hashFor(alg)
	hh := h.New()
	hh.Write(data)
	digest := hh.Sum(nil)
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, digest, sig)
	case *rsa.PublicKey:
		if alg == -37 || alg == -38 || alg == -39 {
			return rsa.VerifyPSS(k, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
		return rsa.VerifyPKCS1v15(k, h, digest, sig) == nil
	}
	return false
}

// COSE key parameters (RFC 9053).
const (
	coseKty = 1
	coseAlg = 3
	coseCrv = -1
	coseX   = -2
	coseY   = -3
	coseN   = -1
	coseE   = -2
)

// coseKey is a decoded COSE_Key.
type coseKey map[int64]any

func decodeCOSEKey(b []byte) (coseKey, error) {
	var raw map[int64]any
	if err := cborDecoder.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("the credential public key is not a COSE key: %v", err)
	}
	return coseKey(raw), nil
}

func (k coseKey) int(label int64) (int64, bool) {
	switch v := k[label].(type) {
	case int64:
		return v, true
	case uint64:
		if v <= 1<<62 {
			return int64(v), true
		}
	}
	return 0, false
}

func (k coseKey) bytes(label int64) []byte {
	b, _ := k[label].([]byte)
	return b
}

// pkcs is the package's convertCOSEtoPKCS: 0x04 || x || y (y when present).
func (k coseKey) pkcs() ([]byte, *refusal) {
	x := k.bytes(coseX)
	if len(x) == 0 {
		return nil, refuse(StepStatement, "COSE public key was missing x")
	}
	out := append([]byte{0x04}, x...)
	return append(out, k.bytes(coseY)...), nil
}

// verify checks sig over data with the credential key itself (packed self
// attestation), hashing by the statement's alg.
func (k coseKey) verify(alg int64, data, sig []byte) bool {
	kty, _ := k.int(coseKty)
	switch kty {
	case 2: // EC2
		crv, _ := k.int(coseCrv)
		curves := map[int64]elliptic.Curve{1: elliptic.P256(), 2: elliptic.P384(), 3: elliptic.P521()}
		c, ok := curves[crv]
		if !ok {
			return false
		}
		pub := &ecdsa.PublicKey{Curve: c, X: new(big.Int).SetBytes(k.bytes(coseX)), Y: new(big.Int).SetBytes(k.bytes(coseY))}
		return verifySignature(pub, alg, data, sig)
	case 1: // OKP
		if crv, _ := k.int(coseCrv); crv != 6 || len(k.bytes(coseX)) != ed25519.PublicKeySize {
			return false
		}
		return ed25519.Verify(ed25519.PublicKey(k.bytes(coseX)), data, sig)
	case 3: // RSA
		e := new(big.Int).SetBytes(k.bytes(coseE))
		if !e.IsInt64() || e.Int64() > 1<<31-1 {
			return false
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(k.bytes(coseN)), E: int(e.Int64())}
		keyAlg, _ := k.int(coseAlg)
		scheme := alg
		if keyAlg == -37 || keyAlg == -38 || keyAlg == -39 { // the key's scheme is PSS
			switch hashFor(alg) {
			case crypto.SHA384:
				scheme = -38
			case crypto.SHA512:
				scheme = -39
			default:
				scheme = -37
			}
		}
		return verifySignature(pub, scheme, data, sig)
	}
	return false
}
