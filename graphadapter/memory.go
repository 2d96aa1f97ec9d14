package graphadapter

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/google/uuid"
)

// MemoryOptions configures a MemoryDirectory.
type MemoryOptions struct {
	// Now is the clock for creation times and pass validity; nil: time.Now.
	Now func() time.Time
	// Rand supplies pass codes and method ids; nil: crypto/rand.Reader.
	Rand io.Reader
}

// MemoryDirectory is a Directory (and PolicyReader and UserCreator) over a
// Snapshot held in memory, for tests, examples, the playground and offline
// runs. Writes change its own copy, never the Snapshot it was made from. It
// is safe for concurrent use.
type MemoryDirectory struct {
	now  func() time.Time
	rand io.Reader

	// mu guards s's Users (CreateUser appends, the method writes change
	// Methods) and s's index, which CreateUser extends; the policy, groups
	// and role assignments are read-only.
	mu sync.RWMutex
	s  *Snapshot
}

var _ UserCreator = (*MemoryDirectory)(nil)

// NewMemoryDirectory returns a MemoryDirectory holding a copy of s, with
// the default options. s must pass Check.
func NewMemoryDirectory(s *Snapshot) (*MemoryDirectory, error) {
	return NewMemoryDirectoryWith(s, MemoryOptions{})
}

// NewMemoryDirectoryWith is NewMemoryDirectory with options.
func NewMemoryDirectoryWith(s *Snapshot, opts MemoryOptions) (*MemoryDirectory, error) {
	if s == nil {
		return nil, fmt.Errorf("graphadapter: NewMemoryDirectory: nil snapshot")
	}
	c, err := s.Clone()
	if err != nil {
		return nil, err
	}
	d := &MemoryDirectory{now: opts.Now, rand: opts.Rand, s: c}
	if d.now == nil {
		d.now = time.Now
	}
	if d.rand == nil {
		d.rand = rand.Reader
	}
	return d, nil
}

// Clone returns a deep copy of s, checked. It fails when s does not pass
// Check.
func (s *Snapshot) Clone() (*Snapshot, error) {
	b, err := s.Marshal()
	if err != nil {
		return nil, err
	}
	return Load(b)
}

// Snapshot returns a copy of the directory as it is now, writes included.
func (d *MemoryDirectory) Snapshot() (*Snapshot, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.s.Clone()
}

func memoryError(op, resource string, err error, format string, args ...any) *DirectoryError {
	return &DirectoryError{Op: op, Resource: resource, Reason: fmt.Sprintf(format, args...), Err: err}
}

func ctxError(ctx context.Context, op, resource string) error {
	if err := ctx.Err(); err != nil {
		return &DirectoryError{Op: op, Resource: resource, Err: err}
	}
	return nil
}

// Tenant implements DirectoryReader.
func (d *MemoryDirectory) Tenant(ctx context.Context) (Tenant, error) {
	if err := ctxError(ctx, "Tenant", "/organization"); err != nil {
		return Tenant{}, err
	}
	t := d.s.Tenant
	t.Unknown = t.Unknown.Clone()
	return t, nil
}

// AuthenticationMethodsPolicy implements DirectoryReader.
func (d *MemoryDirectory) AuthenticationMethodsPolicy(ctx context.Context) (*AuthenticationMethodsPolicy, error) {
	const op, res = "AuthenticationMethodsPolicy", "/policies/authenticationMethodsPolicy"
	if err := ctxError(ctx, op, res); err != nil {
		return nil, err
	}
	return clonePolicy(d.s.AuthenticationMethodsPolicy), nil
}

