package pop3

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/store"
)

// agent returns an agent of beto-phone on the env's server, and the
// messages it saved.
func (e *env) agent(opts AgentOptions) (*Agent, *[]*Message) {
	var saved []*Message
	opts.Clock = e.clock
	opts.Save = func(m *Message) { saved = append(saved, m) }
	a := NewAgent(Plain(func() (net.Conn, error) { return e.net.Dial("beto-phone", host, 110) }), beto, password, opts)
	return a, &saved
}

// commands returns the commands the client sent on the last connection.
func (e *env) commands() []string {
	var last *sim.ConnInfo
	var out []string
	for _, ev := range e.trace.Events() {
		if ev.Kind == sim.KindOpen {
			last, out = ev.Conn, nil
		}
		if ev.Kind == sim.KindLine && ev.Conn == last && ev.Dir == sim.C2S {
			out = append(out, ev.Text)
		}
	}
	return out
}

func uidsOf(msgs []*Message) string {
	var l []string
	for _, m := range msgs {
		s := m.UID
		if m.Partial {
			s += "(header)"
		}
		l = append(l, s)
	}
	return strings.Join(l, " ")
}

// TestAgentDownloadAndDelete checks the classic behaviour: RETR then DELE
// for every message, and QUIT.
func TestAgentDownloadAndDelete(t *testing.T) {
	e := fixture(t, Config{})
	a, saved := e.agent(AgentOptions{})
	res, err := a.Check()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"CAPA", "USER beto@otro.org", "PASS naranja", "STAT", "UIDL", "LIST", "RETR 1", "DELE 1", "RETR 2", "DELE 2", "QUIT"}
	if got := e.commands(); !slices.Equal(got, want) {
		t.Errorf("commands = %q, want %q", got, want)
	}
	if res.Count != 2 || res.Size != 65 || !res.Quit || uidsOf(res.Fetched) != uid1+" "+uid2 || strings.Join(res.Deleted, " ") != uid1+" "+uid2 {
		t.Errorf("Check() = %+v", res)
	}
	if len(*saved) != 2 || string((*saved)[1].Data) != "Subject: dos\r\n\r\n.punto\r\n..\r\n.\r\nfin\r\n" || (*saved)[1].Size != 36 {
		t.Errorf("saved %+v", *saved)
	}
	if _, msgs := e.acct.Maildrop(); len(msgs) != 0 {
		t.Errorf("the INBOX holds %d messages after Check, want none", len(msgs))
	}
	// Mail in other folders is out of POP3's reach.
	if n := len(e.acct.Messages("Archivo")); n != 1 {
		t.Errorf("Archivo holds %d messages, want 1", n)
	}
	// A second check finds nothing.
	res, err = a.Check()
	if err != nil || res.Count != 0 || len(res.Fetched) != 0 {
		t.Errorf("second Check() = %+v, %v", res, err)
	}
}

