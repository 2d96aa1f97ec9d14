// Package graphtest runs an HTTP server that speaks Microsoft Graph's v1.0
// wire format over a graphadapter.Snapshot, so a Graph client can be tested
// against real HTTP without a tenant: the JSON bodies, @odata.context and
// @odata.nextLink paging, $select and $top, JSON batching ($batch) with a
// status, headers and body per response, Graph's error objects, and the
// faults a long tenant scan meets (throttling with Retry-After, bursts of
// 5xx, slow answers, a page that fails half way).
//
//	srv, err := graphtest.NewServer(demo.Snapshot(), graphtest.Options{Token: "t"})
//	defer srv.Close()
//	req, _ := http.NewRequest("GET", srv.BaseURL()+"/users?$select=id,accountEnabled&$top=50", nil)
//	req.Header.Set("Authorization", "Bearer t")
//	resp, err := srv.Client().Do(req)
//
// Writes (Temporary Access Pass creation and deletion, passkey deletion,
// user creation) go to a graphadapter.MemoryDirectory holding a copy of the
// snapshot (Server.Directory). POST /users checks the members Graph
// requires and the password against Entra's policy, answers a
// userPrincipalName in use as Graph does, and keeps no password: tests see
// CreatedUsers, a summary of each. The server listens on the loopback
// interface only.
package graphtest
