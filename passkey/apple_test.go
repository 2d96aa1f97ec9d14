package passkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey/mds/mdstest"
)

// testdataCertificate reads a PEM certificate from testdata (sources in
// testdata/README.md).
func testdataCertificate(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	block, _ := pem.Decode(b)
	require.NotNil(t, block, "%s holds a PEM block", name)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return cert
}

// sampleVerifyOptions are the relying-party settings a sample was made for.
func sampleVerifyOptions(t *testing.T, s samples.Sample) VerifyOptions {
	t.Helper()
	ch, err := base64.RawURLEncoding.DecodeString(s.Challenge)
	require.NoError(t, err)
	return VerifyOptions{RPID: s.RPID, Origins: []string{s.Origin}, Challenge: ch, Algorithms: SupportedAlgorithms()}
}

// TestAppleRealSampleStatement: the real Apple anonymous attestation of
// 2020 (go-webauthn's protocol/attestation_apple_test.go) verifies as
// anonCA, and chains to the Apple WebAuthn Root CA, as of 2020-10-07 —
// its leaf was valid for one day, 2020-10-07T09:46:12Z to
// 2020-10-08T09:56:12Z. The full response is still rejected: its id and
// rawId ("U5cxFNxLbU9-…") are not this credential's. go-webauthn's fixture
// reuses the id/rawId of its android-key fixture (androidKeyTestResponse0
// in protocol/attestation_androidkey_test.go), while the authenticator data
// attests the 20-byte credential id "omGfdaNI-cYgWrq2klNk97zkcg8"; its
// test calls only the apple format handler, which never compares them.
// keytier compares them (§7.1: the credential id is the attested one), so
// the response fails with credential_id_mismatch before the statement is
// reached; the statement itself is exercised here directly.
func TestAppleRealSampleStatement(t *testing.T) {
	s, err := samples.Get("gw-apple-anonymous-ios")
	require.NoError(t, err)
	c, err := decode(s.Registration)
	require.NoError(t, err)
	require.Equal(t, "apple", c.Format)
	ref := time.Date(2020, 10, 7, 12, 0, 0, 0, time.UTC)
	opts := sampleVerifyOptions(t, s)
	opts.Time = ref
	opts.Roots = []*x509.Certificate{testdataCertificate(t, "apple-webauthn-root-ca.pem")}

	cdh := sha256.Sum256(c.clientDataJSON)
	require.NoError(t, c.verifyStatement(cdh[:], &opts, ref, ref))
	assert.Equal(t, AttestationAnonCA, c.Attestation.Type)
	assert.True(t, c.Attestation.SignatureVerified)
	require.NoError(t, c.checkValidity(ref))
	require.NoError(t, c.assessTrust(&opts, nil, ref, ref))
	assert.True(t, c.Attestation.Trusted, "notes: %v", c.Attestation.Notes)
	assert.Equal(t, "root", c.Attestation.TrustedBy)
	// A day later the leaf has expired.
	assert.Equal(t, CodeCertExpired, CodeOf(c.checkValidity(ref.AddDate(0, 0, 2))))

	assert.NotEqual(t, []byte(c.CredentialID), c.rawID, "rawId is not the attested credential id")
	_, err = Verify(s.Registration, opts)
	require.Error(t, err)
	assert.Equal(t, CodeCredentialIDMismatch, CodeOf(err), "%v", err)
}

// appleVector is the §16.15 Apple anonymous attestation vector this package
// adds (testdata/w3c).
func appleVector(t *testing.T) (*Credential, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "w3c", "AppleAnonymousES256.json"))
	require.NoError(t, err)
	var s samples.Sample
	require.NoError(t, json.Unmarshal(b, &s))
	c, err := decode(s.Registration)
	require.NoError(t, err)
	cdh := sha256.Sum256(c.clientDataJSON)
	return c, cdh[:]
}

// TestAppleAt: keytier's §8.8 procedure, which runs when the chain does not
// reach go-webauthn's Apple root but reaches the caller's anchor, refuses
// what §8.8 refuses.
func TestAppleAt(t *testing.T) {
	ca := testdataCertificate(t, "w3c-attestation-ca.pem")
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	anchors := []*x509.Certificate{ca}

	c, cdh := appleVector(t)
	require.NoError(t, c.appleAt(cdh, ref, anchors))

	// Another anchor does not vouch for the chain.
	other := mdstest.NewCA(t, "unrelated root")
	err := c.appleAt(cdh, ref, []*x509.Certificate{other.Certificate})
	assert.Equal(t, CodeAttestationInvalid, CodeOf(err))
	assert.ErrorContains(t, err, "reaches neither")

	// Step 4: the nonce covers the authenticator data (a changed sign
	// count) and the client data.
	c, cdh = appleVector(t)
	c.att.RawAuthData = append([]byte{}, c.att.RawAuthData...)
	c.att.RawAuthData[33] ^= 0x01
	err = c.appleAt(cdh, ref, anchors)
	assert.Equal(t, CodeAttestationInvalid, CodeOf(err))
	assert.ErrorContains(t, err, "nonce")
	c, cdh = appleVector(t)
	cdh[0] ^= 0x01
	assert.ErrorContains(t, c.appleAt(cdh, ref, anchors), "nonce")

	// Step 5: the credential public key is credCert's.
	c, cdh = appleVector(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	other2 := webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         int64(webauthncose.P256),
		XCoord:        key.X.FillBytes(make([]byte, 32)),
		YCoord:        key.Y.FillBytes(make([]byte, 32)),
	}
	c.PublicKey, err = webauthncbor.Marshal(other2)
	require.NoError(t, err)
	_, ok := cryptoPublicKey(c.PublicKey)
	require.True(t, ok, "the replacement is a valid P-256 COSE key")
	err = c.appleAt(cdh, ref, anchors)
	assert.Equal(t, CodeAttestationInvalid, CodeOf(err))
	assert.ErrorContains(t, err, "public key")
}

// TestAppleAtAgreesWithGoWebAuthn: on the real Apple statement, which
// go-webauthn verifies against the Apple WebAuthn root it carries, keytier's
// §8.8 procedure with that root as the caller's anchor reaches go-webauthn's
// verdict, genuine and altered.
func TestAppleAtAgreesWithGoWebAuthn(t *testing.T) {
	s, err := samples.Get("gw-apple-anonymous-ios")
	require.NoError(t, err)
	anchors := []*x509.Certificate{testdataCertificate(t, "apple-webauthn-root-ca.pem")}
	ref := time.Date(2020, 10, 7, 12, 0, 0, 0, time.UTC)
	for name, mutate := range map[string]func(c *Credential, cdh []byte){
		"genuine": func(*Credential, []byte) {},
		"sign count changed": func(c *Credential, _ []byte) {
			c.att.RawAuthData = append([]byte{}, c.att.RawAuthData...)
			c.att.RawAuthData[33] ^= 0x01
		},
		"client data changed": func(_ *Credential, cdh []byte) { cdh[0] ^= 0x01 },
	} {
		t.Run(name, func(t *testing.T) {
			c, err := decode(s.Registration)
			require.NoError(t, err)
			sum := sha256.Sum256(c.clientDataJSON)
			cdh := sum[:]
			mutate(c, cdh)
			goErr := c.att.VerifyAttestation(cdh, nil, protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
			err = c.appleAt(cdh, ref, anchors)
			assert.Equal(t, goErr == nil, err == nil, "go-webauthn: %v; keytier: %v", goErr, err)
		})
	}
}
