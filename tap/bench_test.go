package tap_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/keytier/keytier/tap"
	"github.com/keytier/keytier/tap/sqlstore"
)

func benchmarkRedeem(b *testing.B, store tap.Store) {
	ctx := context.Background()
	svc, err := tap.New(tap.Options{Store: store, Secret: tap.NewSecret(secret)})
	if err != nil {
		b.Fatal(err)
	}
	iss, err := svc.Issue(ctx, tap.IssueRequest{UserID: "bench@example.com", Actor: "bench", Usage: tap.UsageReusable})
	if err != nil {
		b.Fatal(err)
	}
	code := iss.Code.Reveal()
	for b.Loop() {
		if _, err := svc.Redeem(ctx, "bench@example.com", code); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRedeem(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchmarkRedeem(b, tap.NewMemoryStore()) })
	b.Run("sqlite", func(b *testing.B) {
		st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "tap.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchmarkRedeem(b, st)
	})
}
