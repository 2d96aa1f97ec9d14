package graphadapter

import (
	"bytes"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Graph's wire format, as a Directory that talks to Graph reads it. The
// documents come from a server, which may be broken or hostile: each parser
// checks size and nesting first and names what is wrong and where.

// MaxResponseSize bounds one Graph response a parser here accepts. Graph's
// largest page (999 users with the members keytier selects) is a few
// hundred kilobytes; a $batch of 20 users' methods is smaller still.
const MaxResponseSize = 64 << 20

// ParseAuthenticationMethodsPolicy reads the response of
// GET /policies/authenticationMethodsPolicy. Members keytier does not model
// (passkeyProfiles and any newer ones) are kept; the response's
// @odata.context annotation is not.
func ParseAuthenticationMethodsPolicy(data []byte) (*AuthenticationMethodsPolicy, error) {
	const where = "authenticationMethodsPolicy"
	if err := checkResponse(data, where); err != nil {
		return nil, err
	}
	var doc struct {
		Context string `json:"@odata.context,omitempty"`
		AuthenticationMethodsPolicy
	}
	if err := jsonv2.Unmarshal(data, &doc); err != nil {
		return nil, withPrefix(jsonError(err, ""), where)
	}
	p := doc.AuthenticationMethodsPolicy
	if p.ID == "" {
		return nil, errorAt(where+".id", ErrReference, "missing")
	}
	if n := len(p.MethodConfigurations); n > MaxMethodConfigurations {
		return nil, limitError(where+".authenticationMethodConfigurations", n, MaxMethodConfigurations, "method configurations", "MaxMethodConfigurations")
	}
	return &p, nil
}

// MethodsPage is one page of GET /users/{id}/authentication/methods.
type MethodsPage struct {
	Methods  []Method
	NextLink string // @odata.nextLink; "" on the last page
}

// ParseMethodsPage reads a page of a user's authentication methods: an
// object whose value array holds authenticationMethod objects (see
// ParseMethod) and, when more follow, @odata.nextLink.
func ParseMethodsPage(data []byte) (MethodsPage, error) {
	const where = "authenticationMethods"
	if err := checkResponse(data, where); err != nil {
		return MethodsPage{}, err
	}
	var doc struct {
		Value    *[]Method `json:"value"`
		NextLink string    `json:"@odata.nextLink,omitempty"`
	}
	if err := jsonv2.Unmarshal(data, &doc); err != nil {
		return MethodsPage{}, withPrefix(jsonError(err, ""), where)
	}
	if doc.Value == nil {
		return MethodsPage{}, errorAt(where+".value", nil, "missing")
	}
	if n := len(*doc.Value); n > MaxMethodsPerUser {
		return MethodsPage{}, limitError(where+".value", n, MaxMethodsPerUser, "methods", "MaxMethodsPerUser")
	}
	return MethodsPage{Methods: *doc.Value, NextLink: doc.NextLink}, nil
}

// ParseConditionalAccessPage reads a page of
// GET /identity/conditionalAccess/policies: the policies (see
// ParseConditionalAccessPolicy) and the @odata.nextLink, "" on the last page.
func ParseConditionalAccessPage(data []byte) ([]ConditionalAccessPolicy, string, error) {
	return parsePage[ConditionalAccessPolicy](data, "conditionalAccessPolicies", MaxConditionalAccessPolicies, "MaxConditionalAccessPolicies")
}

// ParseAuthenticationStrengthPage reads a page of
// GET /policies/authenticationStrengthPolicies.
func ParseAuthenticationStrengthPage(data []byte) ([]AuthenticationStrengthPolicy, string, error) {
	return parsePage[AuthenticationStrengthPolicy](data, "authenticationStrengthPolicies", MaxAuthenticationStrengthPolicies, "MaxAuthenticationStrengthPolicies")
}

func parsePage[T any](data []byte, where string, most int, limit string) ([]T, string, error) {
	if err := checkResponse(data, where); err != nil {
		return nil, "", err
	}
	var doc struct {
		Value    *[]T   `json:"value"`
		NextLink string `json:"@odata.nextLink,omitempty"`
	}
	if err := jsonv2.Unmarshal(data, &doc); err != nil {
		return nil, "", withPrefix(jsonError(err, ""), where)
	}
	if doc.Value == nil {
		return nil, "", errorAt(where+".value", nil, "missing")
	}
	if n := len(*doc.Value); n > most {
		return nil, "", limitError(where+".value", n, most, "items", limit)
	}
	return *doc.Value, doc.NextLink, nil
}

// ParseMembersPage reads a page of
// GET /groups/{id}/transitiveMembers/microsoft.graph.user?$select=id: the
// members' ids and the @odata.nextLink, "" on the last page.
func ParseMembersPage(data []byte) ([]string, string, error) {
	const where = "members"
	type member struct {
		ID string `json:"id"`
	}
	ms, next, err := parsePage[member](data, where, MaxPageItems, "MaxPageItems")
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		if m.ID == "" {
			return nil, "", errorAt(indexPath(where+".value", i)+".id", ErrReference, "missing")
		}
		ids[i] = m.ID
	}
	return ids, next, nil
}

