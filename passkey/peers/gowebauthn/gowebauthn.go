package peers

import (
	"encoding/base64"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keytier/keytier/passkey"
)

// goWebAuthnModule is the module whose version GoWebAuthn reports.
const goWebAuthnModule = "github.com/go-webauthn/webauthn"

// goWebAuthnPinned is the version go.mod requires, reported when the
// binary carries no module information (a test's TestGoWebAuthnPinned keeps
// it equal to go.mod).
const goWebAuthnPinned = "v0.18.2"

// GoWebAuthnVersion is the go-webauthn version linked into this binary.
func GoWebAuthnVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == goWebAuthnModule {
				if d.Replace != nil && d.Replace.Version != "" {
					return d.Replace.Version
				}
				if d.Version != "" && d.Version != "(devel)" {
					return d.Version
				}
			}
		}
	}
	return goWebAuthnPinned
}

// GoWebAuthn runs go-webauthn's high-level registration API on data, as a
// relying party using it with its default configuration would: webauthn.New
// with the RP ID and origins of opts (and its top origins and cross-origin
// switch), then WebAuthn.CreateCredential with the session BeginRegistration
// would have stored for opts.Challenge, the algorithms opts.Algorithms lists
// as pubKeyCredParams, and user verification required only when
// opts.RequireUserVerification is set. go-webauthn reads the wall clock;
// opts.Time and opts.Now do not reach it.
func GoWebAuthn(data []byte, opts passkey.VerifyOptions) Verdict {
	v := Verdict{Name: NameGoWebAuthn, Version: GoWebAuthnVersion()}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(data)
	if err != nil {
		return v.refusedByGoWebAuthn(err)
	}
	w, err := webauthn.New(&webauthn.Config{
		RPID:               opts.RPID,
		RPDisplayName:      opts.RPID,
		RPOrigins:          opts.Origins,
		RPTopOrigins:       opts.TopOrigins,
		RPAllowCrossOrigin: opts.AllowCrossOrigin,
	})
	if err != nil {
		v.cause, v.Step = causeOptions, step[causeOptions]
		v.Reason = err.Error()
		v.Option = "Config.RPID and Config.RPOrigins"
		return v
	}
	user := peerUser{id: []byte("keytier-peer-check")}
	session := webauthn.SessionData{
		Challenge:      base64.RawURLEncoding.EncodeToString(opts.Challenge),
		RelyingPartyID: opts.RPID,
		UserID:         user.id,
		CredParams:     credentialParameters(opts.Algorithms),
	}
	if opts.RequireUserVerification {
		session.UserVerification = protocol.VerificationRequired
	}
	if _, err := w.CreateCredential(user, session, parsed); err != nil {
		return v.refusedByGoWebAuthn(err)
	}
	v.Accepts = true
	return v
}

// credentialParameters is pubKeyCredParams for algs; none means the
// library's default list (webauthn.CredentialParametersDefault).
func credentialParameters(algs []int64) []protocol.CredentialParameter {
	if len(algs) == 0 {
		return webauthn.CredentialParametersDefault()
	}
	out := make([]protocol.CredentialParameter, len(algs))
	for i, a := range algs {
		out[i] = protocol.CredentialParameter{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.COSEAlgorithmIdentifier(a)}
	}
	return out
}

// peerUser is the account the registration is for; go-webauthn checks
// only that its id is the session's.
type peerUser struct{ id []byte }

func (u peerUser) WebAuthnID() []byte                         { return u.id }
func (u peerUser) WebAuthnName() string                       { return "keytier" }
func (u peerUser) WebAuthnDisplayName() string                { return "keytier" }
func (u peerUser) WebAuthnCredentials() []webauthn.Credential { return nil }

// refusedByGoWebAuthn records go-webauthn's refusal: its message as its
// protocol.Error carries it (type, details, debug information), the step
// that message names, and the setting that changes the answer.
func (v Verdict) refusedByGoWebAuthn(err error) Verdict {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		v.cause, v.Step, v.Reason = causeOther, step[causeOther], err.Error()
		return v
	}
	v.Reason = pe.Type + ": " + pe.Details
	if pe.DevInfo != "" {
		v.Reason += " (" + pe.DevInfo + ")"
	}
	v.cause = goWebAuthnCause(pe)
	v.Step = step[v.cause]
	v.Option = goWebAuthnOption[v.cause]
	return v
}

// goWebAuthnCause reads which step refused from go-webauthn's error. Its
// messages are the only record of the step, so a go-webauthn release that
// rewords one moves it to causeOther; TestGoWebAuthnSteps holds each one.
func goWebAuthnCause(pe *protocol.Error) cause {
	text := strings.ToLower(pe.Details + " " + pe.DevInfo)
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(text, x) {
				return true
			}
		}
		return false
	}
	switch {
	case has("session has an invalid challenge"):
		return causeSession
	case has("parse error", "error parsing attestation response", "no response given"):
		return causeParse
	case has("ceremony type"):
		return causeType
	case pe.Type == "challenge_mismatch" || has("error validating challenge"):
		return causeChallenge
	case has("cross origin"):
		return causeCrossOrigin
	case has("toporigin", "top origin"):
		return causeTopOrigin
	case has("error validating origin"):
		return causeOrigin
	case has("token binding"):
		return causeTokenBinding
	case has("rp hash mismatch"):
		return causeRPID
	case has("user presence required"):
		return causeUP
	case has("user verification required"):
		return causeUV
	case has("backup state flag"):
		return causeBackupFlags
	case has("credential public key algorithm not supported"):
		return causeAlgorithm
	case has("extension"):
		return causeExtensions
	case has("attestation format") && has("unsupported"):
		return causeFormat
	case has("attested credential id"):
		return causeCredentialID
	case has("id length too long"):
		return causeCredentialIDLength
	case has("no longer valid", "not yet valid", "expired", "timestamp"):
		return causeCertTime
	case has("x509: certificate signed by unknown authority", "root", "manufacturer"):
		return causeTrustAnchor
	case pe.Type == "auth_data" || has("authenticator data", "authenticatordata", "leftover bytes", "attested credential flag"):
		return causeAuthData
	case pe.Type == "invalid_attestation" || pe.Type == "attestation_error" || pe.Type == "invalid_signature" || pe.Type == "invalid_certificate":
		return causeStatement
	}
	return causeOther
}

// goWebAuthnOption is the go-webauthn setting that changes its answer for
// each cause; absent: no setting does.
var goWebAuthnOption = map[cause]string{
	causeOrigin:      "Config.RPOrigins",
	causeCrossOrigin: "Config.RPAllowCrossOrigin",
	causeTopOrigin:   "Config.RPTopOrigins, Config.RPTopOriginVerificationMode",
	causeUV:          "AuthenticatorSelection.UserVerification (not \"required\")",
	causeAlgorithm:   "WithCredentialParameters (pubKeyCredParams)",
	causeExtensions:  "Config.ExtensionsUnsolicitedOutputPolicy",
	causeTrustAnchor: "Config.MDS (trust anchors from FIDO metadata)",
}

// String renders a verdict on one line, for logs and tests.
func (v Verdict) String() string {
	if v.Accepts {
		return fmt.Sprintf("%s %s: accepts", v.Name, v.Version)
	}
	return fmt.Sprintf("%s %s: refuses at %s: %s", v.Name, v.Version, v.Step, v.Reason)
}
