package pop3

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim"
	simimap "github.com/mailscope/mailscope/sim/imap"
	"github.com/mailscope/mailscope/sim/store"
)

// The two messages of RFC 1939's example session, of 120 and 200 octets
// as there.
const (
	rfcMsg1 = "From: ana@ejemplo.com\r\nTo: beto@otro.org\r\nSubject: Hola\r\n\r\n" +
		"Hola, Beto. Este mensaje mide 120 octetos, como el del RFC.\r\n"
	rfcMsg2 = "From: ana@ejemplo.com\r\nTo: beto@otro.org\r\nSubject: Otro\r\n\r\n" +
		"Y este, 200 octetos.\r\n.Una linea que empieza por punto viaja con otro delante.\r\n" +
		"Adios, y hasta el viernes que viene. Un abrazo, Ana.\r\n.\r\n..\r\n"
)

// TestRFC1939Session replays the example session of RFC 1939 section 10,
// with the names of our world, and compares the wire transcript with a
// golden file.
func TestRFC1939Session(t *testing.T) {
	if len(rfcMsg1) != 120 || len(rfcMsg2) != 200 {
		t.Fatalf("the messages have %d and %d octets, want 120 and 200", len(rfcMsg1), len(rfcMsg2))
	}
	e := newEnv(t, Config{}, rfcMsg1, rfcMsg2)
	start := e.trace.Len()
	s := e.dial(t)
	greeting := s.replies(start)
	const wantGreeting = "+OK mail.otro.org POP3 server ready <1.1772438400@mail.otro.org>"
	if greeting != wantGreeting {
		t.Fatalf("greeting = %q, want %q", greeting, wantGreeting)
	}
	sum := md5.Sum([]byte("<1.1772438400@mail.otro.org>" + password))
	for _, step := range []struct{ in, want string }{
		{"APOP beto " + hex.EncodeToString(sum[:]), "+OK beto@otro.org's maildrop has 2 messages (320 octets)"},
		{"STAT", "+OK 2 320"},
		{"LIST", "+OK 2 messages (320 octets)\n1 120\n2 200\n."},
		{"RETR 1", "+OK 120 octets\n"},
		{"DELE 1", "+OK message 1 deleted"},
		{"RETR 2", "+OK 200 octets\n"},
		{"DELE 2", "+OK message 2 deleted"},
		{"QUIT", "+OK mail.otro.org POP3 server signing off (maildrop empty)"},
	} {
		s.must(step.in, step.want)
	}
	if !s.closed() {
		t.Error("the server did not close the connection after QUIT")
	}
	s.conn.Close()
	e.net.Settle(guard)
	var b bytes.Buffer
	if err := sim.WriteText(&b, e.trace.Since(start), sim.EN); err != nil {
		t.Fatal(err)
	}
	golden(t, "rfc1939.txt", b.Bytes())
	if _, msgs := e.acct.Maildrop(); len(msgs) != 0 {
		t.Errorf("the maildrop holds %d messages after the session, want none", len(msgs))
	}
}

// TestDeleteSequence checks deletion marks within a session and that QUIT
// applies them.
func TestDeleteSequence(t *testing.T) {
	e := fixture(t, Config{})
	s := e.dial(t)
	s.login()
	for _, step := range []struct{ in, want string }{
		{"DELE 1", "+OK message 1 deleted"},
		{"DELE 1", "-ERR message 1 already deleted"},
		{"RETR 1", "-ERR message 1 already deleted"},
		{"TOP 1 0", "-ERR message 1 already deleted"},
		{"LIST 1", "-ERR message 1 already deleted"},
		{"UIDL 1", "-ERR message 1 already deleted"},
		{"STAT", "+OK 1 36"},
		{"LIST", "+OK 1 message (36 octets)\n2 36\n."},
		{"UIDL", "+OK\n2 " + uid2 + "\n."},
		{"RSET", "+OK maildrop has 2 messages (65 octets)"},
		{"STAT", "+OK 2 65"},
		{"DELE 2", "+OK message 2 deleted"},
		{"QUIT", "+OK mail.otro.org POP3 server signing off (1 message left)"},
	} {
		if got := s.do(step.in); got != step.want {
			t.Errorf("%s = %q, want %q", step.in, got, step.want)
		}
	}
	_, msgs := e.acct.Maildrop()
	if len(msgs) != 1 || msgs[0].UID != 1 {
		t.Fatalf("after QUIT the INBOX holds %+v, want UID 1 alone", msgs)
	}
	// A fresh session numbers what is left from 1, with the same UIDL.
	s2 := e.dial(t)
	s2.login()
	if got, want := s2.do("UIDL"), "+OK\n1 "+uid1+"\n."; got != want {
		t.Errorf("UIDL in a new session = %q, want %q", got, want)
	}
}

