package passkey_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/catalog"
	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// catalogAAGUID returns the first catalog entry of kind k, so the tests
// name real models without typing AAGUIDs in.
func catalogAAGUID(t testing.TB, k catalog.Kind) catalog.Entry {
	t.Helper()
	for _, e := range catalog.All() {
		if e.Kind == k {
			return e
		}
	}
	t.Fatalf("the catalog lists no %s", k)
	return catalog.Entry{}
}

// goWebAuthnRow is the go-webauthn webauthn.Credential of a record, as
// encoding/json marshals it.
func goWebAuthnRow(t testing.TB, r *passkey.Record, mod func(*webauthn.Credential)) []byte {
	t.Helper()
	c := webauthn.Credential{
		ID: r.ID, PublicKey: r.PublicKey, AttestationFormat: r.Attestation.Format,
		Transport: nil,
		Flags: webauthn.CredentialFlags{UserPresent: true, UserVerified: r.UVInitialized,
			BackupEligible: r.BackupEligible, BackupState: r.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: r.AAGUID[:], SignCount: r.SignCount},
	}
	if mod != nil {
		mod(&c)
	}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	return b
}

func graphRow(aaguid uuid.UUID, attested bool, extra string) []byte {
	level := "notAttested"
	if attested {
		level = "attested"
	}
	return fmt.Appendf(nil, `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"m-%s","displayName":"key","aaGuid":"%s","model":"","attestationLevel":"%s"%s}`,
		aaguid.String()[:8], aaguid, level, extra)
}

// es384Key is a COSE_Key (RFC 9053 §7.1.1) for a fresh P-384 key, alg
// ES384 (-35): an algorithm keytier can read but does not recommend.
func es384Key(t testing.TB) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	pub, err := k.PublicKey.Bytes() // 0x04 || X || Y
	require.NoError(t, err)
	b, err := cbor.Marshal(map[int]any{1: 2, 3: -35, -1: 2, -2: pub[1:49], -3: pub[49:]})
	require.NoError(t, err)
	return b
}

type fleetCase struct {
	name string
	row  []byte
	// want checks the row's classification.
	want func(t *testing.T, r passkey.FleetRow)
}

