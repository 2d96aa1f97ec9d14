package readiness

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey"
)

// Severity says how urgently a finding needs attention.
type Severity string

// Severities, most urgent first.
const (
	// Critical: an attacker can take over a privileged account, or nobody
	// can register a passkey at all.
	SeverityCritical Severity = "critical"
	// High: a control the rollout depends on is missing or bypassed.
	SeverityHigh Severity = "high"
	// Medium: the rollout works but leaves a weaker path open.
	SeverityMedium Severity = "medium"
	// Low: hygiene; fix when convenient.
	SeverityLow Severity = "low"
	// Info: worth knowing, nothing to fix.
	SeverityInfo Severity = "info"
)

// Rank orders severities: 0 for critical up to 4 for info, 5 for a value
// that is not a Severity.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 0
	case SeverityHigh:
		return 1
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 3
	case SeverityInfo:
		return 4
	}
	return 5
}

// Finding is one problem a check found, with exactly the users and groups it
// is about and the fix.
type Finding struct {
	// ID identifies the finding within a report and across reports of the
	// same tenant: the check id, then "/" and the id of the object the
	// finding is about (a policy, a method configuration) when a check can
	// find the same problem in several objects.
	ID string `json:"id"`
	// Check is the stable id of the check that found it (Checks).
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	// EIDSCA lists the Maester checks this one corresponds to
	// ("EIDSCA.AF03", "MT.1067"); empty when Maester has none.
	EIDSCA []string `json:"eidsca"`
	// Users are the userPrincipalNames the finding is about, sorted.
	Users []string `json:"users"`
	// Groups are the displayNames of the groups the finding is about (a
	// group's id when the group does not exist), sorted.
	Groups []string `json:"groups"`
	// Admin explains the finding to an identity administrator; Plain to
	// the people it affects, without jargon.
	Admin       string      `json:"admin"`
	Plain       string      `json:"plain"`
	Remediation Remediation `json:"remediation"`
}

// Remediation says how to fix a finding.
type Remediation struct {
	Description string `json:"description"`
	// GraphRequest is the first Microsoft Graph call of the fix: for a
	// policy, the PATCH with its new members. Nil when the fix needs a
	// decision only an administrator can take (which group to create, which
	// account to split), which Description then spells out, or when
	// keytier cannot show that the calls it could write fix the finding
	// without changing what else the tenant enforces.
	GraphRequest *GraphRequest `json:"graphRequest"`
	// GraphRequests is every call of the fix, in the order to send them;
	// GraphRequest is its first element. A fix takes several calls when it
	// changes several objects or when Graph limits one call: adding members
	// to a group takes one PATCH per MaxMembersPerRequest members. Empty,
	// never null, when GraphRequest is nil. It was added to the JSON
	// contract beside graphRequest, which keeps its name and meaning.
	GraphRequests []GraphRequest `json:"graphRequests"`
	// Partial is true when the calls, all sent, fix only part of the
	// finding: a new audit still reports it, about the users Description
	// names as left. False when the calls fix all of it, and when there
	// are none.
	Partial bool `json:"partial"`
	// Prerequisites are what must be done for a user before the calls are
	// sent, because the calls would otherwise leave that user without a
	// way to sign in: a Temporary Access Pass to hand over in person, a
	// device-bound passkey to register. In userPrincipalName order; empty,
	// never null, when there are none.
	Prerequisites []Prerequisite `json:"prerequisites"`
	// After lists the ids of the findings, earlier in the report, whose
	// fixes this one builds on: its PATCH bodies carry what they changed in
	// the same members, it leaves out what they already do, and its Bind
	// may name their calls. Send it after them; sending every fix of a
	// report in the report's order composes (see compose). Empty, never
	// null, when the fix stands alone.
	After []string `json:"after"`
}

