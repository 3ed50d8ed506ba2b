package world_test

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/pop3"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/world"
)

// liveWorld returns a world for real clients, closed when the test ends.
func liveWorld(t *testing.T) *world.World {
	t.Helper()
	w, err := world.New(nil, world.Options{Clock: sim.RealClock{}, LineDelay: -1, Live: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// serveAll offers every service of w on host, at ports the system picks.
func serveAll(t *testing.T, w *world.World, host string, public bool) map[string]string {
	t.Helper()
	a := net.JoinHostPort(host, "0")
	ls, err := w.Serve(world.ServeOptions{SMTP: a, Submission: a, SMTPS: a, IMAP: a, IMAPS: a, POP3: a, POP3S: a, Public: public})
	if err != nil {
		t.Fatal(err)
	}
	addrs := make(map[string]string)
	for _, l := range ls {
		addrs[l.Service] = l.Addr.String()
		if want := l.Service == "smtps" || l.Service == "imaps" || l.Service == "pop3s"; l.TLS != want {
			t.Errorf("%s: TLS = %v, want %v", l.Service, l.TLS, want)
		}
	}
	if len(addrs) != 7 {
		t.Fatalf("services %v, want 7", addrs)
	}
	return addrs
}

// TestServeTLS has Go's clients use every TLS door of serve: submission
// with implicit TLS and with STARTTLS, IMAP and POP3 both ways. The trace
// holds the records of the live connections and the decrypted lines.
func TestServeTLS(t *testing.T) {
	w := liveWorld(t)
	addrs := serveAll(t, w, "127.0.0.1", false)
	client := &tls.Config{RootCAs: w.PKI.Pool(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS13}
	dial := func(service string) net.Conn {
		c, err := net.DialTimeout("tcp", addrs[service], 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		return c
	}
	send := func(c net.Conn, startTLS *tls.Config, subject string) {
		t.Helper()
		err := smtp.Submit(c, &smtp.Submission{
			Hello: "python.example", Username: "ana@ejemplo.com", Password: "manzana", StartTLS: startTLS,
			From: "ana@ejemplo.com", To: []string{"carla@ejemplo.com"},
			Data: []byte("From: ana@ejemplo.com\r\nTo: carla@ejemplo.com\r\nSubject: " + subject + "\r\n\r\nsecreto\r\n"),
		})
		if err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
	}
	if err := w.AddAccount("carla@ejemplo.com", "limon"); err != nil {
		t.Fatal(err)
	}
	send(tls.Client(dial("smtps"), client), nil, "por 465")
	send(dial("submission"), client, "por 587 con STARTTLS")

	for _, service := range []string{"imaps", "imap"} {
		var c *imapclient.Client
		var err error
		if service == "imaps" {
			c, err = imapclient.DialTLS(addrs[service], &imapclient.Options{TLSConfig: client})
		} else {
			c, err = imapclient.DialStartTLS(addrs[service], &imapclient.Options{TLSConfig: client})
		}
		if err != nil {
			t.Fatalf("%s: %v", service, err)
		}
		if err := c.Login("carla@ejemplo.com", "limon").Wait(); err != nil {
			t.Fatalf("%s: LOGIN: %v", service, err)
		}
		data, err := c.Select("INBOX", nil).Wait()
		if err != nil || data.NumMessages != 2 {
			t.Errorf("%s: SELECT = %+v, %v; want the two messages", service, data, err)
		}
		c.Logout().Wait()
		c.Close()
	}

	for _, service := range []string{"pop3s", "pop3"} {
		conn := dial(service)
		if service == "pop3s" {
			conn = tls.Client(conn, client)
		}
		c, err := pop3.NewClient(conn)
		if err != nil {
			t.Fatal(err)
		}
		if service == "pop3" {
			if err := c.Stls(client); err != nil {
				t.Fatalf("STLS: %v", err)
			}
		}
		if err := c.User("carla@ejemplo.com"); err != nil {
			t.Fatal(err)
		}
		if err := c.Pass("limon"); err != nil {
			t.Fatal(err)
		}
		msg, err := c.Retr(1)
		if err != nil || !strings.Contains(string(msg), "with ESMTPSA id") {
			t.Errorf("%s: RETR 1 = %q, %v; want the message received with ESMTPSA", service, msg, err)
		}
		c.Quit()
	}

	// The trace has both truths of each live connection.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var lines, records strings.Builder
		for _, e := range w.Trace.Events() {
			if e.Conn == nil || !e.Conn.Live {
				continue
			}
			switch e.Kind {
			case sim.KindLine:
				fmt.Fprintf(&lines, "%d %s\n", e.Conn.Port, e.Text)
			case sim.KindTLS:
				fmt.Fprintf(&records, "%d %s\n", e.Conn.Port, e.Text)
			}
		}
		missing := ""
		for _, want := range []string{"465 AUTH PLAIN", "587 STARTTLS", "587 AUTH PLAIN", "993 T1 LOGIN", "143 T1 STARTTLS", "995 PASS limon", "110 STLS", "110 PASS limon", "465 secreto"} {
			if !strings.Contains(lines.String(), want) {
				missing = want
			}
		}
		for _, port := range []int{465, 587, 993, 143, 995, 110} {
			if !strings.Contains(records.String(), fmt.Sprintf("%d handshake ClientHello", port)) {
				missing = fmt.Sprintf("a ClientHello on %d", port)
			}
		}
		if strings.Contains(records.String(), "secreto") || strings.Contains(records.String(), "limon") {
			t.Fatalf("the wire shows a secret:\n%s", records.String())
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the trace lacks %q:\n%s", missing, lines.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nonLoopback returns an IPv4 address of this machine beyond loopback, or
// "".
func nonLoopback() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			if l, err := net.Listen("tcp", net.JoinHostPort(n.IP.String(), "0")); err == nil {
				l.Close()
				return n.IP.String()
			}
		}
	}
	return ""
}

// TestServeRefusesPlaintextBeyondLoopback serves on an address beyond
// loopback: each protocol refuses passwords in the clear with its own
// reply, and takes them under TLS.
func TestServeRefusesPlaintextBeyondLoopback(t *testing.T) {
	ip := nonLoopback()
	if ip == "" {
		t.Skip("this machine has no address beyond loopback; the protocol packages test RequireTLS itself")
	}
	w := liveWorld(t)
	addrs := serveAll(t, w, ip, true)
	client := &tls.Config{RootCAs: w.PKI.Pool(), ServerName: ip, MinVersion: tls.VersionTLS13}
	text := func(service string) *textproto.Conn {
		c, err := net.DialTimeout("tcp", addrs[service], 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		tc := textproto.NewConn(c)
		t.Cleanup(func() { tc.Close() })
		return tc
	}
	line := func(tc *textproto.Conn) string {
		t.Helper()
		l, err := tc.ReadLine()
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	plain := base64.StdEncoding.EncodeToString([]byte("\x00ana@ejemplo.com\x00manzana"))

	// SMTP submission: no AUTH on offer, and 523 to AUTH.
	s := text("submission")
	line(s)
	s.PrintfLine("EHLO x")
	var ehlo []string
	for {
		l := line(s)
		ehlo = append(ehlo, l)
		if l[3] == ' ' {
			break
		}
	}
	if got := strings.Join(ehlo, "\n"); strings.Contains(got, "AUTH") || !strings.Contains(got, "STARTTLS") {
		t.Errorf("EHLO beyond loopback:\n%s\nwant STARTTLS and no AUTH", got)
	}
	s.PrintfLine("AUTH PLAIN %s", plain)
	if got := line(s); !strings.HasPrefix(got, "523 5.7.10") {
		t.Errorf("AUTH in the clear = %q, want 523 5.7.10", got)
	}
	err := smtp.Submit(tls.Client(mustDial(t, addrs["smtps"]), client), &smtp.Submission{
		Hello: "x", Username: "ana@ejemplo.com", Password: "manzana", From: "ana@ejemplo.com", To: []string{"beto@otro.org"},
		Data: []byte("Subject: x\r\n\r\nx\r\n"),
	})
	if err != nil {
		t.Errorf("submission over TLS beyond loopback: %v", err)
	}

	// IMAP: LOGINDISABLED, and NO [PRIVACYREQUIRED] to LOGIN.
	m := text("imap")
	if got := line(m); !strings.Contains(got, "LOGINDISABLED") || strings.Contains(got, "AUTH=") {
		t.Errorf("IMAP greeting beyond loopback = %q, want LOGINDISABLED", got)
	}
	m.PrintfLine(`a LOGIN "beto@otro.org" "naranja"`)
	if got := line(m); !strings.HasPrefix(got, "a NO [PRIVACYREQUIRED]") {
		t.Errorf("LOGIN in the clear = %q, want a NO [PRIVACYREQUIRED]", got)
	}
	ic, err := imapclient.DialStartTLS(addrs["imap"], &imapclient.Options{TLSConfig: client})
	if err != nil {
		t.Fatal(err)
	}
	if err := ic.Login("beto@otro.org", "naranja").Wait(); err != nil {
		t.Errorf("LOGIN after STARTTLS beyond loopback: %v", err)
	}
	if !ic.Caps().Has(imap.CapIMAP4rev2) {
		t.Errorf("capabilities after login: %v", ic.Caps())
	}
	ic.Logout().Wait()
	ic.Close()

	// POP3: -ERR [AUTH] to USER.
	p := text("pop3")
	line(p)
	p.PrintfLine("USER beto@otro.org")
	if got := line(p); !strings.HasPrefix(got, "-ERR [AUTH]") {
		t.Errorf("USER in the clear = %q, want -ERR [AUTH]", got)
	}
	pc, err := pop3.NewClient(tls.Client(mustDial(t, addrs["pop3s"]), client))
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.User("beto@otro.org"); err != nil {
		t.Errorf("USER over TLS beyond loopback: %v", err)
	} else if err := pc.Pass("naranja"); err != nil {
		t.Errorf("PASS over TLS beyond loopback: %v", err)
	}
	pc.Quit()
}

func mustDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c
}
