// Package peercases are the registrations the peers tests judge: every
// sample in internal/samples and a set made by passkeytest, each with the
// relying party settings it is judged with.
package peercases

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// Case is one registration and the relying party settings it is judged
// with.
type Case struct {
	Name string
	Data []byte
	Opts passkey.VerifyOptions
}

// Samples are every sample in internal/samples with the settings it was
// made for, the algorithms as the CLI sets them.
func Samples() ([]Case, error) {
	all, err := samples.All()
	if err != nil {
		return nil, err
	}
	var out []Case
	for _, s := range all {
		ch, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s.Challenge, "="))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", s.Name, err)
		}
		out = append(out, Case{
			Name: s.Set + "/" + s.Name,
			Data: s.Registration,
			Opts: passkey.VerifyOptions{
				RPID:             s.RPID,
				Origins:          []string{s.Origin},
				TopOrigins:       s.TopOrigins,
				AllowCrossOrigin: s.CrossOrigin,
				Challenge:        ch,
				Algorithms:       passkey.SupportedAlgorithms(),
			},
		})
	}
	return out, nil
}

const (
	rpID   = "login.example.com"
	origin = "https://login.example.com"
)

var challenge = []byte("a challenge of more than 16 bytes")

// generated is one passkeytest registration: an authenticator model and
// what the ceremony does.
type generated struct {
	name string
	auth passkeytest.Options
	reg  passkeytest.RegisterOptions
	opts func(*passkey.VerifyOptions) // changes to the relying party's settings
	edit func(map[string]any)         // changes to the response JSON after it was made
}

