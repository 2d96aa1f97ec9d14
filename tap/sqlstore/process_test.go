package sqlstore_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap"
	"github.com/keytier/keytier/tap/sqlstore"
)

// The cross-process tests re-execute this test binary. helperEnv selects
// what the child does; targetEnv says which database it opens
// ("sqlite:PATH" or "postgres:DSN"); reportEnv names the file a churning
// child appends its successes to.
const (
	helperEnv = "KEYTIER_TAP_TEST_HELPER"
	targetEnv = "KEYTIER_TAP_TEST_TARGET"
	reportEnv = "KEYTIER_TAP_TEST_REPORT"
)

// processSecret is the HMAC key parent and children share.
var processSecret = bytes.Repeat([]byte("p"), 32)

func TestMain(m *testing.M) {
	switch mode := os.Getenv(helperEnv); mode {
	case "":
		os.Exit(m.Run())
	case "race":
		os.Exit(raceChild())
	case "churn":
		os.Exit(churnChild())
	default:
		fmt.Fprintf(os.Stderr, "%s: unknown helper mode %q\n", helperEnv, mode)
		os.Exit(3)
	}
}

// openTarget opens the store a child is told to use. PostgreSQL pools are
// capped so 8 children × 16 goroutines stay within max_connections (100 by
// default); the goroutines still contend, through fewer connections.
func openTarget(ctx context.Context, target string) (*sqlstore.Store, error) {
	kind, arg, _ := strings.Cut(target, ":")
	switch kind {
	case "sqlite":
		return sqlstore.OpenSQLite(ctx, arg)
	case "postgres":
		st, err := sqlstore.OpenPostgres(ctx, arg)
		if err == nil {
			st.DB().SetMaxOpenConns(8)
		}
		return st, err
	}
	return nil, fmt.Errorf("bad %s %q", targetEnv, target)
}

// attempt is one redemption's outcome as a child reports it.
type attempt struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitzero"` // tap.ReasonOf
	Err    string `json:"err,omitzero"`
}

// redeemTogether starts n goroutines per service that wait on a shared
// start signal and then redeem the same code once each.
func redeemTogether(svcs []*tap.Service, n int, user, code string, start <-chan struct{}) []attempt {
	out := make([]attempt, len(svcs)*n)
	var wg sync.WaitGroup
	for i, svc := range svcs {
		for j := range n {
			wg.Go(func() {
				<-start
				_, err := svc.Redeem(context.Background(), user, code)
				a := attempt{OK: err == nil, Reason: tap.ReasonOf(err)}
				if err != nil {
					a.Err = err.Error()
				}
				out[i*n+j] = a
			})
		}
	}
	wg.Wait()
	return out
}

