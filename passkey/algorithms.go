package passkey

import (
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// algorithms are the COSE algorithms (IANA COSE registry) whose keys
// go-webauthn can parse and whose signatures it can verify.
var algorithms = map[int64]string{
	-7:     "ES256",
	-35:    "ES384",
	-36:    "ES512",
	-8:     "EdDSA",
	-19:    "Ed25519",
	-9:     "ESP256",
	-51:    "ESP384",
	-52:    "ESP512",
	-257:   "RS256",
	-258:   "RS384",
	-259:   "RS512",
	-37:    "PS256",
	-38:    "PS384",
	-39:    "PS512",
	-65535: "RS1",
}

func algorithmName(alg int64) (string, bool) {
	name, ok := algorithms[alg]
	return name, ok
}

// AlgorithmName returns the COSE name of a COSE algorithm identifier
// ("ES256" for -7), or its number when keytier does not know it.
func AlgorithmName(alg int64) string {
	if name, ok := algorithms[alg]; ok {
		return name
	}
	return fmt.Sprint(alg)
}

// RecommendedAlgorithms is what a relying party commonly offers in
// pubKeyCredParams today, strongest-supported first: EdDSA, ES256, RS256
// (the WebAuthn L3 §5.4 example list; RS256 for Windows Hello). It is a
// starting point for VerifyOptions.Algorithms, which callers set explicitly.
func RecommendedAlgorithms() []int64 { return []int64{-8, -7, -257} }

// SupportedAlgorithms lists every COSE algorithm keytier can verify, in
// the order of the IANA registry's families (ECDSA, EdDSA, RSA PKCS#1 v1.5,
// RSASSA-PSS, then RS1). A tool that inspects credentials made elsewhere
// (the CLI, the playground) accepts all of them; a relying party sets its
// own list.
func SupportedAlgorithms() []int64 {
	return []int64{-7, -35, -36, -8, -19, -9, -51, -52, -257, -258, -259, -37, -38, -39, -65535}
}

// attestationDER returns the DER of the certificates the attestation
// statement carries: x5c for packed, tpm, android-key, fido-u2f and apple;
// the JWS header's x5c for android-safetynet; every sub-statement's for
// compound. Each is checked to be one DER certificate structure; the full
// parse waits until something reads it (Attestation.Certificates).
func attestationDER(att *protocol.AttestationObject) ([][]byte, error) {
	if att.Format == "compound" {
		var all [][]byte
		for i, sub := range att.SubStatements {
			der, err := statementDER(sub.Format, sub.AttStatement)
			if err != nil {
				return nil, fmt.Errorf("sub-statement %d: %w", i, err)
			}
			all = append(all, der...)
		}
		return all, nil
	}
	return statementDER(att.Format, att.AttStatement)
}

func statementDER(format string, stmt map[string]any) ([][]byte, error) {
	if format == "android-safetynet" {
		return safetyNetDER(stmt)
	}
	v, ok := stmt["x5c"]
	if !ok {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("x5c is not an array")
	}
	out := make([][]byte, 0, len(list))
	for i, item := range list {
		der, ok := item.([]byte)
		if !ok {
			return nil, fmt.Errorf("x5c[%d] is not a byte string", i)
		}
		if err := checkCertificateDER(der); err != nil {
			return nil, fmt.Errorf("x5c[%d]: %v", i, err)
		}
		out = append(out, der)
	}
	return out, nil
}

// safetyNetDER reads the x5c header of the SafetyNet JWS (§8.5).
func safetyNetDER(stmt map[string]any) ([][]byte, error) {
	resp, ok := stmt["response"].([]byte)
	if !ok {
		return nil, nil
	}
	header, _, ok := strings.Cut(string(resp), ".")
	if !ok {
		return nil, errors.New("SafetyNet response is not a JWS")
	}
	hb, err := decodeBase64(base64.RawURLEncoding, header)
	if err != nil {
		return nil, fmt.Errorf("SafetyNet JWS header: %v", err)
	}
	var h struct {
		X5C []string `json:"x5c"`
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("SafetyNet JWS header: %v", err)
	}
	out := make([][]byte, 0, len(h.X5C))
	for i, s := range h.X5C {
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("SafetyNet x5c[%d]: %v", i, err)
		}
		if err := checkCertificateDER(der); err != nil {
			return nil, fmt.Errorf("SafetyNet x5c[%d]: %v", i, err)
		}
		out = append(out, der)
	}
	return out, nil
}

// checkCertificateDER checks the outer structure of an X.509 certificate
// (RFC 5280 §4.1: SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm
// SEQUENCE, signatureValue BIT STRING }) with nothing after it. It is
// cheap; crypto/x509 parses the rest when the certificate is read.
func checkCertificateDER(der []byte) error {
	s := cryptobyte.String(der)
	var cert, tbs, alg cryptobyte.String
	var sig asn1.BitString
	if !s.ReadASN1(&cert, cbasn1.SEQUENCE) {
		return errors.New("not a DER certificate")
	}
	if !s.Empty() {
		return errors.New("bytes after the certificate")
	}
	if !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) || !cert.ReadASN1(&alg, cbasn1.SEQUENCE) || !cert.ReadASN1BitString(&sig) || !cert.Empty() {
		return errors.New("malformed certificate structure")
	}
	return nil
}

// Attestation types (WebAuthn L3 §6.5.3), as keytier names them.
const (
	AttestationNone   = "none"
	AttestationSelf   = "self"
	AttestationBasic  = "basic"
	AttestationAttCA  = "attCA"
	AttestationAnonCA = "anonCA"
)

// claimedAttestationType is the type the statement's shape implies before
// verification; Verify replaces it with what the format's procedure returns.
func claimedAttestationType(format string, hasCerts bool) string {
	switch format {
	case "none":
		return AttestationNone
	case "packed":
		if hasCerts {
			return AttestationBasic
		}
		return AttestationSelf
	case "tpm":
		return AttestationAttCA
	case "apple":
		return AttestationAnonCA
	case "fido-u2f", "android-key", "android-safetynet":
		return AttestationBasic
	}
	return ""
}

// attestationTypeName maps go-webauthn's metadata vocabulary to keytier's.
func attestationTypeName(t string) string {
	switch t {
	case "none":
		return AttestationNone
	case "basic_surrogate":
		return AttestationSelf
	case "basic_full":
		return AttestationBasic
	case "attca":
		return AttestationAttCA
	case "anonca":
		return AttestationAnonCA
	}
	return t
}
