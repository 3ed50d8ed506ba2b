package wire

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
)

// line is what a splitter emits for one line.
type line struct {
	Text string
	End  sim.LineEnd
	Size int
}

func (l line) String() string {
	t := l.Text
	if len(t) > 20 {
		t = fmt.Sprintf("%s…(%d bytes)", t[:10], len(t))
	}
	return fmt.Sprintf("{%q %v %d}", t, endName(l.End), l.Size)
}

func endName(e sim.LineEnd) string {
	if e == sim.CRLF {
		return "crlf"
	}
	return e.String()
}

// split feeds the writes to a new splitter and returns what it emitted,
// then what flush emitted (if flush is set), and the bytes it still holds.
func split(writes [][]byte, flush bool) (lines []line, rest int) {
	var s splitter
	emit := func(text []byte, end sim.LineEnd, size int) {
		lines = append(lines, line{string(text), end, size})
	}
	for _, w := range writes {
		s.feed(w, emit)
	}
	rest = s.size
	if flush {
		s.flush(emit)
	}
	return lines, rest
}

// splitBy feeds p to a new splitter in writes of n bytes and flushes it.
func splitBy(p []byte, n int) (lines []line, rest int) {
	var s splitter
	emit := func(text []byte, end sim.LineEnd, size int) {
		lines = append(lines, line{string(text), end, size})
	}
	for len(p) > 0 {
		k := min(n, len(p))
		s.feed(p[:k], emit)
		p = p[k:]
	}
	rest = s.size
	s.flush(emit)
	return lines, rest
}

// chunked cuts p into writes of n bytes (the last may be shorter).
func chunked(p []byte, n int) [][]byte {
	var ws [][]byte
	for len(p) > n {
		ws = append(ws, p[:n])
		p = p[n:]
	}
	return append(ws, p)
}

var (
	long       = strings.Repeat("x", sim.MaxLine)
	longer     = strings.Repeat("y", sim.MaxLine+1)
	muchLonger = strings.Repeat("z", 3*sim.MaxLine+17)
)

var splitterTests = []struct {
	name   string
	writes []string
	flush  bool
	want   []line
	rest   int // bytes of an unfinished line, before the flush
}{
	{
		name:   "crlf",
		writes: []string{"EHLO laptop\r\n"},
		want:   []line{{"EHLO laptop", sim.CRLF, 13}},
	},
	{
		name:   "bare lf",
		writes: []string{"EHLO laptop\n"},
		want:   []line{{"EHLO laptop", sim.LF, 12}},
	},
	{
		name:   "cr inside a line",
		writes: []string{"a\rb\r\n"},
		want:   []line{{"a\rb", sim.CRLF, 5}},
	},
	{
		name:   "cr before cr lf",
		writes: []string{"a\r\r\n"},
		want:   []line{{"a\r", sim.CRLF, 4}},
	},
	{
		name:   "across writes",
		writes: []string{"MAIL FR", "OM:<ana@exa", "mple.org>\r", "\n"},
		want:   []line{{"MAIL FROM:<ana@example.org>", sim.CRLF, 29}},
	},
	{
		name:   "byte by byte",
		writes: strings.Split("RCPT TO:<bob@example.org>\r\n", ""),
		want:   []line{{"RCPT TO:<bob@example.org>", sim.CRLF, 27}},
	},
	{
		name:   "several lines in one write",
		writes: []string{"250-mx.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n"},
		want: []line{
			{"250-mx.example.org", sim.CRLF, 20},
			{"250-PIPELINING", sim.CRLF, 16},
			{"250 8BITMIME", sim.CRLF, 14},
		},
	},
	{
		name:   "lines and a half",
		writes: []string{"a\r\nb\nc", "c\r\nd"},
		want:   []line{{"a", sim.CRLF, 3}, {"b", sim.LF, 2}, {"cc", sim.CRLF, 4}},
		rest:   1,
	},
	{
		name:   "empty lines",
		writes: []string{"\r\n\n\r\n"},
		want:   []line{{"", sim.CRLF, 2}, {"", sim.LF, 1}, {"", sim.CRLF, 2}},
	},
	{
		name:   "a lone cr lf",
		writes: []string{"\r", "\n"},
		want:   []line{{"", sim.CRLF, 2}},
	},
	{
		name:   "nothing",
		writes: []string{"", ""},
		flush:  true,
	},
	{
		name:   "max line with crlf",
		writes: []string{long + "\r\n"},
		want:   []line{{long, sim.CRLF, sim.MaxLine + 2}},
	},
	{
		name:   "max line with lf",
		writes: []string{long + "\n"},
		want:   []line{{long, sim.LF, sim.MaxLine + 1}},
	},
	{
		name:   "max line with crlf byte by byte",
		writes: strings.Split(long+"\r\n", ""),
		want:   []line{{long, sim.CRLF, sim.MaxLine + 2}},
	},
	{
		name:   "one over max with crlf",
		writes: []string{longer + "\r\n"},
		want:   []line{{longer[:sim.MaxLine], sim.Cutoff, sim.MaxLine + 3}},
	},
	{
		name:   "one over max with lf",
		writes: []string{longer + "\n"},
		want:   []line{{longer[:sim.MaxLine], sim.Cutoff, sim.MaxLine + 2}},
	},
	{
		name:   "much longer than max",
		writes: []string{muchLonger[:5000], muchLonger[5000:] + "\r\nnext\r\n"},
		want:   []line{{muchLonger[:sim.MaxLine], sim.Cutoff, len(muchLonger) + 2}, {"next", sim.CRLF, 6}},
	},
	{
		name:   "flush unfinished",
		writes: []string{"QUIT\r\nQUI"},
		flush:  true,
		want:   []line{{"QUIT", sim.CRLF, 6}, {"QUI", sim.NoEOL, 3}},
		rest:   3,
	},
	{
		name:   "flush unfinished cr",
		writes: []string{"QUIT\r"},
		flush:  true,
		want:   []line{{"QUIT\r", sim.NoEOL, 5}},
		rest:   5,
	},
	{
		name:   "flush max line",
		writes: []string{long},
		flush:  true,
		want:   []line{{long, sim.NoEOL, sim.MaxLine}},
		rest:   sim.MaxLine,
	},
	{
		name:   "flush one over max",
		writes: []string{longer},
		flush:  true,
		want:   []line{{longer[:sim.MaxLine], sim.Cutoff, sim.MaxLine + 1}},
		rest:   sim.MaxLine + 1,
	},
	{
		name:   "flush much longer",
		writes: []string{muchLonger},
		flush:  true,
		want:   []line{{muchLonger[:sim.MaxLine], sim.Cutoff, len(muchLonger)}},
		rest:   len(muchLonger),
	},
	{
		name:   "flush after a complete line",
		writes: []string{"+OK\r\n"},
		flush:  true,
		want:   []line{{"+OK", sim.CRLF, 5}},
	},
	{
		name:   "binary",
		writes: []string{"\x00\xff\x1b[0m\r\n"},
		want:   []line{{"\x00\xff\x1b[0m", sim.CRLF, 8}},
	},
}

