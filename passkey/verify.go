package passkey

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"

	"github.com/keytier/keytier/passkey/catalog"
	"github.com/keytier/keytier/passkey/mds"
)

// VerifyOptions say what the relying party expects. RPID, Origins,
// Challenge and Algorithms are required: keytier does not guess what a
// relying party accepts. A VerifyOptions may be reused; Verify does not
// modify it.
type VerifyOptions struct {
	// RPID is the relying party id the credential was created for
	// (WebAuthn L3 §5.1.2: a registrable domain suffix of the origin).
	RPID string
	// Origins are the origins the relying party serves
	// ("https://login.example.com"). clientDataJSON.origin must equal one
	// of them as a browser serializes it: scheme://host[:port], no path,
	// query, fragment or userinfo. Each entry must be an http or https
	// origin; keytier lower-cases its scheme and host and drops the
	// scheme's default port and a single trailing "/", so
	// "HTTPS://Login.Example.com:443/" allows "https://login.example.com".
	// The client's value is compared exactly, never normalised.
	Origins []string
	// TopOrigins are the top-level origins allowed to embed the relying
	// party in a cross-origin iframe, written and compared like Origins.
	// Used only with AllowCrossOrigin.
	TopOrigins []string
	// AllowCrossOrigin accepts registrations made inside a cross-origin
	// iframe (clientDataJSON.crossOrigin true). Zero value: refused.
	AllowCrossOrigin bool
	// Challenge is the challenge the relying party sent in
	// PublicKeyCredentialCreationOptions, as raw bytes.
	Challenge []byte
	// Algorithms are the COSE algorithm identifiers the relying party
	// offered in pubKeyCredParams. See RecommendedAlgorithms.
	Algorithms []int64
	// RequireUserVerification fails a credential whose UV flag is clear
	// (the relying party asked for userVerification "required").
	RequireUserVerification bool
	// Extensions lists the extension identifiers the relying party
	// requested. nil skips the check (§7.1 leaves "as expected" to the
	// relying party); a non-nil list fails any authenticator or client
	// extension output not on it.
	Extensions []string

	// Time is the reference time at which attestation certificates must be
	// valid, so a stored registration can be re-verified as of when it was
	// made. Zero means Now().
	Time time.Time
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	// Roots are trust anchors for attestation certificate chains, in
	// addition to those the MDS BLOB lists for the authenticator.
	Roots []*x509.Certificate
	// MDS is a verified FIDO MDS3 BLOB (see package mds). It names
	// authenticators, supplies their attestation roots, and reports their
	// key protection, certification and status.
	MDS *mds.BLOB
	// RequireTrustedAttestation fails a credential whose attestation does
	// not chain to a trust anchor (§7.1: a relying party "SHOULD fail the
	// registration ceremony" when the statement is not trustworthy). With
	// it off, such credentials verify with Attestation.Trusted false.
	RequireTrustedAttestation bool
	// AllowRevoked accepts authenticators FIDO MDS reports as revoked or
	// compromised. Zero value: they fail.
	AllowRevoked bool

	// Catalog names authenticators; nil means the embedded catalog.
	Catalog *catalog.Catalog
}

// Verification records how a credential was verified.
type Verification struct {
	RPID          string    `json:"rpId"`
	Origin        string    `json:"origin"`
	ReferenceTime time.Time `json:"referenceTime"`
	// ReferenceTimeIsNow is true when no reference time was given.
	ReferenceTimeIsNow bool `json:"referenceTimeIsNow"`
	// Steps are the §7.1 checks performed, in order, each with who did it.
	Steps []Step `json:"steps"`
}

// Step is one check of the registration procedure.
type Step struct {
	Check string `json:"check"`
	By    string `json:"by"` // "go-webauthn" or "keytier"
	OK    bool   `json:"ok"`
}

// Verify decodes data like Inspect and then runs the WebAuthn L3 §7.1
// registration procedure against opts. It returns the credential even when
// verification fails (with a nil credential only when data did not decode),
// so callers can show what failed on what.
//
// go-webauthn does the client-data checks and each attestation format's
// verification procedure; keytier adds what §7.1 asks and go-webauthn's
// protocol package leaves out: BS without BE, unrequested extensions,
// certificate validity at a reference time, the trust path to an anchor,
// the MDS status, and the credential id's agreement with rawId.
func Verify(data []byte, opts VerifyOptions) (*Credential, error) {
	allowed, err := opts.check()
	if err != nil {
		return nil, err
	}
	c, err := decode(data)
	if err != nil {
		return nil, err
	}
	entry, err := c.verify(&opts, allowed)
	c.describe(opts.Catalog, entry)
	c.verified = err == nil
	return c, err
}

