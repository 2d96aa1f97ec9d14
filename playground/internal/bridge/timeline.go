package bridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keytier/keytier/passkey"
)

// A Timeline follows one credential through its life: where it started (a
// registration keytier verified, or a record the relying party stored) and
// one row per sign-in, each with what the authenticator reported, the
// events passkey.VerifyAssertion saw and the verdict as it stands after it.
// The record it holds is the one a relying party would have persisted after
// each ceremony, refused ones included when the signature verified (the
// flags are then the authenticator's signed word; VerifyAssertion's doc).
//
// A Timeline is not safe for concurrent use; Session guards its own.
type Timeline struct {
	record *passkey.Record
	rows   []Row
}

// RowKind says what a timeline row records.
type RowKind string

const (
	// RowRegistration: the credential was registered and keytier verified
	// the registration (passkey.Verify, passkey.NewRecord).
	RowRegistration RowKind = "registration"
	// RowRecord: the timeline starts from a stored record
	// (passkey.ParseRecord: keytier's JSON or go-webauthn's).
	RowRecord RowKind = "record"
	// RowSignIn: one sign-in (passkey.VerifyAssertion).
	RowSignIn RowKind = "signIn"
)

// Row is one moment of a credential's life, as the page lists it.
type Row struct {
	N    int     `json:"n"`
	Kind RowKind `json:"kind"`
	// At is when it happened: the registration time, the sign-in time, or
	// for a stored record its latest sign-in (else its registration).
	At time.Time `json:"at,omitzero"`
	// OK: the registration verified, the record was read, or the sign-in
	// was accepted.
	OK    bool                 `json:"ok"`
	Error *passkey.ReportError `json:"error,omitempty"`
	// Flags are the authenticator data's flags (UP, UV, BE, BS) and
	// SignCount its counter. Nil when the row read no authenticator data: a
	// stored record (see Stored) or an assertion that did not decode.
	Flags     *FlagsView `json:"flags,omitempty"`
	SignCount *uint32    `json:"signCount,omitempty"`
	// Stored is what a record row starts from: the stored BE, BS and
	// counter.
	Stored *StoredView `json:"stored,omitempty"`
	// Events are what this sign-in changed or revealed, with their
	// explanations; empty for the first row.
	Events []passkey.Event `json:"events"`
	// Tier is the verdict as it stands after this row, and TierChanged
	// says whether it differs from the previous row's.
	Tier        Tier `json:"tier"`
	TierChanged bool `json:"tierChanged"`
	// RecordUpdated: the sign-in changed the stored record (always when
	// it was accepted; when refused, only if its signature verified).
	RecordUpdated bool `json:"recordUpdated"`
	// Summary says in plain words what the row means.
	Summary string `json:"summary"`
}

// FlagsView are the authenticator data flags the timeline shows.
type FlagsView struct {
	UP bool `json:"up"`
	UV bool `json:"uv"`
	BE bool `json:"be"`
	BS bool `json:"bs"`
}

func flagsView(f passkey.Flags) *FlagsView {
	return &FlagsView{UP: f.UP, UV: f.UV, BE: f.BE, BS: f.BS}
}

// StoredView is what a stored record says about its flags and counter.
type StoredView struct {
	BackupEligible bool   `json:"backupEligible"`
	BackupState    bool   `json:"backupState"`
	UVInitialized  bool   `json:"uvInitialized"`
	SignCount      uint32 `json:"signCount"`
	Source         string `json:"source"`
}

// Tier is a verdict in the few words the timeline shows: the passkey type,
// how sure keytier is of it, and the NIST SP 800-63B-4 level.
type Tier struct {
	PasskeyType       passkey.PasskeyType `json:"passkeyType"`
	Confidence        passkey.Confidence  `json:"confidence"`
	AAL               string              `json:"aal"`
	PhishingResistant bool                `json:"phishingResistant"`
	// Authenticator names the model, when known.
	Authenticator string `json:"authenticator"`
}

func tierOf(v passkey.Verdict) Tier {
	return Tier{PasskeyType: v.PasskeyType, Confidence: v.Confidence, AAL: v.AAL.String(),
		PhishingResistant: v.PhishingResistant, Authenticator: v.Authenticator}
}

func (t Tier) same(u Tier) bool {
	return t.PasskeyType == u.PasskeyType && t.AAL == u.AAL
}

// String is the tier as the events name it: "deviceBound AAL3".
func (t Tier) String() string {
	pt := string(t.PasskeyType)
	if pt == "" {
		pt = "unknown"
	}
	return pt + " " + t.AAL
}

// NewTimeline verifies a registration response with opts (passkey.Verify)
// and starts a timeline from the record a relying party would store
// (passkey.NewRecord with userHandle, registered at at). A registration
// Verify refuses has no record, so it has no timeline: the error is
// Verify's *passkey.Error.
func NewTimeline(registration []byte, opts passkey.VerifyOptions, userHandle []byte, at time.Time) (*Timeline, error) {
	c, err := passkey.Verify(registration, opts)
	if err != nil {
		return nil, err
	}
	rec, err := passkey.NewRecord(c, userHandle, at)
	if err != nil {
		return nil, err
	}
	sc := c.SignCount
	t := &Timeline{record: rec}
	first := Row{Kind: RowRegistration, At: rec.RegisteredAt, OK: true, Flags: flagsView(c.Flags), SignCount: &sc,
		Events: []passkey.Event{}, Tier: tierOf(rec.Current)}
	first.Summary = fmt.Sprintf("Registered and verified: %s.", describeTier(first.Tier))
	t.rows = append(t.rows, first)
	return t, nil
}

