package explain

import (
	"strings"

	"github.com/mailscope/mailscope/sim"
)

// imapCmd is a command waiting for its tagged response.
type imapCmd struct {
	tag  string
	name string // upper case, such as "LOGIN" or "UID FETCH"; "" when unknown
	mech string // for AUTHENTICATE: the SASL mechanism
}

// contKind says how to read the rest of a line after a literal.
type contKind uint8

const (
	contCommand contKind = iota // a client command
	contFetch                   // a FETCH response: more items may follow
	contData                    // another server data response
)

// imapCont is the line a literal interrupts: what the rest of it, after
// the literal's octets, continues.
type imapCont struct {
	main *Entry
	verb string
	kind contKind
	cmd  *imapCmd // for commands
}

// imapLiteral is a literal being read in one direction (RFC 9051 section
// 4.3): the octets that follow the line that announced it, counted from the
// Size of the recorded lines.
type imapLiteral struct {
	active bool
	left   int64 // octets still to come
	sync   bool  // a client literal that waits for the server's "+"
	acked  bool  // the "+" came
	tag    string
	cont   imapCont
}

// The directions, as indexes of per-direction state.
const (
	c2s = 0
	s2c = 1
)

// imapTracker follows an IMAP connection (RFC 9051, RFC 3501): tagged
// responses end the command with the same tag; literals are counted in
// octets; IDLE (RFC 2177) and AUTHENTICATE continue with "+".
type imapTracker struct {
	st      string
	greeted bool
	cmds    map[string]*imapCmd // waiting commands by tag
	idle    *imapCmd            // an IDLE not yet answered
	idling  bool                // "+ idling" came and DONE did not yet
	auth    *imapCmd            // an AUTHENTICATE not yet answered
	sasl    bool                // a "+" challenge came: the client's next line answers it
	lit     [2]imapLiteral
	msg     [2]msgReader
}

func newIMAP() *imapTracker {
	return &imapTracker{st: IMAPNotAuth, cmds: make(map[string]*imapCmd)}
}

func (t *imapTracker) state() State { return State{Proto: sim.IMAP, ID: t.st} }

func (t *imapTracker) close() {
	*t = imapTracker{st: IMAPClosed, greeted: true, cmds: make(map[string]*imapCmd)}
}

func (t *imapTracker) line(e *sim.Event) Line {
	before := t.state()
	var l Line
	switch {
	case e.Dir == sim.C2S && t.lit[c2s].active:
		l = t.literalLine(c2s, e)
	case e.Dir == sim.S2C && t.lit[s2c].active:
		l = t.literalLine(s2c, e)
	case e.Dir == sim.C2S:
		l = t.client(e.Text)
	case e.Dir == sim.S2C:
		l = t.server(e.Text)
	default:
		l = Line{Main: lookupOr("line.unknown", ""), Verb: "?"}
	}
	l.Before, l.After = before, t.state()
	return l
}

