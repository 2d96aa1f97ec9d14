package tap_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/keytier/keytier/tap"
)

// exampleService is a service with a fixed clock and a seeded random
// source, so the examples print the same thing every time. Real services
// leave Now and Rand nil and take Secret from a secret manager.
func exampleService(store tap.Store, now *time.Time) *tap.Service {
	svc, err := tap.New(tap.Options{
		Store:  store,
		Secret: tap.NewSecret([]byte("example secret: use 32 random bytes from a vault")),
		Now:    func() time.Time { return *now },
		Rand:   rand.NewChaCha8([32]byte{42}),
	})
	if err != nil {
		panic(err)
	}
	return svc
}

func ExampleParsePolicy() {
	doc, err := os.ReadFile("testdata/policy-graph-get.json")
	if err != nil {
		panic(err)
	}
	p, err := tap.ParsePolicy(doc)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.State, p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes, p.DefaultLength, p.IsUsableOnce)

	_, err = tap.ParsePolicy([]byte(`{"maximumLifetimeInMinutes": 50000}`))
	fmt.Println(err)
	// Output:
	// enabled 60 480 8 false
	// tap: invalid policy: maximumLifetimeInMinutes: 50000 is outside 10–43200 (30 days)
}

func ExampleService_Issue() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	svc := exampleService(tap.NewMemoryStore(), &now)

	iss, err := svc.Issue(ctx, tap.IssueRequest{UserID: "alice@contoso.com", Actor: "helpdesk", LifetimeInMinutes: 120})
	if err != nil {
		panic(err)
	}
	fmt.Println(iss.Info.Status, iss.Info.MethodUsabilityReason)
	fmt.Println("expires", iss.Info.Pass.ExpiresAt.Format(time.RFC3339))
	fmt.Println("code", iss.Code, "length", len(iss.Code.Reveal())) // printing redacts; Reveal does not
	fmt.Printf("entropy %.1f bits\n", tap.EntropyBits(len(iss.Code.Reveal())))
	// Output:
	// active EnabledByPolicy
	// expires 2026-03-02T11:00:00Z
	// code [REDACTED] length 8
	// entropy 39.3 bits
}

func ExampleService_Redeem() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	svc := exampleService(tap.NewMemoryStore(), &now)
	iss, err := svc.Issue(ctx, tap.IssueRequest{UserID: "bob@contoso.com", Actor: "helpdesk", Usage: tap.UsageOnce})
	if err != nil {
		panic(err)
	}
	code := iss.Code.Reveal()

	_, err = svc.Redeem(ctx, "bob@contoso.com", code)
	fmt.Println("first:", err)
	_, err = svc.Redeem(ctx, "bob@contoso.com", code)
	fmt.Println("second used:", errors.Is(err, tap.ErrUsed))
	info, _ := svc.Status(ctx, "bob@contoso.com")
	fmt.Println(info.Status, info.MethodUsabilityReason)
	// Output:
	// first: <nil>
	// second used: true
	// used OneTimeUsed
}

func ExampleCode() {
	c, err := tap.ParseCode("abcd-2345")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v %q %#v\n", c, c, c)
	fmt.Println(c.Reveal())
	// Output:
	// [REDACTED] "[REDACTED]" tap.Code{[REDACTED]}
	// ABCD2345
}

