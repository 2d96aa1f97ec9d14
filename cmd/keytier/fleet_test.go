package main

import (
	"bytes"
	"crypto/x509"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/catalog"
	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/passkey/passkeytest"
)

const (
	fleetRPID   = "login.example.com"
	fleetOrigin = "https://login.example.com"
)

var (
	fleetChallenge  = []byte("keytier fleet test challenge")
	fleetTestAAGUID = uuid.MustParse("6b657974-6965-722d-7465-737400000001")
	fleetRegistered = time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)
)

// fleetKind returns the first catalog entry of kind k, so the fixtures name
// real models without typing AAGUIDs in.
func fleetKind(t testing.TB, k catalog.Kind) catalog.Entry {
	t.Helper()
	for _, e := range catalog.All() {
		if e.Kind == k {
			return e
		}
	}
	t.Fatalf("the catalog lists no %s", k)
	return catalog.Entry{}
}

// fleetRecord registers a credential with the virtual authenticator,
// verifies it with passkey.Verify and makes the record a relying party
// stores. The virtual authenticator's keys are fixed, so the record is
// the same on every run.
func fleetRecord(t testing.TB, o passkeytest.Options, user string, be bool, signCount uint32) *passkey.Record {
	t.Helper()
	a, err := passkeytest.New(o)
	require.NoError(t, err)
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: fleetRPID, Origin: fleetOrigin, Challenge: fleetChallenge,
		UserVerified: true, UserHandle: []byte(user), BackupEligible: be, BackedUp: be, SignCount: signCount})
	require.NoError(t, err)
	c, err := passkey.Verify(reg.JSON, passkey.VerifyOptions{RPID: fleetRPID, Origins: []string{fleetOrigin}, Challenge: fleetChallenge,
		Algorithms: passkey.RecommendedAlgorithms(), Roots: []*x509.Certificate{passkeytest.RootCertificate()}})
	require.NoError(t, err)
	r, err := passkey.NewRecord(c, []byte(user), fleetRegistered)
	require.NoError(t, err)
	return r
}

// fleetGoWebAuthn is r as go-webauthn stores it: webauthn.Credential
// marshalled by encoding/json.
func fleetGoWebAuthn(t testing.TB, r *passkey.Record, mod func(*webauthn.Credential)) []byte {
	t.Helper()
	c := webauthn.Credential{
		ID: r.ID, PublicKey: r.PublicKey, AttestationFormat: r.Attestation.Format, Transport: nil,
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

func fleetGraph(id string, aaguid uuid.UUID, attested bool) []byte {
	level := "notAttested"
	if attested {
		level = "attested"
	}
	return fmt.Appendf(nil, `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"%s","displayName":"passkey","createdDateTime":"2026-03-01T10:00:00Z","aaGuid":"%s","model":"","attestationLevel":"%s"}`,
		id, aaguid, level)
}

// fleetFixture is a small fleet with a row of each kind and bad rows in
// the middle of good ones, as JSON Lines.
func fleetFixture(t testing.TB) []byte {
	t.Helper()
	securityKey := fleetKind(t, catalog.KindSecurityKey)
	synced := fleetKind(t, catalog.KindSyncedProvider)
	platform := fleetKind(t, catalog.KindPlatform)

	trustedKey := fleetRecord(t, passkeytest.Options{AAGUID: securityKey.AAGUID, Attestation: passkeytest.AttestationPacked}, "ada", false, 7)
	syncedKey := fleetRecord(t, passkeytest.Options{AAGUID: synced.AAGUID, Algorithm: passkeytest.EdDSA}, "bob", true, 0)
	unknownKey := fleetRecord(t, passkeytest.Options{AAGUID: fleetTestAAGUID, Attestation: passkeytest.AttestationPackedSelf, Algorithm: passkeytest.RS256}, "cy", false, 3)
	zeroKey := fleetRecord(t, passkeytest.Options{AAGUID: securityKey.AAGUID}, "di", false, 0)

	var b bytes.Buffer
	line := func(p []byte) { b.Write(p); b.WriteByte('\n') }
	rec := func(r *passkey.Record) []byte {
		p, err := json.Marshal(r)
		require.NoError(t, err)
		return p
	}
	line(rec(trustedKey))
	line(rec(syncedKey))
	line(rec(unknownKey))
	line([]byte(`{"id": "AAAA", "publicKey": 12}`))
	line(fleetGoWebAuthn(t, zeroKey, nil))
	line(fleetGoWebAuthn(t, syncedKey, nil))
	line(fleetGoWebAuthn(t, trustedKey, func(c *webauthn.Credential) { c.Flags.BackupState = true }))
	b.WriteString("\n")
	line(fleetGraph("m1", securityKey.AAGUID, true))
	line(fleetGraph("m2", platform.AAGUID, true))
	line(fleetGraph("m3", synced.AAGUID, false))
	line([]byte(`{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"pw"}`))
	line([]byte(`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"m4","aaGuid":"not-a-guid"}`))
	line(fleetGraph("m5", uuid.Nil, false))
	return b.Bytes()
}

func writeFleetFixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fleet.jsonl")
	require.NoError(t, os.WriteFile(path, fleetFixture(t), 0o644))
	return path
}

// TestFleetGolden: each format of the fixture's report. Regenerate with
// `go test ./cmd/keytier -run TestFleetGolden -update`.
func TestFleetGolden(t *testing.T) {
	in := writeFleetFixture(t)
	for _, format := range []string{"text", "json", "csv", "html"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", "fleet", "--format", format, in)
			require.Equal(t, exitFail, code, "the fixture has unreadable rows: %s", errOut)
			assert.Equal(t, "keytier fleet: 3 of 13 rows could not be read\n", errOut)
			ext := map[string]string{"text": "txt"}[format]
			if ext == "" {
				ext = format
			}
			path := filepath.Join("testdata", "fleet-demo."+ext)
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), out)
		})
	}
}

