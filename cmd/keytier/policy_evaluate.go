package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey"
)

// evaluateReport is what `keytier policy evaluate --json` prints.
type evaluateReport struct {
	Policy   string `json:"policy"`
	Admitted bool   `json:"admitted"`
	// By is the profile that admits the passkey; null when refused.
	By         *profileRef      `json:"by"`
	Subject    subjectReport    `json:"subject"`
	Credential *factsReport     `json:"credential"`
	Profiles   []scopedReport   `json:"profiles"`
	Reasons    []passkey.Reason `json:"reasons"`
	// Notes are things to know that do not change the decision, such as a
	// privileged user admitted by a profile that also admits synced passkeys.
	Notes []string `json:"notes"`
	// Error is set when the policy or the credential could not be read (or
	// the registration failed verification): nothing was decided.
	Error *evaluateError `json:"error,omitempty"`

	// byProfile is the admitting profile, for the notes.
	byProfile *passkey.PasskeyProfile
}

type profileRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type evaluateError struct {
	// Code is a passkey.Code for the credential, "policy_invalid", or
	// "usage" for a wrong command line (exit status 2).
	Code     string          `json:"code"`
	Where    string          `json:"where,omitempty"`
	Message  string          `json:"message"`
	Problems []policyProblem `json:"problems,omitempty"`
}

type subjectReport struct {
	UserID string       `json:"userId,omitempty"`
	Groups []string     `json:"groups"`
	Roles  []policyRole `json:"roles"`
	// ResolvedFrom says where groups and roles came from when the flags did
	// not give them ("demo tenant").
	ResolvedFrom string `json:"resolvedFrom,omitempty"`
}

type policyRole struct {
	TemplateID string `json:"templateId"`
	Name       string `json:"name,omitempty"`
	Privileged bool   `json:"privileged"`
}

type factsReport struct {
	// Source is "registration" (a registration response or attestation
	// object) or "graphMethod" (a fido2AuthenticationMethod record).
	Source string `json:"source"`
	// Registered: a registered passkey, judged at sign-in, where Entra no
	// longer enforces attestation.
	Registered      bool     `json:"registered"`
	Verified        bool     `json:"verified"` // the registration was verified (--rp-id, --origin, --challenge)
	AAGUID          string   `json:"aaGuid"`
	Authenticator   string   `json:"authenticator,omitempty"`
	PasskeyType     string   `json:"passkeyType"`
	TypeConfidence  string   `json:"typeConfidence"`
	TypeExplanation []string `json:"typeExplanation"`
	Attestation     string   `json:"attestation"`
}

type scopedReport struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Why       string `json:"why"`
	ByDefault bool   `json:"byDefault,omitempty"`
	Legacy    bool   `json:"legacy,omitempty"`
	// Admits is whether the profile alone admits the passkey; Reasons say
	// why not.
	Admits  bool             `json:"admits"`
	Reasons []passkey.Reason `json:"reasons"`
}

func policyEvaluateCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy evaluate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		policyFile, user string
		groups, roles    listFlag
		asJSON           bool
		vf               verifyFlags
	)
	fs.StringVar(&policyFile, "policy", "", "FIDO2 policy, Graph JSON (FILE or -; default: the embedded demo tenant's)")
	fs.Var(&groups, "groups", "object ids of the user's groups, comma-separated (repeatable)")
	fs.Var(&roles, "roles", "the user's directory role template ids (or privileged role names), comma-separated (repeatable)")
	fs.StringVar(&user, "user", "", "the user's object id (matches user targets); with the demo policy also a userPrincipalName whose groups and roles are looked up")
	vf.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print exactly one JSON object")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: keytier policy evaluate [--policy FILE] [--groups G1,G2] [--roles R1,R2] [--user ID] [flags] CREDENTIAL\n\nCREDENTIAL (FILE or -) is a registration response or attestation object, as\n'keytier inspect' reads, or a Graph fido2AuthenticationMethod record.\nExit status: 0 admitted, 1 refused or unreadable, 2 usage.")
		fs.PrintDefaults()
	}
	// With --json every usage error is also the one JSON object on stdout:
	// nothing decided, error code "usage".
	jsonUsage := func(msg string) int {
		if jsonRequested(args) {
			r := evaluateReport{Profiles: []scopedReport{}, Reasons: []passkey.Reason{}, Notes: []string{}, Subject: subjectReport{Groups: []string{}, Roles: []policyRole{}},
				Error: &evaluateError{Code: usageCode, Message: msg}}
			if err := writePolicyJSON(stdout, r); err != nil {
				fmt.Fprintf(stderr, "keytier policy evaluate: %v\n", err)
			}
		}
		return exitUsage
	}
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return jsonUsage("keytier policy evaluate: " + err.Error())
	}
	usageErr := func(format string, a ...any) int {
		msg := fmt.Sprintf("keytier policy evaluate: "+format, a...)
		fmt.Fprintln(stderr, msg)
		return jsonUsage(msg)
	}
	switch {
	case fs.NArg() == 0:
		return usageErr("give the CREDENTIAL to evaluate (a FILE, or - for standard input)")
	case fs.NArg() > 1:
		return usageErr("one credential at a time, got %d", fs.NArg())
	case fs.Arg(0) == "-" && policyFile == "-":
		return usageErr("the policy and the credential cannot both come from standard input")
	}

	src, err := readPolicy(policyFile, stdin)
	if err != nil {
		return usageErr("--policy: %v", err)
	}
	credData, err := readPolicyFile(fs.Arg(0), stdin, maxRead)
	if err != nil {
		return usageErr("%v", err)
	}
	subject, sr, err := subjectOf(src, user, splitPolicyLists(groups), splitPolicyLists(roles))
	if err != nil {
		return usageErr("%v", err)
	}

	graphFIDO2Record := isGraphMethod(credData)
	if graphFIDO2Record && vf.any() {
		return usageErr("verification flags apply to a registration; a Graph fido2AuthenticationMethod record carries Entra's attestation verdict (attestationLevel)")
	}
	opts, err := vf.options()
	if err != nil {
		return usageErr("%v", err)
	}

	r := evaluate(src, subject, credData, graphFIDO2Record, opts)
	r.Subject = sr
	if r.Error == nil {
		r.Notes = privilegeNotes(r)
	}
	if asJSON {
		if err := writePolicyJSON(stdout, r); err != nil {
			fmt.Fprintf(stderr, "keytier policy evaluate: %v\n", err)
			return exitFail
		}
	} else {
		renderEvaluate(stdout, r)
	}
	if !r.Admitted {
		return exitFail
	}
	return exitOK
}

func splitPolicyLists(l listFlag) []string {
	var out []string
	for _, s := range l {
		out = append(out, splitPolicyList(s)...)
	}
	return out
}

// subjectOf builds the user from the flags. With the demo policy, a user
// the flags do not describe is looked up in the demo tenant.
func subjectOf(src policySource, user string, groups, roles []string) (passkey.Subject, subjectReport, error) {
	s := passkey.Subject{UserID: user, GroupIDs: groups}
	sr := subjectReport{UserID: user, Groups: []string{}, Roles: []policyRole{}}
	if src.Demo != nil && user != "" {
		u, ok := src.Demo.UserByUPN(user)
		if !ok {
			u, ok = src.Demo.UserByID(user)
		}
		if !ok {
			return s, sr, fmt.Errorf("--user %q is not a user of the demo tenant (give a userPrincipalName such as %s, or --policy FILE)", user, "dana.whitfield@northwindfab.example")
		}
		s.UserID, sr.UserID = u.ID, u.ID
		if len(groups) == 0 {
			for _, g := range src.Demo.GroupsOf(u.ID) {
				s.GroupIDs = append(s.GroupIDs, g.ID)
			}
			sr.ResolvedFrom = "demo tenant"
		}
		if len(roles) == 0 {
			for _, ra := range src.Demo.RolesOf(u.ID) {
				if !slices.Contains(roles, ra.RoleDefinitionID) {
					roles = append(roles, ra.RoleDefinitionID)
				}
			}
			sr.ResolvedFrom = "demo tenant"
		}
	}
	for _, r := range roles {
		ro := policyRole{TemplateID: r}
		if pr, ok := graphadapter.FindPrivilegedRole(r); ok {
			ro = policyRole{TemplateID: pr.TemplateID, Name: pr.Name, Privileged: true}
		}
		s.RoleTemplateIDs = append(s.RoleTemplateIDs, ro.TemplateID)
		sr.Roles = append(sr.Roles, ro)
	}
	sr.Groups = append(sr.Groups, s.GroupIDs...)
	return s, sr, nil
}

