package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap"
	"github.com/keytier/keytier/tap/sqlstore"
	"github.com/keytier/keytier/tap/taptest"
)

// sqliteGroup opens n separate *sql.DB on one new database file, as n
// processes would.
func sqliteGroup(t *testing.T, n int) []*sqlstore.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tap.db")
	out := make([]*sqlstore.Store, n)
	for i := range out {
		s, err := sqlstore.OpenSQLite(context.Background(), path)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

func asStores(ss []*sqlstore.Store) []tap.Store {
	out := make([]tap.Store, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func TestSQLiteConformance(t *testing.T) {
	cfg := taptest.Config{
		New:   func(t *testing.T) tap.Store { return sqliteGroup(t, 1)[0] },
		Group: func(t *testing.T, n int) []tap.Store { return asStores(sqliteGroup(t, n)) },
	}
	taptest.RunStoreTestsWith(t, cfg)
	taptest.RunServiceTestsWith(t, cfg)
}

// postgresDSN returns the test DSN, or skips — or fails where PostgreSQL
// is required (KEYTIER_REQUIRE_POSTGRES=1, which .ci/run sets, or CI=true):
// see taptest.PostgresDSN.
func postgresDSN(t testing.TB) string {
	t.Helper()
	return taptest.PostgresDSN(t)
}

// withSearchPath points a DSN (URL or keyword/value form) at schema.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			panic(fmt.Sprintf("bad %s: %v", taptest.PostgresDSNEnv, err))
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// postgresGroup creates a fresh schema and opens n separate pools on it.
func postgresGroup(t *testing.T, n int) []*sqlstore.Store {
	t.Helper()
	dsn := postgresDSN(t)
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close() })
	schema := "tap_test_" + strings.ToLower(rand.Text()[:12])
	_, err = admin.Exec(`CREATE SCHEMA ` + schema)
	require.NoError(t, err)
	out := make([]*sqlstore.Store, n)
	for i := range out {
		s, err := sqlstore.OpenPostgres(context.Background(), withSearchPath(dsn, schema))
		require.NoError(t, err)
		out[i] = s
	}
	t.Cleanup(func() {
		for _, s := range out {
			s.Close()
		}
		_, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		assert.NoError(t, err)
	})
	return out
}

func TestPostgresConformance(t *testing.T) {
	postgresDSN(t)
	cfg := taptest.Config{
		New:   func(t *testing.T) tap.Store { return postgresGroup(t, 1)[0] },
		Group: func(t *testing.T, n int) []tap.Store { return asStores(postgresGroup(t, n)) },
	}
	taptest.RunStoreTestsWith(t, cfg)
	taptest.RunServiceTestsWith(t, cfg)
}

func TestMigrateIdempotent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		open  func(t *testing.T) *sqlstore.Store
		d     sqlstore.Dialect
		group func(t *testing.T, n int) []*sqlstore.Store
	}{
		{"sqlite", func(t *testing.T) *sqlstore.Store { return sqliteGroup(t, 1)[0] }, sqlstore.SQLite, sqliteGroup},
		{"postgres", func(t *testing.T) *sqlstore.Store { return postgresGroup(t, 1)[0] }, sqlstore.Postgres, postgresGroup},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.open(t)
			ms, err := sqlstore.Migrations(tc.d)
			require.NoError(t, err)
			require.NotEmpty(t, ms)
			// The store's own open applied everything: again applies nothing.
			applied, err := sqlstore.Migrate(context.Background(), s.DB(), tc.d)
			require.NoError(t, err)
			assert.Empty(t, applied)
			var n int
			require.NoError(t, s.DB().QueryRow(`SELECT COUNT(*) FROM tap_schema_migrations`).Scan(&n))
			assert.Equal(t, len(ms), n)

			// Several processes migrating at once must all succeed.
			stores := tc.group(t, 8)
			var wg sync.WaitGroup
			errs := make([]error, len(stores))
			for i, st := range stores {
				wg.Go(func() { _, errs[i] = sqlstore.Migrate(context.Background(), st.DB(), tc.d) })
			}
			wg.Wait()
			for _, err := range errs {
				assert.NoError(t, err)
			}
		})
	}
}

func TestMigrationsUnknownDialect(t *testing.T) {
	_, err := sqlstore.Migrations("oracle")
	assert.ErrorContains(t, err, `unknown dialect "oracle"`)
}

