package passkey_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
)

func readPolicyFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "policy", name))
	require.NoError(t, err)
	return b
}

// semantic decodes JSON into generic values, so documents compare by
// meaning: member order and whitespace do not matter.
func semantic(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	return v
}

// errorPaths returns the paths of every PolicyError in err.
func errorPaths(t testing.TB, err error) []string {
	t.Helper()
	var es passkey.PolicyErrors
	require.True(t, errors.As(err, &es), "want PolicyErrors, got %T: %v", err, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Path)
	}
	return out
}

func TestParseFIDO2PolicyGraphExamples(t *testing.T) {
	tests := []struct {
		file string
		// member is where the FIDO2 configuration sits in the file ("" for
		// the file itself), for the round-trip comparison.
		member   string
		profiles int
		legacy   bool
		wantErr  string // path of the first error; "" for none
	}{
		{file: "graph-v1.0-fido2-get-response.json", legacy: true},
		{file: "graph-v1.0-fido2-update-request-profiles.json", profiles: 1},
		{file: "graph-v1.0-authenticationmethodspolicy-get-response.json", member: "authenticationMethodConfigurations", legacy: true},
		// The current example: "defaultPasskeyProfile": null, empty
		// passkeyProfiles and allowedPasskeyProfiles; the null survives.
		{file: "graph-v1.0-authenticationmethodspolicy-get-response-2025.json", member: "authenticationMethodConfigurations", legacy: true},
		{file: "keytier-rollout.json", profiles: 3},
		{file: "keytier-future-values.json", profiles: 2},
		{file: "graph-v1.0-fido2-update-request-2023.invalid.json", wantErr: "isAttestationEnforced"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readPolicyFile(t, tt.file)
			p, err := passkey.ParseFIDO2Policy(data)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Nil(t, p)
				assert.Equal(t, tt.wantErr, errorPaths(t, err)[0])
				assert.True(t, strings.HasPrefix(err.Error(), "passkey: "), err.Error())
				return
			}
			require.NoError(t, err)
			assert.Len(t, p.PasskeyProfiles, tt.profiles)
			assert.Equal(t, tt.legacy, len(p.PasskeyProfiles) == 0)

			out, err := json.Marshal(p)
			require.NoError(t, err)
			want := semantic(t, data)
			if tt.member != "" {
				want = want.(map[string]any)[tt.member].([]any)[0]
			}
			assert.Equal(t, want, semantic(t, out), "round trip changes the meaning")

			// A second round is byte-identical: the model is stable.
			p2, err := passkey.ParseFIDO2Policy(out)
			require.NoError(t, err)
			out2, err := json.Marshal(p2)
			require.NoError(t, err)
			assert.Equal(t, string(out), string(out2))
		})
	}
}

// An explicit null is not an absent member: in a PATCH, null sets the
// property and absent leaves it alone. It reads as the zero value and is
// written back as null, at every level, unless a value was set since.
func TestParseFIDO2PolicyKeepsNulls(t *testing.T) {
	p, err := passkey.ParseFIDO2Policy(readPolicyFile(t, "graph-v1.0-authenticationmethodspolicy-get-response-2025.json"))
	require.NoError(t, err)
	assert.Empty(t, p.DefaultPasskeyProfile)
	require.NotNil(t, p.PasskeyProfiles, "an empty list stays a list")
	assert.Empty(t, p.PasskeyProfiles)
	require.NotNil(t, p.IncludeTargets[0].AllowedPasskeyProfiles)
	out, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"defaultPasskeyProfile":null`)
	assert.Contains(t, string(out), `"passkeyProfiles":[]`)
	assert.Contains(t, string(out), `"allowedPasskeyProfiles":[]`)

	// A value set since wins over the null.
	p.DefaultPasskeyProfile = profDefault
	out, err = json.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"defaultPasskeyProfile":"`+profDefault+`"`)
	assert.NotContains(t, string(out), `null`)

	// Nulls deeper down, and an unknown member's null, each where it was.
	doc := `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration","state":"enabled",
		"isAttestationEnforced":null,"keyRestrictions":{"isEnforced":false,"enforcementType":"block","aaGuids":null},
		"passkeyProfiles":[{"id":"` + profDefault + `","name":"Default","passkeyTypes":"deviceBound","attestationEnforcement":"disabled","keyRestrictions":null,"future":null}],
		"defaultPasskeyProfile":"` + profDefault + `",
		"includeTargets":[{"targetType":"group","id":"all_users","isRegistrationRequired":null,"allowedPasskeyProfiles":["` + profDefault + `"]}],
		"excludeTargets":[{"targetType":null,"id":"` + excludedGroup + `"}]}`
	p, err = passkey.ParseFIDO2Policy([]byte(doc))
	require.NoError(t, err)
	out, err = json.Marshal(p)
	require.NoError(t, err)
	assert.Equal(t, semantic(t, []byte(doc)), semantic(t, out), "every null survives: %s", out)
	p2, err := passkey.ParseFIDO2Policy(out)
	require.NoError(t, err)
	out2, err := json.Marshal(p2)
	require.NoError(t, err)
	assert.Equal(t, string(out), string(out2))

	// UnmarshalJSON, for a configuration inside a larger document, keeps
	// them too.
	var q passkey.FIDO2Policy
	require.NoError(t, json.Unmarshal([]byte(doc), &q))
	out, err = json.Marshal(q)
	require.NoError(t, err)
	assert.Equal(t, semantic(t, []byte(doc)), semantic(t, out))
}

