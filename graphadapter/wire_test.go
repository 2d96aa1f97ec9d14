package graphadapter_test

import (
	"errors"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
)

func TestParseAuthenticationMethodsPolicy(t *testing.T) {
	want := demo.Snapshot().AuthenticationMethodsPolicy
	b, err := jsonv2.Marshal(want)
	require.NoError(t, err)
	// As Graph sends it: with its context annotation first.
	wire := `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#policies/authenticationMethodsPolicy/$entity",` + string(b[1:])
	got, err := graphadapter.ParseAuthenticationMethodsPolicy([]byte(wire))
	require.NoError(t, err)
	g, err := jsonv2.Marshal(got)
	require.NoError(t, err)
	assert.Equal(t, string(b), string(g), "the annotation is dropped, everything else kept")

	for _, tc := range []struct{ in, path string }{
		{``, "authenticationMethodsPolicy"},
		{`{"id":""}`, "authenticationMethodsPolicy.id"},
		{`{"id":"p","authenticationMethodConfigurations":{}}`, "authenticationMethodsPolicy.authenticationMethodConfigurations"},
		{`{"id":"p","authenticationMethodConfigurations":[` + strings.Repeat(`{"@odata.type":"#microsoft.graph.smsAuthenticationMethodConfiguration","id":"Sms"},`, 64) + `{"@odata.type":"#microsoft.graph.smsAuthenticationMethodConfiguration","id":"Sms"}]}`, "authenticationMethodsPolicy.authenticationMethodConfigurations"},
	} {
		_, err := graphadapter.ParseAuthenticationMethodsPolicy([]byte(tc.in))
		var e *graphadapter.Error
		if assert.ErrorAs(t, err, &e, tc.in) {
			assert.Equal(t, tc.path, e.Path, tc.in)
		}
	}
}

func TestParseMethodsPage(t *testing.T) {
	p, err := graphadapter.ParseMethodsPage([]byte(`{"@odata.context":"x","value":[{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"28c10230-6103-485e-b985-444c60001490"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/next"}`))
	require.NoError(t, err)
	require.Len(t, p.Methods, 1)
	assert.Equal(t, graphadapter.KindPassword, p.Methods[0].Kind())
	assert.Equal(t, "https://graph.microsoft.com/v1.0/next", p.NextLink)

	for _, tc := range []struct{ in, path string }{
		{`{}`, "authenticationMethods.value"},
		{`{"value":[{"id":"x"}]}`, "authenticationMethods.value.0"},
		{`{"value":[` + strings.Repeat(`{"@odata.type":"#microsoft.graph.emailAuthenticationMethod","id":"e"},`, 100) + `{"@odata.type":"#microsoft.graph.emailAuthenticationMethod","id":"e"}]}`, "authenticationMethods.value"},
		{`{"value":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "authenticationMethods"},
	} {
		_, err := graphadapter.ParseMethodsPage([]byte(tc.in))
		var e *graphadapter.Error
		if assert.ErrorAs(t, err, &e, tc.in) {
			assert.True(t, strings.HasPrefix(e.Path, tc.path), "%s: path %q, want under %q (%v)", tc.in, e.Path, tc.path, err)
		}
	}
}

func TestParsePolicyPages(t *testing.T) {
	s := demo.Snapshot()
	var ca []string
	for _, p := range s.ConditionalAccessPolicies {
		ca = append(ca, string(p.Raw))
	}
	got, next, err := graphadapter.ParseConditionalAccessPage([]byte(`{"value":[` + strings.Join(ca, ",") + `],"@odata.nextLink":"n"}`))
	require.NoError(t, err)
	require.Len(t, got, len(s.ConditionalAccessPolicies))
	assert.Equal(t, "n", next)
	for i := range got {
		assert.Equal(t, s.ConditionalAccessPolicies[i].ID, got[i].ID)
	}
	_, _, err = graphadapter.ParseAuthenticationStrengthPage([]byte(`{"value":[{"id":3}]}`))
	var e *graphadapter.Error
	if assert.ErrorAs(t, err, &e) {
		assert.True(t, strings.HasPrefix(e.Path, "authenticationStrengthPolicies.value.0"), e.Path)
	}
}

func TestParseMembersPage(t *testing.T) {
	ids, next, err := graphadapter.ParseMembersPage([]byte(`{"@odata.context":"c","value":[{"@odata.type":"#microsoft.graph.user","id":"u1"},{"id":"u2"}],"@odata.nextLink":"n"}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"u1", "u2"}, ids)
	assert.Equal(t, "n", next)
	for _, tc := range []struct{ in, path string }{
		{`{"value":[{"id":""}]}`, "members.value.0.id"},
		{`{"value":[{"id":7}]}`, "members.value.0.id"},
		{`{"value":[` + strings.Repeat(`{"id":"u"},`, 999) + `{"id":"u"}]}`, "members.value"},
		{`[]`, "members"},
	} {
		_, _, err := graphadapter.ParseMembersPage([]byte(tc.in))
		var e *graphadapter.Error
		if assert.ErrorAs(t, err, &e, tc.in) {
			assert.Equal(t, tc.path, e.Path, tc.in)
		}
	}
}

