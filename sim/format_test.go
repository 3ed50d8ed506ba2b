package sim_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailscope/mailscope/sim"
)

var printableTests = []struct {
	in, want string
}{
	{"", ""},
	{"EHLO laptop.example.org", "EHLO laptop.example.org"},
	{"a\tb", "a\tb"},
	{"a\rb", `a\x0db`},
	{"a\nb", `a\x0ab`},
	{"\x00", `\x00`},
	{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
	{"\x7f", `\x7f`},
	{"~", "~"},
	{"Subject: ñandú", "Subject: ñandú"},
	{"日本語", "日本語"},
	{"€\t€", "€\t€"},
	{"\ufffd", "\ufffd"}, // a real replacement character is valid UTF-8
	{"\xff", `\xff`},
	{"caf\xe9", `caf\xe9`},           // Latin-1
	{"\xe2\x82", `\xe2\x82`},         // a truncated €
	{"€\xff€", `€\xff€`},             // an invalid byte between valid runes
	{"\xed\xa0\x80", `\xed\xa0\x80`}, // a UTF-16 surrogate
	{"\xc0\xaf", `\xc0\xaf`},         // an overlong '/'
	{"\u009b2J", `\xc2\x9b2J`},       // C1 CSI: a terminal control code too
	{"\u0085", `\xc2\x85`},           // C1 NEL
	{"\u00a0", "\u00a0"},             // no-break space is printable
	{`\x41`, `\x41`},                 // backslashes are kept as they are
}

func TestPrintable(t *testing.T) {
	for _, tt := range printableTests {
		if got := sim.Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzPrintable checks that Printable's output is valid UTF-8 without
// control characters but tabs, and that printable input is kept.
func FuzzPrintable(f *testing.F) {
	for _, tt := range printableTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := sim.Printable(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Printable(%q) = %q, not valid UTF-8", s, got)
		}
		for _, r := range got {
			if r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0 {
				t.Fatalf("Printable(%q) = %q, contains control %U", s, got, r)
			}
		}
		if len(got) < len(s) {
			t.Fatalf("Printable(%q) = %q, shorter than its input", s, got)
		}
		if got == s {
			return
		}
		// Changed: then s had something to escape.
		clean := utf8.ValidString(s)
		for _, r := range s {
			if r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0 {
				clean = false
			}
		}
		if clean {
			t.Fatalf("Printable(%q) = %q, want it unchanged", s, got)
		}
	})
}

// A connection and a trace start shared by the tests below.
var (
	c3      = &sim.ConnInfo{ID: 3, Proto: sim.SMTP, Client: "laptop", Server: "mx.example.org", Port: 25}
	live    = &sim.ConnInfo{ID: 4, Proto: sim.IMAP, Client: "127.0.0.1:50123", Server: "imap.example.org", Port: 1143, Live: true}
	msgDate = time.Date(2026, time.March, 2, 8, 30, 0, 0, time.UTC)
)

func TestTextLine(t *testing.T) {
	say := &sim.Text{ES: "Ana  envía\n  un correo ", EN: "Ana sends\ta message"}
	tests := []struct {
		e    sim.Event
		l    sim.Lang
		want string
	}{
		{sim.Event{Kind: sim.KindStep, Step: 2, Say: say}, sim.ES, "=== 2 · Ana envía un correo"},
		{sim.Event{Kind: sim.KindStep, Step: 2, Say: say}, sim.EN, "=== 2 · Ana sends a message"},
		{sim.Event{Kind: sim.KindOpen, Conn: c3}, sim.EN, "c3 laptop -> mx.example.org:25 SMTP connected"},
		{sim.Event{Kind: sim.KindOpen, Conn: live}, sim.ES, "c4 127.0.0.1:50123 -> imap.example.org:1143 IMAP connected"},
		{sim.Event{Kind: sim.KindClose, Conn: c3}, sim.EN, "c3 closed"},
		{sim.Event{Kind: sim.KindLine, Conn: c3, Dir: sim.C2S, Text: "EHLO laptop", Size: 13}, sim.EN, "c3 C: EHLO laptop"},
		{sim.Event{Kind: sim.KindLine, Conn: c3, Dir: sim.S2C, Text: "250 OK", Size: 8}, sim.EN, "c3 S: 250 OK"},
		{sim.Event{Kind: sim.KindLine, Conn: c3, Dir: sim.C2S, Text: "", Size: 2}, sim.EN, "c3 C: "},
		{sim.Event{Kind: sim.KindLine, Conn: c3, Dir: sim.S2C, End: sim.LF, Text: "220 hi", Size: 7}, sim.EN, "c3 S: 220 hi  [bare LF]"},
		{sim.Event{Kind: sim.KindLine, Conn: c3, Dir: sim.C2S, End: sim.NoEOL, Text: "QUI", Size: 3}, sim.EN, "c3 C: QUI  [no line end]"},
		{sim.Event{Kind: sim.KindLine, Conn: c3, Dir: sim.C2S, End: sim.Cutoff, Text: "AAAA", Size: 5000}, sim.EN, "c3 C: AAAA  [… 5000 bytes]"},
		{sim.Event{Kind: sim.KindLine, Conn: c3, Dir: sim.S2C, Text: "\x1b[2Jgotcha", Size: 12}, sim.EN, `c3 S: \x1b[2Jgotcha`},
		{sim.Event{Kind: sim.KindStore, Text: `append mx.example.org ana@example.org "INBOX" uid=1 12 bytes`}, sim.EN, `   · append mx.example.org ana@example.org "INBOX" uid=1 12 bytes`},
		{sim.Event{Kind: sim.KindDevice, Text: "save phone INBOX/1"}, sim.EN, "   · save phone INBOX/1"},
		{sim.Event{Kind: sim.KindDNS, Text: "mx.example.org MX example.org? mx.example.org"}, sim.EN, "   · mx.example.org MX example.org? mx.example.org"},
		{sim.Event{Kind: sim.KindError, Text: "dial mx: connection refused"}, sim.EN, "   ! dial mx: connection refused"},
		{sim.Event{Kind: 99, Text: "what"}, sim.EN, "   ? what"},
	}
	for _, tt := range tests {
		if got := sim.TextLine(&tt.e, tt.l); got != tt.want {
			t.Errorf("TextLine(%v %q, %s) = %q, want %q", tt.e.Kind, tt.e.Text, tt.l, got, tt.want)
		}
	}

	// A step without narration still gets its heading.
	e := sim.Event{Kind: sim.KindStep, Step: 1}
	if got, want := strings.TrimSpace(sim.TextLine(&e, sim.EN)), "=== 1 ·"; got != want {
		t.Errorf("TextLine(step without Say) = %q, want %q", got, want)
	}
}

func TestWriteText(t *testing.T) {
	events := []sim.Event{
		{Kind: sim.KindStep, Step: 1, Say: &sim.Text{ES: "Hola", EN: "Hello"}},
		{Kind: sim.KindOpen, Conn: c3},
		{Kind: sim.KindLine, Conn: c3, Dir: sim.S2C, Text: "220 mx ESMTP"},
		{Kind: sim.KindClose, Conn: c3},
	}
	want := map[sim.Lang]string{
		sim.ES: "=== 1 · Hola\nc3 laptop -> mx.example.org:25 SMTP connected\nc3 S: 220 mx ESMTP\nc3 closed\n",
		sim.EN: "=== 1 · Hello\nc3 laptop -> mx.example.org:25 SMTP connected\nc3 S: 220 mx ESMTP\nc3 closed\n",
	}
	for l, w := range want {
		var b bytes.Buffer
		if err := sim.WriteText(&b, events, l); err != nil {
			t.Fatalf("WriteText(%s) = %v", l, err)
		}
		if got := b.String(); got != w {
			t.Errorf("WriteText(%s) wrote\n%s\nwant\n%s", l, got, w)
		}
	}

	var b bytes.Buffer
	if err := sim.WriteText(&b, nil, sim.EN); err != nil || b.Len() != 0 {
		t.Errorf("WriteText(no events) = %v and wrote %q, want nil and nothing", err, b.String())
	}
	if err := sim.WriteText(failingWriter{}, events, sim.EN); !errors.Is(err, errWrite) {
		t.Errorf("WriteText to a failing writer = %v, want %v", err, errWrite)
	}
}

var errWrite = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

// sampleEvents has an event of every kind, as a trace records them.
func sampleEvents() []sim.Event {
	return []sim.Event{
		{Seq: 0, Step: 0, T: 0, Kind: sim.KindStore, Text: "account mx.example.org ana@example.org",
			Change: &sim.Change{Op: sim.OpAccount, Host: "mx.example.org", Account: "ana@example.org"}},
		{Seq: 1, Step: 1, T: 1500 * time.Millisecond, Kind: sim.KindStep, Say: &sim.Text{ES: "Ana escribe", EN: "Ana writes"}},
		{Seq: 2, Step: 1, T: 1500 * time.Millisecond, Kind: sim.KindDNS, Text: "MX example.org",
			DNS: &sim.Lookup{Host: "smtp.example.net", Type: "MX", Name: "example.org", Answer: []string{"mx.example.org"}}},
		{Seq: 3, Step: 1, T: 1510 * time.Millisecond, Kind: sim.KindOpen, Conn: c3},
		{Seq: 4, Step: 1, T: 1520*time.Millisecond + 999*time.Microsecond, Kind: sim.KindLine, Conn: c3, Dir: sim.C2S, Text: "MAIL FROM:<ana@example.org>", Size: 29},
		{Seq: 5, Step: 1, T: 1530 * time.Millisecond, Kind: sim.KindLine, Conn: c3, Dir: sim.S2C, End: sim.LF, Text: "250 <ok> & fine", Size: 16},
		{Seq: 6, Step: 1, T: 1540 * time.Millisecond, Kind: sim.KindLine, Conn: live, Dir: sim.C2S, End: sim.Cutoff, Text: "A1 LOGIN", Size: 9000},
		{Seq: 7, Step: 1, T: 1550 * time.Millisecond, Kind: sim.KindLine, Conn: live, Dir: sim.C2S, End: sim.NoEOL, Text: "A2 LOG", Size: 6},
		{Seq: 8, Step: 1, T: 1560 * time.Millisecond, Kind: sim.KindStore, Text: "append",
			Change: &sim.Change{Op: sim.OpAppend, Host: "mx.example.org", Account: "ana@example.org", Mailbox: "INBOX", UID: 7, UIDValidity: 3, Flags: []string{`\Seen`},
				Msg: &sim.MsgInfo{Size: 120, Date: msgDate, From: "bob@example.net", To: "ana@example.org", Subject: "Hi <there>", MessageID: "<1@example.net>", MailFrom: "bob@example.net", RcptTo: []string{"ana@example.org"}}}},
		{Seq: 9, Step: 1, T: 1570 * time.Millisecond, Kind: sim.KindStore, Text: "dequeue",
			Change: &sim.Change{Op: sim.OpQueueRemove, Host: "smtp.example.net", QueueID: "Q1", Result: "delivered"}},
		{Seq: 10, Step: 1, T: 1580 * time.Millisecond, Kind: sim.KindDevice, Text: "save",
			Change: &sim.Change{Op: sim.OpDeviceAdd, Host: "phone", Key: "INBOX/7", Partial: true, NewName: ""}},
		{Seq: 11, Step: 1, T: 1590 * time.Millisecond, Kind: sim.KindStore, Text: "rename",
			Change: &sim.Change{Op: sim.OpMailboxRename, Host: "mx.example.org", Account: "ana@example.org", Mailbox: "Work", NewName: "Archive"}},
		{Seq: 12, Step: 1, T: 1600 * time.Millisecond, Kind: sim.KindClose, Conn: c3},
		{Seq: 13, Step: 1, T: 1610 * time.Millisecond, Kind: sim.KindError, Text: "laptop: smtp: 550 no such user"},
	}
}

// alwaysKeys are the JSON Lines fields present in every line.
var alwaysKeys = []string{"seq", "step", "t", "kind", "conn", "proto", "client", "server", "port", "dir", "text"}

func TestToJSONKeys(t *testing.T) {
	start := sim.Epoch
	for _, e := range sampleEvents() {
		b, err := json.Marshal(sim.ToJSON(&e, start))
		if err != nil {
			t.Fatalf("json.Marshal(ToJSON(%v event)) = %v", e.Kind, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("json.Unmarshal(%s) = %v", b, err)
		}
		for _, k := range alwaysKeys {
			if _, ok := m[k]; !ok {
				t.Errorf("ToJSON(%v event) = %s, want key %q", e.Kind, b, k)
			}
		}
		_, hasSize := m["size"]
		_, hasTime := m["time"]
		_, hasEOL := m["eol"]
		if hasSize != (e.Kind == sim.KindLine) {
			t.Errorf("ToJSON(%v event) = %s: has size %v, want %v", e.Kind, b, hasSize, e.Kind == sim.KindLine)
		}
		if hasTime != (e.Kind == sim.KindStep) {
			t.Errorf("ToJSON(%v event) = %s: has time %v, want %v", e.Kind, b, hasTime, e.Kind == sim.KindStep)
		}
		if wantEOL := e.Kind == sim.KindLine && e.End != sim.CRLF; hasEOL != wantEOL {
			t.Errorf("ToJSON(%v event) = %s: has eol %v, want %v", e.Kind, b, hasEOL, wantEOL)
		}
	}
}

func TestToJSON(t *testing.T) {
	start := sim.Epoch
	events := sampleEvents()
	stepTime := start.Add(1500 * time.Millisecond)
	tests := []struct {
		e    *sim.Event
		want sim.JSONEvent
	}{
		{&events[0], sim.JSONEvent{Seq: 0, Step: 0, T: 0, Kind: "store", Text: "account mx.example.org ana@example.org",
			Change: &sim.JSONChange{Op: "account", Host: "mx.example.org", Account: "ana@example.org"}}},
		{&events[1], sim.JSONEvent{Seq: 1, Step: 1, T: 1500, Kind: "step", Say: events[1].Say, Time: &stepTime}},
		{&events[2], sim.JSONEvent{Seq: 2, Step: 1, T: 1500, Kind: "dns", Text: "MX example.org",
			DNS: &sim.JSONLookup{Host: "smtp.example.net", Type: "MX", Name: "example.org", Answer: []string{"mx.example.org"}}}},
		{&events[3], sim.JSONEvent{Seq: 3, Step: 1, T: 1510, Kind: "open", Conn: "c3", Proto: "smtp", Client: "laptop", Server: "mx.example.org", Port: 25}},
		{&events[4], sim.JSONEvent{Seq: 4, Step: 1, T: 1520, Kind: "line", Conn: "c3", Proto: "smtp", Client: "laptop", Server: "mx.example.org", Port: 25,
			Dir: "c2s", Text: "MAIL FROM:<ana@example.org>", Size: 29}},
		{&events[5], sim.JSONEvent{Seq: 5, Step: 1, T: 1530, Kind: "line", Conn: "c3", Proto: "smtp", Client: "laptop", Server: "mx.example.org", Port: 25,
			Dir: "s2c", Text: "250 <ok> & fine", EOL: "lf", Size: 16}},
		{&events[6], sim.JSONEvent{Seq: 6, Step: 1, T: 1540, Kind: "line", Conn: "c4", Proto: "imap", Client: "127.0.0.1:50123", Server: "imap.example.org", Port: 1143,
			Dir: "c2s", Text: "A1 LOGIN", EOL: "cut", Size: 9000, Live: true}},
		{&events[7], sim.JSONEvent{Seq: 7, Step: 1, T: 1550, Kind: "line", Conn: "c4", Proto: "imap", Client: "127.0.0.1:50123", Server: "imap.example.org", Port: 1143,
			Dir: "c2s", Text: "A2 LOG", EOL: "none", Size: 6, Live: true}},
		{&events[8], sim.JSONEvent{Seq: 8, Step: 1, T: 1560, Kind: "store", Text: "append",
			Change: &sim.JSONChange{Op: "append", Host: "mx.example.org", Account: "ana@example.org", Mailbox: "INBOX", UID: 7, UIDValidity: 3, Flags: []string{`\Seen`}, Msg: events[8].Change.Msg}}},
		{&events[9], sim.JSONEvent{Seq: 9, Step: 1, T: 1570, Kind: "store", Text: "dequeue",
			Change: &sim.JSONChange{Op: "dequeue", Host: "smtp.example.net", QueueID: "Q1", Result: "delivered"}}},
		{&events[10], sim.JSONEvent{Seq: 10, Step: 1, T: 1580, Kind: "device", Text: "save",
			Change: &sim.JSONChange{Op: "save", Host: "phone", Key: "INBOX/7", Partial: true}}},
		{&events[11], sim.JSONEvent{Seq: 11, Step: 1, T: 1590, Kind: "store", Text: "rename",
			Change: &sim.JSONChange{Op: "rename", Host: "mx.example.org", Account: "ana@example.org", Mailbox: "Work", NewName: "Archive"}}},
		{&events[12], sim.JSONEvent{Seq: 12, Step: 1, T: 1600, Kind: "close", Conn: "c3", Proto: "smtp", Client: "laptop", Server: "mx.example.org", Port: 25}},
		{&events[13], sim.JSONEvent{Seq: 13, Step: 1, T: 1610, Kind: "error", Text: "laptop: smtp: 550 no such user"}},
	}
	for _, tt := range tests {
		got := sim.ToJSON(tt.e, start)
		if got.Time != nil && tt.want.Time != nil && got.Time.Equal(*tt.want.Time) {
			got.Time = tt.want.Time
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ToJSON(event %d) = %+v, want %+v", tt.e.Seq, got, tt.want)
		}
	}
}

func TestWriteJSONL(t *testing.T) {
	start := sim.Epoch.UTC() // so that times decode to DeepEqual values
	events := sampleEvents()
	var b bytes.Buffer
	if err := sim.WriteJSONL(&b, events, start); err != nil {
		t.Fatalf("WriteJSONL = %v", err)
	}
	out := b.String()
	if !strings.Contains(out, `"MAIL FROM:<ana@example.org>"`) || !strings.Contains(out, `"250 <ok> & fine"`) {
		t.Errorf("WriteJSONL escaped <, > or &, want them as they are:\n%s", out)
	}

	sc := bufio.NewScanner(strings.NewReader(out))
	i := 0
	for ; sc.Scan(); i++ {
		if i >= len(events) {
			t.Fatalf("WriteJSONL wrote more than %d lines: %s", len(events), sc.Text())
		}
		var got sim.JSONEvent
		if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
			t.Fatalf("line %d: json.Unmarshal(%s) = %v", i, sc.Text(), err)
		}
		if want := sim.ToJSON(&events[i], start); !reflect.DeepEqual(got, want) {
			t.Errorf("line %d decodes to\n%+v\nwant\n%+v", i, got, want)
		}
	}
	if i != len(events) {
		t.Errorf("WriteJSONL wrote %d lines, want %d", i, len(events))
	}

	// A JSONWriter fed in parts writes the same.
	var parts bytes.Buffer
	jw := sim.NewJSONWriter(&parts, start)
	for _, part := range [][]sim.Event{events[:3], nil, events[3:9], events[9:]} {
		if err := jw.Write(part); err != nil {
			t.Fatalf("JSONWriter.Write = %v", err)
		}
	}
	if err := jw.Flush(); err != nil {
		t.Fatalf("JSONWriter.Flush = %v", err)
	}
	if parts.String() != out {
		t.Errorf("JSONWriter in parts wrote\n%s\nwant\n%s", parts.String(), out)
	}

	if err := sim.WriteJSONL(failingWriter{}, events, start); !errors.Is(err, errWrite) {
		t.Errorf("WriteJSONL to a failing writer = %v, want %v", err, errWrite)
	}
	if err := sim.WriteJSONL(io.Discard, nil, start); err != nil {
		t.Errorf("WriteJSONL(no events) = %v, want nil", err)
	}
}

// TestWriteJSONLTrace writes a recorded trace and checks the stamps.
func TestWriteJSONLTrace(t *testing.T) {
	tr, vc := newVirtualTrace(10 * time.Millisecond)
	info := &sim.ConnInfo{Proto: sim.POP3, Client: "phone", Server: "pop.example.org", Port: 110}
	tr.NewConn(info)
	tr.Append(sim.Event{Kind: sim.KindLine, Conn: info, Dir: sim.S2C, Text: "+OK", Size: 5})
	vc.Advance(time.Minute)
	tr.BeginStep(&sim.Text{EN: "later"})

	var b bytes.Buffer
	if err := sim.WriteJSONL(&b, tr.Events(), tr.Start()); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&b)
	var got []sim.JSONEvent
	for {
		var j sim.JSONEvent
		if err := dec.Decode(&j); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		got = append(got, j)
	}
	type stamp struct {
		Seq, Step int32
		T         int64
		Kind      string
		Conn      string
	}
	want := []stamp{
		{0, 0, 0, "open", "c1"},
		{1, 0, 10, "line", "c1"},
		{2, 1, 60010, "step", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("WriteJSONL(trace) wrote %d lines, want %d", len(got), len(want))
	}
	for i, j := range got {
		if s := (stamp{j.Seq, j.Step, j.T, j.Kind, j.Conn}); s != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, s, want[i])
		}
	}
	if ts := got[2].Time; ts == nil || !ts.Equal(sim.Epoch.Add(time.Minute+10*time.Millisecond)) {
		t.Errorf("step line's time = %v, want %v", ts, sim.Epoch.Add(time.Minute+10*time.Millisecond))
	}
}

