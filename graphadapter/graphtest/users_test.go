package graphtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/graphtest"
)

// raw sends body as it is and returns the status and the answer's bytes.
func raw(t *testing.T, srv *graphtest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.BaseURL()+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(data)
}

func newUserBody(upn, password string) map[string]any {
	return map[string]any{
		"accountEnabled":    true,
		"displayName":       "Ada Newhire",
		"mailNickname":      strings.Split(upn, "@")[0],
		"userPrincipalName": upn,
		"passwordProfile":   map[string]any{"forceChangePasswordNextSignIn": false, "password": password},
	}
}

func TestCreateUser(t *testing.T) {
	srv, s := start(t, graphtest.Options{})
	const pw1, pw2 = "Xk4-never-shown-9Qz_first-password-abcdefgh", "Yq7.never-shown-2Wb_second-password-ijklmn"
	upn := "ada.newhire@" + demo.Domain

	var answers bytes.Buffer
	resp, v := do(t, srv, "POST", "/users", newUserBody(upn, pw1))
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", v)
	fmt.Fprint(&answers, v)
	id, _ := v["id"].(string)
	require.NotEmpty(t, id)
	assert.Equal(t, upn, v["userPrincipalName"])
	assert.Equal(t, graphtestMetadata+"users/$entity", v["@odata.context"])
	assert.NotContains(t, v, "passwordProfile")
	assert.Equal(t, "https://graph.microsoft.com/v1.0/users/"+id, resp.Header.Get("Location"))

	// Listed, readable by id and userPrincipalName, in no group.
	items, _ := scan(t, srv, "/users?$select=id,userPrincipalName,accountEnabled,mailNickname")
	require.Len(t, items, len(s.Users)+1)
	last := items[len(items)-1]
	assert.Equal(t, map[string]any{"id": id, "userPrincipalName": upn, "accountEnabled": true, "mailNickname": "ada.newhire"}, last)
	for _, who := range []string{id, strings.ToUpper(upn)} {
		resp, v = do(t, srv, "GET", "/users/"+who+"/authentication/methods", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", v)
		assert.Empty(t, v["value"])
	}

	// Graph's answer to a userPrincipalName in use, in any case.
	status, body := raw(t, srv, "POST", "/users", mustJSON(t, newUserBody(strings.ToUpper(upn), pw2)))
	assert.Equal(t, http.StatusBadRequest, status)
	var ge struct {
		Error struct {
			Code, Message string
			Details       []struct{ Target, Code string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ge), body)
	assert.Equal(t, "Request_BadRequest", ge.Error.Code)
	assert.Equal(t, "Another object with the same value for property userPrincipalName already exists.", ge.Error.Message)
	assert.Equal(t, []struct{ Target, Code string }{{"userPrincipalName", "ObjectConflict"}}, ge.Error.Details)
	answers.WriteString(body)

	// Required members, the password policy, unknown members.
	for _, tc := range []struct {
		name string
		edit func(map[string]any)
		want string
	}{
		{"no accountEnabled", func(b map[string]any) { delete(b, "accountEnabled") }, "'accountEnabled'"},
		{"no displayName", func(b map[string]any) { delete(b, "displayName") }, "'displayName'"},
		{"empty mailNickname", func(b map[string]any) { b["mailNickname"] = "" }, "'mailNickname'"},
		{"no userPrincipalName", func(b map[string]any) { delete(b, "userPrincipalName") }, "'userPrincipalName'"},
		{"no passwordProfile", func(b map[string]any) { delete(b, "passwordProfile") }, "A password must be specified"},
		{"no password", func(b map[string]any) { delete(b["passwordProfile"].(map[string]any), "password") }, "A password must be specified"},
		{"short password", func(b map[string]any) { b["passwordProfile"].(map[string]any)["password"] = "Ab1-xyz" }, "complexity"},
		{"two classes", func(b map[string]any) { b["passwordProfile"].(map[string]any)["password"] = strings.Repeat("ab12", 10) }, "complexity"},
		{"a character Entra refuses", func(b map[string]any) { b["passwordProfile"].(map[string]any)["password"] = "Ab1-é" + pw2 }, "complexity"},
		{"the userPrincipalName in it", func(b map[string]any) {
			b["passwordProfile"].(map[string]any)["password"] = "X1-" + b["userPrincipalName"].(string)
		}, "complexity"},
		{"a password of the wrong type", func(b map[string]any) { b["passwordProfile"].(map[string]any)["password"] = 12345678 }, "/passwordProfile/password"},
		{"an unknown member", func(b map[string]any) { b["givenNam"] = "Ada" }, "/givenNam"},
		{"a malformed userPrincipalName", func(b map[string]any) { b["userPrincipalName"] = "grace hopper@" + demo.Domain }, "userPrincipalName"},
	} {
		b := newUserBody("grace@"+demo.Domain, pw2)
		tc.edit(b)
		status, body := raw(t, srv, "POST", "/users", mustJSON(t, b))
		assert.Equal(t, http.StatusBadRequest, status, tc.name)
		assert.Contains(t, body, tc.want, tc.name)
		answers.WriteString(body)
	}
	status, body = raw(t, srv, "POST", "/users", `{"passwordProfile":{"password":"`+pw2+`"`)
	assert.Equal(t, http.StatusBadRequest, status)
	answers.WriteString(body)
	items, _ = scan(t, srv, "/users?$select=id")
	assert.Len(t, items, len(s.Users)+1, "nothing refused was created")

	// A second user: the server tells a new password from a reused one.
	resp, v = do(t, srv, "POST", "/users", newUserBody("lin@"+demo.Domain, pw2))
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", v)
	resp, v = do(t, srv, "POST", "/users", newUserBody("max@"+demo.Domain, pw1))
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", v)
	created := srv.CreatedUsers()
	require.Len(t, created, 3)
	assert.Equal(t, graphtest.CreatedUser{ID: id, UserPrincipalName: upn, AccountEnabled: true, PasswordLength: len(pw1), PasswordClasses: 4}, created[0])
	assert.False(t, created[1].PasswordReused)
	assert.True(t, created[2].PasswordReused, "pw1 again")

	// The passwords are in no answer and in nothing the server shows.
	shown := answers.String() + fmt.Sprintf("%+v %+v", created, srv.Stats())
	for _, pw := range []string{pw1, pw2} {
		assert.NotContains(t, shown, pw)
	}
}

const graphtestMetadata = "https://graph.microsoft.com/v1.0/$metadata#"

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestCreateUserInBatch: POST /users inside a $batch goes through the same
// route.
func TestCreateUserInBatch(t *testing.T) {
	srv, _ := start(t, graphtest.Options{})
	resp, v := do(t, srv, "POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "POST", "url": "/users", "headers": map[string]string{"Content-Type": "application/json"},
			"body": newUserBody("batch@"+demo.Domain, "Batch-Password-1234567890-abcdef")},
	}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	r := v["responses"].([]any)[0].(map[string]any)
	assert.Equal(t, 201.0, r["status"], "%v", r)
	assert.NotContains(t, fmt.Sprint(v), "Batch-Password")
	require.Len(t, srv.CreatedUsers(), 1)
}
