package msgraph

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	kiotaauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	textser "github.com/microsoft/kiota-serialization-text-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/identity"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/organization"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/keytier/keytier/graphadapter"
)

// Config configures a Directory.
type Config struct {
	// Endpoint is Graph's root without a version; "": Global's
	// (https://graph.microsoft.com). See Clouds and CloudFor.
	Endpoint string
	// Credential gets tokens for the endpoint's scope (NewCredential).
	Credential azcore.TokenCredential
	// Transport carries requests under the SDK's middleware; nil: a clone
	// of http.DefaultTransport, which uses the system's trust store
	// (SSL_CERT_FILE, SSL_CERT_DIR) and the proxy environment variables.
	Transport http.RoundTripper
	// MaxRetries is how often one request, or one response inside a
	// $batch, is sent again after 429, 503 or 504; zero: 6, at most 10.
	MaxRetries int
	// RetryDelay is the base of the backoff when an answer carries no
	// Retry-After: the n-th retry waits RetryDelay^n in seconds, so 1
	// means a second every time; zero: 2.
	RetryDelay int
	// PageSize is the $top of the lists; zero: 999, Graph's largest.
	PageSize int
	// Rand is where CreateUser draws the passwords nobody will know;
	// nil: crypto/rand.Reader.
	Rand io.Reader
}

// Directory is a graphadapter.Directory on Microsoft Graph. It is also a
// graphadapter.BatchMethodReader, BatchGroupMemberReader, PolicyReader,
// UserCreator and RequestCounter. It is safe for concurrent use.
type Directory struct {
	cloud      Cloud
	adapter    *msgraphcore.GraphRequestAdapterBase
	maxRetries int
	retryDelay int
	pageSize   int32
	rand       io.Reader

	requests, throttled atomic.Int64
}

var (
	_ graphadapter.Directory              = (*Directory)(nil)
	_ graphadapter.BatchMethodReader      = (*Directory)(nil)
	_ graphadapter.BatchGroupMemberReader = (*Directory)(nil)
	_ graphadapter.RequestCounter         = (*Directory)(nil)
	_ graphadapter.PolicyReader           = (*Directory)(nil)
	_ graphadapter.UserCreator            = (*Directory)(nil)
)

// New returns a Directory for the tenant cfg.Credential signs in to.
func New(cfg Config) (*Directory, error) {
	if cfg.Credential == nil {
		return nil, errors.New("msgraph: Config.Credential is nil")
	}
	c, err := CloudFor(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	d := &Directory{cloud: c, maxRetries: cfg.MaxRetries, retryDelay: cfg.RetryDelay, pageSize: int32(cfg.PageSize), rand: cfg.Rand}
	if d.rand == nil {
		d.rand = rand.Reader
	}
	if d.maxRetries <= 0 {
		d.maxRetries = 6
	}
	d.maxRetries = min(d.maxRetries, 10)
	if d.retryDelay <= 0 {
		d.retryDelay = 2
	}
	if d.pageSize <= 0 || d.pageSize > 999 {
		d.pageSize = 999
	}
	u, _ := url.Parse(c.Endpoint) // CloudFor checked it
	auth, err := kiotaauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cfg.Credential, []string{c.scope()}, []string{u.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("msgraph: %w", err)
	}

	parent := cfg.Transport
	if parent == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 2 * time.Minute
		parent = t
	}
	options := msgraphcore.GraphClientOptions{GraphServiceLibraryVersion: sdkVersion()}
	// The SDK's default middleware minus request compression, in a fixed
	// order (kiota builds its default list from a map). meter comes last,
	// next to the network, so it sees every attempt the retry handler makes.
	middleware := []khttp.Middleware{
		msgraphcore.NewGraphTelemetryHandler(&options),
		khttp.NewRetryHandlerWithOptions(khttp.RetryHandlerOptions{
			MaxRetries:   d.maxRetries,
			DelaySeconds: d.retryDelay,
			ShouldRetry:  func(time.Duration, int, *http.Request, *http.Response) bool { return true },
		}),
		khttp.NewRedirectHandler(),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewUserAgentHandler(),
		meter{d},
	}
	client := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(parent, middleware...),
		// Redirects are the redirect handler's, which drops the
		// Authorization header when the host changes.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	parse := absser.NewParseNodeFactoryRegistry()
	parse.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonParseNodeFactory()
	parse.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextParseNodeFactory()
	write := absser.NewSerializationWriterFactoryRegistry()
	write.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonSerializationWriterFactory()
	write.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextSerializationWriterFactory()
	a, err := msgraphcore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, options, parse, write, client)
	if err != nil {
		return nil, fmt.Errorf("msgraph: %w", err)
	}
	a.SetBaseUrl(c.Endpoint + "/v1.0")
	d.adapter = a
	return d, nil
}

