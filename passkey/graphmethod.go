package passkey

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/keytier/keytier/passkey/catalog"
)

// CodeAAGUIDInvalid: an aaGuid member is not an AAGUID in canonical form.
const CodeAAGUIDInvalid Code = "aaguid_invalid"

// FIDO2MethodODataType is the @odata.type of a fido2AuthenticationMethod.
const FIDO2MethodODataType = "#microsoft.graph.fido2AuthenticationMethod"

// FIDO2Method is a passkey registered to a user, as Microsoft Graph lists it:
// a fido2AuthenticationMethod from GET /users/{id}/authentication/fido2Methods
// (learn.microsoft.com/graph/api/resources/fido2authenticationmethod). Graph
// keeps no attestation object, flags or public key for it, so what keytier
// can say about it comes from the AAGUID, the attestation level and, where
// Graph reports it, passkeyType; see Facts.
//
// Like FIDO2Policy it round-trips: members keytier does not read stay in
// Unknown and MarshalJSON writes them back.
type FIDO2Method struct {
	ODataType   string `json:"@odata.type,omitzero"`
	ID          string `json:"id,omitzero"`
	DisplayName string `json:"displayName,omitzero"`
	// CreatedDateTime is when the passkey was registered (RFC 3339).
	CreatedDateTime time.Time `json:"createdDateTime,omitzero"`
	// AAGUID is kept as written; the parsers check it with catalog.ParseAAGUID.
	AAGUID                  string   `json:"aaGuid,omitzero"`
	Model                   string   `json:"model,omitzero"`
	AttestationCertificates []string `json:"attestationCertificates,omitzero"`
	// AttestationLevel is "attested" when Entra verified the registration's
	// attestation, "notAttested" otherwise (unknownFutureValue possible).
	AttestationLevel string `json:"attestationLevel,omitzero"`
	// PasskeyType is Graph's own verdict ("deviceBound", "synced"), present
	// in newer v1.0 responses and absent in older ones.
	PasskeyType PasskeyType    `json:"passkeyType,omitzero"`
	Unknown     jsontext.Value `json:",embed"`
}

type fido2MethodJSON FIDO2Method

// MarshalJSON writes the record as Graph does, with the members keytier
// did not read.
func (m FIDO2Method) MarshalJSON() ([]byte, error) {
	return jsonv2.Marshal((*fido2MethodJSON)(&m))
}

// ParseFIDO2Method reads one fido2AuthenticationMethod: the object, or the
// object wrapped in {"value": {...}} as Graph's documentation shows the
// response of GET .../fido2Methods/{id}. Reading is strict (exact member
// names, no repeated member, JSON types as documented, the limits in
// policy_limits.go); aaGuid must be a canonical AAGUID. Every error is an
// *Error whose Where is the member's dotted path.
func ParseFIDO2Method(data []byte) (*FIDO2Method, error) {
	if err := checkMethodJSON(data); err != nil {
		return nil, err
	}
	raw, where := jsontext.Value(bytes.TrimSpace(data)), ""
	if raw.Kind() != '{' {
		return nil, errorf(CodeJSONInvalid, "input", nil, "got JSON %s, want an object", kindName(raw.Kind()))
	}
	var wrap struct {
		Value jsontext.Value `json:"value"`
		ID    string         `json:"id"`
	}
	if err := jsonv2.Unmarshal(raw, &wrap); err != nil {
		return nil, methodJSONError(err, "")
	}
	if wrap.Value.Kind() == '{' && wrap.ID == "" {
		raw, where = wrap.Value, "value"
	}
	var m FIDO2Method
	if err := m.decode(raw, where); err != nil {
		return nil, err
	}
	return &m, nil
}

