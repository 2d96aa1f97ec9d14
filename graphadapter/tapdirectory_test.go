package graphadapter_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/tap"
)

// The adapter is what tap.Recover and tap.Onboard take.
var (
	_ tap.RecoveryDirectory   = (*graphadapter.TAPDirectory)(nil)
	_ tap.OnboardingDirectory = (*graphadapter.TAPDirectory)(nil)
	_ tap.Directory           = (*graphadapter.TAPDirectory)(nil)
)

// wantGroups is the user's groups read straight from the snapshot.
func wantGroups(s *graphadapter.Snapshot, userID string) []string {
	out := []string{}
	for _, g := range s.Groups {
		if slices.Contains(g.Members, userID) {
			out = append(out, g.ID)
		}
	}
	return out
}

func memoryDir(t *testing.T, s *graphadapter.Snapshot) *graphadapter.MemoryDirectory {
	t.Helper()
	d, err := graphadapter.NewMemoryDirectory(s)
	require.NoError(t, err)
	return d
}

func TestTAPDirectoryGroups(t *testing.T) {
	ctx := context.Background()
	s := demo.Snapshot()
	td := graphadapter.NewTAPDirectory(memoryDir(t, s))
	for _, u := range s.Users {
		want := wantGroups(s, u.ID)
		got, err := td.Groups(ctx, u.ID)
		require.NoError(t, err, u.ID)
		assert.Equal(t, want, got, "by id: %s", u.UserPrincipalName)
		got, err = td.Groups(ctx, strings.ToUpper(u.UserPrincipalName))
		require.NoError(t, err, u.UserPrincipalName)
		assert.Equal(t, want, got, "by userPrincipalName, in another case: %s", u.UserPrincipalName)
	}
	// A fixed point, so the loop above cannot pass on two equal mistakes.
	var names []string
	got, err := td.Groups(ctx, demo.GlobalAdminSyncedPasskey)
	require.NoError(t, err)
	for _, id := range got {
		g, ok := s.GroupByID(id)
		require.True(t, ok)
		names = append(names, g.DisplayName)
	}
	assert.Equal(t, []string{"All Staff", "Admins", "Operations"}, names)

	_, err = td.Groups(ctx, "nobody@"+demo.Domain)
	assert.ErrorIs(t, err, graphadapter.ErrNotFound, "an unknown user is an error, not an empty list")
	var de *graphadapter.DirectoryError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, de.Error(), "nobody@")

	// A user in no group: an empty list, not an error.
	lonely := demo.Snapshot()
	id := lonely.Users[5].ID
	for i := range lonely.Groups {
		lonely.Groups[i].Members = slices.DeleteFunc(lonely.Groups[i].Members, func(m string) bool { return m == id })
	}
	got, err = graphadapter.NewTAPDirectory(memoryDir(t, lonely)).Groups(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, got)
	assert.NotNil(t, got)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = td.Groups(cctx, demo.GlobalAdminSyncedPasskey)
	assert.ErrorIs(t, err, context.Canceled)
}

// batchDir is a MemoryDirectory that also reads members in batches, as the
// Graph directory does, and counts what it was asked.
type batchDir struct {
	*graphadapter.MemoryDirectory
	batches, single int
	short           bool // answer one group too few
}

