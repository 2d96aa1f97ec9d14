package portal

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keytier/keytier/tap"
)

// schema creates the portal's tables beside the TAP store's (tap_passes).
// Times are RFC 3339 UTC text; credential ids are the raw bytes.
const schema = `
CREATE TABLE IF NOT EXISTS portal_groups (
	id           TEXT PRIMARY KEY,
	display_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS portal_users (
	id           TEXT PRIMARY KEY,
	upn          TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	handle       BLOB NOT NULL UNIQUE,
	created_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS portal_group_members (
	group_id TEXT NOT NULL REFERENCES portal_groups(id),
	user_id  TEXT NOT NULL REFERENCES portal_users(id),
	PRIMARY KEY (group_id, user_id)
);
CREATE TABLE IF NOT EXISTS portal_passkeys (
	id                 BLOB PRIMARY KEY,
	user_id            TEXT NOT NULL REFERENCES portal_users(id),
	public_key         BLOB NOT NULL,
	attestation_type   TEXT NOT NULL,
	attestation_format TEXT NOT NULL,
	aaguid             BLOB NOT NULL,
	authenticator      TEXT NOT NULL,
	passkey_type       TEXT NOT NULL,
	backup_eligible    INTEGER NOT NULL,
	backup_state       INTEGER NOT NULL,
	user_verified      INTEGER NOT NULL,
	sign_count         INTEGER NOT NULL,
	transports         TEXT NOT NULL,
	aal                TEXT NOT NULL,
	profile            TEXT NOT NULL,
	created_at         TEXT NOT NULL,
	last_used_at       TEXT NOT NULL DEFAULT '',
	revoked_at         TEXT NOT NULL DEFAULT '',
	revoked_by         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS portal_passkeys_user ON portal_passkeys(user_id);
`

// errNoUser and errNoPasskey are what lookups of a missing user or passkey
// wrap.
var (
	errNoUser    = errors.New("portal: no such user")
	errNoPasskey = errors.New("portal: no such passkey")
	errDuplicate = errors.New("portal: already exists")
)

// Group is a directory group the FIDO2 policy can target.
type Group struct {
	ID          string
	DisplayName string
}

// User is a directory user.
type User struct {
	ID          string
	UPN         string
	DisplayName string
	// Handle is the WebAuthn user handle (user.id), random, never shown.
	Handle    []byte
	CreatedAt time.Time
	GroupIDs  []string
}

// Passkey is a registered passkey: what sign-in needs (id, public key, flags,
// counter) and what the portal decided about it at registration.
type Passkey struct {
	ID                []byte
	UserID            string
	PublicKey         []byte
	AttestationType   string
	AttestationFormat string
	AAGUID            []byte
	Authenticator     string
	PasskeyType       string
	BackupEligible    bool
	BackupState       bool
	UserVerified      bool
	SignCount         uint32
	Transports        []string
	AAL               string
	Profile           string
	CreatedAt         time.Time
	LastUsedAt        time.Time
	RevokedAt         time.Time
	RevokedBy         string
}

// Key is the credential id as the pages and the directory name it:
// unpadded base64url.
func (pk Passkey) Key() string { return base64.RawURLEncoding.EncodeToString(pk.ID) }

// Revoked reports whether the passkey was revoked.
func (pk Passkey) Revoked() bool { return !pk.RevokedAt.IsZero() }

// webauthnCredential is the record go-webauthn verifies assertions with.
func (pk Passkey) webauthnCredential() webauthn.Credential {
	ts := make([]protocol.AuthenticatorTransport, len(pk.Transports))
	for i, t := range pk.Transports {
		ts[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{
		ID:                pk.ID,
		PublicKey:         pk.PublicKey,
		AttestationType:   pk.AttestationType,
		AttestationFormat: pk.AttestationFormat,
		Transport:         ts,
		Flags: webauthn.CredentialFlags{
			UserPresent:    true,
			UserVerified:   pk.UserVerified,
			BackupEligible: pk.BackupEligible,
			BackupState:    pk.BackupState,
		},
		Authenticator: webauthn.Authenticator{AAGUID: pk.AAGUID, SignCount: pk.SignCount},
	}
}

// store is the directory: users, groups and passkeys in SQLite.
type store struct {
	db   *sql.DB
	now  func() time.Time
	rand func() ([]byte, error) // 16 random bytes
}

func (s *store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("portal: creating tables: %w", err)
	}
	return nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s, what string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("portal: stored %s %q: %w", what, s, err)
	}
	return t, nil
}

