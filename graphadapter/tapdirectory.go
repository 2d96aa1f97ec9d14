package graphadapter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/keytier/keytier/tap"
)

// TAPDirectory adapts a Directory to tap.Directory (package keytier/tap;
// a test checks that it implements it), so tap.Onboard and tap.Recover run
// against the in-memory tenant (NewMemoryDirectory) or Microsoft Graph
// (graphadapter/msgraph) unchanged:
//
//   - Groups(userID) lists the groups (DirectoryReader.Groups) and their
//     transitive user members (GroupMembers, or GroupMembersBatch when the
//     directory is a BatchGroupMemberReader) and returns the ids of the
//     groups the user is in, in the directory's order;
//   - RemovePasskey is MethodWriter.DeleteFIDO2Method;
//   - CreateUser is UserCreator.CreateUser, when the directory is a
//     UserCreator (both of this module's are); otherwise it fails with an
//     error wrapping errors.ErrUnsupported.
//
// Groups costs a listing of the users (to find the user by id or
// userPrincipalName, and to tell an unknown user from one in no group),
// a listing of the groups, and one request per BatchSize groups with
// Graph's $batch (one per group without it): fine for a helpdesk
// recovering one user at a time, not for a bulk job, which should build a
// Snapshot once (BuildSnapshot) and read memberships from it.
type TAPDirectory struct {
	d Directory
}

// NewTAPDirectory returns a TAPDirectory over d.
func NewTAPDirectory(d Directory) *TAPDirectory { return &TAPDirectory{d: d} }

// errFound stops a listing once the user is found.
var errFound = errors.New("graphadapter: found")

// Groups implements tap.GroupReader. userID is the user's object id or
// userPrincipalName, as elsewhere in Graph. A user the directory does not
// have is an error wrapping ErrNotFound, never an empty list: an empty list
// would let a user in the policy's excludeTargets be issued a pass.
func (t *TAPDirectory) Groups(ctx context.Context, userID string) ([]string, error) {
	id, err := t.objectID(ctx, userID)
	if err != nil {
		return nil, err
	}
	var ids []string
	if err := t.d.Groups(ctx, func(g Group) error {
		ids = append(ids, g.ID)
		return nil
	}); err != nil {
		return nil, err
	}
	members, err := t.members(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for i, ms := range members {
		if slices.ContainsFunc(ms, func(m string) bool { return strings.EqualFold(m, id) }) {
			out = append(out, ids[i])
		}
	}
	return out, nil
}

// objectID returns the object id of the user whose id or
// userPrincipalName (compared without regard to case, as Entra does) is
// userID.
func (t *TAPDirectory) objectID(ctx context.Context, userID string) (string, error) {
	var id string
	err := t.d.Users(ctx, func(u User) error {
		if strings.EqualFold(u.ID, userID) || (u.UserPrincipalName != "" && strings.EqualFold(u.UserPrincipalName, userID)) {
			id = u.ID
			return errFound
		}
		return nil
	})
	switch {
	case errors.Is(err, errFound):
		return id, nil
	case err != nil:
		return "", err
	}
	return "", &DirectoryError{Op: "TAPDirectory.Groups", Resource: "/users/" + userID, Reason: fmt.Sprintf("no user %q", userID), Err: ErrNotFound}
}

// members returns the transitive user members of each group, in order.
func (t *TAPDirectory) members(ctx context.Context, groupIDs []string) ([][]string, error) {
	out := make([][]string, 0, len(groupIDs))
	if b, ok := t.d.(BatchGroupMemberReader); ok {
		for chunk := range slices.Chunk(groupIDs, BatchSize) {
			ms, err := b.GroupMembersBatch(ctx, chunk)
			if err != nil {
				return nil, err
			}
			if len(ms) != len(chunk) {
				return nil, &DirectoryError{Op: "GroupMembersBatch", Resource: "/$batch",
					Reason: fmt.Sprintf("%d answers for %d groups", len(ms), len(chunk))}
			}
			out = append(out, ms...)
		}
		return out, nil
	}
	for _, id := range groupIDs {
		ms, err := t.d.GroupMembers(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, ms)
	}
	return out, nil
}

// CreateUser implements tap.OnboardingDirectory with UserCreator.CreateUser.
// u.ID is ignored (the directory assigns it); the account is created
// enabled, with u's userPrincipalName and displayName, and with the part of
// the userPrincipalName before the "@" as its mailNickname (Graph requires
// one; the characters Entra allows there are all allowed in a
// mailNickname). As UserCreator says, the account's password is random and
// never known: the new hire signs in with the Temporary Access Pass that
// tap.Onboard issues next.
//
// A userPrincipalName another user has is an error wrapping ErrExists; an
// account tap.Onboard created before a failure later on (reading its
// groups, issuing the pass) stays, and tap.Recover with no
// LostCredentialIDs issues its pass.
func (t *TAPDirectory) CreateUser(ctx context.Context, u tap.User) (tap.User, error) {
	c, ok := t.d.(UserCreator)
	if !ok {
		return tap.User{}, &DirectoryError{Op: "TAPDirectory.CreateUser", Resource: "/users",
			Reason: fmt.Sprintf("%T does not create users (it is not a graphadapter.UserCreator)", t.d), Err: errors.ErrUnsupported}
	}
	nick, _, _ := strings.Cut(u.UserPrincipalName, "@")
	created, err := c.CreateUser(ctx, NewUser{
		UserPrincipalName: u.UserPrincipalName,
		DisplayName:       u.DisplayName,
		MailNickname:      nick,
		AccountEnabled:    true,
	})
	if err != nil {
		return tap.User{}, err
	}
	return tap.User{ID: created.ID, UserPrincipalName: created.UserPrincipalName, DisplayName: created.DisplayName}, nil
}

// RemovePasskey implements tap.RecoveryDirectory: it deletes the user's
// fido2AuthenticationMethod whose id is credentialID (the method id Graph
// lists under /users/{id}/authentication/fido2Methods).
func (t *TAPDirectory) RemovePasskey(ctx context.Context, userID, credentialID string) error {
	return t.d.DeleteFIDO2Method(ctx, userID, credentialID)
}
