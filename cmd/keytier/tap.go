package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/keytier/keytier/tap"
	"github.com/keytier/keytier/tap/sqlstore"
)

const tapHelp = `usage:
  keytier tap issue  --user ID [--lifetime DURATION] [--start TIME] [--once|--multi] [--json]
  keytier tap redeem --user ID [--code CODE] [--max-failed-attempts N] [--json]
                                                (the code is read from standard input)
  keytier tap revoke --user ID [--json]
  keytier tap status --user ID [--json]
  keytier tap list   [--user ID] [--json]
  keytier tap purge  [--json]

Every subcommand also takes:
  --db PATH|DSN   SQLite file (default keytier.db in the working directory) or a
                  postgres:// DSN; put the password in PGPASSWORD or ~/.pgpass, not the DSN
  --policy FILE   Graph temporaryAccessPassAuthenticationMethodConfiguration JSON
                  (default: Entra's defaults with isUsableOnce true: every pass is one-time)
  --actor NAME    who acts: the pass's createdBy and the audit events' actor
                  (default: the login name; redeem's actor is always --user)
  --audit FILE    append one JSON line per state change and refusal (who, what,
                  when, outcome; never the code) to FILE, created with mode 0600.
                  Without --audit no audit trail is kept.

issue prints the code once, on standard output; it is stored only as an HMAC and
cannot be shown again. redeem exits 0 when the code is accepted, 1 when it is
refused, naming the reason (invalid, expired, used, revoked, locked, notYetValid,
disabledByPolicy) or "error" when the database fails, and 2 for a bad command
line, no code on standard input or an empty --code (no attempt is counted), or
a missing or invalid secret. --max-failed-attempts (default 5) is how many
wrong codes lock a pass; give every redeem the same value.

The server secret (the HMAC key) comes from the environment, never from a flag:
  KEYTIER_TAP_SECRET       base64 of at least 32 random bytes, e.g.
                           export KEYTIER_TAP_SECRET="$(openssl rand -base64 32)"
  KEYTIER_TAP_SECRET_FILE  a file holding the same base64 text
Set exactly one. Changing the secret invalidates every pass.

Exit status: 0 success, 1 refused or failed (also when an audit event could not
be written: the action happened, its record may be missing), 2 bad command line
or missing secret. With --json every outcome prints exactly one JSON value on
standard output; a refusal or failure is {"ok":false,"reason":…,"message":…},
and exit status 2 is the same with reason "usage".
`

// Environment variables the tap command reads its secret from.
const (
	envTapSecret     = "KEYTIER_TAP_SECRET"
	envTapSecretFile = "KEYTIER_TAP_SECRET_FILE"
)

// defaultTapDB is the SQLite file used when --db is not given.
const defaultTapDB = "keytier.db"

// maxTapFailedAttempts caps --max-failed-attempts: each allowed wrong code
// adds one guess to an attacker's chance (see docs/tap.md, "Codes: alphabet
// and entropy"), and a person who mistypes a code a hundred times needs a
// new pass anyway.
const maxTapFailedAttempts = 100

// maxSecretFile bounds what is read from KEYTIER_TAP_SECRET_FILE: base64 of
// a generous key plus whitespace.
const maxSecretFile = 4096

func tapCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, tapHelp)
		return exitUsage
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, tapHelp)
		return exitOK
	case "issue", "redeem", "revoke", "status", "list", "purge":
	default:
		fmt.Fprintf(stderr, "keytier tap: unknown subcommand %q\n\n%s", sub, tapHelp)
		if jsonRequested(rest) {
			(&tapCommand{stdout: stdout, stderr: stderr}).printUsageJSON(fmt.Sprintf("unknown subcommand %q", sub))
		}
		return exitUsage
	}
	// --json is known before the flags are parsed, so that a command line
	// the flag package refuses still gets its one JSON value.
	c := &tapCommand{name: sub, stdin: stdin, stdout: stdout, stderr: stderr}
	fs := c.flags()
	c.asJSON = jsonRequested(rest) // after flags(), which sets the default
	if err := parseInterspersed(fs, rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		// The flag package has printed the error and the usage on stderr.
		if c.asJSON {
			c.printUsageJSON(err.Error())
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		return c.usageErr("unexpected argument %q", fs.Arg(0))
	}
	if code := c.check(); code != exitOK {
		return code
	}
	if c.graph.tenant != "" {
		return c.issueEntra()
	}
	secret, err := loadTapSecret()
	if err != nil {
		return c.usageErr("%v", err)
	}
	policy, err := c.loadPolicy()
	if err != nil {
		return c.usageErr("--policy: %v", err)
	}

	// The audit file opens before the store, so a bad path changes nothing.
	var audit *auditFile
	opts := tap.Options{Secret: tap.NewSecret(secret), Policy: &policy, MaxFailedAttempts: c.maxFailed}
	if c.auditPath != "" {
		if audit, err = openAudit(c.auditPath); err != nil {
			clear(secret)
			return c.fail("error", fmt.Errorf("--audit: %w", err))
		}
		opts.Audit = audit
	}
	code := c.run(secret, opts)
	if audit != nil {
		if err := audit.Close(); err != nil {
			// After --json's one value, so stderr only.
			fmt.Fprintf(stderr, "keytier tap %s: audit trail %s: %v (the %s happened; its audit event may be missing)\n",
				sub, c.auditPath, err, sub)
			if code == exitOK {
				code = exitFail
			}
		}
	}
	return code
}

// run opens the store and runs the subcommand with a Service built from
// opts, whose Secret it clears.
func (c *tapCommand) run(secret []byte, opts tap.Options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	st, err := openTapStore(ctx, c.db, c.name == "issue")
	if err != nil {
		clear(secret)
		return c.fail("error", err)
	}
	defer st.Close()
	opts.Store = st
	svc, err := tap.New(opts)
	clear(secret)
	if err != nil {
		return c.fail("error", err)
	}
	switch c.name {
	case "issue":
		return c.issue(ctx, svc)
	case "redeem":
		return c.redeem(ctx, svc)
	case "revoke":
		return c.revoke(ctx, svc)
	case "status":
		return c.status(ctx, svc)
	case "list":
		return c.list(ctx, svc)
	default:
		return c.purge(ctx, svc)
	}
}

// auditFile is a tap.AuditSink that appends each event to a file as one
// JSON line and, for a regular file, syncs it before returning, as
// AuditSink asks of a sink that must not lose events. tap.Event never holds
// a code or a hash.
type auditFile struct {
	mu   sync.Mutex
	f    *os.File
	sync bool  // a regular file; devices and pipes (/dev/stderr) cannot fsync
	err  error // the first write error
}

// openAudit opens path for appending, creating it with mode 0600 (an
// existing file keeps its mode).
func openAudit(path string) (*auditFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &auditFile{f: f, sync: fi.Mode().IsRegular()}, nil
}

// Audit implements tap.AuditSink.
func (a *auditFile) Audit(_ context.Context, e tap.Event) {
	line, err := json.Marshal(e)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err == nil {
		_, err = a.f.Write(append(line, '\n'))
	}
	if err == nil && a.sync {
		err = a.f.Sync()
	}
	if err != nil && a.err == nil {
		a.err = err
	}
}

// Close closes the file and returns the first error writing or closing it.
func (a *auditFile) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return errors.Join(a.err, a.f.Close())
}

// tapCommand holds one invocation's flags and streams.
type tapCommand struct {
	name                   string
	stdin                  io.Reader
	stdout, stderr         io.Writer
	db, userID, policyFile string
	actor, code, start     string
	auditPath              string
	lifetime               time.Duration
	maxFailed              int
	once, multi, asJSON    bool
	codeSet                bool
	graph                  graphFlags // issue --tenant: an Entra pass
}

