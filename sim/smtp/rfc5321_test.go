package smtp_test

import (
	"fmt"
	"testing"
)

// These tests pin the two places where go-smtp v0.25.1 deviated from
// RFC 5321 and third_party/go-smtp is patched (see its MAILSCOPE.md): the
// reply to EHLO and HELO names the server first, and commands out of
// sequence are answered 503, not 502.

// TestGreetingNamesTheServer checks the first line of the reply to EHLO and
// the reply to HELO on every port: RFC 5321 section 4.1.1.1 (ehlo-ok-rsp)
// puts the server's own domain before any greeting.
func TestGreetingNamesTheServer(t *testing.T) {
	f := newFixture(t)
	for _, host := range []string{ejemploHost, otroHost} {
		for _, port := range []int{25, 587} {
			r := f.rawDial(host, port)
			lines := r.ehlo("ana-laptop.home.arpa")
			if got, want := lines[0], "250-"+host+" Hello ana-laptop.home.arpa"; got != want {
				t.Errorf("%s:%d: first line of the reply to EHLO = %q, want %q", host, port, got, want)
			}
			r.cmd("QUIT")

			r = f.rawDial(host, port)
			if got, want := r.cmd("HELO ana-laptop.home.arpa"), "250 2.0.0 "+host+" Hello ana-laptop.home.arpa"; got != want {
				t.Errorf("%s:%d: HELO = %q, want %q", host, port, got, want)
			}
			r.cmd("QUIT")
		}
	}
}

// TestBadSequenceIs503 sends commands out of order: RFC 5321 sections
// 4.1.4 and 4.3.2 answer them 503 (bad sequence of commands); 502 means a
// command that is not implemented at all, which stays 502.
func TestBadSequenceIs503(t *testing.T) {
	var (
		ehlo = step{"EHLO x", "250 LIMITS RCPTMAX=100"}
		helo = step{"HELO x", "250 2.0.0 mail.ejemplo.com Hello x"}
		auth = step{authPlain("", "ana@ejemplo.com", "manzana"), "235 2.0.0 Authentication succeeded"}
		mail = step{"MAIL FROM:<ana@ejemplo.com>", "250 2.0.0 Roger, accepting mail from <ana@ejemplo.com>"}
	)
	tests := []struct {
		name  string
		port  int
		steps []step
	}{
		{"MAIL before EHLO", 25, []step{{"MAIL FROM:<ana@ejemplo.com>", "503 5.5.1 Please introduce yourself first."}}},
		{"MAIL before EHLO", 587, []step{{"MAIL FROM:<ana@ejemplo.com>", "503 5.5.1 Please introduce yourself first."}}},
		{"AUTH before EHLO", 587, []step{{authPlain("", "ana@ejemplo.com", "manzana"), "503 5.5.1 Please introduce yourself first."}}},
		{"RCPT before MAIL", 25, []step{ehlo, {"RCPT TO:<carla@ejemplo.com>", "503 5.5.1 Missing MAIL FROM command."}}},
		{"RCPT before MAIL", 587, []step{ehlo, auth, {"RCPT TO:<carla@ejemplo.com>", "503 5.5.1 Missing MAIL FROM command."}}},
		{"RCPT before MAIL after HELO", 25, []step{helo, {"RCPT TO:<carla@ejemplo.com>", "503 5.5.1 Missing MAIL FROM command."}}},
		{"DATA before MAIL", 25, []step{ehlo, {"DATA", "503 5.5.1 Missing RCPT TO command."}}},
		{"DATA before RCPT", 25, []step{ehlo, {"MAIL FROM:<beto@otro.org>", "250 2.0.0 Roger, accepting mail from <beto@otro.org>"}, {"DATA", "503 5.5.1 Missing RCPT TO command."}}},
		{"DATA before RCPT", 587, []step{ehlo, auth, mail, {"DATA", "503 5.5.1 Missing RCPT TO command."}}},
		{"BDAT before RCPT", 587, []step{ehlo, auth, mail, {"BDAT 0 LAST", "503 5.5.1 Missing RCPT TO command."}}},
		{"not implemented stays 502", 25, []step{ehlo, {"TURN", "502 5.5.1 TURN command not implemented"}}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s on %d", tt.name, tt.port), func(t *testing.T) {
			f := newFixture(t)
			r := runSteps(t, f, ejemploHost, tt.port, tt.steps)
			if got, want := r.cmd("QUIT"), "221 2.0.0 Bye"; got != want {
				t.Errorf("QUIT = %q, want %q", got, want)
			}
		})
	}
}
