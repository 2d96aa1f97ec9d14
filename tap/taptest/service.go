package taptest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap"
)

// RunServiceTests runs the service-level suite against stores made by
// newStore: the life of a pass as tap.Service drives it, read back through
// the store after every step.
func RunServiceTests(t *testing.T, newStore func(t *testing.T) tap.Store) {
	RunServiceTestsWith(t, Config{New: newStore})
}

// RunServiceTestsWith runs the service-level suite with the given Config,
// under a subtest named "Service". Every check goes through tap.Service
// with an injected clock, and every status is read back from the store by a
// second Service (over a second store from Config.Group when there is one),
// so what is checked is what the store kept, not what the first Service
// held in memory:
//
//   - every status (notYetValid, active, used, expired, revoked, lockedOut,
//     disabledByPolicy) with Graph's methodUsabilityReason and isUsable;
//   - issue bounds: lifetimes exactly at the policy's minimum and maximum
//     (and at Entra's absolute 10 and 43200 minutes) accepted, one minute
//     past refused; a start exactly tap.MaxStartSkew in the past accepted,
//     one microsecond more refused;
//   - the exact expiry instant, a start in the future;
//   - two Services sharing the store whose clocks differ by seconds,
//     including a use at a time earlier than the pass's LastUsedAt;
//   - lockout through Redeem at the configured and the default maximum;
//   - revoking a used and a locked pass, revoking and locking a pass that
//     is not yet valid; wrong codes on an expired pass;
//   - issuing again replaces the user's pass, whatever its state: the old
//     one is gone from the store and its code no longer works;
//   - PurgeExpired deletes exactly the passes whose lifetime has ended (at
//     the exact expiry instant, not a microsecond before), whatever their
//     state, and says whose they were;
//   - the policy's targeting checked again at redemption through
//     tap.Options.Groups: a user removed from the included group, or added
//     to an excluded one, after the pass was issued is disabledByPolicy,
//     and the pass is neither used nor counted;
//   - a round trip of non-zero UseCount, LastUsedAt, FailedAttempts,
//     LockedAt and RevokedAt.
func RunServiceTestsWith(t *testing.T, cfg Config) {
	if cfg.New == nil {
		t.Fatal("taptest: Config.New is required")
	}
	pair := cfg.Group
	if pair == nil {
		pair = func(t *testing.T, n int) []tap.Store {
			s := cfg.New(t)
			out := make([]tap.Store, n)
			for i := range out {
				out[i] = s
			}
			return out
		}
	}
	t.Run("Service", func(t *testing.T) {
		t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, pair) })
		t.Run("IssueBounds", func(t *testing.T) { testIssueBounds(t, pair) })
		t.Run("StartSkew", func(t *testing.T) { testStartSkew(t, pair) })
		t.Run("ClockSkew", func(t *testing.T) { testClockSkew(t, pair) })
		t.Run("DefaultLockout", func(t *testing.T) { testDefaultLockout(t, pair) })
		t.Run("PolicyDisablesPass", func(t *testing.T) { testPolicyDisables(t, pair) })
		t.Run("TargetingAtRedeem", func(t *testing.T) { testTargetingAtRedeem(t, pair) })
		t.Run("Replace", func(t *testing.T) { testReplace(t, pair) })
		t.Run("Purge", func(t *testing.T) { testPurge(t, pair) })
		t.Run("RoundTrip", func(t *testing.T) { testServiceRoundTrip(t, pair) })
	})
}

// serviceSecret is the HMAC key of every Service in the suite.
var serviceSecret = []byte("taptest service secret, 32 bytes or more")

// clock is a settable clock for tap.Options.Now, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(now time.Time) *clock { return &clock{now: now} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *clock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// bench is one Service under test and a second one that reads back what
// the store kept.
type bench struct {
	svc    *tap.Service
	reader *tap.Service
	store  tap.Store // the reader's store
	clock  *clock
	// groups: the Services ask a directory, which Status does and List
	// (one lookup per pass) does not.
	groups bool
}

func newBench(t *testing.T, pair func(*testing.T, int) []tap.Store, mutate func(*tap.Options)) bench {
	t.Helper()
	stores := pair(t, 2)
	b := bench{clock: newClock(base), store: stores[1]}
	for i, st := range stores {
		opts := tap.Options{Store: st, Secret: tap.NewSecret(serviceSecret), Now: b.clock.Now, MaxFailedAttempts: 3}
		if mutate != nil {
			mutate(&opts)
		}
		svc, err := tap.New(opts)
		require.NoError(t, err)
		b.groups = opts.Groups != nil
		if i == 0 {
			b.svc = svc
		} else {
			b.reader = svc
		}
	}
	return b
}

// readBack returns the user's pass as the store now holds it, through the
// reader Service, and checks that Status, List and the store agree.
func (b bench) readBack(t *testing.T, userID string) tap.Info {
	t.Helper()
	ctx := context.Background()
	info, err := b.reader.Status(ctx, userID)
	require.NoError(t, err)
	list, err := b.reader.List(ctx, tap.Query{UserID: userID})
	require.NoError(t, err)
	require.Len(t, list, 1)
	if !b.groups {
		assert.Equal(t, info.Status, list[0].Status, "List and Status disagree")
	}
	raw, err := b.store.Get(ctx, info.Pass.ID)
	require.NoError(t, err)
	assert.Len(t, raw.Hash, 32, "the store keeps the HMAC-SHA-256")
	raw.Hash = nil
	AssertPassEqual(t, raw, info.Pass)
	return info
}

