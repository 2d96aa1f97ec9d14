package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap"
	"github.com/keytier/keytier/tap/sqlstore"
	"github.com/keytier/keytier/tap/taptest"
)

// testTapKey is the server secret the CLI tests use.
var testTapKey = bytes.Repeat([]byte{0x5a}, 32)

// withTapSecret sets KEYTIER_TAP_SECRET for the test and clears the file
// variant.
func withTapSecret(t *testing.T) {
	t.Helper()
	t.Setenv(envTapSecret, base64.StdEncoding.EncodeToString(testTapKey))
	t.Setenv(envTapSecretFile, "")
}

// tapResult is one CLI run.
type tapResult struct {
	code        int
	out, errOut string
}

func tapRun(t *testing.T, stdin string, args ...string) tapResult {
	t.Helper()
	code, out, errOut := runCLI(t, stdin, append([]string{"tap"}, args...)...)
	return tapResult{code, out, errOut}
}

type issuedOut struct {
	User      string    `json:"user"`
	Code      string    `json:"code"`
	StartsAt  time.Time `json:"startsAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	OneTime   bool      `json:"oneTime"`
}

// decodeStrict decodes exactly one JSON value with no unknown members.
func decodeStrict(t *testing.T, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), "output: %s", s)
	require.False(t, dec.More(), "more than one JSON value: %s", s)
}

func issueJSON(t *testing.T, db, user string, extra ...string) issuedOut {
	t.Helper()
	r := tapRun(t, "", append([]string{"issue", "--db", db, "--user", user, "--json"}, extra...)...)
	require.Equal(t, exitOK, r.code, r.errOut)
	var iss issuedOut
	decodeStrict(t, r.out, &iss)
	return iss
}

type failOut struct {
	OK      bool   `json:"ok"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func tempDB(t *testing.T) string { return filepath.Join(t.TempDir(), "tap.db") }

func TestTapHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		r := tapRun(t, "", args...)
		require.Equal(t, exitOK, r.code)
		for _, want := range []string{envTapSecret, envTapSecretFile, "openssl rand -base64 32", "at least 32",
			"issue", "redeem", "revoke", "status", "list", "purge", "--db", "keytier.db"} {
			assert.Contains(t, r.out, want)
		}
	}
	r := tapRun(t, "", "issue", "-h")
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.errOut, "-lifetime")
	assert.Contains(t, r.errOut, envTapSecret)

	r = tapRun(t, "")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "usage:")
	r = tapRun(t, "", "renew")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, `unknown subcommand "renew"`)
}

func TestTapNoSecret(t *testing.T) {
	t.Setenv(envTapSecret, "")
	t.Setenv(envTapSecretFile, "")
	db := tempDB(t)
	for _, args := range [][]string{
		{"issue", "--user", "alice"}, {"redeem", "--user", "alice", "--code", "23456789"},
		{"revoke", "--user", "alice"}, {"status", "--user", "alice"}, {"list"}, {"purge"},
	} {
		t.Run(args[0], func(t *testing.T) {
			r := tapRun(t, "", append(args, "--db", db)...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.errOut, "no server secret")
			assert.Contains(t, r.errOut, envTapSecret+`="$(openssl rand -base64 32)"`)
			assert.Contains(t, r.errOut, envTapSecretFile)
			assert.Empty(t, r.out)
			_, err := os.Stat(db)
			assert.ErrorIs(t, err, os.ErrNotExist, "nothing is opened without a secret")
		})
	}
}

func TestTapSecretSources(t *testing.T) {
	db := tempDB(t)
	dir := t.TempDir()
	good := base64.StdEncoding.EncodeToString(testTapKey)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	short := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 31))
	notB64 := "this is not base64 but it is a secret!!"
	for _, tc := range []struct {
		name, value, file string
		code              int
		want              string
	}{
		{"value", good, "", exitOK, ""},
		{"value url alphabet unpadded", base64.RawURLEncoding.EncodeToString(testTapKey), "", exitOK, ""},
		{"file", "", write("secret", good+"\n"), exitOK, ""},
		{"short value", short, "", exitUsage, "decodes to 31 bytes, want at least 32"},
		{"short file", "", write("short", short), exitUsage, "decodes to 31 bytes"},
		{"not base64", notB64, "", exitUsage, envTapSecret + " is not base64"},
		{"both", good, write("both", good), exitUsage, "set only one"},
		{"missing file", "", filepath.Join(dir, "absent"), exitUsage, "no such file"},
		{"huge file", "", write("huge", strings.Repeat("A", maxSecretFile+4)), exitUsage, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envTapSecret, tc.value)
			t.Setenv(envTapSecretFile, tc.file)
			r := tapRun(t, "", "issue", "--db", db, "--user", "alice", "--json")
			require.Equal(t, tc.code, r.code, r.errOut)
			assert.Contains(t, r.errOut, tc.want)
			if tc.value != "" && tc.code != exitOK {
				assert.NotContains(t, r.errOut, tc.value, "the secret is repeated")
				assert.NotContains(t, r.errOut, "not base64 but", "the secret is repeated")
			}
		})
	}
	// A pass issued under one secret does not redeem under another.
	withTapSecret(t)
	iss := issueJSON(t, db, "bob")
	t.Setenv(envTapSecret, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x33}, 32)))
	r := tapRun(t, iss.Code, "redeem", "--db", db, "--user", "bob")
	assert.Equal(t, exitFail, r.code)
	assert.Contains(t, r.errOut, "keytier tap redeem: invalid:")
}

