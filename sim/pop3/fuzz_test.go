package pop3

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/store"
)

// FuzzSession feeds a session any bytes a client could send, and checks
// that the server neither panics nor writes a reply line that breaks the
// protocol. Seeds log in first so that the TRANSACTION state is reached.
func FuzzSession(f *testing.F) {
	login := "USER " + beto + "\r\nPASS " + password + "\r\n"
	for _, tc := range commandTests {
		prefix := strings.Join(preludes[tc.state], "\r\n")
		if prefix != "" {
			prefix += "\r\n"
		}
		f.Add([]byte(prefix + tc.in + "\r\n"))
	}
	f.Add([]byte(login + "DELE 1\r\nRETR 1\r\nRSET\r\nDELE 2\r\nQUIT\r\n"))
	f.Add([]byte(login + "TOP 2 0\r\nTOP 2 1\r\nUIDL\r\nLIST\r\nQUIT\r\n"))
	f.Add([]byte("AUTH LOGIN\r\nYmV0bw==\r\nbmFyYW5qYQ==\r\nSTAT\r\n"))
	f.Add([]byte("AUTH PLAIN\r\n*\r\nAUTH PLAIN\r\n\r\n"))
	f.Add([]byte("APOP beto 0123456789abcdef0123456789abcdef\r\n\x00\r\n" + strings.Repeat("x", 5000) + "\n"))
	f.Fuzz(func(t *testing.T, input []byte) {
		st := store.New(store.Options{Clock: sim.NewVirtualClock(sim.Epoch)})
		if _, err := st.AddAccount(beto, password, host); err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{msg1, msg2} {
			st.Deliver(beto, store.Inbox, []byte(m), nil)
		}
		srv := NewServer(Config{Store: st, Host: host, Clock: sim.NewVirtualClock(sim.Epoch)})
		fc := &fakeConn{in: bytes.NewReader(input)}
		c := newConn(srv, fc)
		c.serve() // without the recover of serveConn: a panic fails the fuzzer
		c.close()
		reply := fc.out.Bytes()
		// Outside message bodies every line is a status line, a
		// continuation or a line of a listing; none is longer than 512
		// octets (RFC 2449 section 4).
		for _, line := range strings.SplitAfter(string(reply), "\r\n") {
			if line == "" {
				continue
			}
			if !strings.HasSuffix(line, "\r\n") {
				t.Fatalf("reply line %q does not end in CRLF", line)
			}
			if (strings.HasPrefix(line, "+OK") || strings.HasPrefix(line, "-ERR")) && len(line) > 512 {
				t.Fatalf("status line of %d octets: %q", len(line), line)
			}
		}
	})
}

// fakeConn is a connection whose client sends in and then closes, and
// whose server's writes are kept in out.
type fakeConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *fakeConn) Read(b []byte) (int, error)       { return c.in.Read(b) }
func (c *fakeConn) Write(b []byte) (int, error)      { return c.out.Write(b) }
func (c *fakeConn) Close() error                     { return nil }
func (c *fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *fakeConn) SetDeadline(time.Time) error      { return nil }
func (c *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }
