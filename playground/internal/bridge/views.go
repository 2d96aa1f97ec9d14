package bridge

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/readiness"
	"github.com/keytier/keytier/tap"
)

// FindingView is a readiness finding as the page lists it.
type FindingView struct {
	ID       string   `json:"id"`
	Check    string   `json:"check"`
	Severity string   `json:"severity"`
	Title    string   `json:"title"`
	EIDSCA   []string `json:"eidsca"`
	Admin    string   `json:"admin"`
	Plain    string   `json:"plain"`
	// Users are the first userPrincipalNames the finding is about;
	// UserCount is how many there are.
	Users       []string `json:"users"`
	UserCount   int      `json:"userCount"`
	Groups      []string `json:"groups"`
	Remediation string   `json:"remediation"`
	// Requests are the Graph calls that apply the fix, in order.
	Requests []readiness.GraphRequest `json:"graphRequests"`
	// Order is the finding's place in the report, from 1: the order in
	// which its fixes are sent, so that each builds on the ones before
	// (readiness composes them in that order).
	Order int `json:"order"`
	// After are the ids of the earlier findings whose fixes this one
	// builds on (readiness.Remediation.After): send it after them.
	After []string `json:"after"`
	// Partial: the calls, all sent, fix only part of the finding.
	Partial bool `json:"partial"`
	// Prerequisites are the first steps a person must take for a user
	// before the calls are sent (readiness.Remediation.Prerequisites);
	// PrerequisiteCount is how many there are.
	Prerequisites     []readiness.Prerequisite `json:"prerequisites"`
	PrerequisiteCount int                      `json:"prerequisiteCount"`
}

// findingView is f, the order-th finding of its report (from 1; 0 for a
// finding outside a report's order).
func findingView(f readiness.Finding, order int) FindingView {
	r := f.Remediation
	v := FindingView{ID: f.ID, Check: f.Check, Severity: string(f.Severity), Title: f.Title,
		EIDSCA: append([]string{}, f.EIDSCA...), Admin: f.Admin, Plain: f.Plain,
		Users: append([]string{}, f.Users[:min(len(f.Users), maxFindingUsers)]...), UserCount: len(f.Users),
		Groups: append([]string{}, f.Groups...), Remediation: r.Description, Requests: r.Requests(),
		Order: order, After: append([]string{}, r.After...), Partial: r.Partial,
		Prerequisites:     append([]readiness.Prerequisite{}, r.Prerequisites[:min(len(r.Prerequisites), maxFindingUsers)]...),
		PrerequisiteCount: len(r.Prerequisites)}
	if v.Requests == nil {
		v.Requests = []readiness.GraphRequest{}
	}
	return v
}

// TAPView is a Temporary Access Pass policy and what its settings mean.
type TAPView struct {
	Valid                    bool         `json:"valid"`
	State                    string       `json:"state,omitempty"`
	DefaultLength            int          `json:"defaultLength,omitempty"`
	EntropyBits              float64      `json:"entropyBits,omitempty"`
	MinimumLifetimeInMinutes int          `json:"minimumLifetimeInMinutes,omitempty"`
	MaximumLifetimeInMinutes int          `json:"maximumLifetimeInMinutes,omitempty"`
	DefaultLifetimeInMinutes int          `json:"defaultLifetimeInMinutes,omitempty"`
	IsUsableOnce             bool         `json:"isUsableOnce"`
	IncludeTargets           []TargetView `json:"includeTargets"`
	ExcludeTargets           []TargetView `json:"excludeTargets"`
	// Settings explain each setting in words, in the order above.
	Settings []Setting     `json:"settings"`
	Findings []FindingView `json:"findings"`
}

// Setting is one policy setting and what it means.
type Setting struct {
	Name    string `json:"name"`  // Graph's member name(s)
	Value   string `json:"value"` // as people read it
	Meaning string `json:"meaning"`
}

