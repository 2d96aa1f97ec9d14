package readiness

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/tap"
)

func checkTAPEnabled(e *env, c *Check) []Finding {
	if e.tapPolicy != nil && e.tapPolicy.State == tap.StateEnabled {
		return nil
	}
	f := c.finding("")
	f.Title = "Temporary Access Pass is disabled"
	if e.tapConf == nil {
		f.Title = "The Temporary Access Pass method configuration is missing"
	}
	f.Admin = "The Temporary Access Pass method is not enabled: new hires cannot register a passkey without first getting a password and a phone method, and users who lose their passkey have no phishing-free way back in."
	f.Plain = "There is no one-time pass to set up your first passkey or to get back in after losing your device."
	f.Remediation = Remediation{
		Description:  "Enable Temporary Access Pass, one-time, for the onboarding and recovery groups (KT-TAP-002, KT-TAP-004).",
		GraphRequest: configPatch(configTAP, tap.PolicyODataType, map[string]any{"state": "enabled", "isUsableOnce": true}),
	}
	return []Finding{f}
}

func checkTAPOneTime(e *env, c *Check) []Finding {
	if e.tapPolicy == nil || e.tapPolicy.State != tap.StateEnabled || e.tapPolicy.IsUsableOnce {
		return nil
	}
	f := c.finding("")
	f.Title = "Temporary Access Passes may be reusable"
	f.Admin = "isUsableOnce is false: administrators may issue passes that sign in again and again for their whole lifetime. A pass only needs to work once, to register a passkey."
	f.Plain = "A temporary pass can be used more than once, so a pass someone overheard stays useful to them."
	f.Remediation = Remediation{
		Description:  "Require one-time passes tenant-wide. Reusable passes already issued stop working (\"Make sure the user doesn't have a TAP for multiple use while the policy requires a one-time TAP\").",
		GraphRequest: configPatch(configTAP, tap.PolicyODataType, map[string]any{"isUsableOnce": true}),
	}
	return []Finding{f}
}

func checkTAPLifetime(e *env, c *Check) []Finding {
	p := e.tapPolicy
	if p == nil || p.State != tap.StateEnabled {
		return nil
	}
	limit := int(e.maxTP / time.Minute)
	if p.MaximumLifetimeInMinutes <= limit && p.DefaultLifetimeInMinutes <= limit {
		return nil
	}
	f := c.finding("")
	f.Title = "Temporary Access Passes may live up to " + minutes(max(p.MaximumLifetimeInMinutes, p.DefaultLifetimeInMinutes))
	f.Admin = fmt.Sprintf("Passes may live up to %s (maximumLifetimeInMinutes %d, default %d); keytier accepts at most %s. A long-lived pass is a password by another name.",
		minutes(p.MaximumLifetimeInMinutes), p.MaximumLifetimeInMinutes, p.DefaultLifetimeInMinutes, minutes(limit))
	f.Plain = "Temporary passes can stay valid for days, long enough for someone else to use one."
	def, mn := min(p.DefaultLifetimeInMinutes, limit), min(p.MinimumLifetimeInMinutes, limit)
	f.Remediation = Remediation{
		Description:  fmt.Sprintf("Lower the maximum lifetime to %s (Entra's default is 8 hours).", minutes(limit)),
		GraphRequest: configPatch(configTAP, tap.PolicyODataType, map[string]any{"maximumLifetimeInMinutes": limit, "defaultLifetimeInMinutes": def, "minimumLifetimeInMinutes": mn}),
	}
	return []Finding{f}
}