// fleetCases are rows of every kind, made by the virtual authenticator,
// passkey.Verify and passkey.NewRecord, go-webauthn's own Credential type
// and Graph's wire form, with bad rows among them.
func fleetCases(t testing.TB) []fleetCase {
	securityKey := catalogAAGUID(t, catalog.KindSecurityKey)
	synced := catalogAAGUID(t, catalog.KindSyncedProvider)

	// A device-bound credential, attestation trusted through MDS: AAL3.
	packed := enroll(t, newAuthenticator(t, passkeytest.AttestationPacked, passkeytest.ES256), false, aal3Options(t))
	// A synced credential with no attestation, from a provider the
	// catalog lists.
	syncedAuth, err := passkeytest.New(passkeytest.Options{AAGUID: synced.AAGUID, Algorithm: passkeytest.EdDSA})
	require.NoError(t, err)
	syncedRec := enroll(t, syncedAuth, true, testOptions())
	// A security key the catalog lists, whose counter stays at 0 over a
	// real sign-in.
	keyAuth, err := passkeytest.New(passkeytest.Options{AAGUID: securityKey.AAGUID, Attestation: passkeytest.AttestationNone})
	require.NoError(t, err)
	reg, err := keyAuth.Register(passkeytest.RegisterOptions{RPID: testRPID, Origin: testOrigin, Challenge: testChallenge, UserVerified: true, UserHandle: []byte("user-0002")})
	require.NoError(t, err)
	c, err := passkey.Verify(reg.JSON, testOptions())
	require.NoError(t, err)
	stuck, err := passkey.NewRecord(c, []byte("user-0002"), signInTime.Add(-time.Hour))
	require.NoError(t, err)
	as, err := keyAuth.Assert(reg.Credential, passkeytest.AssertOptions{Origin: testOrigin, Challenge: signInChallenge, UserVerified: true})
	require.NoError(t, err)
	in, err := passkey.VerifyAssertion(as.JSON, stuck, assertOptions())
	require.NoError(t, err)
	stuck = in.Record
	require.EqualValues(t, 1, stuck.SignIns)

	marshal := func(r *passkey.Record) []byte {
		b, err := json.Marshal(r)
		require.NoError(t, err)
		return b
	}
	hasProblem := func(t *testing.T, r passkey.FleetRow, code passkey.ProblemCode) {
		t.Helper()
		codes := []passkey.ProblemCode{}
		for _, p := range r.Problems {
			codes = append(codes, p.Code)
		}
		assert.Contains(t, codes, code)
	}
	unreadable := func(code passkey.Code, where string) func(*testing.T, passkey.FleetRow) {
		return func(t *testing.T, r passkey.FleetRow) {
			require.NotNil(t, r.Err, "the row must be unreadable")
			assert.Equal(t, code, r.Err.Code)
			assert.Equal(t, where, r.Err.Where)
		}
	}

	return []fleetCase{
		{"keytier device-bound AAL3", marshal(packed.record), func(t *testing.T, r passkey.FleetRow) {
			require.Nil(t, r.Err)
			assert.Equal(t, passkey.SourceKeytier, r.Source)
			assert.Equal(t, packed.record.ID.String(), r.ID)
			assert.Equal(t, passkey.DeviceBound, r.PasskeyType)
			assert.Equal(t, passkey.High, r.Confidence)
			assert.Equal(t, assurance.AAL3, r.AAL)
			assert.Equal(t, passkey.AttestationTrusted, r.Attestation)
			assert.False(t, r.ProfileFails)
			// The test AAGUID is in no catalog, and no MDS was given to the fleet.
			hasProblem(t, r, passkey.ProblemAAGUIDUnknown)
		}},
		{"keytier synced AAL2", marshal(syncedRec.record), func(t *testing.T, r passkey.FleetRow) {
			require.Nil(t, r.Err)
			assert.Equal(t, synced.Name, r.Authenticator)
			assert.Equal(t, passkey.Synced, r.PasskeyType)
			assert.Equal(t, assurance.AAL2, r.AAL)
			assert.Equal(t, passkey.AttestationAbsent, r.Attestation)
			assert.EqualValues(t, -8, r.Algorithm)
			assert.True(t, r.ProfileFails, "a device-bound-only profile refuses a synced passkey")
			require.NotEmpty(t, r.ProfileReasons)
			assert.Equal(t, passkey.ReasonTypeNotAllowed, r.ProfileReasons[0].Code)
			assert.Empty(t, r.Problems)
		}},
		{"keytier security key, counter stuck after a sign-in", marshal(stuck), func(t *testing.T, r passkey.FleetRow) {
			require.Nil(t, r.Err)
			assert.Equal(t, securityKey.Name, r.Authenticator)
			hasProblem(t, r, passkey.ProblemSignCountStuck)
		}},
		{"line that is not JSON", []byte(`{"id": "AAAA", oops`), unreadable(passkey.CodeJSONInvalid, "input@15")},
		{"go-webauthn security key with counter 0", goWebAuthnRow(t, stuck, nil), func(t *testing.T, r passkey.FleetRow) {
			require.Nil(t, r.Err)
			assert.Equal(t, passkey.SourceGoWebAuthn, r.Source)
			assert.Equal(t, securityKey.Name, r.Authenticator)
			hasProblem(t, r, passkey.ProblemSignCountStuck)
			assert.Contains(t, r.Problems[0].Message, "never used")
		}},
		{"go-webauthn security key that counts", goWebAuthnRow(t, stuck, func(c *webauthn.Credential) { c.Authenticator.SignCount = 41 }), func(t *testing.T, r passkey.FleetRow) {
			require.Nil(t, r.Err)
			require.NotNil(t, r.SignCount)
			assert.EqualValues(t, 41, *r.SignCount)
			assert.Empty(t, r.Problems)
		}},
		{"go-webauthn row with a bad AAGUID", goWebAuthnRow(t, stuck, func(c *webauthn.Credential) { c.Authenticator.AAGUID = []byte{1, 2, 3} }),
			unreadable(passkey.CodeRecordInvalid, "authenticator.AAGUID")},
		{"go-webauthn ES384 key", goWebAuthnRow(t, syncedRec.record, func(c *webauthn.Credential) { c.PublicKey = es384Key(t) }), func(t *testing.T, r passkey.FleetRow) {
			require.Nil(t, r.Err)
			assert.EqualValues(t, -35, r.Algorithm)
			hasProblem(t, r, passkey.ProblemAlgorithmNotRecommended)
		}},
		{"go-webauthn BS without BE", goWebAuthnRow(t, stuck, func(c *webauthn.Credential) { c.Flags.BackupState = true }), func(t *testing.T, r passkey.FleetRow) {
			unreadable(passkey.CodeRecordInvalid, "backupState")(t, r)
			hasProblem(t, r, passkey.ProblemBackupStateWithoutEligibility)
		}},
		{"graph attested security key", graphRow(securityKey.AAGUID, true, ""), func(t *testing.T, r passkey.FleetRow) {
			require.Nil(t, r.Err)
			assert.Equal(t, passkey.SourceGraph, r.Source)
			assert.Equal(t, securityKey.Name, r.Authenticator)
			assert.Equal(t, passkey.DeviceBound, r.PasskeyType)
			assert.Equal(t, passkey.High, r.Confidence)
			assert.Equal(t, assurance.AAL3, r.AAL)
			assert.Nil(t, r.SignCount)
			assert.False(t, r.ProfileFails)
		}},
		{"graph synced provider", graphRow(synced.AAGUID, false, ""), func(t *testing.T, r passkey.FleetRow) {
			require.Nil(t, r.Err)
			assert.Equal(t, passkey.Synced, r.PasskeyType)
			assert.Equal(t, assurance.AAL2, r.AAL)
			assert.True(t, r.ProfileFails)
		}},
		{"graph row with a bad createdDateTime", graphRow(synced.AAGUID, false, `,"createdDateTime":"yesterday"`),
			unreadable(passkey.CodeJSONInvalid, "createdDateTime")},
		{"graph password method", []byte(`{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"p1"}`), func(t *testing.T, r passkey.FleetRow) {
			require.Nil(t, r.Err)
			assert.True(t, r.Skipped)
		}},
		{"a number, not an object", []byte(`42`), unreadable(passkey.CodeJSONInvalid, "")},
		{"record without a key", []byte(`{"id":"AAAA","source":"keytier"}`), unreadable(passkey.CodeRecordInvalid, "publicKey")},
	}
}

