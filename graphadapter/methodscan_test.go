package graphadapter_test

import (
	"os"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/internal/gendemo"
)

// scanCases are methods the fast path must either read exactly as the
// decoder does or leave to it: Graph's shapes, and the shapes around them.
var scanCases = []string{
	`{}`,
	` { } `,
	`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"a","displayName":"Key","createdDateTime":"2025-11-26T02:46:28Z","aaGuid":"2fc0579f-8113-47ea-b116-bb5a8db9202a","model":"YubiKey 5","attestationCertificates":["e9f0"],"attestationLevel":"attested"}`,
	`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"a","attestationCertificates":[]}`,
	`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"a","attestationCertificates":null}`,
	`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"a","attestationCertificates":[1]}`,
	`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"a","attestationCertificates":["a",null]}`,
	`{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"p","phoneNumber":"+1 555","phoneType":"mobile","smsSignInState":"ready"}`,
	`{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"p","phoneNumber":null,"displayName":null,"createdDateTime":null}`,
	`{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod","id":"t","startDateTime":"2026-06-01T09:00:00Z","lifetimeInMinutes":60,"isUsableOnce":true,"isUsable":false,"methodUsabilityReason":"Expired","temporaryAccessPass":null}`,
	`{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod","id":"t","lifetimeInMinutes":0,"isUsable":null}`,
	`{"id":"t","lifetimeInMinutes":-5}`,
	`{"id":"t","lifetimeInMinutes":60.0}`,
	`{"id":"t","lifetimeInMinutes":6e1}`,
	`{"id":"t","lifetimeInMinutes":99999999999999999999}`,
	`{"id":"t","lifetimeInMinutes":"60"}`,
	`{"id":"t","isUsable":"true"}`,
	`{"id":"t","isUsable":1}`,
	`{"id":"t","startDateTime":"2026-06-01T09:00:00+02:00"}`,
	`{"id":"t","startDateTime":"2026-06-01T09:00:00.5Z"}`,
	`{"id":"t","createdDateTime":"2022-06-02T16:21:09.5893903Z"}`,
	`{"id":"t","createdDateTime":"2022-06-02T16:21:09.123456789Z"}`,
	`{"id":"t","createdDateTime":"2022-06-02T16:21:09.1234567891Z"}`,
	`{"id":"t","createdDateTime":"2022-06-02T16:21:09.Z"}`,
	`{"id":"t","createdDateTime":"2022-06-02T16:21:09,5Z"}`,
	`{"id":"t","createdDateTime":"2022-06-02T16:21:60Z"}`,
	`{"id":"t","startDateTime":"2026-13-01T09:00:00Z"}`,
	`{"id":"t","startDateTime":"2026-02-30T09:00:00Z"}`,
	`{"id":"t","startDateTime":"2026-06-01T24:00:00Z"}`,
	`{"id":"t","startDateTime":"2026-06-01t09:00:00z"}`,
	`{"id":"t","startDateTime":20260601}`,
	`{"id":"t","createdDateTime":"\u0032026-06-01T09:00:00Z"}`,
	`{"id":"a\"b\\c\u00e9","displayName":"\ud83d\ude00"}`,
	`{"id":"a","ID":"b"}`,
	`{"id":"a","AaGuid":"x"}`,
	`{"\u0069d":"b"}`,
	`{"id":"a","extra":{"x":[1,{"y":"}"}],"z":null},"more":[true,false,-1.5e3,"]"],"n":12}`,
	`{"id":"a","u1":1,"u2":2,"u3":3,"u4":4,"u5":5,"u6":6,"u7":7,"u8":8,"u9":9}`,
	`{"id":"a","keyStrength":"normal","platform":"macOS","deviceTag":"SoftwareTokenActivated","phoneAppVersion":"6.2","emailAddress":"a@b"}`,
	`{"id":"a","keyStrength":1}`,
	`{"id":"a","model":{}}`,
	`{"id":"a","aaGuid":[]}`,
	`[]`,
	`"x"`,
	`null`,
}

// TestScanUnionMatchesDecoder holds the fast path of method decoding to the
// decoder's results: whenever it reads a method, the decoder reads the
// same values without error. Every method of a generated tenant and of the
// Graph documentation's examples must take the fast path.
func TestScanUnionMatchesDecoder(t *testing.T) {
	check := func(t *testing.T, raw []byte) bool {
		t.Helper()
		fast, slow, ok, err := graphadapter.DecodeMethodBothWays(raw)
		if ok {
			require.NoError(t, err, "fast path read what the decoder refuses: %s", raw)
			require.Equal(t, slow, fast, "%s", raw)
		}
		return ok
	}
	for _, c := range scanCases {
		require.True(t, jsontext.Value(c).IsValid(), c)
		check(t, []byte(c))
	}

	data, err := os.ReadFile("testdata/graph-docs.json")
	require.NoError(t, err)
	docs, err := graphadapter.Load(data)
	require.NoError(t, err)
	s := gendemo.Generate(gendemo.GenerateOptions{Users: 3000, Seed: 7})
	n := 0
	for _, snap := range []*graphadapter.Snapshot{docs, s} {
		for _, u := range snap.Users {
			for _, m := range u.Methods {
				require.True(t, check(t, m.Raw), "Graph's shape left to the slow path: %s", m.Raw)
				n++
			}
		}
	}
	require.Greater(t, n, 3000)
}

// FuzzScanUnion: on any valid JSON, the fast path either declines or reads
// what the decoder reads.
func FuzzScanUnion(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !jsontext.Value(raw).IsValid() {
			return
		}
		fast, slow, ok, err := graphadapter.DecodeMethodBothWays(raw)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast path read what the decoder refuses (%v): %s", err, raw)
		}
		require.Equal(t, slow, fast, "%s", raw)
	})
}
