//go:build !js

// The browser test drives a native Chromium; it does not build for GOOS=js.

package playground_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/playground"
	"github.com/keytier/keytier/playground/internal/bridge"
)

// findChromium returns the browser the test drives. Without one the test
// is skipped, except in CI, where a missing browser is a failure.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const how = "Chromium not found: the playground browser test needs it; install Debian's chromium (apt-get install chromium) to run it"
	if os.Getenv("CI") == "true" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// verdictAttrs are the verdict card's attributes that must equal
// `keytier inspect --json` for the same input; a missing key means the
// attribute must be absent.
func verdictAttrs(r passkey.Report) map[string]string {
	m := map[string]string{"data-ok": fmt.Sprint(r.OK), "data-aal": "none"}
	if r.Assurance != nil {
		m["data-aal"] = r.Assurance.AAL.String()
	}
	if r.Credential != nil && r.Credential.PasskeyType != "" {
		m["data-passkey-type"] = string(r.Credential.PasskeyType)
	}
	if !r.OK && r.Error != nil {
		m["data-error-code"] = string(r.Error.Code)
	}
	return m
}

// sampleOptions are the options `keytier inspect --sample NAME` verifies
// with, built here from the sample rather than through the bridge.
func sampleOptions(t *testing.T, s samples.Sample) *passkey.VerifyOptions {
	t.Helper()
	ch, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s.Challenge, "="))
	if err != nil {
		t.Fatalf("sample %s: challenge: %v", s.Name, err)
	}
	return &passkey.VerifyOptions{
		RPID:             s.RPID,
		Origins:          []string{s.Origin},
		TopOrigins:       s.TopOrigins,
		AllowCrossOrigin: s.CrossOrigin || len(s.TopOrigins) > 0,
		Challenge:        ch,
		Algorithms:       bridge.AllAlgorithms,
	}
}

func getSample(t *testing.T, name string) samples.Sample {
	t.Helper()
	s, err := samples.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type page struct {
	t    *testing.T
	tab  context.Context
	base string
}

// do runs actions with a bound on how long they may wait.
func (p page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](p page, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.tab, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// open loads the page afresh at fragment and waits for the verdict of the
// analysis source names ("sample:NAME" or "input").
func (p page) open(fragment, source string) map[string]string {
	p.t.Helper()
	p.do("open "+fragment,
		chromedp.Navigate("about:blank"),
		chromedp.Navigate(p.base+"/"+fragment),
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`[data-testid=verdict][data-state=done][data-source=%q]`, source))))
	return run(p, "verdict attributes", chromedp.Attributes(chromedp.CSS(`[data-testid=verdict]`)))
}

func (p page) text(sel string) string {
	p.t.Helper()
	return strings.TrimSpace(run(p, "text of "+sel, chromedp.TextContent(chromedp.CSS(sel))))
}

func checkVerdict(t *testing.T, what string, got map[string]string, want passkey.Report) {
	t.Helper()
	for k, w := range verdictAttrs(want) {
		if got[k] != w {
			t.Errorf("%s: %s = %q, keytier inspect --json gives %q", what, k, got[k], w)
		}
	}
	for _, k := range []string{"data-passkey-type", "data-error-code"} {
		if _, want := verdictAttrs(want)[k]; !want {
			if v, ok := got[k]; ok {
				t.Errorf("%s: %s = %q, want it absent", what, k, v)
			}
		}
	}
}