func TestParseBatchResponse(t *testing.T) {
	ids := []string{"1", "2", "3"}
	got, err := graphadapter.ParseBatchResponse([]byte(`{"responses":[
		{"id":"3","status":429,"headers":{"retry-after":"4"}},
		{"id":"1","status":200,"body":{"value":[]}},
		{"id":"2","status":404,"body":{"error":{"code":"Request_ResourceNotFound"}}}]}`), ids)
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, r := range got {
		assert.Equal(t, ids[i], r.ID, "in the order of the requests")
	}
	assert.Equal(t, "4", got[2].Header("Retry-After"), "header names without case")
	assert.JSONEq(t, `{"value":[]}`, string(got[0].Body))

	for _, tc := range []struct{ in, path string }{
		{`{}`, "$batch.responses"},
		{`{"responses":[{"id":"1","status":200},{"id":"2","status":200}]}`, "$batch.responses"},
		{`{"responses":[{"id":"1","status":200},{"id":"1","status":200},{"id":"3","status":200}]}`, "$batch.responses.1.id"},
		{`{"responses":[{"id":"9","status":200}]}`, "$batch.responses.0.id"},
		{`{"responses":[{"id":"1","status":7}]}`, "$batch.responses.0.status"},
		{`{"responses":[{"id":"1","status":"200"}]}`, "$batch.responses.0.status"},
	} {
		_, err := graphadapter.ParseBatchResponse([]byte(tc.in), ids)
		var e *graphadapter.Error
		if assert.ErrorAs(t, err, &e, tc.in) {
			assert.Equal(t, tc.path, e.Path, tc.in)
		}
	}
}

// FuzzParseWire: the parsers of Graph's responses never panic and fail
// only with an *Error.
func FuzzParseWire(f *testing.F) {
	f.Add([]byte(`{"responses":[{"id":"1","status":200,"body":{"value":[{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"x","aaGuid":"cb69481e-8ff7-4039-93ec-0a2729a154a8"}]}}]}`))
	f.Add([]byte(`{"id":"authenticationMethodsPolicy","authenticationMethodConfigurations":[{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration","id":"Fido2","state":"enabled","passkeyProfiles":[]}]}`))
	f.Add([]byte(`{"value":[],"@odata.nextLink":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(what string, err error) {
			var e *graphadapter.Error
			if err != nil && !errors.As(err, &e) {
				t.Fatalf("%s: not an *Error: %v", what, err)
			}
		}
		_, err := graphadapter.ParseAuthenticationMethodsPolicy(data)
		check("policy", err)
		_, err = graphadapter.ParseMethodsPage(data)
		check("methods", err)
		_, _, err = graphadapter.ParseMembersPage(data)
		check("members", err)
		_, _, err = graphadapter.ParseConditionalAccessPage(data)
		check("conditional access", err)
		_, _, err = graphadapter.ParseAuthenticationStrengthPage(data)
		check("strength", err)
		rs, err := graphadapter.ParseBatchResponse(data, []string{"1", "2"})
		check("batch", err)
		for _, r := range rs {
			if r.Status == 200 {
				_, err := graphadapter.ParseMethodsPage(r.Body)
				check("batch body", err)
			}
		}
	})
}
