package passkey

import (
	"crypto/sha256"
	"crypto/x509"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
)

// TestAndroidKeyAtAgreesWithGoWebAuthn runs keytier's §8.4 procedure on
// the real Pixel 8a statement, which go-webauthn verifies (its chain ends
// at Google's 2019 hardware attestation root, which go-webauthn carries),
// with that root as the caller's anchor: the two agree, genuine and with
// another clientDataHash. go-webauthn ignores certificate expiry for
// android-key; keytier's procedure runs at the reference time, inside the
// chain's validity (the intermediate was valid 2025-01-07..2025-02-02).
func TestAndroidKeyAtAgreesWithGoWebAuthn(t *testing.T) {
	s, err := samples.Get("gw-pixel-8a-android-key")
	require.NoError(t, err)
	c, err := decode(s.Registration)
	require.NoError(t, err)
	root := testdataCertificate(t, "google-hardware-attestation-root-2019.pem")
	ref := time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC)
	good := sha256.Sum256(c.clientDataJSON)
	other := sha256.Sum256([]byte("another registration"))
	for _, cdh := range [][]byte{good[:], other[:]} {
		att := c.att
		gwErr := att.VerifyAttestation(cdh, nil, protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
		ktErr := c.androidKeyAt(cdh, ref, []*x509.Certificate{root})
		assert.Equal(t, gwErr == nil, ktErr == nil, "go-webauthn: %v; keytier: %v", gwErr, ktErr)
	}
	require.NoError(t, c.androidKeyAt(good[:], ref, []*x509.Certificate{root}))
	// Outside the intermediate's validity the chain does not verify.
	assert.Equal(t, CodeAttestationInvalid, CodeOf(c.androidKeyAt(good[:], ref.AddDate(0, 1, 0), []*x509.Certificate{root})))
	// Nor with another anchor.
	assert.Equal(t, CodeAttestationInvalid, CodeOf(c.androidKeyAt(good[:], ref, []*x509.Certificate{testdataCertificate(t, "w3c-attestation-ca.pem")})))
}
