package graphadapter_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/tap"
)

// A helpdesk recovers a user who lost the phone holding their passkey: the
// lost passkey is deleted from the tenant, the user gets a one-time
// Temporary Access Pass under the tenant's own TAP policy, and signs in
// with it to register a new passkey. The tenant is the embedded demo one,
// in memory; with graphadapter/msgraph's Directory it is a live one.
func ExampleTAPDirectory() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tenant := demo.Snapshot()
	dir, err := graphadapter.NewMemoryDirectory(tenant)
	if err != nil {
		panic(err)
	}

	// The tenant's temporaryAccessPassAuthenticationMethodConfiguration.
	conf, _ := tenant.AuthenticationMethodsPolicy.MethodConfiguration("TemporaryAccessPass")
	policy, err := tap.ParsePolicy(conf.Raw)
	if err != nil {
		panic(err)
	}
	svc, err := tap.New(tap.Options{
		Store:  tap.NewMemoryStore(),
		Secret: tap.NewSecret([]byte("example secret: use 32 random bytes from a vault")),
		Policy: &policy,
		Now:    func() time.Time { return now },
		Rand:   rand.NewChaCha8([32]byte{7}),
	})
	if err != nil {
		panic(err)
	}

	user := demo.GlobalAdminSyncedPasskey
	passkeys := func() []string {
		ms, err := dir.AuthenticationMethods(ctx, user)
		if err != nil {
			panic(err)
		}
		var ids []string
		for _, m := range ms {
			if m.Kind() == graphadapter.KindFIDO2 {
				ids = append(ids, m.ID)
			}
		}
		return ids
	}
	lost := passkeys()
	fmt.Println("passkeys before:", len(lost))

	td := graphadapter.NewTAPDirectory(dir)
	iss, err := tap.Recover(ctx, svc, td, tap.RecoverRequest{
		UserID:            user,
		LostCredentialIDs: lost,
		Actor:             "helpdesk",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("passkeys after:", len(passkeys()))
	fmt.Println("policy allows reusable passes:", !policy.IsUsableOnce)
	p := iss.Info.Pass
	fmt.Println(iss.Info.Status, "one-time:", p.UsableOnce, "lifetime:", p.LifetimeInMinutes, "minutes")

	groups, _ := td.Groups(ctx, user)
	for _, id := range groups {
		g, _ := tenant.GroupByID(id)
		fmt.Println("group:", g.DisplayName)
	}

	// The user signs in with the pass and registers a new passkey.
	err = tap.Register(ctx, svc, user, iss.Code.Reveal(), func(context.Context, tap.Info) error {
		return nil // a WebAuthn registration ceremony with package passkey
	})
	fmt.Println("register:", err)
	_, err = svc.Redeem(ctx, user, iss.Code.Reveal())
	fmt.Println("again, used:", errors.Is(err, tap.ErrUsed))
	// Output:
	// passkeys before: 1
	// passkeys after: 0
	// policy allows reusable passes: true
	// active one-time: true lifetime: 60 minutes
	// group: All Staff
	// group: Admins
	// group: Operations
	// register: <nil>
	// again, used: true
}
