package explain_test

import (
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/explain"
)

// TestEvents checks the events that are not lines, connections the
// explainer did not see open, and lines it cannot place.
func TestEvents(t *testing.T) {
	x := explain.New()
	smtp := &sim.ConnInfo{ID: 1, Proto: sim.SMTP}
	other := &sim.ConnInfo{ID: 2, Proto: "nntp"}
	zero := explain.Line{}
	for _, e := range []*sim.Event{
		nil,
		{Kind: sim.KindStep, Say: &sim.Text{ES: "hola", EN: "hello"}},
		{Kind: sim.KindStore},
		{Kind: sim.KindError, Text: "boom"},
		{Kind: sim.KindOpen, Conn: smtp},
		{Kind: sim.KindOpen},
		{Kind: 99, Conn: smtp},
	} {
		if got := x.Explain(e); got.Main != nil || got.Extra != nil || got.Content || got.Verb != "" || got.Before != zero.Before {
			t.Errorf("Explain(%+v) = %+v, want the zero Line", e, got)
		}
	}
	if got, want := x.StateOf(smtp), (explain.State{Proto: sim.SMTP, ID: explain.SMTPGreeting}); got != want {
		t.Errorf("StateOf(opened SMTP) = %+v, want %+v", got, want)
	}
	if got := x.StateOf(&sim.ConnInfo{ID: 42}); got != (explain.State{}) {
		t.Errorf("StateOf(unseen) = %+v, want the zero State", got)
	}
	if got := x.StateOf(nil); got != (explain.State{}) {
		t.Errorf("StateOf(nil) = %+v, want the zero State", got)
	}

	tests := []struct {
		e    *sim.Event
		main string
	}{
		{&sim.Event{Kind: sim.KindLine, Dir: sim.C2S, Text: "EHLO x"}, "line.unknown"},                                                // no connection
		{&sim.Event{Kind: sim.KindLine, Conn: other, Dir: sim.C2S, Text: "GROUP x"}, "line.unknown"},                                  // unknown protocol
		{&sim.Event{Kind: sim.KindLine, Conn: smtp, Text: "EHLO x"}, "line.unknown"},                                                  // no direction
		{&sim.Event{Kind: sim.KindLine, Conn: &sim.ConnInfo{ID: 3, Proto: sim.IMAP}, Dir: sim.S2C, Text: "* OK hi"}, "imap.greeting"}, // never opened
	}
	for _, tt := range tests {
		l := x.Explain(tt.e)
		if l.Main == nil || l.Main.ID != tt.main || l.Content || l.Verb == "" {
			t.Errorf("Explain(%+v) = %+v, want Main %s", tt.e, l, tt.main)
		}
	}

	// A closing moves the connection to its closed state; an opening with
	// the same ID starts a new connection.
	for _, c := range []struct {
		proto  sim.Proto
		closed string
	}{{sim.SMTP, explain.SMTPClosed}, {sim.POP3, explain.POP3Closed}, {sim.IMAP, explain.IMAPClosed}} {
		conn := &sim.ConnInfo{ID: 10, Proto: c.proto}
		x.Explain(&sim.Event{Kind: sim.KindOpen, Conn: conn})
		if l := x.Explain(&sim.Event{Kind: sim.KindClose, Conn: conn}); l.Main != nil || l.Verb != "" {
			t.Errorf("Explain(close %s) = %+v, want the zero Line", c.proto, l)
		}
		if got := x.StateOf(conn); got.ID != c.closed || got.Proto != c.proto {
			t.Errorf("StateOf(closed %s) = %+v, want %s", c.proto, got, c.closed)
		}
	}
	conn := &sim.ConnInfo{ID: 10, Proto: sim.SMTP}
	x.Explain(&sim.Event{Kind: sim.KindOpen, Conn: conn})
	if got := x.StateOf(conn).ID; got != explain.SMTPGreeting {
		t.Errorf("StateOf(reopened) = %s, want %s", got, explain.SMTPGreeting)
	}
}

// TestConcurrentUse explains several connections from several goroutines
// at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	x := explain.New()
	done := make(chan bool)
	for i, tt := range allTables() {
		go func() {
			c := &sim.ConnInfo{ID: 100 + i, Proto: tt.proto}
			x.Explain(&sim.Event{Kind: sim.KindOpen, Conn: c})
			ok := true
			for _, s := range tt.steps {
				if got, want := describe(x.Explain(s.event(c)), tt.proto), s.want(); got != want {
					ok = false
				}
				x.StateOf(c)
			}
			done <- ok
		}()
	}
	for _, tt := range allTables() {
		if !<-done {
			t.Errorf("a table explained concurrently differs from %s", tt.name)
		}
	}
}
