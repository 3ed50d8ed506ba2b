package pop3

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	gosasl "github.com/emersion/go-sasl"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/sasl"
)

// The ways an agent logs in.
const (
	AuthUser  = "user"  // USER and PASS (RFC 1939 section 7)
	AuthAPOP  = "apop"  // APOP (RFC 1939 section 7)
	AuthPlain = "plain" // AUTH PLAIN (RFC 5034, RFC 4616)
	AuthLogin = "login" // AUTH LOGIN (RFC 5034)
)

// AgentOptions says how an agent behaves.
type AgentOptions struct {
	// Keep leaves a copy of every message on the server ("leave a copy on
	// the server"); without it the agent downloads and deletes, as POP3
	// clients classically do.
	Keep bool
	// KeepFor, with Keep, deletes a message from the server once this long
	// has passed on the clock since the agent downloaded it. Zero keeps
	// messages on the server for ever.
	KeepFor time.Duration
	// Auth is how the agent logs in: AuthUser (the default), AuthAPOP,
	// AuthPlain or AuthLogin.
	Auth string
	// Clock tells when messages were downloaded. Nil means the wall clock.
	Clock sim.Clock
	// Save, if set, is called with each message as soon as it has been
	// downloaded or previewed, before the session goes on.
	Save func(*Message)
}

// Message is a message an agent downloaded or previewed.
type Message struct {
	Num     int    // its number in the session
	UID     string // its unique-id (UIDL)
	Size    int    // its size in octets, as LIST gave it
	Data    []byte // the message, or with Partial its header
	Partial bool   // only the header was fetched (TOP n 0)
}

// Result is what one session of an agent did.
type Result struct {
	Count, Size int        // the maildrop, as STAT gave it
	Fetched     []*Message // downloaded or previewed, in message order
	Deleted     []string   // the unique-ids marked with DELE
	Quit        bool       // the session ended with QUIT, so the deletions were made
}

// Agent is the POP3 client of a device. Each of its operations is one
// session: connect, CAPA, log in, STAT, UIDL, LIST, then RETR, TOP and
// DELE as the operation and the options say, and QUIT. It remembers which
// messages it has downloaded (by unique-id, as mail programs do) so that it
// fetches each only once. An agent is driven by one goroutine at a time.
type Agent struct {
	dial     Dialer       // immutable
	username string       // immutable
	password string       // immutable
	opts     AgentOptions // immutable

	downloaded map[string]time.Time // unique-id -> when it was first downloaded whole
	previewed  map[string]bool      // unique-ids whose header was fetched
}

// Dialer opens a connection for a session of an agent. It returns the
// connection and, when the agent is to upgrade it with STLS before logging
// in (RFC 2595 section 4), the TLS configuration for that; for implicit TLS
// (port 995, RFC 8314) it returns the TLS connection itself and no
// configuration.
type Dialer func() (conn net.Conn, stls *tls.Config, err error)

// Plain returns a Dialer that dials with dial and never starts TLS.
func Plain(dial func() (net.Conn, error)) Dialer {
	return func() (net.Conn, *tls.Config, error) {
		c, err := dial()
		return c, nil, err
	}
}

// NewAgent returns an agent that connects with dial and logs in with the
// given credentials.
func NewAgent(dial Dialer, username, password string, opts AgentOptions) *Agent {
	if opts.Clock == nil {
		opts.Clock = sim.RealClock{}
	}
	if opts.Auth == "" {
		opts.Auth = AuthUser
	}
	return &Agent{
		dial: dial, username: username, password: password, opts: opts,
		downloaded: make(map[string]time.Time), previewed: make(map[string]bool),
	}
}

// Downloaded reports whether the agent has downloaded the message with the
// given unique-id whole.
func (a *Agent) Downloaded(uid string) bool {
	_, ok := a.downloaded[uid]
	return ok
}

// op is what a session does with the messages.
type op int

const (
	opCheck   op = iota // download what is new, delete as the options say
	opPreview           // fetch the header of what is new, delete nothing
	opDrop              // download what is new, delete it, and drop the connection before QUIT
)

// Check runs a session that downloads every message not downloaded before
// and then, without Keep, marks every message it has with DELE; with Keep
// and KeepFor, it marks those downloaded at least KeepFor ago. QUIT makes
// the deletions.
func (a *Agent) Check() (*Result, error) { return a.session(opCheck) }

// Preview runs a session that fetches only the header of each new message
// (TOP n 0) and deletes nothing.
func (a *Agent) Preview() (*Result, error) { return a.session(opPreview) }

