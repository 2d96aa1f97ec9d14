package readiness

import (
	"fmt"
	"slices"
	"time"

	"github.com/keytier/keytier/tap"
)

func checkTAPEnabled(e *env, c *Check) []Finding {
	if e.tapPolicy != nil && e.tapPolicy.State == tap.StateEnabled {
		return nil
	}
	f := c.finding("")
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
	f.Admin = "Temporary Access Pass includes all users. Anyone an administrator issues a pass to can sign in with it, including privileged accounts, which widens what a compromised helpdesk account can do."
	f.Plain = "Anyone in the organisation can be given a temporary pass."
	f.Remediation.Description = "Include the onboarding (new hire) and recovery groups instead of all_users; privileged accounts recover through a separate, audited process."
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
	f.Admin = fmt.Sprintf("%s %s an active pass that is reusable or lives longer than %s. Until it expires it signs in like a password and satisfies MFA.", count(len(who), "user", "users"), verb(len(who), "holds", "hold"), minutes(limit))
	f.Plain = "You have a temporary pass that still works for a long time. Once your passkey is set up, the pass should be removed."
	f.Remediation.Description = "Delete the passes of users who have registered a passkey (DELETE /users/{id}/authentication/temporaryAccessPassMethods/{id}); issue one-time, short passes instead."
	if len(who) == 1 {
		f.Remediation.GraphRequest = &GraphRequest{Method: "DELETE", URL: graphBase + "/users/" + who[0].u.ID + "/authentication/temporaryAccessPassMethods/" + last.id}
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
