package readiness_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/readiness"
)

// BenchmarkAudit100k measures Load + Run on a 100,000-user Northwind
// Fabrication. The generator is internal to graphadapter, so the benchmark
// runs its command (go run ./graphadapter/internal/gendemo/cmd/gendemo)
// once, outside the timer.
func BenchmarkAudit100k(b *testing.B) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		b.Skip("needs the go command to generate the tenant")
	}
	path := filepath.Join(b.TempDir(), "tenant.json")
	cmd := exec.Command(goTool, "run", "../graphadapter/internal/gendemo/cmd/gendemo", "-users", "100000", "-seed", "1", "-out", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(path)
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
		r := readiness.Run(s, readiness.Options{})
		if r.Summary.Users < 90_000 {
			b.Fatalf("%d users", r.Summary.Users)
		}
	}
}

// BenchmarkRunDemo measures Run alone on the embedded demo tenant.
func BenchmarkRunDemo(b *testing.B) {
	s := demoSnapshot()
	b.ReportAllocs()
	for b.Loop() {
		readiness.Run(s, readiness.Options{})
	}
}
