package tap

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAlphabetHasNoLookAlikes(t *testing.T) {
	assert.Len(t, Alphabet, 30)
	for _, c := range "0O1lIiUuo" {
		assert.NotContains(t, Alphabet, string(c))
	}
	seen := map[rune]bool{}
	for _, c := range Alphabet {
		assert.False(t, seen[c], "duplicate %c", c)
		seen[c] = true
	}
}

func TestGenerateCodeRejectsHighBytes(t *testing.T) {
	// 240…255 must be skipped, not folded onto the first characters.
	in := []byte{255, 240, 0, 29, 30, 239, 250, 1, 2, 3, 4, 5}
	c, err := generateCode(bytes.NewReader(append(in, make([]byte, 64)...)), 8)
	require.NoError(t, err)
	want := string([]byte{Alphabet[0], Alphabet[29], Alphabet[0], Alphabet[239%30], Alphabet[1], Alphabet[2], Alphabet[3], Alphabet[4]})
	assert.Equal(t, want, c.Reveal())
}

func TestGenerateCodeExhaustedSource(t *testing.T) {
	_, err := generateCode(bytes.NewReader(bytes.Repeat([]byte{0xff}, 1<<20)), 8)
	assert.ErrorIs(t, err, errRandomExhausted)
	_, err = generateCode(bytes.NewReader([]byte{1, 2, 3}), 8)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = generateCode(bytes.NewReader(nil), 7)
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

// TestGenerateCodeUniform draws 300,000 characters from a seeded ChaCha8
// stream and runs a chi-squared test over the 30 characters. A modulo-reduced
// draw (b % 30 over all 256 byte values) makes the first 16 characters 12.5%
// more likely and scores in the thousands; a uniform one stays below 58.30,
// the 0.1% critical value for 29 degrees of freedom.
func TestGenerateCodeUniform(t *testing.T) {
	src := rand.NewChaCha8([32]byte{'k', 'e', 'y', 't', 'i', 'e', 'r'})
	counts := map[byte]int{}
	const codes, length = 6250, 48
	for range codes {
		c, err := generateCode(src, length)
		require.NoError(t, err)
		require.Len(t, c.Reveal(), length)
		for i := range length {
			counts[c.Reveal()[i]]++
		}
	}
	require.Len(t, counts, len(Alphabet), "every character appears")
	expected := float64(codes*length) / float64(len(Alphabet))
	chi := 0.0
	for _, n := range counts {
		d := float64(n) - expected
		chi += d * d / expected
	}
	assert.Less(t, chi, 58.30, "chi-squared %.1f", chi)

	// The same statistic on a modulo-biased draw must fail, or the test
	// proves nothing.
	biased := map[byte]int{}
	buf := make([]byte, codes*length)
	_, _ = src.Read(buf)
	for _, b := range buf {
		biased[Alphabet[int(b)%len(Alphabet)]]++
	}
	chiBiased := 0.0
	for _, n := range biased {
		d := float64(n) - expected
		chiBiased += d * d / expected
	}
	assert.Greater(t, chiBiased, 58.30, "biased chi-squared %.1f", chiBiased)
}

func TestEntropy(t *testing.T) {
	assert.InDelta(t, 4.907, BitsPerChar, 0.001)
	assert.InDelta(t, 39.26, EntropyBits(8), 0.01)
	assert.InDelta(t, 235.5, EntropyBits(48), 0.1)
	assert.True(t, strings.Contains(Alphabet, "Z"))
}
