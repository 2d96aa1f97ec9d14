package portal

import (
	"time"

	"github.com/keytier/keytier/examples/onboarding/form"
	"github.com/keytier/keytier/passkey"
)

// Limits on untrusted input and on the life of server-side state, in one
// place.
const (
	// MaxRegistrationBody bounds a posted registration response: keytier's
	// own bound on what passkey.Verify reads.
	MaxRegistrationBody = passkey.MaxInputSize

	// MaxAssertionBody bounds a posted sign-in response. An assertion is
	// an id, client data, authenticator data, a signature and a user
	// handle: a few hundred bytes, a few KiB with an RSA signature and
	// extension outputs.
	MaxAssertionBody = 16 << 10

	// MaxFormBody bounds every HTML form post. The largest form, the
	// helpdesk's, lists a user's passkeys by id.
	MaxFormBody = 64 << 10

	// MaxNameLength bounds user principal names and display names, in
	// bytes. Entra allows 113 characters for a user principal name.
	MaxNameLength = form.MaxNameLength

	// MaxPasskeysPerUser bounds how many passkeys a user may register.
	MaxPasskeysPerUser = 20

	// CeremonyTimeout is how long a WebAuthn challenge stays usable, and
	// the timeout the browser is given. WebAuthn L3 §15.1 recommends 5
	// minutes for a ceremony with user verification.
	CeremonyTimeout = 5 * time.Minute

	// GrantLifetime is how long a redeemed pass lets its user register
	// passkeys, at most: never beyond the pass's own expiry.
	GrantLifetime = 15 * time.Minute

	// SessionIdleTimeout ends a session nobody used for this long.
	SessionIdleTimeout = 30 * time.Minute

	// MaxSessions bounds the sessions kept in memory; beyond it new
	// visitors are asked to come back later rather than exhausting memory.
	MaxSessions = 10000
)