func TestTapIssue(t *testing.T) {
	withTapSecret(t)
	db := tempDB(t)
	before := time.Now().Add(-time.Second)
	iss := issueJSON(t, db, "alice@example.com")
	assert.Equal(t, "alice@example.com", iss.User)
	assert.True(t, iss.OneTime, "one-time by default")
	assert.Len(t, iss.Code, 8)
	for _, c := range iss.Code {
		assert.Contains(t, tap.Alphabet, string(c))
	}
	assert.WithinRange(t, iss.StartsAt, before, time.Now().Add(time.Second))
	assert.Equal(t, time.Hour, iss.ExpiresAt.Sub(iss.StartsAt), "the policy's default lifetime")

	start := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	iss = issueJSON(t, db, "bob", "--lifetime", "3h", "--start", start.Format(time.RFC3339), "--once")
	assert.True(t, iss.StartsAt.Equal(start), "%s != %s", iss.StartsAt, start)
	assert.Equal(t, 3*time.Hour, iss.ExpiresAt.Sub(iss.StartsAt))
	assert.True(t, iss.OneTime)

	// Issuing again replaces the pass, and says so.
	r := tapRun(t, "", "issue", "bob", "--db", db, "--user", "bob")
	assert.Equal(t, exitUsage, r.code, "a positional argument is refused")
	r = tapRun(t, "", "issue", "--db", db, "--user", "bob")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.errOut, "replaced the previous pass")
	assert.Contains(t, r.out, "Temporary Access Pass for bob")
	assert.Contains(t, r.out, "one-time: yes")
	assert.Contains(t, r.out, "cannot be shown again")

	// Reusable passes need a policy that allows them.
	r = tapRun(t, "", "issue", "--db", db, "--user", "carol", "--multi")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "isUsableOnce")
	assert.Contains(t, r.errOut, "--policy")
	pol := filepath.Join(t.TempDir(), "policy.json")
	require.NoError(t, os.WriteFile(pol, []byte(`{"state":"enabled","isUsableOnce":false,
		"defaultLifetimeInMinutes":30,"minimumLifetimeInMinutes":10,"maximumLifetimeInMinutes":120,"defaultLength":12,
		"includeTargets":[{"id":"all_users","targetType":"group"}]}`), 0o600))
	iss = issueJSON(t, db, "carol", "--policy", pol)
	assert.False(t, iss.OneTime, "the policy's isUsableOnce false makes reusable passes the default")
	assert.Len(t, iss.Code, 12, "the policy's defaultLength")
	assert.Equal(t, 30*time.Minute, iss.ExpiresAt.Sub(iss.StartsAt))
	iss = issueJSON(t, db, "carol", "--policy", pol, "--once")
	assert.True(t, iss.OneTime)
	iss = issueJSON(t, db, "carol", "--policy", pol, "--multi")
	assert.False(t, iss.OneTime)
	for range 3 {
		r = tapRun(t, iss.Code, "redeem", "--db", db, "--user", "carol", "--policy", pol)
		require.Equal(t, exitOK, r.code, r.errOut)
	}
	assert.Contains(t, r.out, "use 3")
}

