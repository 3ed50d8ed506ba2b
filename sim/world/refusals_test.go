package world_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// problems returns "path: message" for each problem Check finds in s.
func problems(t *testing.T, s *world.Script) []string {
	t.Helper()
	err := world.Check(s)
	if err == nil {
		return nil
	}
	var ps world.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Check = %v, want Problems", err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}

// script returns a script of the default world (Beto's phone reading with
// POP3) with one step doing do and expecting expect.
func script(do []world.Action, expect ...world.Expect) *world.Script {
	s := &world.Script{
		ID:    "x",
		Title: sim.Text{ES: "x", EN: "x"},
		Steps: []world.Step{{Say: sim.Text{ES: "x", EN: "x"}, Do: do, Expect: expect}},
		World: world.DefaultSpec(),
	}
	s.World.Devices[2].Reads = world.ReadsPOP3
	return s
}

// TestRefusalKeysChecked: the keys of the refusal scenarios (password,
// replied, max_size, max_recipients) and what Check says of each mistake,
// at its path.
func TestRefusalKeysChecked(t *testing.T) {
	send := func(pw string) world.Action {
		return world.Action{Send: &world.Send{Device: "ana-laptop", To: []string{"beto@otro.org"}, Password: pw}}
	}
	for _, tc := range []struct {
		name   string
		do     []world.Action
		expect []world.Expect
		spec   func(*world.Spec)
		want   []string
	}{
		{name: "good passwords", do: []world.Action{
			send("manzanas"),
			{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "select", Password: "x y"}},
			{POP3: &world.POP3Action{Device: "beto-phone", Op: "check", Password: "ñ"}},
		}},
		{name: "line break", do: []world.Action{send("a\r\nQUIT")},
			want: []string{"$.steps[0].do[0].send.password: a password cannot contain a line break or a NUL"}},
		{name: "NUL in POP3", do: []world.Action{{POP3: &world.POP3Action{Device: "beto-phone", Op: "check", Password: "a\x00b"}}},
			want: []string{"$.steps[0].do[0].pop3.password: a password cannot contain a line break or a NUL"}},
		{name: "IMAP password on logout", do: []world.Action{{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "logout", Password: "x"}}},
			want: []string{"$.steps[0].do[0].imap.password: a password is tried on a connection of its own, which the action closes: it needs an op that logs in and does something (not logout)"}},
		{name: "IMAP password on idle", do: []world.Action{{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "idle", Password: "x"}}},
			want: []string{"$.steps[0].do[0].imap.password: a password is tried on a connection of its own, which the action closes: it needs an op that logs in and does something (not idle)"}},
		{name: "replied", do: []world.Action{send("")}, expect: []world.Expect{{Replied: "535 5.7.8", Device: "ana-laptop"}}},
		{name: "reply and replied", do: []world.Action{send("")}, expect: []world.Expect{{Reply: "221", Replied: "535"}},
			want: []string{"$.steps[0].expect[0]: an expectation takes reply or replied, not both"}},
		{name: "replied with a count", do: []world.Action{send("")}, expect: []world.Expect{{Replied: "535", Count: new(int)}},
			want: []string{"$.steps[0].expect[0]: a reply expectation takes only reply (or replied) and, optionally, device"}},
		{name: "replied on no device", do: []world.Action{send("")}, expect: []world.Expect{{Replied: "535", Device: "ana-phone"}},
			want: []string{`$.steps[0].expect[0].device: there is no device "ana-phone"`}},
		{name: "limits", do: []world.Action{send("")}, spec: func(s *world.Spec) {
			s.Domains[0].MaxSize, s.Domains[0].MaxRecipients = 2000, 2
		}},
		{name: "negative limits", do: []world.Action{send("")}, spec: func(s *world.Spec) {
			s.Domains[1].MaxSize, s.Domains[1].MaxRecipients = -1, -2
		}, want: []string{
			"$.world.domains[1].max_size: max_size is a number of bytes; it cannot be negative",
			"$.world.domains[1].max_recipients: max_recipients cannot be negative",
		}},
		{name: "one server, two limits", do: []world.Action{send("")}, spec: func(s *world.Spec) {
			s.Domains = append(s.Domains, world.DomainSpec{Name: "otro.net", Server: "mail.otro.org", MaxSize: 5000, Accounts: []world.AccountSpec{{User: "eva", Password: "x"}}})
		}, want: []string{"$.world.domains[2].max_size: domains otro.org and otro.net share server mail.otro.org, which has one max_size: give both the same"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := script(tc.do, tc.expect...)
			if tc.spec != nil {
				tc.spec(s.World)
			}
			if got := problems(t, s); !slices.Equal(got, tc.want) {
				t.Errorf("Check:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// errorEvents returns the text of the error events of a trace.
func errorEvents(events []sim.Event) []string {
	var out []string
	for _, e := range events {
		if e.Kind == sim.KindError {
			out = append(out, e.Text)
		}
	}
	return out
}

// TestWrongPassword tries a wrong password on each protocol: each server
// answers with its code, the device reports an error event, nothing in
// the world changes, and the device's own connection and password still
// work afterwards.
func TestWrongPassword(t *testing.T) {
	s := script([]world.Action{
		{Send: &world.Send{Device: "ana-laptop", To: []string{"beto@otro.org"}, Subject: "x", Password: "manzanas"}},
		{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "select", Mailbox: "INBOX"}},
		{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "list", Password: "naranjas"}},
		{POP3: &world.POP3Action{Device: "beto-phone", Op: "check", Password: "naranjas", TLS: world.TLSStartTLS}},
		{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "fetch"}},
	},
		world.Expect{Replied: "535 5.7.8", Device: "ana-laptop"},
		world.Expect{Replied: "NO [AUTHENTICATIONFAILED]", Device: "beto-laptop"},
		world.Expect{Replied: "-ERR [AUTH]", Device: "beto-phone"},
		world.Expect{Reply: "OK", Device: "beto-laptop"}, // the fetch on the device's own connection
		world.Expect{Queue: "mail.ejemplo.com", Count: new(int)},
	)
	w, err := world.Run(s, world.Options{})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	want := []string{
		"ana-laptop: SMTP error 535: Authentication failed",
		"beto-laptop: imap: NO [AUTHENTICATIONFAILED] Authentication failed",
		"beto-phone: pop3: -ERR [AUTH] Authentication failed",
	}
	if got := errorEvents(w.Trace.Events()); !slices.Equal(got, want) {
		t.Errorf("error events:\n got %q\nwant %q", got, want)
	}
	// The wrong IMAP password went on a connection of its own, closed at
	// the end of the action; the device's connection stayed open.
	var imapConns []string
	for _, e := range w.Trace.Events() {
		if e.Kind == sim.KindOpen && e.Conn.Client == "beto-laptop" {
			imapConns = append(imapConns, e.Conn.Label())
		}
	}
	if len(imapConns) != 2 {
		t.Errorf("beto-laptop opened %v, want 2 connections", imapConns)
	}
	text := transcript(w.Trace.Events())
	for _, line := range []string{
		`C: T1 LOGIN "beto@otro.org" "naranjas"`,
		"S: T1 NO [AUTHENTICATIONFAILED] Authentication failed",
		"C: PASS naranjas",
		"S: -ERR [AUTH] Authentication failed",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("the transcript lacks %q", line)
		}
	}
	if strings.Contains(text, "C: *") {
		t.Errorf("the client cancelled a finished AUTH exchange with *:\n%s", text)
	}
}