func (s *store) ensureGroup(ctx context.Context, g Group) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO portal_groups (id, display_name) VALUES (?, ?)
		 ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name`, g.ID, g.DisplayName)
	if err != nil {
		return fmt.Errorf("portal: group %q: %w", g.ID, err)
	}
	return nil
}

func (s *store) groups(ctx context.Context) ([]Group, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, display_name FROM portal_groups ORDER BY display_name, id`)
	if err != nil {
		return nil, fmt.Errorf("portal: listing groups: %w", err)
	}
	defer rows.Close()
	var gs []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.ID, &g.DisplayName); err != nil {
			return nil, fmt.Errorf("portal: listing groups: %w", err)
		}
		gs = append(gs, g)
	}
	return gs, rows.Err()
}

// createUser inserts a user, with its group memberships, in one transaction.
func (s *store) createUser(ctx context.Context, upn, displayName string, groupIDs []string) (User, error) {
	id, err := s.rand()
	if err != nil {
		return User{}, fmt.Errorf("portal: user id: %w", err)
	}
	u := User{
		ID:          formatUUID(id),
		UPN:         upn,
		DisplayName: displayName,
		Handle:      id,
		CreatedAt:   s.now().UTC(),
		GroupIDs:    groupIDs,
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return User{}, fmt.Errorf("portal: creating user %q: %w", upn, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM portal_users WHERE upn = ?`, upn).Scan(&n); err != nil {
		return User{}, fmt.Errorf("portal: creating user %q: %w", upn, err)
	}
	if n > 0 {
		return User{}, fmt.Errorf("portal: user %q: %w", upn, errDuplicate)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO portal_users (id, upn, display_name, handle, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.ID, u.UPN, u.DisplayName, u.Handle, formatTime(u.CreatedAt)); err != nil {
		return User{}, fmt.Errorf("portal: creating user %q: %w", upn, err)
	}
	for _, g := range groupIDs {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM portal_groups WHERE id = ?`, g).Scan(&n); err != nil {
			return User{}, fmt.Errorf("portal: creating user %q: %w", upn, err)
		}
		if n == 0 {
			return User{}, fmt.Errorf("portal: creating user %q: no group %q", upn, g)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_group_members (group_id, user_id) VALUES (?, ?)`, g, u.ID); err != nil {
			return User{}, fmt.Errorf("portal: creating user %q: group %q: %w", upn, g, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return User{}, fmt.Errorf("portal: creating user %q: %w", upn, err)
	}
	return u, nil
}

func formatUUID(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

const userColumns = `id, upn, display_name, handle, created_at`

func (s *store) scanUser(ctx context.Context, row *sql.Row, what string) (User, error) {
	var u User
	var created string
	if err := row.Scan(&u.ID, &u.UPN, &u.DisplayName, &u.Handle, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, fmt.Errorf("%w: %s", errNoUser, what)
		}
		return User{}, fmt.Errorf("portal: user %s: %w", what, err)
	}
	var err error
	if u.CreatedAt, err = parseTime(created, "user creation time"); err != nil {
		return User{}, err
	}
	if u.GroupIDs, err = s.groupsOf(ctx, u.ID); err != nil {
		return User{}, err
	}
	return u, nil
}

func (s *store) user(ctx context.Context, id string) (User, error) {
	return s.scanUser(ctx, s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM portal_users WHERE id = ?`, id), fmt.Sprintf("id %q", id))
}

func (s *store) userByUPN(ctx context.Context, upn string) (User, error) {
	return s.scanUser(ctx, s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM portal_users WHERE upn = ?`, upn), fmt.Sprintf("%q", upn))
}

func (s *store) userByHandle(ctx context.Context, handle []byte) (User, error) {
	return s.scanUser(ctx, s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM portal_users WHERE handle = ?`, handle), "with that user handle")
}

