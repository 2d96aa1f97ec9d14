package assurance

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestResultJSONShape(t *testing.T) {
	res := Classify(Evidence{Method: MethodPasskey, UserVerified: true, Syncability: Syncable})
	b, err := json.Marshal(res)
	require.NoError(t, err)

	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.ElementsMatch(t, []string{"aal", "phishingResistant", "reasons"}, keys(m))
	assert.Equal(t, "AAL2", m["aal"])
	assert.Equal(t, true, m["phishingResistant"])

	reasons, ok := m["reasons"].([]any)
	require.True(t, ok)
	require.Len(t, reasons, len(res.Trace))
	for _, r := range reasons {
		step, ok := r.(map[string]any)
		require.True(t, ok)
		assert.ElementsMatch(t, []string{"rule", "citation", "saw", "outcome", "admin", "plain"}, keys(step))
	}
	first := reasons[0].(map[string]any)
	assert.Equal(t, "aal1.one-factor", first["rule"])
	assert.Equal(t, "pass", first["outcome"])

	// Round trip: a Result decodes back to the same value.
	var back Result
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, res, back)
}

func TestLevelText(t *testing.T) {
	for _, tt := range []struct {
		l    Level
		text string
	}{{LevelNone, "none"}, {AAL1, "AAL1"}, {AAL2, "AAL2"}, {AAL3, "AAL3"}} {
		b, err := tt.l.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, tt.text, string(b))
		assert.Equal(t, tt.text, tt.l.String())
		var back Level
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, tt.l, back)
	}
	var l Level
	require.NoError(t, l.UnmarshalText([]byte("aal2")))
	assert.Equal(t, AAL2, l)

	for _, bad := range []string{"", "AAL4", "2", "high"} {
		err := l.UnmarshalText([]byte(bad))
		assert.ErrorIs(t, err, ErrInvalid, "%q", bad)
	}
	_, err := Level(7).MarshalText()
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Equal(t, "Level(-1)", Level(-1).String())
}

func TestSyncabilityText(t *testing.T) {
	for _, tt := range []struct {
		s    Syncability
		text string
	}{{SyncabilityUnknown, "unknown"}, {Syncable, "synced"}, {DeviceBound, "deviceBound"}} {
		b, err := tt.s.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, tt.text, string(b))
		var back Syncability
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, tt.s, back)
	}
	var s Syncability = Syncable
	require.NoError(t, s.UnmarshalText(nil))
	assert.Equal(t, SyncabilityUnknown, s)
	assert.ErrorIs(t, s.UnmarshalText([]byte("cloud")), ErrInvalid)
	_, err := Syncability(9).MarshalText()
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestEvidenceJSON(t *testing.T) {
	in := `{"method":"passkey","userVerified":true,"syncability":"deviceBound","keyProtection":"secure_element","attestationTrusted":true,"fips140Level":2}`
	var e Evidence
	require.NoError(t, json.Unmarshal([]byte(in), &e))
	assert.Equal(t, Evidence{
		Method: MethodPasskey, UserVerified: true, Syncability: DeviceBound,
		KeyProtection: KeyProtectionSecureElement, AttestationTrusted: true, FIPS140Level: 2,
	}, e)
	assert.Equal(t, AAL3, Classify(e).AAL)

	assert.Error(t, json.Unmarshal([]byte(`{"syncability":"maybe"}`), &e))
}

func TestMethods(t *testing.T) {
	ms := Methods()
	require.Len(t, ms, 14)
	for _, m := range ms {
		assert.True(t, m.Known(), m)
	}
	ms[0] = "changed"
	assert.Equal(t, MethodPasskey, Methods()[0], "Methods returns a copy")
	assert.False(t, Method("").Known())
	assert.False(t, Method("Passkey").Known())
}
