package explain

import (
	"strings"

	"github.com/mailscope/mailscope/sim"
)

// pop3Cmd is a command waiting for its response.
type pop3Cmd struct {
	verb string // upper case; "" when unknown
	arg  bool   // it had an argument
	mech string // the AUTH mechanism
}

// pop3Multi is the kind of multi-line response being read.
type pop3Multi uint8

const (
	pop3Single  pop3Multi = iota // not in a multi-line response
	pop3Capa                     // CAPA: one capability a line
	pop3Scan                     // LIST: "msg size" scan listings
	pop3UIDL                     // UIDL: "msg unique-id"
	pop3Message                  // RETR, TOP: the message, byte-stuffed
	pop3Mechs                    // AUTH without arguments: SASL mechanisms
)

// pop3Tracker follows a POP3 connection (RFC 1939). Responses answer the
// waiting commands in order (pipelining, RFC 2449 section 6.6); whether a
// "+OK" opens a multi-line response depends on the command it answers.
type pop3Tracker struct {
	st      string
	greeted bool
	pending []pop3Cmd
	multi   pop3Multi
	sasl    bool // a "+" challenge came: the client's next line answers it
	msg     msgReader
}

func newPOP3() *pop3Tracker { return &pop3Tracker{st: POP3Authorization} }

func (t *pop3Tracker) state() State { return State{Proto: sim.POP3, ID: t.st} }

func (t *pop3Tracker) close() { *t = pop3Tracker{st: POP3Closed, greeted: true} }

func (t *pop3Tracker) line(e *sim.Event) Line {
	before := t.state()
	var l Line
	switch e.Dir {
	case sim.C2S:
		l = t.client(e.Text)
	case sim.S2C:
		l = t.server(e.Text)
	default:
		l = Line{Main: lookupOr("line.unknown", ""), Verb: "?"}
	}
	l.Before, l.After = before, t.state()
	return l
}

// pop3CommandNames lists POP3's commands: those the tracker follows. Other
// words may have an entry too (pop3.cmd.MAIL says POP3 has no MAIL), which
// explains them as a command the server refuses.
var pop3CommandNames = map[string]bool{
	"USER": true, "PASS": true, "APOP": true, "AUTH": true, "STAT": true, "LIST": true,
	"RETR": true, "DELE": true, "NOOP": true, "RSET": true, "TOP": true, "UIDL": true,
	"QUIT": true, "CAPA": true, "STLS": true,
}

func (t *pop3Tracker) push(c pop3Cmd) {
	if len(t.pending) >= maxPending {
		t.pending = t.pending[1:]
	}
	t.pending = append(t.pending, c)
}

// client explains a line from the client.
func (t *pop3Tracker) client(text string) Line {
	if t.sasl {
		t.sasl = false
		var x extras
		if len(t.pending) > 0 && t.pending[0].mech != "" {
			x.addFirst("sasl.mech."+t.pending[0].mech, "sasl.mech.unknown")
		}
		return saslResponse("pop3", text, &x)
	}
	raw, rest := firstWord(text)
	verb := strings.ToUpper(raw)
	if !pop3CommandNames[verb] {
		// Not a POP3 command: the server will answer -ERR. The catalogue
		// may still say what the word is (a command of another protocol
		// typed to POP3).
		t.push(pop3Cmd{})
		if e := Lookup("pop3.cmd." + verb); e != nil && verb != "" {
			return Line{Main: e, Verb: verb}
		}
		return Line{Main: lookupOr("pop3.cmd.unknown", ""), Verb: word(raw)}
	}
	cmd := pop3Cmd{verb: verb, arg: strings.TrimSpace(rest) != ""}
	var x extras
	var initial string
	switch verb {
	case "AUTH":
		mech, ir := firstWord(strings.TrimSpace(rest))
		if mech != "" {
			cmd.mech = strings.ToUpper(mech)
			x.addFirst("sasl.mech."+cmd.mech, "sasl.mech.unknown")
		}
		initial = ir // the initial response (RFC 5034 section 4)
	case "QUIT":
		// QUIT in the TRANSACTION state enters the UPDATE state (RFC 1939
		// section 6): the messages marked as deleted go now.
		if t.st == POP3Transaction {
			t.st = POP3Update
		}
	}
	t.push(cmd)
	l := Line{Main: lookupOr("pop3.cmd."+verb, "pop3.cmd.unknown"), Extra: x.list(), Verb: verb}
	l.decoded(initial)
	return l
}

