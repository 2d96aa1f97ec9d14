package passkeytest_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey/passkeytest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestRegisterVerifies runs every attestation × algorithm × flag
// combination through go-webauthn's registration verification and checks
// that what it parsed is what was asked for.
func TestRegisterVerifies(t *testing.T) {
	attestations := []struct {
		attestation passkeytest.Attestation
		format      string
		wantType    string // as go-webauthn names attestation types
		algs        []passkeytest.Algorithm
		aaguid      [16]byte
	}{
		{passkeytest.AttestationNone, "none", "none", algs, aaguid},
		{passkeytest.AttestationPackedSelf, "packed", "basic_surrogate", algs, aaguid},
		{passkeytest.AttestationPacked, "packed", "basic_full", algs, aaguid},
		{passkeytest.AttestationFIDOU2F, "fido-u2f", "basic_full", []passkeytest.Algorithm{passkeytest.ES256}, [16]byte{}},
	}

	flagSets := []struct {
		name       string
		uv, be, bs bool
	}{
		{name: "up"},
		{name: "uv", uv: true},
		{name: "be", be: true},
		{name: "be-bs-uv", uv: true, be: true, bs: true},
		// §6.1.3 forbids BS without BE; go-webauthn's protocol package
		// leaves that check to its callers, so this verifies and the flags
		// must arrive as set.
		{name: "bs-without-be", bs: true},
	}

	for _, at := range attestations {
		for _, alg := range at.algs {
			a := newAuthenticator(t, passkeytest.Options{
				AAGUID: at.aaguid, Attestation: at.attestation, Algorithm: alg,
				Attachment: "cross-platform", Transports: []string{"usb", "nfc"},
			})

			for _, fs := range flagSets {
				t.Run(fmt.Sprintf("%v/%v/%s", at.attestation, alg, fs.name), func(t *testing.T) {
					reg, err := a.Register(passkeytest.RegisterOptions{
						RPID: rpID, Origin: origin, Challenge: challenge,
						UserVerified: fs.uv, BackupEligible: fs.be, BackedUp: fs.bs,
						SignCount: 7,
					})
					require.NoError(t, err)

					want := defaultRP()
					want.requireUV = fs.uv

					pcc, err := verifyRegistration(reg.JSON, want)
					require.NoError(t, err)

					obj := pcc.Response.AttestationObject
					assert.Equal(t, at.format, obj.Format)
					assert.Equal(t, at.wantType, obj.Type)
					assert.Equal(t, at.aaguid[:], obj.AuthData.AttData.AAGUID)
					assert.Equal(t, reg.Credential.ID, obj.AuthData.AttData.CredentialID)
					assert.Equal(t, reg.Credential.PublicKey, obj.AuthData.AttData.CredentialPublicKey)
					assert.Equal(t, reg.AuthenticatorData, obj.RawAuthData)
					assert.Equal(t, uint32(7), obj.AuthData.Counter)

					assert.True(t, obj.AuthData.Flags.UserPresent())
					assert.Equal(t, fs.uv, obj.AuthData.Flags.UserVerified())
					assert.Equal(t, fs.be, obj.AuthData.Flags.HasBackupEligible())
					assert.Equal(t, fs.bs, obj.AuthData.Flags.HasBackupState())
					assert.False(t, obj.AuthData.Flags.HasExtensions())

					assert.Equal(t, "cross-platform", string(pcc.AuthenticatorAttachment))
					assert.Equal(t, []string{"usb", "nfc"}, pcc.Raw.AttestationResponse.Transports)
					assert.Equal(t, int64(alg), pcc.Raw.AttestationResponse.PublicKeyAlgorithm)

					pub, err := x509.ParsePKIXPublicKey(pcc.Raw.AttestationResponse.PublicKey)
					require.NoError(t, err)
					assert.True(t, reg.Credential.Key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub), "publicKey is the credential key's SPKI")

					if !fs.uv {
						want.requireUV = true
						_, err = verifyRegistration(reg.JSON, want)
						require.Error(t, err, "a relying party requiring UV must refuse a response without it")
						assert.Contains(t, reason(t, err), "User verification required")
					}
				})
			}
		}
	}
}

