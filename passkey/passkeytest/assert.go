package passkeytest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
)

// AssertOptions are the inputs of one authentication ceremony. Origin and
// Challenge are required; the RP ID is the credential's. Every other zero
// value yields the ordinary assertion of a conforming authenticator.
type AssertOptions struct {
	// Origin is clientDataJSON's origin (§5.8.1). Required.
	Origin string

	// Challenge is the relying party's challenge. Required.
	Challenge []byte

	// Type is clientDataJSON's type. Empty: "webauthn.get".
	Type string

	// CrossOrigin and TopOrigin are as in RegisterOptions.
	CrossOrigin bool
	TopOrigin   string

	// SignCount is the signature counter in the authenticator data
	// (§6.1.1). The authenticator keeps no count; a test that checks
	// counters increments it itself. Zero: the authenticator does not count.
	SignCount uint32

	// UserVerified sets UV.
	UserVerified bool

	// BackedUp sets BS. BE comes from the credential, which fixes it for
	// life (§6.1.3); use Tamper.Flags to change it.
	BackedUp bool

	// OmitUserPresence clears UP; relying parties must reject an assertion
	// without it unless they asked for none (§7.2).
	OmitUserPresence bool

	// OmitUserHandle leaves out response.userHandle even when the
	// credential has one, as authenticators may for non-discoverable
	// credentials (§5.2.2).
	OmitUserHandle bool

	// Extensions and ClientExtensionResults are as in RegisterOptions.
	Extensions             map[string]any
	ClientExtensionResults map[string]any

	// Tamper breaks the assertion on purpose. Zero: nothing is broken.
	Tamper Tamper
}

// Assertion is the authenticator's and client's answer to
// navigator.credentials.get().
type Assertion struct {
	// JSON is the PublicKeyCredential as PublicKeyCredential.toJSON() emits
	// it (WebAuthn L3 §5.1, AuthenticationResponseJSON).
	JSON []byte

	// ClientDataJSON is the serialized client data (§5.8.1).
	ClientDataJSON []byte

	// AuthenticatorData is the authenticator data (§6.1): no attested
	// credential data.
	AuthenticatorData []byte

	// Signature is the assertion signature over authenticatorData ||
	// SHA-256(clientDataJSON) (§6.3.3).
	Signature []byte
}

// Assert signs an assertion with cred as an authenticator does for
// authenticatorGetAssertion (WebAuthn L3 §6.3.3) and serializes the
// client's response (§5.1). The credential need not come from this
// Authenticator; the Authenticator contributes its attachment.
func (a *Authenticator) Assert(cred *Credential, opts AssertOptions) (*Assertion, error) {
	if cred == nil || cred.Key == nil || len(cred.ID) == 0 {
		return nil, &OptionError{Field: "Assert credential", Reason: "a Credential with an ID and a Key, as Register returns, is required"}
	}

	if err := checkCeremony("AssertOptions", cred.RPID, opts.Origin, opts.Challenge); err != nil {
		return nil, err
	}

	if err := checkKey(cred.Key, cred.Algorithm); err != nil {
		return nil, &OptionError{Field: "Credential.Key", Reason: err.Error()}
	}

	typ := opts.Type
	if typ == "" {
		typ = "webauthn.get"
	}

	cdj, err := clientData{Type: typ, Challenge: opts.Challenge, Origin: opts.Origin, CrossOrigin: opts.CrossOrigin, TopOrigin: opts.TopOrigin}.marshal()
	if err != nil {
		return nil, fmt.Errorf("passkeytest: serializing client data: %w", err)
	}

	flags, ext, err := authDataFlags(0, flagRequest{
		up: !opts.OmitUserPresence, uv: opts.UserVerified, be: cred.BackupEligible, bs: opts.BackedUp,
		extensions: opts.Extensions, field: "AssertOptions.Extensions", tamper: opts.Tamper,
	})
	if err != nil {
		return nil, err
	}

	rpID := cred.RPID
	if opts.Tamper.RPID != "" {
		rpID = opts.Tamper.RPID
	}

	ad := authData(rpID, flags, opts.SignCount, nil, ext)
	clientDataHash := sha256.Sum256(cdj)

	sig, err := sign(cred.Key, slices.Concat(ad, clientDataHash[:]))
	if err != nil {
		return nil, fmt.Errorf("passkeytest: assertion signature: %w", err)
	}

	if opts.Tamper.CorruptSignature {
		sig = corrupt(sig)
	}

	if opts.Tamper.AuthenticatorData != nil {
		ad = opts.Tamper.AuthenticatorData(bytes.Clone(ad))
	}

	if opts.Tamper.ClientDataJSON != nil {
		cdj = opts.Tamper.ClientDataJSON(bytes.Clone(cdj))
	}

	results, err := clientExtensionResults(opts.ClientExtensionResults)
	if err != nil {
		return nil, &OptionError{Field: "AssertOptions.ClientExtensionResults", Reason: err.Error()}
	}

	response := assertionResponseJSON{
		ClientDataJSON:    b64.EncodeToString(cdj),
		AuthenticatorData: b64.EncodeToString(ad),
		Signature:         b64.EncodeToString(sig),
	}

	if len(cred.UserHandle) > 0 && !opts.OmitUserHandle {
		response.UserHandle = b64.EncodeToString(cred.UserHandle)
	}

	resp, err := json.Marshal(authenticationResponseJSON{
		ID:                      b64.EncodeToString(cred.ID),
		RawID:                   b64.EncodeToString(cred.ID),
		Type:                    "public-key",
		AuthenticatorAttachment: a.opts.Attachment,
		ClientExtensionResults:  results,
		Response:                response,
	})
	if err != nil {
		return nil, fmt.Errorf("passkeytest: encoding the response JSON: %w", err)
	}

	return &Assertion{JSON: resp, ClientDataJSON: cdj, AuthenticatorData: ad, Signature: sig}, nil
}

// authenticationResponseJSON is AuthenticationResponseJSON (WebAuthn L3
// §5.1).
type authenticationResponseJSON struct {
	ID                      string                `json:"id"`
	RawID                   string                `json:"rawId"`
	Type                    string                `json:"type"`
	AuthenticatorAttachment string                `json:"authenticatorAttachment,omitempty"`
	ClientExtensionResults  json.RawMessage       `json:"clientExtensionResults"`
	Response                assertionResponseJSON `json:"response"`
}

// assertionResponseJSON is AuthenticatorAssertionResponseJSON (§5.2.2).
type assertionResponseJSON struct {
	ClientDataJSON    string `json:"clientDataJSON"`
	AuthenticatorData string `json:"authenticatorData"`
	Signature         string `json:"signature"`
	UserHandle        string `json:"userHandle,omitempty"`
}
