// Package tap issues and checks Temporary Access Passes (TAP), the
// time-limited passcodes Microsoft Entra ID uses to bootstrap passwordless
// accounts and to recover users who lost their passkey device.
//
// Policy mirrors Graph's temporaryAccessPassAuthenticationMethodConfiguration
// (ParsePolicy reads it, json.Marshal writes it back with unknown members
// intact). Service implements the life of a pass the way Entra does — one
// pass per user, a lifetime within the policy's bounds, one-time or reusable,
// statuses mapped to Graph's methodUsabilityReason — and adds what a
// self-hosted issuer needs: only an HMAC-SHA-256 of the code is stored,
// wrong codes lock a pass, and every change is reported to an AuditSink.
//
// Codes are drawn by rejection sampling from Alphabet (30 characters without
// look-alikes, 4.907 bits each: 39.3 bits at the default length 8, 235.5 at
// 48). The plaintext exists once, in the Code that Issue returns; Code
// redacts itself in every printed or encoded form and gives the plaintext
// only through Reveal. The server's HMAC key is a Secret (NewSecret), which
// redacts itself the same way, and a *Service prints without it.
//
// Passes live in a Store: NewMemoryStore in process, tap/sqlstore on SQLite
// or PostgreSQL for several processes. tap/taptest holds the conformance
// suite every Store passes. Onboard, Recover and Register compose the
// service with a directory for the two flows TAP exists for: Recover needs a
// RecoveryDirectory, which graphadapter.TAPDirectory provides over the
// in-memory tenant and Microsoft Graph; Onboard needs an
// OnboardingDirectory, which also creates users.
//
//	svc, err := tap.New(tap.Options{Store: tap.NewMemoryStore(), Secret: tap.NewSecret(secret)})
//	iss, err := svc.Issue(ctx, tap.IssueRequest{UserID: "alice@contoso.com", Actor: "helpdesk"})
//	show(iss.Code.Reveal())                    // once, to the user
//	_, err = svc.Redeem(ctx, "alice@contoso.com", typed)
//	if errors.Is(err, tap.ErrExpired) { … }
package tap
