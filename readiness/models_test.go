package readiness_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/readiness"
)

// TestPrivilegedFloorWithMDS: KT-FIDO2-004 and the profile's floor
// (PasskeyProfile.AssuranceWith, what keytier policy check prints) agree
// with and without FIDO metadata. Without it the demo's privileged profile
// has floor AAL2 (Windows Hello is on its allow list) and the check fails;
// with a BLOB that lists Windows Hello's key protection as hardware (tpm),
// the floor is AAL3 and the check passes; with one that lists it as
// software, the floor stays AAL2 and the finding becomes critical.
func TestPrivilegedFloorWithMDS(t *testing.T) {
	blob := func(kp ...string) *mds.BLOB {
		s := mdstest.NewSigner(t)
		b := mdstest.BuildBLOB(t, s, mdstest.Payload{NextUpdate: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), Entries: []mdstest.Authenticator{{
			AAGUID: uuid.MustParse(windowsHello), Description: "Windows Hello Hardware Authenticator", KeyProtection: kp,
			Status: []mdstest.Status{{Status: "FIDO_CERTIFIED_L1", EffectiveDate: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}},
		}}})
		out, err := mds.Load(b, mds.Options{Root: s.Root.Certificate})
		require.NoError(t, err)
		return out
	}
	s := demo.Snapshot()
	c, ok := s.AuthenticationMethodsPolicy.MethodConfiguration("Fido2")
	require.True(t, ok)
	pol, err := passkey.ParseFIDO2Policy(c.Raw)
	require.NoError(t, err)
	var privileged passkey.PasskeyProfile
	for _, pp := range pol.PasskeyProfiles {
		if pp.Name == privilegedProfileName {
			privileged = pp
		}
	}
	require.NotEmpty(t, privileged.ID)

	for _, tc := range []struct {
		name     string
		models   passkey.Models
		floor    assurance.Level
		severity readiness.Severity // "" when the check passes
	}{
		{"catalog only", passkey.Models{}, assurance.AAL2, readiness.SeverityHigh},
		{"metadata: hardware", passkey.Models{MDS: blob("hardware", "tpm")}, assurance.AAL3, ""},
		{"metadata: software", passkey.Models{MDS: blob("software")}, assurance.AAL2, readiness.SeverityCritical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.floor, privileged.AssuranceWith(tc.models).Lowest)
			fs := findings(readiness.Run(s, readiness.Options{Models: tc.models}), "KT-FIDO2-004")
			if tc.severity == "" {
				assert.Empty(t, fs)
				return
			}
			require.Len(t, fs, 1)
			assert.Equal(t, tc.severity, fs[0].Severity)
		})
	}
}
