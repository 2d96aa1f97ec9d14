package graphadapter_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
)

func TestBuildSnapshotRoundTrip(t *testing.T) {
	want := demo.Snapshot()
	d, err := graphadapter.NewMemoryDirectory(want)
	require.NoError(t, err)

	var (
		last    graphadapter.Progress
		reports int
	)
	got, err := graphadapter.BuildSnapshot(t.Context(), d, graphadapter.BuildOptions{
		Concurrency: 3,
		Now:         func() time.Time { return want.CapturedAt },
		Progress: func(p graphadapter.Progress) {
			assert.GreaterOrEqual(t, p.UsersDone, last.UsersDone, "users done never goes back")
			assert.GreaterOrEqual(t, p.Requests, last.Requests, "requests never go back")
			assert.LessOrEqual(t, p.UsersDone, p.UsersTotal)
			last = p
			reports++
		},
	})
	require.NoError(t, err)

	wantJSON, err := want.Marshal()
	require.NoError(t, err)
	gotJSON, err := got.Marshal()
	require.NoError(t, err)
	assert.Equal(t, string(wantJSON), string(gotJSON))
	assert.Equal(t, want.Warnings(), got.Warnings())

	assert.Equal(t, graphadapter.StepCompleted, last.Step)
	assert.Equal(t, len(want.Users), last.UsersDone)
	assert.Equal(t, len(want.Users), last.UsersTotal)
	// Tenant, policy, users, one per user, groups, one per group, roles,
	// and the two policy lists.
	assert.Equal(t, 3+len(want.Users)+1+len(want.Groups)+1+2, last.Requests)
	assert.Greater(t, reports, len(want.Users), "a report per user and per step")
}

// slowDirectory delays each user's methods, counts the reads in flight and
// can fail or block one user's.
type slowDirectory struct {
	graphadapter.DirectoryReader
	delay     time.Duration
	failUser  string
	failErr   error
	blockFrom int32 // reads after this many block until ctx is done; 0: never

	calls, inFlight, maxInFlight atomic.Int32
}

func (d *slowDirectory) AuthenticationMethods(ctx context.Context, userID string) ([]graphadapter.Method, error) {
	n := d.calls.Add(1)
	cur := d.inFlight.Add(1)
	defer d.inFlight.Add(-1)
	for {
		m := d.maxInFlight.Load()
		if cur <= m || d.maxInFlight.CompareAndSwap(m, cur) {
			break
		}
	}
	if userID == d.failUser {
		return nil, d.failErr
	}
	wait := d.delay
	if d.blockFrom > 0 && n > d.blockFrom {
		wait = 10 * time.Second // bounded: the test fails long before
	}
	select {
	case <-time.After(wait):
	case <-ctx.Done():
		return nil, &graphadapter.DirectoryError{Op: "AuthenticationMethods", Resource: "/users/" + userID + "/authentication/methods", Err: ctx.Err()}
	}
	return d.DirectoryReader.AuthenticationMethods(ctx, userID)
}

func TestBuildSnapshotConcurrency(t *testing.T) {
	for _, n := range []int{1, 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			mem, err := graphadapter.NewMemoryDirectory(demo.Snapshot())
			require.NoError(t, err)
			d := &slowDirectory{DirectoryReader: mem, delay: 2 * time.Millisecond}
			_, err = graphadapter.BuildSnapshot(t.Context(), d, graphadapter.BuildOptions{Concurrency: n})
			require.NoError(t, err)
			assert.Equal(t, int32(n), d.maxInFlight.Load(), "at most, and with slow reads exactly, Concurrency reads at once")
		})
	}
}

func TestBuildSnapshotCancel(t *testing.T) {
	mem, err := graphadapter.NewMemoryDirectory(demo.Snapshot())
	require.NoError(t, err)
	d := &slowDirectory{DirectoryReader: mem, blockFrom: 20}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var (
		once        sync.Once
		cancelledAt time.Time
	)
	s, err := graphadapter.BuildSnapshot(ctx, d, graphadapter.BuildOptions{
		Progress: func(p graphadapter.Progress) {
			if p.UsersDone >= 10 {
				once.Do(func() { cancelledAt = time.Now(); cancel() })
			}
		},
	})
	require.False(t, cancelledAt.IsZero(), "progress reached 10 users")
	assert.Less(t, time.Since(cancelledAt), time.Second, "stops within a second")
	assert.Nil(t, s, "no partial snapshot")
	require.ErrorIs(t, err, context.Canceled)
	var be *graphadapter.BuildError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, graphadapter.StepMethods, be.Step)
	assert.Less(t, d.calls.Load(), int32(demo.Users), "stopped reading users")
}

func TestBuildSnapshotErrors(t *testing.T) {
	s := demo.Snapshot()
	victim := s.Users[len(s.Users)/2].ID
	tests := []struct {
		name     string
		dir      func(graphadapter.DirectoryReader) graphadapter.DirectoryReader
		wantStep graphadapter.BuildStep
		wantID   string
		wantErr  error
	}{
		{"one user's methods fail", func(m graphadapter.DirectoryReader) graphadapter.DirectoryReader {
			return &slowDirectory{DirectoryReader: m, failUser: victim, failErr: graphadapter.ErrNotFound}
		}, graphadapter.StepMethods, victim, graphadapter.ErrNotFound},
		{"a user listed twice", func(m graphadapter.DirectoryReader) graphadapter.DirectoryReader {
			return duplicateUsers{m}
		}, graphadapter.StepCheck, "", graphadapter.ErrReference},
		{"the policy fails", func(m graphadapter.DirectoryReader) graphadapter.DirectoryReader {
			return failingPolicy{m}
		}, graphadapter.StepPolicy, "", errPolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem, err := graphadapter.NewMemoryDirectory(s)
			require.NoError(t, err)
			got, err := graphadapter.BuildSnapshot(t.Context(), tt.dir(mem), graphadapter.BuildOptions{})
			assert.Nil(t, got)
			require.ErrorIs(t, err, tt.wantErr)
			var be *graphadapter.BuildError
			require.ErrorAs(t, err, &be)
			assert.Equal(t, tt.wantStep, be.Step)
			assert.Equal(t, tt.wantID, be.ID)
			assert.Contains(t, err.Error(), string(tt.wantStep))
		})
	}
}