func TestParseFIDO2PolicyUnknownValuesSurviveAndAreReported(t *testing.T) {
	p, err := passkey.ParseFIDO2Policy(readPolicyFile(t, "keytier-future-values.json"))
	require.NoError(t, err)
	assert.Equal(t, passkey.PasskeyTypes("deviceBound,unknownFutureValue"), p.PasskeyProfiles[1].PasskeyTypes)
	assert.Equal(t, passkey.PasskeyTypes("synced,deviceBound"), p.PasskeyProfiles[0].PasskeyTypes, "flag order is kept")
	assert.JSONEq(t, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#authenticationMethodConfigurations/$entity","futureTenantSetting":{"mode":"strict","levels":[1,2,3]}}`, string(p.Unknown))

	var warned []string
	for _, w := range p.Warnings() {
		assert.True(t, w.Warning)
		warned = append(warned, w.Path)
	}
	assert.ElementsMatch(t, []string{
		"passkeyProfiles.0.attestationEnforcement",
		"passkeyProfiles.0.keyRestrictions.enforcementType",
		"passkeyProfiles.1.passkeyTypes",
		"includeTargets.0.targetType",
	}, warned)
}

func TestParseFIDO2PolicyFindsConfigurationInLists(t *testing.T) {
	cfg := string(readPolicyFile(t, "keytier-rollout.json"))
	tests := []struct {
		name, doc, errPath string
	}{
		{"bare array", `[{"@odata.type":"#microsoft.graph.smsAuthenticationMethodConfiguration","id":"Sms"},` + cfg + `]`, ""},
		{"collection response", `{"value":[` + cfg + `]}`, ""},
		{"id only", `{"authenticationMethodConfigurations":[{"id":"fido2","state":"enabled"}]}`, ""},
		{"no fido2", `{"authenticationMethodConfigurations":[{"@odata.type":"#microsoft.graph.smsAuthenticationMethodConfiguration","id":"Sms"}]}`, "authenticationMethodConfigurations"},
		{"two fido2", `[` + cfg + `,` + cfg + `]`, "1"},
		{"item not object", `{"authenticationMethodConfigurations":[7]}`, "authenticationMethodConfigurations.0"},
		{"error path inside the document", `{"authenticationMethodConfigurations":[{},{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration","state":3}]}`, "authenticationMethodConfigurations.1.state"},
		{"validation path inside the document", `{"authenticationMethodConfigurations":[{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration","keyRestrictions":{"isEnforced":true,"enforcementType":"allow","aaGuids":["nope"]}}]}`, "authenticationMethodConfigurations.0.keyRestrictions.aaGuids.0"},
		{"a string", `"Fido2"`, "input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := passkey.ParseFIDO2Policy([]byte(tt.doc))
			if tt.errPath != "" {
				require.Error(t, err)
				assert.Equal(t, tt.errPath, errorPaths(t, err)[0], err.Error())
				return
			}
			require.NoError(t, err)
			assert.True(t, strings.EqualFold(p.ID, "fido2"))
		})
	}
}

