package graphtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/graphtest"
)

const token = "test-token-not-secret"

func start(t *testing.T, opts graphtest.Options) (*graphtest.Server, *graphadapter.Snapshot) {
	t.Helper()
	s := demo.Snapshot()
	if opts.Token == "" {
		opts.Token = token
	}
	srv, err := graphtest.NewServer(s, opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), "loopback only")
	return srv, s
}

// do sends one request and decodes a JSON answer into a generic value.
func do(t *testing.T, srv *graphtest.Server, method, url string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	if !strings.HasPrefix(url, "http") {
		url = srv.BaseURL() + url
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var v map[string]any
	if len(data) > 0 {
		require.NoError(t, json.Unmarshal(data, &v), "%s", data)
	}
	return resp, v
}

// scan follows @odata.nextLink from url and returns every item and the
// number of pages.
func scan(t *testing.T, srv *graphtest.Server, url string) ([]map[string]any, int) {
	t.Helper()
	var items []map[string]any
	pages := 0
	for url != "" && pages < 1000 {
		resp, v := do(t, srv, "GET", url, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", v)
		pages++
		for _, it := range v["value"].([]any) {
			items = append(items, it.(map[string]any))
		}
		url, _ = v["@odata.nextLink"].(string)
	}
	return items, pages
}

func errorCode(v map[string]any) string {
	e, _ := v["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func TestUsersPaging(t *testing.T) {
	srv, s := start(t, graphtest.Options{})
	items, pages := scan(t, srv, "/users?$select=id,userPrincipalName,accountEnabled&$top=40")
	assert.Equal(t, (len(s.Users)+39)/40, pages)
	require.Len(t, items, len(s.Users))
	for i, it := range items {
		assert.Equal(t, s.Users[i].ID, it["id"])
		assert.Equal(t, s.Users[i].UserPrincipalName, it["userPrincipalName"])
		assert.Equal(t, *s.Users[i].AccountEnabled, it["accountEnabled"])
		assert.Len(t, it, 3, "only the selected members")
	}

	resp, v := do(t, srv, "GET", "/users?$select=id,accountEnabled&$top=2", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#users(id,accountEnabled)", v["@odata.context"])
	assert.Contains(t, v["@odata.nextLink"], "%24select=id%2CaccountEnabled", "the nextLink keeps $select")
	assert.Contains(t, resp.Header.Get("Content-Type"), "application/json")

	// Without $select, Graph's default set: accountEnabled is not in it.
	_, v = do(t, srv, "GET", "/users", nil)
	first := v["value"].([]any)[0].(map[string]any)
	assert.NotContains(t, first, "accountEnabled")
	assert.Equal(t, s.Users[0].DisplayName, first["displayName"])
	assert.Len(t, v["value"], 100, "the default page size")
}

func TestQueryErrors(t *testing.T) {
	srv, _ := start(t, graphtest.Options{})
	tests := []struct {
		url    string
		status int
		code   string
	}{
		{"/users?$top=1000", 400, "Request_BadRequest"},
		{"/users?$top=0", 400, "Request_BadRequest"},
		{"/users?$filter=accountEnabled eq false", 400, "Request_UnsupportedQuery"},
		{"/users?$skiptoken=garbage!", 400, "Request_BadRequest"},
		{"/users/nobody/authentication/methods", 404, "Request_ResourceNotFound"},
		{"/groups/nobody/transitiveMembers", 404, "Request_ResourceNotFound"},
		{"/devices", 400, "BadRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			resp, v := do(t, srv, "GET", strings.ReplaceAll(tt.url, " ", "%20"), nil)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.code, errorCode(v))
			msg := v["error"].(map[string]any)["message"]
			assert.NotEmpty(t, msg)
		})
	}
}

func TestReadEndpoints(t *testing.T) {
	srv, s := start(t, graphtest.Options{})

	_, v := do(t, srv, "GET", "/policies/authenticationMethodsPolicy", nil)
	assert.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#policies/authenticationMethodsPolicy", v["@odata.context"])
	assert.Len(t, v["authenticationMethodConfigurations"], len(s.AuthenticationMethodsPolicy.MethodConfigurations))

	u, _ := s.UserByUPN(demo.GlobalAdminSyncedPasskey)
	_, v = do(t, srv, "GET", "/users/"+u.ID+"/authentication/methods", nil)
	require.Len(t, v["value"], len(u.Methods))
	for i, m := range v["value"].([]any) {
		assert.Equal(t, u.Methods[i].ID, m.(map[string]any)["id"])
		assert.Equal(t, u.Methods[i].ODataType, m.(map[string]any)["@odata.type"])
	}

	groups, _ := scan(t, srv, "/groups?$top=5")
	require.Len(t, groups, len(s.Groups))
	for i, g := range groups {
		assert.Equal(t, s.Groups[i].ID, g["id"])
		assert.NotContains(t, g, "members")
		members, pages := scan(t, srv, "/groups/"+s.Groups[i].ID+"/transitiveMembers/microsoft.graph.user?$select=id&$top=25")
		assert.Equal(t, max(1, (len(s.Groups[i].Members)+24)/25), pages)
		require.Len(t, members, len(s.Groups[i].Members))
		for k, m := range members {
			assert.Equal(t, s.Groups[i].Members[k], m["id"])
			assert.Equal(t, "#microsoft.graph.user", m["@odata.type"])
		}
	}

	roles, _ := scan(t, srv, "/roleManagement/directory/roleAssignments?$top=3")
	require.Len(t, roles, len(s.RoleAssignments))
	for i, r := range roles {
		assert.Equal(t, s.RoleAssignments[i].PrincipalID, r["principalId"])
		assert.Equal(t, s.RoleAssignments[i].RoleDefinitionID, r["roleDefinitionId"])
	}

	_, v = do(t, srv, "GET", "/organization", nil)
	assert.Equal(t, s.Tenant.ID, v["value"].([]any)[0].(map[string]any)["id"])
}

func TestWrites(t *testing.T) {
	srv, s := start(t, graphtest.Options{})
	u, _ := s.UserByUPN(demo.NewHireTAPOnly)
	resp, v := do(t, srv, "POST", "/users/"+u.ID+"/authentication/temporaryAccessPassMethods", map[string]any{"lifetimeInMinutes": 120, "isUsableOnce": true})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", v)
	code, _ := v["temporaryAccessPass"].(string)
	assert.Len(t, code, 8, "the code, in the creation response only")
	assert.Equal(t, 120.0, v["lifetimeInMinutes"])
	passID := v["id"].(string)

	_, v = do(t, srv, "GET", "/users/"+u.ID+"/authentication/methods", nil)
	var listed []any
	for _, m := range v["value"].([]any) {
		if m.(map[string]any)["id"] == passID {
			listed = append(listed, m.(map[string]any)["temporaryAccessPass"])
		}
	}
	assert.Equal(t, []any{nil}, listed, "listed once, without its code")

	resp, v = do(t, srv, "POST", "/users/"+u.ID+"/authentication/temporaryAccessPassMethods", map[string]any{"lifetimeInMinutes": 5})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "badRequest", errorCode(v))

	resp, _ = do(t, srv, "DELETE", "/users/"+u.ID+"/authentication/temporaryAccessPassMethods/"+passID, nil)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	resp, v = do(t, srv, "DELETE", "/users/"+u.ID+"/authentication/temporaryAccessPassMethods/"+passID, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "Request_ResourceNotFound", errorCode(v))

	admin, _ := s.UserByUPN(demo.GlobalAdminSyncedPasskey)
	fido := admin.MethodsOf(graphadapter.KindFIDO2)[0]
	resp, _ = do(t, srv, "DELETE", "/users/"+admin.ID+"/authentication/fido2Methods/"+fido.ID, nil)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	ms, err := srv.Directory().AuthenticationMethods(t.Context(), admin.ID)
	require.NoError(t, err)
	assert.Len(t, ms, len(admin.Methods)-1)
}

func TestBatch(t *testing.T) {
	srv, s := start(t, graphtest.Options{})
	u := s.Users[3]
	body := map[string]any{"requests": []map[string]any{
		{"id": "1", "method": "GET", "url": "/users/" + u.ID + "/authentication/methods"},
		{"id": "2", "method": "GET", "url": "users?$select=id&$top=2"},
		{"id": "3", "method": "GET", "url": "/users/nobody/authentication/methods"},
		{"id": "4", "method": "POST", "url": "/users/" + u.ID + "/authentication/temporaryAccessPassMethods", "body": map[string]any{}, "headers": map[string]string{"Content-Type": "application/json"}},
		{"id": "5", "method": "POST", "url": "/users/" + u.ID + "/authentication/temporaryAccessPassMethods", "body": map[string]any{}},
		{"id": "6", "method": "GET", "url": "/groups", "dependsOn": []string{"3"}},
	}}
	resp, v := do(t, srv, "POST", "/$batch", body)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", v)
	got := map[string]map[string]any{}
	for _, r := range v["responses"].([]any) {
		got[r.(map[string]any)["id"].(string)] = r.(map[string]any)
	}
	require.Len(t, got, 6)
	status := func(id string) float64 { return got[id]["status"].(float64) }
	assert.Equal(t, 200.0, status("1"))
	assert.Len(t, got["1"]["body"].(map[string]any)["value"], len(u.Methods))
	assert.Contains(t, got["1"]["headers"].(map[string]any)["Content-Type"], "application/json")
	assert.Equal(t, 200.0, status("2"))
	assert.Contains(t, got["2"]["body"].(map[string]any)["@odata.nextLink"], srv.URL+"/v1.0/users?", "an absolute nextLink")
	assert.Equal(t, 404.0, status("3"))
	assert.Equal(t, "Request_ResourceNotFound", got["3"]["body"].(map[string]any)["error"].(map[string]any)["code"])
	assert.Equal(t, 201.0, status("4"))
	assert.Equal(t, 400.0, status("5"), "a body without Content-Type")
	assert.Equal(t, 424.0, status("6"), "depends on a failed request")

	st := srv.Stats()
	assert.Equal(t, 1, st.Requests)
	assert.Equal(t, 6, st.BatchItems)
	assert.Equal(t, 1, st.Routes["POST /v1.0/$batch"])
	assert.Equal(t, 2, st.Routes["GET /v1.0/users/{id}/authentication/methods"])

	var many []map[string]any
	for i := range graphtest.MaxBatchRequests + 1 {
		many = append(many, map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/users"})
	}
	for name, reqs := range map[string]any{
		"too many":  many,
		"duplicate": []map[string]any{{"id": "a", "method": "GET", "url": "/users"}, {"id": "a", "method": "GET", "url": "/groups"}},
		"absolute":  []map[string]any{{"id": "a", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"}},
		"empty":     []map[string]any{},
	} {
		resp, v := do(t, srv, "POST", "/$batch", map[string]any{"requests": reqs})
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, name)
		assert.Equal(t, "BadRequest", errorCode(v), name)
	}
}

func TestToken(t *testing.T) {
	srv, _ := start(t, graphtest.Options{Token: token})
	for name, header := range map[string]string{"none": "", "wrong": "Bearer nope", "not bearer": "Basic " + token} {
		req, err := http.NewRequestWithContext(t.Context(), "GET", srv.BaseURL()+"/users", nil)
		require.NoError(t, err)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, name)
		assert.Contains(t, string(data), "InvalidAuthenticationToken", name)
		assert.NotContains(t, string(data), token, "the token is never echoed")
	}
}

func TestFaults(t *testing.T) {
	t.Run("throttle every third request", func(t *testing.T) {
		srv, _ := start(t, graphtest.Options{Faults: graphtest.Faults{ThrottleEvery: 3, RetryAfter: 7}})
		var statuses []int
		for range 7 {
			resp, v := do(t, srv, "GET", "/organization", nil)
			statuses = append(statuses, resp.StatusCode)
			if resp.StatusCode == http.StatusTooManyRequests {
				assert.Equal(t, "7", resp.Header.Get("Retry-After"))
				assert.Equal(t, "TooManyRequests", errorCode(v))
			}
		}
		assert.Equal(t, []int{200, 200, 429, 200, 200, 429, 200}, statuses)
		st := srv.Stats()
		assert.Equal(t, 7, st.Requests)
		assert.Equal(t, 2, st.Throttled)
		assert.Equal(t, 2, st.EarlyRetries, "requests 4 and 7 repeat a throttled request within its Retry-After")
		assert.Equal(t, 7, st.Routes["GET /v1.0/organization"])
	})
	t.Run("throttle inside a batch", func(t *testing.T) {
		srv, _ := start(t, graphtest.Options{Faults: graphtest.Faults{BatchThrottleEvery: 2}})
		var reqs []map[string]any
		for i := range 5 {
			reqs = append(reqs, map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/organization"})
		}
		resp, v := do(t, srv, "POST", "/$batch", map[string]any{"requests": reqs})
		require.Equal(t, http.StatusOK, resp.StatusCode, "the batch itself succeeds")
		var statuses []float64
		for _, r := range v["responses"].([]any) {
			r := r.(map[string]any)
			statuses = append(statuses, r["status"].(float64))
			if r["status"].(float64) == 429 {
				assert.Equal(t, "1", r["headers"].(map[string]any)["Retry-After"])
			}
		}
		assert.Equal(t, []float64{200, 429, 200, 429, 200}, statuses)
		assert.Equal(t, 2, srv.Stats().Throttled)
		assert.Equal(t, 2, srv.Stats().EarlyRetries, "items 3 and 5 repeat a throttled item at once")
	})
	t.Run("bursts of 503", func(t *testing.T) {
		srv, _ := start(t, graphtest.Options{Faults: graphtest.Faults{BurstEvery: 4, BurstLength: 2}})
		var statuses []int
		for range 8 {
			resp, _ := do(t, srv, "GET", "/organization", nil)
			statuses = append(statuses, resp.StatusCode)
		}
		assert.Equal(t, []int{200, 200, 503, 503, 200, 200, 503, 503}, statuses)
		assert.Equal(t, 4, srv.Stats().ServerErrors)
	})
	t.Run("a page fails mid-scan", func(t *testing.T) {
		srv, _ := start(t, graphtest.Options{Faults: graphtest.Faults{FailPage: 3, FailPageTimes: 1}})
		_, v := do(t, srv, "GET", "/users?$select=id&$top=50", nil)
		_, v = do(t, srv, "GET", v["@odata.nextLink"].(string), nil)
		third := v["@odata.nextLink"].(string)
		resp, v := do(t, srv, "GET", third, nil)
		assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
		assert.NotEmpty(t, errorCode(v))
		resp, v = do(t, srv, "GET", third, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "a retry of the same link succeeds")
		assert.Len(t, v["value"], 50)
	})
	t.Run("slow responses", func(t *testing.T) {
		srv, _ := start(t, graphtest.Options{Faults: graphtest.Faults{SlowEvery: 2, SlowDelay: 300 * time.Millisecond}})
		resp, _ := do(t, srv, "GET", "/organization", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", srv.BaseURL()+"/organization", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		began := time.Now()
		_, err = srv.Client().Do(req)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(began), 250*time.Millisecond)
	})
}
