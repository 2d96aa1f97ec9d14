package portal_test

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/examples/onboarding/portal"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// testKeyMDS is a FIDO MDS3 BLOB, signed by a test root, that describes the
// test authenticator as a security key whose keys never leave its secure
// element, with the passkeytest root as its attestation root: the evidence
// AAL3 needs.
func testKeyMDS(t *testing.T, a *passkeytest.Authenticator) *mds.BLOB {
	t.Helper()
	s := mdstest.NewSigner(t)
	blob := mdstest.BuildBLOB(t, s, mdstest.Payload{NextUpdate: mdstest.NotAfter(), Entries: []mdstest.Authenticator{{
		AAGUID:           uuid.UUID(a.AAGUID()),
		Description:      "keytier Test Key",
		KeyProtection:    []string{"hardware", "secure_element"},
		AttachmentHint:   []string{"external", "wired"},
		RootCertificates: []*x509.Certificate{passkeytest.RootCertificate()},
	}}})
	b, err := mds.Load(blob, mds.Options{Root: s.Root.Certificate})
	require.NoError(t, err)
	return b
}

// credentialRow returns the admin page's row for a passkey: its opening tag,
// with the data attributes, and the events row after it ("" when none).
func credentialRow(t *testing.T, page string, id []byte) (row, events string) {
	t.Helper()
	key := regexp.QuoteMeta(passkey.Bytes(id).String())
	m := regexp.MustCompile(`(?s)<tr class="credential" data-passkey="` + key + `"[^>]*>`).FindString(page)
	require.NotEmpty(t, m, "the admin page lists passkey %s", passkey.Bytes(id))
	ev := regexp.MustCompile(`(?s)<tr class="events" data-passkey="` + key + `">.*?</tr>`).FindString(page)
	return m, ev
}

// signInWith signs in with a fresh client and returns the reply and the
// client.
func signInWith(t *testing.T, h *harness, a *passkeytest.Authenticator, cred *passkeytest.Credential, edit func(*passkeytest.AssertOptions)) (reply, *client) {
	t.Helper()
	c := newClient(t, h)
	return c.signIn(a, cred, edit), c
}