func TestPackedChain(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg.String(), func(t *testing.T) {
			a := newAuthenticator(t, passkeytest.Options{AAGUID: aaguid, Attestation: passkeytest.AttestationPacked, Algorithm: alg})

			reg, err := a.Register(passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge})
			require.NoError(t, err)

			x5c := statementX5C(t, reg.AttestationObject)
			require.Len(t, x5c, 2, "leaf and intermediate; the root is the relying party's")

			leaf := x5c[0]
			intermediates := x509.NewCertPool()
			intermediates.AddCert(x5c[1])

			chains, err := leaf.Verify(x509.VerifyOptions{Roots: rootPool(), Intermediates: intermediates, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
			require.NoError(t, err)
			require.Len(t, chains, 1)
			assert.Len(t, chains[0], 3)

			// §8.2.1 attestation certificate requirements.
			assert.Equal(t, 3, leaf.Version)
			assert.Len(t, leaf.Subject.Country, 1)
			assert.NotEmpty(t, leaf.Subject.Organization)
			assert.Equal(t, []string{"Authenticator Attestation"}, leaf.Subject.OrganizationalUnit)
			assert.NotEmpty(t, leaf.Subject.CommonName)
			assert.True(t, leaf.BasicConstraintsValid)
			assert.False(t, leaf.IsCA)

			var found bool

			for _, ext := range leaf.Extensions {
				if !ext.Id.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}) {
					continue
				}

				found = true

				assert.False(t, ext.Critical)

				var got []byte
				_, err := asn1.Unmarshal(ext.Value, &got)
				require.NoError(t, err)
				assert.Equal(t, aaguid[:], got)
			}

			assert.True(t, found, "id-fido-gen-ce-aaguid present")

			chain := a.Chain()
			require.Len(t, chain, 2)
			assert.True(t, chain[0].Equal(leaf))
			assert.True(t, chain[1].Equal(x5c[1]))
		})
	}
}

func TestFIDOU2FChain(t *testing.T) {
	a := newAuthenticator(t, passkeytest.Options{Attestation: passkeytest.AttestationFIDOU2F})

	reg, err := a.Register(passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge})
	require.NoError(t, err)

	x5c := statementX5C(t, reg.AttestationObject)
	require.Len(t, x5c, 1, "§8.6: x5c holds exactly the attestation certificate")

	_, err = x5c[0].Verify(x509.VerifyOptions{Roots: rootPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	require.NoError(t, err)

	pub, ok := x5c[0].PublicKey.(*ecdsa.PublicKey)
	require.True(t, ok, "§8.6: the attestation key is an EC P-256 key")
	assert.Equal(t, "P-256", pub.Curve.Params().Name)
}

func TestRootPEM(t *testing.T) {
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(passkeytest.RootPEM()))

	root := passkeytest.RootCertificate()
	assert.True(t, root.IsCA)
	assert.True(t, root.NotAfter.Year() >= 2125, "a century of validity keeps tests from rotting")

	root.Subject.CommonName = "changed"
	assert.NotEqual(t, "changed", passkeytest.RootCertificate().Subject.CommonName, "callers get their own copy")
}

