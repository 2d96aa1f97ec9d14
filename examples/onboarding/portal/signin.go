package portal

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keytier/keytier/examples/onboarding/form"
)

func (p *Portal) signinPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "signin", view{Title: "Sign in with your passkey", Script: true})
}

// signinOptions starts a discoverable sign-in: the authenticator offers the
// passkeys it holds for the portal, so nobody types a user name.
func (p *Portal) signinOptions(w http.ResponseWriter, r *http.Request) {
	assertion, data, err := p.wa.BeginDiscoverableLogin()
	if err != nil {
		p.fail(w, r, "starting a sign-in", err)
		return
	}
	err = p.sessions.with(w, r, true, func(s *session) error {
		s.login = &ceremony{data: *data, expires: p.now().Add(CeremonyTimeout)}
		return nil
	})
	if err != nil {
		p.fail(w, r, "starting a session", err)
		return
	}
	writeJSON(w, http.StatusOK, assertion)
}

// protocolMessage says what go-webauthn refused, without its error type's
// prefix.
func protocolMessage(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		if pe.DevInfo != "" && pe.DevInfo != pe.Details {
			return pe.Details + " (" + pe.DevInfo + ")"
		}
		return pe.Details
	}
	return err.Error()
}

// signinFinish checks the assertion: the passkey must be registered and not
// revoked, and go-webauthn must verify the signature over the challenge
// (WebAuthn L3 §7.2).
func (p *Portal) signinFinish(w http.ResponseWriter, r *http.Request) {
	body, credID, err := form.ReadCredential(http.MaxBytesReader(w, r.Body, MaxAssertionBody+1), MaxAssertionBody)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
		return
	}
	var cer *ceremony
	p.sessions.with(w, r, false, func(s *session) error {
		if s != nil {
			cer, s.login = s.login, nil
		}
		return nil
	})
	switch {
	case cer == nil:
		writeJSON(w, http.StatusBadRequest, apiError{Error: "No sign-in is under way: each response is accepted once. Start again with the button."})
		return
	case !p.now().Before(cer.expires):
		writeJSON(w, http.StatusBadRequest, apiError{Error: fmt.Sprintf("The sign-in took longer than %v. Start again.", CeremonyTimeout)})
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "The sign-in response does not parse: " + protocolMessage(err)})
		return
	}
	pk, err := p.store.passkey(r.Context(), credID)
	if errors.Is(err, errNoPasskey) {
		writeJSON(w, http.StatusUnauthorized, apiError{Error: "This passkey is not registered with the portal. Redeem a Temporary Access Pass to register one."})
		return
	} else if err != nil {
		p.fail(w, r, "reading a passkey", err)
		return
	}
	if pk.Revoked() {
		writeJSON(w, http.StatusUnauthorized, apiError{Error: fmt.Sprintf(
			"This passkey was revoked on %s by %s and can no longer sign in. Ask the helpdesk for a recovery pass.",
			pk.RevokedAt.UTC().Format("2006-01-02 15:04 UTC"), pk.RevokedBy)})
		return
	}
	u, err := p.store.user(r.Context(), pk.UserID)
	if err != nil {
		p.fail(w, r, "reading a user", err)
		return
	}
	active, err := p.store.activePasskeys(r.Context(), u.ID)
	if err != nil {
		p.fail(w, r, "reading passkeys", err)
		return
	}
	owner := func(rawID, userHandle []byte) (webauthn.User, error) {
		if !bytes.Equal(userHandle, u.Handle) {
			return nil, errors.New("the user handle is not that of the passkey's owner")
		}
		return webauthnUser{u: u, pks: active}, nil
	}
	_, cred, err := p.wa.ValidatePasskeyLogin(owner, cer.data, parsed)
	if err != nil {
		writeJSON(w, http.StatusUnauthorized, apiError{Error: "Sign-in refused: " + protocolMessage(err)})
		return
	}
	// A counter that went backwards means two copies of the key exist
	// (WebAuthn L3 §6.1.1); refuse rather than guess which is genuine.
	if cred.Authenticator.CloneWarning {
		writeJSON(w, http.StatusUnauthorized, apiError{Error: "Sign-in refused: the passkey's signature counter went backwards, a sign that it was copied. Ask the helpdesk."})
		return
	}
	if err := p.store.recordUse(r.Context(), cred.ID, cred.Authenticator.SignCount, cred.Flags.BackupState); err != nil {
		p.fail(w, r, "recording a sign-in", err)
		return
	}
	err = p.sessions.with(w, r, true, func(s *session) error {
		if err := p.sessions.renewLocked(w, s); err != nil {
			return err
		}
		s.userID, s.passkeyKey = u.ID, pk.Key()
		return nil
	})
	if err != nil {
		p.fail(w, r, "signing in", err)
		return
	}
	p.log.InfoContext(r.Context(), "signed in", "user", u.ID, "passkey", pk.Key())
	writeJSON(w, http.StatusOK, next{Next: "/me"})
}

// meView is the signed-in page's data.
type meView struct {
	User    User
	Passkey Passkey
}

func (p *Portal) mePage(w http.ResponseWriter, r *http.Request) {
	var uid, key string
	p.sessions.with(w, r, false, func(s *session) error {
		if s != nil {
			uid, key = s.userID, s.passkeyKey
		}
		return nil
	})
	if uid == "" {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	u, err := p.store.user(r.Context(), uid)
	if err != nil {
		p.fail(w, r, "reading the user", err)
		return
	}
	pk, err := p.store.passkeyOf(r.Context(), uid, decodeKey(key))
	if err != nil {
		p.fail(w, r, "reading the passkey", err)
		return
	}
	p.render(w, r, http.StatusOK, "me", view{Title: "Signed in", SignedIn: u.DisplayName, Data: meView{User: u, Passkey: pk}})
}

func (p *Portal) signout(w http.ResponseWriter, r *http.Request) {
	p.sessions.end(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