// An administrator's device-bound security key, registered at AAL3 under
// the shipped policy, whose authenticator later says the key is backup
// eligible and backed up. keytier refuses the sign-in (BE never changes,
// §6.1.3) and, since the signature verified, returns the record with the
// events and the verdict lowered to synced AAL2; the portal saves it, the
// admin page shows it, and the key no longer meets the administrators'
// profile, so it stays refused even when it reports its old flags again.
func TestAdminKeyReportsBackup(t *testing.T) {
	a := authenticator(t, passkeytest.AttestationPacked)
	h := start(t, func(o *portal.Options) { o.MDS = testKeyMDS(t, a) })
	const grace = "grace@contoso.example"
	c := newClient(t, h)
	c.mustRedeem(grace, newClient(t, h).issuePass(grace))
	r, reg := c.register(a, func(o *passkeytest.RegisterOptions) { o.SignCount = 1 })
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	rec := h.record(t, reg.Credential.ID)
	require.Equal(t, passkey.DeviceBound, rec.Registration.PasskeyType)
	require.Equal(t, assurance.AAL3, rec.Registration.AAL)
	require.Equal(t, passkey.SourceKeytier, rec.Source)

	r, s := signInWith(t, h, a, reg.Credential, func(o *passkeytest.AssertOptions) { o.SignCount = 2 })
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	assert.Contains(t, s.get("/me").Body, `data-aal="AAL3"`)
	rec = h.record(t, reg.Credential.ID)
	assert.Equal(t, uint32(2), rec.SignCount)
	assert.Equal(t, uint64(1), rec.SignIns)
	assert.Empty(t, rec.Events)

	backedUp := func(o *passkeytest.AssertOptions) {
		o.SignCount = 3
		o.BackedUp = true
		o.Tamper.Flags = func(f byte) byte { return f | 0x08 } // BE: the authenticator now claims a multi-device credential
	}
	r, s = signInWith(t, h, a, reg.Credential, backedUp)
	require.Equal(t, http.StatusUnauthorized, r.Status, r.Body)
	msg, code := apiErr(t, r)
	assert.Equal(t, string(passkey.CodeBackupEligibilityChanged), code)
	assert.Contains(t, msg, "cannot change", "the event's plain words")
	assert.Contains(t, msg, "no longer meets your account's passkey profile")
	assert.Equal(t, http.StatusSeeOther, s.get("/me").Status, "not signed in")

	rec = h.record(t, reg.Credential.ID)
	require.Len(t, rec.Events, 2, "the refused sign-in's evidence is kept")
	be, bs := rec.Events[0], rec.Events[1]
	assert.Equal(t, passkey.EventBackupEligibilityChanged, be.Code)
	assert.True(t, be.Rejected)
	assert.Equal(t, passkey.EventBackupStateChanged, bs.Code)
	assert.Equal(t, [2]string{"0", "1"}, [2]string{bs.Old, bs.New})
	assert.Equal(t, "deviceBound AAL3", bs.TierBefore)
	assert.Equal(t, "synced AAL2", bs.TierAfter)
	assert.Equal(t, passkey.Synced, rec.Current.PasskeyType)
	assert.Equal(t, assurance.AAL2, rec.Current.AAL)
	assert.Equal(t, assurance.AAL3, rec.Registration.AAL, "the registration verdict is history")
	assert.Equal(t, uint32(2), rec.SignCount, "a refused sign-in does not advance the counter")
	assert.Equal(t, uint64(1), rec.SignIns)

	admin := newClient(t, h).get("/admin")
	require.Equal(t, http.StatusOK, admin.Status)
	row, events := credentialRow(t, admin.Body, reg.Credential.ID)
	assert.Contains(t, row, `data-registered-type="deviceBound" data-registered-aal="AAL3"`)
	assert.Contains(t, row, `data-current-type="synced" data-current-aal="AAL2"`)
	assert.Contains(t, row, `data-admitted="false"`, "the administrators' profile admits only device-bound passkeys")
	assert.Contains(t, events, `data-code="backup_eligibility_changed" data-old="0" data-new="1" data-rejected="true"`)
	assert.Contains(t, events, `data-code="backup_state_changed" data-old="0" data-new="1" data-rejected="false" data-tier-before="deviceBound AAL3" data-tier-after="synced AAL2"`)
	assert.Contains(t, events, "falls from AAL3 to AAL2", "the admin text")

	// The authenticator reports BE=0, BS=0 again. The signature and the
	// flags verify, but a key copied once may still be elsewhere: the
	// verdict does not rise, and the profile refuses it.
	r, s = signInWith(t, h, a, reg.Credential, func(o *passkeytest.AssertOptions) { o.SignCount = 4 })
	require.Equal(t, http.StatusForbidden, r.Status, r.Body)
	msg, code = apiErr(t, r)
	assert.Equal(t, string(passkey.ReasonTypeNotAllowed), code)
	assert.Contains(t, msg, "no longer meets your account's passkey profile")
	assert.Equal(t, http.StatusSeeOther, s.get("/me").Status, "not signed in")
	rec = h.record(t, reg.Credential.ID)
	assert.Equal(t, passkey.Synced, rec.Current.PasskeyType)
	assert.Equal(t, uint32(4), rec.SignCount, "the verified counter is kept")
	assert.Contains(t, h.Log.String(), "code=backup_state_changed", "the log keeps every event")
}

// A multi-device credential (BE=1) registered before it was backed up, then
// backed up: the sign-in is accepted, the event is shown to the admin and,
// in plain words, to its owner, and the tier stays, since BE=1 was already
// synced.
func TestSyncedKeyBackedUpLater(t *testing.T) {
	h := start(t, nil)
	const upn = "bs@contoso.example"
	c := newClient(t, h)
	c.mustRedeem(upn, newClient(t, h).createUser(upn, portal.WorkforceGroupID))
	a := authenticator(t, passkeytest.AttestationNone)
	r, reg := c.register(a, func(o *passkeytest.RegisterOptions) { o.BackupEligible = true })
	require.Equal(t, http.StatusOK, r.Status, r.Body)

	r, _ = signInWith(t, h, a, reg.Credential, nil)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	r, s := signInWith(t, h, a, reg.Credential, func(o *passkeytest.AssertOptions) { o.BackedUp = true })
	require.Equal(t, http.StatusOK, r.Status, r.Body)

	rec := h.record(t, reg.Credential.ID)
	require.Len(t, rec.Events, 1)
	ev := rec.Events[0]
	assert.Equal(t, passkey.EventBackupStateChanged, ev.Code)
	assert.False(t, ev.Rejected)
	assert.Empty(t, ev.TierAfter, "the tier did not change")
	assert.True(t, rec.BackupState)
	assert.Equal(t, rec.Registration.AAL, rec.Current.AAL)
	assert.Equal(t, uint64(2), rec.SignIns)

	me := s.get("/me")
	assert.Contains(t, me.Body, `data-code="backup_state_changed"`)
	assert.Contains(t, me.Body, "copied to your account")

	row, events := credentialRow(t, newClient(t, h).get("/admin").Body, reg.Credential.ID)
	assert.Contains(t, row, `data-registered-type="synced" data-registered-aal="AAL2"`)
	assert.Contains(t, row, `data-current-type="synced" data-current-aal="AAL2"`)
	assert.Contains(t, row, `data-admitted="true"`)
	assert.Contains(t, events, `data-code="backup_state_changed" data-old="0" data-new="1" data-rejected="false"`)
	assert.Contains(t, events, "already counted it as synced")
}

