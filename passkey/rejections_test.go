package passkey_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// rejection is one input that must fail with one code, at one place.
type rejection struct {
	name  string
	code  passkey.Code
	where string
	run   func(t *testing.T) error
	// inputs, for a sign-in row: what VerifyAssertion is given, so
	// another verifier can be run on the same (runBoth).
	inputs func(t *testing.T) ([]byte, *passkey.Record, passkey.AssertionOptions)
}

// TestEveryCodeHasARejection makes one input per failure code, from the
// virtual authenticator's output changed byte by byte, and checks the exact
// code and Where. TestRejectionTableCoversEveryCode keeps it complete.
func TestEveryCodeHasARejection(t *testing.T) {
	for _, r := range rejections(t) {
		t.Run(string(r.code)+"/"+r.name, func(t *testing.T) {
			err := r.run(t)
			require.Error(t, err)
			var pe *passkey.Error
			require.ErrorAs(t, err, &pe, "%v", err)
			assert.Equal(t, r.code, pe.Code, "%v", err)
			assert.Equal(t, r.where, pe.Where, "%v", err)
			assert.NotEmpty(t, pe.Reason, "a rejection says why")
		})
	}
}

// TestRejectionTableCoversEveryCode reads the Code constants declared in
// errors.go, so that a code added there without a rejection above fails.
func TestRejectionTableCoversEveryCode(t *testing.T) {
	declared := declaredCodes(t)
	require.GreaterOrEqual(t, len(declared), 30, "errors.go parsed into too few codes to be right")
	tested := map[passkey.Code]bool{}
	for _, r := range rejections(t) {
		tested[r.code] = true
	}
	names := map[passkey.Code]string{}
	for name, code := range declared {
		names[code] = name
		assert.True(t, tested[code], "%s (%q) has no rejection in TestEveryCodeHasARejection", name, code)
	}
	for code := range tested {
		assert.Contains(t, names, code, "%q is tested but not declared in errors.go", code)
	}
}

// declaredCodes returns every constant of type Code in errors.go, by name.
func declaredCodes(t *testing.T) map[string]passkey.Code {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	require.NoError(t, err)
	codes := map[string]passkey.Code{}
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				require.True(t, ok && lit.Kind == token.STRING, "%s: a Code is a string literal", name.Name)
				v, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				codes[name.Name] = passkey.Code(v)
			}
		}
	}
	return codes
}

