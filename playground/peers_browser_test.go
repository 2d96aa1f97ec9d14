//go:build !js

package playground_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/peers"
	"github.com/keytier/keytier/passkey/peers/gowebauthn"
)

// peersSubtest: the verdict card says what go-webauthn and
// @simplewebauthn/server would decide, as `keytier inspect --json` does.
func peersSubtest(t *testing.T, p page) {
	t.Run("peers", func(t *testing.T) {
		p := p
		p.t = t
		s := getSample(t, "yubico-yubikey-5ci-packed")
		opts := sampleOptions(t, s)
		rep := passkey.Analyze(s.Registration, opts)
		want := peers.ForReport(s.Registration, opts, rep, gowebauthn.Check, peers.SimpleWebAuthn)
		disagree := 0
		for _, v := range want {
			if !v.AgreesWithKeytier {
				disagree++
			}
		}
		if len(want) != 2 || disagree == 0 {
			t.Fatalf("peers.ForReport gives %v; the case is here for two peers and a disagreement", want)
		}
		p.open("#sample="+url.QueryEscape(s.Name), "sample:"+s.Name)
		items := run(p, "peers", chromedp.Nodes(chromedp.CSSAll(`[data-testid=verdict] [data-testid=peers] > li`), chromedp.AtLeast(0)))
		if len(items) != len(want) {
			t.Fatalf("the card lists %d peers, peers.ForReport %d", len(items), len(want))
		}
		for i, v := range want {
			got := map[string]string{}
			for j := 0; j+1 < len(items[i].Attributes); j += 2 {
				got[items[i].Attributes[j]] = items[i].Attributes[j+1]
			}
			for k, w := range map[string]string{"data-peer": v.Name, "data-accepts": strconv.FormatBool(v.Accepts), "data-agrees": strconv.FormatBool(v.AgreesWithKeytier)} {
				if got[k] != w {
					t.Errorf("peer %d: %s = %q, peers.ForReport gives %q", i, k, got[k], w)
				}
			}
		}
	})
}
