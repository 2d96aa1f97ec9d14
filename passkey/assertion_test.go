package passkey_test

import (
	"crypto/x509"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/passkey/passkeytest"
)

var (
	signInChallenge = []byte("a fresh sign-in challenge")
	testUserHandle  = []byte("user-0001")
	signInTime      = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
)

// enrolled is a credential registered through Verify and NewRecord, with
// the authenticator that holds it.
type enrolled struct {
	auth   *passkeytest.Authenticator
	cred   *passkeytest.Credential
	record *passkey.Record
}

// enroll registers a credential with the virtual authenticator and turns
// the verified registration into a record. be sets BE for life.
func enroll(t testing.TB, a *passkeytest.Authenticator, be bool, opts passkey.VerifyOptions) enrolled {
	t.Helper()
	reg, err := a.Register(passkeytest.RegisterOptions{
		RPID: testRPID, Origin: testOrigin, Challenge: testChallenge, UserVerified: true,
		UserHandle: testUserHandle, BackupEligible: be, SignCount: 1,
	})
	require.NoError(t, err)
	c, err := passkey.Verify(reg.JSON, opts)
	require.NoError(t, err)
	rec, err := passkey.NewRecord(c, testUserHandle, signInTime.Add(-24*time.Hour))
	require.NoError(t, err)
	return enrolled{auth: a, cred: reg.Credential, record: rec}
}

func assertOptions() passkey.AssertionOptions {
	return passkey.AssertionOptions{
		RPID:      testRPID,
		Origins:   []string{testOrigin},
		Challenge: signInChallenge,
		Now:       func() time.Time { return signInTime },
	}
}

func (e enrolled) assert(t testing.TB, mod func(*passkeytest.AssertOptions)) []byte {
	t.Helper()
	o := passkeytest.AssertOptions{Origin: testOrigin, Challenge: signInChallenge, UserVerified: true, SignCount: e.record.SignCount + 1}
	if mod != nil {
		mod(&o)
	}
	as, err := e.auth.Assert(e.cred, o)
	require.NoError(t, err)
	return as.JSON
}

// aal3Options verify the test key's packed attestation against MDS that
// says its keys are in a secure element: a device-bound AAL3 credential.
func aal3Options(t testing.TB) passkey.VerifyOptions {
	o := testOptions()
	o.MDS = mdsFor(t, mdstest.Authenticator{
		AAGUID:           testAAGUID,
		Description:      "keytier Test Key",
		KeyProtection:    []string{"hardware", "secure_element"},
		AttachmentHint:   []string{"external", "wired"},
		RootCertificates: []*x509.Certificate{passkeytest.RootCertificate()},
	}, time.Now().AddDate(0, 1, 0))
	return o
}

func TestVerifyAssertionEveryAlgorithm(t *testing.T) {
	for _, alg := range []passkeytest.Algorithm{passkeytest.ES256, passkeytest.RS256, passkeytest.EdDSA} {
		t.Run(alg.String(), func(t *testing.T) {
			e := enroll(t, newAuthenticator(t, passkeytest.AttestationNone, alg), false, testOptions())
			s, err := passkey.VerifyAssertion(e.assert(t, nil), e.record, assertOptions())
			require.NoError(t, err)
			require.NotNil(t, s.Record)
			assert.Empty(t, s.Events)
			assert.Equal(t, uint32(2), s.Record.SignCount, "the counter advances")
			assert.Equal(t, uint64(1), s.Record.SignIns)
			assert.Equal(t, signInTime, s.Record.LastSignIn)
			assert.Equal(t, uint32(1), e.record.SignCount, "the caller's record is not modified")
			for _, st := range s.Steps {
				assert.True(t, st.OK, st.Check)
			}
		})
	}
}

