//go:build !js

package playground_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/go-webauthn/webauthn/protocol"
	gowebauthn "github.com/go-webauthn/webauthn/webauthn"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
	"github.com/keytier/keytier/playground/internal/bridge"
)

// signInWant is what the sign-in verdict element must say, computed here
// with passkey.VerifyAssertion on the same inputs the page had.
type signInWant struct {
	ok     bool
	events string
	code   string
	tier   passkey.Verdict
}

// expectSignIn verifies assertion against the record JSON as the page
// does: the relying party named the record's credential in
// allowCredentials.
func expectSignIn(t *testing.T, assertion, record string, q url.Values) signInWant {
	t.Helper()
	rec, err := passkey.ParseRecord([]byte(record))
	if err != nil {
		return signInWant{code: string(passkey.CodeOf(err))}
	}
	ch, err := base64.RawURLEncoding.DecodeString(q.Get("challenge"))
	if err != nil {
		t.Fatalf("challenge %q: %v", q.Get("challenge"), err)
	}
	s, err := passkey.VerifyAssertion([]byte(assertion), rec, passkey.AssertionOptions{
		RPID: q.Get("rp-id"), Origins: []string{q.Get("origin")}, Challenge: ch, AllowCredentials: [][]byte{rec.ID},
	})
	w := signInWant{ok: err == nil, code: string(passkey.CodeOf(err)), tier: rec.Current}
	if s != nil {
		var codes []string
		for _, e := range s.Events {
			codes = append(codes, string(e.Code))
		}
		w.events = strings.Join(codes, " ")
		if s.Record != nil {
			w.tier = s.Record.Current
		}
	}
	return w
}

// checkSignInVerdict holds the page's sign-in verdict element to w.
func checkSignInVerdict(t *testing.T, what string, got map[string]string, w signInWant) {
	t.Helper()
	want := map[string]string{"data-ok": strconv.FormatBool(w.ok), "data-events": w.events, "data-error-code": w.code}
	if w.tier.PasskeyType != "" {
		want["data-passkey-type"] = string(w.tier.PasskeyType)
		want["data-aal"] = w.tier.AAL.String()
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s: %s = %q (present %v), VerifyAssertion gives %q", what, k, g, ok, v)
		}
	}
}

// fragmentOf splits a #assertion=…&record=… link into the texts and the
// settings.
func fragmentOf(t *testing.T, href string) (assertion, record string, q url.Values) {
	t.Helper()
	i := strings.Index(href, "#")
	if i < 0 {
		t.Fatalf("link %q has no fragment", href)
	}
	q, err := url.ParseQuery(href[i+1:])
	if err != nil {
		t.Fatalf("link %q: %v", href, err)
	}
	dec := func(name string) string {
		b, err := base64.RawURLEncoding.DecodeString(q.Get(name))
		if err != nil {
			t.Fatalf("link's %s: %v", name, err)
		}
		return string(b)
	}
	return dec("assertion"), dec("record"), q
}

func (p page) rows() []map[string]string {
	p.t.Helper()
	nodes := run(p, "timeline rows", chromedp.Nodes(chromedp.CSSAll(`[data-testid=timeline-row]`), chromedp.AtLeast(0)))
	out := make([]map[string]string, len(nodes))
	for i, n := range nodes {
		out[i] = map[string]string{}
		for j := 0; j+1 < len(n.Attributes); j += 2 {
			out[i][n.Attributes[j]] = n.Attributes[j+1]
		}
	}
	return out
}