// client explains a line from the client.
func (t *imapTracker) client(text string) Line {
	var x extras
	if t.sasl {
		t.sasl = false
		if t.auth != nil {
			t.addMech(t.auth, &x)
		}
		return saslResponse("imap", text, &x)
	}
	if t.idle != nil && strings.EqualFold(strings.TrimSpace(text), "DONE") {
		t.idling = false
		return Line{Main: lookupOr("imap.cmd.DONE", ""), Verb: "DONE"}
	}
	tag, rest := firstWord(text)
	toks := tokens(rest)
	var name string
	args := toks
	if len(toks) > 0 && toks[0].kind == tokAtom {
		name, args = strings.ToUpper(toks[0].text), toks[1:]
		if name == "UID" && len(args) > 0 && args[0].kind == tokAtom {
			name, args = "UID "+strings.ToUpper(args[0].text), args[1:]
		}
	}
	cmd := &imapCmd{tag: tag}
	var main *Entry
	var initial string
	if isCommandName(name) {
		main = Lookup("imap.cmd." + strings.ReplaceAll(name, " ", "."))
	}
	verb := name
	if main == nil || tag == "" {
		main = lookupOr("imap.cmd.unknown", "")
		verb = word(name)
	} else {
		cmd.name = name
	}
	if tag != "" {
		if len(t.cmds) >= maxPending {
			clear(t.cmds)
		}
		t.cmds[tag] = cmd
	}
	switch cmd.name {
	case "IDLE":
		t.idle = cmd
	case "AUTHENTICATE":
		t.auth = cmd
		if len(args) > 0 && args[0].kind == tokAtom {
			cmd.mech = strings.ToUpper(args[0].text)
		}
		t.addMech(cmd, &x)
		if len(args) > 1 && args[1].kind == tokAtom {
			initial = args[1].text // SASL-IR (RFC 4959)
		}
	case "FETCH", "UID FETCH":
		if len(args) > 1 {
			items := args[1:]
			if items[0].kind == tokOpen {
				skipGroup(items, 0, func(tk token) {
					if tk.kind == tokAtom {
						x.add(fetchItemIDs(tk.text)...)
					}
				})
			} else if items[0].kind == tokAtom {
				x.add(fetchItemIDs(items[0].text)...)
			}
		}
	case "STORE", "UID STORE", "APPEND":
		for _, tk := range args {
			addFlag(tk, &x)
		}
	case "ENABLE":
		for _, tk := range args {
			if tk.kind == tokAtom {
				addCapabilities(tk.text, &x)
			}
		}
	}
	if n, plus, ok := trailingLiteral(text, toks); ok {
		kind := partData
		if cmd.name == "APPEND" {
			kind = partMessage
		}
		t.startLiteral(c2s, n, !plus, tag, imapCont{main: main, verb: verb, kind: contCommand, cmd: cmd}, kind)
		x.add(literalID(plus))
	}
	l := Line{Main: main, Extra: x.list(), Verb: verb}
	l.decoded(initial)
	return l
}

// addMech adds the SASL mechanism an AUTHENTICATE command names.
func (t *imapTracker) addMech(cmd *imapCmd, x *extras) {
	if cmd.mech != "" {
		x.addFirst("sasl.mech."+cmd.mech, "sasl.mech.unknown")
	}
}

func literalID(plus bool) string {
	if plus {
		return "imap.literal.plus"
	}
	return "imap.literal"
}

// startLiteral begins counting a literal's octets in direction d.
func (t *imapTracker) startLiteral(d int, n int64, sync bool, tag string, cont imapCont, kind part) {
	t.lit[d] = imapLiteral{active: true, left: n, sync: sync && d == c2s, tag: tag, cont: cont}
	t.msg[d].reset(kind)
}

// literalLine explains a line in direction d while a literal is being read.
// A literal is counted in octets, so it may end inside a line: the rest of
// that line continues the command or response the literal belongs to.
func (t *imapTracker) literalLine(d int, e *sim.Event) Line {
	lit := &t.lit[d]
	n := lineBytes(e)
	var x extras
	if lit.left >= n {
		lit.left -= n
		x.add("imap.literal.data")
		verb := t.msg[d].line(e.Text, &x)
		if e.Text == "." {
			x.add("imap.literal.dot")
		}
		return Line{Content: true, Extra: x.list(), Verb: verb}
	}
	k := int(lit.left)
	cont := *lit
	*lit = imapLiteral{}
	text := e.Text
	if k > len(text) {
		k = len(text)
	}
	content := k > 0
	verb := cont.cont.verb
	if content {
		x.add("imap.literal.data")
		verb = t.msg[d].line(text[:k], &x)
	}
	x.add("imap.literal.end")
	t.continueLine(d, text, text[k:], cont, &x)
	if content {
		return Line{Content: true, Extra: x.list(), Verb: verb}
	}
	return Line{Main: cont.cont.main, Extra: x.list(), Verb: verb}
}

