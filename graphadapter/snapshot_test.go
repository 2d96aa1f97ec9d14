package graphadapter_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
)

func loadFile(t *testing.T, name string) *graphadapter.Snapshot {
	t.Helper()
	s, err := graphadapter.LoadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return s
}

// TestLoadGraphDocs reads testdata/graph-docs.json, assembled from the
// response examples of these Graph v1.0 pages:
//   - authenticationmethodspolicy-get (the policy, campaign, five configurations);
//   - authentication-list-methods (the FIDO2 key and Windows Hello method,
//     including the page's "creationDateTime" member, which keytier keeps
//     but does not read);
//   - resources/phoneauthenticationmethod, resources/temporaryaccesspassauthenticationmethod
//     (the phone and pass members);
//   - conditionalaccesspolicy-get (the policy);
//   - authenticationstrengthroot-list-policies (the phishing-resistant strength).
func TestLoadGraphDocs(t *testing.T) {
	s := loadFile(t, "graph-docs.json")
	assert.Empty(t, s.Warnings())
	assert.Equal(t, time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), s.CapturedAt)

	p := s.AuthenticationMethodsPolicy
	assert.Equal(t, "1.4", p.PolicyVersion)
	c := p.Campaign()
	require.NotNil(t, c)
	assert.Equal(t, "default", c.State)
	assert.Equal(t, 1, c.SnoozeDurationInDays)
	assert.Nil(t, c.EnforceRegistrationAfterAllowedSnoozes, "the v1.0 example omits it")
	assert.Equal(t, []graphadapter.CampaignTarget{{ID: "all_users", TargetType: "group", TargetedAuthenticationMethod: "microsoftAuthenticator"}}, c.IncludeTargets)
	require.Len(t, p.MethodConfigurations, 5)
	fido, ok := p.MethodConfiguration("Fido2")
	require.True(t, ok)
	assert.Equal(t, "#microsoft.graph.fido2AuthenticationMethodConfiguration", fido.ODataType)
	assert.Equal(t, "disabled", fido.State)
	assert.Contains(t, string(fido.Raw), `"isAttestationEnforced": true`, "Raw keeps what keytier does not read")
	sms, _ := p.MethodConfiguration("Sms")
	assert.Equal(t, "enabled", sms.State)
	_, ok = p.MethodConfiguration("fido2")
	assert.False(t, ok, "ids compare exactly")

	jordan, ok := s.UserByID("a702a13d-a437-4a07-8a7e-8c052de62dfd")
	require.True(t, ok)
	require.Len(t, jordan.Methods, 2)
	key := jordan.Methods[0]
	assert.Equal(t, graphadapter.KindFIDO2, key.Kind())
	assert.Nil(t, key.CreatedDateTime, "the docs example spells it creationDateTime")
	f, ok := key.FIDO2()
	require.True(t, ok)
	assert.Equal(t, "2fc0579f-8113-47ea-b116-555a8db9202a", f.AAGUID)
	assert.Equal(t, "2fc0579f-8113-47ea-b116-555a8db9202a", f.ParsedAAGUID().String())
	assert.Equal(t, "attested", f.AttestationLevel)
	assert.Equal(t, []string{"dbe793efdf1945e2df25d93653a1e8a3268a9075"}, f.AttestationCertificates)
	_, ok = key.Phone()
	assert.False(t, ok)
	whfb, ok := jordan.Methods[1].WindowsHello()
	require.True(t, ok)
	assert.Equal(t, "normal", whfb.KeyStrength)
	assert.Equal(t, time.Date(2020, 11, 27, 23, 12, 49, 0, time.UTC), *jordan.Methods[1].CreatedDateTime)

	alex, ok := s.UserByUPN("ALEX@example.com")
	require.True(t, ok)
	ph, ok := alex.Methods[0].Phone()
	require.True(t, ok)
	assert.Equal(t, "+1 2065555555", ph.PhoneNumber.Reveal())
	assert.Equal(t, "mobile", ph.PhoneType)
	assert.Equal(t, "ready", ph.SMSSignInState)
	tap, ok := alex.Methods[1].TemporaryAccessPass()
	require.True(t, ok)
	assert.Equal(t, graphadapter.TemporaryAccessPassMethod{
		StartDateTime: ptr(time.Date(2022, 6, 5, 0, 0, 0, 0, time.UTC)), LifetimeInMinutes: 60,
		IsUsableOnce: false, IsUsable: false, MethodUsabilityReason: "NotYetValid",
	}, tap)

	require.Len(t, s.ConditionalAccessPolicies, 1)
	ca := s.ConditionalAccessPolicies[0]
	assert.Equal(t, "disabled", ca.State)
	assert.Equal(t, []string{"124c5b6a-ffa5-483a-9b88-04c3fce5574a", "GuestsOrExternalUsers"}, ca.Users.ExcludeUsers)
	assert.Equal(t, []string{"b0f54661-2d74-4c50-afa3-1ec803f12efe"}, ca.Users.ExcludeRoles)
	require.NotNil(t, ca.Grant)
	assert.Equal(t, "OR", ca.Grant.Operator)
	assert.Contains(t, ca.Grant.BuiltInControls, "mfa")
	assert.Empty(t, ca.Grant.AuthenticationStrengthID)

	require.Len(t, s.AuthenticationStrengthPolicies, 1)
	st := s.AuthenticationStrengthPolicies[0]
	assert.Equal(t, graphadapter.StrengthPhishingResistant, st.ID)
	assert.Equal(t, "builtIn", st.PolicyType)
	assert.Equal(t, []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"}, st.AllowedCombinations)
}

