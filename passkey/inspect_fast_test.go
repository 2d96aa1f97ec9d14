package passkey

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"math/big"
	"reflect"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// sameAsVerifyDecode fails t unless Inspect's decoding of data (the fast
// path) gives what Verify's decoding gives: the same error, word for word,
// or a credential equal in every field Inspect reports.
func sameAsVerifyDecode(t *testing.T, data []byte) {
	t.Helper()
	got, gerr := decodeFor(data, false)
	want, werr := decode(data)
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("Inspect's decode: %v\nVerify's decode:  %v", gerr, werr)
	}
	if gerr != nil {
		return
	}
	g, w := *got, *want
	if !reflect.DeepEqual(chainDER(g), chainDER(w)) {
		t.Fatalf("certificates differ: %d vs %d", len(chainDER(g)), len(chainDER(w)))
	}
	if g.att.Format != w.att.Format || !bytes.Equal(g.att.RawAuthData, w.att.RawAuthData) {
		t.Fatalf("attestation object differs: %q vs %q", g.att.Format, w.att.Format)
	}
	g.Attestation.chain, w.Attestation.chain = nil, nil
	g.att, w.att = protocol.AttestationObject{}, protocol.AttestationObject{}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("credentials differ:\nInspect: %+v\nVerify:  %+v", g, w)
	}
}

func chainDER(c Credential) [][]byte {
	if c.Attestation.chain == nil {
		return nil
	}
	return c.Attestation.chain.der
}

// attestationObjectOf returns the attestation object of a registration.
func attestationObjectOf(t testing.TB, reg []byte) []byte {
	t.Helper()
	att, err := new(Credential).decodeResponseJSON(bytes.TrimSpace(reg))
	if err != nil {
		t.Fatal(err)
	}
	return att
}

// TestInspectFastPath: on every real and W3C sample the fast path decides
// (but for the formats it leaves to decodeAttestationObject) and agrees
// with Verify's decoding.
func TestInspectFastPath(t *testing.T) {
	all, err := samples.All()
	if err != nil {
		t.Fatal(err)
	}
	taken := 0
	for _, s := range all {
		t.Run(s.Set+"/"+s.Name, func(t *testing.T) {
			c := &Credential{}
			fast := c.inspectFast(attestationObjectOf(t, s.Registration), "input")
			switch s.Format {
			case "android-safetynet", "compound":
				if fast {
					t.Fatalf("the fast path took a %s statement", s.Format)
				}
			default:
				if !fast {
					t.Fatalf("the fast path declined a %s registration", s.Format)
				}
				taken++
			}
			sameAsVerifyDecode(t, s.Registration)
			sameAsVerifyDecode(t, attestationObjectOf(t, s.Registration))
		})
	}
	if taken < 10 {
		t.Fatalf("the fast path decided only %d samples", taken)
	}
}

