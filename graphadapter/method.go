package graphadapter

import (
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/keytier/keytier/passkey/catalog"
)

// The @odata.type values of the authentication methods Graph lists under
// GET /users/{id}/authentication/methods. Source: learn.microsoft.com
// /graph/api/resources/authenticationmethod (the derived types) and the
// per-type resource pages named on each MethodKind.
const (
	ODataTypeFIDO2               = "#microsoft.graph.fido2AuthenticationMethod"
	ODataTypePassword            = "#microsoft.graph.passwordAuthenticationMethod"
	ODataTypePhone               = "#microsoft.graph.phoneAuthenticationMethod"
	ODataTypeEmail               = "#microsoft.graph.emailAuthenticationMethod"
	ODataTypeAuthenticator       = "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod"
	ODataTypeSoftwareOath        = "#microsoft.graph.softwareOathAuthenticationMethod"
	ODataTypeHardwareOath        = "#microsoft.graph.hardwareOathAuthenticationMethod"
	ODataTypeWindowsHello        = "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod"
	ODataTypePlatformCredential  = "#microsoft.graph.platformCredentialAuthenticationMethod"
	ODataTypeTemporaryAccessPass = "#microsoft.graph.temporaryAccessPassAuthenticationMethod"
	ODataTypeX509Certificate     = "#microsoft.graph.x509CertificateAuthenticationMethod"
)

// MethodKind names an authentication method type in keytier's words.
type MethodKind string

const (
	// KindOther: an @odata.type keytier does not know (qrCodePin, external
	// methods, types Microsoft adds later). The method is kept verbatim.
	KindOther               MethodKind = "other"
	KindFIDO2               MethodKind = "fido2"                   // resources/fido2authenticationmethod
	KindPassword            MethodKind = "password"                // resources/passwordauthenticationmethod
	KindPhone               MethodKind = "phone"                   // resources/phoneauthenticationmethod
	KindEmail               MethodKind = "email"                   // resources/emailauthenticationmethod
	KindAuthenticator       MethodKind = "microsoftAuthenticator"  // resources/microsoftauthenticatorauthenticationmethod
	KindSoftwareOath        MethodKind = "softwareOath"            // resources/softwareoathauthenticationmethod
	KindHardwareOath        MethodKind = "hardwareOath"            // resources/hardwareoathauthenticationmethod
	KindWindowsHello        MethodKind = "windowsHelloForBusiness" // resources/windowshelloforbusinessauthenticationmethod
	KindPlatformCredential  MethodKind = "platformCredential"      // resources/platformcredentialauthenticationmethod
	KindTemporaryAccessPass MethodKind = "temporaryAccessPass"     // resources/temporaryaccesspassauthenticationmethod
	KindX509Certificate     MethodKind = "x509Certificate"         // resources/x509certificateauthenticationmethod
)

var kindOfType = map[string]MethodKind{
	ODataTypeFIDO2:               KindFIDO2,
	ODataTypePassword:            KindPassword,
	ODataTypePhone:               KindPhone,
	ODataTypeEmail:               KindEmail,
	ODataTypeAuthenticator:       KindAuthenticator,
	ODataTypeSoftwareOath:        KindSoftwareOath,
	ODataTypeHardwareOath:        KindHardwareOath,
	ODataTypeWindowsHello:        KindWindowsHello,
	ODataTypePlatformCredential:  KindPlatformCredential,
	ODataTypeTemporaryAccessPass: KindTemporaryAccessPass,
	ODataTypeX509Certificate:     KindX509Certificate,
}

// Method is one item of GET /users/{id}/authentication/methods. The common
// members are read into fields; the members of the types keytier reasons
// about are behind the typed accessors (FIDO2, Phone, ...). Raw keeps the
// item exactly as read, so members keytier does not read, and types it does
// not know, survive a Load/Marshal round trip.
//
// Build a Method with ParseMethod; Marshal writes Raw, so a Method whose
// fields were changed in Go without re-parsing is written as it was read.
type Method struct {
	ODataType       string
	ID              string
	DisplayName     string
	CreatedDateTime *time.Time // absent or null: not reported (phones have none)
	Raw             jsontext.Value

	kind   MethodKind
	detail any // one of the *…Method types below, or nil
}

