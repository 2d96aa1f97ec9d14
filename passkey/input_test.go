package passkey_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// attestationObjectOf returns a sample's attestation object bytes.
func attestationObjectOf(t testing.TB, s samples.Sample) []byte {
	t.Helper()
	var r struct {
		Response struct {
			AttestationObject string `json:"attestationObject"`
		} `json:"response"`
	}
	require.NoError(t, json.Unmarshal(s.Registration, &r))
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(r.Response.AttestationObject, "="))
	require.NoError(t, err)
	return b
}

func mustSample(t testing.TB, name string) samples.Sample {
	t.Helper()
	s, err := samples.Get(name)
	require.NoError(t, err)
	return s
}

func TestInspectDetectsEncodings(t *testing.T) {
	s := mustSample(t, "yubico-yubikey-5ci-packed")
	raw := attestationObjectOf(t, s)
	fromJSON, err := passkey.Inspect(s.Registration)
	require.NoError(t, err)
	assert.Equal(t, passkey.InputRegistrationResponse, fromJSON.Input.Kind)

	for _, tc := range []struct {
		enc  passkey.Encoding
		data []byte
	}{
		{passkey.EncodingCBOR, raw},
		{passkey.EncodingBase64URL, []byte(base64.RawURLEncoding.EncodeToString(raw))},
		{passkey.EncodingBase64URL, []byte(base64.URLEncoding.EncodeToString(raw) + "\n")},
		{passkey.EncodingBase64, []byte(base64.StdEncoding.EncodeToString(raw))},
		{passkey.EncodingHex, []byte(hex.EncodeToString(raw))},
		{passkey.EncodingHex, []byte("  " + strings.ToUpper(hex.EncodeToString(raw)) + "\r\n")},
	} {
		t.Run(string(tc.enc), func(t *testing.T) {
			c, err := passkey.Inspect(tc.data)
			require.NoError(t, err)
			assert.Equal(t, passkey.InputAttestationObject, c.Input.Kind)
			assert.Equal(t, tc.enc, c.Input.Encoding)
			assert.Equal(t, fromJSON.AAGUID, c.AAGUID)
			assert.Equal(t, fromJSON.CredentialID, c.CredentialID)
			assert.Equal(t, fromJSON.Flags, c.Flags)
			assert.Equal(t, fromJSON.PublicKeyAlgorithm, c.PublicKeyAlgorithm)
			assert.Nil(t, c.ClientData, "a bare attestation object has no client data")
		})
	}
}

func TestInspectFields(t *testing.T) {
	c, err := passkey.Inspect(mustSample(t, "altshift-google-password-manager-none").Registration)
	require.NoError(t, err)
	// The source states these (expected.sourceSays).
	assert.Equal(t, "none", c.Format)
	assert.Equal(t, "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4", c.AAGUID.String())
	assert.Equal(t, int64(-7), c.PublicKeyAlgorithm)
	assert.Equal(t, "ES256", c.PublicKeyAlgName)
	assert.Equal(t, passkey.Flags{UP: true, UV: true, BE: true, BS: true, AT: true, Raw: 0x5d}, c.Flags)
	assert.Equal(t, passkey.Synced, c.PasskeyType)
	assert.False(t, c.Attestation.SignatureVerified)
	assert.Nil(t, c.Verification)

	c, err = passkey.Inspect(mustSample(t, "gw-feitian-biopass-packed").Registration)
	require.NoError(t, err)
	certs, err := c.Attestation.Certificates()
	require.NoError(t, err)
	require.Len(t, certs, 3)
	assert.Equal(t, "FT BioPass FIDO2 USB", certs[0].Subject.CommonName)
	assert.Equal(t, "basic", c.Attestation.Type, "the claimed type before verification")
}

func TestVerifyBareObjectIsUnavailable(t *testing.T) {
	s := mustSample(t, "yubico-yubikey-5ci-packed")
	c, err := passkey.Verify(attestationObjectOf(t, s), sampleOptions(t, s))
	require.Error(t, err)
	assert.Equal(t, passkey.CodeVerifyUnavailable, passkey.CodeOf(err))
	require.NotNil(t, c)
}

