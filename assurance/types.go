package assurance

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by the errors UnmarshalText returns for a text that
// names no [Level] or [Syncability].
var ErrInvalid = errors.New("assurance: invalid value")

// Method names a sign-in method. The values are JSON-friendly and stable:
// the CLI's JSON contract uses them. The zero value names no method; it is
// classified below AAL1.
type Method string

// The methods keytier classifies. Names follow Microsoft Entra's
// authentication methods where one exists.
const (
	MethodPasskey                 Method = "passkey"                 // FIDO2/WebAuthn credential (any provider)
	MethodPassword                Method = "password"                // centrally verified password
	MethodSMS                     Method = "sms"                     // SMS one-time code
	MethodVoice                   Method = "voice"                   // PSTN voice one-time code
	MethodEmailOTP                Method = "emailOTP"                // one-time code sent by email
	MethodAuthenticatorPush       Method = "authenticatorPush"       // Microsoft Authenticator push with number matching
	MethodAuthenticatorPasskey    Method = "authenticatorPasskey"    // passkey held in Microsoft Authenticator (device-bound)
	MethodSoftwareOATH            Method = "softwareOath"            // TOTP/HOTP app
	MethodHardwareOATH            Method = "hardwareOath"            // TOTP/HOTP hardware token
	MethodWindowsHello            Method = "windowsHelloForBusiness" // Windows Hello for Business
	MethodPlatformSSO             Method = "platformCredential"      // macOS Platform SSO, Secure Enclave key
	MethodCertificateSingleFactor Method = "certificateSingleFactor" // X.509 certificate, no PIN
	MethodCertificateMultiFactor  Method = "certificateMultiFactor"  // X.509 certificate unlocked by a PIN (smart card)
	MethodTAP                     Method = "temporaryAccessPass"     // Microsoft Entra Temporary Access Pass
)

// allMethods is never mutated; Methods returns a copy.
var allMethods = []Method{
	MethodPasskey, MethodPassword, MethodSMS, MethodVoice, MethodEmailOTP,
	MethodAuthenticatorPush, MethodAuthenticatorPasskey, MethodSoftwareOATH,
	MethodHardwareOATH, MethodWindowsHello, MethodPlatformSSO,
	MethodCertificateSingleFactor, MethodCertificateMultiFactor, MethodTAP,
}

// Methods returns every method keytier knows, in a fixed order. The slice
// is a copy the caller may change.
func Methods() []Method {
	return append([]Method(nil), allMethods...)
}

// Known reports whether m is one of the methods keytier classifies.
func (m Method) Known() bool {
	for _, k := range allMethods {
		if m == k {
			return true
		}
	}
	return false
}

// Syncability says whether a credential's private key can be copied to a
// sync fabric. For WebAuthn it is the backup-eligible (BE) flag, fixed for
// the credential's life (WebAuthn L3 §6.1), or a provider catalog entry.
// The zero value is [SyncabilityUnknown].
type Syncability int

const (
	// SyncabilityUnknown: nothing says whether the key can be synced.
	// keytier then cannot rule out that the key is exportable.
	SyncabilityUnknown Syncability = iota
	// Syncable: the key can be copied to a sync fabric (BE flag set).
	Syncable
	// DeviceBound: the key cannot leave the authenticator (BE flag clear).
	DeviceBound
)

var syncabilityNames = [...]string{"unknown", "synced", "deviceBound"}

// String returns "unknown", "synced" or "deviceBound".
func (s Syncability) String() string {
	if s < 0 || int(s) >= len(syncabilityNames) {
		return fmt.Sprintf("Syncability(%d)", int(s))
	}
	return syncabilityNames[s]
}

// MarshalText encodes s as its String form.
func (s Syncability) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(syncabilityNames) {
		return nil, fmt.Errorf("%w: syncability %d", ErrInvalid, int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText accepts "unknown" (or empty), "synced" and "deviceBound".
func (s *Syncability) UnmarshalText(text []byte) error {
	switch string(text) {
	case "", "unknown":
		*s = SyncabilityUnknown
	case "synced":
		*s = Syncable
	case "deviceBound":
		*s = DeviceBound
	default:
		return fmt.Errorf("%w: syncability %q (want unknown, synced or deviceBound)", ErrInvalid, text)
	}
	return nil
}

// KeyProtection says where the authenticator keeps its private key, in the
// vocabulary of the FIDO Metadata Statement keyProtection field. When MDS
// lists several values, pass the strongest. The zero value means unknown.
type KeyProtection string

const (
	KeyProtectionUnknown       KeyProtection = ""
	KeyProtectionSoftware      KeyProtection = "software"       // key reachable by the host's software
	KeyProtectionHardware      KeyProtection = "hardware"       // separate hardware (security key, smart card)
	KeyProtectionTEE           KeyProtection = "tee"            // trusted execution environment
	KeyProtectionSecureElement KeyProtection = "secure_element" // secure element, TPM, Secure Enclave
)

// HardwareBacked reports whether the key is held by separate hardware or an
// isolated execution environment, the SP 800-63B-4 §3.2.13 condition for a
// non-exportable authenticator. Unknown and unrecognised values report false.
func (k KeyProtection) HardwareBacked() bool {
	switch k {
	case KeyProtectionHardware, KeyProtectionTEE, KeyProtectionSecureElement:
		return true
	}
	return false
}

// Level is an authentication assurance level. The zero value, [LevelNone],
// means the evidence does not reach AAL1: it is not an authenticator at all.
type Level int

const (
	LevelNone Level = iota
	AAL1
	AAL2
	AAL3
)

var levelNames = [...]string{"none", "AAL1", "AAL2", "AAL3"}

// String returns "none", "AAL1", "AAL2" or "AAL3".
func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l]
}

// MarshalText encodes l as its String form.
func (l Level) MarshalText() ([]byte, error) {
	if l < 0 || int(l) >= len(levelNames) {
		return nil, fmt.Errorf("%w: level %d", ErrInvalid, int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText accepts "none", "AAL1", "AAL2" and "AAL3", in any case.
func (l *Level) UnmarshalText(text []byte) error {
	for i, name := range levelNames {
		if strings.EqualFold(string(text), name) {
			*l = Level(i)
			return nil
		}
	}
	return fmt.Errorf("%w: level %q (want none, AAL1, AAL2 or AAL3)", ErrInvalid, text)
}

// Outcome is what one rule concluded about the evidence.
type Outcome string

const (
	// OutcomePass: the rule's condition holds.
	OutcomePass Outcome = "pass"
	// OutcomeFail: the condition does not hold; a gating rule caps the level
	// below the one it gates.
	OutcomeFail Outcome = "fail"
	// OutcomeWarn: an advisory rule found a condition the standard attaches
	// that the organization must meet or accept; it never lowers the level.
	OutcomeWarn Outcome = "warn"
	// OutcomeNotApplicable: the rule covers this method but not this case
	// (for example sync fabric controls for a device-bound key).
	OutcomeNotApplicable Outcome = "notApplicable"
)
