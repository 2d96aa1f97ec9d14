// Package graphadapter reads a Microsoft Entra tenant as keytier sees it:
// users and their registered authentication methods, groups, directory role
// assignments, the authentication methods policy (passkey profiles,
// Temporary Access Pass, the registration campaign), and, optionally,
// Conditional Access and authentication strength policies.
//
// The model is a Snapshot: one JSON document whose parts are Microsoft
// Graph's own responses, so it can be assembled with any Graph client and
// kept as a file (the layout is on Snapshot). Load reads it strictly — JSON
// v2 semantics, exact member names, no repeated members, every limit in
// limits.go enforced, errors naming the JSON path — and keeps every member
// it does not read, so Marshal writes back what came in:
//
//	s, err := graphadapter.LoadFile("tenant.json")
//	if err != nil { ... } // *graphadapter.Error: "graphadapter: users.3.authenticationMethods.0.aaGuid: ..."
//	for i := range s.Users {
//		u := &s.Users[i]
//		for _, m := range u.MethodsOf(graphadapter.KindFIDO2) {
//			f, _ := m.FIDO2() // aaGuid, model, attestationLevel
//			...
//		}
//		roles := s.PrivilegedRolesOf(u.ID) // direct and through role-assignable groups
//	}
//
// Entry points: Load, LoadFile, Snapshot.Marshal and Snapshot.Check; the
// index lookups UserByID, UserByUPN, GroupsOf, MembersOf, RolesOf; the
// per-object parsers ParseMethod, ParseMethodConfiguration,
// ParseConditionalAccessPolicy, ParseAuthenticationStrengthPolicy; and
// PrivilegedRoles, the built-in roles keytier holds to the strictest rules,
// with their source.
//
// The FIDO2 and Temporary Access Pass method configurations stay raw JSON
// here (MethodConfiguration.Raw); the passkey and tap packages decode them.
// Phone numbers and email addresses are PersonalData, which redacts itself
// when printed or logged.
//
// Package graphadapter/demo embeds a fictional tenant to try all this on.
// This package does not talk to Graph; see DESIGN.md for the packages that do.
package graphadapter
