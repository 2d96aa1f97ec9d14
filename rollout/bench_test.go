package rollout_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/readiness"
	"github.com/keytier/keytier/rollout"
)

var tenant100k struct {
	once sync.Once
	data []byte
	err  error
}

// load100k generates a 100,000-user Northwind Fabrication once per
// process with the demo's generator (internal to graphadapter, so run as
// its command), outside the timer.
func load100k(b *testing.B) []byte {
	b.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		b.Skip("needs the go command to generate the tenant")
	}
	tenant100k.once.Do(func() {
		dir, err := os.MkdirTemp("", "rollout-bench")
		if err != nil {
			tenant100k.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "tenant.json")
		cmd := exec.Command(goTool, "run", "../graphadapter/internal/gendemo/cmd/gendemo", "-users", "100000", "-seed", "1", "-out", path)
		cmd.Stderr = os.Stderr
		if tenant100k.err = cmd.Run(); tenant100k.err != nil {
			return
		}
		tenant100k.data, tenant100k.err = os.ReadFile(path)
	})
	if tenant100k.err != nil {
		b.Fatal(tenant100k.err)
	}
	return tenant100k.data
}

// BenchmarkAudit100k and BenchmarkPlan100k run side by side: Load + the
// audit, and Load + the plan (which runs the same audit). The plan's own
// work is the difference.
func BenchmarkAudit100k(b *testing.B) {
	data := load100k(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := graphadapter.Load(data)
		if err != nil {
			b.Fatal(err)
		}
		readiness.Run(s, readiness.Options{})
	}
}

func BenchmarkPlan100k(b *testing.B) {
	data := load100k(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := graphadapter.Load(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rollout.Build(s, rollout.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildFrom100k is the plan's own work: segments, waves and
// words from a loaded snapshot and its audit.
func BenchmarkBuildFrom100k(b *testing.B) {
	s, err := graphadapter.Load(load100k(b))
	if err != nil {
		b.Fatal(err)
	}
	r := readiness.Run(s, readiness.Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rollout.BuildFrom(s, r, rollout.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildDemo is Build on the embedded demo tenant.
func BenchmarkBuildDemo(b *testing.B) {
	s := demo.Snapshot()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rollout.Build(s, rollout.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
