package taptest

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// Environment variables of the PostgreSQL tests.
const (
	// PostgresDSNEnv holds the DSN of a PostgreSQL database the tests may
	// create schemas in; tap/sqlstore/testdata/start-postgres.sh prints it.
	PostgresDSNEnv = "KEYTIER_TEST_POSTGRES_DSN"
	// RequirePostgresEnv, when true ("1", "true"; see strconv.ParseBool),
	// makes a missing PostgresDSNEnv fail the tests instead of skipping
	// them. .ci/run sets it, so a CI run without PostgreSQL fails rather
	// than passing with the PostgreSQL tests skipped. When it is not set,
	// CI=true (or 1) has the same effect; "0" turns the requirement off.
	RequirePostgresEnv = "KEYTIER_REQUIRE_POSTGRES"
)

// PostgresDSN returns the DSN in PostgresDSNEnv. When it is not set the test
// is skipped with a message naming the variable — or fails, when
// postgresRequired says PostgreSQL is required.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	required, err := postgresRequired(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	dsn := os.Getenv(PostgresDSNEnv)
	switch {
	case dsn != "":
		return dsn
	case required:
		t.Fatalf("%s is not set, and PostgreSQL is required here (%s or CI is true): start it with "+
			`eval "$(bash tap/sqlstore/testdata/start-postgres.sh)"`, PostgresDSNEnv, RequirePostgresEnv)
	default:
		t.Skipf("%s is not set; run eval \"$(bash tap/sqlstore/testdata/start-postgres.sh)\" to test against PostgreSQL", PostgresDSNEnv)
	}
	return ""
}

// postgresRequired reports whether a missing DSN is a failure: what
// RequirePostgresEnv says when it is set, else whether CI is true. A
// RequirePostgresEnv that is not a boolean is an error, so a typo cannot
// turn the requirement off.
func postgresRequired(getenv func(string) string) (bool, error) {
	if v := getenv(RequirePostgresEnv); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("%s=%q: want 1 or 0 (true or false)", RequirePostgresEnv, v)
		}
		return b, nil
	}
	ci, _ := strconv.ParseBool(getenv("CI"))
	return ci, nil
}
