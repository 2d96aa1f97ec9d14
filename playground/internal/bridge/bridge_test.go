package bridge

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
)

func TestOptions(t *testing.T) {
	opts, err := Settings{}.Options()
	if opts != nil || err != nil {
		t.Errorf("zero Settings: %v, %v; want no verification", opts, err)
	}
	for _, s := range []Settings{
		{RPID: "example.com"},
		{RPID: "example.com", Origin: "https://example.com"},
		{Origin: "https://example.com", Challenge: "AAAA"},
	} {
		if _, err := s.Options(); !errors.Is(err, ErrIncomplete) {
			t.Errorf("%+v: err = %v, want ErrIncomplete", s, err)
		}
	}
	if _, err := (Settings{CrossOrigin: true}).Options(); err == nil {
		t.Error("cross-origin without verification settings: no error")
	}
	if _, err := (Settings{RPID: "example.com", Origin: "https://example.com", Challenge: "not base64!"}).Options(); err == nil {
		t.Error("a challenge that is not base64url: no error")
	}
	opts, err = Settings{RPID: "example.com", Origin: "https://example.com", Challenge: "AQID", TopOrigins: []string{"https://top.example"}}.Options()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(opts.Challenge, []byte{1, 2, 3}) || !opts.AllowCrossOrigin || opts.RPID != "example.com" ||
		!slices.Equal(opts.Origins, []string{"https://example.com"}) || !slices.Equal(opts.Algorithms, passkey.SupportedAlgorithms()) {
		t.Errorf("options = %+v", opts)
	}
}

// TestSamplesRoundTrip: what the page gets for a sample, sent back as the
// page sends it, gives the report the CLI gives for that sample.
func TestSamplesRoundTrip(t *testing.T) {
	b, err := MarshalSamples()
	if err != nil {
		t.Fatal(err)
	}
	var page []Sample
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	all, err := samples.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != len(all) {
		t.Fatalf("%d samples for the page, %d embedded", len(page), len(all))
	}
	for i, s := range all {
		ps := page[i]
		if ps.Name != s.Name || ps.Registration != string(s.Registration) || ps.RPID != s.RPID ||
			ps.Origin != s.Origin || ps.Challenge != s.Challenge || ps.CrossOrigin != s.CrossOrigin {
			t.Errorf("sample %s changed on its way to the page", s.Name)
			continue
		}
		got, err := Analyze(ps.Registration, ps.Settings)
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		// The options `keytier inspect --sample` uses, built here.
		ch, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s.Challenge, "="))
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		want := passkey.Analyze(s.Registration, &passkey.VerifyOptions{
			RPID: s.RPID, Origins: []string{s.Origin}, Challenge: ch, Algorithms: passkey.SupportedAlgorithms(),
			TopOrigins: s.TopOrigins, AllowCrossOrigin: s.CrossOrigin || len(s.TopOrigins) > 0,
		})
		if summary(got) != summary(want) {
			t.Errorf("%s: %s, want %s", s.Name, summary(got), summary(want))
		}
	}
}

func summary(r passkey.Report) string {
	s := fmt.Sprintf("ok=%v", r.OK)
	if r.Error != nil {
		s += " error=" + string(r.Error.Code)
	}
	if r.Assurance != nil {
		s += " aal=" + r.Assurance.AAL.String()
	}
	if r.Credential != nil {
		s += " type=" + string(r.Credential.PasskeyType)
	}
	return s
}