// server explains a line from the server.
func (t *pop3Tracker) server(text string) Line {
	if t.multi != pop3Single {
		return t.multiLine(text)
	}
	var x extras
	switch {
	case hasStatus(text, "+OK"):
		pop3Code(text[3:], &x)
		if !t.greeted {
			t.greeted = true
			if strings.Contains(text, "<") && strings.Contains(text, ">") {
				x.add("pop3.apop.timestamp")
			}
			return Line{Main: lookupOr("pop3.resp.greeting", "pop3.resp.+OK"), Extra: x.list(), Verb: "+OK"}
		}
		if len(t.pending) > 0 {
			cmd := t.pending[0]
			t.pending = t.pending[1:]
			t.ok(cmd)
		}
		return Line{Main: lookupOr("pop3.resp.+OK", ""), Extra: x.list(), Verb: "+OK"}
	case hasStatus(text, "-ERR"):
		pop3Code(text[4:], &x)
		if !t.greeted {
			t.greeted = true
		} else if len(t.pending) > 0 {
			cmd := t.pending[0]
			t.pending = t.pending[1:]
			if cmd.verb == "QUIT" {
				// Even when some deletions failed, the server ends
				// the session (RFC 1939 section 6).
				t.closeState()
			}
		}
		return Line{Main: lookupOr("pop3.resp.-ERR", ""), Extra: x.list(), Verb: "-ERR"}
	case text == "+" || strings.HasPrefix(text, "+ "):
		var challenge string
		if len(t.pending) > 0 && t.pending[0].verb == "AUTH" {
			t.sasl = true
			if m := t.pending[0].mech; m != "" {
				x.addFirst("sasl.mech."+m, "sasl.mech.unknown")
			}
			challenge = strings.TrimPrefix(text, "+")
		}
		l := Line{Main: lookupOr("pop3.resp.continue", ""), Extra: x.list(), Verb: "+"}
		l.decoded(challenge)
		return l
	}
	return Line{Main: lookupOr("pop3.resp.unknown", ""), Verb: "?"}
}

// ok applies a positive response to the command it answers.
func (t *pop3Tracker) ok(cmd pop3Cmd) {
	switch cmd.verb {
	case "PASS", "APOP":
		t.st = POP3Transaction
	case "AUTH":
		if cmd.arg {
			t.st = POP3Transaction
		} else {
			t.multi = pop3Mechs
		}
	case "QUIT":
		t.closeState()
	case "CAPA":
		t.multi = pop3Capa
	case "LIST":
		if !cmd.arg {
			t.multi = pop3Scan
		}
	case "UIDL":
		if !cmd.arg {
			t.multi = pop3UIDL
		}
	case "RETR", "TOP":
		t.multi = pop3Message
		t.msg.reset(partMessage)
	}
}

func (t *pop3Tracker) closeState() {
	t.st, t.pending, t.multi, t.sasl = POP3Closed, nil, pop3Single, false
}

// multiLine explains a line of a multi-line response (RFC 1939 section 3).
func (t *pop3Tracker) multiLine(text string) Line {
	if text == "." {
		t.multi = pop3Single
		return Line{Main: lookupOr("pop3.resp.end", ""), Verb: "."}
	}
	var x extras
	switch t.multi {
	case pop3Message:
		x.add("pop3.msg.content")
		if strings.HasPrefix(text, ".") {
			x.add("pop3.dotstuff")
			text = text[1:]
		}
		verb := t.msg.line(text, &x)
		return Line{Content: true, Extra: x.list(), Verb: verb}
	case pop3Capa:
		kw, args := firstWord(text)
		kw = strings.ToUpper(kw)
		if kw == "SASL" {
			for _, m := range fields(args) {
				x.addFirst("sasl.mech."+strings.ToUpper(m), "sasl.mech.unknown")
			}
		}
		return Line{Main: lookupOr("pop3.capa."+kw, "pop3.capa.unknown"), Extra: x.list(), Verb: word(kw)}
	case pop3Mechs:
		m, _ := firstWord(text)
		return Line{Main: lookupOr("sasl.mech."+strings.ToUpper(m), "sasl.mech.unknown"), Verb: word(m)}
	case pop3UIDL:
		return Line{Main: lookupOr("pop3.line.uidl", ""), Verb: label(text)}
	}
	return Line{Main: lookupOr("pop3.line.scan", ""), Verb: label(text)}
}

// hasStatus reports whether a response begins with the status indicator s
// ("+OK" or "-ERR", in any case) followed by a space or nothing.
func hasStatus(text, s string) bool {
	rest, ok := cutPrefixFold(text, s)
	return ok && (rest == "" || rest[0] == ' ')
}

// pop3Code adds the entry of the response code in brackets that may begin
// a response's text (RFC 2449 section 8), such as [IN-USE] or [SYS/TEMP].
func pop3Code(s string, x *extras) {
	s = strings.TrimLeft(s, " ")
	if !strings.HasPrefix(s, "[") {
		return
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return
	}
	code := strings.ToUpper(s[1:end])
	top, _, _ := strings.Cut(code, "/")
	x.addFirst("pop3.code."+code, "pop3.code."+top, "pop3.code.unknown")
}
