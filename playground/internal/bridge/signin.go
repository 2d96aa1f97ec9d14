package bridge

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/keytier/keytier/passkey"
)

// SignInRequest is one sign-in the page verifies: the assertion
// (AuthenticationResponseJSON, as PublicKeyCredential.toJSON() gives it)
// and the relying party's settings. Record, when set, is a stored record
// (keytier's Record JSON or go-webauthn's webauthn.Credential JSON) that
// replaces the session's timeline first, as the link
// #assertion=…&record=… asks; otherwise the sign-in continues the
// session's timeline.
type SignInRequest struct {
	Assertion string   `json:"assertion"`
	Record    string   `json:"record"`
	Settings  Settings `json:"settings"`
}

// SignInResult is the sign-in verdict the page shows: OK and Error as
// passkey.VerifyAssertion decided, the events it reported, the timeline
// row it added and the timeline after it. Error is set whenever OK is
// false; Row and Timeline are nil when there was nothing to sign in
// against (a record that does not read) or the settings were unusable.
type SignInResult struct {
	OK       bool                 `json:"ok"`
	Error    *passkey.ReportError `json:"error"`
	Events   []passkey.Event      `json:"events"`
	Row      *Row                 `json:"row,omitempty"`
	Timeline *TimelineView        `json:"timeline,omitempty"`
}

// assertionOptions are the AssertionOptions for s against rec. The page
// verifies a sign-in in which the relying party named the record's
// credential in allowCredentials: it has the record, so it knows the
// account (the live sign-in sends exactly that), and a userHandle in the
// response must then be the record's. Every setting is required, as in
// Options; a missing one is a field_missing error naming the page's field.
func (s Settings) assertionOptions(rec *passkey.Record, now func() time.Time) (passkey.AssertionOptions, error) {
	for _, f := range []struct{ name, v string }{{"rp-id", s.RPID}, {"origin", s.Origin}, {"challenge", s.Challenge}} {
		if f.v == "" {
			return passkey.AssertionOptions{}, &passkey.Error{Code: passkey.CodeFieldMissing, Where: f.name,
				Reason: "a sign-in is verified with the relying party's RP ID, origin and challenge"}
		}
	}
	ch, err := base64URL(s.Challenge)
	if err != nil {
		return passkey.AssertionOptions{}, &passkey.Error{Code: passkey.CodeEncodingInvalid, Where: "challenge", Reason: "not base64url"}
	}
	return passkey.AssertionOptions{
		RPID:             s.RPID,
		Origins:          []string{s.Origin},
		TopOrigins:       s.TopOrigins,
		AllowCrossOrigin: s.CrossOrigin || len(s.TopOrigins) > 0,
		Challenge:        ch,
		AllowCredentials: [][]byte{rec.ID},
		Now:              now,
	}, nil
}

// Enroll verifies a registration response with st (which must be
// complete) and the session's MDS BLOB, and makes the record a relying
// party would store of it the session's timeline. userHandle is the
// user.id the page sent, base64url ("" for none). The error is for
// settings the page must correct or a registration that does not verify.
func (s *Session) Enroll(text string, st Settings, userHandle string) (TimelineView, error) {
	opts, err := st.Options()
	if err != nil {
		return TimelineView{}, err
	}
	if opts == nil {
		return TimelineView{}, ErrIncomplete
	}
	uh, err := base64URL(userHandle)
	if err != nil {
		return TimelineView{}, &passkey.Error{Code: passkey.CodeEncodingInvalid, Where: "userHandle", Reason: "not base64url"}
	}
	s.mu.Lock()
	opts.MDS = s.mds
	s.mu.Unlock()
	t, err := NewTimeline([]byte(text), *opts, uh, s.now())
	if err != nil {
		return TimelineView{}, err
	}
	return s.setTimeline(t)
}

// ImportRecord reads a stored record (TimelineFromRecord) and makes it the
// session's timeline.
func (s *Session) ImportRecord(text string) (TimelineView, error) {
	t, err := TimelineFromRecord([]byte(text))
	if err != nil {
		return TimelineView{}, err
	}
	return s.setTimeline(t)
}

func (s *Session) setTimeline(t *Timeline) (TimelineView, error) {
	v, err := t.View()
	if err != nil {
		return TimelineView{}, err
	}
	s.mu.Lock()
	s.timeline = t
	s.mu.Unlock()
	return v, nil
}

// SignIn verifies req against req.Record, or else against the session's
// timeline, and adds the sign-in to that timeline. Every problem is in the
// result, as a passkey error code: a record that does not read
// (record_invalid …), settings that are missing or unusable
// (field_missing, encoding_invalid, options_invalid), no record at all
// (record_invalid at record), or the sign-in's own refusal.
func (s *Session) SignIn(req SignInRequest) SignInResult {
	fail := func(err error) SignInResult {
		return SignInResult{Error: reportError(err), Events: []passkey.Event{}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.timeline
	if req.Record != "" {
		var err error
		if t, err = TimelineFromRecord([]byte(req.Record)); err != nil {
			return fail(err)
		}
		s.timeline = t
	}
	if t == nil {
		return fail(&passkey.Error{Code: passkey.CodeRecordInvalid, Where: "record",
			Reason: "no stored record to verify the sign-in against: create a passkey, load a record, or give one in the link"})
	}
	opts, err := req.Settings.assertionOptions(t.record, s.Now)
	if err != nil {
		return fail(err)
	}
	row, err := t.SignIn([]byte(req.Assertion), opts)
	if err != nil {
		return fail(err)
	}
	v, err := t.View()
	if err != nil {
		return fail(err)
	}
	return SignInResult{OK: row.OK, Error: row.Error, Events: row.Events, Row: &row, Timeline: &v}
}

// base64URL decodes base64url, padded or not.
func base64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
