package tap_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}

func TestParsePolicyGraphExample(t *testing.T) {
	p, err := tap.ParsePolicy(readFile(t, "testdata/policy-graph-get.json"))
	require.NoError(t, err)
	assert.Equal(t, tap.StateEnabled, p.State)
	assert.Equal(t, 60, p.DefaultLifetimeInMinutes)
	assert.Equal(t, 60, p.MinimumLifetimeInMinutes)
	assert.Equal(t, 480, p.MaximumLifetimeInMinutes)
	assert.Equal(t, 8, p.DefaultLength)
	assert.False(t, p.IsUsableOnce)
	require.Len(t, p.IncludeTargets, 1)
	assert.Equal(t, tap.IncludeTarget{ID: tap.AllUsers, TargetType: tap.TargetGroup}, p.IncludeTargets[0])
	assert.Empty(t, p.ExcludeTargets)
	assert.True(t, p.AppliesTo("anyone", nil))
}

// The documented defaults are exactly what Graph's example returns.
func TestDefaultPolicyMatchesGraphExample(t *testing.T) {
	p, err := tap.ParsePolicy(readFile(t, "testdata/policy-graph-get.json"))
	require.NoError(t, err)
	p.Unknown = nil
	assert.Equal(t, tap.DefaultPolicy(), p)
}

func TestPolicyRoundTrip(t *testing.T) {
	for _, name := range []string{"testdata/policy-graph-get.json", "testdata/policy-strict.json"} {
		t.Run(name, func(t *testing.T) {
			in := readFile(t, name)
			p, err := tap.ParsePolicy(in)
			require.NoError(t, err)
			out, err := json.Marshal(p) // encoding/json must use the same method
			require.NoError(t, err)
			// Same members and values, unknown ones included.
			var want, got map[string]any
			require.NoError(t, json.Unmarshal(in, &want))
			require.NoError(t, json.Unmarshal(out, &got))
			assert.Equal(t, want, got)
			// And stable: parse(marshal(p)) marshals to the same bytes.
			p2, err := tap.ParsePolicy(out)
			require.NoError(t, err)
			out2, err := json.Marshal(p2)
			require.NoError(t, err)
			assert.Equal(t, string(out), string(out2))
		})
	}
}

func TestPolicyEditKeepsUnknown(t *testing.T) {
	p, err := tap.ParsePolicy(readFile(t, "testdata/policy-strict.json"))
	require.NoError(t, err)
	p.MaximumLifetimeInMinutes = 2880
	out, err := jsonv2.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"maximumLifetimeInMinutes":2880`)
	assert.Contains(t, string(out), `"futurePolicySetting":{"nested":[1,2,3]}`)
	assert.Contains(t, string(out), `"futureMember":7`)
}

func TestParsePolicyAbsentMembersTakeDefaults(t *testing.T) {
	p, err := tap.ParsePolicy([]byte(`{"state":"enabled","includeTargets":[{"id":"all_users","targetType":"group"}]}`))
	require.NoError(t, err)
	want := tap.DefaultPolicy()
	want.ExcludeTargets = nil // absent, not empty
	assert.Equal(t, want, p)

	p, err = tap.ParsePolicy([]byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, tap.StateDisabled, p.State, "absent state")
	assert.Empty(t, p.IncludeTargets, "absent targets must not widen the policy")
	assert.False(t, p.AppliesTo("u", nil))
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		wantField string
		wantText  string
	}{
		{"empty", ``, "", "empty document"},
		{"not JSON", `{`, "", "malformed JSON"},
		{"wrong type", `{"defaultLength":"8"}`, "defaultLength", "malformed JSON"},
		{"duplicate member", `{"isUsableOnce":true,"isUsableOnce":false}`, "isUsableOnce", "duplicate"},
		{"odata type", `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration"}`, "@odata.type", "want"},
		{"id", `{"id":"Fido2"}`, "id", `"Fido2"`},
		{"state", `{"state":"on"}`, "state", `"on"`},
		{"length low", `{"defaultLength":7}`, "defaultLength", "7 is outside 8–48"},
		{"length high", `{"defaultLength":49}`, "defaultLength", "49 is outside 8–48"},
		{"min low", `{"minimumLifetimeInMinutes":9,"defaultLifetimeInMinutes":60}`, "minimumLifetimeInMinutes", "9 is outside 10–43200"},
		{"max high", `{"maximumLifetimeInMinutes":43201}`, "maximumLifetimeInMinutes", "43201 is outside 10–43200"},
		{"min above max", `{"minimumLifetimeInMinutes":600,"maximumLifetimeInMinutes":480}`, "minimumLifetimeInMinutes", "more than maximumLifetimeInMinutes"},
		{"default below min", `{"defaultLifetimeInMinutes":30}`, "defaultLifetimeInMinutes", "30 is outside"},
		{"default above max", `{"defaultLifetimeInMinutes":481}`, "defaultLifetimeInMinutes", "481 is outside"},
		{"target id", `{"includeTargets":[{"id":"","targetType":"group"}]}`, "includeTargets[0].id", "empty"},
		{"target type", `{"excludeTargets":[{"id":"g","targetType":"device"}]}`, "excludeTargets[0].targetType", `"device"`},
		{"null length", `{"defaultLength":null}`, "defaultLength", "0 is outside"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tap.ParsePolicy([]byte(tc.doc))
			require.Error(t, err)
			assert.ErrorIs(t, err, tap.ErrInvalidPolicy)
			var pe *tap.PolicyError
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, tc.wantField, pe.Field)
			assert.Contains(t, err.Error(), tc.wantText)
			assert.True(t, strings.HasPrefix(err.Error(), "tap: "), err.Error())
		})
	}
}

