package explain

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mailscope/mailscope/sim"
)

// smtpMode says how the tracker reads the client's next line.
type smtpMode uint8

const (
	smtpCommands smtpMode = iota // a command
	smtpDATA                     // message content until a lone "." (after 354)
	smtpSASL                     // an answer to a 334 challenge
	smtpChunk                    // octets of a BDAT chunk
)

// smtpCmd is a command waiting for its reply.
type smtpCmd struct {
	verb string // upper case, such as "EHLO" or "MAIL"; "." for the end of DATA; "" when unknown
	last bool   // BDAT ... LAST
	mech string // the AUTH mechanism
	prev string // the state before a BDAT
}

// maxPending bounds the commands a tracker keeps waiting for replies.
const maxPending = 1024

// smtpTracker follows an SMTP connection (RFC 5321). Replies answer the
// waiting commands in order, so that pipelined commands (RFC 2920) are
// matched with their replies.
type smtpTracker struct {
	st      string
	saved   string // the state to return to when an AUTH exchange ends
	greeted bool
	pending []smtpCmd
	mode    smtpMode
	chunk   int64 // octets of the BDAT chunk still to come
	lines   int   // lines of the reply being read so far
	msg     msgReader
}

func newSMTP() *smtpTracker { return &smtpTracker{st: SMTPGreeting} }

func (t *smtpTracker) state() State { return State{Proto: sim.SMTP, ID: t.st} }

func (t *smtpTracker) close() {
	*t = smtpTracker{st: SMTPClosed, greeted: true}
}

func (t *smtpTracker) line(e *sim.Event) Line {
	before := t.state()
	var l Line
	switch e.Dir {
	case sim.C2S:
		l = t.client(e)
	case sim.S2C:
		l = t.server(e.Text)
	default:
		l = Line{Main: lookupOr("line.unknown", ""), Verb: "?"}
	}
	l.Before, l.After = before, t.state()
	return l
}

func (t *smtpTracker) push(c smtpCmd) {
	if len(t.pending) >= maxPending {
		t.pending = t.pending[1:]
	}
	t.pending = append(t.pending, c)
}

// client explains a line from the client.
func (t *smtpTracker) client(e *sim.Event) Line {
	text := e.Text
	switch t.mode {
	case smtpChunk:
		return t.chunkLine(e)
	case smtpDATA:
		if text == "." {
			t.mode = smtpCommands
			t.push(smtpCmd{verb: "."})
			return Line{Main: lookupOr("smtp.data.end", ""), Verb: "."}
		}
		var x extras
		x.add("smtp.data.content")
		if strings.HasPrefix(text, ".") {
			// Transparency (RFC 5321 section 4.5.2): the client doubled
			// the dot; the server removes it.
			x.add("smtp.data.dotstuff")
			text = text[1:]
		}
		verb := t.msg.line(text, &x)
		return Line{Content: true, Extra: x.list(), Verb: verb}
	case smtpSASL:
		t.mode = smtpCommands
		var x extras
		if len(t.pending) > 0 && t.pending[0].mech != "" {
			x.addFirst("sasl.mech."+t.pending[0].mech, "sasl.mech.unknown")
		}
		return saslResponse("smtp", text, &x)
	}
	return t.command(text)
}

// smtpCommandNames lists the commands the catalogue explains.
var smtpCommandNames = map[string]bool{
	"HELO": true, "EHLO": true, "MAIL": true, "RCPT": true, "DATA": true, "BDAT": true,
	"RSET": true, "NOOP": true, "QUIT": true, "VRFY": true, "EXPN": true, "HELP": true,
	"AUTH": true, "STARTTLS": true,
}

