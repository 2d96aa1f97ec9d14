package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keytier/keytier/tap"
	"github.com/keytier/keytier/tap/sqlstore"
)

// benchStores opens n stores, each with its own connection pool, on one
// fresh database: n clients, as n processes would be.
func benchStores(b *testing.B, d sqlstore.Dialect, n int) []*sqlstore.Store {
	b.Helper()
	ctx := context.Background()
	out := make([]*sqlstore.Store, n)
	switch d {
	case sqlstore.SQLite:
		path := filepath.Join(b.TempDir(), "tap.db")
		for i := range out {
			st, err := sqlstore.OpenSQLite(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			out[i] = st
		}
	case sqlstore.Postgres:
		dsn := postgresDSN(b)
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			b.Fatal(err)
		}
		schema := "tap_bench_" + strings.ToLower(rand.Text()[:12])
		if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
			b.Fatal(err)
		}
		for i := range out {
			st, err := sqlstore.OpenPostgres(ctx, withSearchPath(dsn, schema))
			if err != nil {
				b.Fatal(err)
			}
			out[i] = st
		}
		b.Cleanup(func() {
			for _, st := range out {
				st.Close()
			}
			admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			admin.Close()
		})
	}
	return out
}

// runClients shares b.N operations among the clients, each on its own
// goroutine, and reports the throughput as ops/s.
func runClients(b *testing.B, clients int, op func(client, i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if err := op(c, i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
}

// BenchmarkService measures Issue and Redeem through the Service on SQLite
// and PostgreSQL with 1 and 8 concurrent clients. Issue replaces one of 256
// passes per client (a delete and an insert in one transaction); Redeem
// redeems the client's reusable pass (a read and a conditional update), the
// same statements a one-time redemption runs.
func BenchmarkService(b *testing.B) {
	ctx := context.Background()
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		for _, clients := range []int{1, 8} {
			newSvcs := func(b *testing.B) []*tap.Service {
				stores := benchStores(b, d, clients)
				svcs := make([]*tap.Service, clients)
				for i, st := range stores {
					svc, err := tap.New(tap.Options{Store: st, Secret: tap.NewSecret(processSecret)})
					if err != nil {
						b.Fatal(err)
					}
					svcs[i] = svc
				}
				return svcs
			}
			b.Run(fmt.Sprintf("%s/issue/clients=%d", d, clients), func(b *testing.B) {
				svcs := newSvcs(b)
				runClients(b, clients, func(c, i int) error {
					_, err := svcs[c].Issue(ctx, tap.IssueRequest{UserID: fmt.Sprintf("bench-%d-%d", c, i%256), Actor: "bench"})
					return err
				})
			})
			b.Run(fmt.Sprintf("%s/redeem/clients=%d", d, clients), func(b *testing.B) {
				svcs := newSvcs(b)
				codes := make([]string, clients)
				for c, svc := range svcs {
					iss, err := svc.Issue(ctx, tap.IssueRequest{UserID: fmt.Sprintf("bench-%d", c), Actor: "bench", Usage: tap.UsageReusable})
					if err != nil {
						b.Fatal(err)
					}
					codes[c] = iss.Code.Reveal()
				}
				runClients(b, clients, func(c, _ int) error {
					_, err := svcs[c].Redeem(ctx, fmt.Sprintf("bench-%d", c), codes[c])
					return err
				})
			})
		}
	}
}
