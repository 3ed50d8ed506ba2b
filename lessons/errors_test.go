package lessons

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
)

// A complete small lesson: the broken files below are each one mistake
// away from it.
const lessonBase = `id: demo
order: 1
level: basic
title: {es: "Demostración", en: "Demo"}
summary: {es: "Un resumen", en: "A summary"}
world:
  devices:
    - {id: ana-laptop, label: {es: "Portátil", en: "Laptop"}, kind: laptop, account: ana@ejemplo.com, reads: imap}
    - {id: beto-phone, label: {es: "Móvil", en: "Phone"}, kind: phone, account: beto@otro.org, reads: pop3}
steps:
  - say: {es: "Ana escribe", en: "Ana writes"}
    do:
      - send: {device: ana-laptop, to: [beto@otro.org], subject: "Hola"}
      - relay: {server: mail.ejemplo.com}
      - wait: {for: 5m}
    expect:
      - {account: beto@otro.org, count: 1}
      - {queue: mail.ejemplo.com, count: 0}
  - say: {es: "Beto lo baja", en: "Beto downloads it"}
    do:
      - pop3: {device: beto-phone, op: check}
    expect:
      - {device: beto-phone, subject: "Hola", present: true}
    quiz:
      - ask: {es: "¿Dónde está?", en: "Where is it?"}
        choices:
          - {text: {es: "En el móvil", en: "On the phone"}, correct: true, why: {es: "Lo bajó", en: "It was downloaded"}}
          - {text: {es: "En el servidor", en: "On the server"}, why: {es: "Se borró", en: "It was deleted"}}
`

