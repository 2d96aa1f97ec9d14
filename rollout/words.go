package rollout

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The words people read. Messages go to end users: plain "unlock"
// language, no jargon (BannedWords), every sentence filled from the
// tenant. Runbooks go to the helpdesk: the same plain steps, with the
// exact command or Graph call in backquotes.

// BannedWords are the jargon messages to end users never use (compared
// without case): a test holds every message to them, and every runbook
// step outside its backquoted commands.
var BannedWords = []string{"passkey profile", "FIDO2", "AAGUID", "attestation", "AAL", "WebAuthn"}

// securityInfoURL is Microsoft's My Sign-Ins page, where users add a
// sign-in method (learn.microsoft.com/entra/identity/authentication/
// how-to-register-passkey-authenticator).
const securityInfoURL = "https://mysignins.microsoft.com/security-info"

func (b *builder) words() {
	for _, sg := range b.segs {
		b.messages(sg)
		b.runbooks(sg)
	}
}

// waveOf is the wave in which the segment registers: the last that
// names it (a pilot takes part of a segment ahead of it).
func (b *builder) waveOf(sg *segment) *Wave {
	for i := len(b.p.Waves) - 1; i >= 0; i-- {
		if slices.Contains(b.p.Waves[i].Segments, sg.Name) {
			return &b.p.Waves[i]
		}
	}
	return nil
}

func parseDay(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

// longDay is a date as people read it: "Monday 8 June 2026".
func longDay(t time.Time) string { return t.Format("Monday 2 January 2006") }

// steps are the set-up steps for the authenticators a segment may use.
func steps(p Profile) []string {
	var out []string
	for _, a := range p.Authenticators {
		switch {
		case a == "Apple Passwords":
			out = append(out, "On an iPhone, iPad or Mac: let Apple Passwords save it, and approve with Face ID or Touch ID.")
		case a == "Google Password Manager":
			out = append(out, "On an Android phone or in Chrome: let Google Password Manager save it, and approve with your fingerprint, face or screen lock.")
		case a == "Microsoft Password Manager":
			out = append(out, "On a Windows PC in Edge: let Microsoft Password Manager save it, and approve with Windows Hello (your face, fingerprint or PIN).")
		case a == "Windows Hello":
			out = append(out, "On your Windows PC: choose Windows Hello and unlock with your face, fingerprint or PIN. It stays on that PC.")
		case a == "any security key":
			out = append(out, "Or plug in a security key, touch it when it blinks and enter its PIN.")
		case a == "the unlock built into a computer or phone":
			out = append(out, "Or use your computer's or phone's own unlock: face, fingerprint or PIN. It stays on that device.")
		case strings.Contains(a, "YubiKey") || strings.Contains(a, "Security Key") || strings.Contains(a, "Feitian") || strings.Contains(a, "Titan"):
			out = append(out, fmt.Sprintf("Plug in your %s (or hold it to the back of your phone), touch it when it blinks and enter its PIN.", a))
		default:
			out = append(out, fmt.Sprintf("Use %s and unlock it as you usually do.", a))
		}
	}
	return out
}

// plainNames are authenticator names as people read them: a catalog
// name that carries a banned word ("Feitian BioPass FIDO2 Authenticator")
// loses it.
func plainNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		for _, w := range BannedWords {
			for {
				j := strings.Index(strings.ToLower(n), strings.ToLower(w))
				if j < 0 {
					break
				}
				n = n[:j] + n[j+len(w):]
			}
		}
		out[i] = strings.Join(strings.Fields(n), " ")
	}
	return out
}

