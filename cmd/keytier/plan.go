package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/keytier/keytier/rollout"
)

// planFormats are the --format values and the file each writes in an --out
// directory.
var planFormats = map[string]struct {
	file   string
	render func(*rollout.Plan, io.Writer) error
}{
	"markdown": {"plan.md", (*rollout.Plan).WriteMarkdown},
	"html":     {"plan.html", (*rollout.Plan).WriteHTML},
	"json":     {"plan.json", (*rollout.Plan).WriteJSON},
}

// planCmd turns a tenant snapshot into a rollout plan:
//
//	keytier plan [SNAPSHOT|- | --tenant ID] [--format markdown|html|json] [--out FILE|DIR]
//	             [--start YYYY-MM-DD] [--wave-days N] [--lang en] [audit options]
//
// Without SNAPSHOT it plans the embedded demo tenant. --out DIR (an
// existing directory, or a path ending in / which is created) writes
// plan.md, plan.html and plan.json there (only the --format one when
// --format is given). Exit 0 on a plan; 1 when a live tenant cannot be
// read or the output cannot be written; 2 on usage errors and an
// unreadable snapshot, reported as the one JSON object under --format json.
func planCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "markdown", "output format: markdown, html or json")
	out := fs.String("out", "", "write the plan to FILE, or to DIR as plan.md, plan.html and plan.json")
	start := fs.String("start", "", "the day the first wave starts, YYYY-MM-DD (default: the first Monday after the snapshot)")
	waveDays := fs.Int("wave-days", 0, fmt.Sprintf("days each wave lasts (default %d)", rollout.DefaultWaveDays))
	lang := fs.String("lang", "en", "language of the messages and runbooks: en")
	var opt auditOptionFlags
	opt.register(fs)
	var g graphFlags
	g.register(fs, true)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: keytier plan [SNAPSHOT|- | --tenant ID [--auth METHOD] [--graph-endpoint URL]] [--format markdown|html|json] [--out FILE|DIR]")
		fmt.Fprintln(stderr, "                    [--start YYYY-MM-DD] [--wave-days N] [--lang en] [--break-glass UPN,...] [--max-tap-lifetime D] [--at RFC3339] [--mds FILE]")
		fmt.Fprintln(stderr, "Turns a tenant snapshot into a rollout plan: segments, waves with their gates, messages to users, helpdesk runbooks.")
		fmt.Fprintln(stderr, "Without SNAPSHOT, the embedded demo tenant.")
		fs.PrintDefaults()
	}
	fail := func(code, msg string) int {
		fmt.Fprintln(stderr, msg)
		if formatRequested(args, "json") {
			if err := writeJSONObject(stdout, planErrorReport(code, msg)); err != nil {
				fmt.Fprintf(stderr, "keytier plan: %v\n", err)
			}
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		return fail(usageCode, fmt.Sprintf("keytier plan: "+format, a...))
	}
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		if formatRequested(args, "json") {
			_ = writeJSONObject(stdout, planErrorReport(usageCode, "keytier plan: "+err.Error()))
		}
		return exitUsage
	}
	render, ok := planFormats[*format]
	if !ok {
		return usageErr("unknown --format %q (markdown, html or json)", *format)
	}
	if fs.NArg() > 1 {
		return usageErr("one snapshot at a time, got %d", fs.NArg())
	}
	if *lang != "en" {
		return usageErr("--lang %q: the plan's words exist in English (en) only", *lang)
	}
	if *waveDays < 0 || *waveDays > 365 {
		return usageErr("--wave-days %d: want 1 to 365 days", *waveDays)
	}
	popts := rollout.Options{WaveDays: *waveDays, Lang: *lang}
	if *start != "" {
		t, err := rollout.ParseStart(*start)
		if err != nil {
			return usageErr("--start %v", err)
		}
		popts.Start = t
	}
	if err := opt.check(); err != nil {
		return usageErr("%v", err)
	}

	s, failure, err := g.snapshot(fs.Args(), stdin, stderr)
	switch failure {
	case snapshotUsage:
		return usageErr("%v", err)
	case snapshotLive:
		fmt.Fprintf(stderr, "keytier plan: %v\n", err)
		return exitFail
	case snapshotInvalid:
		return fail("snapshot", fmt.Sprintf("keytier plan: the snapshot is unreadable: %v", err))
	}
	aopts, err := opt.options(s, stderr)
	if err != nil {
		return usageErr("%v", err)
	}
	if opt.mdsFile != "" {
		if aopts.Models.MDS, err = loadMDS(opt.mdsFile, opt.mdsRoot); err != nil {
			fmt.Fprintf(stderr, "keytier plan: --mds: %v\n", err)
			return mdsLoadExit(err)
		}
	}
	popts.Audit = aopts
	p, err := rollout.Build(s, popts)
	if err != nil {
		return usageErr("%v", err)
	}

	if *out != "" && strings.HasSuffix(*out, string(os.PathSeparator)) {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			fmt.Fprintf(stderr, "keytier plan: %v\n", err)
			return exitFail
		}
	}
	if st, err := os.Stat(*out); *out != "" && err == nil && st.IsDir() {
		formats := []string{"markdown", "html", "json"}
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "format" {
				formats = []string{*format}
			}
		})
		for _, name := range formats {
			if code := writePlan(p, planFormats[name].render, filepath.Join(*out, planFormats[name].file), stdout, stderr); code != exitOK {
				return code
			}
		}
		return exitOK
	}
	return writePlan(p, render.render, *out, stdout, stderr)
}

func writePlan(p *rollout.Plan, render func(*rollout.Plan, io.Writer) error, path string, stdout, stderr io.Writer) int {
	var buf bytes.Buffer
	if err := render(p, &buf); err != nil {
		fmt.Fprintf(stderr, "keytier plan: %v\n", err)
		return exitFail
	}
	if path == "" {
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			return exitFail
		}
		return exitOK
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "keytier plan: %v\n", err)
		return exitFail
	}
	return exitOK
}

// planErrorReport is `keytier plan --format json`'s report of an error
// that stops the plan: code "usage", or "snapshot" for a snapshot that
// cannot be read; the plan's members empty.
func planErrorReport(code, message string) any {
	return struct {
		Error    usageError `json:"error"`
		Tenant   *struct{}  `json:"tenant"`
		Segments []struct{} `json:"segments"`
		Waves    []struct{} `json:"waves"`
		Messages []struct{} `json:"messages"`
		Runbooks []struct{} `json:"runbooks"`
	}{Error: usageError{Code: code, Message: message}, Segments: []struct{}{}, Waves: []struct{}{}, Messages: []struct{}{}, Runbooks: []struct{}{}}
}
