// Package bridge is the part of the playground's WASM bridge that does not
// need a browser: it turns the page's settings into passkey.VerifyOptions
// exactly as `keytier inspect` turns its flags into them, and lists the
// embedded samples in the shape the page reads. The js/wasm entry point
// (playground/wasm) only converts JavaScript values and calls it, so what
// the page shows can be checked against passkey.Analyze without a browser.
//
// A Session is one page's state. Session.Analyze detects what was pasted
// (Detect: a credential, a FIDO2 policy, a Temporary Access Pass policy or
// a tenant snapshot, by content) and describes it; Session.WhatIf puts a
// credential and a user to the loaded policy; Session.Compare sets two
// credentials side by side; Session.LoadMDS verifies a FIDO MDS3 BLOB the
// user gives, which later verifications use; Session.Plan makes the
// rollout plan (rollout.BuildFrom) of the snapshot read last, from the
// audit the page shows.
//
// A Timeline follows one credential through its sign-ins: Session.Enroll
// starts one from a verified registration, Session.ImportRecord from a
// stored record, Session.SignIn verifies an assertion against it
// (passkey.VerifyAssertion) and adds a row, and Session.Story replays one
// of the recorded Stories.
package bridge

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
)

// Settings are the relying-party settings the page sends with an input.
// The zero value asks for decoding and classification only.
type Settings struct {
	RPID      string `json:"rpId"`
	Origin    string `json:"origin"`
	Challenge string `json:"challenge"` // base64url, padding optional
	// CrossOrigin accepts a registration made in a cross-origin iframe
	// (`keytier inspect --cross-origin`); TopOrigins implies it.
	CrossOrigin bool     `json:"crossOrigin"`
	TopOrigins  []string `json:"topOrigins"`
}

// ErrIncomplete is returned by Options when some but not all of RPID,
// Origin and Challenge are set.
var ErrIncomplete = errors.New("verification needs rp id, origin and challenge together")

// Options returns the VerifyOptions `keytier inspect --rp-id --origin
// --challenge` would use for s, or nil when s asks for no verification.
func (s Settings) Options() (*passkey.VerifyOptions, error) {
	rpID, origin, challenge := s.RPID, s.Origin, s.Challenge
	if rpID == "" && origin == "" && challenge == "" {
		if s.CrossOrigin || len(s.TopOrigins) > 0 {
			return nil, errors.New("cross-origin settings apply to verification: add rp id, origin and challenge")
		}
		return nil, nil
	}
	if rpID == "" || origin == "" || challenge == "" {
		return nil, ErrIncomplete
	}
	ch, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(challenge, "="))
	if err != nil {
		return nil, fmt.Errorf("challenge is not base64url: %v", err)
	}
	return &passkey.VerifyOptions{
		RPID:             rpID,
		Origins:          []string{origin},
		TopOrigins:       s.TopOrigins,
		AllowCrossOrigin: s.CrossOrigin || len(s.TopOrigins) > 0,
		Challenge:        ch,
		Algorithms:       passkey.SupportedAlgorithms(),
	}, nil
}

// Analyze is passkey.Analyze on text with the options s describes. The
// error is for settings the page must correct; problems with the input
// itself are in the report, as `keytier inspect --json` prints them.
func Analyze(text string, s Settings) (passkey.Report, error) {
	opts, err := s.Options()
	if err != nil {
		return passkey.Report{}, err
	}
	return passkey.Analyze([]byte(text), opts), nil
}

// Sample is an embedded sample as the page's gallery shows and loads it.
type Sample struct {
	Name          string `json:"name"`
	Authenticator string `json:"authenticator"`
	Format        string `json:"format"`
	Source        string `json:"source"`
	Notes         string `json:"notes"`
	// Registration is the registration response JSON, as a user would
	// paste it.
	Registration string `json:"registration"`
	Settings
}

// Samples returns the embedded samples with the settings they were made
// for, in the order samples.All gives.
func Samples() ([]Sample, error) {
	all, err := samples.All()
	if err != nil {
		return nil, err
	}
	out := make([]Sample, 0, len(all))
	for _, s := range all {
		out = append(out, FromSample(s))
	}
	return out, nil
}

// FromSample converts one embedded sample.
func FromSample(s samples.Sample) Sample {
	return Sample{
		Name:          s.Name,
		Authenticator: s.Authenticator,
		Format:        s.Format,
		Source:        s.Source,
		Notes:         s.Notes,
		Registration:  string(s.Registration),
		Settings: Settings{
			RPID:        s.RPID,
			Origin:      s.Origin,
			Challenge:   s.Challenge,
			CrossOrigin: s.CrossOrigin,
			TopOrigins:  s.TopOrigins,
		},
	}
}

// MarshalSamples is Samples as JSON.
func MarshalSamples() ([]byte, error) {
	s, err := Samples()
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}
