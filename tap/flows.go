package tap

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// User is a directory user, as the flows need it.
type User struct {
	ID                string
	UserPrincipalName string
	DisplayName       string
}

// GroupReader answers which groups a user belongs to, for the policy's
// includeTargets and excludeTargets.
type GroupReader interface {
	// Groups returns the ids of the groups the user belongs to. A user the
	// directory does not know is an error, not an empty list: with an
	// empty list an excluded user would escape excludeTargets.
	Groups(ctx context.Context, userID string) ([]string, error)
}

// RecoveryDirectory is what Recover needs from a directory.
// graphadapter.TAPDirectory implements it over any graphadapter.Directory
// (the in-memory one, and Microsoft Graph through graphadapter/msgraph).
// It implements Directory too, over a directory that creates users.
type RecoveryDirectory interface {
	GroupReader
	// RemovePasskey deletes one of the user's passkeys (Graph:
	// DELETE /users/{id}/authentication/fido2Methods/{id}, where the last
	// id is the fido2AuthenticationMethod's id).
	RemovePasskey(ctx context.Context, userID, credentialID string) error
}

// OnboardingDirectory is what Onboard needs from a directory: it creates
// the new hire's account. graphadapter.TAPDirectory implements it over the
// in-memory tenant and Microsoft Graph (POST /users, with a random password
// nobody knows: the new hire signs in with the pass). For an account that
// already exists in the tenant, Recover with no LostCredentialIDs issues
// the first pass instead.
type OnboardingDirectory interface {
	GroupReader
	// CreateUser creates a user and returns it with its id.
	CreateUser(ctx context.Context, u User) (User, error)
}

// Directory is a directory both flows can use. MemoryDirectory is an
// in-memory one.
type Directory interface {
	OnboardingDirectory
	RecoveryDirectory
}

// Onboarding is the result of Onboard.
type Onboarding struct {
	// User is the account Onboard created. It is set also when Onboard
	// returns an error after creating it; see Onboard.
	User User
	// Issued is the pass, zero when Onboard failed.
	Issued Issued
}

// OnboardRequest describes a new hire.
type OnboardRequest struct {
	User  User   // the account to create; ID is assigned by the directory
	Actor string // who onboards (recorded in the audit trail)
	// Issue sets lifetime, start and usage of the pass; UserID, Actor and
	// GroupIDs are filled in. Usage UsagePolicy (the zero value) means
	// UsageOnce, whatever the policy's isUsableOnce.
	Issue IssueRequest
}

// Onboard creates the new hire's account and issues a Temporary Access Pass
// for their first sign-in, the way Entra bootstraps passwordless accounts:
// the pass is handed over, the new hire redeems it (Register) and registers
// a passkey. A one-time pass is issued unless the request says otherwise.
//
// Onboard does not undo the account when a later step fails: if the user's
// groups cannot be read or the pass cannot be issued (the policy does not
// target the new hire's groups, the store fails), it returns the error and
// an Onboarding whose User is the account just created and whose Issued is
// zero. The account then exists without a pass, and nobody can sign in to
// it (its password, if the directory needs one, is random and unknown).
// Fix the cause and call Recover with no LostCredentialIDs to issue the
// first pass; a retried Onboard would fail, the account already existing.
// Deleting the account is left to the caller, because deleting a user
// after a transient store error would lose what else was attached to it.
func Onboard(ctx context.Context, svc *Service, dir OnboardingDirectory, req OnboardRequest) (Onboarding, error) {
	u, err := dir.CreateUser(ctx, req.User)
	if err != nil {
		return Onboarding{}, fmt.Errorf("tap: onboard: creating user: %w", err)
	}
	groups, err := dir.Groups(ctx, u.ID)
	if err != nil {
		return Onboarding{User: u}, fmt.Errorf("tap: onboard: user %q was created, but reading its groups failed: %w", u.ID, err)
	}
	ir := req.Issue
	ir.UserID, ir.Actor, ir.GroupIDs = u.ID, req.Actor, groups
	if ir.Usage == UsagePolicy {
		ir.Usage = UsageOnce
	}
	iss, err := svc.Issue(ctx, ir)
	if err != nil {
		return Onboarding{User: u}, fmt.Errorf("tap: onboard: user %q was created, but no pass was issued: %w", u.ID, err)
	}
	return Onboarding{User: u, Issued: iss}, nil
}