// dumpTables returns every cell of every table of the database as bytes.
func dumpTables(t *testing.T, db *sql.DB, d sqlstore.Dialect) [][]byte {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if d == sqlstore.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := db.Query(q)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Contains(t, tables, "tap_passes")

	var cells [][]byte
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM ` + table)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					cells = append(cells, v)
				case nil:
				default:
					cells = append(cells, fmt.Append(nil, v))
				}
			}
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return cells
}

// findCode reports which cell holds the code, as text, hex or base64.
func findCode(cells [][]byte, code string) (int, bool) {
	forms := [][]byte{[]byte(code), []byte(strings.ToLower(code)),
		[]byte(hex.EncodeToString([]byte(code))), []byte(base64.StdEncoding.EncodeToString([]byte(code)))}
	for i, c := range cells {
		for _, f := range forms {
			if bytes.Contains(c, f) || bytes.Contains(bytes.ToUpper(c), f) {
				return i, true
			}
		}
	}
	return 0, false
}

func TestNoPlaintextInDatabase(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    sqlstore.Dialect
		open func(t *testing.T) *sqlstore.Store
	}{
		{"sqlite", sqlstore.SQLite, func(t *testing.T) *sqlstore.Store { return sqliteGroup(t, 1)[0] }},
		{"postgres", sqlstore.Postgres, func(t *testing.T) *sqlstore.Store { return postgresGroup(t, 1)[0] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := tc.open(t)
			now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			svc, err := tap.New(tap.Options{Store: st, Secret: tap.NewSecret(bytes.Repeat([]byte("k"), 32)), Now: func() time.Time { return now }})
			require.NoError(t, err)
			var codes []string
			for i := range 40 {
				iss, err := svc.Issue(ctx, tap.IssueRequest{UserID: fmt.Sprintf("user%02d@example.com", i), Actor: "admin"})
				require.NoError(t, err)
				codes = append(codes, iss.Code.Reveal())
				switch i % 4 {
				case 1:
					_, err = svc.Redeem(ctx, iss.Info.Pass.UserID, iss.Code.Reveal())
					require.NoError(t, err)
				case 2:
					_, err = svc.Redeem(ctx, iss.Info.Pass.UserID, "WRONGCODE")
					require.ErrorIs(t, err, tap.ErrInvalidCode)
				case 3:
					_, err = svc.Revoke(ctx, "admin", iss.Info.Pass.UserID)
					require.NoError(t, err)
				}
			}
			cells := dumpTables(t, st.DB(), tc.d)
			for _, code := range codes {
				i, found := findCode(cells, code)
				assert.False(t, found, "a code is stored in plaintext (cell %d)", i)
			}
			// The scan must be able to see a code if one were there.
			_, err = st.DB().Exec(`CREATE TABLE tap_canary (note TEXT)`)
			require.NoError(t, err)
			_, err = st.DB().Exec(`INSERT INTO tap_canary (note) VALUES ($1)`, "leaked "+codes[0])
			require.NoError(t, err)
			_, found := findCode(dumpTables(t, st.DB(), tc.d), codes[0])
			assert.True(t, found, "the scan misses a planted code")

			if tc.d == sqlstore.SQLite {
				// Also the bytes on disk: main file and write-ahead log.
				_, err = st.DB().Exec(`DROP TABLE tap_canary`)
				require.NoError(t, err)
				_, err = st.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
				require.NoError(t, err)
				var file string
				require.NoError(t, st.DB().QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file))
				var disk [][]byte
				for _, suffix := range []string{"", "-wal"} {
					b, err := os.ReadFile(file + suffix)
					if err == nil {
						disk = append(disk, b)
					}
				}
				require.NotEmpty(t, disk)
				for _, code := range codes[1:] { // codes[0] was planted and may linger in free pages
					_, found := findCode(disk, code)
					assert.False(t, found, "a code is in the database file")
				}
			}
		})
	}
}

func TestSQLiteDSN(t *testing.T) {
	dsn := sqlstore.SQLiteDSN("/var/lib/keytier/tap.db")
	assert.True(t, strings.HasPrefix(dsn, "file:/var/lib/keytier/tap.db?"), dsn)
	for _, want := range []string{"busy_timeout", "journal_mode%28WAL%29", "_txlock=immediate"} {
		assert.Contains(t, dsn, want)
	}
}
