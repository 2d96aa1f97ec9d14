package portal

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/tap"
	"github.com/keytier/keytier/tap/sqlstore"
)

//go:embed fido2-policy.json
var defaultPolicy []byte

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DefaultPolicyJSON returns the FIDO2 method policy the portal enforces unless
// told otherwise, as Graph JSON: a device-bound profile that enforces
// attestation for the administrators' group and a profile admitting synced
// and device-bound passkeys for the workforce group.
func DefaultPolicyJSON() []byte { return append([]byte(nil), defaultPolicy...) }

// The groups the default policy targets, by object id.
const (
	AdminsGroupID    = "a1000000-0000-4000-8000-000000000001"
	WorkforceGroupID = "a2000000-0000-4000-8000-000000000002"
)

// DemoGroups are the groups SeedDemo creates, named for the pages.
var DemoGroups = []Group{
	{ID: AdminsGroupID, DisplayName: "Privileged administrators"},
	{ID: WorkforceGroupID, DisplayName: "Workforce"},
}

// DemoUser is a user SeedDemo creates.
type DemoUser struct {
	UPN, DisplayName, GroupID string
}

// DemoUsers are the users SeedDemo creates in an empty directory.
var DemoUsers = []DemoUser{
	{UPN: "ada@contoso.example", DisplayName: "Ada Lovelace", GroupID: WorkforceGroupID},
	{UPN: "alan@contoso.example", DisplayName: "Alan Turing", GroupID: WorkforceGroupID},
	{UPN: "grace@contoso.example", DisplayName: "Grace Hopper", GroupID: AdminsGroupID},
}

// Options configure a Portal. DB and Origin are required; every other zero
// value is useful. New does not modify an Options.
type Options struct {
	// DB is the SQLite database the portal keeps its state in: the
	// passes (tap/sqlstore's tables) and the users, groups and passkeys
	// (the portal's). The caller owns it; Close does not close it. Open it
	// with sqlstore.SQLiteDSN's settings, or use sqlstore.OpenSQLite and
	// pass its DB.
	DB *sql.DB

	// Origin is the one origin pages are served from and WebAuthn
	// responses must name, e.g. "http://localhost:8080". WebAuthn needs a
	// secure context: https, or http on localhost.
	Origin string

	// RPID is the WebAuthn relying party id. Empty means Origin's host.
	RPID string

	// Policy is the FIDO2 (passkey) method policy with its passkey
	// profiles. Nil means the embedded default (DefaultPolicyJSON).
	Policy *passkey.FIDO2Policy

	// TAPPolicy is the Temporary Access Pass policy. Nil means
	// tap.DefaultPolicy().
	TAPPolicy *tap.Policy

	// Secret is the key the passes' codes are hashed with, at least
	// tap.MinSecretLength bytes. Nil means a random key for the life of
	// this Portal: passes issued before a restart then no longer redeem.
	Secret []byte

	// Roots and MDS are the trust anchors attestation is verified
	// against: explicit root certificates, and a verified FIDO MDS3 BLOB.
	// Without either, no attestation is trusted, so a profile that
	// enforces attestation admits no passkey.
	Roots []*x509.Certificate
	MDS   *mds.BLOB

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	// Rand is the source of session ids, user ids and pass codes. Nil
	// means crypto/rand.Reader. (go-webauthn draws challenges from
	// crypto/rand itself.)
	Rand io.Reader

	// Logger receives the passes' audit events and server errors. Nil
	// discards them. Codes are never logged: tap.Code redacts itself and
	// the portal logs no form values.
	Logger *slog.Logger
}

// Portal is the onboarding and recovery portal. It is safe for concurrent
// use.
type Portal struct {
	db       *sql.DB
	origin   string
	rpID     string
	policy   *passkey.FIDO2Policy
	taps     *tap.Service
	tapStore *sqlstore.Store
	store    *store
	wa       *webauthn.WebAuthn
	sessions *sessions
	roots    []*x509.Certificate
	mds      *mds.BLOB
	now      func() time.Time
	log      *slog.Logger
	pages    map[string]*template.Template

	randMu sync.Mutex
	rand   io.Reader
}

