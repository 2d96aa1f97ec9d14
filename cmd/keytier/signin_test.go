package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

const (
	signinRPID   = "example.com"
	signinOrigin = "https://login.example.com"
)

var signinChallenge = []byte("the sign-in challenge")

// signinFixture is a credential registered with the virtual authenticator,
// verified, stored as a record file, and able to sign in.
type signinFixture struct {
	auth       *passkeytest.Authenticator
	cred       *passkeytest.Credential
	recordFile string
	record     *passkey.Record
	regJSON    []byte
}

func newSigninFixture(t *testing.T, be bool) signinFixture {
	t.Helper()
	a, err := passkeytest.New(passkeytest.Options{Attachment: "platform"})
	require.NoError(t, err)
	regChallenge := []byte("the registration challenge")
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: signinRPID, Origin: signinOrigin, Challenge: regChallenge,
		UserVerified: true, UserHandle: []byte("user-7"), BackupEligible: be, SignCount: 3})
	require.NoError(t, err)
	c, err := passkey.Verify(reg.JSON, passkey.VerifyOptions{RPID: signinRPID, Origins: []string{signinOrigin},
		Challenge: regChallenge, Algorithms: passkey.RecommendedAlgorithms()})
	require.NoError(t, err)
	rec, err := passkey.NewRecord(c, []byte("user-7"), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	data, err := json.Marshal(rec)
	require.NoError(t, err)
	f := filepath.Join(t.TempDir(), "record.json")
	require.NoError(t, os.WriteFile(f, data, 0o600))
	return signinFixture{auth: a, cred: reg.Credential, recordFile: f, record: rec, regJSON: reg.JSON}
}

func (f signinFixture) assertion(t *testing.T, mod func(*passkeytest.AssertOptions)) string {
	t.Helper()
	o := passkeytest.AssertOptions{Origin: signinOrigin, Challenge: signinChallenge, UserVerified: true, SignCount: 4}
	if mod != nil {
		mod(&o)
	}
	as, err := f.auth.Assert(f.cred, o)
	require.NoError(t, err)
	return string(as.JSON)
}