func TestFIDO2PolicyValidate(t *testing.T) {
	const (
		p1 = "00000000-0000-0000-0000-000000000001"
		p2 = "00000000-0000-0000-0000-000000000002"
		p3 = "00000000-0000-0000-0000-000000000003"
		p4 = "00000000-0000-0000-0000-000000000004"
	)
	profile := func(id, types, att string, kr string) string {
		s := fmt.Sprintf(`{"id":%q,"name":%q,"passkeyTypes":%q,"attestationEnforcement":%q`, id, "P "+id, types, att)
		if kr != "" {
			s += `,"keyRestrictions":` + kr
		}
		return s + "}"
	}
	doc := func(members ...string) string {
		return `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration","id":"Fido2","state":"enabled"` +
			func() string {
				if len(members) == 0 {
					return ""
				}
				return "," + strings.Join(members, ",")
			}() + "}"
	}
	profiles := func(ps ...string) string { return `"passkeyProfiles":[` + strings.Join(ps, ",") + `]` }
	target := func(id string, allowed ...string) string {
		b, _ := json.Marshal(allowed)
		if allowed == nil {
			b = []byte("[]")
		}
		return fmt.Sprintf(`{"targetType":"group","id":%q,"isRegistrationRequired":false,"allowedPasskeyProfiles":%s}`, id, b)
	}
	include := func(ts ...string) string { return `"includeTargets":[` + strings.Join(ts, ",") + `]` }

	tests := []struct {
		name     string
		doc      string
		errors   []string
		warnings []string
	}{
		{name: "valid", doc: doc(`"defaultPasskeyProfile":"`+p1+`"`, profiles(profile(p1, "deviceBound", "disabled", "")), include(target("all_users", p1)))},
		{name: "target refers to missing profile",
			doc:    doc(profiles(profile(p1, "deviceBound", "disabled", "")), include(target("all_users", p2))),
			errors: []string{"includeTargets.0.allowedPasskeyProfiles.0"}},
		{name: "target refers to profile of a legacy policy",
			doc:    doc(include(target("all_users", p1))),
			errors: []string{"includeTargets.0.allowedPasskeyProfiles.0"}},
		{name: "default profile missing",
			doc:    doc(`"defaultPasskeyProfile":"`+p2+`"`, profiles(profile(p1, "deviceBound", "disabled", ""))),
			errors: []string{"defaultPasskeyProfile"}},
		{name: "duplicate profile ids, any case",
			doc: doc(profiles(profile(p1, "deviceBound", "disabled", ""), profile(strings.ToUpper("0000000a-0000-0000-0000-000000000001"), "synced", "disabled", ""), profile("0000000A-0000-0000-0000-000000000001", "synced", "disabled", ""))),
			// Their names repeat too (derived from the id here).
			errors: []string{"passkeyProfiles.2.id"}, warnings: []string{"passkeyProfiles.2.name"}},
		{name: "profile without id and types",
			doc:    doc(profiles(`{"name":"x"}`)),
			errors: []string{"passkeyProfiles.0.id", "passkeyProfiles.0.passkeyTypes"}},
		{name: "malformed AAGUIDs",
			doc:    doc(profiles(profile(p1, "deviceBound", "disabled", `{"isEnforced":true,"enforcementType":"block","aaGuids":["2fc0579f811347eab116bb5a8db9202a","{2fc0579f-8113-47ea-b116-bb5a8db9202a}","2fc0579f-8113-47ea-b116-bb5a8db9202a"]}`))),
			errors: []string{"passkeyProfiles.0.keyRestrictions.aaGuids.0", "passkeyProfiles.0.keyRestrictions.aaGuids.1"}},
		{name: "malformed legacy AAGUID",
			doc:    doc(`"keyRestrictions":{"isEnforced":false,"enforcementType":"allow","aaGuids":["yubikey"]}`),
			errors: []string{"keyRestrictions.aaGuids.0"}},
		{name: "duplicate AAGUID",
			doc:      doc(`"keyRestrictions":{"isEnforced":true,"enforcementType":"allow","aaGuids":["2fc0579f-8113-47ea-b116-bb5a8db9202a","2FC0579F-8113-47EA-B116-BB5A8DB9202A"]}`),
			warnings: []string{"keyRestrictions.aaGuids.1"}},
		{name: "enforced empty allow list",
			doc:    doc(profiles(profile(p1, "deviceBound", "disabled", `{"isEnforced":true,"enforcementType":"allow","aaGuids":[]}`))),
			errors: []string{"passkeyProfiles.0.keyRestrictions.aaGuids"}},
		{name: "enforced restrictions without a type",
			doc:    doc(profiles(profile(p1, "deviceBound", "disabled", `{"isEnforced":true,"aaGuids":["2fc0579f-8113-47ea-b116-bb5a8db9202a"]}`))),
			errors: []string{"passkeyProfiles.0.keyRestrictions.enforcementType"}},
		{name: "attestation with synced",
			doc:      doc(profiles(profile(p1, "deviceBound,synced", "registrationOnly", ""))),
			warnings: []string{"passkeyProfiles.0.attestationEnforcement"}},
		{name: "target without profiles gets the default",
			doc:      doc(`"defaultPasskeyProfile":"`+p1+`"`, profiles(profile(p1, "deviceBound", "disabled", "")), include(target("all_users"))),
			warnings: []string{"includeTargets.0.allowedPasskeyProfiles"}},
		{name: "legacy settings beside profiles",
			doc:      doc(`"isAttestationEnforced":true`, profiles(profile(p1, "deviceBound", "disabled", ""))),
			warnings: []string{"isAttestationEnforced"}},
		{name: "targets without ids, repeated",
			doc:      doc(include(`{"targetType":"group"}`, `{"targetType":"group","id":"g"}`, `{"targetType":"group","id":"G"}`), `"excludeTargets":[{"targetType":"group"}]`),
			errors:   []string{"includeTargets.0.id", "excludeTargets.0.id"},
			warnings: []string{"includeTargets.2"}},
		{name: "another configuration type",
			doc:    `{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration","id":"TemporaryAccessPass"}`,
			errors: []string{"@odata.type"}, warnings: []string{"id"}},
		{name: "unknown state",
			doc:      `{"state":"paused"}`,
			warnings: []string{"state"}},
		// Entra's documented limits (how-to-authentication-passkey-profiles).
		{name: "three profiles: Entra's maximum",
			doc: doc(profiles(profile(p1, "deviceBound", "disabled", ""), profile(p2, "synced", "disabled", ""), profile(p3, "deviceBound", "registrationOnly", "")))},
		{name: "four profiles: more than Entra supports",
			doc:      doc(profiles(profile(p1, "deviceBound", "disabled", ""), profile(p2, "synced", "disabled", ""), profile(p3, "deviceBound", "registrationOnly", ""), profile(p4, "synced", "disabled", ""))),
			warnings: []string{"passkeyProfiles"}},
		{name: "profile ids that are not GUIDs",
			doc:      doc(profiles(profile("p-admins", "deviceBound", "disabled", ""), profile("{"+p2+"}", "synced", "disabled", ""), profile(strings.ToUpper(p3), "synced", "disabled", "")), include(target("all_users", "p-admins"))),
			warnings: []string{"passkeyProfiles.0.id", "passkeyProfiles.1.id"}},
		{name: "profile without a name",
			doc:      doc(profiles(`{"id":"`+p1+`","passkeyTypes":"deviceBound"}`, `{"id":"`+p2+`","name":"  ","passkeyTypes":"synced"}`)),
			warnings: []string{"passkeyProfiles.0.name", "passkeyProfiles.1.name"}},
		{name: "two profiles with one name, any case and spacing",
			doc:      doc(profiles(`{"id":"`+p1+`","name":"Admins","passkeyTypes":"deviceBound"}`, `{"id":"`+p2+`","name":"Workforce","passkeyTypes":"synced"}`, `{"id":"`+p3+`","name":" admins ","passkeyTypes":"synced"}`)),
			warnings: []string{"passkeyProfiles.2.name"}},
		{name: "under 20 KB",
			doc: doc(profiles(profile(p1, "deviceBound", "disabled", blockList(0, 150)), profile(p2, "deviceBound", "disabled", blockList(150, 150)), profile(p3, "deviceBound", "disabled", blockList(300, 150))))},
		{name: "over 20 KB, Entra's limit for the whole policy",
			doc:      doc(profiles(profile(p1, "deviceBound", "disabled", blockList(0, 200)), profile(p2, "deviceBound", "disabled", blockList(200, 200)), profile(p3, "deviceBound", "disabled", blockList(400, 200)))),
			warnings: []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p passkey.FIDO2Policy
			require.NoError(t, jsonv2.Unmarshal([]byte(tt.doc), &p))
			var errs, warns []string
			for _, e := range p.Validate() {
				if e.Warning {
					warns = append(warns, e.Path)
				} else {
					errs = append(errs, e.Path)
				}
				assert.True(t, strings.HasPrefix(e.Error(), "passkey: "), e.Error())
			}
			assert.Equal(t, tt.errors, errs, "errors")
			assert.Equal(t, tt.warnings, warns, "warnings")

			parsed, err := passkey.ParseFIDO2Policy([]byte(tt.doc))
			if len(tt.errors) > 0 {
				require.Error(t, err)
				assert.Nil(t, parsed)
				assert.Equal(t, tt.errors, errorPaths(t, err), "ParseFIDO2Policy reports every error")
				var first *passkey.PolicyError
				require.True(t, errors.As(err, &first))
				assert.Equal(t, tt.errors[0], first.Path)
			} else {
				require.NoError(t, err)
			}
		})
	}
}

