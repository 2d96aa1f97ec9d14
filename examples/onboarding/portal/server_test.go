package portal_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/examples/onboarding/portal"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
	"github.com/keytier/keytier/tap"
)

// client is a browser without a browser: a cookie jar and the portal's URL.
// It sends no Origin header, as a program does; the cross-origin tests add
// one.
type client struct {
	t    *testing.T
	h    *harness
	http *http.Client
}

func newClient(t *testing.T, h *harness) *client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &client{t: t, h: h, http: &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

type reply struct {
	Status   int
	Body     string
	Location string
}

func (c *client) do(req *http.Request) reply {
	c.t.Helper()
	res, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return reply{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location")}
}

func (c *client) get(path string) reply {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.h.URL+path, nil)
	require.NoError(c.t, err)
	return c.do(req)
}

func (c *client) form(path string, v url.Values) reply {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.h.URL+path, strings.NewReader(v.Encode()))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *client) postJSON(path string, body []byte) reply {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.h.URL+path, bytes.NewReader(body))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	return c.do(req)
}

var codeRE = regexp.MustCompile(`data-testid="tap-code">([^<]+)<`)

func issuedCode(t *testing.T, r reply) string {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	m := codeRE.FindStringSubmatch(r.Body)
	require.NotNil(t, m, "no code on the page")
	return m[1]
}

// createUser creates a user on the admin page and returns the pass's code.
func (c *client) createUser(upn, groupID string) string {
	c.t.Helper()
	return issuedCode(c.t, c.form("/admin/users", url.Values{"upn": {upn}, "display_name": {"Test " + upn}, "group": {groupID}}))
}

// issuePass issues a pass to a seeded user and returns the code.
func (c *client) issuePass(upn string) string {
	c.t.Helper()
	var id string
	require.NoError(c.t, c.h.Store.DB().QueryRowContext(c.t.Context(), `SELECT id FROM portal_users WHERE upn = ?`, upn).Scan(&id))
	return issuedCode(c.t, c.form("/admin/passes", url.Values{"user": {id}}))
}

func (c *client) redeem(upn, code string) reply {
	c.t.Helper()
	return c.form("/start", url.Values{"upn": {upn}, "code": {code}})
}

// mustRedeem redeems a pass and expects the registration page.
func (c *client) mustRedeem(upn, code string) {
	c.t.Helper()
	r := c.redeem(upn, code)
	require.Equal(c.t, http.StatusSeeOther, r.Status, r.Body)
	require.Equal(c.t, "/register", r.Location)
}

// registerOptions starts a registration and returns the challenge and the
// options.
func (c *client) registerOptions() ([]byte, protocol.PublicKeyCredentialCreationOptions) {
	c.t.Helper()
	r := c.postJSON("/register/options", []byte("{}"))
	require.Equal(c.t, http.StatusOK, r.Status, r.Body)
	var cc protocol.CredentialCreation
	require.NoError(c.t, json.Unmarshal([]byte(r.Body), &cc))
	return cc.Response.Challenge, cc.Response
}

// register starts a registration, lets the authenticator answer it with opts
// (edit may change them) and posts the response.
func (c *client) register(a *passkeytest.Authenticator, edit func(*passkeytest.RegisterOptions)) (reply, *passkeytest.Registration) {
	c.t.Helper()
	challenge, opts := c.registerOptions()
	handle, err := base64.RawURLEncoding.DecodeString(opts.User.ID.(string))
	require.NoError(c.t, err)
	ro := passkeytest.RegisterOptions{
		RPID:         opts.RelyingParty.ID,
		Origin:       c.h.URL,
		Challenge:    challenge,
		UserVerified: true,
		UserHandle:   handle,
	}
	if edit != nil {
		edit(&ro)
	}
	reg, err := a.Register(ro)
	require.NoError(c.t, err)
	return c.postJSON("/register/finish", reg.JSON), reg
}

func apiErr(t *testing.T, r reply) (msg, code string) {
	t.Helper()
	var e struct{ Error, Code string }
	require.NoError(t, json.Unmarshal([]byte(r.Body), &e), r.Body)
	require.NotEmpty(t, e.Error, r.Body)
	return e.Error, e.Code
}