// MaxPageItems bounds the items of one page of a list: Graph's $top is at
// most 999.
const MaxPageItems = 999

// BatchResponse is one response inside the answer to POST /$batch
// (learn.microsoft.com/graph/json-batching). Body is the response's JSON
// as the server sent it.
type BatchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    jsontext.Value    `json:"body,omitempty"`
}

// Header returns the response header name, compared without case as HTTP
// header names are.
func (r *BatchResponse) Header(name string) string {
	for k, v := range r.Headers {
		if len(k) == len(name) && bytes.EqualFold([]byte(k), []byte(name)) {
			return v
		}
	}
	return ""
}

// ParseBatchResponse reads the answer to POST /$batch and checks it against
// the request ids sent: one response per request, each id once, statuses
// within 100-599. The responses come back in the order of ids (Graph may
// answer in any order).
func ParseBatchResponse(data []byte, ids []string) ([]BatchResponse, error) {
	const where = "$batch"
	if err := checkResponse(data, where); err != nil {
		return nil, err
	}
	var doc struct {
		Responses *[]BatchResponse `json:"responses"`
	}
	if err := jsonv2.Unmarshal(data, &doc); err != nil {
		return nil, withPrefix(jsonError(err, ""), where)
	}
	if doc.Responses == nil {
		return nil, errorAt(where+".responses", nil, "missing")
	}
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	out := make([]BatchResponse, len(ids))
	seen := make([]bool, len(ids))
	for i, r := range *doc.Responses {
		path := indexPath(where+".responses", i)
		j, ok := pos[r.ID]
		switch {
		case !ok:
			return nil, errorAt(path+".id", ErrReference, "%s answers no request of the batch", strconv.Quote(r.ID))
		case seen[j]:
			return nil, errorAt(path+".id", ErrReference, "%s is answered twice", strconv.Quote(r.ID))
		case r.Status < 100 || r.Status > 599:
			return nil, errorAt(path+".status", nil, "%d is not an HTTP status", r.Status)
		}
		seen[j] = true
		out[j] = r
	}
	for j, ok := range seen {
		if !ok {
			return nil, errorAt(where+".responses", ErrReference, "no response for request %s", strconv.Quote(ids[j]))
		}
	}
	return out, nil
}

// checkResponse bounds a response's size and nesting before it is decoded.
func checkResponse(data []byte, where string) error {
	if len(data) > MaxResponseSize {
		return errorAt(where, ErrLimit, "%d bytes; at most %d allowed (MaxResponseSize)", len(data), MaxResponseSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return errorAt(where, nil, "empty response")
	}
	if err := checkNesting(data); err != nil {
		return withPrefix(err, where)
	}
	return nil
}
