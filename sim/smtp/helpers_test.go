package smtp_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/store"
	"github.com/mailscope/mailscope/sim/wire"
)

// The world of the tests: two mail servers, each keeping one domain, and a
// device that submits mail.
const (
	ejemploHost = "mail.ejemplo.com"
	otroHost    = "mail.otro.org"
	device      = "laptop" // the device's id: it dials as this host
	deviceName  = "laptop.home.arpa"
	deviceIP    = "203.0.113.21"
)

// Accounts and their passwords.
var accounts = []struct{ addr, password, host string }{
	{"ana@ejemplo.com", "manzana", ejemploHost},
	{"carla@ejemplo.com", "pera", ejemploHost},
	{"beto@otro.org", "naranja", otroHost},
}

// shutdownWait bounds how long a test waits for its servers to finish their
// connections at the end; it is only reached when a connection leaks.
const shutdownWait = 10 * time.Second

// fixture is a small world: a virtual clock, a trace, a store, an
// in-process network and two SMTP hosts, each serving the MX role on port 25
// and the submission role on port 587.
type fixture struct {
	t     *testing.T
	clock *sim.VirtualClock
	trace *sim.Trace
	store *store.Store
	net   *wire.Network

	// MaxMessageBytes of the servers started by serve; zero means the default.
	maxBytes int64
	// MaxRecipients of the servers started by serve; zero means the default.
	maxRcpts int
	byName   map[string]*smtp.Host // the hosts by name; the test's goroutine only
	keys     *wire.KeyLog          // the TLS secrets, with which the taps decrypt
	tls      *tlsConfigs           // with fixtureOptions.tls; nil otherwise

	mu       sync.Mutex
	byDomain map[string]*smtp.Host // guarded by mu
	ips      map[string]string     // host name -> IP; guarded by mu
	nextID   int                   // guarded by mu
	mxCalls  map[string]int        // LookupMX calls by domain; guarded by mu
	queued   []string              // hosts told by Config.Queued; guarded by mu
}

type fixtureOptions struct {
	maxBytes int64 // MaxMessageBytes of every server; zero means the default
	maxRcpts int   // MaxRecipients of every server; zero means the default
	// tls makes every server offer STARTTLS, and serves submission with
	// implicit TLS on port 465 too.
	tls bool
}

// newFixture builds the world and starts the servers of both hosts. Every
// server is shut down when the test ends, and a connection left open fails
// the test.
func newFixture(t *testing.T, opts ...fixtureOptions) *fixture {
	t.Helper()
	var o fixtureOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	clock := sim.NewVirtualClock(sim.Epoch)
	f := &fixture{
		t:        t,
		clock:    clock,
		trace:    sim.NewTrace(sim.TraceOptions{Clock: clock}),
		maxBytes: o.maxBytes,
		maxRcpts: o.maxRcpts,
		byDomain: make(map[string]*smtp.Host),
		byName:   make(map[string]*smtp.Host),
		ips:      map[string]string{device: deviceIP},
		mxCalls:  make(map[string]int),
	}
	f.store = store.New(store.Options{Clock: clock, Publish: f.publish})
	f.keys = wire.NewKeyLog()
	f.net = wire.NewNetwork(wire.Options{Trace: f.trace, Resolve: f.ip, KeyLog: f.keys})
	if o.tls {
		f.tls = newTLSConfigs(t, f.keys)
	}
	ejemplo := f.addHost(ejemploHost, "192.0.2.10", "ejemplo.com")
	otro := f.addHost(otroHost, "192.0.2.11", "otro.org")
	for _, a := range accounts {
		if _, err := f.store.AddAccount(a.addr, a.password, a.host); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range []*smtp.Host{ejemplo, otro} {
		f.serve(h, smtp.RoleMX, 25)
		f.serve(h, smtp.RoleSubmission, 587)
		if o.tls {
			f.serveImplicit(h.Name, 465, f.config(h, smtp.RoleSubmission))
		}
	}
	return f
}

// publish records a store or queue change, as the world does.
func (f *fixture) publish(c *sim.Change) {
	f.trace.Append(sim.Event{Kind: sim.KindStore, Change: c, Text: c.Summary()})
}

// addHost adds a server keeping the mail of domains, without starting it.
func (f *fixture) addHost(name, ip string, domains ...string) *smtp.Host {
	h := &smtp.Host{Name: name, Domains: domains, Queue: smtp.NewQueue(name, f.publish)}
	f.byName[name] = h
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ips[name] = ip
	for _, d := range domains {
		f.byDomain[d] = h
	}
	return h
}

// host returns the host that keeps a domain's mail, or nil (Config.Hosts).
func (f *fixture) host(domain string) *smtp.Host {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byDomain[strings.ToLower(domain)]
}

// ip returns the address of a host (wire.Options.Resolve).
func (f *fixture) ip(host string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ips[host]
}

// ptr returns the host name of an address (Config.PTR).
func (f *fixture) ptr(ip string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ip == deviceIP {
		return deviceName
	}
	for name, a := range f.ips {
		if a == ip && name != device {
			return name
		}
	}
	return ""
}

// newID returns Q0001, Q0002, ... (Config.NewID).
func (f *fixture) newID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	return fmt.Sprintf("Q%04d", f.nextID)
}