// Kind says which type of method m is.
func (m *Method) Kind() MethodKind {
	if m.kind == "" {
		return KindOther
	}
	return m.kind
}

// FIDO2Method holds the members of a fido2AuthenticationMethod (a passkey)
// that keytier reads. Graph reports no passkey type: synced or device-bound
// is inferred from the AAGUID (package catalog) and AttestationLevel.
// Source: learn.microsoft.com/graph/api/resources/fido2authenticationmethod.
type FIDO2Method struct {
	AAGUID                  string   `json:"aaGuid"`
	Model                   string   `json:"model,omitempty"`
	AttestationCertificates []string `json:"attestationCertificates,omitempty"`
	AttestationLevel        string   `json:"attestationLevel,omitempty"` // attested | notAttested
}

// ParsedAAGUID returns the AAGUID; the zero UUID when Graph reported none
// (the authenticator did not disclose its model). Load has already refused
// a malformed one.
func (f FIDO2Method) ParsedAAGUID() uuid.UUID {
	if f.AAGUID == "" {
		return uuid.Nil
	}
	id, _ := catalog.ParseAAGUID(f.AAGUID)
	return id
}

// PhoneMethod holds a phoneAuthenticationMethod's members.
// Source: learn.microsoft.com/graph/api/resources/phoneauthenticationmethod.
type PhoneMethod struct {
	PhoneNumber    PersonalData `json:"phoneNumber"`
	PhoneType      string       `json:"phoneType"`                // mobile | alternateMobile | office
	SMSSignInState string       `json:"smsSignInState,omitempty"` // ready, notEnabled, notAllowedByPolicy, ...
}

// EmailMethod holds an emailAuthenticationMethod's members.
// Source: learn.microsoft.com/graph/api/resources/emailauthenticationmethod.
type EmailMethod struct {
	EmailAddress PersonalData `json:"emailAddress"`
}

// AuthenticatorMethod holds a microsoftAuthenticatorAuthenticationMethod's
// members. Source: learn.microsoft.com/graph/api/resources
// /microsoftauthenticatorauthenticationmethod.
type AuthenticatorMethod struct {
	DeviceTag       string `json:"deviceTag,omitempty"`
	PhoneAppVersion string `json:"phoneAppVersion,omitempty"`
}

// WindowsHelloMethod holds a windowsHelloForBusinessAuthenticationMethod's
// members. Source: learn.microsoft.com/graph/api/resources
// /windowshelloforbusinessauthenticationmethod.
type WindowsHelloMethod struct {
	KeyStrength string `json:"keyStrength,omitempty"` // normal | weak | unknown
}

// PlatformCredentialMethod holds a platformCredentialAuthenticationMethod's
// members (Platform SSO on macOS). Source: learn.microsoft.com/graph/api
// /resources/platformcredentialauthenticationmethod.
type PlatformCredentialMethod struct {
	KeyStrength string `json:"keyStrength,omitempty"` // normal | weak | unknown
	Platform    string `json:"platform,omitempty"`    // macOS, windows, iOS, ...
}

// TemporaryAccessPassMethod holds a temporaryAccessPassAuthenticationMethod's
// members. The pass itself (temporaryAccessPass) is returned only when it is
// created and is null on every read; keytier never reads it, and Load warns
// when a snapshot carries one. Source: learn.microsoft.com/graph/api
// /resources/temporaryaccesspassauthenticationmethod.
type TemporaryAccessPassMethod struct {
	StartDateTime         *time.Time `json:"startDateTime,omitempty"`
	LifetimeInMinutes     int        `json:"lifetimeInMinutes"`
	IsUsableOnce          bool       `json:"isUsableOnce"`
	IsUsable              bool       `json:"isUsable"`
	MethodUsabilityReason string     `json:"methodUsabilityReason,omitempty"` // EnabledByPolicy, DisabledByPolicy, Expired, NotYetValid, OneTimeUsed
}

// FIDO2 returns m's passkey members, if m is a fido2AuthenticationMethod.
func (m *Method) FIDO2() (FIDO2Method, bool) { return detailOf[FIDO2Method](m) }

// Phone returns m's phone members, if m is a phoneAuthenticationMethod.
func (m *Method) Phone() (PhoneMethod, bool) { return detailOf[PhoneMethod](m) }

