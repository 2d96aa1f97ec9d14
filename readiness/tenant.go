package readiness

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/tap"
)

// Graph ids of the method configurations readiness reads
// (learn.microsoft.com/graph/api/resources/authenticationmethodconfiguration).
const (
	configFIDO2 = "Fido2"
	configTAP   = "TemporaryAccessPass"
	configSMS   = "Sms"
	configVoice = "Voice"
	configEmail = "Email"
)

const roleGlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10"

// graphBase is Microsoft Graph v1.0, where passkey profiles are served.
const graphBase = "https://graph.microsoft.com/v1.0"

// env is one audit's view of the tenant, computed once and read by every
// check.
type env struct {
	s     *graphadapter.Snapshot
	opts  Options
	at    time.Time
	maxTP time.Duration

	users []*person // enabled users, in snapshot order
	byID  map[string]*person

	fido2     *passkey.FIDO2Policy // nil: no readable Fido2 configuration
	fido2Conf *graphadapter.MethodConfiguration
	// fido2Problems are what reading and validating the Fido2
	// configuration found (KT-FIDO2-000), errors and warnings in document
	// order; a configuration that could not be read has one error and a
	// nil fido2.
	fido2Problems []*passkey.PolicyError
	tapPolicy     *tap.Policy // nil: no readable TemporaryAccessPass configuration
	tapConf       *graphadapter.MethodConfiguration
	targets       map[string]methodTargets // by configuration id
	breakGlass    []*person
	strengths     map[string][]string // authentication strength id → allowedCombinations
	// floors holds floor's answer for the tenant's own profiles, which
	// every privileged user's scope asks about again.
	floors []cachedFloor
	// cls classifies registered methods; the privileged rule reads it for
	// the passkeys users hold.
	cls *classifier
}

type cachedFloor struct {
	pp passkey.PasskeyProfile
	fl privilegedFloor
}

// person is an enabled user with what the checks ask about them.
type person struct {
	u            *graphadapter.User
	groupIDs     []string
	roleIDs      []string // every role template id, for Conditional Access includeRoles
	privileged   []graphadapter.Role
	best         assurance.Level
	phishRes     bool // holds a phishing-resistant method
	passwordless bool
	passkeys     []heldPasskey
	// modes are the authenticationMethodModes the user's registered methods
	// can satisfy, for authentication strengths.
	modes []string
	taps  []tapHeld
}

type heldPasskey struct {
	id    string
	facts passkey.CredentialFacts
}

type tapHeld struct {
	id string
	m  graphadapter.TemporaryAccessPassMethod
}

func (p *person) upn() string { return p.u.UserPrincipalName }

func (p *person) inGroup(id string) bool { return slices.Contains(p.groupIDs, id) }

func (p *person) subject() passkey.Subject {
	return passkey.Subject{UserID: p.u.ID, GroupIDs: p.groupIDs, RoleTemplateIDs: p.roleIDs}
}

// methodTargets are a method configuration's include and exclude targets,
// read generically (every configuration type has them).
type methodTargets struct {
	Include []target `json:"includeTargets"`
	Exclude []target `json:"excludeTargets"`
}

type target struct {
	ID         string `json:"id"`
	TargetType string `json:"targetType"`
}

// appliesTo reports whether an enabled method configuration with these
// targets lets p use the method: included (all_users, a group of p, or p)
// and not excluded, exclusion winning as in every Entra authentication
// method policy (learn.microsoft.com/entra/identity/authentication/
// concept-authentication-methods-manage).
func (t methodTargets) appliesTo(p *person) bool {
	match := func(x target) bool {
		return x.ID == passkey.AllUsers || x.ID == p.u.ID || p.inGroup(x.ID)
	}
	if slices.ContainsFunc(t.Exclude, match) {
		return false
	}
	return slices.ContainsFunc(t.Include, match)
}

func newEnv(s *graphadapter.Snapshot, opts Options) *env {
	e := &env{s: s, opts: opts, at: opts.At, maxTP: opts.MaxTAPLifetime,
		byID: make(map[string]*person, len(s.Users)), targets: map[string]methodTargets{}}
	if e.at.IsZero() {
		e.at = s.CapturedAt
	}
	if e.maxTP <= 0 {
		e.maxTP = DefaultMaxTAPLifetime
	}
	if p := s.AuthenticationMethodsPolicy; p != nil {
		for i := range p.MethodConfigurations {
			c := &p.MethodConfigurations[i]
			var t methodTargets
			if json.Unmarshal(c.Raw, &t) == nil {
				e.targets[c.ID] = t
			}
		}
		if c, ok := p.MethodConfiguration(configFIDO2); ok {
			e.fido2Conf = c
			e.fido2, e.fido2Problems = readFIDO2(c.Raw)
		}
		if c, ok := p.MethodConfiguration(configTAP); ok {
			e.tapConf = c
			var tp tap.Policy
			if tp.UnmarshalJSON(c.Raw) == nil {
				e.tapPolicy = &tp
			}
		}
	}
	e.strengths = builtInStrengths()
	for _, sp := range s.AuthenticationStrengthPolicies {
		e.strengths[sp.ID] = sp.AllowedCombinations
	}

	c := newClassifier(opts.Models)
	e.cls = c
	for i := range s.Users {
		u := &s.Users[i]
		if !u.Enabled() {
			continue
		}
		p := &person{u: u}
		for _, g := range s.GroupsOf(u.ID) {
			p.groupIDs = append(p.groupIDs, g.ID)
		}
		for _, ra := range s.RolesOf(u.ID) {
			p.roleIDs = append(p.roleIDs, ra.RoleDefinitionID)
		}
		p.privileged = s.PrivilegedRolesOf(u.ID)
		c.classify(p, e.at)
		e.users = append(e.users, p)
		e.byID[u.ID] = p
	}
	e.breakGlass = e.findBreakGlass()
	return e
}