// lookupMX answers with the host of the domain and counts the calls
// (Relay.LookupMX).
func (f *fixture) lookupMX(domain string) ([]string, error) {
	f.mu.Lock()
	f.mxCalls[domain]++
	f.mu.Unlock()
	if h := f.host(domain); h != nil {
		return []string{h.Name}, nil
	}
	return nil, fmt.Errorf("%s: no such domain (NXDOMAIN)", domain)
}

// mxLookups returns how many times the MX records of domain were asked for.
func (f *fixture) mxLookups(domain string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mxCalls[domain]
}

// config returns the configuration of a server of h (nil h: a front door).
func (f *fixture) config(h *smtp.Host, role smtp.Role) smtp.Config {
	return smtp.Config{
		Host:            h,
		Role:            role,
		Store:           f.store,
		Clock:           f.clock,
		Hosts:           f.host,
		PTR:             f.ptr,
		NewID:           f.newID,
		MaxMessageBytes: f.maxBytes,
		MaxRecipients:   f.maxRcpts,
		TLS:             f.tls.server(),
		Queued: func(h *smtp.Host) {
			f.mu.Lock()
			f.queued = append(f.queued, h.Name)
			f.mu.Unlock()
		},
	}
}

// serve starts a server of h in role on h's port.
func (f *fixture) serve(h *smtp.Host, role smtp.Role, port int) {
	f.t.Helper()
	f.serveConfig(h.Name, port, f.config(h, role))
}

// serveConfig starts a server with cfg on host:port of the network, until
// the test ends.
func (f *fixture) serveConfig(host string, port int, cfg smtp.Config) {
	f.t.Helper()
	l, err := f.net.Listen(host, port, sim.SMTP)
	if err != nil {
		f.t.Fatal(err)
	}
	f.serveOn(host, port, l, cfg)
}

// serveImplicit starts a server with cfg on host:port of the network, with
// implicit TLS, until the test ends.
func (f *fixture) serveImplicit(host string, port int, cfg smtp.Config) {
	f.t.Helper()
	l, err := f.net.Listen(host, port, sim.SMTP)
	if err != nil {
		f.t.Fatal(err)
	}
	f.serveOn(host, port, tls.NewListener(l, f.tls.server()), cfg)
}

// serveOn serves a server with cfg on l until the test ends.
func (f *fixture) serveOn(host string, port int, l net.Listener, cfg smtp.Config) {
	f.t.Helper()
	s := smtp.NewServer(cfg)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			f.t.Errorf("shutting down the server on %s:%d: %v (a connection was left open)", host, port, err)
			s.Close()
		}
		// Shutdown closes only the listeners Serve has registered: if the
		// goroutine has not started Serve yet, it would wait forever.
		l.Close()
		if err := <-done; err != nil {
			f.t.Errorf("Serve on %s:%d: %v", host, port, err)
		}
	})
}

// relay returns the relay of h, dialling on the network and asking
// f.lookupMX.
func (f *fixture) relay(h *smtp.Host) *smtp.Relay {
	return &smtp.Relay{Host: h, Dial: f.net.Dial, LookupMX: f.lookupMX, Clock: f.clock}
}

