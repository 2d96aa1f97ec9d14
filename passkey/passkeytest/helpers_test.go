package passkeytest_test

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey/passkeytest"
)

const (
	rpID   = "example.com"
	origin = "https://example.com"
)

var (
	challenge = []byte("0123456789abcdef-registration")
	aaguid    = [16]byte{0x6b, 0x65, 0x79, 0x74, 0x69, 0x65, 0x72, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x00, 0x01}
	algs      = []passkeytest.Algorithm{passkeytest.ES256, passkeytest.EdDSA, passkeytest.RS256}
)

// rp is what a relying party expects in a ceremony: the inputs of
// go-webauthn's positional Verify methods, named.
type rp struct {
	challenge   []byte
	rpID        string
	origins     []string
	topOrigins  []string
	crossOrigin bool
	requireUV   bool
	requireUP   bool
}

func defaultRP() rp {
	return rp{challenge: challenge, rpID: rpID, origins: []string{origin}, requireUP: true}
}

var credParams = []protocol.CredentialParameter{
	{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256},
	{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgEdDSA},
	{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgRS256},
}

// verifyRegistration runs go-webauthn's §7.1 verification over the JSON a
// browser would post.
func verifyRegistration(data []byte, want rp) (*protocol.ParsedCredentialCreationData, error) {
	pcc, err := protocol.ParseCredentialCreationResponseBytes(data)
	if err != nil {
		return nil, err
	}

	_, err = pcc.Verify(base64.RawURLEncoding.EncodeToString(want.challenge), want.rpID, want.origins, nil, want.topOrigins,
		protocol.TopOriginExplicitVerificationMode, want.crossOrigin, want.requireUV, want.requireUP, nil, credParams,
		protocol.AttestationPolicy{}, protocol.SignaturePolicy{})

	return pcc, err
}

// verifyAssertion runs go-webauthn's §7.2 verification.
func verifyAssertion(data []byte, want rp, publicKey []byte) (*protocol.ParsedCredentialAssertionData, error) {
	par, err := protocol.ParseCredentialRequestResponseBytes(data)
	if err != nil {
		return nil, err
	}

	err = par.Verify(base64.RawURLEncoding.EncodeToString(want.challenge), want.rpID, "", want.origins, nil, want.topOrigins,
		protocol.TopOriginExplicitVerificationMode, want.crossOrigin, want.requireUV, want.requireUP, publicKey,
		protocol.SignaturePolicy{})

	return par, err
}

// reason flattens a go-webauthn error so a test can check why it failed.
func reason(t *testing.T, err error) string {
	t.Helper()

	var perr *protocol.Error
	if errors.As(err, &perr) {
		return perr.Details + " | " + perr.DevInfo
	}

	return err.Error()
}

func newAuthenticator(t *testing.T, opts passkeytest.Options) *passkeytest.Authenticator {
	t.Helper()

	a, err := passkeytest.New(opts)
	require.NoError(t, err)

	return a
}

func rootPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(passkeytest.RootCertificate())

	return pool
}