var errPolicy = errors.New("policy unavailable")

type failingPolicy struct{ graphadapter.DirectoryReader }

func (failingPolicy) AuthenticationMethodsPolicy(context.Context) (*graphadapter.AuthenticationMethodsPolicy, error) {
	return nil, errPolicy
}

type duplicateUsers struct{ graphadapter.DirectoryReader }

func (d duplicateUsers) Users(ctx context.Context, fn func(graphadapter.User) error) error {
	return d.DirectoryReader.Users(ctx, func(u graphadapter.User) error {
		if err := fn(u); err != nil {
			return err
		}
		return fn(u)
	})
}

// batchDirectory reads users' methods in batches and counts HTTP-like
// requests, as the Graph directory does.
type batchDirectory struct {
	*graphadapter.MemoryDirectory
	failUser     string
	failGroup    string
	batches      atomic.Int32
	groupBatches atomic.Int32
	sizes        sync.Map // batch size -> true
}

func (d *batchDirectory) AuthenticationMethodsBatch(ctx context.Context, ids []string) ([][]graphadapter.Method, error) {
	d.batches.Add(1)
	d.sizes.Store(len(ids), true)
	if len(ids) > graphadapter.BatchSize {
		return nil, fmt.Errorf("batch of %d", len(ids))
	}
	out := make([][]graphadapter.Method, len(ids))
	for i, id := range ids {
		if id == d.failUser {
			return nil, errors.New("HTTP 504 for one response of the batch")
		}
		ms, err := d.AuthenticationMethods(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = ms
	}
	return out, nil
}

func (d *batchDirectory) GroupMembersBatch(ctx context.Context, ids []string) ([][]string, error) {
	d.groupBatches.Add(1)
	out := make([][]string, len(ids))
	for i, id := range ids {
		if id == d.failGroup {
			return nil, errors.New("HTTP 500 for one response of the batch")
		}
		m, err := d.GroupMembers(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

func (d *batchDirectory) RequestStats() graphadapter.RequestStats {
	return graphadapter.RequestStats{Requests: 1000 + int(d.batches.Load()), Throttled: 7}
}

func TestBuildSnapshotBatches(t *testing.T) {
	want := demo.Snapshot()
	mem, err := graphadapter.NewMemoryDirectory(want)
	require.NoError(t, err)
	d := &batchDirectory{MemoryDirectory: mem}

	var last graphadapter.Progress
	got, err := graphadapter.BuildSnapshot(t.Context(), d, graphadapter.BuildOptions{
		Now:      func() time.Time { return want.CapturedAt },
		Progress: func(p graphadapter.Progress) { last = p },
	})
	require.NoError(t, err)
	wantJSON, err := want.Marshal()
	require.NoError(t, err)
	gotJSON, err := got.Marshal()
	require.NoError(t, err)
	assert.Equal(t, string(wantJSON), string(gotJSON))

	n := len(want.Users)
	assert.Equal(t, int32((n+graphadapter.BatchSize-1)/graphadapter.BatchSize), d.batches.Load(), "one call per %d users", graphadapter.BatchSize)
	assert.Equal(t, int32(1), d.groupBatches.Load(), "the demo tenant's %d groups in one batch", len(want.Groups))
	_, full := d.sizes.Load(graphadapter.BatchSize)
	assert.True(t, full, "batches are filled")
	assert.Equal(t, 1000+int(d.batches.Load()), last.Requests, "progress reports the directory's own request count")
	assert.Equal(t, 7, last.Throttled)
}

func TestBuildSnapshotBatchErrorNamesUsers(t *testing.T) {
	want := demo.Snapshot()
	mem, err := graphadapter.NewMemoryDirectory(want)
	require.NoError(t, err)
	// The 45th user is in the third batch: users 41-60.
	d := &batchDirectory{MemoryDirectory: mem, failUser: want.Users[44].ID}
	got, err := graphadapter.BuildSnapshot(t.Context(), d, graphadapter.BuildOptions{})
	require.Error(t, err)
	assert.Nil(t, got, "no partial snapshot")
	var be *graphadapter.BuildError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, graphadapter.StepMethods, be.Step)
	assert.Equal(t, fmt.Sprintf("users 41-60 (%s … %s)", want.Users[40].ID, want.Users[59].ID), be.ID)
	assert.Contains(t, err.Error(), "HTTP 504")
}

func TestBuildSnapshotGroupBatchErrorNamesGroups(t *testing.T) {
	want := demo.Snapshot()
	mem, err := graphadapter.NewMemoryDirectory(want)
	require.NoError(t, err)
	d := &batchDirectory{MemoryDirectory: mem, failGroup: want.Groups[3].ID}
	_, err = graphadapter.BuildSnapshot(t.Context(), d, graphadapter.BuildOptions{})
	var be *graphadapter.BuildError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, graphadapter.StepGroups, be.Step)
	assert.Equal(t, fmt.Sprintf("groups 1-%d (%s … %s)", len(want.Groups), want.Groups[0].ID, want.Groups[len(want.Groups)-1].ID), be.ID)
}
