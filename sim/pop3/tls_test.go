package pop3

import (
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/pki"
)

// tlsEnv returns an env whose server offers STLS on port 110 and implicit
// TLS on port 995, its TLS decrypted in the trace, and the configuration
// of a client that trusts it.
func tlsEnv(t *testing.T, requireTLS bool) (*env, *tls.Config) {
	t.Helper()
	ca, err := pki.New(9, sim.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(host)
	if err != nil {
		t.Fatal(err)
	}
	scfg := &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS13, SessionTicketsDisabled: true, Time: sim.Epoch.Local}
	e := fixture(t, Config{TLS: scfg, RequireTLS: requireTLS})
	scfg.KeyLogWriter = e.keys
	ln, err := e.net.Listen(host, 995, sim.POP3)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		e.srv.Serve(tls.NewListener(ln, scfg))
	}()
	t.Cleanup(func() {
		ln.Close()
		<-served
	})
	return e, &tls.Config{RootCAs: ca.Pool(), ServerName: host, MinVersion: tls.VersionTLS13, KeyLogWriter: e.keys, Time: sim.Epoch.Local}
}

// lines returns the line events of the trace, "C: " and "S: "; a tls event
// that shows the password fails the test.
func (e *env) lines(t *testing.T) []string {
	var out []string
	for _, ev := range e.trace.Events() {
		switch ev.Kind {
		case sim.KindLine:
			who := "C: "
			if ev.Dir == sim.S2C {
				who = "S: "
			}
			out = append(out, who+ev.Text)
		case sim.KindTLS:
			if strings.Contains(ev.Text, password) {
				t.Errorf("the wire shows the password: %s", ev.Text)
			}
		}
	}
	return out
}

// TestImplicitTLS checks a session on port 995: TLS from the first byte,
// and no STLS on offer.
func TestImplicitTLS(t *testing.T) {
	e, ccfg := tlsEnv(t, false)
	conn, err := e.net.Dial("beto-phone", host, 995)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(tls.Client(conn, ccfg))
	if err != nil {
		t.Fatal(err)
	}
	caps, err := c.Capa()
	if err != nil || slices.Contains(caps, "STLS") || !slices.Contains(caps, "USER") {
		t.Errorf("CAPA = %q, %v; want USER and no STLS", caps, err)
	}
	if err := c.User(beto); err != nil {
		t.Fatal(err)
	}
	if err := c.Pass(password); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	got := e.lines(t)
	if len(got) == 0 || !strings.HasPrefix(got[0], "S: +OK mail.otro.org POP3 server ready") || !slices.Contains(got, "C: PASS naranja") {
		t.Errorf("lines:\n%s\nwant the greeting first and the session decrypted", strings.Join(got, "\n"))
	}
	var first sim.Event
	for _, ev := range e.trace.Events() {
		if ev.Kind == sim.KindTLS || ev.Kind == sim.KindLine {
			first = ev
			break
		}
	}
	if first.Kind != sim.KindTLS || first.TLS.Messages[0] != "ClientHello" {
		t.Errorf("the first thing on the wire is %v %q, want a ClientHello", first.Kind, first.Text)
	}
}

// TestRequireTLS checks a server that refuses passwords in the clear: CAPA
// offers neither USER nor SASL before TLS, USER, PASS and AUTH are refused
// with [AUTH], APOP still works; after STLS, or on port 995, all goes as
// usual.
func TestRequireTLS(t *testing.T) {
	e, ccfg := tlsEnv(t, true)
	s := e.dial(t)
	s.must("CAPA", "+OK Capability list follows\nTOP\nUIDL\nRESP-CODES\nAUTH-RESP-CODE\nPIPELINING\nSTLS\nIMPLEMENTATION MailScope\n.")
	refusal := "-ERR [AUTH] Plaintext authentication is disallowed without TLS: use STLS first"
	for _, cmd := range []string{"USER " + beto, "PASS " + password, "AUTH PLAIN AGJldG9Ab3Ryby5vcmcAbmFyYW5qYQ==", "AUTH LOGIN"} {
		if got := s.do(cmd); got != refusal {
			t.Errorf("%s = %q, want %q", cmd, got, refusal)
		}
	}
	s.must("AUTH", "+OK Methods supported:\nPLAIN\nLOGIN\n.")
	s.conn.Close()

	apop := func() error {
		conn, err := e.net.Dial("beto-phone", host, 110)
		if err != nil {
			return err
		}
		c, err := NewClient(conn)
		if err != nil {
			return err
		}
		defer c.Quit()
		sum := md5.Sum([]byte(c.Timestamp() + password))
		_, err = c.cmd("APOP %s %s", beto, hex.EncodeToString(sum[:]))
		return err
	}
	if err := apop(); err != nil {
		t.Errorf("APOP in the clear = %v, want +OK (the password does not cross the wire)", err)
	}

	for _, implicit := range []bool{false, true} {
		var conn net.Conn
		var err error
		if implicit {
			conn, err = e.net.Dial("beto-phone", host, 995)
			conn = tls.Client(conn, ccfg)
		} else {
			conn, err = e.net.Dial("beto-phone", host, 110)
		}
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewClient(conn)
		if err != nil {
			t.Fatal(err)
		}
		if !implicit {
			if err := c.Stls(ccfg); err != nil {
				t.Fatal(err)
			}
		}
		if caps, _ := c.Capa(); !slices.Contains(caps, "USER") {
			t.Errorf("implicit %v: CAPA under TLS = %q, want USER", implicit, caps)
		}
		if err := c.User(beto); err != nil {
			t.Errorf("implicit %v: USER under TLS = %v", implicit, err)
		}
		if err := c.Pass(password); err != nil {
			t.Errorf("implicit %v: PASS under TLS = %v", implicit, err)
		}
		c.Quit()
	}
}

// TestAgentSTLS checks an agent that upgrades each session with STLS and
// asks for the capabilities again.
func TestAgentSTLS(t *testing.T) {
	e, ccfg := tlsEnv(t, false)
	a := NewAgent(func() (net.Conn, *tls.Config, error) {
		c, err := e.net.Dial("beto-phone", host, 110)
		return c, ccfg, err
	}, beto, password, AgentOptions{Keep: true})
	res, err := a.Check()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fetched) != 2 || !res.Quit {
		t.Errorf("Check = %+v, want two messages and QUIT", res)
	}
	got := e.lines(t)
	want := []string{"C: CAPA", "C: STLS", "S: +OK Begin TLS negotiation", "C: CAPA"}
	var saw []string
	for _, l := range got {
		if slices.Contains(want, l) {
			saw = append(saw, l)
		}
	}
	if !slices.Equal(saw, want) {
		t.Errorf("lines:\n%s\nwant CAPA, STLS, its +OK and CAPA again", strings.Join(got, "\n"))
	}
	if i := slices.Index(got, "C: USER "+beto); i < slices.Index(got, "S: +OK Begin TLS negotiation") {
		t.Errorf("USER at %d, before STLS", i)
	}
}
