package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/catalog"
)

// checkReport is what `keytier policy check --json` prints. Member names
// follow Graph's where they are Graph's values.
type checkReport struct {
	Source   string          `json:"source"`
	Valid    bool            `json:"valid"`
	Errors   []policyProblem `json:"errors"`
	Warnings []policyProblem `json:"warnings"`
	// The members below are absent when the policy does not parse.
	State                            string `json:"state,omitempty"`
	IsSelfServiceRegistrationAllowed *bool  `json:"isSelfServiceRegistrationAllowed,omitempty"`
	DefaultPasskeyProfile            string `json:"defaultPasskeyProfile,omitempty"`
	// Legacy: the policy has no passkey profiles; its tenant-wide settings
	// act as one profile (passkey.LegacyProfileID).
	Legacy         bool            `json:"legacy"`
	Profiles       []profileReport `json:"profiles"`
	IncludeTargets []targetReport  `json:"includeTargets"`
	ExcludeTargets []targetReport  `json:"excludeTargets"`
	// Error is set only for a usage error (code "usage", exit status 2):
	// no policy was read. An invalid policy is reported in Errors.
	Error *usageError `json:"error,omitempty"`
}

type profileReport struct {
	ID                     string             `json:"id"`
	Name                   string             `json:"name"`
	PasskeyTypes           string             `json:"passkeyTypes"`
	AttestationEnforcement string             `json:"attestationEnforcement"`
	KeyRestrictions        restrictionsReport `json:"keyRestrictions"`
	// Default: this is the policy's defaultPasskeyProfile.
	Default bool `json:"default"`
	// AssignedBy are the include targets (their JSON paths) that bring the
	// profile to their members.
	AssignedBy []string `json:"assignedBy"`
	Assurance  aalRange `json:"assurance"`
}

type restrictionsReport struct {
	IsEnforced      bool           `json:"isEnforced"`
	EnforcementType string         `json:"enforcementType,omitempty"`
	AAGUIDs         []aaguidReport `json:"aaGuids"`
}

type aaguidReport struct {
	AAGUID        string `json:"aaGuid"`
	Authenticator string `json:"authenticator,omitempty"` // the catalog's (or FIDO MDS's) name
	// KeyProtection is where the model keeps its keys, as
	// passkey.Models.KeyProtection reads it ("unknown" when nothing says),
	// and KeyProtectionSource where that came from ("FIDO MDS", "catalog").
	KeyProtection       string `json:"keyProtection"`
	KeyProtectionSource string `json:"keyProtectionSource,omitempty"`
}

type aalRange struct {
	Lowest  string `json:"lowest"`
	Highest string `json:"highest"`
	// FloorLimits are the conditions that keep the lowest level below AAL3;
	// empty when the profile guarantees AAL3.
	FloorLimits []string `json:"floorLimits"`
	Why         []string `json:"why"`
}

type targetReport struct {
	Path        string `json:"path"`
	TargetType  string `json:"targetType"`
	ID          string `json:"id"`
	DisplayName string `json:"displayName,omitempty"` // the demo tenant's group name
	// Description names the target for people ("all users", "group …").
	Description            string `json:"description"`
	IsRegistrationRequired *bool  `json:"isRegistrationRequired,omitempty"`
	// Profiles are the ids of the profiles the target's members get.
	Profiles []string `json:"profiles,omitempty"`
	// ByDefault: the target assigns no profile, so its members get the
	// default profile.
	ByDefault bool `json:"byDefault,omitempty"`
	// ExcludedBy are exclude targets naming the same group (or all users):
	// the include target then gives no one anything.
	ExcludedBy []string `json:"excludedBy,omitempty"`
}

func policyCheckCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print exactly one JSON object")
	mdsFile := fs.String("mds", "", "FIDO MDS3 BLOB: settles the key protection of allow-listed models the catalog cannot")
	mdsRoot := fs.String("mds-root", "", "PEM root the MDS BLOB must chain to (default: FIDO's MDS3 root, GlobalSign Root R46, as go-webauthn ships it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: keytier policy check [FILE|-] [--json] [--mds BLOB [--mds-root PEM]]\n\nFILE is Graph JSON: the fido2 method configuration, the whole\nauthenticationMethodsPolicy, or a list of configurations. No FILE: the\nembedded demo tenant's policy.")
		fs.PrintDefaults()
	}
	// With --json every usage error is also the one JSON object on stdout:
	// no policy read, error code "usage".
	usageErr := func(msg string, printed bool) int {
		if !printed {
			fmt.Fprintln(stderr, msg)
		}
		if jsonRequested(args) {
			r := checkReport{Errors: []policyProblem{}, Warnings: []policyProblem{}, Profiles: []profileReport{}, IncludeTargets: []targetReport{}, ExcludeTargets: []targetReport{},
				Error: &usageError{Code: usageCode, Message: msg}}
			if err := writePolicyJSON(stdout, r); err != nil {
				fmt.Fprintf(stderr, "keytier policy check: %v\n", err)
			}
		}
		return exitUsage
	}
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return usageErr("keytier policy check: "+err.Error(), true)
	}
	if fs.NArg() > 1 {
		return usageErr(fmt.Sprintf("keytier policy check: one policy at a time, got %d", fs.NArg()), false)
	}
	src, err := readPolicy(fs.Arg(0), stdin)
	if err != nil {
		return usageErr(fmt.Sprintf("keytier policy check: %v", err), false)
	}
	var models passkey.Models
	if *mdsRoot != "" && *mdsFile == "" {
		fmt.Fprintln(stderr, "keytier policy check: --mds-root needs --mds")
		return exitUsage
	}
	if *mdsFile != "" {
		if models.MDS, err = loadMDS(*mdsFile, *mdsRoot); err != nil {
			fmt.Fprintf(stderr, "keytier policy check: --mds: %v\n", err)
			return mdsLoadExit(err)
		}
		if models.MDS.Stale(time.Now()) {
			fmt.Fprintf(stderr, "keytier policy check: the BLOB is past its nextUpdate (%s): fetch a newer one\n", models.MDS.NextUpdate.Format("2006-01-02"))
		}
	}
	r := checkPolicy(src, models)
	if *asJSON {
		if err := writePolicyJSON(stdout, r); err != nil {
			fmt.Fprintf(stderr, "keytier policy check: %v\n", err)
			return exitFail
		}
	} else {
		renderCheck(stdout, r)
	}
	if !r.Valid {
		return exitFail
	}
	return exitOK
}

// checkPolicy parses and explains the policy; models settle the key
// protection of allow-listed AAGUIDs.
func checkPolicy(src policySource, models passkey.Models) checkReport {
	r := checkReport{Source: src.Name, Errors: []policyProblem{}, Warnings: []policyProblem{}, Profiles: []profileReport{}, IncludeTargets: []targetReport{}, ExcludeTargets: []targetReport{}}
	p, err := passkey.ParseFIDO2Policy(src.data)
	if err != nil {
		r.Errors = policyProblemsOf(policyErrorsOf(err))
		return r
	}
	r.Valid = true
	r.Warnings = policyProblemsOf(p.Warnings())
	r.State = string(p.State)
	r.IsSelfServiceRegistrationAllowed = p.IsSelfServiceRegistrationAllowed
	r.DefaultPasskeyProfile = p.DefaultPasskeyProfile

	profiles, legacy := p.EffectiveProfiles()
	r.Legacy = legacy
	byID := map[string]int{}
	for _, pp := range profiles {
		byID[strings.ToLower(pp.ID)] = len(r.Profiles)
		r.Profiles = append(r.Profiles, policyProfileOf(pp, !legacy && pp.ID != "" && strings.EqualFold(pp.ID, p.DefaultPasskeyProfile), models))
	}

	for i, t := range p.ExcludeTargets {
		r.ExcludeTargets = append(r.ExcludeTargets, targetReport{
			Path: fmt.Sprintf("excludeTargets.%d", i), TargetType: string(t.TargetType), ID: t.ID,
			DisplayName: src.groupName(t.ID), Description: src.describeTarget(t.TargetType, t.ID),
		})
	}
	for _, a := range p.Assignments() {
		t := p.IncludeTargets[a.Index]
		tr := targetReport{
			Path: fmt.Sprintf("includeTargets.%d", a.Index), TargetType: string(t.TargetType), ID: t.ID,
			DisplayName: src.groupName(t.ID), Description: src.describeTarget(t.TargetType, t.ID),
			IsRegistrationRequired: t.IsRegistrationRequired, ByDefault: a.ByDefault,
		}
		for _, j := range a.ExcludedBy {
			tr.ExcludedBy = append(tr.ExcludedBy, fmt.Sprintf("excludeTargets.%d", j))
		}
		for _, sp := range a.Profiles {
			tr.Profiles = append(tr.Profiles, sp.Profile.ID)
			if k, ok := byID[strings.ToLower(sp.Profile.ID)]; ok {
				r.Profiles[k].AssignedBy = append(r.Profiles[k].AssignedBy, tr.Path)
			}
		}
		r.IncludeTargets = append(r.IncludeTargets, tr)
	}
	return r
}

