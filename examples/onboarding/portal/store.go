package portal

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/tap"
)

// schema creates the portal's tables beside the TAP store's (tap_passes).
// Times are RFC 3339 UTC text; credential ids are the raw bytes.
//
// A passkey's record column holds keytier's credential record
// (passkey.Record JSON): the key, counter and flags sign-in verifies
// against, the verdict at registration and as of the latest sign-in, and
// the events sign-ins saw. It is what sign-in reads and writes. The
// credential columns before it are what the portal stored before it kept
// the record; they are still written from the record, with their old
// meanings (passkey_type and aal: the verdict at registration; sign_count,
// backup_state, user_verified: as of the latest verified sign-in), so a
// query over the table reads what it always did.
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
	revoked_by         TEXT NOT NULL DEFAULT '',
	record             TEXT NOT NULL DEFAULT ''
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

// Passkey is a registered passkey: keytier's record of it, which sign-in
// verifies against and updates, and what the portal keeps beside it.
type Passkey struct {
	ID     []byte
	UserID string
	// Profile names the passkey profile that admitted it at registration.
	Profile    string
	CreatedAt  time.Time
	LastUsedAt time.Time // the latest sign-in the portal let through
	RevokedAt  time.Time
	RevokedBy  string
	// Record is the credential record: the key, counter and flags, the
	// verdict at registration (Record.Registration) and as the latest
	// sign-in left it (Record.Current), and the events sign-ins saw.
	Record *passkey.Record

	// stored is the record column as read, for the compare-and-swap in
	// saveRecord.
	stored string
}

// Key is the credential id as the pages and the directory name it:
// unpadded base64url.
func (pk Passkey) Key() string { return base64.RawURLEncoding.EncodeToString(pk.ID) }

// Revoked reports whether the passkey was revoked.
func (pk Passkey) Revoked() bool { return !pk.RevokedAt.IsZero() }

