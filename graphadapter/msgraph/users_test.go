package msgraph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/graphtest"
	"github.com/keytier/keytier/graphadapter/msgraph"
	"github.com/keytier/keytier/tap"
)

// passwords is a transport that notes the password of every POST /users
// body it carries: the test's own view of the wire, to check the password
// is random and long and then that it shows up nowhere else.
type passwords struct {
	mu   sync.Mutex
	seen []string
	next http.RoundTripper
}

func (p *passwords) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/users") && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var v struct {
			PasswordProfile struct{ Password string } `json:"passwordProfile"`
		}
		if json.Unmarshal(body, &v) == nil {
			p.mu.Lock()
			p.seen = append(p.seen, v.PasswordProfile.Password)
			p.mu.Unlock()
		}
	}
	return p.next.RoundTrip(r)
}

func (p *passwords) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// TestOnboardOverGraph runs tap.Onboard against a tenant spoken to through
// the Graph SDK: graphadapter.TAPDirectory over msgraph's Directory creates
// the account with POST /users (a random password nobody sees, no forced
// change), reads its groups (none) for the TAP policy and the new hire gets
// a one-time pass.
func TestOnboardOverGraph(t *testing.T) {
	ctx := context.Background()
	s := demo.Snapshot()
	wire := &passwords{next: http.DefaultTransport}
	srv, d := serve(t, s, graphtest.Options{}, msgraph.Config{Transport: wire})
	td := graphadapter.NewTAPDirectory(d)

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
		Rand:   rand.NewChaCha8([32]byte{2}),
	})
	require.NoError(t, err)

	upn := "ada.newhire@" + demo.Domain
	ob, err := tap.Onboard(ctx, svc, td, tap.OnboardRequest{User: tap.User{UserPrincipalName: upn, DisplayName: "Ada Newhire"}, Actor: "hr-portal"})
	require.NoError(t, err)
	require.NotEmpty(t, ob.User.ID)
	assert.Equal(t, upn, ob.User.UserPrincipalName)
	assert.Equal(t, "Ada Newhire", ob.User.DisplayName)

	// The user exists in the tenant, enabled, in no group.
	snap, err := srv.Directory().Snapshot()
	require.NoError(t, err)
	u, ok := snap.UserByUPN(upn)
	require.True(t, ok, "the user exists in the tenant")
	assert.Equal(t, ob.User.ID, u.ID)
	assert.True(t, u.Enabled())
	assert.Contains(t, string(u.Unknown), `"mailNickname":"ada.newhire"`)
	groups, err := td.Groups(ctx, upn)
	require.NoError(t, err)
	assert.Empty(t, groups)

	// One-time, though the demo policy allows reusable passes.
	require.False(t, policy.IsUsableOnce)
	assert.True(t, ob.Issued.Info.Pass.UsableOnce)
	require.NoError(t, tap.Register(ctx, svc, ob.User.ID, ob.Issued.Code.Reveal(), func(context.Context, tap.Info) error { return nil }))
	_, err = svc.Redeem(ctx, ob.User.ID, ob.Issued.Code.Reveal())
	assert.ErrorIs(t, err, tap.ErrUsed)

	// The userPrincipalName again: Graph's conflict is ErrExists.
	_, dupErr := tap.Onboard(ctx, svc, td, tap.OnboardRequest{User: tap.User{UserPrincipalName: strings.ToUpper(upn), DisplayName: "Ada Again"}, Actor: "hr-portal"})
	assert.ErrorIs(t, dupErr, graphadapter.ErrExists)
	assert.ErrorContains(t, dupErr, "Another object with the same value for property userPrincipalName already exists")
	second, err := d.CreateUser(ctx, graphadapter.NewUser{UserPrincipalName: "lin@" + demo.Domain, DisplayName: "Lin", MailNickname: "lin", AccountEnabled: true})
	require.NoError(t, err)

	// What the server saw: long, every class, no forced change, each new.
	created := srv.CreatedUsers()
	require.Len(t, created, 2)
	for _, c := range created {
		assert.Equal(t, 64, c.PasswordLength)
		assert.Equal(t, 4, c.PasswordClasses)
		assert.False(t, c.ForceChangePasswordNextSignIn)
		assert.True(t, c.AccountEnabled)
		assert.False(t, c.PasswordReused)
	}
	// What went over the wire: three different passwords (the refused
	// one included), of Entra's characters.
	pws := wire.all()
	require.Len(t, pws, 3)
	assert.NotEqual(t, pws[0], pws[1])
	assert.NotEqual(t, pws[1], pws[2])
	assert.NotEqual(t, pws[0], pws[2])
	for _, pw := range pws {
		assert.Len(t, pw, 64)
		for _, r := range pw {
			assert.True(t, r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_.!#^~@%+=?", r)), "%q", r)
		}
	}
	// And nowhere else.
	shown := fmt.Sprintf("%+v %#v %v %+v %v %+v %+v", ob, ob.User, dupErr, second, created, srv.Stats(), d.RequestStats())
	for _, pw := range pws {
		assert.NotContains(t, shown, pw)
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("entropy source unplugged") }

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// TestCreateUserRandomSource: the password comes from Config.Rand; a
// source that fails or is not random stops the creation before any request.
func TestCreateUserRandomSource(t *testing.T) {
	nu := graphadapter.NewUser{UserPrincipalName: "ada@" + demo.Domain, DisplayName: "Ada", MailNickname: "ada", AccountEnabled: true}
	for _, tc := range []struct {
		name string
		r    io.Reader
		want string
	}{
		{"failing", failing{}, "entropy source unplugged"},
		{"all zeros", zeros{}, "not random"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, d := serve(t, demo.Snapshot(), graphtest.Options{}, msgraph.Config{Rand: tc.r})
			_, err := d.CreateUser(t.Context(), nu)
			var de *graphadapter.DirectoryError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "CreateUser", de.Op)
			assert.ErrorContains(t, err, tc.want)
			assert.Zero(t, srv.Stats().Routes["POST /v1.0/users"], "no request sent")
		})
	}

	// A reproducible source gives reproducible passwords: the password is
	// the reader's, not some other randomness.
	var got [2][]string
	for i := range got {
		wire := &passwords{next: http.DefaultTransport}
		_, d := serve(t, demo.Snapshot(), graphtest.Options{}, msgraph.Config{Rand: rand.NewChaCha8([32]byte{9}), Transport: wire})
		_, err := d.CreateUser(t.Context(), nu)
		require.NoError(t, err)
		got[i] = wire.all()
	}
	assert.Equal(t, got[0], got[1])
}