func TestPlaygroundInChromium(t *testing.T) {
	chromium := findChromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	dir := t.TempDir()
	start := time.Now()
	if err := playground.Build(ctx, dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the playground in %v", time.Since(start).Round(time.Millisecond))
	// The server records what it could not serve: requests the browser
	// makes on its own, such as for an icon, are not always reported as
	// page network events.
	var (
		mu      sync.Mutex
		missing []string
	)
	handler := playground.Handler(dir)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		handler.ServeHTTP(rec, r)
		if rec.status >= 400 {
			mu.Lock()
			missing = append(missing, fmt.Sprintf("%s %s: HTTP %d", r.Method, r.URL.Path, rec.status))
			mu.Unlock()
		}
	}))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1400),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	// Start the browser on the tab's own context: a first action on a
	// shorter-lived context would end the browser with it.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}

	var console []chromedp.ConsoleMessage
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m)
			mu.Unlock()
		}
	}()

	// Every request the page makes is recorded: it must stay on the
	// page's own origin and find what it asks for.
	var requests, failures []string
	err := chromedp.Listen(tab, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.URL)
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				failures = append(failures, fmt.Sprintf("%s: HTTP %d", ev.Response.URL, int(ev.Response.Status)))
			}
		}
	})
	if err != nil {
		t.Fatalf("listening to network events: %v", err)
	}

	p := page{t: t, tab: tab, base: srv.URL}

	// The gallery lists every embedded sample.
	all, err := samples.All()
	if err != nil {
		t.Fatal(err)
	}
	p.do("load the page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady(chromedp.CSS(`[data-testid=verdict][data-state=ready]`)))
	buttons := run(p, "gallery", chromedp.Nodes(chromedp.CSSAll(`[data-testid=gallery] button[data-sample]`)))
	if len(buttons) != len(all) {
		t.Errorf("gallery has %d samples, want %d", len(buttons), len(all))
	}

	t.Run("samples", func(t *testing.T) {
		p := p
		p.t = t
		for _, tc := range []struct {
			name string
			// ok is what the case is here to cover; the verdict itself
			// comes from passkey.Analyze.
			ok bool
		}{
			{"wasmo-icloud-keychain-none", true},
			{"yubico-yubikey-5ci-packed", true},
			{"pywebauthn-windows-hello-tpm-rsa-surface-pro-4", false},
			{"NoneES256CrossOriginNotAllowed", false},
		} {
			s := getSample(t, tc.name)
			want := passkey.Analyze(s.Registration, sampleOptions(t, s))
			if want.OK != tc.ok || want.Credential == nil {
				t.Fatalf("%s: passkey.Analyze gives ok=%v credential=%v; the case no longer covers what it was chosen for", tc.name, want.OK, want.Credential != nil)
			}
			got := p.open("#sample="+url.QueryEscape(s.Name), "sample:"+s.Name)
			checkVerdict(t, s.Name, got, want)
			if a := p.text(`[data-testid=authenticator]`); !strings.HasPrefix(a, want.Credential.Authenticator) {
				t.Errorf("%s: authenticator shown %q, want %q", s.Name, a, want.Credential.Authenticator)
			}
			if f := p.text(`[data-testid=format]`); f != want.Credential.Format {
				t.Errorf("%s: format shown %q, want %q", s.Name, f, want.Credential.Format)
			}
			if v := run(p, "input", chromedp.Value(chromedp.CSS(`[data-testid=input]`))); v != string(s.Registration) {
				t.Errorf("%s: the input area does not hold the sample's registration", s.Name)
			}
			if !want.OK {
				// The message names the time of verification, so only the
				// code and the place are compared.
				e := p.text(`[data-testid=error]`)
				if !strings.HasPrefix(e, string(want.Error.Code)) || !strings.Contains(e, want.Error.Where) {
					t.Errorf("%s: error shown %q, want the code %s and the place %s", s.Name, e, want.Error.Code, want.Error.Where)
				}
			}
		}
	})

	t.Run("gallery click", func(t *testing.T) {
		p := p
		p.t = t
		s := getSample(t, "altshift-google-password-manager-none")
		want := passkey.Analyze(s.Registration, sampleOptions(t, s))
		p.do("click a sample",
			chromedp.Navigate("about:blank"),
			chromedp.Navigate(srv.URL+"/"),
			chromedp.WaitReady(chromedp.CSS(`[data-testid=verdict][data-state=ready]`)),
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=gallery] button[data-sample=%q]`, s.Name))),
			chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`[data-testid=verdict][data-state=done][data-source="sample:%s"]`, s.Name))))
		got := run(p, "verdict attributes", chromedp.Attributes(chromedp.CSS(`[data-testid=verdict]`)))
		checkVerdict(t, s.Name, got, want)
		loc := run(p, "location", chromedp.Location())
		if !strings.HasSuffix(loc, "#sample="+s.Name) {
			t.Errorf("after a click the URL is %s, want it to end in #sample=%s", loc, s.Name)
		}
	})

	t.Run("explanations", func(t *testing.T) {
		p := p
		p.t = t
		s := getSample(t, "wasmo-icloud-keychain-none")
		want := passkey.Analyze(s.Registration, sampleOptions(t, s))
		if want.Assurance == nil || len(want.Assurance.Trace) == 0 {
			t.Fatal("passkey.Analyze gives no rule trace for the sample")
		}
		first := want.Assurance.Trace[0]
		p.open("#sample="+s.Name, "sample:"+s.Name)
		const sel = `[data-testid=trace] li:first-child [data-testid=explanation]`
		if got := p.text(sel); got != first.Admin {
			t.Errorf("admin explanation %q, want %q", got, first.Admin)
		}
		p.do("toggle", chromedp.Click(chromedp.CSS(`[data-testid=explain-toggle]`)),
			chromedp.WaitReady(chromedp.CSS(`[data-testid=explain-toggle][aria-pressed=true]`)))
		if got := p.text(sel); got != first.Plain {
			t.Errorf("plain explanation %q, want %q", got, first.Plain)
		}
		n := len(run(p, "trace", chromedp.Nodes(chromedp.CSSAll(`[data-testid=trace] > li`))))
		if n != len(want.Assurance.Trace) {
			t.Errorf("trace shows %d rules, want %d", n, len(want.Assurance.Trace))
		}

		png := run(p, "screenshot", chromedp.CaptureScreenshot())
		if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("screenshot is not a PNG (%d bytes)", len(png))
		}
		shot := filepath.Join(t.TempDir(), "playground.png")
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", shot, len(png))
	})

	t.Run("input link", func(t *testing.T) {
		p := p
		p.t = t
		enc := base64.RawURLEncoding.EncodeToString

		garbage := "this is not a passkey registration"
		want := passkey.Analyze([]byte(garbage), nil)
		if want.OK {
			t.Fatal("passkey.Analyze accepts the garbage input")
		}
		got := p.open("#input="+enc([]byte(garbage)), "input")
		checkVerdict(t, "garbage", got, want)
		if v := run(p, "input", chromedp.Value(chromedp.CSS(`[data-testid=input]`))); v != garbage {
			t.Errorf("input area holds %q, want %q", v, garbage)
		}

		// A pasted registration with the relying party's settings in the link.
		s := getSample(t, "yubico-yubikey-5-nfc-packed-demo")
		want = passkey.Analyze(s.Registration, sampleOptions(t, s))
		q := url.Values{"rp-id": {s.RPID}, "origin": {s.Origin}, "challenge": {s.Challenge}}
		got = p.open("#input="+enc(s.Registration)+"&"+q.Encode(), "input")
		checkVerdict(t, "input with settings", got, want)
		for id, v := range map[string]string{"rp-id": s.RPID, "origin": s.Origin, "challenge": s.Challenge} {
			if g := run(p, id, chromedp.Value(chromedp.CSS("#"+id))); g != v {
				t.Errorf("field %s holds %q, want %q", id, g, v)
			}
		}
	})

	t.Run("incomplete settings", func(t *testing.T) {
		p := p
		p.t = t
		const text = "o2NmbXRkbm9uZQ"
		p.do("analyze with an rp id only",
			chromedp.Navigate("about:blank"),
			chromedp.Navigate(srv.URL+"/"),
			chromedp.WaitReady(chromedp.CSS(`[data-testid=verdict][data-state=ready]`)),
			chromedp.SetValue(chromedp.CSS(`#text`), text),
			chromedp.SetValue(chromedp.CSS(`#rp-id`), "example.com"),
			chromedp.Click(chromedp.CSS(`[data-testid=analyze]`)),
			chromedp.WaitReady(chromedp.CSS(`[data-testid=verdict][data-state=invalid]`)))
		if got := p.text(`[data-testid=form-error]`); got != bridge.ErrIncomplete.Error() {
			t.Errorf("form error %q, want %q", got, bridge.ErrIncomplete.Error())
		}
		attrs := run(p, "verdict attributes", chromedp.Attributes(chromedp.CSS(`[data-testid=verdict]`)))
		if _, ok := attrs["data-ok"]; ok {
			t.Errorf("verdict card claims a verdict (data-ok=%q) for settings it could not use", attrs["data-ok"])
		}
		loc := run(p, "location", chromedp.Location())
		if frag := "#input=" + base64.RawURLEncoding.EncodeToString([]byte(text)) + "&rp-id=example.com"; !strings.HasSuffix(loc, frag) {
			t.Errorf("URL after analyze is %s, want the input and rp id in the fragment", loc)
		}
	})

	mu.Lock()
	defer mu.Unlock()
	if len(requests) == 0 {
		t.Error("no network request was recorded; the listener is not working")
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, srv.URL+"/") && u != "about:blank" {
			t.Errorf("the page requested %s, outside its origin %s", u, srv.URL)
		}
	}
	for _, f := range append(failures, missing...) {
		t.Errorf("request failed: %s", f)
	}
	for _, m := range console {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || m.Type == chromedp.ConsoleError {
			t.Errorf("browser console: %s", m)
		}
	}
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