// ParseFIDO2Methods reads a list of registered passkeys: a collection
// response ({"value": [...]}) or a bare JSON array, from
// /authentication/fido2Methods or /authentication/methods. Records of other
// method types (an @odata.type other than fido2AuthenticationMethod) are
// skipped; each FIDO2 record is read as ParseFIDO2Method reads one.
func ParseFIDO2Methods(data []byte) ([]FIDO2Method, error) {
	if err := checkMethodJSON(data); err != nil {
		return nil, err
	}
	raw, where := jsontext.Value(bytes.TrimSpace(data)), ""
	if raw.Kind() == '{' {
		var wrap struct {
			Value jsontext.Value `json:"value"`
		}
		if err := jsonv2.Unmarshal(raw, &wrap); err != nil {
			return nil, methodJSONError(err, "")
		}
		if len(wrap.Value) == 0 {
			return nil, errorf(CodeFieldMissing, "value", nil, "a collection response lists its records in value")
		}
		raw, where = wrap.Value, "value"
	}
	var items []jsontext.Value
	if err := jsonv2.Unmarshal(raw, &items); err != nil {
		return nil, methodJSONError(err, where)
	}
	if len(items) > MaxMethods {
		return nil, errorf(CodeInputTooLarge, jsonPath(where, ""), nil, "%d records; at most %d accepted", len(items), MaxMethods)
	}
	out := make([]FIDO2Method, 0, len(items))
	for i, it := range items {
		at := joinPath(where, strconv.Itoa(i))
		if it.Kind() != '{' {
			return nil, errorf(CodeJSONInvalid, at, nil, "got JSON %s, want an object", kindName(it.Kind()))
		}
		var head struct {
			ODataType string `json:"@odata.type"`
		}
		if err := jsonv2.Unmarshal(it, &head); err != nil {
			return nil, methodJSONError(err, at)
		}
		if head.ODataType != "" && head.ODataType != FIDO2MethodODataType {
			continue
		}
		var m FIDO2Method
		if err := m.decode(it, at); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func checkMethodJSON(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errorf(CodeInputEmpty, "", nil, "no input")
	}
	if len(data) > MaxMethodSize {
		return errorf(CodeInputTooLarge, "", nil, "%d bytes; at most %d accepted", len(data), MaxMethodSize)
	}
	if pe := checkPolicyJSON(data, MaxMethodSize); pe != nil {
		return errorf(CodeJSONInvalid, pe.Path, nil, "%s", pe.Reason)
	}
	return nil
}

func (m *FIDO2Method) decode(raw jsontext.Value, where string) error {
	if err := jsonv2.Unmarshal(raw, (*fido2MethodJSON)(m)); err != nil {
		return methodJSONError(err, where)
	}
	if m.ODataType != "" && m.ODataType != FIDO2MethodODataType {
		return errorf(CodeJSONInvalid, joinPath(where, "@odata.type"), nil, "%q is not a fido2AuthenticationMethod", m.ODataType)
	}
	if len(m.AttestationCertificates) > MaxMethodCertificates {
		return errorf(CodeInputTooLarge, joinPath(where, "attestationCertificates"), nil, "%d certificates; at most %d accepted", len(m.AttestationCertificates), MaxMethodCertificates)
	}
	if m.AAGUID != "" {
		if _, err := catalog.ParseAAGUID(m.AAGUID); err != nil {
			return errorf(CodeAAGUIDInvalid, joinPath(where, "aaGuid"), nil, "%q is not an AAGUID in 8-4-4-4-12 hexadecimal form", m.AAGUID)
		}
	}
	return nil
}

func methodJSONError(err error, prefix string) error {
	pe := policyJSONError(err, prefix)
	var semantic *jsonv2.SemanticError
	if errors.As(err, &semantic) && semantic.GoType == timeType {
		pe.Reason = "want an RFC 3339 date and time: " + pe.Reason
	}
	return errorf(CodeJSONInvalid, pe.Path, nil, "%s", pe.Reason)
}

var timeType = reflect.TypeFor[time.Time]()

// Facts says what a policy decision can know about the registered passkey
// (CredentialFacts.Registered is set), naming it from cat (nil: the
// embedded catalog).
//
// Whether it is synced is inferred, and TypeConfidence says how surely:
//
//   - Graph's passkeyType, when present, is Entra's reading of the
//     passkey at registration. It is believed unless the catalog knows the
//     AAGUID as the other kind; then, as Backup does, keytier believes
//     whichever gives the lower assurance (synced), with Low confidence.
//   - Otherwise the catalog kind of the AAGUID decides. An AAGUID is the
//     authenticator's own claim unless Entra verified the attestation:
//     "AAGUID values can be spoofed unless attestation is enforced"
//     (how-to-authentication-synced-passkeys). So the verdict is High with
//     attestationLevel "attested" and Low without.
//   - An attested passkey the catalog does not know is device-bound with
//     Medium confidence: synced passkeys carry no attestation.
//   - Nothing else says: Type is "" (unknown), Low.
//
// Attestation is trusted when attestationLevel is "attested" (Entra
// verified it against FIDO metadata) and absent otherwise.
func (m FIDO2Method) Facts(cat *catalog.Catalog) CredentialFacts {
	if cat == nil {
		cat = catalog.Default()
	}
	f := CredentialFacts{Registered: true, Attestation: AttestationAbsent}
	attested := m.AttestationLevel == "attested"
	if attested {
		f.Attestation = AttestationTrusted
	}
	id, err := catalog.ParseAAGUID(m.AAGUID)
	if err != nil {
		f.TypeExplanation = append(f.TypeExplanation, "The record carries no readable AAGUID.")
	}
	f.AAGUID = id
	entry, listed := cat.Lookup(id)
	f.Authenticator = entry.Name
	if !listed && m.Model != "" {
		f.Authenticator = m.Model
	}
	var fromCatalog PasskeyType
	switch entry.Kind {
	case catalog.KindSyncedProvider:
		fromCatalog = Synced
	case catalog.KindPlatform, catalog.KindSecurityKey:
		fromCatalog = DeviceBound
	}
	if fromCatalog != "" {
		f.TypeExplanation = append(f.TypeExplanation, fmt.Sprintf("The authenticator catalog lists AAGUID %s as %s, %s.", id, entry.Name, describeKind(entry.Kind)))
	} else if err == nil {
		f.TypeExplanation = append(f.TypeExplanation, fmt.Sprintf("The authenticator catalog does not say what kind of authenticator AAGUID %s is.", id))
	}
	if attested {
		f.TypeExplanation = append(f.TypeExplanation, "attestationLevel is \"attested\": Entra verified the attestation, so the AAGUID names the real model.")
	} else {
		f.TypeExplanation = append(f.TypeExplanation, "attestationLevel is not \"attested\": the AAGUID is the authenticator's own claim.")
	}

	switch graph := m.PasskeyType; {
	case graph == Synced || graph == DeviceBound:
		f.TypeExplanation = append(f.TypeExplanation, fmt.Sprintf("Graph reports passkeyType %q.", graph))
		switch {
		case fromCatalog != "" && fromCatalog != graph:
			f.Type, f.TypeConfidence = Synced, Low
			f.TypeExplanation = append(f.TypeExplanation, "Graph and the catalog disagree; keytier believes the one that gives the lower assurance: synced.")
		case attested:
			f.Type, f.TypeConfidence = graph, High
		case fromCatalog != "":
			f.Type, f.TypeConfidence = graph, Medium
		default:
			f.Type, f.TypeConfidence = graph, Low
		}
	case fromCatalog != "":
		f.Type, f.TypeConfidence = fromCatalog, Low
		if attested {
			f.TypeConfidence = High
		}
	case attested:
		f.Type, f.TypeConfidence = DeviceBound, Medium
		f.TypeExplanation = append(f.TypeExplanation, "Synced passkeys carry no attestation, so an attested passkey is device-bound.")
	default:
		f.TypeConfidence = Low
		f.TypeExplanation = append(f.TypeExplanation, "Nothing shows whether this passkey is synced or device-bound.")
	}
	return f
}
