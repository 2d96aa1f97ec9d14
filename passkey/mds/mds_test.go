package mds_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/metadata"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/mds/mdstest"
)

var (
	now       = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock     = func() time.Time { return now }
	l2AAGUID  = uuid.MustParse("11111111-2222-4333-8444-555555555555")
	badAAGUID = uuid.MustParse("66666666-7777-4888-9999-aaaaaaaaaaaa")
	u2fSKI    = "AABBCCDDEEFF00112233445566778899AABBCCDD"
)

// fixture is a signed BLOB with three fake authenticators: an L2-certified,
// FIPS-validated security key; a revoked one; a fido-u2f key listed by key
// identifier.
type fixture struct {
	signer *mdstest.Signer
	attCA  *mdstest.CA
	blob   []byte
}

func newFixture(t testing.TB, signer *mdstest.Signer) fixture {
	attCA := mdstest.NewCA(t, "Test Authenticator Attestation Root")
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	p := mdstest.Payload{
		Number:      42,
		NextUpdate:  day(2026, 4, 1),
		LegalHeader: "test legal header",
		Entries: []mdstest.Authenticator{
			{
				AAGUID:                       l2AAGUID,
				Description:                  "Test Security Key L2",
				KeyProtection:                []string{"hardware", "secure_element"},
				AttachmentHint:               []string{"external", "wired", "nfc"},
				AttestationTypes:             []string{"basic_full"},
				RootCertificates:             []*x509.Certificate{attCA.Certificate},
				MultiDeviceCredentialSupport: "unsupported",
				Status: []mdstest.Status{
					{Status: "FIDO_CERTIFIED_L1", EffectiveDate: day(2022, 1, 10), CertificateNumber: "FIDO20020220110001"},
					{Status: "FIDO_CERTIFIED_L2", EffectiveDate: day(2023, 6, 1), CertificateNumber: "FIDO20020230601002", CertificationPolicyVersion: "1.4.0", CertificationRequirementsVersion: "1.5.0"},
					{Status: "FIPS140_CERTIFIED_L2", EffectiveDate: day(2024, 2, 1), CertificateNumber: "4567", CertificationDescriptor: "Test Key FIPS module", CertificationPolicyVersion: "FIPS 140-3", CertificationRequirementsVersion: "ISO/IEC 19790", FIPSRevision: 3, FIPSPhysicalSecurityLevel: 3},
					{Status: "FIDO_CERTIFIED_L3", EffectiveDate: day(2027, 1, 1)}, // not yet in effect
					{Status: "UPDATE_AVAILABLE", EffectiveDate: day(2025, 1, 1)},
				},
			},
			{
				AAGUID:           badAAGUID,
				Description:      "Test Revoked Key",
				KeyProtection:    []string{"software"},
				AttachmentHint:   []string{"internal"},
				RootCertificates: []*x509.Certificate{attCA.Certificate},
				Status: []mdstest.Status{
					{Status: "FIDO_CERTIFIED_L1", EffectiveDate: day(2021, 1, 1)},
					{Status: "REVOKED", EffectiveDate: day(2025, 5, 5)},
					{Status: "USER_VERIFICATION_BYPASS", EffectiveDate: day(2025, 5, 1)},
				},
			},
			{
				KeyIdentifiers:   []string{u2fSKI},
				Description:      "Test U2F Key",
				KeyProtection:    []string{"hardware"},
				AttachmentHint:   []string{"external", "wired"},
				RootCertificates: []*x509.Certificate{attCA.Certificate},
				Status:           []mdstest.Status{{Status: "FIDO_CERTIFIED", EffectiveDate: day(2018, 1, 1)}},
			},
		},
	}
	return fixture{signer: signer, attCA: attCA, blob: mdstest.BuildBLOB(t, signer, p)}
}

func (f fixture) opts() mds.Options { return mds.Options{Root: f.signer.Root.Certificate, Now: clock} }

