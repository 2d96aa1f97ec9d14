package msgraph_test

import (
	"context"
	"fmt"
	"log"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/graphtest"
	"github.com/keytier/keytier/graphadapter/msgraph"
)

// Capture a tenant through Microsoft Graph. Against a real tenant the
// credential comes from NewCredential (the Azure CLI's sign-in, a managed
// identity, a client secret, ...) and the endpoint is left empty; here a
// Graph test server stands in, with a pre-acquired token.
func Example() {
	srv, err := graphtest.NewServer(demo.Snapshot(), graphtest.Options{Token: "token-for-the-example"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	cred, err := msgraph.NewStaticToken("token-for-the-example", nil)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := msgraph.New(msgraph.Config{Endpoint: srv.URL, Credential: cred})
	if err != nil {
		log.Fatal(err)
	}
	s, err := graphadapter.BuildSnapshot(context.Background(), dir, graphadapter.BuildOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Tenant.DisplayName, len(s.Users), "users")
	// One page of users, 15 batches of 20 users' methods, one batch of the
	// 12 groups' members, and one request for each policy and list.
	fmt.Println("requests:", dir.RequestStats().Requests)
	// Output:
	// Northwind Fabrication 300 users
	// requests: 23
}

// The cloud of a Graph endpoint, and the authority its tokens come from.
func ExampleCloudFor() {
	c, err := msgraph.CloudFor("https://graph.microsoft.us")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Name, c.Authority.ActiveDirectoryAuthorityHost)
	// Output:
	// usgov https://login.microsoftonline.us/
}
