package bridge

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

var (
	tlUser      = []byte("timeline-user")
	tlChallenge = []byte("the registration challenge, 32 b")
	tlAt        = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
)

// live is a credential of passkeytest's virtual authenticator, registered
// at login.example.com and verified into a timeline.
type live struct {
	auth *passkeytest.Authenticator
	cred *passkeytest.Credential
	reg  []byte
	tl   *Timeline
}

func register(t *testing.T, be bool, count uint32) live {
	t.Helper()
	a, err := passkeytest.New(passkeytest.Options{})
	require.NoError(t, err)
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: storyRPID, Origin: storyOrigin, Challenge: tlChallenge,
		UserHandle: tlUser, UserVerified: true, BackupEligible: be, SignCount: count})
	require.NoError(t, err)
	st := Settings{RPID: storyRPID, Origin: storyOrigin, Challenge: base64.RawURLEncoding.EncodeToString(tlChallenge)}
	opts, err := st.Options()
	require.NoError(t, err)
	tl, err := NewTimeline(reg.JSON, *opts, tlUser, tlAt)
	require.NoError(t, err)
	return live{auth: a, cred: reg.Credential, reg: reg.JSON, tl: tl}
}

// assert signs in with o (origin and challenge filled in) and returns the
// assertion and the options that verify it.
func (l live) assert(t *testing.T, o passkeytest.AssertOptions, n int) ([]byte, passkey.AssertionOptions) {
	t.Helper()
	ch := []byte("sign-in challenge number " + string(rune('0'+n)))
	o.Origin, o.Challenge = storyOrigin, ch
	as, err := l.auth.Assert(l.cred, o)
	require.NoError(t, err)
	at := tlAt.Add(time.Duration(n) * time.Hour)
	opts, err := Settings{RPID: storyRPID, Origin: storyOrigin, Challenge: base64.RawURLEncoding.EncodeToString(ch)}.
		assertionOptions(l.tl.record, func() time.Time { return at })
	require.NoError(t, err)
	return as.JSON, opts
}

func (l live) signIn(t *testing.T, o passkeytest.AssertOptions, n int) Row {
	t.Helper()
	row, err := l.tl.SignIn(l.assert(t, o, n))
	require.NoError(t, err)
	return row
}

func TestTimelineBackupStateAndCounter(t *testing.T) {
	l := register(t, true, 5)
	first := l.tl.Rows()[0]
	assert.Equal(t, RowRegistration, first.Kind)
	assert.Equal(t, &FlagsView{UP: true, UV: true, BE: true, BS: false}, first.Flags)
	assert.Equal(t, uint32(5), *first.SignCount)
	assert.Equal(t, "synced AAL2", first.Tier.String(), "keytier counts BE=1 as synced from registration")
	assert.Equal(t, tlAt, first.At)

	r := l.signIn(t, passkeytest.AssertOptions{UserVerified: true, SignCount: 6}, 1)
	assert.True(t, r.OK)
	assert.Nil(t, r.Error)
	assert.Empty(t, r.Events)
	assert.True(t, r.RecordUpdated)
	assert.Equal(t, uint32(6), l.tl.Record().SignCount)
	assert.Equal(t, tlAt.Add(time.Hour), r.At)

	r = l.signIn(t, passkeytest.AssertOptions{UserVerified: true, SignCount: 7, BackedUp: true}, 2)
	assert.True(t, r.OK, "BS may change")
	assert.Equal(t, []passkey.EventCode{passkey.EventBackupStateChanged}, codesOf(r.Events))
	assert.Equal(t, &FlagsView{UP: true, UV: true, BE: true, BS: true}, r.Flags)
	assert.False(t, r.TierChanged, "already synced")
	assert.Equal(t, "synced AAL2", r.Tier.String())
	assert.True(t, l.tl.Record().BackupState)

	// A counter behind the stored one: flagged, accepted, not lowered.
	r = l.signIn(t, passkeytest.AssertOptions{UserVerified: true, SignCount: 3, BackedUp: true}, 3)
	assert.True(t, r.OK)
	assert.Equal(t, []passkey.EventCode{passkey.EventSignCountRegressed}, codesOf(r.Events))
	assert.Equal(t, uint32(3), *r.SignCount)
	assert.Equal(t, uint32(7), l.tl.Record().SignCount)
	assert.Contains(t, r.Summary, "Accepted, with 1 event")

	rows := l.tl.Rows()
	require.Len(t, rows, 4)
	for i, row := range rows {
		assert.Equal(t, i, row.N)
	}
	assert.Len(t, l.tl.Record().Events, 2, "the record keeps the events")
}

// A device-bound key whose authenticator later reports BE=1, BS=1: refused,
// but the record keeps the signed flags and the tier falls.
func TestTimelineBackupEligibilityChanged(t *testing.T) {
	l := register(t, false, 1)
	require.Equal(t, passkey.DeviceBound, l.tl.Rows()[0].Tier.PasskeyType)
	before := l.tl.Rows()[0].Tier
	r := l.signIn(t, passkeytest.AssertOptions{UserVerified: true, SignCount: 2, BackedUp: true,
		Tamper: passkeytest.Tamper{Flags: func(f byte) byte { return f | 0x08 }}}, 1)
	assert.False(t, r.OK)
	require.NotNil(t, r.Error)
	assert.Equal(t, passkey.CodeBackupEligibilityChanged, r.Error.Code)
	assert.Equal(t, "authData.flags.BE", r.Error.Where)
	assert.True(t, r.RecordUpdated)
	assert.Equal(t, passkey.Synced, r.Tier.PasskeyType)
	assert.True(t, r.TierChanged)
	assert.Contains(t, r.Summary, "signature verified")
	assert.Contains(t, r.Summary, "from "+describeTier(before)+" to "+describeTier(r.Tier))
	assert.Equal(t, passkey.Synced, l.tl.Record().Current.PasskeyType, "the timeline persists the lowered verdict")
	assert.Equal(t, uint32(1), l.tl.Record().SignCount)
}

// Refused before the signature verified: the record is untouched, but the
// row still shows what the assertion claimed.
func TestTimelineRefusedBeforeSignature(t *testing.T) {
	l := register(t, false, 1)
	rec := l.tl.Record()
	r := l.signIn(t, passkeytest.AssertOptions{UserVerified: true, SignCount: 2, Tamper: passkeytest.Tamper{CorruptSignature: true}}, 1)
	assert.False(t, r.OK)
	assert.Equal(t, passkey.CodeAssertionSignature, r.Error.Code)
	assert.False(t, r.RecordUpdated)
	require.NotNil(t, r.Flags)
	assert.Equal(t, uint32(2), *r.SignCount)
	assert.False(t, r.TierChanged)
	assert.Equal(t, rec, l.tl.Record())
	assert.Contains(t, r.Summary, "record is unchanged")
	assert.Equal(t, tlAt.Add(time.Hour), r.At)

	// An assertion for another challenge (a replay): refused at the
	// client data, before the signature.
	as, _ := l.assert(t, passkeytest.AssertOptions{UserVerified: true, SignCount: 3}, 2)
	_, opts := l.assert(t, passkeytest.AssertOptions{}, 3)
	r, err := l.tl.SignIn(as, opts)
	require.NoError(t, err)
	assert.False(t, r.OK)
	assert.Equal(t, passkey.CodeChallengeMismatch, r.Error.Code)
	assert.Equal(t, rec, l.tl.Record())
}

func TestTimelineUnreadableAssertion(t *testing.T) {
	l := register(t, false, 1)
	_, opts := l.assert(t, passkeytest.AssertOptions{}, 1)
	r, err := l.tl.SignIn([]byte(`{"id": "AAAA"}`), opts)
	require.NoError(t, err)
	assert.False(t, r.OK)
	assert.NotEmpty(t, r.Error.Code)
	assert.Nil(t, r.Flags, "no authenticator data was read")
	assert.Nil(t, r.SignCount)
	assert.Empty(t, r.Events)
	assert.Len(t, l.tl.Rows(), 2)
}

// Settings VerifyAssertion cannot use are the relying party's mistake, not
// a sign-in: no row.
func TestTimelineOptionsError(t *testing.T) {
	l := register(t, false, 1)
	as, opts := l.assert(t, passkeytest.AssertOptions{UserVerified: true, SignCount: 2}, 1)
	opts.Origins = []string{"https://login.example.com/path"}
	_, err := l.tl.SignIn(as, opts)
	assert.Equal(t, passkey.CodeOptionsInvalid, passkey.CodeOf(err))
	assert.Len(t, l.tl.Rows(), 1)
}

// The exported record reads back (import) and the timeline goes on from it.
func TestTimelineRecordRoundTrip(t *testing.T) {
	l := register(t, true, 1)
	l.signIn(t, passkeytest.AssertOptions{UserVerified: true, SignCount: 2, BackedUp: true}, 1)
	v, err := l.tl.View()
	require.NoError(t, err)
	assert.Equal(t, v.Record, l.tl.Record())

	back, err := TimelineFromRecord([]byte(v.RecordJSON))
	require.NoError(t, err)
	again, err := json.Marshal(back.Record())
	require.NoError(t, err)
	assert.JSONEq(t, v.RecordJSON, string(again), "the record reads back as it was written")
	first := back.Rows()[0]
	assert.Equal(t, RowRecord, first.Kind)
	assert.Nil(t, first.Flags)
	assert.Equal(t, &StoredView{BackupEligible: true, BackupState: true, UVInitialized: true, SignCount: 2, Source: passkey.SourceKeytier}, first.Stored)
	assert.Equal(t, tlAt.Add(time.Hour), first.At, "a record's moment is its latest sign-in")

	l.tl = back
	r := l.signIn(t, passkeytest.AssertOptions{UserVerified: true, SignCount: 3, BackedUp: true}, 2)
	assert.True(t, r.OK)
	assert.Empty(t, r.Events, "BS was already 1 in the record")

	_, err = TimelineFromRecord([]byte(`{"id": "AAAA"}`))
	assert.Equal(t, passkey.CodeRecordInvalid, passkey.CodeOf(err))
}

