package readiness

import (
	"fmt"
	"strings"

	"github.com/keytier/keytier/passkey"
)

// checkFIDO2Valid reports each problem reading and validating the FIDO2
// configuration found (passkey.FIDO2Policy.Validate): an error as a finding
// of the check's severity, a warning — an enumeration value keytier does
// not know, a setting Graph ignores — as information. The finding's id ends
// with the problem's JSON path within the configuration.
func checkFIDO2Valid(e *env, c *Check) []Finding {
	if len(e.fido2Problems) == 0 {
		return nil
	}
	x := e.newFIDO2Fix()
	seen := map[string]int{}
	var out []Finding
	for _, pe := range e.fido2Problems {
		path := pe.Path
		if path == "" {
			path = "(the configuration)"
		}
		subject := pe.Path
		if subject == "" {
			subject = "policy"
		}
		if seen[subject]++; seen[subject] > 1 {
			subject += "#" + itoa(seen[subject])
		}
		f := c.finding(subject)
		where := "the Fido2 method configuration"
		if pe.Path != "" {
			where = pe.Path + " in " + where
		}
		switch {
		case e.fido2 == nil:
			f.Title = "The passkey policy cannot be read at " + path
			f.Admin = fmt.Sprintf("%s: %s. keytier reads the configuration strictly (member names and types, repeated members, size limits); it could not, so every passkey check sees no policy.", where, pe.Reason)
			f.Plain = "The passkey settings could not be checked."
			f.Remediation.Description = "Read the configuration again with GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2 and put Graph's response in the snapshot unchanged."
		case pe.Warning:
			f.Severity = SeverityInfo
			f.Title = "Passkey policy warning at " + path
			f.Admin = fmt.Sprintf("%s: %s. Graph may accept this, but it probably does not do what was meant, or keytier cannot evaluate it.", where, pe.Reason)
			f.Plain = "A passkey setting may not work as intended; the IT team has been told."
			f.Remediation.Description = fmt.Sprintf("Review %s: %s.", path, pe.Reason)
		default:
			f.Title = "The passkey policy is invalid at " + path
			f.Admin = fmt.Sprintf("%s: %s. The other checks read the policy as written, so what depends on this setting admits no one or is not evaluated.", where, pe.Reason)
			f.Plain = "A passkey setting is broken, so passkeys may not work as intended for some people."
			f.Remediation = fixPolicyError(x, pe)
		}
		out = append(out, f)
	}
	return out
}

// fixPolicyError writes the PATCH that removes what an error is about when
// sanitize can (a reference to a profile that does not exist, a malformed
// AAGUID, a target without an id): the member it lies in, sent complete
// without it, provided the rest of that member is valid.
func fixPolicyError(x *fido2Fix, pe *passkey.PolicyError) Remediation {
	r := Remediation{Description: fmt.Sprintf("Correct %s: %s.", pe.Path, pe.Reason)}
	if x == nil {
		return r
	}
	top, _, _ := strings.Cut(pe.Path, ".")
	switch top {
	case "includeTargets", "excludeTargets", "passkeyProfiles", "keyRestrictions":
	default:
		return r
	}
	for _, q := range x.p.Validate() {
		if !q.Warning && q.Reason == pe.Reason && (q.Path == top || strings.HasPrefix(q.Path, top+".")) {
			return r // sanitize cannot remove it: the administrator decides
		}
	}
	if g := x.patchMembers(top); g != nil {
		r.Description += " The PATCH sends " + top + " complete without it: references to profiles that do not exist, targets without an id or naming groups that do not exist, and malformed or repeated AAGUIDs are left out; a target left without a profile gets the default profile, which Entra assigns to a target that names none."
		r.setRequests(g)
	}
	return r
}
