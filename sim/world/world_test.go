package world_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// runBuiltin runs a built-in scenario to the end.
func runBuiltin(t testing.TB, id string) *world.World {
	t.Helper()
	s, err := lessons.Builtin(id)
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Run(s, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func jsonl(t testing.TB, w *world.World) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := sim.WriteJSONL(&b, w.Trace.Events(), w.Trace.Start()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sim/world -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %s\nwant: %s\n(run with -update if the change is intended)", name, i+1, g, w)
			}
		}
	}
}

// goldenScenarios are the scenarios whose whole trace, jsonl included, is
// kept in testdata: the tour, POP3 beside IMAP, and TLS.
var goldenScenarios = []string{"tour", "pop3-imap", "tls"}

func TestGoldens(t *testing.T) {
	for _, id := range goldenScenarios {
		w := runBuiltin(t, id)
		for _, l := range sim.Langs {
			var b bytes.Buffer
			if err := sim.WriteText(&b, w.Trace.Events(), l); err != nil {
				t.Fatal(err)
			}
			golden(t, id+"."+string(l)+".txt", b.Bytes())
		}
		golden(t, id+".jsonl", jsonl(t, w))
	}
}

// TestDeterministic runs each scenario again: the traces must be
// byte-identical, TLS handshakes, key shares and ciphertexts included.
func TestDeterministic(t *testing.T) {
	for _, id := range goldenScenarios {
		first := jsonl(t, runBuiltin(t, id))
		for i := 0; i < 3; i++ {
			if again := jsonl(t, runBuiltin(t, id)); !bytes.Equal(first, again) {
				t.Fatalf("%s: run %d differs from the first run", id, i+2)
			}
		}
	}
}

// TestTourTells checks the story the tour exists to tell, line by line.
func TestTourTells(t *testing.T) {
	w := runBuiltin(t, "tour")
	events := w.Trace.Events()
	find := func(from int, pred func(*sim.Event) bool) int {
		for i := from; i < len(events); i++ {
			if pred(&events[i]) {
				return i
			}
		}
		return -1
	}
	line := func(conn *sim.ConnInfo, dir sim.Dir, prefix string) func(*sim.Event) bool {
		return func(e *sim.Event) bool {
			return e.Kind == sim.KindLine && (conn == nil || e.Conn == conn) && e.Dir == dir && strings.HasPrefix(e.Text, prefix)
		}
	}
	var phone, submission, relay *sim.ConnInfo
	for _, e := range events {
		if e.Kind != sim.KindOpen {
			continue
		}
		switch c := e.Conn; {
		case c.Client == "beto-phone" && phone == nil:
			phone = c
		case c.Client == "ana-laptop" && c.Port == 587:
			submission = c
		case c.Client == "mail.ejemplo.com" && c.Server == "mail.otro.org" && c.Port == 25:
			relay = c
		}
	}
	if phone == nil || submission == nil || relay == nil {
		t.Fatalf("connections: phone %v, submission %v, relay %v; want all three", phone, submission, relay)
	}
	if i := find(0, line(submission, sim.C2S, "AUTH PLAIN ")); i < 0 {
		t.Error("Ana's laptop does not authenticate on port 587")
	}
	if i := find(0, line(relay, sim.C2S, "AUTH")); i >= 0 {
		t.Errorf("the relay authenticates on port 25: %q", events[i].Text)
	}
	dns := find(0, func(e *sim.Event) bool { return e.Kind == sim.KindDNS && e.DNS.Name == "otro.org" })
	open := find(0, func(e *sim.Event) bool { return e.Kind == sim.KindOpen && e.Conn == relay })
	if dns < 0 || open < dns {
		t.Errorf("MX lookup at %d, relay connection at %d: want the lookup first", dns, open)
	}
	// The phone is told of each change before the change is acknowledged
	// to whoever made it.
	for _, c := range []struct {
		push  string
		ackBy *sim.ConnInfo
		ack   string
	}{
		{"* 1 EXISTS", relay, "250 2.0.0 Ok: queued as"},
		{"* 1 FETCH (UID 1 FLAGS (\\Seen))", nil, "T5 OK"},
		{"* 1 EXPUNGE", nil, "T7 OK"},
	} {
		push := find(0, line(phone, sim.S2C, c.push))
		if push < 0 {
			t.Errorf("the idling phone never receives %q", c.push)
			continue
		}
		ack := find(open, func(e *sim.Event) bool {
			return e.Kind == sim.KindLine && e.Dir == sim.S2C && e.Conn != phone && (c.ackBy == nil || e.Conn == c.ackBy) && strings.HasPrefix(e.Text, c.ack)
		})
		if ack < push {
			t.Errorf("%q at %d, acknowledgement %q at %d: want the push first", c.push, push, c.ack, ack)
		}
	}
	// The laptop's view ends with the message moved out of INBOX.
	end := w.Trace.StateAt(w.Trace.Steps() + 1)
	beto := end.Accounts["beto@otro.org"]
	if n := len(beto.Mailboxes["INBOX"].Messages); n != 0 {
		t.Errorf("INBOX holds %d messages at the end, want 0", n)
	}
	moved := beto.Mailboxes["Amigos"].Messages
	if len(moved) != 1 || !reflect.DeepEqual(moved[0].Flags, []string{`\Seen`}) || moved[0].Info.Subject != "¿Cenamos el viernes?" {
		t.Errorf("Amigos holds %+v, want the message, \\Seen", moved)
	}
}

// TestStateFromTrace checks that the state rebuilt from the trace at the
// end is the state the servers and devices really hold, and that the
// state at each step boundary is what the step before left.
func TestStateFromTrace(t *testing.T) {
	w := runBuiltin(t, "tour")
	fromTrace := w.Trace.StateAt(w.Trace.Steps() + 1)
	if got, want := fromTrace, w.State(); !got.Equal(want) {
		t.Errorf("state rebuilt from the trace differs from the world's:\n got %s\nwant %s", dump(got), dump(want))
	}
	// Before step 3 (the relay) the message waits in mail.ejemplo.com's
	// queue and Beto's INBOX is empty; before step 4 it is in the INBOX.
	before3 := w.Trace.StateAt(3)
	if q := before3.Queues["mail.ejemplo.com"]; len(q) != 1 || q[0].Info.RcptTo[0] != "beto@otro.org" {
		t.Errorf("queue of mail.ejemplo.com before step 3 = %+v, want the message to beto", q)
	}
	if n := len(before3.Accounts["beto@otro.org"].Mailboxes["INBOX"].Messages); n != 0 {
		t.Errorf("Beto's INBOX before step 3 holds %d messages, want 0", n)
	}
	before4 := w.Trace.StateAt(4)
	if len(before4.Queues) != 0 || len(before4.Accounts["beto@otro.org"].Mailboxes["INBOX"].Messages) != 1 {
		t.Errorf("before step 4: queues %v, INBOX %v; want empty queues and one message", before4.Queues, before4.Accounts["beto@otro.org"].Mailboxes["INBOX"].Messages)
	}
	if d := before4.Devices["beto-laptop"]; d != nil {
		t.Errorf("Beto's laptop holds %+v before it connects", d.Items)
	}
	before5 := w.Trace.StateAt(5)
	if d := before5.Devices["beto-laptop"]; d == nil || len(d.Items) != 1 || !d.Items[0].Partial {
		t.Errorf("before step 5 the laptop holds %+v, want the header of one message", d)
	}
}

func dump(s *sim.State) string {
	var b strings.Builder
	for _, a := range s.AccountNames() {
		acct := s.Accounts[a]
		for _, m := range acct.MailboxNames() {
			b.WriteString("\n  " + a + " " + m + ":")
			for _, msg := range acct.Mailboxes[m].Messages {
				b.WriteString(" " + msg.Info.Subject + "/" + strings.Join(msg.Flags, ","))
			}
		}
	}
	for h, q := range s.Queues {
		b.WriteString("\n  queue " + h + ":")
		for _, e := range q {
			b.WriteString(" " + e.ID)
		}
	}
	for _, d := range s.DeviceNames() {
		b.WriteString("\n  device " + d + ":")
		for _, it := range s.Devices[d].Items {
			b.WriteString(" " + it.Key + "/" + strings.Join(it.Flags, ","))
		}
	}
	return b.String()
}