func policyProfileOf(pp passkey.PasskeyProfile, isDefault bool, models passkey.Models) profileReport {
	a := pp.AssuranceWith(models)
	pr := profileReport{
		ID: pp.ID, Name: pp.Name,
		PasskeyTypes:           string(pp.PasskeyTypes),
		AttestationEnforcement: string(pp.AttestationEnforcement),
		Default:                isDefault,
		AssignedBy:             []string{},
		Assurance:              aalRange{Lowest: a.Lowest.String(), Highest: a.Highest.String(), FloorLimits: a.FloorLimits, Why: a.Why},
	}
	if pr.Assurance.FloorLimits == nil {
		pr.Assurance.FloorLimits = []string{}
	}
	pr.KeyRestrictions.AAGUIDs = []aaguidReport{}
	if kr := pp.KeyRestrictions; kr != nil {
		pr.KeyRestrictions.IsEnforced = kr.IsEnforced != nil && *kr.IsEnforced
		pr.KeyRestrictions.EnforcementType = string(kr.EnforcementType)
		for _, s := range kr.AAGUIDs {
			ar := aaguidReport{AAGUID: s, KeyProtection: "unknown"}
			if id, err := catalog.ParseAAGUID(s); err == nil {
				mp := models.KeyProtection(id)
				ar.Authenticator, ar.KeyProtectionSource = mp.Name, mp.Source
				if mp.KeyProtection != "" {
					ar.KeyProtection = string(mp.KeyProtection)
				}
			}
			pr.KeyRestrictions.AAGUIDs = append(pr.KeyRestrictions.AAGUIDs, ar)
		}
	}
	return pr
}

func renderCheck(w io.Writer, r checkReport) {
	fmt.Fprintf(w, "Policy: %s\n", r.Source)
	if r.Source == demoPolicyName {
		fmt.Fprintln(w, "  (no FILE given: check your own with 'keytier policy check FILE', or - for standard input)")
	}
	if !r.Valid {
		fmt.Fprintf(w, "✘ invalid: %d error(s); Graph would refuse it or keytier cannot evaluate it\n", len(r.Errors))
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  ✘ %s: %s\n", policyProblemPath(e.Path), e.Reason)
		}
		return
	}
	self := "not set"
	if r.IsSelfServiceRegistrationAllowed != nil {
		self = map[bool]string{true: "allowed", false: "not allowed"}[*r.IsSelfServiceRegistrationAllowed]
	}
	state := r.State
	if state == "" {
		state = "not set"
	}
	fmt.Fprintf(w, "✔ valid · state %s · self-service registration %s · %d warning(s)\n", state, self, len(r.Warnings))
	if r.State != string(passkey.PolicyEnabled) {
		fmt.Fprintln(w, "  ! the policy is not enabled: no one can register or sign in with a passkey")
	}
	for _, e := range r.Warnings {
		fmt.Fprintf(w, "  ! %s: %s\n", policyProblemPath(e.Path), e.Reason)
	}

	fmt.Fprintln(w)
	if r.Legacy {
		fmt.Fprintln(w, "Profiles: none; the policy predates passkey profiles, so its legacy settings act as one profile")
	} else {
		fmt.Fprintf(w, "Profiles (%d)\n", len(r.Profiles))
	}
	for _, pr := range r.Profiles {
		renderProfile(w, pr)
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Who is in scope")
	if len(r.IncludeTargets) == 0 {
		fmt.Fprintln(w, "  no include target: no one can use passkeys")
	}
	names := map[string]string{}
	for _, pr := range r.Profiles {
		names[strings.ToLower(pr.ID)] = shortPolicyProfileLabel(pr.Name, pr.ID)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range r.IncludeTargets {
		var got []string
		for _, id := range t.Profiles {
			got = append(got, names[strings.ToLower(id)])
		}
		to := strings.Join(got, "; ")
		switch {
		case len(t.ExcludedBy) > 0:
			to = "nothing: also excluded by " + strings.Join(t.ExcludedBy, ", ")
		case len(got) == 0:
			to = "no existing profile"
		case t.ByDefault:
			to += " (the default profile: the target assigns none)"
		}
		req := ""
		if t.IsRegistrationRequired != nil && *t.IsRegistrationRequired {
			req = " · registration required"
		}
		fmt.Fprintf(tw, "  %s\t%s\t→ %s%s\n", t.Path, t.Description, to, req)
	}
	tw.Flush()
	if len(r.ExcludeTargets) == 0 {
		fmt.Fprintln(w, "  excluded: no one")
	}
	for _, t := range r.ExcludeTargets {
		fmt.Fprintf(w, "  %s  %s → no passkeys at all, whatever includes them\n", t.Path, t.Description)
	}
	if !slices.ContainsFunc(r.IncludeTargets, func(t targetReport) bool { return t.ID == passkey.AllUsers }) && len(r.IncludeTargets) > 0 {
		fmt.Fprintln(w, "  everyone else: not in scope (no all_users target)")
	}

	fmt.Fprintln(w)
	switch {
	case r.Legacy:
		fmt.Fprintln(w, "Default profile: none (no passkey profiles)")
	case r.DefaultPasskeyProfile == "":
		fmt.Fprintln(w, "Default profile: not set; a target that assigns no profile gives its members none")
	default:
		label := r.DefaultPasskeyProfile
		if k := slices.IndexFunc(r.Profiles, func(pr profileReport) bool { return pr.Default }); k >= 0 {
			label = policyProfileLabel(r.Profiles[k].Name, r.Profiles[k].ID)
		}
		var by []string
		for _, t := range r.IncludeTargets {
			if t.ByDefault {
				by = append(by, t.Path)
			}
		}
		if len(by) == 0 {
			fmt.Fprintf(w, "Default profile: %s; every include target names its profiles, so it applies only to targets added without any\n", label)
		} else {
			fmt.Fprintf(w, "Default profile: %s; it applies to %s, which assign(s) no profile\n", label, strings.Join(by, ", "))
		}
	}
}

// shortPolicyProfileLabel names a profile by its name alone, where its id was
// shown next to it already.
func shortPolicyProfileLabel(name, id string) string {
	if name == "" {
		return id
	}
	return fmt.Sprintf("%q", name)
}

func policyProfileLabel(name, id string) string {
	if name == "" {
		return id
	}
	return fmt.Sprintf("%q (%s)", name, id)
}

func renderProfile(w io.Writer, pr profileReport) {
	head := "  " + policyProfileLabel(pr.Name, pr.ID)
	if pr.Default {
		head += " · default profile"
	}
	fmt.Fprintln(w, head)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "    %s\t%s\n", k, v) }
	row("passkey types", describeTypes(pr.PasskeyTypes))
	row("attestation", describeAttestation(pr.AttestationEnforcement))
	row("key restrictions", describeRestrictions(pr.KeyRestrictions))
	tw.Flush()
	for _, a := range pr.KeyRestrictions.AAGUIDs {
		name := a.Authenticator
		if name == "" {
			name = "not in keytier's catalog"
		}
		kp := "key protection " + a.KeyProtection
		if a.KeyProtectionSource != "" {
			kp += " (" + a.KeyProtectionSource + ")"
		}
		fmt.Fprintf(w, "      %s  %s · %s\n", a.AAGUID, name, kp)
	}
	fmt.Fprintf(w, "    assurance         %s to %s\n", pr.Assurance.Lowest, pr.Assurance.Highest)
	for _, why := range pr.Assurance.Why {
		fmt.Fprintf(w, "      · %s\n", why)
	}
	if len(pr.AssignedBy) == 0 {
		fmt.Fprintln(w, "    assigned by       no include target: no user gets this profile")
	} else {
		fmt.Fprintf(w, "    assigned by       %s\n", strings.Join(pr.AssignedBy, ", "))
	}
}

