package passkey_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/passkey/passkeytest"
)

const (
	testRPID   = "login.example.com"
	testOrigin = "https://login.example.com"
)

var (
	testChallenge = []byte("keytier test challenge, 32 bytes")
	testAAGUID    = uuid.MustParse("6b657974-6965-722d-7465-737400000001")
)

func newAuthenticator(t testing.TB, att passkeytest.Attestation, alg passkeytest.Algorithm) *passkeytest.Authenticator {
	t.Helper()
	opts := passkeytest.Options{Attestation: att, Algorithm: alg, Transports: []string{"usb"}, Attachment: "cross-platform"}
	if att != passkeytest.AttestationFIDOU2F {
		opts.AAGUID = testAAGUID
	}
	a, err := passkeytest.New(opts)
	require.NoError(t, err)
	return a
}

func register(t testing.TB, a *passkeytest.Authenticator, mod func(*passkeytest.RegisterOptions)) []byte {
	t.Helper()
	o := passkeytest.RegisterOptions{RPID: testRPID, Origin: testOrigin, Challenge: testChallenge, UserVerified: true}
	if mod != nil {
		mod(&o)
	}
	r, err := a.Register(o)
	require.NoError(t, err)
	return r.JSON
}

func testOptions() passkey.VerifyOptions {
	return passkey.VerifyOptions{
		RPID:       testRPID,
		Origins:    []string{testOrigin},
		Challenge:  testChallenge,
		Algorithms: passkey.RecommendedAlgorithms(),
	}
}

func TestVerifyVirtualAuthenticators(t *testing.T) {
	for _, tc := range []struct {
		att     passkeytest.Attestation
		alg     passkeytest.Algorithm
		attType string
	}{
		{passkeytest.AttestationNone, passkeytest.ES256, "none"},
		{passkeytest.AttestationPackedSelf, passkeytest.ES256, "self"},
		{passkeytest.AttestationPackedSelf, passkeytest.EdDSA, "self"},
		{passkeytest.AttestationPacked, passkeytest.ES256, "basic"},
		{passkeytest.AttestationPacked, passkeytest.RS256, "basic"},
		{passkeytest.AttestationPacked, passkeytest.EdDSA, "basic"},
		{passkeytest.AttestationFIDOU2F, passkeytest.ES256, "basic"},
	} {
		t.Run(tc.att.String()+"/"+tc.alg.String(), func(t *testing.T) {
			a := newAuthenticator(t, tc.att, tc.alg)
			c, err := passkey.Verify(register(t, a, nil), testOptions())
			require.NoError(t, err)
			assert.Equal(t, tc.att.Format(), c.Format)
			assert.Equal(t, tc.attType, c.Attestation.Type)
			assert.Equal(t, int64(tc.alg), c.PublicKeyAlgorithm)
			assert.Equal(t, tc.att != passkeytest.AttestationNone, c.Attestation.SignatureVerified)
			assert.False(t, c.Attestation.Trusted, "no anchors given")
			assert.Equal(t, []string{"usb"}, c.Transports)
			assert.Equal(t, "cross-platform", c.Attachment)
			assert.True(t, c.Verification.ReferenceTimeIsNow)
			for _, s := range c.Verification.Steps {
				assert.True(t, s.OK, s.Check)
			}
		})
	}
}

