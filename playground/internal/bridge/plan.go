package bridge

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/readiness"
	"github.com/keytier/keytier/rollout"
)

// audited is a snapshot and its audit (readiness.Run with the default
// options, the audit the page shows).
type audited struct {
	snapshot *graphadapter.Snapshot
	report   readiness.Report
}

func (s *Session) setPlanned(a *audited) {
	s.mu.Lock()
	s.planned = a
	s.mu.Unlock()
}

// PlanRequest are the plan's settings the page offers, as `keytier plan`'s
// flags: Start (YYYY-MM-DD, --start) and WaveDays (--wave-days); zero
// values take rollout's defaults.
type PlanRequest struct {
	Start    string `json:"start"`
	WaveDays int    `json:"waveDays"`
}

// PlanView is the rollout plan of the snapshot the session read last:
// Plan is rollout.Plan (its JSON is `keytier plan --format json`'s), and
// Markdown is the same plan as `keytier plan --format markdown` writes it,
// for a wiki.
type PlanView struct {
	Plan     *rollout.Plan `json:"plan"`
	Markdown string        `json:"markdown"`
}

// ErrNoSnapshot is returned by Plan when the last input read was not a
// tenant snapshot.
var ErrNoSnapshot = errors.New("a plan needs a tenant snapshot: paste one and analyze it first")

// Plan builds the rollout plan (rollout.BuildFrom) of the snapshot the
// session read last, from the audit the page shows, so that every gate is
// the id of a finding listed there. The error is for settings the page
// must correct, or ErrNoSnapshot.
func (s *Session) Plan(req PlanRequest) (PlanView, error) {
	opts, err := req.options()
	if err != nil {
		return PlanView{}, err
	}
	s.mu.Lock()
	a := s.planned
	s.mu.Unlock()
	if a == nil {
		return PlanView{}, ErrNoSnapshot
	}
	p, err := rollout.BuildFrom(a.snapshot, a.report, opts)
	if err != nil {
		return PlanView{}, err
	}
	var md bytes.Buffer
	if err := p.WriteMarkdown(&md); err != nil {
		return PlanView{}, err
	}
	return PlanView{Plan: p, Markdown: md.String()}, nil
}

// options are the rollout.Options `keytier plan --start --wave-days` would
// use, with the same bounds.
func (r PlanRequest) options() (rollout.Options, error) {
	opts := rollout.Options{WaveDays: r.WaveDays}
	if r.WaveDays < 0 || r.WaveDays > 365 {
		return opts, fmt.Errorf("days a wave lasts: %d; want 1 to 365", r.WaveDays)
	}
	if r.Start != "" {
		t, err := rollout.ParseStart(r.Start)
		if err != nil {
			return opts, fmt.Errorf("start %w", err)
		}
		opts.Start = t
	}
	return opts, nil
}
