package peers_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
	"github.com/keytier/keytier/passkey/peers"
	"github.com/keytier/keytier/passkey/peers/gowebauthn"
	"github.com/keytier/keytier/passkey/peers/internal/peercases"
)

func casesByName(t *testing.T) map[string]peercases.Case {
	t.Helper()
	all, err := peercases.All()
	require.NoError(t, err)
	m := map[string]peercases.Case{}
	for _, c := range all {
		m[c.Name] = c
	}
	return m
}

// TestSimpleWebAuthnSteps holds the model to the step at which the package
// refuses each case (TestSimpleWebAuthnModelAgainstPackage holds it to the
// package's accept or refuse).
func TestSimpleWebAuthnSteps(t *testing.T) {
	cases := casesByName(t)
	for name, want := range map[string]string{
		"passkeytest/none-uv":                   "",
		"passkeytest/none-no-uv":                peers.StepUV,
		"passkeytest/packed-self":               "",
		"passkeytest/packed-x5c":                "",
		"passkeytest/packed-x5c-bad-signature":  peers.StepStatement,
		"passkeytest/fido-u2f":                  "",
		"passkeytest/fido-u2f-bad-signature":    peers.StepStatement,
		"passkeytest/fido-u2f-nonzero-aaguid":   peers.StepU2FAAGUID,
		"passkeytest/origin-written-with-slash": peers.StepOptions,
		"passkeytest/bs-without-be":             peers.StepBackupFlags,
		"passkeytest/rawid-differs":             peers.StepCredentialID,
		"passkeytest/type-not-public-key":       peers.StepCredentialID,
		"passkeytest/no-user-presence":          peers.StepUP,
		"passkeytest/cross-origin":              "", // it does not read C.crossOrigin when registering
		"passkeytest/wrong-type":                peers.StepType,
		"passkeytest/other-rp":                  peers.StepRPID,
		"passkeytest/wrong-origin":              peers.StepOrigin,
		"passkeytest/wrong-challenge":           peers.StepChallenge,
		"passkeytest/short-challenge":           "",
		"passkeytest/long-credential-id":        "", // it does not check the length
		"passkeytest/unrequested-extension":     "",
		"passkeytest/es256-not-offered":         "", // its own list, not the relying party's
		"w3c/PackedES512WithMDS":                peers.StepAlgorithm,
		"w3c/AndroidKeyES256":                   peers.StepTrustAnchor,
	} {
		t.Run(name, func(t *testing.T) {
			c, ok := cases[name]
			require.True(t, ok)
			v := peers.SimpleWebAuthn(c.Data, c.Opts)
			assert.Equal(t, want == "", v.Accepts, v.String())
			assert.Equal(t, want, v.Step, v.String())
			assert.True(t, v.Model)
			assert.Equal(t, peers.SimpleWebAuthnVersion, v.Version)
		})
	}
}

// TestSimpleWebAuthnJudgesAtItsClock: certificates are judged at opts.Now,
// not at keytier's reference time.
func TestSimpleWebAuthnJudgesAtItsClock(t *testing.T) {
	c := casesByName(t)["passkeytest/packed-x5c"]
	opts := c.Opts
	opts.Time = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // ignored by the model
	opts.Now = func() time.Time { return time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) }
	v := peers.SimpleWebAuthn(c.Data, opts)
	assert.False(t, v.Accepts)
	assert.Equal(t, peers.StepCertTime, v.Step, v.String())
}