// sdkVersion is the msgraph-sdk-go version built in, for Graph's telemetry
// header (SdkVersion).
func sdkVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/microsoftgraph/msgraph-sdk-go" {
				return m.Version
			}
		}
	}
	return "unknown"
}

// Cloud is the national cloud the directory talks to.
func (d *Directory) Cloud() Cloud { return d.cloud }

// RequestStats implements graphadapter.RequestCounter.
func (d *Directory) RequestStats() graphadapter.RequestStats {
	return graphadapter.RequestStats{Requests: int(d.requests.Load()), Throttled: int(d.throttled.Load())}
}

var (
	userSelect       = []string{"id", "userPrincipalName", "displayName", "accountEnabled"}
	errorMapping     = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}
	noPathParameters = map[string]string{}
)

// Tenant implements graphadapter.DirectoryReader.
func (d *Directory) Tenant(ctx context.Context) (graphadapter.Tenant, error) {
	const op, res = "Tenant", "/organization"
	b := organization.NewOrganizationRequestBuilderInternal(noPathParameters, d.adapter)
	resp, err := b.Get(ctx, &organization.OrganizationRequestBuilderGetRequestConfiguration{
		QueryParameters: &organization.OrganizationRequestBuilderGetQueryParameters{Select: []string{"id", "displayName"}},
	})
	if err != nil {
		return graphadapter.Tenant{}, d.fail(ctx, op, res, err)
	}
	orgs := resp.GetValue()
	if len(orgs) != 1 || deref(orgs[0].GetId()) == "" {
		return graphadapter.Tenant{}, &graphadapter.DirectoryError{Op: op, Resource: res,
			Reason: fmt.Sprintf("Graph returned %d organizations, want one with an id", len(orgs))}
	}
	return graphadapter.Tenant{ID: deref(orgs[0].GetId()), DisplayName: deref(orgs[0].GetDisplayName())}, nil
}

// AuthenticationMethodsPolicy implements graphadapter.DirectoryReader. It is
// read as raw JSON: the SDK's model has no passkey profiles.
func (d *Directory) AuthenticationMethodsPolicy(ctx context.Context) (*graphadapter.AuthenticationMethodsPolicy, error) {
	const op, res = "AuthenticationMethodsPolicy", "/policies/authenticationMethodsPolicy"
	ri, err := policies.NewPoliciesRequestBuilderInternal(noPathParameters, d.adapter).AuthenticationMethodsPolicy().ToGetRequestInformation(ctx, nil)
	if err != nil {
		return nil, d.fail(ctx, op, res, err)
	}
	data, err := d.send(ctx, ri)
	if err != nil {
		return nil, d.fail(ctx, op, res, err)
	}
	p, err := graphadapter.ParseAuthenticationMethodsPolicy(data)
	if err != nil {
		return nil, &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
	}
	return p, nil
}

// Users implements graphadapter.DirectoryReader: GET /users with $select
// and $top, every page through the SDK's page iterator. When a page fails,
// the error says which users it held: the position of the first one and
// the id of the last user read before it.
func (d *Directory) Users(ctx context.Context, fn func(graphadapter.User) error) error {
	const op = "Users"
	top := d.pageSize
	b := users.NewUsersRequestBuilderInternal(noPathParameters, d.adapter)
	resp, err := b.Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Select: userSelect, Top: &top},
	})
	if err != nil {
		return d.fail(ctx, op, fmt.Sprintf("/users (page 1, users 1-%d)", top), err)
	}
	n, last := 0, ""
	fromFn, err := iterate(ctx, d, resp, models.CreateUserCollectionResponseFromDiscriminatorValue, func(u models.Userable) error {
		n++
		last = deref(u.GetId())
		return fn(graphadapter.User{
			ID:                deref(u.GetId()),
			UserPrincipalName: deref(u.GetUserPrincipalName()),
			DisplayName:       deref(u.GetDisplayName()),
			AccountEnabled:    u.GetAccountEnabled(),
		})
	})
	switch {
	case fromFn:
		return err
	case err != nil:
		return d.fail(ctx, op, fmt.Sprintf("/users (the page of users from #%d on, after %s)", n+1, last), err)
	}
	return nil
}