// TestInspectFastPathDeclines: shapes the fast path leaves to
// decodeAttestationObject, valid and invalid, decode as Verify decodes
// them; the shapes it takes still agree.
func TestInspectFastPathDeclines(t *testing.T) {
	s, err := samples.Get("yubico-yubikey-5ci-packed")
	if err != nil {
		t.Fatal(err)
	}
	raw := attestationObjectOf(t, s.Registration)
	var obj map[string]cbor.RawMessage
	if err := cbor.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	var authData []byte
	if err := cbor.Unmarshal(obj["authData"], &authData); err != nil {
		t.Fatal(err)
	}
	c, err := decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	keyAt := 55 + len(c.CredentialID)
	key := authData[keyAt:]
	if !bytes.Equal(key, c.PublicKey) || len(c.Extensions.Authenticator) != 0 {
		t.Fatal("the sample's key is not the end of its authenticator data")
	}
	withKey := func(k []byte, flags byte, ext []byte) []byte {
		ad := append(append(append([]byte(nil), authData[:keyAt]...), k...), ext...)
		ad[32] |= flags
		return ad
	}
	enc := func(members map[string]any) []byte {
		em, err := cbor.CTAP2EncOptions().EncMode()
		if err != nil {
			t.Fatal(err)
		}
		b, err := em.Marshal(members)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	stmt := obj["attStmt"]
	var stmtMap map[string]any
	if err := cbor.Unmarshal(stmt, &stmtMap); err != nil {
		t.Fatal(err)
	}
	// The sample's key is {1: 2, 3: -7, -1: 1, -2: x, -3: y}; alg's value
	// is the byte after the label 0x03.
	algAt := bytes.Index(key, []byte{0x03, 0x26})
	if algAt < 0 {
		t.Fatal("no alg -7 in the sample's key")
	}
	nonMinimal := slicesConcat(key[:algAt+1], []byte{0x38, 0x06}, key[algAt+2:])
	reordered := slicesConcat(key[:1], key[algAt:algAt+2], key[1:algAt], key[algAt+2:])
	ext := []byte{0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't', 'e', 'c', 't', 0x02}

	for _, tc := range []struct {
		name string
		obj  []byte
		fast bool
	}{
		{"as sent", raw, true},
		{"re-encoded", enc(map[string]any{"fmt": "packed", "authData": authData, "attStmt": stmt}), true},
		{"extension outputs", enc(map[string]any{"fmt": "packed", "authData": withKey(key, 0x80, ext), "attStmt": stmt}), true},
		{"alg not in preferred serialisation", enc(map[string]any{"fmt": "packed", "authData": withKey(nonMinimal, 0, nil), "attStmt": stmt}), false},
		{"key labels out of order", enc(map[string]any{"fmt": "packed", "authData": withKey(reordered, 0, nil), "attStmt": stmt}), false},
		{"member named for case", enc(map[string]any{"Fmt": "packed", "authData": authData, "attStmt": stmt}), false},
		{"unknown member", enc(map[string]any{"fmt": "packed", "authData": authData, "attStmt": stmt, "x": 1}), false},
		{"no statement", enc(map[string]any{"fmt": "packed", "authData": authData}), true},
		{"statement not a map", enc(map[string]any{"fmt": "packed", "authData": authData, "attStmt": []any{1}}), false},
		{"statement with integer labels", enc(map[string]any{"fmt": "packed", "authData": authData, "attStmt": map[int]any{1: 2}}), false},
		{"x5c not an array", enc(map[string]any{"fmt": "packed", "authData": authData, "attStmt": map[string]any{"alg": -7, "sig": []byte{1}, "x5c": []byte{1}}}), false},
		{"x5c not DER", enc(map[string]any{"fmt": "packed", "authData": authData, "attStmt": map[string]any{"alg": -7, "sig": []byte{1}, "x5c": [][]byte{{0x30, 0x00}}}}), false},
		{"statement with a bool", enc(map[string]any{"fmt": "packed", "authData": authData, "attStmt": map[string]any{"alg": -7, "sig": true}}), false},
		{"safetynet", enc(map[string]any{"fmt": "android-safetynet", "authData": authData, "attStmt": map[string]any{}}), false},
		{"unknown format", enc(map[string]any{"fmt": "x-vendor", "authData": authData, "attStmt": stmtMap}), false},
		{"trailing bytes in authData", enc(map[string]any{"fmt": "packed", "authData": withKey(key, 0, []byte{0}), "attStmt": stmt}), false},
		{"ED without extensions", enc(map[string]any{"fmt": "packed", "authData": withKey(key, 0x80, nil), "attStmt": stmt}), false},
		{"AT clear", enc(map[string]any{"fmt": "packed", "authData": authData[:37], "attStmt": stmt}), false},
		{"truncated key", enc(map[string]any{"fmt": "packed", "authData": authData[:len(authData)-1], "attStmt": stmt}), false},
		{"empty format", enc(map[string]any{"fmt": "", "authData": authData, "attStmt": stmt}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fast := new(Credential).inspectFast(tc.obj, "input")
			if fast != tc.fast {
				t.Fatalf("fast path decided: %v, want %v", fast, tc.fast)
			}
			sameAsVerifyDecode(t, tc.obj)
			reg := bytes.Replace(s.Registration, []byte(base64.RawURLEncoding.EncodeToString(raw)), []byte(base64.RawURLEncoding.EncodeToString(tc.obj)), 1)
			sameAsVerifyDecode(t, reg)
		})
	}
}

func slicesConcat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// FuzzInspectFastPath holds Inspect's decoding to Verify's on any input.
func FuzzInspectFastPath(f *testing.F) {
	all, err := samples.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range all {
		f.Add([]byte(s.Registration))
		f.Add(attestationObjectOf(f, s.Registration))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsVerifyDecode(t, data)
	})
}

// checkBase64URL fails t unless decodeBase64URL decodes src as
// encoding/base64's RawURLEncoding does, and declines only what that
// decoder refuses or what holds characters outside the URL alphabet.
func checkBase64URL(t *testing.T, src []byte) {
	t.Helper()
	want := make([]byte, base64.RawURLEncoding.DecodedLen(len(src)))
	wn, werr := base64.RawURLEncoding.Decode(want, src)
	got := make([]byte, base64.RawURLEncoding.DecodedLen(len(src)))
	gn, ok := decodeBase64URL(got, src)
	switch {
	case ok && (werr != nil || !bytes.Equal(got[:gn], want[:wn])):
		t.Fatalf("%q: decoded %x, encoding/base64 says %x, %v", src, got[:gn], want[:wn], werr)
	case !ok && werr == nil && !bytes.ContainsAny(src, "\r\n"):
		t.Fatalf("%q: declined what encoding/base64 decodes", src)
	}
}