// signinJSON mirrors the contract of `keytier signin --json`.
type signinJSON struct {
	OK    bool `json:"ok"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Record *struct {
		SignCount   uint32 `json:"signCount"`
		BackupState bool   `json:"backupState"`
		Current     struct {
			PasskeyType string `json:"passkeyType"`
			AAL         string `json:"aal"`
		} `json:"current"`
	} `json:"record"`
	Events []struct {
		Code     string `json:"code"`
		Old      string `json:"old"`
		New      string `json:"new"`
		Citation string `json:"citation"`
		Admin    string `json:"admin"`
		Plain    string `json:"plain"`
	} `json:"events"`
	Assurance *struct {
		AAL string `json:"aal"`
	} `json:"assurance"`
}

func decodeSignin(t *testing.T, out string) signinJSON {
	t.Helper()
	var r signinJSON
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &raw), out)
	for _, k := range []string{"ok", "error", "record", "events", "assurance"} {
		assert.Contains(t, raw, k, "the contract's member %q", k)
	}
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	return r
}

func TestSigninVerified(t *testing.T) {
	f := newSigninFixture(t, false)
	ch := base64.RawURLEncoding.EncodeToString(signinChallenge)
	code, out, errOut := runCLI(t, f.assertion(t, nil), "signin", "--record", f.recordFile, "--challenge", ch, "--json", "-")
	require.Equal(t, exitOK, code, "%s%s", out, errOut)
	r := decodeSignin(t, out)
	assert.True(t, r.OK)
	assert.Nil(t, r.Error)
	require.NotNil(t, r.Record)
	assert.Equal(t, uint32(4), r.Record.SignCount)
	assert.Empty(t, r.Events)
	require.NotNil(t, r.Assurance)
	assert.Equal(t, r.Record.Current.AAL, r.Assurance.AAL)

	// Text form, assertion from a file, flags after the input.
	in := filepath.Join(t.TempDir(), "assertion.json")
	require.NoError(t, os.WriteFile(in, []byte(f.assertion(t, nil)), 0o600))
	code, out, _ = runCLI(t, "", "signin", in, "--record", f.recordFile, "--challenge", ch)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "Sign-in verified")
	assert.Contains(t, out, "sign count  4 (was 3)")
}

func TestSigninEventsAndRefusals(t *testing.T) {
	ch := base64.RawURLEncoding.EncodeToString(signinChallenge)

	multi := newSigninFixture(t, true)
	code, out, _ := runCLI(t, multi.assertion(t, func(o *passkeytest.AssertOptions) { o.BackedUp = true }),
		"signin", "--record", multi.recordFile, "--challenge", ch, "--json")
	require.Equal(t, exitOK, code, out)
	r := decodeSignin(t, out)
	require.Len(t, r.Events, 1)
	assert.Equal(t, "backup_state_changed", r.Events[0].Code)
	assert.Equal(t, "0", r.Events[0].Old)
	assert.Equal(t, "1", r.Events[0].New)
	assert.NotEmpty(t, r.Events[0].Citation)
	assert.NotEmpty(t, r.Events[0].Plain)
	assert.True(t, r.Record.BackupState)

	single := newSigninFixture(t, false)
	code, out, _ = runCLI(t, single.assertion(t, func(o *passkeytest.AssertOptions) { o.SignCount = 2 }),
		"signin", "--record", single.recordFile, "--challenge", ch, "--reject-clone", "--json")
	assert.Equal(t, exitFail, code, out)
	r = decodeSignin(t, out)
	assert.False(t, r.OK)
	assert.Equal(t, "sign_count_regressed", r.Error.Code)
	require.Len(t, r.Events, 1)
	assert.Equal(t, "sign_count_regressed", r.Events[0].Code)

	code, out, _ = runCLI(t, single.assertion(t, func(o *passkeytest.AssertOptions) { o.Tamper.CorruptSignature = true }),
		"signin", "--record", single.recordFile, "--challenge", ch, "--json")
	assert.Equal(t, exitFail, code)
	r = decodeSignin(t, out)
	assert.Equal(t, "assertion_signature_invalid", r.Error.Code)
	assert.Nil(t, r.Record, "nothing an unsigned assertion says reaches the record")

	code, out, _ = runCLI(t, single.assertion(t, nil), "signin", "--record", single.recordFile, "--challenge",
		base64.RawURLEncoding.EncodeToString([]byte("another")), "--json")
	assert.Equal(t, exitFail, code)
	assert.Equal(t, "challenge_mismatch", decodeSignin(t, out).Error.Code)
}

func TestSigninWithoutChallengeWarns(t *testing.T) {
	f := newSigninFixture(t, false)
	code, out, _ := runCLI(t, f.assertion(t, nil), "signin", "--record", f.recordFile)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "the challenge was not checked")
	assert.Contains(t, out, "challenge NOT checked")
}

// A go-webauthn user brings a row as go-webauthn stores it.
func TestSigninGoWebAuthnRecord(t *testing.T) {
	f := newSigninFixture(t, false)
	parsed, err := protocol.ParseCredentialCreationResponseBytes(f.regJSON)
	require.NoError(t, err)
	wc, err := webauthn.NewCredential(nil, parsed)
	require.NoError(t, err)
	data, err := json.Marshal(wc)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "gowebauthn.json")
	require.NoError(t, os.WriteFile(file, data, 0o600))

	ch := base64.RawURLEncoding.EncodeToString(signinChallenge)
	code, out, errOut := runCLI(t, f.assertion(t, nil), "signin", "--record", file, "--rp-id", signinRPID,
		"--origin", signinOrigin, "--challenge", ch, "--json")
	require.Equal(t, exitOK, code, "%s%s", out, errOut)
	r := decodeSignin(t, out)
	assert.Equal(t, uint32(4), r.Record.SignCount)
	assert.Contains(t, out, "was not checked against the credential's owner", "a go-webauthn row keeps no user handle, and the output says what that leaves unchecked")

	// Without --rp-id a go-webauthn row cannot say where it belongs.
	code, out, _ = runCLI(t, f.assertion(t, nil), "signin", "--record", file, "--json")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, usageCode, decodeSignin(t, out).Error.Code)
}

func TestSigninUsageAndUnreadable(t *testing.T) {
	f := newSigninFixture(t, false)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  string
	}{
		{"no record", "", []string{"signin", "--json"}, usageCode},
		{"unknown flag", "", []string{"signin", "--record", f.recordFile, "--bogus", "--json"}, usageCode},
		{"two inputs", "", []string{"signin", "--record", f.recordFile, "a", "b", "--json"}, usageCode},
		{"missing record file", "", []string{"signin", "--record", "/nonexistent/record.json", "--json"}, usageCode},
		{"bad origin", "{}", []string{"signin", "--record", f.recordFile, "--origin", "https://x.example/path", "--json"}, usageCode},
		{"assertion not JSON", "not json", []string{"signin", "--record", f.recordFile, "--json"}, "json_invalid"},
		{"record not a record", "{}", []string{"signin", "--record", writeTemp(t, `{"id": 5}`), "--json"}, "record_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runCLI(t, tc.stdin, tc.args...)
			assert.Equal(t, exitUsage, code, out)
			r := decodeSignin(t, out)
			assert.False(t, r.OK)
			require.NotNil(t, r.Error, out)
			assert.Equal(t, tc.code, r.Error.Code)
			assert.NotEmpty(t, r.Error.Message)
			assert.NotNil(t, r.Events, "events is [] rather than null")
		})
	}
}

func writeTemp(t *testing.T, s string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "f.json")
	require.NoError(t, os.WriteFile(f, []byte(s), 0o600))
	return f
}
