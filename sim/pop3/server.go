package pop3

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/store"
)

// Limits of the server.
const (
	// DefaultTimeout is how long a session may stay silent before the
	// server closes it: RFC 1939 section 3 asks for at least 10 minutes.
	DefaultTimeout = 10 * time.Minute
	// MaxCommandLine is the longest command line accepted, CRLF included
	// (RFC 2449 section 4).
	MaxCommandLine = 255
	// MaxAuthLine is the longest line accepted in answer to an AUTH
	// challenge: a base64 SASL response is not a command and may be
	// longer than one.
	MaxAuthLine = 12 * 1024
	// MaxErrors is how many negative replies in a row end a session.
	MaxErrors = 10
	// MaxAuthFailures is how many failed authentications end a session.
	MaxAuthFailures = 3
)

// Config configures a POP3 server.
type Config struct {
	// Store keeps the maildrops: each account's INBOX.
	Store *store.Store
	// Host is the server's name, in its greeting: only accounts it keeps
	// may log in. Empty makes a front door for live mode, where every
	// account may, and the greeting says "localhost".
	Host string
	// Clock dates the APOP timestamps of the greetings. Nil means the wall
	// clock.
	Clock sim.Clock
	// Timeout is the inactivity timer; zero means DefaultTimeout. It is
	// applied with read deadlines, which simulated connections ignore: a
	// learner who pauses never trips it.
	Timeout time.Duration
	// TLS, when set, makes the server offer STLS (RFC 2595). For implicit
	// TLS (port 995, RFC 8314), serve on a tls.NewListener too: a session
	// on a TLS connection offers no STLS.
	TLS *tls.Config
	// RequireTLS refuses USER, PASS and AUTH before TLS, as a server on an
	// open network does (RFC 2595 section 2.2): CAPA does not offer them,
	// and they get "-ERR [AUTH]". APOP, which never sends the password,
	// is still accepted. Without it plaintext authentication is allowed,
	// as it is on the simulated network and on loopback addresses.
	RequireTLS bool
	// Logger receives the server's internal errors; nil discards them.
	Logger *log.Logger
}

// Server is a POP3 server over a store. It serves any number of listeners
// until it is closed.
type Server struct {
	cfg      Config                    // immutable
	hostname string                    // immutable: the name in greetings
	accept   func(*store.Account) bool // immutable: which accounts may log in

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{} // as accepted, below any TLS layer
	greetings int                   // greetings sent: the "process id" of APOP timestamps
	closed    bool

	wg sync.WaitGroup // one per connection being served
}

var _ io.Closer = (*Server)(nil)

// NewServer returns a server with the given configuration. Serve it on a
// listener.
func NewServer(cfg Config) *Server {
	if cfg.Clock == nil {
		cfg.Clock = sim.RealClock{}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = log.New(io.Discard, "", 0)
	}
	s := &Server{
		cfg:       cfg,
		hostname:  cfg.Host,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[net.Conn]struct{}),
	}
	if s.hostname == "" {
		s.hostname = "localhost"
	} else {
		host := cfg.Host
		s.accept = func(a *store.Account) bool { return a.Host() == host }
	}
	return s
}

// ErrServerClosed is returned by Serve on a server that was closed before.
var ErrServerClosed = fmt.Errorf("pop3: server closed")

// Serve accepts connections on l and serves each on its own goroutine,
// until l fails or is closed (its error is returned, wrapping
// net.ErrClosed when closed) or the server is closed.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	for {
		nc, err := l.Accept()
		if err != nil {
			return err
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		s.conns[nc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(nc)
	}
}

// serveConn runs one session to its end.
func (s *Server) serveConn(nc net.Conn) {
	defer s.wg.Done()
	c := newConn(s, nc)
	defer func() {
		if v := recover(); v != nil {
			s.cfg.Logger.Printf("pop3: panic serving %v: %v", nc.RemoteAddr(), v)
		}
		c.close()
		s.mu.Lock()
		delete(s.conns, nc)
		s.mu.Unlock()
	}()
	c.serve()
}

// Close stops the server: its listeners and every connection are closed
// (a session cut this way deletes nothing), and Close returns when every
// session has ended.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// timestamp returns a fresh APOP timestamp (RFC 1939 section 7), shaped
// like the RFC's "<process-ID.clock@hostname>": a count of the greetings
// this server sent and the clock's seconds, so that it is unique and, on a
// virtual clock, repeatable.
func (s *Server) timestamp() string {
	s.mu.Lock()
	s.greetings++
	n := s.greetings
	s.mu.Unlock()
	return fmt.Sprintf("<%d.%d@%s>", n, s.cfg.Clock.Now().Unix(), s.hostname)
}

// newBufs returns the buffered reader and writer of a connection.
func newBufs(nc net.Conn) (*bufio.Reader, *bufio.Writer) {
	return bufio.NewReaderSize(nc, 4096), bufio.NewWriterSize(nc, 32*1024)
}
