package passkey_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// FuzzVerifyAssertion: the assertion reader and the §7.2 procedure never
// panic; every failure is an *Error with a code and a Where; a refusal
// carries an updated record only when the signature verified, and a
// verified sign-in's record still reads back.
func FuzzVerifyAssertion(f *testing.F) {
	a, err := passkeytest.New(passkeytest.Options{Algorithm: passkeytest.ES256})
	if err != nil {
		f.Fatal(err)
	}
	e := enroll(f, a, true, testOptions())
	for _, mod := range []func(*passkeytest.AssertOptions){
		nil,
		func(o *passkeytest.AssertOptions) { o.BackedUp = true },
		func(o *passkeytest.AssertOptions) { o.SignCount = 0 },
		func(o *passkeytest.AssertOptions) { o.Extensions = map[string]any{"credProtect": 2} },
	} {
		f.Add(e.assert(f, mod))
	}
	data, err := os.ReadFile("testdata/w3c-assertions/vectors.json")
	if err != nil {
		f.Fatal(err)
	}
	var vectors []struct {
		Assertion json.RawMessage `json:"assertion"`
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		f.Fatal(err)
	}
	for _, v := range vectors {
		f.Add([]byte(v.Assertion))
	}
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}`))
	opts := assertOptions()
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := passkey.VerifyAssertion(data, e.record, opts)
		if err == nil {
			if s == nil || s.Record == nil {
				t.Fatal("a verified sign-in without a record")
			}
			out, err := json.Marshal(s.Record)
			if err != nil {
				t.Fatalf("record does not marshal: %v", err)
			}
			if _, err := passkey.ParseRecord(out); err != nil {
				t.Fatalf("updated record does not read back: %v", err)
			}
			return
		}
		var pe *passkey.Error
		if !errors.As(err, &pe) || pe.Code == "" || pe.Where == "" {
			t.Fatalf("error without a code or a place: %v", err)
		}
		if s != nil && s.Record != nil && !signatureStepPassed(s) {
			t.Fatalf("a record from an assertion whose signature did not verify: %v", err)
		}
	})
}

func signatureStepPassed(s *passkey.SignIn) bool {
	for _, st := range s.Steps {
		if st.OK && len(st.Check) > 9 && st.Check[:9] == "signature" {
			return true
		}
	}
	return false
}

// FuzzParseRecord: the record reader (keytier's JSON and go-webauthn's)
// never panics, fails with a coded *Error naming the member, and a record
// it accepts marshals and reads back to the same value.
func FuzzParseRecord(f *testing.F) {
	a, err := passkeytest.New(passkeytest.Options{Algorithm: passkeytest.RS256})
	if err != nil {
		f.Fatal(err)
	}
	e := enroll(f, a, false, testOptions())
	rec, err := json.Marshal(e.record)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec)
	f.Add([]byte(`{"id":"AAEC","publicKey":"pQECAyYgASFYIA==","flags":{"userPresent":true,"userVerified":true,"backupEligible":true,"backupState":false},"authenticator":{"AAGUID":"AAAAAAAAAAAAAAAAAAAAAA==","signCount":7}}`))
	all, err := samples.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range all[:3] {
		f.Add([]byte(s.Registration))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := passkey.ParseRecord(data)
		if err != nil {
			var pe *passkey.Error
			if !errors.As(err, &pe) || pe.Code == "" || pe.Where == "" {
				t.Fatalf("error without a code or a place: %v", err)
			}
			if r != nil {
				t.Fatal("a record with an error")
			}
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("record does not marshal: %v", err)
		}
		back, err := passkey.ParseRecord(out)
		if err != nil {
			t.Fatalf("record does not read back: %v\n%s", err, out)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(out) {
			t.Fatalf("record changed on a round trip:\n%s\n%s", out, again)
		}
	})
}
