package passkey_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// TestConfiguredOriginsNormalised: a configured origin is normalised
// (case, default port, one trailing slash) and then matches the browser's
// serialization exactly; the client's value is never normalised, so the
// same variants sent by a client fail (TestEveryCodeHasARejection).
func TestConfiguredOriginsNormalised(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	for _, tc := range []struct {
		configured string
		client     string
	}{
		{"https://login.example.com", testOrigin},
		{"HTTPS://Login.Example.COM", testOrigin},
		{"https://login.example.com:443", testOrigin},
		{"https://login.example.com/", testOrigin},
		{"https://login.example.com:8443", "https://login.example.com:8443"},
		{"https://login.example.com:08443", "https://login.example.com:8443"},
		{"http://localhost:80", "http://localhost"},
		{"http://localhost:8000", "http://localhost:8000"},
		{"https://[::1]:8443", "https://[::1]:8443"},
		{"https://[0:0::1]", "https://[::1]"},
	} {
		t.Run(tc.configured, func(t *testing.T) {
			opts := testOptions()
			opts.Origins = []string{tc.configured}
			require.NoError(t, opts.Validate())
			_, err := passkey.Verify(register(t, a, func(o *passkeytest.RegisterOptions) { o.Origin = tc.client }), opts)
			require.NoError(t, err)
			assert.Equal(t, []string{tc.configured}, opts.Origins, "Verify does not modify the options")
		})
	}
	t.Run("top origin", func(t *testing.T) {
		opts := testOptions()
		opts.AllowCrossOrigin, opts.TopOrigins = true, []string{"HTTPS://Partner.Example:443/"}
		_, err := passkey.Verify(register(t, a, func(o *passkeytest.RegisterOptions) {
			o.CrossOrigin, o.TopOrigin = true, "https://partner.example"
		}), opts)
		require.NoError(t, err)
	})
}

// TestConfiguredOriginsValidated: an origin keytier cannot compare
// exactly fails Validate (and Verify) with options_invalid at the entry.
func TestConfiguredOriginsValidated(t *testing.T) {
	for _, bad := range []string{
		"login.example.com",
		"https://",
		"https://login.example.com/login",
		"https://login.example.com//",
		"https://login.example.com?x=1",
		"https://login.example.com?",
		"https://login.example.com#",
		"https://user@login.example.com",
		"https://user:pw@login.example.com",
		"https://login.example.com:",
		"https://login.example.com:0",
		"https://login.example.com:65536",
		"https://login.example.com:https",
		"https://bücher.example",
		"https://login%2eexample.com",
		"https://login..example.com",
		"https://[fe80::1%25eth0]",
		"https://[not-an-address]",
		"https://[::ffff:1.2.3.4]",
		"ftp://login.example.com",
		"android:apk-key-hash:abc",
		"null",
		" https://login.example.com",
		"https://login.example.com\\@evil.test",
	} {
		t.Run(bad, func(t *testing.T) {
			opts := testOptions()
			opts.Origins = []string{testOrigin, bad}
			err := opts.Validate()
			require.Error(t, err)
			var pe *passkey.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, passkey.CodeOptionsInvalid, pe.Code, "%v", err)
			assert.Equal(t, "VerifyOptions.Origins[1]", pe.Where)
			assert.Contains(t, pe.Reason, "is not an origin")

			_, verr := passkey.Verify(register(t, newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256), nil), opts)
			assert.Equal(t, passkey.CodeOptionsInvalid, passkey.CodeOf(verr))
		})
	}
}
