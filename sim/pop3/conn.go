package pop3

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/mailscope/mailscope/sim/store"
)

// state is a session's state (RFC 1939 section 3).
type state int

// The states of a session.
const (
	stateAuthorization state = iota + 1 // until the client authenticates
	stateTransaction                    // working on the maildrop
	stateUpdate                         // after QUIT: deletions are applied
)

func (s state) String() string {
	switch s {
	case stateAuthorization:
		return "AUTHORIZATION"
	case stateTransaction:
		return "TRANSACTION"
	case stateUpdate:
		return "UPDATE"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// handler runs one command: it parses its arguments, checks the state and
// delegates. It writes positive replies itself and returns negative ones
// as an *Error; any other error ends the session.
type handler func(c *conn, cmd *command) error

// commands is the command table: every keyword the server knows.
var commands = map[string]handler{
	"USER": (*conn).handleUser,
	"PASS": (*conn).handlePass,
	"APOP": (*conn).handleApop,
	"AUTH": (*conn).handleAuth,
	"CAPA": (*conn).handleCapa,
	"STLS": (*conn).handleStls,
	"STAT": (*conn).handleStat,
	"LIST": (*conn).handleList,
	"RETR": (*conn).handleRetr,
	"DELE": (*conn).handleDele,
	"NOOP": (*conn).handleNoop,
	"RSET": (*conn).handleRset,
	"TOP":  (*conn).handleTop,
	"UIDL": (*conn).handleUidl,
	"QUIT": (*conn).handleQuit,
}

// conn is one session. It is owned by the goroutine that serves it.
type conn struct {
	srv *Server  // immutable
	raw net.Conn // immutable: the connection as accepted

	nc net.Conn // raw, or the TLS connection over it after STLS
	r  *bufio.Reader
	w  *bufio.Writer

	state     state
	tls       bool   // STLS done, or implicit TLS
	timestamp string // the APOP timestamp of the greeting
	user      string // the name USER gave, waiting for PASS
	acct      *store.Account
	unlock    func() // releases the maildrop lock
	drop      *maildrop

	errors       int  // negative replies in a row
	authFailures int  // failed authentications
	hangup       bool // end the session after this reply
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{srv: s, raw: nc, nc: nc, state: stateAuthorization}
	_, c.tls = nc.(*tls.Conn) // implicit TLS
	c.r, c.w = newBufs(nc)
	return c
}

// plaintextAuth returns the refusal of a command that would send a
// password in the clear, when the server requires TLS first, or nil.
func (c *conn) plaintextAuth() error {
	if c.srv.cfg.RequireTLS && !c.tls {
		return &Error{Code: CodeAuth, Text: "Plaintext authentication is disallowed without TLS: use STLS first"}
	}
	return nil
}

// serve greets the client and runs its commands until the session ends.
func (c *conn) serve() {
	c.timestamp = c.srv.timestamp()
	c.reply("+OK %s POP3 server ready %s", c.srv.hostname, c.timestamp)
	if c.flush() != nil {
		return
	}
	for !c.hangup {
		line, err := c.readLine(MaxCommandLine)
		switch {
		case errors.Is(err, errLineTooLong):
			c.result(errorf("Line too long: a command may have at most %d octets, CRLF included", MaxCommandLine))
		case err != nil:
			// The client went away or fell silent (RFC 1939 section 3:
			// no UPDATE, no reply).
			return
		default:
			c.dispatch(line)
		}
		// Replies to pipelined commands (RFC 2449 section 6.6) go out
		// together.
		if c.r.Buffered() == 0 || c.hangup {
			if c.flush() != nil {
				return
			}
		}
	}
}

// dispatch runs one command line.
func (c *conn) dispatch(line []byte) {
	cmd, perr := parseCommand(line)
	if perr != nil {
		c.result(perr)
		return
	}
	h := commands[cmd.Name]
	if h == nil {
		c.result(errorf("Unknown command: %s", cmd.Name))
		return
	}
	if cmd.Name != "PASS" {
		// PASS must come right after USER (RFC 1939 section 7).
		c.user = ""
	}
	c.result(h(c, cmd))
}

// result accounts for a command's outcome and sends a negative reply.
func (c *conn) result(err error) {
	var e *Error
	switch {
	case err == nil:
		c.errors = 0
	case errors.As(err, &e):
		c.errors++
		if c.errors >= MaxErrors {
			e = &Error{Text: "Too many errors, closing connection"}
			c.hangup = true
		}
		c.reply("%s", e.Reply())
	default:
		c.srv.cfg.Logger.Printf("pop3: %v: %v", c.raw.RemoteAddr(), err)
		c.hangup = true
	}
}

// checkState returns an error unless the session is in state want.
func (c *conn) checkState(cmd *command, want state) error {
	if c.state == want {
		return nil
	}
	hint := "log in first"
	if c.state == stateTransaction {
		hint = "already logged in"
	}
	return errorf("%s is valid only in the %s state (%s)", cmd.Name, want, hint)
}

// noArgs returns an error if the command has arguments.
func noArgs(cmd *command) error {
	if len(cmd.Args) > 0 {
		return errorf("%s takes no arguments", cmd.Name)
	}
	return nil
}

// reply writes one line; write errors surface at flush.
func (c *conn) reply(format string, args ...any) {
	fmt.Fprintf(c.w, format, args...)
	c.w.WriteString("\r\n")
}

// ok writes a positive reply: "+OK", then text if there is any.
func (c *conn) ok(format string, args ...any) error {
	c.w.WriteString("+OK")
	if format != "" {
		c.w.WriteByte(' ')
		fmt.Fprintf(c.w, format, args...)
	}
	c.w.WriteString("\r\n")
	return nil
}

// flush sends what was written, within the timeout.
func (c *conn) flush() error {
	if c.w.Buffered() == 0 {
		return nil
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.Timeout))
	return c.w.Flush()
}

var (
	errLineTooLong = errors.New("pop3: line too long")
	errFlood       = errors.New("pop3: line far too long")
)

// maxDiscard is how much of an overlong line is read and thrown away
// before the session is ended instead.
const maxDiscard = 64 * 1024

// readLine reads a line of at most limit octets, line ending included, and
// returns it without its CRLF (or bare LF). An overlong line is read to its
// end and reported as errLineTooLong. The line is valid until the next
// read. Each read must come within the inactivity timeout.
func (c *conn) readLine(limit int) ([]byte, error) {
	c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.Timeout))
	chunk, err := c.r.ReadSlice('\n')
	if err == nil && len(chunk) <= limit {
		return trimEOL(chunk), nil
	}
	var line []byte
	n := len(chunk)
	if n <= limit {
		line = append(line, chunk...)
	}
	for errors.Is(err, bufio.ErrBufferFull) {
		if n > maxDiscard {
			return nil, errFlood
		}
		chunk, err = c.r.ReadSlice('\n')
		n += len(chunk)
		if n <= limit {
			line = append(line, chunk...)
		}
	}
	switch {
	case err != nil:
		return nil, err
	case n > limit:
		return nil, errLineTooLong
	}
	return trimEOL(line), nil
}