// otherCode returns a well-formed code that differs from code in one
// character: a near miss, so the comparison, not the parser, refuses it.
func otherCode(code string) string {
	c := []byte(code)
	c[0] = tap.Alphabet[(strings.IndexByte(tap.Alphabet, c[0])+1)%len(tap.Alphabet)]
	return string(c)
}

// wantStatus checks info against a status and Graph's fields for it.
func wantStatus(t *testing.T, info tap.Info, st tap.Status, reason string, msgAndArgs ...any) {
	t.Helper()
	assert.Equal(t, st, info.Status, msgAndArgs...)
	assert.Equal(t, st == tap.StatusActive, info.IsUsable, msgAndArgs...)
	assert.Equal(t, reason, info.MethodUsabilityReason, msgAndArgs...)
	g := info.Graph()
	assert.Equal(t, reason, g.MethodUsabilityReason, msgAndArgs...)
	assert.Equal(t, st == tap.StatusActive, g.IsUsable, msgAndArgs...)
	assert.Nil(t, g.TemporaryAccessPass, msgAndArgs...)
}

func wantErrs(t *testing.T, err error, want []error, code string, msgAndArgs ...any) {
	t.Helper()
	if len(want) == 0 {
		assert.NoError(t, err, msgAndArgs...)
		return
	}
	require.Error(t, err, msgAndArgs...)
	for _, w := range want {
		assert.ErrorIs(t, err, w, msgAndArgs...)
	}
	assert.True(t, strings.HasPrefix(err.Error(), "tap: "), "error without the package prefix: %v", err)
	if code != "" {
		assert.NotContains(t, err.Error(), code, "the error carries the code")
	}
}

type action int

const (
	look   action = iota // only read the status back
	redeem               // the right code
	wrong                // a near-miss code
	revoke
)

func (a action) String() string { return [...]string{"look", "redeem", "wrong", "revoke"}[a] }

