package passkey

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// statements are every registration whose attestation statement keytier's
// reference-time procedures cover: the real samples and virtual ones.
func pastTimeStatements(t *testing.T) map[string]*Credential {
	t.Helper()
	out := map[string]*Credential{}
	all, err := samples.All()
	require.NoError(t, err)
	for _, s := range all {
		c, err := decode(s.Registration)
		require.NoError(t, err, s.Name)
		switch c.Format {
		case "packed", "fido-u2f", "tpm":
			if c.Attestation.Type != AttestationSelf {
				out[s.Name] = c
			}
		}
	}
	for _, tc := range []struct {
		name string
		att  passkeytest.Attestation
		alg  passkeytest.Algorithm
	}{
		{"virtual-packed-es256", passkeytest.AttestationPacked, passkeytest.ES256},
		{"virtual-packed-rs256", passkeytest.AttestationPacked, passkeytest.RS256},
		{"virtual-packed-eddsa", passkeytest.AttestationPacked, passkeytest.EdDSA},
		{"virtual-fido-u2f", passkeytest.AttestationFIDOU2F, passkeytest.ES256},
	} {
		opts := passkeytest.Options{Attestation: tc.att, Algorithm: tc.alg}
		if tc.att != passkeytest.AttestationFIDOU2F {
			opts.AAGUID = [16]byte{1, 2, 3}
		}
		a, err := passkeytest.New(opts)
		require.NoError(t, err)
		r, err := a.Register(passkeytest.RegisterOptions{RPID: "example.com", Origin: "https://example.com", Challenge: []byte("challenge")})
		require.NoError(t, err)
		c, err := decode(r.JSON)
		require.NoError(t, err)
		out[tc.name] = c
	}
	return out
}

// TestPastTimeAgreesWithGoWebAuthn: on every statement, keytier's own
// procedure reaches go-webauthn's verdict, for the genuine statement and
// for one with its signature or its authenticator data altered.
func TestPastTimeAgreesWithGoWebAuthn(t *testing.T) {
	for name, c := range pastTimeStatements(t) {
		cdh := sha256.Sum256(c.clientDataJSON)
		variants := map[string]func(*Credential){
			"genuine": func(*Credential) {},
			"signature flipped": func(c *Credential) {
				sig := append([]byte{}, c.att.AttStatement["sig"].([]byte)...)
				sig[len(sig)/2] ^= 0x01
				c.att.AttStatement = cloneMap(c.att.AttStatement)
				c.att.AttStatement["sig"] = sig
			},
			"sign count changed": func(c *Credential) {
				c.att.RawAuthData = append([]byte{}, c.att.RawAuthData...)
				c.att.RawAuthData[33] ^= 0x01
			},
		}
		for vname, mutate := range variants {
			t.Run(name+"/"+vname, func(t *testing.T) {
				cc := *c
				mutate(&cc)
				att := cc.att
				goErr := att.VerifyAttestation(cdh[:], nil, protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
				if goErr != nil && wallClockRefusal(protoMessage(goErr)) {
					t.Skip("go-webauthn refuses it for its clock; its verdict on the rest is unknown")
				}
				if cc.Format == "tpm" {
					// keytier performs only the steps after the clock check;
					// they must accept whatever go-webauthn accepted.
					if goErr == nil {
						_, err := cc.verifyStatementAt(cdh[:], time.Time{}, nil)
						assert.NoError(t, err)
					}
					return
				}
				_, err := cc.verifyStatementAt(cdh[:], time.Time{}, nil)
				assert.Equal(t, goErr == nil, err == nil, "go-webauthn: %v; keytier: %v", goErr, err)
			})
		}
	}
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func tpmSample(t *testing.T) (samples.Sample, VerifyOptions) {
	t.Helper()
	s, err := samples.Get("pywebauthn-windows-hello-tpm-rsa-surface-pro-4")
	require.NoError(t, err)
	ch, err := base64.RawURLEncoding.DecodeString(s.Challenge)
	require.NoError(t, err)
	return s, VerifyOptions{RPID: s.RPID, Origins: []string{s.Origin}, Challenge: ch, Algorithms: []int64{-257, -7}}
}

// The AIK certificate and its intermediate were valid until 2025-05-22;
// the test of the source ran in 2021.
func TestPastTimeTPM(t *testing.T) {
	s, opts := tpmSample(t)
	opts.Time = time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	c, err := Verify(s.Registration, opts)
	require.NoError(t, err)
	assert.Equal(t, AttestationAttCA, c.Attestation.Type)
	assert.True(t, c.Attestation.SignatureVerified)
	assert.Contains(t, strings.Join(c.Attestation.Notes, " "), "keytier performed it itself as of 2021-06-01")

	// Before the AIK was issued (2021-04-01) it fails for that reason.
	opts.Time = time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	_, err = Verify(s.Registration, opts)
	assert.Equal(t, CodeCertNotYetValid, CodeOf(err), "%v", err)
}

// TestPastTimeTPMStepOrder guards the assumption keytier's tpm path rests
// on: go-webauthn verifies the certInfo signature before its clock check,
// so a forged signature fails whatever the reference time.
func TestPastTimeTPMStepOrder(t *testing.T) {
	s, opts := tpmSample(t)
	c, err := decode(s.Registration)
	require.NoError(t, err)
	sig := append([]byte{}, c.att.AttStatement["sig"].([]byte)...)
	sig[10] ^= 0x01
	c.att.AttStatement = cloneMap(c.att.AttStatement)
	c.att.AttStatement["sig"] = sig
	cdh := sha256.Sum256(c.clientDataJSON)
	err = c.verifyStatement(cdh[:], &opts, time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC), time.Now())
	require.Error(t, err)
	assert.Equal(t, CodeSignatureInvalid, CodeOf(err), "%v", err)
}

// TestPastTimeTPMRemainder: the steps keytier performs after go-webauthn's
// clock check refuse what §8.3.1 refuses.
func TestPastTimeTPMRemainder(t *testing.T) {
	s, _ := tpmSample(t)
	c, err := decode(s.Registration)
	require.NoError(t, err)
	certs, err := c.Attestation.Certificates()
	require.NoError(t, err)
	aik := certs[0].Certificate
	require.NoError(t, c.tpmRemainderAt(c.att.AttStatement, aik))

	// The intermediate CA is no AIK.
	err = c.tpmRemainderAt(c.att.AttStatement, certs[1].Certificate)
	assert.Error(t, err)

	// certInfo must name pubArea: another pubArea (a byte of its unique
	// field changed) does not match.
	stmt := cloneMap(c.att.AttStatement)
	pub := append([]byte{}, stmt["pubArea"].([]byte)...)
	pub[len(pub)-1] ^= 0x01
	stmt["pubArea"] = pub
	err = c.tpmRemainderAt(stmt, aik)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not name pubArea")
}

// TestCheckCertAAGUID: an attestation certificate that names an AAGUID
// (YubiKey 5Ci's does) must name the one in the authenticator data.
func TestCheckCertAAGUID(t *testing.T) {
	s, err := samples.Get("yubico-yubikey-5ci-packed")
	require.NoError(t, err)
	c, err := decode(s.Registration)
	require.NoError(t, err)
	certs, err := c.Attestation.Certificates()
	require.NoError(t, err)
	leaf := certs[0].Certificate
	require.NoError(t, c.checkCertAAGUID(leaf, "packed"))
	other := *c
	other.AAGUID[0] ^= 0xff
	err = other.checkCertAAGUID(leaf, "packed")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not match")
}
