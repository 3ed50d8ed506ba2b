package world

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/message"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/store"
)

// Time and the network going wrong: a server that is down or answers
// "try again later" for a while, a certificate the clients do not trust,
// and the queue that retries on the world's clock (RFC 5321 section
// 4.5.4.1) until a message is delivered or returned to its sender with a
// delivery status notification (RFC 3464).

// ServerAction changes how a server of the world behaves from now on. At
// least one of State, Fail and Cert is given.
type ServerAction struct {
	Name string `yaml:"name" json:"name"`
	// State "down" stops the machine: every new connection to any of its
	// ports is refused. "up" starts it again.
	State string `yaml:"state,omitempty" json:"state,omitempty"`
	// Fail makes the server's port 25 fail the next Fail attempts to give
	// it mail, as Reply says; 0 ends the failures.
	Fail *int `yaml:"fail,omitempty" json:"fail,omitempty"`
	// Reply is how it fails: 451 (the default) answers MAIL FROM with
	// "451 4.3.0"; 421 greets the connection with "421 4.3.2" and closes
	// it.
	Reply int `yaml:"reply,omitempty" json:"reply,omitempty"`
	// Cert is the certificate the server presents: "valid" (issued by the
	// world's authority for its name, as at the start), "self-signed" (no
	// client trusts it) or "wrong-name" (issued by the world's authority,
	// but for the server's first mail domain rather than its host name).
	Cert string `yaml:"cert,omitempty" json:"cert,omitempty"`
}

// Server states and certificates a server action can ask for.
const (
	StateDown = "down"
	StateUp   = "up"

	CertValid      = "valid"
	CertSelfSigned = "self-signed"
	CertWrongName  = "wrong-name"
)

// ServerStates, ServerCerts and ServerReplies list the values of a server
// action's state, cert and reply.
var (
	ServerStates  = []string{StateDown, StateUp}
	ServerCerts   = []string{CertValid, CertSelfSigned, CertWrongName}
	ServerReplies = []int{smtp.FaultAbort, smtp.FaultShutdown}
)

// maxFail bounds a server action's fail.
const maxFail = 1000

// checkServer checks a server action at path p.
func checkServer(c *checker, p string, a *ServerAction, servers map[string]bool) {
	if !servers[a.Name] {
		c.add(p+".name", "there is no server %q", a.Name)
	}
	if a.State == "" && a.Fail == nil && a.Cert == "" {
		c.add(p, "a server action needs state, fail or cert")
	}
	if a.State != "" && !slices.Contains(ServerStates, a.State) {
		c.add(p+".state", "state %q is not one of %s", a.State, strings.Join(ServerStates, ", "))
	}
	if a.Fail != nil && (*a.Fail < 0 || *a.Fail > maxFail) {
		c.add(p+".fail", "fail is a number of attempts from 0 to %d", maxFail)
	}
	switch {
	case a.Reply != 0 && a.Fail == nil:
		c.add(p+".reply", "reply says how the server fails: it needs fail")
	case a.Reply != 0 && !slices.Contains(ServerReplies, a.Reply):
		c.add(p+".reply", "reply %d is not %d or %d", a.Reply, smtp.FaultAbort, smtp.FaultShutdown)
	}
	if a.Cert != "" && !slices.Contains(ServerCerts, a.Cert) {
		c.add(p+".cert", "cert %q is not one of %s", a.Cert, strings.Join(ServerCerts, ", "))
	}
}

// doServer takes a server action.
func (w *World) doServer(a *ServerAction) error {
	srv := w.Server(a.Name)
	if srv == nil {
		return fmt.Errorf("world: there is no server %q", a.Name)
	}
	switch a.State {
	case StateDown:
		w.Net.SetDown(srv.Name, true)
	case StateUp:
		w.Net.SetDown(srv.Name, false)
	case "":
	default:
		return fmt.Errorf("world: state %q is not one of %s", a.State, strings.Join(ServerStates, ", "))
	}
	if a.Fail != nil {
		reply := a.Reply
		if reply == 0 {
			reply = smtp.FaultAbort
		}
		srv.faults.Set(*a.Fail, reply)
	}
	if a.Cert != "" {
		cert, err := w.certificate(srv, a.Cert)
		if err != nil {
			return err
		}
		srv.cert.Store(cert)
	}
	return nil
}