// TestVerifyRejects: every rejection has its own code.
func TestVerifyRejects(t *testing.T) {
	packed := newAuthenticator(t, passkeytest.AttestationPacked, passkeytest.ES256)
	none := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	for _, tc := range []struct {
		name  string
		a     *passkeytest.Authenticator
		reg   func(*passkeytest.RegisterOptions)
		opts  func(*passkey.VerifyOptions)
		code  passkey.Code
		where string
	}{
		{name: "wrong RP id", a: packed, opts: func(o *passkey.VerifyOptions) { o.RPID = "example.com" }, code: passkey.CodeRPIDMismatch, where: "authData.rpIdHash"},
		{name: "authenticator used another RP id", a: packed, reg: func(o *passkeytest.RegisterOptions) { o.Tamper.RPID = "evil.example" }, code: passkey.CodeRPIDMismatch},
		{name: "wrong origin", a: packed, reg: func(o *passkeytest.RegisterOptions) { o.Origin = "https://login.example.com.evil.test" }, code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin"},
		{name: "origin not allowed", a: packed, opts: func(o *passkey.VerifyOptions) { o.Origins = []string{"https://other.example.com"} }, code: passkey.CodeOriginMismatch},
		{name: "wrong challenge", a: packed, opts: func(o *passkey.VerifyOptions) { o.Challenge = []byte("another challenge") }, code: passkey.CodeChallengeMismatch, where: "clientDataJSON.challenge"},
		{name: "assertion type", a: packed, reg: func(o *passkeytest.RegisterOptions) { o.Type = "webauthn.get" }, code: passkey.CodeClientDataType},
		{name: "cross-origin not allowed", a: packed, reg: func(o *passkeytest.RegisterOptions) { o.CrossOrigin = true }, code: passkey.CodeCrossOrigin},
		{name: "top origin not allowed", a: packed, reg: func(o *passkeytest.RegisterOptions) {
			o.CrossOrigin, o.TopOrigin = true, "https://embedder.example"
		}, opts: func(o *passkey.VerifyOptions) {
			o.AllowCrossOrigin, o.TopOrigins = true, []string{"https://partner.example"}
		}, code: passkey.CodeTopOriginMismatch},
		{name: "bad signature", a: packed, reg: func(o *passkeytest.RegisterOptions) { o.Tamper.CorruptSignature = true }, code: passkey.CodeSignatureInvalid, where: "attStmt.sig"},
		{name: "authenticator data changed after signing", a: packed, reg: func(o *passkeytest.RegisterOptions) {
			o.Tamper.AuthenticatorData = func(b []byte) []byte { b[33] ^= 0x01; return b } // sign count
		}, code: passkey.CodeSignatureInvalid},
		{name: "clientDataJSON changed after signing", a: packed, reg: func(o *passkeytest.RegisterOptions) {
			o.Tamper.ClientDataJSON = func(b []byte) []byte { return bytes.Replace(b, []byte(`"type"`), []byte(`"type" `), 1) }
		}, code: passkey.CodeSignatureInvalid},
		{name: "BS without BE", a: none, reg: func(o *passkeytest.RegisterOptions) { o.BackedUp = true }, code: passkey.CodeFlagsInconsistent, where: "authData.flags"},
		{name: "user not present", a: none, reg: func(o *passkeytest.RegisterOptions) { o.OmitUserPresence = true }, code: passkey.CodeUserNotPresent},
		{name: "user verification required", a: none, reg: func(o *passkeytest.RegisterOptions) { o.UserVerified = false },
			opts: func(o *passkey.VerifyOptions) { o.RequireUserVerification = true }, code: passkey.CodeUserNotVerified},
		{name: "algorithm not offered", a: packed, opts: func(o *passkey.VerifyOptions) { o.Algorithms = []int64{-257} }, code: passkey.CodeAlgNotAllowed},
		{name: "unrequested authenticator extension", a: none, reg: func(o *passkeytest.RegisterOptions) { o.Extensions = map[string]any{"credProtect": uint64(2)} },
			opts: func(o *passkey.VerifyOptions) { o.Extensions = []string{} }, code: passkey.CodeExtensionUnexpected, where: "authData.extensions.credProtect"},
		{name: "unrequested client extension", a: none, reg: func(o *passkeytest.RegisterOptions) {
			o.ClientExtensionResults = map[string]any{"credProps": map[string]any{"rk": true}}
		},
			opts: func(o *passkey.VerifyOptions) { o.Extensions = []string{"credProtect"} }, code: passkey.CodeExtensionUnexpected, where: "clientExtensionResults.credProps"},
		{name: "untrusted attestation required", a: packed, opts: func(o *passkey.VerifyOptions) { o.RequireTrustedAttestation = true }, code: passkey.CodeUntrusted},
		{name: "certificate not yet valid at reference time", a: packed, opts: func(o *passkey.VerifyOptions) { o.Time = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC) }, code: passkey.CodeCertNotYetValid, where: "attStmt.x5c[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			c, err := passkey.Verify(register(t, tc.a, tc.reg), opts)
			require.Error(t, err)
			require.NotNil(t, c, "a verification failure keeps the decoded credential")
			var pe *passkey.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.code, pe.Code, "%v", err)
			if tc.where != "" {
				assert.Equal(t, tc.where, pe.Where)
			}
			last := c.Verification.Steps[len(c.Verification.Steps)-1]
			assert.False(t, last.OK, "the failing step is recorded last")
		})
	}
}

