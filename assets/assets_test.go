package assets

import (
	"bytes"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
)

// TestCatalogues checks that every text exists, non-empty, in every
// language, with the same formatting verbs.
func TestCatalogues(t *testing.T) {
	if err := LoadError(); err != nil {
		t.Fatal(err)
	}
	es, en := Keys(sim.ES), Keys(sim.EN)
	if len(en) == 0 || !slices.Equal(es, en) {
		t.Fatalf("the catalogues differ:\n es %v\n en %v", es, en)
	}
	for _, k := range en {
		for _, l := range sim.Langs {
			if strings.TrimSpace(T(l, k)) == "" {
				t.Errorf("T(%s, %q) is empty", l, k)
			}
		}
		if v1, v2 := verbs(T(sim.ES, k)), verbs(T(sim.EN, k)); !slices.Equal(v1, v2) {
			t.Errorf("%q: Spanish verbs %v, English verbs %v", k, v1, v2)
		}
	}
}

func verbs(s string) []string {
	var out []string
	for i := 0; i < len(s)-1; i++ {
		if s[i] == '%' {
			out = append(out, s[i:i+2])
			i++
		}
	}
	return out
}

func TestSystemLang(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want sim.Lang
	}{
		{map[string]string{"LANG": "es_AR.UTF-8"}, sim.ES},
		{map[string]string{"LANG": "en_GB.UTF-8"}, sim.EN},
		{map[string]string{"LANG": "C.UTF-8"}, sim.EN},
		{map[string]string{"LANG": "C"}, sim.EN},
		{map[string]string{}, sim.EN},
		{map[string]string{"LC_ALL": "es_ES.UTF-8", "LANG": "en_US.UTF-8"}, sim.ES},
		{map[string]string{"LANGUAGE": "es:en"}, sim.ES},
	} {
		for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
			t.Setenv(v, tc.env[v])
		}
		if got := SystemLang(); got != tc.want {
			t.Errorf("SystemLang() with %v = %s, want %s", tc.env, got, tc.want)
		}
	}
}

func TestIcon(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(Icon()))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 256 || b.Dx() != b.Dy() {
		t.Errorf("icon is %v, want a square of at least 256 pixels", b)
	}
}

func TestMissingKey(t *testing.T) {
	if got := T(sim.ES, "no.such.key"); got != "no.such.key" {
		t.Errorf("T(missing) = %q, want the key", got)
	}
}
