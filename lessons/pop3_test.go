package lessons

import (
	"errors"
	"strings"
	"testing"
)

// A scenario with a phone that reads with POP3, which the broken ones below
// vary.
const goodPOP3 = `id: x
title: {es: "Título", en: "Title"}
world:
  domains:
    - name: otro.org
      server: mail.otro.org
      accounts:
        - {user: beto, password: naranja}
  devices:
    - id: beto-phone
      label: {es: "Móvil", en: "Phone"}
      kind: phone
      account: beto@otro.org
      reads: pop3-keep
      keep_days: 3
steps:
  - say: {es: "Hola", en: "Hello"}
    do:
      - pop3: {device: beto-phone, op: check}
`

func TestParsePOP3(t *testing.T) {
	s, err := Parse("good.yaml", []byte(goodPOP3))
	if err != nil {
		t.Fatal(err)
	}
	if d := s.World.Devices[0]; d.Reads != "pop3-keep" || d.KeepDays != 3 || s.Steps[0].Do[0].POP3.Op != "check" {
		t.Errorf("Parse(goodPOP3) = %+v", s)
	}
	for _, tc := range []struct {
		name, yaml string
		want       string
	}{
		{"unknown op", strings.Replace(goodPOP3, "op: check", "op: fetch", 1),
			`f.yaml:19:40: op "fetch" is not one of check, preview, drop`},
		{"unknown device", strings.Replace(goodPOP3, "device: beto-phone", "device: beto-tablet", 1),
			`f.yaml:19:24: there is no device "beto-tablet"`},
		{"device reads imap", strings.Replace(strings.Replace(goodPOP3, "reads: pop3-keep", "reads: imap", 1), "      keep_days: 3\n", "", 1),
			`f.yaml:18:24: device beto-phone reads mail with imap; a pop3 action needs`},
		{"bad reads", strings.Replace(goodPOP3, "reads: pop3-keep", "reads: pop", 1),
			`f.yaml:14:14: reads "pop" is not imap, pop3 or pop3-keep`},
		{"keep_days without keep", strings.Replace(goodPOP3, "reads: pop3-keep", "reads: pop3", 1),
			`f.yaml:15:18: keep_days needs reads: pop3-keep`},
		{"negative keep_days", strings.Replace(goodPOP3, "keep_days: 3", "keep_days: -1", 1),
			`f.yaml:15:18: keep_days cannot be negative`},
		{"misspelt key", strings.Replace(goodPOP3, "keep_days", "keepdays", 1),
			`f.yaml:15:7: unknown key "keepdays"`},
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
