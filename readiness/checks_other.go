package readiness

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey"
)

func checkWeakForPrivileged(e *env, c *Check) []Finding {
	var out []Finding
	names := map[string]string{configSMS: "SMS codes", configVoice: "voice calls", configEmail: "email one-time codes"}
	titles := map[string]string{configSMS: "SMS codes are", configVoice: "Voice calls are", configEmail: "Email one-time codes are"}
	why := map[string]string{
		configSMS:   "Codes sent over the phone network are a restricted authenticator (SP 800-63B-4 §3.1.3.3) and can be phished or redirected by a SIM swap",
		configVoice: "Codes read over the phone network are a restricted authenticator (SP 800-63B-4 §3.1.3.3) and can be phished",
		configEmail: "Email is not an out-of-band channel (SP 800-63B-4 §3.1.3.1) and anyone who reads the mailbox gets the code",
	}
	for _, id := range []string{configSMS, configVoice, configEmail} {
		conf, ok := e.s.AuthenticationMethodsPolicy.MethodConfiguration(id)
		if !ok {
			continue
		}
		var who []*person
		for _, p := range e.privileged() {
			if e.configEnabledFor(id, p) {
				who = append(who, p)
			}
		}
		if len(who) == 0 {
			continue
		}
		f := c.finding(id)
		f.Users = upns(who)
		f.Title = fmt.Sprintf("%s enabled for %s", titles[id], count(len(who), "privileged user", "privileged users"))
		f.Admin = fmt.Sprintf("The %s method is enabled for %s. %s; a relayed code takes over a privileged account.", id, count(len(who), "privileged user", "privileged users"), why[id])
		f.Plain = fmt.Sprintf("Your admin account can still sign in with %s, which a fake sign-in page can steal.", names[id])
		cover := e.privilegedGroupCover(who)
		if cover != nil {
			excl := append(slices.Clone(e.targets[id].Exclude), cover...)
			for _, t := range cover {
				f.Groups = append(f.Groups, e.groupName(t.ID))
			}
			sort.Strings(f.Groups)
			f.Remediation.Description = fmt.Sprintf("Exclude %s from the %s method (every member holds a privileged role).", strings.Join(f.Groups, ", "), id)
			if stranded := e.strandedWithout(who, id); len(stranded) > 0 {
				// KT-PRIV-002's order: the new method first, then the
				// change that takes the old one away.
				f.Remediation.Description = fmt.Sprintf("First give %s a second factor other than %s: issue a one-time Temporary Access Pass in person and have them register a device-bound passkey the privileged profile admits (they are listed under prerequisites). Then exclude %s from the %s method (every member holds a privileged role); sent first, the PATCH leaves them with a password alone, which no MFA requirement accepts.",
					strings.Join(upns(stranded), ", "), names[id], strings.Join(f.Groups, ", "), id)
				for _, p := range stranded {
					reason := fmt.Sprintf("the %s method is the only second factor this account can use; without it the account has none", id)
					f.Remediation.Prerequisites = append(f.Remediation.Prerequisites,
						Prerequisite{User: p.upn(), Step: StepIssueTAP, Reason: reason},
						Prerequisite{User: p.upn(), Step: StepRegisterDeviceBoundPasskey, Reason: reason})
				}
			}
			f.Remediation.GraphRequest = configPatch(id, conf.ODataType, map[string]any{"excludeTargets": excl})
		} else {
			f.Remediation.Description = fmt.Sprintf("Put the privileged accounts in a group and exclude it from the %s method.", id)
		}
		out = append(out, f)
	}
	return out
}

// modeConfig names the method configuration that governs each
// authenticationMethodModes value a second factor can be: a registered
// method counts only while its configuration is enabled for the user
// ("For sign in, the authentication method needs to be registered for the
// user and enabled by the Authentication methods policy",
// troubleshoot-authentication-strengths). Windows Hello for Business has no
// configuration in the policy; "" means always usable.
var modeConfig = map[string]string{
	"fido2":                               configFIDO2,
	"windowsHelloForBusiness":             "",
	"x509CertificateMultiFactor":          "X509Certificate",
	"deviceBasedPush":                     "MicrosoftAuthenticator",
	"temporaryAccessPassOneTime":          configTAP,
	"temporaryAccessPassMultiUse":         configTAP,
	"password,microsoftAuthenticatorPush": "MicrosoftAuthenticator",
	"password,softwareOath":               "SoftwareOath",
	"password,hardwareOath":               "HardwareOath",
	"password,sms":                        configSMS,
	"password,voice":                      configVoice,
}

