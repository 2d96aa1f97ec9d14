package tap

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
)

// Secret is the server's HMAC-SHA-256 key, the one value that, with a copy
// of the store, lets anyone test code guesses offline. Like Code it redacts
// itself everywhere it could be printed: String, GoString, Format (every
// verb and flag), MarshalJSON, MarshalText and slog's LogValue, so printing
// or logging an Options, or a struct that holds one, does not show it.
//
// The key is held by a closure: fmt prints a func as an address whatever
// the verb and depth, so even where it cannot call Secret's methods (a
// Secret in an unexported field, which fmt reads by reflection, or behind a
// verb fmt reports as bad, "%!s(…)") it shows no key bytes; a pointer or a
// slice would be followed. There is deliberately no method that returns
// the key.
//
// The zero Secret holds no key; New refuses it.
type Secret struct {
	key func() []byte
}

// NewSecret returns a Secret holding a copy of key, so the caller may clear
// its own slice (as it should once the Service is built). The length is
// checked by New: at least MinSecretLength bytes.
func NewSecret(key []byte) Secret {
	b := slices.Clone(key)
	return Secret{key: func() []byte { return b }}
}

// Len returns the key's length in bytes.
func (s Secret) Len() int { return len(s.bytes()) }

// IsZero reports whether s holds no key.
func (s Secret) IsZero() bool { return s.Len() == 0 }

func (s Secret) bytes() []byte {
	if s.key == nil {
		return nil
	}
	return s.key()
}

// String redacts.
func (s Secret) String() string { return redacted }

// GoString redacts.
func (s Secret) GoString() string { return "tap.Secret{" + redacted + "}" }

// Format redacts for every verb and flag.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, s.GoString())
	case verb == 'q':
		io.WriteString(f, `"`+redacted+`"`)
	default:
		io.WriteString(f, redacted)
	}
}

// MarshalJSON redacts.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText redacts.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue redacts in log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