// blockList returns enforced key restrictions blocking n distinct AAGUIDs,
// numbered from first: about 39 bytes each.
func blockList(first, n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf(`"%08x-0000-4000-8000-00000000000b"`, first+i)
	}
	return `{"isEnforced":true,"enforcementType":"block","aaGuids":[` + strings.Join(ids, ",") + `]}`
}

// The 20 KB warning measures the configuration as keytier writes it, and
// names where it sits in a larger document.
func TestFIDO2PolicySizeWarning(t *testing.T) {
	profiles := ""
	for i := range 3 {
		if i > 0 {
			profiles += ","
		}
		profiles += fmt.Sprintf(`{"id":"00000000-0000-0000-0000-00000000000%d","name":"P%d","passkeyTypes":"deviceBound","keyRestrictions":%s}`, i+1, i, blockList(200*i, 200))
	}
	cfg := `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration","id":"Fido2","state":"enabled","passkeyProfiles":[` + profiles + `]}`
	p, err := passkey.ParseFIDO2Policy([]byte(`{"authenticationMethodConfigurations":[{"id":"Sms","state":"disabled"},` + cfg + `]}`))
	require.NoError(t, err, "a warning, not an error: Graph's own measure may differ")
	ws := p.Warnings()
	require.Len(t, ws, 1)
	assert.Equal(t, "authenticationMethodConfigurations.1", ws[0].Path)
	out, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Greater(t, len(out), 20<<10)
	assert.Contains(t, ws[0].Reason, fmt.Sprintf("%d bytes as keytier writes it", len(out)))
	assert.Contains(t, ws[0].Error(), "FIDO2 policy warning at authenticationMethodConfigurations.1: ")
}

