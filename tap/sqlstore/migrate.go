package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// Dialect names the SQL database behind a *sql.DB.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Migration is one schema step shipped with the package.
type Migration struct {
	Version int    // from the file name's numeric prefix: 0001_… is 1
	Name    string // the file name
	SQL     string
}

// Migrations returns the dialect's migrations in the order they apply.
func Migrations(d Dialect) ([]Migration, error) {
	if d != SQLite && d != Postgres {
		return nil, fmt.Errorf("tap/sqlstore: unknown dialect %q", d)
	}
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("tap/sqlstore: reading migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("tap/sqlstore: migration %s: name must start with a positive version and '_'", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("tap/sqlstore: reading migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("tap/sqlstore: migrations %s and %s share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

// migrationLockID is the PostgreSQL advisory lock key that serialises
// migrations between processes: the bytes of "keytier/tap" folded into an
// int64, fixed so every version of the package agrees.
const migrationLockID int64 = 0x6b74_7461_7001

// Migrate applies the migrations not yet recorded in tap_schema_migrations,
// in one transaction, and returns the versions it applied. Running it again
// applies nothing.
func Migrate(ctx context.Context, db *sql.DB, d Dialect) ([]int, error) {
	ms, err := Migrations(d)
	if err != nil {
		return nil, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("tap/sqlstore: migrate: %w", err)
	}
	defer tx.Rollback()
	if d == Postgres {
		// CREATE TABLE IF NOT EXISTS is not safe against a concurrent
		// creator in PostgreSQL; the transaction-scoped lock makes the
		// whole migration one process at a time.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID); err != nil {
			return nil, fmt.Errorf("tap/sqlstore: migrate: taking lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS tap_schema_migrations (
		version INTEGER NOT NULL PRIMARY KEY,
		name    TEXT    NOT NULL)`); err != nil {
		return nil, fmt.Errorf("tap/sqlstore: migrate: %w", err)
	}
	var applied []int
	for _, m := range ms {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tap_schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
			return nil, fmt.Errorf("tap/sqlstore: migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("tap/sqlstore: migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tap_schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return nil, fmt.Errorf("tap/sqlstore: recording migration %s: %w", m.Name, err)
		}
		applied = append(applied, m.Version)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("tap/sqlstore: migrate: commit: %w", err)
	}
	return applied, nil
}