// raceChild reads "user code" from stdin, opens the store, prints "ready",
// waits for a second line, redeems with 16 goroutines and prints the
// outcomes as one JSON array.
func raceChild() int {
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading pass:", err)
		return 3
	}
	user, code, _ := strings.Cut(strings.TrimSpace(line), " ")
	ctx := context.Background()
	st, err := openTarget(ctx, os.Getenv(targetEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer st.Close()
	svc, err := tap.New(tap.Options{Store: st, Secret: tap.NewSecret(processSecret)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	start := make(chan struct{})
	done := make(chan []attempt)
	go func() { done <- redeemTogether([]*tap.Service{svc}, 16, user, code, start) }()
	fmt.Println("ready")
	if _, err := in.ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, "waiting for go:", err)
		return 3
	}
	close(start)
	if err := json.NewEncoder(os.Stdout).Encode(<-done); err != nil {
		return 3
	}
	return 0
}

// countAttempts checks the outcome of a race: exactly one success, every
// other attempt ErrUsed, and no database error.
func countAttempts(t *testing.T, all []attempt) {
	t.Helper()
	ok, used := 0, 0
	for _, a := range all {
		switch {
		case a.OK:
			ok++
		case a.Reason == "used":
			used++
		default:
			t.Errorf("attempt failed with %s: %s", a.Reason, a.Err)
		}
	}
	assert.Equal(t, 1, ok, "successes")
	assert.Equal(t, len(all)-1, used, "clean ErrUsed refusals")
}

type target struct {
	name string
	// open returns the argument for targetEnv and a store on a fresh,
	// migrated database.
	open func(t *testing.T) (string, *sqlstore.Store)
}

func targets() []target {
	return []target{
		{"sqlite", func(t *testing.T) (string, *sqlstore.Store) {
			path := filepath.Join(t.TempDir(), "tap.db")
			st, err := sqlstore.OpenSQLite(context.Background(), path)
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			return "sqlite:" + path, st
		}},
		{"postgres", func(t *testing.T) (string, *sqlstore.Store) {
			st := postgresGroup(t, 1)[0]
			var schema string
			require.NoError(t, st.DB().QueryRow(`SELECT current_schema()`).Scan(&schema))
			return "postgres:" + withSearchPath(postgresDSN(t), schema), st
		}},
	}
}

func issueOnce(t *testing.T, st tap.Store, user string) string {
	t.Helper()
	svc, err := tap.New(tap.Options{Store: st, Secret: tap.NewSecret(processSecret)})
	require.NoError(t, err)
	iss, err := svc.Issue(context.Background(), tap.IssueRequest{UserID: user, Actor: "test", Usage: tap.UsageOnce})
	require.NoError(t, err)
	return iss.Code.Reveal()
}

// TestOneTimeAcrossProcesses: 8 processes × 16 goroutines redeem one
// one-time pass at the same moment; exactly one succeeds.
func TestOneTimeAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 8 processes")
	}
	const procs, perProc = 8, 16
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			arg, st := tg.open(t)
			code := issueOnce(t, st, "race@example.com")
			type child struct {
				cmd *exec.Cmd
				in  io.WriteCloser
				out *bufio.Reader
			}
			children := make([]child, procs)
			for i := range children {
				cmd := exec.Command(os.Args[0])
				cmd.Env = append(os.Environ(), helperEnv+"=race", targetEnv+"="+arg)
				cmd.Stderr = os.Stderr
				in, err := cmd.StdinPipe()
				require.NoError(t, err)
				out, err := cmd.StdoutPipe()
				require.NoError(t, err)
				require.NoError(t, cmd.Start())
				t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
				_, err = fmt.Fprintf(in, "race@example.com %s\n", code)
				require.NoError(t, err)
				children[i] = child{cmd, in, bufio.NewReader(out)}
			}
			for i, c := range children {
				line, err := c.out.ReadString('\n')
				require.NoError(t, err, "child %d", i)
				require.Equal(t, "ready\n", line)
			}
			for _, c := range children { // as close to simultaneous as pipes allow
				io.WriteString(c.in, "go\n")
			}
			var all []attempt
			for i, c := range children {
				var got []attempt
				require.NoError(t, json.NewDecoder(c.out).Decode(&got), "child %d", i)
				require.Len(t, got, perProc)
				all = append(all, got...)
				c.in.Close()
				require.NoError(t, c.cmd.Wait(), "child %d", i)
			}
			countAttempts(t, all)
			p, err := st.GetByUser(context.Background(), "race@example.com")
			require.NoError(t, err)
			assert.Equal(t, 1, p.UseCount)
		})
	}
}

// TestOneTimeAcrossConnections is the same race in one process — 8 stores
// with their own connection pools × 16 goroutines — so -race sees it.
func TestOneTimeAcrossConnections(t *testing.T) {
	for _, tc := range []struct {
		name  string
		group func(t *testing.T, n int) []*sqlstore.Store
	}{{"sqlite", sqliteGroup}, {"postgres", postgresGroup}} {
		t.Run(tc.name, func(t *testing.T) {
			stores := tc.group(t, 8)
			svcs := make([]*tap.Service, len(stores))
			for i, st := range stores {
				st.DB().SetMaxOpenConns(8)
				var err error
				svcs[i], err = tap.New(tap.Options{Store: st, Secret: tap.NewSecret(processSecret)})
				require.NoError(t, err)
			}
			code := issueOnce(t, stores[0], "race@example.com")
			start := make(chan struct{})
			time.AfterFunc(50*time.Millisecond, func() { close(start) })
			countAttempts(t, redeemTogether(svcs, 16, "race@example.com", code, start))
		})
	}
}