// A counter that does not advance: two copies of the key may exist
// (§6.1.1). The portal refuses the sign-in and keeps the event.
func TestSignCountRegressedRefused(t *testing.T) {
	h := start(t, nil)
	const upn = "count@contoso.example"
	c := newClient(t, h)
	c.mustRedeem(upn, newClient(t, h).createUser(upn, portal.WorkforceGroupID))
	a := authenticator(t, passkeytest.AttestationNone)
	r, reg := c.register(a, func(o *passkeytest.RegisterOptions) { o.SignCount = 5 })
	require.Equal(t, http.StatusOK, r.Status, r.Body)

	r, _ = signInWith(t, h, a, reg.Credential, func(o *passkeytest.AssertOptions) { o.SignCount = 6 })
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	r, s := signInWith(t, h, a, reg.Credential, func(o *passkeytest.AssertOptions) { o.SignCount = 6 })
	require.Equal(t, http.StatusUnauthorized, r.Status, r.Body)
	msg, code := apiErr(t, r)
	assert.Equal(t, string(passkey.CodeSignCountRegressed), code)
	assert.Contains(t, msg, "copied")
	assert.Equal(t, http.StatusSeeOther, s.get("/me").Status)

	rec := h.record(t, reg.Credential.ID)
	require.Len(t, rec.Events, 1)
	assert.Equal(t, passkey.EventSignCountRegressed, rec.Events[0].Code)
	assert.True(t, rec.Events[0].Rejected)
	assert.Equal(t, uint32(6), rec.SignCount)
	_, events := credentialRow(t, newClient(t, h).get("/admin").Body, reg.Credential.ID)
	assert.Contains(t, events, `data-code="sign_count_regressed" data-old="6" data-new="6" data-rejected="true"`)
}

// The policy is applied at every sign-in to the passkey as it stands: a
// workforce user moved to the administrators' group keeps a synced passkey
// the administrators' profile does not admit, and it no longer signs in.
func TestProfileAppliedAtSignIn(t *testing.T) {
	h := start(t, nil)
	const upn = "moved@contoso.example"
	c := newClient(t, h)
	c.mustRedeem(upn, newClient(t, h).createUser(upn, portal.WorkforceGroupID))
	a := authenticator(t, passkeytest.AttestationNone)
	r, reg := c.register(a, synced)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	r, _ = signInWith(t, h, a, reg.Credential, nil)
	require.Equal(t, http.StatusOK, r.Status, r.Body)

	// The directory moves the user (the portal has no page for it).
	_, err := h.Store.DB().ExecContext(t.Context(), `UPDATE portal_group_members SET group_id = ?
		WHERE user_id = (SELECT id FROM portal_users WHERE upn = ?)`, portal.AdminsGroupID, upn)
	require.NoError(t, err)

	r, s := signInWith(t, h, a, reg.Credential, nil)
	require.Equal(t, http.StatusForbidden, r.Status, r.Body)
	msg, code := apiErr(t, r)
	assert.Equal(t, string(passkey.ReasonTypeNotAllowed), code)
	assert.Contains(t, msg, "admits only deviceBound")
	assert.Equal(t, http.StatusSeeOther, s.get("/me").Status)
	row, _ := credentialRow(t, newClient(t, h).get("/admin").Body, reg.Credential.ID)
	assert.Contains(t, row, `data-admitted="false"`)
}

