package world_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// followWorld is Beto's account with three messages in INBOX and one in
// Viajes, read with IMAP on his laptop and his phone.
const followWorld = `
id: follow
title: {es: Seguir, en: Follow}
world:
  domains:
    - name: ejemplo.com
      server: mail.ejemplo.com
      ip: 192.0.2.10
      accounts:
        - {user: ana, password: manzana}
    - name: otro.org
      server: mail.otro.org
      ip: 198.51.100.20
      accounts:
        - user: beto
          password: naranja
          mail:
            - {from: ana@ejemplo.com, subject: "uno", text: "1"}
            - {from: ana@ejemplo.com, subject: "dos", text: "2"}
            - {from: ana@ejemplo.com, subject: "tres", text: "3"}
            - {from: ana@ejemplo.com, subject: "viaje", text: "v", mailbox: Viajes}
  devices:
    - {id: ana-laptop, label: {es: ana-laptop, en: ana-laptop}, kind: laptop, account: ana@ejemplo.com, reads: imap}
    - {id: beto-laptop, label: {es: beto-laptop, en: beto-laptop}, kind: laptop, account: beto@otro.org, reads: imap}
    - {id: beto-phone, label: {es: beto-phone, en: beto-phone}, kind: phone, account: beto@otro.org, reads: imap}
steps:
  - say: {es: x, en: x}
`

