// Package graphadaptertest holds the conformance suite every
// graphadapter.Directory passes: the in-memory directory, and the Graph
// directory of graphadapter/msgraph talking to graphtest's server.
package graphadaptertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
)

// Open returns a Directory holding the tenant s, fresh for each call: the
// suite changes it.
type Open func(t *testing.T, s *graphadapter.Snapshot) graphadapter.Directory

// Run runs the suite on the directories open returns, over the demo tenant.
// The cases of optional interfaces (graphadapter.UserCreator,
// BatchMethodReader, BatchGroupMemberReader) run when the directory
// implements them.
func Run(t *testing.T, open Open) {
	t.Run("Reads", func(t *testing.T) { testReads(t, open) })
	t.Run("BuildSnapshot", func(t *testing.T) { testBuild(t, open) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, open) })
	t.Run("TemporaryAccessPass", func(t *testing.T) { testPass(t, open) })
	t.Run("DeleteFIDO2Method", func(t *testing.T) { testDeleteFIDO2(t, open) })
	t.Run("CreateUser", func(t *testing.T) { testCreateUser(t, open) })
	t.Run("Cancelled", func(t *testing.T) { testCancelled(t, open) })
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := jsonv2.Marshal(v, jsonv2.Deterministic(true))
	require.NoError(t, err)
	return string(b)
}

func testReads(t *testing.T, open Open) {
	s := demo.Snapshot()
	d := open(t, s)
	ctx := t.Context()

	tenant, err := d.Tenant(ctx)
	require.NoError(t, err)
	assert.Equal(t, s.Tenant.ID, tenant.ID)
	assert.Equal(t, s.Tenant.DisplayName, tenant.DisplayName)

	p, err := d.AuthenticationMethodsPolicy(ctx)
	require.NoError(t, err)
	assert.Equal(t, marshal(t, s.AuthenticationMethodsPolicy), marshal(t, p), "the policy, passkey profiles included, comes back member for member")
	fido, ok := p.MethodConfiguration("Fido2")
	require.True(t, ok)
	assert.Contains(t, string(fido.Raw), `"passkeyProfiles"`)

	var got []graphadapter.User
	require.NoError(t, d.Users(ctx, func(u graphadapter.User) error {
		assert.Nil(t, u.Methods, "Users lists users without their methods")
		got = append(got, u)
		return nil
	}))
	require.Len(t, got, len(s.Users))
	for i, u := range got {
		w := s.Users[i]
		assert.Equal(t, w.ID, u.ID)
		assert.Equal(t, w.UserPrincipalName, u.UserPrincipalName)
		assert.Equal(t, w.DisplayName, u.DisplayName)
		assert.Equal(t, w.Enabled(), u.Enabled(), w.ID)
	}

	// Users with the most methods, and one with none.
	users := slices.Clone(s.Users)
	slices.SortStableFunc(users, func(a, b graphadapter.User) int { return len(b.Methods) - len(a.Methods) })
	for _, u := range append(users[:5], users[len(users)-1]) {
		ms, err := d.AuthenticationMethods(ctx, u.ID)
		require.NoError(t, err, u.ID)
		assert.NotNil(t, ms)
		assert.Equal(t, marshal(t, u.Methods), marshal(t, ms), u.ID)
	}
	if br, ok := d.(graphadapter.BatchMethodReader); ok {
		ids := make([]string, graphadapter.BatchSize)
		for i := range ids {
			ids[i] = s.Users[len(s.Users)-1-i].ID
		}
		got, err := br.AuthenticationMethodsBatch(ctx, ids)
		require.NoError(t, err)
		require.Len(t, got, len(ids))
		for i, ms := range got {
			u, _ := s.UserByID(ids[i])
			assert.Equal(t, marshal(t, u.Methods), marshal(t, ms), "batch answer %d is user %s's", i, ids[i])
		}
		_, err = br.AuthenticationMethodsBatch(ctx, append(ids, s.Users[0].ID))
		assert.Error(t, err, "a batch of more than BatchSize")
	}

	var groups []graphadapter.Group
	require.NoError(t, d.Groups(ctx, func(g graphadapter.Group) error {
		groups = append(groups, g)
		return nil
	}))
	require.Len(t, groups, len(s.Groups))
	for i, g := range groups {
		assert.Equal(t, s.Groups[i].ID, g.ID)
		assert.Equal(t, s.Groups[i].DisplayName, g.DisplayName)
		members, err := d.GroupMembers(ctx, g.ID)
		require.NoError(t, err)
		assert.ElementsMatch(t, s.Groups[i].Members, members, g.DisplayName)
	}

	if br, ok := d.(graphadapter.BatchGroupMemberReader); ok {
		ids := make([]string, 0, len(s.Groups))
		for _, g := range s.Groups {
			ids = append(ids, g.ID)
		}
		got, err := br.GroupMembersBatch(ctx, ids)
		require.NoError(t, err)
		require.Len(t, got, len(ids))
		for i, m := range got {
			assert.ElementsMatch(t, s.Groups[i].Members, m, "batch answer %d is group %s's", i, s.Groups[i].DisplayName)
		}
		_, err = br.GroupMembersBatch(ctx, []string{ids[0], "00000000-0000-0000-0000-00000000dead"})
		assert.ErrorIs(t, err, graphadapter.ErrNotFound)
	}

	ra, err := d.RoleAssignments(ctx)
	require.NoError(t, err)
	require.Len(t, ra, len(s.RoleAssignments))
	for i, a := range ra {
		w := s.RoleAssignments[i]
		assert.Equal(t, [4]string{w.ID, w.PrincipalID, w.RoleDefinitionID, w.DirectoryScopeID}, [4]string{a.ID, a.PrincipalID, a.RoleDefinitionID, a.DirectoryScopeID})
	}
}

