package bridge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/tap"
)

// Kind is what the page's one input area holds.
type Kind string

const (
	// KindCredential is a registration response (PublicKeyCredential JSON)
	// or a bare attestation object; also anything that is not JSON, so that
	// passkey.Analyze says what is wrong with it.
	KindCredential Kind = "credential"
	// KindFIDO2Policy is Graph's fido2AuthenticationMethodConfiguration, the
	// whole authenticationMethodsPolicy, or a list of configurations holding
	// the FIDO2 one: what passkey.ParseFIDO2Policy reads.
	KindFIDO2Policy Kind = "fido2Policy"
	// KindTAPPolicy is Graph's
	// temporaryAccessPassAuthenticationMethodConfiguration.
	KindTAPPolicy Kind = "tapPolicy"
	// KindSnapshot is a tenant snapshot (graphadapter.Load).
	KindSnapshot Kind = "snapshot"
	// KindUnknown is JSON that is none of the above; Detect's error says why.
	KindUnknown Kind = "unknown"
)

// graphFIDO2MethodType is the record of a registered passkey, which the
// page does not read: it has no attestation object to classify.
const graphFIDO2MethodType = passkey.FIDO2MethodODataType

// InputError is why the page could not read an input, and where: a line
// and column for JSON syntax, a JSON path ("passkeyProfiles.1.id") for a
// document that parses but is not what it claims, or "" for the input as a
// whole. Code is stable, for the page and its tests.
type InputError struct {
	Code    string `json:"code"`
	Where   string `json:"where,omitempty"`
	Message string `json:"message"`
}

func (e *InputError) Error() string {
	if e.Where == "" {
		return "playground: " + e.Message
	}
	return fmt.Sprintf("playground: %s: %s", e.Where, e.Message)
}

// Input error codes.
const (
	CodeTooLarge      = "input_too_large"
	CodeJSONSyntax    = "json_syntax"
	CodeUnknownJSON   = "json_kind_unknown"
	CodeUnsupported   = "json_kind_unsupported"
	CodePolicyInvalid = "policy_invalid"
	CodeSnapshot      = "snapshot_invalid"
)

// The top-level member names that give a document away. They are Graph's
// (DOMAIN.md) and the snapshot's (graphadapter.Snapshot).
var (
	snapshotMembers = []string{"users", "groups", "roleAssignments", "capturedAt", "authenticationMethodsPolicy"}
	fido2Members    = []string{"passkeyProfiles", "defaultPasskeyProfile", "isAttestationEnforced", "keyRestrictions", "authenticationMethodConfigurations"}
	tapMembers      = []string{"defaultLength", "defaultLifetimeInMinutes", "minimumLifetimeInMinutes", "maximumLifetimeInMinutes", "isUsableOnce"}
)

// Detect says what text is, by its content alone: the JSON members it has
// at the top level (and, for a list, the @odata.type of its items), never
// by where it came from. Text that is not JSON is a credential in one of
// the encodings passkey.Inspect reads. When text is JSON that fits nothing,
// or is not valid JSON, the kind is KindUnknown and the error says what was
// wrong and where.
func Detect(text string) (Kind, *InputError) {
	if len(text) > MaxInputSize {
		return KindUnknown, &InputError{Code: CodeTooLarge,
			Message: fmt.Sprintf("the input is %d bytes; the playground reads at most %d", len(text), MaxInputSize)}
	}
	raw := []byte(text)
	b := bytes.TrimSpace(raw)
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return KindCredential, nil
	}
	top, err := scanTop(raw)
	if err != nil {
		return KindUnknown, err
	}
	return top.kind()
}

// topLevel is what scanTop learned about a JSON document.
type topLevel struct {
	array     bool
	members   []string // object members, in document order
	odataType string
	id        string
	// itemTypes are the @odata.type of the items of a top-level array or
	// of a collection's "value".
	itemTypes []string
	// inner is a "value" that is an object: a single entity wrapped as
	// Graph's examples sometimes show it.
	inner *topLevel
}

func (t topLevel) has(names ...string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return slices.Contains(t.members, n) })
}