// goWebAuthnRow is the credential go-webauthn's webauthn.NewCredential
// makes of a registration, as encoding/json stores it.
func goWebAuthnRow(t *testing.T, reg []byte) []byte {
	t.Helper()
	p, err := protocol.ParseCredentialCreationResponseBytes(reg)
	require.NoError(t, err)
	h := sha256.Sum256(p.Raw.AttestationResponse.ClientDataJSON)
	c, err := webauthn.NewCredential(h[:], p)
	require.NoError(t, err)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	return b
}

func TestTimelineFromGoWebAuthnRow(t *testing.T) {
	l := register(t, true, 0)
	tl, err := TimelineFromRecord(goWebAuthnRow(t, l.reg))
	require.NoError(t, err)
	first := tl.Rows()[0]
	assert.Equal(t, passkey.SourceGoWebAuthn, first.Stored.Source)
	assert.Contains(t, first.Summary, "go-webauthn")
	assert.Equal(t, passkey.Synced, first.Tier.PasskeyType)
	assert.True(t, first.At.IsZero(), "a go-webauthn row keeps no time")

	l.tl = tl
	r := l.signIn(t, passkeytest.AssertOptions{UserVerified: true, BackedUp: true}, 1)
	assert.True(t, r.OK)
	assert.Equal(t, []passkey.EventCode{passkey.EventBackupStateChanged}, codesOf(r.Events))
}

func TestSessionSignIn(t *testing.T) {
	l := register(t, false, 1)
	as, opts := l.assert(t, passkeytest.AssertOptions{UserVerified: true, SignCount: 2}, 1)
	st := Settings{RPID: opts.RPID, Origin: storyOrigin, Challenge: base64.RawURLEncoding.EncodeToString(opts.Challenge)}
	v, err := l.tl.View()
	require.NoError(t, err)

	var s Session
	// Nothing to sign in against yet.
	res := s.SignIn(SignInRequest{Assertion: string(as), Settings: st})
	assert.False(t, res.OK)
	assert.Equal(t, passkey.CodeRecordInvalid, res.Error.Code)
	assert.Equal(t, "record", res.Error.Where)
	assert.Nil(t, res.Timeline)
	assert.NotNil(t, res.Events)

	// The link's way: the record with the assertion.
	res = s.SignIn(SignInRequest{Assertion: string(as), Record: v.RecordJSON, Settings: st})
	require.True(t, res.OK, "%+v", res.Error)
	assert.Empty(t, res.Events)
	require.NotNil(t, res.Timeline)
	assert.Len(t, res.Timeline.Rows, 2)
	assert.Equal(t, RowRecord, res.Timeline.Rows[0].Kind)
	assert.Equal(t, res.Row.N, 1)

	// The same assertion again, against the session's record: the counter
	// did not advance.
	res = s.SignIn(SignInRequest{Assertion: string(as), Settings: st})
	assert.True(t, res.OK)
	assert.Equal(t, []passkey.EventCode{passkey.EventSignCountRegressed}, codesOf(res.Events))
	assert.Len(t, res.Timeline.Rows, 3)

	for _, tc := range []struct {
		st    Settings
		code  passkey.Code
		where string
	}{
		{Settings{RPID: st.RPID, Challenge: st.Challenge}, passkey.CodeFieldMissing, "origin"},
		{Settings{RPID: st.RPID, Origin: st.Origin}, passkey.CodeFieldMissing, "challenge"},
		{Settings{RPID: st.RPID, Origin: st.Origin, Challenge: "not base64url!"}, passkey.CodeEncodingInvalid, "challenge"},
		{Settings{RPID: st.RPID, Origin: "login.example.com", Challenge: st.Challenge}, passkey.CodeOptionsInvalid, "AssertionOptions.Origins"},
	} {
		res := s.SignIn(SignInRequest{Assertion: string(as), Settings: tc.st})
		assert.False(t, res.OK)
		assert.Equal(t, tc.code, res.Error.Code, "%+v", tc.st)
		assert.Contains(t, res.Error.Where, tc.where)
		assert.Nil(t, res.Row)
	}

	res = s.SignIn(SignInRequest{Assertion: string(as), Record: `{"id": 1}`, Settings: st})
	assert.Equal(t, passkey.CodeRecordInvalid, res.Error.Code)
	assert.Equal(t, "id", res.Error.Where)
}

