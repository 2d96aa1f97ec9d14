package tap

import (
	"context"
	"errors"
	"time"
)

// Action is what an audit Event records.
type Action string

// Actions.
const (
	ActionIssue   Action = "issue"   // a pass was created (or an Issue request refused)
	ActionReplace Action = "replace" // issuing deleted the user's previous pass
	ActionRedeem  Action = "redeem"  // a sign-in with a pass, successful or not
	ActionLock    Action = "lock"    // too many failed attempts locked the pass
	ActionRevoke  Action = "revoke"  // an administrator revoked the pass
	ActionPurge   Action = "purge"   // an expired pass was deleted (one event per pass)
)

// Outcome says whether the action succeeded.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
)

// Event is one audit record: who did what to whose pass, when, and how it
// went. It never carries a code or a hash.
type Event struct {
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"` // who asked: an administrator, a flow, or the user redeeming
	Action  Action    `json:"action"`
	UserID  string    `json:"userId,omitzero"`
	PassID  string    `json:"passId,omitzero"`
	Outcome Outcome   `json:"outcome"`
	// Reason is a short machine-readable cause for failures ("expired",
	// "invalid_code", …; see ReasonOf) and "" for successes.
	Reason string `json:"reason,omitzero"`
	// Count is the failed-attempt count after a failed redemption.
	Count int `json:"count,omitzero"`
}

// AuditSink receives audit events. Audit is called synchronously after the
// state change it records, so a sink that must not lose events should
// persist before returning; it must be safe for concurrent use.
type AuditSink interface {
	Audit(ctx context.Context, e Event)
}

// AuditFunc adapts a function to AuditSink.
type AuditFunc func(ctx context.Context, e Event)

// Audit calls f.
func (f AuditFunc) Audit(ctx context.Context, e Event) { f(ctx, e) }

// ReasonOf returns the audit reason for an error of this package: a
// stable snake_case name for each sentinel, "error" for anything else and ""
// for nil.
func ReasonOf(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrLockedOut):
		return "locked_out"
	case errors.Is(err, ErrInvalidCode):
		return "invalid_code"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrNotYetValid):
		return "not_yet_valid"
	case errors.Is(err, ErrExpired):
		return "expired"
	case errors.Is(err, ErrUsed):
		return "used"
	case errors.Is(err, ErrRevoked):
		return "revoked"
	case errors.Is(err, ErrDisabledByPolicy):
		return "disabled_by_policy"
	case errors.Is(err, ErrInvalidRequest):
		return "invalid_request"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	default:
		return "error"
	}
}