// churnChild reads "user code" lines up to an empty line, then, until it is
// killed, redeems those passes in random order from 4 goroutines and issues
// and redeems passes of its own. It appends "S passID" to the report file
// after every successful redemption, "E message" after an unexpected error.
func churnChild() int {
	type pass struct{ user, code string }
	var shared []pass
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() && in.Text() != "" {
		u, c, _ := strings.Cut(in.Text(), " ")
		shared = append(shared, pass{u, c})
	}
	report, err := os.OpenFile(os.Getenv(reportEnv), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	// One write(2) per line on an O_APPEND file: a line is either entirely
	// in the report or not at all, whenever the kill comes.
	write := func(format string, a ...any) { report.Write(fmt.Appendf(nil, format+"\n", a...)) }
	ctx := context.Background()
	st, err := openTarget(ctx, os.Getenv(targetEnv))
	if err != nil {
		write("E open: %v", err)
		return 3
	}
	svc, err := tap.New(tap.Options{Store: st, Secret: tap.NewSecret(processSecret)})
	if err != nil {
		write("E %v", err)
		return 3
	}
	fmt.Println("ready")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for n := 0; ; n++ {
				if n%3 == 2 {
					user := fmt.Sprintf("own-%d-%d-%d", os.Getpid(), g, n)
					iss, err := svc.Issue(ctx, tap.IssueRequest{UserID: user, Actor: "churn", Usage: tap.UsageOnce})
					if err != nil {
						write("E issue: %v", err)
						continue
					}
					if _, err := svc.Redeem(ctx, user, iss.Code.Reveal()); err != nil {
						write("E redeem own: %v", err)
						continue
					}
					write("S %s", iss.Info.Pass.ID)
					continue
				}
				p := shared[rand.IntN(len(shared))]
				info, err := svc.Redeem(ctx, p.user, p.code)
				switch {
				case err == nil:
					write("S %s", info.Pass.ID)
				case !errors.Is(err, tap.ErrUsed):
					write("E redeem: %v", err)
				}
			}
		})
	}
	wg.Wait()
	return 0
}

