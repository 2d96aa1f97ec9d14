package passkey_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
)

// seedInputs adds every sample in every input form the detector knows.
func seedInputs(f *testing.F) {
	all, err := samples.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range all {
		f.Add([]byte(s.Registration))
		raw := attestationObjectOf(f, s)
		f.Add(raw)
		f.Add([]byte(base64.RawURLEncoding.EncodeToString(raw)))
		f.Add([]byte(hex.EncodeToString(raw)))
	}
	f.Add([]byte{0xa1, 0x61, 0x61, 0x9a, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`))
}

// FuzzInspect: detection and decoding never panic, and every failure is an
// *Error with a code.
func FuzzInspect(f *testing.F) {
	seedInputs(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := passkey.Inspect(data)
		if err != nil {
			var pe *passkey.Error
			if !errors.As(err, &pe) || pe.Code == "" {
				t.Fatalf("error without a code: %v", err)
			}
			if c != nil {
				t.Fatalf("credential with a decode error")
			}
			return
		}
		if c.Format == "" || !c.Flags.AT {
			t.Fatalf("decoded credential without format or attested data: %+v", c)
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("credential does not marshal: %v", err)
		}
	})
}

// FuzzVerify: full verification with the first sample's relying-party
// settings never panics, and the report always marshals.
func FuzzVerify(f *testing.F) {
	seedInputs(f)
	s, err := samples.Get("yubico-yubikey-5ci-packed")
	if err != nil {
		f.Fatal(err)
	}
	opts := sampleOptions(f, s)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := passkey.Analyze(data, &opts)
		if r.OK != (r.Error == nil) {
			t.Fatalf("ok=%v with error %v", r.OK, r.Error)
		}
		if r.OK && r.Assurance == nil {
			t.Fatal("ok without assurance")
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("report does not marshal: %v", err)
		}
	})
}
