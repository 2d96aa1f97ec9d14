// Package form reads what the onboarding portal's browsers post: a
// PublicKeyCredential's JSON envelope, HTML forms, user principal names and
// display names. Every refusal is an *InputError naming the field. It
// imports no storage, so its fuzz targets build quickly.
package form

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/keytier/keytier/passkey"
)

// InputError is a request the portal cannot use, naming the field and what is
// wrong with it.
type InputError struct {
	Field  string // a form field or JSON member, "" for the body as a whole
	Reason string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return "portal: " + e.Reason
	}
	return "portal: " + e.Field + ": " + e.Reason
}

// Errorf returns an *InputError for field.
func Errorf(field, format string, args ...any) error {
	return &InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// credentialEnvelope is what the portal reads itself from a posted
// PublicKeyCredential (toJSON()); passkey.Verify and go-webauthn read the
// rest.
type credentialEnvelope struct {
	ID    string `json:"id"`
	RawID string `json:"rawId"`
	Type  string `json:"type"`
}

// ReadCredential reads a PublicKeyCredential posted as JSON, at most max
// bytes, and checks its envelope: a JSON object (names matched exactly, none
// repeated) of type "public-key" whose id is unpadded base64url of at most
// passkey.MaxCredentialIDLength bytes and equals rawId. It returns the body
// and the credential id.
func ReadCredential(r io.Reader, max int64) ([]byte, []byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, nil, Errorf("", "reading the request: %v", err)
	}
	id, err := parseCredential(body, max)
	if err != nil {
		return nil, nil, err
	}
	return body, id, nil
}

func parseCredential(body []byte, max int64) ([]byte, error) {
	if int64(len(body)) > max {
		return nil, Errorf("", "the credential is larger than %d bytes", max)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, Errorf("", "no credential was posted")
	}
	var env credentialEnvelope
	if err := jsonv2.Unmarshal(body, &env); err != nil {
		return nil, Errorf("", "the credential is not a JSON object: %v", err)
	}
	if env.Type != "public-key" {
		return nil, Errorf("type", "want %q, got %q", "public-key", env.Type)
	}
	if env.ID == "" {
		return nil, Errorf("id", "missing")
	}
	id, err := base64.RawURLEncoding.Strict().DecodeString(env.ID)
	if err != nil {
		return nil, Errorf("id", "not unpadded base64url: %v", err)
	}
	if len(id) > passkey.MaxCredentialIDLength {
		return nil, Errorf("id", "%d bytes, more than WebAuthn's %d", len(id), passkey.MaxCredentialIDLength)
	}
	if env.RawID != env.ID {
		return nil, Errorf("rawId", "differs from id")
	}
	return id, nil
}

// ParseForm reads a posted HTML form of at most max bytes.
func ParseForm(w http.ResponseWriter, r *http.Request, max int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return Errorf("", "the form is larger than %d bytes", max)
		}
		return Errorf("", "the form does not parse: %v", err)
	}
	return nil
}

// CheckUPN checks a user principal name as the admin types it: a name, one
// @, a domain, nothing a person could not read back.
func CheckUPN(field, s string) (string, error) {
	// Lower-cased first: case folding can change a name's length.
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return "", Errorf(field, "missing")
	}
	if err := checkText(field, s); err != nil {
		return "", err
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return "", Errorf(field, "want a user principal name such as someone@contoso.example")
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return "", Errorf(field, "must not contain spaces")
	}
	return s, nil
}

// CheckDisplayName checks a person's display name.
func CheckDisplayName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Errorf(field, "missing")
	}
	if err := checkText(field, s); err != nil {
		return "", err
	}
	return s, nil
}

// MaxNameLength bounds user principal names and display names, in bytes.
// Entra allows 113 characters for a user principal name.
const MaxNameLength = 113

func checkText(field, s string) error {
	if len(s) > MaxNameLength {
		return Errorf(field, "%d bytes, more than %d", len(s), MaxNameLength)
	}
	if !utf8.ValidString(s) {
		return Errorf(field, "not valid UTF-8")
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }); i >= 0 {
		return Errorf(field, "unprintable character at byte %d", i)
	}
	return nil
}
