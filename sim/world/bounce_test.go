package world_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim/message"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/store"
	"github.com/mailscope/mailscope/sim/world"
)

// inbox returns the raw messages of an account's INBOX.
func inbox(t *testing.T, w *world.World, addr string) [][]byte {
	t.Helper()
	a := w.Store.Account(addr)
	if a == nil {
		t.Fatalf("no account %s", addr)
	}
	var out [][]byte
	for _, m := range a.Messages(store.Inbox) {
		out = append(out, a.Raw(store.Inbox, m.UID))
	}
	return out
}

// TestBounceToLocalSender: the next hop refuses one of two recipients for
// good; the other is delivered, and the sender, a user of the relaying
// server, finds an RFC 3464 notification in her INBOX, with the null
// sender in Return-Path.
func TestBounceToLocalSender(t *testing.T) {
	s := script([]world.Action{
		{Send: &world.Send{Device: "ana-laptop", To: []string{"nadie@otro.org", "beto@otro.org"}, Subject: "Hola"}},
		{Relay: &world.Relay{Server: "mail.ejemplo.com"}},
	},
		world.Expect{Account: "beto@otro.org", Count: ptr(1)},
		world.Expect{Queue: "mail.ejemplo.com", Count: ptr(0)},
	)
	w, err := world.Run(s, world.Options{})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	got := inbox(t, w, "ana@ejemplo.com")
	if len(got) != 1 {
		t.Fatalf("ana's INBOX holds %d messages, want the notification", len(got))
	}
	raw := got[0]
	if !strings.HasPrefix(string(raw), "Return-Path: <>\r\n") {
		t.Errorf("the notification does not start with Return-Path: <>:\n%.200s", raw)
	}
	d, err := message.ParseDSN(raw)
	if err != nil {
		t.Fatalf("ParseDSN = %v", err)
	}
	if d.ReportingMTA != "mail.ejemplo.com" || d.To != "ana@ejemplo.com" || d.From != "MAILER-DAEMON@mail.ejemplo.com" || d.Action != "failed" {
		t.Errorf("notification = %+v", d)
	}
	want := message.DSNRecipient{
		Address:        "nadie@otro.org",
		Action:         "failed",
		Status:         "5.1.1",
		DiagnosticCode: "550 5.1.1 <nadie@otro.org>: Recipient address rejected: User unknown in local recipient table",
		RemoteMTA:      "mail.otro.org",
	}
	if len(d.Recipients) != 1 {
		t.Fatalf("recipients = %+v, want only nadie@otro.org", d.Recipients)
	}
	r := d.Recipients[0]
	r.LastAttempt = want.LastAttempt
	if r != want {
		t.Errorf("recipient = %+v, want %+v", r, want)
	}
	if !strings.Contains(string(d.Original), "Subject: Hola\r\n") || strings.Contains(string(d.Original), "\r\n\r\n") {
		t.Errorf("returned header = %q, want the original header only", d.Original)
	}
}

// TestBounceToRemoteSenderAndNoBounceOfABounce: a refused message whose
// sender is not a user of the relaying server gets its notification by
// SMTP, with MAIL FROM:<>; a notification refused in turn is dropped, not
// bounced.
func TestBounceToRemoteSenderAndNoBounceOfABounce(t *testing.T) {
	w, err := world.New(nil, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	q := w.Server("mail.ejemplo.com").Host.Queue
	orig := []byte("From: beto@otro.org\r\nTo: nadie@otro.org\r\nSubject: reenviado\r\n\r\nhola\r\n")
	q.Add(&smtp.Item{ID: "Q1", From: "beto@otro.org", Rcpts: []string{"nadie@otro.org"}, Data: orig})
	q.Add(&smtp.Item{ID: "Q2", From: "fantasma@otro.org", Rcpts: []string{"nadie@otro.org"}, Data: orig})
	relay := &world.Action{Relay: &world.Relay{Server: "mail.ejemplo.com"}}

	// 1: both refused; a notification for each is queued, to go by SMTP.
	w.Do(relay)
	items := q.Items()
	if len(items) != 2 {
		t.Fatalf("after the first relay the queue holds %d items, want 2 notifications", len(items))
	}
	for _, it := range items {
		if it.From != "" {
			t.Errorf("notification %s has sender %q, want <>", it.ID, it.From)
		}
	}
	// 2: one is delivered to beto; the other is refused (no such user)
	// and dropped, with no notification of a notification.
	from := w.Trace.Len()
	derr := w.Do(relay)
	if derr == nil || !strings.Contains(derr.Error(), "<fantasma@otro.org>") || !strings.Contains(derr.Error(), "SMTP error 550") {
		t.Errorf("second relay = %v, want the refusal of the notification to fantasma@otro.org", derr)
	}
	if n := q.Len(); n != 0 {
		t.Errorf("after the second relay the queue holds %d items, want 0", n)
	}
	text := transcript(w.Trace.Since(from))
	if strings.Count(text, "C: MAIL FROM:<> ") != 2 {
		t.Errorf("want two transactions with MAIL FROM:<>:\n%s", text)
	}
	got := inbox(t, w, "beto@otro.org")
	if len(got) != 1 || !strings.HasPrefix(string(got[0]), "Return-Path: <>\r\n") {
		t.Fatalf("beto's INBOX = %q, want one notification with Return-Path: <>", got)
	}
	if d, err := message.ParseDSN(got[0]); err != nil || d.To != "beto@otro.org" || len(d.Recipients) != 1 || d.Recipients[0].Status != "5.1.1" {
		t.Errorf("ParseDSN = %+v, %v", d, err)
	}
	errs := errorEvents(w.Trace.Since(from))
	if slices.ContainsFunc(errs, func(s string) bool { return strings.Contains(s, "delivery status notification") }) {
		t.Errorf("error events = %q: a notification of a notification", errs)
	}
	if q.Len() != 0 || len(inbox(t, w, "ana@ejemplo.com")) != 0 {
		t.Errorf("a notification of a notification was sent")
	}
}

func ptr(n int) *int { return &n }
