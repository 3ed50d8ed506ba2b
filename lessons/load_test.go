package lessons

import "testing"

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
