package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/msgraph"
)

// graphFlags are the flags of the commands that talk to a live tenant.
type graphFlags struct {
	tenant, auth, endpoint string
	concurrency            int
}

func (g *graphFlags) register(fs *flag.FlagSet, concurrency bool) {
	fs.StringVar(&g.tenant, "tenant", "", "Microsoft Entra tenant id or verified domain")
	names := make([]string, 0, len(msgraph.AuthMethods()))
	for _, m := range msgraph.AuthMethods() {
		names = append(names, string(m))
	}
	fs.StringVar(&g.auth, "auth", string(msgraph.AuthDefault), "how to sign in: "+strings.Join(names, ", ")+
		" (token reads "+msgraph.TokenEnv+")")
	fs.StringVar(&g.endpoint, "graph-endpoint", msgraph.Global.Endpoint,
		"Microsoft Graph endpoint: https://graph.microsoft.com, https://graph.microsoft.us, https://dod-graph.microsoft.us or https://microsoftgraph.chinacloudapi.cn")
	if concurrency {
		fs.IntVar(&g.concurrency, "concurrency", 4, "$batch requests in flight at once (each carries 20 users)")
	}
}

// directory signs in and returns the tenant's Graph directory.
func (g *graphFlags) directory(stderr io.Writer) (*msgraph.Directory, error) {
	c, err := msgraph.CloudFor(g.endpoint)
	if err != nil {
		return nil, err
	}
	cred, err := msgraph.NewCredential(msgraph.AuthMethod(g.auth), c, msgraph.CredentialOptions{TenantID: g.tenant, Prompt: stderr})
	if err != nil {
		return nil, err
	}
	return msgraph.New(msgraph.Config{Endpoint: c.Endpoint, Credential: cred})
}

// liveSnapshot reads the whole tenant, drawing progress on stderr.
func (g *graphFlags) liveSnapshot(ctx context.Context, stderr io.Writer) (*graphadapter.Snapshot, error) {
	dir, err := g.directory(stderr)
	if err != nil {
		return nil, err
	}
	bar := newProgressBar(stderr, time.Now)
	s, err := graphadapter.BuildSnapshot(ctx, dir, graphadapter.BuildOptions{Concurrency: g.concurrency, Progress: bar.update})
	bar.finish(err)
	return s, err
}

// snapshotCmd captures a live tenant:
//
//	keytier snapshot --tenant ID [--auth METHOD] [--graph-endpoint URL] --out FILE
//
// The file is the snapshot document keytier audit reads. Exit 0 when it
// was written, 1 when the tenant could not be read, 2 for usage errors.
func snapshotCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var g graphFlags
	g.register(fs, true)
	out := fs.String("out", "", "write the snapshot to FILE (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: keytier snapshot --tenant ID [--auth METHOD] [--graph-endpoint URL] --out FILE")
		fmt.Fprintln(stderr, "Reads a tenant through Microsoft Graph into a snapshot file for 'keytier audit FILE'.")
		fmt.Fprintln(stderr, "Permissions: Organization.Read.All, Policy.Read.All, User.Read.All,")
		fmt.Fprintln(stderr, "UserAuthenticationMethod.Read.All, GroupMember.Read.All, RoleManagement.Read.Directory.")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "keytier snapshot: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case *out == "":
		return usageErr("--out FILE is required")
	case g.tenant == "":
		return usageErr("--tenant is required")
	case g.concurrency < 1 || g.concurrency > 32:
		return usageErr("--concurrency must be between 1 and 32")
	}
	ctx, stop := signalContext()
	defer stop()
	s, err := g.liveSnapshot(ctx, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "keytier snapshot: %v\n", err)
		return exitFail
	}
	data, err := s.Marshal()
	if err == nil {
		err = writeFileAtomic(*out, data, 0o600)
	}
	if err != nil {
		fmt.Fprintf(stderr, "keytier snapshot: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote %s: %d users, %d groups, %d role assignments of tenant %s\n",
		*out, len(s.Users), len(s.Groups), len(s.RoleAssignments), s.Tenant.ID)
	return exitOK
}

// signalContext is cancelled by an interrupt (Ctrl-C).
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path, so a reader never sees half a snapshot.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// progressBar draws BuildSnapshot's progress on one line of a terminal, or
// a line every few seconds elsewhere (a CI log).
type progressBar struct {
	w      io.Writer
	tty    bool
	now    func() time.Time
	start  time.Time
	last   time.Time
	latest graphadapter.Progress
	drawn  bool
	every  time.Duration
}

func newProgressBar(w io.Writer, now func() time.Time) *progressBar {
	b := &progressBar{w: w, tty: isTerminalWriter(w), now: now, start: now()}
	b.every = 5 * time.Second
	if b.tty {
		b.every = 100 * time.Millisecond
	}
	return b
}

func (b *progressBar) update(p graphadapter.Progress) {
	b.latest = p
	if t := b.now(); t.Sub(b.last) >= b.every || p.Step == graphadapter.StepCompleted {
		b.last = t
		b.draw()
	}
}

func (b *progressBar) draw() {
	line := progressLine(b.latest, b.now().Sub(b.start))
	if b.tty {
		fmt.Fprintf(b.w, "\r\033[K%s", line)
		b.drawn = true
		return
	}
	fmt.Fprintln(b.w, line)
}

func (b *progressBar) finish(err error) {
	if b.tty && b.drawn {
		if err == nil {
			b.draw()
		}
		fmt.Fprintln(b.w)
	}
}

