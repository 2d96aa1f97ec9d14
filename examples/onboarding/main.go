// Command onboarding is a passwordless onboarding and recovery portal built on
// keytier: an admin creates a user and issues a Temporary Access Pass, the new
// hire redeems it and registers a passkey that keytier verifies, classifies
// and checks against the FIDO2 policy's passkey profiles, and the helpdesk
// revokes a lost passkey and issues a recovery pass. See README.md.
//
//	go run ./examples/onboarding [-addr 127.0.0.1:8080] [-db FILE] [-policy FILE]
//	    [-attestation-roots PEM] [-mds BLOB -mds-root PEM]
package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"time"

	"github.com/keytier/keytier/examples/onboarding/portal"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/tap/sqlstore"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "onboarding:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8080", "loopback address to listen on")
	dbPath := flag.String("db", filepath.Join(os.TempDir(), "keytier-onboarding.db"), "SQLite database file (created if missing)")
	policyPath := flag.String("policy", "", "Graph JSON FIDO2 method policy with passkey profiles (default: the embedded two-profile policy)")
	rootsPath := flag.String("attestation-roots", "", "PEM file of attestation root certificates to trust")
	mdsPath := flag.String("mds", "", "FIDO MDS3 BLOB (JWT) to trust attestations by; needs -mds-root")
	mdsRootPath := flag.String("mds-root", "", "PEM file of the root the MDS BLOB's signature chains to")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ln, err := listenLoopback(*addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	// WebAuthn needs a secure context; http://localhost is one, and
	// "localhost" is the relying party id.
	origin := "http://localhost:" + strconv.Itoa(port)

	opts := portal.Options{Origin: origin, Logger: log}
	if *policyPath != "" {
		b, err := os.ReadFile(*policyPath)
		if err != nil {
			return err
		}
		if opts.Policy, err = passkey.ParseFIDO2Policy(b); err != nil {
			return fmt.Errorf("%s: %w", *policyPath, err)
		}
	}
	if *rootsPath != "" {
		if opts.Roots, err = readCertificates(*rootsPath); err != nil {
			return err
		}
	}
	if *mdsPath != "" {
		if opts.MDS, err = loadMDS(*mdsPath, *mdsRootPath); err != nil {
			return err
		}
	}

	st, err := sqlstore.OpenSQLite(ctx, *dbPath)
	if err != nil {
		return fmt.Errorf("opening %s: %w", *dbPath, err)
	}
	defer st.Close()
	opts.DB = st.DB()
	p, err := portal.New(ctx, opts)
	if err != nil {
		return err
	}
	if err := p.SeedDemo(ctx); err != nil {
		return err
	}

	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	fmt.Printf("keytier onboarding portal: %s/\n  database %s\n  press Ctrl-C to stop\n", origin, *dbPath)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// listenLoopback listens on addr, which must be a loopback address: the admin
// and helpdesk pages have no sign-in of their own.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("-addr %q: listen on a loopback address such as 127.0.0.1:8080; the admin and helpdesk pages have no sign-in", addr)
	}
	return net.Listen("tcp", addr)
}

func readCertificates(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for i := 0; ; i++ {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: PEM block %d: %w", path, i, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no PEM CERTIFICATE block", path)
	}
	return certs, nil
}

func loadMDS(blobPath, rootPath string) (*mds.BLOB, error) {
	if rootPath == "" {
		return nil, errors.New("-mds needs -mds-root: the root certificate the BLOB's signature chains to (FIDO publishes it at https://fidoalliance.org/metadata/)")
	}
	roots, err := readCertificates(rootPath)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(blobPath)
	if err != nil {
		return nil, err
	}
	blob, err := mds.Load(b, mds.Options{Root: roots[0]})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", blobPath, err)
	}
	return blob, nil
}
