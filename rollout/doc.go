// Package rollout turns a tenant snapshot and its readiness audit into a
// passkey rollout plan people can follow: segments of users who get the
// same passkey rules, waves in a sensible order with the findings that
// must be fixed before each (its gates, with the audit's Graph calls),
// messages to each segment in plain "unlock" language, and helpdesk
// runbooks for a new device, a lost one and a user who cannot register,
// with the Temporary Access Pass the tenant's policy allows.
//
// It sits after readiness: it reads graphadapter's Snapshot and
// readiness's Report, and nothing imports it but the CLI (keytier plan)
// and the playground.
//
//	s, err := graphadapter.LoadFile("tenant.json")
//	if err != nil { ... }
//	p, err := rollout.Build(s, rollout.Options{})
//	if err != nil { ... }
//	p.WriteMarkdown(os.Stdout) // or WriteHTML, WriteJSON
//
// # Decisions
//
//   - Segments are the include targets of the passkey (FIDO2) policy,
//     merged when they assign the same profiles; each enabled user is in
//     one segment, the strictest that includes them (a device-bound
//     profile before a synced one), so an administrator who is also in
//     All Staff is counted with the administrators. Users no target
//     reaches are "Everyone else".
//   - A user is ready when they hold a registered passkey the segment's
//     rules admit (passkey.FIDO2Policy.Evaluate); blocked when a finding
//     of KT-CA-001, KT-FIDO2-004, KT-PRIV-001 or KT-FIDO2-005 names them,
//     or KT-FIDO2-001/002 stops everyone; needs a pass when they hold no
//     method to sign in with but a password; otherwise they can register.
//   - Waves: privileged accounts first when no gate blocks them, last
//     otherwise; a pilot from the readiest workforce segment; then the
//     workforce. Dates come from Options.Start (default: the first Monday
//     after the snapshot) and Options.WaveDays (default 14); the plan lists
//     what it assumed.
//   - The wall clock is never read: the same snapshot and options give the
//     same plan.
package rollout