// transcript returns the lines of a trace as "cN C: line".
func transcript(events []sim.Event) string {
	var b strings.Builder
	for _, e := range events {
		if e.Kind != sim.KindLine {
			continue
		}
		who := "C:"
		if e.Dir == sim.S2C {
			who = "S:"
		}
		fmt.Fprintf(&b, "%s %s %s\n", e.Conn.Label(), who, e.Text)
	}
	return b.String()
}

// TestLimitsAnnounced: a domain's max_size and max_recipients are what its
// server announces (SIZE, LIMITS RCPTMAX) and enforces; the other server
// keeps the defaults.
func TestLimitsAnnounced(t *testing.T) {
	spec := world.DefaultSpec()
	spec.Domains[0].MaxSize, spec.Domains[0].MaxRecipients = 2000, 2
	w, err := world.New(spec, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, tc := range []struct {
		server, size, rcpts string
	}{
		{"mail.ejemplo.com", "250-SIZE 2000", "250 LIMITS RCPTMAX=2"},
		{"mail.otro.org", "250-SIZE 10485760", "250 LIMITS RCPTMAX=100"},
	} {
		from := w.Trace.Len()
		if err := w.Do(&world.Action{Raw: &world.Raw{Device: "beto-laptop", Server: tc.server, Port: 25, Lines: []string{"EHLO x.example", "QUIT"}}}); err != nil {
			t.Fatal(err)
		}
		text := transcript(w.Trace.Since(from))
		if !strings.Contains(text, "S: "+tc.size+"\n") || !strings.Contains(text, "S: "+tc.rcpts+"\n") {
			t.Errorf("%s announces:\n%s\nwant %q and %q", tc.server, text, tc.size, tc.rcpts)
		}
	}
}