// TestQuitInAuthorization checks that QUIT before logging in deletes
// nothing and skips the UPDATE state.
func TestQuitInAuthorization(t *testing.T) {
	e := fixture(t, Config{})
	s := e.dial(t)
	s.must("USER "+beto, "+OK")
	if got, want := s.do("QUIT"), "+OK mail.otro.org POP3 server signing off"; got != want {
		t.Errorf("QUIT = %q, want %q", got, want)
	}
	if !s.closed() {
		t.Error("the connection stays open after QUIT")
	}
	for _, ev := range e.trace.Events() {
		if ev.Kind == sim.KindStore && ev.Change.Op == sim.OpExpunge {
			t.Errorf("QUIT in the AUTHORIZATION state expunged: %s", ev.Text)
		}
	}
}

// TestDropAfterDele checks that a connection that drops after DELE, without
// QUIT, deletes nothing and releases the maildrop.
func TestDropAfterDele(t *testing.T) {
	e := fixture(t, Config{})
	s := e.dial(t)
	s.login()
	s.must("DELE 1", "+OK")
	s.must("DELE 2", "+OK")
	s.conn.Close()
	e.net.Settle(guard)
	if _, msgs := e.acct.Maildrop(); len(msgs) != 2 {
		t.Fatalf("after the drop the INBOX holds %d messages, want 2", len(msgs))
	}
	s2 := e.dial(t)
	s2.login()
	if got := s2.do("STAT"); got != "+OK 2 65" {
		t.Errorf("STAT in the next session = %q, want +OK 2 65", got)
	}
}

// TestInUse checks the exclusive maildrop lock (RFC 1939 section 8, RFC
// 2449 section 8.1.1).
func TestInUse(t *testing.T) {
	e := fixture(t, Config{})
	first := e.dial(t)
	first.login()
	second := e.dial(t)
	second.must("USER "+beto, "+OK")
	const inUse = "-ERR [IN-USE] Unable to lock maildrop: another session is using it"
	if got := second.do("PASS " + password); got != inUse {
		t.Errorf("PASS while another session holds the maildrop = %q, want %q", got, inUse)
	}
	if got := second.do("AUTH PLAIN " + b64("\x00"+beto+"\x00"+password)); got != inUse {
		t.Errorf("AUTH PLAIN while another session holds the maildrop = %q, want %q", got, inUse)
	}
	// The refused session stays in the AUTHORIZATION state.
	if got := second.do("CAPA"); got != capaAuth {
		t.Errorf("CAPA after [IN-USE] = %q, want the AUTHORIZATION list", got)
	}
	first.must("QUIT", "+OK")
	second.login()
	second.must("STAT", "+OK 2 65")
}

