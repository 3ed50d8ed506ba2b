package wire

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim"
)

// Network is a simulated network inside the process. Servers listen on a
// host and port; clients dial them and get one end of an in-memory pipe
// while the listener hands out the other. Pipes buffer like a TCP socket
// (a write never waits for the reader), ignore deadlines (a learner may
// pause for as long as they like), and report when the world is quiet (see
// Settle), which is what lets a scripted world run deterministically.
//
// All pipes of a network share one lock, so that the order in which their
// lines are recorded is the order in which they were written.
type Network struct {
	trace   *sim.Trace               // immutable; nil records nothing
	keys    *KeyLog                  // immutable; nil decrypts nothing
	resolve func(host string) string // immutable; host name to IP text

	mu        sync.Mutex
	cond      *sync.Cond // signalled on every change of a pipe or listener
	listeners map[string]*Listener
	pipes     map[*pipe]struct{}
	nextPort  int
	down      map[string]bool // hosts that refuse connections
}

// Options configures a Network.
type Options struct {
	// Trace receives every connection's open, lines and close. Nil records
	// nothing (used to measure what recording costs).
	Trace *sim.Trace
	// Resolve gives the IP address (as text) of a host name, for the
	// addresses connections report. Nil reports 127.0.0.1 for every host.
	Resolve func(host string) string
	// KeyLog holds the TLS secrets the endpoints disclose, with which the
	// taps decrypt what they say under TLS. Nil records TLS records as they
	// cross the wire, and nothing of what they carry.
	KeyLog *KeyLog
}

// NewNetwork returns an empty network.
func NewNetwork(opts Options) *Network {
	n := &Network{
		trace:     opts.Trace,
		keys:      opts.KeyLog,
		resolve:   opts.Resolve,
		listeners: make(map[string]*Listener),
		pipes:     make(map[*pipe]struct{}),
		nextPort:  49152,
	}
	n.cond = sync.NewCond(&n.mu)
	return n
}

// ErrRefused is returned (wrapped) by Dial when nothing listens on the
// address, as "connection refused" on a real network.
var ErrRefused = errors.New("connection refused")

// Listen starts listening on host:port for connections of protocol proto.
func (n *Network) Listen(host string, port int, proto sim.Proto) (*Listener, error) {
	key := net.JoinHostPort(host, strconv.Itoa(port))
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.listeners[key] != nil {
		return nil, fmt.Errorf("wire: listen %s: address already in use", key)
	}
	l := &Listener{n: n, host: host, port: port, proto: proto}
	n.listeners[key] = l
	return l, nil
}

// Dial connects the client host from to host:port. The connection's open
// event is recorded before Dial returns.
func (n *Network) Dial(from, host string, port int) (net.Conn, error) {
	key := net.JoinHostPort(host, strconv.Itoa(port))
	n.mu.Lock()
	l := n.listeners[key]
	if l == nil || l.closed || n.down[host] {
		n.mu.Unlock()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: addr{n.ip(host), port}, Err: fmt.Errorf("%s: %w", key, ErrRefused)}
	}
	clientPort := n.nextPort
	n.nextPort++
	if n.nextPort > 65535 {
		n.nextPort = 49152
	}
	p := &pipe{n: n}
	p.ends[client] = &end{p: p, side: client, local: addr{n.ip(from), clientPort}, remote: addr{n.ip(host), port}}
	p.ends[server] = &end{p: p, side: server, local: addr{n.ip(host), port}, remote: addr{n.ip(from), clientPort}}
	if n.trace != nil {
		// Recorded under the network lock: nothing else can be recorded
		// between the open and the greeting.
		p.tap = NewTap(n.trace, &sim.ConnInfo{Proto: l.proto, Client: from, Server: host, Port: port}, n.keys)
	}
	n.pipes[p] = struct{}{}
	l.pending = append(l.pending, p.ends[server])
	n.cond.Broadcast()
	n.mu.Unlock()
	return p.ends[client], nil
}

// SetDown makes host refuse every new connection, as a machine whose
// servers have stopped does (down), or accept them again. Connections
// already open are not affected.
func (n *Network) SetDown(host string, down bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down == nil {
		n.down = make(map[string]bool)
	}
	n.down[host] = down
}

// Down reports whether host refuses new connections (see SetDown).
func (n *Network) Down(host string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.down[host]
}

func (n *Network) ip(host string) string {
	if n.resolve != nil {
		if ip := n.resolve(host); ip != "" {
			return ip
		}
	}
	return "127.0.0.1"
}

// Settle waits until the network is quiet: every connection's server side
// has read all that was sent to it and waits for more (or is closed), and
// every dialled connection has been accepted. A scripted world settles after
// each action so that nothing from one action is recorded during the next.
// Settle gives up after timeout and reports whether the network was quiet.
func (n *Network) Settle(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	stop := time.AfterFunc(timeout, func() {
		n.mu.Lock()
		n.cond.Broadcast()
		n.mu.Unlock()
	})
	defer stop.Stop()
	n.mu.Lock()
	defer n.mu.Unlock()
	for !n.quietLocked() {
		if !time.Now().Before(deadline) {
			return false
		}
		n.cond.Wait()
	}
	return true
}

func (n *Network) quietLocked() bool {
	for p := range n.pipes {
		s := p.ends[server]
		if !s.closed && (s.readers == 0 || len(s.in) > 0) {
			return false
		}
	}
	return true
}

// Open returns the number of connections not yet closed by both ends.
func (n *Network) Open() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.pipes)
}

// Listener is a simulated server socket; it implements net.Listener.
type Listener struct {
	n     *Network  // immutable
	host  string    // immutable
	port  int       // immutable
	proto sim.Proto // immutable

	// guarded by n.mu
	pending []*end
	closed  bool
}

var _ net.Listener = (*Listener)(nil)

// Accept waits for the next connection.
func (l *Listener) Accept() (net.Conn, error) {
	n := l.n
	n.mu.Lock()
	defer n.mu.Unlock()
	for len(l.pending) == 0 {
		if l.closed {
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: net.ErrClosed}
		}
		n.cond.Wait()
	}
	e := l.pending[0]
	l.pending = l.pending[1:]
	n.cond.Broadcast()
	return e, nil
}

// Close stops listening; connections not yet accepted are closed, and new
// dials are refused.
func (l *Listener) Close() error {
	n := l.n
	n.mu.Lock()
	if l.closed {
		n.mu.Unlock()
		return nil
	}
	l.closed = true
	delete(n.listeners, net.JoinHostPort(l.host, strconv.Itoa(l.port)))
	pending := l.pending
	l.pending = nil
	n.cond.Broadcast()
	n.mu.Unlock()
	for _, e := range pending {
		e.Close()
	}
	return nil
}

// Addr returns the listener's simulated address.
func (l *Listener) Addr() net.Addr { return addr{l.n.ip(l.host), l.port} }

// addr is a simulated TCP address.
type addr struct {
	ip   string
	port int
}

func (a addr) Network() string { return "tcp" }
func (a addr) String() string  { return net.JoinHostPort(a.ip, strconv.Itoa(a.port)) }
