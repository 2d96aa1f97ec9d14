package playground_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/keytier/keytier/playground"
)

func TestHandler(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"index.html": "<!doctype html>", "keytier.wasm": "\x00asm"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(playground.Handler(dir))
	defer srv.Close()
	for path, wantType := range map[string]string{"/": "text/html; charset=utf-8", "/keytier.wasm": "application/wasm"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %s", path, resp.Status)
		}
		if got := resp.Header.Get("Content-Type"); got != wantType {
			t.Errorf("%s: Content-Type %q, want %q", path, got, wantType)
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != playground.ContentSecurityPolicy {
			t.Errorf("%s: Content-Security-Policy %q", path, got)
		}
	}
}

// TestPagePolicy: the page declares the same policy Handler sends, so a
// copy served by any static host is as locked down.
func TestPagePolicy(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("web", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindSubmatch(b)
	if m == nil {
		t.Fatal("index.html has no Content-Security-Policy meta tag")
	}
	if string(m[1]) != playground.ContentSecurityPolicy {
		t.Errorf("meta policy %q, want %q", m[1], playground.ContentSecurityPolicy)
	}
}

// TestWASMLinksNoTemplateEngine: the page renders the rollout plan from
// rollout's JSON, and rollout writes its HTML without html/template, whose
// initialization alone (regular expressions, text/template) would take
// the WASM over its download budget (docs/playground.md).
func TestWASMLinksNoTemplateEngine(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the go command is not on PATH")
		}
		t.Skip("the go command is not on PATH; install Go to run this test")
	}
	cmd := exec.Command(gobin, "list", "-deps", playground.WASMPackage)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", playground.WASMPackage, err)
	}
	deps := strings.Fields(string(out))
	// The check can fail: the WASM does link the plan.
	if !slices.Contains(deps, "github.com/keytier/keytier/rollout") {
		t.Fatal("the WASM does not link rollout; the test no longer covers the plan")
	}
	for _, pkg := range []string{"html/template", "text/template"} {
		if slices.Contains(deps, pkg) {
			t.Errorf("the WASM links %s: find which package imports it (go list -deps -f '{{.ImportPath}} {{.Imports}}') and keep it out of the bridge", pkg)
		}
	}
}