func TestTapUsageErrors(t *testing.T) {
	withTapSecret(t)
	db := tempDB(t)
	badPolicy := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(badPolicy, []byte(`{"defaultLength":7}`), 0o600))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"issue"}, "--user is required"},
		{[]string{"redeem", "--code", "23456789"}, "--user is required"},
		{[]string{"revoke"}, "--user is required"},
		{[]string{"status"}, "--user is required"},
		{[]string{"issue", "--user", "a", "--once", "--multi"}, "not both"},
		{[]string{"issue", "--user", "a", "--lifetime", "90s"}, "whole number of minutes"},
		{[]string{"issue", "--user", "a", "--lifetime", "-1h"}, "whole number of minutes"},
		{[]string{"issue", "--user", "a", "--lifetime", "forever"}, "invalid value"},
		{[]string{"issue", "--user", "a", "--lifetime", "9h"}, "lifetimeInMinutes: 540 is outside the policy's 60–480"},
		{[]string{"issue", "--user", "a", "--start", "tomorrow"}, "--start: want RFC 3339"},
		{[]string{"issue", "--user", "a", "--start", "2020-01-01T00:00:00Z"}, "startDateTime"},
		{[]string{"issue", "--user", "a", "--policy", badPolicy}, "--policy: tap: invalid policy: defaultLength"},
		{[]string{"issue", "--user", "a", "--policy", filepath.Join(t.TempDir(), "absent.json")}, "no such file"},
		{[]string{"issue", "--user", "a", "--db", ""}, "--db must not be empty"},
		{[]string{"list", "extra"}, `unexpected argument "extra"`},
		{[]string{"purge", "--user", "a"}, "flag provided but not defined: -user"},
		{[]string{"redeem", "--user", "a"}, "no code on standard input"},
		{[]string{"redeem", "--user", strings.Repeat("u", 257), "--code", "23456789"}, "--user is 257 bytes, more than 256"},
		{[]string{"revoke", "--user", "a", "--actor", strings.Repeat("a", 257)}, "--actor is 257 bytes"},
		{[]string{"redeem", "--user", "a", "--code", ""}, "--code is empty"},
		{[]string{"redeem", "--user", "a", "--code", " \t"}, "--code is empty"},
		{[]string{"redeem", "--user", "a", "--code", "23456789", "--max-failed-attempts", "0"}, "--max-failed-attempts is 0, want 1–100"},
		{[]string{"redeem", "--user", "a", "--code", "23456789", "--max-failed-attempts", "101"}, "--max-failed-attempts is 101"},
		{[]string{"redeem", "--user", "a", "--code", "23456789", "--max-failed-attempts", "many"}, "invalid value"},
		{[]string{"issue", "--user", "a", "--max-failed-attempts", "3"}, "flag provided but not defined: -max-failed-attempts"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := append([]string{}, tc.args...)
			if !strings.Contains(strings.Join(args, " "), "--db") {
				args = append(args, "--db", db)
			}
			r := tapRun(t, "", args...)
			assert.Equal(t, exitUsage, r.code, r.errOut)
			assert.Contains(t, r.errOut, tc.want)
			assert.Empty(t, r.out)

			// With --json, wherever it stands, the same error is also one
			// JSON value on stdout.
			first := append([]string{args[0], "--json"}, args[1:]...)
			for _, withJSON := range [][]string{first, append(args, "-json=true")} {
				r = tapRun(t, "", withJSON...)
				assert.Equal(t, exitUsage, r.code, r.errOut)
				assert.Contains(t, r.errOut, tc.want)
				var f failOut
				decodeStrict(t, r.out, &f)
				assert.Equal(t, failOut{OK: false, Reason: "usage", Message: f.Message}, f)
				assert.Contains(t, f.Message, tc.want)
			}
		})
	}
}

func TestTapJSONOtherUsageErrors(t *testing.T) {
	t.Setenv(envTapSecret, "")
	t.Setenv(envTapSecretFile, "")
	db := tempDB(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"renew", "--json"}, `unknown subcommand "renew"`},
		{[]string{"status", "--user", "a", "--db", db, "--json"}, "no server secret"},
	} {
		r := tapRun(t, "", tc.args...)
		assert.Equal(t, exitUsage, r.code)
		var f failOut
		decodeStrict(t, r.out, &f)
		assert.Equal(t, "usage", f.Reason)
		assert.Contains(t, f.Message, tc.want)
		assert.False(t, f.OK)
	}
	// --json=false and no --json: nothing on stdout.
	for _, args := range [][]string{{"renew", "--json=false"}, {"status", "--user", "a", "--db", db, "--json=false"}} {
		r := tapRun(t, "", args...)
		assert.Equal(t, exitUsage, r.code)
		assert.Empty(t, r.out)
	}
}

func TestJSONRequested(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"--json"}, true},
		{[]string{"-json"}, true},
		{[]string{"--user", "a", "--json=true"}, true},
		{[]string{"--json=1"}, true},
		{[]string{"--json", "--json=false"}, false},
		{[]string{"--json=maybe"}, false},
		{[]string{"--", "--json"}, false},
		{[]string{"--jsonish"}, false},
		{[]string{"json"}, false},
	} {
		assert.Equal(t, tc.want, jsonRequested(tc.args), "%q", tc.args)
	}
}

