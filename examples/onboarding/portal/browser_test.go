package portal_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	vauth "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/examples/onboarding/portal"
	"github.com/keytier/keytier/internal/browsertest"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/tap"
)

// browser is one Chromium tab on the portal, with the DevTools virtual
// authenticators standing in for the user's devices.
type browser struct {
	t    *testing.T
	tab  context.Context
	base string
	auth vauth.AuthenticatorID // the one attached device, "" for none
}

func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.tab, 20*time.Second)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...), what)
}

func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.tab, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	require.NoError(b.t, err, what)
	return v
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "text of "+sel, chromedp.TextContent(chromedp.CSS(sel))))
}

func (b *browser) attrs(sel string) map[string]string {
	b.t.Helper()
	return run(b, "attributes of "+sel, chromedp.Attributes(chromedp.CSS(sel)))
}

func (b *browser) open(path, ready string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(ready)))
}

// deviceKind is a kind of device the user holds, as a virtual authenticator
// that has resident keys and user verification that succeeds (a phone, a
// computer, or a security key with a PIN) and sets the backup flags of the
// credentials it creates.
type deviceKind struct {
	builtIn bool // a platform's passkey provider rather than a USB key
	be, bs  bool // BE and BS of new credentials
}

var (
	// syncedProvider is a passkey provider that backs up every key at once.
	syncedProvider = deviceKind{builtIn: true, be: true, bs: true}
	// notYetBackedUp is a passkey provider whose keys may be backed up
	// (BE=1) and are not yet (BS=0).
	notYetBackedUp = deviceKind{builtIn: true, be: true}
	// securityKey is a device-bound security key: BE=0, BS=0.
	securityKey = deviceKind{}
)

// device replaces the attached virtual authenticator with a new, empty one
// of the given kind.
func (b *browser) device(kind deviceKind) {
	b.t.Helper()
	b.removeDevice()
	transport := vauth.AuthenticatorTransportUsb
	if kind.builtIn {
		transport = vauth.AuthenticatorTransportInternal
	}
	b.auth = run(b, "add a virtual authenticator", func(ctx context.Context, t *chromedp.Target) (vauth.AuthenticatorID, error) {
		res, err := cdp.Call(ctx, t, vauth.AddVirtualAuthenticator, vauth.AddVirtualAuthenticatorParams{Options: &vauth.VirtualAuthenticatorOptions{
			Protocol:                    vauth.AuthenticatorProtocolCtap2,
			Ctap2version:                vauth.Ctap2versionCtap21,
			Transport:                   transport,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
			DefaultBackupEligibility:    kind.be,
			DefaultBackupState:          kind.bs,
		}})
		return res.AuthenticatorID, err
	})
}

func (b *browser) removeDevice() {
	b.t.Helper()
	if b.auth == "" {
		return
	}
	id := b.auth
	b.do("remove the virtual authenticator", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, vauth.RemoveVirtualAuthenticator, vauth.RemoveVirtualAuthenticatorParams{AuthenticatorID: id})
		return err
	}))
	b.auth = ""
}

// credential returns the id of the one credential the attached
// authenticator holds.
func (b *browser) credential() []byte {
	b.t.Helper()
	id := b.auth
	creds := run(b, "list credentials", func(ctx context.Context, t *chromedp.Target) ([]*vauth.Credential, error) {
		res, err := cdp.Call(ctx, t, vauth.GetCredentials, vauth.GetCredentialsParams{AuthenticatorID: id})
		return res.Credentials, err
	})
	require.Len(b.t, creds, 1)
	return creds[0].CredentialID
}

// setBackupFlags makes the attached authenticator report BE and BS as
// given in the credential's later assertions (WebAuthn's "Set Credential
// Properties" automation command).
func (b *browser) setBackupFlags(credentialID []byte, be, bs bool) {
	b.t.Helper()
	id := b.auth
	b.do("set the credential's backup flags", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, vauth.SetCredentialProperties, vauth.SetCredentialPropertiesParams{
			AuthenticatorID: id, CredentialID: credentialID, BackupEligibility: &be, BackupState: &bs,
		})
		return err
	}))
}