// TestCreateUserWithholdsPassword: even a server that quotes the request
// body in its error does not get the password into the error.
func TestCreateUserWithholdsPassword(t *testing.T) {
	var sent string
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var v struct {
			PasswordProfile struct{ Password string } `json:"passwordProfile"`
		}
		_ = json.Unmarshal(body, &v)
		sent = v.PasswordProfile.Password
		msg, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "Request_BadRequest", "message": "Cannot use " + string(body)}})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(msg)
	}))
	t.Cleanup(echo.Close)
	tok, err := msgraph.NewStaticToken(testToken, nil)
	require.NoError(t, err)
	d, err := msgraph.New(msgraph.Config{Endpoint: echo.URL, Credential: tok, RetryDelay: 1})
	require.NoError(t, err)
	_, err = d.CreateUser(t.Context(), graphadapter.NewUser{UserPrincipalName: "ada@" + demo.Domain, DisplayName: "Ada", MailNickname: "ada", AccountEnabled: true})
	require.Error(t, err)
	require.Len(t, sent, 64)
	assert.ErrorIs(t, err, graphadapter.ErrInvalidRequest)
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", err, err, err), sent)
	assert.Contains(t, err.Error(), "[password withheld]")
	assert.Contains(t, err.Error(), `"userPrincipalName":"ada@`, "the rest of the message stays")
}
