package graphtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/keytier/keytier/graphadapter"
)

// Limits of Graph that the server enforces as Graph does.
const (
	// MaxBatchRequests is the most requests one $batch may carry
	// (learn.microsoft.com/graph/json-batching).
	MaxBatchRequests = 20
	// MaxPageSize is the largest $top the list endpoints accept.
	MaxPageSize = 999
	// maxBody bounds request bodies.
	maxBody = 4 << 20
)

const metadata = "https://graph.microsoft.com/v1.0/$metadata#"

// Options configures a Server. The zero value serves without faults and
// without checking tokens.
type Options struct {
	// Token, when set, is the bearer token every request must carry
	// (Authorization: Bearer <Token>); others get 401. The server never
	// logs or echoes a token.
	Token string
	// PageSize is the page size of list endpoints when the request has no
	// $top; zero: 100, Graph's default for users and groups.
	PageSize int
	// Memory configures the MemoryDirectory behind writes (its clock and
	// randomness).
	Memory graphadapter.MemoryOptions
	Faults Faults
}

// Faults are the failures the server injects. Requests are numbered from 1
// in the order they arrive; requests inside a $batch are numbered on their
// own. The zero value injects none.
type Faults struct {
	// ThrottleEvery: every ThrottleEvery-th request is answered 429 with a
	// Retry-After header; zero: never.
	ThrottleEvery int
	// RetryAfter is the Retry-After of throttled answers, in whole seconds;
	// zero: 1.
	RetryAfter int
	// BatchThrottleEvery: every BatchThrottleEvery-th request inside a
	// $batch gets a 429 response (with Retry-After) while the batch itself
	// is answered 200, as Graph does; zero: never.
	BatchThrottleEvery int
	// BurstEvery and BurstLength: of every BurstEvery requests, the last
	// BurstLength are answered BurstStatus (zero: 503); zero: never.
	BurstEvery, BurstLength, BurstStatus int
	// SlowEvery and SlowDelay: every SlowEvery-th request (1: all) is held
	// SlowDelay before it is answered, or until its client gives up.
	SlowEvery int
	SlowDelay time.Duration
	// FailPage: page FailPage (1 is the first page) of every paged list
	// is answered FailPageStatus (zero: 504) the first FailPageTimes times
	// it is asked for (zero: every time). Zero: never.
	FailPage, FailPageStatus, FailPageTimes int
}

// Stats counts what the server has served.
type Stats struct {
	Requests   int // HTTP requests received
	BatchItems int // requests inside $batch bodies
	Throttled  int // 429 answers, in batches or not
	// EarlyRetries counts requests sent again before the Retry-After of
	// their throttled answer had passed: a request is the same when its
	// method, URL and body are (for a request inside a $batch, its method
	// and URL).
	EarlyRetries int
	ServerErrors int // 5xx answers injected as faults
	// Routes counts requests by route pattern ("GET /v1.0/users",
	// "POST /v1.0/$batch"), batch items included; unknown paths count
	// under "".
	Routes map[string]int
}

// Server is a running fake Graph endpoint. Close it when done.
type Server struct {
	*httptest.Server
	h *handler
}

// NewServer starts a server over a copy of s on a loopback address.
func NewServer(s *graphadapter.Snapshot, opts Options) (*Server, error) {
	h, err := newHandler(s, opts)
	if err != nil {
		return nil, err
	}
	return &Server{Server: httptest.NewServer(h), h: h}, nil
}

// NewTLSServer is NewServer on HTTPS, with a certificate of its own for
// 127.0.0.1 that only clients trusting Certificate() accept: it stands in
// for Graph behind a TLS-inspecting proxy.
func NewTLSServer(s *graphadapter.Snapshot, opts Options) (*Server, error) {
	h, err := newHandler(s, opts)
	if err != nil {
		return nil, err
	}
	return &Server{Server: httptest.NewTLSServer(h), h: h}, nil
}

// BaseURL is the root of the v1.0 endpoints, http://127.0.0.1:port/v1.0.
func (s *Server) BaseURL() string { return s.URL + "/v1.0" }

// Directory is the directory the server reads and writes.
func (s *Server) Directory() *graphadapter.MemoryDirectory { return s.h.dir }

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.stats
	st.Routes = make(map[string]int, len(h.stats.Routes))
	for k, v := range h.stats.Routes {
		st.Routes[k] = v
	}
	return st
}