func ptr[T any](v T) *T { return &v }

// TestRoundTrip: Marshal keeps every member, read or not, and is stable.
func TestRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			require.NoError(t, err)
			s, err := graphadapter.Load(in)
			require.NoError(t, err)
			out, err := s.Marshal()
			require.NoError(t, err)
			// Same JSON values, member for member, as the input; Marshal
			// moves members keytier reads ahead of those it keeps.
			assert.JSONEq(t, string(in), string(out))
			s2, err := graphadapter.Load(out)
			require.NoError(t, err)
			out2, err := s2.Marshal()
			require.NoError(t, err)
			assert.Equal(t, string(out), string(out2))
		})
	}
}

// minimal is the smallest snapshot Load accepts; hostile cases edit it.
const minimal = `{"tenant":{"id":"t"},"capturedAt":"2026-06-01T09:00:00Z",` +
	`"authenticationMethodsPolicy":{"id":"authenticationMethodsPolicy","authenticationMethodConfigurations":[]},` +
	`"users":[USERS],"groups":[GROUPS],"roleAssignments":[ROLES]}`

func doc(users, groups, roles string) string {
	r := strings.NewReplacer("USERS", users, "GROUPS", groups, "ROLES", roles)
	return r.Replace(minimal)
}

func user(id, methods string) string {
	return `{"id":"` + id + `","userPrincipalName":"` + id + `@example.com","authenticationMethods":[` + methods + `]}`
}

