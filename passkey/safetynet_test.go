package passkey

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey/mds/mdstest"
)

// safetyNetSample is the real SafetyNet registration from py_webauthn's
// test (../shared/testdata/real), the relying party's options with GTS Root
// R1 as a root (the chain's anchor, so the test does not depend on the
// host's trust store), and the time the response was made, read from the
// JWS payload's timestampMs.
func safetyNetSample(t *testing.T) (samples.Sample, VerifyOptions, time.Time) {
	t.Helper()
	s, err := samples.Get("pywebauthn-android-safetynet")
	require.NoError(t, err)
	c, err := decode(s.Registration)
	require.NoError(t, err)
	resp, ok := c.att.AttStatement["response"].([]byte)
	require.True(t, ok)
	parts := strings.Split(string(resp), ".")
	require.Len(t, parts, 3)
	pb, err := decodeBase64(base64.RawURLEncoding, parts[1])
	require.NoError(t, err)
	var payload struct {
		TimestampMs int64 `json:"timestampMs"`
	}
	require.NoError(t, json.Unmarshal(pb, &payload))
	opts := sampleVerifyOptions(t, s)
	opts.Roots = []*x509.Certificate{testdataCertificate(t, "gts-root-r1.pem")}
	return s, opts, time.UnixMilli(payload.TimestampMs).UTC()
}

// TestSafetyNetAtRegistrationTime: the real SafetyNet statement verifies as
// of the time it was made and fails today, saying which time it used.
func TestSafetyNetAtRegistrationTime(t *testing.T) {
	s, opts, made := safetyNetSample(t)

	// go-webauthn refuses it for its own clock: its SafetyNet handler
	// passes time.Now to the chain verification and the timestamp check.
	c, err := decode(s.Registration)
	require.NoError(t, err)
	cdh := sha256.Sum256(c.clientDataJSON)
	goErr := c.att.VerifyAttestation(cdh[:], nil, protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
	require.Error(t, goErr)
	assert.True(t, wallClockRefusal(protoMessage(goErr)), "%v", protoMessage(goErr))

	ref := made.Add(10 * time.Second)
	opts.Time = ref
	c, err = Verify(s.Registration, opts)
	require.NoError(t, err)
	assert.Equal(t, AttestationBasic, c.Attestation.Type)
	assert.True(t, c.Attestation.SignatureVerified)
	assert.True(t, c.Attestation.Trusted, "notes: %v", c.Attestation.Notes)
	assert.Contains(t, strings.Join(c.Attestation.Notes, " "), "keytier performed it itself as of "+ref.Format(time.RFC3339))
	assert.Equal(t, ref, c.Verification.ReferenceTime)
	assert.False(t, c.Verification.ReferenceTimeIsNow)

	// Today: the JWS certificates have expired, and the error names the
	// reference time used.
	opts.Time = time.Time{}
	c, err = Verify(s.Registration, opts)
	require.Error(t, err)
	assert.Equal(t, CodeCertExpired, CodeOf(err), "%v", err)
	assert.True(t, c.Verification.ReferenceTimeIsNow)
	assert.Contains(t, err.Error(), "before the reference time "+c.Verification.ReferenceTime.Format(time.RFC3339))

	// go-webauthn's freshness window, at the reference time: not before the
	// response was made, at most one minute after.
	for _, tc := range []struct {
		ref  time.Time
		want string
	}{
		{made.Add(-time.Second), "after the reference time"},
		{made.Add(safetyNetMaxAge + time.Second), "more than 1m0s before the reference time"},
	} {
		opts.Time = tc.ref
		_, err := Verify(s.Registration, opts)
		require.Error(t, err)
		assert.Equal(t, CodeAttestationInvalid, CodeOf(err), "%v", err)
		assert.ErrorContains(t, err, tc.want)
	}
	opts.Time = made.Add(safetyNetMaxAge - time.Second)
	_, err = Verify(s.Registration, opts)
	assert.NoError(t, err)
}

// TestPastTimeInjectedNow: with VerifyOptions.Now set and no Time, the
// reference time is the injected now, and statements go-webauthn refuses
// for its wall clock are judged as of it, not as of the wall clock.
func TestPastTimeInjectedNow(t *testing.T) {
	s, opts, made := safetyNetSample(t)
	now := made.Add(10 * time.Second)
	opts.Now = func() time.Time { return now }
	c, err := Verify(s.Registration, opts)
	require.NoError(t, err)
	assert.True(t, c.Verification.ReferenceTimeIsNow)
	assert.Equal(t, now, c.Verification.ReferenceTime)
	assert.True(t, c.Attestation.SignatureVerified)

	ts, topts := tpmSample(t)
	tnow := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	topts.Now = func() time.Time { return tnow }
	c, err = Verify(ts.Registration, topts)
	require.NoError(t, err)
	assert.Equal(t, AttestationAttCA, c.Attestation.Type)
	assert.Equal(t, tnow, c.Verification.ReferenceTime)
}

// safetyNetPKI issues SafetyNet-like response signing certificates under a
// test root: a chain for attest.android.com unless host says otherwise.
type safetyNetPKI struct {
	root  *mdstest.CA
	inter *mdstest.CA
	key   *rsa.PrivateKey
}

func (p *safetyNetPKI) chain(t *testing.T, host string, notAfter time.Time) []*x509.Certificate {
	t.Helper()
	leaf := p.inter.Issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: host},
		DNSNames:    []string{host},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		NotAfter:    notAfter,
	}, &p.key.PublicKey)
	return []*x509.Certificate{leaf, p.inter.Certificate}
}