func testLifecycle(t *testing.T, pair func(*testing.T, int) []tap.Store) {
	ctx := context.Background()
	const (
		enabled = tap.ReasonEnabledByPolicy
		expired = tap.ReasonExpired
		notYet  = tap.ReasonNotYetValid
		oneTime = tap.ReasonOneTimeUsed
	)
	type step struct {
		advance time.Duration
		action  action
		wantErr []error
		status  tap.Status
		reason  string // Graph's methodUsabilityReason; "" for revoked and lockedOut
		uses    int    // UseCount afterwards
		failed  int    // FailedAttempts afterwards
	}
	tests := []struct {
		name  string
		usage tap.Usage
		start time.Duration // StartAt after the clock at issue; 0 is now
		steps []step
	}{
		{"one-time", tap.UsageOnce, 0, []step{
			{0, look, nil, tap.StatusActive, enabled, 0, 0},
			{0, redeem, nil, tap.StatusUsed, oneTime, 1, 0},
			{time.Minute, redeem, []error{tap.ErrUsed}, tap.StatusUsed, oneTime, 1, 0},
			// A dead pass counts no failed attempts.
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusUsed, oneTime, 1, 0},
		}},
		{"reusable until the exact expiry instant", tap.UsageReusable, 0, []step{
			{0, redeem, nil, tap.StatusActive, enabled, 1, 0},
			{30 * time.Minute, redeem, nil, tap.StatusActive, enabled, 2, 0},
			{30*time.Minute - time.Microsecond, redeem, nil, tap.StatusActive, enabled, 3, 0}, // ExpiresAt - 1µs
			{time.Microsecond, look, nil, tap.StatusExpired, expired, 3, 0},                   // ExpiresAt
			{0, redeem, []error{tap.ErrExpired}, tap.StatusExpired, expired, 3, 0},
		}},
		{"one-time at the exact expiry instant", tap.UsageOnce, 0, []step{
			{time.Hour - time.Microsecond, look, nil, tap.StatusActive, enabled, 0, 0},
			{time.Microsecond, redeem, []error{tap.ErrExpired}, tap.StatusExpired, expired, 0, 0},
		}},
		{"wrong codes on an expired pass", tap.UsageReusable, 0, []step{
			{time.Hour, wrong, []error{tap.ErrInvalidCode}, tap.StatusExpired, expired, 0, 0},
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusExpired, expired, 0, 0},
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusExpired, expired, 0, 0},
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusExpired, expired, 0, 0}, // past the maximum: not locked
			{0, redeem, []error{tap.ErrExpired}, tap.StatusExpired, expired, 0, 0},
		}},
		{"start in the future", tap.UsageOnce, time.Hour, []step{
			{0, look, nil, tap.StatusNotYetValid, notYet, 0, 0},
			{0, redeem, []error{tap.ErrNotYetValid}, tap.StatusNotYetValid, notYet, 0, 0},
			// A pass that is not yet valid can be attacked, so it counts.
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusNotYetValid, notYet, 0, 1},
			{time.Hour - time.Microsecond, redeem, []error{tap.ErrNotYetValid}, tap.StatusNotYetValid, notYet, 0, 1},
			{time.Microsecond, redeem, nil, tap.StatusUsed, oneTime, 1, 1}, // StartAt exactly
		}},
		{"revoked", tap.UsageReusable, 0, []step{
			{time.Minute, revoke, nil, tap.StatusRevoked, "", 0, 0},
			{0, redeem, []error{tap.ErrRevoked}, tap.StatusRevoked, "", 0, 0},
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusRevoked, "", 0, 0},
			{time.Minute, revoke, nil, tap.StatusRevoked, "", 0, 0}, // again: RevokedAt keeps the first
		}},
		{"lockout at the configured maximum", tap.UsageReusable, 0, []step{
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusActive, enabled, 0, 1},
			{time.Second, wrong, []error{tap.ErrInvalidCode}, tap.StatusActive, enabled, 0, 2},
			{time.Second, wrong, []error{tap.ErrInvalidCode, tap.ErrLockedOut}, tap.StatusLockedOut, "", 0, 3},
			{time.Second, redeem, []error{tap.ErrLockedOut}, tap.StatusLockedOut, "", 0, 3},
			{0, wrong, []error{tap.ErrLockedOut}, tap.StatusLockedOut, "", 0, 3},
		}},
		{"revoke a used pass", tap.UsageOnce, 0, []step{
			{0, redeem, nil, tap.StatusUsed, oneTime, 1, 0},
			{time.Minute, revoke, nil, tap.StatusRevoked, "", 1, 0},
			{0, redeem, []error{tap.ErrRevoked}, tap.StatusRevoked, "", 1, 0},
		}},
		{"revoke a pass not yet valid", tap.UsageOnce, time.Hour, []step{
			{0, look, nil, tap.StatusNotYetValid, notYet, 0, 0},
			{time.Minute, revoke, nil, tap.StatusRevoked, "", 0, 0},
			{0, redeem, []error{tap.ErrRevoked}, tap.StatusRevoked, "", 0, 0},
			{time.Hour, redeem, []error{tap.ErrRevoked}, tap.StatusRevoked, "", 0, 0}, // past StartAt: still revoked
		}},
		{"lock a pass not yet valid", tap.UsageOnce, time.Hour, []step{
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusNotYetValid, notYet, 0, 1},
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusNotYetValid, notYet, 0, 2},
			{time.Second, wrong, []error{tap.ErrInvalidCode, tap.ErrLockedOut}, tap.StatusLockedOut, "", 0, 3},
			{0, redeem, []error{tap.ErrLockedOut}, tap.StatusLockedOut, "", 0, 3},
			{time.Hour, redeem, []error{tap.ErrLockedOut}, tap.StatusLockedOut, "", 0, 3}, // past StartAt: still locked
		}},
		{"revoke a locked pass", tap.UsageOnce, 0, []step{
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusActive, enabled, 0, 1},
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusActive, enabled, 0, 2},
			{0, wrong, []error{tap.ErrInvalidCode, tap.ErrLockedOut}, tap.StatusLockedOut, "", 0, 3},
			{time.Minute, revoke, nil, tap.StatusRevoked, "", 0, 3},
			{0, redeem, []error{tap.ErrRevoked}, tap.StatusRevoked, "", 0, 3},
			{0, wrong, []error{tap.ErrInvalidCode}, tap.StatusRevoked, "", 0, 3},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, pair, nil)
			iss, err := b.svc.Issue(ctx, tap.IssueRequest{UserID: "alice", Actor: "helpdesk", Usage: tc.usage, StartAt: base.Add(tc.start)})
			require.NoError(t, err)
			code := iss.Code.Reveal()
			// want is the pass the store must hold, built from the steps'
			// declared effects.
			want := iss.Info.Pass
			AssertPassEqual(t, want, b.readBack(t, "alice").Pass)
			for i, s := range tc.steps {
				b.clock.Add(s.advance)
				now := b.clock.Now()
				msg := []any{"step %d (%s at %s)", i, s.action, now.Format(time.RFC3339Nano)}
				switch s.action {
				case redeem:
					_, err = b.svc.Redeem(ctx, "alice", code)
					if err == nil {
						want.LastUsedAt = now
					}
				case wrong:
					_, err = b.svc.Redeem(ctx, "alice", otherCode(code))
				case revoke:
					_, err = b.svc.Revoke(ctx, "admin", "alice")
					if want.RevokedAt.IsZero() {
						want.RevokedAt = now
					}
				case look:
					err = nil
				}
				wantErrs(t, err, s.wantErr, code, msg...)
				if s.status == tap.StatusLockedOut && want.LockedAt.IsZero() {
					want.LockedAt = now
				}
				want.UseCount, want.FailedAttempts = s.uses, s.failed
				info := b.readBack(t, "alice")
				wantStatus(t, info, s.status, s.reason, msg...)
				AssertPassEqual(t, want, info.Pass)
			}
		})
	}
}

func testIssueBounds(t *testing.T, pair func(*testing.T, int) []tap.Store) {
	ctx := context.Background()
	widest := tap.DefaultPolicy()
	widest.MinimumLifetimeInMinutes, widest.MaximumLifetimeInMinutes = tap.MinLifetimeMinutes, tap.MaxLifetimeMinutes
	for _, tc := range []struct {
		name     string
		policy   tap.Policy
		lifetime int
		ok       bool
	}{
		{"default lifetime", tap.DefaultPolicy(), 0, true},
		{"policy minimum", tap.DefaultPolicy(), 60, true},
		{"policy maximum", tap.DefaultPolicy(), 480, true},
		{"below policy minimum", tap.DefaultPolicy(), 59, false},
		{"above policy maximum", tap.DefaultPolicy(), 481, false},
		{"Entra minimum", widest, tap.MinLifetimeMinutes, true},
		{"Entra maximum (30 days)", widest, tap.MaxLifetimeMinutes, true},
		{"below Entra minimum", widest, tap.MinLifetimeMinutes - 1, false},
		{"above Entra maximum", widest, tap.MaxLifetimeMinutes + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, pair, func(o *tap.Options) { o.Policy = &tc.policy })
			_, err := b.svc.Issue(ctx, tap.IssueRequest{UserID: "alice", Actor: "helpdesk", LifetimeInMinutes: tc.lifetime})
			if !tc.ok {
				require.ErrorIs(t, err, tap.ErrInvalidRequest)
				assert.ErrorContains(t, err, "lifetimeInMinutes")
				_, err = b.reader.Status(ctx, "alice")
				assert.ErrorIs(t, err, tap.ErrNotFound, "a refused pass is not stored")
				return
			}
			require.NoError(t, err)
			minutes := tc.lifetime
			if minutes == 0 {
				minutes = tc.policy.DefaultLifetimeInMinutes
			}
			info := b.readBack(t, "alice")
			wantStatus(t, info, tap.StatusActive, tap.ReasonEnabledByPolicy)
			assert.Equal(t, minutes, info.Pass.LifetimeInMinutes)
			assert.Equal(t, minutes, info.Graph().LifetimeInMinutes)
			assert.True(t, info.Pass.StartAt.Equal(base), "StartAt %v", info.Pass.StartAt)
			end := base.Add(time.Duration(minutes) * time.Minute)
			assert.True(t, info.Pass.ExpiresAt.Equal(end), "ExpiresAt %v, want %v", info.Pass.ExpiresAt, end)

			// The last usable instant and the first unusable one.
			b.clock.Set(end.Add(-time.Microsecond))
			wantStatus(t, b.readBack(t, "alice"), tap.StatusActive, tap.ReasonEnabledByPolicy)
			b.clock.Set(end)
			wantStatus(t, b.readBack(t, "alice"), tap.StatusExpired, tap.ReasonExpired)
		})
	}
}

