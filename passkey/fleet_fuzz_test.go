package passkey_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// FuzzReadRecords: whatever the input, the row reader and the classifier
// neither panic nor hand out a row past the limit; every failure is an
// *Error; rows come in order.
func FuzzReadRecords(f *testing.F) {
	for _, s := range []string{
		"", "\n\n", "[]", "[{}]", "[{},{\"a\":1}]", "[{}, {\"a\": }]", "{}\n{}\n", "{}\r\n42\n\"x\"\n",
		`{"id":"AAAA","publicKey":"pQECAyYgASFYIG3Zu7Xvy2S5Yffjl_n4Q57BKuVZHHRlrtjL21Lx2-EYIlggCIX_gWvSBm5wAtKa55ATV5Ny9UmU4rmsP6CIUULh7O0","source":"keytier"}`,
		`{"id":"AAAA","publicKey":"AAAA","flags":{"backupState":true},"authenticator":{"AAGUID":"AAAAAAAAAAAAAAAAAAAAAA==","signCount":0}}`,
		`[{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","aaGuid":"cb69481e-8ff7-4039-93ec-0a2729a154a8","attestationLevel":"attested"}]`,
		`{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod"}`,
		"[[[[[[[[[[", "[1,2,3", "{\"a\":\"\\u00\"}\n",
		`{"tenant":{"id":"t"},"groups":[{"id":"g","members":["a"]}],"users":[{"id":"u","authenticationMethods":[{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","aaGuid":"cb69481e-8ff7-4039-93ec-0a2729a154a8"},{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod"}]},{"id":"v","authenticationMethods":7}]}`,
		`{"users":[{"authenticationMethods":[{"aaGuid":1}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		next := 0
		for row, err := range passkey.ReadRecords(bytes.NewReader(data)) {
			if len(row.JSON) > passkey.MaxFleetRowSize {
				t.Fatalf("row %d: %d bytes, over the limit", row.Index, len(row.JSON))
			}
			if err != nil {
				var e *passkey.Error
				if !errors.As(err, &e) {
					t.Fatalf("row %d: %T is not an *Error: %v", row.Index, err, err)
				}
			}
			if row.Index != next {
				t.Fatalf("row index %d, want %d", row.Index, next)
			}
			next++
		}
		var s passkey.FleetSummary
		for r := range passkey.ClassifyRecords(passkey.ReadRecords(bytes.NewReader(data)), passkey.FleetOptions{Workers: 1}) {
			s.Add(r)
		}
		if s.Rows != next {
			t.Fatalf("classified %d rows, read %d", s.Rows, next)
		}
		if s.Credentials+s.Unreadable+s.Skipped != s.Rows {
			t.Fatalf("summary does not add up: %+v", s)
		}
	})
}

// FuzzFleetFastPath holds the fleet's one-decode path to the path that
// names errors: wherever the fast path gives a verdict, the slow path
// gives the same one, so the speed changes no row of a report.
func FuzzFleetFastPath(f *testing.F) {
	for _, row := range fleetSeedRows(f) {
		f.Add(row)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok, slow := passkey.FleetRowPaths(data, passkey.FleetOptions{Workers: 1})
		if !ok {
			return
		}
		if fast.Err != nil {
			t.Fatalf("the fast path gave an error: %v", fast.Err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("the paths disagree on %q:\nfast %+v\nslow %+v", data, fast, slow)
		}
	})
}

// fleetSeedRows are the rows of fleetCases and rows made to sit on the
// fast path's edges: a Graph start with a broken rest, a record that names
// Graph members below its top level or through escapes, a repeated member.
func fleetSeedRows(f *testing.F) [][]byte {
	var rows [][]byte
	for _, c := range fleetCases(f) {
		rows = append(rows, c.row)
	}
	for _, s := range []string{
		`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"m","aaGuid":"cb69481e-8ff7-4039-93ec-0a2729a154a8"}`,
		`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","aaGuid":"cb69481e"`,
		`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","@odata.type":"#microsoft.graph.fido2AuthenticationMethod"}`,
		`{"@odata.type":null,"id":"m"}`,
		`{"\u0061aGuid":"cb69481e-8ff7-4039-93ec-0a2729a154a8","id":"m"}`,
		`{"id":"AAAA","publicKey":"pQECAyYgASFYIG3Zu7Xvy2S5Yffjl_n4Q57BKuVZHHRlrtjL21Lx2-EYIlggCIX_gWvSBm5wAtKa55ATV5Ny9UmU4rmsP6CIUULh7O0","evidence":{"aaGuid":"x"},"source":"keytier"}`,
		`{"id":"AA\u0041A","publicKey":"pQECAyYgASFYIG3Zu7Xvy2S5Yffjl_n4Q57BKuVZHHRlrtjL21Lx2-EYIlggCIX_gWvSBm5wAtKa55ATV5Ny9UmU4rmsP6CIUULh7O0"}`,
		`{"id":"AAAA","id":"AAAA"}`,
		`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","x":[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}`,
		`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","value":{"id":"m"}}`,
		`{"value":{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","aaGuid":"cb69481e-8ff7-4039-93ec-0a2729a154a8"}}`,
	} {
		rows = append(rows, []byte(s))
	}
	return rows
}

