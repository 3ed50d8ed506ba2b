package smtp_test

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/wire"
)

// outcome is an smtp.Outcome with its error as text, for comparison.
type outcome struct {
	QueueID, Rcpt, Exchanger, Err string
	Permanent                     bool
}

func outcomes(l []smtp.Outcome) []outcome {
	out := make([]outcome, len(l))
	for i, o := range l {
		out[i] = outcome{o.QueueID, o.Rcpt, o.Exchanger, smtpCode(o.Err), o.Permanent}
	}
	return out
}

func delivered(id, rcpt, mx string) outcome { return outcome{id, rcpt, mx, "<nil>", false} }

// removals returns the queue removals published so far, as "id result".
func (f *fixture) removals() []string {
	var out []string
	for _, c := range f.storeChanges(sim.OpQueueRemove) {
		out = append(out, c.QueueID+" "+c.Result)
	}
	return out
}

// inOrder reports whether lines contains lines starting with each of
// prefixes, in that order.
func inOrder(lines []string, prefixes ...string) bool {
	for _, l := range lines {
		if len(prefixes) > 0 && strings.HasPrefix(l, prefixes[0]) {
			prefixes = prefixes[1:]
		}
	}
	return len(prefixes) == 0
}

// TestRelayDelivers submits a message for otro.org to mail.ejemplo.com and
// has the relay deliver it to mail.otro.org.
func TestRelayDelivers(t *testing.T) {
	f := newFixture(t)
	data := msg("ana@ejemplo.com", "beto@otro.org", "hola beto")
	if _, err := f.submit(ejemploHost, 587, anaSends(data, "beto@otro.org")); err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	ejemplo := f.byName[ejemploHost]
	queued := ejemplo.Queue.Items()[0].Data
	r := f.relay(ejemplo)

	got := outcomes(r.Flush())
	if want := []outcome{delivered("Q0001", "beto@otro.org", otroHost)}; !slices.Equal(got, want) {
		t.Errorf("Flush = %+v, want %+v", got, want)
	}
	if n := ejemplo.Queue.Len(); n != 0 {
		t.Errorf("after Flush the queue holds %d items, want 0", n)
	}
	if got, want := f.removals(), []string{"Q0001 delivered"}; !slices.Equal(got, want) {
		t.Errorf("queue removals = %q, want %q", got, want)
	}
	if n := f.mxLookups("otro.org"); n != 1 {
		t.Errorf("LookupMX(otro.org) called %d times, want 1", n)
	}
	inbox := f.inbox("beto@otro.org")
	if len(inbox) != 1 {
		t.Fatalf("beto's INBOX holds %d messages, want 1", len(inbox))
	}
	want := "Return-Path: <ana@ejemplo.com>\r\n" +
		"Received: from mail.ejemplo.com (mail.ejemplo.com [192.0.2.10])\r\n" +
		"\tby mail.otro.org with ESMTP id Q0002\r\n" +
		"\tfor <beto@otro.org>; " + stamp + "\r\n" +
		string(queued)
	if string(inbox[0]) != want {
		t.Errorf("delivered message:\n%q\nwant:\n%q", inbox[0], want)
	}

	// The conversation is in the trace, on a connection from
	// mail.ejemplo.com to port 25 of mail.otro.org.
	conns := f.conns(ejemploHost, 25)
	if len(conns) != 1 || conns[0].Server != otroHost || conns[0].Proto != sim.SMTP {
		t.Fatalf("relay connections = %+v, want one to %s:25", conns, otroHost)
	}
	tr := f.transcript(conns[0])
	if !inOrder(tr,
		"S: 220 mail.otro.org ESMTP",
		"C: EHLO mail.ejemplo.com",
		fmt.Sprintf("C: MAIL FROM:<ana@ejemplo.com> BODY=8BITMIME SIZE=%d", len(queued)),
		"S: 250 ",
		"C: RCPT TO:<beto@otro.org>",
		"S: 250 ",
		"C: DATA",
		"S: 354 ",
		"C: Received: from laptop.home.arpa",
		"C: Subject: hola beto",
		"C: .",
		"S: 250 2.0.0 Ok: queued as Q0002",
		"C: QUIT",
		"S: 221 ",
	) {
		t.Errorf("relay transcript:\n%s\nwant EHLO, MAIL, RCPT, DATA, the message and QUIT", strings.Join(tr, "\n"))
	}
	if slices.ContainsFunc(tr, func(l string) bool { return strings.HasPrefix(l, "C: AUTH") }) {
		t.Errorf("the relay authenticated to port 25:\n%s", strings.Join(tr, "\n"))
	}

	// Nothing is left: a second Flush does nothing.
	if got := r.Flush(); len(got) != 0 {
		t.Errorf("second Flush = %+v, want nothing", got)
	}
	if n := f.mxLookups("otro.org"); n != 1 {
		t.Errorf("after a second Flush, LookupMX(otro.org) called %d times, want 1", n)
	}
	if n := len(f.inbox("beto@otro.org")); n != 1 {
		t.Errorf("after a second Flush beto's INBOX holds %d messages, want 1", n)
	}
}