// Validate reports whether o can be used for Verify: the required fields
// are set and every origin is one keytier accepts (see Origins). The error
// is an *Error with code field_missing or options_invalid whose Where
// names the field ("VerifyOptions.Origins[1]"). Verify validates too; call
// Validate to reject a configuration before any credential arrives.
func (o VerifyOptions) Validate() error {
	_, err := o.check()
	return err
}

// allowedOrigins are VerifyOptions' origin lists in serialized form.
type allowedOrigins struct {
	origins, topOrigins []string
}

func (o *VerifyOptions) check() (allowedOrigins, error) {
	var missing []string
	if o.RPID == "" {
		missing = append(missing, "RPID")
	}
	if len(o.Origins) == 0 {
		missing = append(missing, "Origins")
	}
	if len(o.Challenge) == 0 {
		missing = append(missing, "Challenge")
	}
	if len(o.Algorithms) == 0 {
		missing = append(missing, "Algorithms")
	}
	if len(missing) > 0 {
		return allowedOrigins{}, &Error{Code: CodeFieldMissing, Where: "VerifyOptions", Reason: strings.Join(missing, ", ") + " required"}
	}
	var (
		a   allowedOrigins
		err error
	)
	if a.origins, err = serializeOrigins(o.Origins, "VerifyOptions.Origins"); err != nil {
		return allowedOrigins{}, err
	}
	if a.topOrigins, err = serializeOrigins(o.TopOrigins, "VerifyOptions.TopOrigins"); err != nil {
		return allowedOrigins{}, err
	}
	return a, nil
}

