package wire

import (
	"io"
	"net"
	"time"

	"github.com/mailscope/mailscope/sim"
)

const (
	client = 0
	server = 1
)

// closeWait is how long a client's Close waits for the server to close its
// side too, so that the close is recorded before the client goes on.
const closeWait = 5 * time.Second

// pipe is a connection between two ends; all its state is guarded by the
// network's lock.
type pipe struct {
	n    *Network
	ends [2]*end
	tap  *Tap // nil when the network records nothing
}

// end is one side of a pipe; it implements net.Conn. Its fields are guarded
// by p.n.mu, but for the immutable addresses.
type end struct {
	p      *pipe // immutable
	side   int   // immutable: client or server
	local  addr  // immutable
	remote addr  // immutable

	in      []byte // bytes sent to this end, not yet read
	readers int    // goroutines waiting in Read
	closed  bool
}

var _ net.Conn = (*end)(nil)

func (e *end) peer() *end { return e.p.ends[1-e.side] }

// Read reads what the peer has written, waiting for it if need be. On a
// TLS connection, a client reads only once the server's turn is over (see
// serverBusyLocked).
func (e *end) Read(b []byte) (int, error) {
	n := e.p.n
	n.mu.Lock()
	defer n.mu.Unlock()
	var deadline time.Time
	for len(e.in) == 0 || e.side == client && len(b) > 0 && e.p.serverBusyLocked() {
		if len(e.in) > 0 {
			// The server is still writing (or about to): wait for the end
			// of its turn, within reason.
			if deadline.IsZero() {
				deadline = time.Now().Add(closeWait)
				defer wake(n, closeWait)()
			}
			if !time.Now().Before(deadline) {
				break
			}
			n.cond.Wait()
			continue
		}
		switch {
		case e.closed:
			return 0, net.ErrClosed
		case e.peer().closed:
			return 0, io.EOF
		case len(b) == 0:
			return 0, nil
		}
		e.readers++
		n.cond.Broadcast() // a waiting reader may make the network quiet
		n.cond.Wait()
		e.readers--
	}
	k := copy(b, e.in)
	e.in = e.in[k:]
	if len(e.in) == 0 {
		e.in = nil
		n.cond.Broadcast()
	}
	return k, nil
}

// Write hands b to the peer at once and records it on the connection's tap.
func (e *end) Write(b []byte) (int, error) {
	n := e.p.n
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case e.closed:
		return 0, net.ErrClosed
	case e.peer().closed:
		return 0, io.ErrClosedPipe
	case len(b) == 0:
		return 0, nil
	}
	peer := e.peer()
	peer.in = append(peer.in, b...)
	if e.p.tap != nil {
		dir := sim.C2S
		if e.side == server {
			dir = sim.S2C
		}
		e.p.tap.Observe(dir, b)
	}
	n.cond.Broadcast()
	return len(b), nil
}

// Close closes this end. The connection's close is recorded when both ends
// are closed. A client's Close waits (for a while) until the server has
// closed its end too, as a server does when it reads the end of its input,
// so that the close is recorded before the client does anything else.
func (e *end) Close() error {
	n := e.p.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if e.closed {
		return nil
	}
	if e.side == client && e.p.serverBusyLocked() {
		// On a TLS connection the server may answer the client's
		// close_notify with its own: the client closes once the server's
		// turn is over, so that whether that alert crosses the wire never
		// depends on timing.
		deadline := time.Now().Add(closeWait)
		defer wake(n, closeWait)()
		for e.p.serverBusyLocked() && time.Now().Before(deadline) {
			n.cond.Wait()
		}
	}
	e.closed = true
	e.in = nil
	n.cond.Broadcast()
	if e.side == client && !e.peer().closed {
		deadline := time.Now().Add(closeWait)
		defer wake(n, closeWait)()
		for !e.peer().closed && time.Now().Before(deadline) {
			n.cond.Wait()
		}
	}
	if e.peer().closed {
		if _, ok := n.pipes[e.p]; ok {
			delete(n.pipes, e.p)
			if e.p.tap != nil {
				e.p.tap.Close()
			}
		}
	}
	return nil
}

// serverBusyLocked reports whether the pipe carries TLS and its server end
// is in the middle of its turn: open, and not waiting for input with
// everything sent to it read. Under TLS both ends may write on their own
// when a connection closes (close_notify alerts, RFC 8446 section 6.1), so
// the client waits for the server's turn to end before it reads or closes:
// that keeps the order of what crosses the wire the same on every run.
func (p *pipe) serverBusyLocked() bool {
	s := p.ends[server]
	return p.tap != nil && !s.closed && (s.readers == 0 || len(s.in) > 0) && p.tap.TLS()
}

// wake broadcasts on the network's condition after d, so that a bounded
// wait ends; call the returned function to stop it.
func wake(n *Network, d time.Duration) func() bool {
	return time.AfterFunc(d, func() {
		n.mu.Lock()
		n.cond.Broadcast()
		n.mu.Unlock()
	}).Stop
}

// LocalAddr returns this end's simulated address.
func (e *end) LocalAddr() net.Addr { return e.local }

// RemoteAddr returns the peer's simulated address.
func (e *end) RemoteAddr() net.Addr { return e.remote }

// SetDeadline does nothing: simulated connections never time out.
func (e *end) SetDeadline(time.Time) error { return nil }

// SetReadDeadline does nothing: simulated connections never time out.
func (e *end) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline does nothing: writes never wait.
func (e *end) SetWriteDeadline(time.Time) error { return nil }
