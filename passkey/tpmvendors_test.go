package passkey

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPastTimeTPMManufacturer: a tpm statement keytier verifies itself (as
// of a reference time go-webauthn's clock refuses) still has its AIK's
// manufacturer checked against the TCG registry, as go-webauthn would have:
// the §16.13 vector's AIK names "00000000", which the registry does not
// list, so the statement passes only when its chain reaches an anchor the
// caller gave.
func TestPastTimeTPMManufacturer(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "w3c", "TPMES256.json"))
	require.NoError(t, err)
	var vector struct {
		RegistrationResponse json.RawMessage `json:"registrationResponse"`
	}
	require.NoError(t, json.Unmarshal(raw, &vector))
	c, err := decode(vector.RegistrationResponse)
	require.NoError(t, err)
	require.Equal(t, "tpm", c.Format)
	certs, err := c.x5cCertificates()
	require.NoError(t, err)
	m, _, _, err := tpmSAN(certs[0])
	require.NoError(t, err)
	require.Equal(t, "00000000", m)

	cdh := sha256.Sum256(c.clientDataJSON)
	ref := certs[0].NotBefore.Add(time.Hour)
	_, err = c.verifyStatementAt(cdh[:], ref, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `TPM manufacturer "00000000", which the TCG vendor registry does not list`)

	_, err = c.verifyStatementAt(cdh[:], ref, []*x509.Certificate{testdataCertificate(t, "w3c-attestation-ca.pem")})
	assert.NoError(t, err, "the chain reaches the §16.1 CA the caller trusts")
}

func TestTCGVendor(t *testing.T) {
	assert.True(t, tcgVendor("4E544300"), "Nuvoton, upper case")
	assert.True(t, tcgVendor("49424d00"), "IBM, as the registry itself writes it in lower case")
	assert.False(t, tcgVendor("00000000"))
	assert.False(t, tcgVendor(""))
}
