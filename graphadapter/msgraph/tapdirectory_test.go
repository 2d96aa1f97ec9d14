package msgraph_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/graphtest"
	"github.com/keytier/keytier/graphadapter/msgraph"
	"github.com/keytier/keytier/tap"
)

// TestRecoverOverGraph runs the TAP recovery flow against a tenant spoken
// to through the Graph SDK: graphadapter.TAPDirectory over msgraph's
// Directory resolves the user by userPrincipalName, reads their groups for
// the TAP policy's targets and deletes the lost passkey with a Graph
// DELETE, leaving the user's other methods alone.
func TestRecoverOverGraph(t *testing.T) {
	ctx := context.Background()
	s := demo.Snapshot()
	_, d := serve(t, s, graphtest.Options{}, msgraph.Config{})
	td := graphadapter.NewTAPDirectory(d)

	user, ok := s.UserByUPN(demo.GlobalAdminSyncedPasskey)
	require.True(t, ok)
	methods := func() (fido2, other []string) {
		ms, err := d.AuthenticationMethods(ctx, user.ID)
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
	lost, other := methods()
	require.Len(t, lost, 1)
	require.NotEmpty(t, other)

	// The groups Graph reports are the snapshot's memberships.
	groups, err := td.Groups(ctx, strings.ToUpper(user.UserPrincipalName))
	require.NoError(t, err)
	var want []string
	for _, g := range s.Groups {
		if slices.Contains(g.Members, user.ID) {
			want = append(want, g.ID)
		}
	}
	assert.ElementsMatch(t, want, groups)

	conf, ok := s.AuthenticationMethodsPolicy.MethodConfiguration("TemporaryAccessPass")
	require.True(t, ok)
	policy, err := tap.ParsePolicy(conf.Raw)
	require.NoError(t, err)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	svc, err := tap.New(tap.Options{
		Store:  tap.NewMemoryStore(),
		Secret: tap.NewSecret([]byte("test secret, 32 bytes at least!!")),
		Policy: &policy,
		Now:    func() time.Time { return now },
		Rand:   rand.NewChaCha8([32]byte{1}),
	})
	require.NoError(t, err)

	iss, err := tap.Recover(ctx, svc, td, tap.RecoverRequest{UserID: user.UserPrincipalName, LostCredentialIDs: lost, Actor: "helpdesk"})
	require.NoError(t, err)
	assert.True(t, iss.Info.Pass.UsableOnce)

	after, otherAfter := methods()
	assert.Empty(t, after, "the lost passkey is deleted in the tenant")
	assert.Equal(t, other, otherAfter, "the other methods stay")
	assert.ErrorIs(t, td.RemovePasskey(ctx, user.ID, lost[0]), graphadapter.ErrNotFound, "deleting it again")

	_, err = td.Groups(ctx, "nobody@"+demo.Domain)
	assert.ErrorIs(t, err, graphadapter.ErrNotFound, "an unknown user is an error, not an empty list")
}