// clonePolicy copies p deeply, keeping raw members byte for byte.
func clonePolicy(p *AuthenticationMethodsPolicy) *AuthenticationMethodsPolicy {
	c := *p
	c.Unknown = p.Unknown.Clone()
	if p.LastModifiedDateTime != nil {
		c.LastModifiedDateTime = new(*p.LastModifiedDateTime)
	}
	c.MethodConfigurations = slices.Clone(p.MethodConfigurations)
	for i := range c.MethodConfigurations {
		c.MethodConfigurations[i].Raw = c.MethodConfigurations[i].Raw.Clone()
	}
	if e := p.RegistrationEnforcement; e != nil {
		ce := RegistrationEnforcement{Unknown: e.Unknown.Clone()}
		if k := e.Campaign; k != nil {
			ck := *k
			ck.Unknown = k.Unknown.Clone()
			if k.EnforceRegistrationAfterAllowedSnoozes != nil {
				ck.EnforceRegistrationAfterAllowedSnoozes = new(*k.EnforceRegistrationAfterAllowedSnoozes)
			}
			ck.IncludeTargets = slices.Clone(k.IncludeTargets)
			for i := range ck.IncludeTargets {
				ck.IncludeTargets[i].Unknown = ck.IncludeTargets[i].Unknown.Clone()
			}
			ck.ExcludeTargets = slices.Clone(k.ExcludeTargets)
			for i := range ck.ExcludeTargets {
				ck.ExcludeTargets[i].Unknown = ck.ExcludeTargets[i].Unknown.Clone()
			}
			ce.Campaign = &ck
		}
		c.RegistrationEnforcement = &ce
	}
	return &c
}

// Users implements DirectoryReader. fn runs without the directory's lock
// held, so it may call the directory; users created meanwhile are listed
// at the end.
func (d *MemoryDirectory) Users(ctx context.Context, fn func(User) error) error {
	for i := 0; ; i++ {
		if err := ctxError(ctx, "Users", "/users"); err != nil {
			return err
		}
		u, ok := d.userAt(i)
		if !ok {
			return nil
		}
		if err := fn(u); err != nil {
			return err
		}
	}
}

// userAt returns a copy of the i-th user without methods, or false past
// the last.
func (d *MemoryDirectory) userAt(i int) (User, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if i >= len(d.s.Users) {
		return User{}, false
	}
	src := &d.s.Users[i]
	u := User{ID: src.ID, UserPrincipalName: src.UserPrincipalName, DisplayName: src.DisplayName, Unknown: src.Unknown.Clone()}
	if src.AccountEnabled != nil {
		u.AccountEnabled = new(*src.AccountEnabled)
	}
	return u, true
}

// user returns the position of the user whose id or userPrincipalName is
// id.
func (d *MemoryDirectory) user(id string) (int, bool) {
	idx := d.s.index()
	if i, ok := idx.users[id]; ok {
		return i, true
	}
	i, ok := idx.upns[strings.ToLower(id)]
	return i, ok
}

// AuthenticationMethods implements DirectoryReader.
func (d *MemoryDirectory) AuthenticationMethods(ctx context.Context, userID string) ([]Method, error) {
	const op = "AuthenticationMethods"
	res := "/users/" + userID + "/authentication/methods"
	if err := ctxError(ctx, op, res); err != nil {
		return nil, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	i, ok := d.user(userID)
	if !ok {
		return nil, memoryError(op, res, ErrNotFound, "no user %q", userID)
	}
	return cloneMethods(d.s.Users[i].Methods), nil
}

func cloneMethods(ms []Method) []Method {
	out := make([]Method, len(ms))
	for i, m := range ms {
		m.Raw = m.Raw.Clone()
		if m.CreatedDateTime != nil {
			m.CreatedDateTime = new(*m.CreatedDateTime)
		}
		out[i] = m
	}
	return out
}

// Groups implements DirectoryReader.
func (d *MemoryDirectory) Groups(ctx context.Context, fn func(Group) error) error {
	for i := range d.s.Groups {
		if err := ctxError(ctx, "Groups", "/groups"); err != nil {
			return err
		}
		g := d.s.Groups[i]
		g.Members = nil
		g.Unknown = g.Unknown.Clone()
		if err := fn(g); err != nil {
			return err
		}
	}
	return nil
}

// GroupMembers implements DirectoryReader.
func (d *MemoryDirectory) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	const op = "GroupMembers"
	res := "/groups/" + groupID + "/transitiveMembers/microsoft.graph.user"
	if err := ctxError(ctx, op, res); err != nil {
		return nil, err
	}
	d.mu.RLock() // the index
	defer d.mu.RUnlock()
	g, ok := d.s.GroupByID(groupID)
	if !ok {
		return nil, memoryError(op, res, ErrNotFound, "no group %q", groupID)
	}
	return slices.Clone(g.Members), nil
}