func byteWrites(ws []string) [][]byte {
	var out [][]byte
	for _, w := range ws {
		out = append(out, []byte(w))
	}
	return out
}

func TestSplitter(t *testing.T) {
	for _, tt := range splitterTests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest := split(byteWrites(tt.writes), tt.flush)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("split(%q) = %v, want %v", abbrev(tt.writes), got, tt.want)
			}
			if rest != tt.rest {
				t.Errorf("split(%q) left %d bytes unfinished, want %d", abbrev(tt.writes), rest, tt.rest)
			}
		})
	}
}

// TestSplitterChunking feeds every table input in differently sized writes:
// the lines must not depend on how the stream was cut.
func TestSplitterChunking(t *testing.T) {
	for _, tt := range splitterTests {
		input := []byte(strings.Join(tt.writes, ""))
		for _, n := range []int{1, 2, 3, 7, 100, sim.MaxLine - 1, sim.MaxLine + 1, len(input) + 1} {
			got, _ := split(chunked(input, n), tt.flush)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s in writes of %d bytes: split = %v, want %v", tt.name, n, got, tt.want)
			}
		}
	}
}

// TestSplitterReuse checks that a line's text is not changed by the lines
// that follow, as long as the emit callback copies it (the tap does).
func TestSplitterReuse(t *testing.T) {
	var s splitter
	var texts []string
	emit := func(text []byte, end sim.LineEnd, size int) { texts = append(texts, string(text)) }
	s.feed([]byte("first\r\nsec"), emit)
	s.feed([]byte("ond\r\nthird"), emit)
	s.flush(emit)
	s.feed([]byte("after\n"), emit)
	if want := []string{"first", "second", "third", "after"}; !reflect.DeepEqual(texts, want) {
		t.Errorf("lines = %q, want %q", texts, want)
	}
}

func abbrev(ws []string) []string {
	var out []string
	for _, w := range ws {
		if len(w) > 40 {
			w = fmt.Sprintf("%s…(%d bytes)", w[:20], len(w))
		}
		out = append(out, w)
	}
	return out
}

