package assurance

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
func Classify(e Evidence) Result {
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
