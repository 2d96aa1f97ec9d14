package taptest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPostgresRequired(t *testing.T) {
	for _, tc := range []struct {
		require, ci string
		want        bool
		wantErr     bool
	}{
		{"", "", false, false},
		{"1", "", true, false},
		{"true", "", true, false},
		{"0", "", false, false},
		{"", "true", true, false},
		{"", "1", true, false}, // CI=1, as some runners set it
		{"", "false", false, false},
		{"", "yes", false, false},   // not a boolean: CI alone does not require
		{"0", "true", false, false}, // explicit wins
		{"yes", "", false, true},    // a typo must not turn the requirement off silently
	} {
		env := map[string]string{RequirePostgresEnv: tc.require, "CI": tc.ci}
		got, err := postgresRequired(func(k string) string { return env[k] })
		if tc.wantErr {
			assert.ErrorContains(t, err, RequirePostgresEnv, "%+v", tc)
			continue
		}
		assert.NoError(t, err, "%+v", tc)
		assert.Equal(t, tc.want, got, "%s=%q CI=%q", RequirePostgresEnv, tc.require, tc.ci)
	}
}
