package rollout_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/readiness"
	"github.com/keytier/keytier/rollout"
)

func build(t *testing.T, s *graphadapter.Snapshot, opts rollout.Options) *rollout.Plan {
	t.Helper()
	p, err := rollout.Build(s, opts)
	require.NoError(t, err)
	return p
}

// editConfig rewrites a method configuration through its JSON, as an
// administrator's PATCH would.
func editConfig(t *testing.T, s *graphadapter.Snapshot, id string, edit func(m map[string]any)) {
	t.Helper()
	c, ok := s.AuthenticationMethodsPolicy.MethodConfiguration(id)
	require.True(t, ok, id)
	var m map[string]any
	require.NoError(t, json.Unmarshal(c.Raw, &m))
	edit(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	nc, err := graphadapter.ParseMethodConfiguration(b)
	require.NoError(t, err)
	*c = nc
	require.NoError(t, s.Check())
}

func enabledUsers(s *graphadapter.Snapshot) int {
	n := 0
	for i := range s.Users {
		if s.Users[i].Enabled() {
			n++
		}
	}
	return n
}

// assertConsistent holds a plan to what every plan must be: each enabled
// user in one segment, the counts adding up, every gate a finding of the
// audit of the same snapshot, every segment with its three messages and
// three runbooks unless its rules admit nothing, the words plain and
// filled in.
func assertConsistent(t *testing.T, s *graphadapter.Snapshot, p *rollout.Plan) {
	t.Helper()
	total := 0
	for _, sg := range p.Segments {
		assert.Equal(t, sg.Users, sg.Ready+sg.CanRegister+sg.NeedPass+sg.Blocked, sg.Name)
		bl := 0
		for _, b := range sg.BlockedBy {
			bl += b.Users
		}
		assert.Equal(t, sg.Blocked, bl, sg.Name)
		total += sg.Users
	}
	assert.Equal(t, enabledUsers(s), total, "every enabled user is in exactly one segment")

	ids := map[string]bool{}
	for _, f := range readiness.Run(s, readiness.Options{}).Findings {
		ids[f.ID] = true
	}
	for _, w := range p.Waves {
		for _, g := range w.Gates {
			assert.True(t, ids[g], "gate %s is a finding of the audit", g)
		}
		for _, f := range w.Fixes {
			assert.Contains(t, w.Gates, f.Finding)
		}
		assert.NotEmpty(t, w.Segments, w.Name)
		assert.NotEmpty(t, w.Start)
	}
	for _, sg := range p.Segments {
		kinds := map[string]int{}
		for _, m := range p.Messages {
			if m.Segment == sg.Name {
				kinds[m.Kind]++
			}
		}
		sits := map[string]int{}
		for _, r := range p.Runbooks {
			if r.Segment == sg.Name {
				sits[r.Situation]++
			}
		}
		assert.Equal(t, map[string]int{"newDevice": 1, "lostDevice": 1, "cannotRegister": 1}, sits, sg.Name)
		if !sg.Profile.AdmitsNothing {
			assert.Equal(t, map[string]int{"announcement": 1, "setup": 1, "reminder": 1}, kinds, sg.Name)
		}
	}
	assertPlainWords(t, p)
}

// placeholder finds what an unfilled template leaves: fmt's %!verb,
// text/template's markers, a nil, an empty list or parenthesis.
var placeholder = regexp.MustCompile(`%!|\{\{|\}\}|<nil>|<no value>|\(\)|\( |, \.|: \.|\w  \w|\{[a-zA-Z]+\}`)

// outsideCode drops the backquoted spans (commands and Graph calls) of a
// runbook step.
func outsideCode(s string) string {
	parts := strings.Split(s, "`")
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 0 {
			b.WriteString(p)
		} else {
			b.WriteString("CODE")
		}
	}
	return b.String()
}

func bannedIn(s string) []string {
	var out []string
	for _, w := range rollout.BannedWords {
		if strings.Contains(strings.ToLower(s), strings.ToLower(w)) {
			out = append(out, w)
		}
	}
	return out
}

// assertPlainWords: no message, and no runbook step outside its commands,
// uses a banned word, and none leaves a placeholder.
func assertPlainWords(t *testing.T, p *rollout.Plan) {
	t.Helper()
	for _, m := range p.Messages {
		for _, s := range []string{m.Subject, m.Body} {
			assert.Empty(t, bannedIn(s), "%s %s: %q", m.Segment, m.Kind, s)
			assert.False(t, placeholder.MatchString(s), "%s %s: placeholder in %q", m.Segment, m.Kind, placeholder.FindString(s))
		}
		assert.Contains(t, m.Subject, p.Tenant, "%s %s", m.Segment, m.Kind)
		if m.Kind == "announcement" {
			assert.Contains(t, m.Body, p.Tenant)
		}
	}
	for _, r := range p.Runbooks {
		for _, st := range r.Steps {
			assert.Empty(t, bannedIn(outsideCode(st)), "%s %s: %q", r.Segment, r.Situation, st)
			assert.False(t, placeholder.MatchString(outsideCode(st)), "%s %s: placeholder %q in %q", r.Segment, r.Situation, placeholder.FindString(outsideCode(st)), st)
			assert.Equal(t, 0, strings.Count(st, "`")%2, "balanced backquotes: %q", st)
		}
	}
}