func testBuild(t *testing.T, open Open) {
	want := demo.Snapshot()
	d := open(t, want)
	got, err := graphadapter.BuildSnapshot(t.Context(), d, graphadapter.BuildOptions{Concurrency: 4})
	require.NoError(t, err)
	if _, ok := d.(graphadapter.PolicyReader); !ok {
		want.ConditionalAccessPolicies, want.AuthenticationStrengthPolicies = nil, nil
	}
	// The snapshot as keytier writes it, but for the capture time and
	// members of users and role assignments Graph returns only when
	// selected.
	got.CapturedAt = want.CapturedAt
	for _, s := range []*graphadapter.Snapshot{want, got} {
		for i := range s.Users {
			s.Users[i].Unknown = nil
		}
		for i := range s.RoleAssignments {
			s.RoleAssignments[i].Unknown = nil
		}
		s.Tenant.Unknown = nil
	}
	w, err := want.Marshal()
	require.NoError(t, err)
	g, err := got.Marshal()
	require.NoError(t, err)
	assert.Equal(t, string(w), string(g))
}

func testNotFound(t *testing.T, open Open) {
	s := demo.Snapshot()
	d := open(t, s)
	ctx := t.Context()
	const nobody = "00000000-0000-0000-0000-00000000dead"
	_, err := d.AuthenticationMethods(ctx, nobody)
	assertIs(t, err, graphadapter.ErrNotFound, "AuthenticationMethods")
	_, err = d.GroupMembers(ctx, nobody)
	assertIs(t, err, graphadapter.ErrNotFound, "GroupMembers")
	_, err = d.CreateTemporaryAccessPass(ctx, nobody, graphadapter.TemporaryAccessPassRequest{})
	assertIs(t, err, graphadapter.ErrNotFound, "CreateTemporaryAccessPass")
	assertIs(t, d.DeleteFIDO2Method(ctx, s.Users[0].ID, nobody), graphadapter.ErrNotFound, "DeleteFIDO2Method")
	assertIs(t, d.DeleteTemporaryAccessPass(ctx, s.Users[0].ID, nobody), graphadapter.ErrNotFound, "DeleteTemporaryAccessPass")
}

