package graphtest_test

import (
	"encoding/json"
	"fmt"

	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/graphtest"
)

func ExampleNewServer() {
	srv, err := graphtest.NewServer(demo.Snapshot(), graphtest.Options{
		Faults: graphtest.Faults{ThrottleEvery: 2, RetryAfter: 3},
	})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	for range 2 {
		resp, err := srv.Client().Get(srv.BaseURL() + "/users?$select=id,accountEnabled&$top=2")
		if err != nil {
			panic(err)
		}
		var page struct {
			Value    []map[string]any `json:"value"`
			NextLink string           `json:"@odata.nextLink"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			panic(err)
		}
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), len(page.Value), page.NextLink != "")
	}
	fmt.Println(srv.Stats().Requests, "requests,", srv.Stats().Throttled, "throttled")
	// Output:
	// 200  2 true
	// 429 3 0 false
	// 2 requests, 1 throttled
}
