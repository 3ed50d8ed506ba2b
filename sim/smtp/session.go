package smtp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim/message"
	simsasl "github.com/mailscope/mailscope/sim/sasl"
	"github.com/mailscope/mailscope/sim/store"
)

// session is one SMTP transaction context on a connection. The MX role uses
// it as it is; submissionSession adds authentication.
type session struct {
	cfg  *Config      // immutable
	conn *gosmtp.Conn // immutable

	user  *store.Account // after AUTH (submission only)
	from  string
	rcpts []string
}

var _ gosmtp.Session = (*session)(nil)

func (s *session) Reset() {
	s.from, s.rcpts = "", nil
}

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.cfg.Faults.take(FaultAbort) {
		return errAborted
	}
	s.from = from
	return nil
}

// home returns the host that handles this session's message: the server
// itself, or on a front door the host of the authenticated author (nil
// before authentication on an MX front door, which stands for every host).
func (s *session) home() *Host {
	if s.cfg.Host != nil {
		return s.cfg.Host
	}
	if s.user != nil {
		return s.cfg.Hosts(domainOf(s.user.Address()))
	}
	return nil
}

// local returns the host that keeps domain's mail if this session delivers
// it without relaying, or nil.
func (s *session) local(domain string) *Host {
	h := s.cfg.Hosts(domain)
	if h == nil {
		return nil
	}
	if home := s.home(); home != nil && h != home {
		return nil
	}
	return h
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	domain := domainOf(to)
	if domain == "" {
		return errBadAddress
	}
	if h := s.local(domain); h != nil {
		a := s.cfg.Store.Account(to)
		if a == nil || a.Host() != h.Name {
			return errUnknownUser(to)
		}
	} else if s.user == nil {
		return errRelayDenied(to)
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // go-smtp turns a too-large message into 552 5.3.4
	}
	// The host that handles the message: this server, or for a front door
	// the one that keeps the author's (submission) or the first
	// recipient's (MX) mail.
	h := s.home()
	if h == nil {
		h = s.cfg.Hosts(domainOf(s.rcpts[0]))
	}
	if h == nil {
		return errors.New("no host for this message")
	}
	id := s.cfg.NewID()
	if s.user != nil {
		raw = s.completeSubmission(raw, h, id)
	}
	raw = message.Prepend(raw, "Received", s.received(h, id))

	var remote []string
	for _, rcpt := range s.rcpts {
		if s.local(domainOf(rcpt)) == nil {
			remote = append(remote, rcpt)
			continue
		}
		delivered := message.Prepend(raw, "Return-Path", "<"+s.from+">")
		if _, err := s.cfg.Store.Deliver(rcpt, store.Inbox, delivered, nil); err != nil {
			return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Local delivery failed, try again later"}
		}
	}
	if len(remote) > 0 {
		h.Queue.Add(&Item{ID: id, From: s.from, Rcpts: remote, Data: raw, Arrived: s.cfg.Clock.Now()})
		if s.cfg.Queued != nil {
			s.cfg.Queued(h)
		}
	}
	return queuedOK(id)
}

// completeSubmission adds the Date: and Message-ID: a submitted message
// lacks, as RFC 6409 section 8 allows a submission server to do.
func (s *session) completeSubmission(raw []byte, h *Host, id string) []byte {
	head := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head = raw[:i+2]
	}
	has := func(field string) bool {
		for _, line := range strings.Split(string(head), "\r\n") {
			if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
				continue // the continuation of a folded field
			}
			if k, _, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), field) {
				return true
			}
		}
		return false
	}
	if !has("Message-ID") {
		raw = message.Prepend(raw, "Message-ID", fmt.Sprintf("<%s@%s>", id, h.Name))
	}
	if !has("Date") {
		raw = message.Prepend(raw, "Date", s.cfg.Clock.Now().Format(dateFormat))
	}
	return raw
}

// dateFormat is the date-time of RFC 5322 section 3.3.
const dateFormat = "Mon, 02 Jan 2006 15:04:05 -0700"

// received returns the value of the Received: field this hop adds (RFC 5321
// section 4.4), folded, with the protocol named as in RFC 3848.
func (s *session) received(h *Host, id string) string {
	ip := remoteIP(s.conn.Conn())
	name := ""
	if s.cfg.PTR != nil {
		name = s.cfg.PTR(ip)
	}
	if name == "" {
		name = "unknown"
	}
	// RFC 3848: S when the session is encrypted (STARTTLS or implicit TLS),
	// A when the client authenticated.
	proto := "ESMTP"
	if _, tls := s.conn.TLSConnectionState(); tls {
		proto += "S"
	}
	if s.user != nil {
		proto += "A"
	}
	v := fmt.Sprintf("from %s (%s [%s])\r\n\tby %s with %s id %s", s.conn.Hostname(), name, ip, h.Name, proto, id)
	if len(s.rcpts) == 1 {
		v += fmt.Sprintf("\r\n\tfor <%s>", s.rcpts[0])
	}
	return v + "; " + s.cfg.Clock.Now().Format(dateFormat)
}

// submissionSession is a session on the submission port: the client must
// authenticate before MAIL, and may send only as itself.
type submissionSession struct {
	*session
}

var _ gosmtp.AuthSession = (*submissionSession)(nil)

// Mechanisms are the SASL mechanisms the submission role offers: PLAIN
// (RFC 4616) and LOGIN, which mail clients still use.
var Mechanisms = []string{sasl.Plain, simsasl.Login}

func (s *submissionSession) AuthMechanisms() []string { return Mechanisms }

func (s *submissionSession) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && !strings.EqualFold(identity, username) {
				return gosmtp.ErrAuthFailed
			}
			return s.login(username, password)
		}), nil
	case simsasl.Login:
		return simsasl.NewLoginServer(s.login), nil
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

// login checks a username and password and authenticates the session.
func (s *submissionSession) login(username, password string) error {
	a, err := s.cfg.Store.Authenticate(username, password, s.accepts)
	if err != nil {
		return gosmtp.ErrAuthFailed
	}
	s.user = a
	return nil
}

// accepts reports whether the account may submit through this server.
func (s *submissionSession) accepts(a *store.Account) bool {
	return s.cfg.Host == nil || a.Host() == s.cfg.Host.Name
}

func (s *submissionSession) Mail(from string, opts *gosmtp.MailOptions) error {
	if s.user == nil {
		return errAuthRequired
	}
	if !strings.EqualFold(from, s.user.Address()) {
		return errSenderMismatch(from, s.user.Address())
	}
	return s.session.Mail(from, opts)
}

func (s *submissionSession) Rcpt(to string, opts *gosmtp.RcptOptions) error {
	if s.user == nil {
		return errAuthRequired
	}
	return s.session.Rcpt(to, opts)
}
