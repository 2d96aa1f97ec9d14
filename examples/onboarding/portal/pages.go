package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/tap"
)

// view is what every page template gets.
type view struct {
	Title    string
	SignedIn string // the signed-in user's name, "" for nobody
	Script   bool   // load portal.js
	Error    string
	// ErrorReason is a stable name for the error (tap.ReasonOf for passes),
	// in a data attribute for scripts and tests.
	ErrorReason string
	Notice      string
	Data        any
}

var pageNames = []string{"home", "admin", "issued", "start", "register", "result", "signin", "me", "helpdesk"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"verdict":     verdictText,
		"profileName": profileName,
		"bit": func(b bool) int {
			if b {
				return 1
			}
			return 0
		},
		"short": func(s string) string {
			if len(s) > 12 {
				return s[:12] + "…"
			}
			return s
		},
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("portal: page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a page. The template runs into a buffer first, so a template
// error becomes a 500 instead of half a page.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	if v.SignedIn == "" {
		if u, ok := p.signedIn(w, r); ok {
			v.SignedIn = u.DisplayName
		}
	}
	var buf bytes.Buffer
	if err := p.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		p.log.ErrorContext(r.Context(), "rendering a page", "page", name, "err", err)
		http.Error(w, "portal: the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail answers a request the portal could not complete for a reason of its
// own: the details go to the log, the visitor gets a short message.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	p.log.ErrorContext(r.Context(), what, "path", r.URL.Path, "err", err)
	msg := "portal: " + what + " failed; the server log has the details"
	if errors.Is(err, errTooManySessions) {
		http.Error(w, errTooManySessions.Error(), http.StatusServiceUnavailable)
		return
	}
	http.Error(w, msg, http.StatusInternalServerError)
}

// writeJSON answers a script.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// apiError is the JSON a script gets when a ceremony step fails.
type apiError struct {
	Error string `json:"error"`
	// Code is keytier's passkey.Code for a registration that did not
	// verify, "" otherwise.
	Code string `json:"code,omitempty"`
}

// next is the JSON a script gets when it should load another page.
type next struct {
	Next     string `json:"next"`
	Admitted *bool  `json:"admitted,omitempty"`
}

// signedIn returns the signed-in user.
func (p *Portal) signedIn(w http.ResponseWriter, r *http.Request) (User, bool) {
	var id string
	p.sessions.with(w, r, false, func(s *session) error {
		if s != nil {
			id = s.userID
		}
		return nil
	})
	if id == "" {
		return User{}, false
	}
	u, err := p.store.user(r.Context(), id)
	return u, err == nil
}

func (p *Portal) home(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "home", view{Title: "Passwordless onboarding"})
}

// userRow is a user as the admin and helpdesk pages list them.
type userRow struct {
	User     User
	Groups   []string // display names
	Profiles []string // the passkey profiles that apply, by name
	Passkeys []passkeyRow
	Active   int
	Pass     *tap.Info // nil: no pass
}

// passkeyRow is a passkey with the FIDO2 policy's decision on it as its
// record now stands: whether it may still sign in.
type passkeyRow struct {
	Passkey
	Now passkey.Decision
}

// Events returns the record's events, newest first, as the pages list them.
func (pk Passkey) Events() []passkey.Event {
	es := slices.Clone(pk.Record.Events)
	slices.Reverse(es)
	return es
}

// verdictText says a verdict in a few words for the admin pages: the
// passkey type and the tier.
func verdictText(v passkey.Verdict) string {
	t := "unknown type"
	switch v.PasskeyType {
	case passkey.Synced:
		t = "synced"
	case passkey.DeviceBound:
		t = "device-bound"
	}
	return t + ", " + v.AAL.String()
}

