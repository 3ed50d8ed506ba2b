package world

import (
	"testing"

	"github.com/mailscope/mailscope/sim/catalogtest"
)

// TestSpanishCatalog checks that every sentence this package says to a
// lesson's author has its Spanish, with the same verbs.
func TestSpanishCatalog(t *testing.T) {
	problems, err := catalogtest.Check(".", spanish, map[string]int{"add": 1, "msgf": 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
