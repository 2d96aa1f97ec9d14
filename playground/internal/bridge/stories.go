package bridge

import (
	"crypto/x509"
	"embed"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds"
)

// The recordings the stories replay: a registration and its sign-ins as a
// virtual authenticator produced them (stories/README.md says how; the
// test TestStories regenerates them with -update).
//
//go:embed stories/*.json
var storyFiles embed.FS

// StoryInfo is a story as the gallery lists it: a credential followed
// through its life, for trainers.
type StoryInfo struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Text says what the story shows, and what it does not.
	Text string `json:"text"`
	// Source says how the recording was made.
	Source string `json:"source"`
}

const storySource = "Recorded from keytier's virtual authenticator (passkey/passkeytest), not a real device; the test metadata that vouches for its attestation is made the same way (passkey/mds/mdstest). Regenerate with: go test ./playground/internal/bridge -run TestStories -update"

// Stories are the gallery's stories, in the order it shows them.
var Stories = []StoryInfo{
	{
		Name:  "became-synced",
		Title: "A key that became synced",
		Text: "A device-bound key whose attestation test metadata vouches for (a hardware key, AAL3), then two sign-ins. " +
			"The first reports BE=0, BS=0: accepted, nothing changes. " +
			"The second reports BS=1, the key backed up, and so BE=1 too, since no authenticator may report BS=1 without BE=1 (WebAuthn L3 §6.1.3). " +
			"BE is fixed for a credential's life (§7.2), so keytier refuses that sign-in (backup_eligibility_changed). " +
			"Its signature verified, though, so the record keeps what the authenticator said: the key is synced now, and its tier falls from device-bound AAL3 to synced AAL2. " +
			"Providers have done this with real passkeys: registered with BE=0, reported BE=1 later (go-webauthn #335).",
		Source: storySource,
	},
	{
		Name:  "backed-up-later",
		Title: "A synced passkey backed up after registration",
		Text: "A multi-device credential (BE=1) registered before it was backed up (BS=0), with no attestation, as synced providers send. " +
			"keytier counts BE=1 as synced from registration: AAL2. " +
			"The first sign-in changes nothing; the second reports BS=1 (backup_state_changed). " +
			"BS may change (WebAuthn L3 §7.2), so the sign-in is accepted, and the tier stays synced AAL2.",
		Source: storySource,
	},
}

// recording is a story's data file: what a relying party saw, in order.
type recording struct {
	RPID   string `json:"rpId"`
	Origin string `json:"origin"`
	// UserHandle is the user.id sent at registration, base64url.
	UserHandle            string          `json:"userHandle"`
	Registration          json.RawMessage `json:"registration"`
	RegistrationChallenge string          `json:"registrationChallenge"`
	RegisteredAt          time.Time       `json:"registeredAt"`
	// MDS is the metadata BLOB the registration is verified with, and the
	// PEM root it is signed under; absent for a story without one.
	MDS     *recordedMDS     `json:"mds,omitempty"`
	SignIns []recordedSignIn `json:"signIns"`
}

type recordedMDS struct {
	BLOB string `json:"blob"`
	Root string `json:"root"`
}

type recordedSignIn struct {
	At        time.Time       `json:"at"`
	Challenge string          `json:"challenge"`
	Assertion json.RawMessage `json:"assertion"`
}

// StoryView is a story replayed: the registration with its settings and
// report (as the verdict card shows it), and the timeline of its sign-ins.
type StoryView struct {
	StoryInfo
	Registration string         `json:"registration"`
	Settings     Settings       `json:"settings"`
	Report       passkey.Report `json:"report"`
	Timeline     TimelineView   `json:"timeline"`
}

// Story replays the story name and makes its credential the session's
// timeline, so its record can be exported and signed in against.
func (s *Session) Story(name string) (StoryView, error) {
	v, t, err := replayStory(name)
	if err != nil {
		return StoryView{}, err
	}
	s.mu.Lock()
	s.timeline = t
	s.mu.Unlock()
	return v, nil
}

// ReplayStory verifies a story's recorded registration and sign-ins with
// the library, each as of the time it was recorded.
func ReplayStory(name string) (StoryView, error) {
	v, _, err := replayStory(name)
	return v, err
}

func replayStory(name string) (StoryView, *Timeline, error) {
	var info *StoryInfo
	for i := range Stories {
		if Stories[i].Name == name {
			info = &Stories[i]
		}
	}
	if info == nil {
		return StoryView{}, nil, fmt.Errorf("there is no story named %q", name)
	}
	b, err := storyFiles.ReadFile("stories/" + name + ".json")
	if err != nil {
		return StoryView{}, nil, err
	}
	var rec recording
	if err := json.Unmarshal(b, &rec); err != nil {
		return StoryView{}, nil, fmt.Errorf("story %s: %w", name, err)
	}
	return rec.replay(*info)
}

func (r *recording) replay(info StoryInfo) (StoryView, *Timeline, error) {
	at := func() time.Time { return r.RegisteredAt }
	st := Settings{RPID: r.RPID, Origin: r.Origin, Challenge: r.RegistrationChallenge}
	opts, err := st.Options()
	if err != nil {
		return StoryView{}, nil, fmt.Errorf("story %s: %w", info.Name, err)
	}
	if opts == nil {
		return StoryView{}, nil, fmt.Errorf("story %s: %w", info.Name, ErrIncomplete)
	}
	opts.Time, opts.Now = r.RegisteredAt, at
	if r.MDS != nil {
		if opts.MDS, err = r.MDS.load(r.RegisteredAt); err != nil {
			return StoryView{}, nil, fmt.Errorf("story %s: the metadata BLOB: %w", info.Name, err)
		}
	}
	v := StoryView{StoryInfo: info, Registration: string(r.Registration), Settings: st}
	v.Report = passkey.Analyze(r.Registration, opts)
	uh, err := base64URL(r.UserHandle)
	if err != nil {
		return StoryView{}, nil, fmt.Errorf("story %s: userHandle: %w", info.Name, err)
	}
	t, err := NewTimeline(r.Registration, *opts, uh, r.RegisteredAt)
	if err != nil {
		return StoryView{}, nil, fmt.Errorf("story %s: the registration: %w", info.Name, err)
	}
	for i, si := range r.SignIns {
		sat := si.At
		ao, err := Settings{RPID: r.RPID, Origin: r.Origin, Challenge: si.Challenge}.assertionOptions(t.record, func() time.Time { return sat })
		if err == nil {
			_, err = t.SignIn(si.Assertion, ao)
		}
		if err != nil {
			return StoryView{}, nil, fmt.Errorf("story %s: sign-in %d: %w", info.Name, i+1, err)
		}
	}
	if v.Timeline, err = t.View(); err != nil {
		return StoryView{}, nil, err
	}
	return v, t, nil
}

func (m *recordedMDS) load(at time.Time) (*mds.BLOB, error) {
	blk, _ := pem.Decode([]byte(m.Root))
	if blk == nil {
		return nil, errors.New("the root is not PEM")
	}
	root, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, err
	}
	return mds.Load([]byte(m.BLOB), mds.Options{Root: root, Now: func() time.Time { return at }})
}
