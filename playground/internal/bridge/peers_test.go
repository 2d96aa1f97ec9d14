package bridge

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/peers"
	"github.com/keytier/keytier/passkey/peers/gowebauthn"
)

// The page's peers are `keytier inspect --json`'s: peers.ForReport with
// both peers, on a verified credential only.
func TestAnalyzePeers(t *testing.T) {
	var s Session
	for _, name := range []string{"yubico-yubikey-5ci-packed", "NoneES256CrossOriginNotAllowed", "wasmo-icloud-keychain-none"} {
		sample := getSample(t, name)
		st := sampleSettings(sample)
		r, err := s.Analyze(string(sample.Registration), st)
		require.NoError(t, err)
		opts, err := st.Options()
		require.NoError(t, err)
		want := peers.ForReport(sample.Registration, opts, passkey.Analyze(sample.Registration, opts), gowebauthn.Check, peers.SimpleWebAuthn)
		require.Len(t, want, 2, name)
		assert.Equal(t, want, r.Peers, name)
	}
	r, err := s.Analyze(string(getSample(t, "wasmo-icloud-keychain-none").Registration), Settings{})
	require.NoError(t, err)
	assert.Nil(t, r.Peers, "no settings, no verification: nothing to compare")
}
