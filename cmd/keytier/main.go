// Command keytier inspects, verifies and classifies passkeys, checks Entra
// passkey policies, audits a tenant's rollout and manages Temporary Access
// Passes, from a shell.
//
//	keytier playground [--addr 127.0.0.1:8080] [--open] | --export DIR
//	keytier inspect [--rp-id ID] [--origin URL]... [--challenge B64URL]
//	                [--mds FILE] [--mds-root PEM] [--trust-root PEM]... [--at RFC3339]
//	                [--require-uv] [--require-trusted] [--plain] [--json] [FILE|-]
//	keytier samples
//	keytier policy check|evaluate|allowlist ...
//	keytier audit [SNAPSHOT | --tenant ID] [--format text|json|markdown|html] [--out FILE]
//		[--break-glass UPN,...] [--max-tap-lifetime DURATION] [--at TIME]
//	keytier snapshot --tenant ID [--auth METHOD] [--graph-endpoint URL] --out FILE
//	keytier tap issue|redeem|revoke|status|list|purge --db PATH_OR_DSN --user ID ...
//	keytier tap issue --tenant ID --user UPN [--auth METHOD] (an Entra pass, through Graph)
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
	case "signin":
		return signinCmd(args[1:], stdin, stdout, stderr)
	case "samples":
		return samplesCmd(stdout, stderr)
	case "policy":
		return policyCmd(args[1:], stdin, stdout, stderr)
	case "fleet":
		return fleetCmd(args[1:], stdin, stdout, stderr)
	case "audit":
		return auditCmd(args[1:], stdin, stdout, stderr)
	case "plan":
		return planCmd(args[1:], stdin, stdout, stderr)
	case "tap":
		return tapCmd(args[1:], stdin, stdout, stderr)
	case "snapshot":
		return snapshotCmd(args[1:], stdout, stderr)
	case "playground":
		return playgroundCmd(args[1:], stdout, stderr)
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
  keytier playground [--open]        build and serve the browser playground on loopback
                                     (--export DIR: a static site for any web host)
  keytier inspect [flags] [FILE|-]   decode, verify and classify a passkey registration
                                     (no FILE: the embedded sample; see 'keytier samples')
  keytier samples                    list the embedded real registrations
  keytier signin --record FILE [flags] [ASSERTION|-]
                                     verify a sign-in against a stored credential
                                     record; print the events and the updated record
  keytier policy check|evaluate|allowlist
                                     validate and explain an Entra FIDO2 policy, decide
                                     whether it admits a credential, build an AAGUID
                                     allow list from FIDO metadata
  keytier fleet [--format F] FILE|-  classify stored credentials in bulk (JSON array or
                                     JSON Lines of records, go-webauthn rows, Graph methods;
                                     a tenant snapshot's passkeys)
  keytier audit [SNAPSHOT]           run the rollout checklist over a tenant snapshot
                                     (no SNAPSHOT: the embedded demo tenant;
                                     --tenant ID: a live tenant through Microsoft Graph)
  keytier plan [SNAPSHOT]            a rollout plan from the same snapshot: segments, waves,
                                     messages to users, helpdesk runbooks (markdown, html, json)
  keytier snapshot --tenant ID --out FILE
                                     capture a live tenant through Microsoft Graph
  keytier tap issue|redeem|revoke|status|list|purge
                                     Temporary Access Passes on SQLite or PostgreSQL;
                                     'tap issue --tenant ID' creates an Entra pass

Run 'keytier COMMAND -h' for a command's flags.
`)
}
