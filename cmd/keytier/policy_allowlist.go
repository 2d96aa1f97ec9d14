package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/catalog"
	"github.com/keytier/keytier/passkey/mds"
)

// certificationRank orders FIDO authenticator certification levels
// (MDS3 §3.1.4 AuthenticatorStatus). FIDO_CERTIFIED is the retired
// functional program, below L1.
var certificationRank = map[string]int{
	"FIDO_CERTIFIED":        1,
	"FIDO_CERTIFIED_L1":     2,
	"FIDO_CERTIFIED_L1plus": 3,
	"FIDO_CERTIFIED_L2":     4,
	"FIDO_CERTIFIED_L2plus": 5,
	"FIDO_CERTIFIED_L3":     6,
	"FIDO_CERTIFIED_L3plus": 7,
}

// minCertification reads --min-certification: L1, L1+, L2, L2+, L3, L3+.
func minCertification(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	level := strings.ToUpper(strings.TrimPrefix(strings.ToUpper(s), "FIDO_CERTIFIED_"))
	level = strings.Replace(strings.Replace(level, "+", "plus", 1), "PLUS", "plus", 1)
	status := "FIDO_CERTIFIED_" + level
	if _, ok := certificationRank[status]; !ok {
		return "", fmt.Errorf("--min-certification %q: want L1, L1+, L2, L2+, L3 or L3+", s)
	}
	return status, nil
}

// allowCriteria are what an authenticator must meet to be listed.
type allowCriteria struct {
	minCertification string // a FIDO_CERTIFIED_* status, or ""
	fips             bool
	// keyProtection is a value the statement's keyProtection must list:
	// hardware, secure_element or tee; "" asks only that the key be
	// hardware-backed and not software (passkey.MDSKeyProtection), and
	// "any" asks nothing.
	keyProtection  string
	includeRevoked bool
}

// refusal says why an entry is not listed: a category for the summary and
// the detail for this entry. Both are "" when it is listed.
func (c allowCriteria) refusal(e *mds.Entry) (kind, detail string) {
	switch {
	case e.AAGUID == uuid.Nil:
		return "no AAGUID", "fido-u2f or UAF: listed by key identifier or AAID, which key restrictions cannot name"
	case !c.includeRevoked && e.Revoked:
		return "revoked", "a REVOKED status report is in effect"
	case !c.includeRevoked && e.Compromised:
		return "compromised", "a key compromise or user verification bypass report is in effect"
	case !c.includeRevoked && e.Retired:
		return "retired", "a RETIRED status report is in effect: its vendor no longer supports it"
	case e.MultiDeviceCredentialSupport == "implicit":
		return "synced only", "makes only multi-device (synced) credentials, which a device-bound profile refuses"
	case len(e.AttestationTypes) > 0 && !slices.ContainsFunc(e.AttestationTypes, func(t string) bool { return t != "none" }):
		return "no attestation", "produces no attestation, which a profile enforcing attestation refuses"
	}
	if c.minCertification != "" && certificationRank[e.CertificationLevel] < certificationRank[c.minCertification] {
		return "certification below " + c.minCertification, "certification " + orPolicyNotSet(e.CertificationLevel)
	}
	if c.fips && e.FIPS == nil {
		return "no FIPS 140 certification", "no FIPS 140 certification known"
	}
	switch c.keyProtection {
	case "any":
	case "":
		// The profile is for AAL3: a model whose keys may sit in software
		// would hold the profile's floor at AAL2 (PasskeyProfile.Assurance).
		if !passkey.MDSKeyProtection(e.KeyProtection).HardwareBacked() {
			return "key protection not hardware-backed", "key protection " + orPolicyNotSet(strings.Join(e.KeyProtection, ","))
		}
	default:
		if !slices.Contains(e.KeyProtection, c.keyProtection) {
			return "key protection not " + c.keyProtection, "key protection " + orPolicyNotSet(strings.Join(e.KeyProtection, ","))
		}
	}
	return "", ""
}

func policyAllowlistCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy allowlist", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		mdsFile, mdsRoot, minCert, keyProtection, profileID, policyProfileName string
		fips, excludeRevoked, includeRevoked, verbose                          bool
	)
	fs.StringVar(&mdsFile, "mds", "", "FIDO MDS3 BLOB file (required)")
	fs.StringVar(&mdsRoot, "mds-root", "", "PEM root the MDS BLOB must chain to (default: FIDO's MDS3 root, GlobalSign Root R46, as go-webauthn ships it)")
	fs.StringVar(&minCert, "min-certification", "", "lowest FIDO certification level: L1, L1+, L2, L2+, L3 or L3+")
	fs.BoolVar(&fips, "fips", false, "only authenticators with a known FIPS 140 certification")
	fs.StringVar(&keyProtection, "key-protection", "", "only authenticators whose metadata lists this key protection: hardware, secure_element or tee; any lists software ones too (default: hardware-backed, never software)")
	fs.BoolVar(&excludeRevoked, "exclude-revoked", true, "leave out revoked, compromised and retired authenticators (false is --include-revoked)")
	fs.BoolVar(&includeRevoked, "include-revoked", false, "list revoked, compromised and retired authenticators too (dangerous: FIDO says not to trust them)")
	fs.StringVar(&profileID, "profile-id", "", "the passkeyProfile's id (the id includeTargets reference)")
	fs.StringVar(&policyProfileName, "profile-name", "Device-bound, attested (from FIDO metadata)", "the passkeyProfile's name")
	fs.BoolVar(&verbose, "v", false, "list every authenticator on stderr: listed, and left out with the reason")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: keytier policy allowlist --mds BLOB [flags]\n\nPrints a device-bound passkeyProfile (Graph JSON) whose AAGUID allow list holds\nthe authenticators of the FIDO metadata that meet the criteria; what was left\nout, and why, goes to stderr.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "keytier policy allowlist: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q (the BLOB goes in --mds)", fs.Arg(0))
	}
	if mdsFile == "" {
		return usageErr("--mds BLOB is required: the allow list is built from FIDO metadata")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["exclude-revoked"] && set["include-revoked"] && excludeRevoked == includeRevoked {
		return usageErr("--exclude-revoked=%t and --include-revoked=%t contradict each other", excludeRevoked, includeRevoked)
	}
	crit := allowCriteria{fips: fips, includeRevoked: includeRevoked || !excludeRevoked}
	var err error
	if crit.minCertification, err = minCertification(minCert); err != nil {
		return usageErr("%v", err)
	}
	switch keyProtection {
	case "", "hardware", "secure_element", "tee", "any":
		crit.keyProtection = keyProtection
	default:
		return usageErr("--key-protection %q: want hardware, secure_element, tee or any", keyProtection)
	}
	blob, err := loadMDS(mdsFile, mdsRoot)
	if err != nil {
		fmt.Fprintf(stderr, "keytier policy allowlist: --mds: %v\n", err)
		return mdsLoadExit(err)
	}

	note := func(format string, a ...any) { fmt.Fprintf(stderr, "keytier policy allowlist: "+format+"\n", a...) }
	if blob.Stale(time.Now()) {
		note("the BLOB is past its nextUpdate (%s): fetch a newer one", blob.NextUpdate.Format("2006-01-02"))
	}
	if len(blob.Skipped) > 0 {
		note("%d entries of the BLOB could not be read and are left out", len(blob.Skipped))
	}
	var listed []string
	var order []string
	left := map[string]int{}
	details := map[string]string{}
	entries := blob.Entries()
	for _, e := range entries {
		kind, detail := crit.refusal(e)
		if kind == "" {
			listed = append(listed, e.AAGUID.String())
			if verbose {
				note("listed %s %q", e.AAGUID, e.Description)
			}
			continue
		}
		if verbose {
			note("left out %s: %s: %s", describeMDSEntry(e), kind, detail)
		}
		if left[kind] == 0 {
			order = append(order, kind)
			details[kind] = detail
		} else if details[kind] != detail {
			details[kind] = "" // varies: -v lists each
		}
		left[kind]++
	}
	for _, kind := range order {
		if d := details[kind]; d != "" {
			note("left out %d: %s (%s)", left[kind], kind, d)
		} else {
			note("left out %d: %s (-v lists each)", left[kind], kind)
		}
	}
	if crit.includeRevoked {
		note("revoked, compromised and retired authenticators are included, as asked")
	}
	slices.Sort(listed)
	listed = slices.Compact(listed)
	note("%d of %d authenticators listed", len(listed), len(entries))
	if len(listed) == 0 {
		note("no authenticator meets the criteria: an empty allow list admits no passkey, so none is printed")
		return exitFail
	}
	if profileID == "" {
		note("no --profile-id: add the profile's id before sending it to Graph (includeTargets name profiles by id)")
	} else if _, err := catalog.ParseAAGUID(profileID); err != nil {
		note("--profile-id %q is not a GUID: includeTargets name profiles in allowedPasskeyProfiles, a Guid collection, so no target could name it", profileID)
	}

	profile := passkey.PasskeyProfile{
		ID:                     profileID,
		Name:                   policyProfileName,
		PasskeyTypes:           passkey.PasskeyTypes(passkey.DeviceBound),
		AttestationEnforcement: passkey.AttestationAtRegistration,
		KeyRestrictions: &passkey.KeyRestrictions{
			IsEnforced:      policyPtr(true),
			EnforcementType: passkey.EnforceAllow,
			AAGUIDs:         listed,
		},
	}
	out, err := jsonv2.Marshal(profile, jsontext.WithIndent("  "))
	if err != nil {
		fmt.Fprintf(stderr, "keytier policy allowlist: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "%s\n", out)
	return exitOK
}

func describeMDSEntry(e *mds.Entry) string {
	id := e.AAGUID.String()
	if e.AAGUID == uuid.Nil {
		id = "key ids " + strings.Join(e.KeyIdentifiers, ",")
		if len(e.KeyIdentifiers) == 0 {
			id = e.ProtocolFamily + " entry"
		}
	}
	return fmt.Sprintf("%s %q", id, e.Description)
}

func policyPtr[T any](v T) *T { return &v }

// mdsLoadExit is the exit code for a loadMDS error: a file that cannot be
// opened or read is a wrong command line; a BLOB or root that does not
// parse or verify is bad input.
func mdsLoadExit(err error) int {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return exitUsage
	}
	return exitFail
}