// isGraphMethod tells a Graph fido2AuthenticationMethod record (bare, or
// wrapped in "value") from a registration: Graph records carry
// "@odata.type" or "aaGuid", which a PublicKeyCredential never has.
func isGraphMethod(data []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	if v, ok := top["value"]; ok {
		var inner map[string]json.RawMessage
		if json.Unmarshal(v, &inner) == nil {
			top = inner
		}
	}
	_, odata := top["@odata.type"]
	_, aaguid := top["aaGuid"]
	return odata || aaguid
}

// evaluate reads the policy and the credential and asks the policy.
func evaluate(src policySource, s passkey.Subject, data []byte, graphFIDO2Record bool, opts *passkey.VerifyOptions) evaluateReport {
	r := evaluateReport{Policy: src.Name, Profiles: []scopedReport{}, Reasons: []passkey.Reason{}, Notes: []string{}}
	p, err := passkey.ParseFIDO2Policy(src.data)
	if err != nil {
		r.Error = &evaluateError{Code: "policy_invalid", Message: "the policy is not valid; run 'keytier policy check' on it", Problems: policyProblemsOf(policyErrorsOf(err))}
		return r
	}
	var facts passkey.CredentialFacts
	if graphFIDO2Record {
		m, err := passkey.ParseFIDO2Method(data)
		if err != nil {
			r.Error = credentialError(err)
			return r
		}
		facts = m.Facts(nil)
		r.Credential = factsOf(facts, "graphMethod", false)
	} else {
		var c *passkey.Credential
		if opts != nil {
			c, err = passkey.Verify(data, *opts)
		} else {
			c, err = passkey.Inspect(data)
		}
		if err != nil {
			r.Error = credentialError(err)
			if c != nil {
				r.Credential = factsOf(passkey.CredentialFactsOf(c), "registration", false)
			}
			return r
		}
		facts = passkey.CredentialFactsOf(c)
		r.Credential = factsOf(facts, "registration", opts != nil)
	}

	d := p.Evaluate(s, facts)
	r.Admitted = d.Admitted
	if d.By != nil {
		r.By = &profileRef{ID: d.By.Profile.ID, Name: d.By.Profile.Name}
		r.byProfile = &d.By.Profile
	}
	r.Reasons = append(r.Reasons, d.Reasons...)
	for _, sp := range d.Profiles {
		sr := scopedReport{ID: sp.Profile.ID, Name: sp.Profile.Name, Why: sp.Why, ByDefault: sp.ByDefault, Legacy: sp.Legacy}
		sr.Reasons = profileReasons(sp.Profile, facts)
		sr.Admits = len(sr.Reasons) == 0
		r.Profiles = append(r.Profiles, sr)
	}
	return r
}