// AuthenticationMethods implements graphadapter.DirectoryReader.
func (d *Directory) AuthenticationMethods(ctx context.Context, userID string) ([]graphadapter.Method, error) {
	const op = "AuthenticationMethods"
	res := "/users/" + userID + "/authentication/methods"
	ri, err := users.NewUsersRequestBuilderInternal(noPathParameters, d.adapter).ByUserId(userID).Authentication().Methods().ToGetRequestInformation(ctx, nil)
	if err != nil {
		return nil, d.fail(ctx, op, res, err)
	}
	data, err := d.send(ctx, ri)
	if err != nil {
		return nil, d.fail(ctx, op, res, err)
	}
	return d.methodPages(ctx, op, res, data)
}

// methodPages reads a page of methods and the pages its nextLink leads to.
func (d *Directory) methodPages(ctx context.Context, op, res string, data []byte) ([]graphadapter.Method, error) {
	var all []graphadapter.Method
	for {
		page, err := graphadapter.ParseMethodsPage(data)
		if err != nil {
			return nil, &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
		}
		all = append(all, page.Methods...)
		if len(all) > graphadapter.MaxMethodsPerUser {
			return nil, &graphadapter.DirectoryError{Op: op, Resource: res,
				Reason: fmt.Sprintf("more than %d methods (MaxMethodsPerUser)", graphadapter.MaxMethodsPerUser)}
		}
		if page.NextLink == "" {
			if all == nil {
				all = []graphadapter.Method{}
			}
			return all, nil
		}
		ri, err := d.nextLink(page.NextLink)
		if err != nil {
			return nil, &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
		}
		if data, err = d.send(ctx, ri); err != nil {
			return nil, d.fail(ctx, op, res, err)
		}
	}
}

// nextLink returns a GET of an @odata.nextLink, which must stay on the
// directory's endpoint.
func (d *Directory) nextLink(link string) (*abs.RequestInformation, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("@odata.nextLink %q: %w", link, err)
	}
	base, _ := url.Parse(d.cloud.Endpoint)
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return nil, fmt.Errorf("@odata.nextLink leads to %s://%s, away from %s", u.Scheme, u.Host, d.cloud.Endpoint)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	ri.Headers.TryAdd("Accept", "application/json")
	return ri, nil
}

// Groups implements graphadapter.DirectoryReader.
func (d *Directory) Groups(ctx context.Context, fn func(graphadapter.Group) error) error {
	const op, res = "Groups", "/groups"
	top := d.pageSize
	resp, err := groups.NewGroupsRequestBuilderInternal(noPathParameters, d.adapter).Get(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{Select: []string{"id", "displayName"}, Top: &top},
	})
	if err != nil {
		return d.fail(ctx, op, res, err)
	}
	fromFn, err := iterate(ctx, d, resp, models.CreateGroupCollectionResponseFromDiscriminatorValue, func(g models.Groupable) error {
		return fn(graphadapter.Group{ID: deref(g.GetId()), DisplayName: deref(g.GetDisplayName())})
	})
	switch {
	case fromFn:
		return err
	case err != nil:
		return d.fail(ctx, op, res, err)
	}
	return nil
}

