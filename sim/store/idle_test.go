package store_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/store"
)

// idler is a client in IDLE on INBOX that records what the server pushes.
type idler struct {
	c    *imapclient.Client
	ev   *events
	conn *sim.ConnInfo
	idle *imapclient.IdleCommand
}

// startIdle logs in from the client host from, selects INBOX and starts
// IDLE. It returns once the server is certainly watching the mailbox for
// the idler.
//
// The server writes "+ idling" before it calls Session.Idle, so a change
// made the moment the client sees the continuation may come before the
// session watches the mailbox: the session then reports it as soon as it
// starts watching, but not before the change returns. To start from a
// known point, startIdle delivers a message and waits until the idler is
// told of it, which only the session's IDLE loop can do.
func startIdle(t *testing.T, e *env, from string) *idler {
	t.Helper()
	c, ev := handlerClient(t, e, from)
	idle, err := c.Idle()
	if err != nil {
		t.Fatalf("IDLE: %v", err)
	}
	n := len(e.acct.Messages(store.Inbox))
	e.deliver(t, "", mail("Sync <sync@otro.org>", fmt.Sprint("sync ", from), "sync"))
	if got, want := ev.next(t), fmt.Sprintf("EXISTS %d", n+1); got != want {
		t.Fatalf("idler %s was told %q, want %q", from, got, want)
	}
	return &idler{c: c, ev: ev, conn: e.conn(t, from), idle: idle}
}

// done ends IDLE.
func (d *idler) done(t *testing.T) {
	t.Helper()
	if err := d.idle.Close(); err != nil {
		t.Errorf("IDLE Close: %v", err)
	}
	if err := d.idle.Wait(); err != nil {
		t.Errorf("IDLE Wait: %v", err)
	}
}

// TestIdlePush checks that a client in IDLE is told of every change to its
// mailbox, and that it is told before the change is acknowledged to
// whoever made it: the pushed line is in the trace before the change
// returns, and before the tagged completion of the command that made it.
func TestIdlePush(t *testing.T) {
	e := newEnv(t)
	e.create(t, "Archive")
	e.deliver(t, "Archive", mail("Ana <ana@uno.org>", "Archivado", "x"))
	b := startIdle(t, e, "phone") // INBOX: 1 message (UID 1)
	a, _ := e.selectBox(t, "laptop", store.Inbox, nil)
	aConn := e.conn(t, "laptop")
	appendRaw := mail("Beto <beto@otro.org>", "Nota", "x")

	tests := []struct {
		name string
		do   func() error
		cmd  string // the command whose completion must follow the push; "" for a store call
		op   sim.Op // the change published before the push
		line string // the push on B's connection
		want string // what B's client reports
	}{
		{"Deliver", func() error {
			_, err := e.st.Deliver(beto, "", mail("Ana <ana@uno.org>", "Hola", "x"), nil)
			return err
		},
			"", sim.OpAppend, "* 2 EXISTS", "EXISTS 2"},
		{"STORE +FLAGS (\\Seen)", func() error {
			if err := a.Noop().Wait(); err != nil { // learn of UID 2
				return err
			}
			_, err := a.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}}, nil).Collect()
			return err
		}, "UID STORE 2", sim.OpFlags, `* 2 FETCH (UID 2 FLAGS (\Seen))`, `FETCH 2 UID 2 FLAGS (\Seen)`},
		{"FETCH BODY[]", func() error {
			_, err := a.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect()
			return err
		}, "FETCH 1 (BODY[])", sim.OpFlags, `* 1 FETCH (UID 1 FLAGS (\Seen))`, `FETCH 1 UID 1 FLAGS (\Seen)`},
		{"STORE -FLAGS.SILENT", func() error {
			_, err := a.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Collect()
			return err
		}, "STORE 1 -FLAGS.SILENT", sim.OpFlags, `* 1 FETCH (UID 1 FLAGS ())`, `FETCH 1 UID 1 FLAGS ()`},
		{"MOVE", func() error { _, err := a.Move(imap.UIDSetNum(2), "Archive").Wait(); return err },
			"UID MOVE 2", sim.OpExpunge, "* 2 EXPUNGE", "EXPUNGE 2"},
		{"COPY into INBOX", func() error {
			if _, err := a.Select("Archive", nil).Wait(); err != nil {
				return err
			}
			_, err := a.Copy(imap.UIDSetNum(1), store.Inbox).Wait()
			return err
		}, "UID COPY 1 INBOX", sim.OpAppend, "* 2 EXISTS", "EXISTS 2"},
		{"APPEND", func() error {
			cmd := a.Append(store.Inbox, int64(len(appendRaw)), nil)
			cmd.Write(appendRaw)
			cmd.Close()
			_, err := cmd.Wait()
			return err
		}, "APPEND INBOX", sim.OpAppend, "* 3 EXISTS", "EXISTS 3"},
		{"EXPUNGE", func() error {
			if _, err := a.Select(store.Inbox, nil).Wait(); err != nil {
				return err
			}
			if _, err := a.Store(imap.SeqSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect(); err != nil {
				return err
			}
			if got := b.ev.next(t); got != `FETCH 2 UID 3 FLAGS (\Deleted)` {
				return fmt.Errorf("B was told %q of the \\Deleted flag", got)
			}
			_, err := a.Expunge().Collect()
			return err
		}, "EXPUNGE", sim.OpExpunge, "* 2 EXPUNGE", "EXPUNGE 2"},
		{"ExpungeUIDs", func() error { e.acct.ExpungeUIDs(store.Inbox, []uint32{1}); return nil },
			"", sim.OpExpunge, "* 1 EXPUNGE", "EXPUNGE 1"},
	}
	for _, tt := range tests {
		from := e.trace.Len()
		if err := tt.do(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		// Right after the change returns, without waiting for anything.
		events := e.trace.Since(from)
		push := lineIndex(events, b.conn, sim.S2C, is(tt.line))
		if push < 0 {
			t.Errorf("%s returned before %q was written to the idler; trace since:\n%s", tt.name, tt.line, lines(events))
		} else {
			change := slices.IndexFunc(events, func(ev sim.Event) bool { return ev.Kind == sim.KindStore && ev.Change.Op == tt.op })
			if change < 0 || change > push {
				t.Errorf("%s: the %s change (at %d) was not published before the push (at %d)", tt.name, tt.op, change, push)
			}
			if tt.cmd != "" {
				if done, text := tagged(t, events, aConn, tt.cmd); done < push {
					t.Errorf("%s: %q (at %d) came before the push to the idler (at %d)", tt.name, text, done, push)
				}
			}
		}
		if got := b.ev.next(t); got != tt.want {
			t.Errorf("%s: idler was told %q, want %q", tt.name, got, tt.want)
		}
	}
	b.done(t)
	b.ev.none(t)
	if n := b.c.Mailbox().NumMessages; n != 1 {
		t.Errorf("idler counts %d messages, want 1", n)
	}
}