func trimEOL(b []byte) []byte {
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b
}

// login opens the maildrop of an authenticated account and enters the
// TRANSACTION state (RFC 1939 section 4). A maildrop held by another
// session is refused with [IN-USE], and the session stays in the
// AUTHORIZATION state.
func (c *conn) login(a *store.Account) error {
	unlock, ok := a.LockMaildrop()
	if !ok {
		return &Error{Code: CodeInUse, Text: "Unable to lock maildrop: another session is using it"}
	}
	uidValidity, msgs := a.Maildrop()
	if uidValidity == 0 {
		unlock()
		return &Error{Code: CodeSysTemp, Text: "Unable to open maildrop, try again later"}
	}
	c.acct, c.unlock, c.drop = a, unlock, newMaildrop(uidValidity, msgs)
	c.state = stateTransaction
	c.authFailures = 0
	return c.ok("%s's maildrop has %s", a.Address(), c.drop.summary())
}

// authFailed returns the reply to a failed authentication, and ends the
// session after MaxAuthFailures of them.
func (c *conn) authFailed() error {
	c.authFailures++
	if c.authFailures >= MaxAuthFailures {
		c.hangup = true
		return &Error{Code: CodeAuth, Text: "Authentication failed too many times, closing connection"}
	}
	return &Error{Code: CodeAuth, Text: "Authentication failed"}
}

// close ends the session without entering the UPDATE state: nothing is
// deleted, and the maildrop lock is released before the connection closes.
func (c *conn) close() {
	if c.unlock != nil {
		c.unlock()
	}
	c.nc.Close()
}
