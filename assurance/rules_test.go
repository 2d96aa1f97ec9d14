package assurance

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ruleID = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9-]+)+$`)

func TestRulesAreComplete(t *testing.T) {
	all := Rules()
	require.NotEmpty(t, all)
	ids := map[string]bool{}
	for _, r := range all {
		t.Run(r.ID, func(t *testing.T) {
			assert.Regexp(t, ruleID, r.ID)
			assert.False(t, ids[r.ID], "duplicate id")
			ids[r.ID] = true
			assert.True(t, strings.HasPrefix(r.Citation, "SP 800-63B-4 "), "citation %q", r.Citation)
			assert.NotEmpty(t, r.Summary)
			assert.GreaterOrEqual(t, r.Level, LevelNone)
			assert.LessOrEqual(t, r.Level, AAL3)
			for _, m := range r.AppliesTo {
				assert.True(t, m.Known(), "applies to unknown method %q", m)
			}
			require.NotEmpty(t, r.Explanations)
			outcomes := map[Outcome]bool{}
			for _, x := range r.Explanations {
				assert.False(t, outcomes[x.Outcome], "outcome %s explained twice", x.Outcome)
				outcomes[x.Outcome] = true
				assert.Contains(t, []Outcome{OutcomePass, OutcomeFail, OutcomeWarn, OutcomeNotApplicable}, x.Outcome)
				assert.NotEmpty(t, x.Admin, "admin text for %s", x.Outcome)
				assert.NotEmpty(t, x.Plain, "plain text for %s", x.Outcome)
			}
			if r.Level == LevelNone {
				assert.False(t, outcomes[OutcomeFail], "advisory rules warn, they do not fail")
			} else {
				assert.True(t, outcomes[OutcomePass] && outcomes[OutcomeFail], "gating rules explain pass and fail")
			}
			assert.NotNil(t, rules[indexOf(r.ID)].eval)
		})
	}
	// Every level is gated by at least one rule.
	for _, l := range []Level{AAL1, AAL2, AAL3} {
		n := 0
		for _, r := range all {
			if r.Level == l {
				n++
			}
		}
		assert.Positive(t, n, "no rule gates %s", l)
	}
}

func indexOf(id string) int {
	for i, r := range rules {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// The plain texts are for people who sign in: none of the standard's terms.
func TestPlainTextHasNoJargon(t *testing.T) {
	jargon := []string{"AAL", "§", "SP 800", "FIPS", "attestation", "phishing-resistant", "authenticator", "MDS", "UV", "WebAuthn", "TPM", "TEE", "exportable", "verifier"}
	for _, r := range Rules() {
		for _, x := range r.Explanations {
			for _, j := range jargon {
				assert.NotContains(t, x.Plain, j, "rule %s (%s)", r.ID, x.Outcome)
			}
		}
	}
}

func TestRulesReturnsACopy(t *testing.T) {
	e := Evidence{Method: MethodPasskey, UserVerified: true, Syncability: Syncable}
	before := Classify(e)
	pristine, err := json.Marshal(Rules())
	require.NoError(t, err)

	got := Rules()
	for i := range got {
		got[i].ID = "mutated"
		got[i].Level = AAL3
		got[i].Citation = ""
		for j := range got[i].AppliesTo {
			got[i].AppliesTo[j] = MethodPassword
		}
		for j := range got[i].Explanations {
			got[i].Explanations[j].Admin = "mutated"
			got[i].Explanations[j].Plain = "mutated"
		}
	}
	got[0], got[len(got)-1] = got[len(got)-1], got[0]

	assert.Equal(t, before, Classify(e))
	after, err := json.Marshal(Rules())
	require.NoError(t, err)
	assert.JSONEq(t, string(pristine), string(after))
}

func TestRulesJSON(t *testing.T) {
	b, err := json.Marshal(Rules()[0])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, "aal1.one-factor", m["id"])
	assert.Equal(t, "AAL1", m["level"])
	assert.Contains(t, m, "citation")
	assert.Contains(t, m, "explanations")
}