// profileReasons returns every reason one profile refuses the passkey.
// Evaluate lists them only when the passkey is refused, so when another
// profile admits it, ask a policy holding this profile alone, enabled for
// all users: its only reasons are then the profile's own.
func profileReasons(pp passkey.PasskeyProfile, f passkey.CredentialFacts) []passkey.Reason {
	alone := passkey.FIDO2Policy{
		State:                 passkey.PolicyEnabled,
		DefaultPasskeyProfile: pp.ID,
		PasskeyProfiles:       []passkey.PasskeyProfile{pp},
		IncludeTargets:        []passkey.IncludeTarget{{TargetType: passkey.TargetGroup, ID: passkey.AllUsers, AllowedPasskeyProfiles: []string{pp.ID}}},
	}
	if pp.ID == "" || pp.ID == passkey.LegacyProfileID {
		// The legacy profile has no Graph id; as a profile it is the same rules.
		alone.PasskeyProfiles[0].ID = "profile"
		alone.DefaultPasskeyProfile = "profile"
		alone.IncludeTargets[0].AllowedPasskeyProfiles = []string{"profile"}
	}
	out := []passkey.Reason{}
	for _, reason := range alone.Evaluate(passkey.Subject{}, f).Reasons {
		reason.Profile = pp.ID
		out = append(out, reason)
	}
	return out
}

func credentialError(err error) *evaluateError {
	var pe *passkey.Error
	if errors.As(err, &pe) {
		return &evaluateError{Code: string(pe.Code), Where: pe.Where, Message: err.Error()}
	}
	return &evaluateError{Code: string(passkey.CodeInputUnrecognized), Message: err.Error()}
}

func factsOf(f passkey.CredentialFacts, source string, verified bool) *factsReport {
	t := string(f.Type)
	if t == "" {
		t = "unknown"
	}
	att := string(f.Attestation)
	if att == "" {
		att = string(passkey.AttestationAbsent)
	}
	expl := f.TypeExplanation
	if expl == nil {
		expl = []string{}
	}
	return &factsReport{
		Source: source, Registered: f.Registered, Verified: verified,
		AAGUID: f.AAGUID.String(), Authenticator: f.Authenticator,
		PasskeyType: t, TypeConfidence: string(f.TypeConfidence), TypeExplanation: expl,
		Attestation: att,
	}
}

// privilegeNotes: the FIDO2 policy does not target roles, so a privileged
// user is admitted by whatever profile their groups bring. keytier holds
// privileged accounts to device-bound, attested passkeys (AAL3,
// graphadapter.PrivilegedRoles); say when the decision falls short of that.
func privilegeNotes(r evaluateReport) []string {
	notes := []string{}
	var held []string
	for _, ro := range r.Subject.Roles {
		if ro.Privileged {
			held = append(held, ro.Name)
		}
	}
	if len(held) == 0 || !r.Admitted {
		return notes
	}
	who := "the user holds " + strings.Join(held, ", ")
	c := r.Credential
	if c.PasskeyType != string(passkey.DeviceBound) {
		notes = append(notes, fmt.Sprintf("%s, and this passkey is %s: privileged accounts should use device-bound, attested passkeys, which synced ones can never be (NIST SP 800-63B-4 Appendix B: no AAL3)", who, c.PasskeyType))
	} else if c.Attestation != string(passkey.AttestationTrusted) {
		notes = append(notes, fmt.Sprintf("%s, and this passkey's attestation is %s: nothing proves its model, so it cannot be shown to reach AAL3", who, c.Attestation))
	}
	if pp := r.byProfile; pp != nil {
		if pp.PasskeyTypes.Allows(passkey.Synced) {
			notes = append(notes, fmt.Sprintf("%s, and the admitting profile %q also admits synced passkeys; assign privileged users a device-bound profile that enforces attestation", who, policyProfileName(*pp)))
		} else if pp.AttestationEnforcement != passkey.AttestationAtRegistration {
			notes = append(notes, fmt.Sprintf("%s, and the admitting profile %q does not enforce attestation, so AAGUIDs are the authenticators' unproven word", who, policyProfileName(*pp)))
		}
		if _, hi := pp.AALRange(); hi < assurance.AAL3 {
			notes = append(notes, fmt.Sprintf("the admitting profile %q tops out at %s", policyProfileName(*pp), hi))
		}
	}
	return notes
}