// TestRelayOutcomes flushes queues whose exchangers answer in different
// ways.
func TestRelayOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		rcpts     []string
		want      []outcome
		removals  []string   // "id result"
		left      [][]string // the recipients still queued
		delivered map[string]int
		lookups   map[string]int
	}{
		{
			name:      "delivered",
			rcpts:     []string{"beto@otro.org"},
			want:      []outcome{delivered("Q1", "beto@otro.org", otroHost)},
			removals:  []string{"Q1 delivered"},
			delivered: map[string]int{"beto@otro.org": 1},
			lookups:   map[string]int{"otro.org": 1},
		},
		{
			name:     "unknown user",
			rcpts:    []string{"nadie@otro.org"},
			want:     []outcome{{"Q1", "nadie@otro.org", otroHost, "550 5.1.1", true}},
			removals: []string{"Q1 rejected"},
			lookups:  map[string]int{"otro.org": 1},
		},
		{
			name:  "a refused recipient among others",
			rcpts: []string{"nadie@otro.org", "beto@otro.org"},
			want: []outcome{
				{"Q1", "nadie@otro.org", otroHost, "550 5.1.1", true},
				delivered("Q1", "beto@otro.org", otroHost),
			},
			removals:  []string{"Q1 delivered"},
			delivered: map[string]int{"beto@otro.org": 1},
			lookups:   map[string]int{"otro.org": 1},
		},
		{
			name:     "unknown domain",
			rcpts:    []string{"alguien@fuera.example"},
			want:     []outcome{{"Q1", "alguien@fuera.example", "", "MX lookup for fuera.example: fuera.example: no such domain (NXDOMAIN)", true}},
			removals: []string{"Q1 rejected"},
			lookups:  map[string]int{"fuera.example": 1},
		},
		{
			name:  "two domains",
			rcpts: []string{"beto@otro.org", "carla@ejemplo.com", "ana@ejemplo.com"},
			want: []outcome{
				delivered("Q1", "beto@otro.org", otroHost),
				delivered("Q1", "carla@ejemplo.com", ejemploHost),
				delivered("Q1", "ana@ejemplo.com", ejemploHost),
			},
			removals:  []string{"Q1 delivered"},
			delivered: map[string]int{"beto@otro.org": 1, "carla@ejemplo.com": 1, "ana@ejemplo.com": 1},
			lookups:   map[string]int{"otro.org": 1, "ejemplo.com": 1},
		},
		{
			name:  "an exchanger that is down",
			rcpts: []string{"x@caido.net"},
			want:  []outcome{{"Q1", "x@caido.net", "", "dial tcp 192.0.2.99:25: mail.caido.net:25: connection refused", false}},
			left:  [][]string{{"x@caido.net"}},
		},
		{
			name:  "one domain down",
			rcpts: []string{"x@caido.net", "beto@otro.org"},
			want: []outcome{
				{"Q1", "x@caido.net", "", "dial tcp 192.0.2.99:25: mail.caido.net:25: connection refused", false},
				delivered("Q1", "beto@otro.org", otroHost),
			},
			left:      [][]string{{"x@caido.net"}},
			delivered: map[string]int{"beto@otro.org": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.addHost("mail.caido.net", "192.0.2.99", "caido.net") // not started
			h := f.byName[otroHost]
			h.Queue.Add(&smtp.Item{ID: "Q1", From: "beto@otro.org", Rcpts: tt.rcpts, Data: msg("beto@otro.org", "x", "s")})
			got := outcomes(f.relay(h).Flush())
			if !slices.Equal(got, tt.want) {
				t.Errorf("Flush = %+v\nwant %+v", got, tt.want)
			}
			if got := f.removals(); !slices.Equal(got, tt.removals) {
				t.Errorf("queue removals = %q, want %q", got, tt.removals)
			}
			if got := queuedFor(h); !slices.EqualFunc(got, tt.left, slices.Equal) {
				t.Errorf("left in the queue = %q, want %q", got, tt.left)
			}
			if got := f.mailboxes(); !maps.Equal(got, tt.delivered) {
				t.Errorf("messages delivered = %v, want %v", got, tt.delivered)
			}
			if tt.lookups != nil {
				for d, n := range tt.lookups {
					if got := f.mxLookups(d); got != n {
						t.Errorf("LookupMX(%s) called %d times, want %d", d, got, n)
					}
				}
			}
		})
	}
}