func TestVerifyOptionsRequired(t *testing.T) {
	s := mustSample(t, "yubico-yubikey-5ci-packed")
	_, err := passkey.Verify(s.Registration, passkey.VerifyOptions{RPID: "example.com"})
	require.Error(t, err)
	assert.Equal(t, passkey.CodeFieldMissing, passkey.CodeOf(err))
	assert.Contains(t, err.Error(), "Origins, Challenge, Algorithms required")
}

func TestBadInput(t *testing.T) {
	s := mustSample(t, "yubico-yubikey-5ci-packed")
	raw := attestationObjectOf(t, s)
	for _, tc := range []struct {
		name  string
		data  []byte
		code  passkey.Code
		where string
	}{
		{"empty", nil, passkey.CodeInputEmpty, "input"},
		{"blank", []byte(" \n\t"), passkey.CodeInputEmpty, "input"},
		{"oversized", bytes.Repeat([]byte("A"), passkey.MaxInputSize+1), passkey.CodeInputTooLarge, "input"},
		{"truncated CBOR", raw[:len(raw)-10], passkey.CodeCBORTruncated, "input"},
		{"trailing bytes", append(append([]byte{}, raw...), 0x00), passkey.CodeCBORTrailingBytes, "input"},
		{"not base64", []byte("o2Nm!bXQ"), passkey.CodeEncodingInvalid, "input"},
		{"odd-length hex", []byte("a3616"), passkey.CodeEncodingInvalid, "input"},
		{"JSON syntax", []byte(`{"id": "x",`), passkey.CodeJSONInvalid, "input@11"},
		{"JSON wrong type", []byte(`{"id": 5}`), passkey.CodeJSONInvalid, "id"},
		{"JSON no response", []byte(`{"id":"AA","rawId":"AA","type":"public-key"}`), passkey.CodeFieldMissing, "response"},
		{"JSON wrong credential type", []byte(`{"id":"AA","rawId":"AA","type":"password","response":{}}`), passkey.CodeJSONInvalid, "type"},
		{"JSON trailing data", append(append([]byte{}, s.Registration...), []byte(`{}`)...), passkey.CodeJSONInvalid, ""},
		// Hostile CBOR: 20 nested maps; an array declaring 2^32 elements; a
		// byte string declaring 2^63 bytes; an indefinite-length map.
		{"deep nesting", append(bytes.Repeat([]byte{0xa1, 0x61, 0x61}, 20), 0x01), passkey.CodeCBORLimit, "input"},
		{"huge array", []byte{0xa1, 0x61, 0x61, 0x9a, 0xff, 0xff, 0xff, 0xff}, passkey.CodeCBORLimit, "input"},
		{"huge byte string", []byte{0xa1, 0x61, 0x61, 0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, passkey.CodeCBORTruncated, "input"},
		{"indefinite length", []byte{0xbf, 0x61, 0x61, 0x01, 0xff}, passkey.CodeCBORInvalid, "input"},
		{"not an attestation object", []byte{0xa1, 0x61, 0x61, 0x01}, passkey.CodeFieldMissing, "input.fmt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := passkey.Inspect(tc.data)
			require.Error(t, err)
			assert.Nil(t, c)
			var pe *passkey.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.code, pe.Code, "%v", err)
			if tc.where != "" {
				assert.Equal(t, tc.where, pe.Where, "%v", err)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "passkey: "+string(tc.code)), err.Error())
		})
	}
}

