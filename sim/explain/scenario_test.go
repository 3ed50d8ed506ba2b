package explain_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/explain"
	"github.com/mailscope/mailscope/sim/world"
)

// TestScenarios runs every built-in scenario and explains its trace: every
// line has an entry unless it is content; every command, reply code and
// response code seen has an entry in both languages; and a line is content
// exactly when an independent reading of the trace says it is inside a
// message body or a literal.
func TestScenarios(t *testing.T) {
	ids := lessons.IDs()
	if len(ids) == 0 {
		t.Fatal("no built-in scenarios")
	}
	content := map[sim.Proto]int{}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			s, err := lessons.Builtin(id)
			if err != nil {
				t.Fatal(err)
			}
			w, err := world.Run(s, world.Options{})
			if err != nil {
				t.Fatal(err)
			}
			events := w.Trace.Events()
			x := explain.New()
			oracle := newContentOracle()
			lines := 0
			for i := range events {
				e := &events[i]
				l := x.Explain(e)
				if e.Kind != sim.KindLine {
					continue
				}
				lines++
				where := e.Conn.Label() + " " + e.Dir.String() + " " + strconv.Quote(e.Text)
				if l.Main == nil && !l.Content {
					t.Errorf("%s: no Main entry and not content", where)
				}
				if l.Verb == "" {
					t.Errorf("%s: no Verb", where)
				}
				if l.Before.Proto != e.Conn.Proto || explain.Lookup(l.Before.ID) == nil || explain.Lookup(l.After.ID) == nil {
					t.Errorf("%s: states %+v -> %+v, want states of %s with entries", where, l.Before, l.After, e.Conn.Proto)
				}
				for _, en := range append([]*explain.Entry{l.Main}, l.Extra...) {
					if en == nil {
						continue
					}
					if en.Title.ES == "" || en.Title.EN == "" || en.Text.ES == "" || en.Text.EN == "" || en.RFC == "" {
						t.Errorf("%s: entry %s lacks a language or an RFC", where, en.ID)
					}
				}
				if l.Content {
					content[e.Conn.Proto]++
				}
				if want := oracle.content(e); l.Content != want {
					t.Errorf("%s: Content = %v, want %v", where, l.Content, want)
				}
				if !l.Content {
					for _, code := range codesIn(e) {
						if explain.Lookup(code) == nil {
							t.Errorf("%s: no entry %s", where, code)
						}
						if !hasEntry(l, code) {
							t.Errorf("%s: the explanation does not use %s", where, code)
						}
					}
				}
			}
			if lines == 0 {
				t.Error("the scenario has no lines")
			}
			if id == "tour" {
				checkTour(t, events)
			}
		})
	}
	for _, p := range []sim.Proto{sim.SMTP, sim.POP3, sim.IMAP} {
		if content[p] == 0 {
			t.Errorf("no %s line in any scenario is content: the oracle checked nothing", p)
		}
	}
}

func hasEntry(l explain.Line, id string) bool {
	if l.Main != nil && l.Main.ID == id {
		return true
	}
	for _, e := range l.Extra {
		if e.ID == id {
			return true
		}
	}
	return false
}

// pop3Commands are the commands of POP3 (RFC 1939, CAPA RFC 2449, STLS RFC
// 2595, AUTH RFC 5034).
var pop3Commands = map[string]bool{
	"USER": true, "PASS": true, "APOP": true, "AUTH": true, "STAT": true, "LIST": true,
	"RETR": true, "DELE": true, "NOOP": true, "RSET": true, "TOP": true, "UIDL": true,
	"QUIT": true, "CAPA": true, "STLS": true,
}

var (
	smtpReply   = regexp.MustCompile(`^([2-5][0-9][0-9])[ -]`)
	smtpESC     = regexp.MustCompile(`^[2-5][0-9][0-9][ -]([245]\.[0-9]{1,3}\.[0-9]{1,3}) `)
	pop3Status  = regexp.MustCompile(`^(\+OK|-ERR)(?: \[([A-Z/-]+)\])?`)
	imapCode    = regexp.MustCompile(`^(?:\*|[A-Za-z0-9.]+) (?:OK|NO|BAD|BYE|PREAUTH) \[([A-Z-]+)`)
	imapTagged  = regexp.MustCompile(`^[A-Za-z0-9.]+ (OK|NO|BAD) `)
	imapCommand = regexp.MustCompile(`^[A-Za-z0-9.]+ (UID [A-Z]+|[A-Z]+)`)
)

// codesIn returns the IDs of the entries a line names outright: its
// command, its reply code and enhanced status code, its response code.
func codesIn(e *sim.Event) []string {
	var ids []string
	add := func(id string) { ids = append(ids, id) }
	switch e.Conn.Proto {
	case sim.SMTP:
		if e.Dir == sim.S2C {
			if m := smtpReply.FindStringSubmatch(e.Text); m != nil {
				add("smtp.reply." + m[1])
			}
			if m := smtpESC.FindStringSubmatch(e.Text); m != nil {
				add("smtp.esc." + m[1])
			}
		} else if w, _, _ := strings.Cut(e.Text, " "); regexp.MustCompile(`^[A-Z]{4,8}$`).MatchString(w) {
			add("smtp.cmd." + w)
		}
	case sim.POP3:
		if e.Dir == sim.S2C {
			if m := pop3Status.FindStringSubmatch(e.Text); m != nil && m[2] != "" {
				add("pop3.code." + m[2])
			}
		} else if w, _, _ := strings.Cut(e.Text, " "); regexp.MustCompile(`^[A-Z]{3,4}$`).MatchString(w) {
			// A POP3 command has its own entry; another word is explained
			// by an entry that says what it is (pop3.cmd.MAIL: POP3 has no
			// MAIL), or else as an unknown command.
			if pop3Commands[w] || explain.Lookup("pop3.cmd."+w) != nil {
				add("pop3.cmd." + w)
			} else {
				add("pop3.cmd.unknown")
			}
		}
	case sim.IMAP:
		if e.Dir == sim.S2C {
			if m := imapCode.FindStringSubmatch(e.Text); m != nil {
				add("imap.code." + m[1])
			}
			if m := imapTagged.FindStringSubmatch(e.Text); m != nil {
				add("imap.status." + m[1])
			}
		} else if m := imapCommand.FindStringSubmatch(e.Text); m != nil {
			add("imap.cmd." + strings.ReplaceAll(m[1], " ", "."))
		}
	}
	return ids
}

