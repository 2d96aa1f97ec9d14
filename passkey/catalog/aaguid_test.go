package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAAGUID(t *testing.T) {
	tests := []struct {
		in         string
		want       string // canonical form; empty when an error is expected
		wantOffset int
		wantReason string
	}{
		{in: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd", want: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd"},
		{in: "FBFC3007-154E-4ECC-8C0B-6E020557D7BD", want: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd"},
		{in: "00000000-0000-0000-0000-000000000000", want: "00000000-0000-0000-0000-000000000000"},
		{in: "", wantOffset: -1, wantReason: "length 0"},
		{in: "fbfc3007154e4ecc8c0b6e020557d7bd", wantOffset: -1, wantReason: "length 32"},
		{in: "{fbfc3007-154e-4ecc-8c0b-6e020557d7bd}", wantOffset: -1, wantReason: "length 38"},
		{in: "urn:uuid:fbfc3007-154e-4ecc-8c0b-6e020557d7bd", wantOffset: -1, wantReason: "length 45"},
		{in: "fbfc3007_154e-4ecc-8c0b-6e020557d7bd", wantOffset: 8, wantReason: "want '-'"},
		{in: "fbfc3007-154e-4ecc-8c0b_6e020557d7bd", wantOffset: 23, wantReason: "want '-'"},
		{in: "fbfc300-7154e-4ecc-8c0b-6e020557d7bd", wantOffset: 7, wantReason: "not a hexadecimal digit"},
		{in: "gbfc3007-154e-4ecc-8c0b-6e020557d7bd", wantOffset: 0, wantReason: "not a hexadecimal digit"},
		{in: "fbfc3007-154e-4ecc-8c0b-6e020557d7bZ", wantOffset: 35, wantReason: "not a hexadecimal digit"},
		{in: "fbfc3007-154e-4ecc-8c0b-6e020557d7b\u00e9"[:36], wantOffset: 35, wantReason: "not a hexadecimal digit"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAAGUID(tt.in)
			if tt.want != "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got.String())
				return
			}
			require.Error(t, err)
			assert.Equal(t, uuid.Nil, got)
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, tt.wantOffset, pe.Offset)
			assert.Contains(t, pe.Reason, tt.wantReason)
			assert.True(t, strings.HasPrefix(err.Error(), "catalog: AAGUID "), err.Error())
		})
	}
}

func TestParseErrorDoesNotEchoLongInput(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	_, err := ParseAAGUID(long)
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 200)
	assert.Contains(t, err.Error(), "length 1048576")
}

func FuzzParseAAGUID(f *testing.F) {
	for _, s := range []string{
		"fbfc3007-154e-4ecc-8c0b-6e020557d7bd",
		"EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4",
		"00000000-0000-0000-0000-000000000000",
		"{fbfc3007-154e-4ecc-8c0b-6e020557d7bd}",
		"fbfc3007154e4ecc8c0b6e020557d7bd",
		"fbfc3007-154e-4ecc-8c0b-6e020557d7b",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseAAGUID(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Offset < -1 || pe.Offset >= len(s) {
				t.Fatalf("offset %d outside input of length %d", pe.Offset, len(s))
			}
			if got != uuid.Nil {
				t.Fatalf("error with non-zero result %s", got)
			}
			return
		}
		// Accepted input is exactly the canonical form, in either case.
		if !strings.EqualFold(s, got.String()) {
			t.Fatalf("ParseAAGUID(%q) = %s", s, got)
		}
		// And the general-purpose parser agrees on the value.
		ref, err := uuid.Parse(s)
		if err != nil || ref != got {
			t.Fatalf("uuid.Parse(%q) = %s, %v; ParseAAGUID = %s", s, ref, err, got)
		}
	})
}
