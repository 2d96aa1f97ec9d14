package tap

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
)

// Alphabet is the set of characters a code is drawn from: digits and
// upper-case letters without the look-alikes a person misreads or mistypes
// when a helpdesk reads a pass out or a new hire copies it from a letter:
// 0 and O, 1, I and l (L), and U (read as V). 30 characters remain.
const Alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// BitsPerChar is log2(len(Alphabet)) ≈ 4.907: each character of a code
// carries that much entropy because characters are drawn uniformly and
// independently. A code of n characters has n × BitsPerChar bits: 39.3 at
// Entra's default length 8, 235.5 at the maximum 48.
var BitsPerChar = math.Log2(float64(len(Alphabet)))

// EntropyBits returns the entropy of a code of the given length in bits.
func EntropyBits(length int) float64 { return float64(length) * BitsPerChar }

// rejectAbove is the largest multiple of len(Alphabet) that fits in a byte
// (240 = 8 × 30). Bytes at or above it are discarded rather than reduced
// modulo 30, which would make the first 16 characters more likely than the
// others (modulo bias).
const rejectAbove = 256 - 256%len(Alphabet)

// maxRandomBytesPerChar bounds the bytes read per character: a random source
// that keeps returning rejected bytes (a broken or hostile Reader) gets an
// error instead of an endless loop. With a uniform source the chance of
// needing more than 64 bytes for one character is (16/256)^64, about 10^-77.
const maxRandomBytesPerChar = 64

var errRandomExhausted = errors.New("tap: random source returned only out-of-range bytes")

// generateCode draws length characters uniformly from Alphabet by rejection
// sampling bytes from r.
func generateCode(r io.Reader, length int) (Code, error) {
	if length < MinLength || length > MaxLength {
		return Code{}, fmt.Errorf("%w: length %d is outside %d–%d", ErrInvalidRequest, length, MinLength, MaxLength)
	}
	out := make([]byte, 0, length)
	buf := make([]byte, length+length/4+4) // ~6% rejected: usually one read
	budget := maxRandomBytesPerChar * length
	for len(out) < length {
		if budget <= 0 {
			return Code{}, errRandomExhausted
		}
		n := min(len(buf), budget)
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return Code{}, fmt.Errorf("tap: reading random source: %w", err)
		}
		budget -= n
		for _, b := range buf[:n] {
			if int(b) >= rejectAbove {
				continue
			}
			out = append(out, Alphabet[int(b)%len(Alphabet)])
			if len(out) == length {
				break
			}
		}
	}
	clear(buf)
	return Code{s: string(out)}, nil
}

// Code is a Temporary Access Pass in plaintext. It exists only between
// Issue, which returns it once, and the moment it is handed to the user;
// only a keyed hash is stored.
//
// Every way of printing or encoding a Code redacts it: String, GoString,
// Format (%v %s %q %x %#v %+v …), MarshalJSON, MarshalText and slog's
// LogValue. Reveal is the one explicit way to get the plaintext.
type Code struct {
	s string
}

const redacted = "[REDACTED]"

// Reveal returns the plaintext code. Call it only where the code is shown to
// the person who will use it.
func (c Code) Reveal() string { return c.s }

// IsZero reports whether c holds no code.
func (c Code) IsZero() bool { return c.s == "" }

// Len returns the code's length in characters.
func (c Code) Len() int { return len(c.s) }

// String redacts.
func (c Code) String() string { return redacted }

// GoString redacts.
func (c Code) GoString() string { return "tap.Code{" + redacted + "}" }

// Format redacts for every verb and flag.
func (c Code) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, c.GoString())
	case verb == 'q':
		io.WriteString(f, `"`+redacted+`"`)
	default:
		io.WriteString(f, redacted)
	}
}

// MarshalJSON redacts.
func (c Code) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText redacts.
func (c Code) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue redacts in log/slog output.
func (c Code) LogValue() slog.Value { return slog.StringValue(redacted) }

// ParseCode normalises what a person typed into a Code: spaces, tabs and
// dashes (used to group characters when a code is read out) are dropped and
// letters are upper-cased. It rejects characters outside Alphabet and lengths
// outside 8–48 with an error wrapping ErrInvalidCode; the error gives the
// position, never the characters.
func ParseCode(s string) (Code, error) {
	if len(s) > MaxCodeInput {
		return Code{}, fmt.Errorf("%w: input is %d bytes, more than %d", ErrInvalidCode, len(s), MaxCodeInput)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '-':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		if strings.IndexByte(Alphabet, c) < 0 {
			return Code{}, fmt.Errorf("%w: character at byte %d is not in the code alphabet", ErrInvalidCode, i)
		}
		b.WriteByte(c)
	}
	if b.Len() < MinLength || b.Len() > MaxLength {
		return Code{}, fmt.Errorf("%w: %d characters, want %d–%d", ErrInvalidCode, b.Len(), MinLength, MaxLength)
	}
	return Code{s: b.String()}, nil
}
