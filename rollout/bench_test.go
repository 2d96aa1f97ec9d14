package rollout_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

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

// BenchmarkAuditVsPlan100k runs the audit (Load + readiness.Run) and the
// plan (Load + rollout.Build + the JSON form) on the same snapshot in one
// loop, alternating which goes first, so that both see the same machine:
// on a shared machine two benchmarks run one after the other do not. It
// reports each side's wall time and CPU time (user + system, every thread:
// the collector's included) per op, and plan/audit for both; the CPU
// ratio is the one a busy machine disturbs least. The audit's own
// rendering (a few tens of milliseconds in the CLI) is not on its side, so
// the ratio errs against the plan.
func BenchmarkAuditVsPlan100k(b *testing.B) {
	data := load100k(b)
	audit := func() {
		s, err := graphadapter.Load(data)
		if err != nil {
			b.Fatal(err)
		}
		readiness.Run(s, readiness.Options{})
	}
	plan := func() {
		s, err := graphadapter.Load(data)
		if err != nil {
			b.Fatal(err)
		}
		p, err := rollout.Build(s, rollout.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	var wall, cpu [2]time.Duration // audit, plan
	run := func(i int, f func()) {
		t0, c0 := time.Now(), cpuTime()
		f()
		wall[i] += time.Since(t0)
		cpu[i] += cpuTime() - c0
	}
	n := 0
	for b.Loop() {
		if n%2 == 0 {
			run(0, audit)
			run(1, plan)
		} else {
			run(1, plan)
			run(0, audit)
		}
		n++
	}
	b.ReportMetric(wall[0].Seconds()/float64(n), "audit-s/op")
	b.ReportMetric(wall[1].Seconds()/float64(n), "plan-s/op")
	b.ReportMetric(float64(wall[1])/float64(wall[0]), "plan/audit")
	if cpu[0] > 0 {
		b.ReportMetric(cpu[0].Seconds()/float64(n), "audit-cpu-s/op")
		b.ReportMetric(cpu[1].Seconds()/float64(n), "plan-cpu-s/op")
		b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "plan/audit-cpu")
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
