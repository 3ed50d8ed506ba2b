// Package smtp runs the SMTP side of a simulated world with go-smtp
// (RFC 5321): a server in one of two roles, mail exchanger on port 25 and
// message submission on ports 587 and 465 (RFC 6409, AUTH PLAIN and LOGIN
// required, RFC 4954; port 465 with implicit TLS, RFC 8314), an outbound
// queue, the relay that empties it through the MX records of the
// recipients' domains (with opportunistic STARTTLS, RFC 3207, when asked),
// and the submission client a device uses.
package smtp

import (
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/store"
)

// Role is what an SMTP listener is for.
type Role int

// The roles of an SMTP listener.
const (
	// RoleMX receives mail from other servers for its own domains (port
	// 25). It needs no authentication and refuses to relay to other
	// domains.
	RoleMX Role = iota
	// RoleSubmission receives mail from the server's own users (port 587,
	// and 465 with implicit TLS), who must authenticate; mail for other
	// domains is queued for relay.
	RoleSubmission
)

// DefaultMaxMessageBytes is the SIZE a server announces when none is set
// (RFC 1870).
const DefaultMaxMessageBytes = 10 << 20

// DefaultMaxRecipients is the most recipients a transaction may have when
// none is set, announced as LIMITS RCPTMAX (RFC 9422): the 100 that RFC
// 5321 section 4.5.3.1.8 says a server must at least accept.
const DefaultMaxRecipients = 100

// Host is a mail server of the world as SMTP sees it.
type Host struct {
	Name    string   // its host name, as in greetings and Received: fields
	Domains []string // the mail domains it keeps mailboxes for
	Queue   *Queue   // its outbound queue
}

// Serves reports whether the host keeps mail for domain.
func (h *Host) Serves(domain string) bool {
	return slices.ContainsFunc(h.Domains, func(d string) bool { return strings.EqualFold(d, domain) })
}

// Config configures an SMTP server.
type Config struct {
	// Host is the server. Nil makes a front door for live mode that stands
	// for every host of the world: each message is handled by the host that
	// keeps its recipients' (RoleMX) or its author's (RoleSubmission) domain.
	Host *Host
	Role Role
	// Store keeps the accounts and receives local deliveries.
	Store *store.Store
	// Clock dates Received: fields. Nil means the wall clock.
	Clock sim.Clock
	// Hosts returns the host that keeps a domain's mail, or nil for a
	// domain outside the world.
	Hosts func(domain string) *Host
	// PTR gives the host name of an IP address for Received: fields; nil
	// or "" means unknown.
	PTR func(ip string) string
	// NewID returns a fresh queue id; it is also the id in Received:.
	NewID func() string
	// MaxMessageBytes is the largest message accepted (announced as SIZE).
	// Zero means DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// MaxRecipients is the most RCPT commands a transaction may have
	// (announced as LIMITS RCPTMAX); the next get "452 4.5.3". Zero means
	// DefaultMaxRecipients.
	MaxRecipients int
	// Faults, if set, makes the server fail on purpose for a while: it
	// answers MAIL FROM with 451 while a FaultAbort is left. (For 421
	// greetings serve on Faults.Listener.)
	Faults *Faults
	// Queued, if set, is called after a message was added to a queue.
	Queued func(*Host)
	// Logger receives the server's internal errors; nil discards them.
	Logger gosmtp.Logger
	// TLS, when set, is offered with STARTTLS (RFC 3207). For implicit
	// TLS (port 465, RFC 8314), serve on a tls.NewListener instead: go-smtp
	// then runs the handshake itself.
	TLS *tls.Config
	// RequireTLS refuses authentication before TLS, as a server on an
	// open network does: AUTH is not offered, and is answered "523 5.7.10
	// TLS is required". Without it plaintext AUTH is allowed, as it is on
	// the simulated network and on loopback addresses.
	RequireTLS bool
}

// NewServer returns a go-smtp server with the given configuration. Serve it
// on a listener.
func NewServer(cfg Config) *gosmtp.Server {
	if cfg.Clock == nil {
		cfg.Clock = sim.RealClock{}
	}
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.MaxRecipients == 0 {
		cfg.MaxRecipients = DefaultMaxRecipients
	}
	if cfg.Logger == nil {
		cfg.Logger = discardLogger{}
	}
	be := &backend{cfg: cfg}
	s := gosmtp.NewServer(be)
	s.Domain = "localhost"
	if cfg.Host != nil {
		s.Domain = cfg.Host.Name
	}
	s.MaxMessageBytes = cfg.MaxMessageBytes
	s.MaxRecipients = cfg.MaxRecipients
	s.TLSConfig = cfg.TLS
	s.AllowInsecureAuth = !cfg.RequireTLS
	s.ReadTimeout = 10 * time.Minute
	s.WriteTimeout = time.Minute
	s.ErrorLog = cfg.Logger
	return s
}

type backend struct {
	cfg Config
}

func (b *backend) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	s := &session{cfg: &b.cfg, conn: c}
	if b.cfg.Role == RoleSubmission {
		return &submissionSession{session: s}, nil
	}
	return s, nil
}

// Reply errors, worded as common servers word them.
var (
	errAuthRequired = &gosmtp.SMTPError{Code: 530, EnhancedCode: gosmtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	errBadAddress   = &gosmtp.SMTPError{Code: 501, EnhancedCode: gosmtp.EnhancedCode{5, 1, 3}, Message: "Bad recipient address syntax"}
)

func errUnknownUser(rcpt string) error {
	return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: fmt.Sprintf("<%s>: Recipient address rejected: User unknown in local recipient table", rcpt)}
}

// errRelayDenied refuses a recipient in a domain the server does not keep
// mail for, from a client that did not authenticate: 550, as RFC 5321
// section 3.6.2 says a server SHOULD answer (some servers, Postfix among
// them, answer 554).
func errRelayDenied(rcpt string) error {
	return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: fmt.Sprintf("<%s>: Relay access denied", rcpt)}
}

func errSenderMismatch(from, user string) error {
	return &gosmtp.SMTPError{Code: 553, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: fmt.Sprintf("<%s>: Sender address rejected: not owned by user %s", from, user)}
}

// queuedOK is the reply to a successful DATA that names the queue id, as
// servers do. go-smtp sends the code and text of an *SMTPError returned by
// Data as they are, which is the only way to word a 250 reply.
func queuedOK(id string) error {
	return &gosmtp.SMTPError{Code: 250, EnhancedCode: gosmtp.EnhancedCode{2, 0, 0}, Message: "Ok: queued as " + id}
}

func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(addr[i+1:])
}

func remoteIP(c net.Conn) string {
	if c == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...interface{}) {}
func (discardLogger) Println(...interface{})        {}
