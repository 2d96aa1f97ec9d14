package catalog

import (
	"fmt"

	"github.com/google/uuid"
)

// ParseError reports why a string is not a canonical AAGUID.
type ParseError struct {
	Input  string // the input, shortened to maxErrorInput bytes
	Offset int    // byte offset of the first offending character, or -1 for a length error
	Reason string
}

// maxErrorInput bounds how much of a caller's input an error repeats, so
// that a hostile multi-megabyte value does not end up in logs.
const maxErrorInput = 48

func (e *ParseError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("catalog: AAGUID %q: %s", e.Input, e.Reason)
	}
	return fmt.Sprintf("catalog: AAGUID %q: %s at offset %d", e.Input, e.Reason, e.Offset)
}

// ParseAAGUID reads an AAGUID in the canonical 8-4-4-4-12 hexadecimal form
// (36 characters), in upper or lower case, as Microsoft Graph's aaGuid and
// FIDO MDS write it. Other spellings that uuid.Parse would accept (braces,
// a urn:uuid: prefix, 32 bare hex digits) are rejected: an AAGUID that
// arrives in one of them came from somewhere unexpected, and saying so is
// more useful than guessing.
//
// The all-zero AAGUID parses without error; it means the authenticator did
// not disclose its model (see [Lookup]).
func ParseAAGUID(s string) (uuid.UUID, error) {
	if len(s) != 36 {
		return uuid.Nil, &ParseError{Input: shorten(s), Offset: -1, Reason: fmt.Sprintf("length %d, want 36 (8-4-4-4-12 hex digits)", len(s))}
	}
	var id uuid.UUID
	j := 0
	for i := 0; i < 36; i += 2 {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return uuid.Nil, &ParseError{Input: shorten(s), Offset: i, Reason: fmt.Sprintf("want '-', got %q", s[i])}
			}
			i-- // the hyphen takes one byte, not two
			continue
		}
		hi, ok := unhex(s[i])
		if !ok {
			return uuid.Nil, &ParseError{Input: shorten(s), Offset: i, Reason: fmt.Sprintf("%q is not a hexadecimal digit", s[i])}
		}
		lo, ok := unhex(s[i+1])
		if !ok {
			return uuid.Nil, &ParseError{Input: shorten(s), Offset: i + 1, Reason: fmt.Sprintf("%q is not a hexadecimal digit", s[i+1])}
		}
		id[j] = hi<<4 | lo
		j++
	}
	return id, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func shorten(s string) string {
	if len(s) <= maxErrorInput {
		return s
	}
	return s[:maxErrorInput] + "…"
}