// secondFactors lists the combinations of Entra's built-in Multifactor
// authentication strength that p can satisfy with methods whose
// configuration is enabled for p, the configuration without left out as if
// it excluded p.
func (e *env) secondFactors(p *person, without string) []string {
	var out []string
	for _, combo := range builtInStrengths()[graphadapter.StrengthMFA] {
		conf, known := modeConfig[combo]
		if !known || !slices.Contains(p.modes, combo) || conf == without {
			continue
		}
		if conf == "" || e.configEnabledFor(conf, p) {
			out = append(out, combo)
		}
	}
	return out
}

// strandedWithout returns those of who who can meet multifactor
// authentication today and could not once the configuration id no longer
// applies to them.
func (e *env) strandedWithout(who []*person, id string) []*person {
	var out []*person
	for _, p := range who {
		if len(e.secondFactors(p, "")) > 0 && len(e.secondFactors(p, id)) == 0 {
			out = append(out, p)
		}
	}
	return out
}

// privilegedGroupCover returns exclude targets for groups whose members are
// all privileged and which together hold every one of who, or nil when no
// such set exists (excluding a mixed group would take the method from
// people who may need it).
func (e *env) privilegedGroupCover(who []*person) []target {
	groups := e.groupCover(who, isPrivileged)
	if groups == nil {
		return nil
	}
	out := make([]target, len(groups))
	for i, g := range groups {
		out[i] = target{ID: g.ID, TargetType: "group"}
	}
	return out
}

func checkNoPhishingResistant(e *env, c *Check) []Finding {
	var who []*person
	for _, p := range e.users {
		if !p.phishRes {
			who = append(who, p)
		}
	}
	if len(who) == 0 {
		return nil
	}
	f := c.finding("")
	f.Users = upns(who)
	f.Title = fmt.Sprintf("%s %s no phishing-resistant method", count(len(who), "user", "users"), verb(len(who), "holds", "hold"))
	f.Admin = fmt.Sprintf("%s of %d %s no phishing-resistant method (each registered method classified with assurance.Classify): their best sign-in can be relayed by a fake sign-in page.", count(len(who), "user", "users"), len(e.users), verb(len(who), "holds", "hold"))
	f.Plain = "You do not have a passkey yet. Set one up on your phone or computer: it unlocks with your face, fingerprint or PIN and cannot be phished."
	f.Remediation.Description = "Run the registration campaign for passkeys (KT-CAMP-002) and give users without any strong method a one-time Temporary Access Pass to register one."
	return []Finding{f}
}

// campaignURL is where the registration campaign is updated: a PATCH of the
// authenticationMethodsPolicy (learn.microsoft.com/graph/api/
// authenticationmethodspolicy-update).
const campaignURL = graphBase + "/policies/authenticationMethodsPolicy"

// campaignPatch is a PATCH of the registration campaign: the campaign as it
// is — state, snoozeDurationInDays, enforceRegistrationAfterAllowedSnoozes
// and its targets, less those naming groups that do not exist — with
// changes applied. Sending the whole campaign keeps the members a fix does
// not change whether Graph replaces the complex property or merges it.
func (e *env) campaignPatch(changes map[string]any) *GraphRequest {
	camp := map[string]any{}
	if c := e.s.AuthenticationMethodsPolicy.Campaign(); c != nil {
		if c.State != "" {
			camp["state"] = c.State
		}
		camp["snoozeDurationInDays"] = c.SnoozeDurationInDays
		if c.EnforceRegistrationAfterAllowedSnoozes != nil {
			camp["enforceRegistrationAfterAllowedSnoozes"] = *c.EnforceRegistrationAfterAllowedSnoozes
		}
		camp["includeTargets"] = e.campaignIncludes("")
		exc := []json.RawMessage{}
		for _, t := range c.ExcludeTargets {
			if !e.missingGroup(target{ID: t.ID, TargetType: t.TargetType}) {
				exc = append(exc, marshalTarget(t))
			}
		}
		camp["excludeTargets"] = exc
	}
	maps.Copy(camp, changes)
	return patch(campaignURL, map[string]any{"registrationEnforcement": map[string]any{"authenticationMethodsRegistrationCampaign": camp}})
}

