package assurance

import (
	"fmt"
	"strings"
)

// Evidence is what a caller knows about one sign-in method. It is neutral:
// it says what was observed, not what level that gives. The zero value
// describes nothing and classifies as [LevelNone]; every other field's zero
// value means "not known" or "not observed", which never raises the level.
type Evidence struct {
	// Method is the sign-in method.
	Method Method `json:"method"`

	// UserVerified: the authenticator itself verified the user (WebAuthn UV
	// flag; for an OTP generator or Microsoft Authenticator, its own PIN or
	// biometric before each use). It is the second factor of a passkey:
	// without it a passkey is a single-factor cryptographic authenticator
	// (SP 800-63B-4 Appendix B, UV flag).
	UserVerified bool `json:"userVerified"`

	// Syncability says whether the key can be copied to a sync fabric
	// (WebAuthn BE flag or a provider catalog). It matters for passkeys;
	// other methods keep their keys on the device by design.
	Syncability Syncability `json:"syncability"`

	// KeyProtection says where the private key is kept (FIDO MDS
	// keyProtection; for Windows Hello, hardware TPM versus software).
	KeyProtection KeyProtection `json:"keyProtection,omitempty"`

	// AttestationTrusted: an attestation chained to a trusted root proved
	// the authenticator's make and hardware (WebAuthn attestation checked
	// against FIDO MDS, TPM key attestation, a smart card issuance policy).
	AttestationTrusted bool `json:"attestationTrusted"`

	// Certification is the FIDO certification level from MDS, e.g.
	// "FIDO_CERTIFIED_L1"; empty when unknown. It is reported in the trace
	// but decides nothing: FIDO certification is not an SP 800-63B
	// criterion.
	Certification string `json:"certification,omitempty"`

	// FIPS140Level is the authenticator's FIPS 140 overall validation
	// level, 1 to 4; 0 when unknown.
	FIPS140Level int `json:"fips140Level,omitempty"`

	// WithPassword: a centrally verified password was presented in the same
	// authentication. With a single-factor physical authenticator (SMS, OTP,
	// a certificate without PIN, ...) it makes the two-factor combination
	// §2.2.1 permits; with a single-factor cryptographic authenticator, the
	// combination §2.3.1 permits at AAL3.
	WithPassword bool `json:"withPassword"`

	// WeakKey: the key is reported weak, as Microsoft Graph's keyStrength
	// "weak" on Windows Hello and platform credentials. A weak key is not
	// approved cryptography.
	WeakKey bool `json:"weakKey"`
}

// kind is the SP 800-63B-4 §3.1 authenticator type a method belongs to.
type kind int

const (
	kindUnknown  kind = iota // not a method keytier knows
	kindNone                 // email codes: not an authenticator (§3.1.3.1)
	kindPassword             // §3.1.1
	kindLookUp               // §3.1.2; keytier's reading of a Temporary Access Pass
	kindOOB                  // §3.1.3
	kindOTP                  // §3.1.4, §3.1.5
	kindCrypto               // §3.1.6, §3.1.7
)

func (m Method) kind() kind {
	switch m {
	case MethodPassword:
		return kindPassword
	case MethodTAP:
		return kindLookUp
	case MethodSMS, MethodVoice, MethodAuthenticatorPush:
		return kindOOB
	case MethodSoftwareOATH, MethodHardwareOATH:
		return kindOTP
	case MethodPasskey, MethodAuthenticatorPasskey, MethodWindowsHello,
		MethodPlatformSSO, MethodCertificateSingleFactor, MethodCertificateMultiFactor:
		return kindCrypto
	case MethodEmailOTP:
		return kindNone
	}
	return kindUnknown
}

// ownFactors counts the factors the method proves by itself: 0, 1 or 2.
func (e Evidence) ownFactors() int {
	switch e.Method.kind() {
	case kindPassword, kindLookUp:
		return 1
	case kindOOB:
		// Only the app can verify the user itself; an SMS or a call cannot.
		if e.Method == MethodAuthenticatorPush && e.UserVerified {
			return 2
		}
		return 1
	case kindOTP:
		if e.UserVerified {
			return 2
		}
		return 1
	case kindCrypto:
		if e.multiFactorCrypto() {
			return 2
		}
		return 1
	}
	return 0
}

