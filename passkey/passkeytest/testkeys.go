package passkeytest

import (
	"crypto"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"fmt"
)

// testdata holds the keys and certificates written by internal/gencerts.
// It is read-only; every accessor parses a fresh value so that no caller
// can change what another one sees.
//
//go:embed testdata/*.pem
var testdata embed.FS

// RootPEM returns the PEM encoding of the test attestation root CA, the
// trust anchor of every packed x5c and fido-u2f attestation this package
// produces. Put it in a test's trust store (an MDS3 metadata statement's
// attestationRootCertificates, an x509.CertPool), never in a real one.
func RootPEM() []byte {
	data, err := testdata.ReadFile("testdata/root.pem")
	if err != nil {
		panic("passkeytest: embedded root certificate missing: " + err.Error())
	}

	return data
}

// RootCertificate returns the test attestation root CA (see [RootPEM]).
// Each call returns a new value.
func RootCertificate() *x509.Certificate {
	cert, err := readCertificate("root.pem")
	if err != nil {
		// The file is compiled in; failing here is a broken build, not
		// bad input.
		panic(err)
	}

	return cert
}

func readPEM(name, blockType string) ([]byte, error) {
	data, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		return nil, fmt.Errorf("passkeytest: embedded testdata/%s: %w", name, err)
	}

	block, _ := pem.Decode(data)
	if block == nil || block.Type != blockType {
		return nil, fmt.Errorf("passkeytest: embedded testdata/%s: no %s PEM block", name, blockType)
	}

	return block.Bytes, nil
}

func readCertificate(name string) (*x509.Certificate, error) {
	der, err := readPEM(name, "CERTIFICATE")
	if err != nil {
		return nil, err
	}

	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("passkeytest: embedded testdata/%s: %w", name, err)
	}

	return cert, nil
}

func readKey(name string) (crypto.Signer, error) {
	der, err := readPEM(name, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}

	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("passkeytest: embedded testdata/%s: %w", name, err)
	}

	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("passkeytest: embedded testdata/%s: %T is not a signing key", name, key)
	}

	return signer, nil
}

// credentialKeyFile names the fixed credential key of each algorithm.
func credentialKeyFile(alg Algorithm) string {
	switch alg {
	case ES256:
		return "credential-es256-key.pem"
	case EdDSA:
		return "credential-eddsa-key.pem"
	case RS256:
		return "credential-rs256-key.pem"
	}

	return ""
}