// Email returns m's members, if m is an emailAuthenticationMethod.
func (m *Method) Email() (EmailMethod, bool) { return detailOf[EmailMethod](m) }

// Authenticator returns m's members, if m is a
// microsoftAuthenticatorAuthenticationMethod.
func (m *Method) Authenticator() (AuthenticatorMethod, bool) {
	return detailOf[AuthenticatorMethod](m)
}

// WindowsHello returns m's members, if m is a
// windowsHelloForBusinessAuthenticationMethod.
func (m *Method) WindowsHello() (WindowsHelloMethod, bool) { return detailOf[WindowsHelloMethod](m) }

// PlatformCredential returns m's members, if m is a
// platformCredentialAuthenticationMethod.
func (m *Method) PlatformCredential() (PlatformCredentialMethod, bool) {
	return detailOf[PlatformCredentialMethod](m)
}

// TemporaryAccessPass returns m's members, if m is a
// temporaryAccessPassAuthenticationMethod.
func (m *Method) TemporaryAccessPass() (TemporaryAccessPassMethod, bool) {
	return detailOf[TemporaryAccessPassMethod](m)
}

func detailOf[T any](m *Method) (T, bool) {
	if d, ok := m.detail.(*T); ok {
		return *d, true
	}
	var zero T
	return zero, false
}

// ParseMethod reads one authenticationMethod object, as Graph returns it in
// the value array of GET /users/{id}/authentication/methods. @odata.type
// and id are required; members of the known types must have Graph's types.
func ParseMethod(data []byte) (Method, error) {
	var m Method
	if err := checkNesting(data); err != nil {
		return m, err
	}
	v := jsontext.Value(data)
	if !v.IsValid() {
		return m, jsonError(jsonv2.Unmarshal(data, new(jsontext.Value)), "")
	}
	err := m.parse(v.Clone(), "", true, nil)
	return m, err
}

// methodCommon is what every authenticationMethod carries.
type methodCommon struct {
	ODataType       string     `json:"@odata.type"`
	ID              string     `json:"id"`
	DisplayName     string     `json:"displayName,omitempty"`
	CreatedDateTime *time.Time `json:"createdDateTime,omitempty"`
}

// methodUnion reads, in one pass, the common members and the members of
// every type keytier reads; parse keeps those of the method's own type.
// Graph gives a member name the same JSON type in every method type that
// has it (keyStrength is a string in both Windows Hello and platform
// credentials), so one struct can hold them all.
type methodUnion struct {
	methodCommon
	FIDO2Method
	PhoneMethod
	EmailMethod
	AuthenticatorMethod
	TemporaryAccessPassMethod
	KeyStrength string         `json:"keyStrength,omitempty"`
	Platform    string         `json:"platform,omitempty"`
	Unknown     jsontext.Value `json:",embed"`
}

var unionNames = jsonNames(reflect.TypeFor[methodUnion]())

// unionPool recycles the methodUnion a parse decodes into: a snapshot has
// several methods per user, and the union (with the capacity of its Unknown
// buffer) is the largest scratch value Load makes per method. Nothing parse
// keeps points into the union's own memory: strings are immutable and are
// copied out by value, and Unknown is only read by checkCase.
var unionPool = sync.Pool{New: func() any { return new(methodUnion) }}

// canonicalODataType returns the package's own copy of a known @odata.type,
// so that hundreds of thousands of methods share a dozen strings instead of
// each keeping the copy the decoder made.
func canonicalODataType(t string) (string, MethodKind) {
	if c, ok := odataTypeOf[t]; ok {
		return c.name, c.kind
	}
	return t, KindOther
}

var odataTypeOf = func() map[string]struct {
	name string
	kind MethodKind
} {
	m := make(map[string]struct {
		name string
		kind MethodKind
	}, len(kindOfType))
	for t, k := range kindOfType {
		m[t] = struct {
			name string
			kind MethodKind
		}{t, k}
	}
	return m
}()