func describeTypes(t string) string {
	known, unknown := passkey.PasskeyTypes(t).Types()
	var parts []string
	for _, k := range known {
		switch k {
		case passkey.Synced:
			parts = append(parts, "synced")
		case passkey.DeviceBound:
			parts = append(parts, "device-bound")
		}
	}
	for _, u := range unknown {
		parts = append(parts, fmt.Sprintf("%q (unknown to keytier: not evaluated)", u))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " and ") + " (" + t + ")"
}

func describeAttestation(a string) string {
	switch passkey.AttestationEnforcement(a) {
	case passkey.AttestationAtRegistration:
		return "enforced at registration (registrationOnly): only attested passkeys register"
	case passkey.AttestationNotEnforced, "":
		return "not enforced (" + orPolicyNotSet(a) + ")"
	}
	return fmt.Sprintf("%q (unknown to keytier: the profile admits nothing)", a)
}

func describeRestrictions(k restrictionsReport) string {
	n := len(k.AAGUIDs)
	switch {
	case !k.IsEnforced && n > 0:
		return fmt.Sprintf("not enforced; the %s list of %d AAGUID(s) below is ignored", orPolicyNotSet(k.EnforcementType), n)
	case !k.IsEnforced:
		return "not enforced: any authenticator model"
	case k.EnforcementType == string(passkey.EnforceAllow):
		return fmt.Sprintf("allow list: only these %d model(s)", n)
	case k.EnforcementType == string(passkey.EnforceBlock):
		return fmt.Sprintf("block list: every model but these %d", n)
	}
	return fmt.Sprintf("enforced, type %q", k.EnforcementType)
}

func orPolicyNotSet(s string) string {
	if s == "" {
		return "not set"
	}
	return s
}