// TestAgentKeep checks "leave a copy on the server": only new messages are
// downloaded, and with KeepFor they are deleted once that long has passed.
func TestAgentKeep(t *testing.T) {
	e := fixture(t, Config{})
	a, _ := e.agent(AgentOptions{Keep: true, KeepFor: 3 * 24 * time.Hour})
	res, err := a.Check()
	if err != nil || uidsOf(res.Fetched) != uid1+" "+uid2 || len(res.Deleted) != 0 {
		t.Fatalf("first Check() = %+v, %v; want both downloaded, none deleted", res, err)
	}
	e.clock.Advance(24 * time.Hour)
	if _, err := e.st.Deliver(beto, store.Inbox, []byte("Subject: tres\r\n\r\n3\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	const uid3 = "69a5438100000003"
	res, err = a.Check()
	if err != nil || uidsOf(res.Fetched) != uid3 || len(res.Deleted) != 0 {
		t.Fatalf("second Check() = %+v, %v; want only the new message", res, err)
	}
	if got := e.commands(); slices.Contains(got, "RETR 1") || !slices.Contains(got, "RETR 3") {
		t.Errorf("second session sent %q", got)
	}
	e.clock.Advance(2 * 24 * time.Hour) // three days after the first download
	res, err = a.Check()
	if err != nil || len(res.Fetched) != 0 || strings.Join(res.Deleted, " ") != uid1+" "+uid2 {
		t.Fatalf("third Check() = %+v, %v; want the first two deleted", res, err)
	}
	if _, msgs := e.acct.Maildrop(); len(msgs) != 1 || msgs[0].UID != 3 {
		t.Errorf("the INBOX holds %+v, want UID 3", msgs)
	}
	// Keeping for ever never deletes.
	forever, _ := e.agent(AgentOptions{Keep: true})
	for i := 0; i < 2; i++ {
		e.clock.Advance(365 * 24 * time.Hour)
		if res, err := forever.Check(); err != nil || len(res.Deleted) != 0 || len(res.Fetched) != 1-i {
			t.Errorf("Check() %d keeping for ever = %+v, %v", i+1, res, err)
		}
	}
}

// TestAgentPreview checks TOP n 0: headers only, nothing deleted, and a
// later Check downloads the whole messages.
func TestAgentPreview(t *testing.T) {
	e := fixture(t, Config{})
	a, saved := e.agent(AgentOptions{})
	res, err := a.Preview()
	if err != nil || uidsOf(res.Fetched) != uid1+"(header) "+uid2+"(header)" || len(res.Deleted) != 0 {
		t.Fatalf("Preview() = %+v, %v", res, err)
	}
	if got := string((*saved)[0].Data); got != "Subject: uno\r\n\r\n" || (*saved)[0].Size != 29 {
		t.Errorf("preview of message 1 = %q (size %d)", got, (*saved)[0].Size)
	}
	if got := e.commands(); !slices.Contains(got, "TOP 1 0") || slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "DELE") }) {
		t.Errorf("Preview sent %q", got)
	}
	if res, err := a.Preview(); err != nil || len(res.Fetched) != 0 {
		t.Errorf("a second Preview() = %+v, %v; want nothing new", res, err)
	}
	res, err = a.Check()
	if err != nil || uidsOf(res.Fetched) != uid1+" "+uid2 {
		t.Errorf("Check() after Preview = %+v, %v", res, err)
	}
}

// TestAgentDrop checks a session cut after DELE: nothing is deleted, and
// the next Check deletes without downloading again.
func TestAgentDrop(t *testing.T) {
	e := fixture(t, Config{})
	a, _ := e.agent(AgentOptions{Keep: true})
	res, err := a.Drop()
	if err != nil || res.Quit || uidsOf(res.Fetched) != uid1+" "+uid2 || len(res.Deleted) != 2 {
		t.Fatalf("Drop() = %+v, %v", res, err)
	}
	if got := e.commands(); slices.Contains(got, "QUIT") || !slices.Contains(got, "DELE 2") {
		t.Errorf("Drop sent %q", got)
	}
	if _, msgs := e.acct.Maildrop(); len(msgs) != 2 {
		t.Fatalf("after Drop the INBOX holds %d messages, want 2", len(msgs))
	}
	d, _ := e.agent(AgentOptions{})
	d.downloaded = a.downloaded
	res, err = d.Check()
	if err != nil || len(res.Fetched) != 0 || len(res.Deleted) != 2 || !res.Quit {
		t.Fatalf("Check() after Drop = %+v, %v", res, err)
	}
	if _, msgs := e.acct.Maildrop(); len(msgs) != 0 {
		t.Errorf("after Check the INBOX holds %d messages, want none", len(msgs))
	}
}

// TestAgentLogin checks each way to log in, and a refusal.
func TestAgentLogin(t *testing.T) {
	for _, auth := range []string{AuthUser, AuthAPOP, AuthPlain, AuthLogin} {
		e := fixture(t, Config{})
		a, _ := e.agent(AgentOptions{Auth: auth, Keep: true})
		if _, err := a.Check(); err != nil {
			t.Errorf("%s: %v", auth, err)
		}
	}
	e := fixture(t, Config{})
	unlock, _ := e.acct.LockMaildrop()
	a, _ := e.agent(AgentOptions{})
	if _, err := a.Check(); !IsCode(err, CodeInUse) {
		t.Errorf("Check() on a locked maildrop: %v, want [IN-USE]", err)
	}
	if got := e.commands(); got[len(got)-1] != "QUIT" {
		t.Errorf("after a refusal the agent sent %q, want QUIT last", got)
	}
	unlock()
	bad := NewAgent(Plain(func() (net.Conn, error) { return e.net.Dial("x", host, 110) }), beto, "limon", AgentOptions{})
	if _, err := bad.Check(); !IsCode(err, CodeAuth) {
		t.Errorf("Check() with a wrong password: %v, want [AUTH]", err)
	}
	odd := NewAgent(Plain(func() (net.Conn, error) { return e.net.Dial("x", host, 110) }), beto, password, AgentOptions{Auth: "kerberos"})
	if _, err := odd.Check(); err == nil {
		t.Error("an unknown way to log in worked")
	}
}