func TestSessionEnroll(t *testing.T) {
	a, err := passkeytest.New(passkeytest.Options{})
	require.NoError(t, err)
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: storyRPID, Origin: storyOrigin, Challenge: tlChallenge,
		UserHandle: tlUser, UserVerified: true, BackupEligible: true, BackedUp: true})
	require.NoError(t, err)
	enc := base64.RawURLEncoding.EncodeToString
	st := Settings{RPID: storyRPID, Origin: storyOrigin, Challenge: enc(tlChallenge)}

	s := Session{Now: func() time.Time { return tlAt }}
	_, err = s.Enroll(string(reg.JSON), Settings{RPID: storyRPID}, enc(tlUser))
	assert.ErrorIs(t, err, ErrIncomplete)
	_, err = s.Enroll(string(reg.JSON), Settings{}, enc(tlUser))
	assert.ErrorIs(t, err, ErrIncomplete, "a timeline needs a verified registration")
	_, err = s.Enroll(string(reg.JSON), Settings{RPID: storyRPID, Origin: storyOrigin, Challenge: enc([]byte("another challenge"))}, enc(tlUser))
	assert.Equal(t, passkey.CodeChallengeMismatch, passkey.CodeOf(err))

	v, err := s.Enroll(string(reg.JSON), st, enc(tlUser))
	require.NoError(t, err)
	assert.Equal(t, tlUser, []byte(v.Record.UserHandle))
	assert.Equal(t, tlAt, v.Record.RegisteredAt)

	// The user handle the page sent is the owner's: a sign-in returning
	// another one is refused.
	ch := []byte("a sign-in challenge")
	other := *reg.Credential
	other.UserHandle = []byte("someone else")
	as, err := a.Assert(&other, passkeytest.AssertOptions{Origin: storyOrigin, Challenge: ch, UserVerified: true, BackedUp: true})
	require.NoError(t, err)
	res := s.SignIn(SignInRequest{Assertion: string(as.JSON), Settings: Settings{RPID: storyRPID, Origin: storyOrigin, Challenge: enc(ch)}})
	assert.Equal(t, passkey.CodeUserHandleMismatch, res.Error.Code)

	// Importing a record replaces the timeline.
	iv, err := s.ImportRecord(v.RecordJSON)
	require.NoError(t, err)
	assert.Equal(t, RowRecord, iv.Rows[0].Kind)
	_, err = s.ImportRecord("{}")
	assert.Equal(t, passkey.CodeRecordInvalid, passkey.CodeOf(err))
}

// FuzzSessionSignIn feeds the page's sign-in entry point (the link's
// assertion, record and settings) arbitrary text: it never panics, and
// its result is consistent whatever it decides.
func FuzzSessionSignIn(f *testing.F) {
	for _, info := range Stories {
		b, err := storyFiles.ReadFile("stories/" + info.Name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		var rec recording
		if err := json.Unmarshal(b, &rec); err != nil {
			f.Fatal(err)
		}
		v, _, err := rec.replay(info)
		if err != nil {
			f.Fatal(err)
		}
		for _, si := range rec.SignIns {
			f.Add(string(si.Assertion), v.Timeline.RecordJSON, rec.RPID, rec.Origin, si.Challenge)
		}
	}
	f.Add(`{"id":"AA","rawId":"AA","type":"public-key","response":{}}`, `{"id":"AA","publicKey":"AA"}`, "example.com", "https://example.com", "AAAA")
	f.Fuzz(func(t *testing.T, assertion, record, rpID, origin, challenge string) {
		var s Session
		res := s.SignIn(SignInRequest{Assertion: assertion, Record: record, Settings: Settings{RPID: rpID, Origin: origin, Challenge: challenge}})
		if res.OK != (res.Error == nil) {
			t.Fatalf("ok=%v with error %+v", res.OK, res.Error)
		}
		if res.Events == nil {
			t.Fatal("events is null, not a list")
		}
		if res.Row == nil {
			if res.OK || res.Timeline != nil {
				t.Fatalf("no row, but ok=%v timeline=%v", res.OK, res.Timeline != nil)
			}
			return
		}
		rows := res.Timeline.Rows
		if len(rows) != 2 || rows[1].N != res.Row.N || rows[1].OK != res.OK || rows[0].Kind != RowRecord {
			t.Fatalf("timeline %+v for row %+v", rows, res.Row)
		}
		if res.OK && !res.Row.RecordUpdated {
			t.Fatal("an accepted sign-in left the record as it was")
		}
		if res.Timeline.Record == nil || res.Timeline.RecordJSON == "" {
			t.Fatal("a timeline without its record")
		}
	})
}