// readFIDO2 reads the FIDO2 configuration strictly (member names, types,
// duplicates, limits) and validates it apart, so that a policy that does
// not validate is still audited by every other check while KT-FIDO2-000
// reports each of its problems. When it cannot be read at all, the policy
// is nil and the one problem says why.
func readFIDO2(raw []byte) (*passkey.FIDO2Policy, []*passkey.PolicyError) {
	var p passkey.FIDO2Policy
	if err := p.UnmarshalJSON(raw); err != nil {
		var pe *passkey.PolicyError
		if !errors.As(err, &pe) {
			pe = &passkey.PolicyError{Reason: err.Error()}
		}
		return nil, []*passkey.PolicyError{pe}
	}
	return &p, p.Validate()
}

// missingGroup reports whether a method policy target names a group the
// snapshot does not hold (MT.1067): not all_users, not a user target, and
// not the id of a user either (older tenants target users).
func (e *env) missingGroup(t target) bool {
	if t.ID == "" || t.ID == passkey.AllUsers || t.TargetType == "user" {
		return false
	}
	if _, ok := e.s.GroupByID(t.ID); ok {
		return false
	}
	_, isUser := e.s.UserByID(t.ID)
	return !isUser
}

// privileged returns the enabled privileged users, in snapshot order.
func (e *env) privileged() []*person {
	var out []*person
	for _, p := range e.users {
		if len(p.privileged) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// fido2Enabled reports whether the passkey method is on.
func (e *env) fido2Enabled() bool {
	return e.fido2 != nil && e.fido2.State == passkey.PolicyEnabled
}

// configEnabledFor reports whether the method configuration id is enabled
// and applies to p.
func (e *env) configEnabledFor(id string, p *person) bool {
	c, ok := e.s.AuthenticationMethodsPolicy.MethodConfiguration(id)
	if !ok || c.State != "enabled" {
		return false
	}
	return e.targets[id].appliesTo(p)
}

// groupName returns a group's displayName, or its id when the snapshot has
// no such group or it has no name.
func (e *env) groupName(id string) string {
	if g, ok := e.s.GroupByID(id); ok && g.DisplayName != "" {
		return g.DisplayName
	}
	return id
}

// isBreakGlass is the rule that identifies emergency access accounts when
// Options.BreakGlass is nil. Microsoft's guidance: emergency access accounts
// hold Global Administrator permanently and are excluded from Conditional
// Access so that a misconfigured policy cannot lock everyone out
// (learn.microsoft.com/entra/identity/role-based-access-control/
// security-emergency-access). So an enabled Global Administrator is one when
//
//   - its userPrincipalName or displayName follows a common naming
//     convention ("breakglass", "break-glass", "break glass", "emergency",
//     or a local part starting "bg-" or "bg_"), or
//   - at least one enabled Conditional Access policy would apply to it but
//     every such policy excludes it (by user or group).
func (e *env) isBreakGlass(p *person) bool {
	if !slices.Contains(p.roleIDs, roleGlobalAdministrator) {
		return false
	}
	local, _, _ := strings.Cut(strings.ToLower(p.u.UserPrincipalName), "@")
	name := strings.ToLower(p.u.DisplayName)
	for _, w := range []string{"breakglass", "break-glass", "break glass", "break_glass", "emergency"} {
		if strings.Contains(local, w) || strings.Contains(name, w) {
			return true
		}
	}
	if strings.HasPrefix(local, "bg-") || strings.HasPrefix(local, "bg_") {
		return true
	}
	included, excludedFromAll := 0, true
	for i := range e.s.ConditionalAccessPolicies {
		cap := &e.s.ConditionalAccessPolicies[i]
		if cap.State != "enabled" || !caIncludes(cap, p) {
			continue
		}
		included++
		if !caExcludes(cap, p) {
			excludedFromAll = false
		}
	}
	return included > 0 && excludedFromAll
}

func (e *env) findBreakGlass() []*person {
	if e.opts.BreakGlass != nil {
		var out []*person
		for _, upn := range e.opts.BreakGlass {
			if u, ok := e.s.UserByUPN(upn); ok {
				if p := e.byID[u.ID]; p != nil {
					out = append(out, p)
				}
			}
		}
		return out
	}
	var out []*person
	for _, p := range e.users {
		if e.isBreakGlass(p) {
			out = append(out, p)
		}
	}
	return out
}

// hasPasskeyType is a cheap test for Graph's newer passkeyType member, so
// that only records carrying it pay for passkey.ParseFIDO2Method.
func hasPasskeyType(raw []byte) bool { return bytes.Contains(raw, []byte(`"passkeyType"`)) }
