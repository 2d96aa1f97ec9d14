package portal

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keytier/keytier/examples/onboarding/form"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/tap"
)

// startView is the new hire's pass form.
type startView struct{ UPN string }

func (p *Portal) startPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "start", view{Title: "Start with your Temporary Access Pass", Data: startView{}})
}

// passMessage tells a new hire why a pass did not work and what to do.
// A wrong code and an unknown user get the same answer, so the form does not
// reveal which user names exist.
func passMessage(err error) (status int, msg string) {
	switch {
	case errors.Is(err, tap.ErrLockedOut):
		return http.StatusForbidden, "This pass is locked after too many wrong tries. Ask your administrator for a new one."
	case errors.Is(err, tap.ErrInvalidCode), errors.Is(err, tap.ErrNotFound), errors.Is(err, errNoUser):
		return http.StatusUnauthorized, "That user name and pass do not match. Check both and try again."
	case errors.Is(err, tap.ErrUsed):
		return http.StatusForbidden, "This pass was already used. A one-time pass works once: ask your administrator for a new one."
	case errors.Is(err, tap.ErrExpired):
		return http.StatusForbidden, "This pass has expired. Ask your administrator for a new one."
	case errors.Is(err, tap.ErrNotYetValid):
		return http.StatusForbidden, "This pass is not valid yet. Try again at the time your administrator gave you."
	case errors.Is(err, tap.ErrRevoked):
		return http.StatusForbidden, "This pass was revoked. Ask your administrator for a new one."
	case errors.Is(err, tap.ErrDisabledByPolicy):
		return http.StatusForbidden, "Temporary Access Passes are turned off for your account. Ask your administrator."
	}
	return 0, ""
}

// passReason names why a pass was refused, for the page's data attribute.
func passReason(err error) string {
	if errors.Is(err, errNoUser) {
		return tap.ReasonOf(tap.ErrNotFound)
	}
	return tap.ReasonOf(err)
}

// startRedeem redeems the new hire's pass (tap.Register) and, if it works,
// lets this browser register passkeys for a while.
func (p *Portal) startRedeem(w http.ResponseWriter, r *http.Request) {
	var sv startView
	if err := form.ParseForm(w, r, MaxFormBody); err != nil {
		p.render(w, r, http.StatusBadRequest, "start", view{Title: "Start with your Temporary Access Pass", Error: err.Error(), Data: sv})
		return
	}
	sv.UPN = r.PostFormValue("upn")
	refuse := func(err error) {
		status, msg := passMessage(err)
		if status == 0 {
			p.fail(w, r, "redeeming a pass", err)
			return
		}
		p.render(w, r, status, "start", view{Title: "Start with your Temporary Access Pass", Error: msg, ErrorReason: passReason(err), Data: sv})
	}
	upn, err := form.CheckUPN("upn", sv.UPN)
	if err != nil {
		p.render(w, r, http.StatusBadRequest, "start", view{Title: "Start with your Temporary Access Pass", Error: err.Error(), Data: sv})
		return
	}
	u, err := p.store.userByUPN(r.Context(), upn)
	if err != nil {
		refuse(err)
		return
	}
	err = tap.Register(r.Context(), p.taps, u.ID, r.PostFormValue("code"), func(_ context.Context, pass tap.Info) error {
		expires := p.now().Add(GrantLifetime)
		if pass.Pass.ExpiresAt.Before(expires) {
			expires = pass.Pass.ExpiresAt
		}
		return p.sessions.with(w, r, true, func(s *session) error {
			if err := p.sessions.renewLocked(w, s); err != nil {
				return err
			}
			// A pass signs its user in for registration only: whoever was
			// signed in on this browser before is not any more.
			s.userID, s.passkeyKey = "", ""
			s.grant = &grant{userID: u.ID, passID: pass.Pass.ID, expires: expires}
			s.register, s.outcome = nil, nil
			return nil
		})
	})
	if err != nil {
		refuse(err)
		return
	}
	http.Redirect(w, r, "/register", http.StatusSeeOther)
}

// currentGrant returns the session's registration grant if it is still good.
func (p *Portal) currentGrant(w http.ResponseWriter, r *http.Request) (grant, bool) {
	var g grant
	var ok bool
	p.sessions.with(w, r, false, func(s *session) error {
		if s != nil && s.grant != nil && p.now().Before(s.grant.expires) {
			g, ok = *s.grant, true
		}
		return nil
	})
	return g, ok
}