func TestVerifyAcceptsRequestedExtensions(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	data := register(t, a, func(o *passkeytest.RegisterOptions) {
		o.Extensions = map[string]any{"credProtect": uint64(2)}
		o.ClientExtensionResults = map[string]any{"credProps": map[string]any{"rk": true}}
	})
	opts := testOptions()
	opts.Extensions = []string{"credProtect", "credProps"}
	c, err := passkey.Verify(data, opts)
	require.NoError(t, err)
	assert.EqualValues(t, 2, c.Extensions.Authenticator["credProtect"])
	assert.JSONEq(t, `{"credProps":{"rk":true}}`, string(c.Extensions.Client))
}

// TestVerifyResponseEchoes: the response's unsigned copies of what the
// authenticator signed (§5.2.1 getAuthenticatorData, getPublicKey,
// getPublicKeyAlgorithm) must agree with the attestation object. Inspect
// reports a disagreement as a warning; Verify fails on it.
func TestVerifyResponseEchoes(t *testing.T) {
	es256 := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	otherSPKI, err := x509.MarshalPKIXPublicKey(&otherKey.PublicKey)
	require.NoError(t, err)
	rsaSPKI := responseMember(t, register(t, newAuthenticator(t, passkeytest.AttestationNone, passkeytest.RS256), nil), "publicKey")

	for _, tc := range []struct {
		name  string
		a     *passkeytest.Authenticator
		edit  func(resp map[string]any)
		where string // "" for a response whose echoes agree
	}{
		{name: "ES256 as sent", a: es256},
		{name: "EdDSA as sent", a: newAuthenticator(t, passkeytest.AttestationNone, passkeytest.EdDSA)},
		{name: "RS256 as sent", a: newAuthenticator(t, passkeytest.AttestationNone, passkeytest.RS256)},
		{name: "publicKeyAlgorithm of another algorithm", a: es256, where: "response.publicKeyAlgorithm",
			edit: func(r map[string]any) { r["publicKeyAlgorithm"] = -257 }},
		{name: "publicKey of another P-256 key", a: es256, where: "response.publicKey",
			edit: func(r map[string]any) { r["publicKey"] = base64.RawURLEncoding.EncodeToString(otherSPKI) }},
		{name: "publicKey of an RSA key", a: es256, where: "response.publicKey",
			edit: func(r map[string]any) { r["publicKey"] = rsaSPKI }},
		{name: "publicKey not a SubjectPublicKeyInfo", a: es256, where: "response.publicKey",
			edit: func(r map[string]any) { r["publicKey"] = base64.RawURLEncoding.EncodeToString([]byte("not a key")) }},
		{name: "authenticatorData with another sign count", a: es256, where: "response.authenticatorData",
			edit: func(r map[string]any) {
				ad := mustBase64URL(r["authenticatorData"].(string))
				ad[36] ^= 0x01
				r["authenticatorData"] = base64.RawURLEncoding.EncodeToString(ad)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := register(t, tc.a, nil)
			if tc.edit != nil {
				data = editJSON(t, data, func(m map[string]any) { tc.edit(m["response"].(map[string]any)) })
			}

			c, err := passkey.Inspect(data)
			require.NoError(t, err, "inspection reports, it does not judge")
			_, verr := passkey.Verify(data, testOptions())
			if tc.where == "" {
				assert.Empty(t, c.Warnings)
				assert.NoError(t, verr)
				return
			}
			require.Len(t, c.Warnings, 1)
			assert.Contains(t, c.Warnings[0], "response_inconsistent at "+tc.where)

			var pe *passkey.Error
			require.ErrorAs(t, verr, &pe)
			assert.Equal(t, passkey.CodeResponseMismatch, pe.Code, "%v", verr)
			assert.Equal(t, tc.where, pe.Where)
		})
	}
}