// Graph's published examples and keytier's own policies meet Entra's
// limits: none of them draws a limit warning (profile count, size, id form,
// names).
func TestPolicyExamplesMeetEntraLimits(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "policy", "*.json"))
	require.NoError(t, err)
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".invalid.json") || strings.Contains(f, "fido2method") {
			continue
		}
		p, err := passkey.ParseFIDO2Policy(readPolicyFile(t, filepath.Base(f)))
		require.NoError(t, err, f)
		checked++
		for _, w := range p.Warnings() {
			assert.False(t, w.Path == "" || w.Path == "passkeyProfiles" || strings.HasSuffix(w.Path, ".id") || strings.HasSuffix(w.Path, ".name"), "%s: %v", f, w)
		}
	}
	assert.Equal(t, 6, checked)
}

// Hostile documents: each fails with a PolicyError at the named path,
// without panicking and without reading more than the limits allow.
func TestParseFIDO2PolicyHostile(t *testing.T) {
	deep := strings.Repeat(`{"a":`, passkey.MaxPolicyDepth+1) + "1" + strings.Repeat("}", passkey.MaxPolicyDepth+1)
	manyAAGUIDs := `{"keyRestrictions":{"isEnforced":true,"enforcementType":"block","aaGuids":[` +
		strings.TrimSuffix(strings.Repeat(`"2fc0579f-8113-47ea-b116-bb5a8db9202a",`, passkey.MaxRestrictionAAGUIDs+1), ",") + `]}}`
	var profiles []string
	for i := 0; i <= passkey.MaxPasskeyProfiles; i++ {
		profiles = append(profiles, fmt.Sprintf(`{"id":"p%d","passkeyTypes":"synced"}`, i))
	}
	tooManyProfiles := `{"passkeyProfiles":[` + strings.Join(profiles, ",") + `]}`
	hugeArray := `{"futureMember":[` + strings.TrimSuffix(strings.Repeat("0,", passkey.MaxPolicyArrayElements+1), ",") + `]}`

	tests := []struct {
		name, doc, path, reason string
	}{
		{"empty", "  ", "", "empty"},
		{"too large", `{"x":"` + strings.Repeat("a", passkey.MaxPolicySize) + `"}`, "", "at most"},
		{"duplicate member", `{"state":"enabled","state":"disabled"}`, "state@19", "duplicate"},
		{"duplicate nested member", `{"passkeyProfiles":[{"id":"a","id":"b"}]}`, "passkeyProfiles.0.id@30", "duplicate"},
		{"wrong type bool", `{"isSelfServiceRegistrationAllowed":"yes"}`, "isSelfServiceRegistrationAllowed", "want true or false"},
		{"wrong type array", `{"includeTargets":{"id":"all_users"}}`, "includeTargets", "want an array"},
		{"wrong type in profile", `{"passkeyProfiles":[{"id":"p","passkeyTypes":["synced"]}]}`, "passkeyProfiles.0.passkeyTypes", "want a string"},
		{"wrong type in aaGuids", `{"keyRestrictions":{"aaGuids":[1]}}`, "keyRestrictions.aaGuids.0", "want a string"},
		{"case-folded member is unknown, not read", `{"State":"enabled","keyRestrictions":{"IsEnforced":true}}`, "", ""},
		{"deep nesting", deep, "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a", "nested deeper"},
		{"huge unknown array", hugeArray, "futureMember", "more than"},
		{"too many AAGUIDs", manyAAGUIDs, "keyRestrictions.aaGuids", "at most"},
		{"too many profiles", tooManyProfiles, "passkeyProfiles", "at most"},
		{"trailing data", `{"state":"enabled"} {}`, "input@20", "after the JSON value"},
		{"truncated", `{"state":"enabled"`, "input@18", "ends early"},
		{"invalid UTF-8", "{\"id\":\"\xff\"}", "id@7", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := passkey.ParseFIDO2Policy([]byte(tt.doc))
			if tt.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, passkey.PolicyState(""), p.State, "State is not State")
				assert.Nil(t, p.KeyRestrictions.IsEnforced)
				return
			}
			require.Error(t, err)
			assert.Nil(t, p)
			var pe *passkey.PolicyError
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, tt.path, pe.Path)
			assert.Contains(t, pe.Reason, tt.reason)
		})
	}
}