// signIn runs the sign-in ceremony with a stored credential.
func (c *client) signIn(a *passkeytest.Authenticator, cred *passkeytest.Credential, edit func(*passkeytest.AssertOptions)) reply {
	c.t.Helper()
	r := c.postJSON("/signin/options", []byte("{}"))
	require.Equal(c.t, http.StatusOK, r.Status, r.Body)
	var ca protocol.CredentialAssertion
	require.NoError(c.t, json.Unmarshal([]byte(r.Body), &ca))
	ao := passkeytest.AssertOptions{Origin: c.h.URL, Challenge: ca.Response.Challenge, UserVerified: true}
	if edit != nil {
		edit(&ao)
	}
	as, err := a.Assert(cred, ao)
	require.NoError(c.t, err)
	return c.postJSON("/signin/finish", as.JSON)
}

func authenticator(t *testing.T, att passkeytest.Attestation) *passkeytest.Authenticator {
	t.Helper()
	a, err := passkeytest.New(passkeytest.Options{Attestation: att, AAGUID: [16]byte{0x6b, 0x65, 0x79, 0x74, 0x69, 0x65, 0x72}})
	require.NoError(t, err)
	return a
}

func synced(o *passkeytest.RegisterOptions) { o.BackupEligible, o.BackedUp = true, true }

func TestPassRefusals(t *testing.T) {
	h := start(t, nil)
	admin := newClient(t, h)
	const upn = "new@contoso.example"
	code := admin.createUser(upn, portal.WorkforceGroupID)
	wrong := strings.Repeat("2", len(code))
	if wrong == code {
		wrong = strings.Repeat("3", len(code))
	}

	for _, tc := range []struct {
		name, upn, code string
		status          int
		reason          string
	}{
		{"wrong code", upn, wrong, http.StatusUnauthorized, tap.ReasonOf(tap.ErrInvalidCode)},
		{"unknown user", "nobody@contoso.example", code, http.StatusUnauthorized, tap.ReasonOf(tap.ErrNotFound)},
		{"not a code", upn, "!!", http.StatusUnauthorized, tap.ReasonOf(tap.ErrInvalidCode)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newClient(t, h).redeem(tc.upn, tc.code)
			assert.Equal(t, tc.status, r.Status)
			assert.Contains(t, r.Body, `data-reason="`+tc.reason+`"`)
			assert.Contains(t, r.Body, "do not match", "a wrong code and an unknown user get the same answer")
		})
	}

	t.Run("used", func(t *testing.T) {
		newClient(t, h).mustRedeem(upn, code)
		r := newClient(t, h).redeem(upn, code)
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Contains(t, r.Body, `data-reason="`+tap.ReasonOf(tap.ErrUsed)+`"`)
		assert.Contains(t, r.Body, "already used")
	})

	t.Run("expired", func(t *testing.T) {
		code := admin.createUser("late@contoso.example", portal.WorkforceGroupID)
		h.Clock.Advance(time.Duration(tap.DefaultPolicy().DefaultLifetimeInMinutes) * time.Minute)
		r := newClient(t, h).redeem("late@contoso.example", code)
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Contains(t, r.Body, `data-reason="`+tap.ReasonOf(tap.ErrExpired)+`"`)
		assert.Contains(t, r.Body, "expired")
	})

	t.Run("locked after too many wrong codes", func(t *testing.T) {
		code := admin.createUser("typo@contoso.example", portal.WorkforceGroupID)
		bad := strings.Repeat("4", len(code))
		var r reply
		for range tap.DefaultMaxFailedAttempts {
			r = newClient(t, h).redeem("typo@contoso.example", bad)
		}
		assert.Contains(t, r.Body, `data-reason="`+tap.ReasonOf(tap.ErrLockedOut)+`"`)
		r = newClient(t, h).redeem("typo@contoso.example", code)
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Contains(t, r.Body, "locked")
	})

	t.Run("registration needs a redeemed pass", func(t *testing.T) {
		c := newClient(t, h)
		r := c.postJSON("/register/options", []byte("{}"))
		assert.Equal(t, http.StatusForbidden, r.Status)
		r = c.get("/register")
		assert.Equal(t, http.StatusForbidden, r.Status)
	})
}