// TestHostileCBORIsBounded: CBOR built to exhaust the decoder (deep
// nesting; huge declared lengths of byte strings, arrays and maps; many
// small items) fails fast, with a bounded amount of memory, and with
// keytier's code: in the attestation object and in the two CBOR items the
// authenticator data carries (the credential public key and the extension
// outputs), which go-webauthn decodes with a decoder of its own.
func TestHostileCBORIsBounded(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	raw := rawAttestationObject(t, a, nil)
	// Room for the hostile item: the input limit less the rest of the
	// attestation object, with margin.
	room := passkey.MaxInputSize - len(raw) - 64

	// inKey replaces the credential public key with item; inExtensions
	// appends item as the extension outputs and sets ED.
	inKey := func(item []byte) []byte {
		return rawAttestationObject(t, a, func(o *passkeytest.RegisterOptions) {
			o.Tamper.AuthenticatorData = func(ad []byte) []byte {
				return append(ad[:55+int(binary.BigEndian.Uint16(ad[53:55]))], item...)
			}
		})
	}
	inExtensions := func(item []byte) []byte {
		return rawAttestationObject(t, a, func(o *passkeytest.RegisterOptions) {
			o.Tamper.AuthenticatorData = func(ad []byte) []byte { ad[32] |= 0x80; return append(ad, item...) }
		})
	}

	const (
		attObj = "input"
		key    = "input.authData.credentialPublicKey"
		exts   = "input.authData.extensions"
	)
	for _, tc := range []struct {
		name  string
		data  []byte
		code  passkey.Code
		where string
	}{
		{"attestation object: nested maps filling the input", bytes.Repeat([]byte{0xa1, 0x61, 0x61}, (passkey.MaxInputSize-1)/3), passkey.CodeCBORLimit, attObj},
		{"attestation object: byte string of 2^63-1 bytes", []byte{0xa1, 0x61, 0x61, 0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, passkey.CodeCBORTruncated, attObj},
		{"attestation object: array of 2^32-1 elements", []byte{0xa1, 0x61, 0x61, 0x9a, 0xff, 0xff, 0xff, 0xff}, passkey.CodeCBORLimit, attObj},
		{"attestation object: map of 2^32-1 pairs", []byte{0xba, 0xff, 0xff, 0xff, 0xff}, passkey.CodeCBORLimit, attObj},
		{"attStmt: array of small arrays filling the input", withAttStmt(t, raw, wideArray(room)), passkey.CodeCBORLimit, attObj},
		{"credential public key: nested maps filling the input", inKey(nested(room / 3)), passkey.CodeCBORLimit, key},
		{"credential public key: byte string of 2^63-1 bytes", inKey([]byte{0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), passkey.CodeAuthDataInvalid, key},
		{"credential public key: array of 2^32-1 elements", inKey([]byte{0x9a, 0xff, 0xff, 0xff, 0xff}), passkey.CodeCBORLimit, key},
		{"credential public key: map of 2^32-1 pairs", inKey([]byte{0xba, 0xff, 0xff, 0xff, 0xff}), passkey.CodeCBORLimit, key},
		{"credential public key: array of small arrays filling the input", inKey(wideArray(room)), passkey.CodeCBORLimit, key},
		{"credential public key: map of distinct members filling the input", inKey(wideMap(room)), passkey.CodeCBORLimit, key},
		{"extensions: nested maps filling the input", inExtensions(nested(room / 3)), passkey.CodeCBORLimit, exts},
		{"extensions: map of 2^32-1 pairs", inExtensions([]byte{0xba, 0xff, 0xff, 0xff, 0xff}), passkey.CodeCBORLimit, exts},
		{"extensions: map of distinct members filling the input", inExtensions(wideMap(room)), passkey.CodeCBORLimit, exts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.LessOrEqual(t, len(tc.data), passkey.MaxInputSize, "hostile, but within the input limit")
			start := time.Now()
			_, err := passkey.Inspect(tc.data)
			elapsed := time.Since(start)
			var pe *passkey.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.code, pe.Code, "%v", err)
			assert.Equal(t, tc.where, pe.Where, "%v", err)
			// Not a timing assertion on the code's speed (benchmarks do
			// that): a guard against accidental quadratic behaviour, with a
			// wide margin.
			assert.Less(t, elapsed, 2*time.Second)

			allocs, bytesPerCall := allocatedPerCall(func() { _, _ = passkey.Inspect(tc.data) })
			t.Logf("%d bytes in: %.0f allocations, %d bytes allocated per call", len(tc.data), allocs, bytesPerCall)
			assert.LessOrEqual(t, allocs, float64(maxAllocs))
			assert.LessOrEqual(t, bytesPerCall, maxBytes(len(tc.data)))
		})
	}
}