// RoleAssignments implements DirectoryReader.
func (d *MemoryDirectory) RoleAssignments(ctx context.Context) ([]RoleAssignment, error) {
	if err := ctxError(ctx, "RoleAssignments", "/roleManagement/directory/roleAssignments"); err != nil {
		return nil, err
	}
	out := slices.Clone(d.s.RoleAssignments)
	for i := range out {
		out[i].Unknown = out[i].Unknown.Clone()
	}
	return out, nil
}

// ConditionalAccessPolicies implements PolicyReader.
func (d *MemoryDirectory) ConditionalAccessPolicies(ctx context.Context) ([]ConditionalAccessPolicy, error) {
	const op, res = "ConditionalAccessPolicies", "/identity/conditionalAccess/policies"
	if err := ctxError(ctx, op, res); err != nil {
		return nil, err
	}
	var out []ConditionalAccessPolicy
	for _, p := range d.s.ConditionalAccessPolicies {
		c, err := ParseConditionalAccessPolicy(p.Raw)
		if err != nil {
			return nil, &DirectoryError{Op: op, Resource: res, Err: err}
		}
		out = append(out, c)
	}
	return out, nil
}

// AuthenticationStrengthPolicies implements PolicyReader.
func (d *MemoryDirectory) AuthenticationStrengthPolicies(ctx context.Context) ([]AuthenticationStrengthPolicy, error) {
	const op, res = "AuthenticationStrengthPolicies", "/policies/authenticationStrengthPolicies"
	if err := ctxError(ctx, op, res); err != nil {
		return nil, err
	}
	var out []AuthenticationStrengthPolicy
	for _, p := range d.s.AuthenticationStrengthPolicies {
		c, err := ParseAuthenticationStrengthPolicy(p.Raw)
		if err != nil {
			return nil, &DirectoryError{Op: op, Resource: res, Err: err}
		}
		out = append(out, c)
	}
	return out, nil
}

// tapPolicy is what pass creation reads of the Temporary Access Pass method
// configuration (learn.microsoft.com/graph/api/resources
// /temporaryaccesspassauthenticationmethodconfiguration); absent members
// take Graph's documented defaults.
type tapPolicy struct {
	State           string `json:"state"`
	MinimumLifetime int    `json:"minimumLifetimeInMinutes"`
	MaximumLifetime int    `json:"maximumLifetimeInMinutes"`
	DefaultLifetime int    `json:"defaultLifetimeInMinutes"`
	DefaultLength   int    `json:"defaultLength"`
	IsUsableOnce    bool   `json:"isUsableOnce"`
}

// passAlphabet: the characters of generated codes, without look-alikes.
const passAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