// registerView is the registration page's data.
type registerView struct {
	User     User
	Profiles []profileView
	Expires  time.Time
	Passkeys []Passkey
}

type profileView struct {
	Name        string
	Types       string
	Attestation bool
}

func (p *Portal) profileViews(u User) []profileView {
	var pvs []profileView
	for _, sp := range p.policy.ProfilesFor(p.subject(u)) {
		pvs = append(pvs, profileView{
			Name:        profileName(sp.Profile),
			Types:       string(sp.Profile.PasskeyTypes),
			Attestation: sp.Profile.AttestationEnforcement == passkey.AttestationAtRegistration,
		})
	}
	return pvs
}

func (p *Portal) registerPage(w http.ResponseWriter, r *http.Request) {
	g, ok := p.currentGrant(w, r)
	if !ok {
		p.render(w, r, http.StatusForbidden, "start", view{Title: "Start with your Temporary Access Pass",
			Error: "Redeem your Temporary Access Pass first: it lets you register a passkey for a few minutes.", Data: startView{}})
		return
	}
	u, err := p.store.user(r.Context(), g.userID)
	if err != nil {
		p.fail(w, r, "reading the user", err)
		return
	}
	pks, err := p.store.activePasskeys(r.Context(), u.ID)
	if err != nil {
		p.fail(w, r, "reading passkeys", err)
		return
	}
	p.render(w, r, http.StatusOK, "register", view{Title: "Register your passkey", Script: true,
		Data: registerView{User: u, Profiles: p.profileViews(u), Expires: g.expires, Passkeys: pks}})
}

// webauthnUser is a directory user with the passkeys that may sign in, as
// go-webauthn wants it.
type webauthnUser struct {
	u   User
	pks []Passkey
}

func (wu webauthnUser) WebAuthnID() []byte          { return wu.u.Handle }
func (wu webauthnUser) WebAuthnName() string        { return wu.u.UPN }
func (wu webauthnUser) WebAuthnDisplayName() string { return wu.u.DisplayName }
func (wu webauthnUser) WebAuthnCredentials() []webauthn.Credential {
	cs := make([]webauthn.Credential, len(wu.pks))
	for i, pk := range wu.pks {
		cs[i] = pk.webauthnCredential()
	}
	return cs
}