func TestPasskeyTypes(t *testing.T) {
	tests := []struct {
		in      passkey.PasskeyTypes
		known   []passkey.PasskeyType
		unknown []string
	}{
		{"", nil, nil},
		{"deviceBound", []passkey.PasskeyType{passkey.DeviceBound}, nil},
		{"deviceBound,synced", []passkey.PasskeyType{passkey.DeviceBound, passkey.Synced}, nil},
		{"synced, deviceBound", []passkey.PasskeyType{passkey.Synced, passkey.DeviceBound}, nil},
		{"synced,unknownFutureValue", []passkey.PasskeyType{passkey.Synced}, []string{"unknownFutureValue"}},
		{"Synced", nil, []string{"Synced"}},
	}
	for _, tt := range tests {
		known, unknown := tt.in.Types()
		assert.Equal(t, tt.known, known, string(tt.in))
		assert.Equal(t, tt.unknown, unknown, string(tt.in))
		for _, k := range tt.known {
			assert.True(t, tt.in.Allows(k))
		}
	}
}

func TestFIDO2PolicyUnmarshalJSONInLargerDocument(t *testing.T) {
	var doc struct {
		Fido2 *passkey.FIDO2Policy `json:"fido2"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"fido2":`+string(readPolicyFile(t, "keytier-rollout.json"))+`}`), &doc))
	require.NotNil(t, doc.Fido2)
	assert.Len(t, doc.Fido2.PasskeyProfiles, 3)

	err := json.Unmarshal([]byte(`{"fido2":{"state":"enabled","state":"enabled"}}`), &doc)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "duplicate")
}
