package graphadapter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/graphadaptertest"
)

// The demo tenant's capture time, the clock of these tests.
var demoNow = func() time.Time { return demo.Snapshot().CapturedAt }

func newDemoDirectory(t *testing.T) (*graphadapter.MemoryDirectory, *graphadapter.Snapshot) {
	t.Helper()
	s := demo.Snapshot()
	d, err := graphadapter.NewMemoryDirectoryWith(s, graphadapter.MemoryOptions{
		Now:  demoNow,
		Rand: bytes.NewReader(bytes.Repeat([]byte("0123456789abcdef"), 64)),
	})
	require.NoError(t, err)
	return d, s
}

func TestMemoryDirectoryReads(t *testing.T) {
	ctx := t.Context()
	d, s := newDemoDirectory(t)

	var ids []string
	require.NoError(t, d.Users(ctx, func(u graphadapter.User) error {
		assert.Nil(t, u.Methods, "Users lists users without their methods")
		want, ok := s.UserByID(u.ID)
		require.True(t, ok)
		assert.Equal(t, want.UserPrincipalName, u.UserPrincipalName)
		assert.Equal(t, want.AccountEnabled, u.AccountEnabled)
		ids = append(ids, u.ID)
		return nil
	}))
	require.Len(t, ids, len(s.Users))
	for i := range s.Users {
		assert.Equal(t, s.Users[i].ID, ids[i], "snapshot order")
	}

	u, _ := s.UserByUPN(demo.GlobalAdminSyncedPasskey)
	ms, err := d.AuthenticationMethods(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, u.Methods, ms)
	byUPN, err := d.AuthenticationMethods(ctx, strings.ToUpper(u.UserPrincipalName))
	require.NoError(t, err)
	assert.Equal(t, ms, byUPN, "a userPrincipalName works where an id does, without regard to case")

	members, err := d.GroupMembers(ctx, demo.IdentityOperatorsGroupID)
	require.NoError(t, err)
	g, _ := s.GroupByID(demo.IdentityOperatorsGroupID)
	assert.Equal(t, g.Members, members)

	ra, err := d.RoleAssignments(ctx)
	require.NoError(t, err)
	assert.Equal(t, s.RoleAssignments, ra)

	p, err := d.AuthenticationMethodsPolicy(ctx)
	require.NoError(t, err)
	assert.Equal(t, s.AuthenticationMethodsPolicy, p)
}

func TestMemoryDirectoryNotFound(t *testing.T) {
	ctx := t.Context()
	d, s := newDemoDirectory(t)
	u, _ := s.UserByUPN(demo.NewHireTAPOnly)
	tests := []struct {
		name, op, resource string
		call               func() error
	}{
		{"methods of unknown user", "AuthenticationMethods", "/users/nobody/authentication/methods", func() error {
			_, err := d.AuthenticationMethods(ctx, "nobody")
			return err
		}},
		{"members of unknown group", "GroupMembers", "/groups/" + demo.MissingGroupID + "/transitiveMembers/microsoft.graph.user", func() error {
			_, err := d.GroupMembers(ctx, demo.MissingGroupID)
			return err
		}},
		{"pass for unknown user", "CreateTemporaryAccessPass", "/users/nobody/authentication/temporaryAccessPassMethods", func() error {
			_, err := d.CreateTemporaryAccessPass(ctx, "nobody", graphadapter.TemporaryAccessPassRequest{})
			return err
		}},
		{"unknown pass", "DeleteTemporaryAccessPass", "/users/" + u.ID + "/authentication/temporaryAccessPassMethods/x", func() error {
			return d.DeleteTemporaryAccessPass(ctx, u.ID, "x")
		}},
		{"a pass deleted as a passkey", "DeleteFIDO2Method", "/users/" + u.ID + "/authentication/fido2Methods/" + u.Methods[0].ID, func() error {
			return d.DeleteFIDO2Method(ctx, u.ID, u.Methods[0].ID)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, graphadapter.ErrNotFound)
			var de *graphadapter.DirectoryError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tt.op, de.Op)
			assert.Equal(t, tt.resource, de.Resource)
			assert.Contains(t, err.Error(), tt.resource)
		})
	}
}

func TestMemoryDirectoryCancelled(t *testing.T) {
	d, s := newDemoDirectory(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := d.AuthenticationMethods(ctx, s.Users[0].ID)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, d.Users(ctx, func(graphadapter.User) error { return nil }), context.Canceled)
	assert.ErrorIs(t, d.DeleteFIDO2Method(ctx, s.Users[0].ID, "x"), context.Canceled)
}

