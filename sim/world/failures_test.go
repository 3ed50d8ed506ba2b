package world_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/message"
	"github.com/mailscope/mailscope/sim/store"
	"github.com/mailscope/mailscope/sim/world"
)

func intp(n int) *int { return &n }

// TestServerActionChecked reports every mistake in a server action at its
// path.
func TestServerActionChecked(t *testing.T) {
	for _, tt := range []struct {
		a    world.ServerAction
		path string
		msg  string
	}{
		{world.ServerAction{Name: "mail.otro.org", State: "down"}, "", ""},
		{world.ServerAction{Name: "mail.otro.org", Fail: intp(2), Reply: 421}, "", ""},
		{world.ServerAction{Name: "mail.otro.org", Fail: intp(0)}, "", ""},
		{world.ServerAction{Name: "mail.otro.org", Cert: "self-signed"}, "", ""},
		{world.ServerAction{Name: "mail.nada.org", State: "down"}, ".name", `there is no server "mail.nada.org"`},
		{world.ServerAction{Name: "mail.otro.org"}, "", "a server action needs state, fail or cert"},
		{world.ServerAction{Name: "mail.otro.org", State: "off"}, ".state", `state "off" is not one of down, up`},
		{world.ServerAction{Name: "mail.otro.org", Fail: intp(-1)}, ".fail", "fail is a number of attempts from 0 to 1000"},
		{world.ServerAction{Name: "mail.otro.org", Fail: intp(1001)}, ".fail", "fail is a number of attempts from 0 to 1000"},
		{world.ServerAction{Name: "mail.otro.org", Fail: intp(1), Reply: 554}, ".reply", "reply 554 is not 451 or 421"},
		{world.ServerAction{Name: "mail.otro.org", State: "up", Reply: 451}, ".reply", "reply says how the server fails: it needs fail"},
		{world.ServerAction{Name: "mail.otro.org", Cert: "expired"}, ".cert", `cert "expired" is not one of valid, self-signed, wrong-name`},
	} {
		a := tt.a
		s := &world.Script{ID: "x", Title: sim.Text{ES: "x", EN: "x"}, Steps: []world.Step{{Say: sim.Text{ES: "x", EN: "x"}, Do: []world.Action{{Server: &a}}}}}
		err := world.Check(s)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("Check(%+v) = %v, want nil", a, err)
			}
			continue
		}
		want := world.Problem{Path: "$.steps[0].do[0].server" + tt.path, Msg: tt.msg}
		ps, _ := err.(world.Problems)
		if !slices.ContainsFunc(ps, func(p world.Problem) bool { return p.Error() == want.Error() }) {
			t.Errorf("Check(%+v) = %v, want %v", a, err, want)
		}
	}
}

