package sim

import (
	"fmt"
	"slices"
	"strconv"
)

// Localized is anything that can be said in each language, such as a Text
// or a Message.
type Localized interface {
	In(l Lang) string
}

// Catalog translates sentences written for people (the problems found in a
// lesson file, say) from English into Spanish: each key is an English
// format string as given to fmt.Sprintf, each value the Spanish format,
// with the same verbs for the same arguments (in another order with
// explicit indexes such as %[2]s). A package keeps one catalog with all of
// its sentences, and a test checks that none is missing (see
// sim/catalogtest).
type Catalog map[string]string

// Sprintf returns the sentence format says with args, to be rendered in
// either language. An argument that is Localized (a Message, a Text, an
// error that is a Message) is rendered in the same language as the
// sentence.
func (c Catalog) Sprintf(format string, args ...any) Message {
	return Message{catalog: c, format: format, args: args}
}

// Message is a sentence in both languages: an English format, its
// arguments, and the catalog that translates it. It is an error whose
// Error is the English sentence.
type Message struct {
	catalog Catalog
	format  string
	args    []any
}

// In returns the sentence in language l; in English when the catalog has
// no translation.
func (m Message) In(l Lang) string {
	if m.format == "" {
		return ""
	}
	f := m.format
	if l == ES {
		if t, ok := m.catalog[f]; ok {
			f = t
		}
	}
	args := m.args
	cloned := false
	for i, a := range m.args {
		if x, ok := a.(Localized); ok {
			if !cloned {
				args, cloned = slices.Clone(m.args), true
			}
			args[i] = x.In(l)
		}
	}
	return fmt.Sprintf(f, args...)
}

// String returns the sentence in English.
func (m Message) String() string { return m.In(EN) }

// Error returns the sentence in English.
func (m Message) Error() string { return m.In(EN) }

// IsZero reports whether m says nothing.
func (m Message) IsZero() bool { return m.format == "" }

// Verbs returns the formatting verbs of a format string, each with the
// argument it formats: "%[2]q" is "2:q". Flags and widths are kept ("%-5d"
// is "1:-5d"); "%%" is not a verb.
func Verbs(format string) []string {
	var out []string
	arg := 1
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
		spec := ""
		for i < len(format) {
			ch := format[i]
			if ch == '[' {
				j := i + 1
				for j < len(format) && format[j] != ']' {
					j++
				}
				if n, err := strconv.Atoi(format[i+1 : min(j, len(format))]); err == nil {
					arg = n
				}
				i = j + 1
				continue
			}
			if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' {
				out = append(out, strconv.Itoa(arg)+":"+spec+string(ch))
				arg++
				break
			}
			spec += string(ch)
			i++
		}
	}
	return out
}

// Check returns a sentence for each entry of c whose Spanish format does
// not format the same arguments with the same verbs as its English one.
func (c Catalog) Check() []string {
	var out []string
	for en, es := range c {
		ve, vs := Verbs(en), Verbs(es)
		slices.Sort(ve)
		slices.Sort(vs)
		if !slices.Equal(ve, vs) {
			out = append(out, fmt.Sprintf("%q has verbs %v, its Spanish %q has %v", en, ve, es, vs))
		}
	}
	slices.Sort(out)
	return out
}
