package lessons

import "github.com/mailscope/mailscope/sim"

// msgf returns a sentence for a lesson's author: format is English, and
// its Spanish is in spanish below. A test (es_test.go) reads this
// package's source and fails for a format given to msgf that has no entry
// here, and for an entry whose verbs differ.
func msgf(format string, args ...any) sim.Message { return spanish.Sprintf(format, args...) }

// spanish translates the package's sentences for lesson authors. Keys of
// the lesson format and what the author wrote stay as they are.
var spanish = sim.Catalog{
	"unknown key %s (check its spelling and its indentation)":                                                 "clave desconocida %s (revisa cómo está escrita y su sangría)",
	"%s was written where %s is expected":                                                                     "se ha escrito %s donde se espera %s",
	"%s is too large a number":                                                                                "%s es un número demasiado grande",
	"the key %s appears twice (first at line %s, column %s)":                                                  "la clave %s aparece dos veces (la primera en la línea %s, columna %s)",
	"%s or %s is missing here (is a quote or a bracket left open before?)":                                    "aquí falta %s o %s (¿se ha quedado abierta antes una comilla o un corchete?)",
	"a tab cannot indent YAML: indent with spaces":                                                            "en YAML no se puede sangrar con tabuladores: usa espacios",
	"nothing can be written here (check the indentation, the colon after a key, or a quote left open before)": "aquí no puede ir nada (revisa la sangría, los dos puntos después de cada clave o si se ha quedado abierta antes una comilla)",
	"a second colon cannot go here (a text that contains \": \" needs quotes)":                                "aquí no pueden ir otros dos puntos (un texto que contiene \": \" tiene que ir entre comillas)",
	"a text opened with ' is never closed":                                                                    "un texto que empieza con ' no se cierra nunca",
	"a text opened with \" is never closed":                                                                   "un texto que empieza con \" no se cierra nunca",
	"a { is never closed":                                                                                     "una { no se cierra nunca",
	"the alias *%s refers to no anchor &%s before it":                                                         "el alias *%s no remite a ningún ancla &%s anterior",
	"a key and its value (key: value) are expected here":                                                      "aquí se espera una clave con su valor (clave: valor)",
	"a text cannot begin with %s unless it is in quotes":                                                      "un texto no puede empezar por %s si no va entre comillas",
	"a text":                       "un texto",
	"true or false":                "true o false",
	"a list":                       "una lista",
	"a mapping of keys and values": "un conjunto de claves y valores",
	"nothing":                      "nada",
	"a number":                     "un número",
	"the number %s":                "el número %s",
	"lessons: there is no built-in scenario %q (try one of: %s)": "lessons: no hay ningún escenario incluido que se llame %q (prueba con uno de estos: %s)",
	"lessons: cannot read %s: no such file":                      "lessons: no se puede leer %s: no existe ese archivo",
}

// yamlLeadIn says a message of the YAML decoder that cleanMessage does not
// know: as it is in English, after a lead-in in Spanish.
var yamlLeadIn = sim.Catalog{"%s": "error de sintaxis YAML: %s"}
