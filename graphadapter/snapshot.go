package graphadapter

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Snapshot is a tenant at one moment, as one JSON document whose parts are
// Microsoft Graph's own responses, so that any Graph client (the SDKs,
// PowerShell's Invoke-MgGraphRequest, curl) can assemble it:
//
//	{
//	  "tenant": {"id": "...", "displayName": "..."},
//	  "capturedAt": "2026-06-01T09:00:00Z",
//	  "authenticationMethodsPolicy": <GET /policies/authenticationMethodsPolicy>,
//	  "users": [<GET /users/{id}?$select=id,userPrincipalName,displayName,accountEnabled>
//	            + "authenticationMethods": <value of GET /users/{id}/authentication/methods>],
//	  "groups": [{"id", "displayName", "members": [<user ids>]}],
//	  "roleAssignments": [<GET /roleManagement/directory/roleAssignments items:
//	                      principalId, roleDefinitionId (the role template id)>],
//	  "conditionalAccessPolicies": <value of GET /identity/conditionalAccess/policies>,
//	  "authenticationStrengthPolicies": <value of GET /policies/authenticationStrengthPolicies>
//	}
//
// A group's members are the ids of its users, nested groups expanded
// (GET /groups/{id}/transitiveMembers/microsoft.graph.user?$select=id):
// Conditional Access and the authentication methods policy both apply to
// members of nested groups. Members Graph returns that keytier does not read
// are kept (Unknown, Raw) and written back by Marshal.
//
// A Snapshot from Load or Check carries an index for UserByID, GroupsOf,
// RolesOf and MembersOf. Its methods are safe for concurrent use as long as
// nobody modifies it; after changing Users, Groups or RoleAssignments, call
// Check again to rebuild the index.
type Snapshot struct {
	Tenant                      Tenant                       `json:"tenant"`
	CapturedAt                  time.Time                    `json:"capturedAt"`
	AuthenticationMethodsPolicy *AuthenticationMethodsPolicy `json:"authenticationMethodsPolicy"`
	Users                       []User                       `json:"users"`
	Groups                      []Group                      `json:"groups"`
	RoleAssignments             []RoleAssignment             `json:"roleAssignments"`
	// ConditionalAccessPolicies and AuthenticationStrengthPolicies are
	// optional: a snapshot taken without Policy.Read.All has neither.
	ConditionalAccessPolicies      []ConditionalAccessPolicy      `json:"conditionalAccessPolicies,omitempty"`
	AuthenticationStrengthPolicies []AuthenticationStrengthPolicy `json:"authenticationStrengthPolicies,omitempty"`
	Unknown                        jsontext.Value                 `json:",embed"`

	mu       sync.Mutex
	idx      *index
	warnings []Warning
}

// Tenant names the tenant (GET /organization: id, displayName).
type Tenant struct {
	ID          string         `json:"id"`
	DisplayName string         `json:"displayName,omitempty"`
	Unknown     jsontext.Value `json:",embed"`
}

// User is a Graph user with its registered authentication methods.
type User struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName,omitempty"`
	// AccountEnabled is nil when the snapshot does not say (Graph returns
	// accountEnabled only when selected). See Enabled.
	AccountEnabled *bool          `json:"accountEnabled,omitempty"`
	Methods        []Method       `json:"authenticationMethods"`
	Unknown        jsontext.Value `json:",embed"`
}

// Enabled reports whether the account can sign in. An account whose state
// the snapshot does not report counts as enabled: a check that skips
// disabled accounts should err towards looking at one too many.
func (u *User) Enabled() bool { return u.AccountEnabled == nil || *u.AccountEnabled }

// MethodsOf returns the user's methods of kind k, in snapshot order.
func (u *User) MethodsOf(k MethodKind) []*Method {
	var out []*Method
	for i := range u.Methods {
		if u.Methods[i].Kind() == k {
			out = append(out, &u.Methods[i])
		}
	}
	return out
}

