package peers

import (
	"errors"
	"fmt"

	"github.com/keytier/keytier/passkey"
)

// Peer names, as Verdict.Name carries them.
const (
	NameGoWebAuthn     = "go-webauthn"
	NameSimpleWebAuthn = "@simplewebauthn/server"
)

// Verdict is one library's answer about one registration. The members
// name, version, accepts, step, reason and option are the contract of
// `keytier inspect --json`'s peers array; the others may grow.
type Verdict struct {
	// Name is the library: NameGoWebAuthn or NameSimpleWebAuthn.
	Name string `json:"name"`
	// Version is the library version the answer is for.
	Version string `json:"version"`
	// Accepts is true when the library would register the credential.
	Accepts bool `json:"accepts"`
	// Step is the library's step that refused it ("" when accepted).
	Step string `json:"step"`
	// Reason is the library's own message for the refusal ("" when
	// accepted). For go-webauthn: its protocol.Error type, details and
	// debug information.
	Reason string `json:"reason"`
	// Option is the setting of the library that changes its answer on
	// this input, or "" when no setting does (or none was needed).
	Option string `json:"option"`

	// Model is true when the answer comes from keytier's model of the
	// library's documented defaults rather than from running it.
	Model bool `json:"model"`
	// AgreesWithKeytier is true when the library and keytier's Verify
	// both accept or both refuse.
	AgreesWithKeytier bool `json:"agreesWithKeytier"`
	// RightBySpec says, when they disagree, which answer WebAuthn Level 3
	// supports: "keytier", the library's Name, or "either" when the text
	// leaves the choice to the relying party. Empty when they agree.
	RightBySpec string `json:"rightBySpec,omitempty"`
	// Section is the WebAuthn L3 section (and step) the judgment rests on.
	Section string `json:"section,omitempty"`
	// Why explains the disagreement in one or two sentences.
	Why string `json:"why,omitempty"`
}

// Peer answers for one library whether it would accept the registration
// response data with the relying party settings opts. SimpleWebAuthn is
// one; gowebauthn.Check (package passkey/peers/gowebauthn, which links
// go-webauthn's high-level webauthn package) is the other.
type Peer func(data []byte, opts passkey.VerifyOptions) Verdict

// Compare asks each peer about the registration response data with the
// relying party settings opts (the same VerifyOptions given to
// passkey.Verify), and judges each answer against keytierErr, the error
// passkey.Verify returned for the same data and opts (nil: keytier
// accepted). It returns nil when data is not a registration response
// (a bare attestation object, or more than passkey.MaxInputSize bytes):
// both libraries take the whole response.
//
//	verdicts := peers.Compare(data, opts, err, gowebauthn.Check, peers.SimpleWebAuthn)
func Compare(data []byte, opts passkey.VerifyOptions, keytierErr error, ps ...Peer) []Verdict {
	if len(data) > passkey.MaxInputSize || !isRegistrationJSON(data) {
		return nil
	}
	out := make([]Verdict, 0, len(ps))
	for _, p := range ps {
		v := p(data, opts)
		judge(&v, keytierErr)
		out = append(out, v)
	}
	return out
}

// ForReport is Compare for a report passkey.Analyze made of data with
// opts: keytier's answer is the report's. It returns nil when the report
// was not a verification (opts nil).
func ForReport(data []byte, opts *passkey.VerifyOptions, r passkey.Report, ps ...Peer) []Verdict {
	if opts == nil {
		return nil
	}
	var keytierErr error
	if !r.OK {
		keytierErr = &passkey.Error{Code: "internal"}
		if r.Error != nil {
			keytierErr = &passkey.Error{Code: r.Error.Code, Where: r.Error.Where}
		}
	}
	return Compare(data, *opts, keytierErr, ps...)
}

// String renders a verdict on one line, for logs and tests.
func (v Verdict) String() string {
	if v.Accepts {
		return fmt.Sprintf("%s %s: accepts", v.Name, v.Version)
	}
	return fmt.Sprintf("%s %s: refuses at %s: %s", v.Name, v.Version, v.Step, v.Reason)
}

// isRegistrationJSON reports whether data is what both libraries take: a
// registration response object.
func isRegistrationJSON(data []byte) bool {
	c, err := passkey.Inspect(data)
	if err != nil {
		var pe *passkey.Error
		// A response keytier refuses to decode is still JSON a library
		// may be handed; only a bare attestation object is not.
		return errors.As(err, &pe) && firstNonSpace(data) == '{'
	}
	return c.Input.Kind == passkey.InputRegistrationResponse
}

func firstNonSpace(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}
