package explain_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/explain"
)

// Short names for the directions in the tables.
const (
	C = sim.C2S
	S = sim.S2C
)

// step is one line of a connection and what the explainer should say of it.
type step struct {
	dir   sim.Dir
	text  string
	main  string // the Main entry's ID; "" for a content line (Main nil, Content true)
	extra string // the Extra entries' IDs, separated by spaces
	verb  string
	after string // the state after the line, without its "proto.state." prefix
	size  int32  // the line's Size; 0 means len(text)+2 (a CRLF line)
}

// describe formats what a Line says, in the terms of a step.
func describe(l explain.Line, proto sim.Proto) string {
	main := ""
	if l.Main != nil {
		main = l.Main.ID
	}
	var extra []string
	for _, e := range l.Extra {
		extra = append(extra, e.ID)
	}
	return fmt.Sprintf("main=%q extra=%q content=%v verb=%q after=%q",
		main, strings.Join(extra, " "), l.Content, l.Verb, strings.TrimPrefix(l.After.ID, string(proto)+".state."))
}

// want formats what a step expects, as describe does.
func (s step) want() string {
	return fmt.Sprintf("main=%q extra=%q content=%v verb=%q after=%q", s.main, s.extra, s.main == "", s.verb, s.after)
}

// lineEvent returns the line event of a step on connection c.
func (s step) event(c *sim.ConnInfo) *sim.Event {
	size := s.size
	if size == 0 {
		size = int32(len(s.text)) + 2
	}
	return &sim.Event{Kind: sim.KindLine, Conn: c, Dir: s.dir, Text: s.text, Size: size}
}

// runSteps feeds the steps, as one connection of proto opened in state
// first, through one Explainer and reports every line explained otherwise
// than its step says. It also checks that each line starts where the one
// before ended and that the state names are in the catalogue.
func runSteps(t *testing.T, proto sim.Proto, first string, steps []step) *explain.Explainer {
	t.Helper()
	x := explain.New()
	c := &sim.ConnInfo{ID: 7, Proto: proto, Client: "client", Server: "server", Port: 1}
	x.Explain(&sim.Event{Kind: sim.KindOpen, Conn: c})
	prev := string(proto) + ".state." + first
	for i, s := range steps {
		l := x.Explain(s.event(c))
		if got, want := describe(l, proto), s.want(); got != want {
			t.Errorf("step %d: Explain(%v %q) = %s, want %s", i, s.dir, s.text, got, want)
		}
		if l.Before.ID != prev || l.Before.Proto != proto || l.After.Proto != proto {
			t.Errorf("step %d: Explain(%v %q).Before = %+v, want %s (the state after the line before)", i, s.dir, s.text, l.Before, prev)
		}
		if explain.Lookup(l.After.ID) == nil {
			t.Errorf("step %d: state %q has no entry", i, l.After.ID)
		}
		prev = l.After.ID
	}
	return x
}

// table is a connection's lines and what the explainer should say of them.
type table struct {
	name  string
	proto sim.Proto
	first string // the state the connection starts in
	steps []step
}

// allTables lists every table, for the fuzz seeds.
func allTables() []table {
	return []table{
		tableSMTPSubmission, tableSMTPPipelining, tableSMTPOddities, tableSMTPChunking,
		tablePOP3Session, tablePOP3Extensions, tablePOP3QuitBeforeLogin,
		tableIMAPSession, tableIMAPServerLiterals, tableIMAPClientLiterals,
	}
}
