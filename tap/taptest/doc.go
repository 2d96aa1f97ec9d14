// Package taptest checks that a tap.Store keeps its contract. Every store in
// keytier runs it, and so should any store a user writes:
//
//	func TestMyStore(t *testing.T) {
//		newStore := func(t *testing.T) tap.Store { return newMyStore(t) }
//		taptest.RunStoreTests(t, newStore)
//		taptest.RunServiceTests(t, newStore)
//	}
//
// The suite covers storage round trips, one pass per user, the conditions of
// Use and Fail, revocation, purging (DeleteExpired returns whose passes it
// deleted, each exactly once across concurrent purges), listing, context
// cancellation, and the
// concurrency properties that make a store safe to share: N concurrent
// redemptions of one one-time pass succeed exactly once, and N concurrent
// wrong codes lock a pass after exactly the configured number of attempts.
// Stores shared between processes should use RunStoreTestsWith and a Group
// function that opens separate connections to the same data, so the
// concurrency tests cross connection (and lock) boundaries.
//
// RunServiceTests (and RunServiceTestsWith) check the same store one level
// up, through tap.Service with an injected clock: every status and its
// Graph methodUsabilityReason read back from the store, the issue bounds at
// and one step past their limits, the exact expiry instant, a start in the
// future, two Services with skewed clocks on one store, lockout, revoking
// used, locked and not-yet-valid passes, locking a not-yet-valid one,
// replacing a pass in every state, PurgeExpired at the exact expiry
// instant, the policy's targeting checked again at redemption through
// tap.Options.Groups (Groups is a GroupReader for such tests), and a round
// trip of every counter and time.
package taptest
