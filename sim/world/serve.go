package world

import (
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"strconv"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/wire"
)

// ServeOptions says which of the world's services to offer on real TCP
// addresses. An empty address is not served.
type ServeOptions struct {
	SMTP       string // the exchangers' port 25, with STARTTLS
	Submission string // the submission port 587, with STARTTLS
	SMTPS      string // submission with implicit TLS, port 465 (RFC 8314)
	IMAP       string // IMAP port 143, with STARTTLS
	IMAPS      string // IMAP with implicit TLS, port 993
	POP3       string // POP3 port 110, with STLS
	POP3S      string // POP3 with implicit TLS, port 995
	// Public allows addresses other than loopback ones. A listener beyond
	// loopback refuses authentication before TLS, with each protocol's own
	// reply.
	Public bool
}

// Listening is a service offered on a real address.
type Listening struct {
	Service string // "smtp", "submission", "smtps", "imap", "imaps", "pop3" or "pop3s"
	Port    int    // its port in the world
	Addr    net.Addr
	TLS     bool // TLS from the first byte; the others offer STARTTLS (STLS)
}

// Serve offers the world's servers on real TCP listeners, recorded in the
// trace as live connections (and, under TLS, decrypted with the secrets
// the servers log). Each real listener is a front door for every server of
// the world: a message goes to the server that keeps its recipient's
// domain (SMTP) or its author's (submission), and any account may log in
// with IMAP or POP3. Messages queued for relay are relayed at once, over
// the simulated network. The front doors' certificate is issued by the
// world's authority (see CACertificate) for localhost, 127.0.0.1, ::1, the
// hosts they listen on and the world's server names. Serve listens only on
// loopback addresses unless opts.Public is set. The listeners close with
// the world.
func (w *World) Serve(opts ServeOptions) ([]Listening, error) {
	type service struct {
		name     string
		addr     string
		port     int
		proto    sim.Proto
		implicit bool
	}
	type opened struct {
		service
		l net.Listener
	}
	var open []opened
	closeAll := func() {
		for _, o := range open {
			o.l.Close()
		}
	}
	names := []string{"localhost", "127.0.0.1", "::1"}
	for _, s := range []service{
		{"smtp", opts.SMTP, PortSMTP, sim.SMTP, false},
		{"submission", opts.Submission, PortSubmission, sim.SMTP, false},
		{"smtps", opts.SMTPS, PortSMTPS, sim.SMTP, true},
		{"imap", opts.IMAP, PortIMAP, sim.IMAP, false},
		{"imaps", opts.IMAPS, PortIMAPS, sim.IMAP, true},
		{"pop3", opts.POP3, PortPOP3, sim.POP3, false},
		{"pop3s", opts.POP3S, PortPOP3S, sim.POP3, true},
	} {
		if s.addr == "" {
			continue
		}
		err := error(nil)
		if !opts.Public {
			err = checkLoopback(s.addr)
		}
		var l net.Listener
		if err == nil {
			l, err = net.Listen("tcp", s.addr)
		}
		if err != nil {
			closeAll()
			return nil, err
		}
		open = append(open, opened{s, l})
		if host, _, err := net.SplitHostPort(s.addr); err == nil && host != "" {
			if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
				names = appendNew(names, host)
			}
		}
	}
	for _, srv := range w.servers {
		names = appendNew(names, srv.Name)
	}
	cfg, err := w.serverTLS(names...)
	if err != nil {
		closeAll()
		return nil, err
	}
	var out []Listening
	for _, o := range open {
		// Plaintext authentication only where nobody else can listen.
		requireTLS := !isLoopback(o.l.Addr())
		var serve func(net.Listener) error
		switch o.name {
		case "smtp":
			serve = w.smtpServer(nil, smtp.RoleMX, cfg, requireTLS).Serve
		case "submission", "smtps":
			serve = w.smtpServer(nil, smtp.RoleSubmission, cfg, requireTLS).Serve
		case "imap", "imaps":
			serve = w.imapServer("", cfg, requireTLS).Serve
		default:
			serve = w.pop3Server("", cfg, requireTLS).Serve
		}
		l := wire.TapListener(o.l, w.Trace, "localhost", o.port, o.proto, w.Keys)
		if o.implicit {
			l = tls.NewListener(l, cfg)
		}
		w.serve(l, serve)
		out = append(out, Listening{Service: o.name, Port: o.port, Addr: o.l.Addr(), TLS: o.implicit})
	}
	w.startRetries()
	return out, nil
}

// relayNow relays a host's queue at once, in the background, as a real
// server does with what a front door queued.
func (w *World) relayNow(h *smtp.Host) {
	srv := w.Server(h.Name)
	if srv == nil {
		return
	}
	go func() {
		srv.relayMu.Lock()
		outcomes := srv.relay.FlushReady()
		srv.relayMu.Unlock()
		if err := outcomeErrors(srv, outcomes); err != nil {
			w.Trace.Append(sim.Event{Kind: sim.KindError, Text: err.Error()})
		}
	}()
}

func appendNew(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}

// isLoopback reports whether a listener's address is a loopback one.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// ErrNotLoopback is returned (wrapped) by Serve for an address beyond this
// machine when ServeOptions.Public is not set.
var ErrNotLoopback = fmt.Errorf("not a loopback address")

// checkLoopback accepts host:port addresses whose host is a loopback
// address or resolves only to loopback addresses.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if _, err := strconv.Atoi(port); err != nil {
		return fmt.Errorf("%s: bad port %q", addr, port)
	}
	if host == "" {
		return fmt.Errorf("%s: %w (an empty host means every interface)", addr, ErrNotLoopback)
	}
	ips, err := net.LookupIP(host)
	if err != nil {
		return err
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("%s: %w", addr, ErrNotLoopback)
		}
	}
	return nil
}
