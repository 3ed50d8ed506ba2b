package smtp

import (
	"bytes"
	"crypto/tls"
	"net"
	"sync"

	gosmtp "github.com/emersion/go-smtp"
)

// startTLS opens an SMTP session on conn and upgrades it with STARTTLS
// (RFC 3207): the greeting, EHLO hello, STARTTLS and the TLS handshake.
// The client goes on with EHLO hello over TLS (RFC 3207 section 4.2: the
// server forgets what it knew). offered reports whether the server listed
// STARTTLS in its EHLO reply; on error the connection is closed.
//
// go-smtp's client can start TLS only in NewClientStartTLS, which greets
// the server as "localhost" before its caller can name itself (the name is
// set by Hello, which must come first); helloConn puts the client's real
// name in that first EHLO before it reaches the wire.
func startTLS(conn net.Conn, hello string, config *tls.Config) (c *gosmtp.Client, offered bool, err error) {
	hc := &helloConn{Conn: conn, hello: hello}
	c, err = gosmtp.NewClientStartTLS(hc, config)
	if err != nil {
		return nil, hc.offered(), err
	}
	if err := c.Hello(hello); err != nil {
		c.Close()
		return nil, true, err
	}
	return c, true, nil
}

// helloConn is the cleartext connection under NewClientStartTLS: it
// rewrites the first "EHLO localhost" to the client's name, and keeps what
// the server sent before STARTTLS to tell whether it offered STARTTLS.
type helloConn struct {
	net.Conn
	hello string // immutable

	mu      sync.Mutex
	written int          // writes so far
	clear   bytes.Buffer // what the server sent before the client's STARTTLS
}

func (c *helloConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.written++
	first := c.written == 1
	c.mu.Unlock()
	if first && string(b) == "EHLO localhost\r\n" {
		if _, err := c.Conn.Write([]byte("EHLO " + c.hello + "\r\n")); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

func (c *helloConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	if c.written <= 1 && c.clear.Len() < 64<<10 {
		// Before STARTTLS (the second write): the greeting and the EHLO
		// reply.
		c.clear.Write(b[:n])
	}
	c.mu.Unlock()
	return n, err
}

// offered reports whether the EHLO reply listed STARTTLS.
func (c *helloConn) offered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, line := range bytes.Split(c.clear.Bytes(), []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) > 4 && bytes.HasPrefix(line, []byte("250")) && bytes.EqualFold(bytes.TrimSpace(line[4:]), []byte("STARTTLS")) {
			return true
		}
	}
	return false
}
