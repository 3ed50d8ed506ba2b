package world_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// TestPOP3Tells checks the story of the scenario: the laptop's IMAP view
// loses the messages at the phone's QUIT (after the QUIT line, before its
// +OK), never at DELE, and a session dropped after DELE deletes nothing.
func TestPOP3Tells(t *testing.T) {
	w := runBuiltin(t, "pop3-imap")
	events := w.Trace.Events()
	var laptop *sim.ConnInfo
	var phone []*sim.ConnInfo
	for _, e := range events {
		if e.Kind != sim.KindOpen {
			continue
		}
		switch {
		case e.Conn.Client == "beto-laptop" && e.Conn.Port == world.PortIMAP:
			laptop = e.Conn
		case e.Conn.Client == "beto-phone":
			if e.Conn.Port != world.PortPOP3 || e.Conn.Proto != sim.POP3 {
				t.Errorf("the phone connects to port %d with %s, want POP3 on 110", e.Conn.Port, e.Conn.Proto)
			}
			phone = append(phone, e.Conn)
		}
	}
	if laptop == nil || len(phone) != 3 {
		t.Fatalf("laptop %v, phone sessions %d; want the laptop and three phone sessions", laptop, len(phone))
	}
	isLine := func(e *sim.Event, c *sim.ConnInfo, dir sim.Dir, prefix string) bool {
		return e.Kind == sim.KindLine && e.Conn == c && e.Dir == dir && strings.HasPrefix(e.Text, prefix)
	}
	expunges := func(from, to int) []string {
		var l []string
		for i := from; i < to; i++ {
			if isLine(&events[i], laptop, sim.S2C, "* ") && strings.HasSuffix(events[i].Text, " EXPUNGE") {
				l = append(l, events[i].Text)
			}
		}
		return l
	}
	for i, c := range phone {
		firstDele, quit, final, closed := -1, -1, -1, -1
		for j := range events {
			e := &events[j]
			switch {
			case firstDele < 0 && isLine(e, c, sim.C2S, "DELE "):
				firstDele = j
			case isLine(e, c, sim.C2S, "QUIT"):
				quit = j
			case quit >= 0 && isLine(e, c, sim.S2C, "+OK mail.otro.org POP3 server signing off"):
				final = j
			case e.Kind == sim.KindClose && e.Conn == c:
				closed = j
			}
		}
		if firstDele < 0 || closed < 0 {
			t.Fatalf("phone session %d: DELE at %d, closed at %d", i+1, firstDele, closed)
		}
		if i == 1 { // the dropped session
			if quit >= 0 {
				t.Errorf("the dropped session sent QUIT")
			}
			if l := expunges(firstDele, closed+1); len(l) != 0 {
				t.Errorf("the dropped session made the laptop see %q", l)
			}
			continue
		}
		if quit < 0 || final < 0 {
			t.Fatalf("phone session %d: QUIT at %d, final +OK at %d", i+1, quit, final)
		}
		if l := expunges(firstDele, quit); len(l) != 0 {
			t.Errorf("phone session %d: %q between DELE and QUIT", i+1, l)
		}
		want := []string{"* 2 EXPUNGE", "* 1 EXPUNGE"}
		if i == 2 {
			want = want[1:]
		}
		if got := expunges(quit, final); !reflect.DeepEqual(got, want) {
			t.Errorf("phone session %d: between QUIT and its +OK the laptop gets %q, want %q", i+1, got, want)
		}
	}
	// Before the last step the INBOX is empty and the phone holds the three
	// messages, whole.
	end := w.Trace.StateAt(w.Trace.Steps())
	if n := len(end.Accounts["beto@otro.org"].Mailboxes["INBOX"].Messages); n != 0 {
		t.Errorf("the INBOX holds %d messages at the end, want none", n)
	}
	d := end.Devices["beto-phone"]
	if d == nil || len(d.Items) != 3 {
		t.Fatalf("the phone holds %+v, want three messages", d)
	}
	for _, it := range d.Items {
		if it.Partial || it.Info.Size == 0 || it.Key == "" {
			t.Errorf("phone item %+v: want a whole message keyed by its UIDL", it)
		}
	}
	// After the dropped session the third message is on both sides.
	before7 := w.Trace.StateAt(7)
	if n := len(before7.Accounts["beto@otro.org"].Mailboxes["INBOX"].Messages); n != 1 {
		t.Errorf("after the dropped session the INBOX holds %d messages, want 1", n)
	}
	if n := len(before7.Devices["beto-phone"].Items); n != 3 {
		t.Errorf("after the dropped session the phone holds %d messages, want 3", n)
	}
}

// TestPOP3StateFromTrace checks that the state rebuilt from the trace is
// the one the servers and devices hold.
func TestPOP3StateFromTrace(t *testing.T) {
	w := runBuiltin(t, "pop3-imap")
	fromTrace := w.Trace.StateAt(w.Trace.Steps() + 1)
	if got, want := fromTrace, w.State(); !got.Equal(want) {
		t.Errorf("state rebuilt from the trace differs from the world's:\n got %s\nwant %s", dump(got), dump(want))
	}
}

// TestPOP3Modes runs a phone in each POP3 mode through one script: preview,
// leave a copy with keep_days, and an action on a device that reads IMAP.
func TestPOP3Modes(t *testing.T) {
	spec := world.DefaultSpec()
	spec.Devices[2].Reads = world.ReadsPOP3Keep
	spec.Devices[2].KeepDays = 2
	send := func(subject string) world.Action {
		return world.Action{Send: &world.Send{Device: "ana-laptop", To: []string{"beto@otro.org"}, Subject: subject}}
	}
	pop := func(op string) world.Action {
		return world.Action{POP3: &world.POP3Action{Device: "beto-phone", Op: op}}
	}
	say := sim.Text{ES: "paso", EN: "step"}
	s := &world.Script{ID: "modes", Title: say, World: spec, Steps: []world.Step{
		{Say: say, Do: []world.Action{send("uno"), {Relay: &world.Relay{Server: "mail.ejemplo.com"}}}},
		{Say: say, Do: []world.Action{pop("preview")}},
		{Say: say, Do: []world.Action{pop("check")}},
		{Say: say, Do: []world.Action{{Wait: &world.Wait{For: world.Duration("49h")}}, pop("check")}},
	}}
	w, err := world.Run(s, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inbox := func(step int) int {
		return len(w.Trace.StateAt(step).Accounts["beto@otro.org"].Mailboxes["INBOX"].Messages)
	}
	phone := func(step int) []sim.DeviceItem {
		if d := w.Trace.StateAt(step).Devices["beto-phone"]; d != nil {
			return d.Items
		}
		return nil
	}
	if p := phone(3); len(p) != 1 || !p[0].Partial || inbox(3) != 1 {
		t.Errorf("after preview: phone %+v, INBOX %d; want a header and the message on the server", p, inbox(3))
	}
	if p := phone(4); len(p) != 1 || p[0].Partial || inbox(4) != 1 {
		t.Errorf("after check: phone %+v, INBOX %d; want the whole message and a copy on the server", p, inbox(4))
	}
	if p := phone(5); len(p) != 1 || inbox(5) != 0 {
		t.Errorf("two days later: phone %+v, INBOX %d; want the message on the phone only", p, inbox(5))
	}
	if got, want := w.Trace.StateAt(5), w.State(); !got.Equal(want) {
		t.Errorf("state rebuilt from the trace differs from the world's:\n got %s\nwant %s", dump(got), dump(want))
	}
}

func TestPOP3Check(t *testing.T) {
	spec := world.DefaultSpec()
	spec.Devices[1].KeepDays = 3
	spec.Devices[2].Reads = "pop4"
	say := sim.Text{ES: "paso", EN: "step"}
	s := &world.Script{ID: "bad", Title: say, World: spec, Steps: []world.Step{{Say: say, Do: []world.Action{
		{POP3: &world.POP3Action{Device: "beto-laptop", Op: "check"}},
		{POP3: &world.POP3Action{Device: "nadie", Op: "check"}},
		{POP3: &world.POP3Action{Device: "beto-phone", Op: "fetch"}},
	}}}}
	var problems world.Problems
	if err := world.Check(s); !errors.As(err, &problems) {
		t.Fatalf("Check = %v, want Problems", err)
	}
	want := []string{
		`$.world.devices[1].keep_days: keep_days needs reads: pop3-keep (a copy left on the server)`,
		`$.world.devices[2].reads: reads "pop4" is not imap, pop3 or pop3-keep`,
		`$.steps[0].do[0].pop3.device: device beto-laptop reads mail with imap; a pop3 action needs a device that reads with pop3 or pop3-keep`,
		`$.steps[0].do[1].pop3.device: there is no device "nadie"`,
		`$.steps[0].do[2].pop3.device: device beto-phone reads mail with pop4; a pop3 action needs a device that reads with pop3 or pop3-keep`,
		`$.steps[0].do[2].pop3.op: op "fetch" is not one of check, preview, drop`,
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Check problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