// TestBannedWordsControl: the checks above find what they look for.
func TestBannedWordsControl(t *testing.T) {
	assert.Equal(t, []string{"FIDO2"}, bannedIn("Plug in your Feitian BioPass FIDO2 Authenticator"))
	assert.Equal(t, []string{"passkey profile", "AAL"}, bannedIn("your passkey profile reaches aal3"))
	assert.Empty(t, bannedIn(outsideCode("list them with `GET …/fido2Methods`")))
	assert.False(t, placeholder.MatchString(outsideCode("list them with `GET x` ($ID from `GET y`).")))
	for _, s := range []string{"valid for %!d(string=1)", "Hello {{.Name}}", "use: .", "groups: ()", "call {upn}", "in  Admins", "valid for <nil>"} {
		assert.True(t, placeholder.MatchString(s), s)
	}
}

// TestDemoPlan: the demo tenant's plan, specific to the tenant.
func TestDemoPlan(t *testing.T) {
	s := demo.Snapshot()
	p := build(t, s, rollout.Options{})
	assertConsistent(t, s, p)
	assert.Equal(t, "Northwind Fabrication", p.Tenant)
	assert.Equal(t, "2026-06-08", p.Start, "the first Monday after capturedAt, 2026-06-01")
	assert.Contains(t, strings.Join(p.Assumptions, " "), "first Monday after the snapshot")

	require.Len(t, p.Segments, 2)
	priv, work := p.Segments[0], p.Segments[1]
	assert.Equal(t, []string{"Admins", "Break Glass"}, priv.Groups)
	assert.True(t, priv.Privileged)
	assert.True(t, priv.Profile.DeviceBoundOnly)
	assert.Equal(t, []string{"Privileged accounts: device-bound, attested"}, priv.Profile.Names)
	assert.Contains(t, priv.Profile.Authenticators, "YubiKey 5 Series with NFC")
	assert.Equal(t, "AAL2", priv.Profile.Tier, "Windows Hello on the allow list holds the floor at AAL2")
	assert.Equal(t, []string{"All Staff", "Contractors"}, work.Groups)
	assert.False(t, work.Profile.DeviceBoundOnly)
	assert.Contains(t, work.Profile.Authenticators, "Apple Passwords")

	// The privileged accounts are blocked by the audit's findings about
	// them; the workforce's blocked users are the Engineering policy's.
	assert.Equal(t, priv.Users, priv.Blocked)
	var blockers []string
	for _, b := range work.BlockedBy {
		blockers = append(blockers, b.Finding)
	}
	assert.Equal(t, []string{"KT-CA-001/3af06009-9dba-54df-8816-eef11e99a947"}, blockers)
	assert.Positive(t, work.Ready)
	assert.Positive(t, work.NeedPass)

	require.Len(t, p.Waves, 3)
	assert.Equal(t, []string{"Pilot", "Workforce", "Privileged accounts"}, []string{p.Waves[0].Name, p.Waves[1].Name, p.Waves[2].Name})
	assert.Empty(t, p.Waves[0].Gates, "the pilot takes users nothing blocks")
	assert.Equal(t, []string{"2026-06-08", "2026-06-22", "2026-07-06"}, []string{p.Waves[0].Start, p.Waves[1].Start, p.Waves[2].Start})
	assert.Contains(t, p.Waves[2].Gates, "KT-PRIV-001")
	assert.Contains(t, p.Waves[2].Gates, "KT-CA-001/a0d37215-29d8-5f42-9193-d60e2c0d0140", "every finding blocking a member, not only the first")
	for _, f := range p.Waves[2].Fixes {
		if f.Finding == "KT-PRIV-001" {
			assert.Len(t, f.GraphRequests, 9, "the audit's calls")
		}
	}

	// The words name the tenant's own things.
	setup := func(seg string) string {
		for _, m := range p.Messages {
			if m.Segment == seg && m.Kind == "setup" {
				return m.Body
			}
		}
		return ""
	}
	assert.Contains(t, setup(priv.Name), "Plug in your YubiKey 5 Series with NFC")
	assert.Contains(t, setup(priv.Name), "Feitian BioPass Authenticator", "the catalog name without its jargon")
	assert.Contains(t, setup(work.Name), "Apple Passwords")
	assert.Contains(t, setup(work.Name), "valid for 1 hour", "the tenant's default pass lifetime")
	for _, r := range p.Runbooks {
		all := strings.Join(r.Steps, "\n")
		assert.Contains(t, all, "--lifetime 60m --once", r.Segment+" "+r.Situation)
		assert.Contains(t, all, "at most 30 days", "the tenant's maximum")
		if r.Segment == priv.Name {
			assert.Contains(t, all, "second approver")
			assert.Contains(t, all, "stays on one device")
		} else {
			assert.NotContains(t, all, "second approver")
		}
	}
}

