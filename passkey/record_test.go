package passkey_test

import (
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
)

// TestParseGoWebAuthnRecords stores every sample as go-webauthn stores a
// credential (webauthn.NewCredential, marshalled by encoding/json) and
// reads the row back: the key, the id, the flags, the counter and the
// AAGUID are go-webauthn's, and the verdict is keytier's for the same
// registration without a trust anchor.
func TestParseGoWebAuthnRecords(t *testing.T) {
	all, err := samples.All()
	require.NoError(t, err)
	read := 0
	for _, s := range all {
		parsed, err := protocol.ParseCredentialCreationResponseBytes(s.Registration)
		if err != nil {
			continue // go-webauthn cannot store what it cannot parse
		}
		t.Run(s.Name, func(t *testing.T) {
			wc, err := webauthn.NewCredential(nil, parsed)
			require.NoError(t, err)
			row, err := json.Marshal(wc)
			require.NoError(t, err)

			rec, err := passkey.ParseRecord(row)
			require.NoError(t, err)
			assert.Equal(t, passkey.SourceGoWebAuthn, rec.Source)
			assert.Equal(t, wc.ID, []byte(rec.ID))
			assert.Equal(t, wc.PublicKey, []byte(rec.PublicKey))
			assert.Equal(t, wc.Authenticator.AAGUID, rec.AAGUID[:])
			assert.Equal(t, wc.Authenticator.SignCount, rec.SignCount)
			assert.Equal(t, wc.Flags.BackupEligible, rec.BackupEligible)
			assert.Equal(t, wc.Flags.BackupState, rec.BackupState)
			assert.Equal(t, wc.Flags.UserVerified, rec.UVInitialized)
			assert.Equal(t, wc.AttestationFormat, rec.Attestation.Format)

			c, err := passkey.Inspect(s.Registration)
			require.NoError(t, err)
			assert.Equal(t, c.Authenticator, rec.Registration.Authenticator)
			assert.Equal(t, c.PasskeyType, rec.Registration.PasskeyType)
			assert.Equal(t, c.Backup.Confidence, rec.Registration.Confidence)
			assert.Equal(t, c.Classify().AAL, rec.Registration.AAL)
			assert.Equal(t, rec.Registration.AAL, rec.Current.AAL)
			assert.False(t, rec.Attestation.Trusted, "nothing in a go-webauthn row says a chain was checked")

			// keytier's JSON of it reads back to the same record.
			out, err := json.Marshal(rec)
			require.NoError(t, err)
			back, err := passkey.ParseRecord(out)
			require.NoError(t, err)
			assert.Equal(t, rec, back)
		})
		read++
	}
	require.GreaterOrEqual(t, read, 20, "most samples are rows go-webauthn can store")
}

// Bad records name the member.
func TestParseRecordErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		code     passkey.Code
		where    string
	}{
		{"empty", " ", passkey.CodeInputEmpty, "record"},
		{"not JSON", "{", passkey.CodeRecordInvalid, "input@1"},
		{"id of the wrong type", `{"id": 5}`, passkey.CodeRecordInvalid, "id"},
		{"no key", `{"id": "AAEC"}`, passkey.CodeRecordInvalid, "publicKey"},
		{"key that is not COSE", `{"id": "AAEC", "publicKey": "AAEC"}`, passkey.CodeRecordInvalid, "publicKey"},
		{"go-webauthn row, bad base64", `{"id": "!!", "publicKey": "AA==", "authenticator": {}}`, passkey.CodeEncodingInvalid, "id"},
		{"go-webauthn row, short AAGUID", `{"id": "AAEC", "publicKey": "pQECAyYgASFYIA==", "authenticator": {"AAGUID": "AAEC"}}`, passkey.CodeRecordInvalid, "authenticator.AAGUID"},
		{"repeated member", `{"id": "AAEC", "id": "AAEC"}`, passkey.CodeRecordInvalid, "id@15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := passkey.ParseRecord([]byte(tc.in))
			var pe *passkey.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.code, pe.Code, "%v", err)
			assert.Equal(t, tc.where, pe.Where, "%v", err)
		})
	}
	_, err := passkey.ParseRecord(make([]byte, passkey.MaxRecordSize+1))
	assert.Equal(t, passkey.CodeInputTooLarge, passkey.CodeOf(err))
}

// A member of the wrong type is named with what it should be, in words.
func TestParseRecordTypeErrorsInWords(t *testing.T) {
	for in, want := range map[string]string{
		`{"userHandle": 5}`:       "want a base64url string",
		`{"signCount": "x"}`:      "want a non-negative integer",
		`{"registeredAt": 3}`:     "want an RFC 3339 time",
		`{"aaguid": true}`:        "want a UUID string",
		`{"transports": "usb"}`:   "want an array of strings",
		`{"backupEligible": "1"}`: "want true or false",
	} {
		_, err := passkey.ParseRecord([]byte(in))
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
		assert.NotContains(t, err.Error(), "passkey.", in)
	}
}