// certificate returns the certificate of a kind for a server.
func (w *World) certificate(srv *Server, kind string) (*tls.Certificate, error) {
	switch kind {
	case CertValid:
		return w.PKI.Issue(srv.Name)
	case CertSelfSigned:
		return w.PKI.SelfSigned(srv.Name)
	case CertWrongName:
		return w.PKI.Issue(srv.Host.Domains[0])
	}
	return nil, fmt.Errorf("world: cert %q is not one of %s", kind, strings.Join(ServerCerts, ", "))
}

// serverOf returns the server of an SMTP host, or nil (for a front door).
func (w *World) serverOf(h *smtp.Host) *Server {
	if h == nil {
		return nil
	}
	return w.byName[h.Name]
}

// maxRetries bounds the attempts one wait runs: a safeguard, far above
// what 5 days of retries of every message of a lesson take.
const maxRetries = 100000

// wait advances the virtual clock by d, and on the way runs every retry
// that comes due, in time order, each a real SMTP exchange.
func (w *World) wait(vc *sim.VirtualClock, d time.Duration) {
	end := vc.Now().Add(d)
	for range maxRetries {
		srv, at := w.nextDue()
		if srv == nil || at.After(end) {
			break
		}
		if now := vc.Now(); at.After(now) {
			vc.Advance(at.Sub(now))
		}
		if err := w.flushDue(srv); err != nil {
			w.Trace.Append(sim.Event{Kind: sim.KindError, Text: err.Error()})
		}
		w.Settle()
	}
	if now := vc.Now(); now.Before(end) {
		vc.Advance(end.Sub(now))
	}
}

// nextDue returns the server with the earliest retry due, and when; nil
// if no queue waits for a retry.
func (w *World) nextDue() (*Server, time.Time) {
	var first *Server
	var at time.Time
	for _, srv := range w.servers {
		if t, ok := srv.Host.Queue.NextDue(); ok && (first == nil || t.Before(at)) {
			first, at = srv, t
		}
	}
	return first, at
}

// flushDue makes a server try the messages whose retry is due, and
// returns what failed.
func (w *World) flushDue(srv *Server) error { return relayOnce(srv, srv.relay.FlushDue) }

// relayOnce runs one pass of a server's relay (one at a time) and returns
// what failed.
func relayOnce(srv *Server, pass func() []smtp.Outcome) error {
	srv.relayMu.Lock()
	outcomes := pass()
	srv.relayMu.Unlock()
	return outcomeErrors(srv, outcomes)
}

// outcomeErrors returns the failures among a relay's outcomes as a
// Failure of the server, or nil.
func outcomeErrors(srv *Server, outcomes []smtp.Outcome) error {
	var errs []error
	for _, o := range outcomes {
		if o.Err != nil {
			errs = append(errs, fmt.Errorf("<%s> (queue id %s): %w", o.Rcpt, o.QueueID, o.Err))
		}
	}
	return failure(srv.Name, errors.Join(errs...))
}