func runScenario(t *testing.T, id string) *world.World {
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

// TestRetryDSN parses back the notifications the retry scenario puts in
// Ana's INBOX: a multipart/report with the delivery-status fields of RFC
// 3464, the returned header, sent with the null sender.
func TestRetryDSN(t *testing.T) {
	w := runScenario(t, "retry")
	a := w.Store.Account("ana@ejemplo.com")
	msgs := a.Messages(store.Inbox)
	if len(msgs) != 2 {
		t.Fatalf("Ana's INBOX holds %d messages, want 2 notifications", len(msgs))
	}
	for i, want := range []struct {
		action, until string
	}{
		{message.ActionDelayed, "Sat, 07 Mar 2026 10:30"},
		{message.ActionFailed, ""},
	} {
		raw := a.Raw(store.Inbox, msgs[i].UID)
		if !bytes.HasPrefix(raw, []byte("Return-Path: <>\r\n")) {
			t.Errorf("notification %d does not start with Return-Path: <>", i)
		}
		if !bytes.Contains(raw, []byte("Content-Type: multipart/report; report-type=delivery-status;")) {
			t.Errorf("notification %d is not a multipart/report", i)
		}
		d, err := message.ParseDSN(raw)
		if err != nil {
			t.Fatalf("notification %d: %v", i, err)
		}
		if d.ReportingMTA != "mail.ejemplo.com" || d.To != "ana@ejemplo.com" || !strings.HasPrefix(d.From, "MAILER-DAEMON@") {
			t.Errorf("notification %d: reporting MTA %q, from %q, to %q", i, d.ReportingMTA, d.From, d.To)
		}
		if len(d.Recipients) != 1 {
			t.Fatalf("notification %d: recipients %+v, want beto@otro.org", i, d.Recipients)
		}
		r := d.Recipients[0]
		if r.Address != "beto@otro.org" || r.Action != want.action || r.Status != "4.3.0" ||
			!strings.HasPrefix(r.DiagnosticCode, "451 4.3.0") || r.RemoteMTA != "mail.otro.org" {
			t.Errorf("notification %d: recipient %+v, want beto@otro.org %s 4.3.0 with the 451 from mail.otro.org", i, r, want.action)
		}
		if until := r.WillRetryUntil; (want.until == "") != until.IsZero() || (want.until != "" && !strings.HasPrefix(until.Format("Mon, 02 Jan 2006 15:04:05 -0700"), want.until)) {
			t.Errorf("notification %d: Will-Retry-Until %v, want %q (5 days after the message arrived)", i, until, want.until)
		}
		if got := message.Info(d.Original).Subject; got != "Factura de marzo" {
			t.Errorf("notification %d returns the header of %q, want Factura de marzo", i, got)
		}
	}
}

// TestWaitRunsRetriesInTimeOrder has two servers with retries due at
// interleaved times: a wait makes them in the order of their times.
func TestWaitRunsRetriesInTimeOrder(t *testing.T) {
	send := func(dev, to string) world.Action {
		return world.Action{Send: &world.Send{Device: dev, To: []string{to}, Subject: "hola"}}
	}
	say := sim.Text{ES: "paso", EN: "step"}
	s := &world.Script{ID: "order", Title: say, Steps: []world.Step{
		{Say: say, Do: []world.Action{
			{Server: &world.ServerAction{Name: "mail.ejemplo.com", Fail: intp(1000), Reply: 421}},
			{Server: &world.ServerAction{Name: "mail.otro.org", Fail: intp(1000)}},
			send("ana-laptop", "beto@otro.org"),
			send("beto-laptop", "ana@ejemplo.com"),
			{Relay: &world.Relay{Server: "mail.ejemplo.com"}},
			{Wait: &world.Wait{For: "10m"}},
			{Relay: &world.Relay{Server: "mail.otro.org"}},
		}},
		{Say: say, Do: []world.Action{{Wait: &world.Wait{For: "4h"}}}},
	}}
	w, err := world.Run(s, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var clients []string
	var times []time.Duration
	for _, e := range w.Trace.Events() {
		if e.Kind == sim.KindOpen && e.Conn.Port == world.PortSMTP {
			clients = append(clients, e.Conn.Client)
			times = append(times, e.T.Truncate(time.Minute))
		}
	}
	m := time.Minute
	wantTimes := []time.Duration{0, 10 * m, 30 * m, 40 * m, 90 * m, 100 * m, 210 * m, 220 * m}
	if !slices.Equal(times, wantTimes) {
		t.Errorf("attempts at %v, want %v", times, wantTimes)
	}
	for i, c := range clients {
		if want := []string{"mail.ejemplo.com", "mail.otro.org"}[i%2]; c != want {
			t.Errorf("attempt %d by %s, want %s (in time order)", i+1, c, want)
		}
	}
	st := w.State()
	for _, host := range []string{"mail.ejemplo.com", "mail.otro.org"} {
		q := st.Queues[host]
		if len(q) != 1 || q[0].Try == nil || q[0].Try.Attempts != 4 {
			t.Errorf("queue of %s = %+v, want one message after 4 attempts", host, q)
		}
	}
}