func TestLoadGoodBLOB(t *testing.T) {
	for _, tc := range []struct {
		name   string
		signer func(testing.TB) *mdstest.Signer
	}{
		{"ES256", mdstest.NewSigner},
		{"RS256", mdstest.NewRSASigner},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.signer(t))
			b, err := mds.Load(f.blob, f.opts())
			require.NoError(t, err)
			assert.Equal(t, 42, b.Number)
			assert.Equal(t, "test legal header", b.LegalHeader)
			assert.Equal(t, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), b.NextUpdate)
			assert.Equal(t, f.signer.Leaf.Raw, b.SigningCertificate.Raw)
			assert.Empty(t, b.Skipped)
			assert.Len(t, b.Entries(), 3)
			assert.False(t, b.Stale(now))
		})
	}
}

func TestLoadAgreesWithGoWebauthnDecoder(t *testing.T) {
	// The BLOBs mdstest builds are also accepted by go-webauthn's own decoder,
	// so tests built on them exercise the real format. (Test certificates have
	// no CRL or OCSP URLs, so DecodeBytes does no network I/O here.)
	f := newFixture(t, mdstest.NewSigner(t))
	dec, err := metadata.NewDecoder(metadata.WithRootCertificate(base64.StdEncoding.EncodeToString(f.signer.Root.Certificate.Raw)))
	require.NoError(t, err)
	payload, err := dec.DecodeBytes(f.blob)
	require.NoError(t, err)
	parsed, err := dec.Parse(payload)
	require.NoError(t, err)
	assert.Equal(t, 42, parsed.Parsed.Number)
	assert.Len(t, parsed.Parsed.Entries, 3)
}

func TestEntryMapping(t *testing.T) {
	f := newFixture(t, mdstest.NewSigner(t))
	b, err := mds.Load(f.blob, f.opts())
	require.NoError(t, err)

	t.Run("L2 certified", func(t *testing.T) {
		e, ok := b.Lookup(l2AAGUID)
		require.True(t, ok)
		assert.Equal(t, l2AAGUID, e.AAGUID)
		assert.Equal(t, "Test Security Key L2", e.Description)
		assert.Equal(t, "fido2", e.ProtocolFamily)
		assert.Equal(t, []string{"hardware", "secure_element"}, e.KeyProtection)
		assert.Equal(t, []string{"external", "wired", "nfc"}, e.AttachmentHint)
		assert.Equal(t, []string{"basic_full"}, e.AttestationTypes)
		assert.Equal(t, "unsupported", e.MultiDeviceCredentialSupport)
		require.Len(t, e.RootCertificates, 1)
		assert.True(t, e.RootCertificates[0].Equal(f.attCA.Certificate))
		// L3 is listed but not yet in effect; L2 is the highest current level.
		assert.Equal(t, "FIDO_CERTIFIED_L2", e.CertificationLevel)
		assert.False(t, e.Revoked)
		assert.False(t, e.Compromised)
		assert.False(t, e.Retired)
		require.Len(t, e.Status, 5)
		assert.Equal(t, mds.StatusReport{
			Status:                           "FIDO_CERTIFIED_L2",
			EffectiveDate:                    time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC),
			CertificateNumber:                "FIDO20020230601002",
			CertificationPolicyVersion:       "1.4.0",
			CertificationRequirementsVersion: "1.5.0",
		}, e.Status[1])
		assert.Equal(t, &mds.FIPSCertification{
			Level: 2, Revision: 3, PhysicalSecurityLevel: 3,
			CertificateNumber: "4567", Descriptor: "Test Key FIPS module",
			PolicyVersion: "FIPS 140-3", RequirementsVersion: "ISO/IEC 19790",
			EffectiveDate: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
			Source:        "statusReport",
		}, e.FIPS)
		assert.NotNil(t, e.Metadata)
	})

	t.Run("revoked", func(t *testing.T) {
		e, ok := b.Lookup(badAAGUID)
		require.True(t, ok)
		assert.True(t, e.Revoked)
		assert.True(t, e.Compromised, "USER_VERIFICATION_BYPASS in effect")
		assert.Empty(t, e.CertificationLevel, "REVOKED voids certification")
		assert.Nil(t, e.FIPS)
	})

	t.Run("fido-u2f by key identifier", func(t *testing.T) {
		for _, ski := range []string{u2fSKI, strings.ToLower(u2fSKI)} {
			e, ok := b.LookupByKeyIdentifier(ski)
			require.True(t, ok, ski)
			assert.Equal(t, uuid.Nil, e.AAGUID)
			assert.Equal(t, "u2f", e.ProtocolFamily)
			assert.Equal(t, []string{strings.ToLower(u2fSKI)}, e.KeyIdentifiers)
			assert.Equal(t, "FIDO_CERTIFIED", e.CertificationLevel)
		}
		_, ok := b.LookupByKeyIdentifier("00")
		assert.False(t, ok)
	})

	t.Run("unknown and zero AAGUID", func(t *testing.T) {
		_, ok := b.Lookup(uuid.MustParse("00000000-0000-0000-0000-000000000001"))
		assert.False(t, ok)
		_, ok = b.Lookup(uuid.Nil)
		assert.False(t, ok)
	})

	t.Run("trust pool verifies an attestation certificate", func(t *testing.T) {
		e, _ := b.Lookup(l2AAGUID)
		att := f.attCA.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test attestation"}}, f.signer.Key.Public())
		_, err := att.Verify(x509.VerifyOptions{Roots: e.TrustPool(), CurrentTime: now})
		assert.NoError(t, err)
		other := mdstest.NewCA(t, "Other root")
		_, err = other.Certificate.Verify(x509.VerifyOptions{Roots: e.TrustPool(), CurrentTime: now})
		assert.Error(t, err)
	})
}

