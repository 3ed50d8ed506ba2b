package sim_test

import (
	"slices"
	"testing"

	"github.com/mailscope/mailscope/sim"
)

func TestParseLang(t *testing.T) {
	tests := []struct {
		in     string
		want   sim.Lang
		wantOK bool
	}{
		{"es", sim.ES, true},
		{"en", sim.EN, true},
		{"ES", sim.ES, true},
		{" en\n", sim.EN, true},
		{"es_AR.UTF-8", sim.ES, true},
		{"es_ES", sim.ES, true},
		{"es-419", sim.ES, true},
		{"es.UTF-8", sim.ES, true},
		{"en-GB", sim.EN, true},
		{"en_US.UTF-8", sim.EN, true},
		{"EN_gb", sim.EN, true},
		{"C", "", false},
		{"C.UTF-8", "", false},
		{"POSIX", "", false},
		{"", "", false},
		{"fr", "", false},
		{"fr_FR.UTF-8", "", false},
		{"est", "", false}, // Estonian, not Spanish
		{"english", "", false},
		{"e", "", false},
	}
	for _, tt := range tests {
		got, ok := sim.ParseLang(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseLang(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestLangs(t *testing.T) {
	if want := []sim.Lang{sim.ES, sim.EN}; !slices.Equal(sim.Langs, want) {
		t.Errorf("Langs = %q, want %q", sim.Langs, want)
	}
	for _, l := range sim.Langs {
		if got, ok := sim.ParseLang(string(l)); got != l || !ok {
			t.Errorf("ParseLang(%q) = %q, %v, want %q, true", l, got, ok, l)
		}
	}
}

func TestTextIn(t *testing.T) {
	both := sim.Text{ES: "hola", EN: "hello"}
	onlyES := sim.Text{ES: "hola"}
	tests := []struct {
		text sim.Text
		l    sim.Lang
		want string
	}{
		{both, sim.ES, "hola"},
		{both, sim.EN, "hello"},
		{both, "fr", "hello"}, // unknown languages get English
		{both, "", "hello"},
		{onlyES, sim.EN, ""},
		{onlyES, sim.ES, "hola"},
		{sim.Text{}, sim.ES, ""},
	}
	for _, tt := range tests {
		if got := tt.text.In(tt.l); got != tt.want {
			t.Errorf("%+v.In(%q) = %q, want %q", tt.text, tt.l, got, tt.want)
		}
	}
}

func TestTextMissing(t *testing.T) {
	tests := []struct {
		text     sim.Text
		want     []sim.Lang
		wantZero bool
	}{
		{sim.Text{ES: "hola", EN: "hello"}, nil, false},
		{sim.Text{ES: "hola"}, []sim.Lang{sim.EN}, false},
		{sim.Text{EN: "hello"}, []sim.Lang{sim.ES}, false},
		{sim.Text{}, []sim.Lang{sim.ES, sim.EN}, true},
		{sim.Text{ES: " "}, []sim.Lang{sim.EN}, false},
	}
	for _, tt := range tests {
		if got := tt.text.Missing(); !slices.Equal(got, tt.want) {
			t.Errorf("%+v.Missing() = %q, want %q", tt.text, got, tt.want)
		}
		if got := tt.text.IsZero(); got != tt.wantZero {
			t.Errorf("%+v.IsZero() = %v, want %v", tt.text, got, tt.wantZero)
		}
	}
}
