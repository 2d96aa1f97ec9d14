package portal

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/keytier/keytier/examples/onboarding/form"
	"github.com/keytier/keytier/passkey"
)

func (p *Portal) signinPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "signin", view{Title: "Sign in with your passkey", Script: true})
}

// signinOptions starts a discoverable sign-in: the authenticator offers the
// passkeys it holds for the portal, so nobody types a user name.
// go-webauthn builds the request options (rpId, userVerification
// "required", no allowCredentials) and draws the challenge from
// crypto/rand; the portal keeps them in the session until the response
// comes, and keytier verifies the response (signinFinish).
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

// signinFinish verifies the assertion with keytier (passkey.VerifyAssertion,
// WebAuthn L3 §7.2) against the passkey's stored record, saves the record
// the sign-in produced, and then applies the FIDO2 policy to the passkey as
// it now stands.
//
// The portal's sign-in policy:
//   - the passkey must be registered and not revoked;
//   - the assertion must verify, with user verification, and its counter
//     must advance (a counter that did not means two copies of the key may
//     exist, §6.1.1: the portal refuses rather than guess which is genuine);
//   - backup eligibility never changes (§6.1.3): keytier refuses an
//     assertion whose BE differs from registration;
//   - the passkey, as its latest signed assertion shows it, must still
//     satisfy one of the user's passkey profiles (Entra's rule: "registration
//     and authentication with a passkey are allowed if the passkey fully
//     satisfies the requirements of at least one of the scoped passkey
//     profiles"). An administrator's device-bound key that reports it is
//     backed up is synced now, and the administrators' profile admits only
//     device-bound passkeys: it no longer signs in, whatever it reports
//     later, since a key copied once may still be elsewhere.
//
// Whenever the signature verified, the record is saved even if the sign-in
// is refused: the events are the evidence an administrator needs, and the
// admin page shows them.
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
	challenge, err := base64.RawURLEncoding.DecodeString(cer.data.Challenge)
	if err != nil {
		p.fail(w, r, "reading the challenge", err)
		return
	}
	si, verr := passkey.VerifyAssertion(body, pk.Record, passkey.AssertionOptions{
		RPID:      p.rpID,
		Origins:   []string{p.origin},
		Challenge: challenge,
		// A discoverable sign-in: no allowCredentials, so the response
		// must name its user, and that must be the passkey's owner.
		UserHandle:                u.Handle,
		RequireUserVerification:   cer.data.UserVerification == protocol.VerificationRequired,
		RejectSignCountRegression: true,
		// The request asks for no extension.
		Extensions: []string{},
		Now:        p.now,
	})
	var d passkey.Decision
	if si != nil && si.Record != nil {
		d = p.policy.Evaluate(p.subject(u), si.Record.Facts())
		p.logEvents(r.Context(), u, pk, si.Events)
		if err := p.store.saveRecord(r.Context(), pk, si.Record, verr == nil && d.Admitted); err != nil {
			if errors.Is(err, errRecordChanged) {
				writeJSON(w, http.StatusConflict, apiError{Error: "This passkey signed in twice at the same moment; only one sign-in counts. Start again."})
				return
			}
			p.fail(w, r, "saving the passkey's record", err)
			return
		}
	}
	switch {
	case verr != nil:
		msg := "Sign-in refused: " + verr.Error()
		if si != nil && si.Record != nil {
			// The signature verified: the authenticator's own word
			// says what changed, and the events say it in plain words.
			msg = refusal(si, d)
		}
		p.log.InfoContext(r.Context(), "sign-in refused", "user", u.ID, "passkey", pk.Key(), "code", string(passkey.CodeOf(verr)))
		writeJSON(w, http.StatusUnauthorized, apiError{Error: msg, Code: string(passkey.CodeOf(verr))})
		return
	case !d.Admitted:
		code := ""
		if len(d.Reasons) > 0 {
			code = string(d.Reasons[0].Code)
		}
		p.log.InfoContext(r.Context(), "sign-in refused by policy", "user", u.ID, "passkey", pk.Key(), "reasons", len(d.Reasons))
		writeJSON(w, http.StatusForbidden, apiError{Error: refusal(si, d), Code: code})
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

// refusal tells the user why a sign-in whose signature verified was
// refused: the plain words of the events that refused it or changed the
// passkey's tier, then, if no passkey profile of the user admits the
// passkey as it now stands, why not.
func refusal(si *passkey.SignIn, d passkey.Decision) string {
	parts := []string{"Sign-in refused."}
	for _, e := range si.Events {
		if e.Rejected || e.TierAfter != "" {
			parts = append(parts, e.Plain)
		}
	}
	if !d.Admitted {
		msgs := make([]string, 0, len(d.Reasons))
		for _, r := range d.Reasons {
			msgs = append(msgs, r.Message)
		}
		parts = append(parts, "This passkey no longer meets your account's passkey profile ("+strings.Join(msgs, "; ")+
			"). Ask the helpdesk for a recovery pass to register one that does.")
	}
	return strings.Join(parts, " ")
}

// logEvents writes each event a sign-in saw to the log, which keeps them
// all; the record keeps the latest passkey.MaxRecordEvents.
func (p *Portal) logEvents(ctx context.Context, u User, pk Passkey, events []passkey.Event) {
	for _, e := range events {
		p.log.InfoContext(ctx, "passkey event", "user", u.ID, "passkey", pk.Key(), "code", string(e.Code),
			"old", e.Old, "new", e.New, "rejected", e.Rejected, "tierBefore", e.TierBefore, "tierAfter", e.TierAfter)
	}
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
