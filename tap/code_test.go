package tap_test

import (
	"bytes"
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

func TestParseCode(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"ABCD2345", "ABCD2345", ""},
		{"abcd2345", "ABCD2345", ""},
		{"ABCD-2345", "ABCD2345", ""},
		{" ab cd\t23-45 ", "ABCD2345", ""},
		{strings.Repeat("Z", 48), strings.Repeat("Z", 48), ""},
		{"ABCD234", "", "7 characters, want 8–48"},
		{strings.Repeat("Z", 49), "", "49 characters"},
		{"ABCD234O", "", "byte 7"}, // letter O is not issued
		{"ABCD2340", "", "byte 7"}, // digit 0
		{"ABCDl234", "", "byte 4"}, // lower-case L
		{"ABCD1234", "", "byte 4"},
		{"ABCDU234", "", "byte 4"},
		{"ABCDÉ234", "", "byte 4"},
		{"", "", "0 characters"},
		{strings.Repeat(" ", tap.MaxCodeInput+1), "", "more than"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			c, err := tap.ParseCode(tc.in)
			if tc.wantErr != "" {
				require.ErrorIs(t, err, tap.ErrInvalidCode)
				assert.ErrorContains(t, err, tc.wantErr)
				assert.True(t, c.IsZero())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.Reveal())
			assert.Equal(t, len(tc.want), c.Len())
		})
	}
}

func TestParseCodeErrorDoesNotEchoInput(t *testing.T) {
	_, err := tap.ParseCode("QWERTYX0")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "QWERTY")
}

// TestCodeRedacted prints a code every way Go can and checks that only
// Reveal gives it away.
func TestCodeRedacted(t *testing.T) {
	c, err := tap.ParseCode("SECRETXY")
	require.NoError(t, err)
	type wrapper struct {
		Code  tap.Code
		Codes []tap.Code
		Ptr   *tap.Code
	}
	w := wrapper{Code: c, Codes: []tap.Code{c}, Ptr: &c}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%-12v"} {
		outputs = append(outputs, fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c), fmt.Sprintf(verb, w))
	}
	outputs = append(outputs, c.String(), c.GoString(), fmt.Sprint(c), fmt.Sprintln(c, w))
	for _, marshal := range []func(any) ([]byte, error){
		json.Marshal,
		func(v any) ([]byte, error) { return jsonv2.Marshal(v) },
	} {
		for _, v := range []any{c, &c, w} {
			b, err := marshal(v)
			require.NoError(t, err)
			outputs = append(outputs, string(b))
		}
	}
	txt, err := c.MarshalText()
	require.NoError(t, err)
	outputs = append(outputs, string(txt))
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("issued", "code", c, "wrapped", w)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("issued", "code", c, slog.Any("ptr", &c))
	outputs = append(outputs, logBuf.String())
	outputs = append(outputs, func() (s string) {
		defer func() { s = fmt.Sprint(recover()) }()
		panic(c)
	}())

	for _, out := range outputs {
		assert.NotContains(t, strings.ToUpper(out), "SECRETXY", "leaked in %q", out)
		assert.Contains(t, out, "REDACTED", "output %q", out)
	}
	assert.Equal(t, "SECRETXY", c.Reveal())
	assert.Equal(t, `"[REDACTED]"`, fmt.Sprintf("%q", c))
	assert.Equal(t, "tap.Code{[REDACTED]}", fmt.Sprintf("%#v", c))
}