// TestTamperedRejected shows that go-webauthn refuses each broken response,
// and for the reason the tampering was meant to provoke.
func TestTamperedRejected(t *testing.T) {
	cases := []struct {
		name string
		opts func(*passkeytest.RegisterOptions, *rp)
		// none is true when the case also applies to attestation "none",
		// which has no signature to break.
		none bool
		want string
	}{
		{
			name: "corrupt signature",
			opts: func(o *passkeytest.RegisterOptions, _ *rp) { o.Tamper.CorruptSignature = true },
			want: "ignature",
		},
		{
			name: "rpIdHash of another relying party",
			opts: func(o *passkeytest.RegisterOptions, _ *rp) { o.Tamper.RPID = "evil.example" },
			none: true,
			want: "RP Hash mismatch",
		},
		{
			name: "wrong challenge",
			opts: func(_ *passkeytest.RegisterOptions, want *rp) { want.challenge = []byte("a different challenge") },
			none: true,
			want: "challenge",
		},
		{
			name: "wrong origin",
			opts: func(o *passkeytest.RegisterOptions, _ *rp) { o.Origin = "https://evil.example" },
			none: true,
			want: "origin",
		},
		{
			name: "assertion type",
			opts: func(o *passkeytest.RegisterOptions, _ *rp) { o.Type = "webauthn.get" },
			none: true,
			want: "ceremony type",
		},
		{
			name: "topOrigin without crossOrigin",
			opts: func(o *passkeytest.RegisterOptions, want *rp) {
				o.TopOrigin = "https://top.example"
				want.topOrigins = []string{"https://top.example"}
			},
			none: true,
			want: "topOrigin",
		},
		{
			name: "user presence missing",
			opts: func(o *passkeytest.RegisterOptions, _ *rp) { o.OmitUserPresence = true },
			none: true,
			want: "User presence",
		},
		{
			name: "clientDataJSON changed after signing",
			opts: func(o *passkeytest.RegisterOptions, _ *rp) {
				o.Tamper.ClientDataJSON = func(b []byte) []byte { return bytes.Replace(b, []byte(`false}`), []byte(`false }`), 1) }
			},
			want: "ignature",
		},
		{
			name: "authenticator data changed after signing",
			opts: func(o *passkeytest.RegisterOptions, _ *rp) {
				// The first byte of the credential id, which every signed
				// format covers (fido-u2f does not sign the counter).
				o.Tamper.AuthenticatorData = func(b []byte) []byte { b[55]++; return b }
			},
			want: "ignature",
		},
		{
			name: "attested credential data flag cleared",
			opts: func(o *passkeytest.RegisterOptions, _ *rp) {
				o.Tamper.Flags = func(f byte) byte { return f &^ 0x40 }
			},
			none: true,
			want: "", // rejected while parsing
		},
	}

	for _, att := range []passkeytest.Attestation{passkeytest.AttestationNone, passkeytest.AttestationPackedSelf, passkeytest.AttestationPacked, passkeytest.AttestationFIDOU2F} {
		alg := passkeytest.EdDSA
		if att == passkeytest.AttestationFIDOU2F {
			alg = passkeytest.ES256
		}

		var id [16]byte
		if att != passkeytest.AttestationFIDOU2F {
			id = aaguid
		}

		a := newAuthenticator(t, passkeytest.Options{AAGUID: id, Attestation: att, Algorithm: alg})

		for _, tc := range cases {
			if att == passkeytest.AttestationNone && !tc.none {
				continue
			}

			t.Run(att.String()+"/"+tc.name, func(t *testing.T) {
				opts := passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge}
				want := defaultRP()
				tc.opts(&opts, &want)

				reg, err := a.Register(opts)
				require.NoError(t, err)

				_, err = verifyRegistration(reg.JSON, want)
				require.Error(t, err)
				assert.Contains(t, reason(t, err), tc.want)
			})
		}
	}
}

// TestUnsignedAuthenticatorData records what attestation does not protect,
// so that nobody relies on it: with "none" nothing signs the authenticator
// data, and fido-u2f signs only rpIdHash, the client data hash, the
// credential id and key (§8.6), not the flags or the counter. A change after
// the fact passes §7.1 there, unlike in TestTamperedRejected.
func TestUnsignedAuthenticatorData(t *testing.T) {
	for _, att := range []passkeytest.Attestation{passkeytest.AttestationNone, passkeytest.AttestationFIDOU2F} {
		t.Run(att.String(), func(t *testing.T) {
			a := newAuthenticator(t, passkeytest.Options{Attestation: att})

			reg, err := a.Register(passkeytest.RegisterOptions{
				RPID: rpID, Origin: origin, Challenge: challenge,
				Tamper: passkeytest.Tamper{AuthenticatorData: func(b []byte) []byte { b[32] |= 0x04; b[36]++; return b }},
			})
			require.NoError(t, err)

			pcc, err := verifyRegistration(reg.JSON, defaultRP())
			require.NoError(t, err)
			assert.Equal(t, uint32(1), pcc.Response.AttestationObject.AuthData.Counter)
			assert.True(t, pcc.Response.AttestationObject.AuthData.Flags.UserVerified(), "UV added after the fact")
		})
	}
}

