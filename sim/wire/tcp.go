package wire

import (
	"crypto/tls"
	"net"

	"github.com/mailscope/mailscope/sim"
)

// TapListener wraps a real listener so that every accepted connection is
// recorded in trace as a live connection to the simulated server host on
// port, speaking proto. What the client sends is recorded as the server
// reads it; what the server sends, as it writes it. TLS records are
// decrypted with the secrets in keys (which the server must write to), if
// not nil. For implicit TLS, wrap the tap listener with tls.NewListener:
// the tap must see the bytes as they cross the wire.
func TapListener(ln net.Listener, trace *sim.Trace, host string, port int, proto sim.Proto, keys *KeyLog) net.Listener {
	return &tapListener{Listener: ln, trace: trace, host: host, port: port, proto: proto, keys: keys}
}

type tapListener struct {
	net.Listener
	trace *sim.Trace
	host  string
	port  int
	proto sim.Proto
	keys  *KeyLog
}

func (l *tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	info := &sim.ConnInfo{Proto: l.proto, Client: c.RemoteAddr().String(), Server: l.host, Port: l.port, Live: true}
	return &tapConn{Conn: c, tap: NewTap(l.trace, info, l.keys)}, nil
}

// tapConn is a real connection whose traffic is recorded.
type tapConn struct {
	net.Conn
	tap *Tap
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.tap.Observe(sim.C2S, b[:n])
	}
	return n, err
}

func (c *tapConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if n > 0 {
		c.tap.Observe(sim.S2C, b[:n])
	}
	return n, err
}

func (c *tapConn) Close() error {
	err := c.Conn.Close()
	c.tap.Close()
	return err
}

// Info returns the recorded description of a connection made by a Network
// or accepted by a TapListener (or of a TLS connection over one), or nil.
func Info(c net.Conn) *sim.ConnInfo {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	switch c := c.(type) {
	case *end:
		if c.p.tap != nil {
			return c.p.tap.Conn()
		}
	case *tapConn:
		return c.tap.Conn()
	}
	return nil
}
