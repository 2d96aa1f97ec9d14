package tap_test

import (
	"testing"

	"github.com/keytier/keytier/tap"
	"github.com/keytier/keytier/tap/taptest"
)

func TestMemoryStoreConformance(t *testing.T) {
	newStore := func(*testing.T) tap.Store { return tap.NewMemoryStore() }
	taptest.RunStoreTests(t, newStore)
	taptest.RunServiceTests(t, newStore)
}
