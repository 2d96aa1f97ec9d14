package graphadapter_test

import (
	"testing"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/internal/gendemo"
)

// BenchmarkLoad100k loads a 100,000-user Northwind Fabrication, generated
// and marshalled once outside the timer.
func BenchmarkLoad100k(b *testing.B) {
	data, err := gendemo.Generate(gendemo.GenerateOptions{Users: 100_000, Seed: 1}).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := graphadapter.Load(data)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Users) != 100_000 {
			b.Fatalf("%d users", len(s.Users))
		}
	}
}