// parse reads raw into m. Errors are *Error with paths relative to raw;
// callers that know where raw sits prefix them with withPrefix. valid says
// that raw is known to be valid JSON by jsontext's default rules (no
// repeated member, valid UTF-8), as Load's decoder and IsValid check: only
// then may the fast path (scanUnion) read it, with tab (which may be nil).
func (m *Method) parse(raw jsontext.Value, path string, valid bool, tab *strtab) error {
	if err := wantObject(raw, path); err != nil {
		return err
	}
	w := unionPool.Get().(*methodUnion)
	unknown := w.Unknown[:0]
	*w = methodUnion{Unknown: unknown}
	err := m.parseUnion(raw, path, w, valid, tab)
	if cap(w.Unknown) > 4<<10 {
		w.Unknown = nil // do not pin an unusually large buffer in the pool
	}
	w.Unknown = w.Unknown[:0]
	unionPool.Put(w)
	return err
}

func (m *Method) parseUnion(raw jsontext.Value, path string, w *methodUnion, valid bool, tab *strtab) error {
	if !valid || !w.scanUnion(raw, tab) {
		*w = methodUnion{Unknown: w.Unknown[:0]}
		if err := w.decode(raw, path); err != nil {
			return err
		}
	}
	if w.ODataType == "" {
		return errorAt(joinPath(path, "@odata.type"), nil, "missing: every item of /authentication/methods names its type")
	}
	if w.ID == "" {
		return errorAt(joinPath(path, "id"), nil, "missing or empty: a method has an id")
	}
	odataType, kind := canonicalODataType(w.ODataType)
	var detail any
	switch kind {
	case KindFIDO2:
		if w.AAGUID != "" {
			if _, err := catalog.ParseAAGUID(w.AAGUID); err != nil {
				return errorAt(joinPath(path, "aaGuid"), err, "not an AAGUID: %v", err)
			}
		}
		d := w.FIDO2Method
		detail = &d
	case KindPhone:
		d := w.PhoneMethod
		detail = &d
	case KindEmail:
		d := w.EmailMethod
		detail = &d
	case KindAuthenticator:
		d := w.AuthenticatorMethod
		detail = &d
	case KindWindowsHello:
		detail = &WindowsHelloMethod{KeyStrength: w.KeyStrength}
	case KindPlatformCredential:
		detail = &PlatformCredentialMethod{KeyStrength: w.KeyStrength, Platform: w.Platform}
	case KindTemporaryAccessPass:
		d := w.TemporaryAccessPassMethod
		detail = &d
	}
	*m = Method{
		ODataType:       odataType,
		ID:              w.ID,
		DisplayName:     w.DisplayName,
		CreatedDateTime: w.CreatedDateTime,
		Raw:             raw,
		kind:            kind,
		detail:          detail,
	}
	return nil
}

// decode is the decoder's path of parseUnion: every member, every error.
func (w *methodUnion) decode(raw jsontext.Value, path string) error {
	if err := jsonv2.Unmarshal(raw, w); err != nil {
		return jsonError(err, path)
	}
	return checkCase(w.Unknown, unionNames, path)
}

// UnmarshalJSONFrom reads a Method; errors name the member's full path.
// The path is worked out only when there is an error: building it for every
// method of a large snapshot cost more than decoding the method.
func (m *Method) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	// The caller's decoder may allow what the defaults refuse (repeated
	// members, invalid UTF-8): the value takes the decoder's path.
	if err := m.parse(v.Clone(), "", false, nil); err != nil {
		return withPrefix(err, pointerPath(dec.StackPointer()))
	}
	return nil
}

// MarshalJSONTo writes Raw.
func (m *Method) MarshalJSONTo(enc *jsontext.Encoder) error {
	if len(m.Raw) == 0 {
		return fmt.Errorf("graphadapter: method %q has no Raw JSON; build methods with ParseMethod", m.ID)
	}
	return enc.WriteValue(m.Raw)
}

// PersonalData is a member that identifies a person outside the directory:
// a phone number, an email address. It prints as "[personal data]" in
// logs, fmt verbs and slog, so a report or a debug line never leaks it; its
// JSON is the value itself, because a snapshot written back out must keep
// it. Use Reveal where the value is really needed.
type PersonalData string

const redacted = "[personal data]"

// Reveal returns the value.
func (p PersonalData) Reveal() string { return string(p) }

func (p PersonalData) String() string   { return redacted }
func (p PersonalData) GoString() string { return `graphadapter.PersonalData("` + redacted + `")` }

// Format redacts for every verb, including %v, %s, %q and %x.
func (p PersonalData) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue redacts for log/slog.
func (p PersonalData) LogValue() slog.Value { return slog.StringValue(redacted) }
