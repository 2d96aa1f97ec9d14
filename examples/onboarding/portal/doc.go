// Package portal is the onboarding and recovery portal of the
// examples/onboarding program: a small net/http server where an administrator
// creates a user and hands over a Temporary Access Pass (TAP), the new hire
// redeems it and registers a passkey, and a helpdesk revokes a lost passkey and
// issues a recovery pass.
//
// keytier does the judging; the portal only wires it to pages:
//
//   - package tap issues, redeems and revokes the passes (tap.Onboard,
//     tap.Register, tap.Recover), kept in SQLite by tap/sqlstore;
//   - package passkey verifies every registration (passkey.Verify, WebAuthn
//     L3 §7.1 against the portal's RP ID, origin and challenge), classifies it
//     (Credential.Classify: the AAL with plain-language explanations the
//     page shows) and decides with the FIDO2 policy whether the user's passkey
//     profile admits it (FIDO2Policy.Evaluate); a refused passkey is not
//     stored, an admitted one is stored as a credential record
//     (passkey.NewRecord);
//   - package passkey verifies every sign-in against that record
//     (passkey.VerifyAssertion, WebAuthn L3 §7.2) and returns it updated,
//     with the events the sign-in revealed (a key now backed up, a counter
//     that did not advance); the portal saves it, refused or not, once the
//     signature verified, and applies the FIDO2 policy to the passkey as it
//     now stands (Record.Facts);
//   - go-webauthn's webauthn package builds the ceremony options and draws
//     their challenges.
//
// Users, group memberships and passkeys live in the portal's own tables in the
// same SQLite database as the passes (store.go). The admin page lists each
// passkey's verdict at registration and now, and its events.
//
// The main entry points are New, which opens the portal on a *sql.DB, and
// Portal.Handler, which serves it:
//
//	p, err := portal.New(ctx, portal.Options{DB: db, Origin: "http://localhost:8080"})
//	if err != nil { … }
//	if err := p.SeedDemo(ctx); err != nil { … }
//	http.ListenAndServe("127.0.0.1:8080", p.Handler())
//
// # What the example leaves out
//
// The admin and helpdesk pages have no sign-in of their own: the program
// listens on loopback only, and a real deployment puts those pages behind
// the staff's own single sign-on. Sessions live in memory, so a restart signs
// everyone out.
//
// # Browser safety
//
// State-changing requests must be POSTs from the portal's own origin
// (sameOrigin checks Sec-Fetch-Site and Origin); the session cookie is
// HttpOnly and SameSite=Strict; WebAuthn ceremony state stays on the server,
// each challenge usable once; pages carry a Content-Security-Policy that
// allows only the portal's own script and style sheet.
package portal
