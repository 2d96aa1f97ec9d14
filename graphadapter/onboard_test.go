package graphadapter_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/tap"
)

func newService(t *testing.T, p tap.Policy, now time.Time) *tap.Service {
	t.Helper()
	svc, err := tap.New(tap.Options{Store: tap.NewMemoryStore(), Secret: tap.NewSecret([]byte("graphadapter test secret, 32 bytes+")),
		Policy: &p, Now: func() time.Time { return now }})
	require.NoError(t, err)
	return svc
}

// TestOnboardWithTAPDirectory runs tap.Onboard over the in-memory demo
// tenant: the account is created in the directory, the new hire gets a
// one-time pass, redeems it once to register a passkey, and the policy's
// targets are decided by the groups the directory reports (none, for a new
// account), never by groups the request claims.
func TestOnboardWithTAPDirectory(t *testing.T) {
	ctx := context.Background()
	s := demo.Snapshot()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	d := memoryDir(t, s)
	td := graphadapter.NewTAPDirectory(d)
	svc := newService(t, tap.DefaultPolicy(), now) // all_users, reusable passes allowed

	upn := "ada.newhire@" + demo.Domain
	ob, err := tap.Onboard(ctx, svc, td, tap.OnboardRequest{
		User:  tap.User{ID: "ignored", UserPrincipalName: upn, DisplayName: "Ada Newhire"},
		Actor: "hr-portal",
	})
	require.NoError(t, err)
	assert.NotEqual(t, "ignored", ob.User.ID, "the directory assigns the id")
	assert.Equal(t, upn, ob.User.UserPrincipalName)

	// The account is in the directory, enabled, with its mailNickname.
	snap, err := d.Snapshot()
	require.NoError(t, err)
	u, ok := snap.UserByUPN(upn)
	require.True(t, ok, "the user exists afterwards")
	assert.Equal(t, ob.User.ID, u.ID)
	assert.Equal(t, "Ada Newhire", u.DisplayName)
	assert.True(t, u.Enabled())
	assert.Contains(t, string(u.Unknown), `"mailNickname":"ada.newhire"`)
	assert.Empty(t, snap.GroupsOf(u.ID))
	groups, err := td.Groups(ctx, upn)
	require.NoError(t, err)
	assert.Empty(t, groups)

	// A one-time pass, though the policy allows reusable ones.
	p := ob.Issued.Info.Pass
	assert.True(t, p.UsableOnce)
	assert.Equal(t, ob.User.ID, p.UserID)
	require.NoError(t, tap.Register(ctx, svc, ob.User.ID, ob.Issued.Code.Reveal(), func(context.Context, tap.Info) error { return nil }))
	_, err = svc.Redeem(ctx, ob.User.ID, ob.Issued.Code.Reveal())
	assert.ErrorIs(t, err, tap.ErrUsed, "one time only")

	// The same userPrincipalName again: ErrExists, nothing issued.
	_, err = tap.Onboard(ctx, svc, td, tap.OnboardRequest{User: tap.User{UserPrincipalName: upn, DisplayName: "Ada Again"}, Actor: "hr-portal"})
	assert.ErrorIs(t, err, graphadapter.ErrExists)
	// Missing a member Graph requires.
	_, err = tap.Onboard(ctx, svc, td, tap.OnboardRequest{User: tap.User{UserPrincipalName: "nameless@" + demo.Domain}, Actor: "hr-portal"})
	assert.ErrorIs(t, err, graphadapter.ErrInvalidRequest)
	assert.ErrorContains(t, err, "displayName")

	// A reusable pass when asked for one and the policy allows it.
	ob2, err := tap.Onboard(ctx, svc, td, tap.OnboardRequest{
		User: tap.User{UserPrincipalName: "lin.reuse@" + demo.Domain, DisplayName: "Lin Reuse"}, Actor: "hr-portal",
		Issue: tap.IssueRequest{Usage: tap.UsageReusable, LifetimeInMinutes: 120},
	})
	require.NoError(t, err)
	assert.False(t, ob2.Issued.Info.Pass.UsableOnce)
	assert.Equal(t, 120, ob2.Issued.Info.Pass.LifetimeInMinutes)
}

// TestOnboardTargets: the groups Onboard hands the policy are the ones the
// directory reports for the new account, which is in none; GroupIDs in the
// request are replaced, so claiming a group gets no pass.
func TestOnboardTargets(t *testing.T) {
	ctx := context.Background()
	s := demo.Snapshot()
	admins, breakGlass := groupID(t, s, "Admins"), groupID(t, s, "Break Glass")
	onlyAdmins := tap.DefaultPolicy()
	onlyAdmins.IncludeTargets = []tap.IncludeTarget{{ID: admins, TargetType: tap.TargetGroup}}
	notBreakGlass := tap.DefaultPolicy()
	notBreakGlass.ExcludeTargets = []tap.ExcludeTarget{{ID: breakGlass, TargetType: tap.TargetGroup}}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	for i, tc := range []struct {
		name   string
		policy tap.Policy
		claim  []string
		want   error
	}{
		{"all users", tap.DefaultPolicy(), nil, nil},
		{"not excluded", notBreakGlass, nil, nil},
		{"included group only", onlyAdmins, nil, tap.ErrDisabledByPolicy},
		{"included group claimed in the request", onlyAdmins, []string{admins}, tap.ErrDisabledByPolicy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := memoryDir(t, s)
			td := graphadapter.NewTAPDirectory(d)
			svc := newService(t, tc.policy, now)
			upn := fmt.Sprintf("hire%d@%s", i, demo.Domain)
			ob, err := tap.Onboard(ctx, svc, td, tap.OnboardRequest{
				User: tap.User{UserPrincipalName: upn, DisplayName: "New Hire"}, Actor: "hr-portal",
				Issue: tap.IssueRequest{GroupIDs: tc.claim},
			})
			// The account is created either way.
			snap, serr := d.Snapshot()
			require.NoError(t, serr)
			u, ok := snap.UserByUPN(upn)
			require.True(t, ok)
			assert.Equal(t, u.ID, ob.User.ID)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
				_, err = svc.Status(ctx, u.ID)
				assert.ErrorIs(t, err, tap.ErrNotFound, "no pass issued")
				return
			}
			require.NoError(t, err)
			assert.True(t, ob.Issued.Info.Pass.UsableOnce)
		})
	}
}

// readOnly hides the MemoryDirectory's CreateUser.
type readOnly struct{ graphadapter.Directory }

func TestTAPDirectoryCreateUserUnsupported(t *testing.T) {
	d := memoryDir(t, demo.Snapshot())
	td := graphadapter.NewTAPDirectory(readOnly{d})
	_, err := td.CreateUser(context.Background(), tap.User{UserPrincipalName: "x@" + demo.Domain, DisplayName: "X"})
	assert.True(t, errors.Is(err, errors.ErrUnsupported), "%v", err)
	assert.ErrorContains(t, err, "UserCreator")
	// The rest of the adapter still works.
	_, err = td.Groups(context.Background(), demo.GlobalAdminSyncedPasskey)
	assert.NoError(t, err)
}