// failedAttempts reads the user's failed-attempt count through the CLI.
func failedAttempts(t *testing.T, db, user string) int {
	t.Helper()
	r := tapRun(t, "", "status", "--db", db, "--user", user, "--json")
	require.Equal(t, exitOK, r.code, r.errOut)
	var info tap.Info
	decodeStrict(t, r.out, &info)
	return info.Pass.FailedAttempts
}

// TestTapRedeemEmptyCode: an empty --code is a usage error that uses up no
// attempt; the control shows a wrong code does use one, so the count is
// what the check reads.
func TestTapRedeemEmptyCode(t *testing.T) {
	withTapSecret(t)
	db := tempDB(t)
	code := issueJSON(t, db, "alice").Code
	for _, empty := range []string{"", "   "} {
		r := tapRun(t, "", "redeem", "--db", db, "--user", "alice", "--code", empty)
		assert.Equal(t, exitUsage, r.code, r.errOut)
		assert.Contains(t, r.errOut, "--code is empty")
	}
	assert.Zero(t, failedAttempts(t, db, "alice"), "an empty --code counts no attempt")
	r := tapRun(t, "", "redeem", "--db", db, "--user", "alice", "--code", otherCode(code))
	assert.Equal(t, exitFail, r.code)
	assert.Equal(t, 1, failedAttempts(t, db, "alice"), "the control: a wrong code counts")
}

func TestTapMaxFailedAttempts(t *testing.T) {
	withTapSecret(t)
	db := tempDB(t)
	redeem := func(user, code string, extra ...string) failOut {
		t.Helper()
		r := tapRun(t, "", append([]string{"redeem", "--db", db, "--user", user, "--code", code, "--json"}, extra...)...)
		require.Equal(t, exitFail, r.code, r.errOut)
		var f failOut
		decodeStrict(t, r.out, &f)
		return f
	}
	// The default: 5 wrong codes lock.
	code := issueJSON(t, db, "alice").Code
	for i := 1; i < tap.DefaultMaxFailedAttempts; i++ {
		assert.Equal(t, "invalid", redeem("alice", otherCode(code)).Reason, "attempt %d", i)
	}
	assert.Equal(t, "locked", redeem("alice", otherCode(code)).Reason, "attempt 5 locks")
	assert.Equal(t, "locked", redeem("alice", code).Reason)

	// --max-failed-attempts 2: the second wrong code locks.
	code = issueJSON(t, db, "bob").Code
	assert.Equal(t, "invalid", redeem("bob", otherCode(code), "--max-failed-attempts", "2").Reason)
	f := redeem("bob", otherCode(code), "--max-failed-attempts", "2")
	assert.Equal(t, "locked", f.Reason)
	assert.Contains(t, f.Message, "attempt 2 of 2")
	assert.Equal(t, "locked", redeem("bob", code).Reason, "a locked pass stays locked")
}

// issueAt issues a pass into db through the library with a clock set to at,
// as the CLI would have at that moment.
func issueAt(t *testing.T, db, user string, at time.Time) string {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, db)
	require.NoError(t, err)
	defer st.Close()
	p := cliPolicy()
	svc, err := tap.New(tap.Options{Store: st, Secret: tap.NewSecret(testTapKey), Policy: &p, Now: func() time.Time { return at }})
	require.NoError(t, err)
	iss, err := svc.Issue(ctx, tap.IssueRequest{UserID: user, Actor: "test"})
	require.NoError(t, err)
	return iss.Code.Reveal()
}

// otherCode returns a well-formed code different from code.
func otherCode(code string) string {
	b := []byte(code)
	i := strings.IndexByte(tap.Alphabet, b[0])
	b[0] = tap.Alphabet[(i+1)%len(tap.Alphabet)]
	return string(b)
}