func TestNames(t *testing.T) {
	kinds := []struct {
		k    sim.Kind
		want string
	}{
		{sim.KindStep, "step"}, {sim.KindOpen, "open"}, {sim.KindClose, "close"}, {sim.KindLine, "line"},
		{sim.KindStore, "store"}, {sim.KindDevice, "device"}, {sim.KindDNS, "dns"}, {sim.KindError, "error"},
		{0, "kind(0)"}, {99, "kind(99)"},
	}
	for _, tt := range kinds {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("Kind(%d).String() = %q, want %q", uint8(tt.k), got, tt.want)
		}
	}
	dirs := []struct {
		d    sim.Dir
		want string
	}{{sim.C2S, "c2s"}, {sim.S2C, "s2c"}, {0, ""}, {7, ""}}
	for _, tt := range dirs {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("Dir(%d).String() = %q, want %q", uint8(tt.d), got, tt.want)
		}
	}
	ends := []struct {
		e    sim.LineEnd
		want string
	}{{sim.CRLF, ""}, {sim.LF, "lf"}, {sim.NoEOL, "none"}, {sim.Cutoff, "cut"}}
	for _, tt := range ends {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("LineEnd(%d).String() = %q, want %q", uint8(tt.e), got, tt.want)
		}
	}
	ops := []struct {
		o    sim.Op
		want string
	}{
		{sim.OpAccount, "account"}, {sim.OpMailboxCreate, "create"}, {sim.OpMailboxDelete, "delete"},
		{sim.OpMailboxRename, "rename"}, {sim.OpAppend, "append"}, {sim.OpFlags, "flags"},
		{sim.OpExpunge, "expunge"}, {sim.OpQueueAdd, "queue"}, {sim.OpQueueRemove, "dequeue"},
		{sim.OpDeviceAdd, "save"}, {sim.OpDeviceFlags, "device-flags"}, {sim.OpDeviceRemove, "drop"},
		{0, "op(0)"}, {200, "op(200)"},
	}
	for _, tt := range ops {
		if got := tt.o.String(); got != tt.want {
			t.Errorf("Op(%d).String() = %q, want %q", uint8(tt.o), got, tt.want)
		}
	}
	if got := c3.Label(); got != "c3" {
		t.Errorf("ConnInfo{ID: 3}.Label() = %q, want %q", got, "c3")
	}
}