// A device-bound AAL3 key whose authenticator later says BE=1, BS=1: the
// sign-in is refused (BE is fixed, §6.1.3), and the record the caller may
// persist says the key is synced now, at AAL2.
func TestBackupFlipOnDeviceBoundKey(t *testing.T) {
	e := enroll(t, newAuthenticator(t, passkeytest.AttestationPacked, passkeytest.ES256), false, aal3Options(t))
	require.Equal(t, passkey.DeviceBound, e.record.Registration.PasskeyType)
	require.Equal(t, assurance.AAL3, e.record.Registration.AAL)

	flip := func(o *passkeytest.AssertOptions) {
		o.BackedUp = true
		o.Tamper.Flags = func(f byte) byte { return f | 0x08 } // BE on: the authenticator now claims a multi-device credential
	}
	s, err := passkey.VerifyAssertion(e.assert(t, flip), e.record, assertOptions())
	require.Error(t, err)
	assert.Equal(t, passkey.CodeBackupEligibilityChanged, passkey.CodeOf(err))
	require.NotNil(t, s.Record, "the signature verified, so the evidence is kept")
	codes := eventCodes(s.Events)
	assert.Equal(t, []passkey.EventCode{passkey.EventBackupEligibilityChanged, passkey.EventBackupStateChanged}, codes)
	assert.Equal(t, passkey.Synced, s.Record.Current.PasskeyType)
	assert.Equal(t, assurance.AAL2, s.Record.Current.AAL, "the tier falls")
	assert.Equal(t, assurance.AAL3, s.Record.Registration.AAL, "the registration verdict is history")
	assert.Equal(t, uint32(1), s.Record.SignCount, "a refused sign-in does not advance the counter")
	assert.Equal(t, uint64(0), s.Record.SignIns)
	bs := s.Events[1]
	assert.Equal(t, "deviceBound AAL3", bs.TierBefore)
	assert.Equal(t, "synced AAL2", bs.TierAfter)
	assert.Contains(t, bs.Admin, "falls from AAL3 to AAL2")
	assert.NotEmpty(t, bs.Plain)
	assert.NotEmpty(t, bs.Citation)

	// The caller persists the record to keep the evidence: it must read
	// back. BE=0 is the record's for life, and BS without BE is no state a
	// record may hold (§6.1.3), so BS stays 0 and the event carries the 1.
	assert.False(t, s.Record.BackupState)
	data, err := json.Marshal(s.Record)
	require.NoError(t, err)
	back, err := passkey.ParseRecord(data)
	require.NoError(t, err)
	assert.Equal(t, s.Record.Events, back.Events)
	assert.Equal(t, passkey.Synced, back.Current.PasskeyType)
}

// A multi-device credential (BE=1) registered before it was backed up,
// then backed up: the event is reported, the sign-in succeeds, and the
// tier stays where registration put it, since BE=1 was already synced.
func TestBackupStateChangedOnMultiDeviceKey(t *testing.T) {
	e := enroll(t, newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256), true, testOptions())
	require.Equal(t, passkey.Synced, e.record.Registration.PasskeyType)
	require.False(t, e.record.BackupState)

	s, err := passkey.VerifyAssertion(e.assert(t, func(o *passkeytest.AssertOptions) { o.BackedUp = true }), e.record, assertOptions())
	require.NoError(t, err)
	require.Equal(t, []passkey.EventCode{passkey.EventBackupStateChanged}, eventCodes(s.Events))
	ev := s.Events[0]
	assert.Equal(t, "0", ev.Old)
	assert.Equal(t, "1", ev.New)
	assert.True(t, s.Record.BackupState)
	assert.Equal(t, e.record.Registration.AAL, s.Record.Current.AAL)
	assert.Contains(t, ev.Admin, "already counted it as synced")

	// And back: BS 1→0 is reported, the verdict does not rise.
	rec := s.Record
	e.record = rec
	s, err = passkey.VerifyAssertion(e.assert(t, nil), rec, assertOptions())
	require.NoError(t, err)
	require.Equal(t, []passkey.EventCode{passkey.EventBackupStateChanged}, eventCodes(s.Events))
	assert.Equal(t, "1", s.Events[0].Old)
	assert.Equal(t, "0", s.Events[0].New)
	assert.Equal(t, passkey.Synced, s.Record.Current.PasskeyType)
	assert.Len(t, s.Record.Events, 2, "the record keeps its history")
}

