// Command keytier inspects, verifies and classifies passkeys from a shell.
//
//	keytier inspect [--rp-id ID] [--origin URL]... [--challenge B64URL]
//	                [--mds FILE] [--mds-root PEM] [--trust-root PEM]... [--at RFC3339]
//	                [--require-uv] [--require-trusted] [--plain] [--json] [FILE|-]
//	keytier samples
//
// Every capability is a library call; this command parses flags and renders.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0 // the credential decoded (and verified, if asked)
	exitFail  = 1 // the input is a credential that fails
	exitUsage = 2 // the command line is wrong
)

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "inspect":
		return inspectCmd(args[1:], stdin, stdout, stderr)
	case "samples":
		return samplesCmd(stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "keytier: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  keytier inspect [flags] [FILE|-]   decode, verify and classify a passkey registration
                                     (no FILE: the embedded sample; see 'keytier samples')
  keytier samples                    list the embedded real registrations

Run 'keytier inspect -h' for the inspect flags.
`)
}
