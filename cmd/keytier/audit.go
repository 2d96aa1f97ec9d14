package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/readiness"
)

// auditFormats are the --format values, each a renderer of the report.
var auditFormats = map[string]func(io.Writer, readiness.Report) error{
	"text":     renderAuditText,
	"json":     renderAuditJSON,
	"markdown": renderAuditMarkdown,
	"html":     renderAuditHTML,
}

// auditCmd runs the readiness checklist:
//
//	keytier audit [SNAPSHOT|-] [--format text|json|markdown|html] [--out FILE]
//
// Without SNAPSHOT it audits the embedded demo tenant. Exit 0 when the
// audit ran, findings or not; 1 when the snapshot is invalid (or the output
// cannot be written); 2 for usage errors.
func auditCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text, json, markdown or html")
	out := fs.String("out", "", "write the report to FILE instead of standard output")
	var g graphFlags
	g.register(fs, true)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: keytier audit [SNAPSHOT|- | --tenant ID [--auth METHOD] [--graph-endpoint URL]] [--format text|json|markdown|html] [--out FILE]")
		fmt.Fprintln(stderr, "Audits a tenant snapshot (graphadapter's JSON document); without SNAPSHOT, the embedded demo tenant.")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "keytier audit: "+format+"\n", a...)
		return exitUsage
	}
	render, ok := auditFormats[*format]
	if !ok {
		return usageErr("unknown --format %q (text, json, markdown or html)", *format)
	}
	if fs.NArg() > 1 {
		return usageErr("one snapshot at a time, got %d", fs.NArg())
	}

	var s *graphadapter.Snapshot
	switch {
	case g.tenant != "" && fs.NArg() > 0:
		return usageErr("give a SNAPSHOT file or --tenant, not both")
	case g.tenant != "":
		ctx, stop := signalContext()
		defer stop()
		var err error
		if s, err = g.liveSnapshot(ctx, stderr); err != nil {
			fmt.Fprintf(stderr, "keytier audit: %v\n", err)
			return exitFail
		}
	case fs.NArg() == 0:
		s = demo.Snapshot()
	case fs.Arg(0) == "-":
		data, err := io.ReadAll(io.LimitReader(stdin, graphadapter.MaxSnapshotSize+1))
		if err != nil {
			return usageErr("%v", err)
		}
		if s, err = graphadapter.Load(data); err != nil {
			fmt.Fprintf(stderr, "keytier audit: the snapshot is invalid: %v\n", err)
			return exitFail
		}
	default:
		if _, err := os.Stat(fs.Arg(0)); err != nil {
			return usageErr("%v", err)
		}
		var err error
		if s, err = graphadapter.LoadFile(fs.Arg(0)); err != nil {
			fmt.Fprintf(stderr, "keytier audit: the snapshot is invalid: %v\n", err)
			return exitFail
		}
	}

	r := readiness.Run(s, readiness.Options{})
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