// responseMember returns a string member of a registration response's
// response object.
func responseMember(t *testing.T, data []byte, name string) string {
	t.Helper()
	var m struct {
		Response map[string]any `json:"response"`
	}
	require.NoError(t, json.Unmarshal(data, &m))
	v, ok := m.Response[name].(string)
	require.True(t, ok, "response.%s is a string", name)
	return v
}

func TestVerifyTrustRoots(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationPacked, passkeytest.ES256)
	opts := testOptions()
	opts.Roots = append(opts.Roots, passkeytest.RootCertificate())
	opts.RequireTrustedAttestation = true
	c, err := passkey.Verify(register(t, a, nil), opts)
	require.NoError(t, err)
	assert.True(t, c.Attestation.Trusted)
	assert.Equal(t, "root", c.Attestation.TrustedBy)

	// The chain is checked at the reference time, not only now.
	opts.Time = time.Date(2130, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = passkey.Verify(register(t, a, nil), opts)
	assert.Equal(t, passkey.CodeCertExpired, passkey.CodeOf(err))

	// Another root does not vouch for it.
	other := mdstest.NewCA(t, "unrelated root")
	opts = testOptions()
	opts.Roots = append(opts.Roots, other.Certificate)
	c, err = passkey.Verify(register(t, a, nil), opts)
	require.NoError(t, err)
	assert.False(t, c.Attestation.Trusted)
	assert.Contains(t, c.Attestation.Notes[0], "does not reach a trust anchor")
}

// mdsFor builds and loads a BLOB describing the virtual authenticator.
func mdsFor(t testing.TB, a mdstest.Authenticator, nextUpdate time.Time) *mds.BLOB {
	t.Helper()
	s := mdstest.NewSigner(t)
	blob := mdstest.BuildBLOB(t, s, mdstest.Payload{NextUpdate: nextUpdate, Entries: []mdstest.Authenticator{a}})
	b, err := mds.Load(blob, mds.Options{Root: s.Root.Certificate})
	require.NoError(t, err)
	return b
}

