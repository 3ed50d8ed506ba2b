package sim_test

import (
	"slices"
	"testing"

	"github.com/mailscope/mailscope/sim"
)

func TestVerbs(t *testing.T) {
	for _, tt := range []struct {
		format string
		want   []string
	}{
		{"no verbs, 100%% sure", nil},
		{"%q is not %s or %-5d", []string{"1:q", "2:s", "3:-5d"}},
		{"%[2]s antes que %[1]q", []string{"2:s", "1:q"}},
		{"%[2]s, then %s", []string{"2:s", "3:s"}},
	} {
		if got := sim.Verbs(tt.format); !slices.Equal(got, tt.want) {
			t.Errorf("Verbs(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
}

func TestMessage(t *testing.T) {
	cat := sim.Catalog{
		"%s is missing in %s": "en %[2]s falta %[1]s",
		"the lesson":          "la lección",
		"the title":           "el título",
		"bad %d":              "mal %s",
	}
	m := cat.Sprintf("%s is missing in %s", cat.Sprintf("the title"), cat.Sprintf("the lesson"))
	if got, want := m.In(sim.EN), "the title is missing in the lesson"; got != want {
		t.Errorf("In(en) = %q, want %q", got, want)
	}
	if got, want := m.In(sim.ES), "en la lección falta el título"; got != want {
		t.Errorf("In(es) = %q, want %q", got, want)
	}
	if got, want := cat.Sprintf("not in the catalog %d", 3).In(sim.ES), "not in the catalog 3"; got != want {
		t.Errorf("an untranslated message in es = %q, want %q", got, want)
	}
	if got := cat.Check(); len(got) != 1 {
		t.Errorf("Check() = %q, want one problem (bad %%d)", got)
	}
}