func TestMemoryDirectoryHandsOutCopies(t *testing.T) {
	ctx := t.Context()
	d, s := newDemoDirectory(t)
	u, _ := s.UserByUPN(demo.GlobalAdminSyncedPasskey)
	ms, err := d.AuthenticationMethods(ctx, u.ID)
	require.NoError(t, err)
	want := string(ms[0].Raw)
	ms[0].Raw[0] = 'X'
	again, err := d.AuthenticationMethods(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, want, string(again[0].Raw))

	// Writes change the directory's copy, never the snapshot it came from.
	fido := u.MethodsOf(graphadapter.KindFIDO2)[0]
	require.NoError(t, d.DeleteFIDO2Method(ctx, u.ID, fido.ID))
	assert.Len(t, u.MethodsOf(graphadapter.KindFIDO2), 1)
	var others []graphadapter.Method
	for _, m := range ms {
		if m.ID != fido.ID {
			others = append(others, m)
		}
	}
	others[0].Raw[0] = '{' // undo the change above
	now, err := d.AuthenticationMethods(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, others, now, "the other methods stay, in order")
	assert.Len(t, again, len(ms), "a slice handed out before a delete does not change")
}

func TestCreateTemporaryAccessPass(t *testing.T) {
	yes, no := true, false
	now := demoNow()
	tests := []struct {
		name         string
		req          graphadapter.TemporaryAccessPassRequest
		wantErr      error
		wantLifetime int
		wantOnce     bool
		wantReason   string
	}{
		{"policy defaults", graphadapter.TemporaryAccessPassRequest{}, nil, 60, false, "EnabledByPolicy"},
		{"one day, one time", graphadapter.TemporaryAccessPassRequest{LifetimeInMinutes: 1440, IsUsableOnce: &yes}, nil, 1440, true, "EnabledByPolicy"},
		{"reusable", graphadapter.TemporaryAccessPassRequest{IsUsableOnce: &no}, nil, 60, false, "EnabledByPolicy"},
		{"starts tomorrow", graphadapter.TemporaryAccessPassRequest{StartDateTime: now.Add(24 * time.Hour)}, nil, 60, false, "NotYetValid"},
		{"shorter than the policy's minimum", graphadapter.TemporaryAccessPassRequest{LifetimeInMinutes: 59}, graphadapter.ErrInvalidRequest, 0, false, ""},
		{"longer than the policy's maximum", graphadapter.TemporaryAccessPassRequest{LifetimeInMinutes: 43201}, graphadapter.ErrInvalidRequest, 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			d, s := newDemoDirectory(t)
			u, _ := s.UserByUPN(demo.ContractorLongTAP)
			old := u.MethodsOf(graphadapter.KindTemporaryAccessPass)
			require.Len(t, old, 1)

			created, err := d.CreateTemporaryAccessPass(ctx, u.UserPrincipalName, tt.req)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				ms, _ := d.AuthenticationMethods(ctx, u.ID)
				assert.Equal(t, u.Methods, ms, "a refused request changes nothing")
				return
			}
			require.NoError(t, err)
			assert.Len(t, created.Code.Reveal(), 8, "the policy's defaultLength")
			pass, ok := created.Method.TemporaryAccessPass()
			require.True(t, ok)
			assert.Equal(t, tt.wantLifetime, pass.LifetimeInMinutes)
			assert.Equal(t, tt.wantOnce, pass.IsUsableOnce)
			assert.Equal(t, tt.wantReason, pass.MethodUsabilityReason)
			assert.NotContains(t, string(created.Method.Raw), created.Code.Reveal(), "the stored method never holds the code")

			ms, err := d.AuthenticationMethods(ctx, u.ID)
			require.NoError(t, err)
			var taps []string
			for _, m := range ms {
				if m.Kind() == graphadapter.KindTemporaryAccessPass {
					taps = append(taps, m.ID)
				}
			}
			assert.Equal(t, []string{created.Method.ID}, taps, "the new pass replaces the old one")

			snap, err := d.Snapshot()
			require.NoError(t, err)
			assert.Empty(t, snap.Warnings(), "no code was captured")

			require.NoError(t, d.DeleteTemporaryAccessPass(ctx, u.ID, created.Method.ID))
			assert.ErrorIs(t, d.DeleteTemporaryAccessPass(ctx, u.ID, created.Method.ID), graphadapter.ErrNotFound)
		})
	}
}