// signInLive clicks "Sign in with it" and returns the verdict element's
// attributes and the link to the sign-in.
func (p page) signInLive() (map[string]string, string) {
	p.t.Helper()
	p.do("sign in",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("signin-verdict").dataset.state = "before"`),
		chromedp.Click(chromedp.CSS(`[data-testid=signin]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=signin-verdict][data-state=done][data-source=live]`)))
	attrs := run(p, "sign-in verdict", chromedp.Attributes(chromedp.CSS(`[data-testid=signin-verdict]`)))
	href := run(p, "sign-in link", chromedp.AttributeValue(chromedp.CSS(`[data-testid=signin-share]`), "href")).Value
	return attrs, href
}

// liveTimeline registers a passkey with Chromium's virtual authenticator
// (BE as be, BS off), signs in, turns the credential's backup state on (and,
// for a device-bound one, its backup eligibility, since BS=1 needs BE=1),
// and signs in again. It returns the elapsed-ms figures of further
// sign-ins when timings is set.
func liveTimeline(t *testing.T, p page, local string, be bool, timings int) []float64 {
	p.do("open", chromedp.Navigate("about:blank"), chromedp.Navigate(local+"/"),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=verdict][data-state=ready]`)))
	ctx, cancel := context.WithTimeout(p.tab, 20*time.Second)
	defer cancel()
	noUI := false
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{EnableUI: &noUI}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	added, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
		Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
		HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		DefaultBackupEligibility: be, DefaultBackupState: false,
	}})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(p.tab, 20*time.Second)
		defer cancel()
		if _, err := chromedp.Call(ctx, webauthn.RemoveVirtualAuthenticator, webauthn.RemoveVirtualAuthenticatorParams{AuthenticatorID: added.AuthenticatorID}); err != nil {
			t.Errorf("WebAuthn.removeVirtualAuthenticator: %v", err)
		}
	}()

	p.do("create", chromedp.Click(chromedp.CSS(`[data-testid=create-passkey]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=timeline][data-source=created] [data-testid=timeline-row][data-n="0"]`)))
	registered := p.rows()[0]
	wantType := map[bool]string{true: string(passkey.Synced), false: string(passkey.DeviceBound)}[be]
	if registered["data-kind"] != "registration" || registered["data-ok"] != "true" || registered["data-passkey-type"] != wantType {
		t.Fatalf("BE=%v: the registration row is %v, want a verified %s registration", be, registered, wantType)
	}
	if v := run(p, "the card's type", chromedp.AttributeValue(chromedp.CSS(`[data-testid=verdict]`), "data-passkey-type")).Value; v != wantType {
		t.Errorf("BE=%v: the verdict card says %q, the timeline %q", be, v, wantType)
	}

	got, href := p.signInLive()
	t.Logf("BE=%v: the first sign-in's verdict %s ms after the assertion arrived", be, got["data-elapsed-ms"])
	assertion, record, q := fragmentOf(t, href)
	w := expectSignIn(t, assertion, record, q)
	if !w.ok || w.events != "" {
		t.Fatalf("BE=%v: VerifyAssertion gives ok=%v events=%q for the first sign-in; want a plain accepted sign-in", be, w.ok, w.events)
	}
	checkSignInVerdict(t, fmt.Sprintf("BE=%v first sign-in", be), got, w)
	if q.Get("rp-id") != "localhost" || q.Get("origin") != local {
		t.Errorf("BE=%v: the sign-in was verified for %s at %s", be, q.Get("rp-id"), q.Get("origin"))
	}

	creds, err := chromedp.Call(ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: added.AuthenticatorID})
	if err != nil || len(creds.Credentials) != 1 {
		t.Fatalf("WebAuthn.getCredentials: %v, %d credentials", err, len(creds.Credentials))
	}
	on := true
	props := webauthn.SetCredentialPropertiesParams{AuthenticatorID: added.AuthenticatorID, CredentialID: creds.Credentials[0].CredentialID, BackupState: &on}
	if !be {
		props.BackupEligibility = &on
	}
	if _, err := chromedp.Call(ctx, webauthn.SetCredentialProperties, props); err != nil {
		t.Fatalf("WebAuthn.setCredentialProperties: %v", err)
	}

	got, href = p.signInLive()
	assertion, record, q = fragmentOf(t, href)
	w = expectSignIn(t, assertion, record, q)
	checkSignInVerdict(t, fmt.Sprintf("BE=%v after the backup flip", be), got, w)
	want := signInWant{ok: true, events: "backup_state_changed"}
	if !be {
		want = signInWant{events: "backup_eligibility_changed backup_state_changed", code: string(passkey.CodeBackupEligibilityChanged)}
	}
	if w.ok != want.ok || w.events != want.events || w.code != want.code || w.tier.PasskeyType != passkey.Synced {
		t.Errorf("BE=%v: VerifyAssertion gives ok=%v events=%q code=%q tier %s; the case is here for ok=%v events=%q code=%q and a synced key",
			be, w.ok, w.events, w.code, w.tier.PasskeyType, want.ok, want.events, want.code)
	}
	rows := p.rows()
	if len(rows) != 3 {
		t.Fatalf("BE=%v: %d timeline rows, want registration and two sign-ins", be, len(rows))
	}
	last := rows[2]
	if last["data-events"] != w.events || last["data-ok"] != strconv.FormatBool(w.ok) ||
		last["data-passkey-type"] != string(passkey.Synced) || last["data-aal"] != w.tier.AAL.String() {
		t.Errorf("BE=%v: the last timeline row is %v, want events %q ok %v and the tier synced %s", be, last, w.events, w.ok, w.tier.AAL)
	}
	tier := p.text(`[data-testid=timeline-row][data-n="2"] [data-testid=tier]`)
	if !strings.HasPrefix(tier, "Synced · "+w.tier.AAL.String()) {
		t.Errorf("BE=%v: the last row's tier reads %q", be, tier)
	}
	if !be && !strings.Contains(tier, "was Device-bound") {
		t.Errorf("the device-bound key's tier does not say it fell: %q", tier)
	}

	var ms []float64
	for i := range timings + 1 {
		got, _ := p.signInLive()
		v, err := strconv.ParseFloat(got["data-elapsed-ms"], 64)
		if err != nil {
			t.Fatalf("data-elapsed-ms %q: %v", got["data-elapsed-ms"], err)
		}
		if i > 0 { // the first also warms up
			ms = append(ms, v)
		}
	}
	return ms
}

