package graphadapter_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
)

const (
	globalAdmin = "62e90394-69f5-4237-9190-012177145e10"
	userAdmin   = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	reader      = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b" // Directory Readers: not privileged
)

func indexFixture(t *testing.T) *graphadapter.Snapshot {
	t.Helper()
	s, err := graphadapter.Load([]byte(doc(
		user("ann", "")+","+user("bob", "")+","+user("cy", ""),
		`{"id":"ops","displayName":"Ops","members":["ann","bob"]},{"id":"all","displayName":"All","members":["cy","ann","bob"]},{"id":"empty","members":[]}`,
		`{"principalId":"ann","roleDefinitionId":"`+globalAdmin+`"},{"principalId":"ops","roleDefinitionId":"`+userAdmin+`"},{"principalId":"cy","roleDefinitionId":"`+reader+`"}`,
	)))
	require.NoError(t, err)
	require.Empty(t, s.Warnings())
	return s
}

func ids[T any](xs []*T, id func(*T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func TestIndex(t *testing.T) {
	s := indexFixture(t)
	uid := func(u *graphadapter.User) string { return u.ID }
	gid := func(g *graphadapter.Group) string { return g.ID }

	u, ok := s.UserByID("bob")
	require.True(t, ok)
	assert.Same(t, &s.Users[1], u, "a pointer into the snapshot, not a copy")
	_, ok = s.UserByID("BOB")
	assert.False(t, ok, "object ids compare exactly")
	_, ok = s.UserByID("ops")
	assert.False(t, ok, "a group is not a user")

	for _, tc := range []struct {
		user   string
		groups []string
		roles  []string
	}{
		{"ann", []string{"ops", "all"}, []string{globalAdmin, userAdmin}},
		{"bob", []string{"ops", "all"}, []string{userAdmin}},
		{"cy", []string{"all"}, []string{reader}},
		{"nobody", []string{}, []string{}},
	} {
		t.Run(tc.user, func(t *testing.T) {
			assert.Equal(t, tc.groups, ids(s.GroupsOf(tc.user), gid))
			roles := []string{}
			for _, a := range s.RolesOf(tc.user) {
				roles = append(roles, a.RoleDefinitionID)
			}
			assert.Equal(t, tc.roles, roles)
		})
	}
	assert.Equal(t, "ops", s.RolesOf("bob")[0].PrincipalID, "an inherited assignment names the group")

	assert.Equal(t, []string{"cy", "ann", "bob"}, ids(s.MembersOf("all"), uid))
	assert.Equal(t, []string{}, ids(s.MembersOf("empty"), uid))
	assert.Nil(t, s.MembersOf("missing"))

	var names []string
	for _, r := range s.PrivilegedRolesOf("ann") {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"Global Administrator", "User Administrator"}, names)
	assert.Empty(t, s.PrivilegedRolesOf("cy"), "Directory Readers is not privileged")
}

// TestIndexAfterChange: the index follows Check, not the live slices.
func TestIndexAfterChange(t *testing.T) {
	s := indexFixture(t)
	s.Users = append(s.Users, graphadapter.User{ID: "dee", UserPrincipalName: "dee@example.com"})
	_, ok := s.UserByID("dee")
	assert.False(t, ok, "not indexed until Check")
	require.NoError(t, s.Check())
	_, ok = s.UserByID("dee")
	assert.True(t, ok)
}

// TestIndexUnchecked: a Snapshot built in Go gets its index on first use.
func TestIndexUnchecked(t *testing.T) {
	s := &graphadapter.Snapshot{
		Users:  []graphadapter.User{{ID: "a", UserPrincipalName: "A@example.com"}},
		Groups: []graphadapter.Group{{ID: "g", Members: []string{"a"}}},
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			u, ok := s.UserByUPN("a@EXAMPLE.com")
			assert.True(t, ok)
			assert.Equal(t, "a", u.ID)
			assert.Len(t, s.GroupsOf("a"), 1)
		})
	}
	wg.Wait()
}

func TestPrivilegedRoles(t *testing.T) {
	roles := graphadapter.PrivilegedRoles()
	// The six that govern sign-in come first.
	want := []string{
		"62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814",
		"7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "194ae4cb-b126-40b2-bd5b-6091b380977d",
		"0526716b-113d-4c15-b2c8-68e3c22b9f80", "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
	}
	for i, id := range want {
		assert.Equal(t, id, roles[i].TemplateID)
	}
	seen := map[string]bool{}
	for _, r := range roles {
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, r.TemplateID)
		assert.False(t, seen[r.TemplateID], "listed twice: %s", r.Name)
		seen[r.TemplateID] = true
		assert.NotEmpty(t, r.Name)
		assert.NotEmpty(t, r.Why)
		got, ok := graphadapter.PrivilegedRole(r.TemplateID)
		assert.True(t, ok)
		assert.Equal(t, r, got)
	}
	auth, _ := graphadapter.PrivilegedRole("0526716b-113d-4c15-b2c8-68e3c22b9f80")
	assert.False(t, auth.MicrosoftPrivileged, "Microsoft does not label Authentication Policy Administrator")
	_, ok := graphadapter.PrivilegedRole(reader)
	assert.False(t, ok)

	roles[0].Name = "changed"
	assert.Equal(t, "Global Administrator", graphadapter.PrivilegedRoles()[0].Name, "callers get a copy")
}

func TestFindPrivilegedRole(t *testing.T) {
	for _, s := range []string{"62e90394-69f5-4237-9190-012177145e10", "62E90394-69F5-4237-9190-012177145E10", "Global Administrator", "global administrator"} {
		r, ok := graphadapter.FindPrivilegedRole(s)
		if assert.True(t, ok, s) {
			assert.Equal(t, "Global Administrator", r.Name)
		}
	}
	_, ok := graphadapter.FindPrivilegedRole("Global")
	assert.False(t, ok, "a prefix is not a name")
	_, ok = graphadapter.FindPrivilegedRole("")
	assert.False(t, ok)
}
