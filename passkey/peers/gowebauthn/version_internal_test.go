package gowebauthn

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPinnedIsGoMods keeps the fallback version equal to what go.mod
// requires.
func TestPinnedIsGoMods(t *testing.T) {
	b, err := os.ReadFile("../../../go.mod")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^\s*github\.com/go-webauthn/webauthn (v\S+)`).FindSubmatch(b)
	require.NotNil(t, m, "go.mod requires no go-webauthn")
	assert.Equal(t, string(m[1]), pinned)
	assert.Equal(t, pinned, Version())
}