// campaignIncludes returns the campaign's include targets less those naming
// groups that do not exist, each targeting method when it is not "".
func (e *env) campaignIncludes(method string) []json.RawMessage {
	out := []json.RawMessage{}
	c := e.s.AuthenticationMethodsPolicy.Campaign()
	if c == nil {
		return out
	}
	for _, t := range c.IncludeTargets {
		if e.missingGroup(target{ID: t.ID, TargetType: t.TargetType}) {
			continue
		}
		if method != "" {
			t.TargetedAuthenticationMethod = method
		}
		out = append(out, marshalTarget(t))
	}
	return out
}

// campaignFIDO2 is the campaign's value for passkeys
// (authenticationMethodsRegistrationCampaignIncludeTarget:
// targetedAuthenticationMethod "Fido2 or microsoftAuthenticator").
const campaignFIDO2 = "Fido2"

func checkCampaignState(e *env, c *Check) []Finding {
	camp := e.s.AuthenticationMethodsPolicy.Campaign()
	if camp != nil && camp.State == "enabled" {
		return nil
	}
	f := c.finding("")
	state := "absent"
	f.Title = "There is no registration campaign"
	if camp != nil {
		state = camp.State
		f.Title = "The registration campaign is " + state
	}
	if state == "default" {
		f.Severity = SeverityLow
		f.Title = "The registration campaign is left to Microsoft"
		f.Admin = "The registration campaign is Microsoft-managed (state \"default\"): Microsoft decides whom it nudges and to which method. Set it explicitly so that it targets passkeys for the groups you are rolling out to."
	} else {
		f.Admin = fmt.Sprintf("The registration campaign is %s: users who sign in with weaker MFA are never prompted to register a passkey.", state)
	}
	f.Plain = "You are not being reminded to set up a passkey when you sign in."
	f.Remediation = Remediation{
		Description: "Enable the campaign for all users, targeting passkeys (Fido2), with a one-day snooze and registration enforced after the allowed snoozes; its exclusions stay.",
		GraphRequest: e.campaignPatch(map[string]any{
			"state": "enabled", "snoozeDurationInDays": 1, "enforceRegistrationAfterAllowedSnoozes": true,
			"includeTargets": []map[string]string{{"id": passkey.AllUsers, "targetType": "group", "targetedAuthenticationMethod": campaignFIDO2}},
		}),
	}
	return []Finding{f}
}

