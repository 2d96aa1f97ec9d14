package bridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/readiness"
	"github.com/keytier/keytier/rollout"
)

// TestSessionPlan: the plan of a pasted snapshot is the one `keytier plan`
// makes of it, with the page's start date and pace as its flags.
func TestSessionPlan(t *testing.T) {
	var sess Session
	_, err := sess.Plan(PlanRequest{})
	require.ErrorIs(t, err, ErrNoSnapshot)

	r, err := sess.Analyze(string(demo.Bytes()), Settings{})
	require.NoError(t, err)
	require.Equal(t, KindSnapshot, r.Kind)
	for _, req := range []PlanRequest{{}, {Start: "2027-03-01", WaveDays: 7}} {
		got, err := sess.Plan(req)
		require.NoError(t, err)
		opts := rollout.Options{WaveDays: req.WaveDays}
		if req.Start != "" {
			opts.Start, err = time.Parse(time.DateOnly, req.Start)
			require.NoError(t, err)
		}
		want, err := rollout.Build(demo.Snapshot(), opts)
		require.NoError(t, err)
		var wj, gj, md bytes.Buffer
		require.NoError(t, want.WriteJSON(&wj))
		require.NoError(t, got.Plan.WriteJSON(&gj))
		assert.JSONEq(t, wj.String(), gj.String(), "%+v", req)
		require.NoError(t, want.WriteMarkdown(&md))
		assert.Equal(t, md.String(), got.Markdown, "%+v", req)
	}

	for _, req := range []PlanRequest{{Start: "1 March"}, {WaveDays: -1}, {WaveDays: 366}} {
		_, err := sess.Plan(req)
		assert.Error(t, err, "%+v", req)
	}

	// Anything else read since: no plan, and no snapshot kept.
	_, err = sess.Analyze(`{"id": "Fido2", "state": "enabled"}`, Settings{})
	require.NoError(t, err)
	_, err = sess.Plan(PlanRequest{})
	assert.True(t, errors.Is(err, ErrNoSnapshot), "%v", err)
}

// TestSnapshotFixOrder: each finding of a pasted snapshot carries its
// place in the report and the fixes it must follow, as readiness composes
// them, and the demo tenant has a fix that builds on another.
func TestSnapshotFixOrder(t *testing.T) {
	want := readiness.Run(demo.Snapshot(), readiness.Options{})
	var sess Session
	r, err := sess.Analyze(string(demo.Bytes()), Settings{})
	require.NoError(t, err)
	require.Len(t, r.Snapshot.Findings, len(want.Findings))
	withAfter := 0
	for i, f := range want.Findings {
		v := r.Snapshot.Findings[i]
		assert.Equal(t, f.ID, v.ID)
		assert.Equal(t, i+1, v.Order, f.ID)
		assert.Equal(t, f.Remediation.After, v.After, f.ID)
		assert.Equal(t, len(f.Remediation.Prerequisites), v.PrerequisiteCount, f.ID)
		assert.Equal(t, f.Remediation.Prerequisites[:len(v.Prerequisites)], v.Prerequisites, f.ID)
		for _, id := range v.After {
			j := slices.IndexFunc(want.Findings, func(g readiness.Finding) bool { return g.ID == id })
			assert.True(t, j >= 0 && j < i, "%s follows %s, which is not earlier in the report", f.ID, id)
		}
		if len(v.After) > 0 {
			withAfter++
		}
	}
	assert.NotZero(t, withAfter, "no fix of the demo tenant builds on another; the case no longer shows the order")
	// The JSON the page reads names them "order" and "after", never null.
	b, err := json.Marshal(r.Snapshot.Findings[0])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.NotNil(t, m["after"])
	assert.NotNil(t, m["prerequisites"])
	assert.Contains(t, m, "order")
}

// FuzzSessionPlan: whatever dates the page sends, Plan answers with a plan
// or an error, and a plan starts on the date asked for.
func FuzzSessionPlan(f *testing.F) {
	var sess Session
	if _, err := sess.Analyze(string(demo.Bytes()), Settings{}); err != nil {
		f.Fatal(err)
	}
	f.Add("", 0)
	f.Add("2027-03-01", 7)
	f.Add("2027-02-30", 365)
	f.Add("0000-01-01", 1)
	f.Add("9999-12-31", 366)
	f.Add("2027-03-01T00:00:00Z", -1)
	f.Fuzz(func(t *testing.T, start string, days int) {
		v, err := sess.Plan(PlanRequest{Start: start, WaveDays: days})
		if err != nil {
			return
		}
		if start != "" && v.Plan.Start != start {
			t.Errorf("start %q: the plan starts on %s", start, v.Plan.Start)
		}
		if days < 0 || days > 365 {
			t.Errorf("%d days a wave was accepted", days)
		}
	})
}
