package passkey

import (
	"encoding/asn1"
	"strings"
	"testing"
)

// FuzzSerializeOrigin: a configured origin either fails with an error or
// serializes to an origin that serializes to itself, with no userinfo,
// path, query or fragment and a lower-case scheme and host.
func FuzzSerializeOrigin(f *testing.F) {
	for _, s := range []string{
		"https://login.example.com", "HTTPS://Login.Example.com:443/", "http://localhost:8000",
		"https://[::1]:8443", "https://a@b.example", "https://b.example/path?q#f", "android:apk-key-hash:x", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := serializeOrigin(s)
		if err != nil {
			return
		}
		again, err := serializeOrigin(out)
		if err != nil || again != out {
			t.Fatalf("%q serializes to %q, which serializes to %q (%v)", s, out, again, err)
		}
		rest, ok := strings.CutPrefix(out, "https://")
		if !ok {
			rest, ok = strings.CutPrefix(out, "http://")
		}
		if !ok || rest == "" || strings.ContainsAny(rest, "/?#@\\ ") || strings.ToLower(out) != out {
			t.Fatalf("%q serializes to %q, not scheme://host[:port]", s, out)
		}
	})
}

// FuzzAndroidKeyDescription: the key description parser returns an error
// or lists, never panics, on any extension value.
func FuzzAndroidKeyDescription(f *testing.F) {
	list := func(els ...asn1.RawValue) asn1.RawValue {
		var body []byte
		for _, el := range els {
			b, _ := asn1.Marshal(el)
			body = append(body, b...)
		}
		return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body}
	}
	origin, _ := asn1.Marshal(0)
	purpose, _ := asn1.MarshalWithParams([]int{2}, "set")
	tee := list(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: purpose},
		asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 702, IsCompound: true, Bytes: origin})
	kd, _ := asn1.Marshal(keyDescription{AttestationVersion: 200, KeymasterVersion: 200, AttestationChallenge: make([]byte, 32), UniqueID: []byte{}, SoftwareEnforced: list(), TeeEnforced: tee})
	f.Add(kd)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		var kd keyDescription
		if rest, err := asn1.Unmarshal(b, &kd); err != nil || len(rest) != 0 {
			return
		}
		for _, raw := range []asn1.RawValue{kd.SoftwareEnforced, kd.TeeEnforced} {
			l, err := parseAuthorizationList(raw, "list")
			if err != nil {
				continue
			}
			_, _, _ = l.origin()
			_, _ = l.purposes()
		}
	})
}