func TestChangeSummary(t *testing.T) {
	msg := &sim.MsgInfo{Size: 120, Subject: "Hi"}
	tests := []struct {
		c    sim.Change
		want string
	}{
		{sim.Change{Op: sim.OpAccount, Host: "mx", Account: "ana@x"}, "account mx ana@x"},
		{sim.Change{Op: sim.OpMailboxCreate, Host: "mx", Account: "ana@x", Mailbox: "INBOX", UIDValidity: 7}, `create mx ana@x "INBOX" uidvalidity=7`},
		{sim.Change{Op: sim.OpMailboxRename, Host: "mx", Account: "ana@x", Mailbox: "Work", NewName: "Old Work"}, `rename mx ana@x "Work" -> "Old Work"`},
		{sim.Change{Op: sim.OpMailboxDelete, Host: "mx", Account: "ana@x", Mailbox: "Trash"}, `delete mx ana@x "Trash"`},
		{sim.Change{Op: sim.OpAppend, Host: "mx", Account: "ana@x", Mailbox: "INBOX", UID: 3, Msg: msg}, `append mx ana@x "INBOX" uid=3 "Hi" 120 bytes`},
		{sim.Change{Op: sim.OpAppend, Host: "mx", Account: "ana@x", Mailbox: "Sent", UID: 4, Flags: []string{`\Seen`}, Msg: msg}, `append mx ana@x "Sent" uid=4 (\Seen) "Hi" 120 bytes`},
		{sim.Change{Op: sim.OpFlags, Host: "mx", Account: "ana@x", Mailbox: "INBOX", UID: 3, Flags: []string{`\Seen`, `\Flagged`}}, `flags mx ana@x "INBOX" uid=3 (\Seen \Flagged)`},
		{sim.Change{Op: sim.OpFlags, Host: "mx", Account: "ana@x", Mailbox: "INBOX", UID: 3}, `flags mx ana@x "INBOX" uid=3 ()`},
		{sim.Change{Op: sim.OpExpunge, Host: "mx", Account: "ana@x", Mailbox: "INBOX", UID: 3}, `expunge mx ana@x "INBOX" uid=3`},
		{sim.Change{Op: sim.OpQueueAdd, Host: "smtp", QueueID: "Q1", Msg: &sim.MsgInfo{Size: 50, MailFrom: "ana@x", RcptTo: []string{"bob@y", "eve@z"}}}, `queue smtp id=Q1 <ana@x> -> <bob@y>, <eve@z> 50 bytes`},
		{sim.Change{Op: sim.OpQueueRemove, Host: "smtp", QueueID: "Q1", Result: "bounced"}, `dequeue smtp id=Q1 bounced`},
		{sim.Change{Op: sim.OpDeviceAdd, Host: "phone", Account: "ana@x", Key: "17", Partial: true, Msg: msg}, `save phone ana@x 17 header-only "Hi" 120 bytes`},
		{sim.Change{Op: sim.OpDeviceFlags, Host: "phone", Key: "INBOX/3", Flags: []string{`\Seen`}}, `device-flags phone INBOX/3 (\Seen)`},
		{sim.Change{Op: sim.OpDeviceRemove, Host: "phone", Key: "INBOX/3"}, `drop phone INBOX/3`},
	}
	for _, tt := range tests {
		if got := tt.c.Summary(); got != tt.want {
			t.Errorf("Summary(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}
