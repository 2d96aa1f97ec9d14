package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/benchmem"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/catalog"
	"github.com/keytier/keytier/passkey/passkeytest"
)

var fleetInput = flag.String("fleet-input", "", "TestFleetWriteInput writes the 1,000,000-row benchmark fleet to this file")

// fleetRowTemplate is one generated row, split around its credential id
// so each copy gets its own id.
type fleetRowTemplate struct {
	before, after []byte
	id            func(i int) []byte
}

// fleetTemplates are ten rows the virtual authenticator, passkey.Verify
// and passkey.NewRecord made, as a relying party stores them: three
// keytier records, four go-webauthn rows, three Graph methods.
func fleetTemplates(t testing.TB) []fleetRowTemplate {
	t.Helper()
	securityKey := fleetKind(t, catalog.KindSecurityKey)
	synced := fleetKind(t, catalog.KindSyncedProvider)
	platform := fleetKind(t, catalog.KindPlatform)
	trusted := fleetRecord(t, passkeytest.Options{AAGUID: securityKey.AAGUID, Attestation: passkeytest.AttestationPacked}, "ada", false, 7)
	syncedRec := fleetRecord(t, passkeytest.Options{AAGUID: synced.AAGUID, Algorithm: passkeytest.EdDSA}, "bob", true, 0)
	rsa := fleetRecord(t, passkeytest.Options{AAGUID: fleetTestAAGUID, Attestation: passkeytest.AttestationPackedSelf, Algorithm: passkeytest.RS256}, "cy", false, 3)
	zero := fleetRecord(t, passkeytest.Options{AAGUID: securityKey.AAGUID}, "di", false, 0)

	// newID is a 32-byte credential id that differs in its first 8 bytes.
	newID := func(i int, base []byte) []byte {
		id := bytes.Clone(base)
		binary.BigEndian.PutUint64(id, uint64(i))
		return id
	}
	split := func(row []byte, oldID string) (before, after []byte) {
		before, after, ok := bytes.Cut(row, []byte(oldID))
		require.True(t, ok, "the id appears in the row")
		return before, after
	}
	var out []fleetRowTemplate
	keytier := func(r *passkey.Record) {
		row, err := json.Marshal(r)
		require.NoError(t, err)
		b, a := split(row, base64.RawURLEncoding.EncodeToString(r.ID))
		base := r.ID
		out = append(out, fleetRowTemplate{b, a, func(i int) []byte {
			return []byte(base64.RawURLEncoding.EncodeToString(newID(i, base)))
		}})
	}
	goWebAuthn := func(r *passkey.Record, mod func(*webauthn.Credential)) {
		row := fleetGoWebAuthn(t, r, mod)
		b, a := split(row, base64.StdEncoding.EncodeToString(r.ID))
		base := r.ID
		out = append(out, fleetRowTemplate{b, a, func(i int) []byte {
			return []byte(base64.StdEncoding.EncodeToString(newID(i, base)))
		}})
	}
	graph := func(id string, row []byte) {
		b, a := split(row, id)
		out = append(out, fleetRowTemplate{b, a, func(i int) []byte { return fmt.Appendf(nil, "m-%d", i) }})
	}
	keytier(trusted)
	keytier(syncedRec)
	keytier(rsa)
	goWebAuthn(zero, nil)
	goWebAuthn(syncedRec, nil)
	goWebAuthn(trusted, func(c *webauthn.Credential) { c.Authenticator.SignCount = 4711 })
	goWebAuthn(rsa, nil)
	graph("GRAPH-ID", fleetGraph("GRAPH-ID", securityKey.AAGUID, true))
	graph("GRAPH-ID", fleetGraph("GRAPH-ID", platform.AAGUID, true))
	graph("GRAPH-ID", fleetGraph("GRAPH-ID", synced.AAGUID, false))
	return out
}

// writeFleet writes n JSON Lines rows, cycling through the templates.
func writeFleet(t testing.TB, w io.Writer, n int) {
	t.Helper()
	tmpl := fleetTemplates(t)
	bw := bufio.NewWriterSize(w, 1<<20)
	for i := range n {
		r := tmpl[i%len(tmpl)]
		bw.Write(r.before)
		bw.Write(r.id(i))
		bw.Write(r.after)
		bw.WriteByte('\n')
	}
	require.NoError(t, bw.Flush())
}

// TestFleetWriteInput writes the benchmark's fleet to a file, for timing
// the command in a fresh process (docs/benchmarks.md):
//
//	go test ./cmd/keytier -run TestFleetWriteInput -fleet-input /tmp/fleet1m.jsonl
func TestFleetWriteInput(t *testing.T) {
	if *fleetInput == "" {
		t.Skip("set -fleet-input FILE to write the 1,000,000-row benchmark fleet")
	}
	f, err := os.Create(*fleetInput)
	require.NoError(t, err)
	writeFleet(t, f, 1_000_000)
	require.NoError(t, f.Close())
}

// BenchmarkFleet1M runs `keytier fleet --format json --out /dev/null` over
// 1,000,000 generated rows as JSON Lines, read from a file as a user
// would. The input is generated once, before the timer starts, streaming
// to the file. Besides time it reports rows/s, the Go heap's peak sampled
// every 5 ms (peak-heap-MiB), and the process's peak resident set
// (peak-rss-MiB, VmHWM), which includes the test binary and the
// generator.
func BenchmarkFleet1M(b *testing.B) {
	for _, format := range []string{"json", "text"} {
		b.Run(format, func(b *testing.B) {
			const rows = 1_000_000
			in := filepath.Join(b.TempDir(), "fleet.jsonl")
			f, err := os.Create(in)
			require.NoError(b, err)
			writeFleet(b, f, rows)
			require.NoError(b, f.Close())
			fi, err := os.Stat(in)
			require.NoError(b, err)
			b.SetBytes(fi.Size())

			stop := benchmem.SampleHeap(5 * time.Millisecond)
			b.ResetTimer()
			for b.Loop() {
				var errOut bytes.Buffer
				if code := run([]string{"fleet", "--format", format, "--out", os.DevNull, in}, nil, io.Discard, &errOut); code != exitOK {
					b.Fatalf("exit %d: %s", code, errOut.String())
				}
			}
			b.StopTimer()
			peak := stop()
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			if rss, ok := benchmem.PeakRSS(); ok {
				b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
			}
		})
	}
}
