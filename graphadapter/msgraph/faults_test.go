package msgraph_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/graphtest"
	"github.com/keytier/keytier/graphadapter/msgraph"
)

// wantSnapshot is what a directory over the demo tenant must build: the
// tenant as BuildSnapshot reads it from memory.
func wantSnapshot(t *testing.T) string {
	t.Helper()
	mem, err := graphadapter.NewMemoryDirectory(demo.Snapshot())
	require.NoError(t, err)
	s, err := graphadapter.BuildSnapshot(t.Context(), mem, graphadapter.BuildOptions{Now: fixedNow})
	require.NoError(t, err)
	return marshalSnapshot(t, s)
}

func fixedNow() time.Time { return demo.Snapshot().CapturedAt }

func marshalSnapshot(t *testing.T, s *graphadapter.Snapshot) string {
	t.Helper()
	for i := range s.Users {
		s.Users[i].Unknown = nil
	}
	for i := range s.RoleAssignments {
		s.RoleAssignments[i].Unknown = nil
	}
	s.Tenant.Unknown = nil
	b, err := s.Marshal()
	require.NoError(t, err)
	return string(b)
}

func TestThrottledScanCompletes(t *testing.T) {
	want := wantSnapshot(t)
	srv, d := serve(t, demo.Snapshot(), graphtest.Options{
		PageSize: 50,
		Faults: graphtest.Faults{
			ThrottleEvery:      5, // whole requests: pages, batches, groups
			BatchThrottleEvery: 7, // responses inside a batch, answered 200
			RetryAfter:         1,
		},
	}, msgraph.Config{PageSize: 50})

	var last graphadapter.Progress
	s, err := graphadapter.BuildSnapshot(t.Context(), d, graphadapter.BuildOptions{Now: fixedNow, Progress: func(p graphadapter.Progress) { last = p }})
	require.NoError(t, err)
	assert.Equal(t, want, marshalSnapshot(t, s), "the throttled scan reads the same tenant")

	st := srv.Stats()
	t.Logf("requests %d, batch items %d, throttled %d, early retries %d", st.Requests, st.BatchItems, st.Throttled, st.EarlyRetries)
	assert.Positive(t, st.Throttled)
	assert.Zero(t, st.EarlyRetries, "every retry waited for its Retry-After")
	assert.Equal(t, st.Requests, d.RequestStats().Requests, "the directory counts every request it sent")
	assert.Equal(t, st.Throttled, d.RequestStats().Throttled, "and every throttled answer, in batches too")
	assert.Equal(t, st.Throttled, last.Throttled, "progress reports them")
	assert.Positive(t, st.Routes["POST /v1.0/$batch"])
}

func TestServerErrorBurstsAreRetried(t *testing.T) {
	want := wantSnapshot(t)
	srv, d := serve(t, demo.Snapshot(), graphtest.Options{
		Faults: graphtest.Faults{BurstEvery: 6, BurstLength: 1, BurstStatus: 503},
	}, msgraph.Config{})
	s, err := graphadapter.BuildSnapshot(t.Context(), d, graphadapter.BuildOptions{Now: fixedNow})
	require.NoError(t, err)
	assert.Equal(t, want, marshalSnapshot(t, s))
	assert.Positive(t, srv.Stats().ServerErrors)
}

func TestCancellationStopsWithinASecond(t *testing.T) {
	_, d := serve(t, demo.Snapshot(), graphtest.Options{
		Faults: graphtest.Faults{SlowEvery: 1, SlowDelay: time.Minute},
	}, msgraph.Config{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := graphadapter.BuildSnapshot(ctx, d, graphadapter.BuildOptions{})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond) // the first request is held by the server
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		t.Logf("BuildSnapshot returned %v after cancel", time.Since(start))
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(time.Second):
		t.Fatal("BuildSnapshot still running a second after its context was cancelled")
	}
}

func TestCancellationDuringRetryAfter(t *testing.T) {
	_, d := serve(t, demo.Snapshot(), graphtest.Options{
		Faults: graphtest.Faults{ThrottleEvery: 1, RetryAfter: 60},
	}, msgraph.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := d.Tenant(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second, "a Retry-After wait ends with the context")
}

func TestFailingPageNamesTheUsers(t *testing.T) {
	s := demo.Snapshot()
	_, d := serve(t, s, graphtest.Options{
		PageSize: 100,
		Faults:   graphtest.Faults{FailPage: 2, FailPageStatus: 504},
	}, msgraph.Config{PageSize: 100, MaxRetries: 1})
	got, err := graphadapter.BuildSnapshot(t.Context(), d, graphadapter.BuildOptions{})
	require.Error(t, err)
	assert.Nil(t, got, "no partial snapshot")
	var be *graphadapter.BuildError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, graphadapter.StepUsers, be.Step)
	assert.Contains(t, err.Error(), fmt.Sprintf("the page of users from #101 on, after %s", s.Users[99].ID))
	assert.ErrorIs(t, err, msgraph.ErrThrottled, "504 after the retries")
	t.Log(err)
}

func TestFailingPageRecovers(t *testing.T) {
	want := wantSnapshot(t)
	srv, d := serve(t, demo.Snapshot(), graphtest.Options{
		PageSize: 100,
		Faults:   graphtest.Faults{FailPage: 2, FailPageTimes: 1},
	}, msgraph.Config{PageSize: 100})
	s, err := graphadapter.BuildSnapshot(t.Context(), d, graphadapter.BuildOptions{Now: fixedNow})
	require.NoError(t, err)
	assert.Equal(t, want, marshalSnapshot(t, s))
	assert.Positive(t, srv.Stats().ServerErrors)
}

func TestUnauthorized(t *testing.T) {
	srv, err := graphtest.NewServer(demo.Snapshot(), graphtest.Options{Token: testToken})
	require.NoError(t, err)
	defer srv.Close()
	tok, err := msgraph.NewStaticToken("not-the-token", nil)
	require.NoError(t, err)
	d, err := msgraph.New(msgraph.Config{Endpoint: srv.URL, Credential: tok})
	require.NoError(t, err)
	_, err = d.Tenant(t.Context())
	require.ErrorIs(t, err, graphadapter.ErrForbidden)
	assert.Contains(t, err.Error(), "401")
	assert.NotContains(t, err.Error(), "not-the-token")
}

func TestBatchItemErrorNamesUser(t *testing.T) {
	s := demo.Snapshot()
	_, d := serve(t, s, graphtest.Options{}, msgraph.Config{})
	ids := []string{s.Users[0].ID, "00000000-0000-0000-0000-00000000dead", s.Users[1].ID}
	_, err := d.AuthenticationMethodsBatch(t.Context(), ids)
	require.ErrorIs(t, err, graphadapter.ErrNotFound)
	assert.Contains(t, err.Error(), "/users/00000000-0000-0000-0000-00000000dead/authentication/methods (in $batch)")
	assert.False(t, errors.Is(err, context.Canceled))
}