func TestPassShownOnceNeverLogged(t *testing.T) {
	h := start(t, nil)
	c := newClient(t, h)
	code := c.createUser("once@contoso.example", portal.WorkforceGroupID)
	require.Len(t, code, tap.DefaultPolicy().DefaultLength)
	for _, path := range []string{"/admin", "/helpdesk", "/"} {
		r := c.get(path)
		require.Equal(t, http.StatusOK, r.Status)
		assert.NotContains(t, r.Body, code, path)
	}
	assert.Contains(t, c.get("/admin").Body, `data-status="active"`)
	c.mustRedeem("once@contoso.example", code)
	assert.Contains(t, h.Log.String(), "action=issue")
	assert.Contains(t, h.Log.String(), "action=redeem")
	assert.NotContains(t, h.Log.String(), code)
}

func TestRegistrationMustVerify(t *testing.T) {
	h := start(t, nil)
	admin := newClient(t, h)
	code := admin.createUser("v@contoso.example", portal.WorkforceGroupID)
	c := newClient(t, h)
	c.mustRedeem("v@contoso.example", code)

	// Packed self attestation signs clientDataJSON's hash, so tampering
	// with the client data breaks a signature. (With "none" attestation
	// nothing signs it at registration: WebAuthn L3 §7.1 can catch only
	// the members it compares.)
	self := authenticator(t, passkeytest.AttestationPackedSelf)
	for _, tc := range []struct {
		name string
		edit func(*passkeytest.RegisterOptions)
		code passkey.Code
	}{
		{"wrong origin", func(o *passkeytest.RegisterOptions) { o.Origin = "http://localhost:1" }, passkey.CodeOriginMismatch},
		{"phishing origin", func(o *passkeytest.RegisterOptions) { o.Origin = "https://login.contoso.example.evil" }, passkey.CodeOriginMismatch},
		{"wrong challenge", func(o *passkeytest.RegisterOptions) { o.Challenge = []byte("0123456789abcdef0123456789abcdef") }, passkey.CodeChallengeMismatch},
		{"another relying party", func(o *passkeytest.RegisterOptions) { o.Tamper.RPID = "contoso.example" }, passkey.CodeRPIDMismatch},
		{"tampered clientDataJSON", func(o *passkeytest.RegisterOptions) {
			o.Tamper.ClientDataJSON = func(b []byte) []byte {
				return append(bytes.TrimSuffix(b, []byte("}")), []byte(`,"other_keys_can_be_added_here":"x"}`)...)
			}
		}, passkey.CodeSignatureInvalid},
		{"no user verification", func(o *passkeytest.RegisterOptions) { o.UserVerified = false }, passkey.CodeUserNotVerified},
		{"get instead of create", func(o *passkeytest.RegisterOptions) { o.Type = "webauthn.get" }, passkey.CodeClientDataType},
		{"backed up but not backup eligible", func(o *passkeytest.RegisterOptions) { o.BackedUp = true }, passkey.CodeFlagsInconsistent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := c.register(self, tc.edit)
			assert.Equal(t, http.StatusBadRequest, r.Status, r.Body)
			msg, code := apiErr(t, r)
			assert.Equal(t, string(tc.code), code, msg)
		})
	}
	all, _ := h.passkeyCount(t, "v@contoso.example")
	assert.Zero(t, all, "nothing that failed verification is stored")

	// The same authenticator, answering honestly, is admitted.
	r, _ := c.register(self, nil)
	assert.Equal(t, http.StatusOK, r.Status, r.Body)
}

func TestReplayedRegistration(t *testing.T) {
	h := start(t, nil)
	code := newClient(t, h).createUser("r@contoso.example", portal.WorkforceGroupID)
	c := newClient(t, h)
	c.mustRedeem("r@contoso.example", code)
	a := authenticator(t, passkeytest.AttestationNone)

	r, reg := c.register(a, synced)
	require.Equal(t, http.StatusOK, r.Status, r.Body)

	// The same response again: its ceremony is over.
	r = c.postJSON("/register/finish", reg.JSON)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	msg, _ := apiErr(t, r)
	assert.Contains(t, msg, "accepted once")

	// The same response to a new ceremony: the challenge differs.
	c.registerOptions()
	r = c.postJSON("/register/finish", reg.JSON)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	_, codeOf := apiErr(t, r)
	assert.Equal(t, string(passkey.CodeChallengeMismatch), codeOf)

	// The same credential, freshly signed for a new ceremony: already
	// registered (WebAuthn L3 §7.1 credential id uniqueness).
	r, _ = c.register(a, synced)
	assert.Equal(t, http.StatusConflict, r.Status, r.Body)

	all, active := h.passkeyCount(t, "r@contoso.example")
	assert.Equal(t, [2]int{1, 1}, [2]int{all, active})
}