// TestRelayExchangerDown keeps a message for an exchanger that is down and
// delivers it, once, when the exchanger is up again.
func TestRelayExchangerDown(t *testing.T) {
	f := newFixture(t)
	caido := f.addHost("mail.caido.net", "192.0.2.99", "caido.net") // not started yet
	if _, err := f.store.AddAccount("x@caido.net", "secreto", caido.Name); err != nil {
		t.Fatal(err)
	}
	data := msg("ana@ejemplo.com", "x@caido.net, beto@otro.org", "para los dos")
	if _, err := f.submit(ejemploHost, 587, anaSends(data, "x@caido.net", "beto@otro.org")); err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	ejemplo := f.byName[ejemploHost]
	r := f.relay(ejemplo)

	// beto's copy goes; x's stays, and only x's.
	got := r.Flush()
	if len(got) != 2 || !errors.Is(got[0].Err, wire.ErrRefused) || got[0].Permanent || got[1].Err != nil {
		t.Fatalf("first Flush = %+v, want x refused (temporary) and beto delivered", got)
	}
	if got, want := queuedFor(ejemplo), [][]string{{"x@caido.net"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("after the first Flush the queue holds %q, want %q", got, want)
	}
	adds := f.storeChanges(sim.OpQueueAdd)
	if len(adds) != 2 || adds[1].QueueID != "Q0001" || !slices.Equal(adds[1].Msg.RcptTo, []string{"x@caido.net"}) {
		t.Errorf("queue additions = %+v, want the item queued again for x@caido.net only", adds)
	}

	// Still down: nothing more is delivered; the only change published is
	// the second attempt.
	before := len(f.storeChanges(sim.OpQueueAdd, sim.OpQueueRemove))
	got = r.Flush()
	if len(got) != 1 || got[0].Rcpt != "x@caido.net" || !errors.Is(got[0].Err, wire.ErrRefused) {
		t.Errorf("second Flush = %+v, want x refused", got)
	}
	changes := f.storeChanges(sim.OpQueueAdd, sim.OpQueueRemove)[before:]
	if len(changes) != 1 || changes[0].Op != sim.OpQueueAdd || changes[0].Try == nil || changes[0].Try.Attempts != 2 {
		t.Errorf("the second Flush published %v, want the item queued again after its second attempt", summaries(changes))
	}
	if got, want := f.mailboxes(), map[string]int{"beto@otro.org": 1}; !maps.Equal(got, want) {
		t.Errorf("after the second Flush, messages delivered = %v, want %v", got, want)
	}

	// Up again: x gets it, beto does not get it twice.
	f.serve(caido, smtp.RoleMX, 25)
	if got, want := outcomes(r.Flush()), []outcome{delivered("Q0001", "x@caido.net", caido.Name)}; !slices.Equal(got, want) {
		t.Errorf("third Flush = %+v, want %+v", got, want)
	}
	if got := r.Flush(); len(got) != 0 {
		t.Errorf("fourth Flush = %+v, want nothing", got)
	}
	if got, want := f.mailboxes(), map[string]int{"beto@otro.org": 1, "x@caido.net": 1}; !maps.Equal(got, want) {
		t.Errorf("messages delivered = %v, want %v", got, want)
	}
	if got, want := f.removals(), []string{"Q0001 delivered"}; !slices.Equal(got, want) {
		t.Errorf("queue removals = %q, want %q", got, want)
	}
	if n := len(f.conns(ejemploHost, 25)); n != 2 {
		t.Errorf("%d relay connections, want 2 (to otro.org once, to caido.net once it was up)", n)
	}
}

// TestRelayExchangers tries the exchangers of a domain in order of
// preference, and treats a domain without any as undeliverable.
func TestRelayExchangers(t *testing.T) {
	tests := []struct {
		name string
		mxs  []string
		err  error
		want outcome
		left int
	}{
		{"second exchanger", []string{"mx1.otro.org", otroHost}, nil, delivered("Q1", "beto@otro.org", otroHost), 0},
		{"all down", []string{"mx1.otro.org", "mx2.otro.org"}, nil,
			outcome{"Q1", "beto@otro.org", "", "dial tcp 127.0.0.1:25: mx2.otro.org:25: connection refused", false}, 1},
		{"lookup failure", nil, errors.New("SERVFAIL"), outcome{"Q1", "beto@otro.org", "", "MX lookup for otro.org: SERVFAIL", true}, 0},
		{"no exchanger", []string{}, nil, outcome{"Q1", "beto@otro.org", "", "MX lookup for otro.org: no exchanger", true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			h := f.byName[ejemploHost]
			h.Queue.Add(&smtp.Item{ID: "Q1", From: "ana@ejemplo.com", Rcpts: []string{"beto@otro.org"}, Data: msg("ana@ejemplo.com", "beto@otro.org", "s")})
			r := f.relay(h)
			r.LookupMX = func(string) ([]string, error) { return tt.mxs, tt.err }
			got := outcomes(r.Flush())
			if want := []outcome{tt.want}; !slices.Equal(got, want) {
				t.Errorf("Flush = %+v, want %+v", got, want)
			}
			if n := h.Queue.Len(); n != tt.left {
				t.Errorf("after Flush the queue holds %d items, want %d", n, tt.left)
			}
			wantInbox := 0
			if tt.want.Err == "<nil>" {
				wantInbox = 1
			}
			if n := len(f.inbox("beto@otro.org")); n != wantInbox {
				t.Errorf("beto's INBOX holds %d messages, want %d", n, wantInbox)
			}
		})
	}
}

// fakeBackend is an exchanger that answers MAIL, RCPT and the end of DATA
// as told.
type fakeBackend struct {
	mail error
	rcpt map[string]error
	data error

	got chan []byte // the messages it accepted
}

func (b *fakeBackend) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &fakeSession{b: b}, nil
}

