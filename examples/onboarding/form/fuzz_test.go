package form

import (
	"bytes"
	"errors"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// maxAssertionBody is the portal's bound on a posted sign-in response.
const maxAssertionBody = 16 << 10

// FuzzReadCredential feeds the posted-credential reader, and what follows it
// on the two finish endpoints (go-webauthn's assertion parser, keytier's
// registration decoder), arbitrary bytes: they must answer with an error or a
// result, never panic, and the reader's errors must be InputErrors.
func FuzzReadCredential(f *testing.F) {
	a, err := passkeytest.New(passkeytest.Options{Attestation: passkeytest.AttestationPackedSelf})
	if err != nil {
		f.Fatal(err)
	}
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: "localhost", Origin: "http://localhost:8080", Challenge: []byte("0123456789abcdef"), UserHandle: []byte("u")})
	if err != nil {
		f.Fatal(err)
	}
	as, err := a.Assert(reg.Credential, passkeytest.AssertOptions{Origin: "http://localhost:8080", Challenge: []byte("0123456789abcdef")})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{
		reg.JSON, as.JSON, nil, []byte("{}"), []byte("[]"), []byte("null"),
		[]byte(`{"id":"AAAA","rawId":"AAAA","type":"public-key"}`),
		[]byte(`{"id":"AAAA","id":"AAAA","rawId":"AAAA","type":"public-key"}`),
		[]byte(`{"id":"AA==","rawId":"AA==","type":"public-key"}`),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, id, err := ReadCredential(bytes.NewReader(body), maxAssertionBody)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T) is not an *InputError", err, err)
			}
			return
		}
		if !bytes.Equal(got, body) {
			t.Fatal("readCredential changed the body")
		}
		if len(id) > passkey.MaxCredentialIDLength {
			t.Fatalf("accepted a %d-byte credential id", len(id))
		}
		protocol.ParseCredentialRequestResponseBytes(body)
		passkey.Inspect(body)
	})
}

// FuzzUserFields checks the admin form's validators: no panic, and what they
// accept they accept again unchanged and keep within the limits.
func FuzzUserFields(f *testing.F) {
	for _, s := range []string{"sam@contoso.example", " Sam@Contoso.Example ", "x", "@", "a@b@c", "a b@c", "Zoë Ångström", "\x00", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if upn, err := CheckUPN("upn", s); err == nil {
			again, err := CheckUPN("upn", upn)
			if err != nil || again != upn {
				t.Fatalf("CheckUPN(%q) = %q, then %q, %v", s, upn, again, err)
			}
			if len(upn) > MaxNameLength {
				t.Fatalf("accepted a %d-byte name", len(upn))
			}
		}
		if name, err := CheckDisplayName("display_name", s); err == nil {
			again, err := CheckDisplayName("display_name", name)
			if err != nil || again != name {
				t.Fatalf("CheckDisplayName(%q) = %q, then %q, %v", s, name, again, err)
			}
		}
	})
}