// refSplit is a plain statement of how a stream is split into lines, for
// FuzzSplitter to compare the splitter with.
func refSplit(p []byte) (lines []line, rest []byte) {
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return lines, p
		}
		raw := p[:i+1]
		p = p[i+1:]
		var l line
		switch {
		case bytes.HasSuffix(raw, []byte("\r\n")):
			l = line{string(raw[:len(raw)-2]), sim.CRLF, len(raw)}
		default:
			l = line{string(raw[:len(raw)-1]), sim.LF, len(raw)}
		}
		if len(l.Text) > sim.MaxLine {
			l.Text, l.End = l.Text[:sim.MaxLine], sim.Cutoff
		}
		lines = append(lines, l)
	}
}

func FuzzSplitter(f *testing.F) {
	for _, tt := range splitterTests {
		for _, chunk := range []uint16{0, 1, 6} {
			f.Add([]byte(strings.Join(tt.writes, "")), chunk)
		}
	}
	f.Fuzz(func(t *testing.T, input []byte, chunk uint16) {
		whole, wholeRest := split([][]byte{input}, false)

		// Sizes account for every byte.
		sum := 0
		for _, l := range whole {
			sum += l.Size
			if len(l.Text) > sim.MaxLine {
				t.Fatalf("split(%q) emitted a text of %d bytes, more than MaxLine", input, len(l.Text))
			}
		}
		if sum+wholeRest != len(input) {
			t.Fatalf("split(%q): sizes add up to %d and %d bytes remain, want %d in all", input, sum, wholeRest, len(input))
		}

		// The splitter agrees with the plain statement of the rules.
		want, rest := refSplit(input)
		if !reflect.DeepEqual(whole, want) {
			t.Fatalf("split(%q) = %v, want %v", input, whole, want)
		}
		if wholeRest != len(rest) {
			t.Fatalf("split(%q) left %d bytes, want %d", input, wholeRest, len(rest))
		}

		// Flushing emits the rest, cut like any other line.
		flushed, _ := split([][]byte{input}, true)
		if len(rest) > 0 {
			l := line{string(rest), sim.NoEOL, len(rest)}
			if len(rest) > sim.MaxLine {
				l.Text, l.End = l.Text[:sim.MaxLine], sim.Cutoff
			}
			want = append(want, l)
		}
		if !reflect.DeepEqual(flushed, want) {
			t.Fatalf("split(%q) then flush = %v, want %v", input, flushed, want)
		}

		// How the stream is cut into writes does not matter.
		for _, n := range []int{int(chunk)%(len(input)+1) + 1, 1} {
			got, gotRest := splitBy(input, n)
			if !reflect.DeepEqual(got, flushed) || gotRest != wholeRest {
				t.Fatalf("split(%q) in writes of %d bytes = %v (%d left), want %v (%d left)", input, n, got, gotRest, flushed, wholeRest)
			}
		}
	})
}

// tapEvent is the part of a recorded event that a tap decides.
type tapEvent struct {
	Kind sim.Kind
	Conn int
	Dir  sim.Dir
	Text string
	End  sim.LineEnd
	Size int32
}

func (e tapEvent) String() string {
	return fmt.Sprintf("{%v c%d %v %q %s %d}", e.Kind, e.Conn, e.Dir, e.Text, endName(e.End), e.Size)
}

func tapEvents(evs []sim.Event) []tapEvent {
	var out []tapEvent
	for _, e := range evs {
		te := tapEvent{Kind: e.Kind, Dir: e.Dir, Text: e.Text, End: e.End, Size: e.Size}
		if e.Conn != nil {
			te.Conn = e.Conn.ID
		}
		out = append(out, te)
	}
	return out
}

func newTrace() *sim.Trace {
	return sim.NewTrace(sim.TraceOptions{Clock: sim.NewVirtualClock(sim.Epoch)})
}

func TestNewTap(t *testing.T) {
	tr := newTrace()
	var taps []*Tap
	for i := 0; i < 3; i++ {
		info := &sim.ConnInfo{Proto: sim.SMTP, Client: fmt.Sprint("dev", i), Server: "mx", Port: 25}
		tap := NewTap(tr, info, nil)
		if tap.Conn() != info {
			t.Errorf("NewTap(%d).Conn() = %p, want the info given, %p", i, tap.Conn(), info)
		}
		if info.ID != i+1 {
			t.Errorf("NewTap #%d gave ID %d, want %d", i, info.ID, i+1)
		}
		taps = append(taps, tap)
	}
	want := []tapEvent{{Kind: sim.KindOpen, Conn: 1}, {Kind: sim.KindOpen, Conn: 2}, {Kind: sim.KindOpen, Conn: 3}}
	if got := tapEvents(tr.Events()); !reflect.DeepEqual(got, want) {
		t.Errorf("events after three NewTap = %v, want %v", got, want)
	}
	for i, e := range tr.Events() {
		if e.Conn != taps[i].Conn() {
			t.Errorf("open event %d has Conn %p, want the tap's %p", i, e.Conn, taps[i].Conn())
		}
	}
}

