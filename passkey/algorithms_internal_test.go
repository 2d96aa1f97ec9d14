package passkey

import (
	"slices"
	"testing"
)

// SupportedAlgorithms and the names keytier knows list the same algorithms.
func TestSupportedAlgorithmsAreNamed(t *testing.T) {
	got := SupportedAlgorithms()
	if len(got) != len(algorithms) {
		t.Errorf("SupportedAlgorithms has %d algorithms, the name table %d", len(got), len(algorithms))
	}
	for _, a := range got {
		if _, ok := algorithms[a]; !ok {
			t.Errorf("%d is supported but has no name", a)
		}
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != len(algorithms) {
		t.Error("SupportedAlgorithms repeats an algorithm")
	}
}