func newFollowWorld(t *testing.T) *world.World {
	t.Helper()
	s, err := lessons.Parse("follow.yaml", []byte(followWorld))
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.New(s.World, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// imapDo runs IMAP actions, failing the test on an error.
func imapDo(t *testing.T, w *world.World, actions ...world.IMAPAction) {
	t.Helper()
	for _, a := range actions {
		if err := w.Do(&world.Action{IMAP: &a}); err != nil {
			t.Fatalf("%s %s: %v", a.Device, a.Op, err)
		}
	}
}

// held returns a device's copy as "mailbox/uid flags" lines.
func held(w *world.World, device string) string {
	var l []string
	if d := w.State().Devices[device]; d != nil {
		for _, it := range d.Items {
			l = append(l, fmt.Sprintf("%s/%d %v", it.Mailbox, it.UID, it.Flags))
		}
	}
	slices.Sort(l)
	return strings.Join(l, ", ")
}

// linesOf returns the lines a device's IMAP connections carried after event
// from, as C: and S: lines.
func linesOf(w *world.World, device string, from int) []string {
	var l []string
	for _, e := range w.Trace.Since(from) {
		if e.Kind == sim.KindLine && e.Conn.Client == device && e.Conn.Proto == sim.IMAP {
			l = append(l, map[sim.Dir]string{sim.C2S: "C: ", sim.S2C: "S: "}[e.Dir]+e.Text)
		}
	}
	return l
}

func phoneReadsAll(t *testing.T, w *world.World) {
	t.Helper()
	imapDo(t, w,
		world.IMAPAction{Device: "beto-phone", Op: "select", Mailbox: "INBOX"},
		world.IMAPAction{Device: "beto-phone", Op: "fetch", Seq: "1:*", Items: []string{"envelope"}},
	)
	if got, want := held(w, "beto-phone"), "INBOX/1 [], INBOX/2 [], INBOX/3 []"; got != want {
		t.Fatalf("phone holds %s, want %s", got, want)
	}
}

// TestDeviceFollowsIdle: while the phone idles, the laptop flags a message
// and expunges it; the phone's copy takes the flags the server pushes, then
// drops the message.
func TestDeviceFollowsIdle(t *testing.T) {
	w := newFollowWorld(t)
	phoneReadsAll(t, w)
	imapDo(t, w,
		world.IMAPAction{Device: "beto-phone", Op: "idle"},
		world.IMAPAction{Device: "beto-laptop", Op: "select", Mailbox: "INBOX"},
		world.IMAPAction{Device: "beto-laptop", Op: "store", UID: "2", Add: []string{`\Deleted`}},
	)
	if got, want := held(w, "beto-phone"), `INBOX/1 [], INBOX/2 [\Deleted], INBOX/3 []`; got != want {
		t.Errorf("after the laptop's STORE, the phone holds %s, want %s", got, want)
	}
	imapDo(t, w, world.IMAPAction{Device: "beto-laptop", Op: "expunge"})
	if got, want := held(w, "beto-phone"), "INBOX/1 [], INBOX/3 []"; got != want {
		t.Errorf("after the laptop's EXPUNGE, the phone holds %s, want %s", got, want)
	}
	// The numbers moved down: the phone's message 2 is now UID 3.
	imapDo(t, w,
		world.IMAPAction{Device: "beto-laptop", Op: "store", UID: "3", Add: []string{`\Deleted`}},
		world.IMAPAction{Device: "beto-laptop", Op: "expunge"},
	)
	if got, want := held(w, "beto-phone"), "INBOX/1 []"; got != want {
		t.Errorf("after the second EXPUNGE, the phone holds %s, want %s", got, want)
	}
}

// TestDeviceFollowsUnasked: the phone is not idling; the server tells it of
// another session's expunge in its reply to the next command (RFC 9051
// section 7.5.1).
func TestDeviceFollowsUnasked(t *testing.T) {
	w := newFollowWorld(t)
	phoneReadsAll(t, w)
	imapDo(t, w,
		world.IMAPAction{Device: "beto-laptop", Op: "select", Mailbox: "INBOX"},
		world.IMAPAction{Device: "beto-laptop", Op: "store", UID: "1", Add: []string{`\Deleted`}},
		world.IMAPAction{Device: "beto-laptop", Op: "expunge"},
	)
	if got, want := held(w, "beto-phone"), "INBOX/1 [], INBOX/2 [], INBOX/3 []"; got != want {
		t.Errorf("before it asks anything, the phone holds %s, want %s", got, want)
	}
	from := w.Trace.Len()
	imapDo(t, w, world.IMAPAction{Device: "beto-phone", Op: "list"})
	if got := linesOf(w, "beto-phone", from); !slices.Contains(got, "S: * 1 EXPUNGE") {
		t.Fatalf("the phone's LIST got %q, want a * 1 EXPUNGE among it", got)
	}
	if got, want := held(w, "beto-phone"), "INBOX/2 [], INBOX/3 []"; got != want {
		t.Errorf("after LIST, the phone holds %s, want %s", got, want)
	}
}

// TestDeviceResyncOnSelect: the phone comes back to a mailbox with fewer
// messages than it keeps: it asks which UIDs are left, and drops the rest;
// with none left it needs no question.
func TestDeviceResyncOnSelect(t *testing.T) {
	w := newFollowWorld(t)
	phoneReadsAll(t, w)
	imapDo(t, w,
		world.IMAPAction{Device: "beto-phone", Op: "logout"},
		world.IMAPAction{Device: "beto-laptop", Op: "select", Mailbox: "INBOX"},
		world.IMAPAction{Device: "beto-laptop", Op: "store", UID: "1,3", Add: []string{`\Deleted`}},
		world.IMAPAction{Device: "beto-laptop", Op: "expunge"},
	)
	from := w.Trace.Len()
	imapDo(t, w, world.IMAPAction{Device: "beto-phone", Op: "select", Mailbox: "INBOX"})
	if got := linesOf(w, "beto-phone", from); !slices.Contains(got, "C: T3 UID SEARCH ALL") || !slices.Contains(got, "S: * SEARCH 2") {
		t.Errorf("the phone's SELECT went %q, want UID SEARCH ALL answered * SEARCH 2", got)
	}
	if got, want := held(w, "beto-phone"), "INBOX/2 []"; got != want {
		t.Errorf("after SELECT, the phone holds %s, want %s", got, want)
	}

	imapDo(t, w,
		world.IMAPAction{Device: "beto-phone", Op: "logout"},
		world.IMAPAction{Device: "beto-laptop", Op: "store", UID: "2", Add: []string{`\Deleted`}},
		world.IMAPAction{Device: "beto-laptop", Op: "expunge"},
	)
	from = w.Trace.Len()
	imapDo(t, w, world.IMAPAction{Device: "beto-phone", Op: "select", Mailbox: "INBOX"})
	if got := linesOf(w, "beto-phone", from); slices.ContainsFunc(got, func(l string) bool { return strings.Contains(l, "UID SEARCH") }) {
		t.Errorf("the phone's SELECT of an empty INBOX went %q, want no SEARCH", got)
	}
	if got := held(w, "beto-phone"); got != "" {
		t.Errorf("after SELECT of an empty INBOX, the phone holds %s, want nothing", got)
	}
}

// TestDeviceResyncNewUIDValidity: Viajes is deleted and created again while
// the phone is away; it gets a new UIDVALIDITY, and the phone's copies of
// the old Viajes all go, though the count is the same.
func TestDeviceResyncNewUIDValidity(t *testing.T) {
	w := newFollowWorld(t)
	imapDo(t, w,
		world.IMAPAction{Device: "beto-phone", Op: "select", Mailbox: "Viajes"},
		world.IMAPAction{Device: "beto-phone", Op: "fetch", Seq: "1:*"},
		world.IMAPAction{Device: "beto-phone", Op: "logout"},
	)
	if got, want := held(w, "beto-phone"), "Viajes/1 []"; got != want {
		t.Fatalf("phone holds %s, want %s", got, want)
	}
	s := w.Store.NewSession(nil)
	if err := s.Login("beto@otro.org", "naranja"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("Viajes"); err != nil {
		t.Fatal(err)
	}
	if err := s.Create("Viajes", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Store.Deliver("beto@otro.org", "Viajes", []byte("Subject: otro\r\n\r\nx\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	imapDo(t, w, world.IMAPAction{Device: "beto-phone", Op: "select", Mailbox: "Viajes"})
	if got := held(w, "beto-phone"); got != "" {
		t.Errorf("after SELECT with a new UIDVALIDITY, the phone holds %s, want nothing", got)
	}
}

// TestDeviceDropsUnfetched: a FETCH of all messages, or of UIDs, that does
// not return a message the device keeps tells it the message has gone.
func TestDeviceDropsUnfetched(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fetch world.IMAPAction
		want  string
	}{
		{"UID FETCH 1:2", world.IMAPAction{Device: "beto-phone", Op: "fetch", UID: "1:2", Items: []string{"flags"}}, "INBOX/2 [], INBOX/3 []"},
		{"FETCH 1:*", world.IMAPAction{Device: "beto-phone", Op: "fetch", Seq: "1:*", Items: []string{"flags"}}, "INBOX/2 [], INBOX/3 [], INBOX/4 []"},
		{"FETCH 2", world.IMAPAction{Device: "beto-phone", Op: "fetch", Seq: "2", Items: []string{"flags"}}, "INBOX/1 [], INBOX/2 [], INBOX/3 []"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newFollowWorld(t)
			phoneReadsAll(t, w)
			imapDo(t, w,
				world.IMAPAction{Device: "beto-phone", Op: "logout"},
				world.IMAPAction{Device: "beto-laptop", Op: "select", Mailbox: "INBOX"},
				world.IMAPAction{Device: "beto-laptop", Op: "store", UID: "1", Add: []string{`\Deleted`}},
				world.IMAPAction{Device: "beto-laptop", Op: "expunge"},
			)
			// A new message keeps the count at 3, so SELECT has no reason
			// to ask.
			if _, err := w.Store.Deliver("beto@otro.org", "INBOX", []byte("Subject: cuatro\r\n\r\n4\r\n"), nil); err != nil {
				t.Fatal(err)
			}
			imapDo(t, w, world.IMAPAction{Device: "beto-phone", Op: "select", Mailbox: "INBOX"})
			if got, want := held(w, "beto-phone"), "INBOX/1 [], INBOX/2 [], INBOX/3 []"; got != want {
				t.Fatalf("after SELECT, the phone holds %s, want %s", got, want)
			}
			imapDo(t, w, tt.fetch)
			if got := held(w, "beto-phone"); got != tt.want {
				t.Errorf("afterwards the phone holds %s, want %s", got, tt.want)
			}
		})
	}
}

// TestDeviceFollowsUIDFetch: a message expunged by another session while
// the phone is selected is reported after the data of a UID FETCH (not of a
// FETCH, RFC 9051 section 7.5.1), and the phone drops it then.
func TestDeviceFollowsUIDFetch(t *testing.T) {
	w := newFollowWorld(t)
	phoneReadsAll(t, w)
	imapDo(t, w,
		world.IMAPAction{Device: "beto-laptop", Op: "select", Mailbox: "INBOX"},
		world.IMAPAction{Device: "beto-laptop", Op: "store", UID: "3", Add: []string{`\Deleted`}},
		world.IMAPAction{Device: "beto-laptop", Op: "expunge"},
		world.IMAPAction{Device: "beto-phone", Op: "fetch", Seq: "1:*", Items: []string{"flags"}},
	)
	if got, want := held(w, "beto-phone"), `INBOX/1 [], INBOX/2 [], INBOX/3 [\Deleted]`; got != want {
		t.Errorf("after FETCH 1:*, the phone holds %s, want %s", got, want)
	}
	imapDo(t, w, world.IMAPAction{Device: "beto-phone", Op: "fetch", UID: "1:*", Items: []string{"flags"}})
	if got, want := held(w, "beto-phone"), "INBOX/1 [], INBOX/2 []"; got != want {
		t.Errorf("after UID FETCH 1:*, the phone holds %s, want %s", got, want)
	}
}

// TestDeviceHeaderFetch: a fetch of the header alone names the subject and
// sender in the device's copy.
func TestDeviceHeaderFetch(t *testing.T) {
	w := newFollowWorld(t)
	imapDo(t, w,
		world.IMAPAction{Device: "beto-phone", Op: "select", Mailbox: "INBOX"},
		world.IMAPAction{Device: "beto-phone", Op: "fetch", UID: "2", Items: []string{"header"}},
	)
	d := w.State().Devices["beto-phone"]
	if d == nil || len(d.Items) != 1 {
		t.Fatalf("phone holds %v, want one message", d)
	}
	it := d.Items[0]
	if it.Info.Subject != "dos" || !strings.Contains(it.Info.From, "ana@ejemplo.com") || !it.Partial {
		t.Errorf("copy after a header fetch: subject %q, from %q, partial %v; want dos, ana@ejemplo.com, true", it.Info.Subject, it.Info.From, it.Partial)
	}
}

// TestDeviceFollowDeterministic runs the idle scenario twice: the device's
// changes land at the same place of the trace.
func TestDeviceFollowDeterministic(t *testing.T) {
	run := func() []byte {
		w := newFollowWorld(t)
		phoneReadsAll(t, w)
		imapDo(t, w,
			world.IMAPAction{Device: "beto-phone", Op: "idle"},
			world.IMAPAction{Device: "beto-laptop", Op: "select", Mailbox: "INBOX"},
			world.IMAPAction{Device: "beto-laptop", Op: "fetch", UID: "1", Items: []string{"body"}},
			world.IMAPAction{Device: "beto-laptop", Op: "store", UID: "2", Add: []string{`\Deleted`}},
			world.IMAPAction{Device: "beto-laptop", Op: "expunge"},
			world.IMAPAction{Device: "beto-phone", Op: "done"},
		)
		var b bytes.Buffer
		if err := sim.WriteText(&b, w.Trace.Events(), sim.EN); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	first := run()
	for range 3 {
		if got := run(); !bytes.Equal(got, first) {
			t.Fatalf("runs differ:\n%s\n---\n%s", first, got)
		}
	}
	if !bytes.Contains(first, []byte(`device-flags beto-phone beto@otro.org "INBOX" INBOX/1 (\Seen)`)) {
		t.Errorf("the phone's copy did not take \\Seen:\n%s", first)
	}
}