// TestArrival checks that mail that arrives during a session waits for the
// next one, and that other folders stay invisible.
func TestArrival(t *testing.T) {
	e := fixture(t, Config{})
	s := e.dial(t)
	s.login()
	if _, err := e.st.Deliver(beto, store.Inbox, []byte("Subject: nuevo\r\n\r\nrecién llegado\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	s.must("STAT", "+OK 2 65")
	s.must("LIST", "+OK 2 messages (65 octets)\n1 29\n2 36\n.")
	s.must("RETR 3", "-ERR no such message, only 2 messages in maildrop")
	s.must("DELE 1", "+OK")
	s.must("QUIT", "+OK mail.otro.org POP3 server signing off (2 messages left)")
	s2 := e.dial(t)
	s2.login()
	s2.must("UIDL", "+OK\n1 "+uid2+"\n2 69a5438100000003\n.")
}

// TestIMAPAlongside checks that an IMAP session on the same account keeps
// working while POP3 holds the maildrop, and that POP3's deletions reach it
// as EXPUNGE after QUIT and before QUIT's reply, never at DELE.
func TestIMAPAlongside(t *testing.T) {
	e := fixture(t, Config{})
	ln, err := e.net.Listen(host, 143, sim.IMAP)
	if err != nil {
		t.Fatal(err)
	}
	is := simimap.NewServer(simimap.Config{Store: e.st, Host: host})
	go is.Serve(ln)
	t.Cleanup(func() { is.Close(); ln.Close() })

	pop := e.dial(t)
	pop.login()

	conn, err := e.net.Dial("beto-laptop", host, 143)
	if err != nil {
		t.Fatal(err)
	}
	ic := imapclient.New(conn, nil)
	defer ic.Close()
	if err := ic.Login(beto, password).Wait(); err != nil {
		t.Fatalf("IMAP login while POP3 holds the maildrop: %v", err)
	}
	if _, err := ic.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := ic.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if !e.st.WaitIdlers(beto, store.Inbox, 1, guard) {
		t.Fatal("the IMAP session never idled")
	}
	e.net.Settle(guard)
	imapConn := func(ev *sim.Event) bool { return ev.Conn != nil && ev.Conn.Proto == sim.IMAP }

	mark := e.trace.Len()
	pop.must("DELE 1", "+OK")
	pop.must("DELE 2", "+OK")
	for _, ev := range e.trace.Since(mark) {
		if ev.Kind == sim.KindLine && imapConn(&ev) || ev.Kind == sim.KindStore {
			t.Errorf("before QUIT: %s", sim.TextLine(&ev, sim.EN))
		}
	}
	mark = e.trace.Len()
	pop.must("QUIT", "+OK mail.otro.org POP3 server signing off (maildrop empty)")
	var order []string
	for _, ev := range e.trace.Since(mark) {
		switch {
		case ev.Kind == sim.KindLine && imapConn(&ev):
			order = append(order, "imap: "+ev.Text)
		case ev.Kind == sim.KindLine && ev.Conn == pop.info:
			order = append(order, "pop3: "+ev.Text)
		case ev.Kind == sim.KindStore:
			order = append(order, "store: "+ev.Change.Op.String())
		}
	}
	want := []string{
		"pop3: QUIT",
		"store: expunge", "store: expunge",
		"imap: * 2 EXPUNGE", "imap: * 1 EXPUNGE",
		"pop3: +OK mail.otro.org POP3 server signing off (maildrop empty)",
	}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Errorf("around QUIT:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
	// The message in another folder was never POP3's.
	data, err := ic.Status("Archivo", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || *data.NumMessages != 1 {
		t.Errorf("Archivo after POP3's session: %v, %v; want its message", data, err)
	}
}

// TestAbuse checks that garbage gets -ERR and the session goes on, and
// that MaxErrors negative replies in a row end it politely.
func TestAbuse(t *testing.T) {
	e := fixture(t, Config{})
	s := e.dial(t)
	for i := 0; i < MaxErrors-1; i++ {
		s.must("\x00\x01garbage", "-ERR")
	}
	s.must("CAPA", "+OK") // a good command starts the count again
	for i := 0; i < MaxErrors-1; i++ {
		s.must(strings.Repeat("?", 300), "-ERR Line too long")
	}
	if got, want := s.do("BLAH"), "-ERR Too many errors, closing connection"; got != want {
		t.Errorf("the %dth bad command = %q, want %q", MaxErrors, got, want)
	}
	if !s.closed() {
		t.Error("the connection stays open after too many errors")
	}
}

// TestAuthFailures checks that repeated failed logins end the session.
func TestAuthFailures(t *testing.T) {
	e := fixture(t, Config{})
	s := e.dial(t)
	for i := 1; i < MaxAuthFailures; i++ {
		s.must("USER "+beto, "+OK")
		s.must("PASS limon", "-ERR [AUTH] Authentication failed")
	}
	s.must("USER "+beto, "+OK")
	if got, want := s.do("PASS limon"), "-ERR [AUTH] Authentication failed too many times, closing connection"; got != want {
		t.Errorf("failed login %d = %q, want %q", MaxAuthFailures, got, want)
	}
	if !s.closed() {
		t.Error("the connection stays open after too many failed logins")
	}
}

// TestAuth checks the SASL exchanges of RFC 5034: continuations, the
// LOGIN mechanism and cancelling with "*".
func TestAuth(t *testing.T) {
	const loggedIn = "+OK beto@otro.org's maildrop has 2 messages (65 octets)"
	for _, tc := range []struct {
		name  string
		steps [][2]string // what the client sends, what the server answers
	}{
		{"PLAIN continuation", [][2]string{
			{"AUTH PLAIN", "+ "},
			{b64("\x00" + beto + "\x00" + password), loggedIn},
		}},
		{"PLAIN continuation, wrong password", [][2]string{
			{"AUTH PLAIN", "+ "},
			{b64("\x00" + beto + "\x00limon"), "-ERR [AUTH] Authentication failed"},
			{"CAPA", capaAuth},
		}},
		{"LOGIN", [][2]string{
			{"AUTH LOGIN", "+ VXNlcm5hbWU6"},
			{b64("beto"), "+ UGFzc3dvcmQ6"},
			{b64(password), loggedIn},
		}},
		{"LOGIN with initial response", [][2]string{
			{"AUTH LOGIN " + b64(beto), "+ UGFzc3dvcmQ6"},
			{b64(password), loggedIn},
		}},
		{"cancelled", [][2]string{
			{"AUTH PLAIN", "+ "},
			{"*", "-ERR Authentication cancelled"},
			{"CAPA", capaAuth},
		}},
		{"cancelled LOGIN", [][2]string{
			{"AUTH LOGIN", "+ VXNlcm5hbWU6"},
			{b64("beto"), "+ UGFzc3dvcmQ6"},
			{"*", "-ERR Authentication cancelled"},
		}},
		{"bad base64 in a continuation", [][2]string{
			{"AUTH PLAIN", "+ "},
			{"%%%", "-ERR Invalid base64 data, authentication aborted"},
		}},
		{"long continuation", [][2]string{
			{"AUTH PLAIN", "+ "},
			{strings.Repeat("A", MaxAuthLine+10), "-ERR Line too long, authentication aborted"},
			{"CAPA", capaAuth},
		}},
	} {
		e := fixture(t, Config{})
		s := e.dial(t)
		for _, st := range tc.steps {
			if got := s.do(st[0]); got != st[1] {
				t.Errorf("%s: %.40q = %q, want %q", tc.name, st[0], got, st[1])
				break
			}
		}
	}
}

// TestAPOP checks APOP with the right and a wrong digest.
func TestAPOP(t *testing.T) {
	e := fixture(t, Config{})
	wrong := e.dial(t)
	ts := "<1.1772438400@mail.otro.org>"
	sum := md5.Sum([]byte(ts + "limon"))
	wrong.must("APOP beto "+hex.EncodeToString(sum[:]), "-ERR [AUTH] Authentication failed")
	// The digest is bound to the greeting: the right one of another
	// session does not work here.
	ts2 := "<2.1772438400@mail.otro.org>"
	sum = md5.Sum([]byte(ts2 + password))
	wrong.must("APOP beto "+hex.EncodeToString(sum[:]), "-ERR [AUTH] Authentication failed")

	right := e.dial(t)
	sum = md5.Sum([]byte(ts2 + password))
	right.must("APOP beto@otro.org "+strings.ToUpper(hex.EncodeToString(sum[:])), "+OK beto@otro.org's maildrop has 2 messages (65 octets)")
}

// TestAccounts checks that a server lets in only the accounts it keeps, and
// that a front door lets in every account.
func TestAccounts(t *testing.T) {
	e := fixture(t, Config{})
	s := e.dial(t)
	s.must("USER ana@ejemplo.com", "+OK")
	s.must("PASS manzana", "-ERR [AUTH] Authentication failed")

	ln, err := e.net.Listen("localhost", 110, sim.POP3)
	if err != nil {
		t.Fatal(err)
	}
	door := NewServer(Config{Store: e.st, Clock: e.clock})
	go door.Serve(ln)
	defer door.Close()
	conn, err := e.net.Dial("somewhere", "localhost", 110)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Greeting(), "localhost POP3 server ready <1.") {
		t.Errorf("front door greeting = %q", c.Greeting())
	}
	if err := c.User("ana"); err != nil {
		t.Fatal(err)
	}
	if err := c.Pass("manzana"); err != nil {
		t.Errorf("ana on the front door: %v", err)
	}
	c.Quit()
}

// TestPipelining sends several commands in one write (RFC 2449 section
// 6.6): the replies come in order.
func TestPipelining(t *testing.T) {
	e := fixture(t, Config{})
	s := e.dial(t)
	m := s.mark()
	s.send("USER " + beto + "\r\nPASS " + password + "\r\nSTAT\r\nUIDL 1\r\nNOOP\r\nQUIT\r\n")
	want := "+OK Send your password with PASS\n+OK beto@otro.org's maildrop has 2 messages (65 octets)\n+OK 2 65\n+OK 1 " + uid1 + "\n+OK\n+OK mail.otro.org POP3 server signing off (2 messages left)"
	if got := s.replies(m); got != want {
		t.Errorf("pipelined replies = %q, want %q", got, want)
	}
}

// TestStrayBytes checks lines that end in a bare LF, and commands sent
// after QUIT.
func TestStrayBytes(t *testing.T) {
	e := fixture(t, Config{})
	s := e.dial(t)
	m := s.mark()
	s.send("CAPA\nQUIT\r\nNOOP\r\n")
	if got := s.replies(m); got != capaAuth+"\n+OK mail.otro.org POP3 server signing off" {
		t.Errorf("replies = %q", got)
	}
}

// selfSigned returns a TLS configuration with a fresh self-signed
// certificate for mail.otro.org, and a pool that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// TestSTLS checks STLS (RFC 2595) on a server given a TLS configuration.
func TestSTLS(t *testing.T) {
	cfg, pool := selfSigned(t)
	e := fixture(t, Config{TLS: cfg})
	s := e.dial(t)
	withSTLS := strings.Replace(capaAuth, "PIPELINING\n", "PIPELINING\nSTLS\n", 1)
	s.must("CAPA", withSTLS)
	s.must("STLS now", "-ERR STLS takes no arguments")
	s.conn.Close()

	conn, err := e.net.Dial("beto-phone", host, 110)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Stls(&tls.Config{ServerName: host, RootCAs: pool}); err != nil {
		t.Fatalf("STLS: %v", err)
	}
	caps, err := c.Capa()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(caps, "\n")+"\n" != strings.TrimSuffix(strings.TrimPrefix(capaAuth, "+OK Capability list follows\n"), ".") {
		t.Errorf("CAPA under TLS = %q, want no STLS", caps)
	}
	if _, err := c.cmd("STLS"); err == nil || err.Error() != "pop3: -ERR TLS is already active" {
		t.Errorf("a second STLS: %v", err)
	}
	if err := c.User(beto); err != nil {
		t.Fatal(err)
	}
	if err := c.Pass(password); err != nil {
		t.Fatal(err)
	}
	if _, err := c.cmd("STLS"); err == nil || !strings.Contains(err.Error(), "only in the AUTHORIZATION state") {
		t.Errorf("STLS after login: %v", err)
	}
	msg, err := c.Retr(2)
	if err != nil || string(msg) != "Subject: dos\r\n\r\n.punto\r\n..\r\n.\r\nfin\r\n" {
		t.Errorf("RETR 2 under TLS = %q, %v", msg, err)
	}
	if err := c.Quit(); err != nil {
		t.Error(err)
	}
}

// TestTimeout checks the inactivity timer on a real connection: the server
// closes a silent session without a reply and without deleting anything.
func TestTimeout(t *testing.T) {
	e := fixture(t, Config{})
	srv := NewServer(Config{Store: e.st, Host: host, Timeout: 200 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	for _, line := range []string{"", "USER beto", "PASS naranja", "DELE 1"} {
		if line != "" {
			fmt.Fprintf(conn, "%s\r\n", line)
		}
		reply, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(reply, "+OK") {
			t.Fatalf("%q: %q, %v", line, reply, err)
		}
	}
	conn.SetReadDeadline(time.Now().Add(guard))
	rest, err := io.ReadAll(r)
	if err != nil || len(rest) != 0 {
		t.Errorf("after the timeout the server sent %q (%v), want nothing and EOF", rest, err)
	}
	if _, msgs := e.acct.Maildrop(); len(msgs) != 2 {
		t.Errorf("a timed-out session deleted: %d messages left", len(msgs))
	}
	// The lock was released.
	unlock, ok := e.acct.LockMaildrop()
	if !ok {
		t.Fatal("the maildrop is still locked after the timeout")
	}
	unlock()
}

// TestClose checks that closing the server ends its sessions without
// deleting anything.
func TestClose(t *testing.T) {
	e := fixture(t, Config{})
	s := e.dial(t)
	s.login()
	s.must("DELE 1", "+OK")
	e.srv.Close()
	if !s.closed() {
		t.Error("Close left a session open")
	}
	if _, msgs := e.acct.Maildrop(); len(msgs) != 2 {
		t.Errorf("Close deleted: %d messages left", len(msgs))
	}
	if err := e.srv.Serve(nil); err != ErrServerClosed {
		t.Errorf("Serve after Close = %v, want ErrServerClosed", err)
	}
}
