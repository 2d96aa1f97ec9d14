package main

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// trustFixture writes a virtual security key's registration, its test
// root, and a signed MDS BLOB describing it, and returns the flags that
// verify it.
func trustFixture(t *testing.T) (dir string, verify []string) {
	t.Helper()
	dir = t.TempDir()
	aaguid := uuid.MustParse("6b657974-6965-722d-636c-690000000001")
	key, err := passkeytest.New(passkeytest.Options{AAGUID: aaguid, Attestation: passkeytest.AttestationPacked, Algorithm: passkeytest.ES256})
	require.NoError(t, err)
	challenge := []byte("cli trust challenge")
	reg, err := key.Register(passkeytest.RegisterOptions{RPID: "example.com", Origin: "https://example.com", Challenge: challenge, UserVerified: true})
	require.NoError(t, err)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	write("reg.json", reg.JSON)
	write("attestation-root.pem", passkeytest.RootPEM())

	signer := mdstest.NewSigner(t)
	blob := mdstest.BuildBLOB(t, signer, mdstest.Payload{
		NextUpdate: time.Now().AddDate(0, 1, 0),
		Entries: []mdstest.Authenticator{{
			AAGUID:           aaguid,
			Description:      "keytier CLI Test Key",
			KeyProtection:    []string{"hardware", "secure_element"},
			AttachmentHint:   []string{"external"},
			RootCertificates: []*x509Cert{passkeytest.RootCertificate()},
			Status: []mdstest.Status{
				{Status: "FIDO_CERTIFIED_L2"},
				{Status: "FIPS140_CERTIFIED_L2", FIPSRevision: 3, FIPSPhysicalSecurityLevel: 2},
			},
		}},
	})
	write("blob.jwt", blob)
	write("mds-root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: signer.Root.Certificate.Raw}))
	return dir, []string{"--rp-id", "example.com", "--origin", "https://example.com", "--challenge", base64.RawURLEncoding.EncodeToString(challenge)}
}

func TestInspectTrustRoot(t *testing.T) {
	dir, verify := trustFixture(t)
	args := append([]string{"inspect", "--json", "--require-trusted", "--trust-root", filepath.Join(dir, "attestation-root.pem"), filepath.Join(dir, "reg.json")}, verify...)
	code, out, errOut := runCLI(t, "", args...)
	require.Equal(t, exitOK, code, errOut+out)
	r := decodeReport(t, out)
	assert.True(t, r.Credential.Attestation.Trusted)

	// Without the root, --require-trusted fails the credential.
	code, out, _ = runCLI(t, "", append([]string{"inspect", "--json", "--require-trusted", filepath.Join(dir, "reg.json")}, verify...)...)
	assert.Equal(t, exitFail, code)
	assert.Equal(t, "attestation_untrusted", decodeReport(t, out).Error.Code)
}

func TestInspectMDS(t *testing.T) {
	dir, verify := trustFixture(t)
	args := append([]string{"inspect", "--json", "--mds", filepath.Join(dir, "blob.jwt"), "--mds-root", filepath.Join(dir, "mds-root.pem"), filepath.Join(dir, "reg.json")}, verify...)
	code, out, errOut := runCLI(t, "", args...)
	require.Equal(t, exitOK, code, errOut+out)
	r := decodeReport(t, out)
	assert.True(t, r.Credential.Attestation.Trusted)
	assert.Equal(t, "keytier CLI Test Key", r.Credential.Authenticator)
	assert.Equal(t, "AAL3", r.Assurance.AAL, "attested, device-bound, hardware, user-verified")

	// A BLOB signed under another root is refused as a usage error.
	code, _, errOut = runCLI(t, "", append([]string{"inspect", "--mds", filepath.Join(dir, "blob.jwt"), "--mds-root", filepath.Join(dir, "attestation-root.pem"), filepath.Join(dir, "reg.json")}, verify...)...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--mds")
}

// TestInspectMDSCard: the human card shows what the MDS entry says, not
// only the JSON.
func TestInspectMDSCard(t *testing.T) {
	dir, verify := trustFixture(t)
	args := append([]string{"inspect", "--mds", filepath.Join(dir, "blob.jwt"), "--mds-root", filepath.Join(dir, "mds-root.pem"), filepath.Join(dir, "reg.json")}, verify...)
	code, out, errOut := runCLI(t, "", args...)
	require.Equal(t, exitOK, code, errOut+out)
	for _, want := range []string{
		`FIDO MDS\s+keytier CLI Test Key\n`,
		`key protection\s+hardware, secure_element\n`,
		`attachment hint\s+external\n`,
		`certification\s+FIDO_CERTIFIED_L2\n`,
		`FIPS 140\s+level 2\n`,
		`status\s+FIDO_CERTIFIED_L2, FIPS140_CERTIFIED_L2\n`,
		`BLOB next update\s+` + time.Now().AddDate(0, 1, 0).UTC().Format("2006-01-02") + `T00:00:00Z\n`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("card lacks %s", want)
		}
	}
	assert.NotContains(t, out, "passed: fetch a fresh BLOB")
}

type x509Cert = x509.Certificate

// TestInspectMDSWithoutEntry: a BLOB that does not list the authenticator
// still says which BLOB was read and when it is due to be replaced.
func TestInspectMDSWithoutEntry(t *testing.T) {
	dir, verify := trustFixture(t)
	signer := mdstest.NewSigner(t)
	next := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	blob := mdstest.BuildBLOB(t, signer, mdstest.Payload{
		NextUpdate: next,
		Entries:    []mdstest.Authenticator{{AAGUID: uuid.MustParse("6b657974-6965-722d-636c-6900000000ff"), Description: "another key"}},
	})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.jwt"), blob, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other-root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: signer.Root.Certificate.Raw}), 0o600))
	args := append([]string{"inspect", "--mds", filepath.Join(dir, "other.jwt"), "--mds-root", filepath.Join(dir, "other-root.pem"), filepath.Join(dir, "reg.json")}, verify...)
	code, out, errOut := runCLI(t, "", args...)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "The MDS BLOB (next update 2027-03-01) has no entry for this authenticator.")
	assert.NotRegexp(t, `(?m)^\s+FIDO MDS\s`, out, "no MDS row without an entry")
}
