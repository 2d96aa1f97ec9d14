package tap_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap"
)

func TestRecoverUnknownPasskeyIssuesNothing(t *testing.T) {
	f := newFixture(t, nil)
	dir := tap.NewMemoryDirectory()
	u, err := dir.CreateUser(context.Background(), tap.User{UserPrincipalName: "a@x"})
	require.NoError(t, err)
	_, err = tap.Recover(context.Background(), f.svc, dir, tap.RecoverRequest{UserID: u.ID, LostCredentialIDs: []string{"nope"}, Actor: "h"})
	assert.ErrorContains(t, err, `no passkey "nope"`)
	_, err = f.svc.Status(context.Background(), u.ID)
	assert.ErrorIs(t, err, tap.ErrNotFound)
}

func TestRegisterNotCalledOnBadCode(t *testing.T) {
	f := newFixture(t, nil)
	dir := tap.NewMemoryDirectory()
	ob, err := tap.Onboard(context.Background(), f.svc, dir, tap.OnboardRequest{User: tap.User{UserPrincipalName: "n@x"}, Actor: "p"})
	require.NoError(t, err)
	assert.True(t, ob.Issued.Info.Pass.UsableOnce, "onboarding passes are one-time by default")
	called := false
	err = tap.Register(context.Background(), f.svc, ob.User.ID, "WRONG234", func(context.Context, tap.Info) error { called = true; return nil })
	assert.ErrorIs(t, err, tap.ErrInvalidCode)
	assert.False(t, called)
	boom := errors.New("authenticator gone")
	err = tap.Register(context.Background(), f.svc, ob.User.ID, ob.Issued.Code.Reveal(), func(context.Context, tap.Info) error { return boom })
	assert.ErrorIs(t, err, boom)
	_, err = tap.Onboard(context.Background(), f.svc, dir, tap.OnboardRequest{User: tap.User{UserPrincipalName: "n@x"}, Actor: "p"})
	assert.ErrorContains(t, err, "already exists")
}

// TestFlowsIssueOneTimeByDefault: both flows issue a one-time pass when the
// request leaves Usage at its zero value, even under a policy whose
// isUsableOnce is false (DefaultPolicy, the fixture's), and a reusable one
// only when asked.
func TestFlowsIssueOneTimeByDefault(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		usage    tap.Usage
		wantOnce bool
	}{
		{"unset", tap.UsagePolicy, true},
		{"once", tap.UsageOnce, true},
		{"reusable", tap.UsageReusable, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			require.False(t, f.svc.Policy().IsUsableOnce, "the policy allows reusable passes")
			dir := tap.NewMemoryDirectory()

			ob, err := tap.Onboard(ctx, f.svc, dir, tap.OnboardRequest{User: tap.User{UserPrincipalName: "n@x"}, Actor: "p",
				Issue: tap.IssueRequest{Usage: tc.usage}})
			require.NoError(t, err)
			assert.Equal(t, tc.wantOnce, ob.Issued.Info.Pass.UsableOnce, "Onboard")

			u, err := dir.CreateUser(ctx, tap.User{UserPrincipalName: "r@x"})
			require.NoError(t, err)
			dir.AddPasskey(u.ID, "lost")
			iss, err := tap.Recover(ctx, f.svc, dir, tap.RecoverRequest{UserID: u.ID, LostCredentialIDs: []string{"lost"}, Actor: "h",
				Issue: tap.IssueRequest{Usage: tc.usage}})
			require.NoError(t, err)
			assert.Equal(t, tc.wantOnce, iss.Info.Pass.UsableOnce, "Recover")
			stored, err := f.svc.Status(ctx, u.ID)
			require.NoError(t, err)
			assert.Equal(t, tc.wantOnce, stored.Pass.UsableOnce, "Recover, as stored")

			// What the flag promises: a one-time recovery pass works once.
			_, err = f.svc.Redeem(ctx, u.ID, iss.Code.Reveal())
			require.NoError(t, err)
			_, err = f.svc.Redeem(ctx, u.ID, iss.Code.Reveal())
			if tc.wantOnce {
				assert.ErrorIs(t, err, tap.ErrUsed)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

// groupsDown is a directory whose group lookups fail.
type groupsDown struct{ *tap.MemoryDirectory }

func (groupsDown) Groups(context.Context, string) ([]string, error) {
	return nil, errors.New("directory unreachable")
}

// TestOnboardFailsAfterCreatingUser: when the pass cannot be issued after
// the account was created, Onboard says so and returns the account, which
// Recover can then give its first pass.
func TestOnboardFailsAfterCreatingUser(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, func(o *tap.Options) {
		o.Policy = policyWith(func(p *tap.Policy) {
			p.IncludeTargets = []tap.IncludeTarget{{ID: "new-hires", TargetType: tap.TargetGroup}}
		})
	})
	dir := tap.NewMemoryDirectory()
	ob, err := tap.Onboard(ctx, f.svc, dir, tap.OnboardRequest{User: tap.User{UserPrincipalName: "n@x"}, Actor: "hr"})
	require.ErrorIs(t, err, tap.ErrDisabledByPolicy, "the new hire is in no group the policy targets")
	assert.ErrorContains(t, err, `user "user-1" was created, but no pass was issued`)
	assert.Equal(t, "user-1", ob.User.ID, "the created account is returned")
	assert.True(t, ob.Issued.Code.IsZero())
	_, err = dir.Groups(ctx, ob.User.ID)
	require.NoError(t, err, "the account exists")
	_, err = f.svc.Status(ctx, ob.User.ID)
	assert.ErrorIs(t, err, tap.ErrNotFound, "no pass")

	// The documented way on: fix the cause, then Recover issues the first pass.
	dir.AddToGroup(ob.User.ID, "new-hires")
	iss, err := tap.Recover(ctx, f.svc, dir, tap.RecoverRequest{UserID: ob.User.ID, Actor: "hr"})
	require.NoError(t, err)
	_, err = f.svc.Redeem(ctx, ob.User.ID, iss.Code.Reveal())
	assert.NoError(t, err)

	// A failing group lookup after the account was created: same shape.
	ob, err = tap.Onboard(ctx, f.svc, groupsDown{dir}, tap.OnboardRequest{User: tap.User{UserPrincipalName: "m@x"}, Actor: "hr"})
	require.ErrorContains(t, err, `user "user-2" was created, but reading its groups failed: directory unreachable`)
	assert.Equal(t, "user-2", ob.User.ID)
	assert.True(t, ob.Issued.Code.IsZero())
}