// webauthnCredential is the passkey as go-webauthn lists it in a
// registration's excludeCredentials.
func (pk Passkey) webauthnCredential() webauthn.Credential {
	ts := make([]protocol.AuthenticatorTransport, len(pk.Record.Transports))
	for i, t := range pk.Record.Transports {
		ts[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{ID: pk.ID, PublicKey: pk.Record.PublicKey, Transport: ts}
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
	// A database from before the record column has the table without it.
	var has int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('portal_passkeys') WHERE name = 'record'`).Scan(&has); err != nil {
		return fmt.Errorf("portal: reading the passkey table's columns: %w", err)
	}
	if has == 0 {
		if _, err := s.db.ExecContext(ctx, `ALTER TABLE portal_passkeys ADD COLUMN record TEXT NOT NULL DEFAULT ''`); err != nil {
			return fmt.Errorf("portal: adding the record column: %w", err)
		}
	}
	return s.recordLegacyPasskeys(ctx)
}

// legacyPasskey is a passkey row stored before the record column: the
// columns go-webauthn verified sign-ins with.
type legacyPasskey struct {
	id, publicKey, aaguid, handle  []byte
	attType, attFormat, transports string
	be, bs, uv                     bool
	signCount                      uint32
	created                        string
}

// recordLegacyPasskeys gives every passkey stored before the record column
// a record. The row is the webauthn.Credential go-webauthn verified it
// with, so keytier reads it as it reads any go-webauthn row
// (passkey.ParseRecord): its verdict is keytier's classification from the
// flags and the AAGUID, without the attestation, which the row does not
// keep.
func (s *store) recordLegacyPasskeys(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("portal: recording older passkeys: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT k.id, k.public_key, k.aaguid, u.handle, k.attestation_type, k.attestation_format,
		k.transports, k.backup_eligible, k.backup_state, k.user_verified, k.sign_count, k.created_at
		FROM portal_passkeys k JOIN portal_users u ON u.id = k.user_id WHERE k.record = ''`)
	if err != nil {
		return fmt.Errorf("portal: recording older passkeys: %w", err)
	}
	var legacy []legacyPasskey
	for rows.Next() {
		var l legacyPasskey
		if err := rows.Scan(&l.id, &l.publicKey, &l.aaguid, &l.handle, &l.attType, &l.attFormat,
			&l.transports, &l.be, &l.bs, &l.uv, &l.signCount, &l.created); err != nil {
			rows.Close()
			return fmt.Errorf("portal: recording older passkeys: %w", err)
		}
		legacy = append(legacy, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("portal: recording older passkeys: %w", err)
	}
	for _, l := range legacy {
		key := base64.RawURLEncoding.EncodeToString(l.id)
		rec, err := l.record()
		if err != nil {
			return fmt.Errorf("portal: passkey %s, stored before the record column: %w", key, err)
		}
		js, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("portal: passkey %s: %w", key, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE portal_passkeys SET record = ? WHERE id = ? AND record = ''`, string(js), l.id); err != nil {
			return fmt.Errorf("portal: passkey %s: %w", key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("portal: recording older passkeys: %w", err)
	}
	return nil
}

func (l legacyPasskey) record() (*passkey.Record, error) {
	var ts []protocol.AuthenticatorTransport
	if l.transports != "" {
		for _, t := range strings.Split(l.transports, ",") {
			ts = append(ts, protocol.AuthenticatorTransport(t))
		}
	}
	row, err := json.Marshal(webauthn.Credential{
		ID:                l.id,
		PublicKey:         l.publicKey,
		AttestationType:   l.attType,
		AttestationFormat: l.attFormat,
		Transport:         ts,
		Flags:             webauthn.CredentialFlags{UserPresent: true, UserVerified: l.uv, BackupEligible: l.be, BackupState: l.bs},
		Authenticator:     webauthn.Authenticator{AAGUID: l.aaguid, SignCount: l.signCount},
	})
	if err != nil {
		return nil, err
	}
	rec, err := passkey.ParseRecord(row)
	if err != nil {
		return nil, err
	}
	rec.UserHandle = l.handle
	if rec.RegisteredAt, err = parseTime(l.created, "registration time"); err != nil {
		return nil, err
	}
	return rec, nil
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

const passkeyColumns = `id, user_id, profile, created_at, last_used_at, revoked_at, revoked_by, record`

type scanner interface{ Scan(dest ...any) error }

func scanPasskey(row scanner) (Passkey, error) {
	var pk Passkey
	var created, used, revoked string
	if err := row.Scan(&pk.ID, &pk.UserID, &pk.Profile, &created, &used, &revoked, &pk.RevokedBy, &pk.stored); err != nil {
		return Passkey{}, err
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
	if pk.Record, err = passkey.ParseRecord([]byte(pk.stored)); err != nil {
		return Passkey{}, fmt.Errorf("portal: the stored record: %w", err)
	}
	if !bytes.Equal(pk.Record.ID, pk.ID) {
		return Passkey{}, fmt.Errorf("portal: the stored record is for credential %s", pk.Record.ID)
	}
	return pk, nil
}

// addPasskey stores a passkey with its record. A credential id registered
// before, to anyone, is refused: WebAuthn L3 §7.1 step 26 ("If the
// credentialId is already known, the Relying Party SHOULD fail this
// registration ceremony").
func (s *store) addPasskey(ctx context.Context, pk Passkey) error {
	rec := pk.Record
	if rec == nil || !bytes.Equal(rec.ID, pk.ID) {
		return fmt.Errorf("portal: passkey %s has no record of its own", pk.Key())
	}
	js, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("portal: passkey %s: %w", pk.Key(), err)
	}
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
	reg := rec.Registration
	_, err = tx.ExecContext(ctx, `INSERT INTO portal_passkeys (id, user_id, public_key, attestation_type, attestation_format,
		aaguid, authenticator, passkey_type, backup_eligible, backup_state, user_verified, sign_count, transports, aal,
		profile, created_at, last_used_at, revoked_at, revoked_by, record)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		pk.ID, pk.UserID, []byte(rec.PublicKey), rec.Attestation.Type, rec.Attestation.Format, rec.AAGUID[:], reg.Authenticator,
		string(reg.PasskeyType), rec.BackupEligible, rec.BackupState, rec.UVInitialized, rec.SignCount,
		strings.Join(rec.Transports, ","), reg.AAL.String(), pk.Profile,
		formatTime(pk.CreatedAt), formatTime(pk.LastUsedAt), formatTime(pk.RevokedAt), pk.RevokedBy, string(js))
	if err != nil {
		return fmt.Errorf("portal: storing passkey %s: %w", pk.Key(), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("portal: storing passkey %s: %w", pk.Key(), err)
	}
	return nil
}

// errRecordChanged is what saveRecord returns when another sign-in with the
// same passkey saved its record first.
var errRecordChanged = errors.New("portal: the passkey's record changed during the sign-in")

// saveRecord stores the record a sign-in produced for pk, which must be the
// passkey as read before the sign-in: the write happens only if the stored
// record is still that one, so two sign-ins racing with one passkey cannot
// lose a counter or an event (the loser gets errRecordChanged). signedIn
// says the portal let the sign-in through, which moves last_used_at.
func (s *store) saveRecord(ctx context.Context, pk Passkey, rec *passkey.Record, signedIn bool) error {
	if !bytes.Equal(rec.ID, pk.ID) {
		return fmt.Errorf("portal: a record for %s is not passkey %s's", rec.ID, pk.Key())
	}
	js, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("portal: passkey %s: %w", pk.Key(), err)
	}
	used := formatTime(pk.LastUsedAt)
	if signedIn {
		used = formatTime(s.now())
	}
	res, err := s.db.ExecContext(ctx, `UPDATE portal_passkeys SET record = ?, sign_count = ?, backup_state = ?, user_verified = ?, last_used_at = ?
		WHERE id = ? AND record = ?`,
		string(js), rec.SignCount, rec.BackupState, rec.UVInitialized, used, pk.ID, pk.stored)
	if err != nil {
		return fmt.Errorf("portal: saving the record of passkey %s: %w", pk.Key(), err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("portal: saving the record of passkey %s: %w", pk.Key(), err)
	} else if n == 0 {
		return fmt.Errorf("%w: passkey %s", errRecordChanged, pk.Key())
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