func TestStatusEvaluatedAtOptionsNow(t *testing.T) {
	f := newFixture(t, mdstest.NewSigner(t))
	for _, tc := range []struct {
		at          time.Time
		level       string
		revoked     bool
		compromised bool
	}{
		{time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC), "FIDO_CERTIFIED_L1", false, false},
		{time.Date(2025, 5, 3, 0, 0, 0, 0, time.UTC), "FIDO_CERTIFIED_L1", false, true},
		{time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC), "", true, true},
	} {
		t.Run(tc.at.Format(time.DateOnly), func(t *testing.T) {
			b, err := mds.Load(f.blob, mds.Options{Root: f.signer.Root.Certificate, Now: func() time.Time { return tc.at }})
			require.NoError(t, err)
			e, _ := b.Lookup(badAAGUID)
			assert.Equal(t, tc.level, e.CertificationLevel)
			assert.Equal(t, tc.revoked, e.Revoked)
			assert.Equal(t, tc.compromised, e.Compromised)
		})
	}
}

func TestStale(t *testing.T) {
	f := newFixture(t, mdstest.NewSigner(t))
	// A BLOB well past nextUpdate still loads; Stale reports it.
	late := func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }
	b, err := mds.Load(f.blob, mds.Options{Root: f.signer.Root.Certificate, Now: late})
	require.NoError(t, err)
	for _, tc := range []struct {
		at    time.Time
		stale bool
	}{
		{time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC), false},
		{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{late(), true},
	} {
		assert.Equal(t, tc.stale, b.Stale(tc.at), tc.at)
	}
}

