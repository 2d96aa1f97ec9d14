package graphadapter_test

import (
	"context"
	"fmt"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
)

func ExampleBuildSnapshot() {
	tenant := demo.Snapshot()
	dir, err := graphadapter.NewMemoryDirectory(tenant)
	if err != nil {
		panic(err)
	}
	var last graphadapter.Progress
	s, err := graphadapter.BuildSnapshot(context.Background(), dir, graphadapter.BuildOptions{
		Concurrency: 4,
		Progress:    func(p graphadapter.Progress) { last = p },
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Tenant.DisplayName, len(s.Users), "users")
	fmt.Println(last.Step, last.UsersDone, "of", last.UsersTotal)
	// Output:
	// Northwind Fabrication 300 users
	// completed 300 of 300
}
