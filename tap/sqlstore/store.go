package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/keytier/keytier/tap"
)

// Store is a tap.Store on a SQL database. It is safe for concurrent use, and
// any number of Stores, in any number of processes, may share a database.
type Store struct {
	db      *sql.DB
	dialect Dialect
	owned   bool // Close closes db
}

var _ tap.Store = (*Store)(nil)

// New migrates db's schema (see Migrate) and returns a Store on it. The
// caller keeps ownership of db.
func New(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	if _, err := Migrate(ctx, db, d); err != nil {
		return nil, err
	}
	return &Store{db: db, dialect: d}, nil
}

// SQLiteDSN returns the modernc.org/sqlite data source name OpenSQLite uses
// for the database file at path: write-ahead logging so readers do not wait
// for the writer, a busy timeout so writers from several processes queue
// instead of failing with SQLITE_BUSY, and BEGIN IMMEDIATE transactions so a
// transaction takes the write lock before it reads (a deferred one that
// reads first cannot wait for the lock and fails instead).
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + uriPathEscaper.Replace(path) + "?" + q.Encode()
}

// uriPathEscaper escapes the characters that end or change the path of a
// SQLite URI filename (sqlite.org/uri.html): without it a path containing
// '#' or '?' opens a different, truncated file name.
var uriPathEscaper = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// OpenSQLite opens (creating if needed) the SQLite database file at path,
// migrates it and returns a Store that closes the database on Close.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	db, err := sql.Open("sqlite", SQLiteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("tap/sqlstore: opening %s: %w", path, err)
	}
	return own(ctx, db, SQLite)
}

// OpenPostgres connects to PostgreSQL with pgx, migrates and returns a Store
// that closes the connection pool on Close.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("tap/sqlstore: opening PostgreSQL: %w", err)
	}
	return own(ctx, db, Postgres)
}