func checkTAPTargeted(e *env, c *Check) []Finding {
	p := e.tapPolicy
	if p == nil || p.State != tap.StateEnabled || !slices.ContainsFunc(p.IncludeTargets, func(t tap.IncludeTarget) bool { return t.ID == tap.AllUsers }) {
		return nil
	}
	f := c.finding("")
	f.Title = "Temporary Access Pass is enabled for all users"
	f.Groups = []string{"all users"}
	f.Admin = "Temporary Access Pass includes all users. Anyone an administrator issues a pass to can sign in with it, including privileged accounts, which widens what a compromised helpdesk account can do."
	f.Plain = "Anyone in the organisation can be given a temporary pass."
	f.Remediation.Description = "Include the onboarding (new hire) and recovery groups instead of all_users; privileged accounts recover through a separate, audited process. keytier writes no request: no group is named like an onboarding group (new hire, onboarding, joiner) or holds every user with an active pass."
	g := e.tapOnboardingGroup()
	if g == nil {
		return []Finding{f}
	}
	inc := []json.RawMessage{}
	has := false
	for _, t := range p.IncludeTargets {
		if t.ID == tap.AllUsers || e.missingGroup(target{ID: t.ID, TargetType: string(t.TargetType)}) {
			continue
		}
		has = has || t.ID == g.ID
		inc = append(inc, marshalTarget(t))
	}
	if !has {
		inc = append(inc, marshalTarget(tap.IncludeTarget{ID: g.ID, TargetType: tap.TargetGroup}))
	}
	f.Groups = []string{g.DisplayName}
	f.Remediation = Remediation{
		Description:  fmt.Sprintf("Include %q, the onboarding group, instead of all_users, and add your recovery group when you have one; privileged accounts recover through a separate, audited process. Passes already issued to users outside the included groups stop working.", g.DisplayName),
		GraphRequest: configPatch(configTAP, tap.PolicyODataType, map[string]any{"includeTargets": inc}),
	}
	return []Finding{f}
}

// marshalTarget writes a target as Graph does, with the members keytier
// does not read.
func marshalTarget(v any) json.RawMessage {
	b, err := jsonv2.Marshal(v)
	if err != nil {
		// Only values read from the snapshot or built here reach here.
		panic("readiness: " + err.Error())
	}
	return b
}

// tapOnboardingGroup picks the group Temporary Access Pass should include
// instead of all users: the first group named like an onboarding group
// ("new hire", "onboarding", "joiner"), else the smallest group that holds
// every enabled user with an active pass and at most half the users. Nil
// when neither exists.
func (e *env) tapOnboardingGroup() *graphadapter.Group {
	for i := range e.s.Groups {
		if onboardingName(e.s.Groups[i].DisplayName) {
			return &e.s.Groups[i]
		}
	}
	var holders []*person
	for _, p := range e.users {
		if slices.ContainsFunc(p.taps, func(t tapHeld) bool { return tapActive(t.m, e.at) }) {
			holders = append(holders, p)
		}
	}
	if len(holders) == 0 {
		return nil
	}
	var best *graphadapter.Group
	for _, gid := range holders[0].groupIDs {
		g, ok := e.s.GroupByID(gid)
		if !ok || len(g.Members)*2 > len(e.users) || slices.ContainsFunc(holders, func(p *person) bool { return !p.inGroup(gid) }) {
			continue
		}
		if best == nil || len(g.Members) < len(best.Members) {
			best = g
		}
	}
	return best
}