// notify sends the delivery status notification a server's relay asks for
// (RFC 3464) to the message's sender, with the null sender (RFC 5321
// section 4.5.5): into the sender's INBOX when the sender is the server's
// own user, or queued for relay, due at once, when not.
func (w *World) notify(srv *Server, n *smtp.Notice) {
	it := n.Item
	d := message.DSN{
		ReportingMTA: srv.Name,
		ArrivalDate:  it.Arrived,
		Date:         n.At,
		MessageID:    w.messageID(srv.Name),
		From:         "MAILER-DAEMON@" + srv.Name,
		To:           it.From,
		Action:       n.Action,
		Original:     it.Data,
		Boundary:     w.boundary(),
	}
	var rcpts []string
	for _, o := range n.Rcpts {
		status, diag := smtp.Status(o.Err)
		if o.Permanent && !strings.HasPrefix(status, "5.") {
			status = "5.4.4" // refused for good without a reply: unable to route (RFC 3463)
		}
		r := message.DSNRecipient{Address: o.Rcpt, Status: status, DiagnosticCode: diag, LastAttempt: n.At, WillRetryUntil: n.Until}
		if diag != "" {
			r.RemoteMTA = o.Exchanger
		}
		d.Recipients = append(d.Recipients, r)
		rcpts = append(rcpts, "<"+o.Rcpt+">")
	}
	what := fmt.Sprintf("%s: still trying %s (queue id %s) until %s", srv.Name, strings.Join(rcpts, ", "), it.ID, n.Until.Format("2006-01-02 15:04 -0700"))
	switch {
	case n.Action == message.ActionFailed && !slices.ContainsFunc(n.Rcpts, func(o smtp.Outcome) bool { return !o.Permanent }):
		what = fmt.Sprintf("%s: %s refused for good (queue id %s)", srv.Name, strings.Join(rcpts, ", "), it.ID)
	case n.Action == message.ActionFailed:
		what = fmt.Sprintf("%s: gave up on %s (queue id %s) after %s in the queue", srv.Name, strings.Join(rcpts, ", "), it.ID, days(n.At.Sub(it.Arrived)))
	}
	raw, err := message.BuildDSN(d)
	if err != nil {
		w.Trace.Append(sim.Event{Kind: sim.KindError, Text: fmt.Sprintf("%s; no notification: %v", what, err)})
		return
	}
	w.Trace.Append(sim.Event{Kind: sim.KindError, Text: fmt.Sprintf("%s; a delivery status notification (%s) goes to <%s>", what, n.Action, it.From)})
	if srv.Host.Serves(domainOf(it.From)) {
		if _, err := w.Store.Deliver(it.From, store.Inbox, message.Prepend(raw, "Return-Path", "<>"), nil); err != nil {
			w.Trace.Append(sim.Event{Kind: sim.KindError, Text: fmt.Sprintf("%s: the notification to <%s> was not delivered: %v", srv.Name, it.From, err)})
		}
		return
	}
	now := w.Clock.Now()
	srv.Host.Queue.Add(&smtp.Item{ID: w.queueID(), From: "", Rcpts: []string{it.From}, Data: raw, Arrived: now, NextTry: now})
}

// days words a duration as days, hours and minutes: "5d", "4h30m",
// "1d2h".
func days(d time.Duration) string {
	d = d.Round(time.Minute)
	var b strings.Builder
	if n := d / (24 * time.Hour); n > 0 {
		fmt.Fprintf(&b, "%dd", n)
		d -= n * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}

// retryInterval is how often a live world looks for retries that are due.
const retryInterval = 15 * time.Second

// startRetries runs the retries of the world's queues on its clock, in the
// background, until the world closes (serve). It starts them once.
func (w *World) startRetries() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.retrying || w.closed {
		return
	}
	w.retrying = true
	stop := make(chan struct{})
	done := make(chan struct{})
	w.closers = append(w.closers, closerFunc(func() error {
		close(stop)
		<-done
		return nil
	}))
	go func() {
		defer close(done)
		w.retryLive(stop, retryInterval)
	}()
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// retryLive runs the retries of every server every interval until stop is
// closed.
func (w *World) retryLive(stop <-chan struct{}, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		for _, srv := range w.servers {
			if err := w.flushDue(srv); err != nil {
				w.Trace.Append(sim.Event{Kind: sim.KindError, Text: err.Error()})
			}
		}
	}
}