type member struct {
	name  string
	value jsontext.Value
}

type object []member

func (o object) get(name string) (jsontext.Value, bool) {
	for _, m := range o {
		if m.name == name {
			return m.value, true
		}
	}
	return nil, false
}

// encode writes o, with extra members first.
func (o object) encode(extra ...member) jsontext.Value {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range append(extra, o...) {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := jsontext.AppendQuote(nil, m.name)
		b.Write(name)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// parseObject reads the members of a JSON object, dropping those named in
// drop.
func parseObject(v []byte, drop ...string) (object, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(v))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, fmt.Errorf("graphtest: not a JSON object")
	}
	var o object
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if !slices.Contains(drop, name) {
			val = val.Clone()
			if err := val.Compact(); err != nil {
				return nil, err
			}
			o = append(o, member{name, val})
		}
	}
	return o, nil
}

func quote(s string) jsontext.Value {
	v, _ := jsontext.AppendQuote(nil, s)
	return v
}

// defaultUserSelect is what Graph returns for a user when $select is absent
// (learn.microsoft.com/graph/api/user-list: "a default set of properties").
// accountEnabled is not among them: a client must select it.
var defaultUserSelect = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}

type handler struct {
	opts Options
	dir  *graphadapter.MemoryDirectory
	mux  *http.ServeMux

	// usersMu guards users and userAt, which POST /users extends.
	usersMu   sync.RWMutex
	users     []object
	userAt    map[string]int
	groups    []object
	members   map[string][]string
	roles     []jsontext.Value
	tenant    jsontext.Value
	requests  atomic.Int64
	items     atomic.Int64
	pageFails atomic.Int64
	// retryAt holds, for each throttled request, when it may come again.
	retryAt map[string]time.Time

	mu    sync.Mutex
	stats Stats
	// created notes user creations; passwordKey keys the hashes in
	// passwords, by which the server tells a password it saw before
	// without keeping any.
	created     []CreatedUser
	passwordKey []byte
	passwords   map[[sha256.Size]byte]bool
}