func policyProfileName(pp passkey.PasskeyProfile) string {
	if pp.Name != "" {
		return pp.Name
	}
	return pp.ID
}

func renderEvaluate(w io.Writer, r evaluateReport) {
	fmt.Fprintf(w, "Policy: %s\n", r.Policy)
	if e := r.Error; e != nil {
		fmt.Fprintf(w, "✘ nothing decided: %s\n", e.Message)
		for _, p := range e.Problems {
			fmt.Fprintf(w, "  ✘ %s: %s\n", policyProblemPath(p.Path), p.Reason)
		}
		return
	}
	if r.Admitted {
		fmt.Fprintf(w, "✔ admitted by %s\n", policyProfileLabel(r.By.Name, r.By.ID))
	} else {
		fmt.Fprintf(w, "✘ refused (%d reason(s))\n", len(r.Reasons))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	u := r.Subject
	groups := "none given (only all_users targets can include the user)"
	if len(u.Groups) > 0 {
		groups = strings.Join(u.Groups, ", ")
		if u.ResolvedFrom != "" {
			groups += " (from the " + u.ResolvedFrom + ")"
		}
	}
	row("user", orPolicyNotSet(u.UserID))
	row("groups", groups)
	if len(u.Roles) > 0 {
		var rs []string
		for _, ro := range u.Roles {
			if ro.Name != "" {
				rs = append(rs, ro.Name+" (privileged)")
			} else {
				rs = append(rs, ro.TemplateID)
			}
		}
		row("roles", strings.Join(rs, ", "))
	}
	c := r.Credential
	name := c.Authenticator
	if name == "" {
		name = "unknown authenticator"
	}
	row("passkey", fmt.Sprintf("%s · AAGUID %s", name, c.AAGUID))
	row("type", fmt.Sprintf("%s (confidence %s)", c.PasskeyType, c.TypeConfidence))
	att := c.Attestation
	switch {
	case c.Source == "graphMethod":
		att += " (Entra's attestationLevel)"
	case !c.Verified && c.Attestation == string(passkey.AttestationUntrusted):
		att += " (not verified: give --rp-id, --origin, --challenge and --mds or --trust-root)"
	}
	row("attestation", att)
	when := "registration (attestation enforcement applies)"
	if c.Registered {
		when = "sign-in of a registered passkey (attestation enforcement no longer applies)"
	}
	row("judged at", when)
	tw.Flush()
	for _, e := range c.TypeExplanation {
		fmt.Fprintf(w, "  · %s\n", e)
	}

	var policyReasons []passkey.Reason
	for _, reason := range r.Reasons {
		if reason.Profile == "" {
			policyReasons = append(policyReasons, reason)
		}
	}
	if len(policyReasons) > 0 {
		fmt.Fprintln(w, "\nPolicy")
		for _, reason := range policyReasons {
			fmt.Fprintf(w, "  ✘ %s [%s]\n", reason.Message, reason.Code)
		}
	}
	if len(r.Profiles) > 0 {
		fmt.Fprintln(w, "\nProfiles for this user")
	}
	for _, sp := range r.Profiles {
		mark := "✘"
		if sp.Admits {
			mark = "✔"
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, policyProfileLabel(sp.Name, sp.ID), sp.Why)
		for _, reason := range sp.Reasons {
			fmt.Fprintf(w, "      - %s [%s]\n", strings.TrimPrefix(reason.Message, fmt.Sprintf("%q: ", policyProfileName(passkey.PasskeyProfile{ID: sp.ID, Name: sp.Name}))), reason.Code)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n  ! %s\n", n)
	}
}

// verifyFlags are the registration verification flags, as inspect has them.