// New opens the portal on opts.DB, creating its tables and the TAP store's
// when they do not exist.
func New(ctx context.Context, opts Options) (*Portal, error) {
	if opts.DB == nil {
		return nil, errors.New("portal: Options.DB is required")
	}
	u, err := url.Parse(opts.Origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("portal: Options.Origin %q is not an origin such as http://localhost:8080", opts.Origin)
	}
	p := &Portal{
		db:     opts.DB,
		origin: u.Scheme + "://" + u.Host,
		rpID:   opts.RPID,
		roots:  append([]*x509.Certificate(nil), opts.Roots...),
		mds:    opts.MDS,
		now:    opts.Now,
		rand:   opts.Rand,
		log:    opts.Logger,
	}
	if p.rpID == "" {
		p.rpID = u.Hostname()
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.rand == nil {
		p.rand = rand.Reader
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.policy = opts.Policy
	if p.policy == nil {
		if p.policy, err = passkey.ParseFIDO2Policy(defaultPolicy); err != nil {
			return nil, fmt.Errorf("portal: the embedded FIDO2 policy: %w", err)
		}
	}
	p.wa, err = webauthn.New(&webauthn.Config{
		RPID:          p.rpID,
		RPDisplayName: "keytier onboarding",
		RPOrigins:     []string{p.origin},
		// The portal keeps ceremony deadlines itself, on its own clock.
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: false, Timeout: CeremonyTimeout, TimeoutUVD: CeremonyTimeout},
			Registration: webauthn.TimeoutConfig{Enforce: false, Timeout: CeremonyTimeout, TimeoutUVD: CeremonyTimeout},
		},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationRequired,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("portal: WebAuthn settings for RP ID %q and origin %s: %w", p.rpID, p.origin, err)
	}

	if p.tapStore, err = sqlstore.New(ctx, opts.DB, sqlstore.SQLite); err != nil {
		return nil, fmt.Errorf("portal: the pass store: %w", err)
	}
	secret := opts.Secret
	if secret == nil {
		if secret, err = p.random(tap.MinSecretLength); err != nil {
			return nil, fmt.Errorf("portal: drawing the pass key: %w", err)
		}
	}
	p.taps, err = tap.New(tap.Options{
		Store:  p.tapStore,
		Secret: tap.NewSecret(secret),
		Policy: opts.TAPPolicy,
		Audit:  tap.AuditFunc(p.audit),
		Now:    p.now,
		Rand:   readerFunc(p.readRand),
	})
	if err != nil {
		return nil, fmt.Errorf("portal: the pass service: %w", err)
	}
	p.store = &store{db: opts.DB, now: p.now, rand: func() ([]byte, error) { return p.random(16) }}
	if err := p.store.migrate(ctx); err != nil {
		return nil, err
	}
	p.sessions = newSessions(p.now, p.random, u.Scheme == "https")
	if p.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return p, nil
}

// SeedDemo creates DemoGroups, and DemoUsers when the directory has no users.
func (p *Portal) SeedDemo(ctx context.Context) error {
	for _, g := range DemoGroups {
		if err := p.store.ensureGroup(ctx, g); err != nil {
			return err
		}
	}
	us, err := p.store.users(ctx)
	if err != nil || len(us) > 0 {
		return err
	}
	for _, d := range DemoUsers {
		if _, err := p.store.createUser(ctx, d.UPN, d.DisplayName, []string{d.GroupID}); err != nil {
			return err
		}
	}
	return nil
}

// Origin returns the origin the portal serves.
func (p *Portal) Origin() string { return p.origin }

// Policy returns the FIDO2 policy the portal enforces.
func (p *Portal) Policy() *passkey.FIDO2Policy { return p.policy }

// audit logs a pass's audit event. Events never carry a code.
func (p *Portal) audit(ctx context.Context, e tap.Event) {
	p.log.LogAttrs(ctx, slog.LevelInfo, "tap",
		slog.String("action", string(e.Action)), slog.String("actor", e.Actor),
		slog.String("user", e.UserID), slog.String("pass", e.PassID),
		slog.String("outcome", string(e.Outcome)), slog.String("reason", e.Reason))
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

// readRand reads from Options.Rand under a lock: a caller's reader need not
// be safe for concurrent use.
func (p *Portal) readRand(b []byte) (int, error) {
	p.randMu.Lock()
	defer p.randMu.Unlock()
	return io.ReadFull(p.rand, b)
}

func (p *Portal) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := p.readRand(b); err != nil {
		return nil, fmt.Errorf("portal: reading %d random bytes: %w", n, err)
	}
	return b, nil
}

// Handler returns the portal's HTTP handler.
func (p *Portal) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("GET /admin", p.adminPage)
	mux.HandleFunc("POST /admin/users", p.adminCreateUser)
	mux.HandleFunc("POST /admin/passes", p.adminIssuePass)
	mux.HandleFunc("GET /start", p.startPage)
	mux.HandleFunc("POST /start", p.startRedeem)
	mux.HandleFunc("GET /register", p.registerPage)
	mux.HandleFunc("POST /register/options", p.registerOptions)
	mux.HandleFunc("POST /register/finish", p.registerFinish)
	mux.HandleFunc("GET /register/result", p.registerResult)
	mux.HandleFunc("GET /signin", p.signinPage)
	mux.HandleFunc("POST /signin/options", p.signinOptions)
	mux.HandleFunc("POST /signin/finish", p.signinFinish)
	mux.HandleFunc("GET /me", p.mePage)
	mux.HandleFunc("POST /signout", p.signout)
	mux.HandleFunc("GET /helpdesk", p.helpdeskPage)
	mux.HandleFunc("POST /helpdesk/passkeys", p.helpdeskAct)
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/icon.svg", http.StatusMovedPermanently)
	})
	return p.guard(mux)
}

