package gendemo_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/internal/gendemo"
)

func marshal(t *testing.T, opts gendemo.GenerateOptions) []byte {
	t.Helper()
	b, err := gendemo.Generate(opts).Marshal()
	require.NoError(t, err)
	return b
}

func TestDeterministic(t *testing.T) {
	a := marshal(t, gendemo.GenerateOptions{Users: 500, Seed: 7})
	b := marshal(t, gendemo.GenerateOptions{Users: 500, Seed: 7})
	assert.True(t, bytes.Equal(a, b), "same options, same bytes")
	c := marshal(t, gendemo.GenerateOptions{Users: 500, Seed: 8})
	assert.False(t, bytes.Equal(a, c), "the seed matters")
}

func TestSizes(t *testing.T) {
	for _, n := range []int{0, 20, 1000} {
		s := gendemo.Generate(gendemo.GenerateOptions{Users: n, Seed: 1})
		assert.GreaterOrEqual(t, len(s.Users), n)
		if n >= 20 {
			assert.Len(t, s.Users, n)
		}
		b, err := s.Marshal()
		require.NoError(t, err)
		back, err := graphadapter.Load(b)
		require.NoError(t, err)
		assert.Empty(t, back.Warnings())
		assert.Len(t, back.Users, len(s.Users))
	}
}

func TestLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 100,000 users")
	}
	s := gendemo.Generate(gendemo.GenerateOptions{Users: 100_000, Seed: 1})
	b, err := s.Marshal()
	require.NoError(t, err)
	back, err := graphadapter.Load(b)
	require.NoError(t, err)
	assert.Len(t, back.Users, 100_000)
}
