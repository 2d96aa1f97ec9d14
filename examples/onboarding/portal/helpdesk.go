package portal

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/keytier/keytier/examples/onboarding/form"
	"github.com/keytier/keytier/tap"
)

// helpdeskAct revokes the passkeys the helpdesk selected (a lost device) and,
// for action "recover", issues a one-time recovery pass with tap.Recover.
func (p *Portal) helpdeskAct(w http.ResponseWriter, r *http.Request) {
	bad := func(status int, err error) {
		p.renderHelpdesk(w, r, status, view{Error: err.Error()})
	}
	if err := form.ParseForm(w, r, MaxFormBody); err != nil {
		bad(http.StatusBadRequest, err)
		return
	}
	u, err := p.store.user(r.Context(), r.PostFormValue("user"))
	if errors.Is(err, errNoUser) {
		bad(http.StatusNotFound, err)
		return
	} else if err != nil {
		p.fail(w, r, "reading a user", err)
		return
	}
	keys := r.PostForm["passkey"]
	if len(keys) > MaxPasskeysPerUser {
		bad(http.StatusBadRequest, form.Errorf("passkey", "%d passkeys selected, more than a user can have", len(keys)))
		return
	}
	for _, k := range keys {
		if _, err := p.store.passkeyOf(r.Context(), u.ID, decodeKey(k)); err != nil {
			bad(http.StatusBadRequest, form.Errorf("passkey", "%s is not a passkey of %s", k, u.UPN))
			return
		}
	}
	dir := directory{s: p.store, actor: "helpdesk"}
	switch action := r.PostFormValue("action"); action {
	case "revoke":
		if len(keys) == 0 {
			bad(http.StatusBadRequest, form.Errorf("passkey", "select the passkeys to revoke"))
			return
		}
		for _, k := range keys {
			if err := dir.RemovePasskey(r.Context(), u.ID, k); err != nil {
				p.fail(w, r, "revoking a passkey", err)
				return
			}
		}
		p.sessions.signOutPasskeys(keys)
		p.renderHelpdesk(w, r, http.StatusOK, view{Notice: fmt.Sprintf("Revoked %d passkey(s) of %s. They can no longer sign in.", len(keys), u.UPN)})
	case "recover":
		iss, err := tap.Recover(r.Context(), p.taps, dir, tap.RecoverRequest{
			UserID:            u.ID,
			LostCredentialIDs: keys,
			Actor:             "helpdesk",
			Issue:             tap.IssueRequest{Usage: tap.UsageOnce},
		})
		if err != nil {
			if errors.Is(err, tap.ErrDisabledByPolicy) || errors.Is(err, tap.ErrInvalidRequest) {
				bad(http.StatusForbidden, err)
				return
			}
			p.fail(w, r, "recovering "+u.UPN, err)
			return
		}
		p.sessions.signOutPasskeys(keys)
		p.showIssued(w, r, u, iss, "recovery", keys, "/helpdesk")
	default:
		bad(http.StatusBadRequest, form.Errorf("action", "want revoke or recover, got %q", action))
	}
}

func (p *Portal) helpdeskPage(w http.ResponseWriter, r *http.Request) {
	p.renderHelpdesk(w, r, http.StatusOK, view{})
}

func (p *Portal) renderHelpdesk(w http.ResponseWriter, r *http.Request, status int, v view) {
	rows, err := p.userRows(r.Context())
	if err != nil {
		p.fail(w, r, "listing users", err)
		return
	}
	v.Title, v.Data = "Helpdesk: lost passkeys and recovery", rows
	p.render(w, r, status, "helpdesk", v)
}
