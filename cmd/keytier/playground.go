package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"time"

	"github.com/keytier/keytier/playground"
)

// playgroundCmd builds the browser playground with the local Go toolchain
// and serves it on loopback, or exports it as a static site:
//
//	keytier playground [--addr 127.0.0.1:8080] [--open]
//	keytier playground --export DIR
//
// The go command's build cache makes every build after the first take a
// second or two. Exit 0 when served until interrupted or exported; 1 when
// the build or the listener fails; 2 for usage errors.
func playgroundCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("playground", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "loopback address to serve on")
	open := fs.Bool("open", false, "open the page in the default browser")
	export := fs.String("export", "", "write the static site into DIR (created if missing) instead of serving")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: keytier playground [--addr 127.0.0.1:8080] [--open] | --export DIR")
		fmt.Fprintln(stderr, "Builds the playground (WASM) with the local Go toolchain and serves it; nothing pasted leaves the page.")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "keytier playground: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	ctx, stop := signalContext()
	defer stop()

	if *export != "" {
		if err := os.MkdirAll(*export, 0o755); err != nil {
			fmt.Fprintf(stderr, "keytier playground: %v\n", err)
			return exitFail
		}
		if err := buildPlayground(ctx, *export); err != nil {
			fmt.Fprintf(stderr, "keytier playground: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "wrote the playground to %s; serve it from any static host (keytier.wasm as application/wasm)\n", *export)
		return exitOK
	}

	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "keytier playground: --addr: %v\n", err)
		return exitUsage
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(stderr, "keytier playground: --addr %s is not a loopback address; use --export to publish the site\n", *addr)
		return exitUsage
	}
	dir, err := os.MkdirTemp("", "keytier-playground-")
	if err != nil {
		fmt.Fprintf(stderr, "keytier playground: %v\n", err)
		return exitFail
	}
	defer os.RemoveAll(dir)
	if err := buildPlayground(ctx, dir); err != nil {
		fmt.Fprintf(stderr, "keytier playground: %v\n", err)
		return exitFail
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "keytier playground: %v\n", err)
		return exitFail
	}
	// localhost, not the IP: WebAuthn ("create a real passkey") needs a
	// secure context and a domain for its relying party id.
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	url := "http://localhost:" + port + "/"
	srv := &http.Server{Handler: playground.Handler(dir), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "keytier playground: %s (Ctrl-C to stop)\n", url)
	if *open {
		openBrowser(url, stderr)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "keytier playground: %v\n", err)
		return exitFail
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return exitOK
}

func buildPlayground(ctx context.Context, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	return playground.Build(ctx, dir)
}

// openBrowser asks the desktop to open url; failing that, it says so.
func openBrowser(url string, stderr io.Writer) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "keytier playground: could not open a browser (%v); open %s yourself\n", err, url)
		return
	}
	go func() { _ = cmd.Wait() }()
}