func assertIs(t *testing.T, err, target error, op string) {
	t.Helper()
	if assert.ErrorIs(t, err, target, op) {
		var de *graphadapter.DirectoryError
		if assert.ErrorAs(t, err, &de, op) {
			assert.Equal(t, op, de.Op)
			assert.NotEmpty(t, de.Resource)
		}
	}
}

func passesOf(t *testing.T, d graphadapter.Directory, userID string) []graphadapter.TemporaryAccessPassMethod {
	t.Helper()
	ms, err := d.AuthenticationMethods(t.Context(), userID)
	require.NoError(t, err)
	var out []graphadapter.TemporaryAccessPassMethod
	for i := range ms {
		if p, ok := ms[i].TemporaryAccessPass(); ok {
			out = append(out, p)
			assert.NotContains(t, string(ms[i].Raw), `"temporaryAccessPass":"`, "a listed pass carries no code")
		}
	}
	return out
}

func testPass(t *testing.T, open Open) {
	s := demo.Snapshot()
	d := open(t, s)
	ctx := t.Context()
	var user string
	for _, u := range s.Users {
		if len(u.MethodsOf(graphadapter.KindTemporaryAccessPass)) == 0 && u.Enabled() {
			user = u.ID
			break
		}
	}
	require.NotEmpty(t, user)
	require.Empty(t, passesOf(t, d, user))

	once := true
	first, err := d.CreateTemporaryAccessPass(ctx, user, graphadapter.TemporaryAccessPassRequest{LifetimeInMinutes: 120, IsUsableOnce: &once})
	require.NoError(t, err)
	code := first.Code.Reveal()
	assert.GreaterOrEqual(t, len(code), 8)
	for _, v := range []string{fmt.Sprint(first), fmt.Sprintf("%+v", first), fmt.Sprintf("%#v", first), string(first.Method.Raw)} {
		assert.NotContains(t, v, code, "the code shows only through Reveal")
	}
	p, ok := first.Method.TemporaryAccessPass()
	require.True(t, ok)
	assert.Equal(t, 120, p.LifetimeInMinutes)
	assert.True(t, p.IsUsableOnce)
	assert.NotEmpty(t, first.Method.ID)

	listed := passesOf(t, d, user)
	require.Len(t, listed, 1)
	assert.Equal(t, p.LifetimeInMinutes, listed[0].LifetimeInMinutes)

	second, err := d.CreateTemporaryAccessPass(ctx, user, graphadapter.TemporaryAccessPassRequest{})
	require.NoError(t, err)
	assert.NotEqual(t, first.Method.ID, second.Method.ID)
	assert.NotEqual(t, code, second.Code.Reveal())
	ms, err := d.AuthenticationMethods(ctx, user)
	require.NoError(t, err)
	var ids []string
	for _, m := range ms {
		if m.Kind() == graphadapter.KindTemporaryAccessPass {
			ids = append(ids, m.ID)
		}
	}
	assert.Equal(t, []string{second.Method.ID}, ids, "a new pass replaces the old")

	require.NoError(t, d.DeleteTemporaryAccessPass(ctx, user, second.Method.ID))
	assert.Empty(t, passesOf(t, d, user))
	assertIs(t, d.DeleteTemporaryAccessPass(ctx, user, second.Method.ID), graphadapter.ErrNotFound, "DeleteTemporaryAccessPass")

	// Outside the policy's lifetime bounds.
	_, err = d.CreateTemporaryAccessPass(ctx, user, graphadapter.TemporaryAccessPassRequest{LifetimeInMinutes: 100_000})
	assertIs(t, err, graphadapter.ErrInvalidRequest, "CreateTemporaryAccessPass")
	assert.Empty(t, passesOf(t, d, user), "a refused pass is not created")
}