// TimelineFromRecord starts a timeline from a stored record: keytier's
// Record JSON or go-webauthn's webauthn.Credential JSON
// (passkey.ParseRecord). The error is ParseRecord's *passkey.Error.
func TimelineFromRecord(data []byte) (*Timeline, error) {
	rec, err := passkey.ParseRecord(data)
	if err != nil {
		return nil, err
	}
	at := rec.LastSignIn
	if at.IsZero() {
		at = rec.RegisteredAt
	}
	first := Row{Kind: RowRecord, At: at, OK: true, Events: []passkey.Event{}, Tier: tierOf(rec.Current),
		Stored: &StoredView{BackupEligible: rec.BackupEligible, BackupState: rec.BackupState,
			UVInitialized: rec.UVInitialized, SignCount: rec.SignCount, Source: rec.Source}}
	from := "a stored keytier record"
	if rec.Source == passkey.SourceGoWebAuthn {
		from = "a go-webauthn credential row (keytier judged it from its flags and AAGUID; nothing in the row says its attestation was verified)"
	}
	first.Summary = fmt.Sprintf("Read from %s: %s.", from, describeTier(first.Tier))
	return &Timeline{record: rec, rows: []Row{first}}, nil
}

// SignIn verifies one assertion against the timeline's record
// (passkey.VerifyAssertion with opts), appends its row and returns it.
// When the sign-in is accepted, or refused after its signature verified,
// the timeline keeps the updated record VerifyAssertion returned; a
// sign-in refused earlier leaves the record as it was, since nothing in
// it is the authenticator's word.
//
// The error is for opts that VerifyAssertion cannot use (field_missing or
// options_invalid at AssertionOptions…): the relying party's settings, not
// the sign-in, so no row is added.
func (t *Timeline) SignIn(assertion []byte, opts passkey.AssertionOptions) (Row, error) {
	before := t.rows[len(t.rows)-1].Tier
	s, err := passkey.VerifyAssertion(assertion, t.record, opts)
	if pe := (*passkey.Error)(nil); errors.As(err, &pe) && strings.HasPrefix(pe.Where, "AssertionOptions") {
		return Row{}, err
	}
	row := Row{N: len(t.rows), Kind: RowSignIn, OK: err == nil, Events: []passkey.Event{}}
	if opts.Now != nil {
		row.At = opts.Now().UTC()
	} else {
		row.At = time.Now().UTC()
	}
	if err != nil {
		row.Error = reportError(err)
	}
	if s != nil {
		row.Flags = flagsView(s.Flags)
		sc := s.SignCount
		row.SignCount = &sc
		row.Events = append(row.Events, s.Events...)
		if s.Record != nil {
			t.record = s.Record
			row.RecordUpdated = true
			row.At = s.Record.LastSignIn
		}
	}
	row.Tier = tierOf(t.record.Current)
	row.TierChanged = !row.Tier.same(before)
	row.Summary = signInSummary(row, before)
	t.rows = append(t.rows, row)
	return row, nil
}

// Record returns a copy of the record as it stands now: what the relying
// party would have persisted.
func (t *Timeline) Record() *passkey.Record { return t.record.Clone() }

// Rows returns the timeline's rows, oldest first.
func (t *Timeline) Rows() []Row { return append([]Row(nil), t.rows...) }

// TimelineView is a timeline as the page renders and exports it.
type TimelineView struct {
	// Record is the current record, and RecordJSON the same as keytier's
	// Record JSON (indented): what the page exports and can import again.
	Record     *passkey.Record `json:"record"`
	RecordJSON string          `json:"recordJson"`
	Rows       []Row           `json:"rows"`
}

// View returns the timeline for the page.
func (t *Timeline) View() (TimelineView, error) {
	b, err := json.MarshalIndent(t.record, "", "  ")
	if err != nil {
		return TimelineView{}, err
	}
	return TimelineView{Record: t.Record(), RecordJSON: string(b), Rows: t.Rows()}, nil
}

// reportError is err as the page shows it, in the shape of
// passkey.Report's error.
func reportError(err error) *passkey.ReportError {
	e := &passkey.ReportError{Code: passkey.CodeOf(err), Message: err.Error()}
	var pe *passkey.Error
	if errors.As(err, &pe) {
		e.Where = pe.Where
	}
	if e.Code == "" {
		e.Code = "internal"
	}
	return e
}

func describeTier(t Tier) string {
	var kind string
	switch t.PasskeyType {
	case passkey.Synced:
		kind = "a synced passkey"
	case passkey.DeviceBound:
		kind = "a device-bound passkey"
	default:
		kind = "a passkey of unknown type"
	}
	return fmt.Sprintf("%s at %s", kind, t.AAL)
}

// signInSummary says what a sign-in row means, in plain words.
func signInSummary(r Row, before Tier) string {
	var s string
	switch {
	case r.OK && len(r.Events) == 0:
		s = "Accepted. Nothing about the credential changed."
	case r.OK:
		s = "Accepted, with " + plural(len(r.Events), "event") + " to note."
	case r.RecordUpdated:
		s = fmt.Sprintf("Refused (%s). The signature verified, so what the authenticator reported is its signed word: the record keeps it.", r.Error.Code)
	default:
		s = fmt.Sprintf("Refused (%s) before the signature verified: nothing in this assertion is the authenticator's word, so the record is unchanged.", r.Error.Code)
	}
	if r.TierChanged {
		s += fmt.Sprintf(" The verdict changed from %s to %s.", describeTier(before), describeTier(r.Tier))
	}
	return s
}
