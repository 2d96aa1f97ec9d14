package tap

import (
	"context"
	"time"
)

// Store keeps passes. Implementations must make each method atomic with
// respect to every other caller of the same underlying data, including other
// processes: Use and Fail are where a one-time pass is redeemed exactly once
// and where a lockout counts every attempt, so they must be single
// conditional updates (or equivalent), never read-then-write.
//
// Stores compare times as given; the Service passes UTC times truncated to
// microseconds. Every method returns an error wrapping ErrNotFound when the
// pass does not exist. tap/taptest.RunStoreTests checks an implementation,
// and tap/taptest.RunServiceTests checks it under a tap.Service.
type Store interface {
	// Put stores ps as the only pass of ps.UserID, deleting any other pass
	// of that user in the same atomic step (Entra: "A user can only have
	// one Temporary Access Pass"), and returns the id of the pass it
	// replaced, or "".
	Put(ctx context.Context, ps Pass) (replacedID string, err error)

	// Get returns the pass with this id.
	Get(ctx context.Context, id string) (Pass, error)

	// GetByUser returns the user's pass.
	GetByUser(ctx context.Context, userID string) (Pass, error)

	// List returns passes ordered by UserID, then ID, starting after
	// q.AfterUserID, at most q.Limit of them (MaxListLimit when zero).
	List(ctx context.Context, q Query) ([]Pass, error)

	// Use records one redemption at time at, if and only if, at that
	// moment, the pass is not revoked, not locked, StartAt <= at <
	// ExpiresAt, and it is reusable or has UseCount 0. It increments
	// UseCount, sets LastUsedAt to at and returns the updated pass and true;
	// when a condition does not hold it changes nothing and returns false.
	// at may be earlier than LastUsedAt (Services on several machines with
	// clocks seconds apart): the use counts, and LastUsedAt becomes at.
	Use(ctx context.Context, id string, at time.Time) (Pass, bool, error)

	// Fail records a failed attempt at time at, if the pass is neither
	// locked nor revoked: it increments FailedAttempts and, when the count
	// reaches maxFailed, sets LockedAt to at. It returns the updated pass
	// and true; for a locked or revoked pass it changes nothing and returns
	// the pass and false.
	Fail(ctx context.Context, id string, at time.Time, maxFailed int) (Pass, bool, error)

	// Revoke sets RevokedAt to at unless it is already set, and reports
	// whether it did.
	Revoke(ctx context.Context, id string, at time.Time) (bool, error)

	// DeleteExpired deletes, atomically, the passes whose ExpiresAt is at
	// or before cutoff and returns them as they were, in any order, so the
	// caller can say whose passes went. Of several concurrent calls, each
	// deleted pass is returned by exactly one.
	DeleteExpired(ctx context.Context, cutoff time.Time) ([]Pass, error)
}

// Query selects a page of passes for Store.List.
type Query struct {
	// UserID, if set, selects only that user's pass.
	UserID string
	// AfterUserID continues a listing after this user id ("" starts at
	// the beginning).
	AfterUserID string
	// Limit is the page size; zero means MaxListLimit, and larger values
	// are capped to it.
	Limit int
}

// EffectiveLimit returns the page size a Store must use for q.
func (q Query) EffectiveLimit() int {
	if q.Limit <= 0 || q.Limit > MaxListLimit {
		return MaxListLimit
	}
	return q.Limit
}