func TestRegisterCrossOrigin(t *testing.T) {
	a := newAuthenticator(t, passkeytest.Options{Algorithm: passkeytest.EdDSA, Attestation: passkeytest.AttestationPackedSelf})

	reg, err := a.Register(passkeytest.RegisterOptions{
		RPID: rpID, Origin: origin, Challenge: challenge,
		CrossOrigin: true, TopOrigin: "https://top.example",
	})
	require.NoError(t, err)

	assert.Equal(t,
		`{"type":"webauthn.create","challenge":"`+base64.RawURLEncoding.EncodeToString(challenge)+`","origin":"https://example.com","crossOrigin":true,"topOrigin":"https://top.example"}`,
		string(reg.ClientDataJSON))

	want := defaultRP()
	_, err = verifyRegistration(reg.JSON, want)
	require.Error(t, err, "a relying party that does not allow cross-origin calls refuses")
	assert.Contains(t, reason(t, err), "cross origin")

	want.crossOrigin = true
	want.topOrigins = []string{"https://top.example"}
	pcc, err := verifyRegistration(reg.JSON, want)
	require.NoError(t, err)
	assert.Equal(t, "https://top.example", pcc.Response.CollectedClientData.TopOrigin)
}

func TestRegisterExtensions(t *testing.T) {
	a := newAuthenticator(t, passkeytest.Options{AAGUID: aaguid, Attestation: passkeytest.AttestationPacked})

	reg, err := a.Register(passkeytest.RegisterOptions{
		RPID: rpID, Origin: origin, Challenge: challenge,
		Extensions:             map[string]any{"credProtect": 2},
		ClientExtensionResults: map[string]any{"credProps": map[string]any{"rk": true}},
	})
	require.NoError(t, err)

	pcc, err := verifyRegistration(reg.JSON, defaultRP())
	require.NoError(t, err)

	ad := pcc.Response.AttestationObject.AuthData
	assert.True(t, ad.Flags.HasExtensions())

	var ext map[string]int
	require.NoError(t, cbor.Unmarshal(ad.ExtData, &ext))
	assert.Equal(t, map[string]int{"credProtect": 2}, ext)

	require.NotNil(t, pcc.ClientExtensionResults.CredProps)
	require.NotNil(t, pcc.ClientExtensionResults.CredProps.RK)
	assert.True(t, *pcc.ClientExtensionResults.CredProps.RK)
}

// TestRegisterJSONShape checks the response against RegistrationResponseJSON
// (WebAuthn L3 §5.1) member by member, since a parser that tolerates extra
// or missing members would not notice.
func TestRegisterJSONShape(t *testing.T) {
	a := newAuthenticator(t, passkeytest.Options{AAGUID: aaguid, Attestation: passkeytest.AttestationPacked, Attachment: "platform", Transports: []string{"internal", "hybrid"}})

	reg, err := a.Register(passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge})
	require.NoError(t, err)

	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(reg.JSON, &top))
	assert.ElementsMatch(t, []string{"id", "rawId", "type", "authenticatorAttachment", "clientExtensionResults", "response"}, keys(top))
	assert.JSONEq(t, `"public-key"`, string(top["type"]))
	assert.JSONEq(t, `"platform"`, string(top["authenticatorAttachment"]))
	assert.JSONEq(t, `{}`, string(top["clientExtensionResults"]))
	assert.Equal(t, top["id"], top["rawId"])

	var resp map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(top["response"], &resp))
	assert.ElementsMatch(t, []string{"clientDataJSON", "attestationObject", "transports", "authenticatorData", "publicKey", "publicKeyAlgorithm"}, keys(resp))
	assert.JSONEq(t, `["internal","hybrid"]`, string(resp["transports"]))
	assert.JSONEq(t, `-7`, string(resp["publicKeyAlgorithm"]))

	for name, want := range map[string][]byte{
		"clientDataJSON":    reg.ClientDataJSON,
		"attestationObject": reg.AttestationObject,
		"authenticatorData": reg.AuthenticatorData,
	} {
		var s string
		require.NoError(t, json.Unmarshal(resp[name], &s))
		got, err := base64.RawURLEncoding.Strict().DecodeString(s)
		require.NoError(t, err, "%s is base64url without padding", name)
		assert.Equal(t, want, got, name)
	}

	assert.Equal(t,
		`{"type":"webauthn.create","challenge":"`+base64.RawURLEncoding.EncodeToString(challenge)+`","origin":"https://example.com","crossOrigin":false}`,
		string(reg.ClientDataJSON), "§5.8.1.1 member order")

	// No attachment, no transports: the member is omitted and the list is
	// empty, as browsers do.
	bare := newAuthenticator(t, passkeytest.Options{})
	reg, err = bare.Register(passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge})
	require.NoError(t, err)

	top = nil
	require.NoError(t, json.Unmarshal(reg.JSON, &top))
	assert.NotContains(t, top, "authenticatorAttachment")
	require.NoError(t, json.Unmarshal(top["response"], &resp))
	assert.JSONEq(t, `[]`, string(resp["transports"]))
}

