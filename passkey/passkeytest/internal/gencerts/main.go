// Command gencerts writes the fixed keys and certificates that package
// passkeytest embeds from its testdata directory.
//
// It was run once, and its output is committed, so that every run of every
// test sees the same credential keys, credential ids and authenticator data:
// Go 1.26 draws ECDSA and RSA keys from its own source of randomness whatever
// io.Reader is passed, so keys cannot be reproduced from a seed and have to be
// stored instead. Running it again replaces every key and certificate, which
// changes every value derived from them; do that only on purpose:
//
//	go run ./passkey/passkeytest/internal/gencerts -out passkey/passkeytest/testdata
//
// It writes:
//
//	root.pem                  the test attestation root CA (self-signed)
//	intermediate.pem          the CA that issues packed attestation certificates
//	intermediate-key.pem      its key: passkeytest issues one leaf per AAGUID
//	attestation-key.pem       the key of every packed attestation certificate
//	u2f-attestation.pem       the fido-u2f attestation certificate, issued by the root
//	u2f-attestation-key.pem   its key
//	credential-es256-key.pem  the default credential key for ES256 (-7)
//	credential-eddsa-key.pem  the default credential key for EdDSA (-8)
//	credential-rs256-key.pem  the default credential key for RS256 (-257)
//
// The root's key is not written: nothing needs it after the intermediate and
// the fido-u2f certificate are issued.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// The validity window is a century so that tests built on these certificates
// do not start failing on a date; every verifier checks it (WebAuthn L3 §8.2
// verification procedure, x509 path validation).
var (
	notBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2125, 1, 1, 0, 0, 0, 0, time.UTC)
)

func main() {
	out := flag.String("out", "testdata", "directory to write the PEM files into")
	flag.Parse()

	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gencerts:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}

	root := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Country: []string{"US"}, Organization: []string{"keytier passkeytest (test only, never trust)"}, CommonName: "keytier passkeytest Root CA"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          keyID(&rootKey.PublicKey),
	}

	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, &rootKey.PublicKey, rootKey)
	if err != nil {
		return fmt.Errorf("root: %w", err)
	}

	if root, err = x509.ParseCertificate(rootDER); err != nil {
		return err
	}

	intermediateKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}

	intermediate := &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{Country: []string{"US"}, Organization: []string{"keytier passkeytest (test only, never trust)"}, CommonName: "keytier passkeytest Attestation CA"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          keyID(&intermediateKey.PublicKey),
	}

	intermediateDER, err := x509.CreateCertificate(rand.Reader, intermediate, root, &intermediateKey.PublicKey, rootKey)
	if err != nil {
		return fmt.Errorf("intermediate: %w", err)
	}

	attestationKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}

	u2fKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}

	// A fido-u2f attestation certificate carries no AAGUID (U2F devices have
	// none, WebAuthn L3 §8.6) and is issued straight from the root, as U2F
	// vendors' roots do, so x5c's single certificate chains to the root.
	u2f := &x509.Certificate{
		SerialNumber:          big.NewInt(3),
		Subject:               pkix.Name{Country: []string{"US"}, Organization: []string{"keytier passkeytest (test only, never trust)"}, OrganizationalUnit: []string{"Authenticator Attestation"}, CommonName: "keytier passkeytest U2F Attestation"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  false,
		SubjectKeyId:          keyID(&u2fKey.PublicKey),
	}

	u2fDER, err := x509.CreateCertificate(rand.Reader, u2f, root, &u2fKey.PublicKey, rootKey)
	if err != nil {
		return fmt.Errorf("fido-u2f attestation: %w", err)
	}

	es256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}

	_, eddsa, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}

	rs256, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}

	if err = os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	for name, der := range map[string][]byte{
		"root.pem":            rootDER,
		"intermediate.pem":    intermediateDER,
		"u2f-attestation.pem": u2fDER,
	} {
		if err = writePEM(filepath.Join(dir, name), "CERTIFICATE", der); err != nil {
			return err
		}
	}

	for name, key := range map[string]crypto.Signer{
		"intermediate-key.pem":     intermediateKey,
		"attestation-key.pem":      attestationKey,
		"u2f-attestation-key.pem":  u2fKey,
		"credential-es256-key.pem": es256,
		"credential-eddsa-key.pem": eddsa,
		"credential-rs256-key.pem": rs256,
	} {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}

		if err = writePEM(filepath.Join(dir, name), "PRIVATE KEY", der); err != nil {
			return err
		}
	}

	return nil
}

// keyID is the RFC 5280 §4.2.1.2 method (1) key identifier, so that
// authority and subject key identifiers link the chain.
func keyID(pub *ecdsa.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}

	sum := sha256.Sum256(der)

	return sum[:20]
}

func writePEM(path, blockType string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o644)
}