// buildTAPView parses a Temporary Access Pass policy (tap.ParsePolicy) and
// explains it. names names groups, or is nil.
func buildTAPView(data []byte, names groupNamer) (TAPView, *InputError) {
	v := TAPView{IncludeTargets: []TargetView{}, ExcludeTargets: []TargetView{}, Settings: []Setting{}, Findings: []FindingView{}}
	p, err := tap.ParsePolicy(data)
	if err != nil {
		ie := &InputError{Code: CodePolicyInvalid, Message: err.Error()}
		var pe *tap.PolicyError
		if errors.As(err, &pe) {
			ie.Where, ie.Message = pe.Field, pe.Reason
			if ie.Message == "" {
				ie.Message = err.Error()
			}
		}
		return v, ie
	}
	v.Valid = true
	v.State = string(p.State)
	v.DefaultLength = p.DefaultLength
	v.EntropyBits = tap.EntropyBits(p.DefaultLength)
	v.MinimumLifetimeInMinutes = p.MinimumLifetimeInMinutes
	v.MaximumLifetimeInMinutes = p.MaximumLifetimeInMinutes
	v.DefaultLifetimeInMinutes = p.DefaultLifetimeInMinutes
	v.IsUsableOnce = p.IsUsableOnce
	name := func(id string) string {
		if names == nil {
			return ""
		}
		return names(id)
	}
	for i, t := range p.IncludeTargets {
		v.IncludeTargets = append(v.IncludeTargets, TargetView{Path: fmt.Sprintf("includeTargets.%d", i), TargetType: string(t.TargetType), ID: t.ID,
			Description: describeTAPTarget(t.TargetType, t.ID, name(t.ID)), IsRegistrationRequired: t.IsRegistrationRequired})
	}
	for i, t := range p.ExcludeTargets {
		v.ExcludeTargets = append(v.ExcludeTargets, TargetView{Path: fmt.Sprintf("excludeTargets.%d", i), TargetType: string(t.TargetType), ID: t.ID,
			Description: describeTAPTarget(t.TargetType, t.ID, name(t.ID))})
	}

	state := "Administrators cannot issue passes: no one can use a Temporary Access Pass."
	if p.State == tap.StateEnabled {
		state = "Administrators can issue passes to the users the include targets cover and the exclude targets do not."
	}
	v.Settings = append(v.Settings, Setting{Name: "state", Value: string(p.State), Meaning: state})
	lifetime := fmt.Sprintf("Every pass lives between %s and %s; one issued without a lifetime lives %s.",
		duration(p.MinimumLifetimeInMinutes), duration(p.MaximumLifetimeInMinutes), duration(p.DefaultLifetimeInMinutes))
	if limit := int(readiness.DefaultMaxTAPLifetime / time.Minute); p.MaximumLifetimeInMinutes > limit {
		lifetime += fmt.Sprintf(" A pass may outlive a working day (%s, Entra's default maximum): for that long it signs in like a password.", duration(limit))
	}
	v.Settings = append(v.Settings, Setting{Name: "minimumLifetimeInMinutes, maximumLifetimeInMinutes, defaultLifetimeInMinutes",
		Value:   fmt.Sprintf("%d, %d, %d minutes", p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes, p.DefaultLifetimeInMinutes),
		Meaning: lifetime})
	once := "A pass may be issued reusable: it signs in again and again until it expires. A pass only needs to work once, to register a passkey."
	if p.IsUsableOnce {
		once = "Every pass in the tenant works for one sign-in, which is all it takes to register a passkey."
	}
	v.Settings = append(v.Settings, Setting{Name: "isUsableOnce", Value: fmt.Sprint(p.IsUsableOnce), Meaning: once})
	v.Settings = append(v.Settings, Setting{Name: "defaultLength", Value: fmt.Sprintf("%d characters", p.DefaultLength),
		Meaning: fmt.Sprintf("About %.0f bits of entropy, counting %.2f bits per character (the %d-character alphabet of keytier's tap package, tap.EntropyBits).",
			v.EntropyBits, tap.BitsPerChar, len(tap.Alphabet))})
	return v, nil
}

func describeTAPTarget(tt tap.TargetType, id, name string) string {
	switch {
	case id == tap.AllUsers:
		return "all users"
	case tt == tap.TargetUser:
		return "user " + id
	case name != "":
		return fmt.Sprintf("group %s (%s)", name, id)
	}
	return "group " + id
}