// lines formats the line events for a failure message.
func lines(events []sim.Event) string {
	var b strings.Builder
	for _, ev := range events {
		if ev.Kind == sim.KindLine {
			fmt.Fprintf(&b, "  %s %s %s\n", ev.Conn.Label(), ev.Dir, ev.Text)
		}
	}
	return b.String()
}

// TestIdleTwoIdlers checks that every idler is told before a change returns,
// and that an idler on another mailbox is not involved.
func TestIdleTwoIdlers(t *testing.T) {
	e := newEnv(t)
	e.create(t, "Archive")
	b := startIdle(t, e, "phone")
	c := startIdle(t, e, "tablet")
	// B saw its sync message and then C's; C only its own.
	if got := b.ev.next(t); got != "EXISTS 2" {
		t.Errorf("B was told %q of C's sync message, want EXISTS 2", got)
	}

	from := e.trace.Len()
	e.deliver(t, "", mail("a@b.c", "para todos", "x"))
	events := e.trace.Since(from)
	for _, d := range []*idler{b, c} {
		if lineIndex(events, d.conn, sim.S2C, is("* 3 EXISTS")) < 0 {
			t.Errorf("Deliver returned before %s was told * 3 EXISTS; trace since:\n%s", d.conn.Client, lines(events))
		}
		if got := d.ev.next(t); got != "EXISTS 3" {
			t.Errorf("%s was told %q, want EXISTS 3", d.conn.Client, got)
		}
	}

	// A change to another mailbox writes nothing to them.
	from = e.trace.Len()
	e.deliver(t, "Archive", mail("a@b.c", "archivado", "x"))
	if got := lines(e.trace.Since(from)); got != "" {
		t.Errorf("Deliver to Archive wrote to the idlers on INBOX:\n%s", got)
	}
	b.done(t)
	c.done(t)
	b.ev.none(t)
	c.ev.none(t)
}