func TestClassifyRecordsJSONLines(t *testing.T) {
	cases := fleetCases(t)
	var in bytes.Buffer
	in.WriteString("\n") // a blank first line still counts as a line
	for _, c := range cases {
		in.Write(c.row)
		in.WriteString("\r\n")
	}
	for _, workers := range []int{1, 2, 7} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			var got []passkey.FleetRow
			for r := range passkey.ClassifyRecords(passkey.ReadRecords(bytes.NewReader(in.Bytes())), passkey.FleetOptions{Workers: workers}) {
				got = append(got, r)
			}
			require.Len(t, got, len(cases))
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					assert.Equal(t, i, got[i].Index)
					assert.Equal(t, i+2, got[i].Line, "lines count from 1, the blank first line included")
					assert.Equal(t, fmt.Sprintf("line %d", i+2), got[i].Position())
					c.want(t, got[i])
				})
			}
		})
	}
}

func TestClassifyRecordsArray(t *testing.T) {
	cases := fleetCases(t)
	// Drop the row that is not JSON: in an array it would end the input.
	cases = slices.DeleteFunc(cases, func(c fleetCase) bool { return !json.Valid(c.row) })
	var in bytes.Buffer
	in.WriteString("  [\n")
	for i, c := range cases {
		if i > 0 {
			in.WriteString(",\n")
		}
		in.Write(c.row)
	}
	in.WriteString("\n]\n")
	var got []passkey.FleetRow
	for r := range passkey.ClassifyRecords(passkey.ReadRecords(&in), passkey.FleetOptions{}) {
		got = append(got, r)
	}
	require.Len(t, got, len(cases))
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, i, got[i].Index)
			assert.Zero(t, got[i].Line)
			assert.Equal(t, fmt.Sprintf("[%d]", i), got[i].Position())
			c.want(t, got[i])
		})
	}
}