func TestLoadErrors(t *testing.T) {
	s := mdstest.NewSigner(t)
	f := newFixture(t, s)
	good := string(f.blob)
	parts := strings.Split(good, ".")
	goodPayload := mdstest.Payload{NextUpdate: now}.JSON(t)
	otherRoot := mdstest.NewSigner(t).Root.Certificate
	header := func(edit func(h map[string]any)) map[string]any {
		h := s.Header()
		edit(h)
		return h
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tampered, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	tampered = bytes.Replace(tampered, []byte(`"no":42`), []byte(`"no":43`), 1)
	require.Contains(t, string(tampered), `"no":43`)

	for _, tc := range []struct {
		name  string
		blob  []byte
		opts  func(o *mds.Options)
		kind  error
		where string
		says  string
	}{
		{name: "no root", blob: f.blob, opts: func(o *mds.Options) { o.Root = nil }, kind: mds.ErrInvalidOptions, where: "Options.Root"},
		{name: "negative MaxSize", blob: f.blob, opts: func(o *mds.Options) { o.MaxSize = -1 }, kind: mds.ErrInvalidOptions, where: "Options.MaxSize"},
		{name: "oversized", blob: f.blob, opts: func(o *mds.Options) { o.MaxSize = int64(len(f.blob) - 1) }, kind: mds.ErrTooLarge, where: "input", says: "limit"},
		{name: "oversized by default limit", blob: bytes.Repeat([]byte("A"), int(mds.DefaultMaxSize)+1), kind: mds.ErrTooLarge, where: "input"},
		{name: "wrong root", blob: f.blob, opts: func(o *mds.Options) { o.Root = otherRoot }, kind: mds.ErrUntrusted, where: "x5c", says: "does not chain to the trusted root"},
		{name: "signing certificate expired", blob: f.blob, opts: func(o *mds.Options) { o.Now = func() time.Time { return time.Date(2101, 1, 1, 0, 0, 0, 0, time.UTC) } }, kind: mds.ErrUntrusted, where: "x5c", says: "expired"},
		{name: "payload tampered", blob: []byte(parts[0] + "." + base64.RawURLEncoding.EncodeToString(tampered) + "." + parts[2]), kind: mds.ErrSignature, where: "signature"},
		{name: "signature tampered", blob: []byte(parts[0] + "." + parts[1] + "." + flip(parts[2], 10)), kind: mds.ErrSignature, where: "signature"},
		{name: "signed by another key", blob: mdstest.NewSigner(t).SignWithHeader(t, s.Header(), goodPayload), kind: mds.ErrSignature, where: "signature"},
		{name: "not a JWT", blob: []byte("hello"), kind: mds.ErrMalformed, where: "input", says: "found 1"},
		{name: "four parts", blob: []byte(good + ".x"), kind: mds.ErrMalformed, where: "input"},
		{name: "empty signature", blob: []byte(parts[0] + "." + parts[1] + "."), kind: mds.ErrMalformed, where: "signature"},
		{name: "header not base64url", blob: []byte("%%%." + parts[1] + "." + parts[2]), kind: mds.ErrMalformed, where: "JWT header"},
		{name: "header not JSON", blob: []byte(base64.RawURLEncoding.EncodeToString([]byte("nope")) + "." + parts[1] + "." + parts[2]), kind: mds.ErrMalformed, where: "JWT header"},
		{name: "alg none", blob: s.SignWithHeader(t, header(func(h map[string]any) { h["alg"] = "none" }), goodPayload), kind: mds.ErrUntrusted, where: "JWT header", says: `alg "none"`},
		{name: "alg HS256", blob: s.SignWithHeader(t, header(func(h map[string]any) { h["alg"] = "HS256" }), goodPayload), kind: mds.ErrUntrusted, where: "JWT header"},
		{name: "alg mismatched with key", blob: s.SignWithHeader(t, header(func(h map[string]any) { h["alg"] = "RS256" }), goodPayload), kind: mds.ErrSignature, where: "signature"},
		{name: "x5u", blob: s.SignWithHeader(t, header(func(h map[string]any) { h["x5u"] = "https://example.test/chain" }), goodPayload), kind: mds.ErrUntrusted, where: "JWT header", says: "x5u"},
		{name: "x5c empty", blob: s.SignWithHeader(t, header(func(h map[string]any) { h["x5c"] = []string{} }), goodPayload), kind: mds.ErrMalformed, where: "JWT header"},
		{name: "x5c not base64", blob: s.SignWithHeader(t, header(func(h map[string]any) { h["x5c"] = []string{"***"} }), goodPayload), kind: mds.ErrMalformed, where: "x5c[0]"},
		{name: "x5c not a certificate", blob: s.SignWithHeader(t, header(func(h map[string]any) { h["x5c"] = []string{"AAAA"} }), goodPayload), kind: mds.ErrMalformed, where: "x5c[0]"},
		{name: "x5c too long", blob: s.SignWithHeader(t, header(func(h map[string]any) { h["x5c"] = make([]string, 9) }), goodPayload), kind: mds.ErrMalformed, where: "JWT header", says: "limit 8"},
		{name: "x5c leaf only, intermediate missing", blob: s.SignWithHeader(t, header(func(h map[string]any) { h["x5c"] = h["x5c"].([]string)[:1] }), goodPayload), kind: mds.ErrUntrusted, where: "x5c"},
		{name: "no x5c and root did not sign", blob: s.SignWithHeader(t, header(func(h map[string]any) { delete(h, "x5c") }), goodPayload), kind: mds.ErrSignature, where: "signature"},
		{name: "payload not JSON", blob: s.Sign(t, []byte("<html>maintenance</html>")), kind: mds.ErrMalformed, where: "payload"},
		{name: "payload wrong types", blob: s.Sign(t, []byte(`{"no":"one","nextUpdate":"2026-04-01","entries":[]}`)), kind: mds.ErrMalformed, where: "payload"},
		{name: "nextUpdate missing", blob: s.Sign(t, []byte(`{"no":1,"entries":[]}`)), kind: mds.ErrMalformed, where: "payload.nextUpdate"},
		{name: "nextUpdate not a date", blob: s.Sign(t, []byte(`{"no":1,"nextUpdate":"April","entries":[]}`)), kind: mds.ErrMalformed, where: "payload.nextUpdate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := f.opts()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			b, err := mds.Load(tc.blob, opts)
			require.Error(t, err)
			assert.Nil(t, b)
			assert.ErrorIs(t, err, tc.kind)
			var e *mds.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tc.where, e.Where)
			assert.True(t, strings.HasPrefix(err.Error(), "mds: "+tc.where+": "), err.Error())
			assert.Contains(t, err.Error(), tc.says)
		})
	}
}