func TestVerifyWithMDS(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationPacked, passkeytest.ES256)
	entry := mdstest.Authenticator{
		AAGUID:           testAAGUID,
		Description:      "keytier Test Key",
		KeyProtection:    []string{"hardware", "secure_element"},
		AttachmentHint:   []string{"external", "wired"},
		RootCertificates: []*x509Certificate{passkeytest.RootCertificate()},
		Status:           []mdstest.Status{{Status: "FIDO_CERTIFIED_L2", EffectiveDate: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	opts := testOptions()
	opts.MDS = mdsFor(t, entry, time.Now().AddDate(0, 1, 0))
	c, err := passkey.Verify(register(t, a, nil), opts)
	require.NoError(t, err)
	assert.True(t, c.Attestation.Trusted)
	assert.Equal(t, "mds", c.Attestation.TrustedBy)
	assert.Equal(t, "keytier Test Key", c.Authenticator, "named by MDS when the catalog does not know it")
	assert.Equal(t, "securityKey", c.AuthenticatorKind, "attachmentHint external")
	require.NotNil(t, c.Attestation.Metadata)
	assert.Equal(t, "FIDO_CERTIFIED_L2", c.Attestation.Metadata.CertificationLevel)
	assert.False(t, c.Attestation.Metadata.Stale)
	assert.Equal(t, passkey.DeviceBound, c.PasskeyType)
	assert.Equal(t, passkey.High, c.Backup.Confidence)

	// Trusted, device-bound, hardware, UV: AAL3.
	res := c.Classify()
	assert.Equal(t, assurance.AAL3, res.AAL)
	assert.True(t, res.PhishingResistant)

	// A stale BLOB still works, with a warning.
	opts.MDS = mdsFor(t, entry, time.Now().AddDate(0, 0, -3))
	c, err = passkey.Verify(register(t, a, nil), opts)
	require.NoError(t, err)
	assert.True(t, c.Attestation.Metadata.Stale)
	require.NotEmpty(t, c.Warnings)
	assert.Contains(t, c.Warnings[0], "nextUpdate")

	// Revoked authenticators fail unless explicitly allowed.
	entry.Status = append(entry.Status, mdstest.Status{Status: "REVOKED", EffectiveDate: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	opts.MDS = mdsFor(t, entry, time.Now().AddDate(0, 1, 0))
	_, err = passkey.Verify(register(t, a, nil), opts)
	assert.Equal(t, passkey.CodeAuthenticatorStatus, passkey.CodeOf(err))
	opts.AllowRevoked = true
	c, err = passkey.Verify(register(t, a, nil), opts)
	require.NoError(t, err)
	assert.True(t, c.Attestation.Metadata.Revoked)
}

func TestVerifyFIDOU2FWithMDSKeyIdentifier(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationFIDOU2F, passkeytest.ES256)
	ski := a.Chain()[0].SubjectKeyId
	require.NotEmpty(t, ski)
	opts := testOptions()
	opts.MDS = mdsFor(t, mdstest.Authenticator{
		KeyIdentifiers:   []string{hexOf(ski)},
		Description:      "keytier Test U2F Key",
		RootCertificates: []*x509Certificate{passkeytest.RootCertificate()},
	}, time.Now().AddDate(0, 1, 0))
	c, err := passkey.Verify(register(t, a, nil), opts)
	require.NoError(t, err)
	assert.Equal(t, uuid.Nil, c.AAGUID)
	assert.Equal(t, "keytier Test U2F Key", c.Authenticator, "MDS names a key the AAGUID does not")
	assert.True(t, c.Attestation.Trusted)
	assert.Equal(t, "keytier Test U2F Key", c.Attestation.Metadata.Description)
}

// TestBackupVerdict covers the synced/device-bound decision and its
// confidence, including the disagreement cases.
func TestBackupVerdict(t *testing.T) {
	icloud := uuid.MustParse("fbfc3007-154e-4ecc-8c0b-6e020557d7bd")
	yubikey := uuid.MustParse("fa2b99dc-9e39-4257-8f92-4a30d23c4118")
	for _, tc := range []struct {
		name       string
		aaguid     uuid.UUID
		be, bs     bool
		want       passkey.PasskeyType
		confidence passkey.Confidence
		agree      bool
	}{
		{"iCloud Keychain, BE=1", icloud, true, true, passkey.Synced, passkey.Medium, true},
		{"iCloud Keychain registered with BE=0", icloud, false, false, passkey.Synced, passkey.Low, false},
		{"security key, BE=0", yubikey, false, false, passkey.DeviceBound, passkey.Medium, true},
		{"security key claiming BE=1", yubikey, true, false, passkey.Synced, passkey.Low, false},
		{"unknown authenticator, BE=0", testAAGUID, false, false, passkey.DeviceBound, passkey.Low, true},
		{"unknown authenticator, BE=1", testAAGUID, true, false, passkey.Synced, passkey.Low, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := passkeytest.New(passkeytest.Options{AAGUID: tc.aaguid, Attestation: passkeytest.AttestationNone})
			require.NoError(t, err)
			c, err := passkey.Verify(register(t, a, func(o *passkeytest.RegisterOptions) {
				o.BackupEligible, o.BackedUp = tc.be, tc.bs
			}), testOptions())
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.PasskeyType)
			assert.Equal(t, tc.confidence, c.Backup.Confidence)
			assert.Equal(t, tc.agree, c.Backup.Agree)
			assert.NotEmpty(t, c.Backup.Explanation)
			if !tc.agree {
				assert.Contains(t, c.Backup.Explanation[len(c.Backup.Explanation)-1], "disagrees")
			}
			// Without a trusted attestation nothing reaches AAL3.
			assert.NotEqual(t, assurance.AAL3, c.Classify().AAL)
		})
	}
}

func TestCredentialIDTooLong(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	data := register(t, a, func(o *passkeytest.RegisterOptions) { o.CredentialID = bytes.Repeat([]byte{7}, 1024) })
	_, err := passkey.Inspect(data)
	assert.Equal(t, passkey.CodeCredentialIDLength, passkey.CodeOf(err))
	// 1023 bytes is the limit itself (W3C vector NoneES256LongCredentialID).
	data = register(t, a, func(o *passkeytest.RegisterOptions) { o.CredentialID = bytes.Repeat([]byte{7}, 1023) })
	_, err = passkey.Verify(data, testOptions())
	assert.NoError(t, err)
}

func TestReportJSONContract(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationPacked, passkeytest.ES256)
	r := passkey.Analyze(register(t, a, nil), ptr(testOptions()))
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, true, m["ok"])
	assert.Nil(t, m["error"])
	cred := m["credential"].(map[string]any)
	for _, k := range []string{"format", "aaguid", "authenticator", "credentialId", "publicKeyAlgorithm", "flags", "passkeyType", "attestation"} {
		assert.Contains(t, cred, k)
	}
	assert.Equal(t, float64(-7), cred["publicKeyAlgorithm"])
	assert.Equal(t, testAAGUID.String(), cred["aaguid"])
	flags := cred["flags"].(map[string]any)
	for _, k := range []string{"up", "uv", "be", "bs", "at", "ed"} {
		assert.IsType(t, true, flags[k], k)
	}
	att := cred["attestation"].(map[string]any)
	assert.Equal(t, "basic", att["type"])
	assert.Equal(t, true, att["signatureVerified"])
	assert.Equal(t, false, att["trusted"])
	as := m["assurance"].(map[string]any)
	assert.Contains(t, []any{"AAL1", "AAL2", "AAL3", "none"}, as["aal"])
	assert.IsType(t, true, as["phishingResistant"])
	reasons := as["reasons"].([]any)
	require.NotEmpty(t, reasons)
	for _, k := range []string{"rule", "citation", "outcome", "admin", "plain"} {
		assert.Contains(t, reasons[0].(map[string]any), k)
	}

	// A failure: ok false, an error with a code, the credential kept, no assurance.
	r = passkey.Analyze(register(t, a, func(o *passkeytest.RegisterOptions) { o.Origin = "https://evil.test" }), ptr(testOptions()))
	b, err = json.Marshal(r)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, false, m["ok"])
	assert.Equal(t, "origin_mismatch", m["error"].(map[string]any)["code"])
	assert.NotNil(t, m["credential"])
	assert.Nil(t, m["assurance"])
}