// registerOptions starts a registration ceremony for the grant's user.
func (p *Portal) registerOptions(w http.ResponseWriter, r *http.Request) {
	g, ok := p.currentGrant(w, r)
	if !ok {
		writeJSON(w, http.StatusForbidden, apiError{Error: "Redeem your Temporary Access Pass first; the time it gave you to register may have run out."})
		return
	}
	u, err := p.store.user(r.Context(), g.userID)
	if err != nil {
		p.fail(w, r, "reading the user", err)
		return
	}
	pks, err := p.store.activePasskeys(r.Context(), u.ID)
	if err != nil {
		p.fail(w, r, "reading passkeys", err)
		return
	}
	// Attestation is asked for only when a profile of the user enforces
	// it: for everyone else it would only add a privacy prompt.
	conveyance := protocol.PreferNoAttestation
	for _, pv := range p.profileViews(u) {
		if pv.Attestation {
			conveyance = protocol.PreferDirectAttestation
		}
	}
	algs := passkey.RecommendedAlgorithms()
	params := make([]protocol.CredentialParameter, len(algs))
	for i, a := range algs {
		params[i] = protocol.CredentialParameter{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.COSEAlgorithmIdentifier(a)}
	}
	wu := webauthnUser{u: u, pks: pks}
	creation, data, err := p.wa.BeginRegistration(wu,
		webauthn.WithCredentialParameters(params),
		webauthn.WithConveyancePreference(conveyance),
		webauthn.WithExclusions(webauthn.Credentials(wu.WebAuthnCredentials()).CredentialDescriptors()),
	)
	if err != nil {
		p.fail(w, r, "starting a registration", err)
		return
	}
	err = p.sessions.with(w, r, false, func(s *session) error {
		if s == nil {
			return errors.New("portal: the session ended")
		}
		s.register = &ceremony{data: *data, userID: u.ID, expires: p.now().Add(CeremonyTimeout), extensions: []string{}, algorithms: algs}
		return nil
	})
	if err != nil {
		writeJSON(w, http.StatusForbidden, apiError{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, creation)
}

// registerFinish verifies a registration response with keytier, decides with
// the FIDO2 policy whether the user's profile admits it, and stores it only if
// so.
func (p *Portal) registerFinish(w http.ResponseWriter, r *http.Request) {
	body, credID, err := form.ReadCredential(http.MaxBytesReader(w, r.Body, MaxRegistrationBody+1), MaxRegistrationBody)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
		return
	}
	// The ceremony is taken out of the session whatever happens next: a
	// challenge answers one response, so a replayed response finds none.
	var cer *ceremony
	g, granted := p.currentGrant(w, r)
	p.sessions.with(w, r, false, func(s *session) error {
		if s != nil {
			cer, s.register = s.register, nil
		}
		return nil
	})
	switch {
	case !granted:
		writeJSON(w, http.StatusForbidden, apiError{Error: "Redeem your Temporary Access Pass first; the time it gave you to register may have run out."})
		return
	case cer == nil || cer.userID != g.userID:
		writeJSON(w, http.StatusBadRequest, apiError{Error: "No registration is under way: each response is accepted once. Start again with the button."})
		return
	case !p.now().Before(cer.expires):
		writeJSON(w, http.StatusBadRequest, apiError{Error: fmt.Sprintf("The registration took longer than %v. Start again.", CeremonyTimeout)})
		return
	}
	challenge, err := base64.RawURLEncoding.DecodeString(cer.data.Challenge)
	if err != nil {
		p.fail(w, r, "reading the challenge", err)
		return
	}
	c, err := passkey.Verify(body, passkey.VerifyOptions{
		RPID:                    p.rpID,
		Origins:                 []string{p.origin},
		Challenge:               challenge,
		Algorithms:              cer.algorithms,
		RequireUserVerification: true,
		Extensions:              cer.extensions,
		Now:                     p.now,
		Roots:                   p.roots,
		MDS:                     p.mds,
	})
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "The passkey did not verify: " + err.Error(), Code: string(passkey.CodeOf(err))})
		return
	}
	u, err := p.store.user(r.Context(), g.userID)
	if err != nil {
		p.fail(w, r, "reading the user", err)
		return
	}
	d := p.policy.Evaluate(p.subject(u), passkey.CredentialFactsOf(c))
	res := c.Classify()
	out := newOutcome(u, c, d, res)
	if d.Admitted {
		// The record is what every later sign-in is verified against and
		// judged by; it starts with the verdict registration reached.
		rec, err := passkey.NewRecord(c, u.Handle, p.now())
		if err != nil {
			p.fail(w, r, "recording the passkey", err)
			return
		}
		pk := Passkey{ID: credID, UserID: u.ID, Profile: out.Profile, CreatedAt: p.now().UTC(), Record: rec}
		if err := p.store.addPasskey(r.Context(), pk); err != nil {
			if errors.Is(err, errDuplicate) {
				writeJSON(w, http.StatusConflict, apiError{Error: "This passkey is already registered."})
				return
			}
			p.fail(w, r, "storing the passkey", err)
			return
		}
		p.log.InfoContext(r.Context(), "passkey registered", "user", u.ID, "passkey", pk.Key(),
			"type", string(rec.Registration.PasskeyType), "aal", rec.Registration.AAL.String())
	} else {
		p.log.InfoContext(r.Context(), "passkey refused by policy", "user", u.ID, "type", string(c.PasskeyType), "reasons", len(d.Reasons))
	}
	p.sessions.with(w, r, false, func(s *session) error {
		if s != nil {
			s.outcome = out
		}
		return nil
	})
	status := http.StatusOK
	if !d.Admitted {
		status = http.StatusForbidden
	}
	writeJSON(w, status, next{Next: "/register/result", Admitted: &d.Admitted})
}

func (p *Portal) registerResult(w http.ResponseWriter, r *http.Request) {
	var out *outcome
	p.sessions.with(w, r, false, func(s *session) error {
		if s != nil {
			out = s.outcome
		}
		return nil
	})
	if out == nil {
		http.Redirect(w, r, "/register", http.StatusSeeOther)
		return
	}
	title := "Your passkey is registered"
	if !out.Admitted {
		title = "This passkey cannot be used for your account"
	}
	_, granted := p.currentGrant(w, r)
	p.render(w, r, http.StatusOK, "result", view{Title: title, Data: struct {
		*outcome
		CanRetry bool
	}{out, granted}})
}