func TestAdminProfileUnderShippedPolicy(t *testing.T) {
	h := start(t, func(o *portal.Options) { o.Roots = []*x509.Certificate{passkeytest.RootCertificate()} })
	const grace = "grace@contoso.example"
	c := newClient(t, h)
	c.mustRedeem(grace, newClient(t, h).issuePass(grace))

	_, opts := c.registerOptions()
	assert.Equal(t, protocol.PreferDirectAttestation, opts.Attestation, "a profile enforcing attestation asks for it")

	refused := func(t *testing.T, r reply, codes ...passkey.ReasonCode) {
		t.Helper()
		require.Equal(t, http.StatusForbidden, r.Status, r.Body)
		res := c.get("/register/result")
		require.Equal(t, http.StatusOK, res.Status)
		assert.Contains(t, res.Body, `data-admitted="false"`)
		for _, code := range codes {
			assert.Contains(t, res.Body, `data-code="`+string(code)+`"`)
		}
	}
	t.Run("synced passkey", func(t *testing.T) {
		r, _ := c.register(authenticator(t, passkeytest.AttestationNone), synced)
		refused(t, r, passkey.ReasonTypeNotAllowed)
	})
	t.Run("device-bound without attestation", func(t *testing.T) {
		r, _ := c.register(authenticator(t, passkeytest.AttestationNone), nil)
		refused(t, r, passkey.ReasonAttestationRequired)
	})
	t.Run("device-bound with self attestation", func(t *testing.T) {
		r, _ := c.register(authenticator(t, passkeytest.AttestationPackedSelf), nil)
		refused(t, r, passkey.ReasonAttestationRequired)
	})
	all, _ := h.passkeyCount(t, grace)
	require.Zero(t, all, "refused passkeys are not stored")

	t.Run("device-bound with trusted attestation", func(t *testing.T) {
		a := authenticator(t, passkeytest.AttestationPacked)
		r, reg := c.register(a, nil)
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		res := c.get("/register/result")
		assert.Contains(t, res.Body, `data-admitted="true"`)
		// The attestation is trusted; AAL3 would also need the key
		// protection FIDO MDS reports, and this test gives no MDS BLOB.
		assert.Contains(t, res.Body, `data-rule="aal3.attested" data-outcome="pass"`)
		assert.Contains(t, res.Body, `data-aal="AAL2"`)
		assert.Contains(t, res.Body, "Administrators: attested device-bound")

		s := newClient(t, h)
		r = s.signIn(a, reg.Credential, nil)
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		me := s.get("/me")
		assert.Contains(t, me.Body, `data-upn="grace@contoso.example"`)
		assert.Contains(t, me.Body, `data-passkey-type="deviceBound"`)
	})
}