func checkCampaignTarget(e *env, c *Check) []Finding {
	camp := e.s.AuthenticationMethodsPolicy.Campaign()
	if camp == nil || camp.State != "enabled" {
		return nil
	}
	var other []string
	for _, t := range camp.IncludeTargets {
		if !strings.EqualFold(t.TargetedAuthenticationMethod, campaignFIDO2) {
			other = append(other, t.TargetedAuthenticationMethod)
		}
	}
	if len(other) == 0 && len(camp.IncludeTargets) > 0 {
		return nil
	}
	f := c.finding("")
	for _, t := range camp.IncludeTargets {
		if t.ID == passkey.AllUsers {
			f.Groups = append(f.Groups, "all users")
		} else {
			f.Groups = append(f.Groups, e.groupName(t.ID))
		}
	}
	f.Groups = sortedUnique(f.Groups)
	f.Plain = "When you sign in you are asked to set up the Authenticator app rather than a passkey."
	if len(camp.IncludeTargets) == 0 {
		f.Title = "The registration campaign includes nobody"
		f.Admin = "The registration campaign is enabled but includes nobody."
		f.Plain = "You are not being reminded to set up a passkey when you sign in."
		f.Remediation = Remediation{
			Description:  "Include all users, targeting passkeys (Fido2); the campaign's exclusions stay. Narrow it to the groups being rolled out to if passkeys are not open to everyone yet.",
			GraphRequest: e.campaignPatch(map[string]any{"includeTargets": []map[string]string{{"id": passkey.AllUsers, "targetType": "group", "targetedAuthenticationMethod": campaignFIDO2}}}),
		}
		return []Finding{f}
	}
	f.Title = fmt.Sprintf("The registration campaign nudges users to %s, not passkeys", strings.Join(sortedUnique(other), ", "))
	f.Admin = fmt.Sprintf("The registration campaign nudges its targets to register %s, not a passkey. Push notifications are not phishing-resistant; the campaign can target Fido2 instead.", strings.Join(sortedUnique(other), ", "))
	f.Remediation = Remediation{
		Description:  "Target passkeys (Fido2) for the same users and groups.",
		GraphRequest: e.campaignPatch(map[string]any{"includeTargets": e.campaignIncludes(campaignFIDO2)}),
	}
	return []Finding{f}
}

func checkCampaignSnooze(e *env, c *Check) []Finding {
	camp := e.s.AuthenticationMethodsPolicy.Campaign()
	if camp == nil || camp.State != "enabled" || camp.EnforceRegistrationAfterAllowedSnoozes == nil || *camp.EnforceRegistrationAfterAllowedSnoozes {
		return nil
	}
	f := c.finding("")
	f.Title = "Users can snooze the registration campaign forever"
	f.Admin = fmt.Sprintf("enforceRegistrationAfterAllowedSnoozes is false: users can snooze the campaign (every %s) forever.", count(camp.SnoozeDurationInDays, "day", "days"))
	f.Plain = "You can keep postponing the passkey set-up indefinitely."
	f.Remediation = Remediation{
		Description:  "Require registration after the allowed snoozes (Graph's default).",
		GraphRequest: e.campaignPatch(map[string]any{"enforceRegistrationAfterAllowedSnoozes": true}),
	}
	return []Finding{f}
}

// MaxCampaignSnoozeDays is the longest snoozeDurationInDays readiness
// accepts (EIDSCA.AG12, which gives no recommended value). Graph allows 0
// to 14 days; with enforceRegistrationAfterAllowedSnoozes true (Graph's
// default) a user must register after three snoozes, so one day brings
// registration within about three days, while 14 lets a user put it off for
// six weeks. 0, a prompt at every MFA sign-in, also passes.
const MaxCampaignSnoozeDays = 1

func checkCampaignSnoozeDays(e *env, c *Check) []Finding {
	camp := e.s.AuthenticationMethodsPolicy.Campaign()
	if camp == nil || camp.State != "enabled" || camp.SnoozeDurationInDays <= MaxCampaignSnoozeDays {
		return nil
	}
	f := c.finding("")
	days := count(camp.SnoozeDurationInDays, "day", "days")
	f.Title = "Users can snooze the registration campaign for " + days + " at a time"
	f.Admin = fmt.Sprintf("snoozeDurationInDays is %d: a user who selects \"Not now\" is asked again only after %s", camp.SnoozeDurationInDays, days)
	if camp.EnforceRegistrationAfterAllowedSnoozes == nil || *camp.EnforceRegistrationAfterAllowedSnoozes {
		f.Admin += fmt.Sprintf(", so three snoozes put registration off for %s.", count(3*camp.SnoozeDurationInDays, "day", "days"))
	} else {
		f.Admin += ", and forever (KT-CAMP-003)."
	}
	f.Plain = "You can postpone setting up a passkey for days at a time."
	f.Remediation = Remediation{
		Description:  fmt.Sprintf("Lower snoozeDurationInDays to %d: users who snooze three times then register within about three days.", MaxCampaignSnoozeDays),
		GraphRequest: e.campaignPatch(map[string]any{"snoozeDurationInDays": MaxCampaignSnoozeDays}),
	}
	return []Finding{f}
}

