package portal

import (
	"encoding/base64"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
)

// cookieName names the session cookie. It carries only a random id; all
// session state stays on the server.
const cookieName = "onboarding_session"

var errTooManySessions = errors.New("portal: too many sessions; try again later")

// session is one browser's state on the server.
type session struct {
	id   string
	seen time.Time

	// userID is the signed-in user, "" when nobody signed in.
	userID string
	// passkeyKey is the passkey the user signed in with.
	passkeyKey string

	// grant lets a user who redeemed a pass register passkeys.
	grant *grant
	// register and login are the WebAuthn ceremonies under way, each
	// usable once.
	register *ceremony
	login    *ceremony
	// outcome is the last registration's verdict, for the result page.
	outcome *outcome
}

// grant is what redeeming a pass gives: registering passkeys for a while.
type grant struct {
	userID  string
	passID  string
	expires time.Time
}

// ceremony is a WebAuthn ceremony's server-side state.
type ceremony struct {
	data    webauthn.SessionData
	userID  string // registration: the user the credential is for
	expires time.Time
	// extensions are the extensions requested, for passkey.VerifyOptions.
	extensions []string
	// algorithms are the pubKeyCredParams offered.
	algorithms []int64
}

// sessions keeps sessions in memory.
type sessions struct {
	mu     sync.Mutex
	byID   map[string]*session
	now    func() time.Time
	random func(n int) ([]byte, error)
	secure bool // the origin is https: mark the cookie Secure
}

func newSessions(now func() time.Time, random func(int) ([]byte, error), secure bool) *sessions {
	return &sessions{byID: map[string]*session{}, now: now, random: random, secure: secure}
}

// with runs f on the request's session under the lock, creating a session
// (and setting its cookie) when create is true and there is none. f gets nil
// when there is no session and create is false.
func (ss *sessions) with(w http.ResponseWriter, r *http.Request, create bool, f func(s *session) error) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	var s *session
	if c, err := r.Cookie(cookieName); err == nil {
		if cur, ok := ss.byID[c.Value]; ok {
			if now.Sub(cur.seen) < SessionIdleTimeout {
				s = cur
			} else {
				delete(ss.byID, c.Value)
			}
		}
	}
	if s == nil && create {
		var err error
		if s, err = ss.newLocked(w, now); err != nil {
			return err
		}
	}
	if s != nil {
		s.seen = now
	}
	return f(s)
}

// newLocked creates a session and sets its cookie.
func (ss *sessions) newLocked(w http.ResponseWriter, now time.Time) (*session, error) {
	if len(ss.byID) >= MaxSessions {
		for id, s := range ss.byID {
			if now.Sub(s.seen) >= SessionIdleTimeout {
				delete(ss.byID, id)
			}
		}
		if len(ss.byID) >= MaxSessions {
			return nil, errTooManySessions
		}
	}
	b, err := ss.random(32)
	if err != nil {
		return nil, err
	}
	s := &session{id: base64.RawURLEncoding.EncodeToString(b), seen: now}
	ss.byID[s.id] = s
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    s.id,
		Path:     "/",
		HttpOnly: true,
		Secure:   ss.secure,
		SameSite: http.SameSiteStrictMode,
	})
	return s, nil
}

// renewLocked gives s a new id and cookie, so an id learned before a
// privilege change (signing in, redeeming a pass) is worth nothing after it.
func (ss *sessions) renewLocked(w http.ResponseWriter, s *session) error {
	b, err := ss.random(32)
	if err != nil {
		return err
	}
	delete(ss.byID, s.id)
	s.id = base64.RawURLEncoding.EncodeToString(b)
	ss.byID[s.id] = s
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    s.id,
		Path:     "/",
		HttpOnly: true,
		Secure:   ss.secure,
		SameSite: http.SameSiteStrictMode,
	})
	return nil
}

// end forgets the request's session and clears its cookie.
func (ss *sessions) end(w http.ResponseWriter, r *http.Request) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if c, err := r.Cookie(cookieName); err == nil {
		delete(ss.byID, c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: ss.secure, SameSite: http.SameSiteStrictMode})
}

// signOutPasskeys ends the sign-in of every session that signed in with one
// of the passkeys (by Passkey.Key): a revoked passkey keeps no session alive.
func (ss *sessions) signOutPasskeys(keys []string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, s := range ss.byID {
		for _, k := range keys {
			if s.userID != "" && s.passkeyKey == k {
				s.userID, s.passkeyKey = "", ""
			}
		}
	}
}