func rejections(t *testing.T) []rejection {
	none := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	packed := newAuthenticator(t, passkeytest.AttestationPacked, passkeytest.ES256)
	u2f := newAuthenticator(t, passkeytest.AttestationFIDOU2F, passkeytest.ES256)

	inspect := func(data []byte) func(*testing.T) error {
		return func(*testing.T) error { _, err := passkey.Inspect(data); return err }
	}
	verify := func(a *passkeytest.Authenticator, reg func(*passkeytest.RegisterOptions), opts func(*passkey.VerifyOptions)) func(*testing.T) error {
		return func(t *testing.T) error {
			o := testOptions()
			if opts != nil {
				opts(&o)
			}
			_, err := passkey.Verify(register(t, a, reg), o)
			return err
		}
	}
	verifyData := func(data func(*testing.T) []byte) func(*testing.T) error {
		return func(t *testing.T) error { _, err := passkey.Verify(data(t), testOptions()); return err }
	}
	tamperAuthData := func(f func(ad []byte) []byte) func(*passkeytest.RegisterOptions) {
		return func(o *passkeytest.RegisterOptions) { o.Tamper.AuthenticatorData = f }
	}
	tamperFlags := func(f func(byte) byte) func(*passkeytest.RegisterOptions) {
		return func(o *passkeytest.RegisterOptions) { o.Tamper.Flags = f }
	}
	raw := rawAttestationObject(t, none, nil)
	// Where the COSE key's members sit in the none authenticator's
	// authenticator data: the key and the credential id are fixed, so the
	// offsets hold for every registration below.
	noneAuthData := authenticatorData(t, raw)
	algAt := coseMember(t, noneAuthData, []byte{0x03, 0x26})     // alg: -7
	xAt := coseMember(t, noneAuthData, []byte{0x21, 0x58, 0x20}) // x (-2): 32 bytes
	yAt := coseMember(t, noneAuthData, []byte{0x22, 0x58, 0x20}) // y (-3): 32 bytes
	revoked := mdsFor(t, mdstest.Authenticator{
		AAGUID:           testAAGUID,
		Description:      "keytier Test Key",
		RootCertificates: []*x509Certificate{passkeytest.RootCertificate()},
		Status:           []mdstest.Status{{Status: "REVOKED", EffectiveDate: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}, time.Now().AddDate(0, 1, 0))

	rows := []rejection{
		// Input and decoding.
		{name: "nothing", code: passkey.CodeInputEmpty, where: "input", run: inspect(nil)},
		{name: "one byte over MaxInputSize", code: passkey.CodeInputTooLarge, where: "input",
			run: inspect(bytes.Repeat([]byte(base64.RawURLEncoding.EncodeToString(raw)), passkey.MaxInputSize/len(raw)+1)[:passkey.MaxInputSize+1])},
		{name: "base64url text with a byte that is not UTF-8", code: passkey.CodeInputUnrecognized, where: "input",
			run: inspect(append([]byte(base64.RawURLEncoding.EncodeToString(raw)), 0xff))},
		{name: "base64url with a character outside the alphabet", code: passkey.CodeEncodingInvalid, where: "input",
			run: inspect(replaceAt([]byte(base64.RawURLEncoding.EncodeToString(raw)), 10, '!'))},
		{name: "JSON cut short", code: passkey.CodeJSONInvalid, where: "id@50",
			run: func(t *testing.T) error { _, err := passkey.Inspect(register(t, none, nil)[:50]); return err }},
		{name: "no attestationObject", code: passkey.CodeFieldMissing, where: "response.attestationObject",
			run: func(t *testing.T) error {
				_, err := passkey.Inspect(editJSON(t, register(t, none, nil), func(m map[string]any) { delete(m["response"].(map[string]any), "attestationObject") }))
				return err
			}},
		{name: "attestation object cut short", code: passkey.CodeCBORTruncated, where: "input", run: inspect(raw[:len(raw)-1])},
		{name: "a byte after the attestation object", code: passkey.CodeCBORTrailingBytes, where: "input", run: inspect(append(bytes.Clone(raw), 0x00))},
		{name: "attStmt nested one level past MaxCBORNesting", code: passkey.CodeCBORLimit, where: "input",
			run: inspect(withAttStmt(t, raw, nested(passkey.MaxCBORNesting)))},
		{name: "indefinite-length attestation object", code: passkey.CodeCBORInvalid, where: "input",
			run: inspect(append(replaceAt(bytes.Clone(raw), 0, 0xbf), 0xff))},

		// Authenticator data (§6.1). The none format signs nothing, so
		// bytes changed after the fact reach the parser, not a signature check.
		{name: "AT clear", code: passkey.CodeAuthDataInvalid, where: "response.attestationObject.authData",
			run: verify(none, tamperFlags(func(f byte) byte { return f &^ 0x40 }), nil)},
		{name: "AT clear, authenticator data of 37 bytes", code: passkey.CodeAuthDataInvalid, where: "response.attestationObject.authData@32",
			run: verify(none, tamperAuthData(func(ad []byte) []byte { ad[32] &^= 0x40; return ad[:37] }), nil)},
		{name: "ED set, no extension data", code: passkey.CodeAuthDataInvalid, where: "response.attestationObject.authData",
			run: verify(none, tamperFlags(func(f byte) byte { return f | 0x80 }), nil)},
		{name: "authenticator data cut inside the credential public key", code: passkey.CodeAuthDataInvalid, where: "response.attestationObject.authData.credentialPublicKey",
			run: verify(none, tamperAuthData(func(ad []byte) []byte { return ad[:len(ad)-1] }), nil)},
		{name: "authenticator data cut inside the credential id", code: passkey.CodeAuthDataInvalid, where: "response.attestationObject.authData",
			run: verify(none, tamperAuthData(func(ad []byte) []byte { return ad[:60] }), nil)},
		{name: "a byte after the credential public key", code: passkey.CodeAuthDataInvalid, where: "response.attestationObject.authData",
			run: verify(none, tamperAuthData(func(ad []byte) []byte { return append(ad, 0x00) }), nil)},
		{name: "a byte after the extension outputs", code: passkey.CodeAuthDataInvalid, where: "response.attestationObject.authData.extensions",
			run: verify(none, func(o *passkeytest.RegisterOptions) {
				o.Extensions = map[string]any{"credProtect": uint64(2)}
				o.Tamper.AuthenticatorData = func(ad []byte) []byte { return append(ad, 0x00) }
			}, nil)},
		{name: "credential id of 1024 bytes", code: passkey.CodeCredentialIDLength, where: "response.attestationObject.authData@53",
			run: verify(none, func(o *passkeytest.RegisterOptions) { o.CredentialID = bytes.Repeat([]byte{7}, 1024) }, nil)},
		{name: "COSE alg -260", code: passkey.CodeAlgUnsupported, where: "response.attestationObject.authData.credentialPublicKey",
			run: verify(none, tamperAuthData(func(ad []byte) []byte {
				return bytes.Join([][]byte{ad[:algAt], {0x03, 0x39, 0x01, 0x03}, ad[algAt+2:]}, nil)
			}), nil)},
		// checkAlgorithm: go-webauthn's none procedure never parses the key.
		{name: "ES256 key off the curve", code: passkey.CodeAlgUnsupported, where: "authData.credentialPublicKey",
			run: verify(none, tamperAuthData(func(ad []byte) []byte {
				ad[yAt+3+31] ^= 0x01
				return ad
			}), nil)},
		{name: "ES256 key with a 31-byte x", code: passkey.CodeAlgUnsupported, where: "authData.credentialPublicKey",
			run: verify(none, tamperAuthData(func(ad []byte) []byte {
				return bytes.Join([][]byte{ad[:xAt+2], {0x1f}, ad[xAt+3 : xAt+3+31], ad[xAt+3+32:]}, nil)
			}), nil)},
		{name: "clientDataJSON not an object", code: passkey.CodeClientDataInvalid, where: "response.clientDataJSON",
			run: verify(none, func(o *passkeytest.RegisterOptions) {
				o.Tamper.ClientDataJSON = func([]byte) []byte { return []byte(`["webauthn.create"]`) }
			}, nil)},
		{name: "publicKeyAlgorithm echo differs", code: passkey.CodeResponseMismatch, where: "response.publicKeyAlgorithm",
			run: verifyData(func(t *testing.T) []byte {
				return editJSON(t, register(t, none, nil), func(m map[string]any) { m["response"].(map[string]any)["publicKeyAlgorithm"] = -257 })
			})},

		// Verification (§7.1).
		{name: "webauthn.get", code: passkey.CodeClientDataType, where: "clientDataJSON.type",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.Type = "webauthn.get" }, nil)},
		{name: "another challenge", code: passkey.CodeChallengeMismatch, where: "clientDataJSON.challenge",
			run: verify(packed, nil, func(o *passkey.VerifyOptions) { o.Challenge = []byte("another challenge") })},
		{name: "another origin", code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.Origin = "https://login.example.com.evil.test" }, nil)},
		// §7.1 step 9 with §13.4.9: C.origin must be the serialized origin
		// itself. go-webauthn's matcher compares scheme and host only and
		// accepts every one of these for "https://login.example.com".
		{name: "origin with a path and query", code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.Origin = testOrigin + "/some/path?q=1" }, nil)},
		{name: "origin with userinfo", code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.Origin = "https://attacker@login.example.com" }, nil)},
		{name: "origin in upper case", code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.Origin = "https://LOGIN.example.com" }, nil)},
		{name: "origin with the default port", code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.Origin = testOrigin + ":443" }, nil)},
		{name: "origin with a trailing slash", code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.Origin = testOrigin + "/" }, nil)},
		{name: "origin with a fragment", code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.Origin = testOrigin + "#x" }, nil)},
		{name: "origin over http", code: passkey.CodeOriginMismatch, where: "clientDataJSON.origin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.Origin = "http://login.example.com" }, nil)},
		{name: "cross-origin iframe", code: passkey.CodeCrossOrigin, where: "clientDataJSON.crossOrigin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.CrossOrigin = true }, nil)},
		{name: "top origin not allowed", code: passkey.CodeTopOriginMismatch, where: "clientDataJSON.topOrigin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.CrossOrigin, o.TopOrigin = true, "https://embedder.example" },
				func(o *passkey.VerifyOptions) {
					o.AllowCrossOrigin, o.TopOrigins = true, []string{"https://partner.example"}
				})},
		{name: "top origin with a path", code: passkey.CodeTopOriginMismatch, where: "clientDataJSON.topOrigin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) {
				o.CrossOrigin, o.TopOrigin = true, "https://partner.example/embed"
			},
				func(o *passkey.VerifyOptions) {
					o.AllowCrossOrigin, o.TopOrigins = true, []string{"https://partner.example"}
				})},
		{name: "top origin with userinfo", code: passkey.CodeTopOriginMismatch, where: "clientDataJSON.topOrigin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.CrossOrigin, o.TopOrigin = true, "https://x@partner.example" },
				func(o *passkey.VerifyOptions) {
					o.AllowCrossOrigin, o.TopOrigins = true, []string{"https://partner.example"}
				})},
		{name: "top origin with a port", code: passkey.CodeTopOriginMismatch, where: "clientDataJSON.topOrigin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) {
				o.CrossOrigin, o.TopOrigin = true, "https://partner.example:8443"
			},
				func(o *passkey.VerifyOptions) {
					o.AllowCrossOrigin, o.TopOrigins = true, []string{"https://partner.example"}
				})},
		// §5.8.1: topOrigin is present only when crossOrigin is true; §7.1
		// step 7 has the relying party verify it expected an iframe.
		{name: "topOrigin without crossOrigin", code: passkey.CodeTopOriginMismatch, where: "clientDataJSON.topOrigin",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.TopOrigin = "https://embedder.example" }, nil)},
		{name: "another RP id", code: passkey.CodeRPIDMismatch, where: "authData.rpIdHash",
			run: verify(packed, nil, func(o *passkey.VerifyOptions) { o.RPID = "example.com" })},
		{name: "UP clear", code: passkey.CodeUserNotPresent, where: "authData.flags",
			run: verify(none, func(o *passkeytest.RegisterOptions) { o.OmitUserPresence = true }, nil)},
		{name: "UV clear, required", code: passkey.CodeUserNotVerified, where: "authData.flags",
			run: verify(none, func(o *passkeytest.RegisterOptions) { o.UserVerified = false }, func(o *passkey.VerifyOptions) { o.RequireUserVerification = true })},
		{name: "BS without BE", code: passkey.CodeFlagsInconsistent, where: "authData.flags",
			run: verify(none, func(o *passkeytest.RegisterOptions) { o.BackedUp = true }, nil)},
		{name: "ES256 not offered", code: passkey.CodeAlgNotAllowed, where: "authData.credentialPublicKey.alg",
			run: verify(packed, nil, func(o *passkey.VerifyOptions) { o.Algorithms = []int64{-257} })},
		{name: "credProtect not requested", code: passkey.CodeExtensionUnexpected, where: "authData.extensions.credProtect",
			run: verify(none, func(o *passkeytest.RegisterOptions) { o.Extensions = map[string]any{"credProtect": uint64(2)} },
				func(o *passkey.VerifyOptions) { o.Extensions = []string{} })},
		{name: "fmt none renamed", code: passkey.CodeFormatUnsupported, where: "attestationObject.fmt",
			run: verifyData(func(t *testing.T) []byte {
				return editAttestationObject(t, register(t, none, nil), func(ao []byte) []byte {
					return bytes.Replace(ao, []byte("\x64none"), []byte("\x64nope"), 1)
				})
			})},
		{name: "fmt packed renamed", code: passkey.CodeFormatUnsupported, where: "attestationObject.fmt",
			run: verifyData(func(t *testing.T) []byte {
				return editAttestationObject(t, register(t, packed, nil), func(ao []byte) []byte {
					return bytes.Replace(ao, []byte("\x66packed"), []byte("\x66pecked"), 1)
				})
			})},
		{name: "packed signature bit flipped", code: passkey.CodeSignatureInvalid, where: "attStmt.sig",
			run: verify(packed, func(o *passkeytest.RegisterOptions) { o.Tamper.CorruptSignature = true }, nil)},
		{name: "fido-u2f signature bit flipped", code: passkey.CodeSignatureInvalid, where: "attStmt.sig",
			run: verify(u2f, func(o *passkeytest.RegisterOptions) { o.Tamper.CorruptSignature = true }, nil)},
		{name: "x5c[0] overwritten", code: passkey.CodeAttestationInvalid, where: "response.attestationObject.attStmt.x5c",
			run: verifyData(func(t *testing.T) []byte {
				leaf := packed.Chain()[0].Raw
				return editAttestationObject(t, register(t, packed, nil), func(ao []byte) []byte {
					i := bytes.Index(ao, leaf)
					require.Positive(t, i)
					copy(ao[i:], bytes.Repeat([]byte{0x01}, 8))
					return ao
				})
			})},
		{name: "reference time after the chain expires", code: passkey.CodeCertExpired, where: "attStmt.x5c[0]",
			run: verify(packed, nil, func(o *passkey.VerifyOptions) { o.Time = time.Date(2130, 1, 1, 0, 0, 0, 0, time.UTC) })},
		{name: "reference time before the chain", code: passkey.CodeCertNotYetValid, where: "attStmt.x5c[0]",
			run: verify(packed, nil, func(o *passkey.VerifyOptions) { o.Time = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC) })},
		{name: "trust required, no anchor", code: passkey.CodeUntrusted, where: "attStmt",
			run: verify(packed, nil, func(o *passkey.VerifyOptions) { o.RequireTrustedAttestation = true })},
		{name: "MDS says revoked", code: passkey.CodeAuthenticatorStatus, where: "mds",
			run: verify(packed, nil, func(o *passkey.VerifyOptions) {
				o.MDS = revoked
			})},
		{name: "id differs from rawId", code: passkey.CodeCredentialIDMismatch, where: "id",
			run: func(t *testing.T) error {
				_, err := passkey.Inspect(editJSON(t, register(t, none, nil), func(m map[string]any) {
					m["id"] = base64.RawURLEncoding.EncodeToString([]byte("another credential"))
				}))
				return err
			}},
		{name: "id and rawId differ from the attested credential id", code: passkey.CodeCredentialIDMismatch, where: "rawId",
			run: verifyData(func(t *testing.T) []byte {
				return editJSON(t, register(t, none, nil), func(m map[string]any) {
					m["id"] = base64.RawURLEncoding.EncodeToString([]byte("another credential"))
					m["rawId"] = m["id"]
				})
			})},
		{name: "configured origin with a path", code: passkey.CodeOptionsInvalid, where: "VerifyOptions.Origins[1]",
			run: verify(packed, nil, func(o *passkey.VerifyOptions) { o.Origins = []string{testOrigin, testOrigin + "/login"} })},
		{name: "configured top origin with userinfo", code: passkey.CodeOptionsInvalid, where: "VerifyOptions.TopOrigins[0]",
			run: verify(packed, nil, func(o *passkey.VerifyOptions) { o.TopOrigins = []string{"https://u@partner.example"} })},
		{name: "bare attestation object", code: passkey.CodeVerifyUnavailable, where: "input",
			run: func(*testing.T) error { _, err := passkey.Verify(raw, testOptions()); return err }},
	}
	return append(rows, signInRejections(t)...)
}

