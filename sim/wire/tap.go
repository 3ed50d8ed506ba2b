// Package wire carries a simulated world's bytes and records them.
//
// A Network joins clients and servers inside the process: every server
// listens on a host:port, and a dial hands both sides the ends of an
// in-memory pipe. A Tap re-splits each direction of a connection into
// protocol lines (writes are not line-aligned) and records them in a
// sim.Trace, together with the opening and closing of the connection. Live
// mode wraps real TCP connections in the same Tap (see TapListener).
//
// Under TLS (RFC 8446) a Tap records both truths: each TLS record as an
// eavesdropper sees it (a tls event: its type, its length, the handshake
// messages sent in the clear, the start of the ciphertext), and, decrypted
// with the traffic secrets the endpoints wrote to a KeyLog, the lines the
// endpoints read. Only TLS 1.3 is decrypted; the world's servers and
// clients speak nothing older.
package wire

import (
	"bytes"
	"sync"

	"github.com/mailscope/mailscope/sim"
)

// Tap records the lines of one connection in a trace, and its TLS records
// once it switches to TLS. It is safe for concurrent use; each direction is
// split independently.
type Tap struct {
	trace *sim.Trace    // immutable
	conn  *sim.ConnInfo // immutable
	keys  *KeyLog       // immutable; nil: TLS records are recorded, not decrypted

	mu       sync.Mutex
	c2s      splitter
	s2c      splitter
	sawC2S   bool      // the client has sent something
	askedTLS bool      // the client's last line asked to start TLS
	tls      *tlsState // nil until the connection switches to TLS
	closed   bool
}

// NewTap records that conn opened (giving it its number) and returns the
// tap for its lines. The TLS records of the connection are decrypted with
// the secrets logged in keys (nil: they are only recorded as they cross the
// wire).
func NewTap(trace *sim.Trace, conn *sim.ConnInfo, keys *KeyLog) *Tap {
	trace.NewConn(conn)
	return &Tap{trace: trace, conn: conn, keys: keys}
}

// Conn returns the connection the tap records.
func (t *Tap) Conn() *sim.ConnInfo { return t.conn }

// TLS reports whether the connection has switched to TLS.
func (t *Tap) TLS() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tls != nil
}

// Observe records the bytes p that crossed the connection in direction dir.
func (t *Tap) Observe(dir sim.Dir, p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || len(p) == 0 {
		return
	}
	switch {
	case t.tls != nil && t.tls.dirs[dirIndex(dir)].on:
		t.tlsFeed(dir, p)
	case t.startsTLS(dir, p):
		if t.tls == nil {
			t.tls = &tlsState{}
		}
		t.tls.dirs[dirIndex(dir)].on = true
		t.tlsFeed(dir, p)
	default:
		t.splitter(dir).feed(p, func(text []byte, end sim.LineEnd, size int) {
			t.emit(dir, text, end, size)
		})
	}
	if dir == sim.C2S {
		t.sawC2S = true
	}
}

// Close records any unfinished line and that the connection closed. Later
// calls do nothing.
func (t *Tap) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	if t.tls != nil {
		t.tlsClose()
	}
	for _, dir := range []sim.Dir{sim.C2S, sim.S2C} {
		t.splitter(dir).flush(func(text []byte, end sim.LineEnd, size int) {
			t.emit(dir, text, end, size)
		})
	}
	t.trace.Append(sim.Event{Kind: sim.KindClose, Conn: t.conn})
}

func (t *Tap) splitter(dir sim.Dir) *splitter {
	if dir == sim.C2S {
		return &t.c2s
	}
	return &t.s2c
}

func (t *Tap) emit(dir sim.Dir, text []byte, end sim.LineEnd, size int) {
	if dir == sim.C2S {
		t.askedTLS = asksTLS(text)
	}
	t.trace.AppendLine(sim.Event{
		Kind: sim.KindLine,
		Conn: t.conn,
		Dir:  dir,
		End:  end,
		Size: int32(size),
	}, text)
}

// asksTLS reports whether a client's line asks to start TLS: STARTTLS
// (SMTP, RFC 3207), STLS (POP3, RFC 2595) or "tag STARTTLS" (IMAP, RFC 9051
// section 6.2.1). It runs on every line a client sends, so it allocates
// nothing.
func asksTLS(line []byte) bool {
	line = bytes.TrimSpace(line)
	if len(line) > 80 {
		return false
	}
	if bytes.EqualFold(line, []byte("STARTTLS")) || bytes.EqualFold(line, []byte("STLS")) {
		return true
	}
	i := bytes.LastIndexAny(line, " \t")
	if i < 0 || !bytes.EqualFold(line[i+1:], []byte("STARTTLS")) {
		return false
	}
	tag := bytes.TrimSpace(line[:i])
	return len(tag) > 0 && !bytes.ContainsAny(tag, " \t")
}

// splitter re-splits a byte stream into lines ending in LF (CRLF or bare).
// A line longer than sim.MaxLine is kept up to sim.MaxLine bytes and counted
// whole.
type splitter struct {
	buf  []byte // the start of the current line, at most sim.MaxLine+2 bytes (room for CRLF)
	size int    // bytes of the current line seen so far
}

// feed consumes p and calls emit for every line it completes.
func (s *splitter) feed(p []byte, emit func(text []byte, end sim.LineEnd, size int)) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i+1]
		}
		s.size += len(chunk)
		if room := sim.MaxLine + 2 - len(s.buf); room > 0 {
			s.buf = append(s.buf, chunk[:min(room, len(chunk))]...)
		}
		p = p[len(chunk):]
		if i < 0 {
			return
		}
		text, end := s.buf, sim.LF
		switch {
		case s.size > len(s.buf):
			end = sim.Cutoff
		case len(text) >= 2 && text[len(text)-2] == '\r':
			text, end = text[:len(text)-2], sim.CRLF
		default:
			text = text[:len(text)-1]
		}
		if len(text) > sim.MaxLine {
			text, end = text[:sim.MaxLine], sim.Cutoff
		}
		emit(text, end, s.size)
		s.buf, s.size = s.buf[:0], 0
	}
}

// flush emits the unfinished line, if any.
func (s *splitter) flush(emit func(text []byte, end sim.LineEnd, size int)) {
	if s.size == 0 {
		return
	}
	text, end := s.buf, sim.NoEOL
	if s.size > len(s.buf) || len(text) > sim.MaxLine {
		text, end = text[:min(len(text), sim.MaxLine)], sim.Cutoff
	}
	emit(text, end, s.size)
	s.buf, s.size = s.buf[:0], 0
}
