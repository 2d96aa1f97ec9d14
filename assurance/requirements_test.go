package assurance

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequirements(t *testing.T) {
	assert.Equal(t, LevelRequirements{}, Requirements(LevelNone))
	assert.Equal(t, LevelRequirements{}, Requirements(Level(4)))
	assert.Equal(t, LevelRequirements{}, Requirements(Level(-1)))

	keywords := []string{"SHALL", "SHOULD", "MAY"}
	prev := Requirements(AAL1)
	for _, l := range []Level{AAL1, AAL2, AAL3} {
		r := Requirements(l)
		assert.Equal(t, l, r.Level)
		assert.Contains(t, keywords, r.ReauthOverall.Keyword, l)
		assert.Contains(t, keywords, r.ReauthInactivity.Keyword, l)
		assert.Positive(t, r.ReauthOverall.Max, "%s sets an overall timeout", l)
		assert.NotEmpty(t, r.ReauthCitation)
		assert.NotEmpty(t, r.FIPSCitation)
		assert.Positive(t, r.Verifier.Overall, "%s verifier level", l)
		assert.Contains(t, []string{PhishingResistanceNotRequired, PhishingResistanceOffer, PhishingResistanceRequired}, r.PhishingResistance)
		if l > AAL1 {
			// Higher levels never relax a limit.
			assert.LessOrEqual(t, r.ReauthOverall.Max, prev.ReauthOverall.Max, l)
			assert.Positive(t, r.ReauthInactivity.Max, "%s sets an inactivity timeout", l)
			assert.GreaterOrEqual(t, r.Authenticator.Overall, prev.Authenticator.Overall, l)
			assert.GreaterOrEqual(t, r.Verifier.Overall, prev.Verifier.Overall, l)
		}
		if l > AAL2 {
			assert.LessOrEqual(t, r.ReauthInactivity.Max, prev.ReauthInactivity.Max, l)
		}
		prev = r
	}

	// The values that carry a SHALL in §2.3.3 and the AAL3 phishing rule
	// agree with the classification rules.
	aal3 := Requirements(AAL3)
	assert.Equal(t, Timeout{Max: 12 * time.Hour, Keyword: "SHALL"}, aal3.ReauthOverall)
	assert.Equal(t, PhishingResistanceRequired, aal3.PhishingResistance)
	assert.NotEmpty(t, aal3.Note, "the unconfirmed FIPS level is flagged")
	assert.Equal(t, PhishingResistanceOffer, Requirements(AAL2).PhishingResistance)
}

func TestRequirementsJSON(t *testing.T) {
	b, err := json.Marshal(Requirements(AAL3))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, "AAL3", m["level"])
	assert.Equal(t, map[string]any{"max": "12h0m0s", "seconds": float64(43200), "keyword": "SHALL"}, m["reauthOverall"])
	assert.Equal(t, map[string]any{"max": "15m0s", "seconds": float64(900), "keyword": "SHOULD"}, m["reauthInactivity"])

	b, err = json.Marshal(Requirements(AAL1).ReauthInactivity)
	require.NoError(t, err)
	assert.JSONEq(t, `{"keyword":"MAY"}`, string(b))
}