// rawTargets keeps a configuration's targets as written, for a PATCH that
// leaves the others untouched.
type rawTargets struct {
	Include []json.RawMessage `json:"includeTargets"`
	Exclude []json.RawMessage `json:"excludeTargets"`
}

func checkMissingGroups(e *env, c *Check) []Finding {
	missing := e.missingGroup
	var out []Finding
	policy := e.s.AuthenticationMethodsPolicy
	for i := range policy.MethodConfigurations {
		conf := &policy.MethodConfigurations[i]
		var raw rawTargets
		if json.Unmarshal(conf.Raw, &raw) != nil {
			continue
		}
		var gone []string
		keep := func(list []json.RawMessage) []json.RawMessage {
			kept := []json.RawMessage{}
			for _, r := range list {
				var t target
				if json.Unmarshal(r, &t) == nil && missing(t) {
					gone = append(gone, t.ID)
					continue
				}
				kept = append(kept, r)
			}
			return kept
		}
		inc, exc := keep(raw.Include), keep(raw.Exclude)
		if len(gone) == 0 {
			continue
		}
		f := c.finding(conf.ID)
		f.Groups = sortedUnique(gone)
		f.Title = fmt.Sprintf("The %s method configuration targets %s that no longer %s", conf.ID, count(len(f.Groups), "group", "groups"), verb(len(f.Groups), "exists", "exist"))
		f.Admin = fmt.Sprintf("The %s method configuration targets %s that no longer %s (%s). The target does nothing, and a new group that reuses the id, or a restore of the deleted one, silently changes who may use the method.", conf.ID, count(len(f.Groups), "group", "groups"), verb(len(f.Groups), "exists", "exist"), strings.Join(f.Groups, ", "))
		f.Plain = "A sign-in setting points at a group that was deleted."
		f.Remediation = Remediation{
			Description:  "Remove the targets (or point them at the group that replaced the deleted one).",
			GraphRequest: configPatch(conf.ID, conf.ODataType, map[string]any{"includeTargets": inc, "excludeTargets": exc}),
		}
		if conf.ID == configFIDO2 {
			// The passkey model's copy, so that no other invalid reference
			// (a profile that does not exist) is sent back either.
			f.Remediation.GraphRequest = nil
			if x := e.newFIDO2Fix(); x != nil {
				f.Remediation.GraphRequest = x.patchMembers("includeTargets", "excludeTargets")
				x.targets = true
				f.Remediation.Description += x.cleanedNote()
			}
		}
		out = append(out, f)
	}
	if camp := policy.Campaign(); camp != nil {
		var gone []string
		for _, t := range camp.IncludeTargets {
			if missing(target{ID: t.ID, TargetType: t.TargetType}) {
				gone = append(gone, t.ID)
			}
		}
		for _, t := range camp.ExcludeTargets {
			if missing(target{ID: t.ID, TargetType: t.TargetType}) {
				gone = append(gone, t.ID)
			}
		}
		if len(gone) > 0 {
			f := c.finding("registrationCampaign")
			f.Groups = sortedUnique(gone)
			f.Title = fmt.Sprintf("The registration campaign targets %s that no longer %s", count(len(f.Groups), "group", "groups"), verb(len(f.Groups), "exists", "exist"))
			f.Admin = fmt.Sprintf("The registration campaign targets %s that no longer %s (%s).", count(len(f.Groups), "group", "groups"), verb(len(f.Groups), "exists", "exist"), strings.Join(f.Groups, ", "))
			f.Plain = "A sign-in setting points at a group that was deleted."
			f.Remediation = Remediation{
				Description:  "Remove the targets from the registration campaign; the rest of the campaign is sent as it is.",
				GraphRequest: e.campaignPatch(nil),
			}
			out = append(out, f)
		}
	}
	return out
}

