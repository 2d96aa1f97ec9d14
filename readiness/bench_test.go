package readiness_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/internal/benchmem"
	"github.com/keytier/keytier/readiness"
)

// BenchmarkAudit100k measures Load + Run on a 100,000-user Northwind
// Fabrication. The generator is internal to graphadapter, so the benchmark
// runs its command (go run ./graphadapter/internal/gendemo/cmd/gendemo)
// once, outside the timer.
//
// Besides time and allocations it reports the memory the target (under
// 1 GiB) is about, the way graphadapter/msgraph's BenchmarkSnapshot50k
// does: peak-heap-MiB, the largest Go heap (live and not yet swept objects,
// the snapshot's bytes included) sampled every 5 ms during Load + Run, and
// peak-rss-MiB, the process's peak resident set (VmHWM, Linux), which also
// counts the runtime's free spans and the test binary itself. The
// generator runs in a process of its own, so neither figure includes it.
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
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		stop := benchmem.SampleHeap(5 * time.Millisecond)
		b.StartTimer()
		s, err := graphadapter.Load(data)
		if err != nil {
			b.Fatal(err)
		}
		r := readiness.Run(s, readiness.Options{})
		b.StopTimer()
		peak = max(peak, stop())
		if r.Summary.Users < 90_000 {
			b.Fatalf("%d users", r.Summary.Users)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	if rss, ok := benchmem.PeakRSS(); ok {
		b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
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
