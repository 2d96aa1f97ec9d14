package msgraph_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/graphtest"
	"github.com/keytier/keytier/graphadapter/internal/gendemo"
	"github.com/keytier/keytier/graphadapter/msgraph"
	"github.com/keytier/keytier/internal/benchmem"
)

// BenchmarkSnapshot50k captures a 50,000-user Northwind Fabrication from
// graphtest through the SDK, as keytier snapshot does (BuildSnapshot with
// concurrency 4). It reports the HTTP requests per capture against the
// target users/20 + users/999 + 20, and the peak growth of the Go heap
// during a capture, sampled every 5 ms. The server runs in a process of
// its own, so the figure is the client's alone.
func BenchmarkSnapshot50k(b *testing.B) {
	const users = 50_000
	endpoint := serverProcess(b, users)
	tok, err := msgraph.NewStaticToken(testToken, nil)
	if err != nil {
		b.Fatal(err)
	}

	var peak uint64
	for b.Loop() {
		d, err := msgraph.New(msgraph.Config{Endpoint: endpoint, Credential: tok})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		base := benchmem.HeapBytes()
		stop := benchmem.SampleHeap(5 * time.Millisecond)
		s, err := graphadapter.BuildSnapshot(b.Context(), d, graphadapter.BuildOptions{Concurrency: 4})
		top := stop()
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Users) != users {
			b.Fatalf("%d users", len(s.Users))
		}
		if top > base {
			peak = max(peak, top-base)
		}
		b.ReportMetric(float64(d.RequestStats().Requests), "requests/op")
	}
	b.ReportMetric(float64(users/20+users/999+20), "target-requests")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	if rss, ok := benchmem.PeakRSS(); ok {
		b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
	}
}

// serverProcess starts this test binary as a graphtest server over a
// generated tenant of users users (see TestMain) and returns its URL. The
// server stops when the benchmark ends.
func serverProcess(b *testing.B, users int) string {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serveUsersEnv+"="+strconv.Itoa(users))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("the server process printed no URL: %v", err)
	}
	return strings.TrimSpace(line)
}

// serveUsersEnv, set in a test binary's environment, makes it a graphtest
// server over a generated tenant of that many users instead of running
// tests: it prints the server's URL and serves until standard input closes.
const serveUsersEnv = "KEYTIER_GRAPHTEST_SERVE_USERS"

func TestMain(m *testing.M) {
	if n := os.Getenv(serveUsersEnv); n != "" {
		os.Exit(serveGenerated(n))
	}
	os.Exit(m.Run())
}

func serveGenerated(n string) int {
	users, err := strconv.Atoi(n)
	if err != nil || users <= 0 {
		fmt.Fprintf(os.Stderr, "%s=%q: want a number of users\n", serveUsersEnv, n)
		return 2
	}
	srv, err := graphtest.NewServer(gendemo.Generate(gendemo.GenerateOptions{Users: users, Seed: 1}), graphtest.Options{Token: testToken})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Close()
	fmt.Println(srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}