// generatedCases are registrations made by keytier's virtual
// authenticator, each to reach one step of the libraries.
func generatedCases() []generated {
	// uv completes a ceremony with the relying party's RP ID, origin and
	// challenge where the case sets none, and user verification.
	uv := func(r passkeytest.RegisterOptions) passkeytest.RegisterOptions {
		if r.RPID == "" {
			r.RPID = rpID
		}
		if r.Origin == "" {
			r.Origin = origin
		}
		if r.Challenge == nil {
			r.Challenge = challenge
		}
		r.UserVerified = true
		return r
	}
	aaguid := [16]byte{0xee, 0x88, 0x28, 0x79, 0x72, 0x1c, 0x49, 0x13, 0x97, 0x75, 0x3d, 0xfc, 0xce, 0x97, 0x07, 0x2a}
	return []generated{
		{name: "none-uv", reg: uv(passkeytest.RegisterOptions{})},
		{name: "none-no-uv", reg: passkeytest.RegisterOptions{RPID: rpID, Origin: origin, Challenge: challenge}},
		{name: "none-eddsa", auth: passkeytest.Options{Algorithm: passkeytest.EdDSA}, reg: uv(passkeytest.RegisterOptions{})},
		{name: "none-rs256", auth: passkeytest.Options{Algorithm: passkeytest.RS256}, reg: uv(passkeytest.RegisterOptions{})},
		{name: "packed-self", auth: passkeytest.Options{Attestation: passkeytest.AttestationPackedSelf, AAGUID: aaguid}, reg: uv(passkeytest.RegisterOptions{})},
		{name: "packed-self-rs256", auth: passkeytest.Options{Attestation: passkeytest.AttestationPackedSelf, Algorithm: passkeytest.RS256}, reg: uv(passkeytest.RegisterOptions{})},
		{name: "packed-x5c", auth: passkeytest.Options{Attestation: passkeytest.AttestationPacked, AAGUID: aaguid}, reg: uv(passkeytest.RegisterOptions{})},
		{name: "packed-x5c-bad-signature", auth: passkeytest.Options{Attestation: passkeytest.AttestationPacked, AAGUID: aaguid}, reg: uv(passkeytest.RegisterOptions{Tamper: passkeytest.Tamper{CorruptSignature: true}})},
		{name: "fido-u2f", auth: passkeytest.Options{Attestation: passkeytest.AttestationFIDOU2F}, reg: uv(passkeytest.RegisterOptions{})},
		{name: "fido-u2f-bad-signature", auth: passkeytest.Options{Attestation: passkeytest.AttestationFIDOU2F}, reg: uv(passkeytest.RegisterOptions{Tamper: passkeytest.Tamper{CorruptSignature: true}})},
		{name: "fido-u2f-nonzero-aaguid", auth: passkeytest.Options{Attestation: passkeytest.AttestationFIDOU2F}, reg: uv(passkeytest.RegisterOptions{Tamper: passkeytest.Tamper{AuthenticatorData: func(b []byte) []byte {
			b = append([]byte(nil), b...)
			b[37] = 1 // the AAGUID's first byte
			return b
		}}})},
		{name: "origin-written-with-slash", reg: uv(passkeytest.RegisterOptions{}), opts: func(o *passkey.VerifyOptions) { o.Origins = []string{origin + "/"} }},
		{name: "rawid-differs", reg: uv(passkeytest.RegisterOptions{}), edit: func(m map[string]any) { m["rawId"] = "AAAA" }},
		{name: "type-not-public-key", reg: uv(passkeytest.RegisterOptions{}), edit: func(m map[string]any) { m["type"] = "password" }},
		{name: "bs-without-be", reg: uv(passkeytest.RegisterOptions{BackedUp: true})},
		{name: "synced", reg: uv(passkeytest.RegisterOptions{BackupEligible: true, BackedUp: true})},
		{name: "no-user-presence", reg: uv(passkeytest.RegisterOptions{OmitUserPresence: true})},
		{name: "cross-origin", reg: uv(passkeytest.RegisterOptions{CrossOrigin: true, TopOrigin: "https://embedder.example"})},
		{name: "wrong-type", reg: uv(passkeytest.RegisterOptions{Type: "webauthn.get"})},
		{name: "other-rp", reg: uv(passkeytest.RegisterOptions{Tamper: passkeytest.Tamper{RPID: "evil.example"}})},
		{name: "wrong-origin", reg: uv(passkeytest.RegisterOptions{Origin: "https://evil.example"})},
		{name: "wrong-challenge", reg: uv(passkeytest.RegisterOptions{}), opts: func(o *passkey.VerifyOptions) { o.Challenge = []byte("another challenge of 16+ bytes") }},
		{name: "short-challenge", reg: uv(passkeytest.RegisterOptions{Challenge: []byte("short")}), opts: func(o *passkey.VerifyOptions) { o.Challenge = []byte("short") }},
		{name: "long-credential-id", reg: uv(passkeytest.RegisterOptions{CredentialID: make([]byte, 1024)})},
		{name: "unrequested-extension", reg: uv(passkeytest.RegisterOptions{Extensions: map[string]any{"credProtect": 2}})},
		{name: "es256-not-offered", reg: uv(passkeytest.RegisterOptions{}), opts: func(o *passkey.VerifyOptions) { o.Algorithms = []int64{-8} }},
	}
}

// Generated registers each case of keytier's virtual authenticator, named
// "passkeytest/NAME".
func Generated() ([]Case, error) {
	var out []Case
	for _, g := range generatedCases() {
		a, err := passkeytest.New(g.auth)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", g.name, err)
		}
		reg, err := a.Register(g.reg)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", g.name, err)
		}
		data := reg.JSON
		if g.edit != nil {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				return nil, fmt.Errorf("%s: %v", g.name, err)
			}
			g.edit(m)
			if data, err = json.Marshal(m); err != nil {
				return nil, fmt.Errorf("%s: %v", g.name, err)
			}
		}
		opts := passkey.VerifyOptions{
			RPID:       rpID,
			Origins:    []string{origin},
			Challenge:  challenge,
			Algorithms: passkey.SupportedAlgorithms(),
		}
		if g.opts != nil {
			g.opts(&opts)
		}
		out = append(out, Case{Name: "passkeytest/" + g.name, Data: data, Opts: opts})
	}
	return out, nil
}

// All are Samples and Generated.
func All() ([]Case, error) {
	s, err := Samples()
	if err != nil {
		return nil, err
	}
	g, err := Generated()
	return append(s, g...), err
}
