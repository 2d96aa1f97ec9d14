package passkey

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// FuzzDetect: input detection alone. It never panics, fails only with an
// *Error, and what it returns is what the input says: raw CBOR unchanged,
// hex and base64 text decoding to the bytes returned, JSON recognised by
// its opening brace.
func FuzzDetect(f *testing.F) {
	for _, seed := range []string{
		"", " ", "{}", " {\"id\":1}", "a301", "A301", "o2NmbXRkbm9uZQ", "o2NmbXRkbm9uZQ==",
		"o2N+bXRk/m9uZQ", "o2N-bXRk_m9uZQ", "zz", "\xa3\x63fmt", "\xff\x00", "abc\x80",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, raw, err := detect(data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Code == "" || pe.Where == "" {
				t.Fatalf("error without a code and a place: %v", err)
			}
			return
		}
		if in.Size != len(data) {
			t.Fatalf("size %d for %d bytes", in.Size, len(data))
		}
		text := bytes.TrimSpace(data)
		switch in.Encoding {
		case EncodingCBOR:
			if !bytes.Equal(raw, data) || data[0] < 0x80 {
				t.Fatal("raw CBOR must be returned unchanged and start at or above 0x80")
			}
		case EncodingJSON:
			if raw != nil || len(text) == 0 || text[0] != '{' {
				t.Fatal("JSON is recognised by its brace and decoded later")
			}
		case EncodingHex:
			if !strings.EqualFold(hex.EncodeToString(raw), string(text)) {
				t.Fatalf("hex %q decoded to %x", text, raw)
			}
		case EncodingBase64, EncodingBase64URL:
			// Go's decoder, like most, ignores the unused low bits of the
			// last character ("zz" and "zw" are both 0xcf), so the encoding
			// of raw agrees with the text up to that character. Line breaks
			// are skipped, so pasted base64 may be wrapped.
			s := strings.TrimRight(strings.NewReplacer("-", "+", "_", "/", "\n", "", "\r", "").Replace(string(text)), "=")
			got := base64.RawStdEncoding.EncodeToString(raw)
			if len(got) != len(s) || got[:max(len(s)-1, 0)] != s[:max(len(s)-1, 0)] {
				t.Fatalf("base64 %q decoded to bytes that encode as %q", text, got)
			}
		default:
			t.Fatalf("unknown encoding %q", in.Encoding)
		}
	})
}