// legacySchema is the portal's schema before it kept keytier's record
// (examples/onboarding at f23a621): what an existing database holds.
const legacySchema = `
CREATE TABLE portal_groups (id TEXT PRIMARY KEY, display_name TEXT NOT NULL);
CREATE TABLE portal_users (
	id TEXT PRIMARY KEY, upn TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
	handle BLOB NOT NULL UNIQUE, created_at TEXT NOT NULL
);
CREATE TABLE portal_group_members (
	group_id TEXT NOT NULL REFERENCES portal_groups(id),
	user_id TEXT NOT NULL REFERENCES portal_users(id),
	PRIMARY KEY (group_id, user_id)
);
CREATE TABLE portal_passkeys (
	id BLOB PRIMARY KEY, user_id TEXT NOT NULL REFERENCES portal_users(id), public_key BLOB NOT NULL,
	attestation_type TEXT NOT NULL, attestation_format TEXT NOT NULL, aaguid BLOB NOT NULL,
	authenticator TEXT NOT NULL, passkey_type TEXT NOT NULL, backup_eligible INTEGER NOT NULL,
	backup_state INTEGER NOT NULL, user_verified INTEGER NOT NULL, sign_count INTEGER NOT NULL,
	transports TEXT NOT NULL, aal TEXT NOT NULL, profile TEXT NOT NULL, created_at TEXT NOT NULL,
	last_used_at TEXT NOT NULL DEFAULT '', revoked_at TEXT NOT NULL DEFAULT '', revoked_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX portal_passkeys_user ON portal_passkeys(user_id);
`

// A database written before the portal kept records: its passkeys are
// given records when the portal opens it, read as the go-webauthn rows they
// are, and sign in through keytier.
func TestPasskeysStoredBeforeRecords(t *testing.T) {
	h0 := start(t, nil) // only for a database file and its connection settings
	db := h0.Store.DB()
	ctx := t.Context()
	for _, table := range []string{"portal_passkeys", "portal_group_members", "portal_users", "portal_groups"} {
		_, err := db.ExecContext(ctx, "DROP TABLE "+table)
		require.NoError(t, err)
	}
	_, err := db.ExecContext(ctx, legacySchema)
	require.NoError(t, err)

	handle := []byte("legacy-user-0001")
	a := authenticator(t, passkeytest.AttestationNone)
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: "localhost", Origin: "http://localhost", Challenge: []byte("0123456789abcdef"),
		UserVerified: true, UserHandle: handle, BackupEligible: true, BackedUp: true, SignCount: 7})
	require.NoError(t, err)
	cred := reg.Credential
	aaguid := a.AAGUID()
	_, err = db.ExecContext(ctx, `INSERT INTO portal_groups VALUES (?, 'Workforce')`, portal.WorkforceGroupID)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO portal_users VALUES ('u-legacy', 'old@contoso.example', 'Old Timer', ?, '2026-01-02T03:04:05Z')`, handle)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO portal_group_members VALUES (?, 'u-legacy')`, portal.WorkforceGroupID)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO portal_passkeys VALUES (?, 'u-legacy', ?, 'none', 'none', ?, '', 'synced', 1, 1, 1, 7,
		'internal', 'AAL2', 'Workforce: synced or device-bound', '2026-01-02T03:05:00Z', '', '', '')`, cred.ID, cred.PublicKey, aaguid[:])
	require.NoError(t, err)

	h := startOn(t, h0.Store, nil)
	rec := h.record(t, cred.ID)
	assert.Equal(t, passkey.SourceGoWebAuthn, rec.Source)
	assert.Equal(t, passkey.Bytes(handle), rec.UserHandle)
	assert.Equal(t, uint32(7), rec.SignCount)
	assert.Equal(t, passkey.Synced, rec.Registration.PasskeyType, "BE=1: keytier's verdict from the flags")
	assert.Equal(t, "2026-01-02T03:05:00Z", rec.RegisteredAt.Format("2006-01-02T15:04:05Z07:00"))

	r, s := signInWith(t, h, a, cred, func(o *passkeytest.AssertOptions) { o.SignCount = 8; o.BackedUp = true })
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	assert.Contains(t, s.get("/me").Body, `data-upn="old@contoso.example"`)
	rec = h.record(t, cred.ID)
	assert.Equal(t, uint32(8), rec.SignCount)
	var count int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT sign_count FROM portal_passkeys WHERE id = ?`, cred.ID).Scan(&count))
	assert.Equal(t, 8, count, "the columns from before the record follow it")
	row, _ := credentialRow(t, newClient(t, h).get("/admin").Body, cred.ID)
	assert.Contains(t, row, `data-current-type="synced"`)
	assert.Contains(t, newClient(t, h).get("/helpdesk").Body, fmt.Sprintf("data-passkey=%q", passkey.Bytes(cred.ID).String()))
}
