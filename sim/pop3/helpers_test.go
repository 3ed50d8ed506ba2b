package pop3

import (
	"bufio"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/store"
	"github.com/mailscope/mailscope/sim/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Names shared by the tests.
const (
	host     = "mail.otro.org"
	beto     = "beto@otro.org"
	password = "naranja"
)

// guard bounds how long a test waits for something that must happen; it
// only turns a hang into a failure.
const guard = 10 * time.Second

// The maildrop most tests work on: two messages in Beto's INBOX, one of
// them with bare LFs, lines that begin with a dot and no final line end,
// and a third message in another folder, which POP3 must not see.
const (
	msg1    = "Subject: uno\r\n\r\nHola, Beto.\r\n"      // 29 octets
	msg2    = "Subject: dos\n\n.punto\n..\n.\nfin"       // 29 bytes, 36 octets as sent
	msgArch = "Subject: tres\r\n\r\nen otra carpeta\r\n" // in "Archivo"
)

// env is a store served by a POP3 server on a simulated network, with
// every line recorded in a trace.
type env struct {
	clock *sim.VirtualClock
	trace *sim.Trace
	st    *store.Store
	net   *wire.Network
	keys  *wire.KeyLog // the TLS secrets the taps decrypt with
	srv   *Server
	acct  *store.Account
}

// newEnv returns an env in which mail.otro.org keeps beto@otro.org
// (password naranja) with msgs in its INBOX, and mail.ejemplo.com keeps
// ana@ejemplo.com (password manzana). The POP3 server of mail.otro.org
// listens on port 110.
func newEnv(t testing.TB, cfg Config, msgs ...string) *env {
	t.Helper()
	clock := sim.NewVirtualClock(sim.Epoch)
	tr := sim.NewTrace(sim.TraceOptions{Clock: clock})
	st := store.New(store.Options{Clock: clock, Publish: func(c *sim.Change) {
		tr.Append(sim.Event{Kind: sim.KindStore, Change: c, Text: c.Summary()})
	}})
	acct, err := st.AddAccount(beto, password, host)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddAccount("ana@ejemplo.com", "manzana", "mail.ejemplo.com"); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := st.Deliver(beto, store.Inbox, []byte(m), nil); err != nil {
			t.Fatal(err)
		}
	}
	keys := wire.NewKeyLog()
	nw := wire.NewNetwork(wire.Options{Trace: tr, KeyLog: keys})
	ln, err := nw.Listen(host, 110, sim.POP3)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.Host, cfg.Clock = st, host, clock
	srv := NewServer(cfg)
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
		<-served
	})
	return &env{clock: clock, trace: tr, st: st, net: nw, keys: keys, srv: srv, acct: acct}
}

// fixture returns an env with the usual maildrop.
func fixture(t testing.TB, cfg Config) *env {
	t.Helper()
	e := newEnv(t, cfg, msg1, msg2)
	if err := e.acct.CreateMailbox("Archivo"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Deliver(beto, "Archivo", []byte(msgArch), nil); err != nil {
		t.Fatal(err)
	}
	return e
}

// session is a raw connection to the server, driven line by line; the
// replies are read from the trace, exactly as they crossed the wire.
type session struct {
	t    testing.TB
	e    *env
	conn net.Conn
	info *sim.ConnInfo
	r    *bufio.Reader
}

// dial opens a session and waits for the greeting.
func (e *env) dial(t testing.TB) *session {
	t.Helper()
	conn, err := e.net.Dial("beto-phone", host, 110)
	if err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, e: e, conn: conn, info: wire.Info(conn), r: bufio.NewReader(conn)}
	t.Cleanup(func() { conn.Close() })
	e.net.Settle(guard)
	return s
}

// mark returns the trace's length, to read the replies after it.
func (s *session) mark() int { return s.e.trace.Len() }

// replies returns the lines the server sent on this session since mark,
// joined by "\n", with a note for lines that did not end in CRLF.
func (s *session) replies(mark int) string {
	var lines []string
	for _, ev := range s.e.trace.Since(mark) {
		if ev.Kind == sim.KindLine && ev.Conn == s.info && ev.Dir == sim.S2C {
			line := ev.Text
			if ev.End != sim.CRLF {
				line += " [" + ev.End.String() + "]"
			}
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// send writes raw bytes and waits until the server has answered.
func (s *session) send(raw string) {
	s.t.Helper()
	if _, err := io.WriteString(s.conn, raw); err != nil {
		s.t.Fatalf("write %q: %v", raw, err)
	}
	if !s.e.net.Settle(guard) {
		s.t.Fatalf("the server did not settle after %q", raw)
	}
}

// do sends one command line and returns the reply.
func (s *session) do(line string) string {
	s.t.Helper()
	m := s.mark()
	s.send(line + "\r\n")
	return s.replies(m)
}

// must sends a command line and fails the test unless the reply begins
// with want.
func (s *session) must(line, want string) string {
	s.t.Helper()
	got := s.do(line)
	if !strings.HasPrefix(got, want) {
		s.t.Fatalf("%s = %q, want %q...", line, got, want)
	}
	return got
}

// login logs in as Beto with USER and PASS.
func (s *session) login() {
	s.t.Helper()
	s.must("USER "+beto, "+OK")
	s.must("PASS "+password, "+OK")
}

// closed reports whether the server has closed the connection: every byte
// it sent can be read, then EOF.
func (s *session) closed() bool {
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, s.r)
		done <- err
	}()
	select {
	case err := <-done:
		return err == nil || errors.Is(err, io.EOF)
	case <-time.After(guard):
		s.conn.Close()
		return false
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sim/pop3 -run %s -update to create it)", err, t.Name())
	}
	if string(got) != string(want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %s\nwant: %s\n(run with -update if the change is intended)", name, i+1, g, w)
			}
		}
	}
}
