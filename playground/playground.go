package playground

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// WASMPackage is the import path Build compiles for GOOS=js GOARCH=wasm.
const WASMPackage = "github.com/keytier/keytier/playground/wasm"

// WASMGCFlags are the compiler flags of the WASM build: no inlining in the
// packages outside the standard library (keytier's and its
// dependencies'). Inlined copies and their position tables are a tenth of
// the download; the page's work is a few milliseconds per verdict, the
// standard library (runtime, crypto, encoding) keeps its inlining, and the
// download is the budget that binds (docs/playground.md has the figures
// both ways).
const WASMGCFlags = "github.com/...=-l"

// ContentSecurityPolicy is the policy the page declares in its meta tag and
// Handler sends as a header: its own scripts, styles and WASM, nothing
// from anywhere else.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"

//go:embed web/index.html web/style.css web/app.js web/icon.svg
var web embed.FS

// Files are the names Build writes into its directory.
var Files = []string{"index.html", "style.css", "app.js", "icon.svg", "wasm_exec.js", "keytier.wasm"}

// Build writes the playground into dir, which must exist: the page
// (index.html, style.css, app.js, icon.svg), the WASM runtime support of the go
// command that compiles it (wasm_exec.js, from $(go env GOROOT)/lib/wasm)
// and keytier.wasm. It runs the go command found on PATH, so it needs a Go
// toolchain and a working directory inside a module that requires keytier
// (or keytier itself). ctx bounds the compilation.
func Build(ctx context.Context, dir string) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("playground: the go command is needed to build the WASM (install Go or add it to PATH): %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("playground: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("playground: %s is not a directory", dir)
	}

	goroot, err := goCmd(ctx, gobin, nil, "env", "GOROOT")
	if err != nil {
		return err
	}
	support, err := os.ReadFile(filepath.Join(strings.TrimSpace(goroot), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return fmt.Errorf("playground: wasm_exec.js of the go command: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wasm_exec.js"), support, 0o644); err != nil {
		return fmt.Errorf("playground: %w", err)
	}

	out := filepath.Join(dir, "keytier.wasm")
	env := append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if _, err := goCmd(ctx, gobin, env, "build", "-trimpath", "-ldflags=-s -w", "-gcflags="+WASMGCFlags, "-o", out, WASMPackage); err != nil {
		return err
	}

	return fs.WalkDir(web, "web", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := web.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(path)), b, 0o644); err != nil {
			return fmt.Errorf("playground: %w", err)
		}
		return nil
	})
}

// goCmd runs the go command and returns its standard output; a failure
// carries what it printed on standard error.
func goCmd(ctx context.Context, gobin string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, gobin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = errors.Join(err, ctxErr)
		}
		return "", fmt.Errorf("playground: go %s: %w\n%s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.String(), nil
}

// Handler serves a directory Build wrote. It sends the page's Content
// Security Policy with every response and asks browsers not to cache, so a
// rebuilt playground is what the next reload shows.
func Handler(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			// instantiateStreaming insists on this type; do not depend on
			// the host's MIME tables.
			h.Set("Content-Type", "application/wasm")
		}
		files.ServeHTTP(w, r)
	})
}
