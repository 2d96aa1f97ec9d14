package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/readiness"
)

// auditFormats are the --format values, each a renderer of the report.
var auditFormats = map[string]func(io.Writer, readiness.Report) error{
	"text":     renderAuditText,
	"json":     renderAuditJSON,
	"markdown": renderAuditMarkdown,
	"html":     renderAuditHTML,
}

// auditOptionFlags are the flags that become readiness.Options.
type auditOptionFlags struct {
	breakGlass []string // nil: not given, readiness's own rule
	none       bool     // --break-glass none
	maxTAP     time.Duration
	at         string
	// mdsFile and mdsRoot: a FIDO MDS3 BLOB that settles the key
	// protection of models the catalog cannot (readiness.Options.Models).
	mdsFile, mdsRoot string
}

func (o *auditOptionFlags) register(fs *flag.FlagSet) {
	fs.Func("break-glass", "the tenant's emergency access accounts by userPrincipalName, comma-separated or repeated; none: the tenant has none (default: keytier's rule, accounts named like bg-/breakglass/emergency or excluded from all Conditional Access)", func(v string) error {
		if v == "none" {
			o.none = true
		} else {
			for _, upn := range strings.Split(v, ",") {
				upn = strings.TrimSpace(upn)
				if local, domain, ok := strings.Cut(upn, "@"); !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.ContainsFunc(upn, func(r rune) bool { return r <= ' ' }) {
					return fmt.Errorf("%q is not a userPrincipalName (name@domain)", upn)
				}
				o.breakGlass = append(o.breakGlass, upn)
			}
		}
		if o.breakGlass == nil {
			o.breakGlass = []string{}
		}
		return nil
	})
	fs.Func("max-tap-lifetime", "longest acceptable Temporary Access Pass lifetime, in the policy and in users' passes: 10m to 720h (30d), whole minutes (default 8h, Entra's default maximum)", func(v string) error {
		d, err := time.ParseDuration(v)
		if days, ok := strings.CutSuffix(v, "d"); ok && err != nil {
			n, nerr := strconv.Atoi(days)
			d, err = time.Duration(n)*24*time.Hour, nerr
		}
		switch {
		case err != nil:
			return errors.New("want a duration such as 4h, 90m or 1d")
		case d%time.Minute != 0:
			return errors.New("Entra counts lifetimes in whole minutes")
		case d < 10*time.Minute || d > 30*24*time.Hour:
			return errors.New("Entra passes live 10 minutes to 30 days (10m to 720h)")
		}
		o.maxTAP = d
		return nil
	})
	fs.StringVar(&o.mdsFile, "mds", "", "FIDO MDS3 BLOB: settles the key protection of passkey models the catalog cannot (Windows Hello, Android), for users' levels and the privileged profile's floor, as keytier policy check --mds does")
	fs.StringVar(&o.mdsRoot, "mds-root", "", "PEM root the MDS BLOB must chain to (default: FIDO's MDS3 root, GlobalSign Root R46, as go-webauthn ships it)")
	fs.StringVar(&o.at, "at", "", "the time the audit is as of, RFC 3339: which passes are still active (default: the snapshot's capturedAt)")
}

// check validates what the flags say alone, before a snapshot is read.
func (o *auditOptionFlags) check() error {
	if o.none && len(o.breakGlass) > 0 {
		return errors.New("--break-glass none cannot be combined with accounts")
	}
	if o.mdsRoot != "" && o.mdsFile == "" {
		return errors.New("--mds-root needs --mds")
	}
	if o.at != "" {
		if _, err := time.Parse(time.RFC3339, o.at); err != nil {
			return fmt.Errorf("--at %q: want RFC 3339, e.g. 2026-06-01T09:00:00Z", o.at)
		}
	}
	return nil
}

// options returns the readiness options for s. A --break-glass account that
// s does not hold is an error: readiness would silently ignore it and
// report that the tenant has no emergency access account.
func (o *auditOptionFlags) options(s *graphadapter.Snapshot, stderr io.Writer) (readiness.Options, error) {
	opts := readiness.Options{MaxTAPLifetime: o.maxTAP}
	if o.at != "" {
		opts.At, _ = time.Parse(time.RFC3339, o.at) // check accepted it
	}
	if o.breakGlass != nil {
		opts.BreakGlass = []string{}
		seen := map[string]bool{}
		for _, upn := range o.breakGlass {
			u, ok := s.UserByUPN(upn)
			if !ok {
				return opts, fmt.Errorf("--break-glass: the snapshot has no user %q", upn)
			}
			if seen[u.ID] {
				continue
			}
			seen[u.ID] = true
			if !u.Enabled() {
				fmt.Fprintf(stderr, "keytier audit: --break-glass: %s is disabled; the audit counts enabled accounts only\n", u.UserPrincipalName)
			}
			opts.BreakGlass = append(opts.BreakGlass, u.UserPrincipalName)
		}
	}
	return opts, nil
}

