package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/passkey"
)

// policyCmd dispatches `keytier policy check|evaluate|allowlist`.
func policyCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		policyUsage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "check":
		return policyCheckCmd(args[1:], stdin, stdout, stderr)
	case "evaluate":
		return policyEvaluateCmd(args[1:], stdin, stdout, stderr)
	case "allowlist":
		return policyAllowlistCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		policyUsage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "keytier policy: unknown subcommand %q\n", args[0])
	policyUsage(stderr)
	return exitUsage
}

func policyUsage(w io.Writer) {
	fmt.Fprint(w, `usage:
  keytier policy check [FILE|-] [--json] [--mds BLOB [--mds-root PEM]]
      validate and explain a FIDO2 (passkey) method policy as Graph serves it,
      with the assurance each profile guarantees (no FILE: the embedded demo
      tenant's policy; --mds settles the key protection of allow-listed models)
  keytier policy evaluate [--policy FILE] [--groups G1,G2] [--roles R1,R2] [--user ID]
                          [verification flags] [--json] CREDENTIAL
      admit or refuse one passkey for one user, with every reason; CREDENTIAL is
      a registration response, an attestation object or a Graph fido2AuthenticationMethod
  keytier policy allowlist --mds BLOB [--mds-root PEM] [--min-certification L1|L2|L3|L3+]
                           [--fips] [--key-protection hardware|secure_element|tee|any]
                           [--include-revoked] [--profile-id ID] [--profile-name NAME]
      build a device-bound passkey profile's AAGUID allow list from FIDO metadata

Run 'keytier policy SUBCOMMAND -h' for the flags.
`)
}

// policySource is a FIDO2 policy and where it came from.
type policySource struct {
	// Name says where the policy came from, for the first line of output.
	Name string
	// Demo is the embedded demo tenant when the policy is its own; it names
	// groups and resolves users.
	Demo *graphadapter.Snapshot
	data []byte
}

// demoPolicyName is how output names the embedded demo tenant's policy.
const demoPolicyName = "the embedded demo tenant's FIDO2 policy (Northwind Fabrication)"

// readPolicy reads the policy document at name ("-" for stdin), or the
// embedded demo tenant's when name is "".
func readPolicy(name string, stdin io.Reader) (policySource, error) {
	if name == "" {
		snap := demo.Snapshot()
		c, ok := snap.AuthenticationMethodsPolicy.MethodConfiguration("Fido2")
		if !ok {
			return policySource{}, errors.New("the demo tenant has no Fido2 method configuration")
		}
		return policySource{Name: demoPolicyName, Demo: snap, data: c.Raw}, nil
	}
	// One byte over the library's limit, so an oversized policy is reported
	// by ParseFIDO2Policy as too large rather than cut short.
	data, err := readPolicyFile(name, stdin, passkey.MaxPolicySize+1)
	if err != nil {
		return policySource{}, err
	}
	src := policySource{Name: name, data: data}
	if name == "-" {
		src.Name = "standard input"
	}
	return src, nil
}

func readPolicyFile(name string, stdin io.Reader, limit int64) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	return io.ReadAll(io.LimitReader(r, limit))
}

// groupName returns the display name of a group of the demo tenant, or "".
func (s policySource) groupName(id string) string {
	if s.Demo == nil {
		return ""
	}
	if g, ok := s.Demo.GroupByID(id); ok {
		return g.DisplayName
	}
	return ""
}

// describeGroup names a target for people: "all users", "group Admins
// (513269ac-…)", or the bare id when nothing names it.
func (s policySource) describeTarget(tt passkey.TargetType, id string) string {
	switch {
	case id == passkey.AllUsers:
		return "all users"
	case tt == passkey.TargetUser:
		return "user " + id
	}
	if n := s.groupName(id); n != "" {
		return fmt.Sprintf("group %s (%s)", n, id)
	}
	if s.Demo != nil {
		return fmt.Sprintf("group %s (no such group in the demo tenant)", id)
	}
	return "group " + id
}

// policyProblem is a PolicyError in JSON.
type policyProblem struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

func policyProblemsOf(es []*passkey.PolicyError) []policyProblem {
	out := []policyProblem{}
	for _, e := range es {
		out = append(out, policyProblem{Path: e.Path, Reason: e.Reason})
	}
	return out
}

// policyErrorsOf splits a ParseFIDO2Policy error into its PolicyErrors.
func policyErrorsOf(err error) []*passkey.PolicyError {
	var pe passkey.PolicyErrors
	if errors.As(err, &pe) {
		return pe
	}
	return []*passkey.PolicyError{{Reason: err.Error()}}
}

// policyProblemPath is how text output names a path; the document root has none.
func policyProblemPath(path string) string {
	if path == "" {
		return "(document)"
	}
	return path
}

func writePolicyJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// splitPolicyList reads a comma-separated flag value, dropping empty items.
func splitPolicyList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
