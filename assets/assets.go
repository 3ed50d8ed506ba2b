// Package assets holds MailScope's embedded resources: the application icon
// and the translations of every user-visible string (lang/es.json and
// lang/en.json, which must have the same keys).
package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/mailscope/mailscope/sim"
)

//go:embed lang/*.json
var langFS embed.FS

//go:embed icon.png
var iconPNG []byte

//go:embed icons/*.svg
var iconFS embed.FS

// Icon returns the application icon (PNG).
func Icon() []byte { return iconPNG }

// Picture returns the SVG drawing with the given name ("laptop", "phone",
// "server", "envelope"), drawn in black to be recoloured by the theme.
func Picture(name string) []byte {
	b, err := iconFS.ReadFile("icons/" + name + ".svg")
	if err != nil {
		panic("assets: no picture " + name) // a programming error: the names are fixed
	}
	return b
}

var (
	loadOnce sync.Once
	catalog  map[sim.Lang]map[string]string
	loadErr  error
)

func load() {
	catalog = make(map[sim.Lang]map[string]string)
	for _, l := range sim.Langs {
		data, err := langFS.ReadFile("lang/" + string(l) + ".json")
		if err != nil {
			loadErr = err
			return
		}
		m := make(map[string]string)
		if err := json.Unmarshal(data, &m); err != nil {
			loadErr = fmt.Errorf("assets: lang/%s.json: %w", l, err)
			return
		}
		catalog[l] = m
	}
}

// Keys returns the keys of language l's catalogue, sorted.
func Keys(l sim.Lang) []string {
	loadOnce.Do(load)
	keys := make([]string, 0, len(catalog[l]))
	for k := range catalog[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// LoadError reports a broken catalogue (the tests make sure there is none).
func LoadError() error {
	loadOnce.Do(load)
	return loadErr
}

// T returns the text of key in language l, formatted with args as by
// fmt.Sprintf. A key missing from the catalogue is returned as it is, so
// that the gap shows instead of hiding.
func T(l sim.Lang, key string, args ...any) string {
	loadOnce.Do(load)
	s, ok := catalog[l][key]
	if !ok {
		s, ok = catalog[sim.EN][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// SystemLang returns the language of the user's locale (LC_ALL,
// LC_MESSAGES, LANG, LANGUAGE, in that order): Spanish for any es_*
// locale, English otherwise, including for "C", "C.UTF-8", "POSIX" and an
// unset locale.
func SystemLang() sim.Lang {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
		s := os.Getenv(v)
		if s == "" {
			continue
		}
		first, _, _ := strings.Cut(s, ":") // LANGUAGE may list several
		if l, ok := sim.ParseLang(first); ok {
			return l
		}
		return sim.EN
	}
	return sim.EN
}