func ExampleOnboard() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	svc := exampleService(tap.NewMemoryStore(), &now)
	dir := tap.NewMemoryDirectory()

	ob, err := tap.Onboard(ctx, svc, dir, tap.OnboardRequest{
		User:  tap.User{UserPrincipalName: "new.hire@contoso.com", DisplayName: "New Hire"},
		Actor: "onboarding-portal",
		Issue: tap.IssueRequest{StartAt: now.Add(24 * time.Hour), LifetimeInMinutes: 480},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(ob.User.ID, ob.Issued.Info.Status, ob.Issued.Info.Pass.UsableOnce)

	// First day: the new hire signs in with the pass and registers a passkey.
	now = now.Add(25 * time.Hour)
	err = tap.Register(ctx, svc, ob.User.ID, ob.Issued.Code.Reveal(), func(ctx context.Context, pass tap.Info) error {
		dir.AddPasskey(pass.Pass.UserID, "credential-1") // a WebAuthn registration in real life
		return nil
	})
	fmt.Println(err, dir.Passkeys(ob.User.ID))
	// Output:
	// user-1 notYetValid true
	// <nil> [credential-1]
}

func ExampleRecover() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	svc := exampleService(tap.NewMemoryStore(), &now)
	dir := tap.NewMemoryDirectory()
	u, _ := dir.CreateUser(ctx, tap.User{UserPrincipalName: "carol@contoso.com"})
	dir.AddPasskey(u.ID, "phone-passkey")
	dir.AddPasskey(u.ID, "security-key")

	iss, err := tap.Recover(ctx, svc, dir, tap.RecoverRequest{
		UserID: u.ID, LostCredentialIDs: []string{"phone-passkey"}, Actor: "helpdesk",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(dir.Passkeys(u.ID), iss.Info.Status)
	err = tap.Register(ctx, svc, u.ID, iss.Code.Reveal(), func(ctx context.Context, pass tap.Info) error {
		dir.AddPasskey(u.ID, "new-phone-passkey")
		return nil
	})
	fmt.Println(err, dir.Passkeys(u.ID))
	// Output:
	// [security-key] active
	// <nil> [security-key new-phone-passkey]
}

func ExampleNewSecret() {
	key := []byte("example secret: use 32 random bytes from a vault") // from a secret manager
	opts := tap.Options{Store: tap.NewMemoryStore(), Secret: tap.NewSecret(key)}
	clear(key) // NewSecret copied it
	svc, err := tap.New(opts)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v\n%+v\n", opts.Secret, svc)
	// Output:
	// [REDACTED]
	// tap.Service{store: *tap.MemoryStore, policy: enabled, maxFailedAttempts: 5, secret: [REDACTED]}
}

// With Options.Groups the service asks the directory at every redemption
// whether the policy still targets the user.
func ExampleOptions_groups() {
	ctx := context.Background()
	dir := tap.NewMemoryDirectory()
	u, _ := dir.CreateUser(ctx, tap.User{UserPrincipalName: "carol@contoso.com"})
	dir.AddToGroup(u.ID, "new-hires")
	policy := tap.DefaultPolicy()
	policy.ExcludeTargets = []tap.ExcludeTarget{{ID: "leavers", TargetType: tap.TargetGroup}}
	svc, err := tap.New(tap.Options{
		Store:  tap.NewMemoryStore(),
		Secret: tap.NewSecret([]byte("example secret: use 32 random bytes from a vault")),
		Policy: &policy,
		Groups: dir,
	})
	if err != nil {
		panic(err)
	}
	iss, err := svc.Issue(ctx, tap.IssueRequest{UserID: u.ID, Actor: "hr", GroupIDs: []string{"new-hires"}})
	if err != nil {
		panic(err)
	}
	dir.AddToGroup(u.ID, "leavers") // after the pass was issued
	_, err = svc.Redeem(ctx, u.ID, iss.Code.Reveal())
	fmt.Println(errors.Is(err, tap.ErrDisabledByPolicy))
	info, _ := svc.Status(ctx, u.ID)
	fmt.Println(info.Status, info.MethodUsabilityReason)
	// Output:
	// true
	// disabledByPolicy DisabledByPolicy
}

func ExampleService_PurgeExpired() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	svc := exampleService(tap.NewMemoryStore(), &now)
	for _, user := range []string{"dave@contoso.com", "erin@contoso.com"} {
		if _, err := svc.Issue(ctx, tap.IssueRequest{UserID: user, Actor: "helpdesk"}); err != nil {
			panic(err)
		}
	}
	if _, err := svc.Revoke(ctx, "helpdesk", "erin@contoso.com"); err != nil {
		panic(err)
	}
	now = now.Add(time.Hour) // the default lifetime
	gone, err := svc.PurgeExpired(ctx, "nightly-job")
	if err != nil {
		panic(err)
	}
	for _, i := range gone {
		fmt.Println(i.Pass.UserID, i.Status)
	}
	// Output:
	// dave@contoso.com expired
	// erin@contoso.com revoked
}