// contentOracle says which lines of a trace are message content, reading
// the trace more simply than the explainer does: no pipelining, no SASL,
// no BDAT; enough for the built-in scenarios.
type contentOracle struct {
	smtpData map[int]bool   // after 354, until "."
	smtpDATA map[int]bool   // DATA sent, 354 awaited
	pop3Cmd  map[int]string // the last command
	pop3Msg  map[int]bool   // inside a RETR or TOP response
	literal  map[[2]int]int64
}

func newContentOracle() *contentOracle {
	return &contentOracle{
		smtpData: map[int]bool{}, smtpDATA: map[int]bool{},
		pop3Cmd: map[int]string{}, pop3Msg: map[int]bool{},
		literal: map[[2]int]int64{},
	}
}

var literalAtEnd = regexp.MustCompile(`\{([0-9]+)\+?\}$`)

func (o *contentOracle) content(e *sim.Event) bool {
	id := e.Conn.ID
	switch e.Conn.Proto {
	case sim.SMTP:
		switch {
		case e.Dir == sim.C2S && o.smtpData[id]:
			if e.Text == "." {
				o.smtpData[id] = false
				return false
			}
			return true
		case e.Dir == sim.C2S:
			o.smtpDATA[id] = strings.EqualFold(e.Text, "DATA")
		case strings.HasPrefix(e.Text, "354") && o.smtpDATA[id]:
			o.smtpData[id], o.smtpDATA[id] = true, false
		}
	case sim.POP3:
		switch {
		case e.Dir == sim.C2S:
			o.pop3Cmd[id], _, _ = strings.Cut(strings.ToUpper(e.Text), " ")
		case o.pop3Msg[id]:
			if e.Text == "." {
				o.pop3Msg[id] = false
				return false
			}
			return true
		case strings.HasPrefix(e.Text, "+OK") && (o.pop3Cmd[id] == "RETR" || o.pop3Cmd[id] == "TOP"):
			o.pop3Msg[id] = true
		}
	case sim.IMAP:
		key := [2]int{id, int(e.Dir)}
		if left, ok := o.literal[key]; ok {
			delete(o.literal, key)
			if left >= int64(e.Size) {
				o.literal[key] = left - int64(e.Size)
				return true
			}
			return left > 0
		}
		if strings.HasPrefix(e.Text, "* ") && strings.Contains(e.Text, " FETCH ") || e.Dir == sim.C2S {
			if m := literalAtEnd.FindStringSubmatch(e.Text); m != nil {
				n, _ := strconv.ParseInt(m[1], 10, 64)
				o.literal[key] = n
			}
		}
	}
	return false
}

// checkTour checks the tour line by line where the brief is explicit: the
// message inside DATA and inside the FETCH literal is content; DATA, 354,
// "." and ")" are not.
func checkTour(t *testing.T, events []sim.Event) {
	x := explain.New()
	type want struct {
		conn    string
		text    string
		content bool
		verb    string
	}
	wants := []want{
		{"c2", "DATA", false, "DATA"},
		{"c2", "354 Go ahead. End your data with <CR><LF>.<CR><LF>", false, "354"},
		{"c2", "Subject: =?utf-8?q?=C2=BFCenamos_el_viernes=3F?=", true, "✉ Subject:"},
		{"c2", "Hola, Beto:", true, "✉ data"},
		{"c2", "..", true, "✉ data"},
		{"c2", ".", false, "."},
		{"c1", "* 1 EXISTS", false, "* 1 EXISTS"},
		{"c4", "* 1 FETCH (UID 1 FLAGS (\\Seen) BODY[] {883}", false, "* FETCH"},
		{"c4", "Subject: =?utf-8?q?=C2=BFCenamos_el_viernes=3F?=", true, "✉ Subject:"},
		{"c4", "Hola, Beto:", true, "✉ data"},
		{"c4", ".", true, "✉ data"},
		{"c4", ")", false, "* FETCH"},
		{"c1", "DONE", false, "DONE"},
	}
	next := 0
	for i := range events {
		e := &events[i]
		l := x.Explain(e)
		if next < len(wants) && e.Kind == sim.KindLine && e.Conn.Label() == wants[next].conn && e.Text == wants[next].text {
			if w := wants[next]; l.Content != w.content || l.Verb != w.verb {
				t.Errorf("tour %s %q: Content, Verb = %v, %q; want %v, %q", w.conn, w.text, l.Content, l.Verb, w.content, w.verb)
			}
			next++
		}
	}
	if next < len(wants) {
		t.Errorf("tour: line %s %q not found in order", wants[next].conn, wants[next].text)
	}
}
