package passkey

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// sameAsJSONv2 fails t unless decodeResponseFast, when it takes data,
// yields what decodeResponseJSON (json/v2) yields, and leaves the
// Credential untouched when it declines. It returns whether it took data.
func sameAsJSONv2(t *testing.T, data []byte) bool {
	t.Helper()
	var fast Credential
	got, ok := fast.decodeResponseFast(data)
	if !ok {
		if !reflect.DeepEqual(fast, Credential{}) {
			t.Fatalf("declined, but changed the credential: %+v", fast)
		}
		return false
	}
	var slow Credential
	want, err := slow.decodeResponseJSON(data)
	if err != nil {
		t.Fatalf("the fast path took what json/v2 refuses: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("attestation objects differ")
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("credentials differ:\nfast: %+v\njson/v2: %+v", fast, slow)
	}
	return true
}

// registrations are the samples and passkeytest's responses (toJSON()'s
// full shape: transports, attachment, publicKey, publicKeyAlgorithm,
// authenticatorData).
func registrations(t testing.TB) [][]byte {
	all, err := samples.All()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, s := range all {
		out = append(out, bytes.TrimSpace(s.Registration))
	}
	for _, att := range []passkeytest.Attestation{passkeytest.AttestationNone, passkeytest.AttestationPackedSelf, passkeytest.AttestationPacked, passkeytest.AttestationFIDOU2F} {
		a, err := passkeytest.New(passkeytest.Options{Attestation: att, Algorithm: passkeytest.ES256, Transports: []string{"usb", "nfc"}, Attachment: "cross-platform"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := a.Register(passkeytest.RegisterOptions{RPID: "login.example.com", Origin: "https://login.example.com", Challenge: []byte("keytier test challenge, 32 bytes")})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.JSON)
	}
	return out
}

func TestResponseFastPath(t *testing.T) {
	regs := registrations(t)
	for i, reg := range regs {
		if !sameAsJSONv2(t, reg) {
			t.Errorf("registration %d: the fast path declined it", i)
		}
	}
	reg := regs[len(regs)-1]
	if !bytes.Contains(reg, []byte(`"transports":["usb","nfc"]`)) || !bytes.Contains(reg, []byte(`"publicKeyAlgorithm":-7`)) {
		t.Fatalf("passkeytest's response lacks the members this test means to cover: %s", reg)
	}
	edit := func(old, new string) []byte {
		if !bytes.Contains(reg, []byte(old)) {
			t.Fatalf("no %s in the response", old)
		}
		return bytes.Replace(reg, []byte(old), []byte(new), 1)
	}
	for _, tc := range []struct {
		name string
		data []byte
		fast bool
	}{
		{"as sent", reg, true},
		{"whitespace", bytes.ReplaceAll(bytes.ReplaceAll(reg, []byte(`,`), []byte(" ,\n\t")), []byte(`:`), []byte("\r: ")), true},
		{"unknown member", edit(`{"id"`, `{"x":[1,{"y":"z"},true,null,-0.5e3],"id"`), true},
		{"unknown member, invalid", edit(`{"id"`, `{"x":[1,],"id"`), false},
		{"unknown member, repeated name inside", edit(`{"id"`, `{"x":{"a":1,"a":2},"id"`), false},
		{"extension outputs", edit(`"clientExtensionResults":{}`, `"clientExtensionResults":{"credProps":{"rk":true}}`), true},
		{"extension outputs not an object", edit(`"clientExtensionResults":{}`, `"clientExtensionResults":[]`), false},
		{"extension outputs null", edit(`"clientExtensionResults":{}`, `"clientExtensionResults":null`), true},
		{"repeated member", edit(`{"id"`, `{"type":"public-key","id"`), false},
		{"escaped name", edit(`"rawId"`, `"raw\u0049d"`), false},
		{"name differing in case", edit(`"rawId"`, `"RawId"`), false},
		{"padded base64url", edit(`","rawId"`, `==","rawId"`), true},
		{"standard alphabet", edit(`"id":"`, `"id":"+/`), false},
		{"escaped base64", edit(`"id":"`, `"id":"\u0041`), false},
		{"integer with exponent", edit(`"publicKeyAlgorithm":-7`, `"publicKeyAlgorithm":-7e0`), false},
		{"integer with leading zero", edit(`"publicKeyAlgorithm":-7`, `"publicKeyAlgorithm":-07`), false},
		{"integer out of range", edit(`"publicKeyAlgorithm":-7`, `"publicKeyAlgorithm":-9223372036854775809`), false},
		{"no transports", edit(`"transports":["usb","nfc"]`, `"transports":[]`), true},
		{"transports null", edit(`"transports":["usb","nfc"]`, `"transports":null`), false},
		{"wrong type", edit(`"type":"public-key"`, `"type":"public-key "`), false},
		{"trailing comma", edit(`"clientExtensionResults":{}`, `"clientExtensionResults":{},`), false},
		{"trailing bytes", append(bytes.Clone(reg), 'x'), false},
		{"truncated", reg[:len(reg)-1], false},
		{"non-ASCII attachment", edit(`"cross-platform"`, `"cross-platform\u00e9"`), false},
		{"raw non-ASCII attachment", edit(`"cross-platform"`, "\"cross-platform\xc3\xa9\""), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameAsJSONv2(t, tc.data); got != tc.fast {
				t.Fatalf("fast path took it: %v, want %v", got, tc.fast)
			}
		})
	}
}

// TestInspectCopiesRawInput: the fast path keeps slices of what it
// decodes; from raw CBOR that would be the caller's buffer.
func TestInspectCopiesRawInput(t *testing.T) {
	for _, reg := range registrations(t) {
		raw := attestationObjectOf(t, reg)
		buf := bytes.Clone(raw)
		c, err := Inspect(buf)
		if err != nil {
			t.Fatal(err)
		}
		for i := range buf {
			buf[i] = 0xee
		}
		want, err := Inspect(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.CredentialID, want.CredentialID) || !reflect.DeepEqual(c.PublicKey, want.PublicKey) ||
			!reflect.DeepEqual(c.RPIDHash, want.RPIDHash) || !reflect.DeepEqual(chainDER(*c), chainDER(*want)) || c.AAGUID != want.AAGUID {
			t.Fatalf("overwriting the input changed the credential")
		}
	}
}

func FuzzResponseFastPath(f *testing.F) {
	for _, reg := range registrations(f) {
		f.Add(reg)
		f.Add(bytes.Replace(reg, []byte(`"clientExtensionResults":{}`), []byte(`"clientExtensionResults":{"a":[1,"\u00e9"]},"x":null`), 1))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsJSONv2(t, bytes.TrimSpace(data))
	})
}
