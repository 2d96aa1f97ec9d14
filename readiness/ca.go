package readiness

import (
	"encoding/json"
	"slices"

	"github.com/keytier/keytier/graphadapter"
)

// registerSecurityInfo is the Conditional Access user action for
// registering authentication methods (conditionalAccessApplications
// includeUserActions; learn.microsoft.com/entra/identity/conditional-access/
// howto-conditional-access-policy-registration).
const registerSecurityInfo = "urn:user:registersecurityinfo"

// caIncludes reports whether a Conditional Access policy's users condition
// includes p: "All", p's id, one of p's groups or one of p's roles
// (conditionalAccessUsers). Guests and external users ("GuestsOrExternalUsers",
// includeGuestsOrExternalUsers) are not modelled: the snapshot does not say
// who is a guest.
func caIncludes(c *graphadapter.ConditionalAccessPolicy, p *person) bool {
	u := c.Users
	return slices.Contains(u.IncludeUsers, "All") || slices.Contains(u.IncludeUsers, p.u.ID) ||
		slices.ContainsFunc(u.IncludeGroups, p.inGroup) ||
		slices.ContainsFunc(u.IncludeRoles, func(r string) bool { return slices.Contains(p.roleIDs, r) })
}

// caExcludes reports whether the policy excludes p by user, group or role.
func caExcludes(c *graphadapter.ConditionalAccessPolicy, p *person) bool {
	u := c.Users
	return slices.Contains(u.ExcludeUsers, p.u.ID) ||
		slices.ContainsFunc(u.ExcludeGroups, p.inGroup) ||
		slices.ContainsFunc(u.ExcludeRoles, func(r string) bool { return slices.Contains(p.roleIDs, r) })
}

// caApplies reports whether the policy applies to p.
func caApplies(c *graphadapter.ConditionalAccessPolicy, p *person) bool {
	return caIncludes(c, p) && !caExcludes(c, p)
}

// caApplications is the part of conditions.applications readiness reads;
// graphadapter keeps it in Raw.
type caApplications struct {
	Conditions struct {
		Applications struct {
			IncludeApplications []string `json:"includeApplications"`
			IncludeUserActions  []string `json:"includeUserActions"`
		} `json:"applications"`
	} `json:"conditions"`
}

// coversRegistration reports whether the policy governs registering
// security information: it targets all resources ("All"), which includes
// the registration experience, or the register-security-info user action.
func coversRegistration(c *graphadapter.ConditionalAccessPolicy) bool {
	var a caApplications
	if json.Unmarshal(c.Raw, &a) != nil {
		return false
	}
	apps := a.Conditions.Applications
	return slices.Contains(apps.IncludeApplications, "All") || slices.Contains(apps.IncludeUserActions, registerSecurityInfo)
}

// builtInStrengths are the allowed combinations of Entra's three built-in
// authentication strengths (learn.microsoft.com/entra/identity/
// authentication/concept-authentication-strengths, "Built-in authentication
// strengths"), used when a snapshot lacks authenticationStrengthPolicies.
// Only phishing-resistant MFA matters to the checks; the other two list the
// methods a Temporary Access Pass satisfies them with.
func builtInStrengths() map[string][]string {
	return map[string][]string{
		graphadapter.StrengthMFA:               {"temporaryAccessPassOneTime", "temporaryAccessPassMultiUse", "windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush", "password,microsoftAuthenticatorPush", "password,softwareOath", "password,hardwareOath", "password,sms", "password,voice"},
		graphadapter.StrengthPasswordlessMFA:   {"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"},
		graphadapter.StrengthPhishingResistant: {"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"},
	}
}

// strengthAdmitsTAP reports whether an authentication strength accepts a
// Temporary Access Pass.
func strengthAdmitsTAP(combos []string) bool {
	return slices.Contains(combos, "temporaryAccessPassOneTime") || slices.Contains(combos, "temporaryAccessPassMultiUse")
}

// satisfies reports whether p's registered methods meet one of the
// strength's combinations.
func satisfies(p *person, combos []string) bool {
	return slices.ContainsFunc(combos, func(c string) bool { return slices.Contains(p.modes, c) })
}
