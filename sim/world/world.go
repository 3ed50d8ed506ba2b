package world

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim"
	simimap "github.com/mailscope/mailscope/sim/imap"
	"github.com/mailscope/mailscope/sim/message"
	"github.com/mailscope/mailscope/sim/pki"
	"github.com/mailscope/mailscope/sim/pop3"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/store"
	"github.com/mailscope/mailscope/sim/wire"
)

// Well-known ports (RFC 5321, 6409, 9051, 1939, 8314).
const (
	PortSMTP       = 25
	PortSubmission = 587
	PortSMTPS      = 465 // submission with implicit TLS (RFC 8314 section 3.3)
	PortIMAP       = 143
	PortIMAPS      = 993
	PortPOP3       = 110
	PortPOP3S      = 995
)

// settleTimeout bounds how long the world waits to be quiet after an
// action; it is only reached if a server misbehaves.
const settleTimeout = 10 * time.Second

// DefaultLineDelay is how much virtual time a protocol line takes.
const DefaultLineDelay = 10 * time.Millisecond

// World is a running simulated world.
type World struct {
	Spec  *Spec         // immutable
	Trace *sim.Trace    // immutable
	Clock sim.Clock     // immutable
	Net   *wire.Network // immutable
	Store *store.Store  // immutable
	DNS   *DNS          // immutable
	// PKI is the world's certificate authority, which its clients trust.
	PKI *pki.Authority // immutable
	// Keys collects the TLS secrets of the world's servers and clients,
	// with which the taps decrypt what they say.
	Keys *wire.KeyLog // immutable

	servers  []*Server          // immutable after New, in spec order
	byName   map[string]*Server // immutable after New
	byDomain map[string]*Server // guarded by mu (AddAccount may add domains)
	devices  []*Device          // immutable after New
	byID     map[string]*Device // immutable after New
	logger   *log.Logger        // immutable
	tlsRand  io.Reader          // immutable: the randomness of TLS; nil for crypto/rand

	mu       sync.Mutex
	rng      *rand.Rand // queue ids and message ids; guarded by mu
	closers  []io.Closer
	wg       sync.WaitGroup // the servers' Serve loops
	closed   bool
	retrying bool // the live retries run (startRetries)
}

// Server is one mail server of the world.
type Server struct {
	Name string
	IP   string
	Host *smtp.Host

	relay   *smtp.Relay
	relayMu sync.Mutex // one flush at a time

	faults *smtp.Faults                    // makes its port 25 fail for a while (the server action)
	cert   atomic.Pointer[tls.Certificate] // the certificate it presents
}

// Options configures a new world.
type Options struct {
	// Clock drives the world. Nil means a virtual clock starting at the
	// spec's Start (or sim.Epoch).
	Clock sim.Clock
	// LineDelay is the virtual time each protocol line takes; zero means
	// DefaultLineDelay, negative means none.
	LineDelay time.Duration
	// Logger receives the servers' internal errors; nil discards them.
	Logger *log.Logger
	// Live makes a world for real clients (serve): its certificates are
	// ECDSA P-256 keys, which every client accepts, and its TLS uses real
	// randomness. A world that is not live is repeatable: its keys derive
	// from the spec's seed.
	Live bool
}

