package world

import (
	"fmt"
	"net"
	"strconv"

	"github.com/mailscope/mailscope/sim"
	simimap "github.com/mailscope/mailscope/sim/imap"
	"github.com/mailscope/mailscope/sim/pop3"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/wire"
)

// ServeOptions says which of the world's services to offer on real TCP
// addresses. An empty address is not served.
type ServeOptions struct {
	SMTP       string // the exchangers' port 25
	Submission string // the submission port 587
	IMAP       string // IMAP port 143
	POP3       string // POP3 port 110
	// Public allows addresses other than loopback ones.
	Public bool
}

// Listening is a service offered on a real address.
type Listening struct {
	Service string // "smtp", "submission", "imap" or "pop3"
	Port    int    // its port in the world
	Addr    net.Addr
}

// Serve offers the world's servers on real TCP listeners, recorded in the
// trace as live connections. Each real listener is a front door for every
// server of the world: a message goes to the server that keeps its
// recipient's domain (SMTP) or its author's (submission), and any account
// may log in with IMAP or POP3. Messages queued for relay are relayed at
// once, over the simulated network. Serve listens only on loopback
// addresses unless opts.Public is set. The listeners close with the world.
func (w *World) Serve(opts ServeOptions) ([]Listening, error) {
	queued := func(h *smtp.Host) {
		if srv := w.Server(h.Name); srv != nil {
			go func() {
				if err := w.flush(srv); err != nil {
					w.Trace.Append(sim.Event{Kind: sim.KindError, Text: err.Error()})
				}
			}()
		}
	}
	smtpServer := func(role smtp.Role) func() func(net.Listener) error {
		return func() func(net.Listener) error {
			s := smtp.NewServer(smtp.Config{
				Role: role, Store: w.Store, Clock: w.Clock, Hosts: w.smtpHost,
				PTR: w.DNS.PTR, NewID: w.queueID, Queued: queued, Logger: w.logger,
			})
			w.addCloser(s)
			return s.Serve
		}
	}
	imapServer := func() func(net.Listener) error {
		s := simimap.NewServer(simimap.Config{Store: w.Store, Logger: w.logger})
		w.addCloser(s)
		return s.Serve
	}
	pop3Server := func() func(net.Listener) error {
		s := pop3.NewServer(pop3.Config{Store: w.Store, Clock: w.Clock, Logger: w.logger})
		w.addCloser(s)
		return s.Serve
	}
	type service struct {
		name   string
		addr   string
		port   int
		proto  sim.Proto
		server func() func(net.Listener) error
	}
	type opened struct {
		service
		l net.Listener
	}
	var open []opened
	for _, s := range []service{
		{"smtp", opts.SMTP, PortSMTP, sim.SMTP, smtpServer(smtp.RoleMX)},
		{"submission", opts.Submission, PortSubmission, sim.SMTP, smtpServer(smtp.RoleSubmission)},
		{"imap", opts.IMAP, PortIMAP, sim.IMAP, imapServer},
		{"pop3", opts.POP3, PortPOP3, sim.POP3, pop3Server},
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
			for _, o := range open {
				o.l.Close()
			}
			return nil, err
		}
		open = append(open, opened{s, l})
	}
	var out []Listening
	for _, o := range open {
		w.serve(wire.TapListener(o.l, w.Trace, "localhost", o.port, o.proto, nil), o.server())
		out = append(out, Listening{Service: o.name, Port: o.port, Addr: o.l.Addr()})
	}
	return out, nil
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