// What decoding an input of n bytes may cost, whatever it declares and
// however many items it holds: a fixed number of allocations, and bytes
// linear in the input (go-webauthn's decoder copies the authenticator data
// out of the attestation object once) plus a constant. Generous: a valid
// registration costs less than a third of either (TestValidInputMemory).
// Without keytier's check of the CBOR inside the authenticator data, the
// wide credential public keys above cost over 150,000 allocations and 8 MB.
const maxAllocs = 100

func maxBytes(n int) uint64 { return uint64(2*n + 32<<10) }

// TestValidInputMemory: Inspect on a valid registration stays within the
// bound hostile input is held to, and logs what it costs, so that the
// bound is seen to be generous rather than tight.
func TestValidInputMemory(t *testing.T) {
	raw := rawAttestationObject(t, newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256), nil)
	_, err := passkey.Inspect(raw)
	require.NoError(t, err)
	allocs, bytesPerCall := allocatedPerCall(func() { _, _ = passkey.Inspect(raw) })
	t.Logf("%d bytes in: %.0f allocations, %d bytes allocated per call", len(raw), allocs, bytesPerCall)
	assert.LessOrEqual(t, allocs, float64(maxAllocs))
	assert.LessOrEqual(t, bytesPerCall, maxBytes(len(raw)))
}

// allocatedPerCall returns the allocations and bytes allocated per call of f.
func allocatedPerCall(f func()) (allocs float64, bytesPerCall uint64) {
	const runs = 5
	allocs = testing.AllocsPerRun(runs, f)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return allocs, (after.TotalAlloc - before.TotalAlloc) / runs
}

// wideArray returns a CBOR array of one-element arrays ([0]) about size
// bytes long: few bytes each, and one allocation each for a decoder that
// builds them.
func wideArray(size int) []byte {
	n := (size - 5) / 2
	out := binary.BigEndian.AppendUint32([]byte{0x9a}, uint32(n))
	return append(out, bytes.Repeat([]byte{0x81, 0x00}, n)...)
}

// wideMap returns a CBOR map about size bytes long whose members are
// distinct five-character text keys, each holding 0.
func wideMap(size int) []byte {
	n := min((size-5)/7, 99999)
	out := binary.BigEndian.AppendUint32([]byte{0xba}, uint32(n))
	for i := range n {
		out = append(out, 0x65)
		out = fmt.Appendf(out, "%05d", i)
		out = append(out, 0x00)
	}
	return out
}

// TestCBORNestingAtTheLimit: MaxCBORNesting levels decode; one more is
// refused with keytier's limit code, in the attestation object and in the
// extension outputs inside the authenticator data.
func TestCBORNestingAtTheLimit(t *testing.T) {
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	raw := rawAttestationObject(t, a, nil)
	withExtensions := func(item []byte) []byte {
		return rawAttestationObject(t, a, func(o *passkeytest.RegisterOptions) {
			o.Tamper.AuthenticatorData = func(ad []byte) []byte { ad[32] |= 0x80; return append(ad, item...) }
		})
	}

	// attStmt is at level 2 of the attestation object: nesting n maps
	// there makes the object n+1 deep. A none statement with members is
	// refused by go-webauthn, after the CBOR was accepted.
	_, err := passkey.Inspect(withAttStmt(t, raw, nested(passkey.MaxCBORNesting-1)))
	require.NoError(t, err, "the limit itself: go-webauthn's none procedure only reads attStmt when verifying")
	_, err = passkey.Inspect(withAttStmt(t, raw, nested(passkey.MaxCBORNesting)))
	assert.Equal(t, passkey.CodeCBORLimit, passkey.CodeOf(err), "%v", err)

	// go-webauthn's decoder, which reads what keytier lets through, draws
	// the line at the same depth: nothing passes keytier's check only to
	// fail there with a vaguer code.
	var v any
	require.NoError(t, webauthncbor.Unmarshal(nested(passkey.MaxCBORNesting), &v))
	require.Error(t, webauthncbor.Unmarshal(nested(passkey.MaxCBORNesting+1), &v))

	c, err := passkey.Inspect(withExtensions(nested(passkey.MaxCBORNesting)))
	require.NoError(t, err, "the limit itself")
	assert.True(t, c.Flags.ED)
	_, err = passkey.Inspect(withExtensions(nested(passkey.MaxCBORNesting + 1)))
	assert.Equal(t, passkey.CodeCBORLimit, passkey.CodeOf(err), "%v", err)
}