// New builds the world described by spec and starts its servers on the
// in-process network. The setup (accounts, mailboxes, starting mail) is
// recorded as step 0 of the trace.
func New(spec *Spec, opts Options) (*World, error) {
	spec = spec.WithDefaults()
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	clock := opts.Clock
	if clock == nil {
		start := spec.Start
		if start.IsZero() {
			start = sim.Epoch
		}
		clock = sim.NewVirtualClock(start)
	}
	delay := opts.LineDelay
	switch {
	case delay == 0:
		delay = DefaultLineDelay
	case delay < 0:
		delay = 0
	}
	logger := opts.Logger
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	trace := sim.NewTrace(sim.TraceOptions{Clock: clock, LineDelay: delay})
	w := &World{
		Spec:     spec,
		Trace:    trace,
		Clock:    clock,
		DNS:      newDNS(trace),
		byName:   make(map[string]*Server),
		byDomain: make(map[string]*Server),
		byID:     make(map[string]*Device),
		logger:   logger,
		rng:      rand.New(rand.NewPCG(spec.Seed, 0x6d61696c73636f70)),
	}
	w.Store = store.New(store.Options{Clock: clock, Publish: w.publishStore})
	w.Keys = wire.NewKeyLog()
	w.Net = wire.NewNetwork(wire.Options{Trace: trace, Resolve: w.ip, KeyLog: w.Keys})
	if err := w.setupTLS(opts.Live); err != nil {
		return nil, err
	}

	for i, d := range spec.Domains {
		srv := w.byName[d.Server]
		if srv == nil {
			ip := d.IP
			if ip == "" {
				ip = fmt.Sprintf("192.0.2.%d", 10+i)
			}
			srv = &Server{Name: d.Server, IP: ip, Host: &smtp.Host{Name: d.Server, Queue: smtp.NewQueue(d.Server, w.publishStore)}}
			w.servers = append(w.servers, srv)
			w.byName[d.Server] = srv
			w.DNS.AddHost(d.Server, ip)
		}
		srv.Host.Domains = append(srv.Host.Domains, d.Name)
		w.byDomain[d.Name] = srv
		w.DNS.AddMX(d.Name, d.Server)
	}
	for i, d := range spec.Devices {
		ip := d.IP
		if ip == "" {
			ip = fmt.Sprintf("203.0.113.%d", 21+i)
		}
		dev := &Device{Spec: d, IP: ip, Hostname: d.ID + ".home.arpa", w: w}
		w.devices = append(w.devices, dev)
		w.byID[d.ID] = dev
		w.DNS.AddHost(dev.Hostname, ip)
	}
	for _, srv := range w.servers {
		if err := w.start(srv); err != nil {
			w.Close()
			return nil, err
		}
	}
	for _, d := range spec.Domains {
		for _, a := range d.Accounts {
			if err := w.addAccount(a, d); err != nil {
				w.Close()
				return nil, err
			}
		}
	}
	for _, dev := range w.devices {
		dev.init()
	}
	return w, nil
}

// start opens the server's ports on the in-process network: SMTP on 25
// (exchanger) and on 587 and 465 (submission), IMAP on 143 and 993, POP3 on
// 110 and 995. The plain ports offer STARTTLS (STLS for POP3); 465, 993
// and 995 speak TLS from the first byte (RFC 8314).
func (w *World) start(srv *Server) error {
	srv.relay = &smtp.Relay{
		Host:     srv.Host,
		Dial:     w.Net.Dial,
		LookupMX: func(domain string) ([]string, error) { return w.DNS.LookupMX(srv.Name, domain) },
		Clock:    w.Clock,
		Notify:   func(n *smtp.Notice) { w.notify(srv, n) },
	}
	if w.Spec.RelayTLS {
		srv.relay.TLS = w.clientTLS
	}
	cfg, err := w.serverTLS(srv.Name)
	if err != nil {
		return err
	}
	// The certificate can change while the world runs (the server action).
	srv.cert.Store(&cfg.Certificates[0])
	cfg.Certificates = nil
	cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return srv.cert.Load(), nil }
	srv.faults = &smtp.Faults{}
	mx := w.smtpServer(srv.Host, smtp.RoleMX, cfg, false)
	submission := w.smtpServer(srv.Host, smtp.RoleSubmission, cfg, false).Serve
	imap := w.imapServer(srv.Name, cfg, false).Serve
	pop := w.pop3Server(srv.Name, cfg, false).Serve
	for _, p := range []struct {
		port     int
		proto    sim.Proto
		implicit bool
		serve    func(net.Listener) error
	}{
		{PortSMTP, sim.SMTP, false, func(l net.Listener) error { return mx.Serve(srv.faults.Listener(l, srv.Name)) }},
		{PortSubmission, sim.SMTP, false, submission},
		{PortSMTPS, sim.SMTP, true, submission},
		{PortIMAP, sim.IMAP, false, imap},
		{PortIMAPS, sim.IMAP, true, imap},
		{PortPOP3, sim.POP3, false, pop},
		{PortPOP3S, sim.POP3, true, pop},
	} {
		l, err := w.Net.Listen(srv.Name, p.port, p.proto)
		if err != nil {
			return err
		}
		if p.implicit {
			w.serve(tls.NewListener(l, cfg), p.serve)
		} else {
			w.serve(l, p.serve)
		}
	}
	return nil
}