func checkBootstrapDeadlock(e *env, c *Check) []Finding {
	var out []Finding
	for i := range e.s.ConditionalAccessPolicies {
		cap := &e.s.ConditionalAccessPolicies[i]
		if cap.State != "enabled" || cap.Grant == nil || cap.Grant.AuthenticationStrengthID == "" || !coversRegistration(cap) {
			continue
		}
		combos, known := e.strengths[cap.Grant.AuthenticationStrengthID]
		if !known || strengthAdmitsTAP(combos) {
			continue
		}
		var stuck, tapHolders []*person
		for _, p := range e.users {
			if !caApplies(cap, p) || satisfies(p, combos) {
				continue
			}
			stuck = append(stuck, p)
			if slices.ContainsFunc(p.taps, func(t tapHeld) bool { return tapActive(t.m, e.at) }) {
				tapHolders = append(tapHolders, p)
			}
		}
		if len(stuck) == 0 {
			continue
		}
		f := c.finding(cap.ID)
		f.Users = upns(stuck)
		name := cap.DisplayName
		if name == "" {
			name = cap.ID
		}
		f.Title = fmt.Sprintf("%q locks out %s who cannot register a passkey yet", name, count(len(stuck), "user", "users"))
		for _, g := range cap.Users.IncludeGroups {
			if slices.ContainsFunc(stuck, func(p *person) bool { return p.inGroup(g) }) {
				f.Groups = append(f.Groups, e.groupName(g))
			}
		}
		f.Groups = sortedUnique(f.Groups)
		strength := cap.Grant.AuthenticationStrengthID
		f.Admin = fmt.Sprintf("%q requires the authentication strength %s for all resources, which includes registering security information, and that strength does not accept a Temporary Access Pass. %s in its scope %s no method it accepts (%d of them an active pass): Entra blocks their sign-in (\"If an authentication strength requires a method that a user can't use, the user is blocked from sign-in\", troubleshoot-authentication-strengths), so they cannot register the passkey that would satisfy it. This is the bootstrap question of cisagov/ScubaGear#1938. Answer: keep the policy for everyone who has registered, and give those still onboarding one path in: a custom authentication strength that accepts a one-time Temporary Access Pass besides the phishing-resistant methods, required for the \"Register security information\" user action and, in place of this policy's strength, for everything else while they are in an onboarding group that this policy excludes; issue one-time passes of at most a few hours; take users out of the group once they hold a passkey. Adding the pass to this policy's own strength would instead let a pass open every application for everyone in its scope.",
			cap.DisplayName, e.strengthName(strength), count(len(stuck), "user", "users"), verb(len(stuck), "holds", "hold"), len(tapHolders))
		f.Plain = "You are asked to sign in with a passkey before you have been able to create one. Ask the IT team for a one-time pass: with it you can set up your passkey."
		e.fixBootstrap(&f, cap, combos, stuck, tapHolders)
		out = append(out, f)
	}
	return out
}

func (e *env) strengthName(id string) string {
	for _, sp := range e.s.AuthenticationStrengthPolicies {
		if sp.ID == id && sp.DisplayName != "" {
			return fmt.Sprintf("%q", sp.DisplayName)
		}
	}
	if id == graphadapter.StrengthPhishingResistant {
		return `"Phishing-resistant MFA"`
	}
	return id
}

// onboardingGroup picks the group to exclude from a policy while its
// members bootstrap: the smallest group that holds every in-scope user with
// an active pass, that the policy does not include by name (excluding an
// included group would switch the policy off for it), and that is not
// all-encompassing. Nil when no users hold a pass or no group fits.
func (e *env) onboardingGroup(cap *graphadapter.ConditionalAccessPolicy, holders []*person) *graphadapter.Group {
	if len(holders) == 0 {
		return nil
	}
	var best *graphadapter.Group
	for _, gid := range holders[0].groupIDs {
		if slices.Contains(cap.Users.IncludeGroups, gid) || slices.Contains(cap.Users.ExcludeGroups, gid) {
			continue
		}
		if !slices.ContainsFunc(holders, func(p *person) bool { return !p.inGroup(gid) }) {
			g, _ := e.s.GroupByID(gid)
			if len(g.Members)*2 > len(e.users) {
				continue
			}
			if best == nil || len(g.Members) < len(best.Members) {
				best = g
			}
		}
	}
	return best
}
