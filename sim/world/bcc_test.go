package world_test

import (
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// TestCcAndBcc: a Cc recipient is named in the header, a Bcc recipient is
// not, and both get the message, each by a RCPT TO of its own.
func TestCcAndBcc(t *testing.T) {
	s := script([]world.Action{
		{Send: &world.Send{Device: "ana-laptop", To: []string{"beto@otro.org"}, Cc: []string{"carla@ejemplo.com"}, Bcc: []string{"dani@ejemplo.com"}, Subject: "Hola"}},
		{Relay: &world.Relay{Server: "mail.ejemplo.com"}},
	},
		world.Expect{Account: "beto@otro.org", Count: ptr(1)},
		world.Expect{Account: "carla@ejemplo.com", Count: ptr(1)},
		world.Expect{Account: "dani@ejemplo.com", Count: ptr(1)},
	)
	s.World.Domains[0].Accounts = append(s.World.Domains[0].Accounts,
		world.AccountSpec{User: "carla", Password: "limon"}, world.AccountSpec{User: "dani", Password: "uva"})
	w, err := world.Run(s, world.Options{})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	for _, addr := range []string{"beto@otro.org", "carla@ejemplo.com", "dani@ejemplo.com"} {
		raw := string(inbox(t, w, addr)[0])
		header, _, _ := strings.Cut(raw, "\r\n\r\n")
		if !strings.Contains(header, "\r\nCc: <carla@ejemplo.com>\r\n") {
			t.Errorf("%s's copy has no Cc: naming carla:\n%s", addr, header)
		}
		if strings.Contains(strings.ToLower(header), "dani") || strings.Contains(header, "Bcc") {
			t.Errorf("%s's copy names the blind copy:\n%s", addr, header)
		}
	}
	var rcpts []string
	for _, e := range w.Trace.Events() {
		if e.Kind == sim.KindLine && e.Dir == sim.C2S && strings.HasPrefix(e.Text, "RCPT TO:") && e.Conn.Port == world.PortSubmission {
			rcpts = append(rcpts, e.Text)
		}
	}
	if want := []string{"RCPT TO:<beto@otro.org>", "RCPT TO:<carla@ejemplo.com>", "RCPT TO:<dani@ejemplo.com>"}; strings.Join(rcpts, "|") != strings.Join(want, "|") {
		t.Errorf("the submission's envelope = %q, want %q", rcpts, want)
	}
}