// fleetReport mirrors the JSON of `keytier fleet --format json`; decoding
// refuses members it does not name.
type fleetReport struct {
	OK    bool `json:"ok"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Rows []struct {
		Index         int               `json:"index"`
		Line          int               `json:"line"`
		Path          string            `json:"path"`
		Position      string            `json:"position"`
		Skipped       bool              `json:"skipped"`
		Source        string            `json:"source"`
		ID            string            `json:"id"`
		AAGUID        string            `json:"aaguid"`
		Authenticator string            `json:"authenticator"`
		PasskeyType   string            `json:"passkeyType"`
		Confidence    string            `json:"confidence"`
		AAL           string            `json:"aal"`
		Attestation   string            `json:"attestation"`
		Algorithm     int64             `json:"algorithm"`
		SignCount     *uint32           `json:"signCount"`
		Problems      []passkey.Problem `json:"problems"`
		ProfileFails  bool              `json:"profileFails"`
		Reasons       []passkey.Reason  `json:"profileReasons"`
		Error         *struct {
			Code    string `json:"code"`
			Where   string `json:"where"`
			Message string `json:"message"`
		} `json:"error"`
	} `json:"rows"`
	Summary *struct {
		Rows            int `json:"rows"`
		Credentials     int `json:"credentials"`
		Unreadable      int `json:"unreadable"`
		Skipped         int `json:"skipped"`
		ByAuthenticator []struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		} `json:"byAuthenticator"`
		ByPasskeyType    map[string]int `json:"byPasskeyType"`
		ByAAL            map[string]int `json:"byAAL"`
		ByProblem        map[string]int `json:"byProblem"`
		ByError          map[string]int `json:"byError"`
		Profile          string         `json:"profile"`
		ProfileFails     int            `json:"profileFails"`
		ProfileFailShare float64        `json:"profileFailShare"`
	} `json:"summary"`
}

func decodeFleetReport(t *testing.T, out string) fleetReport {
	t.Helper()
	var r fleetReport
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&r), out)
	return r
}

func TestFleetJSON(t *testing.T) {
	code, out, _ := runCLI(t, string(fleetFixture(t)), "fleet", "--format=json", "-")
	require.Equal(t, exitFail, code)
	r := decodeFleetReport(t, out)
	assert.False(t, r.OK)
	require.NotNil(t, r.Error)
	assert.Equal(t, "rows_unreadable", r.Error.Code)
	require.Len(t, r.Rows, 13)

	bad := map[int][2]string{}
	for _, row := range r.Rows {
		if row.Error != nil {
			bad[row.Line] = [2]string{row.Error.Code, row.Error.Where}
		}
	}
	// Each bad row names its line and the member; the blank line 8 counts.
	assert.Equal(t, map[int][2]string{
		4:  {"record_invalid", "publicKey"},
		7:  {"record_invalid", "backupState"},
		13: {"aaguid_invalid", "aaGuid"},
	}, bad)
	assert.Equal(t, "backup_state_without_eligibility", string(r.Rows[6].Problems[0].Code))

	first := r.Rows[0]
	assert.Equal(t, "keytier", first.Source)
	assert.Equal(t, "deviceBound", first.PasskeyType)
	// Verify found the packed chain trusted, but without FIDO metadata
	// nothing says the key is non-exportable: AAL2 (aal3.non-exportable).
	assert.Equal(t, "AAL2", first.AAL)
	assert.Equal(t, "trusted", first.Attestation)
	assert.False(t, first.ProfileFails)
	assert.True(t, r.Rows[1].ProfileFails, "synced")
	assert.Equal(t, "aaguid_unknown", string(r.Rows[2].Problems[0].Code))
	assert.Equal(t, "sign_count_stuck", string(r.Rows[4].Problems[0].Code))
	assert.True(t, r.Rows[10].Skipped)
	assert.Equal(t, "AAL3", r.Rows[7].AAL, "Entra attested a model the catalog lists as a hardware security key")

	s := r.Summary
	require.NotNil(t, s)
	assert.Equal(t, 13, s.Rows)
	assert.Equal(t, 3, s.Unreadable)
	assert.Equal(t, 1, s.Skipped)
	assert.Equal(t, 9, s.Credentials)
	sum := 0
	for _, n := range s.ByPasskeyType {
		sum += n
	}
	assert.Equal(t, s.Credentials, sum)
	fails := 0
	for _, row := range r.Rows {
		if row.ProfileFails {
			fails++
		}
	}
	assert.Equal(t, fails, s.ProfileFails)
	assert.InDelta(t, float64(fails)/9, s.ProfileFailShare, 1e-9)
	assert.Equal(t, "device-bound only", s.Profile)
}

func TestFleetExitCodes(t *testing.T) {
	good := string(fleetGraph("m1", fleetKind(t, catalog.KindSecurityKey).AAGUID, true)) + "\n"
	code, out, errOut := runCLI(t, good, "fleet", "-")
	assert.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Would fail a device-bound only profile: 0 of 1 credentials (0.0%)")

	code, out, _ = runCLI(t, "[]", "fleet", "--format", "json", "-")
	assert.Equal(t, exitOK, code)
	r := decodeFleetReport(t, out)
	assert.True(t, r.OK)
	assert.Nil(t, r.Error)
	assert.Empty(t, r.Rows)

	for _, args := range [][]string{
		{"fleet"},
		{"fleet", "a", "b"},
		{"fleet", "--format", "yaml", "-"},
		{"fleet", "--mds-root", "x.pem", "-"},
		{"fleet", "--nope", "-"},
		{"fleet", filepath.Join(t.TempDir(), "missing.jsonl")},
		{"fleet", "--mds", filepath.Join(t.TempDir(), "missing.jwt"), "-"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, good, args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, out)
			assert.NotEmpty(t, errOut)

			code, out, _ = runCLI(t, good, append(args, "--format", "json")...)
			if slices.Contains(args, "yaml") {
				return // the later --format json wins: no usage error left
			}
			assert.Equal(t, exitUsage, code)
			r := decodeFleetReport(t, out)
			assert.False(t, r.OK)
			require.NotNil(t, r.Error)
			assert.Equal(t, "usage", r.Error.Code)
			assert.Nil(t, r.Summary)
		})
	}
}

func TestFleetMDS(t *testing.T) {
	a := fleetRecord(t, passkeytest.Options{AAGUID: fleetTestAAGUID}, "eve", false, 0)
	in := string(fleetGoWebAuthn(t, a, nil)) + "\n"
	flags := mdsFlags(t, mdstest.Authenticator{AAGUID: fleetTestAAGUID, Description: "keytier Test Key",
		KeyProtection: []string{"hardware", "secure_element"}, AttachmentHint: []string{"external"},
		Status: []mdstest.Status{{Status: "ATTESTATION_KEY_COMPROMISE", EffectiveDate: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	code, out, errOut := runCLI(t, in, append([]string{"fleet", "--format", "json", "-"}, flags...)...)
	require.Equal(t, exitOK, code, errOut)
	r := decodeFleetReport(t, out)
	require.Len(t, r.Rows, 1)
	assert.Equal(t, "keytier Test Key", r.Rows[0].Authenticator)
	var codes []string
	for _, p := range r.Rows[0].Problems {
		codes = append(codes, string(p.Code))
	}
	assert.ElementsMatch(t, []string{"authenticator_compromised", "sign_count_stuck"}, codes)
}

func TestFleetCSV(t *testing.T) {
	code, out, _ := runCLI(t, string(fleetFixture(t)), "fleet", "--format", "csv", "-")
	require.Equal(t, exitFail, code)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 14)
	assert.Equal(t, fleetCSVHeader, recs[0])
	for _, rec := range recs {
		assert.Len(t, rec, len(fleetCSVHeader))
	}
	assert.Equal(t, "'=1+1", cell("=1+1"))
}

func TestFleetHTML(t *testing.T) {
	out := filepath.Join(t.TempDir(), "fleet.html")
	code, stdout, _ := runCLI(t, string(fleetFixture(t)), "fleet", "--format", "html", "--out", out, "-")
	require.Equal(t, exitFail, code)
	assert.Empty(t, stdout)
	page, err := os.ReadFile(out)
	require.NoError(t, err)
	// Self-contained: nothing that loads from elsewhere.
	assert.NotRegexp(t, regexp.MustCompile(`(?i)<script|<link|<img|src=|url\(|@import|https?://`), string(page))
	assert.Contains(t, string(page), "default-src 'none'")
	// Every chart is well-formed SVG with a title.
	svgs := regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(string(page), -1)
	require.Len(t, svgs, 4)
	for _, s := range svgs {
		var doc struct {
			Title string `xml:"title"`
		}
		require.NoError(t, xml.Unmarshal([]byte(s), &doc))
		assert.NotEmpty(t, doc.Title)
	}
	assert.Contains(t, string(page), "Would fail device-bound only</dt><dd>44.4%</dd>")
}

// TestFleetJSONRow: the hand-written row encoder writes what
// encoding/json writes for fleetJSONRow, member for member, on every kind
// of row the fixture has.
func TestFleetJSONRow(t *testing.T) {
	n := 0
	for r := range passkey.ClassifyRecords(passkey.ReadRecords(bytes.NewReader(fleetFixture(t))), passkey.FleetOptions{}) {
		if r.Err != nil {
			continue
		}
		n++
		want, err := json.Marshal(fleetJSONRow{FleetRow: r, Position: r.Position()})
		require.NoError(t, err)
		got := appendFleetRow(nil, r)
		require.True(t, json.Valid(got), "%s", got)
		var w, g any
		require.NoError(t, json.Unmarshal(want, &w))
		require.NoError(t, json.Unmarshal(got, &g))
		assert.Equal(t, w, g, r.Position())
		// Member order too: the report reads the same either way.
		assert.Equal(t, memberOrder(t, want), memberOrder(t, got))
	}
	assert.Equal(t, 10, n)
}

func memberOrder(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	var names []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 && dec.More() {
				names = append(names, v)
				// skip the value
				var skip json.RawMessage
				require.NoError(t, dec.Decode(&skip))
			}
		}
	}
	return names
}

