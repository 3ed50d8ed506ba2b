package pop3

import (
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"

	gosasl "github.com/emersion/go-sasl"
)

func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		line string
		text string
		err  *Error
		bad  bool
	}{
		{line: "+OK", text: ""},
		{line: "+OK 2 320", text: "2 320"},
		{line: "+OK  two spaces", text: " two spaces"},
		{line: "-ERR", err: &Error{}},
		{line: "-ERR no such message", err: &Error{Text: "no such message"}},
		{line: "-ERR [IN-USE] Mailbox locked", err: &Error{Code: "IN-USE", Text: "Mailbox locked"}},
		{line: "-ERR [SYS/TEMP]", err: &Error{Code: "SYS/TEMP"}},
		{line: "-ERR [not a code] text", err: &Error{Text: "[not a code] text"}},
		{line: "-ERR [unclosed", err: &Error{Text: "[unclosed"}},
		{line: "+OKAY", bad: true},
		{line: "-ERROR", bad: true},
		{line: "* OK IMAP4rev2", bad: true},
		{line: "", bad: true},
	} {
		text, err := parseStatus(tc.line)
		var e *Error
		switch {
		case tc.bad:
			if err == nil || errors.As(err, &e) {
				t.Errorf("parseStatus(%q) = %q, %v; want a protocol error", tc.line, text, err)
			}
		case tc.err != nil:
			if !errors.As(err, &e) || *e != *tc.err {
				t.Errorf("parseStatus(%q) = %q, %#v; want %#v", tc.line, text, err, tc.err)
			}
		case err != nil || text != tc.text:
			t.Errorf("parseStatus(%q) = %q, %v; want %q", tc.line, text, err, tc.text)
		}
	}
}

