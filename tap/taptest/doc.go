// Package taptest checks that a tap.Store keeps its contract. Every store in
// keytier runs it, and so should any store a user writes:
//
//	func TestMyStore(t *testing.T) {
//		taptest.RunStoreTests(t, func(t *testing.T) tap.Store { return newMyStore(t) })
//	}
//
// The suite covers storage round trips, one pass per user, the conditions of
// Use and Fail, revocation, purging, listing, context cancellation, and the
// concurrency properties that make a store safe to share: N concurrent
// redemptions of one one-time pass succeed exactly once, and N concurrent
// wrong codes lock a pass after exactly the configured number of attempts.
// Stores shared between processes should use RunStoreTestsWith and a Group
// function that opens separate connections to the same data, so the
// concurrency tests cross connection (and lock) boundaries.
package taptest
