package benchmem

import (
	"testing"
	"time"
)

func TestParseVmHWM(t *testing.T) {
	got, ok := parseVmHWM("Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1024 kB\n")
	if !ok || got != 2048<<10 {
		t.Fatalf("got %d, %v; want %d", got, ok, 2048<<10)
	}
	if _, ok := parseVmHWM("VmRSS:\t1 kB\n"); ok {
		t.Fatal("no VmHWM line, yet a value")
	}
	if _, ok := parseVmHWM("VmHWM:\tmany kB\n"); ok {
		t.Fatal("a value that is no number")
	}
}

var sink [][]byte

func TestSampleHeapSeesAnAllocation(t *testing.T) {
	stop := SampleHeap(time.Millisecond)
	before := HeapBytes()
	sink = append(sink, make([]byte, 64<<20))
	peak := stop()
	if peak < before+60<<20 {
		t.Fatalf("peak %d after allocating 64 MiB on a heap of %d", peak, before)
	}
	sink = nil
}