func testStartSkew(t *testing.T, pair func(*testing.T, int) []tap.Store) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		start     time.Duration // from the clock
		wantStart time.Duration // from the clock; ignored when refused
		ok        bool
	}{
		{"exactly MaxStartSkew in the past moves to now", -tap.MaxStartSkew, 0, true},
		{"a microsecond more is refused", -tap.MaxStartSkew - time.Microsecond, 0, false},
		{"a moment in the past moves to now", -time.Second, 0, true},
		{"now", 0, 0, true},
		{"in the future, sub-microsecond part dropped", time.Hour + 999*time.Nanosecond, time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, pair, nil)
			_, err := b.svc.Issue(ctx, tap.IssueRequest{UserID: "alice", Actor: "helpdesk", StartAt: base.Add(tc.start)})
			if !tc.ok {
				require.ErrorIs(t, err, tap.ErrInvalidRequest)
				assert.ErrorContains(t, err, "startDateTime")
				_, err = b.reader.Status(ctx, "alice")
				assert.ErrorIs(t, err, tap.ErrNotFound, "a refused pass is not stored")
				return
			}
			require.NoError(t, err)
			info := b.readBack(t, "alice")
			start := base.Add(tc.wantStart)
			assert.True(t, info.Pass.StartAt.Equal(start), "StartAt %v, want %v", info.Pass.StartAt, start)
			assert.True(t, info.Pass.ExpiresAt.Equal(start.Add(time.Hour)), "ExpiresAt %v", info.Pass.ExpiresAt)
			if tc.wantStart > 0 {
				wantStatus(t, info, tap.StatusNotYetValid, tap.ReasonNotYetValid)
			} else {
				wantStatus(t, info, tap.StatusActive, tap.ReasonEnabledByPolicy)
			}
		})
	}
}

