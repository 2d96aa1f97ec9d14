package portal

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/keytier/keytier/examples/onboarding/form"
	"github.com/keytier/keytier/tap"
)

// adminView is the admin page's data.
type adminView struct {
	Users  []userRow
	Groups []Group
	Form   struct{ UPN, DisplayName, GroupID string }
}

func (p *Portal) adminPage(w http.ResponseWriter, r *http.Request) {
	p.renderAdmin(w, r, http.StatusOK, view{}, adminView{})
}

func (p *Portal) renderAdmin(w http.ResponseWriter, r *http.Request, status int, v view, av adminView) {
	var err error
	if av.Users, err = p.userRows(r.Context()); err != nil {
		p.fail(w, r, "listing users", err)
		return
	}
	if av.Groups, err = p.store.groups(r.Context()); err != nil {
		p.fail(w, r, "listing groups", err)
		return
	}
	v.Title, v.Data = "Admin: users and passes", av
	p.render(w, r, status, "admin", v)
}

// adminCreateUser creates a user in a group and issues the one-time pass for
// their first sign-in (tap.Onboard).
func (p *Portal) adminCreateUser(w http.ResponseWriter, r *http.Request) {
	var av adminView
	bad := func(status int, err error) {
		p.renderAdmin(w, r, status, view{Error: err.Error()}, av)
	}
	if err := form.ParseForm(w, r, MaxFormBody); err != nil {
		bad(http.StatusBadRequest, err)
		return
	}
	av.Form.UPN, av.Form.DisplayName, av.Form.GroupID = r.PostFormValue("upn"), r.PostFormValue("display_name"), r.PostFormValue("group")
	upn, err := form.CheckUPN("upn", av.Form.UPN)
	if err != nil {
		bad(http.StatusBadRequest, err)
		return
	}
	name, err := form.CheckDisplayName("display_name", av.Form.DisplayName)
	if err != nil {
		bad(http.StatusBadRequest, err)
		return
	}
	groups, err := p.store.groups(r.Context())
	if err != nil {
		p.fail(w, r, "listing groups", err)
		return
	}
	if !slices.ContainsFunc(groups, func(g Group) bool { return g.ID == av.Form.GroupID }) {
		bad(http.StatusBadRequest, form.Errorf("group", "no group %q", av.Form.GroupID))
		return
	}
	ob, err := tap.Onboard(r.Context(), p.taps, directory{s: p.store, groupIDs: []string{av.Form.GroupID}, actor: "admin"}, tap.OnboardRequest{
		User:  tap.User{UserPrincipalName: upn, DisplayName: name},
		Actor: "admin",
		Issue: tap.IssueRequest{Usage: tap.UsageOnce},
	})
	switch {
	case errors.Is(err, errDuplicate):
		bad(http.StatusConflict, fmt.Errorf("portal: a user %s already exists; issue them a pass from the list instead", upn))
		return
	case err != nil:
		p.fail(w, r, "onboarding "+upn, err)
		return
	}
	u, err := p.store.user(r.Context(), ob.User.ID)
	if err != nil {
		p.fail(w, r, "reading the new user", err)
		return
	}
	p.showIssued(w, r, u, ob.Issued, "first sign-in", nil, "/admin")
}

// adminIssuePass issues a one-time pass to an existing user, replacing any
// pass they had.
func (p *Portal) adminIssuePass(w http.ResponseWriter, r *http.Request) {
	if err := form.ParseForm(w, r, MaxFormBody); err != nil {
		p.renderAdmin(w, r, http.StatusBadRequest, view{Error: err.Error()}, adminView{})
		return
	}
	u, err := p.store.user(r.Context(), r.PostFormValue("user"))
	if errors.Is(err, errNoUser) {
		p.renderAdmin(w, r, http.StatusNotFound, view{Error: err.Error()}, adminView{})
		return
	} else if err != nil {
		p.fail(w, r, "reading a user", err)
		return
	}
	iss, err := p.taps.Issue(r.Context(), tap.IssueRequest{UserID: u.ID, Actor: "admin", GroupIDs: u.GroupIDs, Usage: tap.UsageOnce})
	if err != nil {
		if errors.Is(err, tap.ErrDisabledByPolicy) || errors.Is(err, tap.ErrInvalidRequest) {
			p.renderAdmin(w, r, http.StatusForbidden, view{Error: err.Error()}, adminView{})
			return
		}
		p.fail(w, r, "issuing a pass", err)
		return
	}
	p.showIssued(w, r, u, iss, "first sign-in", nil, "/admin")
}