// TestCrashSafety kills redeeming and issuing processes with SIGKILL at
// random moments, round after round, and then checks that no one-time pass
// was used twice, that every reported success is in the store, and that the
// database is intact and still works.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	const rounds, procs, sharedPerRound = 6, 4, 40
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			arg, st := tg.open(t)
			svc, err := tap.New(tap.Options{Store: st, Secret: tap.NewSecret(processSecret)})
			require.NoError(t, err)
			reportPath := filepath.Join(t.TempDir(), "report")
			require.NoError(t, os.WriteFile(reportPath, nil, 0o600))
			kills := 0
			sharedCodes := map[string]string{} // user → code, for redeeming again afterwards
			for r := range rounds {
				var codes strings.Builder
				for i := range sharedPerRound {
					user := fmt.Sprintf("shared-%d-%02d", r, i)
					iss, err := svc.Issue(ctx, tap.IssueRequest{UserID: user, Actor: "test", Usage: tap.UsageOnce})
					require.NoError(t, err)
					fmt.Fprintf(&codes, "%s %s\n", user, iss.Code.Reveal())
					sharedCodes[user] = iss.Code.Reveal()
				}
				codes.WriteString("\n")
				var wg sync.WaitGroup
				for range procs {
					cmd := exec.Command(os.Args[0])
					cmd.Env = append(os.Environ(), helperEnv+"=churn", targetEnv+"="+arg, reportEnv+"="+reportPath)
					cmd.Stdin = strings.NewReader(codes.String())
					cmd.Stderr = os.Stderr
					out, err := cmd.StdoutPipe()
					require.NoError(t, err)
					require.NoError(t, cmd.Start())
					kills++
					wg.Go(func() {
						// Kill at a random point: sometimes before the child is
						// ready (while it opens or migrates), mostly while it
						// redeems and issues.
						ready := make(chan struct{})
						go func() { bufio.NewReader(out).ReadString('\n'); close(ready) }()
						if rand.IntN(5) > 0 {
							<-ready
						}
						time.Sleep(time.Duration(10+rand.IntN(190)) * time.Millisecond)
						cmd.Process.Signal(syscall.SIGKILL)
						cmd.Wait()
						<-ready
					})
				}
				wg.Wait()
			}

			data, err := os.ReadFile(reportPath)
			require.NoError(t, err)
			reported := map[string]int{}
			total := 0
			for _, line := range strings.SplitAfter(string(data), "\n") {
				if line == "" {
					continue
				}
				require.True(t, strings.HasSuffix(line, "\n"), "torn report line %q", line)
				kind, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
				switch kind {
				case "S":
					reported[rest]++
					total++
				default:
					t.Errorf("a child reported: %s", rest)
				}
			}
			require.NotZero(t, total, "the children redeemed nothing before being killed")

			if tg.name == "sqlite" {
				var res string
				require.NoError(t, st.DB().QueryRow(`PRAGMA integrity_check`).Scan(&res))
				assert.Equal(t, "ok", res)
			}
			// Every pass is one-time: none may be used twice, and every use a
			// child reported must be in the store.
			uses := 0
			q := tap.Query{}
			for {
				page, err := st.List(ctx, q)
				require.NoError(t, err)
				for _, p := range page {
					require.True(t, p.UsableOnce)
					assert.LessOrEqual(t, p.UseCount, 1, "pass %s of %s used %d times", p.ID, p.UserID, p.UseCount)
					assert.LessOrEqual(t, reported[p.ID], 1, "pass %s reported redeemed %d times", p.ID, reported[p.ID])
					if reported[p.ID] > 0 {
						assert.Equal(t, 1, p.UseCount, "pass %s was reported redeemed but the store has no use", p.ID)
					}
					uses += p.UseCount
					delete(reported, p.ID)
				}
				if len(page) < q.EffectiveLimit() {
					break
				}
				q.AfterUserID = page[len(page)-1].UserID
			}
			assert.Empty(t, reported, "reported successes of passes the store does not have")
			// A use may be committed by a child killed before it reported it:
			// at most one per goroutine per kill.
			assert.GreaterOrEqual(t, uses, total)
			assert.LessOrEqual(t, uses-total, 4*kills)
			t.Logf("%d kills, %d reported redemptions, %d uses in the store", kills, total, uses)

			// Redeem every shared pass again, now that the children are dead:
			// one the children used is used; one they did not is usable
			// exactly once more. No kill left a pass that works twice.
			usedBefore, redeemedNow := 0, 0
			for user, code := range sharedCodes {
				before, err := st.GetByUser(ctx, user)
				require.NoError(t, err)
				_, err = svc.Redeem(ctx, user, code)
				if before.UseCount > 0 {
					usedBefore++
					assert.ErrorIs(t, err, tap.ErrUsed, "pass %s of %s, used before the kills", before.ID, user)
				} else {
					redeemedNow++
					assert.NoError(t, err, "pass %s of %s, unused before the kills", before.ID, user)
				}
				_, err = svc.Redeem(ctx, user, code)
				assert.ErrorIs(t, err, tap.ErrUsed, "pass %s of %s, redeemed a second time", before.ID, user)
				after, err := st.GetByUser(ctx, user)
				require.NoError(t, err)
				assert.Equal(t, 1, after.UseCount, "pass %s of %s", after.ID, user)
				assert.Zero(t, after.FailedAttempts, "pass %s of %s", after.ID, user)
			}
			require.NotZero(t, usedBefore, "the children used none of the shared passes")
			t.Logf("redeemed again: %d shared passes used before the kills refused, %d unused ones redeemed once",
				usedBefore, redeemedNow)

			// The store still works.
			code := issueOnce(t, st, "after@example.com")
			_, err = svc.Redeem(ctx, "after@example.com", code)
			require.NoError(t, err)
			_, err = svc.Redeem(ctx, "after@example.com", code)
			require.ErrorIs(t, err, tap.ErrUsed)
		})
	}
}
