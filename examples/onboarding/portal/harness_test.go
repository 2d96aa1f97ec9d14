package portal_test

import (
	"bytes"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/examples/onboarding/portal"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/tap/sqlstore"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects the portal's log lines from the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is a running portal on a fresh SQLite database.
type harness struct {
	Portal *portal.Portal
	Store  *sqlstore.Store
	URL    string // http://localhost:PORT, the portal's origin
	Clock  *clock
	Log    *logBuffer
}

// start runs a portal on loopback, addressed as localhost (the RP ID), with
// the demo directory and a test clock. edit may change the options.
func start(t *testing.T, edit func(*portal.Options)) *harness {
	t.Helper()
	st, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "portal.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return startOn(t, st, edit)
}

// startOn is start on a database the test prepared.
func startOn(t *testing.T, st *sqlstore.Store, edit func(*portal.Options)) *harness {
	t.Helper()
	ctx := t.Context()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h := &harness{Store: st, Clock: newClock(), Log: &logBuffer{}}
	h.URL = "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	opts := portal.Options{
		DB:     st.DB(),
		Origin: h.URL,
		Now:    h.Clock.Now,
		Logger: slog.New(slog.NewTextHandler(h.Log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&opts)
	}
	h.Portal, err = portal.New(ctx, opts)
	require.NoError(t, err)
	require.NoError(t, h.Portal.SeedDemo(ctx))
	srv := httptest.NewUnstartedServer(h.Portal.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return h
}

// passkeyCount counts a user's stored passkeys, revoked ones included, and
// the active ones, straight from the database.
func (h *harness) passkeyCount(t *testing.T, upn string) (all, active int) {
	t.Helper()
	err := h.Store.DB().QueryRowContext(t.Context(), `
		SELECT count(*), count(*) FILTER (WHERE k.revoked_at = '')
		FROM portal_passkeys k JOIN portal_users u ON u.id = k.user_id WHERE u.upn = ?`, upn).Scan(&all, &active)
	require.NoError(t, err)
	return all, active
}

// record reads a passkey's stored record straight from the database, as
// keytier reads any stored record.
func (h *harness) record(t *testing.T, credentialID []byte) *passkey.Record {
	t.Helper()
	var js string
	require.NoError(t, h.Store.DB().QueryRowContext(t.Context(), `SELECT record FROM portal_passkeys WHERE id = ?`, credentialID).Scan(&js))
	rec, err := passkey.ParseRecord([]byte(js))
	require.NoError(t, err, "the stored record reads back")
	return rec
}