func own(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	s, err := New(ctx, db, d)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// DB returns the underlying database.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database if the Store opened it (OpenSQLite,
// OpenPostgres) and does nothing otherwise.
func (s *Store) Close() error {
	if s.owned {
		return s.db.Close()
	}
	return nil
}

const columns = `id, user_id, hash, created_at, created_by, start_at, expires_at, lifetime_minutes,
	usable_once, use_count, last_used_at, failed_attempts, locked_at, revoked_at`

// micros is a time as stored: Unix microseconds, NULL for the zero time.
func micros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

type scanner interface{ Scan(dest ...any) error }

func scanPass(sc scanner) (tap.Pass, error) {
	var (
		p                                                 tap.Pass
		created, start, expires, lastUsed, locked, revoke sql.NullInt64
		once                                              int
	)
	err := sc.Scan(&p.ID, &p.UserID, &p.Hash, &created, &p.CreatedBy, &start, &expires, &p.LifetimeInMinutes,
		&once, &p.UseCount, &lastUsed, &p.FailedAttempts, &locked, &revoke)
	if err != nil {
		return tap.Pass{}, err
	}
	p.CreatedAt, p.StartAt, p.ExpiresAt = fromMicros(created), fromMicros(start), fromMicros(expires)
	p.LastUsedAt, p.LockedAt, p.RevokedAt = fromMicros(lastUsed), fromMicros(locked), fromMicros(revoke)
	p.UsableOnce = once != 0
	return p, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func notFound(what, id string) error { return fmt.Errorf("%w: %s %q", tap.ErrNotFound, what, id) }

// Put implements tap.Store: in one transaction it deletes the user's pass
// and inserts the new one.
func (s *Store) Put(ctx context.Context, p tap.Pass) (string, error) {
	if p.ID == "" || p.UserID == "" {
		return "", fmt.Errorf("%w: pass id and user id are required", tap.ErrInvalidRequest)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("tap/sqlstore: put: %w", err)
	}
	defer tx.Rollback()
	if s.dialect == Postgres {
		// Serialise Puts for the same user, so two concurrent issues
		// both see (and report) what they replace. SQLite needs no lock:
		// the transaction is BEGIN IMMEDIATE or starts with a write.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, p.UserID); err != nil {
			return "", fmt.Errorf("tap/sqlstore: put: lock: %w", err)
		}
	}
	var replaced string
	err = tx.QueryRowContext(ctx, `DELETE FROM tap_passes WHERE user_id = $1 RETURNING id`, p.UserID).Scan(&replaced)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("tap/sqlstore: put: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO tap_passes (`+columns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		p.ID, p.UserID, p.Hash, micros(p.CreatedAt), p.CreatedBy, micros(p.StartAt), micros(p.ExpiresAt),
		p.LifetimeInMinutes, boolInt(p.UsableOnce), p.UseCount, micros(p.LastUsedAt), p.FailedAttempts,
		micros(p.LockedAt), micros(p.RevokedAt))
	if err != nil {
		return "", fmt.Errorf("tap/sqlstore: put: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("tap/sqlstore: put: commit: %w", err)
	}
	return replaced, nil
}

func (s *Store) getWhere(ctx context.Context, where, what, arg string) (tap.Pass, error) {
	p, err := scanPass(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM tap_passes WHERE `+where+` = $1`, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return tap.Pass{}, notFound(what, arg)
	}
	if err != nil {
		return tap.Pass{}, fmt.Errorf("tap/sqlstore: get %s %q: %w", what, arg, err)
	}
	return p, nil
}

// Get implements tap.Store.
func (s *Store) Get(ctx context.Context, id string) (tap.Pass, error) {
	return s.getWhere(ctx, "id", "pass", id)
}

// GetByUser implements tap.Store.
func (s *Store) GetByUser(ctx context.Context, userID string) (tap.Pass, error) {
	return s.getWhere(ctx, "user_id", "user", userID)
}

// List implements tap.Store.
func (s *Store) List(ctx context.Context, q tap.Query) ([]tap.Pass, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+columns+` FROM tap_passes
		WHERE ($1 = '' OR user_id = $1) AND user_id > $2
		ORDER BY user_id, id LIMIT $3`, q.UserID, q.AfterUserID, q.EffectiveLimit())
	if err != nil {
		return nil, fmt.Errorf("tap/sqlstore: list: %w", err)
	}
	defer rows.Close()
	var out []tap.Pass
	for rows.Next() {
		p, err := scanPass(rows)
		if err != nil {
			return nil, fmt.Errorf("tap/sqlstore: list: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tap/sqlstore: list: %w", err)
	}
	return out, nil
}

// Use implements tap.Store with one conditional UPDATE: of several
// concurrent redemptions of a one-time pass, only the first to take the row
// lock finds use_count = 0; the others match no row.
func (s *Store) Use(ctx context.Context, id string, at time.Time) (tap.Pass, bool, error) {
	p, err := scanPass(s.db.QueryRowContext(ctx, `UPDATE tap_passes
		SET use_count = use_count + 1, last_used_at = $2
		WHERE id = $1 AND revoked_at IS NULL AND locked_at IS NULL
		  AND start_at <= $2 AND expires_at > $2
		  AND (usable_once = 0 OR use_count = 0)
		RETURNING `+columns, id, at.UnixMicro()))
	if err == nil {
		return p, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return tap.Pass{}, false, fmt.Errorf("tap/sqlstore: use pass %q: %w", id, err)
	}
	p, err = s.Get(ctx, id)
	return p, false, err
}

// Fail implements tap.Store with one UPDATE that counts the attempt and, at
// the limit, locks: concurrent attempts each see the count the previous one
// left, so exactly maxFailed are counted.
func (s *Store) Fail(ctx context.Context, id string, at time.Time, maxFailed int) (tap.Pass, bool, error) {
	p, err := scanPass(s.db.QueryRowContext(ctx, `UPDATE tap_passes
		SET failed_attempts = failed_attempts + 1,
		    locked_at = CASE WHEN failed_attempts + 1 >= CAST($3 AS INTEGER) THEN CAST($2 AS BIGINT) ELSE NULL END
		WHERE id = $1 AND locked_at IS NULL AND revoked_at IS NULL
		RETURNING `+columns, id, at.UnixMicro(), maxFailed))
	if err == nil {
		return p, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return tap.Pass{}, false, fmt.Errorf("tap/sqlstore: fail pass %q: %w", id, err)
	}
	p, err = s.Get(ctx, id)
	return p, false, err
}

// Revoke implements tap.Store.
func (s *Store) Revoke(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE tap_passes SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, at.UnixMicro())
	if err != nil {
		return false, fmt.Errorf("tap/sqlstore: revoke pass %q: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("tap/sqlstore: revoke pass %q: %w", id, err)
	}
	if n == 1 {
		return true, nil
	}
	if _, err := s.Get(ctx, id); err != nil {
		return false, err
	}
	return false, nil
}

// DeleteExpired implements tap.Store with one DELETE … RETURNING, which
// both SQLite (3.35 and later) and PostgreSQL run atomically: a row deleted
// by one of several concurrent purges is returned by that one only.
func (s *Store) DeleteExpired(ctx context.Context, cutoff time.Time) ([]tap.Pass, error) {
	rows, err := s.db.QueryContext(ctx, `DELETE FROM tap_passes WHERE expires_at <= $1 RETURNING `+columns, cutoff.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("tap/sqlstore: delete expired: %w", err)
	}
	defer rows.Close()
	var out []tap.Pass
	for rows.Next() {
		p, err := scanPass(rows)
		if err != nil {
			return nil, fmt.Errorf("tap/sqlstore: delete expired: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tap/sqlstore: delete expired: %w", err)
	}
	return out, nil
}
