package passkeytest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey/passkeytest"
)

var assertChallenge = []byte("0123456789abcdef-authentication")

func register(t *testing.T, a *passkeytest.Authenticator, opts passkeytest.RegisterOptions) *passkeytest.Credential {
	t.Helper()

	opts.RPID, opts.Origin, opts.Challenge = rpID, origin, challenge

	reg, err := a.Register(opts)
	require.NoError(t, err)

	return reg.Credential
}

func assertRP() rp {
	want := defaultRP()
	want.challenge = assertChallenge

	return want
}

func TestAssertVerifies(t *testing.T) {
	for _, alg := range algs {
		for _, synced := range []bool{false, true} {
			t.Run(alg.String()+map[bool]string{false: "/device-bound", true: "/synced"}[synced], func(t *testing.T) {
				a := newAuthenticator(t, passkeytest.Options{Algorithm: alg, Attachment: "platform"})
				cred := register(t, a, passkeytest.RegisterOptions{UserHandle: []byte("user-1"), BackupEligible: synced, BackedUp: synced})

				as, err := a.Assert(cred, passkeytest.AssertOptions{
					Origin: origin, Challenge: assertChallenge,
					SignCount: 8, UserVerified: true, BackedUp: synced,
				})
				require.NoError(t, err)

				want := assertRP()
				want.requireUV = true

				par, err := verifyAssertion(as.JSON, want, cred.PublicKey)
				require.NoError(t, err)

				ad := par.Response.AuthenticatorData
				assert.Equal(t, as.AuthenticatorData, []byte(par.Raw.AssertionResponse.AuthenticatorData))
				assert.Equal(t, uint32(8), ad.Counter)
				assert.True(t, ad.Flags.UserPresent())
				assert.True(t, ad.Flags.UserVerified())
				assert.Equal(t, synced, ad.Flags.HasBackupEligible(), "BE comes from the credential")
				assert.Equal(t, synced, ad.Flags.HasBackupState())
				assert.False(t, ad.Flags.HasAttestedCredentialData())
				assert.Equal(t, []byte("user-1"), par.Response.UserHandle)
				assert.Equal(t, cred.ID, par.RawID)
				assert.Equal(t, "platform", string(par.AuthenticatorAttachment))
				assert.Equal(t, as.Signature, par.Response.Signature)
			})
		}
	}
}

func TestAssertTamperedRejected(t *testing.T) {
	cases := []struct {
		name string
		opts func(*passkeytest.AssertOptions, *rp)
		want string
	}{
		{"corrupt signature", func(o *passkeytest.AssertOptions, _ *rp) { o.Tamper.CorruptSignature = true }, "ignature"},
		{"rpIdHash of another relying party", func(o *passkeytest.AssertOptions, _ *rp) { o.Tamper.RPID = "evil.example" }, "RP Hash mismatch"},
		{"wrong challenge", func(_ *passkeytest.AssertOptions, want *rp) { want.challenge = challenge }, "challenge"},
		{"registration type", func(o *passkeytest.AssertOptions, _ *rp) { o.Type = "webauthn.create" }, "ceremony type"},
		{"user presence missing", func(o *passkeytest.AssertOptions, _ *rp) { o.OmitUserPresence = true }, "User presence"},
		{"counter changed after signing", func(o *passkeytest.AssertOptions, _ *rp) {
			o.Tamper.AuthenticatorData = func(b []byte) []byte { b[36]++; return b }
		}, "ignature"},
		{"clientDataJSON changed after signing", func(o *passkeytest.AssertOptions, _ *rp) {
			o.Tamper.ClientDataJSON = func(b []byte) []byte { return bytes.Replace(b, []byte(`false}`), []byte(`false }`), 1) }
		}, "ignature"},
	}

	for _, alg := range algs {
		a := newAuthenticator(t, passkeytest.Options{Algorithm: alg})
		cred := register(t, a, passkeytest.RegisterOptions{})

		for _, tc := range cases {
			t.Run(alg.String()+"/"+tc.name, func(t *testing.T) {
				opts := passkeytest.AssertOptions{Origin: origin, Challenge: assertChallenge}
				want := assertRP()
				tc.opts(&opts, &want)

				as, err := a.Assert(cred, opts)
				require.NoError(t, err)

				_, err = verifyAssertion(as.JSON, want, cred.PublicKey)
				require.Error(t, err)
				assert.Contains(t, reason(t, err), tc.want)
			})
		}
	}
}

func TestAssertJSONShape(t *testing.T) {
	a := newAuthenticator(t, passkeytest.Options{Algorithm: passkeytest.EdDSA})
	cred := register(t, a, passkeytest.RegisterOptions{UserHandle: []byte("user-1")})

	for _, omit := range []bool{false, true} {
		as, err := a.Assert(cred, passkeytest.AssertOptions{Origin: origin, Challenge: assertChallenge, OmitUserHandle: omit})
		require.NoError(t, err)

		var top map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(as.JSON, &top))
		assert.ElementsMatch(t, []string{"id", "rawId", "type", "clientExtensionResults", "response"}, keys(top))

		var resp map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(top["response"], &resp))

		wantKeys := []string{"clientDataJSON", "authenticatorData", "signature", "userHandle"}
		if omit {
			wantKeys = wantKeys[:3]
		}

		assert.ElementsMatch(t, wantKeys, keys(resp))

		assert.Equal(t,
			`{"type":"webauthn.get","challenge":"`+base64.RawURLEncoding.EncodeToString(assertChallenge)+`","origin":"https://example.com","crossOrigin":false}`,
			string(as.ClientDataJSON))
	}
}

func TestAssertOptionErrors(t *testing.T) {
	a := newAuthenticator(t, passkeytest.Options{})
	cred := register(t, a, passkeytest.RegisterOptions{})
	ok := passkeytest.AssertOptions{Origin: origin, Challenge: assertChallenge}

	mismatched := *cred
	mismatched.Algorithm = passkeytest.EdDSA

	cases := []struct {
		name  string
		cred  *passkeytest.Credential
		opts  func(*passkeytest.AssertOptions)
		field string
		want  string
	}{
		{"no credential", nil, func(*passkeytest.AssertOptions) {}, "Assert credential", "required"},
		{"empty challenge", cred, func(o *passkeytest.AssertOptions) { o.Challenge = []byte{} }, "AssertOptions.Challenge", "must not be empty"},
		{"no origin", cred, func(o *passkeytest.AssertOptions) { o.Origin = "" }, "AssertOptions.Origin", "required"},
		{"key does not match algorithm", &mismatched, func(*passkeytest.AssertOptions) {}, "Credential.Key", "cannot make EdDSA signatures"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := ok
			tc.opts(&opts)

			as, err := a.Assert(tc.cred, opts)
			require.Error(t, err)
			assert.Nil(t, as)
			assertOptionError(t, err, tc.field, tc.want)
		})
	}
}
