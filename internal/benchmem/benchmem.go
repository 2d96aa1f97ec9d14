// Package benchmem measures the memory figures keytier's benchmarks report
// next to time and allocations: the peak of the Go heap while an operation
// runs, sampled, and the process's peak resident set.
package benchmem

import (
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// HeapBytes returns the bytes held by heap objects, live or not yet swept.
func HeapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// SampleHeap samples HeapBytes every interval until the returned stop is
// called; stop takes a last sample and returns the largest value seen.
func SampleHeap(every time.Duration) (stop func() uint64) {
	var top atomic.Uint64
	raise := func() {
		if h := HeapBytes(); h > top.Load() {
			top.Store(h)
		}
	}
	raise()
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				raise()
			}
		}
	}()
	return func() uint64 {
		close(quit)
		<-done
		raise()
		return top.Load()
	}
}

// PeakRSS returns the process's peak resident set (VmHWM), and false where
// /proc/self/status does not give it (outside Linux).
func PeakRSS() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	return parseVmHWM(string(data))
}

func parseVmHWM(status string) (uint64, bool) {
	for l := range strings.Lines(status) {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