// lowerFirst starts a sentence in the middle of another.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// listed joins names as a sentence does: "a, b and c".
func listed(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func (b *builder) passWords() string {
	if !b.tapOn {
		return ""
	}
	return fmt.Sprintf("a one-time pass (valid for %s) from the IT helpdesk", minutes(b.p.TAP.LifetimeMinutes))
}

func minutes(n int) string {
	switch {
	case n%(24*60) == 0:
		return count(n/(24*60), "day", "days")
	case n%60 == 0:
		return count(n/60, "hour", "hours")
	}
	return count(n, "minute", "minutes")
}

func (b *builder) messages(sg *segment) {
	w := b.waveOf(sg)
	if w == nil || sg.Profile.AdmitsNothing {
		return
	}
	start, end := parseDay(w.Start), parseDay(w.End)
	who := "everyone in " + listed(sg.Groups)
	if len(sg.Groups) == 0 {
		who = "everyone"
	}
	what := "a passkey saved on your phone or computer"
	if sg.Profile.DeviceBoundOnly {
		what = "a passkey that stays on one device you hold"
	}
	using := listed(plainNames(sg.Profile.Authenticators))

	var a strings.Builder
	fmt.Fprintf(&a, "Hello,\n\nFrom %s, %s at %s signs in a new way: instead of a password and a code, you unlock %s with your face, fingerprint or PIN. A fake sign-in page cannot steal it, and there is nothing to remember.\n\n", longDay(start), who, b.p.Tenant, what)
	fmt.Fprintf(&a, "You will be able to use: %s.\n\n", using)
	if sg.Privileged {
		fmt.Fprintf(&a, "Your account can change settings for everyone, so it gets a stricter rule: only a key that never leaves its device (%s). A password manager that copies keys between devices is not allowed for this account.\n\n", using)
	}
	fmt.Fprintf(&a, "On %s you will get the steps; setting it up takes two minutes.", longDay(start.AddDate(0, 0, 2)))
	if pass := b.passWords(); pass != "" {
		fmt.Fprintf(&a, " If you cannot sign in today (a new joiner, a new phone), ask for %s.", pass)
	}
	a.WriteString("\n\nThe IT team")
	b.p.Messages = append(b.p.Messages, Message{Segment: sg.Name, Kind: "announcement", Send: w.Start,
		Subject: fmt.Sprintf("From %s: sign in to %s with your face, fingerprint or PIN", longDay(start), b.p.Tenant), Body: a.String()})

	var s strings.Builder
	fmt.Fprintf(&s, "Hello,\n\nToday is the day: set up your new sign-in. It takes two minutes.\n\n1. Open %s and sign in as you do today.\n2. Choose \"Add sign-in method\", then \"Passkey\".\n3. ", securityInfoURL)
	pp := sg.Profile
	pp.Authenticators = plainNames(pp.Authenticators)
	st := steps(pp)
	if len(st) == 1 {
		s.WriteString(st[0])
	} else {
		s.WriteString("Pick the one you have:")
		for _, x := range st {
			s.WriteString("\n   - " + x)
		}
	}
	fmt.Fprintf(&s, "\n4. Sign out and sign in again: this time you only unlock.\n\n")
	if sg.Privileged {
		s.WriteString("Only the approved keys above are accepted for your account; if your phone or browser offers to save it to a password manager, choose the security key instead.\n\n")
	}
	if pass := b.passWords(); pass != "" {
		fmt.Fprintf(&s, "Cannot sign in to start? Ask for %s; you type it instead of a password and it works once.\n\n", pass)
	}
	s.WriteString("The IT team")
	b.p.Messages = append(b.p.Messages, Message{Segment: sg.Name, Kind: "setup", Send: day(start.AddDate(0, 0, 2)),
		Subject: fmt.Sprintf("%s: set up your new sign-in today", b.p.Tenant), Body: s.String()})

	var r strings.Builder
	fmt.Fprintf(&r, "Hello,\n\nIf you have set up your new sign-in already, thank you: there is nothing to do.\n\nIf not, please do it before %s: open %s, choose \"Add sign-in method\", then \"Passkey\", and follow the steps for %s.", longDay(end), securityInfoURL, using)
	if pass := b.passWords(); pass != "" {
		fmt.Fprintf(&r, " Stuck? Ask for %s.", pass)
	}
	r.WriteString("\n\nThe IT team")
	b.p.Messages = append(b.p.Messages, Message{Segment: sg.Name, Kind: "reminder", Send: day(start.AddDate(0, 0, 9)),
		Subject: fmt.Sprintf("Reminder: set up your %s sign-in by %s", b.p.Tenant, longDay(end)), Body: r.String()})
}

// tapStep is the helpdesk's step that issues a pass, or what to do
// without one.
func (b *builder) tapStep(sg *segment) string {
	if !b.tapOn {
		return "Temporary Access Pass is switched off in this tenant (KT-TAP-001), so no pass can be issued: the user signs in with another method they still hold (a phone or the Authenticator app) to add the new one; a user with none cannot be recovered remotely. Recover them at the desk after checking their identity document, and turn the pass on (the audit's fix for KT-TAP-001)."
	}
	t := b.p.TAP
	once := "one-time (the policy also allows reusable passes; issue one-time ones)"
	if t.OneTimeRequired {
		once = "one-time (the policy makes every pass one-time)"
	}
	reach := ""
	if n := b.outsideTAP(sg); n > 0 {
		reach = fmt.Sprintf(" The pass policy does not reach %s of this segment: for them, add them to a group it targets first.", count(n, "user", "users"))
	}
	return fmt.Sprintf("Issue a Temporary Access Pass valid for %s, %s; the tenant allows at most %s. With UPN set to the user's sign-in name: `keytier tap issue --tenant %s --user \"$UPN\" --lifetime %dm --once` or `POST https://graph.microsoft.com/v1.0/users/$UPN/authentication/temporaryAccessPassMethods` with `{\"lifetimeInMinutes\": %d, \"isUsableOnce\": true}`. Read it to the user only after the identity check; it is shown once.%s",
		minutes(t.LifetimeMinutes), once, minutes(t.MaximumMinutes), b.p.TenantID, t.LifetimeMinutes, t.LifetimeMinutes, reach)
}

// outsideTAP counts the members the pass policy does not reach.
func (b *builder) outsideTAP(sg *segment) int {
	n := 0
	for _, u := range sg.members {
		if !b.tapFor(u) {
			n++
		}
	}
	return n
}

func (b *builder) runbooks(sg *segment) {
	rules := "the rules " + quoted(sg.Profile.Names)
	admits := listed(plainNames(sg.Profile.Authenticators))
	verify := "Check who is calling: call them back on the number in the directory, or see them with an identity document."
	if sg.Privileged {
		verify = "Check who is calling, and have a second approver (another administrator, not the caller's own team lead by phone alone) confirm the request before anything is issued: this account can change settings for everyone."
	}
	register := fmt.Sprintf("They add a passkey at %s that %s accept: %s.", securityInfoURL, rules, admits)
	if sg.Privileged {
		register = fmt.Sprintf("They add a passkey that stays on one device, one of the approved models (%s), at %s; %s accept nothing else. A password manager's passkey is refused.", admits, securityInfoURL, rules)
	}
	if sg.Profile.AdmitsNothing {
		register = fmt.Sprintf("%s accept no passkey at all: nobody in %s can register one until they are changed (see the plan's warnings).", strings.ToUpper(rules[:1])+rules[1:], sg.Name)
	}
	list := "`GET https://graph.microsoft.com/v1.0/users/$UPN/authentication/fido2Methods`"
	del := "`DELETE https://graph.microsoft.com/v1.0/users/$UPN/authentication/fido2Methods/$ID` ($ID from the list)"
	revoke := "`POST https://graph.microsoft.com/v1.0/users/$UPN/revokeSignInSessions`"

	newDevice := []string{
		verify,
		"If they can still unlock their old device, they sign in with it and add the new one themselves; nothing else is needed.",
	}
	if !sg.Profile.DeviceBoundOnly && !sg.Profile.AdmitsNothing {
		newDevice = append(newDevice, "A passkey saved in a password manager (Apple Passwords, Google Password Manager) reaches the new phone by itself once they sign in to that password manager on it.")
	}
	newDevice = append(newDevice, "Otherwise: "+lowerFirst(b.tapStep(sg)), register, "Once they sign in with the new one, remove the old device's passkey if it is gone for good: list them with "+list+", delete it with "+del+".")

	lost := []string{verify,
		"Remove the lost device's passkey at once: list them with " + list + " and delete the one on that device with " + del + ".",
		"End their open sessions: " + revoke + ".",
	}
	if !sg.Profile.DeviceBoundOnly && !sg.Profile.AdmitsNothing {
		lost = append(lost, "If the lost device held a password manager's passkey, the user also changes the password of that account (Apple Account, Google Account): the passkey lives there too.")
	}
	if sg.Privileged {
		lost = append(lost, "Record the loss and the second approver in the change log; check the account's recent sign-ins and role changes before giving access back.")
	}
	lost = append(lost, b.tapStep(sg), register)

	cannot := []string{verify}
	if len(sg.BlockedBy) > 0 {
		var ids []string
		for _, bl := range sg.BlockedBy {
			ids = append(ids, fmt.Sprintf("`%s` (%s)", bl.Finding, count(bl.Users, "user", "users")))
		}
		cannot = append(cannot, "Check whether the user is one the audit names as blocked: "+strings.Join(ids, "; ")+". Until that finding is fixed they cannot register; tell them when their wave reopens.")
	}
	if len(sg.Groups) > 0 {
		cannot = append(cannot, fmt.Sprintf("Check they are a member of %s: the rules of this segment reach them through it.", listed(sg.Groups)))
	}
	cannot = append(cannot,
		"If they have no way to sign in to start: "+lowerFirst(b.tapStep(sg)),
		"If what they tried was refused: "+lowerFirst(register),
	)
	if sg.Privileged {
		cannot = append(cannot, "If their phone or browser offered to save it to a password manager, that is the refusal: they use an approved security key instead.")
	}
	for _, r := range []Runbook{
		{Segment: sg.Name, Situation: "newDevice", Title: "New phone or computer", Steps: newDevice},
		{Segment: sg.Name, Situation: "lostDevice", Title: "Lost or stolen device", Steps: lost},
		{Segment: sg.Name, Situation: "cannotRegister", Title: "Cannot set up the new sign-in", Steps: cannot},
	} {
		b.p.Runbooks = append(b.p.Runbooks, r)
	}
}