// testClockSkew runs two Services on one store whose clocks differ by
// seconds, as two servers without perfect time synchronisation would. Each
// judges start and expiry by its own clock; what one of them recorded
// (a use, a lock, a revocation) binds the other whatever its clock says.
func testClockSkew(t *testing.T, pair func(*testing.T, int) []tap.Store) {
	ctx := context.Background()
	const skew = 7 * time.Second
	stores := pair(t, 2)
	ahead, behind := newClock(base.Add(skew)), newClock(base)
	newSvc := func(st tap.Store, c *clock) *tap.Service {
		svc, err := tap.New(tap.Options{Store: st, Secret: tap.NewSecret(serviceSecret), Now: c.Now, MaxFailedAttempts: 3})
		require.NoError(t, err)
		return svc
	}
	a, b := newSvc(stores[0], ahead), newSvc(stores[1], behind)
	advance := func(d time.Duration) { ahead.Add(d); behind.Add(d) }
	status := func(svc *tap.Service, user string) tap.Info {
		t.Helper()
		info, err := svc.Status(ctx, user)
		require.NoError(t, err)
		return info
	}

	t.Run("start set by the clock ahead", func(t *testing.T) {
		iss, err := a.Issue(ctx, tap.IssueRequest{UserID: "u1", Actor: "a", Usage: tap.UsageReusable})
		require.NoError(t, err)
		code := iss.Code.Reveal()
		// For the clock behind, the pass starts in 7 s.
		wantStatus(t, status(b, "u1"), tap.StatusNotYetValid, tap.ReasonNotYetValid)
		wantStatus(t, status(a, "u1"), tap.StatusActive, tap.ReasonEnabledByPolicy)
		_, err = b.Redeem(ctx, "u1", code)
		assert.ErrorIs(t, err, tap.ErrNotYetValid)
		advance(skew)
		_, err = b.Redeem(ctx, "u1", code)
		require.NoError(t, err, "the clock behind reached the start")

		// A use at a time earlier than LastUsedAt: the clock ahead uses
		// the pass, then the clock behind, 7 s "earlier".
		advance(time.Minute)
		_, err = a.Redeem(ctx, "u1", code)
		require.NoError(t, err)
		assert.True(t, status(b, "u1").Pass.LastUsedAt.Equal(ahead.Now()))
		info, err := b.Redeem(ctx, "u1", code)
		require.NoError(t, err, "a use before LastUsedAt is still within the lifetime")
		assert.Equal(t, 3, info.Pass.UseCount)
		got := status(a, "u1").Pass
		assert.Equal(t, 3, got.UseCount, "every use counted, whatever the clocks")
		// Store.Use sets LastUsedAt to the time it is given; the stores do
		// not order the Services' clocks.
		assert.True(t, got.LastUsedAt.Equal(behind.Now()), "LastUsedAt %v, want %v", got.LastUsedAt, behind.Now())
	})

	t.Run("one-time pass used by the clock ahead", func(t *testing.T) {
		iss, err := b.Issue(ctx, tap.IssueRequest{UserID: "u2", Actor: "b", Usage: tap.UsageOnce})
		require.NoError(t, err)
		_, err = a.Redeem(ctx, "u2", iss.Code.Reveal())
		require.NoError(t, err)
		// The clock behind sees a use "in its future": still used.
		_, err = b.Redeem(ctx, "u2", iss.Code.Reveal())
		assert.ErrorIs(t, err, tap.ErrUsed)
		info := status(b, "u2")
		wantStatus(t, info, tap.StatusUsed, tap.ReasonOneTimeUsed)
		assert.True(t, info.Pass.LastUsedAt.After(behind.Now()))
	})

	t.Run("expiry by each clock", func(t *testing.T) {
		iss, err := b.Issue(ctx, tap.IssueRequest{UserID: "u3", Actor: "b", Usage: tap.UsageReusable})
		require.NoError(t, err)
		advance(time.Hour - skew) // behind: ExpiresAt - 7 s; ahead: ExpiresAt
		_, err = a.Redeem(ctx, "u3", iss.Code.Reveal())
		assert.ErrorIs(t, err, tap.ErrExpired)
		wantStatus(t, status(a, "u3"), tap.StatusExpired, tap.ReasonExpired)
		_, err = b.Redeem(ctx, "u3", iss.Code.Reveal())
		assert.NoError(t, err, "for the clock behind the pass has 7 s left")
		advance(skew)
		_, err = b.Redeem(ctx, "u3", iss.Code.Reveal())
		assert.ErrorIs(t, err, tap.ErrExpired)
	})

	t.Run("revocation and lockout bind both", func(t *testing.T) {
		iss, err := b.Issue(ctx, tap.IssueRequest{UserID: "u4", Actor: "b", Usage: tap.UsageReusable})
		require.NoError(t, err)
		_, err = a.Revoke(ctx, "admin", "u4")
		require.NoError(t, err)
		info := status(b, "u4")
		wantStatus(t, info, tap.StatusRevoked, "")
		assert.True(t, info.Pass.RevokedAt.After(behind.Now()), "revoked in the future of the clock behind")
		_, err = b.Redeem(ctx, "u4", iss.Code.Reveal())
		assert.ErrorIs(t, err, tap.ErrRevoked)

		iss, err = b.Issue(ctx, tap.IssueRequest{UserID: "u5", Actor: "b", Usage: tap.UsageReusable})
		require.NoError(t, err)
		// Failed attempts alternate between the two Services: they add up.
		for i, svc := range []*tap.Service{a, b, a} {
			_, err = svc.Redeem(ctx, "u5", otherCode(iss.Code.Reveal()))
			assert.ErrorIs(t, err, tap.ErrInvalidCode, "attempt %d", i+1)
		}
		assert.ErrorIs(t, err, tap.ErrLockedOut, "the third attempt locks")
		_, err = b.Redeem(ctx, "u5", iss.Code.Reveal())
		assert.ErrorIs(t, err, tap.ErrLockedOut)
		info = status(b, "u5")
		wantStatus(t, info, tap.StatusLockedOut, "")
		assert.True(t, info.Pass.LockedAt.Equal(ahead.Now()))
	})
}

func testDefaultLockout(t *testing.T, pair func(*testing.T, int) []tap.Store) {
	ctx := context.Background()
	b := newBench(t, pair, func(o *tap.Options) { o.MaxFailedAttempts = 0 })
	iss, err := b.svc.Issue(ctx, tap.IssueRequest{UserID: "alice", Actor: "helpdesk"})
	require.NoError(t, err)
	bad := otherCode(iss.Code.Reveal())
	for i := 1; i < tap.DefaultMaxFailedAttempts; i++ {
		_, err = b.svc.Redeem(ctx, "alice", bad)
		require.ErrorIs(t, err, tap.ErrInvalidCode)
		assert.NotErrorIs(t, err, tap.ErrLockedOut, "attempt %d", i)
		info := b.readBack(t, "alice")
		assert.Equal(t, i, info.Pass.FailedAttempts)
		wantStatus(t, info, tap.StatusActive, tap.ReasonEnabledByPolicy)
	}
	_, err = b.svc.Redeem(ctx, "alice", bad)
	assert.ErrorIs(t, err, tap.ErrInvalidCode)
	assert.ErrorIs(t, err, tap.ErrLockedOut, "attempt %d locks", tap.DefaultMaxFailedAttempts)
	info := b.readBack(t, "alice")
	wantStatus(t, info, tap.StatusLockedOut, "")
	assert.Equal(t, tap.DefaultMaxFailedAttempts, info.Pass.FailedAttempts)
	_, err = b.svc.Redeem(ctx, "alice", iss.Code.Reveal())
	assert.ErrorIs(t, err, tap.ErrLockedOut)
}

