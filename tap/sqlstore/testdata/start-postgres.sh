#!/usr/bin/env bash
# start-postgres.sh starts a throwaway PostgreSQL cluster for the tap/sqlstore
# tests and prints the DSN they read:
#
#   eval "$(tap/sqlstore/testdata/start-postgres.sh)"
#   go test ./tap/...
#
# It installs PostgreSQL with apt-get when no server binaries are found,
# initialises a cluster in a temporary directory owned by the postgres user,
# listens on 127.0.0.1 only, creates the database and prints one line:
#   export KEYTIER_TEST_POSTGRES_DSN=postgres://...
# Everything else goes to stderr. Running it again while the cluster is up
# reuses the cluster (idempotent). Any failure stops the script with a
# message and a non-zero status.
#
# Settings (environment): PGPORT_KEYTIER (default 55432),
# PGDATA_KEYTIER (default /tmp/keytier-tap-pg), PGDB_KEYTIER (default keytier_tap).
set -euo pipefail

port="${PGPORT_KEYTIER:-55432}"
data="${PGDATA_KEYTIER:-/tmp/keytier-tap-pg}"
db="${PGDB_KEYTIER:-keytier_tap}"
log="${data}.log"

die() { echo "start-postgres: $*" >&2; exit 1; }
as_postgres() {
	if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
}

[ "$(id -u)" = 0 ] || [ "$(id -un)" = postgres ] || die "run as root (or as the postgres user)"

find_bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
	done
	return 1
}

if ! bindir="$(find_bindir)"; then
	echo "start-postgres: installing postgresql with apt-get" >&2
	command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is not available"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2 || die "apt-get update failed"
	apt-get install -y postgresql >&2 || die "apt-get install postgresql failed"
	bindir="$(find_bindir)" || die "postgresql installed but no initdb/pg_ctl found under /usr/lib/postgresql"
fi
id postgres >/dev/null 2>&1 || die "no postgres user (the postgresql package creates it)"

if [ ! -f "$data/PG_VERSION" ]; then
	echo "start-postgres: initialising cluster in $data" >&2
	mkdir -p "$data" || die "cannot create $data"
	chown postgres "$data" || die "cannot chown $data to postgres"
	chmod 700 "$data"
	as_postgres "$bindir/initdb" -D "$data" -U postgres --auth=trust >&2 || die "initdb failed"
fi

if as_postgres "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
	echo "start-postgres: cluster in $data already running" >&2
else
	touch "$log" && chown postgres "$log" || die "cannot create $log"
	# Loopback only: the cluster trusts every local connection.
	as_postgres "$bindir/pg_ctl" -D "$data" -w -t 60 -l "$log" \
		-o "-c listen_addresses=127.0.0.1 -p $port -k /tmp" start >&2 ||
		{ tail -n 20 "$log" >&2 || true; die "pg_ctl start failed (log: $log)"; }
fi

psql=("$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt)
exists="$(as_postgres "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ||
	die "cannot connect to 127.0.0.1:$port"
if [ "$exists" != 1 ]; then
	as_postgres "${psql[@]}" -d postgres -c "CREATE DATABASE \"$db\"" >&2 || die "CREATE DATABASE $db failed"
fi

echo "export KEYTIER_TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:${port}/${db}?sslmode=disable"