// jws signs header.payload with RS256 as SafetyNet does.
func (p *safetyNetPKI) jws(t *testing.T, header, payload map[string]any, certs []*x509.Certificate) []byte {
	t.Helper()
	x5c := []string{}
	for _, c := range certs {
		x5c = append(x5c, base64.StdEncoding.EncodeToString(c.Raw))
	}
	header = cloneMap(header)
	header["x5c"] = x5c
	h, err := json.Marshal(header)
	require.NoError(t, err)
	pl, err := json.Marshal(payload)
	require.NoError(t, err)
	signing := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(pl)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, digest[:])
	require.NoError(t, err)
	return []byte(signing + "." + base64.RawURLEncoding.EncodeToString(sig))
}

// TestSafetyNetAt: keytier's §8.5 procedure refuses what §8.5 and
// go-webauthn's checks refuse. The statements are signed by a test PKI
// (the real service's key is Google's) over the authenticator data and
// client data of the real sample.
func TestSafetyNetAt(t *testing.T) {
	s, _, _ := safetyNetSample(t)
	c, err := decode(s.Registration)
	require.NoError(t, err)
	cdh := sha256.Sum256(c.clientDataJSON)
	nonce := sha256.Sum256(slices.Concat(c.att.RawAuthData, cdh[:]))

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	root := mdstest.NewCA(t, "test SafetyNet root")
	pki := &safetyNetPKI{root: root, inter: root.NewIntermediate(t, "test SafetyNet CA"), key: key}
	ref := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	good := pki.chain(t, safetyNetHostname, time.Time{})

	type stmt struct {
		ver     string
		header  map[string]any
		payload map[string]any
		certs   []*x509.Certificate
		roots   []*x509.Certificate
		tamper  func([]byte) []byte
	}
	genuine := func() stmt {
		return stmt{
			ver:    "212621037",
			header: map[string]any{"alg": "RS256"},
			payload: map[string]any{
				"nonce":           base64.StdEncoding.EncodeToString(nonce[:]),
				"timestampMs":     ref.Add(-5 * time.Second).UnixMilli(),
				"ctsProfileMatch": true,
				"basicIntegrity":  true,
			},
			certs: good,
			roots: []*x509.Certificate{root.Certificate},
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*stmt)
		code   Code
		msg    string
	}{
		{"genuine", func(*stmt) {}, "", ""},
		{"ver zero", func(s *stmt) { s.ver = "0" }, CodeAttestationInvalid, "Google Play Services version"},
		{"alg ES256", func(s *stmt) { s.header["alg"] = "ES256" }, CodeAttestationInvalid, "RS256"},
		{"leaf expired", func(s *stmt) { s.certs = pki.chain(t, safetyNetHostname, ref.AddDate(0, 0, -1)) }, CodeCertExpired, "before the reference time 2030-01-01T00:00:00Z"},
		{"another hostname", func(s *stmt) { s.certs = pki.chain(t, "attest.example.com", time.Time{}) }, CodeAttestationInvalid, "attest.android.com"},
		{"unknown root", func(s *stmt) { s.roots = nil }, CodeAttestationInvalid, "does not verify"},
		{"signature altered", func(s *stmt) {
			s.tamper = func(b []byte) []byte {
				i := strings.LastIndexByte(string(b), '.')
				sig, err := base64.RawURLEncoding.DecodeString(string(b[i+1:]))
				require.NoError(t, err)
				sig[len(sig)/2] ^= 0x01
				return []byte(string(b[:i+1]) + base64.RawURLEncoding.EncodeToString(sig))
			}
		}, CodeSignatureInvalid, "signature"},
		{"nonce of other data", func(s *stmt) {
			other := sha256.Sum256([]byte("another registration"))
			s.payload["nonce"] = base64.StdEncoding.EncodeToString(other[:])
		}, CodeAttestationInvalid, "nonce"},
		{"ctsProfileMatch false", func(s *stmt) { s.payload["ctsProfileMatch"] = false }, CodeAttestationInvalid, "ctsProfileMatch"},
		{"made after the reference time", func(s *stmt) { s.payload["timestampMs"] = ref.Add(time.Second).UnixMilli() }, CodeAttestationInvalid, "after the reference time"},
		{"made two minutes before", func(s *stmt) { s.payload["timestampMs"] = ref.Add(-2 * time.Minute).UnixMilli() }, CodeAttestationInvalid, "more than 1m0s before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := genuine()
			tc.change(&st)
			resp := pki.jws(t, st.header, st.payload, st.certs)
			if st.tamper != nil {
				resp = st.tamper(resp)
			}
			att := map[string]any{"ver": st.ver, "response": resp}
			err := c.safetyNetAt(att, st.certs, cdh[:], ref, poolOf(st.roots))
			if tc.code == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.code, CodeOf(err), "%v", err)
			assert.ErrorContains(t, err, tc.msg)
		})
	}
}