// TestFleetSnapshot: the embedded demo tenant's snapshot is a fleet of its
// users' passkeys, each placed by its path in the document.
func TestFleetSnapshot(t *testing.T) {
	var doc struct {
		Users []struct {
			Methods []map[string]any `json:"authenticationMethods"`
		} `json:"users"`
	}
	require.NoError(t, json.Unmarshal(demo.Bytes(), &doc))
	var paths []string
	for u, user := range doc.Users {
		for m, method := range user.Methods {
			if method["@odata.type"] == passkey.FIDO2MethodODataType {
				paths = append(paths, fmt.Sprintf("users.%d.authenticationMethods.%d", u, m))
			}
		}
	}
	require.NotEmpty(t, paths)

	code, out, errOut := runCLI(t, string(demo.Bytes()), "fleet", "--format", "json", "-")
	require.Equal(t, exitOK, code, errOut)
	r := decodeFleetReport(t, out)
	var got []string
	for _, row := range r.Rows {
		got = append(got, row.Position)
		assert.Equal(t, "graph", row.Source)
		assert.Equal(t, row.Position, row.Path)
	}
	assert.Equal(t, paths, got)
	assert.Equal(t, len(paths), r.Summary.Credentials)
}

// TestAppendQuoted: the report's quoting writes what jsontext writes, for
// plain text, the text keytier's messages carry (§, —) and text that needs
// escapes or is not UTF-8.
func TestAppendQuoted(t *testing.T) {
	for _, s := range []string{
		"", "AAL2", "WebAuthn L3 §6.1.3 — BS=1", "line 7", `say "hi"`, `back\slash`,
		"tab\there", "\x00", "\u2028", "<script>&", "\xff\xfe", "caf\xc3", "日本語",
	} {
		want, _ := jsontext.AppendQuote([]byte("x"), s)
		assert.Equal(t, string(want), string(appendQuoted([]byte("x"), s)), "%q", s)
	}
}

