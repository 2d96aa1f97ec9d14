package tap_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keytier/keytier/tap"
)

func FuzzParsePolicy(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"defaultLength":8,"defaultLength":9}`))
	f.Add([]byte(`{"includeTargets":[{"id":"x","targetType":"user","extra":[{}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := tap.ParsePolicy(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "tap: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		// A valid policy marshals, parses back, validates and marshals to
		// the same bytes.
		out, err := p.MarshalJSON()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		p2, err := tap.ParsePolicy(out)
		if err != nil {
			t.Fatalf("reparse of %s: %v", out, err)
		}
		out2, err := p2.MarshalJSON()
		if err != nil {
			t.Fatalf("marshal again: %v", err)
		}
		if string(out) != string(out2) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"ABCD2345", "abcd-2345", " AB CD 23 45 ", "ABCD234O", "", strings.Repeat("Z", 48), "ÀBCD2345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := tap.ParseCode(s)
		if err != nil {
			if c.Reveal() != "" {
				t.Fatal("error with a code")
			}
			return
		}
		r := c.Reveal()
		if len(r) < tap.MinLength || len(r) > tap.MaxLength {
			t.Fatalf("length %d", len(r))
		}
		for i := 0; i < len(r); i++ {
			if strings.IndexByte(tap.Alphabet, r[i]) < 0 {
				t.Fatalf("character %q outside the alphabet", r[i])
			}
		}
		// Normalising is idempotent.
		c2, err := tap.ParseCode(r)
		if err != nil || c2.Reveal() != r {
			t.Fatalf("ParseCode(%q) = %q, %v", r, c2.Reveal(), err)
		}
	})
}
