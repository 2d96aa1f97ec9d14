package rollout

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/catalog"
	"github.com/keytier/keytier/readiness"
	"github.com/keytier/keytier/tap"
)

// Plan is a rollout plan for one tenant. Its JSON is the contract of
// `keytier plan --format json` (docs/plan.md).
type Plan struct {
	// Tenant is the tenant's displayName (its id when it has none).
	Tenant     string    `json:"tenant"`
	TenantID   string    `json:"tenantId"`
	CapturedAt time.Time `json:"capturedAt"`
	// Start is the day the first wave starts, YYYY-MM-DD.
	Start string `json:"start"`
	// Assumptions say what the plan assumed that the tenant does not say:
	// the start date and the pace when not given, the pilot's size.
	Assumptions []string `json:"assumptions"`
	// Warnings are what the plan found that changes how it must be run:
	// no Temporary Access Pass, a segment whose profile admits nothing.
	Warnings []string   `json:"warnings"`
	Segments []Segment  `json:"segments"`
	Waves    []Wave     `json:"waves"`
	Messages []Message  `json:"messages"`
	Runbooks []Runbook  `json:"runbooks"`
	TAP      TAPSummary `json:"tap"`
}

// Segment is a set of users who get the same passkey rules: the groups the
// passkey policy's targets name, merged when they assign the same profiles.
// Each enabled user is in exactly one segment: the strictest that
// includes them (device-bound profiles before the others, then the
// policy's order).
type Segment struct {
	Name string `json:"name"`
	// Groups are the displayNames of the groups ("all users" for
	// all_users) whose targets make the segment.
	Groups []string `json:"groups"`
	// Privileged: every member holds a privileged role.
	Privileged bool `json:"privileged"`
	// Users = Ready + NeedPass + Blocked + CanRegister.
	Users int `json:"users"`
	// Ready hold a passkey the policy admits for them already.
	Ready int `json:"ready"`
	// NeedPass hold no method they could sign in with to register one
	// (no second factor, no active pass): a Temporary Access Pass first.
	NeedPass int `json:"needPass"`
	// Blocked are named by a finding that must be fixed before they
	// register (BlockedBy).
	Blocked int `json:"blocked"`
	// CanRegister can sign in and register today.
	CanRegister int       `json:"canRegister"`
	BlockedBy   []Blocker `json:"blockedBy"`
	Profile     Profile   `json:"profile"`
}

// Blocker is a finding that blocks users of a segment.
type Blocker struct {
	Finding string `json:"finding"`
	Title   string `json:"title"`
	Users   int    `json:"users"`
}

// Profile is a segment's passkey rules in plain words.
type Profile struct {
	// Names are the profiles' names in the policy; empty when none
	// applies.
	Names []string `json:"names"`
	// Plain says which passkeys the segment may register and the tier
	// that guarantees.
	Plain string `json:"plain"`
	// Tier is the lowest assurance level a passkey the profiles admit can
	// have ("AAL3", "AAL2"), "none" when they admit nothing.
	Tier string `json:"tier"`
	// Authenticators are the kinds of authenticator the users may use,
	// named from the allow list and the catalog.
	Authenticators []string `json:"authenticators"`
	// DeviceBoundOnly: no synced passkey is admitted.
	DeviceBoundOnly bool `json:"deviceBoundOnly"`
	// AdmitsNothing: the profiles admit no passkey at all.
	AdmitsNothing bool `json:"admitsNothing"`
}

// Wave is one step of the rollout.
type Wave struct {
	Name     string   `json:"name"`
	Start    string   `json:"start"`
	End      string   `json:"end"`
	Segments []string `json:"segments"`
	// Users is how many users the wave asks to register (the pilot takes
	// part of its segment).
	Users int `json:"users"`
	// Why says why the wave is where it is.
	Why string `json:"why"`
	// Gates are the ids of the findings (keytier audit --format json of
	// the same snapshot) that must be fixed before the wave starts.
	Gates []string `json:"gates"`
	// Fixes are the gates' fixes as the audit writes them, each at the
	// first wave it gates (a later wave lists the gate only).
	Fixes []GateFix `json:"fixes"`
}

