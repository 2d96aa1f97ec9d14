package portal_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/keytier/keytier/examples/onboarding/portal"
	"github.com/keytier/keytier/tap/sqlstore"
)

func ExampleNew() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "onboarding")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "portal.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	p, err := portal.New(ctx, portal.Options{DB: st.DB(), Origin: "http://localhost:8080"})
	if err != nil {
		log.Fatal(err)
	}
	if err := p.SeedDemo(ctx); err != nil {
		log.Fatal(err)
	}
	for _, sp := range p.Policy().PasskeyProfiles {
		fmt.Printf("%s: %s\n", sp.Name, sp.PasskeyTypes)
	}

	req := httptest.NewRequest(http.MethodGet, "http://localhost:8080/admin", nil)
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output:
	// Workforce: synced or device-bound: deviceBound,synced
	// Administrators: attested device-bound: deviceBound
	// 200 text/html; charset=utf-8
}