func (c *tapCommand) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("tap "+c.name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tapHelp+"\nflags of 'keytier tap "+c.name+"':\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.db, "db", defaultTapDB, "SQLite database file or postgres:// DSN")
	fs.StringVar(&c.policyFile, "policy", "", "Graph TAP policy JSON file (default: Entra defaults, one-time passes)")
	fs.StringVar(&c.actor, "actor", "", "who acts: the pass's createdBy and the audit events' actor (default: the login name)")
	fs.StringVar(&c.auditPath, "audit", "", "append audit events to this file as JSON lines, created with mode 0600 (default: no audit trail)")
	fs.BoolVar(&c.asJSON, "json", false, "print exactly one JSON value")
	switch c.name {
	case "issue", "redeem", "revoke", "status":
		fs.StringVar(&c.userID, "user", "", "user id or user principal name (required)")
	case "list":
		fs.StringVar(&c.userID, "user", "", "list only this user's pass")
	}
	switch c.name {
	case "issue":
		fs.DurationVar(&c.lifetime, "lifetime", 0, "lifetime in whole minutes, e.g. 1h or 90m (default: the policy's defaultLifetimeInMinutes)")
		fs.StringVar(&c.start, "start", "", "start time, RFC 3339 (default: now)")
		fs.BoolVar(&c.once, "once", false, "one-time pass")
		fs.BoolVar(&c.multi, "multi", false, "reusable pass within its lifetime (the policy must allow it)")
		c.graph.register(fs, false)
	case "redeem":
		fs.IntVar(&c.maxFailed, "max-failed-attempts", tap.DefaultMaxFailedAttempts,
			fmt.Sprintf("wrong codes that lock a pass, 1–%d; give every redeem the same value", maxTapFailedAttempts))
		fs.Func("code", "the code, for scripts (default: read one line from standard input, which keeps it out of the process list)", func(s string) error {
			c.code, c.codeSet = s, true
			return nil
		})
	}
	return fs
}

// check validates flag combinations before anything is opened.
func (c *tapCommand) check() int {
	switch c.name {
	case "issue", "redeem", "revoke", "status":
		if c.userID == "" {
			return c.usageErr("--user is required")
		}
	}
	if c.db == "" {
		return c.usageErr("--db must not be empty")
	}
	// The library refuses longer ids too, but as a refusal (exit status 1);
	// here they are what they are, a bad command line.
	if len(c.userID) > tap.MaxIDLength {
		return c.usageErr("--user is %d bytes, more than %d", len(c.userID), tap.MaxIDLength)
	}
	if len(c.actor) > tap.MaxIDLength {
		return c.usageErr("--actor is %d bytes, more than %d", len(c.actor), tap.MaxIDLength)
	}
	if c.name == "redeem" {
		if c.codeSet && strings.TrimSpace(c.code) == "" {
			// Refused here, before the store is opened: an empty code
			// would be counted as a wrong one.
			return c.usageErr("--code is empty: give the code, or leave out --code to read it from standard input")
		}
		if c.maxFailed < 1 || c.maxFailed > maxTapFailedAttempts {
			return c.usageErr("--max-failed-attempts is %d, want 1–%d", c.maxFailed, maxTapFailedAttempts)
		}
	}
	if c.once && c.multi {
		return c.usageErr("give --once or --multi, not both")
	}
	if c.lifetime < 0 || c.lifetime%time.Minute != 0 {
		return c.usageErr("--lifetime must be a positive whole number of minutes, e.g. 1h or 90m")
	}
	if c.auditPath != "" && c.graph.tenant != "" {
		return c.usageErr("--audit records keytier's own passes; with --tenant, Entra's audit log records the pass")
	}
	if c.actor == "" {
		c.actor = defaultActor()
	}
	return exitOK
}

func defaultActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "keytier"
}

// usageErr reports a command line that cannot run (exit status 2): on
// stderr always, and with --json also as
// {"ok":false,"reason":"usage","message":…} on stdout, the same shape as a
// refusal, so a script reading --json always gets one value.
func (c *tapCommand) usageErr(format string, a ...any) int {
	msg := fmt.Sprintf(format, a...)
	fmt.Fprintf(c.stderr, "keytier tap %s: %s\n", c.name, msg)
	if c.asJSON {
		c.printUsageJSON(msg)
	}
	return exitUsage
}

func (c *tapCommand) printUsageJSON(msg string) {
	c.printJSON(failJSON{OK: false, Reason: "usage", Message: msg})
}