// TestCTAP2Canonical re-encodes the attestation object and the COSE key in
// CTAP2 canonical form and expects the same bytes.
func TestCTAP2Canonical(t *testing.T) {
	em, err := cbor.CTAP2EncOptions().EncMode()
	require.NoError(t, err)

	for _, alg := range algs {
		t.Run(alg.String(), func(t *testing.T) {
			a := newAuthenticator(t, passkeytest.Options{AAGUID: aaguid, Attestation: passkeytest.AttestationPacked, Algorithm: alg})

			reg, err := a.Register(passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge, Extensions: map[string]any{"credProtect": 1, "hmac-secret": true}})
			require.NoError(t, err)

			for name, data := range map[string][]byte{"attestation object": reg.AttestationObject, "COSE key": reg.Credential.PublicKey} {
				var v any
				require.NoError(t, cbor.Unmarshal(data, &v))
				again, err := em.Marshal(v)
				require.NoError(t, err)
				assert.Equal(t, data, again, name)
			}
		})
	}
}

// TestReproducible checks what the package promises to keep fixed across
// runs: keys, ids and authenticator data, and whole responses, for every
// attestation and algorithm, against golden files. ECDSA signatures are
// reproducible because sign uses RFC 6979 (TestSignIsRFC6979).
func TestReproducible(t *testing.T) {
	opts := passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge, UserHandle: []byte("user-1")}

	for _, alg := range algs {
		t.Run(alg.String(), func(t *testing.T) {
			one, err := newAuthenticator(t, passkeytest.Options{AAGUID: aaguid, Algorithm: alg, Attestation: passkeytest.AttestationPacked}).Register(opts)
			require.NoError(t, err)
			two, err := newAuthenticator(t, passkeytest.Options{AAGUID: aaguid, Algorithm: alg, Attestation: passkeytest.AttestationPacked}).Register(opts)
			require.NoError(t, err)

			assert.Equal(t, one.AuthenticatorData, two.AuthenticatorData)
			assert.Equal(t, one.Credential.ID, two.Credential.ID)
			assert.Len(t, one.Credential.ID, 32)
		})
	}

	other := opts
	other.UserHandle = []byte("user-2")
	a := newAuthenticator(t, passkeytest.Options{})
	r1, err := a.Register(opts)
	require.NoError(t, err)
	r2, err := a.Register(other)
	require.NoError(t, err)
	assert.NotEqual(t, r1.Credential.ID, r2.Credential.ID, "another user gets another credential id")

	for _, g := range []struct {
		file string
		opts passkeytest.Options
	}{
		{"eddsa-none.json", passkeytest.Options{AAGUID: aaguid, Algorithm: passkeytest.EdDSA}},
		{"eddsa-packed-self.json", passkeytest.Options{AAGUID: aaguid, Algorithm: passkeytest.EdDSA, Attestation: passkeytest.AttestationPackedSelf}},
		{"rs256-packed-self.json", passkeytest.Options{AAGUID: aaguid, Algorithm: passkeytest.RS256, Attestation: passkeytest.AttestationPackedSelf}},
		// ES256: the credential key (packed self) and the attestation keys
		// (packed x5c, fido-u2f) sign with ECDSA; the packed leaf
		// certificate is ECDSA-signed by the intermediate when New issues it.
		{"es256-none.json", passkeytest.Options{AAGUID: aaguid, Algorithm: passkeytest.ES256}},
		{"es256-packed-self.json", passkeytest.Options{AAGUID: aaguid, Algorithm: passkeytest.ES256, Attestation: passkeytest.AttestationPackedSelf}},
		{"es256-packed-x5c.json", passkeytest.Options{AAGUID: aaguid, Algorithm: passkeytest.ES256, Attestation: passkeytest.AttestationPacked}},
		{"eddsa-packed-x5c.json", passkeytest.Options{AAGUID: aaguid, Algorithm: passkeytest.EdDSA, Attestation: passkeytest.AttestationPacked}},
		{"rs256-packed-x5c.json", passkeytest.Options{AAGUID: aaguid, Algorithm: passkeytest.RS256, Attestation: passkeytest.AttestationPacked}},
		{"es256-fido-u2f.json", passkeytest.Options{Algorithm: passkeytest.ES256, Attestation: passkeytest.AttestationFIDOU2F}},
	} {
		t.Run(g.file, func(t *testing.T) {
			reg, err := newAuthenticator(t, g.opts).Register(opts)
			require.NoError(t, err)

			path := filepath.Join("testdata", "golden", g.file)
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, append(reg.JSON, '\n'), 0o644))
			}

			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create it")
			assert.Equal(t, string(bytes.TrimSpace(want)), string(reg.JSON))

			_, err = verifyRegistration(want, defaultRP())
			require.NoError(t, err, "the golden response still verifies")
		})
	}
}

