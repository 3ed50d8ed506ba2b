package lessons

import (
	"errors"
	"strings"
	"testing"
)

func TestBuiltinsLoad(t *testing.T) {
	ids := IDs()
	if len(ids) == 0 {
		t.Fatal("no built-in scenarios")
	}
	for _, id := range ids {
		s, err := Builtin(id)
		if err != nil {
			t.Errorf("Builtin(%q): %v", id, err)
			continue
		}
		if s.ID != id {
			t.Errorf("Builtin(%q).ID = %q, want the file's name", id, s.ID)
		}
	}
}

// A valid file the broken ones below are variations of.
const good = `id: x
title: {es: "Título", en: "Title"}
steps:
  - say: {es: "Hola", en: "Hello"}
    do:
      - send: {device: ana-laptop, to: [beto@otro.org], subject: "s"}
      - imap: {device: beto-laptop, op: select, mailbox: INBOX}
`

func TestParseGood(t *testing.T) {
	s, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Steps) != 1 || len(s.Steps[0].Do) != 2 || s.Steps[0].Do[0].Send.To[0] != "beto@otro.org" {
		t.Errorf("Parse(good) = %+v", s)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       string // file:line:col: message (a prefix of the message is enough)
	}{
		{"unknown key", strings.Replace(good, "subject:", "subjet:", 1),
			`f.yaml:6:57: unknown key "subjet"`},
		{"unknown top key", good + "extra: 1\n",
			`f.yaml:8:1: unknown key "extra"`},
		{"missing translation", strings.Replace(good, `en: "Hello"`, `en: ""`, 1),
			`f.yaml:4:27: the English text is missing`},
		{"unknown device", strings.Replace(good, "device: beto-laptop", "device: beto-tablet", 1),
			`f.yaml:7:24: there is no device "beto-tablet"`},
		{"bad recipient", strings.Replace(good, "to: [beto@otro.org]", "to: [beto]", 1),
			`f.yaml:6:41: "beto" is not an address`},
		{"unknown op", strings.Replace(good, "op: select", "op: open", 1),
			`f.yaml:7:41: op "open" is not one of`},
		{"wrong type", strings.Replace(good, "to: [beto@otro.org]", "to: 5", 1),
			`f.yaml:6:`},
		{"no steps", "id: x\ntitle: {es: a, en: b}\nsteps: []\n",
			`f.yaml:3:8: the script has no steps`},
		{"two actions in one", strings.Replace(good, "      - imap:", "        imap:", 1),
			`f.yaml:6:9: an action needs exactly one of`},
		{"syntax", "id: [\n", `f.yaml:1:`},
	} {
		_, err := Parse("f.yaml", []byte(tc.yaml))
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Errorf("%s: Parse = %v, want an ErrorList", tc.name, err)
			continue
		}
		if got := list[0].Error(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: first error = %q, want %q…", tc.name, got, tc.want)
		}
	}
}

func TestLoadNames(t *testing.T) {
	if _, err := Load("tour"); err != nil {
		t.Errorf("Load(tour) = %v", err)
	}
	for _, name := range []string{"no-such", "missing/file.yaml"} {
		if _, err := Load(name); err == nil {
			t.Errorf("Load(%q) succeeded", name)
		}
	}
}