func TestTap(t *testing.T) {
	tr := newTrace()
	other := NewTap(tr, &sim.ConnInfo{Proto: sim.IMAP}, nil)
	tap := NewTap(tr, &sim.ConnInfo{Proto: sim.SMTP}, nil)

	tap.Observe(sim.S2C, []byte("220 mx ESMTP\r\n"))
	tap.Observe(sim.C2S, []byte("EHLO lap"))
	other.Observe(sim.C2S, []byte("A1 NOOP\r\n"))
	tap.Observe(sim.S2C, []byte("250-mx\r\n250 "))
	tap.Observe(sim.C2S, []byte("top\r\nQUI"))
	tap.Observe(sim.S2C, []byte("OK\r\n221 bye"))
	tap.Observe(sim.C2S, nil)
	tap.Close()
	tap.Observe(sim.C2S, []byte("T\r\n")) // after Close: nothing
	tap.Close()                           // again: nothing

	want := []tapEvent{
		{Kind: sim.KindOpen, Conn: 1},
		{Kind: sim.KindOpen, Conn: 2},
		{sim.KindLine, 2, sim.S2C, "220 mx ESMTP", sim.CRLF, 14},
		{sim.KindLine, 1, sim.C2S, "A1 NOOP", sim.CRLF, 9},
		{sim.KindLine, 2, sim.S2C, "250-mx", sim.CRLF, 8},
		{sim.KindLine, 2, sim.C2S, "EHLO laptop", sim.CRLF, 13},
		{sim.KindLine, 2, sim.S2C, "250 OK", sim.CRLF, 8},
		// Close flushes both directions, client first, then records the close.
		{sim.KindLine, 2, sim.C2S, "QUI", sim.NoEOL, 3},
		{sim.KindLine, 2, sim.S2C, "221 bye", sim.NoEOL, 7},
		{Kind: sim.KindClose, Conn: 2},
	}
	if got := tapEvents(tr.Events()); !reflect.DeepEqual(got, want) {
		t.Errorf("tap events =\n%v\nwant\n%v", got, want)
	}
	for _, e := range tr.Events()[2:] {
		if e.Conn.ID == 2 && e.Conn != tap.Conn() {
			t.Errorf("event %d has Conn %p, want the tap's %p", e.Seq, e.Conn, tap.Conn())
		}
	}

	// The other connection is still open and recording.
	other.Observe(sim.S2C, []byte("A1 OK\r\n"))
	other.Close()
	want = append(want, tapEvent{sim.KindLine, 1, sim.S2C, "A1 OK", sim.CRLF, 7}, tapEvent{Kind: sim.KindClose, Conn: 1})
	if got := tapEvents(tr.Events()); !reflect.DeepEqual(got, want) {
		t.Errorf("events after closing the other tap =\n%v\nwant\n%v", got, want)
	}
}

// TestTapKeepsText checks that a recorded line's text does not change when
// the caller reuses its buffer, as a reader's buffer is.
func TestTapKeepsText(t *testing.T) {
	tr := newTrace()
	tap := NewTap(tr, &sim.ConnInfo{Proto: sim.POP3}, nil)
	buf := []byte("USER ana\r\n")
	tap.Observe(sim.C2S, buf)
	copy(buf, "PASS xyz\r\n")
	tap.Observe(sim.C2S, buf)
	tap.Close()
	var got []string
	for _, e := range tr.Events() {
		if e.Kind == sim.KindLine {
			got = append(got, e.Text)
		}
	}
	if want := []string{"USER ana", "PASS xyz"}; !reflect.DeepEqual(got, want) {
		t.Errorf("recorded lines = %q, want %q", got, want)
	}
}

func TestTapCloseWithoutLines(t *testing.T) {
	tr := newTrace()
	tap := NewTap(tr, &sim.ConnInfo{Proto: sim.SMTP}, nil)
	tap.Close()
	want := []tapEvent{{Kind: sim.KindOpen, Conn: 1}, {Kind: sim.KindClose, Conn: 1}}
	if got := tapEvents(tr.Events()); !reflect.DeepEqual(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
}
