package imap

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// Follower reads the lines of one IMAP connection, both ways, in the order
// they crossed it, and keeps what a client learns from them about the
// selected mailbox: which UID each message sequence number stands for
// (RFC 9051 section 2.3.1.2). From that it turns what the server says about
// sequence numbers into updates about UIDs, which is what a client's local
// copy is keyed by: "* 2 EXPUNGE" (RFC 9051 section 7.5.1), asked for or
// not, removes a message; "* 2 FETCH (... FLAGS (...))" (section 7.5.2)
// gives its flags. This is the resynchronisation of RFC 4549 reduced to what
// MailScope's devices keep.
//
// A Follower is fed by one goroutine at a time. The zero value follows a
// connection that has selected nothing yet.
type Follower struct {
	mailbox string     // the selected mailbox, or ""
	uids    []imap.UID // the UID of each message by sequence number - 1; 0 when not known yet

	selectTag string // the tag of the SELECT or EXAMINE in progress, or ""
	server    stream
	client    stream
}

// Update is what the server said about one message of the selected
// mailbox.
type Update struct {
	Mailbox  string
	UID      imap.UID
	Expunged bool        // the message is gone
	Flags    []imap.Flag // when not Expunged: the message's flags now
}

// Mailbox returns the mailbox the lines so far leave selected, or "".
func (f *Follower) Mailbox() string { return f.mailbox }

// Messages returns how many messages the selected mailbox has, as far as the
// server has said.
func (f *Follower) Messages() int { return len(f.uids) }

// UID returns the UID of message seq of the selected mailbox, or 0 when it
// is not known.
func (f *Follower) UID(seq uint32) imap.UID {
	if seq == 0 || int(seq) > len(f.uids) {
		return 0
	}
	return f.uids[seq-1]
}

// Know records the UIDs of every message of the selected mailbox, in order
// (as UID SEARCH ALL returns them).
func (f *Follower) Know(uids []imap.UID) {
	f.uids = append(f.uids[:0], uids...)
}

// ClientLine follows a line the client sent: text without its line ending,
// size the bytes it took on the wire. mailbox is the mailbox a SELECT or
// EXAMINE among these lines opens, when it succeeds.
func (f *Follower) ClientLine(text string, size int, mailbox string) {
	f.client.line(text, size, func(cmd string) {
		tag, rest, _ := strings.Cut(cmd, " ")
		verb, _, _ := strings.Cut(rest, " ")
		switch strings.ToUpper(verb) {
		case "SELECT", "EXAMINE":
			// Selecting closes the mailbox that was selected, even if it
			// fails (RFC 9051 section 6.3.2).
			f.selectTag = tag
			f.mailbox, f.uids = mailbox, f.uids[:0]
		case "UNSELECT", "CLOSE":
			f.mailbox, f.uids = "", f.uids[:0]
		}
	})
}

// ServerLine follows a line the server sent (text, size as for ClientLine)
// and returns the updates it completes.
func (f *Follower) ServerLine(text string, size int) []Update {
	var out []Update
	f.server.line(text, size, func(resp string) {
		if u, ok := f.response(resp); ok {
			out = append(out, u)
		}
	})
	return out
}

// response follows one whole response (literals replaced by "").
func (f *Follower) response(resp string) (Update, bool) {
	tag, rest, _ := strings.Cut(resp, " ")
	if tag != "*" {
		if tag == f.selectTag && tag != "" {
			f.selectTag = ""
			if status, _, _ := strings.Cut(rest, " "); !strings.EqualFold(status, "OK") {
				f.mailbox, f.uids = "", f.uids[:0]
			}
		}
		return Update{}, false
	}
	word, rest, _ := strings.Cut(rest, " ")
	n, err := strconv.ParseUint(word, 10, 32)
	if err != nil || f.mailbox == "" {
		return Update{}, false
	}
	seq := uint32(n)
	kind, rest, _ := strings.Cut(rest, " ")
	switch strings.ToUpper(kind) {
	case "EXISTS":
		for len(f.uids) < int(seq) {
			f.uids = append(f.uids, 0)
		}
		f.uids = f.uids[:seq]
	case "EXPUNGE":
		if seq == 0 || int(seq) > len(f.uids) {
			return Update{}, false
		}
		uid := f.uids[seq-1]
		f.uids = append(f.uids[:seq-1], f.uids[seq:]...)
		if uid != 0 {
			return Update{Mailbox: f.mailbox, UID: uid, Expunged: true}, true
		}
	case "FETCH":
		uid, flags, hasFlags := fetchAtts(rest)
		if seq == 0 {
			return Update{}, false
		}
		for len(f.uids) < int(seq) {
			f.uids = append(f.uids, 0)
		}
		if uid != 0 {
			f.uids[seq-1] = uid
		}
		uid = f.uids[seq-1]
		if hasFlags && uid != 0 {
			return Update{Mailbox: f.mailbox, UID: uid, Flags: flags}, true
		}
	}
	return Update{}, false
}