// contentSecurityPolicy allows the portal's own script, style sheet and
// icon, and nothing else: no inline script, no other origin, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// guard sets the security headers and refuses requests that are not for the
// portal's origin or, when they change state, not from it.
func (p *Portal) guard(next http.Handler) http.Handler {
	host := strings.TrimPrefix(strings.TrimPrefix(p.origin, "https://"), "http://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		// "same-origin", not "no-referrer": under no-referrer a browser sends
		// "Origin: null" with a form post, which sameOrigin must refuse.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		// A request for another host name reached the portal through DNS
		// rebinding or a misconfigured proxy; WebAuthn would refuse it
		// anyway, and the pages must not be readable from that origin.
		if !strings.EqualFold(r.Host, host) {
			http.Error(w, fmt.Sprintf("portal: this server answers for %s, not %s", host, r.Host), http.StatusMisdirectedRequest)
			return
		}
		if err := p.sameOrigin(r); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses a state-changing request a browser sent from another
// origin. Browsers send Sec-Fetch-Site and Origin with every POST; a request
// with neither comes from a program, not a page, and cannot ride on a
// visitor's cookie (the cookie is SameSite=Strict too). Unlike
// http.CrossOriginProtection, which compares Origin with the Host header, the
// Origin must be the portal's configured origin exactly.
func (p *Portal) sameOrigin(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return fmt.Errorf("portal: cross-origin request refused (Sec-Fetch-Site: %s)", site)
	}
	if o := r.Header.Get("Origin"); o != "" && o != p.origin {
		return fmt.Errorf("portal: cross-origin request refused: Origin %q is not %s", o, p.origin)
	}
	return nil
}
