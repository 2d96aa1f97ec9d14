package assurance

import (
	"slices"
	"sync"
)

// Step is one rule's verdict on the evidence, as it appears in a trace.
type Step struct {
	Rule     string  `json:"rule"`     // the rule's stable id, e.g. "aal3.non-exportable"
	Citation string  `json:"citation"` // e.g. "SP 800-63B-4 §2.3.2; §3.2.13"
	Saw      string  `json:"saw"`      // what the rule saw in the evidence
	Outcome  Outcome `json:"outcome"`
	Admin    string  `json:"admin"` // explanation for an identity administrator
	Plain    string  `json:"plain"` // explanation for the person who signs in
}

// Result is the classification of one piece of evidence. The zero value is
// the result for no evidence: below AAL1, not phishing-resistant, no trace.
type Result struct {
	AAL               Level `json:"aal"`
	PhishingResistant bool  `json:"phishingResistant"`
	// Trace has one step per rule that covers the method, in rule order.
	Trace []Step `json:"reasons"`
}

// Step returns the trace step of the rule with the given id.
func (r Result) Step(rule string) (Step, bool) {
	for _, s := range r.Trace {
		if s.Rule == rule {
			return s, true
		}
	}
	return Step{}, false
}

// Classify applies every rule that covers e.Method and returns the highest
// level whose gating rules, and those of every lower level, did not fail.
// Phishing resistance is the verdict of rule "aal3.phishing-resistant"
// (SP 800-63B-4 §3.2.5). Classify never fails: evidence it cannot use
// lowers the level and the trace says why.
//
// Classify is pure, and in a tenant or a fleet of stored credentials the
// same evidence recurs: results are kept per evidence, up to maxMemo of
// them, and each call gets its own copy of the trace.
func Classify(e Evidence) Result {
	res := memoized(e)
	res.Trace = slices.Clone(res.Trace)
	return res
}

// Verdict is Classify(e)'s level and phishing resistance, for a caller
// that shows no trace (one per row of a large fleet) and would only copy
// it to drop it.
func Verdict(e Evidence) (aal Level, phishingResistant bool) {
	res := memoized(e)
	return res.AAL, res.PhishingResistant
}

// memoized returns the memo's result for e; its trace is shared.
func memoized(e Evidence) Result {
	memo.RLock()
	res, ok := memo.m[e]
	memo.RUnlock()
	if !ok {
		res = classify(e)
		memo.Lock()
		if len(memo.m) < maxMemo {
			memo.m[e] = res
		}
		memo.Unlock()
	}
	return res
}

// maxMemo bounds Classify's memo. Evidence that keytier builds takes a few
// hundred values at most; past the bound, results are computed each time.
const maxMemo = 4096

var memo = struct {
	sync.RWMutex
	m map[Evidence]Result
}{m: make(map[Evidence]Result)}

func classify(e Evidence) Result {
	res := Result{AAL: AAL3, Trace: make([]Step, 0, len(rules))}
	for _, r := range rules {
		if !r.Applies(e.Method) {
			continue
		}
		outcome, saw := r.eval(e)
		x, _ := r.Explain(outcome)
		res.Trace = append(res.Trace, Step{
			Rule:     r.ID,
			Citation: r.Citation,
			Saw:      saw,
			Outcome:  outcome,
			Admin:    x.Admin,
			Plain:    x.Plain,
		})
		if outcome == OutcomeFail && r.Level != LevelNone && r.Level-1 < res.AAL {
			res.AAL = r.Level - 1
		}
		if r.ID == idPhishingResistant {
			res.PhishingResistant = outcome == OutcomePass
		}
	}
	return res
}