func (s *store) users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM portal_users ORDER BY upn`)
	if err != nil {
		return nil, fmt.Errorf("portal: listing users: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("portal: listing users: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("portal: listing users: %w", err)
	}
	us := make([]User, 0, len(ids))
	for _, id := range ids {
		u, err := s.user(ctx, id)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	return us, nil
}

func (s *store) groupsOf(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT group_id FROM portal_group_members WHERE user_id = ? ORDER BY group_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("portal: groups of %q: %w", userID, err)
	}
	defer rows.Close()
	var gs []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, fmt.Errorf("portal: groups of %q: %w", userID, err)
		}
		gs = append(gs, g)
	}
	return gs, rows.Err()
}

const passkeyColumns = `id, user_id, public_key, attestation_type, attestation_format, aaguid, authenticator,
	passkey_type, backup_eligible, backup_state, user_verified, sign_count, transports, aal, profile,
	created_at, last_used_at, revoked_at, revoked_by`

type scanner interface{ Scan(dest ...any) error }

func scanPasskey(row scanner) (Passkey, error) {
	var pk Passkey
	var transports, created, used, revoked string
	if err := row.Scan(&pk.ID, &pk.UserID, &pk.PublicKey, &pk.AttestationType, &pk.AttestationFormat, &pk.AAGUID,
		&pk.Authenticator, &pk.PasskeyType, &pk.BackupEligible, &pk.BackupState, &pk.UserVerified, &pk.SignCount,
		&transports, &pk.AAL, &pk.Profile, &created, &used, &revoked, &pk.RevokedBy); err != nil {
		return Passkey{}, err
	}
	if transports != "" {
		pk.Transports = strings.Split(transports, ",")
	}
	var err error
	if pk.CreatedAt, err = parseTime(created, "registration time"); err != nil {
		return Passkey{}, err
	}
	if pk.LastUsedAt, err = parseTime(used, "last use"); err != nil {
		return Passkey{}, err
	}
	if pk.RevokedAt, err = parseTime(revoked, "revocation time"); err != nil {
		return Passkey{}, err
	}
	return pk, nil
}

// addPasskey stores a passkey. A credential id registered before, to anyone,
// is refused: WebAuthn L3 §7.1 step 26 ("If the credentialId is already
// known, the Relying Party SHOULD fail this registration ceremony").
func (s *store) addPasskey(ctx context.Context, pk Passkey) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("portal: storing passkey: %w", err)
	}
	defer tx.Rollback()
	var known, mine int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM portal_passkeys WHERE id = ?`, pk.ID).Scan(&known); err != nil {
		return fmt.Errorf("portal: storing passkey: %w", err)
	}
	if known > 0 {
		return fmt.Errorf("portal: passkey %s: %w", pk.Key(), errDuplicate)
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM portal_passkeys WHERE user_id = ? AND revoked_at = ''`, pk.UserID).Scan(&mine); err != nil {
		return fmt.Errorf("portal: storing passkey: %w", err)
	}
	if mine >= MaxPasskeysPerUser {
		return fmt.Errorf("portal: user %q already has %d passkeys, the most the portal keeps", pk.UserID, mine)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO portal_passkeys (`+passkeyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		pk.ID, pk.UserID, pk.PublicKey, pk.AttestationType, pk.AttestationFormat, pk.AAGUID, pk.Authenticator,
		pk.PasskeyType, pk.BackupEligible, pk.BackupState, pk.UserVerified, pk.SignCount,
		strings.Join(pk.Transports, ","), pk.AAL, pk.Profile,
		formatTime(pk.CreatedAt), formatTime(pk.LastUsedAt), formatTime(pk.RevokedAt), pk.RevokedBy)
	if err != nil {
		return fmt.Errorf("portal: storing passkey %s: %w", pk.Key(), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("portal: storing passkey %s: %w", pk.Key(), err)
	}
	return nil
}