func TestRPIDHashIsSHA256(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	c, err := passkey.Inspect(register(t, a, nil))
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(testRPID))
	assert.Equal(t, sum[:], []byte(c.RPIDHash))
}

// TestClientDataStrict: clientDataJSON members match exactly and appear
// once; encoding/json would accept both of these.
func TestClientDataStrict(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	for _, tc := range []struct {
		name   string
		tamper func([]byte) []byte
	}{
		{"repeated challenge", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"challenge":`), []byte(`"challenge":"AAAA","challenge":`), 1)
		}},
		{"case-variant member", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"origin":`), []byte(`"Origin":"https://evil.test","origin":`), 1)
		}},
		{"not an object", func([]byte) []byte { return []byte(`["webauthn.create"]`) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := register(t, a, func(o *passkeytest.RegisterOptions) { o.Tamper.ClientDataJSON = tc.tamper })
			_, err := passkey.Inspect(data)
			require.Error(t, err)
			assert.Equal(t, passkey.CodeClientDataInvalid, passkey.CodeOf(err), "%v", err)
			assert.Contains(t, err.Error(), "response.clientDataJSON")
		})
	}
}

// TestUnsupportedAlgorithm: a credential public key whose COSE algorithm
// keytier cannot verify (here -260, unassigned) is refused when decoding.
func TestUnsupportedAlgorithm(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	data := register(t, a, func(o *passkeytest.RegisterOptions) {
		o.Tamper.AuthenticatorData = func(ad []byte) []byte {
			// The COSE key is the last item; its alg member is 03 26 (-7).
			i := bytes.Index(ad[55:], []byte{0x03, 0x26})
			require.Positive(t, i)
			i += 55
			return slices.Concat(ad[:i], []byte{0x03, 0x39, 0x01, 0x03}, ad[i+2:])
		}
	})
	_, err := passkey.Inspect(data)
	require.Error(t, err)
	assert.Equal(t, passkey.CodeAlgUnsupported, passkey.CodeOf(err), "%v", err)
	assert.Contains(t, err.Error(), "-260")
}