func testDeleteFIDO2(t *testing.T, open Open) {
	s := demo.Snapshot()
	d := open(t, s)
	ctx := t.Context()
	var user, method string
	for _, u := range s.Users {
		if ps := u.MethodsOf(graphadapter.KindFIDO2); len(ps) > 0 {
			user, method = u.ID, ps[0].ID
			break
		}
	}
	require.NotEmpty(t, user)
	before, err := d.AuthenticationMethods(ctx, user)
	require.NoError(t, err)
	require.NoError(t, d.DeleteFIDO2Method(ctx, user, method))
	after, err := d.AuthenticationMethods(ctx, user)
	require.NoError(t, err)
	assert.Len(t, after, len(before)-1)
	for _, m := range after {
		assert.NotEqual(t, method, m.ID)
	}
	assertIs(t, d.DeleteFIDO2Method(ctx, user, method), graphadapter.ErrNotFound, "DeleteFIDO2Method")
}

func testCancelled(t *testing.T, open Open) {
	s := demo.Snapshot()
	d := open(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]error{}
	_, calls["Tenant"] = d.Tenant(ctx)
	_, calls["AuthenticationMethodsPolicy"] = d.AuthenticationMethodsPolicy(ctx)
	calls["Users"] = d.Users(ctx, func(graphadapter.User) error { return nil })
	_, calls["AuthenticationMethods"] = d.AuthenticationMethods(ctx, s.Users[0].ID)
	calls["Groups"] = d.Groups(ctx, func(graphadapter.Group) error { return nil })
	_, calls["GroupMembers"] = d.GroupMembers(ctx, s.Groups[0].ID)
	_, calls["RoleAssignments"] = d.RoleAssignments(ctx)
	_, calls["CreateTemporaryAccessPass"] = d.CreateTemporaryAccessPass(ctx, s.Users[0].ID, graphadapter.TemporaryAccessPassRequest{})
	if c, ok := d.(graphadapter.UserCreator); ok {
		_, calls["CreateUser"] = c.CreateUser(ctx, graphadapter.NewUser{UserPrincipalName: "cancelled@" + demo.Domain, DisplayName: "Cancelled", MailNickname: "cancelled", AccountEnabled: true})
	}
	for op, err := range calls {
		assert.True(t, errors.Is(err, context.Canceled), "%s on a cancelled context: %v", op, err)
	}
	// The callback's own error comes back as it is.
	stop := errors.New("stop here")
	err := d.Users(t.Context(), func(graphadapter.User) error { return stop })
	assert.Same(t, stop, err)
	assert.False(t, strings.Contains(fmt.Sprint(err), "graphadapter"), "not wrapped")
}

// listUsers returns every user the directory lists.
func listUsers(t *testing.T, d graphadapter.Directory) []graphadapter.User {
	t.Helper()
	var out []graphadapter.User
	require.NoError(t, d.Users(t.Context(), func(u graphadapter.User) error {
		out = append(out, u)
		return nil
	}))
	return out
}