// FuzzRecordFastPath holds ParseRecord's fast path to json/v2's reader:
// wherever the fast path reads a record, json/v2 reads the same one.
func FuzzRecordFastPath(f *testing.F) {
	for _, row := range fleetSeedRows(f) {
		f.Add(row)
	}
	// A record with events: a backup-eligible key that was then backed up.
	e := enroll(f, newAuthenticator(f, passkeytest.AttestationNone, passkeytest.ES256), true, testOptions())
	in, err := passkey.VerifyAssertion(e.assert(f, func(o *passkeytest.AssertOptions) { o.BackedUp = true }), e.record, assertOptions())
	if err != nil {
		f.Fatal(err)
	}
	if len(in.Record.Events) == 0 {
		f.Fatal("the sign-in left no event")
	}
	withEvents, err := json.Marshal(in.Record)
	if err != nil {
		f.Fatal(err)
	}
	goRow := goWebAuthnRow(f, e.record, nil)
	for _, row := range [][]byte{withEvents, goRow} {
		if _, ok, _, _ := passkey.RecordPaths(row); !ok {
			f.Fatalf("the fast path declines a row keytier or go-webauthn wrote:\n%s", row)
		}
	}
	f.Add(withEvents)
	f.Add(goRow)
	for _, edit := range [][2]string{
		{`"flags":{`, `"flags":{"future":[true],`},
		{`"authenticator":{`, `"authenticator":{"AAGUID":null,"x":1,`},
		{`"id":"`, `"id":"\u0041`},
		{`"attestation":{`, `"attestation":{"object":"AAAA",`},
		{`"transport":`, `"signCount":1,"transport":`},
	} {
		f.Add(bytes.Replace(goRow, []byte(edit[0]), []byte(edit[1]), 1))
	}
	for _, edit := range [][2]string{
		{`"source":"keytier"`, `"source":"keytier","extra":{"a":[1,2,{"b":null}]}`},
		{`"signCount":`, `"signCount":-`},
		{`"backupEligible":true`, `"backupEligible":null`},
		{`"rpId":"`, `"rpId":"\u00e9`},
		{`"transports":[`, `"transports":[],"x":[`},
		{`Z"`, `+00:00"`},
		{`"registeredAt":"`, `"registeredAt":"2026-13-01T00:00:00Z","y":"`},
	} {
		f.Add(bytes.Replace(withEvents, []byte(edit[0]), []byte(edit[1]), 1))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok, slow, err := passkey.RecordPaths(data)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("the fast path read a record json/v2 refuses: %v\n%s", err, data)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("the readers disagree on %s:\nfast %+v\nslow %+v", data, fast, slow)
		}
	})
}
