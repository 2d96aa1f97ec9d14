package main

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-webauthn/webauthn/metadata"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/peers"
	"github.com/keytier/keytier/passkey/peers/gowebauthn"
)

// defaultSample is what `keytier inspect` shows with no input: a real
// iCloud Keychain registration, verified with the relying-party settings it
// was made for.
const defaultSample = "wasmo-icloud-keychain-none"

// maxRead bounds what inspect reads from a file or stdin: one byte more
// than the library accepts, so an oversized input is reported as such.
const maxRead = passkey.MaxInputSize + 1

// maxMDSRead bounds an MDS BLOB file (production BLOBs are a few MB).
const maxMDSRead = 64 << 20

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func inspectCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		sample                                   string
		asJSON, plain, requireUV, requireTrusted bool
		vf                                       verifyFlags
	)
	vf.register(fs)
	fs.BoolVar(&requireUV, "require-uv", false, "fail when the user was not verified (UV flag)")
	fs.BoolVar(&requireTrusted, "require-trusted", false, "fail when the attestation does not chain to a trust anchor")
	fs.StringVar(&sample, "sample", "", "inspect an embedded sample by name (see 'keytier samples')")
	fs.BoolVar(&asJSON, "json", false, "print exactly one JSON object")
	fs.BoolVar(&plain, "plain", false, "explain in plain language for end users instead of for admins")
	// With --json every usage error is also the one JSON object on stdout
	// (code "usage"), so a program reading it never gets nothing.
	jsonUsage := func(msg string) int {
		if jsonRequested(args) {
			if err := writeJSONObject(stdout, inspectUsageReport(msg)); err != nil {
				fmt.Fprintf(stderr, "keytier inspect: %v\n", err)
			}
		}
		return exitUsage
	}
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return jsonUsage("keytier inspect: " + err.Error())
	}
	usageErr := func(format string, a ...any) int {
		msg := fmt.Sprintf("keytier inspect: "+format, a...)
		fmt.Fprintln(stderr, msg)
		return jsonUsage(msg)
	}
	if fs.NArg() > 1 {
		return usageErr("one input at a time, got %d", fs.NArg())
	}
	if fs.NArg() == 1 && sample != "" {
		return usageErr("give a FILE or --sample, not both")
	}

	var (
		data []byte
		err  error
		name string
	)
	switch {
	case fs.NArg() == 1:
		name = fs.Arg(0)
		data, err = readInput(name, stdin)
		if err != nil {
			return usageErr("%v", err)
		}
	default:
		if sample == "" {
			sample = defaultSample
		}
		s, err := samples.Get(sample)
		if err != nil {
			return usageErr("%v", err)
		}
		name = "sample " + s.Name
		data = s.Registration
		// A sample carries the relying-party settings it was made for.
		if vf.rpID == "" && len(vf.origins) == 0 && vf.challenge == "" {
			vf.rpID, vf.origins, vf.challenge = s.RPID, listFlag{s.Origin}, s.Challenge
			vf.crossOrigin, vf.topOrigins = s.CrossOrigin, s.TopOrigins
		}
	}

	opts, err := vf.options()
	if err != nil {
		return usageErr("%v", err)
	}
	switch {
	case opts != nil:
		opts.RequireUserVerification = requireUV
		opts.RequireTrustedAttestation = requireTrusted
	case requireUV || requireTrusted:
		return usageErr("--require-uv and --require-trusted apply to verification: add --rp-id, --origin and --challenge")
	}

	report := passkey.Analyze(data, opts)
	result := inspectResult{Report: report, Peers: peers.ForReport(data, opts, report, gowebauthn.Check, peers.SimpleWebAuthn)}
	if result.Peers == nil {
		result.Peers = []peers.Verdict{}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(result); err != nil {
			fmt.Fprintf(stderr, "keytier inspect: %v\n", err)
			return exitFail
		}
	} else {
		renderCard(stdout, name, report, plain)
		// What other libraries would decide is for the relying party's
		// developers, not for the end users --plain speaks to.
		if !plain {
			renderPeers(stdout, result.Peers)
		}
	}
	if !report.OK {
		return exitFail
	}
	return exitOK
}

// inspectResult is `keytier inspect --json`'s object: the report, and
// what go-webauthn and SimpleWebAuthn would decide for the same settings
// (empty without verification).
type inspectResult struct {
	passkey.Report
	Peers []peers.Verdict `json:"peers"`
}

// parseInterspersed lets flags follow the input name, as in
// `keytier inspect cred.json --json`.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(positional) // leaves them as fs.Args()
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	return readPolicyFile(name, stdin, maxRead)
}

func readPEMCertificates(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no PEM certificate found", path)
	}
	return certs, nil
}

func loadMDS(path, rootPath string) (*mds.BLOB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	blob, err := io.ReadAll(io.LimitReader(f, maxMDSRead))
	if err != nil {
		return nil, err
	}
	var root *x509.Certificate
	if rootPath != "" {
		certs, err := readPEMCertificates(rootPath)
		if err != nil {
			return nil, err
		}
		root = certs[0]
	} else {
		// FIDO's MDS3 root as go-webauthn ships it (GlobalSign Root R46).
		der, err := base64.StdEncoding.DecodeString(metadata.ProductionMDSRoot)
		if err != nil {
			return nil, err
		}
		if root, err = x509.ParseCertificate(der); err != nil {
			return nil, err
		}
	}
	return mds.Load(blob, mds.Options{Root: root})
}