// Drop runs a session as Check does without Keep (download, then DELE),
// but drops the connection instead of sending QUIT, as a phone that loses
// its signal does: the server deletes nothing.
func (a *Agent) Drop() (*Result, error) { return a.session(opDrop) }

func (a *Agent) session(o op) (*Result, error) {
	conn, stls, err := a.dial()
	if err != nil {
		return nil, err
	}
	c, err := NewClient(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	res := &Result{}
	err = a.run(c, stls, o, res)
	switch {
	case err != nil:
		var perr *Error
		if errors.As(err, &perr) {
			c.Quit() // a refusal leaves the session usable: end it politely
		} else {
			c.Close()
		}
		return res, err
	case o == opDrop:
		return res, c.Close()
	}
	if err := c.Quit(); err != nil {
		return res, err
	}
	res.Quit = true
	// What the server no longer has need not be remembered.
	for uid := range a.downloaded {
		if slices.Contains(res.Deleted, uid) {
			delete(a.downloaded, uid)
			delete(a.previewed, uid)
		}
	}
	return res, nil
}

func (a *Agent) run(c *Client, stls *tls.Config, o op, res *Result) error {
	caps, _ := c.Capa() // a server without CAPA is still a POP3 server
	if stls != nil {
		if caps != nil && !slices.Contains(caps, "STLS") {
			return errors.New("pop3: the server does not offer STLS")
		}
		if err := c.Stls(stls); err != nil {
			return err
		}
		// What the server offers may change under TLS (RFC 2595 section
		// 4): ask again.
		caps, _ = c.Capa()
	}
	if err := a.login(c, caps); err != nil {
		return err
	}
	var err error
	if res.Count, res.Size, err = c.Stat(); err != nil {
		return err
	}
	uids, err := c.UidlAll()
	if err != nil {
		return err
	}
	sizes, err := c.ListAll()
	if err != nil {
		return err
	}
	sizeOf := make(map[int]int, len(sizes))
	for _, s := range sizes {
		sizeOf[s.Num] = s.Size
	}
	now := a.opts.Clock.Now()
	for _, u := range uids {
		msg := &Message{Num: u.Num, UID: u.UID, Size: sizeOf[u.Num]}
		_, have := a.downloaded[u.UID]
		switch {
		case o == opPreview && !have && !a.previewed[u.UID]:
			if msg.Data, err = c.Top(u.Num, 0); err != nil {
				return err
			}
			msg.Partial = true
			a.previewed[u.UID] = true
			a.save(res, msg)
		case o != opPreview && !have:
			if msg.Data, err = c.Retr(u.Num); err != nil {
				return err
			}
			a.downloaded[u.UID] = now
			have = true
			a.save(res, msg)
		}
		if have && a.deletes(o, u.UID, now) {
			if err := c.Dele(u.Num); err != nil {
				return err
			}
			res.Deleted = append(res.Deleted, u.UID)
		}
	}
	return nil
}

// deletes reports whether the session marks a downloaded message with DELE.
func (a *Agent) deletes(o op, uid string, now time.Time) bool {
	switch {
	case o == opPreview:
		return false
	case o == opDrop || !a.opts.Keep:
		return true
	}
	return a.opts.KeepFor > 0 && !now.Before(a.downloaded[uid].Add(a.opts.KeepFor))
}

func (a *Agent) save(res *Result, msg *Message) {
	res.Fetched = append(res.Fetched, msg)
	if a.opts.Save != nil {
		a.opts.Save(msg)
	}
}

// login authenticates as the options say, with what the server offers.
func (a *Agent) login(c *Client, caps []string) error {
	switch a.opts.Auth {
	case AuthUser:
		if err := c.User(a.username); err != nil {
			return err
		}
		return c.Pass(a.password)
	case AuthAPOP:
		return c.Apop(a.username, a.password)
	case AuthPlain:
		if caps != nil && !hasSASL(caps, gosasl.Plain) {
			return errors.New("pop3: the server does not offer SASL PLAIN")
		}
		return c.Auth(gosasl.NewPlainClient("", a.username, a.password))
	case AuthLogin:
		if caps != nil && !hasSASL(caps, sasl.Login) {
			return errors.New("pop3: the server does not offer SASL LOGIN")
		}
		return c.Auth(gosasl.NewLoginClient(a.username, a.password))
	}
	return fmt.Errorf("pop3: unknown way to log in %q", a.opts.Auth)
}

func hasSASL(caps []string, mech string) bool {
	for _, line := range caps {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "SASL" && slices.Contains(f[1:], mech) {
			return true
		}
	}
	return false
}