// client connects a Client to the env's server.
func (e *env) client(t *testing.T) *Client {
	t.Helper()
	conn, err := e.net.Dial("beto-phone", host, 110)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestClient runs every method of the client against the server.
func TestClient(t *testing.T) {
	e := fixture(t, Config{})
	c := e.client(t)
	if got := c.Timestamp(); got != "<1.1772438400@mail.otro.org>" {
		t.Errorf("Timestamp() = %q", got)
	}
	caps, err := c.Capa()
	if err != nil || !reflect.DeepEqual(caps, []string{"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL PLAIN LOGIN", "IMPLEMENTATION MailScope"}) {
		t.Errorf("Capa() = %q, %v", caps, err)
	}
	if _, _, err := c.Stat(); err == nil || !strings.Contains(err.Error(), "TRANSACTION") {
		t.Errorf("Stat() before login: %v", err)
	}
	if err := c.User(beto); err != nil {
		t.Fatal(err)
	}
	if err := c.Pass("limon"); !IsCode(err, CodeAuth) {
		t.Errorf("Pass(wrong) = %v, want [AUTH]", err)
	}
	if err := c.User(beto); err != nil {
		t.Fatal(err)
	}
	if err := c.Pass(password); err != nil {
		t.Fatal(err)
	}
	if n, size, err := c.Stat(); n != 2 || size != 65 || err != nil {
		t.Errorf("Stat() = %d, %d, %v; want 2, 65", n, size, err)
	}
	if l, err := c.List(2); l != (MessageSize{2, 36}) || err != nil {
		t.Errorf("List(2) = %v, %v", l, err)
	}
	if l, err := c.ListAll(); !reflect.DeepEqual(l, []MessageSize{{1, 29}, {2, 36}}) || err != nil {
		t.Errorf("ListAll() = %v, %v", l, err)
	}
	if u, err := c.Uidl(1); u != (MessageUID{1, uid1}) || err != nil {
		t.Errorf("Uidl(1) = %v, %v", u, err)
	}
	if u, err := c.UidlAll(); !reflect.DeepEqual(u, []MessageUID{{1, uid1}, {2, uid2}}) || err != nil {
		t.Errorf("UidlAll() = %v, %v", u, err)
	}
	if m, err := c.Retr(2); string(m) != "Subject: dos\r\n\r\n.punto\r\n..\r\n.\r\nfin\r\n" || err != nil {
		t.Errorf("Retr(2) = %q, %v", m, err)
	}
	if m, err := c.Top(2, 1); string(m) != "Subject: dos\r\n\r\n.punto\r\n" || err != nil {
		t.Errorf("Top(2, 1) = %q, %v", m, err)
	}
	if _, err := c.Retr(3); err == nil || err.Error() != "pop3: -ERR no such message, only 2 messages in maildrop" {
		t.Errorf("Retr(3) = %v", err)
	}
	if err := c.Noop(); err != nil {
		t.Error(err)
	}
	if err := c.Dele(1); err != nil {
		t.Error(err)
	}
	if err := c.Rset(); err != nil {
		t.Error(err)
	}
	if err := c.Dele(2); err != nil {
		t.Error(err)
	}
	if err := c.Quit(); err != nil {
		t.Error(err)
	}
	if _, msgs := e.acct.Maildrop(); len(msgs) != 1 || msgs[0].UID != 1 {
		t.Errorf("after Quit the INBOX holds %+v, want UID 1", msgs)
	}
}

// TestClientAuth logs in with APOP and with SASL, and meets [IN-USE].
func TestClientAuth(t *testing.T) {
	e := fixture(t, Config{})
	for _, tc := range []struct {
		name  string
		login func(c *Client) error
	}{
		{"APOP", func(c *Client) error { return c.Apop("beto", password) }},
		{"PLAIN", func(c *Client) error { return c.Auth(gosasl.NewPlainClient("", beto, password)) }},
		{"LOGIN", func(c *Client) error { return c.Auth(gosasl.NewLoginClient(beto, password)) }},
		{"PLAIN without room for the initial response", func(c *Client) error {
			return c.Auth(gosasl.NewPlainClient("", beto, password+strings.Repeat(" ", 300)))
		}},
	} {
		c := e.client(t)
		err := tc.login(c)
		if tc.name == "PLAIN without room for the initial response" {
			if !IsCode(err, CodeAuth) {
				t.Errorf("%s: %v, want [AUTH] after a continuation", tc.name, err)
			}
			c.Quit()
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		other := e.client(t)
		if err := other.Apop("beto", password); !IsCode(err, CodeInUse) {
			t.Errorf("%s: a second session: %v, want [IN-USE]", tc.name, err)
		}
		other.Quit()
		c.Quit()
	}
	// A mechanism the server does not offer.
	c := e.client(t)
	if err := c.Auth(gosasl.NewAnonymousClient("x")); err == nil || !strings.Contains(err.Error(), "Unsupported authentication mechanism") {
		t.Errorf("AUTH ANONYMOUS: %v", err)
	}
}

// fakeServer runs script against a client: each element is what the server
// sends after reading one line (the first, the greeting, without reading).
func fakeServer(t *testing.T, script ...string) net.Conn {
	cc, sc := net.Pipe()
	go func() {
		defer sc.Close()
		buf := make([]byte, 4096)
		for i, out := range script {
			if i > 0 {
				if _, err := sc.Read(buf); err != nil {
					return
				}
			}
			if _, err := io.WriteString(sc, out); err != nil {
				return
			}
		}
	}()
	return cc
}

// TestClientBadServer checks that replies that break the protocol are
// errors, never panics.
func TestClientBadServer(t *testing.T) {
	if _, err := NewClient(fakeServer(t, "* OK IMAP4rev2 ready\r\n")); err == nil {
		t.Error("NewClient accepted an IMAP greeting")
	}
	if _, err := NewClient(fakeServer(t, "-ERR [SYS/TEMP] busy\r\n")); !IsCode(err, CodeSysTemp) {
		t.Errorf("NewClient with a refusal: %v", err)
	}
	for _, tc := range []struct {
		name string
		run  func(c *Client) error
		out  string
	}{
		{"STAT", func(c *Client) error { _, _, err := c.Stat(); return err }, "+OK lots\r\n"},
		{"LIST n", func(c *Client) error { _, err := c.List(1); return err }, "+OK one 2\r\n"},
		{"LIST", func(c *Client) error { _, err := c.ListAll(); return err }, "+OK\r\n1\r\n.\r\n"},
		{"UIDL", func(c *Client) error { _, err := c.UidlAll(); return err }, "+OK\r\n1\r\n.\r\n"},
		{"UIDL n", func(c *Client) error { _, err := c.Uidl(1); return err }, "+OK x y\r\n"},
		{"RETR cut", func(c *Client) error { _, err := c.Retr(1); return err }, "+OK\r\nSubject: x\r\n"},
		{"AUTH garbage", func(c *Client) error { return c.Auth(gosasl.NewLoginClient("a", "b")) }, "+ !!!\r\n"},
	} {
		script := []string{"+OK ready\r\n", tc.out}
		if strings.HasPrefix(tc.name, "AUTH") {
			script = append(script, "-ERR\r\n") // the reply to "*"
		}
		c, err := NewClient(fakeServer(t, script...))
		if err != nil {
			t.Fatal(err)
		}
		if err := tc.run(c); err == nil {
			t.Errorf("%s with reply %q: no error", tc.name, tc.out)
		}
		c.Close()
	}
	c, _ := NewClient(fakeServer(t, "+OK no timestamp here\r\n"))
	if err := c.Apop("beto", password); err == nil {
		t.Error("Apop without a timestamp: no error")
	}
}