func signInSubtests(t *testing.T, p page, srvURL string) {
	local := localURL(srvURL)

	t.Run("sign in and the timeline", func(t *testing.T) {
		p := p
		p.t = t
		ms := liveTimeline(t, p, local, true, 5)
		t.Logf("budget: sign-in verdict after the assertion arrives %s ms (%d sign-ins, performance.now() in the page; target ≤ 30 ms)", figures(ms), len(ms))
		liveTimeline(t, p, local, false, 0)
	})

	t.Run("sign-in link", func(t *testing.T) {
		p := p
		p.t = t
		const rpID, origin = "login.example.com", "https://login.example.com"
		enc := base64.RawURLEncoding.EncodeToString
		a, err := passkeytest.New(passkeytest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		regChallenge := []byte("registration challenge for a link")
		reg, err := a.Register(passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: regChallenge,
			UserHandle: []byte("link-user"), UserVerified: true, SignCount: 1})
		if err != nil {
			t.Fatal(err)
		}
		c, err := passkey.Verify(reg.JSON, passkey.VerifyOptions{RPID: rpID, Origins: []string{origin}, Challenge: regChallenge, Algorithms: passkey.SupportedAlgorithms()})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := passkey.NewRecord(c, []byte("link-user"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		assertWith := func(count uint32, ch []byte) []byte {
			as, err := a.Assert(reg.Credential, passkeytest.AssertOptions{Origin: origin, Challenge: ch, UserVerified: true, SignCount: count})
			if err != nil {
				t.Fatal(err)
			}
			return as.JSON
		}
		// The genuine authenticator signs in twice: the record's counter
		// is 7.
		for _, n := range []uint32{5, 7} {
			ch := []byte(fmt.Sprintf("sign-in challenge %d", n))
			s, err := passkey.VerifyAssertion(assertWith(n, ch), rec, passkey.AssertionOptions{RPID: rpID, Origins: []string{origin}, Challenge: ch})
			if err != nil {
				t.Fatal(err)
			}
			rec = s.Record
		}
		recJSON, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		// A clone of the key, whose counter says 3.
		ch := []byte("the clone's sign-in challenge")
		clone := assertWith(3, ch)
		q := url.Values{"rp-id": {rpID}, "origin": {origin}, "challenge": {enc(ch)}}

		// The go-webauthn row of the same registration.
		parsed, err := protocol.ParseCredentialCreationResponseBytes(reg.JSON)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(parsed.Raw.AttestationResponse.ClientDataJSON)
		gw, err := gowebauthn.NewCredential(h[:], parsed)
		if err != nil {
			t.Fatal(err)
		}
		gwJSON, err := json.Marshal(gw)
		if err != nil {
			t.Fatal(err)
		}
		wrong := url.Values{"rp-id": {rpID}, "origin": {origin}, "challenge": {enc([]byte("a challenge never sent"))}}

		for _, tc := range []struct {
			name              string
			assertion, record []byte
			q                 url.Values
			// events and code are what the case is here to cover.
			events, code string
			rows         int
		}{
			{"cloned counter", clone, recJSON, q, "sign_count_regressed", "", 2},
			{"go-webauthn record, replayed challenge", clone, gwJSON, wrong, "", string(passkey.CodeChallengeMismatch), 2},
			{"unreadable record", clone, []byte(`{"id": "AAAA"}`), q, "", string(passkey.CodeRecordInvalid), 0},
		} {
			w := expectSignIn(t, string(tc.assertion), string(tc.record), tc.q)
			if w.events != tc.events || w.code != tc.code {
				t.Fatalf("%s: VerifyAssertion gives events %q code %q; the case no longer covers %q %q", tc.name, w.events, w.code, tc.events, tc.code)
			}
			frag := "#assertion=" + enc(tc.assertion) + "&record=" + enc(tc.record) + "&" + tc.q.Encode()
			p.do("open "+tc.name, chromedp.Navigate("about:blank"), chromedp.Navigate(srvURL+"/"+frag),
				chromedp.WaitReady(chromedp.CSS(`[data-testid=signin-verdict][data-state=done][data-source=link]`)))
			got := run(p, "sign-in verdict", chromedp.Attributes(chromedp.CSS(`[data-testid=signin-verdict]`)))
			checkSignInVerdict(t, tc.name, got, w)
			if tc.code != "" {
				if e := p.text(`[data-testid=signin-error]`); !strings.HasPrefix(e, tc.code) {
					t.Errorf("%s: error shown %q", tc.name, e)
				}
			}
			rows := p.rows()
			if tc.rows == 0 {
				if hidden := run(p, "timeline hidden", chromedp.Evaluate[bool](`document.getElementById("timeline").hidden`)); !hidden {
					t.Errorf("%s: a timeline is shown with no record", tc.name)
				}
				continue
			}
			if len(rows) != tc.rows || rows[0]["data-kind"] != "record" || rows[1]["data-events"] != w.events {
				t.Errorf("%s: timeline rows %v", tc.name, rows)
			}
			v, err := strconv.ParseFloat(got["data-elapsed-ms"], 64)
			if err != nil {
				t.Errorf("%s: data-elapsed-ms %q", tc.name, got["data-elapsed-ms"])
			}
			t.Logf("%s: sign-in verdict %.1f ms after the page had the link's assertion", tc.name, v)
		}
	})

	t.Run("story", func(t *testing.T) {
		p := p
		p.t = t
		const name = "became-synced"
		want, err := bridge.ReplayStory(name)
		if err != nil {
			t.Fatal(err)
		}
		p.do("pick the story",
			chromedp.Navigate("about:blank"),
			chromedp.Navigate(srvURL+"/"),
			chromedp.WaitReady(chromedp.CSS(`[data-testid=verdict][data-state=ready]`)),
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=stories] button[data-story=%q]`, name))),
			chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`[data-testid=signin-verdict][data-state=done][data-source="story:%s"]`, name))))
		checkVerdict(t, "the story's registration", run(p, "verdict", chromedp.Attributes(chromedp.CSS(`[data-testid=verdict]`))), want.Report)
		rows := p.rows()
		if len(rows) != len(want.Timeline.Rows) {
			t.Fatalf("%d rows, the story has %d", len(rows), len(want.Timeline.Rows))
		}
		for i, r := range want.Timeline.Rows {
			var codes []string
			for _, e := range r.Events {
				codes = append(codes, string(e.Code))
			}
			w := map[string]string{"data-ok": strconv.FormatBool(r.OK), "data-events": strings.Join(codes, " "),
				"data-passkey-type": string(r.Tier.PasskeyType), "data-aal": r.Tier.AAL, "data-kind": string(r.Kind)}
			for k, v := range w {
				if rows[i][k] != v {
					t.Errorf("row %d: %s = %q, ReplayStory gives %q", i, k, rows[i][k], v)
				}
			}
		}
		if first, last := want.Timeline.Rows[0].Tier.String(), want.Timeline.Rows[2].Tier.String(); first != "deviceBound AAL3" || last != "synced AAL2" {
			t.Errorf("the story goes from %s to %s; its text says deviceBound AAL3 to synced AAL2", first, last)
		}
		if about := p.text(`[data-testid=timeline-about]`); !strings.Contains(about, want.Title) || !strings.Contains(about, "passkeytest") {
			t.Errorf("the story's description %q does not say what it is and how it was made", about)
		}
		png := run(p, "timeline screenshot", chromedp.Screenshot(chromedp.CSS(`#signin-panel`)))
		out := filepath.Join(t.TempDir(), "playground-timeline.png")
		if os.Getenv("KEYTIER_UPDATE_SCREENSHOT") == "1" {
			out = filepath.Join("..", "docs", "playground-timeline.png")
		}
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("timeline screenshot: %s (%d bytes)", out, len(png))
	})
}