// rawAttestationObject registers with a and returns the bare attestation
// object.
func rawAttestationObject(t testing.TB, a *passkeytest.Authenticator, mod func(*passkeytest.RegisterOptions)) []byte {
	t.Helper()
	o := passkeytest.RegisterOptions{RPID: testRPID, Origin: testOrigin, Challenge: testChallenge, UserVerified: true}
	if mod != nil {
		mod(&o)
	}
	r, err := a.Register(o)
	require.NoError(t, err)
	return r.AttestationObject
}

func replaceAt(b []byte, i int, c byte) []byte {
	b[i] = c
	return b
}

// editJSON changes a registration response as a JSON object.
func editJSON(t testing.TB, data []byte, f func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	f(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// editAttestationObject changes the bytes of a registration response's
// attestation object.
func editAttestationObject(t testing.TB, data []byte, f func([]byte) []byte) []byte {
	t.Helper()
	return editJSON(t, data, func(m map[string]any) {
		resp := m["response"].(map[string]any)
		ao, err := base64.RawURLEncoding.DecodeString(resp["attestationObject"].(string))
		require.NoError(t, err)
		changed := f(bytes.Clone(ao))
		require.NotEqual(t, ao, changed, "the edit changed nothing")
		resp["attestationObject"] = base64.RawURLEncoding.EncodeToString(changed)
	})
}

// authenticatorData returns the authData of an attestation object.
func authenticatorData(t testing.TB, attObj []byte) []byte {
	t.Helper()
	var att struct {
		AuthData []byte `cbor:"authData"`
	}
	require.NoError(t, cbor.Unmarshal(attObj, &att))
	return att.AuthData
}

// coseMember returns the offset in authenticator data ad of the credential
// public key member that starts with the bytes member (label, then the
// value's head).
func coseMember(t testing.TB, ad, member []byte) int {
	t.Helper()
	start := 55 + int(binary.BigEndian.Uint16(ad[53:55]))
	i := bytes.Index(ad[start+1:], member) // past the map header
	require.GreaterOrEqual(t, i, 0)
	return start + 1 + i
}

// nested returns depth CBOR maps, each holding the next under key "a", the
// innermost holding 1.
func nested(depth int) []byte {
	return append(bytes.Repeat([]byte{0xa1, 0x61, 0x61}, depth), 0x01)
}

// withAttStmt replaces the attStmt of a none attestation object (the empty
// map, a0) with item, updating nothing else: attStmt is a map value, so the
// outer map stays well-formed.
func withAttStmt(t testing.TB, attObj, item []byte) []byte {
	t.Helper()
	key := []byte("\x67attStmt\xa0")
	i := bytes.Index(attObj, key)
	require.GreaterOrEqual(t, i, 0, "a none attestation object has an empty attStmt")
	return bytes.Join([][]byte{attObj[:i+len(key)-1], item, attObj[i+len(key):]}, nil)
}
