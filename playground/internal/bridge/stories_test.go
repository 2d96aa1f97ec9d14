package bridge

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/passkey/passkeytest"
)

var update = flag.Bool("update", false, "record the stories in stories/ again with the virtual authenticator")

// The relying party and the moments the stories are recorded at.
const (
	storyRPID   = "login.example.com"
	storyOrigin = "https://login.example.com"
)

var (
	storyRegisteredAt = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	storySignInAt     = []time.Time{time.Date(2026, 3, 9, 8, 30, 0, 0, time.UTC), time.Date(2026, 6, 15, 8, 45, 0, 0, time.UTC)}
	// storyAAGUID is the virtual security key's model: not a real product.
	storyAAGUID = uuid.MustParse("6b657974-6965-7273-2074-6573746b6579")
)

// recorders make each story's recording: a registration and two sign-ins
// from passkeytest's virtual authenticator, with fresh random challenges,
// as a relying party would have seen them.
var recorders = map[string]func(t *testing.T) recording{
	// A device-bound hardware key (packed attestation, vouched for by test
	// metadata: secure element, so AAL3); its second sign-in reports
	// BE=1, BS=1.
	"became-synced": func(t *testing.T) recording {
		a, err := passkeytest.New(passkeytest.Options{AAGUID: storyAAGUID, Attestation: passkeytest.AttestationPacked,
			Attachment: "cross-platform", Transports: []string{"usb", "nfc"}})
		require.NoError(t, err)
		signer := mdstest.NewSigner(t)
		blob := mdstest.BuildBLOB(t, signer, mdstest.Payload{
			Number: 1, NextUpdate: storyRegisteredAt.AddDate(0, 1, 0),
			Entries: []mdstest.Authenticator{{AAGUID: storyAAGUID, Description: "keytier passkeytest security key (test only)",
				KeyProtection: []string{"hardware", "secure_element"}, AttachmentHint: []string{"external", "wired", "nfc"},
				RootCertificates: []*x509.Certificate{passkeytest.RootCertificate()}}},
		})
		r := record(t, a, false, 1, []passkeytest.AssertOptions{
			{UserVerified: true, SignCount: 2},
			// The authenticator now says the key is backed up (BS=1)
			// and, as it must with BS=1, backup eligible (BE=1): a BE the
			// credential did not have at registration.
			{UserVerified: true, SignCount: 3, BackedUp: true, Tamper: passkeytest.Tamper{Flags: func(f byte) byte { return f | 0x08 }}},
		})
		r.MDS = &recordedMDS{BLOB: string(blob), Root: string(pemOf(signer.Root.Certificate.Raw))}
		return r
	},
	// A multi-device credential (BE=1) with "none" attestation and no
	// counter, as synced providers register, backed up after its first
	// sign-in.
	"backed-up-later": func(t *testing.T) recording {
		a, err := passkeytest.New(passkeytest.Options{Attestation: passkeytest.AttestationNone, Attachment: "platform",
			Transports: []string{"internal", "hybrid"}})
		require.NoError(t, err)
		return record(t, a, true, 0, []passkeytest.AssertOptions{
			{UserVerified: true},
			{UserVerified: true, BackedUp: true},
		})
	},
}

func randomChallenge(t *testing.T) []byte {
	b := make([]byte, 32)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// record registers a credential with a (BE as be, counter count) and signs
// in with each of signIns, at the story's moments.
func record(t *testing.T, a *passkeytest.Authenticator, be bool, count uint32, signIns []passkeytest.AssertOptions) recording {
	enc := base64.RawURLEncoding.EncodeToString
	user := []byte("story-user-0001")
	ch := randomChallenge(t)
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: storyRPID, Origin: storyOrigin, Challenge: ch, UserHandle: user,
		UserVerified: true, BackupEligible: be, SignCount: count})
	require.NoError(t, err)
	r := recording{RPID: storyRPID, Origin: storyOrigin, UserHandle: enc(user), Registration: reg.JSON,
		RegistrationChallenge: enc(ch), RegisteredAt: storyRegisteredAt}
	for i, o := range signIns {
		o.Origin, o.Challenge = storyOrigin, randomChallenge(t)
		as, err := a.Assert(reg.Credential, o)
		require.NoError(t, err)
		r.SignIns = append(r.SignIns, recordedSignIn{At: storySignInAt[i], Challenge: enc(o.Challenge), Assertion: as.JSON})
	}
	return r
}