// Prerequisite is one step a person must take for one user before a fix's
// calls are sent.
type Prerequisite struct {
	// User is the userPrincipalName.
	User string `json:"user"`
	// Step is what to do: StepIssueTAP or StepRegisterDeviceBoundPasskey.
	Step string `json:"step"`
	// Reason says why the calls need it first.
	Reason string `json:"reason"`
}

// Prerequisite steps.
const (
	// StepIssueTAP: issue the user a one-time Temporary Access Pass (POST
	// /users/{id}/authentication/temporaryAccessPassMethods with
	// isUsableOnce true) and hand it over after verifying who they are.
	// keytier writes no such call: the response carries the pass, which
	// belongs with the person who hands it over, not in a script's output.
	StepIssueTAP = "issueTemporaryAccessPass"
	// StepRegisterDeviceBoundPasskey: the user registers a device-bound,
	// attested passkey that their passkey profile admits.
	StepRegisterDeviceBoundPasskey = "registerDeviceBoundPasskey"
)

// Requests returns the fix's calls: GraphRequests, or GraphRequest alone
// in a Remediation built without GraphRequests (Run fills both).
func (r Remediation) Requests() []GraphRequest {
	if len(r.GraphRequests) == 0 && r.GraphRequest != nil {
		return []GraphRequest{*r.GraphRequest}
	}
	return r.GraphRequests
}

// setRequests makes reqs (nil entries skipped) the fix's calls.
func (r *Remediation) setRequests(reqs ...*GraphRequest) {
	r.GraphRequest, r.GraphRequests = nil, nil
	for _, g := range reqs {
		if g != nil {
			r.GraphRequests = append(r.GraphRequests, *g)
		}
	}
	r.normalize()
}

// normalize keeps GraphRequest and GraphRequests in step for checks that
// set only GraphRequest, and makes GraphRequests an array in JSON.
func (r *Remediation) normalize() {
	switch {
	case len(r.GraphRequests) > 0:
		r.GraphRequest = &r.GraphRequests[0]
	case r.GraphRequest != nil:
		r.GraphRequests = []GraphRequest{*r.GraphRequest}
		r.GraphRequest = &r.GraphRequests[0]
	default:
		r.GraphRequests = []GraphRequest{}
	}
	if r.Prerequisites == nil {
		r.Prerequisites = []Prerequisite{}
	}
	if r.After == nil {
		r.After = []string{}
	}
	sort.SliceStable(r.Prerequisites, func(i, j int) bool { return r.Prerequisites[i].User < r.Prerequisites[j].User })
	if len(r.GraphRequests) == 0 {
		r.Partial = false
	}
}

// GraphRequest is one Microsoft Graph call.
type GraphRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	// Body is the JSON request body; nil for a call without one (DELETE).
	Body json.RawMessage `json:"body"`
	// Bind lists the members of Body whose value Graph assigns when an
	// earlier call of the same fix creates an object: the id of a new
	// authentication strength, which Graph generates ("id: system-generated
	// identifier", learn.microsoft.com/graph/api/resources/
	// authenticationstrengthpolicy) and a Conditional Access grant then
	// names. Body holds a placeholder string there; copy the value in
	// before sending. Omitted when empty.
	Bind []Binding `json:"bind,omitempty"`
}

// Binding takes one value of Body from the response of an earlier call.
type Binding struct {
	// Pointer is where the value goes in Body (an RFC 6901 JSON Pointer,
	// "/grantControls/authenticationStrength/id").
	Pointer string `json:"pointer"`
	// Request is the index, in Remediation.GraphRequests, of the call whose
	// response holds the value; always lower than this call's. With
	// Finding, it is the index in that finding's GraphRequests.
	Request int `json:"request"`
	// Finding, when set, is the id of an earlier finding of the report
	// whose call Request made the object: every KT-CA-001 fix needs the
	// same authentication strength, and only the first creates it.
	Finding string `json:"finding,omitempty"`
	// From is where the value is in that response (a JSON Pointer, "/id").
	From string `json:"from"`
}

