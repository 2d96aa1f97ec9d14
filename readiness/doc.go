// Package readiness runs a passkey deployment checklist over a tenant
// snapshot (graphadapter.Snapshot) and returns findings with their evidence
// and a concrete fix.
//
// The checklist is data: Checks lists every check with its stable id
// ("KT-FIDO2-004"), its severity, the Maester checks it corresponds to
// (EIDSCA.AF01…AF06, AT01…AT07, AG08…AG10, AG12, MT.1067) and its goal as a
// title; a finding's own title states the problem it found. EIDSCA maps each
// of those ids to the setting it reads and the value readiness recommends —
// Maester's where it gives one, keytier's with its reason where it does not
// (AT03–AT07, AG08–AG10, AG12). Maester reads the tenant-wide switches;
// readiness goes further — passkey profiles, each privileged role holder,
// each registered passkey, each Conditional Access policy — and names
// exactly the users (by userPrincipalName) and groups (by displayName) a
// finding is about.
//
// Run is the entry point:
//
//	s, err := graphadapter.LoadFile("tenant.json")
//	if err != nil { ... }
//	r := readiness.Run(s, readiness.Options{})
//	for _, f := range r.Findings {
//		fmt.Println(f.Severity, f.Check, f.Title, len(f.Users))
//		for _, g := range f.Remediation.GraphRequests {
//			fmt.Println(g.Method, g.URL, string(g.Body)) // the calls that fix it, in order
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
//   - A profile fit for privileged accounts is one whose floor is AAL3 by
//     passkey.PasskeyProfile.AssuranceWith with Options.Models, the floor
//     `keytier policy check` prints, so the two cannot disagree; one held
//     below AAL3 only by allow-listed models of unknown key protection is a
//     high finding of KT-FIDO2-004, not a critical one (env.floor).
//   - One privileged-user rule (privileged.go): what the policy guarantees
//     a privileged user is the lowest floor among the profiles in their
//     scope that admit a passkey (Entra admits one that satisfies any of
//     them); each profile below AAL3 is reported by the one check that
//     owns its cause — KT-PRIV-001 if it lets a synced passkey register,
//     KT-FIDO2-004 otherwise — and KT-BG-001 judges the passkeys an
//     emergency account holds by the same evidence mapping.
//   - Break-glass accounts: see Options.BreakGlass and isBreakGlass.
//   - A report's fixes compose (compose.go): sent one after another in
//     the report's order, each builds on what the earlier ones changed —
//     PATCH bodies rebased, an object created once (Binding.Finding), a
//     membership changed once — and Remediation.After names the findings a
//     fix builds on.
//   - The passkey policy is read strictly but audited even when it does not
//     validate: KT-FIDO2-000 reports each problem, the other checks read
//     it as written, and no fix sends back a reference to nothing
//     (policyfix.go).
//   - A fix is written as Graph calls only when keytier can show it fixes
//     the finding and changes nothing else it can see (fido2Fix.sound,
//     membershipChangeSafe); otherwise Remediation.Description says what
//     the administrator must decide.
//   - A fix whose calls would leave a user no way to sign in names the
//     step that must come first (Remediation.Prerequisites: a one-time
//     pass, a device-bound passkey); one that fixes only part of a finding
//     says so (Remediation.Partial); a call that names an object an earlier
//     call creates says where Graph's id goes (GraphRequest.Bind).
package readiness