func TestRegisterCustomKeyAndID(t *testing.T) {
	a := newAuthenticator(t, passkeytest.Options{Attestation: passkeytest.AttestationPackedSelf})

	first, err := a.Register(passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge})
	require.NoError(t, err)

	key := mustECDSAKey(t)
	id := bytes.Repeat([]byte{0xab}, 1023)

	reg, err := a.Register(passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge, Key: key, CredentialID: id})
	require.NoError(t, err)
	assert.Equal(t, id, reg.Credential.ID)
	assert.Same(t, key, reg.Credential.Key)
	assert.NotEqual(t, first.Credential.PublicKey, reg.Credential.PublicKey)

	pcc, err := verifyRegistration(reg.JSON, defaultRP())
	require.NoError(t, err, "1023 bytes is the longest id §7.1 admits")
	assert.Equal(t, id, pcc.Response.AttestationObject.AuthData.AttData.CredentialID)

	// One byte more is produced on request, for relying parties to refuse.
	reg, err = a.Register(passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge, CredentialID: append(id, 0xab)})
	require.NoError(t, err)

	_, err = protocol.ParseCredentialCreationResponseBytes(reg.JSON)
	require.Error(t, err)
}

func TestOptionErrors(t *testing.T) {
	newCases := []struct {
		name  string
		opts  passkeytest.Options
		field string
		want  string
	}{
		{"fido-u2f with EdDSA", passkeytest.Options{Attestation: passkeytest.AttestationFIDOU2F, Algorithm: passkeytest.EdDSA}, "Options.Algorithm", "fido-u2f attestation requires ES256"},
		{"fido-u2f with RS256", passkeytest.Options{Attestation: passkeytest.AttestationFIDOU2F, Algorithm: passkeytest.RS256}, "Options.Algorithm", "requires ES256"},
		{"fido-u2f with an AAGUID", passkeytest.Options{Attestation: passkeytest.AttestationFIDOU2F, AAGUID: aaguid}, "Options.AAGUID", "all-zero AAGUID"},
		{"unknown attestation", passkeytest.Options{Attestation: passkeytest.Attestation(42)}, "Options.Attestation", "unknown attestation Attestation(42)"},
		{"unknown algorithm", passkeytest.Options{Algorithm: -35}, "Options.Algorithm", "Algorithm(-35) is not supported"},
		{"bad attachment", passkeytest.Options{Attachment: "usb"}, "Options.Attachment", `"usb"`},
	}

	for _, tc := range newCases {
		t.Run("New/"+tc.name, func(t *testing.T) {
			a, err := passkeytest.New(tc.opts)
			require.Error(t, err)
			assert.Nil(t, a)
			assertOptionError(t, err, tc.field, tc.want)
		})
	}

	none := newAuthenticator(t, passkeytest.Options{})
	ok := passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge}

	registerCases := []struct {
		name   string
		change func(*passkeytest.RegisterOptions)
		field  string
		want   string
	}{
		{"empty challenge", func(o *passkeytest.RegisterOptions) { o.Challenge = nil }, "RegisterOptions.Challenge", "must not be empty"},
		{"no RP ID", func(o *passkeytest.RegisterOptions) { o.RPID = "" }, "RegisterOptions.RPID", "required"},
		{"no origin", func(o *passkeytest.RegisterOptions) { o.Origin = "" }, "RegisterOptions.Origin", `"https://example.com"`},
		{"key of another algorithm", func(o *passkeytest.RegisterOptions) { o.Key = mustEd25519Key(t) }, "RegisterOptions.Key", "cannot make ES256 signatures"},
		{"corrupting what none does not sign", func(o *passkeytest.RegisterOptions) { o.Tamper.CorruptSignature = true }, "RegisterOptions.Tamper.CorruptSignature", "no signature"},
		{"credential id too long", func(o *passkeytest.RegisterOptions) { o.CredentialID = make([]byte, 65536) }, "RegisterOptions.CredentialID", "65536 bytes"},
		{"unencodable client extension", func(o *passkeytest.RegisterOptions) { o.ClientExtensionResults = map[string]any{"x": func() {}} }, "RegisterOptions.ClientExtensionResults", "unsupported type"},
	}

	for _, tc := range registerCases {
		t.Run("Register/"+tc.name, func(t *testing.T) {
			opts := ok
			tc.change(&opts)

			reg, err := none.Register(opts)
			require.Error(t, err)
			assert.Nil(t, reg)
			assertOptionError(t, err, tc.field, tc.want)
		})
	}
}