func FuzzAppendQuoted(f *testing.F) {
	for _, s := range []string{"", "plain", "§ —", `"`, "\\", "\x1f", "\xff", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := jsontext.AppendQuote(nil, s)
		if got := appendQuoted(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, jsontext writes %s", s, got, want)
		}
	})
}

func TestAppendUUID(t *testing.T) {
	for _, u := range []uuid.UUID{uuid.Nil, uuid.MustParse("cb69481e-8ff7-4039-93ec-0a2729a154a8"), {0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0xab}} {
		assert.Equal(t, "x"+u.String(), string(appendUUID([]byte("x"), u)))
	}
}

// TestFleetTextRowLayout: the text report's line, appended by hand, is the
// line fleetTextRow's format makes, for names fmt would pad by runes,
// names clipped, control characters and every kind of position.
func TestFleetTextRowLayout(t *testing.T) {
	sc := uint32(3)
	for _, r := range []passkey.FleetRow{
		{Index: 0, Line: 1, Source: passkey.SourceKeytier, Authenticator: "YubiKey 5 Series", PasskeyType: passkey.DeviceBound, Confidence: passkey.High, AAL: assurance.AAL3, Attestation: passkey.AttestationTrusted},
		{Index: 12, Source: passkey.SourceGoWebAuthn, Authenticator: "Clé de sécurité — modèle très long, plus de trente-deux", PasskeyType: passkey.Synced, AAL: assurance.AAL2, ProfileFails: true, SignCount: &sc,
			Problems: []passkey.Problem{{Code: passkey.ProblemAAGUIDUnknown}, {Code: passkey.ProblemSignCountStuck}}},
		{Index: 3, Path: "users.2.authenticationMethods.0", Source: passkey.SourceGraph, Authenticator: "tab\tand\x7fdel", AAL: assurance.LevelNone},
		{Index: 4, Line: 123456789012, Authenticator: "日本語の名前"},
	} {
		var got bytes.Buffer
		text := &fleetText{w: &got, header: true}
		require.NoError(t, text.row(r))
		profile := "ok"
		if r.ProfileFails {
			profile = "fails"
		}
		problems := strings.Join(problemCodes(r), ",")
		if problems == "" {
			problems = "-"
		}
		typ := typeLabel(r.PasskeyType)
		if r.Confidence != "" {
			typ += "/" + string(r.Confidence)
		}
		want := fmt.Sprintf(fleetTextRow, r.Position(), r.Source, clip(r.Authenticator, 32), typ, r.AAL, r.Attestation, profile, problems)
		assert.Equal(t, want, got.String())
	}
}
