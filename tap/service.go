package tap

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Options configures a Service. The zero value of every field but Store and
// Secret is useful. New copies what it keeps; an Options may be reused.
type Options struct {
	// Store keeps the passes. Required.
	Store Store

	// Secret is the HMAC-SHA-256 key the code hashes are computed with; at
	// least MinSecretLength bytes from a secret manager, wrapped with
	// NewSecret. Required. Anyone holding it and a copy of the store can
	// test guesses offline, so keep it apart from the database. Changing it
	// invalidates every pass. Secret redacts itself, so an Options can be
	// printed or logged.
	Secret Secret

	// Policy is the tenant's Temporary Access Pass policy. Nil means
	// DefaultPolicy(). New validates it.
	Policy *Policy

	// MaxFailedAttempts is how many wrong codes lock a pass. Zero means
	// DefaultMaxFailedAttempts (5).
	MaxFailedAttempts int

	// Groups, if set, is asked for the user's groups whenever a code
	// matches (Redeem) and by Status, so a user the policy stopped
	// targeting after the pass was issued — removed from the groups of
	// includeTargets, or added to excludeTargets — can no longer use it:
	// Redeem refuses with ErrDisabledByPolicy and Status reports
	// StatusDisabledByPolicy (Graph's methodUsabilityReason
	// DisabledByPolicy), as Entra does. A directory error fails the
	// redemption without using the pass or counting an attempt. Nil means
	// targeting is checked only at Issue, from IssueRequest.GroupIDs; List
	// never asks the directory (a page would be one lookup per pass).
	Groups GroupReader

	// Audit receives an Event for every state change and every refused
	// request. Nil drops them.
	Audit AuditSink

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	// Rand is the source of codes and pass ids. Nil means crypto/rand.Reader.
	Rand io.Reader
}

// Service issues, redeems, revokes and reports Temporary Access Passes. It is
// safe for concurrent use, and several Services (in several processes) may
// share one Store: the Store's atomic Use and Fail keep one-time passes and
// lockouts correct.
type Service struct {
	store     Store
	secret    Secret
	groups    GroupReader
	policy    Policy
	maxFailed int
	audit     AuditSink
	now       func() time.Time
	rand      io.Reader
}