func TestDecodeBase64URL(t *testing.T) {
	data := make([]byte, 64)
	for i := range data {
		data[i] = byte(i*37 + 11)
	}
	for n := range len(data) {
		enc := []byte(base64.RawURLEncoding.EncodeToString(data[:n]))
		checkBase64URL(t, enc)
		if n > 0 {
			for _, bad := range []byte{'+', '/', '=', '\n', '.', 0x80} {
				checkBase64URL(t, append(enc[:len(enc)-1:len(enc)-1], bad))
			}
			checkBase64URL(t, enc[:len(enc)-1]) // some lengths cannot be base64
		}
	}
	// A bad character anywhere in a member long enough for the pair table.
	long := []byte(base64.RawURLEncoding.EncodeToString(bytes.Repeat(data, 3)))
	for i := range long {
		for _, bad := range []byte{'+', '=', '"', '\\'} {
			mangled := bytes.Clone(long)
			mangled[i] = bad
			checkBase64URL(t, mangled)
		}
	}
	// Unused bits in the last partial quantum are ignored, as
	// RawURLEncoding (not Strict) ignores them.
	checkBase64URL(t, []byte("AB"))
	checkBase64URL(t, []byte("ABC"))
}

func FuzzDecodeBase64URL(f *testing.F) {
	f.Add([]byte("AAAA"))
	f.Add([]byte("oWNmbXRkbm9uZQ"))
	f.Add([]byte("a+b/"))
	f.Fuzz(checkBase64URL)
}

// FuzzCOSEKeyFastPath holds canonicalKeyAlgorithm to go-webauthn's parser:
// wherever it answers, parseKeyAlgorithm accepts the key with the same
// alg. The seeds are keys the virtual authenticator made in CTAP2
// canonical form, one per algorithm, and the same keys spoiled.
func FuzzCOSEKeyFastPath(f *testing.F) {
	for _, alg := range []passkeytest.Algorithm{passkeytest.ES256, passkeytest.EdDSA, passkeytest.RS256} {
		a, err := passkeytest.New(passkeytest.Options{Algorithm: alg})
		if err != nil {
			f.Fatal(err)
		}
		reg, err := a.Register(passkeytest.RegisterOptions{RPID: "example.com", Origin: "https://example.com", Challenge: []byte("0123456789abcdef")})
		if err != nil {
			f.Fatal(err)
		}
		key := reg.Credential.PublicKey
		if _, ok := canonicalKeyAlgorithm(key); !ok {
			f.Fatalf("%v: the fast path declines a canonical key", alg)
		}
		f.Add(key)
		off := bytes.Clone(key)
		off[len(off)-1] ^= 1 // an EC2 point off its curve
		f.Add(off)
	}
	f.Fuzz(func(t *testing.T, key []byte) {
		alg, ok := canonicalKeyAlgorithm(key)
		if !ok {
			return
		}
		want, err := parseKeyAlgorithm(key)
		if err != nil {
			t.Fatalf("the fast path accepts %x, go-webauthn refuses it: %v", key, err)
		}
		if alg != want {
			t.Fatalf("alg %d, go-webauthn says %d", alg, want)
		}
	})
}

// TestCanonicalES256Points: on points a fuzzer rarely makes (random keys,
// the same keys off their curve, coordinates at and past the field prime,
// zero), the fast path and go-webauthn accept and refuse the same keys.
func TestCanonicalES256Points(t *testing.T) {
	cose := func(x, y []byte) []byte {
		return slicesConcat(canonicalES256, x, canonicalES256Y, y)
	}
	p := elliptic.P256().Params().P.FillBytes(make([]byte, 32))
	pPlus1 := new(big.Int).Add(elliptic.P256().Params().P, big.NewInt(1)).FillBytes(make([]byte, 32))
	keys := [][]byte{
		cose(make([]byte, 32), make([]byte, 32)),
		cose(p, make([]byte, 32)),
		cose(pPlus1, p),
		cose(bytes.Repeat([]byte{0xff}, 32), bytes.Repeat([]byte{0xff}, 32)),
	}
	for range 100 {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		x, y := k.X.FillBytes(make([]byte, 32)), k.Y.FillBytes(make([]byte, 32))
		keys = append(keys, cose(x, y))
		off := bytes.Clone(y)
		off[31] ^= 1
		keys = append(keys, cose(x, off))
		// The same x with y replaced by p - y is the point's negation,
		// also on the curve.
		neg := new(big.Int).Sub(elliptic.P256().Params().P, k.Y).FillBytes(make([]byte, 32))
		keys = append(keys, cose(x, neg))
	}
	accepted := 0
	for _, key := range keys {
		require.Len(t, key, 77)
		alg, fast := canonicalKeyAlgorithm(key)
		want, err := parseKeyAlgorithm(key)
		assert.Equal(t, err == nil, fast, "%x: go-webauthn says %v", key, err)
		if fast {
			assert.Equal(t, want, alg)
			accepted++
		}
	}
	assert.Equal(t, 200, accepted, "every generated key and its negation")
}