// auditCmd runs the readiness checklist:
//
//	keytier audit [SNAPSHOT|-] [--format text|json|markdown|html] [--out FILE]
//	              [--break-glass UPN[,UPN...]|none] [--max-tap-lifetime DURATION] [--at RFC3339]
//	              [--mds FILE [--mds-root PEM]]
//
// The last four are readiness.Options (--mds is Options.Models.MDS). Without SNAPSHOT it audits the embedded demo tenant. Exit 0 when the
// audit ran, findings or not; 1 when the snapshot is invalid (or the output
// cannot be written); 2 for usage errors.
func auditCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text, json, markdown or html")
	out := fs.String("out", "", "write the report to FILE instead of standard output")
	var opt auditOptionFlags
	opt.register(fs)
	var g graphFlags
	g.register(fs, true)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: keytier audit [SNAPSHOT|- | --tenant ID [--auth METHOD] [--graph-endpoint URL]] [--format text|json|markdown|html] [--out FILE]")
		fmt.Fprintln(stderr, "                     [--break-glass UPN[,UPN...]|none] [--max-tap-lifetime DURATION] [--at RFC3339] [--mds FILE [--mds-root PEM]]")
		fmt.Fprintln(stderr, "Audits a tenant snapshot (graphadapter's JSON document); without SNAPSHOT, the embedded demo tenant.")
		fs.PrintDefaults()
	}
	// With --format json every usage error is also the one JSON object on
	// stdout (error code "usage"), as inspect's --json is.
	jsonUsage := func(msg string) int {
		if formatRequested(args, "json") {
			if err := writeJSONObject(stdout, auditUsageReport(msg)); err != nil {
				fmt.Fprintf(stderr, "keytier audit: %v\n", err)
			}
		}
		return exitUsage
	}
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return jsonUsage("keytier audit: " + err.Error())
	}
	usageErr := func(format string, a ...any) int {
		msg := fmt.Sprintf("keytier audit: "+format, a...)
		fmt.Fprintln(stderr, msg)
		return jsonUsage(msg)
	}
	render, ok := auditFormats[*format]
	if !ok {
		return usageErr("unknown --format %q (text, json, markdown or html)", *format)
	}
	if fs.NArg() > 1 {
		return usageErr("one snapshot at a time, got %d", fs.NArg())
	}
	if err := opt.check(); err != nil {
		return usageErr("%v", err)
	}

	s, failure, err := g.snapshot(fs.Args(), stdin, stderr)
	switch failure {
	case snapshotUsage:
		return usageErr("%v", err)
	case snapshotLive:
		fmt.Fprintf(stderr, "keytier audit: %v\n", err)
		return exitFail
	case snapshotInvalid:
		fmt.Fprintf(stderr, "keytier audit: the snapshot is invalid: %v\n", err)
		return exitFail
	}

	opts, err := opt.options(s, stderr)
	if err != nil {
		return usageErr("%v", err)
	}
	if opt.mdsFile != "" {
		if opts.Models.MDS, err = loadMDS(opt.mdsFile, opt.mdsRoot); err != nil {
			fmt.Fprintf(stderr, "keytier audit: --mds: %v\n", err)
			return mdsLoadExit(err)
		}
		if opts.Models.MDS.Stale(time.Now()) {
			fmt.Fprintf(stderr, "keytier audit: the BLOB is past its nextUpdate (%s): fetch a newer one\n", opts.Models.MDS.NextUpdate.Format("2006-01-02"))
		}
	}
	r := readiness.Run(s, opts)
	var buf bytes.Buffer
	if err := render(&buf, r); err != nil {
		fmt.Fprintf(stderr, "keytier audit: %v\n", err)
		return exitFail
	}
	if *out == "" {
		_, err := stdout.Write(buf.Bytes())
		if err != nil {
			return exitFail
		}
		return exitOK
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "keytier audit: %v\n", err)
		return exitFail
	}
	return exitOK
}