func (p *Portal) userRows(ctx context.Context) ([]userRow, error) {
	us, err := p.store.users(ctx)
	if err != nil {
		return nil, err
	}
	gs, err := p.store.groups(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, g := range gs {
		names[g.ID] = g.DisplayName
	}
	rows := make([]userRow, 0, len(us))
	for _, u := range us {
		row := userRow{User: u}
		for _, g := range u.GroupIDs {
			if n, ok := names[g]; ok {
				row.Groups = append(row.Groups, n)
			} else {
				row.Groups = append(row.Groups, g)
			}
		}
		for _, sp := range p.policy.ProfilesFor(p.subject(u)) {
			row.Profiles = append(row.Profiles, profileName(sp.Profile))
		}
		pks, err := p.store.passkeys(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		for _, pk := range pks {
			row.Passkeys = append(row.Passkeys, passkeyRow{Passkey: pk, Now: p.policy.Evaluate(p.subject(u), pk.Record.Facts())})
			if !pk.Revoked() {
				row.Active++
			}
		}
		info, err := p.taps.Status(ctx, u.ID)
		switch {
		case err == nil:
			row.Pass = &info
		case !errors.Is(err, tap.ErrNotFound):
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (p *Portal) subject(u User) passkey.Subject {
	return passkey.Subject{UserID: u.ID, GroupIDs: u.GroupIDs}
}

func profileName(pp passkey.PasskeyProfile) string {
	if pp.Name != "" {
		return pp.Name
	}
	return pp.ID
}

// issuedView is the page that shows a pass's code, once.
type issuedView struct {
	User    User
	Code    string
	Expires time.Time
	Once    bool
	Purpose string // "first sign-in" or "recovery"
	Revoked []string
	Back    string
}

func (p *Portal) showIssued(w http.ResponseWriter, r *http.Request, u User, iss tap.Issued, purpose string, revoked []string, back string) {
	// The code is put into the page and nowhere else: no log, no session,
	// no redirect URL. Cache-Control: no-store keeps it out of caches.
	p.render(w, r, http.StatusOK, "issued", view{Title: "Temporary Access Pass issued", Data: issuedView{
		User:    u,
		Code:    iss.Code.Reveal(),
		Expires: iss.Info.Pass.ExpiresAt,
		Once:    iss.Info.Pass.UsableOnce,
		Purpose: purpose,
		Revoked: revoked,
		Back:    back,
	}})
}

// outcome is a registration's verdict as the result page shows it.
type outcome struct {
	Admitted      bool
	UPN           string
	PasskeyType   string // plain words
	Authenticator string
	Profile       string
	AAL           string
	Headline      string
	Phishing      bool
	Explanations  []explanation
	Reasons       []passkey.Reason
	Profiles      []string
}

type explanation struct {
	Rule    string
	Outcome string
	Plain   string
}

// tierHeadline says an AAL in plain words.
func tierHeadline(l assurance.Level) string {
	switch l {
	case assurance.AAL3:
		return "The highest tier: a key locked to one proven device."
	case assurance.AAL2:
		return "A strong tier: your passkey and your unlock together prove it's you."
	case assurance.AAL1:
		return "The basic tier: the passkey alone, without your unlock."
	default:
		return "Below the lowest tier."
	}
}

// plainType says a passkey type in plain words.
func plainType(t passkey.PasskeyType) string {
	switch t {
	case passkey.Synced:
		return "synced: backed up to your account, so it follows you to your other devices"
	case passkey.DeviceBound:
		return "device-bound: it never leaves this device or security key"
	default:
		return "unknown: nothing says whether it can be copied"
	}
}

func newOutcome(u User, c *passkey.Credential, d passkey.Decision, res assurance.Result) *outcome {
	o := &outcome{
		Admitted:      d.Admitted,
		UPN:           u.UPN,
		PasskeyType:   plainType(c.PasskeyType),
		Authenticator: c.Authenticator,
		AAL:           res.AAL.String(),
		Headline:      tierHeadline(res.AAL),
		Phishing:      res.PhishingResistant,
		Reasons:       d.Reasons,
	}
	if d.By != nil {
		o.Profile = profileName(d.By.Profile)
	}
	for _, sp := range d.Profiles {
		o.Profiles = append(o.Profiles, profileName(sp.Profile))
	}
	for _, st := range res.Trace {
		if st.Outcome == assurance.OutcomeNotApplicable || strings.TrimSpace(st.Plain) == "" {
			continue
		}
		o.Explanations = append(o.Explanations, explanation{Rule: st.Rule, Outcome: string(st.Outcome), Plain: st.Plain})
	}
	return o
}