func TestFleetSummary(t *testing.T) {
	cases := fleetCases(t)
	var in bytes.Buffer
	for _, c := range cases {
		in.Write(c.row)
		in.WriteByte('\n')
	}
	var s passkey.FleetSummary
	var rows []passkey.FleetRow
	for r := range passkey.ClassifyRecords(passkey.ReadRecords(&in), passkey.FleetOptions{}) {
		s.Add(r)
		rows = append(rows, r)
	}
	// Count independently of Add, from the rows.
	var unreadable, skipped, fails int
	byType := map[passkey.PasskeyType]int{}
	byAAL := map[assurance.Level]int{}
	for _, r := range rows {
		switch {
		case r.Err != nil:
			unreadable++
		case r.Skipped:
			skipped++
		default:
			byType[r.PasskeyType]++
			byAAL[r.AAL]++
			if r.PasskeyType != passkey.DeviceBound {
				fails++
			}
		}
	}
	assert.Equal(t, len(cases), s.Rows)
	assert.Equal(t, 6, unreadable)
	assert.Equal(t, unreadable, s.Unreadable)
	assert.Equal(t, skipped, s.Skipped)
	assert.Equal(t, len(cases)-unreadable-skipped, s.Credentials)
	assert.Equal(t, byType, s.ByPasskeyType)
	assert.Equal(t, byAAL, s.ByAAL)
	assert.Equal(t, fails, s.ProfileFails, "the device-bound-only profile refuses exactly the passkeys that are not device-bound")
	assert.InDelta(t, float64(fails)/float64(s.Credentials), s.ProfileFailShare(), 1e-9)
	assert.Equal(t, 1, s.ByProblem[passkey.ProblemBackupStateWithoutEligibility])
	total := 0
	for _, c := range s.Authenticators() {
		total += c.Count
	}
	assert.Equal(t, s.Credentials, total)
}

// TestFleetSummaryBoundsNames: a fleet of invented authenticator names
// cannot grow the summary without bound.
func TestFleetSummaryBoundsNames(t *testing.T) {
	var s passkey.FleetSummary
	for i := range passkey.MaxFleetAuthenticators + 50 {
		s.Add(passkey.FleetRow{Authenticator: fmt.Sprint("model ", i)})
	}
	assert.Len(t, s.ByAuthenticator, passkey.MaxFleetAuthenticators+1)
	assert.Equal(t, 50, s.ByAuthenticator[passkey.FleetOtherAuthenticators])
}