// Group is a group and the ids of its (transitive) user members.
type Group struct {
	ID          string         `json:"id"`
	DisplayName string         `json:"displayName,omitempty"`
	Members     []string       `json:"members"`
	Unknown     jsontext.Value `json:",embed"`
}

// RoleAssignment is a unifiedRoleAssignment (learn.microsoft.com/graph/api
// /resources/unifiedroleassignment). RoleDefinitionID is, for built-in
// roles, the role template id (the same in every tenant; see
// PrivilegedRoles). PrincipalID is a user, a role-assignable group, or a
// service principal.
type RoleAssignment struct {
	ID               string `json:"id,omitempty"`
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
	// DirectoryScopeID is "/" for the whole tenant, or an administrative
	// unit or application; "" when the snapshot does not say.
	DirectoryScopeID string         `json:"directoryScopeId,omitempty"`
	Unknown          jsontext.Value `json:",embed"`
}

// Load reads a snapshot document and checks it (see Check). The document
// is read strictly, with JSON v2 semantics: member names match exactly,
// a repeated member is an error, a member of the wrong type is an error,
// and a member that differs from one keytier reads only in case is an
// error. Members keytier does not read are kept.
//
// Every error is an *Error naming the JSON path of the problem; limit
// violations wrap ErrLimit and reference problems ErrReference.
func Load(data []byte) (*Snapshot, error) {
	if len(data) > MaxSnapshotSize {
		return nil, errorAt("", ErrLimit, "%d bytes; at most %d allowed (MaxSnapshotSize)", len(data), MaxSnapshotSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errorAt("", nil, "empty document")
	}
	if err := checkNesting(data); err != nil {
		return nil, err
	}
	s := new(Snapshot)
	var l loader
	if err := jsonv2.Unmarshal(data, s, l.options()); err != nil {
		return nil, jsonError(err, "")
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadFile reads and loads the snapshot at path, with Load's checks and
// errors. A regular file is decoded as it is read, without holding the
// whole document in memory; reading stops once it is larger than
// MaxSnapshotSize or nested deeper than MaxNesting.
func LoadFile(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("graphadapter: %w", err)
	}
	defer f.Close()
	var (
		s       *Snapshot
		readErr error
	)
	if fi, serr := f.Stat(); serr == nil && fi.Mode().IsRegular() {
		// A file can be read again: stream it (see loadStream). The
		// decoder asks for a few KiB at a time; the buffer makes that a
		// few hundred reads of the file instead of tens of thousands.
		s, readErr, err = loadStream(bufio.NewReaderSize(f, 256<<10), func() ([]byte, error) {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return nil, err
			}
			return io.ReadAll(io.LimitReader(f, MaxSnapshotSize+1))
		})
	} else {
		var data []byte
		if data, readErr = io.ReadAll(io.LimitReader(f, MaxSnapshotSize+1)); readErr == nil {
			s, err = Load(data)
		}
	}
	if readErr != nil {
		return nil, fmt.Errorf("graphadapter: reading %s: %w", path, readErr)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Marshal writes the snapshot as indented JSON. Members Load kept without
// reading them are written back; Load(s.Marshal()) describes the same
// tenant, and marshalling that again gives the same bytes.
func (s *Snapshot) Marshal() ([]byte, error) {
	b, err := jsonv2.Marshal(s, jsontext.WithIndent("  "))
	if err != nil {
		return nil, fmt.Errorf("graphadapter: marshal: %w", err)
	}
	return append(b, '\n'), nil
}

// Warnings returns what the last Check noticed but did not refuse.
func (s *Snapshot) Warnings() []Warning {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.warnings)
}

// Names of the members each type reads, for the case check.
var (
	snapshotNames    = jsonNames(reflect.TypeFor[Snapshot]())
	tenantNames      = jsonNames(reflect.TypeFor[Tenant]())
	userNames        = jsonNames(reflect.TypeFor[User]())
	groupNames       = jsonNames(reflect.TypeFor[Group]())
	assignmentNames  = jsonNames(reflect.TypeFor[RoleAssignment]())
	policyNames      = jsonNames(reflect.TypeFor[AuthenticationMethodsPolicy]())
	enforcementNames = jsonNames(reflect.TypeFor[RegistrationEnforcement]())
	campaignNames    = jsonNames(reflect.TypeFor[RegistrationCampaign]())
	campaignTgtNames = jsonNames(reflect.TypeFor[CampaignTarget]())
	excludeTgtNames  = jsonNames(reflect.TypeFor[ExcludeTarget]())
)

// Check validates a snapshot and rebuilds its index. Load calls it; call it
// yourself after building or changing a Snapshot in Go.
//
// Errors (the snapshot is refused):
//   - a limit in limits.go exceeded (ErrLimit);
//   - tenant.id, capturedAt or authenticationMethodsPolicy missing;
//   - a user, group, method or role assignment without an id, or an id
//     used twice among users, groups, one user's methods, or method
//     configurations, or a userPrincipalName used twice (ErrReference):
//     lookups would be ambiguous.
//
// Warnings (Warnings lists them; the snapshot loads): a group member that
// is not a user of the snapshot, a member that is a group (nested groups
// should be expanded), a repeated member, a role assigned to a principal
// that is neither a user nor a group of the snapshot (service principals
// and objects outside the snapshot are legitimate), and a Temporary Access
// Pass whose secret was captured. Policy targets that name missing groups
// are neither: finding those is the readiness checks' job.
func (s *Snapshot) Check() error {
	var warns []Warning
	warn := func(path, format string, args ...any) {
		warns = append(warns, Warning{Path: path, Reason: fmt.Sprintf(format, args...)})
	}
	if err := s.checkLimits(); err != nil {
		return err
	}
	if err := checkCase(s.Unknown, snapshotNames, ""); err != nil {
		return err
	}
	if err := checkCase(s.Tenant.Unknown, tenantNames, "tenant"); err != nil {
		return err
	}
	if s.Tenant.ID == "" {
		return errorAt("tenant.id", nil, "missing or empty: a snapshot names its tenant")
	}
	if s.CapturedAt.IsZero() {
		return errorAt("capturedAt", nil, "missing: a snapshot says when it was taken")
	}
	if err := s.checkPolicy(); err != nil {
		return err
	}

	// Paths are built only for an error or a warning: building one for
	// every user, method and member cost more than the checks themselves.
	users := make(map[string]int, len(s.Users))
	upns := make(map[string]int, len(s.Users))
	var methods map[string]int // for users with many methods; see below
	for i := range s.Users {
		u := &s.Users[i]
		if err := checkCase(u.Unknown, userNames, ""); err != nil {
			return withPrefix(err, indexPath("users", i))
		}
		if u.ID == "" {
			return errorAt(indexPath("users", i)+".id", ErrReference, "missing or empty")
		}
		if j, dup := users[u.ID]; dup {
			return errorAt(indexPath("users", i)+".id", ErrReference, "user id %q already used by users.%d", u.ID, j)
		}
		users[u.ID] = i
		if upn := strings.ToLower(u.UserPrincipalName); upn != "" {
			if j, dup := upns[upn]; dup {
				return errorAt(indexPath("users", i)+".userPrincipalName", ErrReference, "userPrincipalName %q already used by users.%d", u.UserPrincipalName, j)
			}
			upns[upn] = i
		}
		// A user has a handful of methods: compare ids pairwise, and use a
		// map only when there are many (MaxMethodsPerUser allows 100).
		const pairwise = 16
		if len(u.Methods) > pairwise {
			clear(methods)
			if methods == nil {
				methods = make(map[string]int, MaxMethodsPerUser)
			}
		}
		for k := range u.Methods {
			m := &u.Methods[k]
			j, dup := -1, false
			if len(u.Methods) > pairwise {
				j, dup = methods[m.ID]
				methods[m.ID] = k
			} else {
				for j = 0; j < k; j++ {
					if u.Methods[j].ID == m.ID {
						dup = true
						break
					}
				}
			}
			if dup {
				mpath := indexPath(indexPath("users", i)+".authenticationMethods", k)
				return errorAt(mpath+".id", ErrReference, "method id %q already used by authenticationMethods.%d of the same user", m.ID, j)
			}
			if m.Kind() == KindTemporaryAccessPass && tapSecretPresent(m.Raw) {
				mpath := indexPath(indexPath("users", i)+".authenticationMethods", k)
				warn(mpath+".temporaryAccessPass", "a Temporary Access Pass code was captured; Graph returns it only on creation: remove it from the snapshot, and revoke the pass if the file left your hands")
			}
		}
	}

	groups := make(map[string]int, len(s.Groups))
	for i := range s.Groups {
		g := &s.Groups[i]
		path := indexPath("groups", i)
		if err := checkCase(g.Unknown, groupNames, path); err != nil {
			return err
		}
		if g.ID == "" {
			return errorAt(path+".id", ErrReference, "missing or empty")
		}
		if j, dup := groups[g.ID]; dup {
			return errorAt(path+".id", ErrReference, "group id %q already used by groups.%d", g.ID, j)
		}
		groups[g.ID] = i
	}
	// seenIn[u] is 1 + the last group that listed user u; ids that are not
	// users of the snapshot go through the map others.
	seenIn := make([]int32, len(s.Users))
	var others map[string]struct{}
	for i := range s.Groups {
		g := &s.Groups[i]
		clear(others)
		for k, id := range g.Members {
			mpath := func() string { return indexPath(indexPath("groups", i)+".members", k) }
			ui, isUser := users[id]
			switch _, isGroup := groups[id]; {
			case id == "":
				return errorAt(mpath(), ErrReference, "empty member id")
			case isGroup:
				warn(mpath(), "member %q is a group: list the transitive user members instead, or keytier will not see who it contains", id)
			case !isUser:
				warn(mpath(), "member %q is not a user of this snapshot", id)
			}
			var dup bool
			if isUser {
				dup = seenIn[ui] == int32(i+1)
				seenIn[ui] = int32(i + 1)
			} else {
				if others == nil {
					others = make(map[string]struct{})
				}
				_, dup = others[id]
				others[id] = struct{}{}
			}
			if dup {
				warn(mpath(), "member %q listed twice", id)
			}
		}
	}

	for i := range s.RoleAssignments {
		a := &s.RoleAssignments[i]
		path := indexPath("roleAssignments", i)
		if err := checkCase(a.Unknown, assignmentNames, path); err != nil {
			return err
		}
		if a.PrincipalID == "" {
			return errorAt(path+".principalId", ErrReference, "missing or empty")
		}
		if a.RoleDefinitionID == "" {
			return errorAt(path+".roleDefinitionId", ErrReference, "missing or empty")
		}
		if !hasKey(users, a.PrincipalID) && !hasKey(groups, a.PrincipalID) {
			warn(path+".principalId", "principal %q is neither a user nor a group of this snapshot (a service principal, or the snapshot is partial)", a.PrincipalID)
		}
	}

	idx := buildIndex(s, users, upns, groups)
	s.mu.Lock()
	s.idx, s.warnings = idx, warns
	s.mu.Unlock()
	return nil
}

func hasKey(m map[string]int, k string) bool { _, ok := m[k]; return ok }

func (s *Snapshot) checkLimits() error {
	if n := len(s.Users); n > MaxUsers {
		return limitError("users", n, MaxUsers, "users", "MaxUsers")
	}
	for i := range s.Users {
		if n := len(s.Users[i].Methods); n > MaxMethodsPerUser {
			return limitError(indexPath("users", i)+".authenticationMethods", n, MaxMethodsPerUser, "methods", "MaxMethodsPerUser")
		}
	}
	if n := len(s.Groups); n > MaxGroups {
		return limitError("groups", n, MaxGroups, "groups", "MaxGroups")
	}
	total := 0
	for i := range s.Groups {
		n := len(s.Groups[i].Members)
		if n > MaxMembersPerGroup {
			return limitError(indexPath("groups", i)+".members", n, MaxMembersPerGroup, "members", "MaxMembersPerGroup")
		}
		if total += n; total > MaxGroupMemberships {
			return limitError(indexPath("groups", i)+".members", total, MaxGroupMemberships, "group memberships in all", "MaxGroupMemberships")
		}
	}
	if n := len(s.RoleAssignments); n > MaxRoleAssignments {
		return limitError("roleAssignments", n, MaxRoleAssignments, "role assignments", "MaxRoleAssignments")
	}
	if n := len(s.ConditionalAccessPolicies); n > MaxConditionalAccessPolicies {
		return limitError("conditionalAccessPolicies", n, MaxConditionalAccessPolicies, "policies", "MaxConditionalAccessPolicies")
	}
	if n := len(s.AuthenticationStrengthPolicies); n > MaxAuthenticationStrengthPolicies {
		return limitError("authenticationStrengthPolicies", n, MaxAuthenticationStrengthPolicies, "policies", "MaxAuthenticationStrengthPolicies")
	}
	if p := s.AuthenticationMethodsPolicy; p != nil {
		if n := len(p.MethodConfigurations); n > MaxMethodConfigurations {
			return limitError("authenticationMethodsPolicy.authenticationMethodConfigurations", n, MaxMethodConfigurations, "configurations", "MaxMethodConfigurations")
		}
		if c := p.Campaign(); c != nil {
			const cp = "authenticationMethodsPolicy.registrationEnforcement.authenticationMethodsRegistrationCampaign"
			if n := len(c.IncludeTargets); n > MaxPolicyTargets {
				return limitError(cp+".includeTargets", n, MaxPolicyTargets, "targets", "MaxPolicyTargets")
			}
			if n := len(c.ExcludeTargets); n > MaxPolicyTargets {
				return limitError(cp+".excludeTargets", n, MaxPolicyTargets, "targets", "MaxPolicyTargets")
			}
		}
	}
	return nil
}

func (s *Snapshot) checkPolicy() error {
	const pp = "authenticationMethodsPolicy"
	p := s.AuthenticationMethodsPolicy
	if p == nil {
		return errorAt(pp, nil, "missing: a snapshot carries GET /policies/authenticationMethodsPolicy")
	}
	if err := checkCase(p.Unknown, policyNames, pp); err != nil {
		return err
	}
	ids := make(map[string]int, len(p.MethodConfigurations))
	for i, c := range p.MethodConfigurations {
		if j, dup := ids[c.ID]; dup {
			return errorAt(indexPath(pp+".authenticationMethodConfigurations", i)+".id", ErrReference, "configuration id %q already used by authenticationMethodConfigurations.%d", c.ID, j)
		}
		ids[c.ID] = i
	}
	if p.RegistrationEnforcement == nil {
		return nil
	}
	if err := checkCase(p.RegistrationEnforcement.Unknown, enforcementNames, pp+".registrationEnforcement"); err != nil {
		return err
	}
	c := p.RegistrationEnforcement.Campaign
	if c == nil {
		return nil
	}
	cp := pp + ".registrationEnforcement.authenticationMethodsRegistrationCampaign"
	if err := checkCase(c.Unknown, campaignNames, cp); err != nil {
		return err
	}
	for i := range c.IncludeTargets {
		if err := checkCase(c.IncludeTargets[i].Unknown, campaignTgtNames, indexPath(cp+".includeTargets", i)); err != nil {
			return err
		}
	}
	for i := range c.ExcludeTargets {
		if err := checkCase(c.ExcludeTargets[i].Unknown, excludeTgtNames, indexPath(cp+".excludeTargets", i)); err != nil {
			return err
		}
	}
	return nil
}

// tapSecretPresent reports whether a Temporary Access Pass method carries
// its code (temporaryAccessPass not null and not empty).
func tapSecretPresent(raw jsontext.Value) bool {
	var w struct {
		Pass *string `json:"temporaryAccessPass"`
	}
	if jsonv2.Unmarshal(raw, &w) != nil {
		return false
	}
	return w.Pass != nil && *w.Pass != ""
}