// smtpServer returns an SMTP server of a host (nil for a front door)
// offering STARTTLS with cfg; requireTLS refuses authentication before TLS.
func (w *World) smtpServer(h *smtp.Host, role smtp.Role, cfg *tls.Config, requireTLS bool) *gosmtp.Server {
	var faults *smtp.Faults
	if srv := w.serverOf(h); srv != nil && role == smtp.RoleMX {
		faults = srv.faults
	}
	c := smtp.Config{
		Faults:     faults,
		Host:       h,
		Role:       role,
		Store:      w.Store,
		Clock:      w.Clock,
		Hosts:      w.smtpHost,
		PTR:        w.DNS.PTR,
		NewID:      w.queueID,
		Logger:     w.logger,
		TLS:        cfg,
		RequireTLS: requireTLS,
	}
	c.MaxMessageBytes, c.MaxRecipients = w.limits(h)
	if h == nil {
		c.Queued = w.relayNow
	}
	s := smtp.NewServer(c)
	w.addCloser(s)
	return s
}

// limits returns the SIZE and RCPTMAX of a host's SMTP servers, as the
// spec of its domains sets them (zero: the defaults).
func (w *World) limits(h *smtp.Host) (size int64, rcpts int) {
	if h == nil {
		return 0, 0
	}
	for _, d := range w.Spec.Domains {
		if d.Server == h.Name {
			size, rcpts = max(size, d.MaxSize), max(rcpts, d.MaxRecipients)
		}
	}
	return size, rcpts
}

// imapServer returns an IMAP server of a host ("" for a front door).
func (w *World) imapServer(host string, cfg *tls.Config, requireTLS bool) *imapserver.Server {
	s := simimap.NewServer(simimap.Config{Store: w.Store, Host: host, Logger: w.logger, TLS: cfg, RequireTLS: requireTLS})
	w.addCloser(s)
	return s
}

// pop3Server returns a POP3 server of a host ("" for a front door).
func (w *World) pop3Server(host string, cfg *tls.Config, requireTLS bool) *pop3.Server {
	s := pop3.NewServer(pop3.Config{Store: w.Store, Host: host, Clock: w.Clock, Logger: w.logger, TLS: cfg, RequireTLS: requireTLS})
	w.addCloser(s)
	return s
}

// serve runs serve(l) until the world closes.
func (w *World) serve(l net.Listener, serve func(net.Listener) error) {
	w.addCloser(l)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if err := serve(l); err != nil && !errors.Is(err, net.ErrClosed) {
			w.logger.Printf("serve %s: %v", l.Addr(), err)
		}
	}()
}

func (w *World) addCloser(c io.Closer) {
	w.mu.Lock()
	w.closers = append(w.closers, c)
	w.mu.Unlock()
}

// addAccount creates an account of a domain and delivers its starting mail.
func (w *World) addAccount(a AccountSpec, d DomainSpec) error {
	addr := a.User + "@" + d.Name
	acct, err := w.Store.AddAccount(addr, a.Password, d.Server)
	if err != nil {
		return err
	}
	for _, m := range a.Mail {
		mbox := m.Mailbox
		if mbox == "" {
			mbox = store.Inbox
		}
		if !slices.Contains(acct.Mailboxes(), mbox) {
			if err := acct.CreateMailbox(mbox); err != nil {
				return err
			}
		}
		raw, err := message.Compose(&message.Draft{
			From:      w.addressOf(m.From),
			To:        []message.Address{{Name: a.Name, Address: addr}},
			Subject:   m.Subject,
			Date:      w.Clock.Now(),
			MessageID: w.messageID(domainOf(m.From)),
			Text:      m.Text,
		})
		if err != nil {
			return fmt.Errorf("world: starting mail of %s: %w", addr, err)
		}
		flags := make([]imap.Flag, len(m.Flags))
		for i, f := range m.Flags {
			flags[i] = imap.Flag(f)
		}
		if _, err := w.Store.Deliver(addr, mbox, raw, flags); err != nil {
			return err
		}
	}
	return nil
}