// GroupMembers implements graphadapter.DirectoryReader.
func (d *Directory) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	const op = "GroupMembers"
	res := "/groups/" + groupID + "/transitiveMembers/microsoft.graph.user"
	top := d.pageSize
	resp, err := groups.NewGroupsRequestBuilderInternal(noPathParameters, d.adapter).ByGroupId(groupID).TransitiveMembers().GraphUser().Get(ctx,
		&groups.ItemTransitiveMembersGraphUserRequestBuilderGetRequestConfiguration{
			QueryParameters: &groups.ItemTransitiveMembersGraphUserRequestBuilderGetQueryParameters{Select: []string{"id"}, Top: &top},
		})
	if err != nil {
		return nil, d.fail(ctx, op, res, err)
	}
	ids := []string{}
	_, err = iterate(ctx, d, resp, models.CreateUserCollectionResponseFromDiscriminatorValue, func(u models.Userable) error {
		if len(ids) >= graphadapter.MaxMembersPerGroup {
			return fmt.Errorf("more than %d members (MaxMembersPerGroup)", graphadapter.MaxMembersPerGroup)
		}
		ids = append(ids, deref(u.GetId()))
		return nil
	})
	if err != nil {
		return nil, d.fail(ctx, op, res, err)
	}
	return ids, nil
}

// RoleAssignments implements graphadapter.DirectoryReader.
func (d *Directory) RoleAssignments(ctx context.Context) ([]graphadapter.RoleAssignment, error) {
	const op, res = "RoleAssignments", "/roleManagement/directory/roleAssignments"
	resp, err := rolemanagement.NewRoleManagementRequestBuilderInternal(noPathParameters, d.adapter).Directory().RoleAssignments().Get(ctx,
		&rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
			QueryParameters: &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{
				Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId"},
			},
		})
	if err != nil {
		return nil, d.fail(ctx, op, res, err)
	}
	out := []graphadapter.RoleAssignment{}
	_, err = iterate(ctx, d, resp, models.CreateUnifiedRoleAssignmentCollectionResponseFromDiscriminatorValue, func(a models.UnifiedRoleAssignmentable) error {
		if len(out) >= graphadapter.MaxRoleAssignments {
			return fmt.Errorf("more than %d role assignments (MaxRoleAssignments)", graphadapter.MaxRoleAssignments)
		}
		out = append(out, graphadapter.RoleAssignment{
			ID:               deref(a.GetId()),
			PrincipalID:      deref(a.GetPrincipalId()),
			RoleDefinitionID: deref(a.GetRoleDefinitionId()),
			DirectoryScopeID: deref(a.GetDirectoryScopeId()),
		})
		return nil
	})
	if err != nil {
		return nil, d.fail(ctx, op, res, err)
	}
	return out, nil
}

// ConditionalAccessPolicies implements graphadapter.PolicyReader, as raw
// JSON: keytier keeps each policy as Graph sent it.
func (d *Directory) ConditionalAccessPolicies(ctx context.Context) ([]graphadapter.ConditionalAccessPolicy, error) {
	const op, res = "ConditionalAccessPolicies", "/identity/conditionalAccess/policies"
	ri, err := identity.NewIdentityRequestBuilderInternal(noPathParameters, d.adapter).ConditionalAccess().Policies().ToGetRequestInformation(ctx, nil)
	if err != nil {
		return nil, d.fail(ctx, op, res, err)
	}
	return rawPages(ctx, d, op, res, ri, graphadapter.ParseConditionalAccessPage, graphadapter.MaxConditionalAccessPolicies)
}

// AuthenticationStrengthPolicies implements graphadapter.PolicyReader.
func (d *Directory) AuthenticationStrengthPolicies(ctx context.Context) ([]graphadapter.AuthenticationStrengthPolicy, error) {
	const op, res = "AuthenticationStrengthPolicies", "/policies/authenticationStrengthPolicies"
	ri, err := policies.NewPoliciesRequestBuilderInternal(noPathParameters, d.adapter).AuthenticationStrengthPolicies().ToGetRequestInformation(ctx, nil)
	if err != nil {
		return nil, d.fail(ctx, op, res, err)
	}
	return rawPages(ctx, d, op, res, ri, graphadapter.ParseAuthenticationStrengthPage, graphadapter.MaxAuthenticationStrengthPolicies)
}

// rawPages reads a list as raw pages: the first request, then each
// @odata.nextLink, parsed by parse, at most most items in all.
func rawPages[T any](ctx context.Context, d *Directory, op, res string, ri *abs.RequestInformation, parse func([]byte) ([]T, string, error), most int) ([]T, error) {
	out := []T{}
	for {
		data, err := d.send(ctx, ri)
		if err != nil {
			return nil, d.fail(ctx, op, res, err)
		}
		items, next, err := parse(data)
		if err != nil {
			return nil, &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
		}
		if out = append(out, items...); len(out) > most {
			return nil, &graphadapter.DirectoryError{Op: op, Resource: res, Reason: fmt.Sprintf("more than %d items", most)}
		}
		if next == "" {
			return out, nil
		}
		if ri, err = d.nextLink(next); err != nil {
			return nil, &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
		}
	}
}