func TestTapRedeemReasons(t *testing.T) {
	withTapSecret(t)
	type setup func(t *testing.T, db string) (user, code string)
	issueFresh := func(t *testing.T, db, user string, extra ...string) string {
		return issueJSON(t, db, user, extra...).Code
	}
	for _, tc := range []struct {
		reason string
		setup  setup
	}{
		{"used", func(t *testing.T, db string) (string, string) {
			c := issueFresh(t, db, "u")
			require.Equal(t, exitOK, tapRun(t, c, "redeem", "--db", db, "--user", "u").code)
			return "u", c
		}},
		{"expired", func(t *testing.T, db string) (string, string) {
			return "u", issueAt(t, db, "u", time.Now().Add(-2*time.Hour))
		}},
		{"revoked", func(t *testing.T, db string) (string, string) {
			c := issueFresh(t, db, "u")
			require.Equal(t, exitOK, tapRun(t, "", "revoke", "--db", db, "--user", "u").code)
			return "u", c
		}},
		{"locked", func(t *testing.T, db string) (string, string) {
			c := issueFresh(t, db, "u")
			for i := range tap.DefaultMaxFailedAttempts - 1 {
				r := tapRun(t, otherCode(c), "redeem", "--db", db, "--user", "u")
				require.Equal(t, exitFail, r.code)
				require.Contains(t, r.errOut, "keytier tap redeem: invalid:", "attempt %d", i+1)
			}
			return "u", otherCode(c) // the attempt that locks
		}},
		{"locked", func(t *testing.T, db string) (string, string) {
			c := issueFresh(t, db, "u")
			for range tap.DefaultMaxFailedAttempts {
				tapRun(t, otherCode(c), "redeem", "--db", db, "--user", "u")
			}
			return "u", c // the right code, after the lock
		}},
		{"invalid", func(t *testing.T, db string) (string, string) {
			return "u", otherCode(issueFresh(t, db, "u"))
		}},
		{"invalid", func(t *testing.T, db string) (string, string) {
			issueFresh(t, db, "u")
			return "u", "not a code!"
		}},
		{"invalid", func(t *testing.T, db string) (string, string) {
			c := issueFresh(t, db, "u")
			return "nobody", c // a user without a pass
		}},
		{"notYetValid", func(t *testing.T, db string) (string, string) {
			return "u", issueFresh(t, db, "u", "--start", time.Now().Add(time.Hour).Format(time.RFC3339))
		}},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			for _, asJSON := range []bool{false, true} {
				db := tempDB(t)
				user, code := tc.setup(t, db)
				args := []string{"redeem", "--db", db, "--user", user}
				if asJSON {
					args = append(args, "--json")
				}
				r := tapRun(t, code+"\n", args...)
				assert.Equal(t, exitFail, r.code)
				assert.True(t, strings.HasPrefix(r.errOut, "keytier tap redeem: "+tc.reason+": "), r.errOut)
				assert.NotContains(t, r.errOut, code)
				assert.NotContains(t, r.out, code)
				if asJSON {
					var f failOut
					decodeStrict(t, r.out, &f)
					assert.False(t, f.OK)
					assert.Equal(t, tc.reason, f.Reason)
					assert.NotEmpty(t, f.Message)
				} else {
					assert.Empty(t, r.out)
				}
			}
		})
	}
}

