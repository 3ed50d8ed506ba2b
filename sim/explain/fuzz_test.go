package explain_test

import (
	"bytes"
	"testing"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/explain"
	"github.com/mailscope/mailscope/sim/world"
)

// The fuzz input is a list of records separated by newlines. A record's
// first byte chooses the protocol (bits 0-1: SMTP, POP3, IMAP or an unknown
// one), the direction (bits 2-3), the kind of event (bits 4-5: a line, an
// opening or a closing) and the connection (bits 6-7); its second byte
// shifts the line's Size from len(text)+2; the rest is the text.

var fuzzProtos = [4]sim.Proto{sim.SMTP, sim.POP3, sim.IMAP, "x"}

// encode returns the record of one line.
func encode(proto, dir, conn int, text string, size int32) []byte {
	delta := 0
	if size != 0 {
		delta = int(size) - len(text) - 2
	}
	c := byte(proto) | byte(dir)<<2 | byte(conn)<<6
	return append([]byte{c, byte(int8(delta))}, text...)
}

func protoIndex(p sim.Proto) int {
	for i, q := range fuzzProtos {
		if q == p {
			return i
		}
	}
	return 3
}

func FuzzExplain(f *testing.F) {
	for _, tt := range allTables() {
		var b bytes.Buffer
		for _, s := range tt.steps {
			b.Write(encode(protoIndex(tt.proto), int(s.dir), 0, s.text, s.size))
			b.WriteByte('\n')
		}
		f.Add(b.Bytes())
	}
	for _, id := range lessons.IDs() {
		s, err := lessons.Builtin(id)
		if err != nil {
			f.Fatal(err)
		}
		w, err := world.Run(s, world.Options{})
		if err != nil {
			f.Fatal(err)
		}
		var b bytes.Buffer
		for _, e := range w.Trace.Events() {
			if e.Kind == sim.KindLine && e.Size-int32(len(e.Text))-2 == int32(int8(e.Size-int32(len(e.Text))-2)) {
				b.Write(encode(protoIndex(e.Conn.Proto), int(e.Dir), e.Conn.ID&3, e.Text, e.Size))
				b.WriteByte('\n')
			}
		}
		f.Add(b.Bytes())
	}
	f.Add([]byte("\x08\x00* 1 FETCH (BODY[] {5}\n\x08\x00ab\n\x08\x03cd)\n\x04\x00A1 LOGIN {99999999999999999999}\n\x04\x00x"))
	f.Add([]byte("\x04\x00BDAT 3\n\x04\x05abQUIT\n\x20\x00\n\x30\x00\n\x04\x00EHLO"))

	f.Fuzz(func(t *testing.T, data []byte) {
		x := explain.New()
		var conns [4][4]*sim.ConnInfo
		for _, rec := range bytes.Split(data, []byte("\n")) {
			if len(rec) < 2 {
				continue
			}
			c, delta, text := rec[0], int8(rec[1]), string(rec[2:])
			proto, dir, kind, id := int(c&3), sim.Dir(c>>2&3), c>>4&3, int(c>>6)
			conn := conns[proto][id]
			if conn == nil {
				conn = &sim.ConnInfo{ID: proto*4 + id, Proto: fuzzProtos[proto]}
				conns[proto][id] = conn
			}
			e := &sim.Event{Kind: sim.KindLine, Conn: conn, Dir: dir, Text: text, Size: int32(len(text)) + 2 + int32(delta)}
			switch {
			case kind == 2:
				e = &sim.Event{Kind: sim.KindOpen, Conn: conn}
			case kind == 3 && delta < 0:
				e.Conn = nil
			case kind == 3:
				e = &sim.Event{Kind: sim.KindClose, Conn: conn}
			}
			l := x.Explain(e)
			if e.Kind != sim.KindLine {
				if l.Main != nil || l.Extra != nil || l.Content || l.Verb != "" {
					t.Fatalf("Explain(%+v) = %+v, want the zero Line", e, l)
				}
				continue
			}
			if (l.Main == nil) != l.Content || l.Verb == "" || len(l.Verb) > 64 || len(l.Extra) > 48 {
				t.Fatalf("Explain(%v %q) = %+v: want Main exactly when not content, a short Verb and a few Extra", dir, text, l)
			}
			for _, en := range l.Extra {
				if en == nil {
					t.Fatalf("Explain(%v %q): nil Extra entry", dir, text)
				}
			}
			if e.Conn != nil && proto < 3 && dir != 0 && dir <= sim.S2C {
				if explain.Lookup(l.Before.ID) == nil || explain.Lookup(l.After.ID) == nil || l.After.Proto != conn.Proto {
					t.Fatalf("Explain(%v %q): states %+v -> %+v, want catalogued states of %s", dir, text, l.Before, l.After, conn.Proto)
				}
			}
		}
	})
}
