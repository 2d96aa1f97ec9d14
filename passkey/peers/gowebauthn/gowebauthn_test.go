package gowebauthn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey/peers"
	"github.com/keytier/keytier/passkey/peers/gowebauthn"
	"github.com/keytier/keytier/passkey/peers/internal/peercases"
)

// TestSteps holds the step read from each of go-webauthn's refusals (its
// messages are the only record of the step).
func TestSteps(t *testing.T) {
	all, err := peercases.All()
	require.NoError(t, err)
	cases := map[string]peercases.Case{}
	for _, c := range all {
		cases[c.Name] = c
	}
	for name, want := range map[string]string{
		"passkeytest/none-uv":                                 "",
		"passkeytest/none-no-uv":                              "", // UV is required only when the session says so
		"passkeytest/packed-x5c":                              "",
		"passkeytest/packed-x5c-bad-signature":                peers.StepStatement,
		"passkeytest/fido-u2f-nonzero-aaguid":                 "", // the fido-u2f signature does not cover the AAGUID, and its procedure has no AAGUID step
		"passkeytest/bs-without-be":                           peers.StepBackupFlags,
		"passkeytest/no-user-presence":                        peers.StepUP,
		"passkeytest/cross-origin":                            peers.StepCrossOrigin,
		"passkeytest/wrong-type":                              peers.StepType,
		"passkeytest/other-rp":                                peers.StepRPID,
		"passkeytest/wrong-origin":                            peers.StepOrigin,
		"passkeytest/wrong-challenge":                         peers.StepChallenge,
		"passkeytest/short-challenge":                         peers.StepSession,
		"passkeytest/long-credential-id":                      peers.StepParse,
		"passkeytest/es256-not-offered":                       peers.StepAlgorithm,
		"real/gw-pixel-8a-android-key":                        "", // go-webauthn ignores android-key certificate expiry
		"real/pywebauthn-windows-hello-tpm-rsa-surface-pro-4": peers.StepCertTime,
		"real/gw-apple-anonymous-ios":                         peers.StepCredentialID,
		"w3c/NoneES256TopOriginNotAllowed":                    peers.StepCrossOrigin,
	} {
		t.Run(name, func(t *testing.T) {
			c, ok := cases[name]
			require.True(t, ok)
			v := gowebauthn.Check(c.Data, c.Opts)
			assert.Equal(t, want == "", v.Accepts, v.String())
			assert.Equal(t, want, v.Step, v.String())
			assert.False(t, v.Model)
			assert.Equal(t, peers.NameGoWebAuthn, v.Name)
			if !v.Accepts {
				assert.Contains(t, v.Reason, ": ", "type: details")
			}
		})
	}
}

func TestCheckUserVerificationRequired(t *testing.T) {
	all, err := peercases.Generated()
	require.NoError(t, err)
	for _, c := range all {
		if c.Name != "passkeytest/none-no-uv" {
			continue
		}
		opts := c.Opts
		opts.RequireUserVerification = true
		v := gowebauthn.Check(c.Data, opts)
		assert.False(t, v.Accepts)
		assert.Equal(t, peers.StepUV, v.Step)
		return
	}
	t.Fatal("no none-no-uv case")
}