type fakeSession struct{ b *fakeBackend }

func (s *fakeSession) Reset()        {}
func (s *fakeSession) Logout() error { return nil }
func (s *fakeSession) Mail(string, *gosmtp.MailOptions) error {
	return s.b.mail
}
func (s *fakeSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	return s.b.rcpt[to]
}
func (s *fakeSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.b.data == nil {
		s.b.got <- b
	}
	return s.b.data
}

func replyErr(code int, enh gosmtp.EnhancedCode) error {
	return &gosmtp.SMTPError{Code: code, EnhancedCode: enh, Message: "as told"}
}

// TestRelayReplies flushes to an exchanger that answers with temporary
// (4xx) and permanent (5xx) errors at each stage of the transaction.
func TestRelayReplies(t *testing.T) {
	var (
		temp = replyErr(451, gosmtp.EnhancedCode{4, 3, 0})
		perm = replyErr(554, gosmtp.EnhancedCode{5, 7, 1})
		busy = replyErr(450, gosmtp.EnhancedCode{4, 2, 1})
		gone = replyErr(550, gosmtp.EnhancedCode{5, 1, 1})
	)
	const mx = "mx.fake.example"
	a, b := "a@fake.example", "b@fake.example"
	tests := []struct {
		name      string
		be        fakeBackend
		want      []outcome
		left      [][]string
		removals  []string
		delivered int
	}{
		{"accepted", fakeBackend{},
			[]outcome{delivered("Q1", a, mx), delivered("Q1", b, mx)}, nil, []string{"Q1 delivered"}, 1},
		{"MAIL 4xx", fakeBackend{mail: temp},
			[]outcome{{"Q1", a, mx, "451 4.3.0", false}, {"Q1", b, mx, "451 4.3.0", false}}, [][]string{{a, b}}, nil, 0},
		{"MAIL 5xx", fakeBackend{mail: perm},
			[]outcome{{"Q1", a, mx, "554 5.7.1", true}, {"Q1", b, mx, "554 5.7.1", true}}, nil, []string{"Q1 rejected"}, 0},
		{"RCPT 4xx for one", fakeBackend{rcpt: map[string]error{a: busy}},
			[]outcome{{"Q1", a, mx, "450 4.2.1", false}, delivered("Q1", b, mx)}, [][]string{{a}}, nil, 1},
		{"RCPT 5xx for one", fakeBackend{rcpt: map[string]error{b: gone}},
			[]outcome{delivered("Q1", a, mx), {"Q1", b, mx, "550 5.1.1", true}}, nil, []string{"Q1 delivered"}, 1},
		{"RCPT 4xx and 5xx", fakeBackend{rcpt: map[string]error{a: busy, b: gone}},
			[]outcome{{"Q1", a, mx, "450 4.2.1", false}, {"Q1", b, mx, "550 5.1.1", true}}, [][]string{{a}}, nil, 0},
		{"DATA 4xx", fakeBackend{data: temp},
			[]outcome{{"Q1", a, mx, "451 4.3.0", false}, {"Q1", b, mx, "451 4.3.0", false}}, [][]string{{a, b}}, nil, 0},
		{"DATA 5xx", fakeBackend{data: perm},
			[]outcome{{"Q1", a, mx, "554 5.7.1", true}, {"Q1", b, mx, "554 5.7.1", true}}, nil, []string{"Q1 rejected"}, 0},
		{"DATA 4xx after a refused RCPT", fakeBackend{rcpt: map[string]error{a: gone}, data: temp},
			[]outcome{{"Q1", a, mx, "550 5.1.1", true}, {"Q1", b, mx, "451 4.3.0", false}}, [][]string{{b}}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.addHost(mx, "198.51.100.25", "fake.example")
			l, err := f.net.Listen(mx, 25, sim.SMTP)
			if err != nil {
				t.Fatal(err)
			}
			be := tt.be
			be.got = make(chan []byte, 1)
			s := gosmtp.NewServer(&be)
			s.Domain = mx
			done := make(chan error, 1)
			go func() { done <- s.Serve(l) }()
			t.Cleanup(func() {
				s.Close()
				l.Close()
				if err := <-done; err != nil {
					t.Errorf("Serve: %v", err)
				}
			})

			h := f.byName[ejemploHost]
			data := msg("ana@ejemplo.com", a+", "+b, "s")
			h.Queue.Add(&smtp.Item{ID: "Q1", From: "ana@ejemplo.com", Rcpts: []string{a, b}, Data: data})
			r := f.relay(h)
			if got := outcomes(r.Flush()); !slices.Equal(got, tt.want) {
				t.Errorf("Flush = %+v\nwant %+v", got, tt.want)
			}
			if got := queuedFor(h); !slices.EqualFunc(got, tt.left, slices.Equal) {
				t.Errorf("left in the queue = %q, want %q", got, tt.left)
			}
			if got := f.removals(); !slices.Equal(got, tt.removals) {
				t.Errorf("queue removals = %q, want %q", got, tt.removals)
			}
			if n := len(be.got); n != tt.delivered {
				t.Fatalf("the exchanger accepted %d messages, want %d", n, tt.delivered)
			}
			if tt.delivered > 0 {
				if got := <-be.got; string(got) != string(data) {
					t.Errorf("the exchanger received\n%q\nwant\n%q", got, data)
				}
			}
			tr := f.transcript(f.conns(ejemploHost, 25)[0])
			if got := tr[len(tr)-2]; got != "C: QUIT" {
				t.Errorf("the relay's last command = %q, want QUIT:\n%s", got, strings.Join(tr, "\n"))
			}
		})
	}
}

