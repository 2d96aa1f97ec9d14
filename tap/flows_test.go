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