// TestPlanStart: --start and --wave-days move every date, and the plan
// says it was asked.
func TestPlanStart(t *testing.T) {
	p := build(t, demo.Snapshot(), rollout.Options{Start: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), WaveDays: 7})
	assert.Equal(t, "2026-09-01", p.Waves[0].Start)
	assert.Equal(t, "2026-09-07", p.Waves[0].End)
	assert.Equal(t, "2026-09-08", p.Waves[1].Start)
	assert.Contains(t, strings.Join(p.Assumptions, " "), "Each wave lasts 7 days, as asked.")
	assert.NotContains(t, strings.Join(p.Assumptions, " "), "first Monday")
	_, err := rollout.Build(demo.Snapshot(), rollout.Options{Lang: "fr"})
	assert.ErrorIs(t, err, rollout.ErrLang)
}

// TestPlanNoPasskeyPolicy: without a FIDO2 configuration nobody can
// register: one segment, everyone blocked by KT-FIDO2-001, no messages.
func TestPlanNoPasskeyPolicy(t *testing.T) {
	s := demo.Snapshot()
	pol := s.AuthenticationMethodsPolicy
	pol.MethodConfigurations = slices.DeleteFunc(pol.MethodConfigurations, func(c graphadapter.MethodConfiguration) bool { return c.ID == "Fido2" })
	require.NoError(t, s.Check())
	p := build(t, s, rollout.Options{})
	assertConsistent(t, s, p)
	require.Len(t, p.Segments, 1)
	sg := p.Segments[0]
	assert.Equal(t, "Everyone else", sg.Name)
	assert.True(t, sg.Profile.AdmitsNothing)
	assert.Equal(t, sg.Users, sg.Blocked)
	assert.Equal(t, "KT-FIDO2-001", sg.BlockedBy[0].Finding)
	assert.Empty(t, p.Messages, "no message asks people to do what they cannot")
	assert.Contains(t, strings.Join(p.Warnings, " "), "no passkey rules apply")
	for _, w := range p.Waves {
		assert.Contains(t, w.Gates, "KT-FIDO2-001")
	}
}

// TestPlanOneProfileForEveryone: one target, all users, one profile.
func TestPlanOneProfileForEveryone(t *testing.T) {
	s := demo.Snapshot()
	editConfig(t, s, "Fido2", func(m map[string]any) {
		m["includeTargets"] = []any{map[string]any{"targetType": "group", "id": "all_users", "isRegistrationRequired": false, "allowedPasskeyProfiles": []any{"4abb8dd7-2705-59dc-ba0d-3264ff54e881"}}}
	})
	p := build(t, s, rollout.Options{})
	assertConsistent(t, s, p)
	require.Len(t, p.Segments, 1)
	assert.Equal(t, "all users", p.Segments[0].Name)
	assert.False(t, p.Segments[0].Privileged, "mixed: privileged and not")
	var names []string
	for _, w := range p.Waves {
		names = append(names, w.Name)
	}
	assert.Equal(t, []string{"Pilot", "Workforce"}, names)
	for _, m := range p.Messages {
		assert.Contains(t, m.Body+m.Subject, "Northwind Fabrication")
	}
}

// TestPlanTAPDisabled: the runbooks say how recovery works without a
// pass, the messages offer none, and the plan flags it; a wave with users
// who need a pass is gated on KT-TAP-001.
func TestPlanTAPDisabled(t *testing.T) {
	s := demo.Snapshot()
	editConfig(t, s, "TemporaryAccessPass", func(m map[string]any) { m["state"] = "disabled" })
	p := build(t, s, rollout.Options{})
	assertConsistent(t, s, p)
	assert.Contains(t, strings.Join(p.Warnings, " "), "Temporary Access Pass is switched off (KT-TAP-001)")
	assert.False(t, p.TAP.Enabled)
	for _, r := range p.Runbooks {
		all := strings.Join(r.Steps, "\n")
		assert.NotContains(t, all, "keytier tap issue")
		assert.Contains(t, all, "no pass can be issued", r.Segment+" "+r.Situation)
	}
	for _, m := range p.Messages {
		assert.NotContains(t, m.Body, "one-time pass")
	}
	gated := false
	for _, w := range p.Waves {
		gated = gated || slices.Contains(w.Gates, "KT-TAP-001")
	}
	assert.True(t, gated, "the workforce has users who need a pass")
}