// continueLine reads the rest of a line after a literal: more FETCH items
// or flags, and maybe the announcement of another literal.
func (t *imapTracker) continueLine(d int, text, rest string, prev imapLiteral, x *extras) {
	toks := tokens(rest)
	literalKind := partData
	switch prev.cont.kind {
	case contFetch:
		if item := fetchPairs(toks, x); item != "" {
			literalKind = literalPart(item)
		}
	case contCommand:
		if prev.cont.cmd != nil && prev.cont.cmd.name == "APPEND" {
			literalKind = partMessage
		}
		for _, tk := range toks {
			addFlag(tk, x)
		}
	}
	if n, plus, ok := trailingLiteral(text, toks); ok {
		t.startLiteral(d, n, !plus, prev.tag, prev.cont, literalKind)
		x.add(literalID(plus))
	}
}

// server explains a line from the server.
func (t *imapTracker) server(text string) Line {
	first := !t.greeted
	t.greeted = true
	switch {
	case strings.HasPrefix(text, "+"):
		return t.continuation(text)
	case text == "*" || strings.HasPrefix(text, "* "):
		return t.untagged(text, first)
	}
	return t.tagged(text)
}

// continuation explains a command continuation request (RFC 9051 section
// 7.6): the server waits for a literal, a SASL response, or DONE.
func (t *imapTracker) continuation(text string) Line {
	var x extras
	var main *Entry
	var challenge string
	switch {
	case t.lit[c2s].active && t.lit[c2s].sync && !t.lit[c2s].acked:
		t.lit[c2s].acked = true
		main = lookupOr("imap.cont.literal", "imap.resp.continue")
	case t.auth != nil:
		t.sasl = true
		t.addMech(t.auth, &x)
		main = lookupOr("imap.cont.sasl", "imap.resp.continue")
		challenge = strings.TrimPrefix(text, "+")
	case t.idle != nil:
		t.idling = true
		main = lookupOr("imap.cont.idle", "imap.resp.continue")
	default:
		main = lookupOr("imap.resp.continue", "")
	}
	l := Line{Main: main, Extra: x.list(), Verb: "+"}
	l.decoded(challenge)
	return l
}

// untagged explains an untagged response (RFC 9051 section 7); first says
// whether it is the server's first line, its greeting.
func (t *imapTracker) untagged(text string, first bool) Line {
	rest := strings.TrimPrefix(strings.TrimPrefix(text, "*"), " ")
	w, after := firstWord(rest)
	var x extras
	var main *Entry
	var verb string
	data := false // a data response, which may hold a literal
	fetch := false
	var toks []token
	if w != "" && isNumber(w) {
		name, tail := firstWord(after)
		name = strings.ToUpper(name)
		switch name {
		case "EXISTS", "RECENT", "EXPUNGE":
			main = lookupOr("imap.resp."+name, "imap.resp.unknown")
			verb = "* " + short(w, 10) + " " + name
		case "FETCH":
			main = lookupOr("imap.resp.FETCH", "imap.resp.unknown")
			verb = "* FETCH"
			data, fetch = true, true
			toks = tokens(tail)
			if len(toks) > 0 && toks[0].kind == tokOpen {
				toks = toks[1:]
			}
		default:
			main = lookupOr("imap.resp.unknown", "")
			verb = "* " + word(name)
			data = true
		}
	} else {
		name := strings.ToUpper(w)
		verb = "* " + word(name)
		switch name {
		case "OK", "NO", "BAD", "BYE", "PREAUTH":
			t.respCode(after, &x)
			main = lookupOr("imap.resp."+name, "imap.resp.unknown")
			switch {
			case first && name == "OK":
				main = lookupOr("imap.greeting", "imap.resp.OK")
			case first && name == "PREAUTH":
				t.st = IMAPAuth
			case name == "BYE":
				t.st = IMAPLogout
			}
		case "CAPABILITY", "ENABLED":
			main = lookupOr("imap.resp."+name, "imap.resp.unknown")
			addCapabilities(after, &x)
		case "FLAGS":
			main = lookupOr("imap.resp.FLAGS", "imap.resp.unknown")
			for _, tk := range tokens(after) {
				addFlag(tk, &x)
			}
		case "LIST", "LSUB":
			main = lookupOr("imap.resp."+name, "imap.resp.unknown")
			data = true
			toks = tokens(after)
			for _, tk := range toks {
				if tk.kind == tokAtom {
					x.add(attrIDs[strings.ToLower(tk.text)])
				}
			}
		case "SEARCH", "ESEARCH":
			main = lookupOr("imap.resp."+name, "imap.resp.unknown")
		case "STATUS", "NAMESPACE", "ID":
			main = lookupOr("imap.resp."+name, "imap.resp.unknown")
			data = true
		default:
			main = lookupOr("imap.resp.unknown", "")
			data = true
		}
	}
	if fetch {
		kind := partData
		if item := fetchPairs(toks, &x); item != "" {
			kind = literalPart(item)
		}
		if n, _, ok := trailingLiteral(text, toks); ok {
			t.startLiteral(s2c, n, false, "", imapCont{main: main, verb: verb, kind: contFetch}, kind)
			x.add("imap.literal")
		}
	} else if data {
		if toks == nil {
			toks = tokens(after)
		}
		if n, _, ok := trailingLiteral(text, toks); ok {
			t.startLiteral(s2c, n, false, "", imapCont{main: main, verb: verb, kind: contData}, partData)
			x.add("imap.literal")
		}
	}
	if t.idling {
		x.add("imap.idle.push")
	}
	return Line{Main: main, Extra: x.list(), Verb: verb}
}

