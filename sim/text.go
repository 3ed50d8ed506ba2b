package sim

import "strings"

// Lang is a language of the user interface and of lesson texts.
type Lang string

// The languages every user-visible text exists in.
const (
	ES Lang = "es"
	EN Lang = "en"
)

// Langs lists the supported languages in their canonical order.
var Langs = []Lang{ES, EN}

// ParseLang returns the language named by s ("es", "en", or a locale such as
// "es_AR.UTF-8"); ok is false when s names neither.
func ParseLang(s string) (l Lang, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "es" || strings.HasPrefix(s, "es_") || strings.HasPrefix(s, "es-") || strings.HasPrefix(s, "es."):
		return ES, true
	case s == "en" || strings.HasPrefix(s, "en_") || strings.HasPrefix(s, "en-") || strings.HasPrefix(s, "en."):
		return EN, true
	}
	return "", false
}

// Text is a piece of text in every supported language.
type Text struct {
	ES string `json:"es" yaml:"es"`
	EN string `json:"en" yaml:"en"`
}

// In returns the text in language l, English when l is unknown.
func (t Text) In(l Lang) string {
	if l == ES {
		return t.ES
	}
	return t.EN
}

// IsZero reports whether t has no text in any language.
func (t Text) IsZero() bool { return t.ES == "" && t.EN == "" }

// Missing returns the languages in which t has no text.
func (t Text) Missing() []Lang {
	var m []Lang
	if t.ES == "" {
		m = append(m, ES)
	}
	if t.EN == "" {
		m = append(m, EN)
	}
	return m
}
