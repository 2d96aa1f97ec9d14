package passkey

import (
	"testing"
	"unicode/utf8"
)

// plainTextByByte is plainText's definition, one byte at a time.
func plainTextByByte(v []byte) bool {
	for _, c := range v {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return utf8.Valid(v)
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{
		"", "plain ascii text, long enough for words", "§6.1.3 — BS=1", `a\b`, "twelve bytes\x1f",
		"\x00", "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "caf\xc3", "日本語のテキストです",
		"seven b\\", "\x20\x20\x20\x20\x20\x20\x20\x1f",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		if got, want := plainText(v), plainTextByByte(v); got != want {
			t.Fatalf("plainText(%q) = %v, want %v", v, got, want)
		}
	})
}
