package demo_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/internal/gendemo"
	"github.com/keytier/keytier/passkey/catalog"
)

// TestCommittedFileIsGenerated: northwind.json is exactly the generator's
// output; regenerate with go generate ./graphadapter/demo.
func TestCommittedFileIsGenerated(t *testing.T) {
	want, err := gendemo.Generate(gendemo.GenerateOptions{Users: demo.Users, Seed: demo.Seed}).Marshal()
	require.NoError(t, err)
	if !bytes.Equal(want, demo.Bytes()) {
		t.Fatal("graphadapter/demo/northwind.json differs from the generator's output: run go generate ./graphadapter/demo")
	}
}

func TestSnapshot(t *testing.T) {
	s := demo.Snapshot()
	assert.Len(t, s.Users, demo.Users)
	assert.Empty(t, s.Warnings())
	assert.Equal(t, "Northwind Fabrication", s.Tenant.DisplayName)

	s.Users[0].DisplayName = "changed"
	assert.NotEqual(t, "changed", demo.Snapshot().Users[0].DisplayName, "each call returns a new snapshot")
}

func user(t *testing.T, s *graphadapter.Snapshot, upn string) *graphadapter.User {
	t.Helper()
	u, ok := s.UserByUPN(upn)
	require.True(t, ok, upn)
	return u
}

func kinds(u *graphadapter.User) []graphadapter.MethodKind {
	var out []graphadapter.MethodKind
	for i := range u.Methods {
		out = append(out, u.Methods[i].Kind())
	}
	return out
}

func passkeyKinds(u *graphadapter.User) []catalog.Kind {
	var out []catalog.Kind
	for _, m := range u.MethodsOf(graphadapter.KindFIDO2) {
		f, _ := m.FIDO2()
		e, ok := catalog.Lookup(f.ParsedAAGUID())
		if !ok {
			out = append(out, catalog.KindUnknown)
			continue
		}
		out = append(out, e.Kind)
	}
	return out
}

func roleNames(s *graphadapter.Snapshot, u *graphadapter.User) []string {
	var out []string
	for _, r := range s.PrivilegedRolesOf(u.ID) {
		out = append(out, r.Name)
	}
	return out
}

// TestDeliberateProblems: each problem package demo documents is in the data.
func TestDeliberateProblems(t *testing.T) {
	s := demo.Snapshot()

	for _, upn := range []string{demo.BreakGlass1, demo.BreakGlass2} {
		u := user(t, s, upn)
		assert.Equal(t, []string{"Global Administrator"}, roleNames(s, u))
		assert.Equal(t, []catalog.Kind{catalog.KindSecurityKey}, passkeyKinds(u), "break glass on attested security keys")
	}

	ga := user(t, s, demo.GlobalAdminSyncedPasskey)
	assert.Equal(t, []string{"Global Administrator"}, roleNames(s, ga))
	assert.Equal(t, []catalog.Kind{catalog.KindSyncedProvider}, passkeyKinds(ga))
	assert.Contains(t, kinds(ga), graphadapter.KindPhone)

	for _, upn := range []string{demo.SecurityAdminSMSOnly, demo.HelpdeskAdminSMS} {
		u := user(t, s, upn)
		assert.NotEmpty(t, roleNames(s, u))
		assert.Contains(t, kinds(u), graphadapter.KindPhone)
		assert.Empty(t, passkeyKinds(u))
	}
	sms, ok := s.AuthenticationMethodsPolicy.MethodConfiguration("Sms")
	require.True(t, ok)
	assert.Equal(t, "enabled", sms.State)

	_, exists := s.GroupByID(demo.MissingGroupID)
	assert.False(t, exists)
	fido, ok := s.AuthenticationMethodsPolicy.MethodConfiguration("Fido2")
	require.True(t, ok)
	assert.Contains(t, string(fido.Raw), demo.MissingGroupID, "the FIDO2 policy targets the missing group")
	for _, name := range []string{`"passkeyProfiles"`, `"attestationEnforcement": "registrationOnly"`, `"passkeyTypes": "deviceBound,synced"`, `"allowedPasskeyProfiles"`, `"defaultPasskeyProfile"`} {
		assert.Contains(t, string(fido.Raw), name)
	}

	c := user(t, s, demo.ContractorLongTAP)
	taps := c.MethodsOf(graphadapter.KindTemporaryAccessPass)
	require.Len(t, taps, 1)
	tap, _ := taps[0].TemporaryAccessPass()
	assert.Equal(t, 43200, tap.LifetimeInMinutes)
	assert.False(t, tap.IsUsableOnce)
	assert.True(t, tap.IsUsable)

	nh := user(t, s, demo.NewHireTAPOnly)
	assert.Equal(t, []graphadapter.MethodKind{graphadapter.KindTemporaryAccessPass}, kinds(nh))
	var inEngineering string
	for _, g := range s.GroupsOf(nh.ID) {
		if g.DisplayName == "Engineering" {
			inEngineering = g.ID
		}
	}
	require.NotEmpty(t, inEngineering)
	var demanding []string
	for _, p := range s.ConditionalAccessPolicies {
		if p.State == "enabled" && p.Grant != nil && p.Grant.AuthenticationStrengthID == graphadapter.StrengthPhishingResistant &&
			contains(p.Users.IncludeGroups, inEngineering) {
			demanding = append(demanding, p.DisplayName)
		}
	}
	assert.NotEmpty(t, demanding, "a CA policy demands phishing-resistant MFA of the new hire")

	ops := s.MembersOf(demo.IdentityOperatorsGroupID)
	require.Len(t, ops, 2)
	for _, u := range ops {
		assert.Equal(t, []string{"User Administrator"}, roleNames(s, u))
		assert.Equal(t, []catalog.Kind{catalog.KindSyncedProvider}, passkeyKinds(u))
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestMix: the workforce has the mix the documentation promises; every
// AAGUID is in the catalog with a known kind.
func TestMix(t *testing.T) {
	s := demo.Snapshot()
	count := map[graphadapter.MethodKind]int{}
	synced, bound := 0, 0
	for i := range s.Users {
		for _, k := range passkeyKinds(&s.Users[i]) {
			switch k {
			case catalog.KindSyncedProvider:
				synced++
			case catalog.KindSecurityKey, catalog.KindPlatform:
				bound++
			default:
				t.Errorf("%s: passkey of unknown kind", s.Users[i].UserPrincipalName)
			}
		}
		for _, k := range kinds(&s.Users[i]) {
			count[k]++
		}
	}
	for _, k := range []graphadapter.MethodKind{
		graphadapter.KindPassword, graphadapter.KindPhone, graphadapter.KindEmail, graphadapter.KindAuthenticator,
		graphadapter.KindSoftwareOath, graphadapter.KindWindowsHello, graphadapter.KindPlatformCredential,
		graphadapter.KindTemporaryAccessPass, graphadapter.KindFIDO2,
	} {
		assert.Positive(t, count[k], k)
	}
	assert.Greater(t, synced, bound, "synced passkeys lead in the workforce")
	assert.Positive(t, bound)
	assert.Zero(t, count[graphadapter.KindOther])
}