func (s *store) passkey(ctx context.Context, id []byte) (Passkey, error) {
	pk, err := scanPasskey(s.db.QueryRowContext(ctx, `SELECT `+passkeyColumns+` FROM portal_passkeys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Passkey{}, fmt.Errorf("%w: %s", errNoPasskey, base64.RawURLEncoding.EncodeToString(id))
	}
	if err != nil {
		return Passkey{}, fmt.Errorf("portal: passkey %s: %w", base64.RawURLEncoding.EncodeToString(id), err)
	}
	return pk, nil
}

// passkeys returns the user's passkeys, revoked ones included, oldest first.
func (s *store) passkeys(ctx context.Context, userID string) ([]Passkey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+passkeyColumns+` FROM portal_passkeys WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("portal: passkeys of %q: %w", userID, err)
	}
	defer rows.Close()
	var pks []Passkey
	for rows.Next() {
		pk, err := scanPasskey(rows)
		if err != nil {
			return nil, fmt.Errorf("portal: passkeys of %q: %w", userID, err)
		}
		pks = append(pks, pk)
	}
	return pks, rows.Err()
}

// activePasskeys returns the user's passkeys that may sign in.
func (s *store) activePasskeys(ctx context.Context, userID string) ([]Passkey, error) {
	all, err := s.passkeys(ctx, userID)
	if err != nil {
		return nil, err
	}
	var active []Passkey
	for _, pk := range all {
		if !pk.Revoked() {
			active = append(active, pk)
		}
	}
	return active, nil
}

// recordUse stores the counter and flags of a successful sign-in.
func (s *store) recordUse(ctx context.Context, id []byte, signCount uint32, backupState bool) error {
	_, err := s.db.ExecContext(ctx, `UPDATE portal_passkeys SET sign_count = ?, backup_state = ?, last_used_at = ? WHERE id = ?`,
		signCount, backupState, formatTime(s.now()), id)
	if err != nil {
		return fmt.Errorf("portal: recording use of passkey %s: %w", base64.RawURLEncoding.EncodeToString(id), err)
	}
	return nil
}

// revokePasskey revokes one of the user's passkeys. Revoking a revoked one
// changes nothing and is not an error.
func (s *store) revokePasskey(ctx context.Context, userID, key, actor string) error {
	id, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(id) == 0 {
		return fmt.Errorf("%w: %q is not a credential id", errNoPasskey, key)
	}
	res, err := s.db.ExecContext(ctx,
		`UPDATE portal_passkeys SET revoked_at = ?, revoked_by = ? WHERE id = ? AND user_id = ? AND revoked_at = ''`,
		formatTime(s.now()), actor, id, userID)
	if err != nil {
		return fmt.Errorf("portal: revoking passkey %s: %w", key, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		if _, err := s.passkeyOf(ctx, userID, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *store) passkeyOf(ctx context.Context, userID string, id []byte) (Passkey, error) {
	pk, err := s.passkey(ctx, id)
	if err != nil {
		return Passkey{}, err
	}
	if pk.UserID != userID {
		return Passkey{}, fmt.Errorf("%w: %s of user %q", errNoPasskey, pk.Key(), userID)
	}
	return pk, nil
}

// directory adapts the store to tap.Directory for one request: the groups a
// new user joins and the actor a revocation is recorded under.
type directory struct {
	s        *store
	groupIDs []string
	actor    string
}

var _ tap.Directory = directory{}

// CreateUser implements tap.Directory: the user and its group memberships are
// created together, so the pass Onboard then issues sees the groups.
func (d directory) CreateUser(ctx context.Context, u tap.User) (tap.User, error) {
	nu, err := d.s.createUser(ctx, u.UserPrincipalName, u.DisplayName, d.groupIDs)
	if err != nil {
		return tap.User{}, err
	}
	return tap.User{ID: nu.ID, UserPrincipalName: nu.UPN, DisplayName: nu.DisplayName}, nil
}

// Groups implements tap.Directory.
func (d directory) Groups(ctx context.Context, userID string) ([]string, error) {
	return d.s.groupsOf(ctx, userID)
}

// RemovePasskey implements tap.Directory. The passkey is revoked rather than
// deleted, so the helpdesk page and a refused sign-in can say when and by
// whom.
func (d directory) RemovePasskey(ctx context.Context, userID, credentialID string) error {
	return d.s.revokePasskey(ctx, userID, credentialID, d.actor)
}

// decodeKey reads a Passkey.Key; nil when it is not one.
func decodeKey(key string) []byte {
	id, err := base64.RawURLEncoding.Strict().DecodeString(key)
	if err != nil {
		return nil
	}
	return id
}