func TestParsePolicyTooLarge(t *testing.T) {
	doc := `{"x":"` + strings.Repeat("a", tap.MaxPolicySize) + `"}`
	_, err := tap.ParsePolicy([]byte(doc))
	assert.ErrorIs(t, err, tap.ErrInvalidPolicy)
	assert.ErrorContains(t, err, "more than the")
}

func TestAppliesTo(t *testing.T) {
	p, err := tap.ParsePolicy(readFile(t, "testdata/policy-strict.json"))
	require.NoError(t, err)
	const in, out = "3f2d6c0e-8f9a-4b8e-9d57-1c6f0c3b2a11", "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
	tests := []struct {
		name   string
		policy func(tap.Policy) tap.Policy
		user   string
		groups []string
		want   bool
	}{
		{"member of included group", nil, "u", []string{in}, true},
		{"no group", nil, "u", nil, false},
		{"excluded wins", nil, "u", []string{in, out}, false},
		{"disabled", func(p tap.Policy) tap.Policy { p.State = tap.StateDisabled; return p }, "u", []string{in}, false},
		{"user target", func(p tap.Policy) tap.Policy {
			p.IncludeTargets = []tap.IncludeTarget{{ID: "u", TargetType: tap.TargetUser}}
			return p
		}, "u", nil, true},
		{"user target other user", func(p tap.Policy) tap.Policy {
			p.IncludeTargets = []tap.IncludeTarget{{ID: "u", TargetType: tap.TargetUser}}
			return p
		}, "v", nil, false},
		{"user excluded from all_users", func(p tap.Policy) tap.Policy {
			p.IncludeTargets = []tap.IncludeTarget{{ID: tap.AllUsers, TargetType: tap.TargetGroup}}
			p.ExcludeTargets = []tap.ExcludeTarget{{ID: "u", TargetType: tap.TargetUser}}
			return p
		}, "u", nil, false},
		{"unknownFutureValue never matches", func(p tap.Policy) tap.Policy {
			p.IncludeTargets = []tap.IncludeTarget{{ID: "u", TargetType: tap.TargetUnknownFutureValue}}
			return p
		}, "u", []string{"u"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := p
			if tc.policy != nil {
				q = tc.policy(p)
			}
			assert.Equal(t, tc.want, q.AppliesTo(tc.user, tc.groups))
		})
	}
}
