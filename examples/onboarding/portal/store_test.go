package portal

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
	"github.com/keytier/keytier/tap/sqlstore"
)

// Two sign-ins with one passkey read the same record; the one that saves
// second must not overwrite the first's counter and events.
func TestSaveRecordIsCompareAndSwap(t *testing.T) {
	ctx := t.Context()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "portal.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	id := []byte("0123456789abcdef")
	s := &store{db: db.DB(), now: func() time.Time { return now }, rand: func() ([]byte, error) { return id, nil }}
	require.NoError(t, s.migrate(ctx))
	require.NoError(t, s.ensureGroup(ctx, Group{ID: WorkforceGroupID, DisplayName: "Workforce"}))
	u, err := s.createUser(ctx, "cas@contoso.example", "CAS", []string{WorkforceGroupID})
	require.NoError(t, err)

	a, err := passkeytest.New(passkeytest.Options{})
	require.NoError(t, err)
	challenge := []byte("a registration challenge")
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: "localhost", Origin: "http://localhost:8080", Challenge: challenge, UserVerified: true, UserHandle: u.Handle})
	require.NoError(t, err)
	c, err := passkey.Verify(reg.JSON, passkey.VerifyOptions{RPID: "localhost", Origins: []string{"http://localhost:8080"}, Challenge: challenge, Algorithms: passkey.RecommendedAlgorithms()})
	require.NoError(t, err)
	rec, err := passkey.NewRecord(c, u.Handle, now)
	require.NoError(t, err)
	require.NoError(t, s.addPasskey(ctx, Passkey{ID: rec.ID, UserID: u.ID, Profile: "p", CreatedAt: now, Record: rec}))

	first, err := s.passkey(ctx, rec.ID)
	require.NoError(t, err)
	second, err := s.passkey(ctx, rec.ID)
	require.NoError(t, err)

	a1 := first.Record.Clone()
	a1.SignCount, a1.SignIns = 10, 1
	require.NoError(t, s.saveRecord(ctx, first, a1, true))
	a2 := second.Record.Clone()
	a2.SignCount, a2.SignIns = 9, 1
	assert.ErrorIs(t, s.saveRecord(ctx, second, a2, true), errRecordChanged)

	got, err := s.passkey(ctx, rec.ID)
	require.NoError(t, err)
	assert.Equal(t, uint32(10), got.Record.SignCount, "the first save stands")
	assert.Equal(t, now, got.LastUsedAt)

	// A record for another credential is never written to this row.
	other := got.Record.Clone()
	other.ID = passkey.Bytes("another credential")
	assert.Error(t, s.saveRecord(ctx, got, other, true))
}