// TestPlanProfileAdmitsNothing: a segment whose rules admit no passkey is
// flagged, gets no messages, and its runbooks say so.
func TestPlanProfileAdmitsNothing(t *testing.T) {
	s := demo.Snapshot()
	editConfig(t, s, "Fido2", func(m map[string]any) {
		for _, x := range m["passkeyProfiles"].([]any) {
			if pp := x.(map[string]any); pp["name"] == "Workforce: synced or device-bound" {
				pp["passkeyTypes"] = ""
			}
		}
	})
	p := build(t, s, rollout.Options{})
	assertConsistent(t, s, p)
	var work rollout.Segment
	for _, sg := range p.Segments {
		if slices.Contains(sg.Groups, "All Staff") {
			work = sg
		}
	}
	require.True(t, work.Profile.AdmitsNothing, work.Profile.Plain)
	assert.Equal(t, "none", work.Profile.Tier)
	assert.Contains(t, strings.Join(p.Warnings, " "), "admit no passkey at all")
	for _, m := range p.Messages {
		assert.NotEqual(t, work.Name, m.Segment)
	}
	for _, r := range p.Runbooks {
		if r.Segment == work.Name && r.Situation == "cannotRegister" {
			assert.Contains(t, strings.Join(r.Steps, " "), "accept no passkey at all")
		}
	}
}

// TestPlanJSONShape: the members the contract promises.
func TestPlanJSONShape(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, build(t, demo.Snapshot(), rollout.Options{}).WriteJSON(&buf))
	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(buf.Bytes(), &top))
	for _, k := range []string{"tenant", "segments", "waves", "messages", "runbooks"} {
		assert.Contains(t, top, k)
	}
	var p struct {
		Segments []map[string]json.RawMessage `json:"segments"`
		Waves    []map[string]json.RawMessage `json:"waves"`
		Messages []map[string]json.RawMessage `json:"messages"`
		Runbooks []map[string]json.RawMessage `json:"runbooks"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &p))
	has := func(m map[string]json.RawMessage, keys ...string) {
		for _, k := range keys {
			assert.Contains(t, m, k)
		}
	}
	for _, x := range p.Segments {
		has(x, "name", "groups", "users", "ready", "needPass", "blocked", "profile")
	}
	for _, x := range p.Waves {
		has(x, "name", "start", "segments", "gates")
	}
	for _, x := range p.Messages {
		has(x, "segment", "kind", "subject", "body")
	}
	for _, x := range p.Runbooks {
		has(x, "segment", "situation", "steps")
	}
}

// TestPlanPrivilegedFirst: when nothing in the audit blocks the privileged
// accounts, they go first; the same tenant with the findings about them
// puts them last (TestDemoPlan).
func TestPlanPrivilegedFirst(t *testing.T) {
	s := demo.Snapshot()
	r := readiness.Run(s, readiness.Options{})
	privileged := map[string]bool{}
	for i := range s.Users {
		if len(s.PrivilegedRolesOf(s.Users[i].ID)) > 0 {
			privileged[s.Users[i].UserPrincipalName] = true
		}
	}
	// The report as it would read once every finding naming a privileged
	// user is fixed.
	r.Findings = slices.DeleteFunc(r.Findings, func(f readiness.Finding) bool {
		return slices.ContainsFunc(f.Users, func(u string) bool { return privileged[u] })
	})
	p, err := rollout.BuildFrom(s, r, rollout.Options{})
	require.NoError(t, err)
	require.Len(t, p.Waves, 3)
	assert.Equal(t, "Privileged accounts", p.Waves[0].Name)
	assert.Empty(t, p.Waves[0].Gates)
	assert.Contains(t, p.Waves[0].Why, "they go first")
	assert.Equal(t, "Pilot", p.Waves[1].Name)
	assert.Equal(t, p.Segments[0].Users, p.Segments[0].CanRegister+p.Segments[0].Ready+p.Segments[0].NeedPass, "no one blocked")
}

// A start date is a calendar date from 1970 to 9999; 0001-01-01, the zero
// time.Time that Options.Start reads as "not given", is refused rather
// than silently replaced by the default.
func TestParseStart(t *testing.T) {
	got, err := rollout.ParseStart("2027-03-01")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), got)
	for _, bad := range []string{"", "0001-01-01", "1969-12-31", "2027-02-30", "2027-03-01T00:00:00Z", "10000-01-01"} {
		_, err := rollout.ParseStart(bad)
		assert.Error(t, err, bad)
	}
}