// Report is the result of Run. Its JSON is the contract of
// `keytier audit --format json`; members tagged "-" are for Go callers and
// the human-readable formats.
type Report struct {
	Tenant     Tenant    `json:"tenant"`
	CapturedAt time.Time `json:"capturedAt"`
	Summary    Summary   `json:"summary"`
	// Findings are ordered by severity, then by the order of Checks, then
	// by ID.
	Findings []Finding `json:"findings"`
	// Passed lists the checks that ran and found nothing, in Checks order.
	Passed []string `json:"-"`
}

// Tenant names the audited tenant.
type Tenant struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// Summary holds the tenant's figures. Only enabled accounts count.
type Summary struct {
	Users int `json:"users"`
	// ByAAL counts users by the best assurance level any of their methods
	// reaches: keys "AAL3", "AAL2", "AAL1" and "none".
	ByAAL Tiers `json:"byAAL"`
	// NoPhishingResistantMethod counts users without any
	// phishing-resistant method (SP 800-63B-4 §3.2.5).
	NoPhishingResistantMethod int `json:"noPhishingResistantMethod"`
	// PasswordlessCoverage is the share of users, 0 to 1 rounded to four
	// places, holding a phishing-resistant passwordless method: a passkey,
	// Windows Hello for Business or a macOS platform credential.
	PasswordlessCoverage float64 `json:"passwordlessCoverage"`
	// Groups are the same figures per group, in snapshot order (JSON
	// summary.groups: an array, empty when the snapshot has no groups).
	Groups []GroupSummary `json:"groups"`
}

// GroupSummary holds one group's figures, over its enabled members as for
// the tenant.
type GroupSummary struct {
	ID                        string  `json:"id"`
	DisplayName               string  `json:"displayName"`
	Users                     int     `json:"users"`
	ByAAL                     Tiers   `json:"byAAL"`
	NoPhishingResistantMethod int     `json:"noPhishingResistantMethod"`
	PasswordlessCoverage      float64 `json:"passwordlessCoverage"`
}

// Tiers counts users per assurance level.
type Tiers struct {
	AAL3 int `json:"AAL3"`
	AAL2 int `json:"AAL2"`
	AAL1 int `json:"AAL1"`
	None int `json:"none"`
}

func (t *Tiers) add(l assurance.Level) {
	switch l {
	case assurance.AAL3:
		t.AAL3++
	case assurance.AAL2:
		t.AAL2++
	case assurance.AAL1:
		t.AAL1++
	default:
		t.None++
	}
}

// Options tunes Run. The zero value is useful.
type Options struct {
	// At is the time the audit is as of: whether a Temporary Access Pass is
	// still active is decided at At. Zero means the snapshot's capturedAt.
	At time.Time

	// BreakGlass lists the userPrincipalNames of the tenant's emergency
	// access accounts. Nil means keytier identifies them by its rule (see
	// isBreakGlass); an empty, non-nil list means the tenant has none.
	BreakGlass []string

	// MaxTAPLifetime is the longest lifetime of a Temporary Access Pass
	// readiness accepts, in the policy's maximumLifetimeInMinutes and in the
	// passes users hold. Zero means DefaultMaxTAPLifetime.
	MaxTAPLifetime time.Duration

	// Models is where the audit looks up an authenticator model's key
	// protection: for each registered passkey's level and for the floor of
	// each passkey profile (passkey.PasskeyProfile.AssuranceWith), so that
	// the audit and `keytier policy check` with the same FIDO metadata say
	// the same. The zero value is the embedded catalog and no FIDO
	// metadata, under which a platform authenticator's key protection (a
	// Windows Hello or Android model) stays unknown.
	Models passkey.Models
}

// DefaultMaxTAPLifetime is 8 hours, Entra's default maximumLifetimeInMinutes
// (480; learn.microsoft.com/entra/identity/authentication/
// howto-authentication-temporary-access-pass, "Enable the Temporary Access
// Pass policy"): one working day to register a passkey.
const DefaultMaxTAPLifetime = 8 * time.Hour