func TestSignCountRegressed(t *testing.T) {
	e := enroll(t, newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256), false, testOptions())
	e.record.SignCount = 40
	stale := e.assert(t, func(o *passkeytest.AssertOptions) { o.SignCount = 12 })

	s, err := passkey.VerifyAssertion(stale, e.record, assertOptions())
	require.NoError(t, err, "flagged by default")
	require.Equal(t, []passkey.EventCode{passkey.EventSignCountRegressed}, eventCodes(s.Events))
	assert.Equal(t, "40", s.Events[0].Old)
	assert.Equal(t, "12", s.Events[0].New)
	assert.False(t, s.Events[0].Rejected)
	assert.Equal(t, uint32(40), s.Record.SignCount, "the stored counter is not lowered")

	o := assertOptions()
	o.RejectSignCountRegression = true
	s, err = passkey.VerifyAssertion(stale, e.record, o)
	assert.Equal(t, passkey.CodeSignCountRegressed, passkey.CodeOf(err))
	require.NotNil(t, s.Record)
	assert.True(t, s.Events[0].Rejected)

	// Both zero: an authenticator that does not count (synced passkeys).
	e.record.SignCount = 0
	s, err = passkey.VerifyAssertion(e.assert(t, func(o *passkeytest.AssertOptions) { o.SignCount = 0 }), e.record, o)
	require.NoError(t, err)
	assert.Empty(t, s.Events)

	// Stored non-zero, new zero: regressed (§7.2: either non-zero).
	e.record.SignCount = 5
	_, err = passkey.VerifyAssertion(e.assert(t, func(o *passkeytest.AssertOptions) { o.SignCount = 0 }), e.record, o)
	assert.Equal(t, passkey.CodeSignCountRegressed, passkey.CodeOf(err))
}

func TestUserNotVerifiedEvent(t *testing.T) {
	e := enroll(t, newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256), false, testOptions())
	require.True(t, e.record.UVInitialized)
	noUV := e.assert(t, func(o *passkeytest.AssertOptions) { o.UserVerified = false })
	s, err := passkey.VerifyAssertion(noUV, e.record, assertOptions())
	require.NoError(t, err)
	assert.Equal(t, []passkey.EventCode{passkey.EventUserNotVerified}, eventCodes(s.Events))

	o := assertOptions()
	o.RequireUserVerification = true
	_, err = passkey.VerifyAssertion(noUV, e.record, o)
	assert.Equal(t, passkey.CodeUserNotVerified, passkey.CodeOf(err))
}

func TestRecordJSONRoundTrip(t *testing.T) {
	e := enroll(t, newAuthenticator(t, passkeytest.AttestationPacked, passkeytest.RS256), false, aal3Options(t))
	data, err := json.Marshal(e.record)
	require.NoError(t, err)
	back, err := passkey.ParseRecord(data)
	require.NoError(t, err)
	assert.Equal(t, e.record, back)

	s, err := passkey.VerifyAssertion(e.assert(t, nil), back, assertOptions())
	require.NoError(t, err)
	assert.Equal(t, assurance.AAL3, s.Record.Current.AAL)
}

func eventCodes(events []passkey.Event) []passkey.EventCode {
	var out []passkey.EventCode
	for _, e := range events {
		out = append(out, e.Code)
	}
	return out
}

// Hostile input fails at the door: too large before any parsing, deep
// nesting as a JSON error, never a panic.
func TestVerifyAssertionHostileInput(t *testing.T) {
	e := enroll(t, newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256), false, testOptions())
	huge := make([]byte, passkey.MaxAssertionSize+1)
	for i := range huge {
		huge[i] = '['
	}
	_, err := passkey.VerifyAssertion(huge, e.record, assertOptions())
	assert.Equal(t, passkey.CodeInputTooLarge, passkey.CodeOf(err))

	deep := huge[:passkey.MaxAssertionSize-1]
	_, err = passkey.VerifyAssertion(deep, e.record, assertOptions())
	assert.Equal(t, passkey.CodeJSONInvalid, passkey.CodeOf(err))

	for _, in := range []string{`null`, `[]`, `"x"`, `{"response": 5}`, `{"type":"public-key","id":"AA","rawId":"AA","response":{}}`} {
		_, err := passkey.VerifyAssertion([]byte(in), e.record, assertOptions())
		var pe *passkey.Error
		require.ErrorAs(t, err, &pe, in)
		assert.NotEmpty(t, pe.Where, in)
	}
	_, err = passkey.VerifyAssertion(e.assert(t, nil), nil, assertOptions())
	assert.Equal(t, passkey.CodeRecordInvalid, passkey.CodeOf(err))
}
