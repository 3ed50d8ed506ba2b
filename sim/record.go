package sim

import (
	"sort"
	"time"
	"unsafe"
)

// A trace can hold hundreds of thousands of events. It keeps them as
// 32-byte records without pointers, in chunks that are never copied, with
// their texts in large byte arenas: the garbage collector has almost
// nothing to scan, a line costs no allocation of its own, and a recorded
// event touches little new memory. An Event is rebuilt from its record when
// it is read.

// arenaSize is the size of the blocks texts are kept in.
const arenaSize = 64 << 10

// chunkSize is how many records a chunk holds.
const chunkSize = 4096

// record is an Event without pointers. Its sequence number is its index
// and its step follows from the step boundaries; its connection (for open,
// close and line events), its connection and TLS record (for tls events)
// or its details (for the others) are an index into the recordStore's
// tables, and its text is a place in an arena.
type record struct {
	t     time.Duration
	arena uint32 // the text's arena
	off   uint32 // the text's offset in its arena
	n     uint32 // the text's length
	size  int32
	ref   int32 // index in conns, tlsExtras or extras (by kind), or -1
	kind  Kind
	dir   Dir
	end   LineEnd
}

// extra holds the pointer fields of an event that has no connection.
type extra struct {
	change *Change
	dns    *Lookup
	say    *Text
}

// tlsExtra holds the pointer fields of a tls event: its connection and its
// record.
type tlsExtra struct {
	conn *ConnInfo
	rec  *TLSRecord
}

// hasConn reports whether events of kind k refer to a connection (and never
// to details).
func hasConn(k Kind) bool { return k == KindOpen || k == KindClose || k == KindLine }

// recordStore holds the records of a trace. It is not safe for concurrent
// use; the trace's lock guards it.
type recordStore struct {
	chunks     [][]record // full chunks of chunkSize records, then the last
	n          int
	boundaries []int    // index of each step event, as in Trace
	arenas     [][]byte // texts; only the current arena grows, within its capacity
	current    int      // index of the arena short texts go to (when there are arenas)
	conns      []*ConnInfo
	connIdx    map[*ConnInfo]int32
	lastConn   *ConnInfo // a cache of the last connection looked up
	lastIdx    int32
	extras     []extra
	tlsExtras  []tlsExtra // the details of tls events
}

// add stores e (whose Seq and Step must be its index and the current step),
// with text (when not nil) as its Text, and returns e as it reads back.
func (rs *recordStore) add(e Event, text []byte) Event {
	if text == nil && e.Text != "" {
		text = unsafe.Slice(unsafe.StringData(e.Text), len(e.Text))
	}
	r := record{t: e.T, size: e.Size, ref: -1, kind: e.Kind, dir: e.Dir, end: e.End}
	switch {
	case hasConn(e.Kind):
		if e.Conn != nil {
			r.ref = rs.connIndex(e.Conn)
		}
	case e.Kind == KindTLS:
		r.ref = int32(len(rs.tlsExtras))
		rs.tlsExtras = append(rs.tlsExtras, tlsExtra{e.Conn, e.TLS})
	case e.Change != nil || e.DNS != nil || e.Say != nil:
		r.ref = int32(len(rs.extras))
		rs.extras = append(rs.extras, extra{e.Change, e.DNS, e.Say})
	}
	e.Text = ""
	if len(text) > 0 {
		r.arena, r.off, r.n = rs.intern(text)
		e.Text = unsafe.String(&rs.arenas[r.arena][r.off], len(text))
	}
	if e.Kind == KindStep {
		rs.boundaries = append(rs.boundaries, rs.n)
	}
	if rs.n%chunkSize == 0 {
		rs.chunks = append(rs.chunks, make([]record, 0, chunkSize))
	}
	last := len(rs.chunks) - 1
	rs.chunks[last] = append(rs.chunks[last], r)
	e.Seq, e.Step = int32(rs.n), int32(len(rs.boundaries))
	rs.n++
	return e
}

func (rs *recordStore) connIndex(c *ConnInfo) int32 {
	if c == rs.lastConn {
		return rs.lastIdx
	}
	i, ok := rs.connIdx[c]
	if !ok {
		if rs.connIdx == nil {
			rs.connIdx = make(map[*ConnInfo]int32)
		}
		i = int32(len(rs.conns))
		rs.conns = append(rs.conns, c)
		rs.connIdx[c] = i
	}
	rs.lastConn, rs.lastIdx = c, i
	return i
}

// intern copies b into an arena and returns where it is. Bytes written to
// an arena never change, so the strings made from them are immutable.
func (rs *recordStore) intern(b []byte) (arena, off, n uint32) {
	if len(b) > arenaSize/8 {
		// A long text gets an arena of its own.
		rs.arenas = append(rs.arenas, append([]byte(nil), b...))
		return uint32(len(rs.arenas) - 1), 0, uint32(len(b))
	}
	if len(rs.arenas) == 0 || cap(rs.arenas[rs.current])-len(rs.arenas[rs.current]) < len(b) {
		rs.arenas = append(rs.arenas, make([]byte, 0, arenaSize))
		rs.current = len(rs.arenas) - 1
	}
	a := rs.arenas[rs.current]
	rs.arenas[rs.current] = append(a, b...)
	return uint32(rs.current), uint32(len(a)), uint32(len(b))
}

// event returns event i.
func (rs *recordStore) event(i int) Event {
	return rs.build(i, &rs.chunks[i/chunkSize][i%chunkSize])
}

func (rs *recordStore) build(i int, r *record) Event {
	// The step of event i is the number of step boundaries at or before i.
	step := sort.Search(len(rs.boundaries), func(k int) bool { return rs.boundaries[k] > i })
	e := Event{Seq: int32(i), Step: int32(step), T: r.t, Kind: r.kind, Dir: r.dir, End: r.end, Size: r.size}
	if r.n > 0 {
		e.Text = unsafe.String(&rs.arenas[r.arena][r.off], int(r.n))
	}
	if r.ref >= 0 {
		switch {
		case hasConn(r.kind):
			e.Conn = rs.conns[r.ref]
		case r.kind == KindTLS:
			x := &rs.tlsExtras[r.ref]
			e.Conn, e.TLS = x.conn, x.rec
		default:
			x := &rs.extras[r.ref]
			e.Change, e.DNS, e.Say = x.change, x.dns, x.say
		}
	}
	return e
}
