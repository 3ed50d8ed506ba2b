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

// Read reads what the peer has written, waiting for it if need be.
func (e *end) Read(b []byte) (int, error) {
	n := e.p.n
	n.mu.Lock()
	defer n.mu.Unlock()
	for len(e.in) == 0 {
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
	e.closed = true
	e.in = nil
	n.cond.Broadcast()
	if e.side == client && !e.peer().closed {
		deadline := time.Now().Add(closeWait)
		stop := time.AfterFunc(closeWait, func() {
			n.mu.Lock()
			n.cond.Broadcast()
			n.mu.Unlock()
		})
		defer stop.Stop()
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