func TestSignIn(t *testing.T) {
	h := start(t, nil)
	admin := newClient(t, h)
	const upn = "s@contoso.example"
	c := newClient(t, h)
	c.mustRedeem(upn, admin.createUser(upn, portal.WorkforceGroupID))
	a := authenticator(t, passkeytest.AttestationNone)
	r, reg := c.register(a, synced)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	cred := reg.Credential

	for _, tc := range []struct {
		name string
		edit func(*passkeytest.AssertOptions)
	}{
		{"wrong origin", func(o *passkeytest.AssertOptions) { o.Origin = "http://localhost:1" }},
		{"tampered clientDataJSON", func(o *passkeytest.AssertOptions) {
			o.Tamper.ClientDataJSON = func(b []byte) []byte {
				return append(bytes.TrimSuffix(b, []byte("}")), []byte(`,"x":"y"}`)...)
			}
		}},
		{"bad signature", func(o *passkeytest.AssertOptions) { o.Tamper.CorruptSignature = true }},
		{"wrong challenge", func(o *passkeytest.AssertOptions) { o.Challenge = []byte("0123456789abcdef0123456789abcdef") }},
		{"no user verification", func(o *passkeytest.AssertOptions) { o.UserVerified = false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newClient(t, h)
			r := s.signIn(a, cred, tc.edit)
			assert.Equal(t, http.StatusUnauthorized, r.Status, r.Body)
			apiErr(t, r)
			assert.Equal(t, http.StatusSeeOther, s.get("/me").Status, "not signed in")
		})
	}

	t.Run("replayed assertion", func(t *testing.T) {
		s := newClient(t, h)
		r := s.postJSON("/signin/options", []byte("{}"))
		var ca protocol.CredentialAssertion
		require.NoError(t, json.Unmarshal([]byte(r.Body), &ca))
		as, err := a.Assert(cred, passkeytest.AssertOptions{Origin: h.URL, Challenge: ca.Response.Challenge, UserVerified: true})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, s.postJSON("/signin/finish", as.JSON).Status)
		r = s.postJSON("/signin/finish", as.JSON)
		assert.Equal(t, http.StatusBadRequest, r.Status)
		msg, _ := apiErr(t, r)
		assert.Contains(t, msg, "accepted once")
	})

	t.Run("unknown passkey", func(t *testing.T) {
		other, err := authenticator(t, passkeytest.AttestationNone).Register(passkeytest.RegisterOptions{
			RPID: "localhost", Origin: h.URL, Challenge: []byte("0123456789abcdef"), UserHandle: []byte("x"), CredentialID: []byte("never registered"),
		})
		require.NoError(t, err)
		r := newClient(t, h).signIn(a, other.Credential, nil)
		assert.Equal(t, http.StatusUnauthorized, r.Status)
		msg, _ := apiErr(t, r)
		assert.Contains(t, msg, "not registered")
	})

	t.Run("recovery revokes the old passkey", func(t *testing.T) {
		s := newClient(t, h)
		require.Equal(t, http.StatusOK, s.signIn(a, cred, nil).Status)
		require.Equal(t, http.StatusOK, s.get("/me").Status)

		var uid string
		require.NoError(t, h.Store.DB().QueryRowContext(t.Context(), `SELECT id FROM portal_users WHERE upn = ?`, upn).Scan(&uid))
		code := issuedCode(t, admin.form("/helpdesk/passkeys", url.Values{
			"user": {uid}, "action": {"recover"}, "passkey": {base64.RawURLEncoding.EncodeToString(cred.ID)},
		}))
		assert.Equal(t, http.StatusSeeOther, s.get("/me").Status, "the session that signed in with the lost passkey ended")

		r := newClient(t, h).signIn(a, cred, nil)
		assert.Equal(t, http.StatusUnauthorized, r.Status)
		msg, _ := apiErr(t, r)
		assert.Contains(t, msg, "revoked")

		n := newClient(t, h)
		n.mustRedeem(upn, code)
		fresh := authenticator(t, passkeytest.AttestationNone)
		r, reg := n.register(fresh, func(o *passkeytest.RegisterOptions) { synced(o); o.CredentialID = []byte("the new phone's passkey") })
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Equal(t, http.StatusOK, newClient(t, h).signIn(fresh, reg.Credential, nil).Status)
		all, active := h.passkeyCount(t, upn)
		assert.Equal(t, [2]int{2, 1}, [2]int{all, active})
	})
}

func TestCeremonyAndGrantExpire(t *testing.T) {
	h := start(t, nil)
	c := newClient(t, h)
	c.mustRedeem("e@contoso.example", newClient(t, h).createUser("e@contoso.example", portal.WorkforceGroupID))
	a := authenticator(t, passkeytest.AttestationNone)

	challenge, _ := c.registerOptions()
	h.Clock.Advance(portal.CeremonyTimeout)
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: "localhost", Origin: h.URL, Challenge: challenge, UserVerified: true})
	require.NoError(t, err)
	r := c.postJSON("/register/finish", reg.JSON)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	msg, _ := apiErr(t, r)
	assert.Contains(t, msg, "took longer")

	h.Clock.Advance(portal.GrantLifetime)
	r = c.postJSON("/register/options", []byte("{}"))
	assert.Equal(t, http.StatusForbidden, r.Status)
}