// dial connects the device to host:port.
func (f *fixture) dial(host string, port int) net.Conn {
	f.t.Helper()
	c, err := f.net.Dial(device, host, port)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// submit runs smtp.Submit from the device to host:port and returns the
// connection's transcript and Submit's error.
func (f *fixture) submit(host string, port int, s *smtp.Submission) ([]string, error) {
	f.t.Helper()
	return f.submitFrom(device, host, port, s)
}

// submitFrom runs smtp.Submit from client to host:port.
func (f *fixture) submitFrom(client, host string, port int, s *smtp.Submission) ([]string, error) {
	f.t.Helper()
	c, err := f.net.Dial(client, host, port)
	if err != nil {
		f.t.Fatal(err)
	}
	info := wire.Info(c)
	err = smtp.Submit(c, s)
	return f.transcript(info), err
}

// transcript returns the lines of a connection, "C: " for the client's and
// "S: " for the server's.
func (f *fixture) transcript(conn *sim.ConnInfo) []string {
	var lines []string
	for _, e := range f.trace.Events() {
		if e.Kind != sim.KindLine || e.Conn != conn {
			continue
		}
		who := "C: "
		if e.Dir == sim.S2C {
			who = "S: "
		}
		lines = append(lines, who+e.Text)
	}
	return lines
}

// conns returns the connections recorded in the trace whose client and
// server port are as given.
func (f *fixture) conns(client string, port int) []*sim.ConnInfo {
	var out []*sim.ConnInfo
	for _, e := range f.trace.Events() {
		if e.Kind == sim.KindOpen && e.Conn.Client == client && e.Conn.Port == port {
			out = append(out, e.Conn)
		}
	}
	return out
}

// storeChanges returns the changes published so far with one of ops.
func (f *fixture) storeChanges(ops ...sim.Op) []*sim.Change {
	var out []*sim.Change
	for _, e := range f.trace.Events() {
		if e.Kind != sim.KindStore {
			continue
		}
		for _, op := range ops {
			if e.Change.Op == op {
				out = append(out, e.Change)
			}
		}
	}
	return out
}

// inbox returns the raw messages in the INBOX of addr, oldest first.
func (f *fixture) inbox(addr string) [][]byte {
	f.t.Helper()
	a := f.store.Account(addr)
	if a == nil {
		f.t.Fatalf("no account %s", addr)
	}
	var out [][]byte
	for _, m := range a.Messages(store.Inbox) {
		out = append(out, a.Raw(store.Inbox, m.UID))
	}
	return out
}

// queuedFor returns the recipients of every item of h's queue, in order.
func queuedFor(h *smtp.Host) [][]string {
	var out [][]string
	for _, it := range h.Queue.Items() {
		out = append(out, it.Rcpts)
	}
	return out
}

// rawConn is a client speaking SMTP line by line, for what Submit cannot
// say.
type rawConn struct {
	t    *testing.T
	c    net.Conn
	text *textproto.Conn
}

// rawDial connects the device to host:port and reads the greeting. The
// connection is closed when the test ends.
func (f *fixture) rawDial(host string, port int) *rawConn {
	f.t.Helper()
	c := f.dial(host, port)
	r := &rawConn{t: f.t, c: c, text: textproto.NewConn(c)}
	f.t.Cleanup(func() { r.text.Close() })
	if got := r.reply(); !strings.HasPrefix(got, "220 "+host+" ESMTP") {
		f.t.Fatalf("greeting from %s:%d = %q, want 220 %s ESMTP ...", host, port, got, host)
	}
	return r
}

// send writes one line (CRLF is added).
func (r *rawConn) send(line string) {
	r.t.Helper()
	if err := r.text.PrintfLine("%s", line); err != nil {
		r.t.Fatalf("sending %q: %v", line, err)
	}
}

// replyLines reads one reply and returns its lines as they were sent.
func (r *rawConn) replyLines() []string {
	r.t.Helper()
	var lines []string
	for {
		line, err := r.text.ReadLine()
		if err != nil {
			r.t.Fatalf("reading a reply after %q: %v", lines, err)
		}
		lines = append(lines, line)
		if len(line) < 4 || line[3] != '-' {
			return lines
		}
	}
}

// reply reads one reply and returns its last line.
func (r *rawConn) reply() string {
	r.t.Helper()
	l := r.replyLines()
	return l[len(l)-1]
}

// cmd sends a command and returns the last line of its reply.
func (r *rawConn) cmd(line string) string {
	r.t.Helper()
	r.send(line)
	return r.reply()
}

// ehlo sends EHLO and returns the lines of the reply.
func (r *rawConn) ehlo(name string) []string {
	r.t.Helper()
	r.send("EHLO " + name)
	return r.replyLines()
}

// closed reports whether the server has closed the connection: reading
// gives the end of the input.
func (r *rawConn) closed() bool {
	_, err := r.text.ReadLine()
	return err != nil
}

// authPlain is the AUTH PLAIN command with an initial response.
func authPlain(identity, user, password string) string {
	return "AUTH PLAIN " + b64(identity+"\x00"+user+"\x00"+password)
}

// smtpCode returns the reply code and enhanced code of an error from the
// client, as "550 5.1.1", or the error's text if it is no reply.
func smtpCode(err error) string {
	if err == nil {
		return "<nil>"
	}
	var se *gosmtp.SMTPError
	if errors.As(err, &se) {
		return fmt.Sprintf("%d %d.%d.%d", se.Code, se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
	}
	return err.Error()
}

// msg is a small message from one address to another, with the fields a
// mail client adds.
func msg(from, to, subject string) []byte {
	return []byte("From: " + from + "\r\n" +
		"To: " + to + "\r\n" +
		"Subject: " + subject + "\r\n" +
		"Date: Mon, 02 Mar 2026 08:59:00 +0100\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@test>\r\n" +
		"\r\n" +
		"Hola.\r\n")
}

// stamp is the date every Received: field carries on the fixture's clock.
var stamp = sim.Epoch.Format("Mon, 02 Jan 2006 15:04:05 -0700")

// replyTo returns the server's first line after the first client line
// that starts with cmd, or "" if there is none.
func replyTo(transcript []string, cmd string) string {
	for i, l := range transcript {
		if !strings.HasPrefix(l, "C: "+cmd) {
			continue
		}
		for _, r := range transcript[i+1:] {
			if strings.HasPrefix(r, "S: ") {
				return strings.TrimPrefix(r, "S: ")
			}
		}
		return ""
	}
	return ""
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// mailboxes returns how many messages each account's INBOX holds, leaving
// out the empty ones.
func (f *fixture) mailboxes() map[string]int {
	out := make(map[string]int)
	for _, a := range f.store.Accounts() {
		if n := len(a.Messages(store.Inbox)); n > 0 {
			out[a.Address()] = n
		}
	}
	return out
}

// queuedHosts returns the hosts Config.Queued was called for, in order.
func (f *fixture) queuedHosts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queued)
}