// New returns a Service.
func New(opts Options) (*Service, error) {
	if opts.Store == nil {
		return nil, errors.New("tap: Options.Store is required")
	}
	if opts.Secret.Len() < MinSecretLength {
		return nil, fmt.Errorf("tap: Options.Secret is %d bytes, want at least %d", opts.Secret.Len(), MinSecretLength)
	}
	s := &Service{
		store:     opts.Store,
		secret:    opts.Secret, // immutable: nothing writes to its bytes
		groups:    opts.Groups,
		policy:    DefaultPolicy(),
		maxFailed: opts.MaxFailedAttempts,
		audit:     opts.Audit,
		now:       opts.Now,
		rand:      opts.Rand,
	}
	if opts.Policy != nil {
		s.policy = *opts.Policy
		s.policy.IncludeTargets = slices.Clone(opts.Policy.IncludeTargets)
		s.policy.ExcludeTargets = slices.Clone(opts.Policy.ExcludeTargets)
		s.policy.Unknown = slices.Clone(opts.Policy.Unknown)
	}
	if err := s.policy.Validate(); err != nil {
		return nil, err
	}
	if s.maxFailed < 0 {
		return nil, fmt.Errorf("tap: Options.MaxFailedAttempts is %d, want 0 (default) or more", s.maxFailed)
	}
	if s.maxFailed == 0 {
		s.maxFailed = DefaultMaxFailedAttempts
	}
	if s.audit == nil {
		s.audit = AuditFunc(func(context.Context, Event) {})
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	return s, nil
}

// String describes the service without its secret.
func (s *Service) String() string {
	if s == nil {
		return "tap.Service(nil)"
	}
	return fmt.Sprintf("tap.Service{store: %T, policy: %s, maxFailedAttempts: %d, secret: %s}",
		s.store, s.policy.State, s.maxFailed, redacted)
}

// GoString is String: a Service has no literal form worth printing, and its
// fields include the secret.
func (s *Service) GoString() string { return s.String() }

// Format prints String for every verb, so %+v and %#v, which would otherwise
// walk the fields, never reach the secret.
func (s *Service) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue is String, for log/slog.
func (s *Service) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Policy returns the policy the service enforces.
func (s *Service) Policy() Policy { return s.policy }

func (s *Service) clock() time.Time { return normTime(s.now()) }

// normTime is the one time representation every Store sees.
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// hash is the keyed hash stored instead of the code. The pass id is part of
// the message so equal codes of different passes hash differently, and the
// label separates this use of the key from any other.
func (s *Service) hash(passID string, c Code) []byte {
	m := hmac.New(sha256.New, s.secret.bytes())
	io.WriteString(m, "keytier/tap/v1\x00")
	io.WriteString(m, passID)
	m.Write([]byte{0})
	io.WriteString(m, c.s)
	return m.Sum(nil)
}

// Usage says whether a pass may be used once or many times.
type Usage int

// Usages. The zero value follows the policy.
const (
	// UsagePolicy: one-time when the policy's isUsableOnce is true,
	// reusable otherwise.
	UsagePolicy Usage = iota
	// UsageOnce: one-time.
	UsageOnce
	// UsageReusable: usable any number of times within its lifetime;
	// refused when the policy requires one-time passes.
	UsageReusable
)

// IssueRequest asks for a pass. Field names follow Graph's
// temporaryAccessPassAuthenticationMethod.
type IssueRequest struct {
	// UserID is the user the pass is for. Required.
	UserID string
	// Actor is who asks (an administrator's id, a flow's name); recorded
	// in the audit trail and as CreatedBy. Required.
	Actor string
	// GroupIDs are the user's groups, for the policy's includeTargets and
	// excludeTargets. Nil is fine when the policy targets all_users.
	GroupIDs []string
	// StartAt is startDateTime. Zero means now; a time up to MaxStartSkew
	// in the past is moved to now; earlier is refused.
	StartAt time.Time
	// LifetimeInMinutes is the lifetime from StartAt. Zero means the
	// policy's defaultLifetimeInMinutes; otherwise it must lie within the
	// policy's minimum and maximum.
	LifetimeInMinutes int
	// Usage picks one-time or reusable; the zero value follows the policy.
	Usage Usage
}

// Issued is what Issue returns: the pass and, this one time, its code.
type Issued struct {
	Info Info
	// Code is the plaintext, available through Code.Reveal. It is not
	// stored anywhere and cannot be retrieved again.
	Code Code
	// ReplacedID is the id of the user's previous pass, which issuing
	// deleted, or "".
	ReplacedID string
}

func checkID(field, v string) error {
	if v == "" {
		return requestErrorf(field, "is required")
	}
	if len(v) > MaxIDLength {
		return requestErrorf(field, "is %d bytes, more than %d", len(v), MaxIDLength)
	}
	return nil
}

// Issue creates a pass for req.UserID within the policy's bounds. As in
// Entra, a user has at most one pass: issuing deletes the previous one, even
// if it is still valid ("If the user requires a new Temporary Access Pass
// while the current Temporary Access Pass is valid, … the previous Temporary
// Access Pass will be deleted", learn.microsoft.com/graph/api/authentication-post-temporaryaccesspassmethods).
// The code has the policy's defaultLength characters.
func (s *Service) Issue(ctx context.Context, req IssueRequest) (Issued, error) {
	now := s.clock()
	iss, err := s.issue(ctx, req, now)
	ev := Event{Time: now, Actor: req.Actor, Action: ActionIssue, UserID: req.UserID, Outcome: OutcomeSuccess}
	if err != nil {
		ev.Outcome, ev.Reason = OutcomeFailure, ReasonOf(err)
		s.audit.Audit(ctx, ev)
		return Issued{}, err
	}
	if iss.ReplacedID != "" {
		s.audit.Audit(ctx, Event{Time: now, Actor: req.Actor, Action: ActionReplace, UserID: req.UserID,
			PassID: iss.ReplacedID, Outcome: OutcomeSuccess})
	}
	ev.PassID = iss.Info.Pass.ID
	s.audit.Audit(ctx, ev)
	return iss, nil
}

func (s *Service) issue(ctx context.Context, req IssueRequest, now time.Time) (Issued, error) {
	if err := checkID("userId", req.UserID); err != nil {
		return Issued{}, err
	}
	if err := checkID("actor", req.Actor); err != nil {
		return Issued{}, err
	}
	p := s.policy
	if !p.AppliesTo(req.UserID, req.GroupIDs) {
		return Issued{}, fmt.Errorf("%w: the Temporary Access Pass policy is %s and does not admit user %q", ErrDisabledByPolicy, p.State, req.UserID)
	}
	lifetime := req.LifetimeInMinutes
	if lifetime == 0 {
		lifetime = p.DefaultLifetimeInMinutes
	}
	if lifetime < p.MinimumLifetimeInMinutes || lifetime > p.MaximumLifetimeInMinutes {
		return Issued{}, requestErrorf("lifetimeInMinutes", "%d is outside the policy's %d–%d", lifetime,
			p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes)
	}
	start := now
	if !req.StartAt.IsZero() {
		start = normTime(req.StartAt)
		if start.Before(now) {
			if now.Sub(start) > MaxStartSkew {
				return Issued{}, requestErrorf("startDateTime", "%s is in the past", start.Format(time.RFC3339))
			}
			start = now
		}
	}
	var once bool
	switch req.Usage {
	case UsagePolicy:
		once = p.IsUsableOnce
	case UsageOnce:
		once = true
	case UsageReusable:
		if p.IsUsableOnce {
			return Issued{}, requestErrorf("isUsableOnce", "the policy requires one-time passes")
		}
	default:
		return Issued{}, requestErrorf("isUsableOnce", "unknown usage %d", req.Usage)
	}
	id, err := uuid.NewRandomFromReader(s.rand)
	if err != nil {
		return Issued{}, fmt.Errorf("tap: reading random source: %w", err)
	}
	code, err := generateCode(s.rand, p.DefaultLength)
	if err != nil {
		return Issued{}, err
	}
	ps := Pass{
		ID:                id.String(),
		UserID:            req.UserID,
		Hash:              s.hash(id.String(), code),
		CreatedAt:         now,
		CreatedBy:         req.Actor,
		StartAt:           start,
		ExpiresAt:         start.Add(time.Duration(lifetime) * time.Minute),
		LifetimeInMinutes: lifetime,
		UsableOnce:        once,
	}
	replaced, err := s.store.Put(ctx, ps)
	if err != nil {
		return Issued{}, fmt.Errorf("tap: storing pass for user %q: %w", req.UserID, err)
	}
	return Issued{Info: newInfo(ps, now, p), Code: code, ReplacedID: replaced}, nil
}

// Redeem checks code against the user's pass and records the use. It
// returns the pass after the use, or an error wrapping one of ErrNotFound,
// ErrInvalidCode, ErrLockedOut, ErrNotYetValid, ErrExpired, ErrUsed,
// ErrRevoked or ErrDisabledByPolicy.
//
// The code's keyed hash is compared in constant time. A wrong code on a pass
// that could otherwise be used counts as a failed attempt; the attempt that
// reaches MaxFailedAttempts locks the pass and its error wraps both
// ErrInvalidCode and ErrLockedOut. Only the right code learns why a pass is
// unusable — except lockout, which is reported to anyone, so a locked-out
// user is told to ask for a new pass. A one-time pass succeeds exactly once
// even when many processes redeem it at the same moment: the Store's Use is
// a single conditional update. Whether the policy's targets include the user
// is checked again, once the code matches, when Options.Groups is set;
// otherwise it was checked when the pass was issued.
func (s *Service) Redeem(ctx context.Context, userID, code string) (Info, error) {
	now := s.clock()
	info, attempts, err := s.redeem(ctx, userID, code, now)
	ev := Event{Time: now, Actor: userID, Action: ActionRedeem, UserID: userID, PassID: info.Pass.ID,
		Outcome: OutcomeSuccess, Count: attempts}
	if err != nil {
		ev.Outcome, ev.Reason = OutcomeFailure, ReasonOf(err)
		if errors.Is(err, ErrInvalidCode) {
			ev.Reason = "invalid_code" // also when this attempt locked the pass: the lock has its own event
		}
	}
	s.audit.Audit(ctx, ev)
	if errors.Is(err, ErrInvalidCode) && errors.Is(err, ErrLockedOut) {
		s.audit.Audit(ctx, Event{Time: now, Actor: userID, Action: ActionLock, UserID: userID, PassID: info.Pass.ID,
			Outcome: OutcomeSuccess, Count: attempts})
	}
	if err != nil {
		return Info{}, err
	}
	return info, nil
}

// redeem returns the pass (for the audit event, also on failure), the
// failed-attempt count after a wrong code, and the outcome.
func (s *Service) redeem(ctx context.Context, userID, input string, now time.Time) (Info, int, error) {
	if err := checkID("userId", userID); err != nil {
		return Info{}, 0, err
	}
	ps, err := s.store.GetByUser(ctx, userID)
	if err != nil {
		return Info{}, 0, err
	}
	info := newInfo(ps, now, s.policy)
	if info.Status == StatusLockedOut {
		return info, 0, fmt.Errorf("%w: user %q, pass %s, locked at %s", ErrLockedOut, userID, ps.ID, ps.LockedAt.Format(time.RFC3339))
	}
	code, parseErr := ParseCode(input)
	match := parseErr == nil && hmac.Equal(s.hash(ps.ID, code), ps.Hash)
	if !match {
		if info.Status != StatusActive && info.Status != StatusNotYetValid {
			// Attempts on a dead pass cannot unlock anything; say nothing
			// about its state to whoever does not hold the code.
			return info, 0, fmt.Errorf("%w: user %q", ErrInvalidCode, userID)
		}
		after, counted, err := s.store.Fail(ctx, ps.ID, now, s.maxFailed)
		if err != nil {
			return info, 0, fmt.Errorf("tap: recording failed attempt for user %q: %w", userID, err)
		}
		info = newInfo(after, now, s.policy)
		if !counted {
			// Locked or revoked by a concurrent request meanwhile.
			if info.Status == StatusLockedOut {
				return info, after.FailedAttempts, fmt.Errorf("%w: user %q, pass %s", ErrLockedOut, userID, ps.ID)
			}
			return info, after.FailedAttempts, fmt.Errorf("%w: user %q", ErrInvalidCode, userID)
		}
		if !after.LockedAt.IsZero() {
			return info, after.FailedAttempts, fmt.Errorf("%w (attempt %d of %d); %w: user %q, pass %s",
				ErrInvalidCode, after.FailedAttempts, s.maxFailed, ErrLockedOut, userID, ps.ID)
		}
		return info, after.FailedAttempts, fmt.Errorf("%w (attempt %d of %d): user %q", ErrInvalidCode, after.FailedAttempts, s.maxFailed, userID)
	}
	if info, err = s.targeted(ctx, info); err != nil {
		return info, 0, err
	}
	if err := s.unusable(info, now); err != nil {
		return info, 0, err
	}
	after, ok, err := s.store.Use(ctx, ps.ID, now)
	if err != nil {
		return info, 0, fmt.Errorf("tap: recording use for user %q: %w", userID, err)
	}
	info = newInfo(after, now, s.policy)
	if !ok {
		// Another request changed the pass between our read and the
		// conditional update: most often a concurrent redemption of a
		// one-time pass.
		if err := s.unusable(info, now); err != nil {
			return info, 0, err
		}
		return info, 0, fmt.Errorf("%w: user %q, pass %s", ErrUsed, userID, ps.ID)
	}
	return info, 0, nil
}

// targeted re-checks, through Options.Groups, that the policy still targets
// the pass's user, and turns info into StatusDisabledByPolicy when it does
// not. Revoked and locked passes keep their status (they come first in
// StatusAt's order), and are not worth a directory lookup.
func (s *Service) targeted(ctx context.Context, info Info) (Info, error) {
	if s.groups == nil || info.Status == StatusRevoked || info.Status == StatusLockedOut ||
		info.Status == StatusDisabledByPolicy {
		return info, nil
	}
	userID := info.Pass.UserID
	groups, err := s.groups.Groups(ctx, userID)
	if err != nil {
		return info, fmt.Errorf("tap: groups of user %q: %w", userID, err)
	}
	if s.policy.AppliesTo(userID, groups) {
		return info, nil
	}
	info.Status, info.IsUsable = StatusDisabledByPolicy, false
	info.MethodUsabilityReason = StatusDisabledByPolicy.MethodUsabilityReason()
	return info, nil
}

// unusable explains why a pass in info's status cannot be redeemed.
func (s *Service) unusable(info Info, now time.Time) error {
	ps := info.Pass
	switch info.Status {
	case StatusActive:
		return nil
	case StatusNotYetValid:
		return fmt.Errorf("%w: user %q, pass %s starts at %s", ErrNotYetValid, ps.UserID, ps.ID, ps.StartAt.Format(time.RFC3339))
	case StatusExpired:
		return fmt.Errorf("%w: user %q, pass %s expired at %s", ErrExpired, ps.UserID, ps.ID, ps.ExpiresAt.Format(time.RFC3339))
	case StatusUsed:
		return fmt.Errorf("%w: user %q, pass %s used at %s", ErrUsed, ps.UserID, ps.ID, ps.LastUsedAt.Format(time.RFC3339))
	case StatusRevoked:
		return fmt.Errorf("%w: user %q, pass %s revoked at %s", ErrRevoked, ps.UserID, ps.ID, ps.RevokedAt.Format(time.RFC3339))
	case StatusDisabledByPolicy:
		return fmt.Errorf("%w: the Temporary Access Pass policy does not admit user %q (pass %s)", ErrDisabledByPolicy, ps.UserID, ps.ID)
	default:
		return fmt.Errorf("%w: user %q, pass %s", info.Status.Err(), ps.UserID, ps.ID)
	}
}

// Revoke revokes the user's pass. Revoking an already revoked pass is not an
// error and records nothing. Unlike Entra, which deletes the pass, keytier
// keeps it (revoked) until PurgeExpired, so Status can still say what
// happened.
func (s *Service) Revoke(ctx context.Context, actor, userID string) (Info, error) {
	now := s.clock()
	info, changed, err := s.revoke(ctx, actor, userID, now)
	if err != nil || changed {
		ev := Event{Time: now, Actor: actor, Action: ActionRevoke, UserID: userID, PassID: info.Pass.ID, Outcome: OutcomeSuccess}
		if err != nil {
			ev.Outcome, ev.Reason = OutcomeFailure, ReasonOf(err)
		}
		s.audit.Audit(ctx, ev)
	}
	return info, err
}

func (s *Service) revoke(ctx context.Context, actor, userID string, now time.Time) (Info, bool, error) {
	if err := checkID("actor", actor); err != nil {
		return Info{}, false, err
	}
	if err := checkID("userId", userID); err != nil {
		return Info{}, false, err
	}
	ps, err := s.store.GetByUser(ctx, userID)
	if err != nil {
		return Info{}, false, err
	}
	changed, err := s.store.Revoke(ctx, ps.ID, now)
	if err != nil {
		return newInfo(ps, now, s.policy), false, fmt.Errorf("tap: revoking pass %s of user %q: %w", ps.ID, userID, err)
	}
	ps, err = s.store.Get(ctx, ps.ID)
	if err != nil {
		return Info{}, changed, err
	}
	return newInfo(ps, now, s.policy), changed, nil
}

// Status returns the user's pass and its status now.
// With Options.Groups set it reports StatusDisabledByPolicy for a user the
// policy no longer targets.
func (s *Service) Status(ctx context.Context, userID string) (Info, error) {
	ps, err := s.store.GetByUser(ctx, userID)
	if err != nil {
		return Info{}, err
	}
	info, err := s.targeted(ctx, newInfo(ps, s.clock(), s.policy))
	if err != nil {
		return Info{}, err
	}
	return info, nil
}

// List returns a page of passes with their status now; see Query.
func (s *Service) List(ctx context.Context, q Query) ([]Info, error) {
	ps, err := s.store.List(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("tap: listing passes: %w", err)
	}
	now := s.clock()
	out := make([]Info, len(ps))
	for i, p := range ps {
		out[i] = newInfo(p, now, s.policy)
	}
	return out, nil
}

// PurgeExpired deletes every pass whose lifetime has ended — used, revoked
// and locked ones included, since none of them can be used again — and
// returns them, ordered by user id, with the status each had when it went.
// Each deleted pass gets its own audit event naming the user and the pass.
// Passes still within their lifetime stay, so Status can explain a refusal.
func (s *Service) PurgeExpired(ctx context.Context, actor string) ([]Info, error) {
	now := s.clock()
	if err := checkID("actor", actor); err != nil {
		return nil, err
	}
	gone, err := s.store.DeleteExpired(ctx, now)
	if err != nil {
		s.audit.Audit(ctx, Event{Time: now, Actor: actor, Action: ActionPurge, Outcome: OutcomeFailure, Reason: ReasonOf(err)})
		return nil, fmt.Errorf("tap: purging expired passes: %w", err)
	}
	slices.SortFunc(gone, func(a, b Pass) int {
		return cmp.Or(strings.Compare(a.UserID, b.UserID), strings.Compare(a.ID, b.ID))
	})
	out := make([]Info, len(gone))
	for i, p := range gone {
		out[i] = newInfo(p, now, s.policy)
		s.audit.Audit(ctx, Event{Time: now, Actor: actor, Action: ActionPurge, UserID: p.UserID, PassID: p.ID, Outcome: OutcomeSuccess})
	}
	return out, nil
}