// credentials returns how many credentials the attached authenticator holds.
func (b *browser) credentials() int {
	b.t.Helper()
	id := b.auth
	return run(b, "list credentials", func(ctx context.Context, t *chromedp.Target) (int, error) {
		res, err := cdp.Call(ctx, t, vauth.GetCredentials, vauth.GetCredentialsParams{AuthenticatorID: id})
		return len(res.Credentials), err
	})
}

// createUser creates a user on the admin page and returns the pass's code.
func (b *browser) createUser(upn, name, groupID string) string {
	b.t.Helper()
	b.open("/admin", `[data-testid=create-user]`)
	b.do("create "+upn,
		chromedp.SetValue(chromedp.CSS(`input[name=upn]`), upn),
		chromedp.SetValue(chromedp.CSS(`input[name=display_name]`), name),
		chromedp.SetValue(chromedp.CSS(`select[name=group]`), groupID),
		chromedp.Click(chromedp.CSS(`[data-testid=create-user] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=tap-code]`)))
	return b.text(`[data-testid=tap-code]`)
}

// issuePass issues a pass to an existing user on the admin page.
func (b *browser) issuePass(upn string) string {
	b.t.Helper()
	b.open("/admin", `[data-testid=users]`)
	b.do("issue a pass to "+upn,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-upn=%q] [data-testid=issue-pass]`, upn))),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=tap-code]`)))
	return b.text(`[data-testid=tap-code]`)
}

// redeem enters a pass on the new hire page and waits for the registration
// page or an error.
func (b *browser) redeem(upn, code string) (ok bool, errText string) {
	b.t.Helper()
	b.open("/start", `[data-testid=start]`)
	b.do("redeem a pass for "+upn,
		chromedp.SetValue(chromedp.CSS(`input[name=upn]`), upn),
		chromedp.SetValue(chromedp.CSS(`input[name=code]`), code),
		chromedp.Click(chromedp.CSS(`[data-testid=start] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=create-passkey], [data-testid=error]`)))
	if errs := run(b, "errors", chromedp.Nodes(chromedp.CSSAll(`[data-testid=error]`), chromedp.AtLeast(0))); len(errs) > 0 {
		return false, b.text(`[data-testid=error]`)
	}
	return true, ""
}