func (o *VerifyOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// verify runs the checks in §7.1's order and records each in
// c.Verification; it stops at the first failure. It returns the MDS entry
// it found, for describe.
func (c *Credential) verify(o *VerifyOptions, allowed allowedOrigins) (*mds.Entry, error) {
	now := o.now()
	ref := o.Time
	v := &Verification{RPID: o.RPID, ReferenceTimeIsNow: ref.IsZero()}
	if ref.IsZero() {
		ref = now
	}
	v.ReferenceTime = ref.UTC()
	c.Verification = v
	if c.ClientData == nil {
		return nil, &Error{Code: CodeVerifyUnavailable, Where: "input", Reason: "a bare attestation object has no clientDataJSON, so the signature cannot be checked; give the whole registration response"}
	}
	v.Origin = c.ClientData.Origin
	clientDataHash := sha256.Sum256(c.clientDataJSON)
	var entry *mds.Entry

	checks := []struct {
		check, by string
		run       func() error
	}{
		{"clientDataJSON type, challenge, origin, crossOrigin, topOrigin", "keytier", func() error { return c.verifyClientData(o, allowed) }},
		{"credential id agrees with rawId and the response's echoes", "keytier", c.checkEcho},
		{"rpIdHash is SHA-256 of the RP ID", "keytier", func() error { return c.checkRPIDHash(o.RPID) }},
		{"UP set; UV set when required", "keytier", func() error { return c.checkUser(o.RequireUserVerification) }},
		// §6.1.3: BS without BE is not allowed. go-webauthn's protocol
		// package leaves this to its high-level webauthn package.
		{"BS not set unless BE is set", "keytier", c.checkBackupFlags},
		{"credential public key alg was offered, and the key is valid", "keytier", func() error { return c.checkAlgorithm(o.Algorithms) }},
		{"extension outputs were requested", "keytier", func() error { return c.checkExtensions(o.Extensions) }},
		{"attestation statement (§8, by format)", "go-webauthn", func() error { return c.verifyStatement(clientDataHash[:], o, ref, now) }},
		{"attestation certificates valid at the reference time", "keytier", func() error { return c.checkValidity(ref) }},
		{"trust path and authenticator status", "keytier", func() error {
			entry = c.lookupMetadata(o.MDS)
			return c.assessTrust(o, entry, ref, now)
		}},
	}
	for _, ch := range checks {
		err := ch.run()
		v.Steps = append(v.Steps, Step{Check: ch.check, By: ch.by, OK: err == nil})
		if err != nil {
			return entry, err
		}
	}
	return entry, nil
}

func (c *Credential) checkRPIDHash(rpID string) error {
	want := sha256.Sum256([]byte(rpID))
	if !bytes.Equal(c.RPIDHash, want[:]) {
		return errorf(CodeRPIDMismatch, "authData.rpIdHash", nil, "not SHA-256(%q); the credential was created for another relying party id", rpID)
	}
	return nil
}

func (c *Credential) checkUser(requireUV bool) error {
	switch {
	case !c.Flags.UP:
		return errorf(CodeUserNotPresent, "authData.flags", nil, "UP is not set")
	case requireUV && !c.Flags.UV:
		return errorf(CodeUserNotVerified, "authData.flags", nil, "user verification was required but UV is not set")
	}
	return nil
}

func (c *Credential) checkBackupFlags() error {
	if c.Flags.BS && !c.Flags.BE {
		return errorf(CodeFlagsInconsistent, "authData.flags", nil, "BS is set but BE is not: a credential cannot be backed up if it is not backup eligible")
	}
	return nil
}

// checkAlgorithm: the alg was offered (§7.1), and the key is usable — on
// its curve, of its declared type (go-webauthn's none procedure never
// parses it).
func (c *Credential) checkAlgorithm(offered []int64) error {
	if !slices.Contains(offered, c.PublicKeyAlgorithm) {
		return errorf(CodeAlgNotAllowed, "authData.credentialPublicKey.alg", nil, "%s (%d) was not offered in pubKeyCredParams %v", c.PublicKeyAlgName, c.PublicKeyAlgorithm, offered)
	}
	if _, err := webauthncose.ParsePublicKey(c.PublicKey); err != nil {
		return errorf(CodeAlgUnsupported, "authData.credentialPublicKey", nil, "%s key unusable: %s", c.PublicKeyAlgName, protoMessage(err))
	}
	return nil
}

// verifyClientData is §7.1 steps 7–10. keytier performs them itself
// rather than through go-webauthn's CollectedClientData.Verify: its origin
// match compares only scheme and host (origin.go), it compares the
// challenge as base64url text, and its refusals differ only in message
// text, so a code chosen from them could shift with a go-webauthn release.
// (Its remaining check, C.tokenBinding.status, is a Level 2 step that
// Level 3 removed.)
func (c *Credential) verifyClientData(o *VerifyOptions, allowed allowedOrigins) error {
	// Step 7: C.type is webauthn.create.
	if c.ClientData.Type != string(protocol.CreateCeremony) {
		return errorf(CodeClientDataType, "clientDataJSON.type", nil, "got %q, want %q", c.ClientData.Type, protocol.CreateCeremony)
	}
	// Step 8: C.challenge is the base64url encoding of the challenge sent;
	// compared as bytes so padding differences do not matter.
	got, decErr := decodeBase64(base64.RawURLEncoding, c.ClientData.Challenge)
	if decErr != nil || subtle.ConstantTimeCompare(got, o.Challenge) != 1 {
		return errorf(CodeChallengeMismatch, "clientDataJSON.challenge", nil, "not the challenge the relying party sent")
	}
	// Steps 9–10: C.origin, C.crossOrigin and C.topOrigin.
	return c.checkOrigins(allowed.origins, allowed.topOrigins, o.AllowCrossOrigin)
}

// checkExtensions implements §7.1's extension step when the caller says
// which extensions it requested.
func (c *Credential) checkExtensions(requested []string) error {
	if requested == nil {
		return nil
	}
	for id := range c.Extensions.Authenticator {
		if !slices.Contains(requested, id) {
			return errorf(CodeExtensionUnexpected, "authData.extensions."+id, nil, "the authenticator returned an output for %q, which was not requested", id)
		}
	}
	if len(c.Extensions.Client) > 0 {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(c.Extensions.Client, &m); err != nil {
			return errorf(CodeJSONInvalid, "clientExtensionResults", nil, "want an object")
		}
		for id := range m {
			if !slices.Contains(requested, id) {
				return errorf(CodeExtensionUnexpected, "clientExtensionResults."+id, nil, "the client returned an output for %q, which was not requested", id)
			}
		}
	}
	return nil
}

// verifyStatement runs the format's verification procedure through
// go-webauthn (§8). go-webauthn's packed, fido-u2f, tpm and
// android-safetynet procedures check certificate validity (and SafetyNet
// its response timestamp) against the wall clock; its android-key and
// apple procedures ignore certificate expiry. keytier checks validity
// itself, at the reference time (checkValidity), so a wall-clock complaint
// is re-judged here by keytier's own procedure as of the reference time
// (pasttime.go). Two vendor checks go-webauthn hard-codes — the Apple
// WebAuthn root for apple, the TCG vendor registry for tpm — are likewise
// re-judged against the trust anchors the caller gave (VerifyOptions.Roots
// and the MDS entry's roots); without such anchors go-webauthn's verdict
// stands.
//
// Where go-webauthn's refusal has no type to branch on (its clock check, the
// tpm manufacturer, a bad signature), its message text chooses the path
// and the code; the tests that hold each path (TestRealSamples at past
// reference times, TestW3CVectors' TPM vector, the signature rows of
// TestEveryCodeHasARejection) fail if a go-webauthn release rewords one.
// Everything keytier can decide itself, it decides before or instead.
func (c *Credential) verifyStatement(clientDataHash []byte, o *VerifyOptions, ref, now time.Time) error {
	// §7.1 step 21: fmt must be a format the relying party supports; these
	// are the ones go-webauthn registers (WebAuthn L3 §8 and compound).
	if !slices.Contains(attestationFormats, protocol.AttestationFormat(c.Format)) {
		return errorf(CodeFormatUnsupported, "attestationObject.fmt", nil, "%q is not an attestation statement format keytier verifies (%v)", c.Format, attestationFormats)
	}
	att := c.att // VerifyAttestation records the type on its receiver
	err := att.VerifyAttestation(clientDataHash, nil, protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
	if err == nil {
		c.Attestation.Type = attestationTypeName(att.Type)
		c.Attestation.SignatureVerified = c.Format != "none"
		c.att.Type = att.Type
		return nil
	}
	msg := protoMessage(err)
	lower := strings.ToLower(msg)
	var (
		typ, note string
		perr      error
		own       = true
	)
	switch {
	// go-webauthn compares certificates with its own clock, whatever the
	// reference time (and whatever VerifyOptions.Now says): keytier
	// verifies the statement itself as of the reference time; validity at
	// that time is checked next, by checkValidity. No wall clock is read
	// here, so an injected Now is honoured.
	case wallClockRefusal(msg) && (c.Format != "tpm" || strings.Contains(lower, "aik certificate")):
		typ, perr = c.verifyStatementAt(clientDataHash, ref, c.callerAnchors(o))
		note = "go-webauthn's " + c.Format + " procedure checks certificates against the current time; keytier performed it itself as of " + c.refText(ref) + ", where the certificates must be valid too."
	// go-webauthn's apple and android-key procedures verify the chain only
	// to the vendor roots they carry, and wrap crypto/x509's error: an
	// UnknownAuthorityError is that check and nothing else.
	case c.Format == "apple" && errors.As(err, new(x509.UnknownAuthorityError)) && len(c.callerAnchors(o)) > 0:
		typ, perr = AttestationAnonCA, c.appleAt(clientDataHash, ref, c.callerAnchors(o))
		note = "The x5c chain does not reach the Apple WebAuthn root go-webauthn carries; keytier performed §8.8 itself and accepted the chain because it reaches a trust anchor you gave, as of " + c.refText(ref) + "."
	case c.Format == "android-key" && errors.As(err, new(x509.UnknownAuthorityError)) && len(c.callerAnchors(o)) > 0:
		typ, perr = "basic_full", c.androidKeyAt(clientDataHash, ref, c.callerAnchors(o))
		note = "The x5c chain does not reach a Google hardware attestation root go-webauthn carries; keytier performed §8.4 itself (origin and purpose from the teeEnforced list) and accepted the chain because it reaches a trust anchor you gave, as of " + c.refText(ref) + "."
	case c.Format == "tpm" && strings.Contains(msg, "Invalid TPM manufacturer") && len(c.callerAnchors(o)) > 0:
		var vendor string
		vendor, perr = c.tpmVendorAt(ref, c.callerAnchors(o))
		typ = "attca"
		note = "The AIK names TPM manufacturer " + fmt.Sprintf("%q", vendor) + ", which go-webauthn's TCG vendor list lacks; keytier performed the remaining §8.3.1 steps and accepted it because the AIK chain reaches a trust anchor you gave, as of " + c.refText(ref) + "."
	default:
		own = false
	}
	if own {
		if perr == nil {
			c.Attestation.Type = attestationTypeName(typ)
			c.Attestation.SignatureVerified = true
			c.att.Type = typ
			c.Attestation.Notes = append(c.Attestation.Notes, note)
			return nil
		}
		var kerr *Error
		switch {
		case errors.As(perr, &kerr):
			return kerr
		case errors.Is(perr, errSignature):
			return errorf(CodeSignatureInvalid, "attStmt.sig", nil, "%v", perr)
		case !errors.Is(perr, errNoProcedure):
			return errorf(CodeAttestationInvalid, "attStmt", nil, "%v", perr)
		}
		msg += "; " + perr.Error()
	}
	switch {
	case wallClockRefusal(msg):
		code := CodeCertExpired
		if c.anyCertNotYetValid(now) {
			code = CodeCertNotYetValid
		}
		reason := "go-webauthn found an attestation certificate outside its validity period at the wall-clock time, and keytier could not verify the statement as of the reference time " + c.refText(ref)
		return errorf(code, "attStmt.x5c", nil, "%s: %s", reason, msg)
	case strings.Contains(lower, "signature"):
		return errorf(CodeSignatureInvalid, "attStmt.sig", nil, "%s", msg)
	}
	return errorf(CodeAttestationInvalid, "attStmt", nil, "%s", msg)
}

// attestationFormats are the attestation statement formats keytier
// verifies: those go-webauthn v0.18.2 registers a procedure for.
var attestationFormats = []protocol.AttestationFormat{
	protocol.AttestationFormatPacked,
	protocol.AttestationFormatTPM,
	protocol.AttestationFormatAndroidKey,
	protocol.AttestationFormatAndroidSafetyNet,
	protocol.AttestationFormatFIDOUniversalSecondFactor,
	protocol.AttestationFormatApple,
	protocol.AttestationFormatCompound,
	protocol.AttestationFormatNone,
}

// errSignature marks a failure of keytier's own procedures (pasttime.go)
// at their signature step; errNoProcedure, a format keytier has no
// procedure of its own for.
var (
	errSignature   = errors.New("signature validation error")
	errNoProcedure = errors.New("keytier has no procedure of its own for it")
)

// refText renders the reference time for notes and errors, marked "(now)"
// when the caller gave none, so a reader knows which question was asked.
func (c *Credential) refText(ref time.Time) string {
	s := ref.UTC().Format(time.RFC3339)
	if c.Verification != nil && c.Verification.ReferenceTimeIsNow {
		s += " (now)"
	}
	return s
}

func (c *Credential) anyCertNotYetValid(t time.Time) bool {
	certs, _ := c.Attestation.Certificates()
	for _, cert := range certs {
		if t.Before(cert.NotBefore) {
			return true
		}
	}
	return false
}

// checkValidity requires every attestation certificate to be valid at the
// reference time. For android-key and apple, go-webauthn deliberately
// ignores expiry; for the others it checks the wall clock. Either way the
// question a relying party asks is "was this valid when it was made".
func (c *Credential) checkValidity(ref time.Time) error {
	certs, err := c.Attestation.Certificates()
	if err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.x5c", nil, "%v", err)
	}
	for i, cert := range certs {
		where := fmt.Sprintf("attStmt.x5c[%d]", i)
		switch {
		case ref.Before(cert.NotBefore):
			return errorf(CodeCertNotYetValid, where, nil, "the certificate %s is valid from %s, after the reference time %s", certName(cert.Certificate), cert.NotBefore.Format(time.RFC3339), c.refText(ref))
		case ref.After(cert.NotAfter):
			return errorf(CodeCertExpired, where, nil, "the certificate %s expired %s, before the reference time %s", certName(cert.Certificate), cert.NotAfter.Format(time.RFC3339), c.refText(ref))
		}
	}
	return nil
}

// certName names a certificate for a message: its subject, or its serial
// number when the subject is empty (a TPM AIK's is, by §8.3.1).
func certName(cert *x509.Certificate) string {
	if s := cert.Subject.String(); s != "" {
		return fmt.Sprintf("%q", s)
	}
	return "with an empty subject (serial " + cert.SerialNumber.Text(16) + ")"
}
