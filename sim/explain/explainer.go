package explain

import (
	"slices"
	"strings"
	"sync"

	"github.com/mailscope/mailscope/sim"
)

// Line is the explanation of one protocol line.
type Line struct {
	// Main is the command or reply the line is. It is nil exactly when
	// Content is true: a content line is explained by its Extra entries
	// (why it is content there, and which part of a message it is).
	Main *Entry
	// Extra holds further entries the line uses: response codes such as
	// [UIDVALIDITY] or [IN-USE], the enhanced status code of an SMTP
	// reply, EHLO keywords and capabilities, SASL mechanisms, IMAP FETCH
	// items and flags, the header field a content line carries.
	Extra []*Entry
	// Content is true when the line is message content (inside SMTP DATA
	// or a BDAT chunk, a POP3 RETR or TOP response, an IMAP literal), not a
	// command or a reply.
	Content bool
	// Before and After are the connection's protocol state before and
	// after the line.
	Before, After State
	// Verb is a short label for the line as a token on a diagram: "EHLO",
	// "MAIL FROM", "250", "354", "+OK", "RETR", "* 1 EXISTS", "OK",
	// "UID FETCH", "+", or "✉ …" for content.
	Verb string
	// Decoded is what the base64 of a SASL line says: the initial
	// response of AUTH or AUTHENTICATE, a server's challenge (such as
	// "Username:") or a client's answer, with NUL octets shown as NUL, as
	// in "␀ana@ejemplo.com␀manzana". Base64 is an encoding, not
	// encryption: anyone who reads the line reads this. Empty for other
	// lines; the entry sasl.base64 in Extra says so.
	Decoded string
}

// Explainer follows connections and explains their lines in order. Feed it
// every event of a trace in order; it ignores the events that are not a
// line, an opening or a closing, and keeps each connection's state (by
// ConnInfo.ID). It is safe for concurrent use, but the events must still
// arrive in trace order.
type Explainer struct {
	mu    sync.Mutex
	conns map[int]*connTracker // by ConnInfo.ID
}

// connTracker is one connection followed by an Explainer.
type connTracker struct {
	info *sim.ConnInfo
	p    protoTracker
}

// protoTracker follows one connection of one protocol.
type protoTracker interface {
	line(e *sim.Event) Line // explains a line and moves the state
	state() State           // the current state
	close()                 // the connection closed
}

// New returns an Explainer that has seen nothing yet.
func New() *Explainer {
	return &Explainer{conns: make(map[int]*connTracker)}
}

// Explain explains a line event and moves its connection's state, or
// explains a TLS record (which moves no state). An opening starts
// following a connection and a closing moves it to its closed state; both,
// and every other kind of event, return the zero Line.
// It never panics, whatever the event holds.
func (x *Explainer) Explain(e *sim.Event) Line {
	if e == nil {
		return Line{}
	}
	switch e.Kind {
	case sim.KindOpen, sim.KindClose, sim.KindLine, sim.KindTLS:
	default:
		return Line{}
	}
	if e.Conn == nil {
		if e.Kind == sim.KindLine {
			return Line{Main: lookupOr("line.unknown", ""), Verb: "?"}
		}
		return Line{}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.conns[e.Conn.ID]
	if t == nil || e.Kind == sim.KindOpen || t.info.Proto != e.Conn.Proto {
		t = &connTracker{info: e.Conn, p: newProtoTracker(e.Conn.Proto)}
		x.conns[e.Conn.ID] = t
	}
	switch e.Kind {
	case sim.KindClose:
		t.p.close()
		return Line{}
	case sim.KindLine:
		return t.p.line(e)
	case sim.KindTLS:
		return explainTLS(e, t.p.state())
	}
	return Line{}
}

// StateOf returns the current state of connection c, or the zero State for
// a connection the Explainer has not seen.
func (x *Explainer) StateOf(c *sim.ConnInfo) State {
	if c == nil {
		return State{}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if t := x.conns[c.ID]; t != nil {
		return t.p.state()
	}
	return State{}
}

func newProtoTracker(p sim.Proto) protoTracker {
	switch p {
	case sim.SMTP:
		return newSMTP()
	case sim.POP3:
		return newPOP3()
	case sim.IMAP:
		return newIMAP()
	}
	return otherTracker{}
}

// otherTracker follows a connection of a protocol the catalogue does not
// know.
type otherTracker struct{}

func (otherTracker) line(*sim.Event) Line { return Line{Main: lookupOr("line.unknown", ""), Verb: "?"} }
func (otherTracker) state() State         { return State{} }
func (otherTracker) close()               {}

// lookupOr returns the entry id, or the entry fallback when there is none,
// or the generic entry for lines nobody understands: never nil.
func lookupOr(id, fallback string) *Entry {
	if e := Lookup(id); e != nil {
		return e
	}
	if e := Lookup(fallback); e != nil {
		return e
	}
	if e := Lookup("line.unknown"); e != nil {
		return e
	}
	return &Entry{ID: "line.unknown", Title: sim.Text{ES: "Línea", EN: "Line"}, Text: sim.Text{ES: "Una línea.", EN: "A line."}, RFC: "RFC 5598"}
}

// maxExtra bounds the Extra entries of a line (a long CAPABILITY response
// names many).
const maxExtra = 48

// extras collects the Extra entries of a line, each once, in order.
type extras []*Entry

// add appends the entries with the given IDs that exist and are not there
// yet.
func (x *extras) add(ids ...string) {
	for _, id := range ids {
		x.addEntry(Lookup(id))
	}
}

// addEntry appends e unless it is nil or already there.
func (x *extras) addEntry(e *Entry) {
	if e == nil || len(*x) >= maxExtra || slices.Contains(*x, e) {
		return
	}
	*x = append(*x, e)
}

// addFirst adds the first of ids that exists.
func (x *extras) addFirst(ids ...string) {
	for _, id := range ids {
		if e := Lookup(id); e != nil {
			x.addEntry(e)
			return
		}
	}
}

// list returns the entries, or nil.
func (x extras) list() []*Entry {
	if len(x) == 0 {
		return nil
	}
	return x
}

// word returns a short, printable, upper-case form of a protocol word for a
// Verb: at most 20 characters of letters, digits and a few punctuation
// marks, or "?" when nothing is left.
func word(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < 20; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-_.=+*/$\\[]<>", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('?')
		}
	}
	if b.Len() == 0 {
		return "?"
	}
	return b.String()
}

// short returns s cut to at most n bytes at a rune boundary, with "…" when
// it was cut, and with control characters replaced.
func short(s string, n int) string {
	if len(s) > 4*n {
		s = s[:4*n]
	}
	s = sim.Printable(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// label returns a line's text as a short Verb, or "?" when it is empty.
func label(s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return "?"
	}
	return short(s, 16)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// lineBytes returns how many octets the line took on the wire, line ending
// included: its Size, or at least its text and the ending it had.
func lineBytes(e *sim.Event) int64 {
	n := int64(len(e.Text))
	switch e.End {
	case sim.CRLF:
		n += 2
	case sim.LF:
		n++
	}
	if int64(e.Size) > n {
		n = int64(e.Size)
	}
	return n
}

// maxFields bounds the words of one line that the explainer looks at, such
// as the capabilities of a CAPABILITY response.
const maxFields = 128

// fields returns the first maxFields space-separated words of s.
func fields(s string) []string {
	f := strings.Fields(s)
	if len(f) > maxFields {
		f = f[:maxFields]
	}
	return f
}

// firstWord splits s at its first space: the word and the rest after the
// space.
func firstWord(s string) (w, rest string) {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}
