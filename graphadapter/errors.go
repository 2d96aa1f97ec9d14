package graphadapter

import (
	"errors"
	"fmt"
)

// Sentinel errors that callers can branch on with errors.Is. Every error
// Load returns is an *Error; these are what its Err wraps, when it wraps one.
var (
	// ErrLimit: the document exceeds one of the limits in limits.go.
	ErrLimit = errors.New("limit exceeded")
	// ErrReference: an identifier is empty, repeated, or refers to
	// something it must not (see Snapshot.Check for which references are
	// errors and which are warnings).
	ErrReference = errors.New("bad reference")
)

// Error reports what is wrong with a snapshot and where. Path is a dotted
// JSON path into the document ("users.3.authenticationMethods.0.aaGuid");
// "" means the document as a whole. Offset is the byte offset of a syntax
// error, or -1 when the problem is not at one place in the bytes.
type Error struct {
	Path   string
	Offset int64
	Reason string
	Err    error // ErrLimit, ErrReference, or an underlying error; may be nil
}

func (e *Error) Error() string {
	msg := "graphadapter: "
	where := e.Path
	if where == "" {
		where = "snapshot"
	}
	msg += where
	if e.Offset >= 0 {
		msg += fmt.Sprintf(" (byte %d)", e.Offset)
	}
	msg += ": " + e.Reason
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

func errorAt(path string, err error, format string, args ...any) *Error {
	return &Error{Path: path, Offset: -1, Reason: fmt.Sprintf(format, args...), Err: err}
}

func limitError(path string, n, max int, what, limit string) *Error {
	return errorAt(path, ErrLimit, "%d %s; at most %d allowed (%s)", n, what, max, limit)
}

// Warning is something Load noticed that does not stop keytier from reading
// the snapshot but may make its answers incomplete: a group member that is
// not a user in the snapshot, a role assigned to an unknown principal.
type Warning struct {
	Path   string
	Reason string
}

func (w Warning) String() string { return w.Path + ": " + w.Reason }