func assertOptionError(t *testing.T, err error, field, want string) {
	t.Helper()

	var oerr *passkeytest.OptionError
	require.True(t, errors.As(err, &oerr), "%T is an *OptionError", err)
	assert.Equal(t, field, oerr.Field)
	assert.Contains(t, err.Error(), want)
	assert.Regexp(t, `^passkeytest: `+field+`: `, err.Error())
}

func statementX5C(t *testing.T, attestationObject []byte) []*x509.Certificate {
	t.Helper()

	var obj struct {
		AttStmt struct {
			X5C [][]byte `cbor:"x5c"`
		} `cbor:"attStmt"`
	}
	require.NoError(t, cbor.Unmarshal(attestationObject, &obj))

	certs := make([]*x509.Certificate, 0, len(obj.AttStmt.X5C))

	for _, der := range obj.AttStmt.X5C {
		cert, err := x509.ParseCertificate(der)
		require.NoError(t, err)

		certs = append(certs, cert)
	}

	return certs
}

func keys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}

	return out
}

// TestDefaults checks the zero Options: an ES256 authenticator without an
// AAGUID returning "none", like a synced passkey provider asked for no
// attestation.
func TestDefaults(t *testing.T) {
	a := newAuthenticator(t, passkeytest.Options{})
	assert.Equal(t, passkeytest.ES256, a.Algorithm())
	assert.Equal(t, passkeytest.AttestationNone, a.Attestation())
	assert.Equal(t, [16]byte{}, a.AAGUID())
	assert.Nil(t, a.Chain())

	u2f := newAuthenticator(t, passkeytest.Options{Attestation: passkeytest.AttestationFIDOU2F})
	assert.Len(t, u2f.Chain(), 1)

	packed := newAuthenticator(t, passkeytest.Options{AAGUID: aaguid, Attestation: passkeytest.AttestationPacked, Algorithm: passkeytest.RS256})
	assert.Equal(t, aaguid, packed.AAGUID())
	assert.Equal(t, passkeytest.RS256, packed.Algorithm())
	assert.Equal(t, "packed", packed.Attestation().Format())
	assert.Equal(t, "", passkeytest.Attestation(42).Format())
}
