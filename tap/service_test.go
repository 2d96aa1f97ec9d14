package tap_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recorder is an AuditSink that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []tap.Event
}

func (r *recorder) Audit(_ context.Context, e tap.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) actions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, string(e.Action)+":"+string(e.Outcome)+":"+e.Reason)
	}
	return out
}

type fixture struct {
	svc   *tap.Service
	store *tap.MemoryStore
	clock *clock
	audit *recorder
}

var secret = []byte("0123456789abcdef0123456789abcdef")

func newFixture(t *testing.T, mutate func(*tap.Options)) fixture {
	t.Helper()
	f := fixture{store: tap.NewMemoryStore(), clock: &clock{now: t0}, audit: &recorder{}}
	opts := tap.Options{
		Store:  f.store,
		Secret: tap.NewSecret(secret),
		Now:    f.clock.Now,
		Rand:   rand.NewChaCha8([32]byte{1}),
		Audit:  f.audit,
	}
	if mutate != nil {
		mutate(&opts)
	}
	svc, err := tap.New(opts)
	require.NoError(t, err)
	f.svc = svc
	return f
}

func policyWith(mutate func(*tap.Policy)) *tap.Policy {
	p := tap.DefaultPolicy()
	mutate(&p)
	return &p
}

func TestNewOptions(t *testing.T) {
	_, err := tap.New(tap.Options{Secret: tap.NewSecret(secret)})
	assert.ErrorContains(t, err, "Store is required")
	_, err = tap.New(tap.Options{Store: tap.NewMemoryStore(), Secret: tap.NewSecret(secret[:31])})
	assert.ErrorContains(t, err, "31 bytes, want at least 32")
	_, err = tap.New(tap.Options{Store: tap.NewMemoryStore(), Secret: tap.NewSecret(secret), Policy: policyWith(func(p *tap.Policy) { p.DefaultLength = 4 })})
	assert.ErrorIs(t, err, tap.ErrInvalidPolicy)
	_, err = tap.New(tap.Options{Store: tap.NewMemoryStore(), Secret: tap.NewSecret(secret), MaxFailedAttempts: -1})
	assert.Error(t, err)

	// The service keeps its own copy of the policy.
	p := tap.DefaultPolicy()
	svc, err := tap.New(tap.Options{Store: tap.NewMemoryStore(), Secret: tap.NewSecret(secret), Policy: &p})
	require.NoError(t, err)
	p.IncludeTargets[0].ID = "changed"
	assert.Equal(t, tap.AllUsers, svc.Policy().IncludeTargets[0].ID)
}

func TestIssueDefaults(t *testing.T) {
	f := newFixture(t, nil)
	iss, err := f.svc.Issue(context.Background(), tap.IssueRequest{UserID: "alice@example.com", Actor: "helpdesk"})
	require.NoError(t, err)
	ps := iss.Info.Pass
	assert.Equal(t, "alice@example.com", ps.UserID)
	assert.Equal(t, "helpdesk", ps.CreatedBy)
	assert.True(t, ps.StartAt.Equal(t0))
	assert.True(t, ps.ExpiresAt.Equal(t0.Add(time.Hour)), "default lifetime 60 minutes")
	assert.Equal(t, 60, ps.LifetimeInMinutes)
	assert.False(t, ps.UsableOnce, "policy isUsableOnce false")
	assert.Nil(t, ps.Hash, "Info never carries the hash")
	assert.Equal(t, tap.StatusActive, iss.Info.Status)
	assert.Equal(t, "EnabledByPolicy", iss.Info.MethodUsabilityReason)
	assert.Len(t, iss.Code.Reveal(), 8)
	for _, c := range iss.Code.Reveal() {
		assert.Contains(t, tap.Alphabet, string(c))
	}
	assert.Empty(t, iss.ReplacedID)

	stored, err := f.store.GetByUser(context.Background(), "alice@example.com")
	require.NoError(t, err)
	assert.Len(t, stored.Hash, 32, "HMAC-SHA-256")
	assert.NotContains(t, string(stored.Hash), iss.Code.Reveal())
}

