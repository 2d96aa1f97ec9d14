package tap

import "time"

// Limits. Values that come from Entra's documentation cite the page; the
// others are keytier's own bounds on untrusted input.
const (
	// MinLength and MaxLength bound a pass's length in characters:
	// temporaryAccessPassAuthenticationMethodConfiguration.defaultLength
	// "Must be between 8 and 48 characters"
	// (learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethodconfiguration).
	MinLength = 8
	MaxLength = 48

	// MinLifetimeMinutes and MaxLifetimeMinutes bound minimumLifetimeInMinutes,
	// maximumLifetimeInMinutes (same page) and a pass's lifetimeInMinutes
	// (learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethod):
	// 10 to 43200 minutes, which is 30 days.
	MinLifetimeMinutes = 10
	MaxLifetimeMinutes = 43200

	// MaxPolicySize caps a policy document. Graph's real documents are a
	// few hundred bytes plus targets; 1 MiB leaves room for thousands of
	// targets and stops a hostile input from using unbounded memory.
	MaxPolicySize = 1 << 20

	// MaxTargets caps includeTargets and excludeTargets each.
	MaxTargets = 10000

	// MaxCodeInput caps the text ParseCode looks at: the longest code plus
	// generous room for spaces and dashes a person types to group it.
	MaxCodeInput = 4 * MaxLength

	// MaxIDLength caps user ids, actor names and pass ids. Entra object ids
	// are 36-character GUIDs and user principal names at most 113
	// characters; 256 bytes leaves room for other directories.
	MaxIDLength = 256

	// DefaultMaxFailedAttempts is Options.MaxFailedAttempts when zero.
	DefaultMaxFailedAttempts = 5

	// MaxListLimit caps a single List page.
	MaxListLimit = 10000
)

const (
	// MinSecretLength is the shortest Options.Secret accepted: 32 bytes,
	// the HMAC-SHA-256 output size, so the key is not the weak link
	// (RFC 2104 §3 recommends at least the hash output length).
	MinSecretLength = 32

	// MaxStartSkew is how far in the past an IssueRequest.StartAt may be
	// before it is refused instead of moved to now: callers compute "now"
	// with their own clock a moment before the service does.
	MaxStartSkew = 5 * time.Minute
)