// register clicks the registration button and returns the result page's
// outcome attributes.
func (b *browser) register() map[string]string {
	b.t.Helper()
	b.do("create a passkey",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=create-passkey]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=create-passkey]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=outcome], [data-testid=status][data-state=error]`)))
	if n := run(b, "error status", chromedp.Nodes(chromedp.CSSAll(`[data-testid=status][data-state=error]`), chromedp.AtLeast(0))); len(n) > 0 {
		b.t.Fatalf("registration failed in the page: %s", b.text(`[data-testid=status]`))
	}
	return b.attrs(`[data-testid=outcome]`)
}

// signIn runs the sign-in ceremony with the attached device and returns the
// signed-in page's attributes, or the error the page shows.
func (b *browser) signIn() (me map[string]string, errText string) {
	b.t.Helper()
	b.open("/signin", `[data-testid=signin]`)
	b.do("sign in",
		chromedp.Click(chromedp.CSS(`[data-testid=signin]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=me], [data-testid=status][data-state=error]`)))
	if n := run(b, "error status", chromedp.Nodes(chromedp.CSSAll(`[data-testid=status][data-state=error]`), chromedp.AtLeast(0))); len(n) > 0 {
		return nil, b.text(`[data-testid=status]`)
	}
	return b.attrs(`[data-testid=me]`), ""
}

// plainFor returns the plain explanation the assurance rules give for an
// outcome, to find on the page.
func plainFor(t *testing.T, rule string, o assurance.Outcome) string {
	t.Helper()
	for _, r := range assurance.Rules() {
		if r.ID == rule {
			e, ok := r.Explain(o)
			require.True(t, ok, "rule %s has no %s explanation", rule, o)
			return e.Plain
		}
	}
	t.Fatalf("no assurance rule %s", rule)
	return ""
}

func TestOnboardingInChromium(t *testing.T) {
	chromium := browsertest.Chromium(t, "the onboarding browser test")
	// The admin profile of the shipped policy enforces attestation. The
	// virtual authenticator's packed attestation is signed by a
	// self-signed certificate with a key published in Chromium's source,
	// which no trust anchor vouches for, so under the shipped policy every
	// admin registration from it is refused for its attestation (the
	// server tests cover that path with trusted attestations). This test
	// runs the variant in testdata, where the admin profile is device-bound
	// without enforced attestation; see README.md.
	variant, err := os.ReadFile("testdata/policy-virtual-authenticator.json")
	require.NoError(t, err)
	pol, err := passkey.ParseFIDO2Policy(variant)
	require.NoError(t, err)
	h := start(t, func(o *portal.Options) { o.Policy = pol; o.Now = nil })

	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	opts := browsertest.Options(t, chromium)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}

	netlog, err := browsertest.RecordNetwork(tab, 500)
	require.NoError(t, err)
	console := browsertest.RecordConsole(tab)

	b := &browser{t: t, tab: tab, base: h.URL}
	b.do("enable virtual authenticators", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, vauth.Enable, vauth.EnableParams{})
		return err
	}))

	const sam = "sam@contoso.example"
	var samCode string
	t.Run("workforce user onboards with a synced passkey and signs in", func(t *testing.T) {
		b.t = t
		samCode = b.createUser(sam, "Sam Doe", portal.WorkforceGroupID)
		assert.Len(t, samCode, 8, "the pass has the policy's default length")
		ok, msg := b.redeem(sam, samCode)
		require.True(t, ok, "redeeming a fresh pass: %s", msg)

		b.device(syncedProvider)
		out := b.register()
		assert.Equal(t, "true", out["data-admitted"])
		assert.Equal(t, "AAL2", out["data-aal"], "a synced passkey with user verification is AAL2")
		assert.Contains(t, b.text(`[data-testid=tier]`), "AAL2")
		// The tier is explained in the assurance rules' plain words.
		why := b.text(`[data-testid=explanations]`)
		assert.Contains(t, why, plainFor(t, "aal3.not-synced", assurance.OutcomeFail))
		assert.Contains(t, why, plainFor(t, "aal2.two-factors", assurance.OutcomePass))
		assert.Equal(t, 1, b.credentials())
		all, active := h.passkeyCount(t, sam)
		assert.Equal(t, [2]int{1, 1}, [2]int{all, active})

		me, msg := b.signIn()
		require.Empty(t, msg)
		assert.Equal(t, sam, me["data-upn"])
		assert.Equal(t, string(passkey.Synced), me["data-passkey-type"])
	})

	t.Run("a used one-time pass cannot be redeemed again", func(t *testing.T) {
		b.t = t
		ok, msg := b.redeem(sam, samCode)
		assert.False(t, ok)
		assert.Contains(t, msg, "already used")
		assert.Equal(t, tap.ReasonOf(tap.ErrUsed), b.attrs(`[data-testid=error]`)["data-reason"])
	})

	const grace = "grace@contoso.example"
	t.Run("an admin's synced passkey is refused and a device-bound one admitted", func(t *testing.T) {
		b.t = t
		code := b.issuePass(grace)
		ok, msg := b.redeem(grace, code)
		require.True(t, ok, msg)

		b.device(syncedProvider)
		out := b.register()
		assert.Equal(t, "false", out["data-admitted"])
		reasons := b.attrs(`[data-testid=reasons] li`)
		assert.Equal(t, string(passkey.ReasonTypeNotAllowed), reasons["data-code"])
		assert.Equal(t, "00000000-0000-0000-0000-000000000002", reasons["data-profile"])
		assert.Contains(t, b.text(`[data-testid=reasons]`), "synced")
		all, _ := h.passkeyCount(t, grace)
		assert.Zero(t, all, "a refused passkey is not stored")

		// The pass's grant is still good: try a security key.
		b.device(securityKey)
		b.open("/register", `[data-testid=create-passkey]`)
		out = b.register()
		assert.Equal(t, "true", out["data-admitted"])
		assert.Contains(t, b.text(`[data-testid=outcome]`), "device-bound")
		all, active := h.passkeyCount(t, grace)
		assert.Equal(t, [2]int{1, 1}, [2]int{all, active})

		me, msg := b.signIn()
		require.Empty(t, msg)
		assert.Equal(t, grace, me["data-upn"])
		assert.Equal(t, string(passkey.DeviceBound), me["data-passkey-type"])
	})

	t.Run("recovery revokes the lost passkey and a new one works", func(t *testing.T) {
		b.t = t
		// Lee's synced passkey, on the device Lee is about to lose, signs
		// in.
		b.device(syncedProvider)
		code := b.createUser("lee@contoso.example", "Lee Park", portal.WorkforceGroupID)
		ok, msg := b.redeem("lee@contoso.example", code)
		require.True(t, ok, msg)
		b.register()
		lost := b.auth
		me, msg := b.signIn()
		require.Empty(t, msg)
		require.Equal(t, "lee@contoso.example", me["data-upn"])

		b.open("/helpdesk", `section[data-upn="lee@contoso.example"]`)
		b.do("recover",
			chromedp.Click(chromedp.CSS(`section[data-upn="lee@contoso.example"] [data-testid=recover]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=tap-code]`)))
		recovery := b.text(`[data-testid=tap-code]`)
		assert.Contains(t, b.text(`[data-testid=revoked-count]`), "Revoked 1")
		all, active := h.passkeyCount(t, "lee@contoso.example")
		assert.Equal(t, [2]int{1, 0}, [2]int{all, active})

		// The revoked passkey signs a valid assertion, and is refused.
		require.Equal(t, lost, b.auth)
		_, msg = b.signIn()
		assert.Contains(t, msg, "revoked")

		// A new device, the recovery pass, a new passkey.
		b.device(syncedProvider)
		ok, msg = b.redeem("lee@contoso.example", recovery)
		require.True(t, ok, msg)
		out := b.register()
		assert.Equal(t, "true", out["data-admitted"])
		me, msg = b.signIn()
		require.Empty(t, msg)
		assert.Equal(t, "lee@contoso.example", me["data-upn"])
		all, active = h.passkeyCount(t, "lee@contoso.example")
		assert.Equal(t, [2]int{2, 1}, [2]int{all, active})
	})
	t.Run("an admin's device-bound key that reports a backup is refused and the admin page shows why", func(t *testing.T) {
		b.t = t
		const root = "root@contoso.example"
		code := b.createUser(root, "Rue Root", portal.AdminsGroupID)
		ok, msg := b.redeem(root, code)
		require.True(t, ok, msg)
		b.device(securityKey)
		out := b.register()
		require.Equal(t, "true", out["data-admitted"])
		registeredAAL := out["data-aal"]
		me, msg := b.signIn()
		require.Empty(t, msg)
		require.Equal(t, string(passkey.DeviceBound), me["data-passkey-type"])

		// The key is copied into a sync fabric: the authenticator now
		// says the credential is backup eligible and backed up.
		id := b.credential()
		b.setBackupFlags(id, true, true)
		_, msg = b.signIn()
		assert.Contains(t, msg, "cannot change", "the event's plain words")
		assert.Contains(t, msg, "no longer meets your account's passkey profile")
		assert.Equal(t, string(passkey.CodeBackupEligibilityChanged), b.attrs(`[data-testid=status]`)["data-code"])

		key := base64.RawURLEncoding.EncodeToString(id)
		b.open("/admin", fmt.Sprintf(`tr.credential[data-passkey=%q]`, key))
		row := b.attrs(fmt.Sprintf(`tr.credential[data-passkey=%q]`, key))
		assert.Equal(t, string(passkey.DeviceBound), row["data-registered-type"])
		assert.Equal(t, registeredAAL, row["data-registered-aal"])
		assert.Equal(t, string(passkey.Synced), row["data-current-type"], "no longer device-bound")
		assert.Equal(t, assurance.AAL2.String(), row["data-current-aal"])
		assert.Equal(t, "false", row["data-admitted"], "the administrators' profile admits only device-bound passkeys")

		events := fmt.Sprintf(`tr.events[data-passkey=%q]`, key)
		codes := run(b, "event codes", chromedp.Evaluate[[]string](fmt.Sprintf(
			`[...document.querySelectorAll(%q)].map(li => li.dataset.code)`, events+" li")))
		assert.ElementsMatch(t, []string{string(passkey.EventBackupEligibilityChanged), string(passkey.EventBackupStateChanged)}, codes)
		bs := b.attrs(events + ` li[data-code=backup_state_changed]`)
		assert.Equal(t, "0", bs["data-old"])
		assert.Equal(t, "1", bs["data-new"])
		assert.Equal(t, "deviceBound "+registeredAAL, bs["data-tier-before"])
		assert.Equal(t, "synced AAL2", bs["data-tier-after"])
		assert.Equal(t, "true", b.attrs(events + ` li[data-code=backup_eligibility_changed]`)["data-rejected"])
		text := b.text(events)
		t.Logf("the admin page says: %s", text)
		assert.Contains(t, text, "no longer device-bound", "the admin text")
		assert.Contains(t, text, "§6.1.3", "the citation")
		assert.Contains(t, b.text(fmt.Sprintf(`tr.credential[data-passkey=%q] [data-testid=profile-now]`, key)), "refused")
	})

	t.Run("a synced passkey backed up after registration signs in and the event is shown", func(t *testing.T) {
		b.t = t
		const kim = "kim@contoso.example"
		code := b.createUser(kim, "Kim Lee", portal.WorkforceGroupID)
		ok, msg := b.redeem(kim, code)
		require.True(t, ok, msg)
		b.device(notYetBackedUp)
		out := b.register()
		require.Equal(t, "true", out["data-admitted"])
		_, msg = b.signIn()
		require.Empty(t, msg)

		id := b.credential()
		b.setBackupFlags(id, true, true)
		me, msg := b.signIn()
		require.Empty(t, msg, "BS 0→1 on a backup-eligible key is accepted")
		assert.Equal(t, kim, me["data-upn"])
		assert.Equal(t, string(passkey.Synced), me["data-passkey-type"])
		assert.Equal(t, out["data-aal"], me["data-aal"], "the tier stays")
		assert.Contains(t, b.text(`[data-testid=passkey-events] li[data-code=backup_state_changed]`), "copied to your account")

		key := base64.RawURLEncoding.EncodeToString(id)
		b.open("/admin", fmt.Sprintf(`tr.credential[data-passkey=%q]`, key))
		row := b.attrs(fmt.Sprintf(`tr.credential[data-passkey=%q]`, key))
		assert.Equal(t, string(passkey.Synced), row["data-registered-type"])
		assert.Equal(t, string(passkey.Synced), row["data-current-type"])
		assert.Equal(t, row["data-registered-aal"], row["data-current-aal"])
		assert.Equal(t, "true", row["data-admitted"])
		ev := b.attrs(fmt.Sprintf(`tr.events[data-passkey=%q] li`, key))
		assert.Equal(t, string(passkey.EventBackupStateChanged), ev["data-code"])
		assert.Equal(t, "0", ev["data-old"])
		assert.Equal(t, "1", ev["data-new"])
		assert.Equal(t, "false", ev["data-rejected"])
		assert.Empty(t, ev["data-tier-after"])
	})

	t.Run("the shipped policy refuses the virtual authenticator's unverifiable attestation", func(t *testing.T) {
		shipped := start(t, func(o *portal.Options) { o.Now = nil })
		b.t, b.base = t, shipped.URL
		defer func() { b.base = h.URL }()
		code := b.issuePass(grace)
		ok, msg := b.redeem(grace, code)
		require.True(t, ok, msg)
		b.device(securityKey)
		out := b.register()
		assert.Equal(t, "false", out["data-admitted"])
		codes := run(b, "reason codes", chromedp.Evaluate[[]string](
			`[...document.querySelectorAll("[data-testid=reasons] li")].map(li => li.dataset.code)`))
		assert.Subset(t, []string{string(passkey.ReasonAttestationRequired), string(passkey.ReasonAttestationUntrusted)}, codes)
		assert.NotEmpty(t, codes)
		t.Logf("refused: %s", b.text(`[data-testid=reasons]`))
		all, _ := shipped.passkeyCount(t, grace)
		assert.Zero(t, all)
	})
	b.t = t

	requests := netlog.Requests()
	require.NotEmpty(t, requests, "no network request was recorded; the listener is not working")
	for _, u := range requests {
		if !strings.HasPrefix(u, "http://localhost:") && u != "about:blank" {
			t.Errorf("the page requested %s, outside its origin %s", u, h.URL)
		}
	}
	for _, f := range netlog.Failures() {
		t.Errorf("request failed: %s", f)
	}
	for _, m := range console.Messages() {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("browser console: %s", m)
		}
	}
	// The codes were shown in the pages, and never logged.
	assert.NotContains(t, h.Log.String(), samCode)
}