func TestLoadHostile(t *testing.T) {
	fido := func(members string) string {
		return `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"k"` + members + `}`
	}
	many := func(n int, item string) string {
		return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
	}
	for _, tc := range []struct {
		name, in string
		path     string // the *Error's Path
		contains string // in the message
		is       error
	}{
		{"empty", "", "", "empty document", nil},
		{"not JSON", "tenant: t", "", "invalid character", nil},
		{"truncated", `{"tenant":{"id":"t"`, "tenant", "", nil},
		{"trailing data", doc("", "", "") + `{}`, "", "after top-level value", nil},
		{"top level array", `[]`, "", "got JSON array, want an object", nil},
		{"duplicate top-level member", `{"tenant":{"id":"t"},"tenant":{"id":"u"}}`, "tenant", "member repeated", nil},
		{"duplicate member in a method", doc(user("u", fido(`,"aaGuid":"2fc0579f-8113-47ea-b116-bb5a8db9202a","aaGuid":"00000000-0000-0000-0000-000000000000"`)), "", ""), "users.0.authenticationMethods.0.aaGuid", "member repeated", nil},
		{"duplicate member kept verbatim", doc(user("u", fido(`,"x":1,"x":2`)), "", ""), "users.0.authenticationMethods.0.x", "member repeated", nil},
		{"wrong type: tenant id", `{"tenant":{"id":7}}`, "tenant.id", "got JSON number, want a string", nil},
		{"wrong type: users", strings.Replace(doc("", "", ""), `"users":[]`, `"users":{}`, 1), "users", "got JSON object, want an array", nil},
		{"wrong type: aaGuid", doc(user("u", fido(`,"aaGuid":1`)), "", ""), "users.0.authenticationMethods.0.aaGuid", "want a string", nil},
		{"wrong type: accountEnabled", doc(`{"id":"u","accountEnabled":"yes"}`, "", ""), "users.0.accountEnabled", "want true or false", nil},
		{"wrong type: TAP lifetime", doc(user("u", `{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod","id":"p","lifetimeInMinutes":"60"}`), "", ""), "users.0.authenticationMethods.0.lifetimeInMinutes", "want an integer", nil},
		{"wrong type: phone number", doc(user("u", `{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"p","phoneNumber":15555550100}`), "", ""), "users.0.authenticationMethods.0.phoneNumber", "want a string", nil},
		{"wrong type: created date", doc(user("u", fido(`,"createdDateTime":"yesterday"`)), "", ""), "users.0.authenticationMethods.0.createdDateTime", "", nil},
		{"wrong type: method", doc(user("u", `"password"`), "", ""), "users.0.authenticationMethods.0", "want an object", nil},
		{"wrong type: CA users", strings.Replace(doc("", "", ""), `"roleAssignments":[]`, `"roleAssignments":[],"conditionalAccessPolicies":[{"id":"c","conditions":{"users":{"includeUsers":"All"}}}]`, 1), "conditionalAccessPolicies.0.conditions.users.includeUsers", "want an array", nil},
		{"wrong type: configuration state", strings.Replace(doc("", "", ""), `"authenticationMethodConfigurations":[]`, `"authenticationMethodConfigurations":[{"@odata.type":"#x","id":"Sms","state":true}]`, 1), "authenticationMethodsPolicy.authenticationMethodConfigurations.0.state", "want a string", nil},
		{"bad AAGUID", doc(user("u", fido(`,"aaGuid":"not-a-guid"`)), "", ""), "users.0.authenticationMethods.0.aaGuid", "not an AAGUID", nil},
		{"case variant of aaGuid", doc(user("u", fido(`,"AaGuid":"2fc0579f-8113-47ea-b116-bb5a8db9202a"`)), "", ""), "users.0.authenticationMethods.0.AaGuid", `is not "aaGuid"`, nil},
		{"case variant of accountEnabled", doc(`{"id":"u","AccountEnabled":false}`, "", ""), "users.0.AccountEnabled", `is not "accountEnabled"`, nil},
		{"case variant of principalId", doc("", "", `{"principalID":"u","roleDefinitionId":"r"}`), "roleAssignments.0.principalID", `is not "principalId"`, nil},
		{"method without type", doc(user("u", `{"id":"m"}`), "", ""), "users.0.authenticationMethods.0.@odata.type", "missing", nil},
		{"method without id", doc(user("u", `{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod"}`), "", ""), "users.0.authenticationMethods.0.id", "missing", nil},
		{"missing tenant id", `{"tenant":{},"capturedAt":"2026-06-01T09:00:00Z"}`, "tenant.id", "missing", nil},
		{"missing capturedAt", `{"tenant":{"id":"t"}}`, "capturedAt", "missing", nil},
		{"missing policy", `{"tenant":{"id":"t"},"capturedAt":"2026-06-01T09:00:00Z"}`, "authenticationMethodsPolicy", "missing", nil},
		{"user without id", doc(`{"userPrincipalName":"a@example.com"}`, "", ""), "users.0.id", "missing", graphadapter.ErrReference},
		{"duplicate user id", doc(user("u", "")+`,{"id":"u"}`, "", ""), "users.1.id", "already used by users.0", graphadapter.ErrReference},
		{"duplicate UPN", doc(`{"id":"a","userPrincipalName":"x@example.com"},{"id":"b","userPrincipalName":"X@example.com"}`, "", ""), "users.1.userPrincipalName", "already used", graphadapter.ErrReference},
		{"duplicate group id", doc("", `{"id":"g","members":[]},{"id":"g","members":[]}`, ""), "groups.1.id", "already used", graphadapter.ErrReference},
		{"duplicate method id", doc(user("u", fido("")+","+fido("")), "", ""), "users.0.authenticationMethods.1.id", "already used", graphadapter.ErrReference},
		{"empty member id", doc("", `{"id":"g","members":[""]}`, ""), "groups.0.members.0", "empty member id", graphadapter.ErrReference},
		{"assignment without role", doc("", "", `{"principalId":"u"}`), "roleAssignments.0.roleDefinitionId", "missing", graphadapter.ErrReference},
		{"too deep", doc(user("u", fido(`,"x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40))), "", ""), "", "MaxNesting", graphadapter.ErrLimit},
		{"deep inside a string is fine, deep after it is not", `{"s":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"","t":` + strings.Repeat("[", 33) + strings.Repeat("]", 33) + `}`, "", "MaxNesting", graphadapter.ErrLimit},
		{"too many methods", doc(user("u", many(graphadapter.MaxMethodsPerUser+1, `{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"p"}`)), "", ""), "users.0.authenticationMethods", "at most 100", graphadapter.ErrLimit},
		{"too many configurations", strings.Replace(doc("", "", ""), `"authenticationMethodConfigurations":[]`, `"authenticationMethodConfigurations":[`+many(graphadapter.MaxMethodConfigurations+1, `{"@odata.type":"#x","id":"a"}`)+`]`, 1), "authenticationMethodsPolicy.authenticationMethodConfigurations", "MaxMethodConfigurations", graphadapter.ErrLimit},
		{"too many strength policies", strings.Replace(doc("", "", ""), `"roleAssignments":[]`, `"roleAssignments":[],"authenticationStrengthPolicies":[`+many(graphadapter.MaxAuthenticationStrengthPolicies+1, `{"id":"s"}`)+`]`, 1), "authenticationStrengthPolicies", "MaxAuthenticationStrengthPolicies", graphadapter.ErrLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := graphadapter.Load([]byte(tc.in))
			require.Error(t, err)
			assert.Nil(t, s)
			var e *graphadapter.Error
			require.ErrorAs(t, err, &e, "every Load error is an *Error: %v", err)
			assert.Equal(t, tc.path, e.Path, "%v", err)
			assert.True(t, strings.HasPrefix(err.Error(), "graphadapter: "), err.Error())
			assert.Contains(t, err.Error(), tc.contains)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
		})
	}
}

// TestLoadHugeArrays: counts over the limits fail with the path and
// ErrLimit, without being read into an index first.
func TestLoadHugeArrays(t *testing.T) {
	if testing.Short() {
		t.Skip("builds multi-megabyte documents")
	}
	var b bytes.Buffer
	b.WriteString(`{"tenant":{"id":"t"},"capturedAt":"2026-06-01T09:00:00Z","authenticationMethodsPolicy":{"id":"p","authenticationMethodConfigurations":[]},"users":[`)
	for i := range graphadapter.MaxUsers + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{}`)
	}
	b.WriteString(`]}`)
	_, err := graphadapter.Load(b.Bytes())
	var e *graphadapter.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "users", e.Path)
	assert.ErrorIs(t, err, graphadapter.ErrLimit)

	members := strings.Repeat(`"u",`, graphadapter.MaxMembersPerGroup) + `"u"`
	_, err = graphadapter.Load([]byte(doc(user("u", ""), `{"id":"g","members":[`+members+`]}`, "")))
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "groups.0.members", e.Path)
	assert.ErrorIs(t, err, graphadapter.ErrLimit)
}

func TestLoadTooLarge(t *testing.T) {
	big := make([]byte, graphadapter.MaxSnapshotSize+1)
	_, err := graphadapter.Load(big)
	assert.ErrorIs(t, err, graphadapter.ErrLimit)
	assert.Contains(t, err.Error(), "MaxSnapshotSize")
}

func TestLoadFileMissing(t *testing.T) {
	_, err := graphadapter.LoadFile(filepath.Join(t.TempDir(), "absent.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestWarnings: references Check accepts but reports.
func TestWarnings(t *testing.T) {
	in := doc(
		user("u1", `{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod","id":"p","temporaryAccessPass":"+Mx2#9Lh","lifetimeInMinutes":60,"isUsableOnce":true,"isUsable":true}`)+","+user("u2", ""),
		`{"id":"g1","members":["u1","ghost","g2","u1"]},{"id":"g2","members":["u2"]}`,
		`{"principalId":"sp-1","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10"},{"principalId":"g2","roleDefinitionId":"fe930be7-5e62-47db-91af-98c3a49a38b1"}`,
	)
	s, err := graphadapter.Load([]byte(in))
	require.NoError(t, err)
	var got []string
	for _, w := range s.Warnings() {
		got = append(got, w.Path)
	}
	assert.Equal(t, []string{
		"users.0.authenticationMethods.0.temporaryAccessPass",
		"groups.0.members.1", // not a user
		"groups.0.members.2", // a group
		"groups.0.members.3", // repeated
		"roleAssignments.0.principalId",
	}, got)
	assert.Equal(t, []*graphadapter.User{&s.Users[0]}, s.MembersOf("g1"), "unknown, nested and repeated members are left out")
	for _, w := range s.Warnings() {
		assert.NotContains(t, w.Reason, "+Mx2#9Lh", "a warning never repeats the secret")
	}
}

func TestParseMethodKinds(t *testing.T) {
	for _, tc := range []struct {
		odataType string
		kind      graphadapter.MethodKind
	}{
		{graphadapter.ODataTypeFIDO2, graphadapter.KindFIDO2},
		{graphadapter.ODataTypePassword, graphadapter.KindPassword},
		{graphadapter.ODataTypePhone, graphadapter.KindPhone},
		{graphadapter.ODataTypeEmail, graphadapter.KindEmail},
		{graphadapter.ODataTypeAuthenticator, graphadapter.KindAuthenticator},
		{graphadapter.ODataTypeSoftwareOath, graphadapter.KindSoftwareOath},
		{graphadapter.ODataTypeHardwareOath, graphadapter.KindHardwareOath},
		{graphadapter.ODataTypeWindowsHello, graphadapter.KindWindowsHello},
		{graphadapter.ODataTypePlatformCredential, graphadapter.KindPlatformCredential},
		{graphadapter.ODataTypeTemporaryAccessPass, graphadapter.KindTemporaryAccessPass},
		{graphadapter.ODataTypeX509Certificate, graphadapter.KindX509Certificate},
		{"#microsoft.graph.qrCodePinAuthenticationMethod", graphadapter.KindOther},
		{"microsoft.graph.fido2AuthenticationMethod", graphadapter.KindOther}, // Graph always writes the leading '#'
	} {
		t.Run(tc.odataType, func(t *testing.T) {
			m, err := graphadapter.ParseMethod([]byte(`{"@odata.type":"` + tc.odataType + `","id":"m1","displayName":"d","futureMember":{"a":[1]}}`))
			require.NoError(t, err)
			assert.Equal(t, tc.kind, m.Kind())
			assert.Equal(t, "m1", m.ID)
			assert.Equal(t, "d", m.DisplayName)
			assert.Contains(t, string(m.Raw), `"futureMember"`)
		})
	}
}

// TestParseMethodDocExamples: the JSON of Graph's resource pages for the
// types with typed accessors.
func TestParseMethodDocExamples(t *testing.T) {
	// resources/microsoftauthenticatorauthenticationmethod, with values.
	m, err := graphadapter.ParseMethod([]byte(`{"@odata.type":"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod","id":"6635a1b8-a8e9-4b94-8b0d-1fe2a1d0bb7c","displayName":"iPhone 12","deviceTag":"SoftwareTokenActivated","phoneAppVersion":"6.2011.7605","createdDateTime":"2021-01-22T20:01:36Z"}`))
	require.NoError(t, err)
	a, ok := m.Authenticator()
	require.True(t, ok)
	assert.Equal(t, graphadapter.AuthenticatorMethod{DeviceTag: "SoftwareTokenActivated", PhoneAppVersion: "6.2011.7605"}, a)

	// resources/platformcredentialauthenticationmethod.
	m, err = graphadapter.ParseMethod([]byte(`{"@odata.type":"#microsoft.graph.platformCredentialAuthenticationMethod","id":"_jpuR-TGZtk6aQCLF3BQjA2","displayName":"Contoso-MacBook","createdDateTime":"2024-11-06T20:25:56Z","keyStrength":"normal","platform":"macOS"}`))
	require.NoError(t, err)
	pc, ok := m.PlatformCredential()
	require.True(t, ok)
	assert.Equal(t, graphadapter.PlatformCredentialMethod{KeyStrength: "normal", Platform: "macOS"}, pc)
	_, ok = m.WindowsHello()
	assert.False(t, ok)

	// resources/emailauthenticationmethod.
	m, err = graphadapter.ParseMethod([]byte(`{"@odata.type":"#microsoft.graph.emailAuthenticationMethod","id":"3ddfcfc8-9383-446f-83cc-3ab9be4be18f","emailAddress":"kim@contoso.com"}`))
	require.NoError(t, err)
	e, ok := m.Email()
	require.True(t, ok)
	assert.Equal(t, "kim@contoso.com", e.EmailAddress.Reveal())
}

func TestParseMethodErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `[]`, `{"id":"m"}`, `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"m","aaGuid":"{2fc0579f-8113-47ea-b116-bb5a8db9202a}"}`} {
		_, err := graphadapter.ParseMethod([]byte(in))
		var e *graphadapter.Error
		assert.ErrorAs(t, err, &e, "%q", in)
	}
}

func TestParsePolicyObjects(t *testing.T) {
	// fido2authenticationmethodconfiguration-update (v1.0), request body.
	c, err := graphadapter.ParseMethodConfiguration([]byte(`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration","id":"Fido2","state":"disabled","isSelfServiceRegistrationAllowed":true,"isAttestationEnforced":true,"keyRestrictions":{"isEnforced":false,"enforcementType":"block","aaGuids":[]},"includeTargets":[{"targetType":"group","id":"all_users","isRegistrationRequired":false,"allowedPasskeyProfiles":["00000000-0000-0000-0000-000000000001"]}],"excludeTargets":[],"passkeyProfiles":[{"id":"00000000-0000-0000-0000-000000000001","name":"Default passkey profile","passkeyTypes":"deviceBound,synced","attestationEnforcement":"disabled","keyRestrictions":{"isEnforced":false,"enforcementType":"allow","aaGuids":[]}}]}`))
	require.NoError(t, err)
	assert.Equal(t, "Fido2", c.ID)
	assert.Equal(t, "disabled", c.State)
	assert.Contains(t, string(c.Raw), `"passkeyProfiles"`)

	_, err = graphadapter.ParseMethodConfiguration([]byte(`{"id":"Fido2","State":"enabled","@odata.type":"#x"}`))
	assert.ErrorContains(t, err, `member "State" is not "state"`)

	ca, err := graphadapter.ParseConditionalAccessPolicy([]byte(`{"id":"c","state":"enabled","grantControls":{"operator":"OR","builtInControls":[],"authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004"}}}`))
	require.NoError(t, err)
	assert.Equal(t, graphadapter.StrengthPhishingResistant, ca.Grant.AuthenticationStrengthID)

	ca, err = graphadapter.ParseConditionalAccessPolicy([]byte(`{"id":"c","state":"enabled","grantControls":null}`))
	require.NoError(t, err)
	assert.Nil(t, ca.Grant)

	_, err = graphadapter.ParseAuthenticationStrengthPolicy([]byte(`{"displayName":"no id"}`))
	var e *graphadapter.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "id", e.Path)
}

func TestMarshalWithoutRaw(t *testing.T) {
	s := loadFile(t, "graph-docs.json")
	s.Users[0].Methods = append(s.Users[0].Methods, graphadapter.Method{ODataType: graphadapter.ODataTypePassword, ID: "p"})
	_, err := s.Marshal()
	assert.ErrorContains(t, err, "ParseMethod")
}

func TestPersonalDataRedacts(t *testing.T) {
	p := graphadapter.PersonalData("+1 2065550123")
	for _, s := range []string{p.String(), p.GoString(), fmtAll(p)} {
		assert.NotContains(t, s, "555")
	}
	assert.Equal(t, "+1 2065550123", p.Reveal())
}

func TestErrorFormat(t *testing.T) {
	e := &graphadapter.Error{Path: "users.0.id", Offset: -1, Reason: "missing", Err: graphadapter.ErrReference}
	assert.Equal(t, "graphadapter: users.0.id: missing", e.Error())
	assert.True(t, errors.Is(e, graphadapter.ErrReference))
	e = &graphadapter.Error{Offset: 12, Reason: "bad"}
	assert.Equal(t, "graphadapter: snapshot (byte 12): bad", e.Error())
}