// TestRelayQueueOrder flushes several items: outcomes come in queue order,
// and each item's recipients in the order of their domains' first
// appearance.
func TestRelayQueueOrder(t *testing.T) {
	f := newFixture(t)
	h := f.byName[ejemploHost]
	for _, it := range []*smtp.Item{
		{ID: "Q1", From: "ana@ejemplo.com", Rcpts: []string{"beto@otro.org"}},
		{ID: "Q2", From: "ana@ejemplo.com", Rcpts: []string{"nadie@otro.org", "x@fuera.example", "beto@otro.org"}},
		{ID: "Q3", From: "carla@ejemplo.com", Rcpts: []string{"beto@otro.org"}},
	} {
		it.Data = msg(it.From, it.Rcpts[0], it.ID)
		h.Queue.Add(it)
	}
	var got []string
	for _, o := range f.relay(h).Flush() {
		got = append(got, o.QueueID+" "+o.Rcpt)
	}
	want := []string{"Q1 beto@otro.org", "Q2 nadie@otro.org", "Q2 beto@otro.org", "Q2 x@fuera.example", "Q3 beto@otro.org"}
	if !slices.Equal(got, want) {
		t.Errorf("Flush outcomes = %q, want %q", got, want)
	}
	if got, want := f.removals(), []string{"Q1 delivered", "Q2 delivered", "Q3 delivered"}; !slices.Equal(got, want) {
		t.Errorf("queue removals = %q, want %q", got, want)
	}
	if n := f.mxLookups("otro.org"); n != 3 {
		t.Errorf("LookupMX(otro.org) called %d times, want 3 (once for each item)", n)
	}
	if n := len(f.inbox("beto@otro.org")); n != 3 {
		t.Errorf("beto's INBOX holds %d messages, want 3", n)
	}
}
