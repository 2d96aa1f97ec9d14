package passkey_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
)

// sourceProse are the sourceSays members that state a verdict in words
// (which test ran, what it asserted); realExpectations turns each into
// keytier's terms. Every other member is a value checked below.
var sourceProse = []string{"goWebauthnTest", "simpleWebAuthn", "sourceTest", "sourceTestName", "yubicoUsage", "pyWebauthn"}

// sourceNameWording: samples whose source describes the authenticator in
// words rather than by its catalog name, with keytier's name for the same
// AAGUID. The Pixel 8a sample's source gives b93fd961's FIDO MDS name,
// "Android Authenticator"; py_webauthn's describes it.
var sourceNameWording = map[string]string{
	"pywebauthn-android-safetynet": "Android Authenticator",
}

// baseName is a name without a trailing parenthetical: "YubiKey 5Ci
// (YubiKey 5 Series with Lightning)" is "YubiKey 5Ci".
func baseName(s string) string {
	base, _, _ := strings.Cut(s, " (")
	return base
}

// sourceNames are the names a source's wording gives: the alternatives
// before a parenthetical ("iCloud Keychain / Apple Passwords (…)") and any
// name it quotes ("(FIDO MDS 'Android Authenticator')").
func sourceNames(s string) []string {
	names := strings.Split(baseName(s), " / ")
	quoted := strings.Split(s, "'")
	for i := 1; i < len(quoted)-1; i += 2 {
		names = append(names, quoted[i])
	}
	return names
}

// pyCredentialID reads the credential id py_webauthn's test asserts.
var pyCredentialID = regexp.MustCompile(`credential_id == ([A-Za-z0-9_-]+)`)

// TestRealSamplesAgreeWithTheirSources checks every value a real sample's
// source states (expected.sourceSays) against what keytier reports for the
// sample: format, AAGUID and its name, sign count, attestation type,
// credential id, and the members of the source's registration response
// the shared file leaves out (authenticatorData, publicKey,
// publicKeyAlgorithm, transports, authenticatorAttachment), which are put
// back into the response so that keytier reads and cross-checks them as it
// would the browser's. A member it does not know fails the test, so a new
// fact in a sample cannot go unchecked.
func TestRealSamplesAgreeWithTheirSources(t *testing.T) {
	all, err := samples.All()
	require.NoError(t, err)
	for _, s := range all {
		if s.Set != "real" {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			var exp struct {
				SourceSays map[string]json.RawMessage `json:"sourceSays"`
			}
			require.NoError(t, json.Unmarshal(s.Expected, &exp))
			require.NotEmpty(t, exp.SourceSays)
			says := exp.SourceSays
			str := func(k string) string {
				var v string
				require.NoError(t, json.Unmarshal(says[k], &v), k)
				return v
			}

			// Put back the response members the source shows.
			reg := s.Registration
			echoes := map[string]string{"authenticatorData": "response", "publicKey": "response", "publicKeyAlgorithm": "response", "transports": "response", "authenticatorAttachment": ""}
			var restored []string
			for k, at := range echoes {
				if v, ok := says[k]; ok {
					reg = setMember(t, reg, at, k, v)
					restored = append(restored, k)
				}
			}

			c, verr := verifyAsSourceDid(t, s, reg)
			require.NotNil(t, c, "decodes: %v", verr)
			for k, raw := range says {
				switch k {
				case "fmt":
					assert.Equal(t, str(k), c.Format, k)
				case "aaguid":
					assert.Equal(t, str(k), c.AAGUID.String(), k)
				case "aaguidName":
					v := str(k)
					id, name, found := strings.Cut(v, " = ")
					if found {
						assert.Equal(t, id, c.AAGUID.String(), k)
					} else {
						name = v
					}
					if want, ok := sourceNameWording[s.Name]; ok {
						assert.Equal(t, want, c.Authenticator, k)
						continue
					}
					assert.Contains(t, sourceNames(name), baseName(c.Authenticator),
						"%s: the source names %q, keytier %q", k, name, c.Authenticator)
				case "signCount":
					var n uint32
					require.NoError(t, json.Unmarshal(raw, &n))
					assert.Equal(t, n, c.SignCount, k)
				case "attestationType":
					require.NoError(t, verr, "the source verified it")
					want := map[string]string{"self": passkey.AttestationSelf, "basic_full": passkey.AttestationBasic}[str(k)]
					require.NotEmpty(t, want, "attestation type %q", str(k))
					assert.Equal(t, want, c.Attestation.Type, k)
				case "publicKeyAlgorithm":
					var alg int64
					require.NoError(t, json.Unmarshal(raw, &alg))
					assert.Equal(t, alg, c.PublicKeyAlgorithm, k)
				case "transports":
					var tr []string
					require.NoError(t, json.Unmarshal(raw, &tr))
					assert.Equal(t, tr, c.Transports, k)
				case "authenticatorAttachment":
					assert.Equal(t, str(k), c.Attachment, k)
				case "authenticatorData":
					assertAuthenticatorData(t, c, b64(t, str(k)))
				case "publicKey":
					spki, err := x509.ParsePKIXPublicKey(b64(t, str(k)))
					require.NoError(t, err)
					assert.True(t, coseEqualsSPKI(t, c.PublicKey, spki), "the source's SPKI is the credential public key")
				case "companionAssertion":
					var a struct {
						CredentialID      string `json:"credentialId"`
						AuthenticatorData string `json:"authenticatorData"`
					}
					require.NoError(t, json.Unmarshal(raw, &a))
					if a.CredentialID != "" {
						assert.Equal(t, b64(t, a.CredentialID), []byte(c.CredentialID), "the source's assertion uses this credential")
					}
					// An assertion's authenticator data starts with the same
					// rpIdHash (§6.1): the same relying party.
					ad := b64(t, a.AuthenticatorData)
					require.GreaterOrEqual(t, len(ad), 37)
					assert.Equal(t, []byte(c.RPIDHash), ad[:32], "the source's assertion is for the same RP ID")
				case "tpm":
					// TPM manufacturer, model and firmware are read from the
					// AIK certificate (§8.3.1) but not reported by keytier;
					// the manufacturer the source names is in the AIK's
					// subject alternative name, checked here as keytier's
					// certificate list shows it.
					var tpm struct {
						Manufacturer string `json:"manufacturer"`
					}
					require.NoError(t, json.Unmarshal(raw, &tpm))
					code, _, _ := strings.Cut(tpm.Manufacturer, " ")
					certs, err := c.Attestation.Certificates()
					require.NoError(t, err)
					require.NotEmpty(t, certs)
					assert.True(t, slices.ContainsFunc(certs[0].Extensions, func(e pkix.Extension) bool {
						return e.Id.String() == "2.5.29.17" && bytes.Contains(e.Value, []byte("id:"+strings.ToUpper(hexOf([]byte(code)))))
					}), "the AIK names TPM manufacturer %s", code)
				default:
					if slices.Contains(sourceProse, k) {
						if k == "pyWebauthn" {
							if m := pyCredentialID.FindStringSubmatch(str(k)); m != nil {
								assert.Equal(t, b64(t, m[1]), []byte(c.CredentialID), "py_webauthn asserts the credential id")
							}
						}
						continue
					}
					t.Errorf("sourceSays.%s: no check for this member; add one", k)
				}
			}
			if len(restored) > 0 {
				// keytier compared the restored members with the
				// attestation object (§5.2.1); had one disagreed, Verify
				// would have failed with response_inconsistent.
				assert.NotEqual(t, passkey.CodeResponseMismatch, passkey.CodeOf(verr), "restored %v: %v", restored, verr)
			}
		})
	}
}

