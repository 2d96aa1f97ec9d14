package passkey_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keytier/keytier/passkey"
)

// seedPolicyFiles adds every JSON file of testdata/policy.
func seedPolicyFiles(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "policy", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParseFIDO2Policy: parsing never panics; every failure is a
// PolicyErrors of paths; a parsed policy writes back to JSON that parses
// to the same JSON, and evaluation over it never panics.
func FuzzParseFIDO2Policy(f *testing.F) {
	seedPolicyFiles(f)
	f.Add([]byte(`[{"id":"fido2","passkeyProfiles":[{"id":"a","passkeyTypes":"synced"}],"includeTargets":[{"id":"all_users"}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := passkey.ParseFIDO2Policy(data)
		if err != nil {
			var es passkey.PolicyErrors
			if !errors.As(err, &es) || len(es) == 0 || p != nil {
				t.Fatalf("want PolicyErrors and no policy, got %T %v", err, err)
			}
			for _, e := range es {
				if e.Warning || !strings.HasPrefix(e.Error(), "passkey: ") {
					t.Fatalf("bad error %q", e.Error())
				}
			}
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		p2, err := passkey.ParseFIDO2Policy(out)
		if err != nil {
			t.Fatalf("written policy does not parse: %v\n%s", err, out)
		}
		out2, err := json.Marshal(p2)
		if err != nil || string(out) != string(out2) {
			t.Fatalf("round trip not stable:\n%s\n%s", out, out2)
		}
		s := passkey.Subject{UserID: "u", GroupIDs: []string{"g"}}
		d := p.Evaluate(s, passkey.CredentialFacts{Type: passkey.Synced})
		if d.Admitted == (len(d.Reasons) > 0) {
			t.Fatalf("admitted=%v with reasons %v", d.Admitted, d.Reasons)
		}
		for _, pp := range p.PasskeyProfiles {
			lo, hi := pp.AALRange()
			if lo > hi {
				t.Fatalf("range %v..%v", lo, hi)
			}
		}
	})
}

// FuzzParseFIDO2Method: parsing one record or a list never panics; every
// failure is an *Error with a code; a parsed record writes back and parses
// again, and its facts can be computed.
func FuzzParseFIDO2Method(f *testing.F) {
	seedPolicyFiles(f)
	f.Add([]byte(`{"id":"x","aaGuid":"2fc0579f-8113-47ea-b116-bb5a8db9202a","createdDateTime":"2020-08-10T06:44:09Z","attestationLevel":"attested","passkeyType":"synced"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(m passkey.FIDO2Method) {
			out, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if _, err := passkey.ParseFIDO2Method(out); err != nil {
				t.Fatalf("written record does not parse: %v\n%s", err, out)
			}
			_ = m.Facts(nil)
		}
		m, err := passkey.ParseFIDO2Method(data)
		if err != nil {
			if passkey.CodeOf(err) == "" || m != nil {
				t.Fatalf("error without a code: %v", err)
			}
		} else {
			check(*m)
		}
		list, err := passkey.ParseFIDO2Methods(data)
		if err != nil {
			if passkey.CodeOf(err) == "" {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		for _, m := range list {
			check(m)
		}
	})
}
