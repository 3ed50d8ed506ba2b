package smtp_test

import (
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/wire"
)

// closedInTrace reports whether the trace records that conn closed.
func (f *fixture) closedInTrace(conn *sim.ConnInfo) bool {
	for _, e := range f.trace.Events() {
		if e.Kind == sim.KindClose && e.Conn == conn {
			return true
		}
	}
	return false
}

// TestSubmitStopsAtFirstRefusal checks that Submit gives up at the first
// refused recipient, quits, returns the reply as an *SMTPError and closes
// the connection.
func TestSubmitStopsAtFirstRefusal(t *testing.T) {
	f := newFixture(t)
	c := f.dial(ejemploHost, 587)
	conn := wire.Info(c)
	err := smtp.Submit(c, anaSends(msg("ana@ejemplo.com", "x", "x"), "carla@ejemplo.com", "nadie@ejemplo.com", "beto@otro.org"))
	var se *gosmtp.SMTPError
	if !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (gosmtp.EnhancedCode{5, 1, 1}) ||
		se.Message != "<nadie@ejemplo.com>: Recipient address rejected: User unknown in local recipient table" {
		t.Errorf("Submit = %#v, want the 550 5.1.1 reply for nadie@ejemplo.com", err)
	}
	tr := f.transcript(conn)
	want := []string{
		"C: RCPT TO:<carla@ejemplo.com>",
		"S: 250 2.0.0 I'll make sure <carla@ejemplo.com> gets this",
		"C: RCPT TO:<nadie@ejemplo.com>",
		"S: 550 5.1.1 <nadie@ejemplo.com>: Recipient address rejected: User unknown in local recipient table",
		"C: QUIT",
		"S: 221 2.0.0 Bye",
	}
	if got := tr[len(tr)-len(want):]; !slices.Equal(got, want) {
		t.Errorf("transcript ends with\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !f.closedInTrace(conn) || f.net.Open() != 0 {
		t.Errorf("after Submit: closed in trace = %v, open connections = %d; want closed, 0", f.closedInTrace(conn), f.net.Open())
	}
	if got := f.mailboxes(); len(got) != 0 {
		t.Errorf("messages delivered = %v, want none", got)
	}
}

// TestSubmitWithoutAuth checks that Submit skips AUTH without a user name,
// as a server relaying to port 25 does, and refuses to send a password to a
// server that does not offer AUTH.
func TestSubmitWithoutAuth(t *testing.T) {
	f := newFixture(t)
	data := msg("ana@ejemplo.com", "beto@otro.org", "x")
	tr, err := f.submit(otroHost, 25, &smtp.Submission{Hello: "h", From: "ana@ejemplo.com", To: []string{"beto@otro.org"}, Data: data})
	if err != nil {
		t.Fatalf("Submit without a user to port 25 = %v, want nil", err)
	}
	if slices.ContainsFunc(tr, func(l string) bool { return strings.HasPrefix(l, "C: AUTH") }) {
		t.Errorf("Submit without a user sent AUTH:\n%s", strings.Join(tr, "\n"))
	}

	sub := anaSends(data, "beto@otro.org")
	tr, err = f.submit(otroHost, 25, sub)
	if err == nil || err.Error() != "smtp: the server offers no AUTH" {
		t.Errorf("Submit with a user to port 25 = %v, want the server offers no AUTH", err)
	}
	var cmds []string
	for _, l := range tr {
		if c, ok := strings.CutPrefix(l, "C: "); ok {
			cmds = append(cmds, c)
		}
	}
	if want := []string{"EHLO laptop.home.arpa", "QUIT"}; !slices.Equal(cmds, want) {
		t.Errorf("commands = %q, want %q", cmds, want)
	}
	if got, want := f.mailboxes(), map[string]int{"beto@otro.org": 1}; len(got) != 1 || got["beto@otro.org"] != want["beto@otro.org"] {
		t.Errorf("messages delivered = %v, want %v", got, want)
	}
}

// TestSubmitLineBreaks checks that a name or address with a line break
// cannot smuggle a command in.
func TestSubmitLineBreaks(t *testing.T) {
	data := msg("ana@ejemplo.com", "carla@ejemplo.com", "x")
	tests := []struct {
		name string
		sub  *smtp.Submission
	}{
		{"Hello", &smtp.Submission{Hello: "x\r\nRSET", Username: "ana@ejemplo.com", Password: "manzana", From: "ana@ejemplo.com", To: []string{"carla@ejemplo.com"}, Data: data}},
		{"From", anaSends(data, "carla@ejemplo.com")},
		{"To", anaSends(data, "carla@ejemplo.com>\r\nRSET\r\nRCPT TO:<carla@ejemplo.com")},
	}
	tests[1].sub.From = "ana@ejemplo.com>\r\nRSET\r\nMAIL FROM:<ana@ejemplo.com"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tr, err := f.submit(ejemploHost, 587, tt.sub)
			if err == nil {
				t.Errorf("Submit with a line break in %s = nil, want an error", tt.name)
			}
			if slices.Contains(tr, "C: RSET") {
				t.Errorf("a line break in %s smuggled a command in:\n%s", tt.name, strings.Join(tr, "\n"))
			}
			if got := f.mailboxes(); len(got) != 0 {
				t.Errorf("messages delivered = %v, want none", got)
			}
		})
	}
}