func TestCrossOriginRefused(t *testing.T) {
	h := start(t, nil)
	post := func(edit func(*http.Request)) int {
		req, err := http.NewRequest(http.MethodPost, h.URL+"/admin/users", strings.NewReader("upn=x%40contoso.example&display_name=X&group="+portal.WorkforceGroupID))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		edit(req)
		return newClient(t, h).do(req).Status
	}
	assert.Equal(t, http.StatusForbidden, post(func(r *http.Request) { r.Header.Set("Origin", "http://evil.example") }))
	assert.Equal(t, http.StatusForbidden, post(func(r *http.Request) { r.Header.Set("Origin", "null") }))
	assert.Equal(t, http.StatusForbidden, post(func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }))
	assert.Equal(t, http.StatusForbidden, post(func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-site") }))
	assert.Equal(t, http.StatusMisdirectedRequest, post(func(r *http.Request) { r.Host = "rebound.example" }))
	var users int
	require.NoError(t, h.Store.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM portal_users WHERE upn = 'x@contoso.example'`).Scan(&users))
	assert.Zero(t, users, "no refused request created a user")
	assert.Equal(t, http.StatusOK, post(func(r *http.Request) {
		r.Header.Set("Origin", h.URL)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}))
}

func TestSessionCookie(t *testing.T) {
	h := start(t, nil)
	res, err := http.Post(h.URL+"/signin/options", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	res.Body.Close()
	require.Len(t, res.Cookies(), 1)
	ck := res.Cookies()[0]
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	assert.GreaterOrEqual(t, len(ck.Value), 43, "32 random bytes")
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "script-src 'self'")
}

func TestBadInput(t *testing.T) {
	h := start(t, nil)
	c := newClient(t, h)
	c.mustRedeem("b@contoso.example", newClient(t, h).createUser("b@contoso.example", portal.WorkforceGroupID))
	for _, tc := range []struct{ name, body string }{
		{"empty", ""},
		{"not JSON", "this is not a passkey"},
		{"array", "[]"},
		{"wrong type", `{"id":"AAAA","rawId":"AAAA","type":"password"}`},
		{"id not base64url", `{"id":"A+A/","rawId":"A+A/","type":"public-key"}`},
		{"rawId differs", `{"id":"AAAA","rawId":"AAAB","type":"public-key"}`},
		{"repeated member", `{"id":"AAAA","id":"AAAB","rawId":"AAAA","type":"public-key"}`},
		{"no response", `{"id":"AAAA","rawId":"AAAA","type":"public-key"}`},
		{"garbage response", `{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"!!","attestationObject":7}}`},
		{"too large", `{"id":"` + strings.Repeat("A", portal.MaxRegistrationBody) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.registerOptions()
			r := c.postJSON("/register/finish", []byte(tc.body))
			assert.Equal(t, http.StatusBadRequest, r.Status, r.Body)
			apiErr(t, r)
			r = c.postJSON("/signin/options", []byte("{}"))
			require.Equal(t, http.StatusOK, r.Status)
			r = c.postJSON("/signin/finish", []byte(tc.body))
			assert.Contains(t, []int{http.StatusBadRequest, http.StatusUnauthorized}, r.Status, r.Body)
			apiErr(t, r)
		})
	}
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"no upn", url.Values{"display_name": {"X"}, "group": {portal.WorkforceGroupID}}},
		{"upn without domain", url.Values{"upn": {"x"}, "display_name": {"X"}, "group": {portal.WorkforceGroupID}}},
		{"control character", url.Values{"upn": {"x@contoso.example"}, "display_name": {"X\x00"}, "group": {portal.WorkforceGroupID}}},
		{"long name", url.Values{"upn": {"x@contoso.example"}, "display_name": {strings.Repeat("x", portal.MaxNameLength+1)}, "group": {portal.WorkforceGroupID}}},
		{"unknown group", url.Values{"upn": {"x@contoso.example"}, "display_name": {"X"}, "group": {"nope"}}},
	} {
		t.Run("admin "+tc.name, func(t *testing.T) {
			r := c.form("/admin/users", tc.form)
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Contains(t, r.Body, `data-testid="error"`)
		})
	}
	r := c.form("/admin/users", url.Values{"upn": {"b@contoso.example"}, "display_name": {"B"}, "group": {portal.WorkforceGroupID}})
	assert.Equal(t, http.StatusConflict, r.Status)
	r = c.form("/helpdesk/passkeys", url.Values{"user": {"nobody"}, "action": {"revoke"}})
	assert.Equal(t, http.StatusNotFound, r.Status)
	r = c.form("/start", url.Values{"upn": {strings.Repeat("a", portal.MaxFormBody)}})
	assert.Equal(t, http.StatusBadRequest, r.Status)
}