// failJSON is what --json prints for a refusal, a failure or a usage error.
type failJSON struct {
	OK      bool   `json:"ok"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// fail reports a refusal or an error: on stderr always, and as
// {"ok":false,"reason":…,"message":…} on stdout with --json.
func (c *tapCommand) fail(reason string, err error) int {
	fmt.Fprintf(c.stderr, "keytier tap %s: %s: %v\n", c.name, reason, err)
	if c.asJSON {
		c.printJSON(failJSON{OK: false, Reason: reason, Message: err.Error()})
	}
	return exitFail
}

func (c *tapCommand) printJSON(v any) {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(c.stderr, "keytier tap %s: writing JSON: %v\n", c.name, err)
	}
}

// cliPolicy is the policy without --policy: Entra's documented defaults with
// isUsableOnce true, so a pass is one-time unless a policy says otherwise.
func cliPolicy() tap.Policy {
	p := tap.DefaultPolicy()
	p.IsUsableOnce = true
	return p
}

func (c *tapCommand) loadPolicy() (tap.Policy, error) {
	if c.policyFile == "" {
		return cliPolicy(), nil
	}
	f, err := os.Open(c.policyFile)
	if err != nil {
		return tap.Policy{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, tap.MaxPolicySize+1))
	if err != nil {
		return tap.Policy{}, err
	}
	return tap.ParsePolicy(data)
}

// issuedJSON is the one place a plaintext code is ever written.
type issuedJSON struct {
	User      string    `json:"user"`
	Code      string    `json:"code"`
	StartsAt  time.Time `json:"startsAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	OneTime   bool      `json:"oneTime"`
}

func (c *tapCommand) issue(ctx context.Context, svc *tap.Service) int {
	req := tap.IssueRequest{UserID: c.userID, Actor: c.actor, LifetimeInMinutes: int(c.lifetime / time.Minute)}
	start, err := c.startAt()
	if err != nil {
		return c.usageErr("%v", err)
	}
	req.StartAt = start
	switch {
	case c.once:
		req.Usage = tap.UsageOnce
	case c.multi:
		req.Usage = tap.UsageReusable
	}
	iss, err := svc.Issue(ctx, req)
	if err != nil {
		if errors.Is(err, tap.ErrInvalidRequest) {
			hint := ""
			if c.multi && svc.Policy().IsUsableOnce {
				hint = " (give --policy FILE with isUsableOnce false to allow reusable passes)"
			}
			return c.usageErr("%v%s", err, hint)
		}
		return c.fail(tapReason(err), err)
	}
	p := iss.Info.Pass
	if iss.ReplacedID != "" {
		fmt.Fprintf(c.stderr, "keytier tap issue: replaced the previous pass %s of user %q\n", iss.ReplacedID, p.UserID)
	}
	if c.asJSON {
		c.printJSON(issuedJSON{User: p.UserID, Code: iss.Code.Reveal(), StartsAt: p.StartAt, ExpiresAt: p.ExpiresAt, OneTime: p.UsableOnce})
		return exitOK
	}
	fmt.Fprintf(c.stdout, "Temporary Access Pass for %s\n", p.UserID)
	fmt.Fprintf(c.stdout, "  code:     %s\n", iss.Code.Reveal())
	fmt.Fprintf(c.stdout, "  starts:   %s\n", p.StartAt.Format(time.RFC3339))
	fmt.Fprintf(c.stdout, "  expires:  %s (%d minutes)\n", p.ExpiresAt.Format(time.RFC3339), p.LifetimeInMinutes)
	fmt.Fprintf(c.stdout, "  one-time: %s\n", yesNo(p.UsableOnce))
	fmt.Fprintf(c.stdout, "Hand the code to the user now: it is not stored and cannot be shown again.\n")
	return exitOK
}

// startAt is --start, or the zero time (now) without it.
func (c *tapCommand) startAt() (time.Time, error) {
	if c.start == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, c.start)
	if err != nil {
		return time.Time{}, fmt.Errorf("--start: want RFC 3339, e.g. 2026-03-02T09:00:00Z: %w", err)
	}
	return t, nil
}

