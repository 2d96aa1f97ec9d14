package graphadapter

// Limits on untrusted input, in one place. A snapshot is a file someone
// else assembled; Load checks it against these before doing any work that
// grows with a count, so a hostile or broken document costs bounded time and
// memory and fails with an error that names the limit.
//
// The values are generous for real tenants: the largest Entra tenants have a
// few hundred thousand people, and a snapshot of 100,000 users with a
// realistic mix of methods is about 140 MB as Marshal writes it (indented).
const (
	// MaxSnapshotSize bounds the bytes Load and LoadFile accept.
	MaxSnapshotSize = 512 << 20

	// MaxNesting is the deepest array/object nesting accepted anywhere in
	// the document. The deepest member keytier reads is a passkey profile's
	// AAGUID list (authenticationMethodsPolicy.authenticationMethodConfigurations
	// [i].passkeyProfiles[j].keyRestrictions.aaGuids[k], depth 7); members
	// kept only for round-tripping (a Conditional Access policy's session
	// controls, a user's extension attributes) sit a few levels deeper.
	MaxNesting = 32

	// MaxUsers bounds the users array.
	MaxUsers = 500_000

	// MaxMethodsPerUser bounds one user's authenticationMethods array. Entra
	// caps each method type at a handful per user (20 passkeys, three
	// phones, one password, one Temporary Access Pass, ...); 100 covers a
	// user with every type at its cap.
	MaxMethodsPerUser = 100

	// MaxGroups bounds the groups array.
	MaxGroups = 200_000

	// MaxMembersPerGroup bounds one group's members array: a group cannot
	// have more user members than the snapshot has users.
	MaxMembersPerGroup = MaxUsers

	// MaxGroupMemberships bounds the sum of all groups' member counts, so
	// that many large groups cannot multiply into an index of billions of
	// entries. Twenty memberships per user at MaxUsers.
	MaxGroupMemberships = 20 * MaxUsers

	// MaxRoleAssignments bounds the roleAssignments array.
	MaxRoleAssignments = 100_000

	// MaxMethodConfigurations bounds
	// authenticationMethodsPolicy.authenticationMethodConfigurations. Graph
	// returns one per method type (about a dozen in 2026).
	MaxMethodConfigurations = 64

	// MaxPolicyTargets bounds each includeTargets/excludeTargets array of
	// the registration campaign.
	MaxPolicyTargets = 1_000

	// MaxConditionalAccessPolicies bounds conditionalAccessPolicies. Entra
	// allows 195 policies per tenant (Microsoft Entra service limits);
	// 1,000 leaves room without admitting absurd input.
	MaxConditionalAccessPolicies = 1_000

	// MaxAuthenticationStrengthPolicies bounds
	// authenticationStrengthPolicies: three built-in policies and a few
	// custom ones in practice.
	MaxAuthenticationStrengthPolicies = 100
)