// TestIdleAfterDone checks that once IDLE is over, changes neither wait for
// the session nor are written to it until its next command.
func TestIdleAfterDone(t *testing.T) {
	e := newEnv(t)
	b := startIdle(t, e, "phone")
	b.done(t)
	from := e.trace.Len()
	within(t, "Deliver after DONE", func() {
		if _, err := e.st.Deliver(beto, "", mail("a@b.c", "tarde", "x"), nil); err != nil {
			t.Error(err)
		}
	})
	if got := lines(e.trace.Since(from)); got != "" {
		t.Errorf("Deliver after DONE wrote:\n%s", got)
	}
	if err := b.c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if got := b.ev.next(t); got != "EXISTS 2" {
		t.Errorf("after DONE and NOOP the client was told %q, want EXISTS 2", got)
	}
	// IDLE again, and a change is pushed again.
	idle, err := b.c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	e.deliver(t, "", mail("a@b.c", "otra", "x"))
	if got := b.ev.next(t); got != "EXISTS 3" {
		t.Errorf("in the second IDLE the client was told %q, want EXISTS 3", got)
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestNoIdlers checks that changes do not wait when nobody idles: with no
// session at all, with a session that has the mailbox selected, and with a
// session in IDLE with no mailbox selected.
func TestNoIdlers(t *testing.T) {
	e := newEnv(t)
	within(t, "Deliver with no session", func() {
		if _, err := e.st.Deliver(beto, "", mail("a@b.c", "1", "x"), nil); err != nil {
			t.Error(err)
		}
	})

	b, ev := handlerClient(t, e, "phone")
	from := e.trace.Len()
	within(t, "Deliver with a session selected", func() {
		if _, err := e.st.Deliver(beto, "", mail("a@b.c", "2", "x"), nil); err != nil {
			t.Error(err)
		}
	})
	if got := lines(e.trace.Since(from)); got != "" {
		t.Errorf("Deliver wrote to a session that does not idle:\n%s", got)
	}
	if err := b.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if got := ev.next(t); got != "EXISTS 2" {
		t.Errorf("NOOP told %q, want EXISTS 2", got)
	}

	c := e.login(t, "tablet", nil)
	idle, err := c.Idle()
	if err != nil {
		t.Fatalf("IDLE with no mailbox selected: %v", err)
	}
	within(t, "Deliver with a session idling unselected", func() {
		if _, err := e.st.Deliver(beto, "", mail("a@b.c", "3", "x"), nil); err != nil {
			t.Error(err)
		}
	})
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Errorf("DONE of IDLE with no mailbox selected = %v", err)
	}
}

// TestIdleConnectionDropped checks that a client that goes away in IDLE,
// without DONE, holds no change up.
func TestIdleConnectionDropped(t *testing.T) {
	e := newEnv(t)
	b := startIdle(t, e, "phone")
	b.c.Close()
	within(t, "Deliver after the idler went away", func() {
		for i := range 3 {
			if _, err := e.st.Deliver(beto, "", mail("a@b.c", fmt.Sprint(i), "x"), nil); err != nil {
				t.Error(err)
			}
		}
	})
	if got := len(e.acct.Messages(store.Inbox)); got != 4 {
		t.Errorf("INBOX has %d messages, want 4", got)
	}
}

// TestIdleDoneRace ends IDLE while changes happen, many times, to show that
// neither side waits for the other forever and that no change is lost.
func TestIdleDoneRace(t *testing.T) {
	e := newEnv(t)
	e.create(t, "Archive")
	b := startIdle(t, e, "phone") // INBOX: 1 message
	b.done(t)
	a, _ := e.selectBox(t, "laptop", store.Inbox, nil)

	const rounds = 300
	changes := []struct {
		name string
		do   func(i int) error
		want func(i int) string // what B is told
	}{
		{"Deliver", func(i int) error {
			_, err := e.st.Deliver(beto, "", mail("a@b.c", fmt.Sprint(i), "x"), nil)
			return err
		}, func(i int) string { return "EXISTS 2" }},
		{"STORE", func(i int) error {
			flag := imap.FlagSeen
			if i%2 == 1 {
				flag = imap.FlagFlagged
			}
			_, err := a.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsSet, Flags: []imap.Flag{flag}}, nil).Collect()
			return err
		}, func(i int) string {
			if i%2 == 1 {
				return `FETCH 1 UID 1 FLAGS (\Flagged)`
			}
			return `FETCH 1 UID 1 FLAGS (\Seen)`
		}},
		{"MOVE", func(i int) error {
			if err := a.Noop().Wait(); err != nil { // learn of the delivery
				return err
			}
			_, err := a.Move(imap.SeqSetNum(2), "Archive").Wait()
			return err
		}, func(i int) string { return "EXPUNGE 2" }},
	}
	for i := range rounds {
		for _, ch := range changes {
			idle, err := b.c.Idle()
			if err != nil {
				t.Fatalf("round %d, %s: IDLE: %v", i, ch.name, err)
			}
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				if err := ch.do(i); err != nil {
					t.Errorf("round %d: %s: %v", i, ch.name, err)
				}
			}()
			go func() {
				defer wg.Done()
				if err := idle.Close(); err != nil {
					t.Errorf("round %d, %s: IDLE Close: %v", i, ch.name, err)
				}
				if err := idle.Wait(); err != nil {
					t.Errorf("round %d, %s: IDLE Wait: %v", i, ch.name, err)
				}
			}()
			within(t, fmt.Sprintf("round %d: %s racing DONE", i, ch.name), wg.Wait)
			// Whether it came in IDLE or now, B is told exactly once.
			if err := b.c.Noop().Wait(); err != nil {
				t.Fatalf("round %d, %s: NOOP: %v", i, ch.name, err)
			}
			if got, want := b.ev.next(t), ch.want(i); got != want {
				t.Fatalf("round %d, %s: B was told %q, want %q", i, ch.name, got, want)
			}
			b.ev.none(t)
			if t.Failed() {
				return
			}
		}
	}
	if got := len(e.acct.Messages("Archive")); got != rounds {
		t.Errorf("Archive has %d messages, want %d", got, rounds)
	}
}