// AddAccount adds an account while the world runs (serve --user). A new
// domain gets a server of its own, mail.DOMAIN, with its MX record.
func (w *World) AddAccount(address, password string) error {
	user, domain, ok := strings.Cut(strings.ToLower(address), "@")
	if !ok || user == "" || domain == "" {
		return fmt.Errorf("world: %q is not an address (user@domain)", address)
	}
	w.mu.Lock()
	srv := w.byDomain[domain]
	w.mu.Unlock()
	if srv == nil {
		return fmt.Errorf("world: no server keeps mail for %s", domain)
	}
	_, err := w.Store.AddAccount(address, password, srv.Name)
	return err
}

// Server returns the server with the given host name, or nil.
func (w *World) Server(name string) *Server { return w.byName[name] }

// Servers returns the world's servers in the order of the spec.
func (w *World) Servers() []*Server { return w.servers }

// Device returns the device with the given id, or nil.
func (w *World) Device(id string) *Device { return w.byID[id] }

// Devices returns the world's devices in the order of the spec.
func (w *World) Devices() []*Device { return w.devices }

// smtpHost returns the SMTP host that keeps a domain's mail, or nil.
func (w *World) smtpHost(domain string) *smtp.Host {
	w.mu.Lock()
	defer w.mu.Unlock()
	if srv := w.byDomain[strings.ToLower(domain)]; srv != nil {
		return srv.Host
	}
	return nil
}

// ip returns the address of a server or device.
func (w *World) ip(host string) string {
	if d := w.byID[host]; d != nil {
		return d.IP
	}
	return w.DNS.IP(host)
}

// addressOf returns an address with the display name of its account, if
// the world has it.
func (w *World) addressOf(addr string) message.Address {
	user, domain, _ := strings.Cut(strings.ToLower(addr), "@")
	for _, d := range w.Spec.Domains {
		if d.Name != domain {
			continue
		}
		for _, a := range d.Accounts {
			if a.User == user {
				return message.Address{Name: a.Name, Address: addr}
			}
		}
	}
	return message.Address{Address: addr}
}

// queueID returns a fresh queue id, ten hexadecimal digits as Postfix's.
func (w *World) queueID() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return fmt.Sprintf("%010X", w.rng.Uint64()&0xFFFFFFFFFF)
}

// messageID returns a fresh Message-ID (without brackets) for a domain.
func (w *World) messageID(domain string) string {
	w.mu.Lock()
	n := w.rng.Uint32()
	w.mu.Unlock()
	return fmt.Sprintf("%s.%08x@%s", w.Clock.Now().UTC().Format("20060102150405"), n, domain)
}

// boundary returns a fresh multipart boundary.
func (w *World) boundary() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return fmt.Sprintf("=_mailscope_%016x", w.rng.Uint64())
}

// publishStore records a store or queue change.
func (w *World) publishStore(c *sim.Change) {
	w.Trace.Append(sim.Event{Kind: sim.KindStore, Change: c, Text: c.Summary()})
}

// publishDevice records a change of a device's local copy.
func (w *World) publishDevice(c *sim.Change) {
	w.Trace.Append(sim.Event{Kind: sim.KindDevice, Change: c, Text: c.Summary()})
}

// Settle waits until every server has handled all it was sent, then brings
// the local copy of each device in step with what its IMAP connection was
// told.
func (w *World) Settle() {
	if !w.Net.Settle(settleTimeout) {
		w.logger.Printf("world: the network did not settle within %v", settleTimeout)
	}
	for _, d := range w.devices {
		d.followIMAP()
	}
}

// State returns the state of every store, queue and device now, read from
// the servers and devices themselves (not from the trace).
func (w *World) State() *sim.State {
	s := w.Store.Snapshot()
	for _, srv := range w.servers {
		for _, it := range srv.Host.Queue.Items() {
			info := message.Info(it.Data)
			info.MailFrom, info.RcptTo = it.From, it.Rcpts
			s.Queues[srv.Name] = append(s.Queues[srv.Name], sim.QueueEntry{ID: it.ID, Info: info, Try: it.Try()})
		}
	}
	for _, d := range w.devices {
		if ds := d.state(); ds != nil {
			s.Devices[d.Spec.ID] = ds
		}
	}
	return s
}

// Close drops the devices' connections and stops every server.
func (w *World) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	closers := w.closers
	w.mu.Unlock()
	for _, d := range w.devices {
		d.close()
	}
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i].Close()
	}
	w.wg.Wait()
	return nil
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return strings.ToLower(d)
}
