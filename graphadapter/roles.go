package graphadapter

import (
	"slices"
	"strings"
)

// Role is a built-in Entra role that keytier treats as privileged: its
// holders must sign in with a phishing-resistant, device-bound credential.
type Role struct {
	// TemplateID is the role template id, the same in every tenant; it is
	// what a unifiedRoleAssignment's roleDefinitionId holds for a built-in
	// role and what Conditional Access lists in includeRoles.
	TemplateID string
	Name       string
	// Why says what a holder can do that makes the role a target.
	Why string
	// MicrosoftPrivileged is true when Microsoft labels the role
	// PRIVILEGED in its list of built-in roles (RolesSource).
	MicrosoftPrivileged bool
}

// RolesSource names where the role list below comes from.
const RolesSource = "Microsoft Learn, 'Microsoft Entra built-in roles' " +
	"(learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference; " +
	"MicrosoftDocs/entra-docs commit 00fe95d, ms.date 2026-01-20): the roles marked with the PRIVILEGED label, " +
	"plus Authentication Policy Administrator, which keytier adds"

// privilegedRoles: every role the built-in roles page labels PRIVILEGED, in
// that page's order after the six that decide who can change sign-in itself,
// plus Authentication Policy Administrator. Microsoft does not label that
// one, but it edits the authentication methods policy (passkey profiles,
// attestation, Temporary Access Pass lifetimes) that this toolkit audits;
// whoever holds it can weaken every other account's sign-in.
var privilegedRoles = []Role{
	{"62e90394-69f5-4237-9190-012177145e10", "Global Administrator", "manages every aspect of the tenant, including every other role and every credential", true},
	{"e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator", "assigns any role, Global Administrator included, and manages Privileged Identity Management", true},
	{"7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "Privileged Authentication Administrator", "sets and resets authentication methods for any user, administrators included", true},
	{"194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator", "manages security configuration across Entra ID and Microsoft 365", true},
	{"0526716b-113d-4c15-b2c8-68e3c22b9f80", "Authentication Policy Administrator", "changes the authentication methods policy: passkey profiles, attestation, Temporary Access Pass settings (not labelled PRIVILEGED by Microsoft; keytier adds it)", false},
	{"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator", "changes or disables the Conditional Access policies that require strong authentication", true},
	{"db506228-d27e-4b7d-95e5-295956d6615f", "Agent ID Administrator", "manages agent identities and their credentials", true},
	{"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator", "adds credentials to any application and so acts with its permissions", true},
	{"cf1c38e5-3621-4004-a7cb-879624dced7c", "Application Developer", "creates applications and their credentials", true},
	{"ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe", "Attribute Provisioning Administrator", "edits provisioning of custom security attributes", true},
	{"422218e4-db15-4ef9-bbe0-8afb41546d79", "Attribute Provisioning Reader", "reads provisioning of custom security attributes", true},
	{"c4e39bd9-1100-46d3-8c65-fb160da0071f", "Authentication Administrator", "sets and resets authentication methods for non-administrators", true},
	{"25a516ed-2fa0-40ea-a2d0-12923a21473a", "Authentication Extensibility Administrator", "customises sign-in with custom authentication extensions", true},
	{"aaf43236-0c0d-4d5f-883a-6955382ac081", "B2C IEF Keyset Administrator", "manages federation and encryption secrets", true},
	{"158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator", "adds credentials to any application except App Proxy ones", true},
	{"7698a772-787b-4ac8-901f-60d6b08affd2", "Cloud Device Administrator", "manages devices, including reading BitLocker keys", true},
	{"9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers", "writes basic directory information", true},
	{"8329153b-31d0-4727-b945-745eb3bc5f31", "Domain Name Administrator", "manages domains, including federation", true},
	{"be2f45a1-457d-42af-a067-6ec1fa63bc45", "External Identity Provider Administrator", "configures identity providers for direct federation", true},
	{"f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader", "reads everything a Global Administrator can", true},
	{"729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator", "resets passwords and creates Temporary Access Passes for non-administrators", true},
	{"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "Hybrid Identity Administrator", "manages sync, pass-through authentication and federation", true},
	{"3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator", "manages every device and the groups that target them", true},
	{"59d46f88-662b-457b-bceb-5c3809e5908f", "Lifecycle Workflows Administrator", "runs workflows that can issue Temporary Access Passes", true},
	{"4ba39ca4-527c-499a-b93d-d9b492c50246", "Partner Tier1 Support", "not for general use; resets passwords", true},
	{"e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8", "Partner Tier2 Support", "not for general use; resets passwords, administrators included", true},
	{"966707d0-3269-4727-9be2-8c3a10f19b9d", "Password Administrator", "resets passwords for non-administrators", true},
	{"5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", "Security Operator", "manages security events and responses", true},
	{"5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader", "reads security information and reports", true},
	{"fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator", "manages users and groups and resets passwords for limited administrators", true},
}

// PrivilegedRoles returns the roles keytier treats as privileged (see
// RolesSource), the six that govern sign-in first. The slice is a copy.
func PrivilegedRoles() []Role { return slices.Clone(privilegedRoles) }

// PrivilegedRole returns the privileged role with the given template id.
func PrivilegedRole(templateID string) (Role, bool) {
	for _, r := range privilegedRoles {
		if r.TemplateID == templateID {
			return r, true
		}
	}
	return Role{}, false
}

// FindPrivilegedRole returns the privileged role named s: its template id
// or its display name ("Global Administrator"), either without regard to
// case.
func FindPrivilegedRole(s string) (Role, bool) {
	for _, r := range privilegedRoles {
		if strings.EqualFold(r.TemplateID, s) || strings.EqualFold(r.Name, s) {
			return r, true
		}
	}
	return Role{}, false
}
