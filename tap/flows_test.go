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
