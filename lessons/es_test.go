package lessons

import (
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/catalogtest"
)

// TestSpanishCatalog checks that every sentence this package says to a
// lesson's author has its Spanish, with the same verbs.
func TestSpanishCatalog(t *testing.T) {
	problems, err := catalogtest.Check(".", spanish, map[string]int{"msgf": 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	for _, p := range yamlLeadIn.Check() {
		t.Error(p)
	}
}

// TestYAMLMessagesInSpanish checks the decoder's own messages that are
// reworded in both languages, and that one it does not know keeps its
// English after a Spanish lead-in.
func TestYAMLMessagesInSpanish(t *testing.T) {
	for _, tt := range []struct{ old, new, en, es string }{
		{`title:`, `title`,
			`f.yaml:4:26: nothing can be written here (check the indentation, the colon after a key, or a quote left open before)`,
			`f.yaml:4:26: aquí no puede ir nada (revisa la sangría, los dos puntos después de cada clave o si se ha quedado abierta antes una comilla)`},
		{`level: basic`, `level: basic: x`,
			`f.yaml:3:8: a second colon cannot go here (a text that contains ": " needs quotes)`,
			`f.yaml:3:8: aquí no pueden ir otros dos puntos (un texto que contiene ": " tiene que ir entre comillas)`},
		{`level: basic`, `level: 'basic`,
			`f.yaml:3:8: a text opened with ' is never closed`,
			`f.yaml:3:8: un texto que empieza con ' no se cierra nunca`},
		{`level: basic`, `level: {basic`,
			`f.yaml:3:9: a { is never closed`,
			`f.yaml:3:9: una { no se cierra nunca`},
		{`level: basic`, `level: *a`,
			`f.yaml:3:9: the alias *a refers to no anchor &a before it`,
			`f.yaml:3:9: el alias *a no remite a ningún ancla &a anterior`},
		{`level: basic`, `level: @basic`,
			`f.yaml:3:8: a text cannot begin with @ unless it is in quotes`,
			`f.yaml:3:8: un texto no puede empezar por @ si no va entre comillas`},
		{`level: basic`, `- level: basic`,
			`f.yaml:3:1: a key and its value (key: value) are expected here`,
			`f.yaml:3:1: aquí se espera una clave con su valor (clave: valor)`},
		{`level: basic`, `level: |x`,
			`f.yaml:3:8: invalid header option: "x"`,
			`f.yaml:3:8: error de sintaxis YAML: invalid header option: "x"`},
	} {
		_, err := Parse("f.yaml", []byte(strings.Replace(lessonBase, tt.old, tt.new, 1)))
		if got := Describe(err, sim.EN); got != tt.en {
			t.Errorf("%q in English:\n got: %s\nwant: %s", tt.new, got, tt.en)
		}
		if got := Describe(err, sim.ES); got != tt.es {
			t.Errorf("%q in Spanish:\n got: %s\nwant: %s", tt.new, got, tt.es)
		}
	}
}
