package rollout_test

import (
	"fmt"

	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/rollout"
)

// The demo tenant's plan: its segments and the waves, each with its gates.
func ExampleBuild() {
	p, err := rollout.Build(demo.Snapshot(), rollout.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range p.Segments {
		fmt.Printf("%s: %d users, %d ready, %d need a pass, %d blocked\n", s.Name, s.Users, s.Ready, s.NeedPass, s.Blocked)
	}
	for _, w := range p.Waves {
		fmt.Printf("%s %s: %d users, gates %v\n", w.Start, w.Name, w.Users, w.Gates)
	}
	// Output:
	// Admins, Break Glass: 11 users, 0 ready, 0 need a pass, 11 blocked
	// All Staff, Contractors: 284 users, 103 ready, 13 need a pass, 17 blocked
	// 2026-06-08 Pilot: 28 users, gates []
	// 2026-06-22 Workforce: 256 users, gates [KT-CA-001/3af06009-9dba-54df-8816-eef11e99a947]
	// 2026-07-06 Privileged accounts: 11 users, gates [KT-PRIV-001 KT-FIDO2-004/Fido2 KT-CA-001/a0d37215-29d8-5f42-9193-d60e2c0d0140]
}
