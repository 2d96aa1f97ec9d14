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

	signIn := func(en enrolled, mod func(*passkeytest.AssertOptions), opts func(*passkey.AssertionOptions)) func(*testing.T) error {
		return func(t *testing.T) error {
			o := assertOptions()
			if opts != nil {
				opts(&o)
			}
			_, err := passkey.VerifyAssertion(en.assert(t, mod), en.record, o)
			return err
		}
	}
	withRecord := func(f func(*passkey.Record)) func(*testing.T) error {
		return func(t *testing.T) error {
			rec := e.record.Clone()
			f(rec)
			_, err := passkey.VerifyAssertion(e.assert(t, nil), rec, assertOptions())
			return err
		}
	}
	return []rejection{
		{name: "sign-in: empty input", code: passkey.CodeInputEmpty, where: "input",
			run: func(*testing.T) error { _, err := passkey.VerifyAssertion(nil, e.record, assertOptions()); return err }},
		{name: "sign-in: a registration response", code: passkey.CodeJSONInvalid, where: "response.attestationObject",
			run: func(t *testing.T) error {
				_, err := passkey.VerifyAssertion(register(t, a, nil), e.record, assertOptions())
				return err
			}},
		{name: "sign-in: options without a challenge", code: passkey.CodeFieldMissing, where: "AssertionOptions",
			run: signIn(e, nil, func(o *passkey.AssertionOptions) { o.Challenge = nil })},
		{name: "sign-in: record without a key", code: passkey.CodeRecordInvalid, where: "record.publicKey",
			run: withRecord(func(r *passkey.Record) { r.PublicKey = []byte{0xa0} })},
		{name: "sign-in: another credential's record", code: passkey.CodeCredentialIDMismatch, where: "rawId",
			run: func(t *testing.T) error {
				_, err := passkey.VerifyAssertion(e.assert(t, nil), other.record, assertOptions())
				return err
			}},
		{name: "sign-in: not in allowCredentials", code: passkey.CodeCredentialNotAllowed, where: "rawId",
			run: signIn(e, nil, func(o *passkey.AssertionOptions) { o.AllowCredentials = [][]byte{other.record.ID} })},
		{name: "sign-in: discoverable without userHandle", code: passkey.CodeUserHandleMissing, where: "response.userHandle",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.OmitUserHandle = true }, nil)},
		{name: "sign-in: another user's handle", code: passkey.CodeUserHandleMismatch, where: "response.userHandle",
			run: signIn(e, nil, func(o *passkey.AssertionOptions) { o.UserHandle = []byte("user-0002") })},
		{name: "sign-in: type webauthn.create", code: passkey.CodeClientDataType, where: "clientDataJSON.type",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.Type = "webauthn.create" }, nil)},
		{name: "sign-in: another challenge", code: passkey.CodeChallengeMismatch, where: "clientDataJSON.challenge",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.Challenge = []byte("an old challenge") }, nil)},
		{name: "sign-in: origin with a path", code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.Origin = testOrigin + "/login" }, nil)},
		{name: "sign-in: cross-origin iframe", code: passkey.CodeCrossOrigin, where: "clientDataJSON.crossOrigin",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.CrossOrigin = true }, nil)},
		{name: "sign-in: top origin not allowed", code: passkey.CodeTopOriginMismatch, where: "clientDataJSON.topOrigin",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.CrossOrigin, o.TopOrigin = true, "https://evil.example" },
				func(o *passkey.AssertionOptions) {
					o.AllowCrossOrigin, o.TopOrigins = true, []string{"https://partner.example"}
				})},
		{name: "sign-in: another RP ID", code: passkey.CodeRPIDMismatch, where: "authData.rpIdHash",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.Tamper.RPID = "evil.example" }, nil)},
		{name: "sign-in: UP clear", code: passkey.CodeUserNotPresent, where: "authData.flags",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.OmitUserPresence = true }, nil)},
		{name: "sign-in: UV required, clear", code: passkey.CodeUserNotVerified, where: "authData.flags",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.UserVerified = false },
				func(o *passkey.AssertionOptions) { o.RequireUserVerification = true })},
		{name: "sign-in: unrequested extension", code: passkey.CodeExtensionUnexpected, where: "clientExtensionResults.appid",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.ClientExtensionResults = map[string]any{"appid": true} },
				func(o *passkey.AssertionOptions) { o.Extensions = []string{} })},
		{name: "sign-in: truncated authenticator data", code: passkey.CodeAuthDataInvalid, where: "response.authenticatorData",
			run: signIn(e, func(o *passkeytest.AssertOptions) {
				o.Tamper.AuthenticatorData = func(ad []byte) []byte { return ad[:36] }
			}, nil)},
		{name: "sign-in: bad base64url signature", code: passkey.CodeEncodingInvalid, where: "response.signature",
			run: func(t *testing.T) error {
				_, err := passkey.VerifyAssertion(editJSON(t, e.assert(t, nil), func(m map[string]any) {
					m["response"].(map[string]any)["signature"] = "not*base64"
				}), e.record, assertOptions())
				return err
			}},
		{name: "sign-in: id differs from rawId", code: passkey.CodeCredentialIDMismatch, where: "id",
			run: func(t *testing.T) error {
				_, err := passkey.VerifyAssertion(editJSON(t, e.assert(t, nil), func(m map[string]any) {
					m["id"] = base64.RawURLEncoding.EncodeToString([]byte("x"))
				}), e.record, assertOptions())
				return err
			}},
		{name: "sign-in: corrupt signature", code: passkey.CodeAssertionSignature, where: "response.signature",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.Tamper.CorruptSignature = true }, nil)},
		{name: "sign-in: signed by another key", code: passkey.CodeAssertionSignature, where: "response.signature",
			run: func(t *testing.T) error {
				rec := e.record.Clone()
				rec.PublicKey = other.record.PublicKey
				rec.Algorithm = other.record.Algorithm
				_, err := passkey.VerifyAssertion(e.assert(t, nil), rec, assertOptions())
				return err
			}},
		{name: "sign-in: BS without BE", code: passkey.CodeFlagsInconsistent, where: "authData.flags",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.BackedUp = true }, nil)},
		{name: "sign-in: BE appeared", code: passkey.CodeBackupEligibilityChanged, where: "authData.flags.BE",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.Tamper.Flags = func(f byte) byte { return f | 0x08 } }, nil)},
		{name: "sign-in: BE vanished", code: passkey.CodeBackupEligibilityChanged, where: "authData.flags.BE",
			run: signIn(multi, func(o *passkeytest.AssertOptions) { o.Tamper.Flags = func(f byte) byte { return f &^ 0x08 } }, nil)},
		{name: "sign-in: counter went back, policy rejects", code: passkey.CodeSignCountRegressed, where: "authData.signCount",
			run: signIn(e, func(o *passkeytest.AssertOptions) { o.SignCount = 1 },
				func(o *passkey.AssertionOptions) { o.RejectSignCountRegression = true })},
	}
}