// TestStories replays each recorded story with the library and holds it to
// what its gallery text says. With -update it records the stories first.
func TestStories(t *testing.T) {
	if *update {
		for name, rec := range recorders {
			b, err := json.MarshalIndent(rec(t), "", "  ")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join("stories", name+".json"), append(b, '\n'), 0o644))
		}
	}
	files, err := filepath.Glob(filepath.Join("stories", "*.json"))
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	var listed []string
	for _, s := range Stories {
		listed = append(listed, s.Name)
		assert.Contains(t, recorders, s.Name, "every story has a recorder")
	}
	slices.Sort(listed)
	require.Equal(t, listed, names, "every story has a recording and every recording a story")

	for _, info := range Stories {
		t.Run(info.Name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("stories", info.Name+".json"))
			require.NoError(t, err)
			var rec recording
			require.NoError(t, json.Unmarshal(b, &rec))
			v, _, err := rec.replay(info)
			require.NoError(t, err)
			rows := v.Timeline.Rows
			require.Len(t, rows, 3)
			assert.True(t, v.Report.OK, "the registration verifies")
			assert.Equal(t, RowRegistration, rows[0].Kind)
			assert.True(t, rows[1].OK, "the first sign-in is accepted")
			assert.Empty(t, rows[1].Events)
			assert.False(t, rows[1].TierChanged)
			assert.True(t, rows[2].Flags.BS, "the second sign-in reports BS=1")
			assert.True(t, rows[2].Flags.BE, "and so BE=1")

			switch info.Name {
			case "became-synced":
				assert.Equal(t, Tier{PasskeyType: passkey.DeviceBound, Confidence: passkey.High, AAL: "AAL3", PhishingResistant: true,
					Authenticator: "keytier passkeytest security key (test only)"}, rows[0].Tier)
				assert.Equal(t, "AAL3", v.Report.Assurance.AAL.String(), "the verdict card agrees")
				assert.False(t, rows[2].OK)
				assert.Equal(t, passkey.CodeBackupEligibilityChanged, rows[2].Error.Code)
				assert.Equal(t, []passkey.EventCode{passkey.EventBackupEligibilityChanged, passkey.EventBackupStateChanged}, codesOf(rows[2].Events))
				assert.True(t, rows[2].RecordUpdated, "the signature verified: the record keeps the signed flags")
				assert.Equal(t, "synced AAL2", rows[2].Tier.String())
				assert.True(t, rows[2].TierChanged)
				assert.Equal(t, "deviceBound AAL3", rows[2].Events[1].TierBefore)
				assert.Equal(t, "synced AAL2", rows[2].Events[1].TierAfter)
				assert.Equal(t, uint32(2), v.Timeline.Record.SignCount, "a refused sign-in does not advance the counter")
			case "backed-up-later":
				assert.Equal(t, "synced AAL2", rows[0].Tier.String())
				assert.True(t, rows[2].OK, "BS may change")
				assert.Equal(t, []passkey.EventCode{passkey.EventBackupStateChanged}, codesOf(rows[2].Events))
				assert.Equal(t, "synced AAL2", rows[2].Tier.String())
				assert.False(t, rows[2].TierChanged)
				assert.True(t, v.Timeline.Record.BackupState)
			default:
				t.Fatalf("story %s has no expectations here", info.Name)
			}
			for i, r := range rows {
				assert.Equal(t, i, r.N)
				assert.NotEmpty(t, r.Summary)
			}
			assert.Equal(t, storySignInAt[1], rows[2].At, "a replayed sign-in happens when it was recorded")

			if !*update {
				// The page replays the embedded copy: it is this file.
				embedded, err := ReplayStory(info.Name)
				require.NoError(t, err)
				assert.Equal(t, v, embedded)
			}
		})
	}
	_, err = ReplayStory("no-such-story")
	assert.Error(t, err)
}

func codesOf(events []passkey.Event) []passkey.EventCode {
	out := []passkey.EventCode{}
	for _, e := range events {
		out = append(out, e.Code)
	}
	return out
}
