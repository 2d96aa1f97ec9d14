package taptest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap"
)

// Config describes the store under test.
type Config struct {
	// New returns an empty store; called once per subtest.
	New func(t *testing.T) tap.Store
	// Group, if set, returns n stores over the same, empty data, each with
	// its own connection (as n processes would have). Nil means the
	// concurrency tests share one store from New between goroutines.
	Group func(t *testing.T, n int) []tap.Store
	// Concurrency is the number of concurrent callers; zero means 16.
	Concurrency int
}

// RunStoreTests runs the conformance suite against stores made by newStore.
func RunStoreTests(t *testing.T, newStore func(t *testing.T) tap.Store) {
	RunStoreTestsWith(t, Config{New: newStore})
}

// base is the suite's reference time: arbitrary, UTC, whole microseconds.
var base = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func pass(id, user string) tap.Pass {
	return tap.Pass{
		ID:                id,
		UserID:            user,
		Hash:              []byte("0123456789abcdef0123456789abcdef"),
		CreatedAt:         base,
		CreatedBy:         "admin@example.com",
		StartAt:           base.Add(10 * time.Minute),
		ExpiresAt:         base.Add(70 * time.Minute),
		LifetimeInMinutes: 60,
		UsableOnce:        true,
	}
}

// RunStoreTestsWith runs the conformance suite with the given Config.
func RunStoreTestsWith(t *testing.T, cfg Config) {
	if cfg.New == nil {
		t.Fatal("taptest: Config.New is required")
	}
	n := cfg.Concurrency
	if n == 0 {
		n = 16
	}
	group := cfg.Group
	if group == nil {
		group = func(t *testing.T, n int) []tap.Store {
			s := cfg.New(t)
			out := make([]tap.Store, n)
			for i := range out {
				out[i] = s
			}
			return out
		}
	}
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		s := cfg.New(t)
		p := pass("p1", "alice")
		p.UsableOnce = false
		p.StartAt = base.Add(123456 * time.Microsecond)
		replaced, err := s.Put(ctx, p)
		require.NoError(t, err)
		assert.Empty(t, replaced)
		got, err := s.Get(ctx, "p1")
		require.NoError(t, err)
		AssertPassEqual(t, p, got)
		got, err = s.GetByUser(ctx, "alice")
		require.NoError(t, err)
		AssertPassEqual(t, p, got)
	})

	t.Run("NotFound", func(t *testing.T) {
		s := cfg.New(t)
		_, err := s.Get(ctx, "nope")
		assert.ErrorIs(t, err, tap.ErrNotFound)
		_, err = s.GetByUser(ctx, "nobody")
		assert.ErrorIs(t, err, tap.ErrNotFound)
		_, _, err = s.Use(ctx, "nope", base)
		assert.ErrorIs(t, err, tap.ErrNotFound)
		_, _, err = s.Fail(ctx, "nope", base, 3)
		assert.ErrorIs(t, err, tap.ErrNotFound)
		_, err = s.Revoke(ctx, "nope", base)
		assert.ErrorIs(t, err, tap.ErrNotFound)
	})

	t.Run("OnePassPerUser", func(t *testing.T) {
		s := cfg.New(t)
		_, err := s.Put(ctx, pass("p1", "alice"))
		require.NoError(t, err)
		_, err = s.Put(ctx, pass("p2", "bob"))
		require.NoError(t, err)
		replaced, err := s.Put(ctx, pass("p3", "alice"))
		require.NoError(t, err)
		assert.Equal(t, "p1", replaced)
		_, err = s.Get(ctx, "p1")
		assert.ErrorIs(t, err, tap.ErrNotFound, "the replaced pass must be gone")
		got, err := s.GetByUser(ctx, "alice")
		require.NoError(t, err)
		assert.Equal(t, "p3", got.ID)
		got, err = s.GetByUser(ctx, "bob")
		require.NoError(t, err)
		assert.Equal(t, "p2", got.ID)
	})

	t.Run("Use", func(t *testing.T) {
		start, end := base.Add(10*time.Minute), base.Add(70*time.Minute)
		tests := []struct {
			name   string
			once   bool
			mutate func(t *testing.T, s tap.Store)
			at     time.Time
			wantOK bool
		}{
			{"at start", true, nil, start, true},
			{"just before expiry", true, nil, end.Add(-time.Microsecond), true},
			{"before start", true, nil, start.Add(-time.Microsecond), false},
			{"at expiry", true, nil, end, false},
			{"revoked", true, func(t *testing.T, s tap.Store) {
				ok, err := s.Revoke(ctx, "p", base)
				require.NoError(t, err)
				require.True(t, ok)
			}, start, false},
			{"locked", true, func(t *testing.T, s tap.Store) {
				_, counted, err := s.Fail(ctx, "p", base, 1)
				require.NoError(t, err)
				require.True(t, counted)
			}, start, false},
			{"one-time used", true, func(t *testing.T, s tap.Store) {
				_, ok, err := s.Use(ctx, "p", start)
				require.NoError(t, err)
				require.True(t, ok)
			}, start.Add(time.Minute), false},
			{"reusable used", false, func(t *testing.T, s tap.Store) {
				_, ok, err := s.Use(ctx, "p", start)
				require.NoError(t, err)
				require.True(t, ok)
			}, start.Add(time.Minute), true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s := cfg.New(t)
				p := pass("p", "alice")
				p.UsableOnce = tc.once
				_, err := s.Put(ctx, p)
				require.NoError(t, err)
				if tc.mutate != nil {
					tc.mutate(t, s)
				}
				before, err := s.Get(ctx, "p")
				require.NoError(t, err)
				got, ok, err := s.Use(ctx, "p", tc.at)
				require.NoError(t, err)
				assert.Equal(t, tc.wantOK, ok)
				after, err := s.Get(ctx, "p")
				require.NoError(t, err)
				AssertPassEqual(t, after, got)
				if tc.wantOK {
					assert.Equal(t, before.UseCount+1, after.UseCount)
					assert.True(t, after.LastUsedAt.Equal(tc.at), "LastUsedAt %v, want %v", after.LastUsedAt, tc.at)
				} else {
					AssertPassEqual(t, before, after)
				}
			})
		}
	})

	t.Run("FailLocksAtMax", func(t *testing.T) {
		s := cfg.New(t)
		_, err := s.Put(ctx, pass("p", "alice"))
		require.NoError(t, err)
		for i := 1; i <= 3; i++ {
			at := base.Add(time.Duration(i) * time.Minute)
			got, counted, err := s.Fail(ctx, "p", at, 3)
			require.NoError(t, err)
			require.True(t, counted, "attempt %d", i)
			assert.Equal(t, i, got.FailedAttempts)
			if i < 3 {
				assert.True(t, got.LockedAt.IsZero(), "locked after %d of 3 attempts", i)
			} else {
				assert.True(t, got.LockedAt.Equal(at), "LockedAt %v, want %v", got.LockedAt, at)
			}
		}
		got, counted, err := s.Fail(ctx, "p", base.Add(time.Hour), 3)
		require.NoError(t, err)
		assert.False(t, counted, "a locked pass counts no more attempts")
		assert.Equal(t, 3, got.FailedAttempts)

		_, err = s.Put(ctx, pass("q", "bob"))
		require.NoError(t, err)
		_, err = s.Revoke(ctx, "q", base)
		require.NoError(t, err)
		got, counted, err = s.Fail(ctx, "q", base, 3)
		require.NoError(t, err)
		assert.False(t, counted, "a revoked pass counts no attempts")
		assert.Zero(t, got.FailedAttempts)
	})

	t.Run("Revoke", func(t *testing.T) {
		s := cfg.New(t)
		_, err := s.Put(ctx, pass("p", "alice"))
		require.NoError(t, err)
		ok, err := s.Revoke(ctx, "p", base.Add(time.Minute))
		require.NoError(t, err)
		assert.True(t, ok)
		ok, err = s.Revoke(ctx, "p", base.Add(2*time.Minute))
		require.NoError(t, err)
		assert.False(t, ok, "second revoke")
		got, err := s.Get(ctx, "p")
		require.NoError(t, err)
		assert.True(t, got.RevokedAt.Equal(base.Add(time.Minute)), "RevokedAt keeps the first revocation: %v", got.RevokedAt)
	})

	t.Run("DeleteExpired", func(t *testing.T) {
		s := cfg.New(t)
		for i, minutes := range []int{10, 20, 30} {
			p := pass(fmt.Sprintf("p%d", i), fmt.Sprintf("u%d", i))
			p.StartAt = base
			p.ExpiresAt = base.Add(time.Duration(minutes) * time.Minute)
			_, err := s.Put(ctx, p)
			require.NoError(t, err)
		}
		gone, err := s.DeleteExpired(ctx, base.Add(20*time.Minute))
		require.NoError(t, err)
		slices.SortFunc(gone, func(a, b tap.Pass) int { return strings.Compare(a.ID, b.ID) })
		require.Len(t, gone, 2, "passes expiring at or before the cutoff")
		for i, p := range gone {
			want := pass(fmt.Sprintf("p%d", i), fmt.Sprintf("u%d", i))
			want.StartAt = base
			want.ExpiresAt = base.Add(time.Duration(10*(i+1)) * time.Minute)
			AssertPassEqual(t, want, p) // whose pass went, as it was
		}
		_, err = s.GetByUser(ctx, "u0")
		assert.ErrorIs(t, err, tap.ErrNotFound)
		_, err = s.GetByUser(ctx, "u1")
		assert.ErrorIs(t, err, tap.ErrNotFound)
		_, err = s.GetByUser(ctx, "u2")
		assert.NoError(t, err)
		// The user index must be cleared too: a new pass for u0 is not a
		// replacement.
		replaced, err := s.Put(ctx, pass("p9", "u0"))
		require.NoError(t, err)
		assert.Empty(t, replaced)
	})

	t.Run("List", func(t *testing.T) {
		s := cfg.New(t)
		users := []string{"dave", "alice", "carol", "bob", "erin"}
		for i, u := range users {
			_, err := s.Put(ctx, pass(fmt.Sprintf("id-%d", i), u))
			require.NoError(t, err)
		}
		all, err := s.List(ctx, tap.Query{})
		require.NoError(t, err)
		assert.Equal(t, []string{"alice", "bob", "carol", "dave", "erin"}, userIDs(all))
		page, err := s.List(ctx, tap.Query{AfterUserID: "bob", Limit: 2})
		require.NoError(t, err)
		assert.Equal(t, []string{"carol", "dave"}, userIDs(page))
		one, err := s.List(ctx, tap.Query{UserID: "carol"})
		require.NoError(t, err)
		require.Len(t, one, 1)
		AssertPassEqual(t, pass("id-2", "carol"), one[0])
	})

	t.Run("Canceled", func(t *testing.T) {
		s := cfg.New(t)
		_, err := s.Put(ctx, pass("p", "alice"))
		require.NoError(t, err)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, _, err = s.Use(cctx, "p", base.Add(10*time.Minute))
		assert.ErrorIs(t, err, context.Canceled)
		_, err = s.Put(cctx, pass("q", "bob"))
		assert.ErrorIs(t, err, context.Canceled)
		got, err := s.Get(ctx, "p")
		require.NoError(t, err)
		assert.Zero(t, got.UseCount, "a canceled Use must not count")
	})

	t.Run("ConcurrentOneTimeUse", func(t *testing.T) {
		stores := group(t, n)
		_, err := stores[0].Put(ctx, pass("p", "alice"))
		require.NoError(t, err)
		var wins atomic.Int32
		run(t, n, func(i int) error {
			_, ok, err := stores[i].Use(ctx, "p", base.Add(15*time.Minute))
			if ok {
				wins.Add(1)
			}
			return err
		})
		assert.EqualValues(t, 1, wins.Load(), "a one-time pass must be used exactly once")
		got, err := stores[0].Get(ctx, "p")
		require.NoError(t, err)
		assert.Equal(t, 1, got.UseCount)
	})

	t.Run("ConcurrentReusableUse", func(t *testing.T) {
		stores := group(t, n)
		p := pass("p", "alice")
		p.UsableOnce = false
		_, err := stores[0].Put(ctx, p)
		require.NoError(t, err)
		run(t, n, func(i int) error {
			_, ok, err := stores[i].Use(ctx, "p", base.Add(15*time.Minute))
			if err == nil && !ok {
				return errors.New("reusable pass refused")
			}
			return err
		})
		got, err := stores[0].Get(ctx, "p")
		require.NoError(t, err)
		assert.Equal(t, n, got.UseCount, "every use counted")
	})

	t.Run("ConcurrentFailures", func(t *testing.T) {
		stores := group(t, n)
		_, err := stores[0].Put(ctx, pass("p", "alice"))
		require.NoError(t, err)
		const maxFailed = 5
		var counted, lockedTransitions atomic.Int32
		seen := make([]atomic.Int32, n+1)
		run(t, n, func(i int) error {
			got, ok, err := stores[i].Fail(ctx, "p", base.Add(15*time.Minute), maxFailed)
			if ok {
				counted.Add(1)
				seen[got.FailedAttempts].Add(1)
				if !got.LockedAt.IsZero() && got.FailedAttempts == maxFailed {
					lockedTransitions.Add(1)
				}
			}
			return err
		})
		assert.EqualValues(t, maxFailed, counted.Load(), "attempts counted")
		assert.EqualValues(t, 1, lockedTransitions.Load(), "exactly one attempt locks")
		for k := 1; k <= maxFailed; k++ {
			assert.EqualValues(t, 1, seen[k].Load(), "attempt number %d seen once", k)
		}
		got, err := stores[0].Get(ctx, "p")
		require.NoError(t, err)
		assert.Equal(t, maxFailed, got.FailedAttempts)
		assert.False(t, got.LockedAt.IsZero())
	})

	t.Run("ConcurrentPutSameUser", func(t *testing.T) {
		stores := group(t, n)
		run(t, n, func(i int) error {
			_, err := stores[i].Put(ctx, pass(fmt.Sprintf("p%d", i), "alice"))
			return err
		})
		all, err := stores[0].List(ctx, tap.Query{UserID: "alice"})
		require.NoError(t, err)
		assert.Len(t, all, 1, "one pass per user")
	})

	t.Run("ConcurrentDeleteExpired", func(t *testing.T) {
		stores := group(t, n)
		const passes = 20
		for i := range passes {
			p := pass(fmt.Sprintf("p%02d", i), fmt.Sprintf("u%02d", i))
			p.StartAt, p.ExpiresAt = base, base.Add(time.Minute)
			_, err := stores[0].Put(ctx, p)
			require.NoError(t, err)
		}
		var mu sync.Mutex
		seen := map[string]int{}
		run(t, n, func(i int) error {
			gone, err := stores[i].DeleteExpired(ctx, base.Add(time.Hour))
			mu.Lock()
			defer mu.Unlock()
			for _, p := range gone {
				seen[p.ID]++
			}
			return err
		})
		assert.Len(t, seen, passes, "every pass is reported")
		for id, k := range seen {
			assert.Equal(t, 1, k, "pass %s reported by %d purges", id, k)
		}
		left, err := stores[0].List(ctx, tap.Query{})
		require.NoError(t, err)
		assert.Empty(t, left)
	})

	t.Run("ServiceConcurrentRedeem", func(t *testing.T) {
		stores := group(t, n)
		now := base
		secret := []byte("taptest secret: 32 bytes or more, for HMAC-SHA-256")
		services := make([]*tap.Service, n)
		for i := range services {
			var err error
			services[i], err = tap.New(tap.Options{Store: stores[i], Secret: tap.NewSecret(secret), Now: func() time.Time { return now }})
			require.NoError(t, err)
		}
		iss, err := services[0].Issue(ctx, tap.IssueRequest{UserID: "alice", Actor: "helpdesk", Usage: tap.UsageOnce})
		require.NoError(t, err)
		var wins, used atomic.Int32
		run(t, n, func(i int) error {
			_, err := services[i].Redeem(ctx, "alice", iss.Code.Reveal())
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, tap.ErrUsed):
				used.Add(1)
			default:
				return err
			}
			return nil
		})
		assert.EqualValues(t, 1, wins.Load(), "exactly one redemption succeeds")
		assert.EqualValues(t, n-1, used.Load(), "the others see ErrUsed")
	})
}

// run calls f(0) … f(n-1) in n goroutines released at once and fails t
// with every error they return.
func run(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
}

func userIDs(ps []tap.Pass) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.UserID
	}
	return out
}

// AssertPassEqual fails t unless want and got hold the same pass; times are
// compared with time.Time.Equal, so a store may return them in any
// location.
func AssertPassEqual(t testing.TB, want, got tap.Pass) {
	t.Helper()
	times := func(p *tap.Pass) []*time.Time {
		return []*time.Time{&p.CreatedAt, &p.StartAt, &p.ExpiresAt, &p.LastUsedAt, &p.LockedAt, &p.RevokedAt}
	}
	wt, gt := times(&want), times(&got)
	for i := range wt {
		if !wt[i].Equal(*gt[i]) {
			t.Errorf("pass %s: time field %d is %v, want %v", want.ID, i, *gt[i], *wt[i])
		}
		*wt[i], *gt[i] = time.Time{}, time.Time{}
	}
	assert.Equal(t, want, got)
}
