package tap_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap"
)

// panicChildEnv, when set, makes TestPanicDoesNotPrintCode the child: it
// issues a pass, writes the code on stdout for the parent, and panics with
// the value the variable names, unrecovered.
const panicChildEnv = "TAP_TEST_PANIC_CHILD"

// TestPanicDoesNotPrintCode re-executes the test binary as a child that
// dies of an unrecovered panic carrying a code, and checks the runtime's
// report on stderr: the panic and the stack are there, the code is not.
// The runtime prints a panic value through Error or String when it has
// them (Code's String redacts) and only the type and an address for other
// values (Issued); GOTRACEBACK=all prints every goroutine, none of which
// may show it either.
func TestPanicDoesNotPrintCode(t *testing.T) {
	if mode := os.Getenv(panicChildEnv); mode != "" {
		panicChild(mode)
		return
	}
	for _, tc := range []struct {
		mode  string
		want  string // how the runtime shows the value
		leaks bool
	}{
		{"code", "panic: [REDACTED]", false},
		{"issued", "panic: (tap.Issued) 0x", false},
		{"issued-pointer", "panic: (*tap.Issued) 0x", false},
		{"error", "panic: redeeming: [REDACTED]", false},
		{"sprintf", "panic: tap.Issued{", false},
		// The control: the revealed plaintext is printed, so the check
		// below does see a code when there is one.
		{"revealed", "panic: ", true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestPanicDoesNotPrintCode$", "-test.count=1")
			cmd.Env = append(os.Environ(), panicChildEnv+"="+tc.mode, "GOTRACEBACK=all")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "the child must die of the panic; stderr:\n%s", stderr.String())
			assert.Equal(t, 2, ee.ExitCode(), "exit status of an unrecovered panic")

			code := childCode(t, stdout.String())
			out := stderr.String()
			assert.Contains(t, out, tc.want)
			assert.Contains(t, out, "goroutine ", "the stack trace is printed")
			assert.Contains(t, out, "panicChild", "the stack names the panicking function")
			if tc.leaks {
				assert.Contains(t, out, "panic: "+code, "the control must show the code")
				return
			}
			assert.NotContains(t, out, code, "the panic report shows the code")
			assert.NotContains(t, strings.ToLower(out), strings.ToLower(code))
		})
	}
}

// childCode reads the "code=" line the child wrote.
func childCode(t *testing.T, stdout string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		if c, ok := strings.CutPrefix(sc.Text(), "code="); ok {
			require.Len(t, c, 16)
			return c
		}
	}
	t.Fatalf("the child wrote no code; stdout:\n%s", stdout)
	return ""
}

func panicChild(mode string) {
	p := tap.DefaultPolicy()
	p.DefaultLength = 16 // long enough that an accidental match is impossible
	svc, err := tap.New(tap.Options{Store: tap.NewMemoryStore(), Secret: tap.NewSecret(secret), Policy: &p})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	iss, err := svc.Issue(context.Background(), tap.IssueRequest{UserID: "alice", Actor: "helpdesk"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	fmt.Printf("code=%s\n", iss.Code.Reveal())
	os.Stdout.Sync()
	switch mode {
	case "code":
		panic(iss.Code)
	case "issued":
		panic(iss)
	case "issued-pointer":
		panic(&iss)
	case "error":
		panic(fmt.Errorf("redeeming: %v: %w", iss.Code, errors.ErrUnsupported))
	case "sprintf":
		panic(fmt.Sprintf("%#v", iss))
	case "revealed":
		panic(iss.Code.Reveal())
	}
	os.Exit(3)
}
