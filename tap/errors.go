package tap

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns for one of these
// conditions wraps the sentinel, so callers branch with errors.Is and still
// get a message that says which pass, which user and when:
//
//	if errors.Is(err, tap.ErrExpired) { … issue a new pass … }
//
// None of them ever contains a code.
var (
	// ErrNotFound: the user has no pass, or no pass has that id.
	ErrNotFound = errors.New("tap: no such pass")
	// ErrInvalidCode: the code does not match the user's pass, or is not a
	// well-formed code at all. A wrong code counts as a failed attempt.
	ErrInvalidCode = errors.New("tap: invalid code")
	// ErrNotYetValid: the pass's startDateTime is still in the future
	// (Graph methodUsabilityReason "NotYetValid").
	ErrNotYetValid = errors.New("tap: pass not yet valid")
	// ErrExpired: startDateTime + lifetimeInMinutes has passed
	// (Graph methodUsabilityReason "Expired").
	ErrExpired = errors.New("tap: pass expired")
	// ErrUsed: a one-time pass was already redeemed
	// (Graph methodUsabilityReason "OneTimeUsed").
	ErrUsed = errors.New("tap: one-time pass already used")
	// ErrRevoked: the pass was revoked by an administrator.
	ErrRevoked = errors.New("tap: pass revoked")
	// ErrLockedOut: too many wrong codes were tried; the pass stays locked
	// and a new one must be issued.
	ErrLockedOut = errors.New("tap: pass locked after too many failed attempts")
	// ErrDisabledByPolicy: the Temporary Access Pass policy is disabled, does
	// not target the user, or requires one-time passes while this one is
	// reusable (Graph methodUsabilityReason "DisabledByPolicy").
	ErrDisabledByPolicy = errors.New("tap: disabled by policy")
	// ErrInvalidPolicy: a policy document or value breaks one of Entra's
	// documented constraints. The error is a *PolicyError naming the field.
	ErrInvalidPolicy = errors.New("tap: invalid policy")
	// ErrInvalidRequest: an Issue request asks for something the policy does
	// not allow (a lifetime outside its bounds, a reusable pass under a
	// one-time policy, a start in the past). The message names the Graph
	// field.
	ErrInvalidRequest = errors.New("tap: invalid request")
)

// PolicyError reports a Temporary Access Pass policy that breaks one of Entra's
// documented constraints. Field is the Graph JSON member name
// ("maximumLifetimeInMinutes", "includeTargets[2].id", or "" for the
// document as a whole).
type PolicyError struct {
	Field  string
	Reason string
	Err    error // underlying error, if any (a JSON syntax error)
}

func (e *PolicyError) Error() string {
	msg := "tap: invalid policy"
	if e.Field != "" {
		msg += ": " + e.Field
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns ErrInvalidPolicy and the underlying error, so that both
// errors.Is(err, tap.ErrInvalidPolicy) and errors.As on the cause work.
func (e *PolicyError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidPolicy, e.Err}
	}
	return []error{ErrInvalidPolicy}
}

func policyErrorf(field, format string, args ...any) *PolicyError {
	return &PolicyError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// requestErrorf wraps ErrInvalidRequest with the Graph field at fault.
func requestErrorf(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidRequest, field, fmt.Sprintf(format, args...))
}