func (b *batchDir) GroupMembersBatch(ctx context.Context, ids []string) ([][]string, error) {
	b.batches++
	if len(ids) > graphadapter.BatchSize {
		return nil, errors.New("batch too large")
	}
	out := make([][]string, len(ids))
	for i, id := range ids {
		ms, err := b.MemoryDirectory.GroupMembers(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = ms
	}
	if b.short {
		out = out[:len(out)-1]
	}
	return out, nil
}

func (b *batchDir) GroupMembers(ctx context.Context, id string) ([]string, error) {
	b.single++
	return b.MemoryDirectory.GroupMembers(ctx, id)
}

func TestTAPDirectoryGroupsBatched(t *testing.T) {
	ctx := context.Background()
	s := demo.Snapshot()
	// More groups than one batch holds.
	for i := range 25 {
		s.Groups = append(s.Groups, graphadapter.Group{ID: "extra-" + string(rune('a'+i)), DisplayName: "Extra", Members: []string{s.Users[i].ID}})
	}
	bd := &batchDir{MemoryDirectory: memoryDir(t, s)}
	td := graphadapter.NewTAPDirectory(bd)
	for _, u := range s.Users[:30] {
		got, err := td.Groups(ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, wantGroups(s, u.ID), got, u.UserPrincipalName)
	}
	perCall := (len(s.Groups) + graphadapter.BatchSize - 1) / graphadapter.BatchSize
	assert.Equal(t, 30*perCall, bd.batches, "one batch per %d groups", graphadapter.BatchSize)
	assert.Zero(t, bd.single, "no group read one by one")

	bd.short = true
	_, err := td.Groups(ctx, s.Users[0].ID)
	assert.ErrorContains(t, err, "answers for")
}

func TestTAPDirectoryRemovePasskey(t *testing.T) {
	ctx := context.Background()
	d := memoryDir(t, demo.Snapshot())
	td := graphadapter.NewTAPDirectory(d)
	user := demo.GlobalAdminSyncedPasskey
	kinds := func() (fido2, other []string) {
		ms, err := d.AuthenticationMethods(ctx, user)
		require.NoError(t, err)
		for _, m := range ms {
			if m.Kind() == graphadapter.KindFIDO2 {
				fido2 = append(fido2, m.ID)
			} else {
				other = append(other, m.ID)
			}
		}
		return fido2, other
	}
	fido2, other := kinds()
	require.Len(t, fido2, 1)
	require.NotEmpty(t, other)

	require.NoError(t, td.RemovePasskey(ctx, user, fido2[0]))
	after, otherAfter := kinds()
	assert.Empty(t, after)
	assert.Equal(t, other, otherAfter, "only the passkey goes")
	assert.ErrorIs(t, td.RemovePasskey(ctx, user, fido2[0]), graphadapter.ErrNotFound, "again")
	assert.ErrorIs(t, td.RemovePasskey(ctx, user, other[0]), graphadapter.ErrNotFound, "not a passkey")
	_, otherAfter = kinds()
	assert.Equal(t, other, otherAfter)
}

// TestRecoverWithTAPDirectory runs tap.Recover over the demo tenant with
// policies that target groups, so the groups the adapter reads decide.
func TestRecoverWithTAPDirectory(t *testing.T) {
	ctx := context.Background()
	s := demo.Snapshot()
	admins, breakGlass := groupID(t, s, "Admins"), groupID(t, s, "Break Glass")
	onlyAdmins := tap.DefaultPolicy()
	onlyAdmins.IncludeTargets = []tap.IncludeTarget{{ID: admins, TargetType: tap.TargetGroup}}
	// Everyone but Break Glass: were the adapter to answer an empty list,
	// the break-glass account would get a pass.
	notBreakGlass := tap.DefaultPolicy()
	notBreakGlass.ExcludeTargets = []tap.ExcludeTarget{{ID: breakGlass, TargetType: tap.TargetGroup}}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	td := graphadapter.NewTAPDirectory(memoryDir(t, s))

	for _, tc := range []struct {
		name   string
		policy tap.Policy
		user   string
		want   error
	}{
		{"admin included", onlyAdmins, demo.GlobalAdminSyncedPasskey, nil},
		{"not in the included group", onlyAdmins, demo.NewHireTAPOnly, tap.ErrDisabledByPolicy},
		{"not excluded", notBreakGlass, demo.NewHireTAPOnly, nil},
		{"excluded", notBreakGlass, demo.BreakGlass1, tap.ErrDisabledByPolicy},
		{"unknown user", notBreakGlass, "nobody@" + demo.Domain, graphadapter.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := tap.New(tap.Options{Store: tap.NewMemoryStore(), Secret: tap.NewSecret([]byte("graphadapter test secret, 32 bytes+")),
				Policy: &tc.policy, Now: func() time.Time { return now }})
			require.NoError(t, err)
			iss, err := tap.Recover(ctx, svc, td, tap.RecoverRequest{UserID: tc.user, Actor: "helpdesk"})
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
				_, err = svc.Status(ctx, tc.user)
				assert.ErrorIs(t, err, tap.ErrNotFound, "no pass issued")
				return
			}
			require.NoError(t, err)
			assert.True(t, iss.Info.Pass.UsableOnce, "one-time by default, though the policy allows reusable passes")
		})
	}
}

func groupID(t *testing.T, s *graphadapter.Snapshot, name string) string {
	t.Helper()
	for _, g := range s.Groups {
		if g.DisplayName == name {
			return g.ID
		}
	}
	t.Fatalf("no group %q", name)
	return ""
}
