package rfc3339

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUTC(t *testing.T) {
	for in, want := range map[string]bool{
		"2026-12-04T17:17:24Z":            true,
		"2026-12-04T17:17:24.5Z":          true,
		"2026-12-04T17:17:24.123456789Z":  true,
		"2026-13-40T25:61:61Z":            true, // the shape; UnmarshalText checks ranges
		"2026-12-04T17:17:24.1234567890Z": false,
		"2026-12-04T17:17:24.Z":           false,
		"2026-12-04T17:17:24,5Z":          false,
		"2026-12-04T7:17:24Z":             false,
		"2026-12-04T17:17:24+00:00":       false,
		"2026-12-04 17:17:24Z":            false,
		"2026-12-04T17:17:24z":            false,
		"2026-12-04T17:17:24":             false,
		"":                                false,
	} {
		assert.Equal(t, want, UTC([]byte(in)), in)
	}
}