// TestCompareJudgesEveryDisagreement: on every case, each verdict is
// complete, and each disagreement with keytier names the answer the spec
// supports, the section, and why.
func TestCompareJudgesEveryDisagreement(t *testing.T) {
	all, err := peercases.All()
	require.NoError(t, err)
	disagreements := 0
	for _, c := range all {
		_, kerr := passkey.Verify(c.Data, c.Opts)
		vs := peers.Compare(c.Data, c.Opts, kerr, gowebauthn.Check, peers.SimpleWebAuthn)
		require.Len(t, vs, 2, c.Name)
		for _, v := range vs {
			assert.NotEmpty(t, v.Name, c.Name)
			assert.NotEmpty(t, v.Version, c.Name)
			if v.Accepts {
				assert.Empty(t, v.Step, "%s: %s", c.Name, v)
				assert.Empty(t, v.Reason, "%s: %s", c.Name, v)
			} else {
				assert.NotEmpty(t, v.Step, "%s: %s", c.Name, v)
				assert.NotEqual(t, peers.StepOther, v.Step, "%s: %s", c.Name, v)
				assert.NotEmpty(t, v.Reason, "%s: %s", c.Name, v)
			}
			assert.Equal(t, v.Accepts == (kerr == nil), v.AgreesWithKeytier, c.Name)
			if v.AgreesWithKeytier {
				assert.Empty(t, v.RightBySpec, c.Name)
				continue
			}
			disagreements++
			assert.Contains(t, []string{"keytier", peers.NameGoWebAuthn, peers.NameSimpleWebAuthn, "either"}, v.RightBySpec, "%s: %s", c.Name, v)
			assert.Contains(t, v.Section, "§", "%s: %s", c.Name, v)
			assert.NotEmpty(t, v.Why, "%s: %s", c.Name, v)
			assert.NotContains(t, v.Why, "records no judgment", "%s: %s", c.Name, v)
		}
	}
	assert.Positive(t, disagreements)
}

func TestCompareCrossOrigin(t *testing.T) {
	c := casesByName(t)["w3c/NoneES256CrossOriginNotAllowed"]
	_, kerr := passkey.Verify(c.Data, c.Opts)
	require.Equal(t, passkey.CodeCrossOrigin, passkey.CodeOf(kerr))
	vs := peers.Compare(c.Data, c.Opts, kerr, gowebauthn.Check, peers.SimpleWebAuthn)
	require.Len(t, vs, 2)
	gw, sw := vs[0], vs[1]
	assert.False(t, gw.Accepts)
	assert.Equal(t, peers.StepCrossOrigin, gw.Step)
	assert.Equal(t, "Config.RPAllowCrossOrigin", gw.Option)
	assert.True(t, gw.AgreesWithKeytier)
	assert.True(t, sw.Accepts)
	assert.Equal(t, "keytier", sw.RightBySpec)
	assert.Contains(t, sw.Section, "C.crossOrigin")
	assert.Empty(t, sw.Option, "verifyRegistrationResponse has no cross-origin argument")
}

func TestCompareAlgorithmOption(t *testing.T) {
	c := casesByName(t)["w3c/PackedES512WithMDS"]
	_, kerr := passkey.Verify(c.Data, c.Opts)
	require.NoError(t, kerr)
	vs := peers.Compare(c.Data, c.Opts, kerr, peers.SimpleWebAuthn)
	require.Len(t, vs, 1)
	assert.Contains(t, vs[0].Reason, `"-36"`)
	assert.Contains(t, vs[0].Option, "supportedAlgorithmIDs")
	assert.Equal(t, "keytier", vs[0].RightBySpec)
}

// TestCompareNeedsTheResponse: both libraries take the whole response, so
// a bare attestation object gets no verdicts.
func TestCompareNeedsTheResponse(t *testing.T) {
	a, err := passkeytest.New(passkeytest.Options{})
	require.NoError(t, err)
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: "example.com", Origin: "https://example.com", Challenge: []byte("0123456789abcdef")})
	require.NoError(t, err)
	opts := passkey.VerifyOptions{RPID: "example.com", Origins: []string{"https://example.com"}, Challenge: []byte("0123456789abcdef"), Algorithms: []int64{-7}}
	assert.Nil(t, peers.Compare(reg.AttestationObject, opts, nil, peers.SimpleWebAuthn))
	assert.Len(t, peers.Compare(reg.JSON, opts, nil, peers.SimpleWebAuthn), 1)
}

// FuzzSimpleWebAuthn: the model never panics, whatever the response.
func FuzzSimpleWebAuthn(f *testing.F) {
	all, err := samples.All()
	require.NoError(f, err)
	for _, s := range all {
		f.Add([]byte(s.Registration))
	}
	opts := passkey.VerifyOptions{RPID: "example.org", Origins: []string{"https://example.org"}, Challenge: []byte("0123456789abcdef"), Algorithms: []int64{-7}}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := peers.SimpleWebAuthn(data, opts)
		if !v.Accepts && v.Step == "" {
			t.Fatalf("a refusal without a step: %v", v)
		}
	})
}
