// Package sqlstore is a tap.Store on database/sql, tested on SQLite
// (modernc.org/sqlite, pure Go) and PostgreSQL (pgx's database/sql driver).
//
// The schema ships with the package: versioned .sql files embedded per
// dialect, applied in order by Migrate (New calls it), each at most once,
// recorded in the table tap_schema_migrations. On PostgreSQL migrations run
// under an advisory lock, so several processes may start at once.
//
// Atomicity is the database's: redeeming is one conditional UPDATE … WHERE
// use_count = 0 … RETURNING, and a failed attempt one UPDATE that counts
// and locks, so one-time passes and lockouts hold across processes sharing
// the database.
//
//	st, err := sqlstore.OpenSQLite(ctx, "/var/lib/keytier/tap.db")
//	if err != nil { … }
//	defer st.Close()
//	svc, err := tap.New(tap.Options{Store: st, Secret: tap.NewSecret(secret)})
//
// For PostgreSQL open the *sql.DB yourself (sql.Open("pgx", dsn) after
// importing github.com/jackc/pgx/v5/stdlib) or call OpenPostgres, then New.
package sqlstore