func TestIssueLengthFollowsPolicy(t *testing.T) {
	for _, n := range []int{8, 17, 48} {
		f := newFixture(t, func(o *tap.Options) { o.Policy = policyWith(func(p *tap.Policy) { p.DefaultLength = n }) })
		iss, err := f.svc.Issue(context.Background(), tap.IssueRequest{UserID: "u", Actor: "a"})
		require.NoError(t, err)
		assert.Len(t, iss.Code.Reveal(), n)
	}
}

// TestIssueRefusals checks what every refusal shares: the sentinel, the
// message, nothing stored and one audit event. Lifetime and start bounds
// are in the store conformance suite (taptest.RunServiceTests, run by
// TestMemoryStoreConformance), which checks them on every store.
func TestIssueRefusals(t *testing.T) {
	oneTime := policyWith(func(p *tap.Policy) { p.IsUsableOnce = true })
	disabled := policyWith(func(p *tap.Policy) { p.State = tap.StateDisabled })
	grouped := policyWith(func(p *tap.Policy) {
		p.IncludeTargets = []tap.IncludeTarget{{ID: "new-hires", TargetType: tap.TargetGroup}}
	})
	tests := []struct {
		name    string
		policy  *tap.Policy
		req     tap.IssueRequest
		wantErr error
		wantMsg string
	}{
		{"no user", nil, tap.IssueRequest{Actor: "a"}, tap.ErrInvalidRequest, "userId: is required"},
		{"no actor", nil, tap.IssueRequest{UserID: "u"}, tap.ErrInvalidRequest, "actor: is required"},
		{"long user", nil, tap.IssueRequest{UserID: strings.Repeat("u", 257), Actor: "a"}, tap.ErrInvalidRequest, "more than 256"},
		{"reusable under one-time policy", oneTime, tap.IssueRequest{UserID: "u", Actor: "a", Usage: tap.UsageReusable}, tap.ErrInvalidRequest, "isUsableOnce"},
		{"unknown usage", nil, tap.IssueRequest{UserID: "u", Actor: "a", Usage: 7}, tap.ErrInvalidRequest, "isUsableOnce"},
		{"policy disabled", disabled, tap.IssueRequest{UserID: "u", Actor: "a"}, tap.ErrDisabledByPolicy, "disabled"},
		{"user not targeted", grouped, tap.IssueRequest{UserID: "u", Actor: "a", GroupIDs: []string{"staff"}}, tap.ErrDisabledByPolicy, `user "u"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(o *tap.Options) { o.Policy = tc.policy })
			_, err := f.svc.Issue(context.Background(), tc.req)
			require.ErrorIs(t, err, tc.wantErr)
			assert.ErrorContains(t, err, tc.wantMsg)
			assert.True(t, strings.HasPrefix(err.Error(), "tap: "), err.Error())
			all, err := f.store.List(context.Background(), tap.Query{})
			require.NoError(t, err)
			assert.Empty(t, all, "nothing stored")
			assert.Equal(t, []string{"issue:failure:" + tap.ReasonOf(tc.wantErr)}, f.audit.actions())
		})
	}
}

func TestIssueReplacesPreviousPass(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	first, err := f.svc.Issue(ctx, tap.IssueRequest{UserID: "u", Actor: "a"})
	require.NoError(t, err)
	second, err := f.svc.Issue(ctx, tap.IssueRequest{UserID: "u", Actor: "a"})
	require.NoError(t, err)
	assert.Equal(t, first.Info.Pass.ID, second.ReplacedID)
	assert.NotEqual(t, first.Info.Pass.ID, second.Info.Pass.ID)

	_, err = f.svc.Redeem(ctx, "u", first.Code.Reveal())
	assert.ErrorIs(t, err, tap.ErrInvalidCode, "the replaced pass's code no longer works")
	_, err = f.svc.Redeem(ctx, "u", second.Code.Reveal())
	assert.NoError(t, err)
	assert.Equal(t, []string{"issue:success:", "replace:success:", "issue:success:", "redeem:failure:invalid_code", "redeem:success:"}, f.audit.actions())
	f.audit.mu.Lock()
	assert.Equal(t, first.Info.Pass.ID, f.audit.events[1].PassID)
	f.audit.mu.Unlock()
}

func TestRedeemNormalisesInput(t *testing.T) {
	f := newFixture(t, func(o *tap.Options) { o.Policy = policyWith(func(p *tap.Policy) { p.DefaultLength = 12 }) })
	iss, err := f.svc.Issue(context.Background(), tap.IssueRequest{UserID: "u", Actor: "a"})
	require.NoError(t, err)
	c := strings.ToLower(iss.Code.Reveal())
	typed := c[:4] + "-" + c[4:8] + " " + c[8:]
	_, err = f.svc.Redeem(context.Background(), "u", typed)
	assert.NoError(t, err)
}

func TestRedeemUnknownUser(t *testing.T) {
	f := newFixture(t, nil)
	_, err := f.svc.Redeem(context.Background(), "nobody", "ABCD2345")
	assert.ErrorIs(t, err, tap.ErrNotFound)
	assert.Equal(t, []string{"redeem:failure:not_found"}, f.audit.actions())
}

func TestWrongSecretRejectsCode(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	iss, err := f.svc.Issue(ctx, tap.IssueRequest{UserID: "u", Actor: "a"})
	require.NoError(t, err)
	other, err := tap.New(tap.Options{Store: f.store, Secret: tap.NewSecret([]byte("another secret, 32 bytes or more!")), Now: f.clock.Now})
	require.NoError(t, err)
	_, err = other.Redeem(ctx, "u", iss.Code.Reveal())
	assert.ErrorIs(t, err, tap.ErrInvalidCode)
}

func TestMethodUsabilityReasonMapping(t *testing.T) {
	want := map[tap.Status]string{
		tap.StatusActive:           "EnabledByPolicy",
		tap.StatusDisabledByPolicy: "DisabledByPolicy",
		tap.StatusExpired:          "Expired",
		tap.StatusNotYetValid:      "NotYetValid",
		tap.StatusUsed:             "OneTimeUsed",
		tap.StatusRevoked:          "",
		tap.StatusLockedOut:        "",
	}
	for st, reason := range want {
		assert.Equal(t, reason, st.MethodUsabilityReason(), st)
		if st == tap.StatusActive {
			assert.NoError(t, st.Err())
		} else {
			assert.Error(t, st.Err(), st)
		}
	}
}

func TestRevokePurgeList(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	for _, u := range []string{"carol", "alice", "bob"} {
		_, err := f.svc.Issue(ctx, tap.IssueRequest{UserID: u, Actor: "admin"})
		require.NoError(t, err)
	}
	_, err := f.svc.Revoke(ctx, "admin", "bob")
	require.NoError(t, err)
	_, err = f.svc.Revoke(ctx, "admin", "bob") // idempotent, no second event
	require.NoError(t, err)
	_, err = f.svc.Revoke(ctx, "admin", "nobody")
	assert.ErrorIs(t, err, tap.ErrNotFound)

	list, err := f.svc.List(ctx, tap.Query{})
	require.NoError(t, err)
	var got []string
	for _, i := range list {
		got = append(got, i.Pass.UserID+":"+string(i.Status))
		assert.Nil(t, i.Pass.Hash)
	}
	assert.Equal(t, []string{"alice:active", "bob:revoked", "carol:active"}, got)

	gone, err := f.svc.PurgeExpired(ctx, "janitor")
	require.NoError(t, err)
	assert.Empty(t, gone, "nothing has expired yet")
	f.clock.Add(time.Hour)
	gone, err = f.svc.PurgeExpired(ctx, "janitor")
	require.NoError(t, err)
	got = nil
	for _, i := range gone {
		got = append(got, i.Pass.UserID+":"+string(i.Status))
		assert.Nil(t, i.Pass.Hash)
	}
	assert.Equal(t, []string{"alice:expired", "bob:revoked", "carol:expired"}, got)
	_, err = f.svc.Status(ctx, "alice")
	assert.ErrorIs(t, err, tap.ErrNotFound)

	assert.Equal(t, []string{
		"issue:success:", "issue:success:", "issue:success:",
		"revoke:success:", "revoke:failure:not_found",
		"purge:success:", "purge:success:", "purge:success:",
	}, f.audit.actions())
	// One event per purged pass, naming whose it was.
	f.audit.mu.Lock()
	defer f.audit.mu.Unlock()
	purged := f.audit.events[len(f.audit.events)-3:]
	for i, e := range purged {
		assert.Equal(t, gone[i].Pass.UserID, e.UserID)
		assert.Equal(t, gone[i].Pass.ID, e.PassID)
		assert.Equal(t, "janitor", e.Actor)
		assert.Zero(t, e.Count)
	}
}

// TestPurgeFailureIsAudited: a store that cannot delete gives one failure
// event and an error naming the purge.
func TestPurgeFailureIsAudited(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gone, err := f.svc.PurgeExpired(ctx, "janitor")
	require.ErrorIs(t, err, context.Canceled)
	assert.ErrorContains(t, err, "tap: purging expired passes")
	assert.Nil(t, gone)
	assert.Equal(t, []string{"purge:failure:canceled"}, f.audit.actions())
}

// TestAuditNeverCarriesCode runs every operation and checks each event, as
// JSON and as printed, for the code.
func TestAuditNeverCarriesCode(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, func(o *tap.Options) { o.MaxFailedAttempts = 2 })
	var codes []string
	for i := range 5 {
		iss, err := f.svc.Issue(ctx, tap.IssueRequest{UserID: fmt.Sprint("u", i), Actor: "admin", Usage: tap.UsageOnce})
		require.NoError(t, err)
		codes = append(codes, iss.Code.Reveal())
		// Wrong guesses that differ from the code in one character.
		near := []byte(iss.Code.Reveal())
		near[0] = tap.Alphabet[(strings.IndexByte(tap.Alphabet, near[0])+1)%len(tap.Alphabet)]
		_, _ = f.svc.Redeem(ctx, fmt.Sprint("u", i), string(near))
		_, _ = f.svc.Redeem(ctx, fmt.Sprint("u", i), iss.Code.Reveal())
		_, _ = f.svc.Redeem(ctx, fmt.Sprint("u", i), iss.Code.Reveal())
	}
	_, _ = f.svc.Redeem(ctx, "u0", "WRONG234")
	_, _ = f.svc.Redeem(ctx, "u1", "WRONG234")
	_, _ = f.svc.Redeem(ctx, "u1", "WRONG234")
	_, _ = f.svc.Revoke(ctx, "admin", "u2")
	f.clock.Add(2 * time.Hour)
	_, _ = f.svc.PurgeExpired(ctx, "janitor")

	f.audit.mu.Lock()
	defer f.audit.mu.Unlock()
	require.NotEmpty(t, f.audit.events)
	actions := map[tap.Action]bool{}
	for _, e := range f.audit.events {
		actions[e.Action] = true
		assert.False(t, e.Time.IsZero())
		assert.NotEmpty(t, e.Actor)
		b, err := json.Marshal(e)
		require.NoError(t, err)
		for _, c := range codes {
			assert.NotContains(t, string(b), c)
			assert.NotContains(t, fmt.Sprintf("%+v %#v", e, e), c)
		}
	}
	for _, a := range []tap.Action{tap.ActionIssue, tap.ActionRedeem, tap.ActionRevoke, tap.ActionPurge} {
		assert.True(t, actions[a], "no %s event", a)
	}
}

func TestLockEventEmittedOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, func(o *tap.Options) { o.MaxFailedAttempts = 2 })
	_, err := f.svc.Issue(ctx, tap.IssueRequest{UserID: "u", Actor: "a"})
	require.NoError(t, err)
	for range 4 {
		_, _ = f.svc.Redeem(ctx, "u", "WRONG234")
	}
	assert.Equal(t, []string{
		"issue:success:",
		"redeem:failure:invalid_code",
		"redeem:failure:invalid_code", "lock:success:",
		"redeem:failure:locked_out",
		"redeem:failure:locked_out",
	}, f.audit.actions())
}

// fieldsHolding walks every field of a stored Pass by reflection and
// returns the names of those that hold code: as text, in any case, or as
// bytes in hex or base64. A field of a kind it cannot inspect fails t, so a
// field added to Pass later is not silently skipped.
func fieldsHolding(t *testing.T, p tap.Pass, code string) []string {
	t.Helper()
	forms := []string{code, hex.EncodeToString([]byte(code)), base64.StdEncoding.EncodeToString([]byte(code))}
	holds := func(s string) bool {
		for _, f := range forms {
			if strings.Contains(strings.ToUpper(s), strings.ToUpper(f)) {
				return true
			}
		}
		return false
	}
	var found []string
	v := reflect.ValueOf(p)
	for i := range v.NumField() {
		name, f := v.Type().Field(i).Name, v.Field(i)
		var text string
		switch {
		case f.Kind() == reflect.String:
			text = f.String()
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Uint8:
			text = string(f.Bytes())
		case f.Type() == reflect.TypeFor[time.Time]():
			text = f.Interface().(time.Time).Format(time.RFC3339Nano)
		case f.Kind() == reflect.Int, f.Kind() == reflect.Bool:
			text = fmt.Sprint(f.Interface())
		default:
			t.Fatalf("Pass.%s has kind %s, which the scan does not inspect", name, f.Kind())
		}
		if holds(text) {
			found = append(found, name)
		}
	}
	return found
}

// TestMemoryStoreHoldsNoCode issues passes in every state and inspects
// every field of every pass the store holds (through List and Get, which
// return copies of what it keeps) for the plaintext. The control plants a
// code in each text and byte field in turn, so the scan is shown to find
// one wherever it is.
func TestMemoryStoreHoldsNoCode(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, func(o *tap.Options) { o.MaxFailedAttempts = 2 })
	var codes []string
	for i := range 8 {
		user := fmt.Sprint("user", i)
		iss, err := f.svc.Issue(ctx, tap.IssueRequest{UserID: user, Actor: "admin", Usage: tap.UsageOnce})
		require.NoError(t, err)
		codes = append(codes, iss.Code.Reveal())
		switch i % 4 {
		case 1:
			_, err = f.svc.Redeem(ctx, user, iss.Code.Reveal())
			require.NoError(t, err)
		case 2:
			for range 2 {
				_, _ = f.svc.Redeem(ctx, user, otherCode(iss.Code.Reveal()))
			}
		case 3:
			_, err = f.svc.Revoke(ctx, "admin", user)
			require.NoError(t, err)
		}
	}
	stored, err := f.store.List(ctx, tap.Query{})
	require.NoError(t, err)
	require.Len(t, stored, len(codes))
	for _, p := range stored {
		require.Len(t, p.Hash, 32, "the scan sees the stored hash")
		got, err := f.store.Get(ctx, p.ID)
		require.NoError(t, err)
		for _, code := range codes {
			assert.Empty(t, fieldsHolding(t, p, code), "pass %s (List) holds a code", p.ID)
			assert.Empty(t, fieldsHolding(t, got, code), "pass %s (Get) holds a code", p.ID)
		}
	}

	// The control: a code planted in any text or byte field is found.
	planted := 0
	v := reflect.ValueOf(stored[0])
	for i := range v.NumField() {
		field := v.Type().Field(i)
		if field.Type.Kind() != reflect.String && field.Type != reflect.TypeFor[[]byte]() {
			continue
		}
		store := tap.NewMemoryStore()
		p := stored[0]
		pv := reflect.ValueOf(&p).Elem().Field(i)
		if pv.Kind() == reflect.String {
			pv.SetString(pv.String() + "/" + strings.ToLower(codes[0]))
		} else {
			pv.SetBytes(append(slices.Clone(pv.Bytes()), codes[0]...))
		}
		_, err := store.Put(ctx, p)
		require.NoError(t, err)
		back, err := store.List(ctx, tap.Query{})
		require.NoError(t, err)
		require.Len(t, back, 1)
		assert.Equal(t, []string{field.Name}, fieldsHolding(t, back[0], codes[0]), "code planted in %s", field.Name)
		planted++
	}
	assert.GreaterOrEqual(t, planted, 4, "ID, UserID, Hash and CreatedBy were planted")
}

// otherCode returns a well-formed code that differs from code in its first
// character.
func otherCode(code string) string {
	b := []byte(code)
	b[0] = tap.Alphabet[(strings.IndexByte(tap.Alphabet, b[0])+1)%len(tap.Alphabet)]
	return string(b)
}

func TestReasonOf(t *testing.T) {
	assert.Equal(t, "", tap.ReasonOf(nil))
	assert.Equal(t, "expired", tap.ReasonOf(fmt.Errorf("x: %w", tap.ErrExpired)))
	assert.Equal(t, "error", tap.ReasonOf(errors.New("boom")))
	assert.Equal(t, "canceled", tap.ReasonOf(context.Canceled))
}

// failingReader returns n bytes of a seeded stream, then err.
type failingReader struct {
	src io.Reader
	n   int
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, r.err
	}
	if len(p) > r.n {
		p = p[:r.n]
	}
	n, err := r.src.Read(p)
	r.n -= n
	return n, err
}

// TestRandDrivesCodesAndIDs shows that Options.Rand is the only source of
// a pass's id and code: two Services seeded alike issue the same id and
// code, a different seed gives others, and a reader that fails — while
// the id is drawn or while the code is — makes Issue fail with nothing
// stored.
func TestRandDrivesCodesAndIDs(t *testing.T) {
	ctx := context.Background()
	issue := func(seed byte) tap.Issued {
		f := newFixture(t, func(o *tap.Options) { o.Rand = rand.NewChaCha8([32]byte{seed}) })
		iss, err := f.svc.Issue(ctx, tap.IssueRequest{UserID: "u", Actor: "a"})
		require.NoError(t, err)
		return iss
	}
	a, b, c := issue(7), issue(7), issue(8)
	assert.Equal(t, a.Info.Pass.ID, b.Info.Pass.ID, "same seed, same id")
	assert.Equal(t, a.Code.Reveal(), b.Code.Reveal(), "same seed, same code")
	assert.NotEqual(t, a.Info.Pass.ID, c.Info.Pass.ID, "another seed, another id")
	assert.NotEqual(t, a.Code.Reveal(), c.Code.Reveal(), "another seed, another code")

	broken := errors.New("entropy source unplugged")
	for _, tc := range []struct {
		name string
		n    int // bytes the reader gives before failing
	}{
		{"while drawing the id", 0},
		{"half-way through the id", 8},
		{"while drawing the code", 16}, // a UUID takes 16 bytes
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(o *tap.Options) {
				o.Rand = &failingReader{src: rand.NewChaCha8([32]byte{7}), n: tc.n, err: broken}
			})
			iss, err := f.svc.Issue(ctx, tap.IssueRequest{UserID: "u", Actor: "a"})
			require.ErrorIs(t, err, broken)
			assert.ErrorContains(t, err, "tap: reading random source")
			assert.True(t, iss.Code.IsZero(), "no code returned")
			all, err := f.store.List(ctx, tap.Query{})
			require.NoError(t, err)
			assert.Empty(t, all, "nothing stored")
			assert.Equal(t, []string{"issue:failure:error"}, f.audit.actions())
		})
	}
}

// TestRedeemRechecksTargeting: with Options.Groups, a user taken out of
// the policy's targets after issue is refused, and the audit trail says why.
func TestRedeemRechecksTargeting(t *testing.T) {
	ctx := context.Background()
	dir := tap.NewMemoryDirectory()
	u, err := dir.CreateUser(ctx, tap.User{UserPrincipalName: "alice@example.com"})
	require.NoError(t, err)
	dir.AddToGroup(u.ID, "new-hires")
	f := newFixture(t, func(o *tap.Options) {
		o.Groups = dir
		o.Policy = policyWith(func(p *tap.Policy) {
			p.ExcludeTargets = []tap.ExcludeTarget{{ID: "leavers", TargetType: tap.TargetGroup}}
		})
	})
	iss, err := f.svc.Issue(ctx, tap.IssueRequest{UserID: u.ID, Actor: "hr", GroupIDs: []string{"new-hires"}})
	require.NoError(t, err)
	dir.AddToGroup(u.ID, "leavers")
	_, err = f.svc.Redeem(ctx, u.ID, iss.Code.Reveal())
	require.ErrorIs(t, err, tap.ErrDisabledByPolicy)
	assert.NotContains(t, err.Error(), iss.Code.Reveal())
	info, err := f.svc.Status(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, tap.StatusDisabledByPolicy, info.Status)
	assert.Equal(t, "DisabledByPolicy", info.Graph().MethodUsabilityReason)
	assert.False(t, info.Graph().IsUsable)
	assert.Equal(t, []string{"issue:success:", "redeem:failure:disabled_by_policy"}, f.audit.actions())
}
