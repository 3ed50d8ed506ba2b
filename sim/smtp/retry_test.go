package smtp_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/smtp"
)

func TestRetryPolicyWait(t *testing.T) {
	p := smtp.DefaultRetry
	for _, tt := range []struct {
		attempt int
		want    time.Duration
	}{
		{1, 30 * time.Minute}, {2, time.Hour}, {3, 2 * time.Hour}, {4, 4 * time.Hour},
		{5, 8 * time.Hour}, {6, 8 * time.Hour}, {40, 8 * time.Hour},
	} {
		if got := p.Wait(tt.attempt); got != tt.want {
			t.Errorf("DefaultRetry.Wait(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
	if p.First < 30*time.Minute || p.Expire < 4*24*time.Hour {
		t.Errorf("DefaultRetry = %+v: RFC 5321 section 4.5.4.1 asks for at least 30 minutes between tries and 4-5 days before giving up", p)
	}
}

func TestRetryPolicyNext(t *testing.T) {
	p := smtp.DefaultRetry
	t0 := sim.Epoch
	for _, tt := range []struct {
		name    string
		now     time.Time
		attempt int
		want    time.Time
	}{
		{"first", t0, 1, t0.Add(30 * time.Minute)},
		{"third", t0.Add(90 * time.Minute), 3, t0.Add(210 * time.Minute)},
		{"capped at the deadline", t0.Add(119 * time.Hour), 20, t0.Add(120 * time.Hour)},
		{"at the deadline", t0.Add(120 * time.Hour), 20, t0.Add(120*time.Hour + time.Second)},
	} {
		if got := p.Next(t0, tt.now, tt.attempt); !got.Equal(tt.want) {
			t.Errorf("%s: Next(t0, %v, %d) = %v, want %v", tt.name, tt.now, tt.attempt, got, tt.want)
		}
	}
	if p.Expired(t0, t0.Add(120*time.Hour-time.Second)) || !p.Expired(t0, t0.Add(120*time.Hour)) {
		t.Errorf("Expired: want false just before 5 days, true at 5 days")
	}
}

func TestStatus(t *testing.T) {
	for _, tt := range []struct {
		err              error
		status, diagnose string
	}{
		{&gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try later"}, "4.3.0", "451 4.3.0 try later"},
		{&gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.NoEnhancedCode, Message: "bye"}, "4.0.0", "421 4.0.0 bye"},
		{fmt.Errorf("wrapped: %w", &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no"}), "5.1.1", "550 5.1.1 no"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, "4.4.1", ""},
		{errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), "4.7.5", ""},
		{errors.New("EOF"), "4.4.0", ""},
	} {
		status, diag := smtp.Status(tt.err)
		if status != tt.status || diag != tt.diagnose {
			t.Errorf("Status(%v) = %q, %q; want %q, %q", tt.err, status, diag, tt.status, tt.diagnose)
		}
	}
}

// faultFixture is a fixture whose mail.caido.net keeps caido.net's mail
// and fails as its Faults say.
func faultFixture(t *testing.T) (*fixture, *smtp.Host, *smtp.Faults) {
	f := newFixture(t)
	caido := f.addHost("mail.caido.net", "192.0.2.99", "caido.net")
	if _, err := f.store.AddAccount("x@caido.net", "secreto", caido.Name); err != nil {
		t.Fatal(err)
	}
	faults := &smtp.Faults{}
	cfg := f.config(caido, smtp.RoleMX)
	cfg.Faults = faults
	l, err := f.net.Listen(caido.Name, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	f.serveOn(caido.Name, 25, faults.Listener(l, caido.Name), cfg)
	return f, caido, faults
}

// TestRelayRetries keeps a message through temporary failures (451 at MAIL
// FROM, then a 421 greeting), schedules each retry later than the last,
// and delivers it exactly once when the server accepts it.
func TestRelayRetries(t *testing.T) {
	for _, tt := range []struct {
		code int
		want string // the error of each failed attempt
	}{
		{smtp.FaultAbort, "451 4.3.0"},
		{smtp.FaultShutdown, "421 4.3.2"},
	} {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			f, caido, faults := faultFixture(t)
			faults.Set(2, tt.code)
			ejemplo := f.byName[ejemploHost]
			ejemplo.Queue.Add(&smtp.Item{ID: "Q1", From: "ana@ejemplo.com", Rcpts: []string{"x@caido.net"}, Data: msg("ana@ejemplo.com", "x@caido.net", "hola"), Arrived: f.clock.Now()})
			var notices []*smtp.Notice
			r := f.relay(ejemplo)
			r.Notify = func(n *smtp.Notice) { notices = append(notices, n) }

			// The first attempt is the relay's own; the next two are due.
			got := outcomes(r.Flush())
			if len(got) != 1 || got[0].Err != tt.want || got[0].Permanent {
				t.Fatalf("Flush = %+v, want a temporary %s", got, tt.want)
			}
			if n := len(r.FlushDue()); n != 0 {
				t.Errorf("FlushDue at once tried %d recipients, want none (the retry is not due)", n)
			}
			it := ejemplo.Queue.Items()[0]
			if it.Attempts != 1 || !it.NextTry.Equal(sim.Epoch.Add(30*time.Minute)) || !strings.HasPrefix(it.LastError, tt.want[:3]) {
				t.Errorf("after the first attempt: attempts %d, next %v, last error %q; want 1, 30 minutes later, %s", it.Attempts, it.NextTry, it.LastError, tt.want)
			}
			next, ok := ejemplo.Queue.NextDue()
			if !ok || !next.Equal(it.NextTry) {
				t.Errorf("NextDue = %v, %v; want %v, true", next, ok, it.NextTry)
			}
			f.clock.Advance(next.Sub(f.clock.Now()))
			if got := outcomes(r.FlushDue()); len(got) != 1 || got[0].Err != tt.want {
				t.Fatalf("second attempt = %+v, want %s", got, tt.want)
			}
			it = ejemplo.Queue.Items()[0]
			if it.Attempts != 2 || !it.NextTry.Equal(next.Add(time.Hour)) {
				t.Errorf("after the second attempt: attempts %d, next %v; want 2, an hour later", it.Attempts, it.NextTry)
			}
			f.clock.Advance(time.Hour)
			if got := outcomes(r.FlushDue()); !slices.Equal(got, []outcome{delivered("Q1", "x@caido.net", caido.Name)}) {
				t.Fatalf("third attempt = %+v, want delivered", got)
			}
			if n := ejemplo.Queue.Len(); n != 0 {
				t.Errorf("the queue holds %d items, want 0", n)
			}
			if n := len(f.inbox("x@caido.net")); n != 1 {
				t.Errorf("x's INBOX holds %d messages, want 1", n)
			}
			if len(notices) != 0 {
				t.Errorf("notices %+v, want none (the message was never 4 hours late)", notices)
			}
			if n := len(f.conns(ejemploHost, 25)); n != 3 {
				t.Errorf("%d connections, want 3 (one per attempt)", n)
			}
			if left, _ := faults.Left(); left != 0 {
				t.Errorf("%d faults left, want 0", left)
			}
		})
	}
}

// TestRelayExpires gives up on a message that has failed for 5 days: the
// sender gets a "delayed" notice after 4 hours and a "failed" one at the
// end, and the message leaves the queue as expired.
func TestRelayExpires(t *testing.T) {
	f, _, faults := faultFixture(t)
	faults.Set(1000, smtp.FaultAbort)
	ejemplo := f.byName[ejemploHost]
	ejemplo.Queue.Add(&smtp.Item{ID: "Q1", From: "ana@ejemplo.com", Rcpts: []string{"x@caido.net"}, Data: msg("ana@ejemplo.com", "x@caido.net", "hola"), Arrived: f.clock.Now()})
	var notices []*smtp.Notice
	r := f.relay(ejemplo)
	r.Notify = func(n *smtp.Notice) { notices = append(notices, n) }
	r.Flush()
	attempts := 1
	var times []time.Duration
	for {
		next, ok := ejemplo.Queue.NextDue()
		if !ok {
			break
		}
		f.clock.Advance(next.Sub(f.clock.Now()))
		times = append(times, f.clock.Now().Sub(sim.Epoch))
		r.FlushDue()
		attempts++
		if attempts > 100 {
			t.Fatal("more than 100 attempts")
		}
	}
	if got := times[len(times)-1]; got != 120*time.Hour {
		t.Errorf("last attempt after %v, want 120h", got)
	}
	for i := 1; i < len(times); i++ {
		if d := times[i] - times[i-1]; d < 30*time.Minute {
			t.Errorf("attempts %d and %d only %v apart", i, i+1, d)
		}
	}
	if got, want := f.removals(), []string{"Q1 expired"}; !slices.Equal(got, want) {
		t.Errorf("removals = %q, want %q", got, want)
	}
	if len(notices) != 2 || notices[0].Action != "delayed" || notices[1].Action != "failed" {
		t.Fatalf("notices = %+v, want delayed, then failed", notices)
	}
	d := notices[0]
	if d.At.Sub(sim.Epoch) < 4*time.Hour || !d.Until.Equal(sim.Epoch.Add(120*time.Hour)) || len(d.Rcpts) != 1 || d.Rcpts[0].Rcpt != "x@caido.net" {
		t.Errorf("delayed notice at %v until %v for %+v; want after 4h, until 5 days, for x@caido.net", d.At, d.Until, d.Rcpts)
	}
	if st, diag := smtp.Status(notices[1].Rcpts[0].Err); st != "4.3.0" || !strings.HasPrefix(diag, "451 4.3.0") {
		t.Errorf("failed notice status %q %q, want 4.3.0 and the 451 reply", st, diag)
	}
	t.Logf("%d attempts over 5 days", attempts)
}

// TestRelayNullSenderNotNotified never asks for a notice about a
// notification (null sender): it would loop.
func TestRelayNullSenderNotNotified(t *testing.T) {
	f, _, faults := faultFixture(t)
	faults.Set(1000, smtp.FaultAbort)
	ejemplo := f.byName[ejemploHost]
	ejemplo.Queue.Add(&smtp.Item{ID: "Q1", From: "", Rcpts: []string{"x@caido.net"}, Data: msg("MAILER-DAEMON@ejemplo.com", "x@caido.net", "bounce"), Arrived: f.clock.Now()})
	r := f.relay(ejemplo)
	r.Notify = func(n *smtp.Notice) { t.Errorf("Notify(%+v) for a null sender", n) }
	r.Flush()
	f.clock.Advance(6 * 24 * time.Hour)
	r.FlushDue()
	if got, want := f.removals(), []string{"Q1 expired"}; !slices.Equal(got, want) {
		t.Errorf("removals = %q, want %q", got, want)
	}
}

// TestRelayTLS421NoSecondConnection does not take a 421 greeting for a
// server without STARTTLS: one attempt is one connection.
func TestRelayTLS421NoSecondConnection(t *testing.T) {
	f, _, faults := faultFixture(t)
	faults.Set(5, smtp.FaultShutdown)
	ejemplo := f.byName[ejemploHost]
	ejemplo.Queue.Add(&smtp.Item{ID: "Q1", From: "ana@ejemplo.com", Rcpts: []string{"x@caido.net"}, Data: msg("ana@ejemplo.com", "x@caido.net", "hola")})
	r := f.relay(ejemplo)
	r.TLS = func(string) *tls.Config { return &tls.Config{} }
	r.Flush()
	if n := len(f.conns(ejemploHost, 25)); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	if left, _ := faults.Left(); left != 4 {
		t.Errorf("%d faults left, want 4", left)
	}
	tr := f.transcript(f.conns(ejemploHost, 25)[0])
	if want := []string{"S: 421 4.3.2 mail.caido.net Service not available, closing transmission channel"}; !slices.Equal(tr, want) {
		t.Errorf("transcript %q, want %q", tr, want)
	}
}