func TestClassifyRecordsWithMDS(t *testing.T) {
	securityKey := catalogAAGUID(t, catalog.KindSecurityKey)
	blob := mdsFor(t, mdstest.Authenticator{
		AAGUID: testAAGUID, Description: "keytier Test Key",
		KeyProtection: []string{"hardware", "secure_element"}, AttachmentHint: []string{"external", "wired"},
		Status: []mdstest.Status{{Status: "REVOKED", EffectiveDate: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}, time.Now().AddDate(0, 1, 0))
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	e := enroll(t, a, false, testOptions())
	rows := string(goWebAuthnRow(t, e.record, func(c *webauthn.Credential) { c.Authenticator.SignCount = 0 })) + "\n" +
		string(graphRow(securityKey.AAGUID, true, "")) + "\n"
	var got []passkey.FleetRow
	for r := range passkey.ClassifyRecords(passkey.ReadRecords(strings.NewReader(rows)), passkey.FleetOptions{Models: passkey.Models{MDS: blob}}) {
		got = append(got, r)
	}
	require.Len(t, got, 2)
	require.Nil(t, got[0].Err)
	assert.Equal(t, "keytier Test Key", got[0].Authenticator, "MDS names the model the catalog does not know")
	var codes []passkey.ProblemCode
	for _, p := range got[0].Problems {
		codes = append(codes, p.Code)
	}
	// MDS knows the AAGUID, says it is revoked, and describes a roaming
	// hardware key: its counter at 0 is suspicious.
	assert.ElementsMatch(t, []passkey.ProblemCode{passkey.ProblemAuthenticatorRevoked, passkey.ProblemSignCountStuck}, codes)
	assert.Empty(t, got[1].Problems)
}

func TestReadRecordsLimits(t *testing.T) {
	huge := `{"id":"` + strings.Repeat("A", passkey.MaxFleetRowSize+128<<10) + `"}`
	t.Run("JSON Lines: a long line costs one row", func(t *testing.T) {
		in := "{}\n" + huge + "\n42\n"
		var got []error
		var lines []int
		for row, err := range passkey.ReadRecords(strings.NewReader(in)) {
			got = append(got, err)
			lines = append(lines, row.Line)
		}
		require.Len(t, got, 3)
		assert.NoError(t, got[0])
		assert.Equal(t, passkey.CodeInputTooLarge, passkey.CodeOf(got[1]))
		assert.NoError(t, got[2])
		assert.Equal(t, []int{1, 2, 3}, lines)
	})
	t.Run("array: a huge element ends the input", func(t *testing.T) {
		in := "[{}, " + huge + ", {}]"
		var got []error
		for _, err := range passkey.ReadRecords(strings.NewReader(in)) {
			got = append(got, err)
		}
		require.Len(t, got, 2)
		assert.NoError(t, got[0])
		assert.Equal(t, passkey.CodeInputTooLarge, passkey.CodeOf(got[1]))
	})
	t.Run("array: a syntax error names the element", func(t *testing.T) {
		var rows []passkey.RecordRow
		var errs []error
		for row, err := range passkey.ReadRecords(strings.NewReader(`[{}, {"a": }, {}]`)) {
			rows = append(rows, row)
			errs = append(errs, err)
		}
		require.Len(t, errs, 2)
		assert.Equal(t, 1, rows[1].Index)
		assert.Equal(t, passkey.CodeJSONInvalid, passkey.CodeOf(errs[1]))
	})
	t.Run("empty", func(t *testing.T) {
		for range passkey.ReadRecords(strings.NewReader(" \n\t")) {
			t.Fatal("an empty input has no rows")
		}
	})
}

// TestClassifyRecordsStopsEarly: a consumer that stops does not leak the
// reading and classifying goroutines, and sees rows in order.
func TestClassifyRecordsStopsEarly(t *testing.T) {
	var in bytes.Buffer
	for range 5000 {
		in.WriteString("{}\n")
	}
	n := 0
	for r := range passkey.ClassifyRecords(passkey.ReadRecords(&in), passkey.FleetOptions{Workers: 2}) {
		require.Equal(t, n, r.Index)
		n++
		if n == 300 {
			break
		}
	}
	assert.Equal(t, 300, n)
}

// Classify a relying party's stored passkeys, a row at a time: here two
// Graph fido2AuthenticationMethod rows and a row that is not JSON, as JSON
// Lines. A keytier Record or a go-webauthn webauthn.Credential row reads
// the same way.
func ExampleClassifyRecords() {
	rows := `{"id":"a","aaGuid":"2fc0579f-8113-47ea-b116-bb5a8db9202a","attestationLevel":"attested"}
{"id":"b","aaGuid":"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4","attestationLevel":"notAttested"}
{"id":"c",
`
	var sum passkey.FleetSummary
	for r := range passkey.ClassifyRecords(passkey.ReadRecords(strings.NewReader(rows)), passkey.FleetOptions{}) {
		sum.Add(r)
		if r.Err != nil {
			fmt.Println(r.Position(), r.Err.Code)
			continue
		}
		fmt.Println(r.Position(), r.Authenticator, r.PasskeyType, r.AAL, r.ProfileFails)
	}
	fmt.Printf("%d of %d would fail a device-bound-only profile\n", sum.ProfileFails, sum.Credentials)
	// Output:
	// line 1 YubiKey 5 Series with NFC deviceBound AAL3 false
	// line 2 Google Password Manager synced AAL2 true
	// line 3 json_invalid
	// 1 of 2 would fail a device-bound-only profile
}

// TestReadRecordsSnapshot: a tenant snapshot's passkeys are rows, placed by
// their path; other methods and members are passed over, one bad method
// costs its row.
func TestReadRecordsSnapshot(t *testing.T) {
	securityKey := catalogAAGUID(t, catalog.KindSecurityKey)
	synced := catalogAAGUID(t, catalog.KindSyncedProvider)
	big := `"` + strings.Repeat("g", passkey.MaxFleetRowSize) + `"`
	doc := fmt.Sprintf(`{
  "tenant": {"id": "t", "displayName": "T"},
  "capturedAt": "2026-06-01T09:00:00Z",
  "groups": [{"id": "g", "displayName": %s, "members": []}],
  "users": [
    {"id": "u0", "userPrincipalName": "a@x", "authenticationMethods": [
      {"@odata.type": "#microsoft.graph.passwordAuthenticationMethod", "id": "p"},
      %s]},
    {"id": "u1", "userPrincipalName": "b@x", "authenticationMethods": [
      {"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "bad", "aaGuid": "nope"},
      %s]},
    {"id": "u2", "userPrincipalName": "c@x", "authenticationMethods": []}
  ],
  "roleAssignments": []
}`, big, graphRow(securityKey.AAGUID, true, ""), graphRow(synced.AAGUID, false, ""))
	var got []passkey.FleetRow
	for r := range passkey.ClassifyRecords(passkey.ReadRecords(strings.NewReader(doc)), passkey.FleetOptions{}) {
		got = append(got, r)
	}
	require.Len(t, got, 3)
	assert.Equal(t, "users.0.authenticationMethods.1", got[0].Position())
	assert.Equal(t, securityKey.Name, got[0].Authenticator)
	assert.Equal(t, assurance.AAL3, got[0].AAL)
	assert.Equal(t, "users.1.authenticationMethods.0", got[1].Position())
	require.NotNil(t, got[1].Err)
	assert.Equal(t, passkey.CodeAAGUIDInvalid, got[1].Err.Code)
	assert.Equal(t, "aaGuid", got[1].Err.Where)
	assert.Equal(t, "users.1.authenticationMethods.1", got[2].Position())
	assert.Equal(t, passkey.Synced, got[2].PasskeyType)
	for i, r := range got {
		assert.Equal(t, i, r.Index)
	}

	// A truncated snapshot says so after the rows it could read.
	var errs []error
	for _, err := range passkey.ReadRecords(strings.NewReader(doc[:len(doc)-40])) {
		errs = append(errs, err)
	}
	require.NotEmpty(t, errs)
	assert.Equal(t, passkey.CodeJSONInvalid, passkey.CodeOf(errs[len(errs)-1]))
}