// TestSubmitGreetingRefused submits to a server that refuses service in its
// greeting.
func TestSubmitGreetingRefused(t *testing.T) {
	client, server := net.Pipe()
	heard := make(chan string, 1)
	go func() {
		defer server.Close()
		io.WriteString(server, "554 5.3.2 No service here\r\n")
		b, _ := io.ReadAll(server)
		heard <- string(b)
	}()
	err := smtp.Submit(client, anaSends([]byte("x\r\n"), "carla@ejemplo.com"))
	if got := smtpCode(err); got != "554 5.3.2" {
		t.Errorf("Submit = %v, want 554 5.3.2", err)
	}
	if got := <-heard; got != "" {
		t.Errorf("after a refusing greeting the client sent %q, want nothing", got)
	}
}

// TestSubmitDataRefused submits to a server that refuses at MAIL or at the
// end of the data: Submit returns the reply and quits.
func TestSubmitDataRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		be   fakeBackend
		at   string
		want string
	}{
		{"MAIL", fakeBackend{mail: replyErr(421, gosmtp.EnhancedCode{4, 3, 2})}, "MAIL FROM:", "421 4.3.2"},
		{"DATA", fakeBackend{data: replyErr(554, gosmtp.EnhancedCode{5, 6, 0})}, ".", "554 5.6.0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			const host = "smtp.fake.example"
			l, err := f.net.Listen(host, 587, sim.SMTP)
			if err != nil {
				t.Fatal(err)
			}
			be := tt.be
			be.got = make(chan []byte, 1)
			s := gosmtp.NewServer(&be)
			s.Domain = host
			done := make(chan error, 1)
			go func() { done <- s.Serve(l) }()
			t.Cleanup(func() {
				s.Close()
				l.Close()
				<-done
			})
			sub := &smtp.Submission{Hello: "h", From: "ana@ejemplo.com", To: []string{"carla@ejemplo.com"}, Data: []byte("Subject: x\r\n\r\nx\r\n")}
			tr, err := f.submit(host, 587, sub)
			if got := smtpCode(err); got != tt.want {
				t.Errorf("Submit = %v, want %s", err, tt.want)
			}
			if got := replyTo(tr, tt.at); !strings.HasPrefix(got, tt.want+" ") {
				t.Errorf("reply to %q = %q, want %s", tt.at, got, tt.want)
			}
			if last := tr[len(tr)-2]; last != "C: QUIT" {
				t.Errorf("last command = %q, want QUIT", last)
			}
		})
	}
}
