package mds

import (
	"errors"
	"strings"
)

// Conditions a caller may branch on with errors.Is. Every error Load returns
// is an [*Error] that matches exactly one of them.
var (
	// ErrInvalidOptions: the Options cannot be used (no Root, negative MaxSize).
	ErrInvalidOptions = errors.New("mds: invalid options")
	// ErrTooLarge: the input is longer than Options.MaxSize.
	ErrTooLarge = errors.New("mds: BLOB too large")
	// ErrMalformed: the input is not a compact JWS, or its header or payload
	// cannot be decoded, or a required member is missing.
	ErrMalformed = errors.New("mds: malformed BLOB")
	// ErrUntrusted: the signing chain does not verify to Options.Root, or the
	// header asks for something Load will not do (x5u, an unaccepted alg).
	ErrUntrusted = errors.New("mds: BLOB not trusted")
	// ErrRevoked: a certificate of the signing chain is listed in one of
	// Options.CRLs.
	ErrRevoked = errors.New("mds: BLOB signing certificate revoked")
	// ErrSignature: the chain is trusted but the JWS signature does not verify,
	// so the header or payload was altered or signed by another key.
	ErrSignature = errors.New("mds: BLOB signature invalid")
)

// Error says what was wrong with a BLOB and where.
type Error struct {
	// Kind is one of the Err… sentinels above.
	Kind error
	// Where names the part of the input: "input", "JWT header", "x5c[1]",
	// "signature", "payload", "payload.nextUpdate", "Options.Root".
	Where string
	// Reason says what was wrong, in words a person can act on.
	Reason string
	// Err is the underlying error, if any (from crypto/x509, encoding/json…).
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("mds: ")
	b.WriteString(e.Where)
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Kind and, when set, Err, so errors.Is matches the sentinel and
// errors.As reaches the underlying error (an x509.UnknownAuthorityError, a
// *json.SyntaxError…).
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func newError(kind error, where, reason string, err error) *Error {
	return &Error{Kind: kind, Where: where, Reason: reason, Err: err}
}