// TestBrokenFiles checks that each mistake a teacher can make in a lesson
// file is reported at its exact line and column, with a sentence that says
// what is wrong. The last ones parse, and fail only when the lesson runs.
func TestBrokenFiles(t *testing.T) {
	if err := Check("f.yaml", []byte(lessonBase)); err != nil {
		t.Fatalf("the base lesson fails: %v", err)
	}
	// The first error of some of the mistakes, in Spanish: from the YAML
	// decoder, from the checks and from expectations that do not hold.
	spanish := map[string]string{
		"unknown top key":       `f.yaml:4:1: clave desconocida "titel" (revisa cómo está escrita y su sangría)`,
		"empty translation":     `f.yaml:11:34: falta el texto en inglés (cada texto necesita es y en)`,
		"unknown device":        `f.yaml:21:24: no existe el dispositivo "beto-tablet"`,
		"bad op":                `f.yaml:21:40: op "fetch" no es ninguna de estas: check, preview, drop`,
		"bad duration":          `f.yaml:15:21: "5 minutes" no es una duración como 90s, 5m, 2h o 3d`,
		"two actions":           `f.yaml:13:9: una acción lleva exactamente una de send, relay, imap, pop3, wait, raw, server (hay 2)`,
		"no correct":            `f.yaml:27:11: tiene que haber exactamente una opción correcta (hay 0)`,
		"missing why":           `f.yaml:28:14: falta why: necesita un texto en es y en`,
		"two targets":           `f.yaml:23:10: una expectativa se fija en exactamente uno de account, device, queue o reply (hay 2)`,
		"replied fails":         `f.yaml:18:10: se esperaba una respuesta que empezara por "535"; ninguna de las 15 respuestas de este paso lo hace (la última fue "221 2.0.0 Bye")`,
		"wrong type":            `f.yaml:17:41: se ha escrito un texto donde se espera un número`,
		"tab":                   `f.yaml:19:1: en YAML no se puede sangrar con tabuladores: usa espacios`,
		"expectation fails":     `f.yaml:17:10: se esperaban 2 mensajes en beto@otro.org INBOX y hay 1`,
		"reply fails":           `f.yaml:18:10: se esperaba una última respuesta que empezara por "550" y llegó "221 2.0.0 Bye"`,
		"duplicate key":         `f.yaml:13:74: la clave "subject" aparece dos veces (la primera en la línea 13, columna 57)`,
		"unclosed quote":        `f.yaml:19:16: aquí falta ',' o '}' (¿se ha quedado abierta antes una comilla o un corchete?)`,
		"password as a mapping": `f.yaml:21:57: se ha escrito un conjunto de claves y valores donde se espera un texto`,
		"quiz flag not bool":    `f.yaml:27:70: se ha escrito un texto donde se espera true o false`,
		"unknown cert":          `f.yaml:15:45: cert "expired" no es ninguno de estos: valid, self-signed, wrong-name`,
	}
	defer func() {
		for name := range spanish {
			t.Errorf("no mistake is named %q", name)
		}
	}()
	for _, tc := range []struct {
		name     string
		old, new string // the mistake: old replaced by new in lessonBase (no old: new replaces the steps)
		want     string // the first error, exactly
	}{
		{"unknown top key", `title:`, `titel:`,
			`f.yaml:4:1: unknown key "titel" (check its spelling and its indentation)`},
		{"misspelt key", `subject: "Hola"}`, `subjet: "Hola"}`,
			`f.yaml:13:57: unknown key "subjet" (check its spelling and its indentation)`},
		{"empty translation", `en: "Ana writes"`, `en: ""`,
			`f.yaml:11:34: the English text is missing (every text needs es and en)`},
		{"missing translation", `{es: "Demostración", en: "Demo"}`, `{es: "Demostración"}`,
			`f.yaml:4:9: the English text is missing (every text needs es and en)`},
		{"unknown device", `pop3: {device: beto-phone`, `pop3: {device: beto-tablet`,
			`f.yaml:21:24: there is no device "beto-tablet"`},
		{"unknown account", `{account: beto@otro.org, count: 1}`, `{account: carla@otro.org, count: 1}`,
			`f.yaml:17:19: there is no account "carla@otro.org"`},
		{"bad address", `to: [beto@otro.org]`, `to: [beto]`,
			`f.yaml:13:41: "beto" is not an address such as beto@otro.org`},
		{"bad blind copy", `to: [beto@otro.org]`, `to: [beto@otro.org], bcc: [ana@ejemplo.com, carla]`,
			`f.yaml:13:80: "carla" is not an address such as beto@otro.org`},
		{"bad op", `op: check`, `op: fetch`,
			`f.yaml:21:40: op "fetch" is not one of check, preview, drop`},
		{"bad level", `level: basic`, `level: expert`,
			`f.yaml:3:8: level "expert" is not one of basic, intermediate, advanced`},
		{"negative order", `order: 1`, `order: -1`,
			`f.yaml:2:8: order cannot be negative`},
		{"bad duration", `for: 5m`, `for: 5 minutes`,
			`f.yaml:15:21: "5 minutes" is not a duration such as 90s, 5m, 2h or 3d`},
		{"two actions", `      - relay:`, `        relay:`,
			`f.yaml:13:9: an action needs exactly one of send, relay, imap, pop3, wait, raw, server (found 2)`},
		{"no correct", `, correct: true,`, `,`,
			`f.yaml:27:11: exactly one choice must be correct (found 0)`},
		{"two correct", `"On the server"}, why`, `"On the server"}, correct: true, why`,
			`f.yaml:27:11: exactly one choice must be correct (found 2)`},
		{"one choice", `          - {text: {es: "En el servidor"`, `          # - {text: {es: "En el servidor"`,
			`f.yaml:27:11: a question needs at least two choices`},
		{"missing why", `, why: {es: "Se borró", en: "It was deleted"}}`, `}`,
			`f.yaml:28:14: why is missing: it needs a text in es and en`},
		{"two targets", `{device: beto-phone, subject`, `{device: beto-phone, account: beto@otro.org, subject`,
			`f.yaml:23:10: an expectation looks at exactly one of account, device, queue or reply (found 2)`},
		{"nothing to check", `{queue: mail.ejemplo.com, count: 0}`, `{queue: mail.ejemplo.com}`,
			`f.yaml:18:10: an expectation needs count, present, flags, no_flags or partial`},
		{"reply with extras", `{queue: mail.ejemplo.com, count: 0}`, `{reply: "250", count: 0}`,
			`f.yaml:18:10: a reply expectation takes only reply (or replied) and, optionally, device`},
		{"reply and replied", `{queue: mail.ejemplo.com, count: 0}`, `{reply: "250", replied: "221"}`,
			`f.yaml:18:10: an expectation takes reply or replied, not both`},
		{"replied fails", `{queue: mail.ejemplo.com, count: 0}`, `{replied: "535"}`,
			`f.yaml:18:10: expected a reply starting "535"; none of the 15 replies of this step does (the last was "221 2.0.0 Bye")`},
		{"wrong type", `count: 1}`, `count: one}`,
			`f.yaml:17:41: a text was written where a number is expected`},
		{"tab", `  - say: {es: "Beto`, "\t- say: {es: \"Beto",
			`f.yaml:19:1: a tab cannot indent YAML: indent with spaces`},
		{"no steps", "", "steps: []\n", `f.yaml:10:8: the script has no steps`},
		{"duplicate device", `id: beto-phone`, `id: ana-laptop`,
			`f.yaml:9:12: device ana-laptop is listed twice`},
		{"unknown account on device", `account: beto@otro.org, reads: pop3`, `account: beto@otro.com, reads: pop3`,
			`f.yaml:9:81: there is no account "beto@otro.com"`},
		{"unknown server", `relay: {server: mail.ejemplo.com}`, `relay: {server: mail.ejemplo.org}`,
			`f.yaml:14:25: there is no server "mail.ejemplo.org"`},
		{"expectation fails", `{account: beto@otro.org, count: 1}`, `{account: beto@otro.org, count: 2}`,
			`f.yaml:17:10: expected 2 messages in beto@otro.org INBOX, found 1`},
		{"reply fails", `{queue: mail.ejemplo.com, count: 0}`, `{reply: "550"}`,
			`f.yaml:18:10: expected a last reply starting "550", got "221 2.0.0 Bye"`},
		{"duplicate key", `subject: "Hola"}`, `subject: "Hola", subject: "Adiós"}`,
			`f.yaml:13:74: the key "subject" appears twice (first at line 13, column 57)`},
		{"bad kind", `kind: phone`, `kind: tablet`,
			`f.yaml:9:65: kind "tablet" is not laptop or phone`},
		{"step without say", "  - say: {es: \"Beto lo baja\", en: \"Beto downloads it\"}\n    do:", `  - do:`,
			`f.yaml:19:5: say is missing: it needs a text in es and en`},
		{"unclosed quote", `subject: "Hola"}`, `subject: "Hola}`,
			`f.yaml:19:16: ',' or '}' is missing here (is a quote or a bracket left open before?)`},
		{"password not a text", `subject: "Hola"}`, `subject: "Hola", password: [a, b]}`,
			`f.yaml:13:84: a list was written where a text is expected`},
		{"password as a mapping", `op: check}`, `op: check, password: {x: 1}}`,
			`f.yaml:21:57: a mapping of keys and values was written where a text is expected`},
		{"password with a line break", `subject: "Hola"}`, `subject: "Hola", password: "a\nb"}`,
			`f.yaml:13:84: a password cannot contain a line break or a NUL`},
		{"quiz flag not bool", `correct: true,`, `correct: yes please,`,
			`f.yaml:27:70: a text was written where true or false is expected`},
		{"unknown server state", `wait: {for: 5m}`, `server: {name: mail.otro.org, state: sideways}`,
			`f.yaml:15:46: state "sideways" is not one of down, up`},
		{"server action of nothing", `wait: {for: 5m}`, `server: {name: mail.otro.org}`,
			`f.yaml:15:18: a server action needs state, fail or cert`},
		{"server action on no server", `wait: {for: 5m}`, `server: {name: mail.nada.org, state: down}`,
			`f.yaml:15:24: there is no server "mail.nada.org"`},
		{"bad fail reply", `wait: {for: 5m}`, `server: {name: mail.otro.org, fail: 2, reply: 550}`,
			`f.yaml:15:55: reply 550 is not 451 or 421`},
		{"reply without fail", `wait: {for: 5m}`, `server: {name: mail.otro.org, state: up, reply: 421}`,
			`f.yaml:15:57: reply says how the server fails: it needs fail`},
		{"negative fail", `wait: {for: 5m}`, `server: {name: mail.otro.org, fail: -1}`,
			`f.yaml:15:45: fail is a number of attempts from 0 to 1000`},
		{"fail not a number", `wait: {for: 5m}`, `server: {name: mail.otro.org, fail: twice}`,
			`f.yaml:15:45: a text was written where a number is expected`},
		{"unknown cert", `wait: {for: 5m}`, `server: {name: mail.otro.org, cert: expired}`,
			`f.yaml:15:45: cert "expired" is not one of valid, self-signed, wrong-name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			switch {
			case tc.old == "":
				data = []byte(lessonBase[:strings.Index(lessonBase, "steps:")] + tc.new)
			case strings.Contains(lessonBase, tc.old):
				data = []byte(strings.Replace(lessonBase, tc.old, tc.new, 1))
			default:
				t.Fatalf("the base lesson has no %q", tc.old)
			}
			err := Check("f.yaml", data)
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Check = %v, want an ErrorList", err)
			}
			if got := list[0].Error(); got != tc.want {
				t.Errorf("first error:\n got: %s\nwant: %s", got, tc.want)
			}
			if want, ok := spanish[tc.name]; ok {
				if got := list[0].In(sim.ES); got != want {
					t.Errorf("first error in Spanish:\n got: %s\nwant: %s", got, want)
				}
				if got := Describe(err, sim.ES); !strings.HasPrefix(got, want) {
					t.Errorf("Describe(err, es) = %q, want it to start with %q", got, want)
				}
				delete(spanish, tc.name)
			}
		})
	}
}
