package readiness

import (
	"math"
	"sort"

	"github.com/keytier/keytier/graphadapter"
)

// Run audits the snapshot: every check of Checks, then the summary figures.
// s must come from graphadapter.Load (or have been Checked): Run reads its
// index. Run does not modify s and never reads the clock.
func Run(s *graphadapter.Snapshot, opts Options) Report {
	e := newEnv(s, opts)
	r := Report{
		Tenant:     Tenant{ID: s.Tenant.ID, DisplayName: s.Tenant.DisplayName},
		CapturedAt: s.CapturedAt,
		Summary:    e.summary(),
		Findings:   []Finding{},
	}
	order := map[string]int{}
	table := checks()
	for i := range table {
		c := &table[i]
		order[c.ID] = i
		if s.AuthenticationMethodsPolicy == nil {
			continue
		}
		fs := c.run(e, c)
		if len(fs) == 0 {
			r.Passed = append(r.Passed, c.ID)
		}
		for i := range fs {
			fs[i].Remediation.normalize()
		}
		r.Findings = append(r.Findings, fs...)
	}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		if order[a.Check] != order[b.Check] {
			return order[a.Check] < order[b.Check]
		}
		return a.ID < b.ID
	})
	e.compose(r.Findings)
	return r
}

func (e *env) summary() Summary {
	sum := Summary{Groups: make([]GroupSummary, 0, len(e.s.Groups))}
	passwordless := 0
	for _, p := range e.users {
		sum.Users++
		sum.ByAAL.add(p.best)
		if !p.phishRes {
			sum.NoPhishingResistantMethod++
		}
		if p.passwordless {
			passwordless++
		}
	}
	sum.PasswordlessCoverage = ratio(passwordless, sum.Users)
	for i := range e.s.Groups {
		g := &e.s.Groups[i]
		gs := GroupSummary{ID: g.ID, DisplayName: g.DisplayName}
		n := 0
		for _, id := range g.Members {
			p := e.byID[id]
			if p == nil {
				continue
			}
			gs.Users++
			gs.ByAAL.add(p.best)
			if !p.phishRes {
				gs.NoPhishingResistantMethod++
			}
			if p.passwordless {
				n++
			}
		}
		gs.PasswordlessCoverage = ratio(n, gs.Users)
		sum.Groups = append(sum.Groups, gs)
	}
	return sum
}

// ratio is n/d rounded to four places; 0 when d is 0.
func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*10000) / 10000
}