// tapReason is the word a refusal is reported with.
func tapReason(err error) string {
	switch {
	case errors.Is(err, tap.ErrLockedOut): // before ErrInvalidCode: the attempt that locks wraps both
		return "locked"
	case errors.Is(err, tap.ErrInvalidCode):
		return "invalid"
	case errors.Is(err, tap.ErrNotYetValid):
		return "notYetValid"
	case errors.Is(err, tap.ErrExpired):
		return "expired"
	case errors.Is(err, tap.ErrUsed):
		return "used"
	case errors.Is(err, tap.ErrRevoked):
		return "revoked"
	case errors.Is(err, tap.ErrDisabledByPolicy):
		return "disabledByPolicy"
	case errors.Is(err, tap.ErrNotFound):
		return "notFound"
	default:
		return "error"
	}
}

// readCode reads the first line of r. Nothing beyond what a code with
// generous grouping could take is read.
func readCode(r io.Reader) (string, error) {
	line, err := bufio.NewReaderSize(io.LimitReader(r, tap.MaxCodeInput+2), tap.MaxCodeInput+2).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (c *tapCommand) redeem(ctx context.Context, svc *tap.Service) int {
	code := c.code
	if !c.codeSet {
		if isTerminal(c.stdin) {
			fmt.Fprintf(c.stderr, "Code for %s: ", c.userID)
		}
		var err error
		if code, err = readCode(c.stdin); err != nil {
			return c.usageErr("reading the code from standard input: %v", err)
		}
		if code == "" {
			return c.usageErr("no code on standard input (pipe it in, or give --code CODE)")
		}
	}
	info, err := svc.Redeem(ctx, c.userID, code)
	if err != nil {
		reason := tapReason(err)
		if reason == "notFound" {
			// Whoever redeems learns only that the code is wrong, as when
			// the user has a pass: the message still says there is none.
			reason = "invalid"
		}
		return c.fail(reason, err)
	}
	p := info.Pass
	if c.asJSON {
		c.printJSON(struct {
			OK       bool      `json:"ok"`
			User     string    `json:"user"`
			PassID   string    `json:"passId"`
			OneTime  bool      `json:"oneTime"`
			UseCount int       `json:"useCount"`
			Expires  time.Time `json:"expiresAt"`
		}{true, p.UserID, p.ID, p.UsableOnce, p.UseCount, p.ExpiresAt})
		return exitOK
	}
	if p.UsableOnce {
		fmt.Fprintf(c.stdout, "ok: one-time pass of %s redeemed; it cannot be used again\n", p.UserID)
	} else {
		fmt.Fprintf(c.stdout, "ok: pass of %s redeemed (use %d; valid until %s)\n", p.UserID, p.UseCount, p.ExpiresAt.Format(time.RFC3339))
	}
	return exitOK
}

func (c *tapCommand) revoke(ctx context.Context, svc *tap.Service) int {
	before, err := svc.Status(ctx, c.userID)
	if err != nil {
		return c.fail(tapReason(err), err)
	}
	already := !before.Pass.RevokedAt.IsZero()
	info, err := svc.Revoke(ctx, c.actor, c.userID)
	if err != nil {
		return c.fail(tapReason(err), err)
	}
	if c.asJSON {
		c.printJSON(struct {
			OK             bool `json:"ok"`
			AlreadyRevoked bool `json:"alreadyRevoked"`
			tap.Info
		}{true, already, info})
		return exitOK
	}
	if already {
		fmt.Fprintf(c.stdout, "pass %s of %s was already revoked at %s\n", info.Pass.ID, info.Pass.UserID, info.Pass.RevokedAt.Format(time.RFC3339))
	} else {
		fmt.Fprintf(c.stdout, "revoked pass %s of %s\n", info.Pass.ID, info.Pass.UserID)
	}
	return exitOK
}

func (c *tapCommand) status(ctx context.Context, svc *tap.Service) int {
	info, err := svc.Status(ctx, c.userID)
	if err != nil {
		return c.fail(tapReason(err), err)
	}
	if c.asJSON {
		c.printJSON(info)
		return exitOK
	}
	p := info.Pass
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	row := func(k, format string, a ...any) { fmt.Fprintf(tw, "%s:\t"+format+"\n", append([]any{k}, a...)...) }
	row("user", "%s", p.UserID)
	row("pass", "%s", p.ID)
	usable := "not usable"
	if info.IsUsable {
		usable = "usable"
	}
	row("status", "%s (%s)", info.Status, usable)
	row("one-time", "%s", yesNo(p.UsableOnce))
	row("created", "%s by %s", stamp(p.CreatedAt), p.CreatedBy)
	row("starts", "%s", stamp(p.StartAt))
	row("expires", "%s (%d minutes)", stamp(p.ExpiresAt), p.LifetimeInMinutes)
	if p.UseCount > 0 {
		row("uses", "%d (last %s)", p.UseCount, stamp(p.LastUsedAt))
	} else {
		row("uses", "0")
	}
	row("failed attempts", "%d", p.FailedAttempts)
	if !p.LockedAt.IsZero() {
		row("locked", "%s", stamp(p.LockedAt))
	}
	if !p.RevokedAt.IsZero() {
		row("revoked", "%s", stamp(p.RevokedAt))
	}
	tw.Flush()
	return exitOK
}

func (c *tapCommand) list(ctx context.Context, svc *tap.Service) int {
	infos := []tap.Info{}
	q := tap.Query{UserID: c.userID}
	for {
		page, err := svc.List(ctx, q)
		if err != nil {
			return c.fail("error", err)
		}
		infos = append(infos, page...)
		if len(page) < q.EffectiveLimit() {
			break
		}
		q.AfterUserID = page[len(page)-1].Pass.UserID
	}
	if c.asJSON {
		c.printJSON(infos)
		return exitOK
	}
	if len(infos) == 0 {
		fmt.Fprintln(c.stdout, "no passes")
		return exitOK
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tSTATUS\tONE-TIME\tSTARTS\tEXPIRES\tUSES\tFAILED")
	for _, i := range infos {
		p := i.Pass
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\n", p.UserID, i.Status, yesNo(p.UsableOnce),
			stamp(p.StartAt), stamp(p.ExpiresAt), p.UseCount, p.FailedAttempts)
	}
	tw.Flush()
	return exitOK
}

// purgedJSON names one pass purge deleted.
type purgedJSON struct {
	User   string     `json:"user"`
	PassID string     `json:"passId"`
	Status tap.Status `json:"status"`
}

func (c *tapCommand) purge(ctx context.Context, svc *tap.Service) int {
	gone, err := svc.PurgeExpired(ctx, c.actor)
	if err != nil {
		return c.fail("error", err)
	}
	if c.asJSON {
		passes := make([]purgedJSON, len(gone))
		for i, g := range gone {
			passes[i] = purgedJSON{g.Pass.UserID, g.Pass.ID, g.Status}
		}
		c.printJSON(struct {
			OK      bool         `json:"ok"`
			Deleted int          `json:"deleted"`
			Passes  []purgedJSON `json:"passes"`
		}{true, len(gone), passes})
		return exitOK
	}
	fmt.Fprintf(c.stdout, "deleted %d expired %s\n", len(gone), plural(len(gone), "pass", "passes"))
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	for _, g := range gone {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", g.Pass.UserID, g.Pass.ID, g.Status)
	}
	tw.Flush()
	return exitOK
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

// openTapStore opens the store --db names. A SQLite file is created only
// when create is set (by issue), so a mistyped path is reported instead of
// silently becoming an empty database.
func openTapStore(ctx context.Context, db string, create bool) (*sqlstore.Store, error) {
	if isPostgresDSN(db) {
		st, err := sqlstore.OpenPostgres(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL %s: %w", redactDSN(db), scrubDSNPassword(db, err))
		}
		return st, nil
	}
	if !create {
		if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s: issue a pass first, or point --db at the database", db)
		}
	}
	st, err := sqlstore.OpenSQLite(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", db, err)
	}
	return st, nil
}