// CreateTemporaryAccessPass implements MethodWriter. The request is checked
// against the tenant's Temporary Access Pass configuration as Entra checks
// it: the method enabled, the lifetime within its bounds, a reusable pass
// only when the policy allows one.
func (d *MemoryDirectory) CreateTemporaryAccessPass(ctx context.Context, userID string, req TemporaryAccessPassRequest) (CreatedPass, error) {
	const op = "CreateTemporaryAccessPass"
	res := "/users/" + userID + "/authentication/temporaryAccessPassMethods"
	if err := ctxError(ctx, op, res); err != nil {
		return CreatedPass{}, err
	}
	pol := tapPolicy{MinimumLifetime: 60, MaximumLifetime: 480, DefaultLifetime: 60, DefaultLength: 8}
	cfg, ok := d.s.AuthenticationMethodsPolicy.MethodConfiguration("TemporaryAccessPass")
	if ok {
		if err := jsonv2.Unmarshal(cfg.Raw, &pol); err != nil {
			return CreatedPass{}, memoryError(op, res, err, "reading the TemporaryAccessPass configuration")
		}
	}
	if !ok || pol.State != "enabled" {
		return CreatedPass{}, memoryError(op, res, ErrInvalidRequest, "the Temporary Access Pass method is not enabled in the authentication methods policy")
	}
	lifetime := req.LifetimeInMinutes
	if lifetime == 0 {
		lifetime = pol.DefaultLifetime
	}
	if lifetime < pol.MinimumLifetime || lifetime > pol.MaximumLifetime {
		return CreatedPass{}, memoryError(op, res, ErrInvalidRequest, "lifetimeInMinutes %d is outside the policy's %d–%d", lifetime, pol.MinimumLifetime, pol.MaximumLifetime)
	}
	once := pol.IsUsableOnce
	if req.IsUsableOnce != nil {
		if pol.IsUsableOnce && !*req.IsUsableOnce {
			return CreatedPass{}, memoryError(op, res, ErrInvalidRequest, "the policy allows one-time passes only (isUsableOnce)")
		}
		once = *req.IsUsableOnce
	}
	length := min(max(pol.DefaultLength, 8), 48)

	code, err := randomCode(d.rand, length)
	if err != nil {
		return CreatedPass{}, memoryError(op, res, err, "drawing a code")
	}
	id, err := uuid.NewRandomFromReader(d.rand)
	if err != nil {
		return CreatedPass{}, memoryError(op, res, err, "drawing an id")
	}
	now := d.now().UTC().Truncate(time.Second)
	start := req.StartDateTime.UTC()
	if req.StartDateTime.IsZero() {
		start = now
	}
	usable, reason := true, "EnabledByPolicy"
	switch {
	case start.After(now):
		usable, reason = false, "NotYetValid"
	case !now.Before(start.Add(time.Duration(lifetime) * time.Minute)):
		usable, reason = false, "Expired"
	}
	raw, err := jsonv2.Marshal(struct {
		ODataType             string    `json:"@odata.type"`
		ID                    string    `json:"id"`
		TemporaryAccessPass   *string   `json:"temporaryAccessPass"`
		CreatedDateTime       time.Time `json:"createdDateTime"`
		StartDateTime         time.Time `json:"startDateTime"`
		LifetimeInMinutes     int       `json:"lifetimeInMinutes"`
		IsUsableOnce          bool      `json:"isUsableOnce"`
		IsUsable              bool      `json:"isUsable"`
		MethodUsabilityReason string    `json:"methodUsabilityReason"`
	}{ODataTypeTemporaryAccessPass, id.String(), nil, now, start, lifetime, once, usable, reason})
	if err != nil {
		return CreatedPass{}, memoryError(op, res, err, "encoding the method")
	}
	m, err := ParseMethod(raw)
	if err != nil {
		return CreatedPass{}, memoryError(op, res, err, "encoding the method")
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.user(userID)
	if !ok {
		return CreatedPass{}, memoryError(op, res, ErrNotFound, "no user %q", userID)
	}
	u := &d.s.Users[i]
	ms := slices.DeleteFunc(slices.Clone(u.Methods), func(m Method) bool { return m.Kind() == KindTemporaryAccessPass })
	if len(ms) >= MaxMethodsPerUser {
		return CreatedPass{}, memoryError(op, res, ErrInvalidRequest, "the user has %d methods; at most %d allowed (MaxMethodsPerUser)", len(ms), MaxMethodsPerUser)
	}
	u.Methods = append(ms, m)
	return CreatedPass{Method: cloneMethods([]Method{m})[0], Code: NewPassCode(code)}, nil
}

// randomCode draws n characters of passAlphabet by rejection sampling.
func randomCode(r io.Reader, n int) (string, error) {
	const limit = 256 - 256%len(passAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, passAlphabet[int(b)%len(passAlphabet)])
			}
		}
	}
	return string(out), nil
}

