package tap_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap"
)

// secretLeaks reports whether out shows key in one of the forms Go prints
// bytes in: as text, hex, base64, or the decimal and 0x lists fmt writes
// for a []byte.
func secretLeaks(out string, key []byte) bool {
	trim := func(s string) string { return strings.TrimSuffix(strings.TrimPrefix(s, "["), "]") }
	forms := []string{
		string(key), strings.ToUpper(string(key)),
		hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)),
		base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key),
		trim(fmt.Sprint(key)), // "75 69 89 …"
		strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%#v", key), "[]byte{"), "}"), // "0x4b, 0x45, …"
	}
	for _, f := range forms {
		if strings.Contains(out, f) || strings.Contains(strings.ToUpper(out), strings.ToUpper(f)) {
			return true
		}
	}
	return false
}

// printAll prints v every way a program might: every fmt verb and flag
// that shows a value in full, both JSON encoders, and log/slog's JSON and
// text handlers.
func printAll(t *testing.T, v any) []string {
	t.Helper()
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%-80s"} {
		outs = append(outs, fmt.Sprintf(verb, v))
	}
	outs = append(outs, fmt.Sprint(v), fmt.Sprintln(v))
	for _, marshal := range []func(any) ([]byte, error){
		json.Marshal,
		func(v any) ([]byte, error) { return jsonv2.Marshal(v) },
	} {
		// An Options holds funcs, which JSON cannot encode; what matters
		// is that nothing that is written shows the key.
		if b, err := marshal(v); err == nil {
			outs = append(outs, string(b))
		}
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("configured", "value", v)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("configured", "value", v)
	outs = append(outs, logBuf.String())
	return outs
}

// TestSecretRedacted prints the server secret, an Options holding it and
// the Service built from it every way Go can and checks that the key never
// shows. The control prints the same key as a plain []byte through the same
// printers and checks that the detector sees it in every output, so a leak
// would fail the test.
func TestSecretRedacted(t *testing.T) {
	key := []byte("KEYTIER-HMAC-KEY-0123456789abcdef")
	s := tap.NewSecret(key)
	opts := tap.Options{Store: tap.NewMemoryStore(), Secret: s, MaxFailedAttempts: 3}
	svc, err := tap.New(opts)
	require.NoError(t, err)
	type public struct {
		Secret  tap.Secret
		Secrets []tap.Secret
		Ptr     *tap.Secret
		Opts    tap.Options
	}
	type private struct {
		secret tap.Secret // fmt reads unexported fields without calling methods
		opts   tap.Options
		svc    *tap.Service
	}
	values := map[string]any{
		"Secret":          s,
		"*Secret":         &s,
		"Options":         opts,
		"*Options":        &opts,
		"*Service":        svc,
		"Service":         *svc, // a copy walks the unexported fields
		"exported fields": public{s, []tap.Secret{s}, &s, opts},
		"private fields":  private{s, opts, svc},
	}
	for name, v := range values {
		for _, out := range printAll(t, v) {
			assert.False(t, secretLeaks(out, key), "%s leaks the key in %q", name, out)
		}
	}
	txt, err := s.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "[REDACTED]", string(txt))
	assert.Equal(t, "[REDACTED]", s.LogValue().String())
	assert.Equal(t, "[REDACTED]", fmt.Sprintf("%v", s))
	assert.Equal(t, `"[REDACTED]"`, fmt.Sprintf("%q", s))
	assert.Equal(t, "tap.Secret{[REDACTED]}", fmt.Sprintf("%#v", s))
	b, err := json.Marshal(opts)
	if err == nil {
		assert.Contains(t, string(b), `"Secret":"[REDACTED]"`)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.Equal(t, "tap.Service{store: *tap.MemoryStore, policy: enabled, maxFailedAttempts: 3, secret: [REDACTED]}",
			fmt.Sprintf(verb, svc), verb)
	}
	assert.Equal(t, len(key), s.Len())
	assert.False(t, s.IsZero())
	assert.True(t, tap.Secret{}.IsZero())

	// NewSecret copies: clearing the caller's slice, as a program should
	// once the Service is built, leaves the Service working.
	iss, err := svc.Issue(t.Context(), tap.IssueRequest{UserID: "u", Actor: "a"})
	require.NoError(t, err)
	clear(key)
	_, err = svc.Redeem(t.Context(), "u", iss.Code.Reveal())
	assert.NoError(t, err)
	copy(key, "KEYTIER-HMAC-KEY-0123456789abcdef")

	// The control: the same key as plain bytes, through the same printers.
	type leaky struct{ Key []byte }
	type leakyPrivate struct{ key []byte }
	for name, v := range map[string]any{"[]byte": key, "exported": leaky{key}, "unexported": leakyPrivate{key}} {
		for i, out := range printAll(t, v) {
			if name == "unexported" && (strings.HasPrefix(out, "{}") || strings.Contains(out, `"value":{}`)) {
				continue // JSON drops unexported fields: nothing to see
			}
			assert.True(t, secretLeaks(out, key), "control %s, output %d: the detector misses the key in %q", name, i, out)
		}
	}
}

func TestNewRefusesMissingSecret(t *testing.T) {
	_, err := tap.New(tap.Options{Store: tap.NewMemoryStore()})
	assert.ErrorContains(t, err, "Options.Secret is 0 bytes, want at least 32")
}