// multiFactorCrypto: passkeys are multi-factor only with UV; Windows Hello,
// Platform SSO and PIN-protected certificates always require their
// activation factor (Microsoft's AAL mapping lists them as multi-factor).
func (e Evidence) multiFactorCrypto() bool {
	switch e.Method {
	case MethodPasskey, MethodAuthenticatorPasskey:
		return e.UserVerified
	case MethodWindowsHello, MethodPlatformSSO, MethodCertificateMultiFactor:
		return true
	}
	return false
}

// passwordAdds reports whether WithPassword contributes a factor: the
// password is a different factor from the method's own.
func (e Evidence) passwordAdds() bool {
	return e.WithPassword && e.Method.kind() != kindPassword
}

// factors counts the distinct factors of the whole authentication, capped
// at two: AAL2 and AAL3 ask for two.
func (e Evidence) factors() int {
	n := e.ownFactors()
	if e.passwordAdds() && n < 2 {
		n++
	}
	return n
}

// isPasskey: a WebAuthn credential, where syncability is a real question.
func (m Method) isPasskey() bool {
	return m == MethodPasskey || m == MethodAuthenticatorPasskey
}

// syncability is the syncability the rules use. Only passkeys live in sync
// fabrics. Microsoft Authenticator keeps its passkeys on the device
// (Microsoft Entra, "Overview of Microsoft Authenticator passkey":
// device-bound passkey), and Windows Hello, Platform SSO and certificates
// are not synced by design, so for them unknown means device-bound; whether
// their key can be copied in other ways is the key protection's question.
// Evidence that says a key is synced always wins.
func (e Evidence) syncability() Syncability {
	if e.Syncability == SyncabilityUnknown && e.Method.kind() == kindCrypto && e.Method != MethodPasskey {
		return DeviceBound
	}
	return e.Syncability
}

// phishingResistant: cryptographic authentication bound to the verifier
// (§3.2.5) with a key of approved strength.
func (e Evidence) phishingResistant() bool {
	return e.Method.kind() == kindCrypto && !e.WeakKey
}

// describe names the authenticator in SP 800-63B-4 terms, for the trace.
func (e Evidence) describe() string {
	name := string(e.Method)
	if name == "" {
		name = "no method"
	}
	var what string
	switch e.Method.kind() {
	case kindUnknown:
		return fmt.Sprintf("%q is not a method keytier knows", name)
	case kindNone:
		return name + ": email is not an out-of-band authenticator (§3.1.3.1)"
	case kindPassword:
		what = "password (§3.1.1)"
	case kindLookUp:
		what = "single-factor issued secret, read as a look-up secret (§3.1.2)"
	case kindOOB:
		if e.ownFactors() == 2 {
			what = "multi-factor out-of-band authenticator (§3.1.3.4)"
		} else {
			what = "single-factor out-of-band authenticator (§3.1.3)"
		}
	case kindOTP:
		if e.ownFactors() == 2 {
			what = "multi-factor OTP (§3.1.5)"
		} else {
			what = "single-factor OTP (§3.1.4)"
		}
	case kindCrypto:
		if e.ownFactors() == 2 {
			what = "multi-factor cryptographic authenticator (§3.1.7)"
		} else {
			what = "single-factor cryptographic authenticator (§3.1.6)"
		}
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(": ")
	b.WriteString(what)
	if e.Method.isPasskey() {
		if e.UserVerified {
			b.WriteString(", UV flag set")
		} else {
			b.WriteString(", UV flag not set")
		}
	}
	if e.passwordAdds() {
		b.WriteString("; plus a password")
	}
	return b.String()
}

func (e Evidence) describeProtection() string {
	kp := string(e.KeyProtection)
	if kp == "" {
		kp = "unknown"
	}
	s := "key protection " + kp
	if e.Certification != "" {
		s += ", FIDO certification " + e.Certification
	}
	return s
}
