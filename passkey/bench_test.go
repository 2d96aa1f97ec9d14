package passkey_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// BenchmarkVerify compares, on the same registration responses, keytier's
// Verify followed by Classify against go-webauthn's own parse and Verify
// (the work keytier builds on). Run side by side:
//
//	go test ./passkey -run '^$' -bench Verify -benchmem -count 6 > verify.txt
//	benchstat -col /impl verify.txt
func BenchmarkVerify(b *testing.B) {
	for _, tc := range []struct {
		name string
		att  passkeytest.Attestation
	}{
		{"none", passkeytest.AttestationNone},
		{"packed-self", passkeytest.AttestationPackedSelf},
		{"packed-x5c", passkeytest.AttestationPacked},
	} {
		a := newAuthenticator(b, tc.att, passkeytest.ES256)
		data := register(b, a, nil)
		opts := testOptions()
		b.Run(tc.name+"/impl=keytier", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c, err := passkey.Verify(data, opts)
				if err != nil {
					b.Fatal(err)
				}
				_ = c.Classify()
			}
		})
		b.Run(tc.name+"/impl=go-webauthn", func(b *testing.B) {
			b.ReportAllocs()
			challenge := base64.RawURLEncoding.EncodeToString(testChallenge)
			params := []protocol.CredentialParameter{
				{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgEdDSA},
				{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256},
				{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgRS256},
			}
			for b.Loop() {
				p, err := protocol.ParseCredentialCreationResponseBytes(data)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.Verify(challenge, testRPID, []string{testOrigin}, nil, nil, protocol.TopOriginExplicitVerificationMode,
					false, false, true, nil, params, protocol.AttestationPolicy{}, protocol.SignaturePolicy{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInspect decodes real registrations without verification.
func BenchmarkInspect(b *testing.B) {
	for _, name := range []string{"wasmo-icloud-keychain-none", "yubico-yubikey-5ci-packed", "pywebauthn-windows-hello-tpm-rsa-surface-pro-4"} {
		s, err := samples.Get(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(s.Registration)))
			for b.Loop() {
				if _, err := passkey.Inspect(s.Registration); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyAssertion compares, on the same sign-ins, keytier's
// VerifyAssertion (§7.2 with the record's flags and counter, and the
// updated record) against go-webauthn's own parse and assertion Verify,
// for the three recommended algorithms. Run side by side:
//
//	go test ./passkey -run '^$' -bench VerifyAssertion -benchmem -count 6 > assert.txt
//	benchstat -col /impl assert.txt
func BenchmarkVerifyAssertion(b *testing.B) {
	for _, alg := range []passkeytest.Algorithm{passkeytest.ES256, passkeytest.RS256, passkeytest.EdDSA} {
		a, err := passkeytest.New(passkeytest.Options{Algorithm: alg})
		if err != nil {
			b.Fatal(err)
		}
		e := enroll(b, a, true, testOptions())
		data := e.assert(b, nil)
		opts := assertOptions()
		b.Run(alg.String()+"/impl=keytier", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := passkey.VerifyAssertion(data, e.record, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg.String()+"/impl=go-webauthn", func(b *testing.B) {
			b.ReportAllocs()
			challenge := base64.RawURLEncoding.EncodeToString(opts.Challenge)
			for b.Loop() {
				par, err := protocol.ParseCredentialRequestResponseBytes(data)
				if err != nil {
					b.Fatal(err)
				}
				err = par.Verify(challenge, opts.RPID, "", opts.Origins, nil, nil, protocol.TopOriginExplicitVerificationMode,
					false, false, true, e.record.PublicKey, protocol.SignaturePolicy{})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseRecord reads one stored credential as keytier writes it
// and as go-webauthn does (the per-row cost of `keytier fleet`).
func BenchmarkParseRecord(b *testing.B) {
	a, err := passkeytest.New(passkeytest.Options{Algorithm: passkeytest.ES256, AAGUID: testAAGUID, Attestation: passkeytest.AttestationPacked})
	if err != nil {
		b.Fatal(err)
	}
	e := enroll(b, a, false, testOptions())
	keytierRow, err := json.Marshal(e.record)
	if err != nil {
		b.Fatal(err)
	}
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: testRPID, Origin: testOrigin, Challenge: testChallenge, UserVerified: true})
	if err != nil {
		b.Fatal(err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(reg.JSON)
	if err != nil {
		b.Fatal(err)
	}
	wc, err := webauthn.NewCredential(nil, parsed)
	if err != nil {
		b.Fatal(err)
	}
	goRow, err := json.Marshal(wc)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		row  []byte
	}{{"keytier", keytierRow}, {"go-webauthn", goRow}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := passkey.ParseRecord(tc.row); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClassifyRow is ClassifyRecords' cost per row of each source,
// one worker, the reading included: a keytier record, a go-webauthn row
// and a Graph method from fleetCases, each repeated as 256 lines of JSON
// Lines. `keytier fleet` over a million rows is this, on two workers, plus
// the report (docs/benchmarks.md).
func BenchmarkClassifyRow(b *testing.B) {
	rows := map[string][]byte{}
	for _, c := range fleetCases(b) {
		switch c.name {
		case "keytier device-bound AAL3":
			rows["keytier"] = c.row
		case "go-webauthn security key that counts":
			rows["go-webauthn"] = c.row
		case "graph attested security key":
			rows["graph"] = c.row
		}
	}
	for _, name := range []string{"keytier", "go-webauthn", "graph"} {
		b.Run(name, func(b *testing.B) {
			const n = 256
			in := bytes.Repeat(append(bytes.Clone(rows[name]), '\n'), n)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				got := 0
				for r := range passkey.ClassifyRecords(passkey.ReadRecords(bytes.NewReader(in)), passkey.FleetOptions{Workers: 1}) {
					if r.Err != nil {
						b.Fatal(r.Err)
					}
					got++
				}
				if got != n {
					b.Fatalf("%d rows, want %d", got, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}
