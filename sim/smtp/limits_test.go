package smtp_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim/smtp"
)

// count returns how many lines of a transcript start with prefix.
func count(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// TestSubmitTooManyRecipients: a server that takes two recipients per
// transaction (LIMITS RCPTMAX=2) answers the third RCPT with 452 4.5.3;
// Submit sends the message to the two, then the rest in further
// transactions on the same connection, as RFC 5321 section 4.5.3.1.10 asks.
func TestSubmitTooManyRecipients(t *testing.T) {
	f := newFixture(t, fixtureOptions{maxRcpts: 2})
	to := []string{"carla@ejemplo.com", "beto@otro.org", "a@fuera.example", "b@fuera.example", "c@fuera.example"}
	tr, err := f.submit(ejemploHost, 587, anaSends(msg("ana@ejemplo.com", "carla@ejemplo.com", "a muchos"), to...))
	if err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	if !slices.Contains(tr, "S: 250 LIMITS RCPTMAX=2") {
		t.Errorf("EHLO reply does not announce LIMITS RCPTMAX=2:\n%s", strings.Join(tr, "\n"))
	}
	tooMany := "S: 452 4.5.3 Maximum limit of 2 recipients reached"
	if !inOrder(tr,
		"C: MAIL FROM:<ana@ejemplo.com>",
		"C: RCPT TO:<carla@ejemplo.com>", "S: 250 ",
		"C: RCPT TO:<beto@otro.org>", "S: 250 ",
		"C: RCPT TO:<a@fuera.example>", tooMany,
		"C: DATA", "S: 354 ", "C: .", "S: 250 2.0.0 Ok: queued as",
		"C: MAIL FROM:<ana@ejemplo.com>",
		"C: RCPT TO:<a@fuera.example>", "S: 250 ",
		"C: RCPT TO:<b@fuera.example>", "S: 250 ",
		"C: RCPT TO:<c@fuera.example>", tooMany,
		"C: DATA", "S: 354 ", "C: .", "S: 250 2.0.0 Ok: queued as",
		"C: MAIL FROM:<ana@ejemplo.com>",
		"C: RCPT TO:<c@fuera.example>", "S: 250 ",
		"C: DATA", "S: 354 ", "C: .", "S: 250 2.0.0 Ok: queued as",
		"C: QUIT", "S: 221 ",
	) {
		t.Errorf("transcript:\n%s", strings.Join(tr, "\n"))
	}
	if n := count(tr, "C: MAIL FROM:"); n != 3 {
		t.Errorf("%d transactions, want 3", n)
	}
	if n := count(tr, "C: RCPT TO:"); n != 7 {
		t.Errorf("%d RCPT commands, want 7 (5 recipients, 2 sent again)", n)
	}
	if got := len(f.inbox("carla@ejemplo.com")); got != 1 {
		t.Errorf("carla's INBOX holds %d messages, want 1", got)
	}
	want := [][]string{{"beto@otro.org"}, {"a@fuera.example", "b@fuera.example"}, {"c@fuera.example"}}
	if got := queuedFor(f.byName[ejemploHost]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("queued = %v, want %v", got, want)
	}
}

// TestSubmitTooManyRecipientsAtFirst: a 452 for the first recipient of a
// transaction is a failure like any other.
func TestSubmitTooManyRecipientsAtFirst(t *testing.T) {
	f := newFixture(t, fixtureOptions{maxRcpts: 2})
	tr, err := f.submit(ejemploHost, 587, anaSends(msg("ana@ejemplo.com", "beto@otro.org", "x"), "nadie@ejemplo.com", "beto@otro.org"))
	if got := smtpCode(err); got != "550 5.1.1" {
		t.Errorf("Submit = %v, want 550 5.1.1", err)
	}
	if count(tr, "C: DATA") != 0 {
		t.Errorf("DATA sent after a refusal:\n%s", strings.Join(tr, "\n"))
	}
}

// TestRelayTooManyRecipients: the exchanger takes two recipients per
// transaction; the relay delivers to three in two transactions on one
// connection, and the item leaves the queue delivered.
func TestRelayTooManyRecipients(t *testing.T) {
	f := newFixture(t, fixtureOptions{maxRcpts: 2})
	for _, u := range []string{"dora", "eva"} {
		if _, err := f.store.AddAccount(u+"@otro.org", "x", otroHost); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.submit(ejemploHost, 587, anaSends(msg("ana@ejemplo.com", "beto@otro.org", "a tres"), "beto@otro.org", "dora@otro.org")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.submit(ejemploHost, 587, anaSends(msg("ana@ejemplo.com", "beto@otro.org", "a tres"), "eva@otro.org")); err != nil {
		t.Fatal(err)
	}
	// One item with three recipients, as a server with a larger limit
	// would have queued it.
	ejemplo := f.byName[ejemploHost]
	items := ejemplo.Queue.Items()
	it := *items[0]
	it.ID, it.Rcpts = "QALL", []string{"beto@otro.org", "dora@otro.org", "eva@otro.org"}
	for _, old := range items {
		ejemplo.Queue.Remove(old.ID, "test")
	}
	ejemplo.Queue.Add(&it)

	got := outcomes(f.relay(ejemplo).Flush())
	want := []outcome{delivered("QALL", "beto@otro.org", otroHost), delivered("QALL", "dora@otro.org", otroHost), delivered("QALL", "eva@otro.org", otroHost)}
	if !slices.Equal(got, want) {
		t.Errorf("Flush = %+v, want %+v", got, want)
	}
	conns := f.conns(ejemploHost, 25)
	if len(conns) != 1 {
		t.Fatalf("%d relay connections, want 1", len(conns))
	}
	tr := f.transcript(conns[0])
	if n := count(tr, "C: MAIL FROM:"); n != 2 || count(tr, "S: 452 4.5.3") != 1 || count(tr, "C: DATA") != 2 {
		t.Errorf("want 2 transactions, one 452 4.5.3 and 2 DATA:\n%s", strings.Join(tr, "\n"))
	}
	for _, u := range []string{"beto", "dora", "eva"} {
		if n := len(f.inbox(u + "@otro.org")); n != 1 {
			t.Errorf("%s's INBOX holds %d messages, want 1", u, n)
		}
	}
	if ejemplo.Queue.Len() != 0 {
		t.Errorf("queue holds %v, want nothing", queuedFor(ejemplo))
	}
}

func TestTooManyRecipients(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 5, 3}}, true},
		{&gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.NoEnhancedCode}, true},
		{&gosmtp.SMTPError{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 5, 3}}, true},
		{&gosmtp.SMTPError{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 3, 4}}, false},
		{&gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}}, false},
		{&gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}}, false},
		{fmt.Errorf("wrapped: %w", &gosmtp.SMTPError{Code: 452}), true},
		{errors.New("452 4.5.3 as text"), false},
		{nil, false},
	} {
		if got := smtp.TooManyRecipients(tt.err); got != tt.want {
			t.Errorf("TooManyRecipients(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestNewServerMaxRecipients(t *testing.T) {
	for _, tt := range []struct{ set, want int }{{0, smtp.DefaultMaxRecipients}, {5, 5}} {
		if got := smtp.NewServer(smtp.Config{MaxRecipients: tt.set}).MaxRecipients; got != tt.want {
			t.Errorf("NewServer(MaxRecipients %d).MaxRecipients = %d, want %d", tt.set, got, tt.want)
		}
	}
}

// TestSubmitWrongPassword: a wrong password gets 535 5.7.8 (RFC 4954);
// the client then quits, without the "*" that cancels only an exchange
// still waiting for a response (third_party/go-smtp/MAILSCOPE.md, 3).
func TestSubmitWrongPassword(t *testing.T) {
	f := newFixture(t)
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		s := anaSends(msg("ana@ejemplo.com", "beto@otro.org", "x"), "beto@otro.org")
		s.Password, s.Auth = "manzanas", mech
		tr, err := f.submit(ejemploHost, 587, s)
		if got := smtpCode(err); got != "535 5.7.8" {
			t.Errorf("%s: Submit = %v, want 535 5.7.8", mech, err)
		}
		i := slices.Index(tr, "S: 535 5.7.8 Authentication failed")
		if i < 0 || !slices.Equal(tr[i+1:], []string{"C: QUIT", "S: 221 2.0.0 Bye"}) {
			t.Errorf("%s: transcript:\n%s\nwant 535 5.7.8, then QUIT and 221", mech, strings.Join(tr, "\n"))
		}
	}
	if n := f.byName[ejemploHost].Queue.Len(); n != 0 {
		t.Errorf("queue holds %d items, want 0", n)
	}
}