// Entra blocks a reusable pass once the policy requires one-time passes,
// and every pass while the method is disabled.
func testPolicyDisables(t *testing.T, pair func(*testing.T, int) []tap.Store) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		mutate func(*tap.Policy)
	}{
		{"one-time required", func(p *tap.Policy) { p.IsUsableOnce = true }},
		{"method disabled", func(p *tap.Policy) { p.State = tap.StateDisabled }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, pair, nil)
			iss, err := b.svc.Issue(ctx, tap.IssueRequest{UserID: "alice", Actor: "helpdesk", Usage: tap.UsageReusable})
			require.NoError(t, err)
			p := tap.DefaultPolicy()
			tc.mutate(&p)
			strict, err := tap.New(tap.Options{Store: b.store, Secret: tap.NewSecret(serviceSecret), Now: b.clock.Now, Policy: &p})
			require.NoError(t, err)
			info, err := strict.Status(ctx, "alice")
			require.NoError(t, err)
			wantStatus(t, info, tap.StatusDisabledByPolicy, tap.ReasonDisabledByPolicy)
			_, err = strict.Redeem(ctx, "alice", iss.Code.Reveal())
			assert.ErrorIs(t, err, tap.ErrDisabledByPolicy)
			// The pass itself is unchanged: under the old policy it works.
			wantStatus(t, b.readBack(t, "alice"), tap.StatusActive, tap.ReasonEnabledByPolicy)
			_, err = b.svc.Redeem(ctx, "alice", iss.Code.Reveal())
			assert.NoError(t, err)
		})
	}
}

// testServiceRoundTrip drives one pass into a state where every counter and
// time the Service records is set, at times with sub-microsecond parts, and
// checks the store returns each exactly, at the microsecond the Service
// truncated it to.
func testServiceRoundTrip(t *testing.T, pair func(*testing.T, int) []tap.Store) {
	ctx := context.Background()
	b := newBench(t, pair, func(o *tap.Options) { o.MaxFailedAttempts = 2 })
	// Each step happens at base + d + 789 ns; the store must return the
	// time truncated to the microsecond (us).
	at := func(d time.Duration) time.Time { return base.Add(d + 789*time.Nanosecond) }
	us := func(d time.Duration) time.Time { return base.Add(d) }

	b.clock.Set(at(0))
	iss, err := b.svc.Issue(ctx, tap.IssueRequest{UserID: "alice", Actor: "helpdesk", Usage: tap.UsageReusable, LifetimeInMinutes: 120})
	require.NoError(t, err)
	code := iss.Code.Reveal()
	b.clock.Set(at(time.Minute + 123456*time.Nanosecond))
	_, err = b.svc.Redeem(ctx, "alice", code)
	require.NoError(t, err)
	b.clock.Set(at(2*time.Minute + 654321*time.Nanosecond))
	_, err = b.svc.Redeem(ctx, "alice", code)
	require.NoError(t, err)
	b.clock.Set(at(3 * time.Minute))
	_, err = b.svc.Redeem(ctx, "alice", otherCode(code))
	require.ErrorIs(t, err, tap.ErrInvalidCode)
	b.clock.Set(at(4*time.Minute + 1500*time.Nanosecond))
	_, err = b.svc.Redeem(ctx, "alice", otherCode(code))
	require.ErrorIs(t, err, tap.ErrLockedOut)
	b.clock.Set(at(5*time.Minute + 999999*time.Nanosecond))
	_, err = b.svc.Revoke(ctx, "admin", "alice")
	require.NoError(t, err)

	want := tap.Pass{
		ID:                iss.Info.Pass.ID,
		UserID:            "alice",
		CreatedAt:         us(0),
		CreatedBy:         "helpdesk",
		StartAt:           us(0),
		ExpiresAt:         us(2 * time.Hour),
		LifetimeInMinutes: 120,
		UsableOnce:        false,
		UseCount:          2,
		LastUsedAt:        us(2*time.Minute + 655*time.Microsecond), // 654321 ns + 789 ns
		FailedAttempts:    2,
		LockedAt:          us(4*time.Minute + 2*time.Microsecond), // 1500 ns + 789 ns
		RevokedAt:         us(5*time.Minute + time.Millisecond),   // 999999 ns + 789 ns
	}
	info := b.readBack(t, "alice")
	AssertPassEqual(t, want, info.Pass)
	wantStatus(t, info, tap.StatusRevoked, "")
	raw, err := b.store.GetByUser(ctx, "alice")
	require.NoError(t, err)
	raw.Hash = nil
	AssertPassEqual(t, want, raw)
}

// Groups is a tap.GroupReader over a map, safe for concurrent use, for
// tests that change a user's groups between issue and redemption. A user
// missing from the map is an error, as tap.GroupReader asks.
type Groups struct {
	mu     sync.Mutex
	groups map[string][]string
	err    error
}

// NewGroups returns a Groups holding the given memberships.
func NewGroups(memberships map[string][]string) *Groups {
	g := &Groups{groups: map[string][]string{}}
	for u, gs := range memberships {
		g.Set(u, gs...)
	}
	return g
}

// Set replaces the user's groups.
func (g *Groups) Set(userID string, groupIDs ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.groups[userID] = append([]string{}, groupIDs...)
}

// Fail makes every lookup return err (nil restores them).
func (g *Groups) Fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.err = err
}

// Groups implements tap.GroupReader.
func (g *Groups) Groups(_ context.Context, userID string) ([]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return nil, g.err
	}
	gs, ok := g.groups[userID]
	if !ok {
		return nil, fmt.Errorf("taptest: directory has no user %q", userID)
	}
	return append([]string{}, gs...), nil
}