// respCode adds the entry of the response code in brackets that may begin
// the text of a status response (RFC 9051 section 7.1), and those of the
// capabilities or flags it carries.
func (t *imapTracker) respCode(s string, x *extras) {
	s = strings.TrimLeft(s, " ")
	if !strings.HasPrefix(s, "[") {
		return
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		end = len(s)
	}
	name, args := firstWord(s[1:end])
	name = strings.ToUpper(name)
	x.addFirst("imap.code."+name, "imap.code.unknown")
	switch name {
	case "CAPABILITY":
		addCapabilities(args, x)
	case "PERMANENTFLAGS":
		for _, tk := range tokens(args) {
			addFlag(tk, x)
		}
	}
}

// tagged explains a tagged status response (RFC 9051 section 7.1), which
// ends the command with its tag.
func (t *imapTracker) tagged(text string) Line {
	tag, rest := firstWord(text)
	status, after := firstWord(rest)
	status = strings.ToUpper(status)
	var x extras
	var main *Entry
	verb := "?"
	switch status {
	case "OK", "NO", "BAD":
		main = lookupOr("imap.status."+status, "imap.resp.unknown")
		verb = status
		t.respCode(after, &x)
	default:
		return Line{Main: lookupOr("imap.resp.unknown", ""), Verb: "?"}
	}
	if l := &t.lit[c2s]; l.active && l.sync && !l.acked && l.tag == tag {
		// The server refused the command instead of asking for its
		// literal: the client will not send it.
		*l = imapLiteral{}
	}
	if cmd := t.cmds[tag]; cmd != nil {
		delete(t.cmds, tag)
		t.done(cmd, status)
	}
	return Line{Main: main, Extra: x.list(), Verb: verb}
}

// done applies a command's tagged status to the connection's state (RFC 9051
// section 3).
func (t *imapTracker) done(cmd *imapCmd, status string) {
	ok := status == "OK"
	switch cmd.name {
	case "LOGIN", "AUTHENTICATE":
		if ok {
			t.st = IMAPAuth
		}
	case "SELECT", "EXAMINE":
		switch {
		case ok:
			t.st = IMAPSelected
		case status == "NO" && t.st == IMAPSelected:
			// A failed SELECT leaves no mailbox selected.
			t.st = IMAPAuth
		}
	case "CLOSE", "UNSELECT":
		if ok && t.st == IMAPSelected {
			t.st = IMAPAuth
		}
	case "LOGOUT":
		if ok {
			t.st = IMAPLogout
		}
	}
	if cmd == t.idle {
		t.idle, t.idling = nil, false
	}
	if cmd == t.auth {
		t.auth, t.sasl = nil, false
	}
}

// isCommandName reports whether s is a command name in upper case: letters,
// and one space after UID.
func isCommandName(s string) bool {
	s = strings.TrimPrefix(s, "UID ")
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

// isNumber reports whether s is all decimal digits.
func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