// fetchAtts reads the UID and FLAGS of a FETCH response's attribute list
// ("(UID 3 FLAGS (\Seen) ...)").
func fetchAtts(s string) (uid imap.UID, flags []imap.Flag, hasFlags bool) {
	p := parser{s: s}
	if !p.byte('(') {
		return 0, nil, false
	}
	for {
		p.spaces()
		if p.byte(')') || p.done() {
			return uid, flags, hasFlags
		}
		name := strings.ToUpper(p.atom())
		if name == "" {
			return uid, flags, hasFlags
		}
		p.spaces()
		switch name {
		case "UID":
			n, err := strconv.ParseUint(p.atom(), 10, 32)
			if err == nil {
				uid = imap.UID(n)
			}
		case "FLAGS":
			if !p.byte('(') {
				return uid, flags, hasFlags
			}
			hasFlags = true
			for {
				p.spaces()
				if p.byte(')') || p.done() {
					break
				}
				f := p.atom()
				if f == "" {
					return uid, flags, hasFlags
				}
				flags = append(flags, imap.Flag(f))
			}
		default:
			p.value()
		}
	}
}

// parser reads the values of an IMAP response (RFC 9051 section 9).
type parser struct {
	s string
	i int
}

func (p *parser) done() bool { return p.i >= len(p.s) }

func (p *parser) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) spaces() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

// atom reads an atom, a number, a flag or an attribute name such as
// BODY[HEADER.FIELDS (SUBJECT)]<0>: a bracketed part may hold spaces.
func (p *parser) atom() string {
	start, depth := p.i, 0
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth > 0:
		case c == ' ' || c == '(' || c == ')' || c == '"':
			return p.s[start:p.i]
		}
		p.i++
	}
	return p.s[start:p.i]
}

// value skips one value: a list, a quoted string or an atom.
func (p *parser) value() {
	switch {
	case p.byte('('):
		for {
			p.spaces()
			if p.byte(')') || p.done() {
				return
			}
			before := p.i
			p.value()
			if p.i == before {
				p.i++ // a stray character: step over it
			}
		}
	case p.byte('"'):
		for p.i < len(p.s) {
			switch p.s[p.i] {
			case '\\':
				p.i += 2
				continue
			case '"':
				p.i++
				return
			}
			p.i++
		}
	default:
		p.atom()
	}
}

// stream joins the lines of one direction into whole responses (or
// commands): a line that ends with a literal's length ("{12}", "{12+}",
// "~{12}", RFC 9051 section 4.3) goes on after that many bytes.
type stream struct {
	text    []byte // the response so far, each literal as ""
	literal int    // bytes of a literal still to come
	broken  bool   // part of the response was not kept (too long a line)
}

// line adds a line (text without its ending; size its bytes on the wire,
// ending included) and calls whole for every response it completes.
func (s *stream) line(text string, size int, whole func(string)) {
	cut := size > len(text)+2 // the line was too long to keep whole
	if s.literal > 0 {
		if s.literal >= size {
			s.literal -= size
			return
		}
		// The literal ends inside this line; the response goes on after it.
		if s.literal > len(text) {
			s.broken = true
			text = ""
		} else {
			text = text[s.literal:]
		}
		s.literal = 0
	}
	if cut {
		s.broken = true // the end of the line is lost
	}
	s.text = append(s.text, text...)
	if n, at, ok := literalAtEnd(s.text); ok {
		// The response goes on after the literal's bytes, even none.
		s.text = append(s.text[:at], `""`...)
		s.literal = n
		return
	}
	if !s.broken {
		whole(string(s.text))
	}
	s.text, s.broken = s.text[:0], false
}

// literalAtEnd reports whether b ends with a literal's length, and returns
// it and where its marker starts.
func literalAtEnd(b []byte) (n, at int, ok bool) {
	if len(b) < 3 || b[len(b)-1] != '}' {
		return 0, 0, false
	}
	open := bytes.LastIndexByte(b, '{')
	if open < 0 {
		return 0, 0, false
	}
	digits := strings.TrimSuffix(string(b[open+1:len(b)-1]), "+")
	v, err := strconv.ParseUint(digits, 10, 31)
	if err != nil || digits == "" || digits[0] == '+' {
		return 0, 0, false
	}
	at = open
	if at > 0 && b[at-1] == '~' {
		at--
	}
	return int(v), at, true
}
