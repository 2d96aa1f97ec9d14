package passkey_test

import (
	"encoding/base64"
	"testing"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// signInRejections is one sign-in per §7.2 refusal, each made by the
// virtual authenticator with one thing changed. Codes shared with
// registration (client data, rpIdHash, UP/UV, flags) get a sign-in row too,
// since VerifyAssertion reaches them by its own path.
func signInRejections(t *testing.T) []rejection {
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	e := enroll(t, a, false, testOptions())
	multi := enroll(t, newAuthenticator(t, passkeytest.AttestationNone, passkeytest.EdDSA), true, testOptions())
	other := enroll(t, newAuthenticator(t, passkeytest.AttestationNone, passkeytest.RS256), false, testOptions())

	type inputs = func(*testing.T) ([]byte, *passkey.Record, passkey.AssertionOptions)
	signIn := func(en enrolled, mod func(*passkeytest.AssertOptions), opts func(*passkey.AssertionOptions)) inputs {
		return func(t *testing.T) ([]byte, *passkey.Record, passkey.AssertionOptions) {
			o := assertOptions()
			if opts != nil {
				opts(&o)
			}
			return en.assert(t, mod), en.record, o
		}
	}
	withRecord := func(f func(*passkey.Record)) inputs {
		return func(t *testing.T) ([]byte, *passkey.Record, passkey.AssertionOptions) {
			rec := e.record.Clone()
			f(rec)
			return e.assert(t, nil), rec, assertOptions()
		}
	}
	edited := func(f func(map[string]any)) inputs {
		return func(t *testing.T) ([]byte, *passkey.Record, passkey.AssertionOptions) {
			return editJSON(t, e.assert(t, nil), f), e.record, assertOptions()
		}
	}
	rows := []rejection{
		{name: "sign-in: empty input", code: passkey.CodeInputEmpty, where: "input",
			inputs: func(*testing.T) ([]byte, *passkey.Record, passkey.AssertionOptions) {
				return nil, e.record, assertOptions()
			}},
		{name: "sign-in: a registration response", code: passkey.CodeJSONInvalid, where: "response.attestationObject",
			inputs: func(t *testing.T) ([]byte, *passkey.Record, passkey.AssertionOptions) {
				return register(t, a, nil), e.record, assertOptions()
			}},
		{name: "sign-in: discoverable, and no owner to check userHandle against", code: passkey.CodeOptionsInvalid, where: "AssertionOptions.UserHandle",
			inputs: withRecord(func(r *passkey.Record) { r.UserHandle = nil })},
		{name: "sign-in: options without a challenge", code: passkey.CodeFieldMissing, where: "AssertionOptions",
			inputs: signIn(e, nil, func(o *passkey.AssertionOptions) { o.Challenge = nil })},
		{name: "sign-in: record without a key", code: passkey.CodeRecordInvalid, where: "record.publicKey",
			inputs: withRecord(func(r *passkey.Record) { r.PublicKey = []byte{0xa0} })},
		{name: "sign-in: another credential's record", code: passkey.CodeCredentialIDMismatch, where: "rawId",
			inputs: func(t *testing.T) ([]byte, *passkey.Record, passkey.AssertionOptions) {
				return e.assert(t, nil), other.record, assertOptions()
			}},
		{name: "sign-in: not in allowCredentials", code: passkey.CodeCredentialNotAllowed, where: "rawId",
			inputs: signIn(e, nil, func(o *passkey.AssertionOptions) { o.AllowCredentials = [][]byte{other.record.ID} })},
		{name: "sign-in: discoverable without userHandle", code: passkey.CodeUserHandleMissing, where: "response.userHandle",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.OmitUserHandle = true }, nil)},
		{name: "sign-in: another user's handle", code: passkey.CodeUserHandleMismatch, where: "response.userHandle",
			inputs: signIn(e, nil, func(o *passkey.AssertionOptions) { o.UserHandle = []byte("user-0002") })},
		{name: "sign-in: type webauthn.create", code: passkey.CodeClientDataType, where: "clientDataJSON.type",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.Type = "webauthn.create" }, nil)},
		{name: "sign-in: another challenge", code: passkey.CodeChallengeMismatch, where: "clientDataJSON.challenge",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.Challenge = []byte("an old challenge") }, nil)},
		{name: "sign-in: origin with a path", code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.Origin = testOrigin + "/login" }, nil)},
		{name: "sign-in: cross-origin iframe", code: passkey.CodeCrossOrigin, where: "clientDataJSON.crossOrigin",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.CrossOrigin = true }, nil)},
		{name: "sign-in: top origin not allowed", code: passkey.CodeTopOriginMismatch, where: "clientDataJSON.topOrigin",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.CrossOrigin, o.TopOrigin = true, "https://evil.example" },
				func(o *passkey.AssertionOptions) {
					o.AllowCrossOrigin, o.TopOrigins = true, []string{"https://partner.example"}
				})},
		{name: "sign-in: another RP ID", code: passkey.CodeRPIDMismatch, where: "authData.rpIdHash",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.Tamper.RPID = "evil.example" }, nil)},
		{name: "sign-in: UP clear", code: passkey.CodeUserNotPresent, where: "authData.flags",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.OmitUserPresence = true }, nil)},
		{name: "sign-in: UV required, clear", code: passkey.CodeUserNotVerified, where: "authData.flags",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.UserVerified = false },
				func(o *passkey.AssertionOptions) { o.RequireUserVerification = true })},
		{name: "sign-in: unrequested extension", code: passkey.CodeExtensionUnexpected, where: "clientExtensionResults.appid",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.ClientExtensionResults = map[string]any{"appid": true} },
				func(o *passkey.AssertionOptions) { o.Extensions = []string{} })},
		{name: "sign-in: truncated authenticator data", code: passkey.CodeAuthDataInvalid, where: "response.authenticatorData",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) {
				o.Tamper.AuthenticatorData = func(ad []byte) []byte { return ad[:36] }
			}, nil)},
		{name: "sign-in: bad base64url signature", code: passkey.CodeEncodingInvalid, where: "response.signature",
			inputs: edited(func(m map[string]any) { m["response"].(map[string]any)["signature"] = "not*base64" })},
		{name: "sign-in: id differs from rawId", code: passkey.CodeCredentialIDMismatch, where: "id",
			inputs: edited(func(m map[string]any) { m["id"] = base64.RawURLEncoding.EncodeToString([]byte("x")) })},
		{name: "sign-in: corrupt signature", code: passkey.CodeAssertionSignature, where: "response.signature",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.Tamper.CorruptSignature = true }, nil)},
		{name: "sign-in: signed by another key", code: passkey.CodeAssertionSignature, where: "response.signature",
			inputs: withRecord(func(r *passkey.Record) { r.PublicKey, r.Algorithm = other.record.PublicKey, other.record.Algorithm })},
		{name: "sign-in: BS without BE", code: passkey.CodeFlagsInconsistent, where: "authData.flags",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.BackedUp = true }, nil)},
		{name: "sign-in: BE appeared", code: passkey.CodeBackupEligibilityChanged, where: "authData.flags.BE",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.Tamper.Flags = func(f byte) byte { return f | 0x08 } }, nil)},
		{name: "sign-in: BE vanished", code: passkey.CodeBackupEligibilityChanged, where: "authData.flags.BE",
			inputs: signIn(multi, func(o *passkeytest.AssertOptions) { o.Tamper.Flags = func(f byte) byte { return f &^ 0x08 } }, nil)},
		{name: "sign-in: counter went back, policy rejects", code: passkey.CodeSignCountRegressed, where: "authData.signCount",
			inputs: signIn(e, func(o *passkeytest.AssertOptions) { o.SignCount = 1 },
				func(o *passkey.AssertionOptions) { o.RejectSignCountRegression = true })},
	}
	for i := range rows {
		in := rows[i].inputs
		rows[i].run = func(t *testing.T) error {
			data, rec, o := in(t)
			_, err := passkey.VerifyAssertion(data, rec, o)
			return err
		}
	}
	return rows
}

// runBoth runs a sign-in row through other (go-webauthn, say) and then
// through VerifyAssertion, on the same inputs.
func (r rejection) runBoth(t *testing.T, other func([]byte, *passkey.Record, passkey.AssertionOptions)) error {
	data, rec, o := r.inputs(t)
	other(data, rec, o)
	_, err := passkey.VerifyAssertion(data, rec, o)
	return err
}