// command explains a command line and queues it for its reply.
func (t *smtpTracker) command(text string) Line {
	raw, rest := firstWord(text)
	verb := strings.ToUpper(raw)
	if !smtpCommandNames[verb] {
		t.push(smtpCmd{})
		return Line{Main: lookupOr("smtp.cmd.unknown", ""), Verb: word(raw)}
	}
	cmd := smtpCmd{verb: verb}
	label := verb
	var x extras
	switch verb {
	case "MAIL":
		if p, ok := cutPrefixFold(rest, "FROM:"); ok {
			label = "MAIL FROM"
			smtpPathParams(p, &x)
		}
	case "RCPT":
		if p, ok := cutPrefixFold(rest, "TO:"); ok {
			label = "RCPT TO"
			smtpPathParams(p, &x)
		}
	case "AUTH":
		mech, ir := firstWord(strings.TrimSpace(rest))
		if mech != "" {
			cmd.mech = strings.ToUpper(mech)
			x.addFirst("sasl.mech."+cmd.mech, "sasl.mech.unknown")
		}
		if ir != "" {
			// The initial response (RFC 4954 section 4).
			l := Line{Main: lookupOr("smtp.cmd."+verb, "smtp.cmd.unknown"), Extra: x.list(), Verb: label}
			t.push(cmd)
			l.decoded(ir)
			return l
		}
	case "BDAT":
		cmd.prev = t.st
		f := fields(rest)
		if len(f) == 0 {
			break
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 {
			break
		}
		cmd.last = len(f) > 1 && strings.EqualFold(f[1], "LAST")
		if cmd.last {
			x.add("smtp.bdat.last")
		}
		if n > 0 {
			// The chunk follows at once, without waiting for a reply
			// (RFC 3030 section 2).
			t.mode, t.chunk = smtpChunk, n
		}
		if t.st == SMTPRecipients || t.st == SMTPData {
			t.st = SMTPData
		}
	}
	t.push(cmd)
	return Line{Main: lookupOr("smtp.cmd."+verb, "smtp.cmd.unknown"), Extra: x.list(), Verb: label}
}

// smtpPathParams adds the entries for the path and the parameters of MAIL
// FROM: or RCPT TO: (RFC 5321 section 4.1.2).
func smtpPathParams(p string, x *extras) {
	p = strings.TrimLeft(p, " ")
	var path, params string
	if strings.HasPrefix(p, "<") {
		if i := strings.IndexByte(p, '>'); i >= 0 {
			path, params = p[:i+1], p[i+1:]
		} else {
			path = p
		}
	} else {
		path, params = firstWord(p)
	}
	if path == "<>" {
		x.add("smtp.path.null")
	}
	for _, f := range fields(params) {
		key, _, _ := strings.Cut(f, "=")
		x.add("smtp.param." + strings.ToUpper(key))
	}
}

// chunkLine explains a line that carries octets of a BDAT chunk (RFC 3030):
// the chunk is counted in octets, so it may end inside a line, and the
// rest of that line is the next command.
func (t *smtpTracker) chunkLine(e *sim.Event) Line {
	n := lineBytes(e)
	var x extras
	x.add("smtp.bdat.content")
	if t.chunk >= n {
		t.chunk -= n
		if t.chunk == 0 {
			t.mode = smtpCommands
		}
		verb := t.msg.line(e.Text, &x)
		return Line{Content: true, Extra: x.list(), Verb: verb}
	}
	k := int(t.chunk)
	t.chunk, t.mode = 0, smtpCommands
	text := e.Text
	if k > len(text) {
		k = len(text)
	}
	verb := t.msg.line(text[:k], &x)
	if k < len(text) {
		next := t.command(text[k:])
		x.addEntry(next.Main)
		for _, en := range next.Extra {
			x.addEntry(en)
		}
	}
	return Line{Content: true, Extra: x.list(), Verb: verb}
}

// server explains a reply line.
func (t *smtpTracker) server(text string) Line {
	code, sep, rest, ok := parseReply(text)
	if !ok {
		return Line{Main: lookupOr("smtp.reply.unknown", ""), Verb: "?"}
	}
	greeting := !t.greeted
	var cmd *smtpCmd
	if !greeting && len(t.pending) > 0 {
		cmd = &t.pending[0]
	}
	idx := t.lines
	if sep == '-' {
		t.lines++
	} else {
		t.lines = 0
	}
	class := fmt.Sprintf("smtp.class.%dxx", code/100)
	main := lookupOr(fmt.Sprintf("smtp.reply.%d", code), class)
	label := strconv.Itoa(code)
	var x extras
	switch {
	case cmd != nil && cmd.verb == "EHLO" && code == 250:
		// RFC 2034: no enhanced code on the lines of an EHLO reply.
		if idx == 0 {
			x.add("smtp.ehlo.hello")
			break
		}
		kw, args := firstWord(rest)
		kw = strings.ToUpper(kw)
		x.addFirst("smtp.ext."+kw, "smtp.ext.unknown")
		if kw == "AUTH" {
			for _, m := range fields(args) {
				x.addFirst("sasl.mech."+strings.ToUpper(m), "sasl.mech.unknown")
			}
		}
		label += " " + word(kw)
	default:
		if c, s, d, ok := parseEnhanced(rest); ok {
			if id := fmt.Sprintf("smtp.esc.%d.%d.%d", c, s, d); Lookup(id) != nil {
				x.add(id)
			} else {
				x.add(fmt.Sprintf("smtp.esc.class.%d", c), fmt.Sprintf("smtp.esc.subject.%d", s))
			}
		}
		if code == 334 && cmd != nil && cmd.mech != "" {
			x.addFirst("sasl.mech."+cmd.mech, "sasl.mech.unknown")
		}
	}
	if main.ID != class {
		x.add(class)
	}
	if sep == '-' || idx > 0 {
		x.add("smtp.reply.multiline")
	}
	var challenge string
	if code == 334 && cmd != nil && cmd.mech != "" {
		challenge = rest // a SASL challenge, in base64 (RFC 4954 section 4)
	}
	if sep != '-' {
		switch {
		case greeting:
			t.greeted = true
			if code == 421 {
				t.closeState()
			}
		case cmd != nil:
			t.finish(code)
		case code == 421:
			t.closeState()
		}
	}
	l := Line{Main: main, Extra: x.list(), Verb: label}
	l.decoded(challenge)
	return l
}

// closeState records that the server is closing the connection.
func (t *smtpTracker) closeState() {
	t.st, t.mode, t.pending = SMTPClosed, smtpCommands, nil
}

// finish applies the final reply code to the first waiting command.
func (t *smtpTracker) finish(code int) {
	cmd := t.pending[0]
	if cmd.verb == "AUTH" && code == 334 {
		// A challenge: the exchange goes on (RFC 4954 section 4).
		if t.st != SMTPAuth {
			t.saved, t.st = t.st, SMTPAuth
		}
		t.mode = smtpSASL
		return
	}
	t.pending = t.pending[1:]
	if code == 421 {
		t.closeState()
		return
	}
	ok := code >= 200 && code < 300
	switch cmd.verb {
	case "EHLO", "HELO":
		if ok {
			// A new EHLO also ends any transaction (RFC 5321 section
			// 4.1.4).
			t.st = SMTPReady
		}
	case "STARTTLS":
		if code == 220 {
			// After the handshake the client starts over with EHLO
			// (RFC 3207 section 4.2).
			t.st = SMTPGreeting
		}
	case "AUTH":
		if t.st == SMTPAuth {
			t.st = t.saved
		}
		t.mode = smtpCommands
	case "MAIL":
		if ok {
			t.st = SMTPEnvelope
			t.msg.reset(partMessage)
		}
	case "RCPT":
		if ok && (t.st == SMTPEnvelope || t.st == SMTPRecipients) {
			t.st = SMTPRecipients
		}
	case "DATA":
		if code == 354 {
			t.st, t.mode = SMTPData, smtpDATA
			t.msg.reset(partMessage)
		}
	case ".":
		// Accepted or refused, the transaction is over.
		t.st = SMTPReady
	case "BDAT":
		switch {
		case ok && cmd.last:
			t.st = SMTPReady
		case !ok && cmd.prev != "":
			t.st = cmd.prev
		}
	case "RSET":
		if ok && t.st != SMTPGreeting {
			t.st = SMTPReady
		}
	case "QUIT":
		if ok {
			t.closeState()
		}
	}
}

// parseReply splits a reply line (RFC 5321 section 4.2): a three-digit code
// from 2xx to 5xx, then a hyphen (more lines follow), a space or nothing.
func parseReply(s string) (code int, sep byte, rest string, ok bool) {
	if len(s) < 3 || s[0] < '2' || s[0] > '5' || !isDigit(s[1]) || !isDigit(s[2]) {
		return 0, 0, "", false
	}
	code = int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
	switch {
	case len(s) == 3:
		return code, ' ', "", true
	case s[3] == ' ' || s[3] == '-':
		return code, s[3], s[4:], true
	}
	return 0, 0, "", false
}

// parseEnhanced reads the enhanced status code that begins a reply's text
// (RFC 3463 section 2, RFC 2034): class.subject.detail.
func parseEnhanced(s string) (class, subject, detail int, ok bool) {
	w, _ := firstWord(s)
	parts := strings.Split(w, ".")
	if len(parts) != 3 || len(parts[0]) != 1 {
		return 0, 0, 0, false
	}
	var n [3]int
	for i, p := range parts {
		if len(p) == 0 || len(p) > 3 {
			return 0, 0, 0, false
		}
		for j := 0; j < len(p); j++ {
			if !isDigit(p[j]) {
				return 0, 0, 0, false
			}
			n[i] = n[i]*10 + int(p[j]-'0')
		}
	}
	if n[0] != 2 && n[0] != 4 && n[0] != 5 {
		return 0, 0, 0, false
	}
	return n[0], n[1], n[2], true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}