func TestLoadWithoutX5CUsesRootAsSigner(t *testing.T) {
	// MDS3 §3.2 step 5: without x5c the trust anchor is the signing
	// certificate. Sign with the root's own key.
	s := mdstest.NewSigner(t)
	rootSigner := &mdstest.Signer{Root: s.Root, Leaf: s.Root.Certificate, Key: s.Root.Key, Algorithm: "ES256"}
	blob := rootSigner.SignWithHeader(t, map[string]any{"alg": "ES256", "typ": "JWT"}, mdstest.Payload{NextUpdate: now}.JSON(t))
	b, err := mds.Load(blob, mds.Options{Root: s.Root.Certificate, Now: clock})
	require.NoError(t, err)
	assert.True(t, b.SigningCertificate.Equal(s.Root.Certificate))
}

func TestLoadRevocation(t *testing.T) {
	s := mdstest.NewSigner(t)
	f := newFixture(t, s)
	for _, tc := range []struct {
		name string
		crls []*x509.RevocationList
		err  error
	}{
		{"no CRLs", nil, nil},
		{"clean CRLs", []*x509.RevocationList{s.Root.CRL(t), s.Intermediate.CRL(t)}, nil},
		{"leaf revoked", []*x509.RevocationList{s.Intermediate.CRL(t, s.Leaf)}, mds.ErrRevoked},
		{"intermediate revoked", []*x509.RevocationList{s.Root.CRL(t, s.Intermediate.Certificate)}, mds.ErrRevoked},
		// A CRL naming the leaf but signed by an unrelated CA is ignored.
		{"forged CRL ignored", []*x509.RevocationList{mdstest.NewCA(t, "mdstest MDS3 BLOB CA-1").CRL(t, s.Leaf)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := f.opts()
			opts.CRLs = tc.crls
			_, err := mds.Load(f.blob, opts)
			if tc.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), "revoked by the CRL")
		})
	}
}