// verifyAsSourceDid verifies reg with the sample's settings at the first
// reference time (and with the roots) under which realExpectations says it
// verifies; a sample that never verifies is inspected.
func verifyAsSourceDid(t *testing.T, s samples.Sample, reg []byte) (*passkey.Credential, error) {
	t.Helper()
	for _, exp := range realExpectations[s.Name] {
		if exp.code != "" {
			continue
		}
		c, err := passkey.Verify(reg, exp.options(t, s))
		require.NoError(t, err, "verifies as realExpectations says")
		return c, err
	}
	c, err := passkey.Inspect(reg)
	require.NoError(t, err)
	return c, nil
}

// setMember sets member k of the registration response (at "" for the top
// level, "response" inside response) to the JSON value v.
func setMember(t *testing.T, reg []byte, at, k string, v json.RawMessage) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(reg, &m))
	if at == "" {
		m[k] = v
	} else {
		var inner map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(m[at], &inner))
		inner[k] = v
		b, err := json.Marshal(inner)
		require.NoError(t, err)
		m[at] = b
	}
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// b64 decodes base64url with or without padding (the sources write both).
func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	require.NoError(t, err, "%q", s)
	return b
}

// assertAuthenticatorData takes apart the source's authenticator data
// (§6.1: rpIdHash, flags, signCount, then the attested credential data:
// AAGUID, credentialIdLength, credentialId, credentialPublicKey) and
// compares each part with what keytier reports.
func assertAuthenticatorData(t *testing.T, c *passkey.Credential, ad []byte) {
	t.Helper()
	require.GreaterOrEqual(t, len(ad), 55)
	assert.Equal(t, []byte(c.RPIDHash), ad[:32], "rpIdHash")
	assert.Equal(t, c.FlagsByte, ad[32], "flags")
	assert.Equal(t, binary.BigEndian.Uint32(ad[33:37]), c.SignCount, "signCount")
	assert.Equal(t, c.AAGUID[:], ad[37:53], "AAGUID")
	n := int(binary.BigEndian.Uint16(ad[53:55]))
	require.GreaterOrEqual(t, len(ad), 55+n)
	assert.Equal(t, []byte(c.CredentialID), ad[55:55+n], "credentialId")
	if !c.Flags.ED {
		assert.Equal(t, []byte(c.PublicKey), ad[55+n:], "credentialPublicKey")
	}
}

// coseEqualsSPKI reports whether a COSE EC2 key is the same key as spki.
func coseEqualsSPKI(t *testing.T, cose []byte, spki crypto.PublicKey) bool {
	t.Helper()
	k, err := webauthncose.ParsePublicKey(cose)
	require.NoError(t, err)
	ec, ok := k.(webauthncose.EC2PublicKeyData)
	require.True(t, ok, "the sources' SPKIs are EC2 keys")
	pub, err := ec.ToECDSA()
	require.NoError(t, err)
	eq, ok := spki.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(pub)
}