// duration writes minutes as people say them.
func duration(m int) string {
	switch {
	case m >= 24*60 && m%(24*60) == 0:
		return plural(m/(24*60), "day")
	case m >= 60 && m%60 == 0:
		return plural(m/60, "hour")
	}
	return plural(m, "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// SnapshotView is a tenant snapshot: who is in it, how ready it is for
// passkeys (readiness.Run), and its method policies.
type SnapshotView struct {
	TenantID        string            `json:"tenantId"`
	TenantName      string            `json:"tenantName"`
	CapturedAt      time.Time         `json:"capturedAt"`
	Users           int               `json:"users"`
	Groups          int               `json:"groups"`
	RoleAssignments int               `json:"roleAssignments"`
	Summary         readiness.Summary `json:"summary"`
	Findings        []FindingView     `json:"findings"`
	Warnings        []string          `json:"warnings"`
	Policy          *PolicyView       `json:"policy,omitempty"`
	TAP             *TAPView          `json:"tap,omitempty"`
	// Directory lists the users for the what-if panel, at most
	// maxWhatIfUsers; DirectoryTruncated says when there are more.
	Directory          []UserOption `json:"directory"`
	DirectoryTruncated bool         `json:"directoryTruncated"`
}

// UserOption is a user the what-if panel offers.
type UserOption struct {
	ID          string   `json:"id"`
	UPN         string   `json:"upn"`
	DisplayName string   `json:"displayName,omitempty"`
	Privileged  []string `json:"privileged,omitempty"` // privileged role names
}

// buildSnapshotView loads a snapshot (graphadapter.Load) and audits it;
// it returns the audit too, which the rollout plan builds on.
func buildSnapshotView(data []byte) (SnapshotView, *graphadapter.Snapshot, readiness.Report, *InputError) {
	var v SnapshotView
	s, err := graphadapter.Load(data)
	if err != nil {
		ie := &InputError{Code: CodeSnapshot, Message: err.Error()}
		var ge *graphadapter.Error
		if errors.As(err, &ge) {
			ie.Message = ge.Reason
			switch {
			case ge.Path != "":
				ie.Where = ge.Path
			case ge.Offset >= 0:
				ie.Where = fmt.Sprintf("byte %d", ge.Offset)
			}
			if ge.Err != nil && !strings.Contains(ie.Message, ge.Err.Error()) {
				ie.Message += ": " + ge.Err.Error()
			}
		}
		return v, nil, readiness.Report{}, ie
	}
	r := readiness.Run(s, readiness.Options{})
	v = SnapshotView{TenantID: s.Tenant.ID, TenantName: s.Tenant.DisplayName, CapturedAt: s.CapturedAt,
		Users: len(s.Users), Groups: len(s.Groups), RoleAssignments: len(s.RoleAssignments),
		Summary: r.Summary, Findings: []FindingView{}, Warnings: []string{}, Directory: []UserOption{}}
	for i, f := range r.Findings {
		v.Findings = append(v.Findings, findingView(f, i+1))
	}
	for _, w := range s.Warnings() {
		v.Warnings = append(v.Warnings, fmt.Sprint(w))
	}
	names := func(id string) string {
		if g, ok := s.GroupByID(id); ok {
			return g.DisplayName
		}
		return ""
	}
	if c, ok := s.AuthenticationMethodsPolicy.MethodConfiguration("Fido2"); ok {
		pv, _ := buildPolicyView(c.Raw, names)
		v.Policy = &pv
	}
	if c, ok := s.AuthenticationMethodsPolicy.MethodConfiguration(tap.PolicyID); ok {
		if tv, err := buildTAPView(c.Raw, names); err == nil {
			v.TAP = &tv
		}
	}
	for i := range s.Users {
		if i == maxWhatIfUsers {
			v.DirectoryTruncated = true
			break
		}
		u := &s.Users[i]
		o := UserOption{ID: u.ID, UPN: u.UserPrincipalName, DisplayName: u.DisplayName}
		for _, r := range s.PrivilegedRolesOf(u.ID) {
			o.Privileged = append(o.Privileged, r.Name)
		}
		v.Directory = append(v.Directory, o)
	}
	slices.SortStableFunc(v.Directory, func(a, b UserOption) int { return strings.Compare(a.UPN, b.UPN) })
	return v, s, r, nil
}