func TestLoadSkipsBadEntries(t *testing.T) {
	s := mdstest.NewSigner(t)
	good := mdstest.Authenticator{AAGUID: l2AAGUID, Description: "Good"}
	blob := mdstest.BuildBLOB(t, s, mdstest.Payload{NextUpdate: now, Entries: []mdstest.Authenticator{
		good,
		{AAGUID: badAAGUID, Description: "Bad root", Statement: map[string]any{"attestationRootCertificates": []string{"not base64!"}}},
		{AAGUID: l2AAGUID, Description: "Duplicate"},
		{Description: "Bad AAGUID", Extra: map[string]any{"aaguid": "not-a-uuid"}},
	}})
	b, err := mds.Load(blob, mds.Options{Root: s.Root.Certificate, Now: clock})
	require.NoError(t, err)
	require.Len(t, b.Skipped, 3)
	assert.Equal(t, 1, b.Skipped[0].Index)
	assert.Equal(t, badAAGUID.String(), b.Skipped[0].AAGUID)
	assert.Contains(t, b.Skipped[0].Reason, "attestation root certificate")
	assert.Equal(t, 2, b.Skipped[1].Index)
	assert.Contains(t, b.Skipped[1].Reason, "duplicate AAGUID")
	assert.Equal(t, 3, b.Skipped[2].Index)
	e, ok := b.Lookup(l2AAGUID)
	require.True(t, ok)
	assert.Equal(t, "Good", e.Description)
	assert.Len(t, b.Entries(), 1)
}

func TestFIPSFromAuthenticatorGetInfo(t *testing.T) {
	s := mdstest.NewSigner(t)
	blob := mdstest.BuildBLOB(t, s, mdstest.Payload{NextUpdate: now, Entries: []mdstest.Authenticator{{
		AAGUID: l2AAGUID, Description: "Declares FIPS",
		Statement: map[string]any{"authenticatorGetInfo": map[string]any{
			"versions": []string{"FIDO_2_1"}, "aaguid": strings.ReplaceAll(l2AAGUID.String(), "-", ""),
			"certifications": map[string]any{"FIPS-CMVP-2": 2, "FIPS-CMVP-3": 1, "FIPS-CMVP-3-PHY": 3},
		}},
	}}})
	b, err := mds.Load(blob, mds.Options{Root: s.Root.Certificate, Now: clock})
	require.NoError(t, err)
	require.Empty(t, b.Skipped)
	e, _ := b.Lookup(l2AAGUID)
	assert.Equal(t, &mds.FIPSCertification{Level: 1, Revision: 3, PhysicalSecurityLevel: 3, Source: "authenticatorGetInfo"}, e.FIPS)
}

func TestLoadToleratesTrailingNewlineAndUnknownMembers(t *testing.T) {
	s := mdstest.NewSigner(t)
	blob := s.Sign(t, []byte(`{"legalHeader":"x","no":7,"nextUpdate":"2026-04-01","entries":[],"futureMember":{"a":1}}`))
	b, err := mds.Load(append(blob, '\n'), mds.Options{Root: s.Root.Certificate, Now: clock})
	require.NoError(t, err)
	assert.Equal(t, 7, b.Number)
	assert.Empty(t, b.Entries())
}

func TestLoadDoesNotModifyOptions(t *testing.T) {
	f := newFixture(t, mdstest.NewSigner(t))
	opts := mds.Options{Root: f.signer.Root.Certificate}
	_, err := mds.Load(f.blob, opts)
	require.NoError(t, err)
	assert.Nil(t, opts.Now)
	assert.Zero(t, opts.MaxSize)
}