func testCreateUser(t *testing.T, open Open) {
	s := demo.Snapshot()
	d := open(t, s)
	c, ok := d.(graphadapter.UserCreator)
	if !ok {
		t.Skipf("%T is not a graphadapter.UserCreator", d)
	}
	ctx := t.Context()
	newHire := graphadapter.NewUser{
		UserPrincipalName: "ada.newhire@" + demo.Domain,
		DisplayName:       "Ada Newhire",
		MailNickname:      "ada.newhire",
		AccountEnabled:    true,
	}
	u, err := c.CreateUser(ctx, newHire)
	require.NoError(t, err)
	assert.NotEmpty(t, u.ID)
	assert.Equal(t, newHire.UserPrincipalName, u.UserPrincipalName)
	assert.Equal(t, newHire.DisplayName, u.DisplayName)
	assert.True(t, u.Enabled())
	assert.Nil(t, u.Methods)
	_, taken := s.UserByID(u.ID)
	assert.False(t, taken, "a new object id")

	// Listed once, at its id, enabled; the tenant's users stay.
	listed := listUsers(t, d)
	require.Len(t, listed, len(s.Users)+1)
	var found []graphadapter.User
	for _, l := range listed {
		if l.ID == u.ID {
			found = append(found, l)
		}
	}
	require.Len(t, found, 1, "the new user is listed once")
	assert.Equal(t, newHire.UserPrincipalName, found[0].UserPrincipalName)
	assert.Equal(t, newHire.DisplayName, found[0].DisplayName)
	require.NotNil(t, found[0].AccountEnabled)
	assert.True(t, *found[0].AccountEnabled)

	// Readable by id and by userPrincipalName (in another case): no
	// methods yet, and a pass can be created for it.
	for _, id := range []string{u.ID, strings.ToUpper(newHire.UserPrincipalName)} {
		ms, err := d.AuthenticationMethods(ctx, id)
		require.NoError(t, err, id)
		assert.NotNil(t, ms, id)
		assert.Empty(t, ms, id)
	}
	pass, err := d.CreateTemporaryAccessPass(ctx, newHire.UserPrincipalName, graphadapter.TemporaryAccessPassRequest{})
	require.NoError(t, err, "the new hire can be given a pass")
	ms, err := d.AuthenticationMethods(ctx, u.ID)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	assert.Equal(t, pass.Method.ID, ms[0].ID)
	assert.Len(t, passesOf(t, d, u.ID), 1)
	// In no group.
	for _, g := range s.Groups {
		ms, err := d.GroupMembers(ctx, g.ID)
		require.NoError(t, err)
		assert.NotContains(t, ms, u.ID, g.DisplayName)
	}

	// The same userPrincipalName again, in another case, or an existing
	// user's: ErrExists, and nothing created.
	for _, upn := range []string{newHire.UserPrincipalName, strings.ToUpper(newHire.UserPrincipalName), s.Users[0].UserPrincipalName} {
		dup := newHire
		dup.UserPrincipalName, dup.MailNickname = upn, "other"
		_, err = c.CreateUser(ctx, dup)
		assertIs(t, err, graphadapter.ErrExists, "CreateUser")
		assert.Contains(t, fmt.Sprint(err), "userPrincipalName", "the error names the member")
	}
	assert.Len(t, listUsers(t, d), len(s.Users)+1, "a refused user is not created")

	// Missing or malformed members: ErrInvalidRequest naming the member.
	for _, tc := range []struct {
		name   string
		edit   func(*graphadapter.NewUser)
		member string
	}{
		{"no userPrincipalName", func(u *graphadapter.NewUser) { u.UserPrincipalName = "" }, "userPrincipalName"},
		{"no displayName", func(u *graphadapter.NewUser) { u.DisplayName = "" }, "displayName"},
		{"no mailNickname", func(u *graphadapter.NewUser) { u.MailNickname = "" }, "mailNickname"},
		{"userPrincipalName without a domain", func(u *graphadapter.NewUser) { u.UserPrincipalName = "grace" }, "userPrincipalName"},
		{"userPrincipalName with a space", func(u *graphadapter.NewUser) { u.UserPrincipalName = "grace hopper@" + demo.Domain }, "userPrincipalName"},
		{"mailNickname with a space", func(u *graphadapter.NewUser) { u.MailNickname = "grace hopper" }, "mailNickname"},
	} {
		nu := graphadapter.NewUser{UserPrincipalName: "grace@" + demo.Domain, DisplayName: "Grace", MailNickname: "grace", AccountEnabled: true}
		tc.edit(&nu)
		_, err := c.CreateUser(ctx, nu)
		assertIs(t, err, graphadapter.ErrInvalidRequest, "CreateUser")
		assert.Contains(t, fmt.Sprint(err), tc.member, tc.name)
	}
	assert.Len(t, listUsers(t, d), len(s.Users)+1, "a refused user is not created")

	// A disabled account is listed disabled; each user gets its own id.
	off, err := c.CreateUser(ctx, graphadapter.NewUser{UserPrincipalName: "later@" + demo.Domain, DisplayName: "Starts Later", MailNickname: "later"})
	require.NoError(t, err)
	assert.NotEqual(t, u.ID, off.ID)
	assert.False(t, off.Enabled())
	for _, l := range listUsers(t, d) {
		if l.ID == off.ID {
			assert.False(t, l.Enabled(), "listed disabled")
		}
	}
}
