package main

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/keytier/keytier/passkey"
)

// verifyFlags are the verification flags inspect and policy evaluate share.
type verifyFlags struct {
	rpID, challenge, mdsFile, mdsRoot, at string
	origins, topOrigins, trustRoots       listFlag
	crossOrigin                           bool
}

// register adds the verification flags to fs.
func (v *verifyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&v.rpID, "rp-id", "", "relying party id the credential was created for (enables verification)")
	fs.Var(&v.origins, "origin", "allowed origin, e.g. https://login.example.com (repeatable)")
	fs.Var(&v.topOrigins, "top-origin", "allowed top origin for cross-origin iframes (repeatable; implies --cross-origin)")
	fs.BoolVar(&v.crossOrigin, "cross-origin", false, "accept registrations made in a cross-origin iframe")
	fs.StringVar(&v.challenge, "challenge", "", "the challenge the relying party sent, base64url")
	fs.StringVar(&v.mdsFile, "mds", "", "FIDO MDS3 BLOB file (trust anchors, key protection, certification, status)")
	fs.StringVar(&v.mdsRoot, "mds-root", "", "PEM root the MDS BLOB must chain to (default: FIDO's MDS3 root, GlobalSign Root R46, as go-webauthn ships it)")
	fs.Var(&v.trustRoots, "trust-root", "PEM file of attestation root certificates to trust (repeatable)")
	fs.StringVar(&v.at, "at", "", "reference time for certificate validity, RFC 3339 (default: now)")
}

func (v verifyFlags) any() bool {
	return v.rpID != "" || len(v.origins) > 0 || v.challenge != "" || v.mdsFile != "" || v.mdsRoot != "" ||
		len(v.trustRoots) > 0 || v.at != "" || len(v.topOrigins) > 0 || v.crossOrigin
}

// options returns nil when no verification was asked for.
func (v verifyFlags) options() (*passkey.VerifyOptions, error) {
	if v.rpID == "" && len(v.origins) == 0 && v.challenge == "" {
		if v.any() {
			return nil, errors.New("--mds, --trust-root, --at and the origin flags apply to verification: add --rp-id, --origin and --challenge")
		}
		return nil, nil
	}
	if v.rpID == "" || len(v.origins) == 0 || v.challenge == "" {
		return nil, errors.New("verification needs --rp-id, --origin and --challenge together")
	}
	ch, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v.challenge, "="))
	if err != nil {
		return nil, fmt.Errorf("--challenge is not base64url: %v", err)
	}
	opts := &passkey.VerifyOptions{
		RPID:             v.rpID,
		Origins:          v.origins,
		TopOrigins:       v.topOrigins,
		AllowCrossOrigin: v.crossOrigin || len(v.topOrigins) > 0,
		Challenge:        ch,
		Algorithms:       passkey.SupportedAlgorithms(),
	}
	// An origin keytier cannot compare exactly is the command line's fault.
	if err := opts.Validate(); err != nil {
		var pe *passkey.Error
		if errors.As(err, &pe) && pe.Code == passkey.CodeOptionsInvalid {
			flagName := "--origin"
			if strings.HasPrefix(pe.Where, "VerifyOptions.TopOrigins") {
				flagName = "--top-origin"
			}
			return nil, fmt.Errorf("%s: %s", flagName, pe.Reason)
		}
		return nil, err
	}
	if v.at != "" {
		if opts.Time, err = time.Parse(time.RFC3339, v.at); err != nil {
			return nil, fmt.Errorf("--at: %v", err)
		}
	}
	for _, f := range v.trustRoots {
		certs, err := readPEMCertificates(f)
		if err != nil {
			return nil, fmt.Errorf("--trust-root: %v", err)
		}
		opts.Roots = append(opts.Roots, certs...)
	}
	if v.mdsFile != "" {
		if opts.MDS, err = loadMDS(v.mdsFile, v.mdsRoot); err != nil {
			return nil, fmt.Errorf("--mds: %v", err)
		}
	} else if v.mdsRoot != "" {
		return nil, errors.New("--mds-root needs --mds")
	}
	return opts, nil
}
