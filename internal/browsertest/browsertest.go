// Package browsertest finds and configures the headless Chromium that
// keytier's browser tests drive (the playground's and the onboarding
// example's), so they start it the same way.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Chromium returns the browser binary. Without one the test is skipped
// with a message that says how to enable it, except in CI (CI=true), where
// a missing browser is a failure. what names the test for the message.
func Chromium(t testing.TB, what string) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	how := "Chromium not found: " + what + " needs it; install Debian's chromium (apt-get install chromium) to run it"
	if os.Getenv("CI") == "true" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// Options are the allocator options for chromium: headless, without the
// sandbox (the tests run as root), without the background services that a
// closed network refuses, with a fresh profile in a temporary directory.
func Options(t testing.TB, chromium string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	return append(opts, extra...)
}

// ConsoleLog collects the console messages and uncaught exceptions of a
// tab as they come, until the tab's context ends.
type ConsoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

// RecordConsole starts collecting tab's console; the tab must be started.
func RecordConsole(tab context.Context) *ConsoleLog {
	c := new(ConsoleLog)
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, m)
			c.mu.Unlock()
		}
	}()
	return c
}

// Messages returns the messages so far.
func (c *ConsoleLog) Messages() []chromedp.ConsoleMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.msgs)
}

// NetworkLog records the URL of every request a tab sends and every
// response whose status is at least a threshold.
type NetworkLog struct {
	mu       sync.Mutex
	requests []string
	failures []string
}

// RecordNetwork starts recording tab's requests; responses with a status
// of minStatus or more count as failures ("URL: HTTP 404").
func RecordNetwork(tab context.Context, minStatus int) (*NetworkLog, error) {
	n := new(NetworkLog)
	err := chromedp.Listen(tab, func(ev any) {
		n.mu.Lock()
		defer n.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			n.requests = append(n.requests, ev.Request.URL)
		case *network.EventResponseReceived:
			if int(ev.Response.Status) >= minStatus {
				n.failures = append(n.failures, fmt.Sprintf("%s: HTTP %d", ev.Response.URL, int(ev.Response.Status)))
			}
		}
	})
	return n, err
}

// Requests returns the URLs requested so far.
func (n *NetworkLog) Requests() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.requests)
}

// Failures returns the failed responses so far.
func (n *NetworkLog) Failures() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.failures)
}