func newHandler(s *graphadapter.Snapshot, opts Options) (*handler, error) {
	dir, err := graphadapter.NewMemoryDirectoryWith(s, opts.Memory)
	if err != nil {
		return nil, err
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	opts.PageSize = min(opts.PageSize, MaxPageSize)
	if opts.Faults.RetryAfter <= 0 {
		opts.Faults.RetryAfter = 1
	}
	if opts.Faults.BurstStatus == 0 {
		opts.Faults.BurstStatus = http.StatusServiceUnavailable
	}
	if opts.Faults.FailPageStatus == 0 {
		opts.Faults.FailPageStatus = http.StatusGatewayTimeout
	}
	h := &handler{opts: opts, dir: dir, userAt: map[string]int{}, members: map[string][]string{}, stats: Stats{Routes: map[string]int{}}, retryAt: map[string]time.Time{},
		passwordKey: make([]byte, 32), passwords: map[[sha256.Size]byte]bool{}}
	// Not opts.Memory.Rand: a test's reproducible reader would make the
	// key guessable.
	if _, err := rand.Read(h.passwordKey); err != nil {
		return nil, err
	}
	ctx := context.Background()
	// Lists are encoded once; only POST /users changes one (it appends a
	// user), and writes otherwise touch methods only.
	err = dir.Users(ctx, h.addUser)
	if err != nil {
		return nil, err
	}
	var gids []string
	err = dir.Groups(ctx, func(g graphadapter.Group) error {
		b, err := jsonv2.Marshal(g)
		if err != nil {
			return err
		}
		o, err := parseObject(b, "members")
		h.groups = append(h.groups, o)
		gids = append(gids, g.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, id := range gids {
		if h.members[id], err = dir.GroupMembers(ctx, id); err != nil {
			return nil, err
		}
	}
	ras, err := dir.RoleAssignments(ctx)
	if err != nil {
		return nil, err
	}
	for _, ra := range ras {
		b, err := jsonv2.Marshal(ra)
		if err != nil {
			return nil, err
		}
		h.roles = append(h.roles, b)
	}
	t, err := dir.Tenant(ctx)
	if err != nil {
		return nil, err
	}
	if h.tenant, err = jsonv2.Marshal(t); err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1.0/organization", h.organization)
	mux.HandleFunc("GET /v1.0/policies/authenticationMethodsPolicy", h.policy)
	mux.HandleFunc("GET /v1.0/users", h.listUsers)
	mux.HandleFunc("POST /v1.0/users", h.createUser)
	mux.HandleFunc("GET /v1.0/users/{id}/authentication/methods", h.methods)
	mux.HandleFunc("POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods", h.createPass)
	mux.HandleFunc("DELETE /v1.0/users/{id}/authentication/temporaryAccessPassMethods/{method}", h.deletePass)
	mux.HandleFunc("DELETE /v1.0/users/{id}/authentication/fido2Methods/{method}", h.deleteFIDO2)
	mux.HandleFunc("GET /v1.0/groups", h.listGroups)
	mux.HandleFunc("GET /v1.0/groups/{id}/transitiveMembers", h.transitiveMembers)
	mux.HandleFunc("GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user", h.transitiveMembers)
	// Graph accepts a type cast with or without its namespace's alias;
	// the Go SDK sends the short form.
	mux.HandleFunc("GET /v1.0/groups/{id}/transitiveMembers/graph.user", h.transitiveMembers)
	mux.HandleFunc("GET /v1.0/roleManagement/directory/roleAssignments", h.roleAssignments)
	mux.HandleFunc("GET /v1.0/identity/conditionalAccess/policies", h.conditionalAccess)
	mux.HandleFunc("GET /v1.0/policies/authenticationStrengthPolicies", h.strengthPolicies)
	mux.HandleFunc("POST /v1.0/$batch", h.batch)
	h.mux = mux
	return h, nil
}

func (h *handler) count(f func(*Stats)) {
	h.mu.Lock()
	f(&h.stats)
	h.mu.Unlock()
}

// graphError writes Graph's error object
// (learn.microsoft.com/graph/errors).
func (h *handler) graphError(w http.ResponseWriter, status int, code, message string) {
	h.graphErrorDetails(w, status, code, message, nil)
}

// errorDetail is one of the details of Graph's error object.
type errorDetail struct {
	Target string `json:"target"`
	Code   string `json:"code"`
}

// graphErrorDetails is graphError with details, as Graph sends with some
// 400s (an ObjectConflict on the property a conflict is about).
func (h *handler) graphErrorDetails(w http.ResponseWriter, status int, code, message string, details []errorDetail) {
	e := map[string]any{
		"code":    code,
		"message": message,
		"innerError": map[string]string{
			"date":       time.Now().UTC().Format(time.RFC3339),
			"request-id": fmt.Sprintf("00000000-0000-4000-8000-%012d", h.requests.Load()),
		},
	}
	if len(details) > 0 {
		e["details"] = details
	}
	body, _ := jsonv2.Marshal(map[string]any{"error": e}, jsonv2.Deterministic(true))
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (h *handler) throttle(w http.ResponseWriter, key string) {
	h.count(func(s *Stats) {
		s.Throttled++
		h.retryAt[key] = time.Now().Add(time.Duration(h.opts.Faults.RetryAfter) * time.Second)
	})
	w.Header().Set("Retry-After", strconv.Itoa(h.opts.Faults.RetryAfter))
	h.graphError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Please retry after the time in the Retry-After header.")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(h.requests.Add(1))
	h.count(func(s *Stats) { s.Requests++ })
	if h.opts.Token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(h.opts.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="", error="invalid_token"`)
			h.graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty or invalid.")
			return
		}
	}
	key, err := requestKey(r)
	if err != nil {
		h.graphError(w, http.StatusRequestEntityTooLarge, "BadRequest", "The request body is too large.")
		return
	}
	h.checkRetry(key)
	f := h.opts.Faults
	if f.SlowEvery > 0 && n%f.SlowEvery == 0 && f.SlowDelay > 0 {
		t := time.NewTimer(f.SlowDelay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.ThrottleEvery > 0 && n%f.ThrottleEvery == 0 {
		h.route(r) // counted as served, as Graph counts throttled calls
		h.throttle(w, key)
		return
	}
	if f.BurstEvery > 0 && (n-1)%f.BurstEvery >= f.BurstEvery-f.BurstLength {
		h.route(r)
		h.count(func(s *Stats) { s.ServerErrors++ })
		h.graphError(w, f.BurstStatus, "serviceNotAvailable", "The service is temporarily unavailable.")
		return
	}
	h.serve(w, r)
}

// requestKey identifies a request for EarlyRetries: method, URL and a
// hash of the body, which it reads and puts back.
func requestKey(r *http.Request) (string, error) {
	key := r.Method + " " + r.URL.RequestURI()
	if r.Body == nil || r.Body == http.NoBody {
		return key, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return "", errors.New("body too large")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	return key + " " + hex.EncodeToString(sum[:8]), nil
}

// checkRetry counts an early retry when key was throttled and its
// Retry-After has not passed.
func (h *handler) checkRetry(key string) {
	h.count(func(s *Stats) {
		if t, ok := h.retryAt[key]; ok {
			if time.Now().Before(t) {
				s.EarlyRetries++
			}
			delete(h.retryAt, key)
		}
	})
}

// route counts r under its route pattern and returns the pattern.
func (h *handler) route(r *http.Request) string {
	_, pattern := h.mux.Handler(r)
	h.count(func(s *Stats) { s.Routes[pattern]++ })
	return pattern
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request) {
	if h.route(r) == "" {
		seg := strings.TrimPrefix(r.URL.Path, "/v1.0")
		h.graphError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s' (method %s).", strings.Trim(seg, "/"), r.Method))
		return
	}
	h.mux.ServeHTTP(w, r) // sets the path values
}

func (h *handler) organization(w http.ResponseWriter, r *http.Request) {
	body := object{{"@odata.context", quote(metadata + "organization")}, {"value", append(append(jsontext.Value{'['}, h.tenant...), ']')}}
	writeJSON(w, http.StatusOK, body.encode())
}

func (h *handler) policy(w http.ResponseWriter, r *http.Request) {
	p, err := h.dir.AuthenticationMethodsPolicy(r.Context())
	if err != nil {
		h.directoryError(w, err)
		return
	}
	b, err := jsonv2.Marshal(p)
	if err != nil {
		h.graphError(w, http.StatusInternalServerError, "generalException", err.Error())
		return
	}
	o, err := parseObject(b)
	if err != nil {
		h.graphError(w, http.StatusInternalServerError, "generalException", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, o.encode(member{"@odata.context", quote(metadata + "policies/authenticationMethodsPolicy")}))
}

// query is a list request's query options.
type query struct {
	sel  []string // nil: the default set
	top  int
	skip int // items to skip, from $skiptoken
	page int // 1-based page number, from $skiptoken
}

func (h *handler) parseQuery(w http.ResponseWriter, r *http.Request) (query, bool) {
	q := query{top: h.opts.PageSize, page: 1}
	vals := r.URL.Query()
	for k := range vals {
		switch k {
		case "$select", "$top", "$skiptoken":
		default:
			if strings.HasPrefix(k, "$") {
				h.graphError(w, http.StatusBadRequest, "Request_UnsupportedQuery", fmt.Sprintf("The query option %s is not supported by this server.", k))
				return q, false
			}
		}
	}
	if s := vals.Get("$select"); s != "" {
		for f := range strings.SplitSeq(s, ",") {
			if f = strings.TrimSpace(f); f != "" {
				q.sel = append(q.sel, f)
			}
		}
	}
	if t := vals.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > MaxPageSize {
			h.graphError(w, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", t, MaxPageSize))
			return q, false
		}
		q.top = n
	}
	if tok := vals.Get("$skiptoken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		var skip, page int
		if err == nil {
			_, err = fmt.Sscanf(string(raw), "skip=%d page=%d", &skip, &page)
		}
		if err != nil || skip < 0 || page < 1 {
			h.graphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid $skiptoken.")
			return q, false
		}
		q.skip, q.page = skip, page
	}
	if f := h.opts.Faults; f.FailPage > 0 && q.page == f.FailPage {
		if f.FailPageTimes == 0 || h.pageFails.Add(1) <= int64(f.FailPageTimes) {
			h.count(func(s *Stats) { s.ServerErrors++ })
			h.graphError(w, f.FailPageStatus, "UnknownError", fmt.Sprintf("Page %d could not be read.", q.page))
			return q, false
		}
	}
	return q, true
}

// writePage writes items[q.skip:] up to q.top, and a nextLink when more
// remain. The nextLink repeats the request's other options, as Graph's do.
func (h *handler) writePage(w http.ResponseWriter, r *http.Request, q query, context string, n int, item func(i int) jsontext.Value) {
	var b bytes.Buffer
	b.WriteByte('[')
	end := min(n, q.skip+q.top)
	for i := q.skip; i < end; i++ {
		if i > q.skip {
			b.WriteByte(',')
		}
		b.Write(item(i))
	}
	b.WriteByte(']')
	body := object{{"@odata.context", quote(metadata + context)}, {"value", b.Bytes()}}
	if end < n {
		vals := r.URL.Query()
		vals.Set("$top", strconv.Itoa(q.top))
		vals.Set("$skiptoken", base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "skip=%d page=%d", end, q.page+1)))
		next := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: vals.Encode()}
		body = append(body, member{"@odata.nextLink", quote(next.String())})
	}
	writeJSON(w, http.StatusOK, body.encode())
}

// project keeps the selected members of o, in $select order; a selected
// member the object lacks is null, as Graph returns an unset property.
func project(o object, sel []string, defaults []string) object {
	if sel == nil && defaults == nil {
		return o
	}
	if sel == nil {
		var out object
		for _, name := range defaults {
			if v, ok := o.get(name); ok {
				out = append(out, member{name, v})
			}
		}
		return out
	}
	out := make(object, 0, len(sel))
	for _, name := range sel {
		v, ok := o.get(name)
		if !ok {
			v = jsontext.Value("null")
		}
		out = append(out, member{name, v})
	}
	return out
}

func selectContext(base string, sel []string) string {
	if sel == nil {
		return base
	}
	return base + "(" + strings.Join(sel, ",") + ")"
}

func (h *handler) listUsers(w http.ResponseWriter, r *http.Request) {
	q, ok := h.parseQuery(w, r)
	if !ok {
		return
	}
	h.usersMu.RLock()
	defer h.usersMu.RUnlock()
	h.writePage(w, r, q, selectContext("users", q.sel), len(h.users), func(i int) jsontext.Value {
		return project(h.users[i], q.sel, defaultUserSelect).encode()
	})
}

func (h *handler) listGroups(w http.ResponseWriter, r *http.Request) {
	q, ok := h.parseQuery(w, r)
	if !ok {
		return
	}
	h.writePage(w, r, q, selectContext("groups", q.sel), len(h.groups), func(i int) jsontext.Value {
		return project(h.groups[i], q.sel, nil).encode()
	})
}

func (h *handler) transitiveMembers(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	members, ok := h.members[id]
	if !ok {
		h.graphError(w, http.StatusNotFound, "Request_ResourceNotFound", fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
		return
	}
	q, ok := h.parseQuery(w, r)
	if !ok {
		return
	}
	ctx := "directoryObjects"
	if strings.HasSuffix(r.URL.Path, "/microsoft.graph.user") {
		ctx = "users"
	}
	userType := member{"@odata.type", quote("#microsoft.graph.user")}
	h.usersMu.RLock()
	defer h.usersMu.RUnlock()
	h.writePage(w, r, q, selectContext(ctx, q.sel), len(members), func(i int) jsontext.Value {
		ui, ok := h.userAt[members[i]]
		if !ok {
			return object{{"id", quote(members[i])}}.encode(userType)
		}
		return project(h.users[ui], q.sel, defaultUserSelect).encode(userType)
	})
}

func (h *handler) roleAssignments(w http.ResponseWriter, r *http.Request) {
	q, ok := h.parseQuery(w, r)
	if !ok {
		return
	}
	h.writePage(w, r, q, "roleManagement/directory/roleAssignments", len(h.roles), func(i int) jsontext.Value { return h.roles[i] })
}

func (h *handler) conditionalAccess(w http.ResponseWriter, r *http.Request) {
	q, ok := h.parseQuery(w, r)
	if !ok {
		return
	}
	ps, err := h.dir.ConditionalAccessPolicies(r.Context())
	if err != nil {
		h.directoryError(w, err)
		return
	}
	h.writePage(w, r, q, "identity/conditionalAccess/policies", len(ps), func(i int) jsontext.Value { return compact(ps[i].Raw) })
}

func (h *handler) strengthPolicies(w http.ResponseWriter, r *http.Request) {
	q, ok := h.parseQuery(w, r)
	if !ok {
		return
	}
	ps, err := h.dir.AuthenticationStrengthPolicies(r.Context())
	if err != nil {
		h.directoryError(w, err)
		return
	}
	h.writePage(w, r, q, "policies/authenticationStrengthPolicies", len(ps), func(i int) jsontext.Value { return compact(ps[i].Raw) })
}

// compact returns v without insignificant white space (v is valid JSON).
func compact(v jsontext.Value) jsontext.Value {
	c := v.Clone()
	_ = c.Compact()
	return c
}

func (h *handler) methods(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ms, err := h.dir.AuthenticationMethods(r.Context(), id)
	if err != nil {
		h.directoryError(w, err)
		return
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		v := m.Raw.Clone()
		if err := v.Compact(); err != nil {
			h.graphError(w, http.StatusInternalServerError, "generalException", err.Error())
			return
		}
		b.Write(v)
	}
	b.WriteByte(']')
	body := object{{"@odata.context", quote(metadata + "users('" + id + "')/authentication/methods")}, {"value", b.Bytes()}}
	writeJSON(w, http.StatusOK, body.encode())
}

func (h *handler) createPass(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req struct {
		// Graph's SDKs send the entity's type with the body.
		ODataType         string     `json:"@odata.type"`
		StartDateTime     *time.Time `json:"startDateTime"`
		LifetimeInMinutes *int       `json:"lifetimeInMinutes"`
		IsUsableOnce      *bool      `json:"isUsableOnce"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil && len(bytes.TrimSpace(body)) > 0 {
		err = jsonv2.Unmarshal(body, &req, jsonv2.RejectUnknownMembers(true))
	}
	if err != nil {
		h.graphError(w, http.StatusBadRequest, "BadRequest", "Invalid request body: "+err.Error())
		return
	}
	var tr graphadapter.TemporaryAccessPassRequest
	if req.StartDateTime != nil {
		tr.StartDateTime = *req.StartDateTime
	}
	if req.LifetimeInMinutes != nil {
		tr.LifetimeInMinutes = *req.LifetimeInMinutes
	}
	tr.IsUsableOnce = req.IsUsableOnce
	if req.ODataType != "" && req.ODataType != graphadapter.ODataTypeTemporaryAccessPass {
		h.graphError(w, http.StatusBadRequest, "BadRequest", "Invalid request body: @odata.type "+req.ODataType+" is not "+graphadapter.ODataTypeTemporaryAccessPass+".")
		return
	}
	created, err := h.dir.CreateTemporaryAccessPass(r.Context(), id, tr)
	if err != nil {
		h.directoryError(w, err)
		return
	}
	o, err := parseObject(created.Method.Raw)
	if err != nil {
		h.graphError(w, http.StatusInternalServerError, "generalException", err.Error())
		return
	}
	// Graph returns the code in this response and never again.
	for i := range o {
		if o[i].name == "temporaryAccessPass" {
			o[i].value = quote(created.Code.Reveal())
		}
	}
	w.Header().Set("Location", "https://graph.microsoft.com/v1.0/users/"+id+"/authentication/temporaryAccessPassMethods/"+created.Method.ID)
	writeJSON(w, http.StatusCreated, o.encode(member{"@odata.context", quote(metadata + "users('" + id + "')/authentication/temporaryAccessPassMethods/$entity")}))
}

func (h *handler) deletePass(w http.ResponseWriter, r *http.Request) {
	h.deleted(w, h.dir.DeleteTemporaryAccessPass(r.Context(), r.PathValue("id"), r.PathValue("method")))
}

func (h *handler) deleteFIDO2(w http.ResponseWriter, r *http.Request) {
	h.deleted(w, h.dir.DeleteFIDO2Method(r.Context(), r.PathValue("id"), r.PathValue("method")))
}

func (h *handler) deleted(w http.ResponseWriter, err error) {
	if err != nil {
		h.directoryError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) directoryError(w http.ResponseWriter, err error) {
	msg := err.Error()
	var de *graphadapter.DirectoryError
	if errors.As(err, &de) && de.Reason != "" {
		msg = de.Reason
	}
	switch {
	case errors.Is(err, graphadapter.ErrNotFound):
		h.graphError(w, http.StatusNotFound, "Request_ResourceNotFound", msg)
	case errors.Is(err, graphadapter.ErrExists):
		h.graphError(w, http.StatusBadRequest, "Request_BadRequest", msg)
	case errors.Is(err, graphadapter.ErrInvalidRequest):
		h.graphError(w, http.StatusBadRequest, "badRequest", msg)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		h.graphError(w, http.StatusGatewayTimeout, "timeout", "The request was cancelled.")
	default:
		h.graphError(w, http.StatusInternalServerError, "generalException", msg)
	}
}