// Entra reports a pass DisabledByPolicy once its user is no longer targeted
// by the policy; with Options.Groups the Service checks that at every
// redemption, after the code matched.
func testTargetingAtRedeem(t *testing.T, pair func(*testing.T, int) []tap.Store) {
	ctx := context.Background()
	policy := tap.DefaultPolicy()
	policy.IncludeTargets = []tap.IncludeTarget{{ID: "new-hires", TargetType: tap.TargetGroup}}
	policy.ExcludeTargets = []tap.ExcludeTarget{{ID: "contractors", TargetType: tap.TargetGroup}}
	setup := func(t *testing.T) (bench, *Groups, string) {
		t.Helper()
		dir := NewGroups(map[string][]string{"alice": {"staff", "new-hires"}})
		b := newBench(t, pair, func(o *tap.Options) { o.Policy = &policy; o.Groups = dir })
		iss, err := b.svc.Issue(ctx, tap.IssueRequest{UserID: "alice", Actor: "helpdesk", Usage: tap.UsageReusable,
			GroupIDs: []string{"staff", "new-hires"}})
		require.NoError(t, err)
		wantStatus(t, b.readBack(t, "alice"), tap.StatusActive, tap.ReasonEnabledByPolicy)
		return b, dir, iss.Code.Reveal()
	}
	// untouched checks that a refusal left the pass as it was.
	untouched := func(t *testing.T, b bench, uses, failed int) {
		t.Helper()
		raw, err := b.store.GetByUser(ctx, "alice")
		require.NoError(t, err)
		assert.Equal(t, uses, raw.UseCount, "UseCount")
		assert.Equal(t, failed, raw.FailedAttempts, "FailedAttempts")
		assert.True(t, raw.LockedAt.IsZero() && raw.RevokedAt.IsZero(), "neither locked nor revoked")
	}

	for _, tc := range []struct {
		name   string
		change func(dir *Groups)
	}{
		{"removed from the included group", func(dir *Groups) { dir.Set("alice", "staff") }},
		{"added to an excluded group", func(dir *Groups) { dir.Set("alice", "staff", "new-hires", "contractors") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, dir, code := setup(t)
			_, err := b.svc.Redeem(ctx, "alice", code)
			require.NoError(t, err, "targeted: the pass works")
			tc.change(dir)
			_, err = b.svc.Redeem(ctx, "alice", code)
			wantErrs(t, err, []error{tap.ErrDisabledByPolicy}, code)
			assert.ErrorContains(t, err, `user "alice"`)
			wantStatus(t, b.readBack(t, "alice"), tap.StatusDisabledByPolicy, tap.ReasonDisabledByPolicy)
			untouched(t, b, 1, 0)
			// Only the code's holder learns why: a wrong code is a wrong
			// code, and counts.
			_, err = b.svc.Redeem(ctx, "alice", otherCode(code))
			wantErrs(t, err, []error{tap.ErrInvalidCode}, code)
			assert.NotErrorIs(t, err, tap.ErrDisabledByPolicy)
			untouched(t, b, 1, 1)
			// Targeted again, the same pass works again.
			dir.Set("alice", "new-hires")
			_, err = b.svc.Redeem(ctx, "alice", code)
			require.NoError(t, err)
			wantStatus(t, b.readBack(t, "alice"), tap.StatusActive, tap.ReasonEnabledByPolicy)
			untouched(t, b, 2, 1)
		})
	}

	t.Run("revoked and locked come first", func(t *testing.T) {
		b, dir, code := setup(t)
		dir.Set("alice", "staff")
		_, err := b.svc.Revoke(ctx, "admin", "alice")
		require.NoError(t, err)
		_, err = b.svc.Redeem(ctx, "alice", code)
		wantErrs(t, err, []error{tap.ErrRevoked}, code)
		wantStatus(t, b.readBack(t, "alice"), tap.StatusRevoked, "")
	})

	t.Run("directory failure uses nothing", func(t *testing.T) {
		b, dir, code := setup(t)
		down := errors.New("directory unreachable")
		dir.Fail(down)
		_, err := b.svc.Redeem(ctx, "alice", code)
		wantErrs(t, err, []error{down}, code)
		assert.NotErrorIs(t, err, tap.ErrDisabledByPolicy)
		_, err = b.reader.Status(ctx, "alice")
		assert.ErrorIs(t, err, down)
		untouched(t, b, 0, 0)
		dir.Fail(nil)
		_, err = b.svc.Redeem(ctx, "alice", code)
		assert.NoError(t, err)
	})

	t.Run("without Options.Groups only Issue checks", func(t *testing.T) {
		// The control: the same change goes unnoticed by a Service that
		// has no directory, so the cases above test the redemption check.
		b, dir, code := setup(t)
		dir.Set("alice", "staff", "contractors")
		blind, err := tap.New(tap.Options{Store: b.store, Secret: tap.NewSecret(serviceSecret), Now: b.clock.Now, Policy: &policy})
		require.NoError(t, err)
		info, err := blind.Status(ctx, "alice")
		require.NoError(t, err)
		wantStatus(t, info, tap.StatusActive, tap.ReasonEnabledByPolicy)
		_, err = blind.Redeem(ctx, "alice", code)
		assert.NoError(t, err)
	})
}

