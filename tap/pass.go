package tap

import "time"

// Pass is one Temporary Access Pass as a Store keeps it. It never holds the
// code: Hash is HMAC-SHA-256 of the code under the service's secret, and is
// never written by MarshalJSON.
//
// Times are UTC with microsecond precision (what PostgreSQL's timestamp
// keeps), so a Pass reads back from every Store exactly as written. A zero
// time means "not happened".
type Pass struct {
	ID     string `json:"id"`
	UserID string `json:"userId"`
	Hash   []byte `json:"-"`

	CreatedAt time.Time `json:"createdDateTime"`
	CreatedBy string    `json:"createdBy,omitzero"`
	// StartAt is Graph's startDateTime: the pass is not usable before it.
	StartAt time.Time `json:"startDateTime"`
	// ExpiresAt is StartAt + LifetimeInMinutes: the pass is not usable at
	// or after it.
	ExpiresAt         time.Time `json:"expiresDateTime"`
	LifetimeInMinutes int       `json:"lifetimeInMinutes"`
	UsableOnce        bool      `json:"isUsableOnce"`

	UseCount       int       `json:"useCount"`
	LastUsedAt     time.Time `json:"lastUsedDateTime,omitzero"`
	FailedAttempts int       `json:"failedAttempts"`
	LockedAt       time.Time `json:"lockedDateTime,omitzero"`
	RevokedAt      time.Time `json:"revokedDateTime,omitzero"`
}

// Status is where a pass is in its life, at a given time.
type Status string

// Statuses. The first matching one wins, in this order: a revoked pass is
// revoked even if it has also expired.
const (
	StatusRevoked          Status = "revoked"
	StatusLockedOut        Status = "lockedOut"
	StatusDisabledByPolicy Status = "disabledByPolicy"
	StatusUsed             Status = "used" // a one-time pass that was redeemed
	StatusExpired          Status = "expired"
	StatusNotYetValid      Status = "notYetValid"
	StatusActive           Status = "active"
)

// Graph's methodUsabilityReason values
// (learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethod).
const (
	ReasonEnabledByPolicy  = "EnabledByPolicy"
	ReasonDisabledByPolicy = "DisabledByPolicy"
	ReasonExpired          = "Expired"
	ReasonNotYetValid      = "NotYetValid"
	ReasonOneTimeUsed      = "OneTimeUsed"
)

// MethodUsabilityReason maps a status to Graph's methodUsabilityReason.
// Revoked and locked-out passes have no Graph counterpart (Entra deletes a
// revoked pass and does not document a lockout), so they map to "".
func (s Status) MethodUsabilityReason() string {
	switch s {
	case StatusActive:
		return ReasonEnabledByPolicy
	case StatusDisabledByPolicy:
		return ReasonDisabledByPolicy
	case StatusExpired:
		return ReasonExpired
	case StatusNotYetValid:
		return ReasonNotYetValid
	case StatusUsed:
		return ReasonOneTimeUsed
	default:
		return ""
	}
}

// Err returns the sentinel error a redemption in this status gets, or nil
// for StatusActive.
func (s Status) Err() error {
	switch s {
	case StatusRevoked:
		return ErrRevoked
	case StatusLockedOut:
		return ErrLockedOut
	case StatusDisabledByPolicy:
		return ErrDisabledByPolicy
	case StatusUsed:
		return ErrUsed
	case StatusExpired:
		return ErrExpired
	case StatusNotYetValid:
		return ErrNotYetValid
	default:
		return nil
	}
}

// StatusAt returns the pass's status at now under policy p. The policy
// matters for two reasons Entra documents: a disabled method makes every
// pass unusable, and a policy that requires one-time passes blocks a
// reusable one ("Make sure the user doesn't have a TAP for multiple use
// while the Authentication methods policy requires a one-time TAP",
// learn.microsoft.com/entra/identity/authentication/howto-authentication-temporary-access-pass).
// Whether the policy targets the user is the caller's to check with
// Policy.AppliesTo, which needs group membership.
func (ps Pass) StatusAt(now time.Time, p Policy) Status {
	switch {
	case !ps.RevokedAt.IsZero():
		return StatusRevoked
	case !ps.LockedAt.IsZero():
		return StatusLockedOut
	case p.State != StateEnabled || (p.IsUsableOnce && !ps.UsableOnce):
		return StatusDisabledByPolicy
	case ps.UsableOnce && ps.UseCount > 0:
		return StatusUsed
	case !now.Before(ps.ExpiresAt):
		return StatusExpired
	case now.Before(ps.StartAt):
		return StatusNotYetValid
	default:
		return StatusActive
	}
}

// Info is a pass with its status, as Service.Status and Service.List report
// it. Pass.Hash is always nil in an Info.
type Info struct {
	Pass   Pass   `json:"pass"`
	Status Status `json:"status"`
	// IsUsable and MethodUsabilityReason are Graph's fields for the same
	// facts.
	IsUsable              bool   `json:"isUsable"`
	MethodUsabilityReason string `json:"methodUsabilityReason,omitzero"`
}

func newInfo(ps Pass, now time.Time, p Policy) Info {
	ps.Hash = nil
	st := ps.StatusAt(now, p)
	return Info{Pass: ps, Status: st, IsUsable: st == StatusActive, MethodUsabilityReason: st.MethodUsabilityReason()}
}

// GraphMethod is the pass as Graph's temporaryAccessPassAuthenticationMethod
// (learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethod).
// TemporaryAccessPass is always null: Graph returns the code only in the
// response to the POST that creates it, and so does keytier (Issued.Code).
type GraphMethod struct {
	ODataType             string    `json:"@odata.type"`
	ID                    string    `json:"id"`
	TemporaryAccessPass   *string   `json:"temporaryAccessPass"`
	CreatedDateTime       time.Time `json:"createdDateTime"`
	StartDateTime         time.Time `json:"startDateTime"`
	LifetimeInMinutes     int       `json:"lifetimeInMinutes"`
	IsUsableOnce          bool      `json:"isUsableOnce"`
	IsUsable              bool      `json:"isUsable"`
	MethodUsabilityReason string    `json:"methodUsabilityReason"`
}

// MethodODataType is the @odata.type of a user's pass in Graph.
const MethodODataType = "#microsoft.graph.temporaryAccessPassAuthenticationMethod"

// Graph returns the pass in Graph's shape.
func (i Info) Graph() GraphMethod {
	return GraphMethod{
		ODataType:             MethodODataType,
		ID:                    i.Pass.ID,
		CreatedDateTime:       i.Pass.CreatedAt,
		StartDateTime:         i.Pass.StartAt,
		LifetimeInMinutes:     i.Pass.LifetimeInMinutes,
		IsUsableOnce:          i.Pass.UsableOnce,
		IsUsable:              i.IsUsable,
		MethodUsabilityReason: i.MethodUsabilityReason,
	}
}