func (t topLevel) kind() (Kind, *InputError) {
	if t.inner != nil && !t.has(append(append(append([]string{"tenant", "response"}, snapshotMembers...), fido2Members...), tapMembers...)...) {
		k, err := t.inner.kind()
		if err != nil {
			err.Where = strings.TrimSuffix("value."+err.Where, ".")
		}
		return k, err
	}
	if t.has("aaGuid") && t.has("attestationLevel", "attestationCertificates", "model") {
		t.odataType = graphFIDO2MethodType
	}
	switch t.odataType {
	case passkey.FIDO2PolicyODataType:
		return KindFIDO2Policy, nil
	case tap.PolicyODataType:
		return KindTAPPolicy, nil
	case graphFIDO2MethodType:
		return KindUnknown, &InputError{Code: CodeUnsupported, Where: "@odata.type",
			Message: "this is Graph's record of a registered passkey (fido2AuthenticationMethod): it has no attestation object to classify. Paste the registration response instead, or use `keytier policy evaluate` on the record"}
	}
	switch {
	case t.array || slices.Contains(t.members, "value"):
		if slices.Contains(t.itemTypes, passkey.FIDO2PolicyODataType) {
			return KindFIDO2Policy, nil
		}
		where := "value"
		if t.array {
			where = ""
		}
		return KindUnknown, &InputError{Code: CodeUnknownJSON, Where: where,
			Message: fmt.Sprintf("a list whose items are %s; the playground reads a list only when it holds the %s", describeTypes(t.itemTypes), passkey.FIDO2PolicyODataType)}
	case slices.Contains(t.members, "tenant") && t.has(snapshotMembers...):
		return KindSnapshot, nil
	case slices.Contains(t.members, "response"):
		return KindCredential, nil
	case strings.EqualFold(t.id, "Fido2") || t.has(fido2Members...):
		return KindFIDO2Policy, nil
	case strings.EqualFold(t.id, tap.PolicyID) || t.has(tapMembers...):
		return KindTAPPolicy, nil
	}
	if t.odataType != "" {
		return KindUnknown, &InputError{Code: CodeUnsupported, Where: "@odata.type",
			Message: fmt.Sprintf("%q is not a type the playground reads: paste a registration response, a FIDO2 or Temporary Access Pass method configuration, or a tenant snapshot", t.odataType)}
	}
	members := "no members"
	if len(t.members) > 0 {
		shown := t.members
		if len(shown) > 8 {
			shown = shown[:8]
		}
		members = "the members " + strings.Join(shown, ", ")
		if len(t.members) > len(shown) {
			members += fmt.Sprintf(" and %d more", len(t.members)-len(shown))
		}
	}
	return KindUnknown, &InputError{Code: CodeUnknownJSON,
		Message: fmt.Sprintf("a JSON object with %s is none of what the playground reads: a registration response has \"response\"; "+
			"a FIDO2 policy has \"@odata.type\": %q or \"passkeyProfiles\"; a Temporary Access Pass policy has %q or \"defaultLength\"; "+
			"a tenant snapshot has \"tenant\" and \"users\"", members, passkey.FIDO2PolicyODataType, tap.PolicyODataType)}
}

func describeTypes(types []string) string {
	if len(types) == 0 {
		return "without @odata.type"
	}
	return strings.Join(types, ", ")
}

// scanTop reads the whole document, to find syntax errors anywhere, but
// keeps only the top level.
func scanTop(b []byte) (topLevel, *InputError) {
	var t topLevel
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	tok, err := dec.ReadToken()
	if err != nil {
		return t, syntaxError(b, dec, err)
	}
	switch tok.Kind() {
	case '[':
		t.array = true
		for dec.PeekKind() != ']' {
			typ, err := itemType(dec)
			if err != nil {
				return t, syntaxError(b, dec, err)
			}
			if typ != "" {
				t.itemTypes = append(t.itemTypes, typ)
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return t, syntaxError(b, dec, err)
		}
	case '{':
		for dec.PeekKind() != '}' {
			nameTok, err := dec.ReadToken()
			if err != nil {
				return t, syntaxError(b, dec, err)
			}
			name := nameTok.String()
			t.members = append(t.members, name)
			switch {
			case (name == "@odata.type" || name == "id") && dec.PeekKind() == '"':
				v, err := dec.ReadToken()
				if err != nil {
					return t, syntaxError(b, dec, err)
				}
				if name == "id" {
					t.id = v.String()
				} else {
					t.odataType = v.String()
				}
			case name == "value" && dec.PeekKind() == '{':
				v, err := dec.ReadValue()
				if err != nil {
					return t, syntaxError(b, dec, err)
				}
				inner, ierr := scanTop(v)
				if ierr != nil {
					return t, ierr
				}
				t.inner = &inner
			case name == "value" && dec.PeekKind() == '[':
				if _, err := dec.ReadToken(); err != nil {
					return t, syntaxError(b, dec, err)
				}
				for dec.PeekKind() != ']' {
					typ, err := itemType(dec)
					if err != nil {
						return t, syntaxError(b, dec, err)
					}
					if typ != "" {
						t.itemTypes = append(t.itemTypes, typ)
					}
				}
				if _, err := dec.ReadToken(); err != nil {
					return t, syntaxError(b, dec, err)
				}
			default:
				if err := dec.SkipValue(); err != nil {
					return t, syntaxError(b, dec, err)
				}
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return t, syntaxError(b, dec, err)
		}
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		if err == nil {
			err = errors.New("more data after the JSON value")
		}
		return t, syntaxError(b, dec, err)
	}
	return t, nil
}

// itemType reads one array item and returns its @odata.type, if it is an
// object that has one.
func itemType(dec *jsontext.Decoder) (string, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return "", err
	}
	if v.Kind() != '{' {
		return "", nil
	}
	d := jsontext.NewDecoder(bytes.NewReader(v))
	if _, err := d.ReadToken(); err != nil {
		return "", err
	}
	for d.PeekKind() != '}' {
		name, err := d.ReadToken()
		if err != nil {
			return "", err
		}
		if name.String() == "@odata.type" && d.PeekKind() == '"' {
			t, err := d.ReadToken()
			return t.String(), err
		}
		if err := d.SkipValue(); err != nil {
			return "", err
		}
	}
	return "", nil
}

// syntaxError says where in b the JSON went wrong, as an editor would:
// line and column, counted from 1.
func syntaxError(b []byte, dec *jsontext.Decoder, err error) *InputError {
	off := dec.InputOffset()
	msg := err.Error()
	in := ""
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		off = se.ByteOffset
		if se.Err != nil {
			msg = se.Err.Error()
		}
		if se.JSONPointer != "" {
			in = fmt.Sprintf(", in %s", se.JSONPointer)
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "the input ends before the JSON value does (cut short when copied?)"
	}
	off = min(max(off, 0), int64(len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := 1 + int(off) - (bytes.LastIndexByte(b[:off], '\n') + 1)
	return &InputError{Code: CodeJSONSyntax, Where: fmt.Sprintf("line %d, column %d%s", line, col, in),
		Message: "the input starts like JSON but is not valid JSON: " + msg}
}