// progressLine renders p: a bar of users whose methods are read, the
// counts, and the time left at the pace so far.
func progressLine(p graphadapter.Progress, elapsed time.Duration) string {
	const width = 24
	var sb strings.Builder
	filled := 0
	if p.UsersTotal > 0 {
		filled = width * p.UsersDone / p.UsersTotal
	}
	sb.WriteString("[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "] ")
	fmt.Fprintf(&sb, "%s · users %d/%d · %d requests · %d throttled", p.Step, p.UsersDone, p.UsersTotal, p.Requests, p.Throttled)
	if p.UsersDone > 0 && p.UsersDone < p.UsersTotal && p.Step == graphadapter.StepMethods {
		left := time.Duration(float64(elapsed) * float64(p.UsersTotal-p.UsersDone) / float64(p.UsersDone))
		fmt.Fprintf(&sb, " · ETA %s", left.Round(time.Second))
	}
	fmt.Fprintf(&sb, " · %s", elapsed.Round(time.Second))
	return sb.String()
}

// isTerminalWriter reports whether w is a character device.
func isTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// issueEntra creates an Entra Temporary Access Pass through Graph and
// prints its code, once. Graph applies the tenant's TAP policy.
func (c *tapCommand) issueEntra() int {
	if c.policyFile != "" {
		return c.usageErr("--policy applies to keytier's own passes; with --tenant the tenant's policy decides")
	}
	req := graphadapter.TemporaryAccessPassRequest{LifetimeInMinutes: int(c.lifetime / time.Minute)}
	start, err := c.startAt()
	if err != nil {
		return c.usageErr("%v", err)
	}
	req.StartDateTime = start
	switch {
	case c.once:
		req.IsUsableOnce = new(true)
	case c.multi:
		req.IsUsableOnce = new(false)
	}
	ctx, stop := signalContext()
	defer stop()
	dir, err := c.graph.directory(c.stderr)
	if err != nil {
		return c.usageErr("%v", err)
	}
	created, err := dir.CreateTemporaryAccessPass(ctx, c.userID, req)
	if err != nil {
		switch {
		case errors.Is(err, graphadapter.ErrInvalidRequest):
			return c.usageErr("%v", err)
		case errors.Is(err, graphadapter.ErrNotFound):
			return c.fail("not-found", err)
		case errors.Is(err, graphadapter.ErrForbidden):
			return c.fail("forbidden", fmt.Errorf("%w (the signed-in identity needs UserAuthMethod-TAP.ReadWrite.All and a role that may manage the user's methods)", err))
		}
		return c.fail("error", err)
	}
	p, _ := created.Method.TemporaryAccessPass()
	var expires time.Time
	if p.StartDateTime != nil {
		expires = p.StartDateTime.Add(time.Duration(p.LifetimeInMinutes) * time.Minute)
	}
	if c.asJSON {
		var start time.Time
		if p.StartDateTime != nil {
			start = *p.StartDateTime
		}
		c.printJSON(issuedJSON{User: c.userID, Code: created.Code.Reveal(), StartsAt: start, ExpiresAt: expires, OneTime: p.IsUsableOnce})
		return exitOK
	}
	fmt.Fprintf(c.stdout, "Temporary Access Pass for %s (Microsoft Entra, tenant %s)\n", c.userID, c.graph.tenant)
	fmt.Fprintf(c.stdout, "  code:     %s\n", created.Code.Reveal())
	if p.StartDateTime != nil {
		fmt.Fprintf(c.stdout, "  starts:   %s\n", p.StartDateTime.Format(time.RFC3339))
		fmt.Fprintf(c.stdout, "  expires:  %s (%d minutes)\n", expires.Format(time.RFC3339), p.LifetimeInMinutes)
	}
	fmt.Fprintf(c.stdout, "  one-time: %s\n", yesNo(p.IsUsableOnce))
	fmt.Fprintf(c.stdout, "Hand the code to the user now: Graph returns it once and keytier does not keep it.\n")
	return exitOK
}

// snapshotFailure says why a command could not get its snapshot, since
// commands report a wrong command line, a live tenant that could not be
// read and a snapshot that does not read differently.
type snapshotFailure int

const (
	snapshotUsage   snapshotFailure = iota + 1 // the command line is wrong
	snapshotLive                               // reading the live tenant failed
	snapshotInvalid                            // the snapshot does not read
)

// snapshot returns the snapshot a command was given: --tenant (a live
// tenant), a SNAPSHOT file, "-" (stdin), or none (the embedded demo
// tenant). args are the command's positional arguments.
func (g *graphFlags) snapshot(args []string, stdin io.Reader, stderr io.Writer) (*graphadapter.Snapshot, snapshotFailure, error) {
	switch {
	case g.tenant != "" && len(args) > 0:
		return nil, snapshotUsage, errors.New("give a SNAPSHOT file or --tenant, not both")
	case g.tenant != "":
		ctx, stop := signalContext()
		defer stop()
		s, err := g.liveSnapshot(ctx, stderr)
		if err != nil {
			return nil, snapshotLive, err
		}
		return s, 0, nil
	case len(args) == 0:
		return demo.Snapshot(), 0, nil
	case args[0] == "-":
		data, err := io.ReadAll(io.LimitReader(stdin, graphadapter.MaxSnapshotSize+1))
		if err != nil {
			return nil, snapshotUsage, err
		}
		s, err := graphadapter.Load(data)
		if err != nil {
			return nil, snapshotInvalid, err
		}
		return s, 0, nil
	}
	if _, err := os.Stat(args[0]); err != nil {
		return nil, snapshotUsage, err
	}
	s, err := graphadapter.LoadFile(args[0])
	if err != nil {
		return nil, snapshotInvalid, err
	}
	return s, 0, nil
}