// DeleteTemporaryAccessPass implements MethodWriter.
func (d *MemoryDirectory) DeleteTemporaryAccessPass(ctx context.Context, userID, methodID string) error {
	return d.deleteMethod(ctx, "DeleteTemporaryAccessPass", "temporaryAccessPassMethods", KindTemporaryAccessPass, userID, methodID)
}

// DeleteFIDO2Method implements MethodWriter.
func (d *MemoryDirectory) DeleteFIDO2Method(ctx context.Context, userID, methodID string) error {
	return d.deleteMethod(ctx, "DeleteFIDO2Method", "fido2Methods", KindFIDO2, userID, methodID)
}

func (d *MemoryDirectory) deleteMethod(ctx context.Context, op, segment string, kind MethodKind, userID, methodID string) error {
	res := "/users/" + userID + "/authentication/" + segment + "/" + methodID
	if err := ctxError(ctx, op, res); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.user(userID)
	if !ok {
		return memoryError(op, res, ErrNotFound, "no user %q", userID)
	}
	u := &d.s.Users[i]
	k := slices.IndexFunc(u.Methods, func(m Method) bool { return m.ID == methodID && m.Kind() == kind })
	if k < 0 {
		return memoryError(op, res, ErrNotFound, "user %q has no %s method %q", userID, kind, methodID)
	}
	// A new slice, so that copies handed out earlier never change.
	u.Methods = slices.Delete(slices.Clone(u.Methods), k, k+1)
	return nil
}

// CreateUser implements UserCreator. It checks the members as Entra does
// (NewUser), but for the domain, which it cannot know to be verified, and
// gives the user an object id drawn from MemoryOptions.Rand, no methods, no
// groups and no password: nothing signs in to a MemoryDirectory with one.
// The user's mailNickname is kept with the user's other members.
func (d *MemoryDirectory) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	const op, res = "CreateUser", "/users"
	if err := ctxError(ctx, op, res); err != nil {
		return User{}, err
	}
	if err := nu.check(); err != nil {
		return User{}, memoryError(op, res, ErrInvalidRequest, "%v", err)
	}
	id, err := uuid.NewRandomFromReader(d.rand)
	if err != nil {
		return User{}, memoryError(op, res, err, "drawing an id")
	}
	extra, err := jsonv2.Marshal(struct {
		MailNickname string `json:"mailNickname"`
	}{nu.MailNickname})
	if err != nil {
		return User{}, memoryError(op, res, err, "encoding the user")
	}
	u := User{ID: id.String(), UserPrincipalName: nu.UserPrincipalName, DisplayName: nu.DisplayName,
		AccountEnabled: new(nu.AccountEnabled), Methods: []Method{}, Unknown: extra}

	d.mu.Lock()
	defer d.mu.Unlock()
	idx := d.s.index()
	if i, ok := idx.upns[strings.ToLower(nu.UserPrincipalName)]; ok {
		return User{}, memoryError(op, res, ErrExists, "user %s has userPrincipalName %q already", d.s.Users[i].ID, d.s.Users[i].UserPrincipalName)
	}
	if _, ok := idx.users[u.ID]; ok {
		return User{}, memoryError(op, res, nil, "object id %s drawn twice: is MemoryOptions.Rand random?", u.ID)
	}
	n := len(d.s.Users)
	if n >= MaxUsers {
		return User{}, memoryError(op, res, ErrInvalidRequest, "the directory has %d users; at most %d allowed (MaxUsers)", n, MaxUsers)
	}
	// Extend the index rather than rebuild it: the new user is in no group
	// and holds no role.
	d.s.Users = append(d.s.Users, u)
	idx.users[u.ID] = n
	idx.upns[strings.ToLower(u.UserPrincipalName)] = n
	idx.groupsAt = append(idx.groupsAt, idx.groupsAt[n])

	out := u
	out.AccountEnabled = new(nu.AccountEnabled)
	out.Methods = nil
	out.Unknown = u.Unknown.Clone()
	return out, nil
}