func TestErrorIs(t *testing.T) {
	_, err := passkey.Inspect(nil)
	assert.ErrorIs(t, err, &passkey.Error{Code: passkey.CodeInputEmpty})
	assert.NotErrorIs(t, err, &passkey.Error{Code: passkey.CodeInputTooLarge})
}

func TestCertificateJSON(t *testing.T) {
	c, err := passkey.Inspect(mustSample(t, "gw-feitian-biopass-packed").Registration)
	require.NoError(t, err)
	certs, err := c.Attestation.Certificates()
	require.NoError(t, err)
	b, err := json.Marshal(certs[0])
	require.NoError(t, err)
	var m map[string]string
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Contains(t, m["subject"], "CN=FT BioPass FIDO2 USB")
	assert.Contains(t, m["issuer"], "Feitian FIDO2 CA-1")
	assert.Len(t, m["sha256"], 64)
	assert.NotEmpty(t, m["notBefore"])
}

// TestMalformedCertificate: a byte string that is no certificate is
// refused when decoding; one whose structure holds but whose contents do
// not parse surfaces when the certificates are read, and fails Verify.
func TestMalformedCertificate(t *testing.T) {
	s := mustSample(t, "yubico-yubikey-5ci-packed")
	raw := attestationObjectOf(t, s)
	c, err := passkey.Inspect(raw)
	require.NoError(t, err)
	certs, err := c.Attestation.Certificates()
	require.NoError(t, err)
	der := certs[0].Raw
	i := bytes.Index(raw, der)
	require.Positive(t, i)

	garbage := append([]byte{}, raw...)
	copy(garbage[i:], bytes.Repeat([]byte{0x01}, 8))
	_, err = passkey.Inspect(garbage)
	require.Error(t, err)
	assert.Equal(t, passkey.CodeAttestationInvalid, passkey.CodeOf(err), "%v", err)
	assert.Contains(t, err.Error(), "x5c[0]")

	// Same structure, version field made invalid (INTEGER 2 → 9).
	v := bytes.Index(der, []byte{0xa0, 0x03, 0x02, 0x01, 0x02})
	require.Positive(t, v)
	broken := append([]byte{}, raw...)
	broken[i+v+4] = 0x09
	c, err = passkey.Inspect(broken)
	require.NoError(t, err, "the structure is intact")
	_, err = c.Attestation.Certificates()
	require.Error(t, err)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.Contains(t, string(b), "certificatesError")
}

// TestGoWebAuthnShape: a registration marshalled from go-webauthn's own
// protocol.CredentialCreationResponse (which writes "publicKeyAlgorithm": 0
// and nulls for absent members) reads like the browser's.
func TestGoWebAuthnShape(t *testing.T) {
	s := mustSample(t, "yubico-yubikey-5ci-packed")
	var ccr protocol.CredentialCreationResponse
	require.NoError(t, json.Unmarshal(s.Registration, &ccr))
	b, err := json.Marshal(ccr)
	require.NoError(t, err)
	require.Contains(t, string(b), `"publicKeyAlgorithm":0`)
	c, err := passkey.Verify(b, sampleOptions(t, s))
	require.NoError(t, err)
	assert.Empty(t, c.Warnings)
	assert.Equal(t, "packed", c.Format)
}