// iterate runs fn on every item of a collection response and of the pages
// after it, with the SDK's page iterator. fromFn says the error is fn's own
// (or ctx's, noticed between items), not a page's, so that callers can
// return a caller's error as it is.
func iterate[T any](ctx context.Context, d *Directory, first any, factory absser.ParsableFactory, fn func(T) error) (fromFn bool, err error) {
	it, err := msgraphcore.NewPageIterator[T](first, d.adapter, factory)
	if err != nil {
		return false, err
	}
	var ferr error
	err = it.Iterate(ctx, func(item T) bool {
		if ferr = fn(item); ferr == nil {
			ferr = ctx.Err()
		}
		return ferr == nil
	})
	if ferr != nil {
		return true, ferr
	}
	return false, err
}

// send runs a request on the SDK's adapter and returns the response body
// as it came.
func (d *Directory) send(ctx context.Context, ri *abs.RequestInformation) ([]byte, error) {
	v, err := d.adapter.SendPrimitive(ctx, ri, "[]byte", errorMapping)
	if err != nil {
		return nil, err
	}
	b, _ := v.([]byte)
	return b, nil
}

// fail turns an error of the SDK into a *graphadapter.DirectoryError: Graph's
// status, error code and message as the reason, and a sentinel callers can
// test for.
func (d *Directory) fail(ctx context.Context, op, res string, err error) error {
	de := &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
	if cerr := ctx.Err(); cerr != nil {
		if !errors.Is(err, cerr) {
			de.Err = fmt.Errorf("%w (%v)", cerr, err)
		}
		return de
	}
	var oe *odataerrors.ODataError
	var ae *abs.ApiError
	switch {
	case errors.As(err, &oe):
		code, msg := "", ""
		if e := oe.GetErrorEscaped(); e != nil {
			code, msg = deref(e.GetCode()), deref(e.GetMessage())
		}
		de.Reason = statusReason(oe.ResponseStatusCode, code, msg)
		de.Err = statusError(oe.ResponseStatusCode)
		if oe.ResponseStatusCode == http.StatusBadRequest && conflict(oe) {
			de.Err = graphadapter.ErrExists
		}
	case errors.As(err, &ae):
		de.Reason = statusReason(ae.ResponseStatusCode, "", "")
		de.Err = statusError(ae.ResponseStatusCode)
	}
	return de
}

// conflict reports whether Graph's error is about an object that exists
// already: a detail with code ObjectConflict, or the message Graph writes
// then ("Another object with the same value for property userPrincipalName
// already exists.").
func conflict(oe *odataerrors.ODataError) bool {
	e := oe.GetErrorEscaped()
	if e == nil {
		return false
	}
	if strings.HasPrefix(deref(e.GetMessage()), "Another object with the same value for property") {
		return true
	}
	for _, d := range e.GetDetails() {
		if d != nil && deref(d.GetCode()) == "ObjectConflict" {
			return true
		}
	}
	return false
}

func statusReason(status int, code, msg string) string {
	r := "HTTP " + strconv.Itoa(status)
	if t := http.StatusText(status); t != "" {
		r += " " + t
	}
	if code != "" {
		r += " (" + code + ")"
	}
	if msg != "" {
		r += ": " + msg
	}
	return r
}

// statusError is the sentinel of an HTTP status, or an error saying the
// status when there is none.
func statusError(status int) error {
	switch status {
	case http.StatusNotFound:
		return graphadapter.ErrNotFound
	case http.StatusBadRequest:
		return graphadapter.ErrInvalidRequest
	case http.StatusUnauthorized, http.StatusForbidden:
		return graphadapter.ErrForbidden
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return ErrThrottled
	}
	return fmt.Errorf("HTTP %d", status)
}

// ErrThrottled: Graph still answered 429, 503 or 504 after the retries.
var ErrThrottled = errors.New("throttled: Graph kept answering 429, 503 or 504 after every retry")

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
