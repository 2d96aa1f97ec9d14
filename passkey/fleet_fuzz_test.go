package passkey_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/keytier/keytier/passkey"
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