func TestCreateTemporaryAccessPassDisabled(t *testing.T) {
	s := demo.Snapshot()
	for i, c := range s.AuthenticationMethodsPolicy.MethodConfigurations {
		if c.ID == "TemporaryAccessPass" {
			raw := strings.Replace(string(c.Raw), `"state": "enabled"`, `"state": "disabled"`, 1)
			require.NotEqual(t, string(c.Raw), raw)
			mc, err := graphadapter.ParseMethodConfiguration([]byte(raw))
			require.NoError(t, err)
			s.AuthenticationMethodsPolicy.MethodConfigurations[i] = mc
		}
	}
	d, err := graphadapter.NewMemoryDirectory(s)
	require.NoError(t, err)
	_, err = d.CreateTemporaryAccessPass(t.Context(), demo.NewHireTAPOnly, graphadapter.TemporaryAccessPassRequest{})
	require.ErrorIs(t, err, graphadapter.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "not enabled")
}

func TestMemoryDirectoryConcurrentUse(t *testing.T) {
	ctx := t.Context()
	d, err := graphadapter.NewMemoryDirectory(demo.Snapshot())
	require.NoError(t, err)
	s := demo.Snapshot()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(s.Users); i += 4 {
				u := &s.Users[i]
				created, err := d.CreateTemporaryAccessPass(ctx, u.ID, graphadapter.TemporaryAccessPassRequest{})
				if !assert.NoError(t, err) {
					return
				}
				for _, f := range u.MethodsOf(graphadapter.KindFIDO2) {
					assert.NoError(t, d.DeleteFIDO2Method(ctx, u.ID, f.ID))
				}
				assert.NoError(t, d.DeleteTemporaryAccessPass(ctx, u.ID, created.Method.ID))
			}
		})
		wg.Go(func() {
			_ = d.Users(ctx, func(u graphadapter.User) error {
				_, err := d.AuthenticationMethods(ctx, u.ID)
				return err
			})
		})
	}
	wg.Wait()
	after, err := d.Snapshot()
	require.NoError(t, err)
	for i := range after.Users {
		for _, m := range after.Users[i].Methods {
			assert.NotEqual(t, graphadapter.KindFIDO2, m.Kind())
			assert.NotEqual(t, graphadapter.KindTemporaryAccessPass, m.Kind())
		}
	}
}

func TestPassCodeRedacts(t *testing.T) {
	c := graphadapter.NewPassCode("Secret-Code-42")
	out := fmtAll(c)
	j, err := json.Marshal(struct{ C graphadapter.PassCode }{c})
	require.NoError(t, err)
	out += string(j) + fmt.Sprint([]any{c})
	assert.NotContains(t, out, "Secret")
	assert.Contains(t, out, "[temporary access pass]")
	assert.Equal(t, "Secret-Code-42", c.Reveal())
	assert.True(t, graphadapter.PassCode{}.IsZero())
	assert.False(t, errors.Is(nil, graphadapter.ErrNotFound))
}

func TestMemoryDirectoryConformance(t *testing.T) {
	graphadaptertest.Run(t, func(t *testing.T, s *graphadapter.Snapshot) graphadapter.Directory {
		d, err := graphadapter.NewMemoryDirectory(s)
		require.NoError(t, err)
		return d
	})
}

// TestMemoryCreateUserConcurrent: creations while others list and read
// (run with -race).
func TestMemoryCreateUserConcurrent(t *testing.T) {
	s := demo.Snapshot()
	d, err := graphadapter.NewMemoryDirectory(s)
	require.NoError(t, err)
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, err := d.CreateUser(ctx, graphadapter.NewUser{UserPrincipalName: fmt.Sprintf("c%d@%s", i, demo.Domain), DisplayName: "C", MailNickname: fmt.Sprintf("c%d", i), AccountEnabled: true})
			assert.NoError(t, err)
		})
		wg.Go(func() {
			assert.NoError(t, d.Users(ctx, func(u graphadapter.User) error {
				_, err := d.AuthenticationMethods(ctx, u.ID)
				return err
			}))
			_, err := d.GroupMembers(ctx, s.Groups[0].ID)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	n := 0
	require.NoError(t, d.Users(ctx, func(graphadapter.User) error { n++; return nil }))
	assert.Equal(t, len(s.Users)+8, n)
	snap, err := d.Snapshot()
	require.NoError(t, err)
	for i := range 8 {
		u, ok := snap.UserByUPN(fmt.Sprintf("C%d@%s", i, demo.Domain))
		require.True(t, ok)
		assert.Empty(t, snap.GroupsOf(u.ID))
	}
}
