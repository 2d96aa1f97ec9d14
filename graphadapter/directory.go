package graphadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// DirectoryReader is what BuildSnapshot reads from a tenant: one call per
// part of a Snapshot, plus one per user for the user's methods. Every
// method honours ctx: it returns promptly, with an error wrapping
// ctx.Err(), once ctx is done.
//
// Values returned belong to the caller; an implementation does not keep
// them or change them later.
type DirectoryReader interface {
	// Tenant returns the tenant's id and name (GET /organization).
	Tenant(ctx context.Context) (Tenant, error)
	// AuthenticationMethodsPolicy returns GET /policies
	// /authenticationMethodsPolicy with its authenticationMethodConfigurations.
	AuthenticationMethodsPolicy(ctx context.Context) (*AuthenticationMethodsPolicy, error)
	// Users calls fn for every user (GET /users?$select=id,
	// userPrincipalName,displayName,accountEnabled, all pages), in the
	// directory's order, with Methods nil. An error from fn stops the
	// listing and Users returns it.
	Users(ctx context.Context, fn func(User) error) error
	// AuthenticationMethods returns the methods registered to a user
	// (GET /users/{id}/authentication/methods).
	AuthenticationMethods(ctx context.Context, userID string) ([]Method, error)
	// Groups calls fn for every group (GET /groups, all pages), with
	// Members nil. An error from fn stops the listing and Groups returns it.
	Groups(ctx context.Context, fn func(Group) error) error
	// GroupMembers returns the ids of a group's user members, nested groups
	// expanded (GET /groups/{id}/transitiveMembers/microsoft.graph.user).
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
	// RoleAssignments returns the directory role assignments
	// (GET /roleManagement/directory/roleAssignments, all pages).
	RoleAssignments(ctx context.Context) ([]RoleAssignment, error)
}

// BatchSize is the most users whose methods one AuthenticationMethodsBatch
// call reads: the number of requests Graph's JSON batching carries in one
// $batch (learn.microsoft.com/graph/json-batching).
const BatchSize = 20

// BatchMethodReader is implemented by directories that read several users'
// methods in one round trip. BuildSnapshot uses it, when a directory has it,
// instead of one AuthenticationMethods call per user.
type BatchMethodReader interface {
	// AuthenticationMethodsBatch returns the methods of each of userIDs
	// (at most BatchSize), in the same order. It succeeds for all of them
	// or returns an error.
	AuthenticationMethodsBatch(ctx context.Context, userIDs []string) ([][]Method, error)
}

// BatchGroupMemberReader is implemented by directories that read several
// groups' members in one round trip. BuildSnapshot uses it, when a
// directory has it, instead of one GroupMembers call per group.
type BatchGroupMemberReader interface {
	// GroupMembersBatch returns the transitive user members of each of
	// groupIDs (at most BatchSize), in the same order, as GroupMembers
	// does. It succeeds for all of them or returns an error.
	GroupMembersBatch(ctx context.Context, groupIDs []string) ([][]string, error)
}

// RequestCounter is implemented by directories that talk to a server: it
// says how many HTTP requests they have sent (retries and $batch bodies
// included, each counted once) and how many answers told them to slow down
// (429, or 503/504 with Retry-After; inside a $batch each throttled
// response counts). BuildSnapshot reports these in Progress.
type RequestCounter interface {
	RequestStats() RequestStats
}

// RequestStats are the counters of a RequestCounter.
type RequestStats struct {
	Requests  int
	Throttled int
}

// MethodWriter is what the onboarding and recovery flows change in a
// tenant: a user's Temporary Access Pass and passkeys. userID is a user's
// object id or userPrincipalName, as Graph accepts either.
type MethodWriter interface {
	// CreateTemporaryAccessPass creates a pass for the user
	// (POST /users/{id}/authentication/temporaryAccessPassMethods). As in
	// Entra, a user has at most one pass: a new one replaces the old.
	CreateTemporaryAccessPass(ctx context.Context, userID string, req TemporaryAccessPassRequest) (CreatedPass, error)
	// DeleteTemporaryAccessPass deletes a user's pass
	// (DELETE /users/{id}/authentication/temporaryAccessPassMethods/{id}).
	DeleteTemporaryAccessPass(ctx context.Context, userID, methodID string) error
	// DeleteFIDO2Method deletes one of the user's passkeys
	// (DELETE /users/{id}/authentication/fido2Methods/{id}).
	DeleteFIDO2Method(ctx context.Context, userID, methodID string) error
}

// UserCreator is implemented by directories that create users (Graph:
// POST /users, learn.microsoft.com/graph/api/user-post-users, which needs
// User.ReadWrite.All). tap.Onboard needs one: TAPDirectory creates the new
// hire's account through it. NewMemoryDirectory's directory and
// graphadapter/msgraph's implement it.
type UserCreator interface {
	// CreateUser creates the user and returns it with the object id the
	// directory assigned, no methods registered. Every member of NewUser
	// is required, as Graph requires it; a missing or malformed one is an
	// error wrapping ErrInvalidRequest, and a userPrincipalName another
	// user has already (compared without regard to case) one wrapping
	// ErrExists.
	//
	// The account gets a password, because Graph requires one
	// (passwordProfile), but nobody ever knows it: an implementation that
	// must send one draws a long random password, sends it in the request
	// and nowhere else (it is not returned, logged, kept, or part of an
	// error), with forceChangePasswordNextSignIn false, so that no sign-in
	// ever asks the user to choose a password. The new hire signs in with
	// a Temporary Access Pass and registers a passkey.
	CreateUser(ctx context.Context, u NewUser) (User, error)
}