// checkTAPLength reads defaultLength (EIDSCA.AT04, which gives no
// recommended value). Graph accepts 8 to 48 characters; keytier recommends
// Entra's default, 8: even drawn from digits alone that is log2(10^8) ≈ 26.6
// bits, above the 20 bits SP 800-63B-4 asks of secrets a verifier generates
// for one-time use (§3.1.2.1 look-up and §3.1.3.1 out-of-band secrets;
// §5.1.2.1 and §5.1.3.1 in rev. 3), and the pass is one-time and short-lived (KT-TAP-002,
// KT-TAP-003) while Entra's smart lockout throttles guessing. A value
// outside Graph's range is one Graph would refuse: the snapshot was edited,
// or written by a tool rather than read from Graph.
func checkTAPLength(e *env, c *Check) []Finding {
	p := e.tapPolicy
	if p == nil || p.State != tap.StateEnabled || (p.DefaultLength >= tap.MinLength && p.DefaultLength <= tap.MaxLength) {
		return nil
	}
	f := c.finding("")
	f.Title = fmt.Sprintf("Temporary Access Passes are %s long", count(p.DefaultLength, "character", "characters"))
	want := tap.MinLength
	if p.DefaultLength < tap.MinLength {
		f.Admin = fmt.Sprintf("defaultLength is %d, below the %d characters Graph requires (temporaryAccessPassAuthenticationMethodConfiguration: 8 to 48): a shorter pass is easier to guess during its lifetime, and Graph refuses the value, so this policy was not read from Graph as it is.", p.DefaultLength, tap.MinLength)
		f.Plain = "Temporary passes are short enough to be guessed."
	} else {
		f.Severity = SeverityLow
		f.Admin = fmt.Sprintf("defaultLength is %d, above the %d characters Graph accepts (temporaryAccessPassAuthenticationMethodConfiguration: 8 to 48): Graph refuses the value, so this policy was not read from Graph as it is, and a pass that long is hard to pass on correctly by phone or in person.", p.DefaultLength, tap.MaxLength)
		f.Plain = "Temporary passes are too long to type reliably."
	}
	f.Remediation = Remediation{
		Description:  fmt.Sprintf("Set defaultLength to %d, Entra's default: 8 characters already carry more guessing resistance than SP 800-63B asks of one-time secrets.", want),
		GraphRequest: configPatch(configTAP, tap.PolicyODataType, map[string]any{"defaultLength": want}),
	}
	return []Finding{f}
}

func checkActiveTAPs(e *env, c *Check) []Finding {
	limit := int(e.maxTP / time.Minute)
	var who []*person
	var last tapHeld
	for _, p := range e.users {
		for _, t := range p.taps {
			if tapActive(t.m, e.at) && (t.m.LifetimeInMinutes > limit || !t.m.IsUsableOnce) {
				who = append(who, p)
				last = t
				break
			}
		}
	}
	if len(who) == 0 {
		return nil
	}
	f := c.finding("")
	f.Users = upns(who)
	f.Title = fmt.Sprintf("%s %s an active pass that is reusable or lives longer than %s", count(len(who), "user", "users"), verb(len(who), "holds", "hold"), minutes(limit))
	f.Admin = fmt.Sprintf("%s %s an active pass that is reusable or lives longer than %s. Until it expires it signs in like a password and satisfies MFA.", count(len(who), "user", "users"), verb(len(who), "holds", "hold"), minutes(limit))
	f.Plain = "You have a temporary pass that still works for a long time. Once your passkey is set up, the pass should be removed."
	f.Remediation.Description = "Delete the passes of users who have registered a passkey (DELETE /users/{id}/authentication/temporaryAccessPassMethods/{id}); issue one-time, short passes instead."
	if len(who) == 1 {
		f.Remediation.GraphRequest = &GraphRequest{Method: "DELETE", URL: graphBase + "/users/" + who[0].u.ID + "/authentication/temporaryAccessPassMethods/" + last.id}
		if len(e.strandedWithout(who, configTAP)) > 0 {
			// The pass is their only second factor: deleting it first
			// locks them out.
			f.Remediation.Prerequisites = []Prerequisite{{User: who[0].upn(), Step: StepRegisterDeviceBoundPasskey,
				Reason: "the pass is this account's only second factor; have them register a passkey with it before the DELETE"}}
		}
	}
	return []Finding{f}
}

func minutes(m int) string {
	d := time.Duration(m) * time.Minute
	switch {
	case d%(24*time.Hour) == 0:
		return count(int(d/(24*time.Hour)), "day", "days")
	case d%time.Hour == 0:
		return count(int(d/time.Hour), "hour", "hours")
	}
	return count(m, "minute", "minutes")
}
