package gowebauthn

import (
	"encoding/base64"
	"errors"
	"runtime/debug"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/peers"
)

// goWebAuthnModule is the module whose version GoWebAuthn reports.
const goWebAuthnModule = "github.com/go-webauthn/webauthn"

// pinned is the version go.mod requires, reported when the binary
// carries no module information (TestPinnedIsGoMods keeps it equal to
// go.mod).
const pinned = "v0.18.2"

// Version is the go-webauthn version linked into this binary.
func Version() string {
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
	return pinned
}

// Check runs go-webauthn's high-level registration API on data, as a
// relying party using it with its default configuration would: webauthn.New
// with the RP ID and origins of opts (and its top origins and cross-origin
// switch), then WebAuthn.CreateCredential with the session BeginRegistration
// would have stored for opts.Challenge, the algorithms opts.Algorithms lists
// as pubKeyCredParams, and user verification required only when
// opts.RequireUserVerification is set. go-webauthn reads the wall clock;
// opts.Time and opts.Now do not reach it.
func Check(data []byte, opts passkey.VerifyOptions) peers.Verdict {
	v := peers.Verdict{Name: peers.NameGoWebAuthn, Version: Version()}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(data)
	if err != nil {
		return refused(v, err)
	}
	w, err := webauthn.New(&webauthn.Config{
		RPID:               opts.RPID,
		RPDisplayName:      opts.RPID,
		RPOrigins:          opts.Origins,
		RPTopOrigins:       opts.TopOrigins,
		RPAllowCrossOrigin: opts.AllowCrossOrigin,
	})
	if err != nil {
		v.Step = peers.StepOptions
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
		return refused(v, err)
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
func refused(v peers.Verdict, err error) peers.Verdict {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		v.Step, v.Reason = peers.StepOther, err.Error()
		return v
	}
	v.Reason = pe.Type + ": " + pe.Details
	if pe.DevInfo != "" {
		v.Reason += " (" + pe.DevInfo + ")"
	}
	v.Step = stepOf(pe)
	v.Option = options[v.Step]
	return v
}

// stepOf reads which step refused from go-webauthn's error. Its messages
// are the only record of the step, so a go-webauthn release that rewords
// one moves it to peers.StepOther; TestSteps holds each one.
func stepOf(pe *protocol.Error) string {
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
		return peers.StepSession
	case has("parse error", "error parsing attestation response", "no response given"):
		return peers.StepParse
	case has("ceremony type"):
		return peers.StepType
	case pe.Type == "challenge_mismatch" || has("error validating challenge"):
		return peers.StepChallenge
	case has("cross origin"):
		return peers.StepCrossOrigin
	case has("toporigin", "top origin"):
		return peers.StepTopOrigin
	case has("error validating origin"):
		return peers.StepOrigin
	case has("token binding"):
		return peers.StepTokenBinding
	case has("rp hash mismatch"):
		return peers.StepRPID
	case has("user presence required"):
		return peers.StepUP
	case has("user verification required"):
		return peers.StepUV
	case has("backup state flag"):
		return peers.StepBackupFlags
	case has("credential public key algorithm not supported"):
		return peers.StepAlgorithm
	case has("extension"):
		return peers.StepExtensions
	case has("attestation format") && has("unsupported"):
		return peers.StepFormat
	case has("attested credential id"):
		return peers.StepCredentialID
	case has("id length too long"):
		return peers.StepCredentialIDLength
	case has("no longer valid", "not yet valid", "expired", "timestamp"):
		return peers.StepCertTime
	case has("x509: certificate signed by unknown authority", "root", "manufacturer"):
		return peers.StepTrustAnchor
	case pe.Type == "auth_data" || has("authenticator data", "authenticatordata", "leftover bytes", "attested credential flag"):
		return peers.StepAuthData
	case pe.Type == "invalid_attestation" || pe.Type == "attestation_error" || pe.Type == "invalid_signature" || pe.Type == "invalid_certificate":
		return peers.StepStatement
	}
	return peers.StepOther
}

// options are the go-webauthn setting that changes its answer at each
// step; absent: no setting does.
var options = map[string]string{
	peers.StepOrigin:      "Config.RPOrigins",
	peers.StepCrossOrigin: "Config.RPAllowCrossOrigin",
	peers.StepTopOrigin:   "Config.RPTopOrigins, Config.RPTopOriginVerificationMode",
	peers.StepUV:          "AuthenticatorSelection.UserVerification (not \"required\")",
	peers.StepAlgorithm:   "WithCredentialParameters (pubKeyCredParams)",
	peers.StepExtensions:  "Config.ExtensionsUnsolicitedOutputPolicy",
	peers.StepTrustAnchor: "Config.MDS (trust anchors from FIDO metadata)",
}