// RecoverRequest describes a user who lost a device.
type RecoverRequest struct {
	UserID string
	// LostCredentialIDs are the passkeys on the lost device; each is
	// removed before the pass is issued, so the lost device cannot sign
	// in any more.
	LostCredentialIDs []string
	Actor             string
	// Issue sets lifetime, start and usage of the pass; UserID, Actor and
	// GroupIDs are filled in. Usage UsagePolicy (the zero value) means
	// UsageOnce here, whatever the policy's isUsableOnce: ask for
	// UsageReusable explicitly to get a reusable pass.
	Issue IssueRequest
}

// Recover removes the lost passkeys and issues a pass with which the user
// signs in and registers a new passkey (Register). Any pass the user still
// has is replaced.
//
// Like Onboard, Recover issues a one-time pass unless req.Issue.Usage asks
// for a reusable one: a recovery pass exists to register one passkey, and a
// reusable one would stay a way into the account, for anyone who saw it,
// until it expires.
func Recover(ctx context.Context, svc *Service, dir RecoveryDirectory, req RecoverRequest) (Issued, error) {
	for _, id := range req.LostCredentialIDs {
		if err := dir.RemovePasskey(ctx, req.UserID, id); err != nil {
			return Issued{}, fmt.Errorf("tap: recover %q: removing passkey %q: %w", req.UserID, id, err)
		}
	}
	groups, err := dir.Groups(ctx, req.UserID)
	if err != nil {
		return Issued{}, fmt.Errorf("tap: recover %q: groups: %w", req.UserID, err)
	}
	ir := req.Issue
	ir.UserID, ir.Actor, ir.GroupIDs = req.UserID, req.Actor, groups
	if ir.Usage == UsagePolicy {
		ir.Usage = UsageOnce
	}
	iss, err := svc.Issue(ctx, ir)
	if err != nil {
		return Issued{}, fmt.Errorf("tap: recover %q: %w", req.UserID, err)
	}
	return iss, nil
}

// Register redeems the user's pass and, only if that succeeds, calls
// register — which starts passkey registration (a WebAuthn create ceremony
// with package passkey) — with the redeemed pass.
func Register(ctx context.Context, svc *Service, userID, code string, register func(ctx context.Context, pass Info) error) error {
	info, err := svc.Redeem(ctx, userID, code)
	if err != nil {
		return err
	}
	if err := register(ctx, info); err != nil {
		return fmt.Errorf("tap: passkey registration for %q: %w", userID, err)
	}
	return nil
}

// MemoryDirectory is a Directory in memory, for tests and examples. User ids
// are "user-1", "user-2", … in creation order.
type MemoryDirectory struct {
	mu       sync.Mutex
	users    map[string]User
	groups   map[string][]string
	passkeys map[string][]string
}

// NewMemoryDirectory returns an empty MemoryDirectory.
func NewMemoryDirectory() *MemoryDirectory {
	return &MemoryDirectory{users: map[string]User{}, groups: map[string][]string{}, passkeys: map[string][]string{}}
}

var _ Directory = (*MemoryDirectory)(nil)

// CreateUser implements OnboardingDirectory.
func (d *MemoryDirectory) CreateUser(_ context.Context, u User) (User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range d.users {
		if u.UserPrincipalName != "" && e.UserPrincipalName == u.UserPrincipalName {
			return User{}, fmt.Errorf("tap: user %q already exists", u.UserPrincipalName)
		}
	}
	u.ID = fmt.Sprintf("user-%d", len(d.users)+1)
	d.users[u.ID] = u
	return u, nil
}

// AddToGroup puts a user in a group.
func (d *MemoryDirectory) AddToGroup(userID, groupID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.groups[userID] = append(d.groups[userID], groupID)
}

// AddPasskey records a passkey for a user.
func (d *MemoryDirectory) AddPasskey(userID, credentialID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.passkeys[userID] = append(d.passkeys[userID], credentialID)
}

// Passkeys returns the user's passkey ids.
func (d *MemoryDirectory) Passkeys(userID string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.passkeys[userID])
}

// Groups implements GroupReader.
func (d *MemoryDirectory) Groups(_ context.Context, userID string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.users[userID]; !ok {
		return nil, fmt.Errorf("tap: directory has no user %q", userID)
	}
	return slices.Clone(d.groups[userID]), nil
}

// RemovePasskey implements RecoveryDirectory.
func (d *MemoryDirectory) RemovePasskey(_ context.Context, userID, credentialID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := slices.Index(d.passkeys[userID], credentialID)
	if i < 0 {
		return fmt.Errorf("tap: user %q has no passkey %q", userID, credentialID)
	}
	d.passkeys[userID] = slices.Delete(d.passkeys[userID], i, i+1)
	return nil
}