func TestTapRedeemSuccess(t *testing.T) {
	withTapSecret(t)
	db := tempDB(t)
	// From standard input, grouped and in lower case as a person types it.
	c := issueJSON(t, db, "alice").Code
	r := tapRun(t, strings.ToLower(c[:4]+"-"+c[4:])+"\r\n", "redeem", "--db", db, "--user", "alice")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.out, "one-time pass of alice redeemed")
	assert.Empty(t, r.errOut)

	// From --code, with JSON.
	c = issueJSON(t, db, "bob").Code
	r = tapRun(t, "", "redeem", "--db", db, "--user", "bob", "--code", c, "--json")
	require.Equal(t, exitOK, r.code, r.errOut)
	var ok struct {
		OK        bool      `json:"ok"`
		User      string    `json:"user"`
		PassID    string    `json:"passId"`
		OneTime   bool      `json:"oneTime"`
		UseCount  int       `json:"useCount"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	decodeStrict(t, r.out, &ok)
	assert.True(t, ok.OK)
	assert.Equal(t, "bob", ok.User)
	assert.Equal(t, 1, ok.UseCount)
	assert.True(t, ok.OneTime)
	assert.NotContains(t, r.out, c)
}

func TestTapStatusListRevokePurge(t *testing.T) {
	withTapSecret(t)
	db := tempDB(t)
	r := tapRun(t, "", "list", "--db", db)
	assert.Equal(t, exitFail, r.code, "no database yet")
	assert.Contains(t, r.errOut, "no database at "+db)
	_, err := os.Stat(db)
	assert.ErrorIs(t, err, os.ErrNotExist, "list does not create the database")

	alice := issueJSON(t, db, "alice").Code
	issueJSON(t, db, "bob")
	issueAt(t, db, "old", time.Now().Add(-3*time.Hour))
	require.Equal(t, exitOK, tapRun(t, alice, "redeem", "--db", db, "--user", "alice").code)

	r = tapRun(t, "", "status", "--db", db, "--user", "alice")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Regexp(t, `status:\s+used \(not usable\)`, r.out)
	assert.Regexp(t, `uses:\s+1 \(last `, r.out)
	r = tapRun(t, "", "status", "--db", db, "--user", "bob", "--json")
	require.Equal(t, exitOK, r.code, r.errOut)
	var info tap.Info
	decodeStrict(t, r.out, &info)
	assert.Equal(t, tap.StatusActive, info.Status)
	assert.True(t, info.IsUsable)
	assert.Equal(t, "EnabledByPolicy", info.MethodUsabilityReason)
	assert.Nil(t, info.Pass.Hash)
	assert.NotContains(t, r.out, "hash")

	r = tapRun(t, "", "status", "--db", db, "--user", "nobody", "--json")
	assert.Equal(t, exitFail, r.code)
	var f failOut
	decodeStrict(t, r.out, &f)
	assert.Equal(t, "notFound", f.Reason)
	assert.Contains(t, r.errOut, "keytier tap status: notFound:")

	r = tapRun(t, "", "list", "--db", db)
	require.Equal(t, exitOK, r.code, r.errOut)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	require.Len(t, lines, 4, r.out)
	assert.Regexp(t, `^USER\s+STATUS`, lines[0])
	assert.Regexp(t, `^alice\s+used\s+yes`, lines[1])
	assert.Regexp(t, `^bob\s+active\s+yes`, lines[2])
	assert.Regexp(t, `^old\s+expired\s+yes`, lines[3])
	r = tapRun(t, "", "list", "--db", db, "--json", "--user", "bob")
	require.Equal(t, exitOK, r.code, r.errOut)
	var infos []tap.Info
	decodeStrict(t, r.out, &infos)
	require.Len(t, infos, 1)
	assert.Equal(t, "bob", infos[0].Pass.UserID)

	r = tapRun(t, "", "revoke", "--db", db, "--user", "bob", "--actor", "helpdesk")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.out, "revoked pass "+infos[0].Pass.ID+" of bob")
	r = tapRun(t, "", "revoke", "--db", db, "--user", "bob", "--json")
	require.Equal(t, exitOK, r.code, r.errOut)
	var rv struct {
		OK             bool `json:"ok"`
		AlreadyRevoked bool `json:"alreadyRevoked"`
		tap.Info
	}
	require.NoError(t, json.Unmarshal([]byte(r.out), &rv))
	assert.True(t, rv.AlreadyRevoked)
	assert.Equal(t, tap.StatusRevoked, rv.Status)
	r = tapRun(t, "", "revoke", "--db", db, "--user", "nobody")
	assert.Equal(t, exitFail, r.code)
	assert.Contains(t, r.errOut, "keytier tap revoke: notFound:")

	issueAt(t, db, "older", time.Now().Add(-4*time.Hour))
	r = tapRun(t, "", "status", "--db", db, "--user", "old", "--json")
	require.Equal(t, exitOK, r.code, r.errOut)
	decodeStrict(t, r.out, &info)
	oldID := info.Pass.ID
	r = tapRun(t, "", "purge", "--db", db, "--json")
	require.Equal(t, exitOK, r.code, r.errOut)
	type purged struct {
		User   string     `json:"user"`
		PassID string     `json:"passId"`
		Status tap.Status `json:"status"`
	}
	var pj struct {
		OK      bool     `json:"ok"`
		Deleted int      `json:"deleted"`
		Passes  []purged `json:"passes"`
	}
	decodeStrict(t, r.out, &pj)
	assert.Equal(t, 2, pj.Deleted)
	require.Len(t, pj.Passes, 2)
	assert.Equal(t, purged{"old", oldID, tap.StatusExpired}, pj.Passes[0], "whose passes were deleted")
	assert.Equal(t, "older", pj.Passes[1].User)
	issueAt(t, db, "old", time.Now().Add(-3*time.Hour))
	r = tapRun(t, "", "status", "--db", db, "--user", "old", "--json")
	require.Equal(t, exitOK, r.code, r.errOut)
	decodeStrict(t, r.out, &info)
	r = tapRun(t, "", "purge", "--db", db)
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Regexp(t, `^deleted 1 expired pass\n  old  `+info.Pass.ID+`  expired\n$`, r.out)
	r = tapRun(t, "", "purge", "--db", db, "--json")
	require.Equal(t, exitOK, r.code, r.errOut)
	decodeStrict(t, r.out, &pj)
	assert.Equal(t, 0, pj.Deleted)
	assert.NotNil(t, pj.Passes, "an empty list, not null")
	assert.Empty(t, pj.Passes)
	r = tapRun(t, "", "list", "--db", db, "--json")
	require.Equal(t, exitOK, r.code)
	decodeStrict(t, r.out, &infos)
	assert.Len(t, infos, 2, "the expired pass is gone, the others stay")
}

func TestTapDefaultDatabase(t *testing.T) {
	withTapSecret(t)
	dir := t.TempDir()
	t.Chdir(dir)
	issueJSON(t, "keytier.db", "alice")
	r := tapRun(t, "", "status", "--user", "alice")
	require.Equal(t, exitOK, r.code, r.errOut)
	_, err := os.Stat(filepath.Join(dir, "keytier.db"))
	assert.NoError(t, err)
}

// TestTapCodeOnlyOnIssueStdout runs every subcommand, in text and JSON, and
// checks that the code appears in the issuing command's standard output and
// nowhere else: not in any other output, and not in the --audit file, which
// holds one event for each state change and refusal.
func TestTapCodeOnlyOnIssueStdout(t *testing.T) {
	withTapSecret(t)
	db := tempDB(t)
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	var outputs, codes []string
	record := func(r tapResult) { outputs = append(outputs, r.out, r.errOut) }
	tapRun := func(t *testing.T, stdin string, args ...string) tapResult {
		t.Helper()
		return tapRun(t, stdin, append(args, "--audit", auditPath, "--actor", "helpdesk-7")...)
	}
	for _, asJSON := range []string{"--json=false", "--json"} {
		r := tapRun(t, "", "issue", "--db", db, "--user", "alice", asJSON)
		require.Equal(t, exitOK, r.code)
		var code string
		if asJSON == "--json" {
			var iss issuedOut
			decodeStrict(t, r.out, &iss)
			code = iss.Code
		} else {
			_, rest, ok := strings.Cut(r.out, "code:")
			require.True(t, ok, r.out)
			code = strings.Fields(rest)[0]
		}
		require.Len(t, code, 8)
		codes = append(codes, code)
		assert.Equal(t, 1, strings.Count(r.out, code), "printed exactly once")
		assert.NotContains(t, r.errOut, code)
		outputs = outputs[:0]
		// A wrong code, the right one, again (used), and every other command.
		record(tapRun(t, otherCode(code), "redeem", "--db", db, "--user", "alice", asJSON))
		record(tapRun(t, code, "redeem", "--db", db, "--user", "alice", asJSON))
		record(tapRun(t, code, "redeem", "--db", db, "--user", "alice", asJSON))
		record(tapRun(t, "", "redeem", "--db", db, "--user", "alice", "--code", code, asJSON))
		record(tapRun(t, code, "redeem", "--db", db, "--user", "nobody", asJSON))
		record(tapRun(t, "", "status", "--db", db, "--user", "alice", asJSON))
		record(tapRun(t, "", "list", "--db", db, asJSON))
		record(tapRun(t, "", "revoke", "--db", db, "--user", "alice", asJSON))
		record(tapRun(t, code, "redeem", "--db", db, "--user", "alice", asJSON))
		record(tapRun(t, "", "purge", "--db", db, asJSON))
		for i, o := range outputs {
			assert.NotContains(t, o, code, "output %d", i)
			assert.NotContains(t, strings.ToUpper(o), code, "output %d", i)
		}
	}

	fi, err := os.Stat(auditPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the audit file is private")
	raw, err := os.ReadFile(auditPath)
	require.NoError(t, err)
	for _, code := range codes {
		assert.NotContains(t, strings.ToUpper(string(raw)), code, "the audit file holds a code")
	}
	// One round of commands, as the events it must leave: every state change
	// and refusal; status and list change nothing and leave none.
	round := []string{
		"redeem:failure:invalid_code:alice", // a wrong code
		"redeem:success::alice",             // the right one
		"redeem:failure:used:alice",         // again, from stdin
		"redeem:failure:used:alice",         // again, from --code
		"redeem:failure:not_found:nobody",   // a user without a pass
		"revoke:success::helpdesk-7",
		"redeem:failure:revoked:alice", // after revocation
		// purge: nothing expired yet, so no event
	}
	want := append([]string{"issue:success::helpdesk-7"}, round...)
	want = append(want, "replace:success::helpdesk-7", "issue:success::helpdesk-7") // issuing again replaces
	want = append(want, round...)
	var got []string
	passIDs := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		var e tap.Event
		d := json.NewDecoder(strings.NewReader(line))
		d.DisallowUnknownFields()
		require.NoError(t, d.Decode(&e), "line %d is not one event: %s", i+1, line)
		assert.False(t, d.More(), "line %d holds more than one value", i+1)
		assert.WithinDuration(t, time.Now(), e.Time, time.Minute, "line %d", i+1)
		got = append(got, fmt.Sprintf("%s:%s:%s:%s", e.Action, e.Outcome, e.Reason, e.Actor))
		if e.Action == tap.ActionIssue {
			passIDs[e.PassID] = true
		}
	}
	assert.Equal(t, want, got)
	assert.Len(t, passIDs, 2, "each issue event names its pass")
}

func TestTapAuditErrors(t *testing.T) {
	withTapSecret(t)
	db := tempDB(t)
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "audit.jsonl")
	r := tapRun(t, "", "issue", "--db", db, "--user", "alice", "--audit", missing)
	assert.Equal(t, exitFail, r.code)
	assert.Contains(t, r.errOut, "keytier tap issue: error: --audit: open "+missing)
	assert.Empty(t, r.out, "no pass issued")
	_, err := os.Stat(db)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing opened when the audit file cannot be")

	r = tapRun(t, "", "issue", "--user", "alice", "--tenant", "contoso.example", "--audit", filepath.Join(t.TempDir(), "a"))
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "--audit records keytier's own passes")

	// A device (as /dev/stderr would be) is written without fsync, which
	// devices refuse.
	r = tapRun(t, "", "issue", "--db", db, "--user", "alice", "--audit", os.DevNull)
	assert.Equal(t, exitOK, r.code, r.errOut)
	assert.Empty(t, r.errOut)

	// A write that fails (a full disk) after the pass was issued: the code
	// is still shown once, and the failure is reported with exit status 1.
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full to simulate a full disk")
	}
	r = tapRun(t, "", "issue", "--db", db, "--user", "alice", "--audit", "/dev/full", "--json")
	assert.Equal(t, exitFail, r.code)
	var iss issuedOut
	decodeStrict(t, r.out, &iss)
	assert.Contains(t, r.errOut, "audit trail /dev/full:")
	assert.Contains(t, r.errOut, "its audit event may be missing")
	assert.NotContains(t, r.errOut, iss.Code)
}

// postgresSchemaDSN returns a DSN on a fresh schema, or skips — or fails
// where PostgreSQL is required (KEYTIER_REQUIRE_POSTGRES=1, which .ci/run
// sets, or CI=true): see taptest.PostgresDSN.
func postgresSchemaDSN(t *testing.T) string {
	t.Helper()
	dsn := taptest.PostgresDSN(t)
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	schema := "tap_cli_" + strings.ToLower(rand.Text()[:12])
	_, err = admin.Exec(`CREATE SCHEMA ` + schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		assert.NoError(t, err)
		admin.Close()
	})
	u, err := url.Parse(dsn)
	require.NoError(t, err, "the CLI takes postgres:// DSNs")
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestTapPostgres(t *testing.T) {
	withTapSecret(t)
	db := postgresSchemaDSN(t)
	c := issueJSON(t, db, "alice").Code
	r := tapRun(t, c, "redeem", "--db", db, "--user", "alice")
	require.Equal(t, exitOK, r.code, r.errOut)
	r = tapRun(t, c, "redeem", "--db", db, "--user", "alice", "--json")
	assert.Equal(t, exitFail, r.code)
	var f failOut
	decodeStrict(t, r.out, &f)
	assert.Equal(t, "used", f.Reason)
	r = tapRun(t, "", "list", "--db", db)
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Regexp(t, `alice\s+used`, r.out)
}

func TestTapPostgresErrorHidesPassword(t *testing.T) {
	withTapSecret(t)
	// Nothing listens on port 1; the password must not reach the message.
	dsn := "postgres://keytier:hunter2-secret@127.0.0.1:1/keytier?sslmode=disable&connect_timeout=2"
	r := tapRun(t, "", "status", "--db", dsn, "--user", "alice")
	assert.Equal(t, exitFail, r.code)
	assert.Contains(t, r.errOut, "opening PostgreSQL postgres://keytier:xxxxx@127.0.0.1:1/")
	assert.NotContains(t, r.errOut, "hunter2")
	assert.NotContains(t, r.out, "hunter2")
}

func TestDecodeSecretVariants(t *testing.T) {
	key := make([]byte, 40)
	for i := range key {
		key[i] = byte(i * 7)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		got, err := decodeSecret(enc.EncodeToString(key))
		require.NoError(t, err)
		assert.Equal(t, key, got)
	}
	_, err := decodeSecret("")
	assert.Error(t, err)
	_, err = decodeSecret("%%%")
	assert.Error(t, err)
}
