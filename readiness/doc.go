// Package readiness runs a passkey deployment checklist over a tenant
// snapshot (graphadapter.Snapshot) and returns findings with their evidence
// and a concrete fix.
//
// The checklist is data: Checks lists every check with its stable id
// ("KT-FIDO2-004"), its severity, the Maester checks it corresponds to
// (EIDSCA.AF01…AF06, AT01…AT07, AG08…AG12, MT.1067) and its title. Maester
// reads the tenant-wide switches; readiness goes further — passkey profiles,
// each privileged role holder, each registered passkey, each Conditional
// Access policy — and names exactly the users (by userPrincipalName) and
// groups (by displayName) a finding is about.
//
// Run is the entry point:
//
//	s, err := graphadapter.LoadFile("tenant.json")
//	if err != nil { ... }
//	r := readiness.Run(s, readiness.Options{})
//	for _, f := range r.Findings {
//		fmt.Println(f.Severity, f.Check, f.Title, len(f.Users))
//		if g := f.Remediation.GraphRequest; g != nil {
//			fmt.Println(g.Method, g.URL, string(g.Body)) // the PATCH that fixes it
//		}
//	}
//
// The Report's JSON is the contract of `keytier audit --format json`.
//
// # Decisions
//
//   - Time: the audit is of the snapshot, so "now" is Snapshot.CapturedAt
//     unless Options.At says otherwise; the wall clock is never read.
//   - Disabled accounts (accountEnabled false) are left out of every per-user
//     check and figure: they cannot sign in.
//   - Privileged means holding one of graphadapter.PrivilegedRoles, directly
//     or through a role-assignable group.
//   - A user's assurance is the best of their registered methods, each
//     classified with assurance.Classify (see classifier.classify and
//     passkeyEvidence for the mapping).
//   - Break-glass accounts: see Options.BreakGlass and isBreakGlass.
package readiness
