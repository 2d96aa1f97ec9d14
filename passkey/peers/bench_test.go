package peers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey/peers"
	"github.com/keytier/keytier/passkey/peers/gowebauthn"
	"github.com/keytier/keytier/passkey/peers/internal/peercases"
)

// BenchmarkPeers: what each peer costs per registration, side by side, on
// a none and a packed (x5c) registration that both libraries accept.
func BenchmarkPeers(b *testing.B) {
	all, err := peercases.Generated()
	require.NoError(b, err)
	for _, name := range []string{"passkeytest/none-uv", "passkeytest/packed-x5c"} {
		var c peercases.Case
		for _, x := range all {
			if x.Name == name {
				c = x
			}
		}
		require.NotEmpty(b, c.Data, name)
		for _, p := range []struct {
			name string
			peer peers.Peer
		}{{"simplewebauthn-model", peers.SimpleWebAuthn}, {"gowebauthn", gowebauthn.Check}} {
			b.Run(name[len("passkeytest/"):]+"/"+p.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if v := p.peer(c.Data, c.Opts); !v.Accepts {
						b.Fatal(v)
					}
				}
			})
		}
	}
}