// NewUser is the body of a user creation: the members POST /users
// requires, but for passwordProfile (see UserCreator). Field names are
// Graph's.
type NewUser struct {
	// UserPrincipalName is the sign-in name, alias@domain, where domain is
	// one of the tenant's verified domains. Entra's username policy: at
	// most 64 characters before the "@", 48 after, 113 in all, only
	// A-Z a-z 0-9 ' . - _ ! # ^ ~ before the "@", and no "." right before
	// it.
	UserPrincipalName string
	// DisplayName is the name shown in the address book; at most 256
	// characters.
	DisplayName string
	// MailNickname is the mail alias: at most 64 characters, none of
	// @ ( ) \ [ ] " ; : < > , or space.
	MailNickname string
	// AccountEnabled: whether the account can sign in. Graph requires the
	// member, so the zero value sends false and creates a disabled account;
	// TAPDirectory sets it.
	AccountEnabled bool
}

// Directory is a tenant keytier reads and, for Temporary Access Passes and
// passkeys, changes: NewMemoryDirectory holds one in memory; the Graph
// implementation lives in graphadapter/msgraph. Functions take the smaller
// interface they need (BuildSnapshot takes a DirectoryReader).
type Directory interface {
	DirectoryReader
	MethodWriter
}

// PolicyReader is implemented by directories that can also read the
// Conditional Access and authentication strength policies (Policy.Read.All).
// BuildSnapshot reads them when its DirectoryReader implements it.
type PolicyReader interface {
	// ConditionalAccessPolicies returns GET /identity/conditionalAccess/policies.
	ConditionalAccessPolicies(ctx context.Context) ([]ConditionalAccessPolicy, error)
	// AuthenticationStrengthPolicies returns GET /policies/authenticationStrengthPolicies.
	AuthenticationStrengthPolicies(ctx context.Context) ([]AuthenticationStrengthPolicy, error)
}

// TemporaryAccessPassRequest is the body of a pass creation. Zero values
// leave the choice to the tenant's Temporary Access Pass policy, as Graph
// does when the member is absent.
type TemporaryAccessPassRequest struct {
	// StartDateTime is when the pass becomes usable; zero: now.
	StartDateTime time.Time
	// LifetimeInMinutes; zero: the policy's defaultLifetimeInMinutes.
	LifetimeInMinutes int
	// IsUsableOnce; nil: the policy's isUsableOnce.
	IsUsableOnce *bool
}

// CreatedPass is the response to a pass creation: the method as it is
// stored (its temporaryAccessPass member null, as Graph lists it later),
// and the code, which Graph returns this one time only.
type CreatedPass struct {
	Method Method
	Code   PassCode
}

// PassCode is a Temporary Access Pass in plaintext. Every way of printing
// or encoding it redacts it; Reveal is the one way to read it.
type PassCode struct{ s string }

// NewPassCode wraps a code read from Graph's response.
func NewPassCode(s string) PassCode { return PassCode{s} }

const redactedCode = "[temporary access pass]"

// Reveal returns the code.
func (c PassCode) Reveal() string { return c.s }

// IsZero reports whether c holds no code.
func (c PassCode) IsZero() bool { return c.s == "" }

func (c PassCode) String() string   { return redactedCode }
func (c PassCode) GoString() string { return `graphadapter.PassCode("` + redactedCode + `")` }

// Format redacts for every verb.
func (c PassCode) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(redactedCode)) }

// LogValue redacts for log/slog.
func (c PassCode) LogValue() slog.Value { return slog.StringValue(redactedCode) }

// MarshalJSON writes the redaction, never the code.
func (c PassCode) MarshalJSON() ([]byte, error) { return []byte(`"` + redactedCode + `"`), nil }

// MarshalText writes the redaction, never the code.
func (c PassCode) MarshalText() ([]byte, error) { return []byte(redactedCode), nil }

// Sentinel errors of Directory implementations, wrapped in a
// *DirectoryError.
var (
	// ErrNotFound: the user, group or method does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalidRequest: the directory refused the request as it was made
	// (a pass lifetime outside the policy's bounds, a disabled method).
	ErrInvalidRequest = errors.New("invalid request")
	// ErrForbidden: the directory refused the caller: the token is
	// missing, expired or for another resource, or the application lacks
	// a permission the call needs (Graph's 401 and 403).
	ErrForbidden = errors.New("forbidden")
	// ErrExists: the object to create exists already, such as a user whose
	// userPrincipalName another user has (Graph's 400 "Another object with
	// the same value for property userPrincipalName already exists.",
	// detail code ObjectConflict).
	ErrExists = errors.New("already exists")
)

// DirectoryError reports a Directory call that failed: which call, on what
// resource, and why. Err is ErrNotFound, ErrInvalidRequest, ErrExists,
// ErrForbidden, a context error, or the implementation's own.
type DirectoryError struct {
	Op       string // the Directory method, e.g. "DeleteFIDO2Method"
	Resource string // Graph's path of the resource, e.g. "/users/{id}/authentication/fido2Methods/{id}"
	Reason   string // what was wrong, for people; may be empty
	Err      error
}

func (e *DirectoryError) Error() string {
	msg := "graphadapter: " + e.Op + " " + e.Resource
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *DirectoryError) Unwrap() error { return e.Err }