// GateFix is the audit's fix of a gate.
type GateFix struct {
	Finding       string                   `json:"finding"`
	Title         string                   `json:"title"`
	Description   string                   `json:"description"`
	GraphRequests []readiness.GraphRequest `json:"graphRequests"`
}

// Message is one mail or post to the users of a segment.
type Message struct {
	Segment string `json:"segment"`
	// Kind is "announcement", "setup" or "reminder".
	Kind    string `json:"kind"`
	Send    string `json:"send"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Runbook is what the helpdesk does for a user of a segment in one
// situation: "newDevice", "lostDevice" or "cannotRegister".
type Runbook struct {
	Segment   string   `json:"segment"`
	Situation string   `json:"situation"`
	Title     string   `json:"title"`
	Steps     []string `json:"steps"`
}

// TAPSummary is what the tenant's Temporary Access Pass policy allows.
type TAPSummary struct {
	Enabled bool `json:"enabled"`
	// Lifetime is the lifetime the runbooks issue, in minutes: the
	// policy's default, within its bounds.
	LifetimeMinutes int `json:"lifetimeMinutes"`
	MaximumMinutes  int `json:"maximumMinutes"`
	// OneTime: the runbooks issue one-time passes (always possible; the
	// policy may require it for every pass).
	OneTime         bool `json:"oneTime"`
	OneTimeRequired bool `json:"oneTimeRequired"`
}

// Options tunes Build. The zero value is useful.
type Options struct {
	// Start is the day the first wave starts. Zero: the first Monday after
	// the snapshot's capturedAt (the wall clock is never read).
	Start time.Time
	// WaveDays is how long each wave lasts. Zero: DefaultWaveDays.
	WaveDays int
	// Lang is the language of the messages and runbooks: "" or "en".
	Lang string
	// Audit are the options of the audit the plan's gates come from.
	Audit readiness.Options
}

// ParseStart reads a first wave's date as `keytier plan --start` and the
// playground take it, YYYY-MM-DD. The year must be 1970 to 9999: the zero
// time.Time (0001-01-01) means "not given" in Options.Start, so a date
// that early would be silently replaced by the default, and no rollout
// starts before 1970 anyway.
func ParseStart(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want a date, YYYY-MM-DD", s)
	}
	if y := t.Year(); y < 1970 || y > 9999 {
		return time.Time{}, fmt.Errorf("%q: want a year from 1970 to 9999", s)
	}
	return t, nil
}

// DefaultWaveDays is the default pace: two weeks a wave, time for an
// announcement, a setup week and a reminder before the next wave starts.
const DefaultWaveDays = 14

// Pilot size: a tenth of the readiest segment, at least MinPilot and at
// most MaxPilot users (or the whole segment when it is smaller).
const (
	MinPilot = 5
	MaxPilot = 50
)

// ErrLang is returned for a language Build has no words for.
var ErrLang = errors.New("rollout: only English (en) is available")

// Build makes the plan for s. It runs the audit (readiness.Run with
// opts.Audit) for the gates, so a gate is the id of a finding `keytier
// audit --format json` reports for the same snapshot and options. s must
// come from graphadapter.Load (or have been Checked).
func Build(s *graphadapter.Snapshot, opts Options) (*Plan, error) {
	if opts.Lang != "" && opts.Lang != "en" {
		return nil, ErrLang
	}
	return BuildFrom(s, readiness.Run(s, opts.Audit), opts)
}

// BuildFrom makes the plan for s from r, the audit of s with opts.Audit,
// for a caller that has run it already.
func BuildFrom(s *graphadapter.Snapshot, r readiness.Report, opts Options) (*Plan, error) {
	if opts.Lang != "" && opts.Lang != "en" {
		return nil, ErrLang
	}
	b := newBuilder(s, r, opts)
	b.segments()
	b.waves()
	b.words()
	return b.p, nil
}

type builder struct {
	s    *graphadapter.Snapshot
	r    readiness.Report
	opts Options
	p    *Plan

	fido2  *passkey.FIDO2Policy // nil: no readable, enabled passkey method
	tap    *tap.Policy          // nil: no readable configuration
	tapOn  bool
	tapFor func(u *graphadapter.User) bool
	// blockedBy maps a user's UPN to the first blocking finding naming
	// them; tenantBlock is a finding that blocks everyone.
	blockedBy   map[string]*readiness.Finding
	blockedAll  map[string][]string // every blocking finding id naming a user
	tenantBlock []*readiness.Finding
	segs        []*segment
	start       time.Time
	waveDays    int
}

type segment struct {
	Segment
	targets  []int // include target indexes
	profiles []passkey.ScopedProfile
	all      bool // includes all_users
	groupIDs []string
	members  []*graphadapter.User
	// blockers keeps the order of BlockedBy.
	blockers map[string]int
	// gates are every blocking finding naming a member, first cause or
	// not.
	gates map[string]bool
}

// blocking are the checks whose findings keep the users they name from
// registering the passkey the plan asks of them: locked out of
// registration (KT-CA-001), a privileged account whose profiles would let
// it register one below AAL3 (KT-FIDO2-004, KT-PRIV-001), a user no
// profile admitting synced passkeys reaches (KT-FIDO2-005). The passkey
// method off, or self-service registration off, blocks everyone.
var (
	blockingUsers  = []string{"KT-CA-001", "KT-FIDO2-004", "KT-PRIV-001", "KT-FIDO2-005"}
	blockingTenant = []string{"KT-FIDO2-001", "KT-FIDO2-002"}
)

func newBuilder(s *graphadapter.Snapshot, r readiness.Report, opts Options) *builder {
	name := s.Tenant.DisplayName
	if name == "" {
		name = s.Tenant.ID
	}
	b := &builder{s: s, r: r, opts: opts, blockedBy: map[string]*readiness.Finding{}, blockedAll: map[string][]string{},
		p: &Plan{Tenant: name, TenantID: s.Tenant.ID, CapturedAt: s.CapturedAt,
			Assumptions: []string{}, Warnings: []string{}, Segments: []Segment{}, Waves: []Wave{}, Messages: []Message{}, Runbooks: []Runbook{}}}
	if pol := s.AuthenticationMethodsPolicy; pol != nil {
		if c, ok := pol.MethodConfiguration("Fido2"); ok {
			var p passkey.FIDO2Policy
			if p.UnmarshalJSON(c.Raw) == nil && p.State == passkey.PolicyEnabled {
				b.fido2 = &p
			}
		}
		if c, ok := pol.MethodConfiguration("TemporaryAccessPass"); ok {
			var tp tap.Policy
			if tp.UnmarshalJSON(c.Raw) == nil {
				b.tap = &tp
			}
		}
	}
	b.tapSummary()
	for i := range r.Findings {
		f := &r.Findings[i]
		switch {
		case slices.Contains(blockingTenant, f.Check):
			b.tenantBlock = append(b.tenantBlock, f)
		case slices.Contains(blockingUsers, f.Check):
			for _, u := range f.Users {
				if _, ok := b.blockedBy[u]; !ok {
					b.blockedBy[u] = f
				}
				b.blockedAll[u] = append(b.blockedAll[u], f.ID)
			}
		}
	}
	b.waveDays = opts.WaveDays
	if b.waveDays <= 0 {
		b.waveDays = DefaultWaveDays
		b.p.Assumptions = append(b.p.Assumptions, fmt.Sprintf("Each wave lasts %d days (the default pace: an announcement, a week to set up, a reminder).", DefaultWaveDays))
	} else {
		b.p.Assumptions = append(b.p.Assumptions, fmt.Sprintf("Each wave lasts %d days, as asked.", b.waveDays))
	}
	b.start = opts.Start
	if b.start.IsZero() {
		d := s.CapturedAt.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
		for d.Weekday() != time.Monday {
			d = d.AddDate(0, 0, 1)
		}
		b.start = d
		b.p.Assumptions = append(b.p.Assumptions, fmt.Sprintf("The first wave starts on %s, the first Monday after the snapshot was taken (%s); give a start date to change it.", day(b.start), day(s.CapturedAt)))
	}
	b.p.Start = day(b.start)
	return b
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// tapSummary reads what the pass policy allows the runbooks.
func (b *builder) tapSummary() {
	t := b.tap
	if t == nil || t.State != tap.StateEnabled {
		b.p.Warnings = append(b.p.Warnings, "Temporary Access Pass is switched off (KT-TAP-001): users who hold no other way to sign in cannot be onboarded or recovered by the helpdesk until it is on; the runbooks say what to do meanwhile.")
		b.tapFor = func(*graphadapter.User) bool { return false }
		return
	}
	b.tapOn = true
	life := t.DefaultLifetimeInMinutes
	if life <= 0 {
		life = 60
	}
	if t.MinimumLifetimeInMinutes > 0 && life < t.MinimumLifetimeInMinutes {
		life = t.MinimumLifetimeInMinutes
	}
	if t.MaximumLifetimeInMinutes > 0 && life > t.MaximumLifetimeInMinutes {
		life = t.MaximumLifetimeInMinutes
	}
	b.p.TAP = TAPSummary{Enabled: true, LifetimeMinutes: life, MaximumMinutes: t.MaximumLifetimeInMinutes, OneTime: true, OneTimeRequired: t.IsUsableOnce}
	b.tapFor = func(u *graphadapter.User) bool {
		match := func(id string) bool {
			if id == passkey.AllUsers || id == u.ID {
				return true
			}
			return slices.ContainsFunc(b.s.GroupsOf(u.ID), func(g *graphadapter.Group) bool { return g.ID == id })
		}
		for _, x := range t.ExcludeTargets {
			if match(x.ID) {
				return false
			}
		}
		return slices.ContainsFunc(t.IncludeTargets, func(x tap.IncludeTarget) bool { return match(x.ID) })
	}
}

// segments builds the segments and sorts every enabled user into one.
func (b *builder) segments() {
	if b.fido2 != nil {
		byKey := map[string]*segment{}
		for _, a := range b.fido2.Assignments() {
			t := b.fido2.IncludeTargets[a.Index]
			if len(a.ExcludedBy) > 0 || len(a.Profiles) == 0 {
				continue
			}
			name := ""
			switch {
			case t.ID == passkey.AllUsers:
				name = "all users"
			case t.TargetType == passkey.TargetUser:
				continue // one user: no segment of its own
			default:
				g, ok := b.s.GroupByID(t.ID)
				if !ok {
					continue // a group that does not exist (KT-REF-001)
				}
				name = g.DisplayName
				if name == "" {
					name = g.ID
				}
			}
			var ids []string
			for _, sp := range a.Profiles {
				ids = append(ids, strings.ToLower(sp.Profile.ID))
			}
			slices.Sort(ids)
			key := strings.Join(ids, ",")
			sg := byKey[key]
			if sg == nil {
				sg = &segment{profiles: a.Profiles, blockers: map[string]int{}}
				byKey[key] = sg
				b.segs = append(b.segs, sg)
			}
			sg.targets = append(sg.targets, a.Index)
			sg.Groups = append(sg.Groups, name)
			if t.ID == passkey.AllUsers {
				sg.all = true
			} else {
				sg.groupIDs = append(sg.groupIDs, t.ID)
			}
		}
	}
	for _, sg := range b.segs {
		sg.Profile = b.profile(sg.profiles)
		sg.Name = strings.Join(sg.Groups, ", ")
	}
	// Strictest first: a user in Admins and All Staff belongs with Admins.
	sort.SliceStable(b.segs, func(i, j int) bool {
		a, c := b.segs[i], b.segs[j]
		if a.Profile.DeviceBoundOnly != c.Profile.DeviceBoundOnly {
			return a.Profile.DeviceBoundOnly
		}
		if a.all != c.all {
			return c.all
		}
		return false
	})
	var rest *segment
	for i := range b.s.Users {
		u := &b.s.Users[i]
		if !u.Enabled() {
			continue
		}
		var home *segment
		groups := b.s.GroupsOf(u.ID)
		for _, sg := range b.segs {
			if sg.all || slices.ContainsFunc(groups, func(g *graphadapter.Group) bool { return slices.Contains(sg.groupIDs, g.ID) }) {
				home = sg
				break
			}
		}
		if home == nil {
			if rest == nil {
				rest = &segment{blockers: map[string]int{}}
				rest.Name = "Everyone else"
				rest.Groups = []string{}
				rest.Profile = b.profile(nil)
				if b.fido2 != nil {
					rest.Profile.Plain = "No group target of the passkey policy includes them: they cannot register a passkey as a segment (a target naming one user is not a segment)."
				}
			}
			home = rest
		}
		home.members = append(home.members, u)
	}
	if rest != nil {
		b.segs = append(b.segs, rest)
	}
	b.segs = slices.DeleteFunc(b.segs, func(sg *segment) bool { return len(sg.members) == 0 })
	for _, sg := range b.segs {
		b.count(sg)
		if sg.Profile.AdmitsNothing && sg.Users > 0 {
			if len(sg.Profile.Names) == 0 {
				b.p.Warnings = append(b.p.Warnings, fmt.Sprintf("%s: no passkey rules apply to %s, so they cannot register a passkey; the passkey method must be turned on and a group target of it reach them first.", sg.Name, count(sg.Users, "user", "users")))
			} else {
				b.p.Warnings = append(b.p.Warnings, fmt.Sprintf("%s: the rules %s admit no passkey at all, so its %s cannot register one; change them before its wave.", sg.Name, quoted(sg.Profile.Names), count(sg.Users, "user", "users")))
			}
		}
		b.p.Segments = append(b.p.Segments, sg.Segment)
	}
}

// count sorts a segment's members into ready, needPass, blocked and
// canRegister.
func (b *builder) count(sg *segment) {
	sg.Users = len(sg.members)
	sg.BlockedBy = []Blocker{}
	sg.gates = map[string]bool{}
	// Privileged: every member holds a privileged role. The first member
	// without one settles it, so a large workforce segment asks once.
	allPrivileged := len(sg.members) > 0
	admitted := map[string]bool{} // by AAGUID and level: the segment's profiles decide alike
	for _, u := range sg.members {
		if allPrivileged && len(b.s.PrivilegedRolesOf(u.ID)) == 0 {
			allPrivileged = false
		}
		var by *readiness.Finding
		if len(b.tenantBlock) > 0 {
			by = b.tenantBlock[0]
		} else if f, ok := b.blockedBy[u.UserPrincipalName]; ok {
			by = f
		}
		for _, id := range b.blockedAll[u.UserPrincipalName] {
			sg.gates[id] = true
		}
		switch {
		case by != nil:
			sg.Blocked++
			i, ok := sg.blockers[by.ID]
			if !ok {
				i = len(sg.BlockedBy)
				sg.blockers[by.ID] = i
				sg.BlockedBy = append(sg.BlockedBy, Blocker{Finding: by.ID, Title: by.Title})
			}
			sg.BlockedBy[i].Users++
		case b.holdsAdmitted(sg, u, admitted):
			sg.Ready++
		case !b.canSignIn(u):
			sg.NeedPass++
		default:
			sg.CanRegister++
		}
	}
	sg.Privileged = allPrivileged
}

// holdsAdmitted reports whether u holds a registered passkey the policy
// admits for them at sign-in.
func (b *builder) holdsAdmitted(sg *segment, u *graphadapter.User, memo map[string]bool) bool {
	if b.fido2 == nil || len(sg.profiles) == 0 {
		return false
	}
	for _, m := range u.MethodsOf(graphadapter.KindFIDO2) {
		f, _ := m.FIDO2()
		key := strings.ToLower(f.AAGUID) + "|" + f.AttestationLevel
		ok, seen := memo[key]
		if !seen {
			facts := passkey.FIDO2Method{AAGUID: f.AAGUID, AttestationLevel: f.AttestationLevel}.Facts(nil)
			// The segment's profiles are what every member gets: ask
			// them directly rather than each member's scope.
			for _, sp := range sg.profiles {
				if len(passkeyRefusals(b.fido2, sp, facts)) == 0 {
					ok = true
					break
				}
			}
			memo[key] = ok
		}
		if ok {
			return true
		}
	}
	return false
}

// passkeyRefusals asks the policy about facts for a subject whose only
// profile is sp.
func passkeyRefusals(pol *passkey.FIDO2Policy, sp passkey.ScopedProfile, facts passkey.CredentialFacts) []passkey.Reason {
	q := passkey.FIDO2Policy{State: passkey.PolicyEnabled, PasskeyProfiles: []passkey.PasskeyProfile{sp.Profile},
		IncludeTargets: []passkey.IncludeTarget{{TargetType: passkey.TargetGroup, ID: passkey.AllUsers, AllowedPasskeyProfiles: []string{sp.Profile.ID}}}}
	if pol.PasskeyProfiles == nil {
		q = *pol
		q.IncludeTargets = []passkey.IncludeTarget{{TargetType: passkey.TargetGroup, ID: passkey.AllUsers}}
		q.ExcludeTargets = nil
	}
	return q.Evaluate(passkey.Subject{}, facts).Reasons
}

// canSignIn reports whether u holds a method they can sign in with to
// register a passkey: a second factor (phone, app, OATH token, Windows
// Hello, a platform credential, a certificate, a passkey) or an active
// Temporary Access Pass. A password alone is not enough: registering
// security information needs multifactor authentication.
func (b *builder) canSignIn(u *graphadapter.User) bool {
	for i := range u.Methods {
		m := &u.Methods[i]
		switch m.Kind() {
		case graphadapter.KindPhone, graphadapter.KindAuthenticator, graphadapter.KindSoftwareOath, graphadapter.KindHardwareOath,
			graphadapter.KindWindowsHello, graphadapter.KindPlatformCredential, graphadapter.KindX509Certificate, graphadapter.KindFIDO2:
			return true
		case graphadapter.KindTemporaryAccessPass:
			t, _ := m.TemporaryAccessPass()
			if t.IsUsable && (t.StartDateTime == nil || b.at().Before(t.StartDateTime.Add(time.Duration(t.LifetimeInMinutes)*time.Minute))) {
				return true
			}
		}
	}
	return false
}

// at is the time the plan is as of: the audit's (Options.Audit.At, by
// default the snapshot's capturedAt), so that a pass the audit counts as
// active the plan does too.
func (b *builder) at() time.Time {
	if !b.opts.Audit.At.IsZero() {
		return b.opts.Audit.At
	}
	return b.s.CapturedAt
}

// profile describes what a set of profiles admits, in plain words.
func (b *builder) profile(sps []passkey.ScopedProfile) Profile {
	out := Profile{Names: []string{}, Authenticators: []string{}, Tier: "none", AdmitsNothing: true, DeviceBoundOnly: true}
	if len(sps) == 0 {
		out.Plain = "No passkey rules apply: these users cannot register a passkey."
		return out
	}
	lowest := assurance.LevelNone
	first := true
	synced, security, platform := false, []string{}, []string{}
	anyDevice := false
	for _, sp := range sps {
		if sp.Profile.Name != "" {
			out.Names = append(out.Names, sp.Profile.Name)
		}
		a := sp.Profile.AssuranceWith(b.opts.Audit.Models)
		if a.Lowest == assurance.LevelNone && a.Highest == assurance.LevelNone {
			continue
		}
		out.AdmitsNothing = false
		if first || a.Lowest < lowest {
			lowest = a.Lowest
		}
		first = false
		types := sp.Profile.PasskeyTypes
		if types.Allows(passkey.Synced) && sp.Profile.AttestationEnforcement != passkey.AttestationAtRegistration {
			synced = true
			out.DeviceBoundOnly = false
		}
		kr := sp.Profile.KeyRestrictions
		if kr != nil && kr.IsEnforced != nil && *kr.IsEnforced && kr.EnforcementType == passkey.EnforceAllow {
			for _, s := range kr.AAGUIDs {
				id, err := catalog.ParseAAGUID(s)
				if err != nil {
					continue
				}
				e, ok := catalog.Lookup(id)
				if !ok {
					continue
				}
				switch e.Kind {
				case catalog.KindSecurityKey:
					security = appendNew(security, e.Name)
				case catalog.KindPlatform:
					platform = appendNew(platform, e.Name)
				case catalog.KindSyncedProvider:
					if types.Allows(passkey.Synced) {
						synced = true
						out.DeviceBoundOnly = false
					}
				}
			}
		} else if types.Allows(passkey.DeviceBound) {
			anyDevice = true
		}
	}
	if out.AdmitsNothing {
		out.Plain = fmt.Sprintf("The rules %s admit no passkey at all: nobody they apply to can register one.", quoted(out.Names))
		out.DeviceBoundOnly = false
		return out
	}
	out.Tier = lowest.String()
	if synced {
		out.Authenticators = append(out.Authenticators, syncedNames...)
	}
	out.Authenticators = append(out.Authenticators, platform...)
	out.Authenticators = append(out.Authenticators, security...)
	if anyDevice {
		out.Authenticators = append(out.Authenticators, "any security key", "the unlock built into a computer or phone")
	}
	var what string
	switch {
	case synced && anyDevice:
		what = "passkeys saved in a password manager that syncs them between devices (" + strings.Join(syncedNames, ", ") + ") as well as any security key or a computer's own unlock"
	case synced:
		what = "passkeys saved in a password manager that syncs them between devices (" + strings.Join(syncedNames, ", ") + ")"
	case len(security)+len(platform) > 0:
		what = "only passkeys that stay on one device, of the approved models (" + strings.Join(append(slices.Clone(security), platform...), ", ") + "), checked when they are registered"
	default:
		what = "only passkeys that stay on one device: any security key or a computer's own unlock"
	}
	out.Plain = fmt.Sprintf("%s admit %s. The weakest passkey they admit reaches %s.", quoted(out.Names), what, out.Tier)
	return out
}

// syncedNames are the synced providers the messages name, from the
// catalog, when a profile admits synced passkeys without an allow list.
var syncedNames = []string{"Apple Passwords", "Google Password Manager", "Microsoft Password Manager"}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func quoted(names []string) string {
	if len(names) == 0 {
		return "the default rules"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, " and ")
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// waves orders the rollout: a pilot from the readiest workforce segment,
// the workforce, and privileged accounts first when nothing blocks them,
// last otherwise.
func (b *builder) waves() {
	var workforce, privileged []*segment
	for _, sg := range b.segs {
		if sg.Privileged {
			privileged = append(privileged, sg)
		} else {
			workforce = append(workforce, sg)
		}
	}
	privGates := b.gates(privileged)
	var waves []Wave
	if len(privileged) > 0 && len(privGates) == 0 {
		waves = append(waves, b.wave("Privileged accounts", privileged, 0, "Nothing in the audit blocks the privileged accounts, and they are the accounts an attacker wants most: they go first, each with a device-bound passkey."))
	}
	if len(workforce) > 0 {
		pilot := slices.MaxFunc(workforce, func(a, c *segment) int {
			return cmp.Or(cmp.Compare(share(a), share(c)), cmp.Compare(c.Name, a.Name))
		})
		n := max(min(pilot.Users/10, MaxPilot), MinPilot)
		n = min(n, pilot.Users-pilot.Blocked)
		w := b.wave("Pilot", []*segment{pilot}, n, fmt.Sprintf("%s is the readiest segment (%d%% already hold a passkey their rules admit): %s of it, none of them blocked by a finding, try the rollout first, so that the messages and the helpdesk runbooks are tested on a few people; they get the segment's messages at the pilot's start.", pilot.Name, int(share(pilot)*100), count(n, "user", "users")))
		// The pilot takes users no finding blocks, the ready and those who
		// can register first: only what blocks everyone gates it, and the
		// pass policy when it reaches people who need a pass.
		want := map[string]bool{}
		for _, f := range b.tenantBlock {
			want[f.ID] = true
		}
		w.Gates = b.inReportOrder(want, n > pilot.Ready+pilot.CanRegister)
		w.Fixes = b.fixes(w.Gates)
		waves = append(waves, w)
		b.p.Assumptions = append(b.p.Assumptions, fmt.Sprintf("The pilot is %s of %s: a tenth of the segment, at least %d and at most %d.", count(n, "user", "users"), pilot.Name, MinPilot, MaxPilot))
		waves = append(waves, b.wave("Workforce", workforce, 0, "Everyone else without a privileged role, once the pilot has shown the messages and the runbooks work."))
		// The pilot's users are part of the workforce wave's segment:
		// the wave asks the rest.
		waves[len(waves)-1].Users -= n
	}
	if len(privileged) > 0 && len(privGates) > 0 {
		waves = append(waves, b.wave("Privileged accounts", privileged, 0, "The audit names findings that must be fixed first for the privileged accounts (the gates); they go last, once their rules admit only device-bound passkeys that reach AAL3."))
	}
	// A gate's fix is spelled out at the first wave it gates.
	seen := map[string]bool{}
	for i := range waves {
		waves[i].Fixes = slices.DeleteFunc(waves[i].Fixes, func(f GateFix) bool { return seen[f.Finding] })
		for _, id := range waves[i].Gates {
			seen[id] = true
		}
	}
	for i := range waves {
		start := b.start.AddDate(0, 0, i*b.waveDays)
		waves[i].Start = day(start)
		waves[i].End = day(start.AddDate(0, 0, b.waveDays-1))
	}
	b.p.Waves = waves
}

func share(sg *segment) float64 {
	if sg.Users == 0 {
		return 0
	}
	return float64(sg.Ready) / float64(sg.Users)
}

func (b *builder) wave(name string, segs []*segment, users int, why string) Wave {
	w := Wave{Name: name, Why: why, Segments: []string{}, Gates: b.gates(segs), Fixes: []GateFix{}}
	for _, sg := range segs {
		w.Segments = append(w.Segments, sg.Name)
		if users == 0 {
			w.Users += sg.Users
		}
	}
	if users > 0 {
		w.Users = users
	}
	w.Fixes = b.fixes(w.Gates)
	return w
}

// fixes are the audit's fixes of the gates.
func (b *builder) fixes(gates []string) []GateFix {
	out := []GateFix{}
	for _, id := range gates {
		for _, f := range b.r.Findings {
			if f.ID == id {
				reqs := f.Remediation.GraphRequests
				if reqs == nil {
					reqs = []readiness.GraphRequest{}
				}
				out = append(out, GateFix{Finding: f.ID, Title: f.Title, Description: f.Remediation.Description, GraphRequests: reqs})
			}
		}
	}
	return out
}

// gates are the findings that block users of segs, and the tenant-wide
// ones, in report order; KT-TAP-001 too when some of them need a pass.
func (b *builder) gates(segs []*segment) []string {
	want := map[string]bool{}
	needPass := false
	for _, sg := range segs {
		for id := range sg.gates {
			want[id] = true
		}
		needPass = needPass || sg.NeedPass > 0
	}
	for _, f := range b.tenantBlock {
		want[f.ID] = true
	}
	return b.inReportOrder(want, needPass)
}

// inReportOrder lists the findings in want, and KT-TAP-001 when a pass is
// needed, in the report's order.
func (b *builder) inReportOrder(want map[string]bool, needPass bool) []string {
	out := []string{}
	for _, f := range b.r.Findings {
		if want[f.ID] || (f.Check == "KT-TAP-001" && needPass) {
			out = append(out, f.ID)
		}
	}
	return out
}