// Entra keeps one pass per user: issuing again deletes the previous one,
// valid or not.
func testReplace(t *testing.T, pair func(*testing.T, int) []tap.Store) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		usage tap.Usage
		setup func(t *testing.T, b bench, code string)
	}{
		{"active", tap.UsageReusable, func(t *testing.T, b bench, code string) {
			_, err := b.svc.Redeem(ctx, "alice", code)
			require.NoError(t, err)
		}},
		{"used", tap.UsageOnce, func(t *testing.T, b bench, code string) {
			_, err := b.svc.Redeem(ctx, "alice", code)
			require.NoError(t, err)
		}},
		{"locked", tap.UsageOnce, func(t *testing.T, b bench, code string) {
			for range 3 {
				_, _ = b.svc.Redeem(ctx, "alice", otherCode(code))
			}
			wantStatus(t, b.readBack(t, "alice"), tap.StatusLockedOut, "")
		}},
		{"revoked", tap.UsageOnce, func(t *testing.T, b bench, code string) {
			_, err := b.svc.Revoke(ctx, "admin", "alice")
			require.NoError(t, err)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, pair, nil)
			first, err := b.svc.Issue(ctx, tap.IssueRequest{UserID: "alice", Actor: "helpdesk", Usage: tc.usage})
			require.NoError(t, err)
			_, err = b.svc.Issue(ctx, tap.IssueRequest{UserID: "bob", Actor: "helpdesk"})
			require.NoError(t, err)
			tc.setup(t, b, first.Code.Reveal())
			b.clock.Add(time.Minute)

			second, err := b.svc.Issue(ctx, tap.IssueRequest{UserID: "alice", Actor: "helpdesk", Usage: tap.UsageOnce})
			require.NoError(t, err)
			assert.Equal(t, first.Info.Pass.ID, second.ReplacedID)
			_, err = b.store.Get(ctx, first.Info.Pass.ID)
			assert.ErrorIs(t, err, tap.ErrNotFound, "the replaced pass is gone from the store")
			info := b.readBack(t, "alice")
			assert.Equal(t, second.Info.Pass.ID, info.Pass.ID)
			wantStatus(t, info, tap.StatusActive, tap.ReasonEnabledByPolicy)
			assert.Zero(t, info.Pass.UseCount, "a fresh pass: nothing carried over")
			assert.Zero(t, info.Pass.FailedAttempts)
			list, err := b.reader.List(ctx, tap.Query{})
			require.NoError(t, err)
			assert.Len(t, list, 2, "alice's new pass and bob's")

			// The old code is a wrong code for the new pass.
			_, err = b.reader.Redeem(ctx, "alice", first.Code.Reveal())
			wantErrs(t, err, []error{tap.ErrInvalidCode}, first.Code.Reveal())
			assert.Equal(t, 1, b.readBack(t, "alice").Pass.FailedAttempts)
			_, err = b.reader.Redeem(ctx, "alice", second.Code.Reveal())
			require.NoError(t, err)
			wantStatus(t, b.readBack(t, "alice"), tap.StatusUsed, tap.ReasonOneTimeUsed)
		})
	}
}

func testPurge(t *testing.T, pair func(*testing.T, int) []tap.Store) {
	ctx := context.Background()
	b := newBench(t, pair, nil)
	issue := func(user string, usage tap.Usage, minutes int) tap.Issued {
		t.Helper()
		iss, err := b.svc.Issue(ctx, tap.IssueRequest{UserID: user, Actor: "helpdesk", Usage: usage, LifetimeInMinutes: minutes})
		require.NoError(t, err)
		return iss
	}
	issue("u-active", tap.UsageReusable, 60)
	used := issue("u-used", tap.UsageOnce, 60)
	_, err := b.svc.Redeem(ctx, "u-used", used.Code.Reveal())
	require.NoError(t, err)
	issue("u-revoked", tap.UsageOnce, 60)
	_, err = b.svc.Revoke(ctx, "admin", "u-revoked")
	require.NoError(t, err)
	locked := issue("u-locked", tap.UsageOnce, 60)
	for range 3 {
		_, _ = b.svc.Redeem(ctx, "u-locked", otherCode(locked.Code.Reveal()))
	}
	live := issue("u-live", tap.UsageOnce, 120)
	_, err = b.svc.Revoke(ctx, "admin", "u-live") // revoked but within its lifetime: stays
	require.NoError(t, err)

	b.clock.Add(time.Hour - time.Microsecond)
	gone, err := b.svc.PurgeExpired(ctx, "janitor")
	require.NoError(t, err)
	assert.Empty(t, gone, "a microsecond before expiry nothing goes")

	b.clock.Add(time.Microsecond) // the exact expiry instant of the 60-minute passes
	gone, err = b.reader.PurgeExpired(ctx, "janitor")
	require.NoError(t, err)
	var got []string
	for _, i := range gone {
		got = append(got, i.Pass.UserID+":"+string(i.Status))
		assert.Nil(t, i.Pass.Hash, "purge returns no hash")
		assert.NotEmpty(t, i.Pass.ID)
	}
	assert.Equal(t, []string{"u-active:expired", "u-locked:lockedOut", "u-revoked:revoked", "u-used:used"}, got,
		"whose passes went, ordered by user, with the status each had")
	for _, u := range []string{"u-active", "u-used", "u-revoked", "u-locked"} {
		_, err := b.svc.Status(ctx, u)
		assert.ErrorIs(t, err, tap.ErrNotFound, "%s is purged", u)
	}
	info := b.readBack(t, "u-live")
	assert.Equal(t, live.Info.Pass.ID, info.Pass.ID)
	wantStatus(t, info, tap.StatusRevoked, "")

	gone, err = b.svc.PurgeExpired(ctx, "janitor")
	require.NoError(t, err)
	assert.Empty(t, gone, "nothing twice")
	b.clock.Add(time.Hour)
	gone, err = b.svc.PurgeExpired(ctx, "janitor")
	require.NoError(t, err)
	require.Len(t, gone, 1)
	assert.Equal(t, live.Info.Pass.ID, gone[0].Pass.ID)
	list, err := b.reader.List(ctx, tap.Query{})
	require.NoError(t, err)
	assert.Empty(t, list)
}
