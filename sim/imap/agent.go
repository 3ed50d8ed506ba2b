package imap

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Dialer opens a connection for an agent. It returns the connection and,
// when the agent is to upgrade it with STARTTLS before logging in (RFC 9051
// section 6.2.1), the TLS configuration for that; for implicit TLS (port
// 993, RFC 8314) it returns the TLS connection itself and no
// configuration.
type Dialer func() (conn net.Conn, startTLS *tls.Config, err error)

// Plain returns a Dialer that dials with dial and never starts TLS.
func Plain(dial func() (net.Conn, error)) Dialer {
	return func() (net.Conn, *tls.Config, error) {
		c, err := dial()
		return c, nil, err
	}
}

// Agent is the IMAP client of a device: one connection, opened and logged
// in on first use, used the way a mail client uses it. An agent is driven by
// one goroutine at a time.
type Agent struct {
	dial     Dialer
	username string
	password string

	c       *imapclient.Client
	idle    *imapclient.IdleCommand
	mailbox string // selected, or ""
}

// NewAgent returns an agent that connects with dial and logs in with the
// given credentials.
func NewAgent(dial Dialer, username, password string) *Agent {
	return &Agent{dial: dial, username: username, password: password}
}

// Connected reports whether the agent has an open, logged-in connection.
func (a *Agent) Connected() bool { return a.c != nil }

// Idling reports whether the agent is in IDLE.
func (a *Agent) Idling() bool { return a.idle != nil }

// Selected returns the selected mailbox, or "".
func (a *Agent) Selected() string { return a.mailbox }

// Login connects and logs in, unless the agent already is.
func (a *Agent) Login() error {
	if a.c != nil {
		return nil
	}
	conn, startTLS, err := a.dial()
	if err != nil {
		return err
	}
	var c *imapclient.Client
	if startTLS != nil {
		// imapclient sends STARTTLS without waiting for the greeting; a
		// careful client waits, and so the transcript always shows the
		// greeting first.
		c, err = imapclient.NewStartTLS(newGreetedConn(conn), &imapclient.Options{TLSConfig: startTLS})
		if err != nil {
			return err
		}
		// What the server said before TLS no longer counts: the client
		// asks for the capabilities again (RFC 9051 section 6.2.1). It
		// does so on its own, from another goroutine; waiting for the
		// answer keeps LOGIN after it.
		c.Caps()
	} else {
		c = imapclient.New(conn, nil)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return err
	}
	if err := c.Login(a.username, a.password).Wait(); err != nil {
		c.Logout().Wait()
		c.Close()
		return err
	}
	a.c = c
	return nil
}

// ready logs in if need be and leaves IDLE, so that a command can be sent.
func (a *Agent) ready() error {
	if err := a.Login(); err != nil {
		return err
	}
	return a.Done()
}

// List returns every mailbox of the account (LIST "" "*").
func (a *Agent) List() ([]*imap.ListData, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	return a.c.List("", "*", nil).Collect()
}

// Select opens a mailbox.
func (a *Agent) Select(mailbox string) (*imap.SelectData, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	data, err := a.c.Select(mailbox, nil).Wait()
	if err != nil {
		// A failed SELECT leaves no mailbox selected, even the one that was
		// (RFC 9051 section 6.3.2).
		a.mailbox = ""
		return nil, err
	}
	a.mailbox = mailbox
	return data, nil
}

// Fetch fetches items of the messages in set (a UID set sends UID FETCH).
func (a *Agent) Fetch(set imap.NumSet, options *imap.FetchOptions) ([]*imapclient.FetchMessageBuffer, error) {
	if err := a.selected(); err != nil {
		return nil, err
	}
	return a.c.Fetch(set, options).Collect()
}

// UIDs returns the UID of every message of the selected mailbox, in order
// (UID SEARCH ALL, RFC 9051 section 6.4.4): what a client asks to learn
// which of the messages it keeps are still there.
func (a *Agent) UIDs() ([]imap.UID, error) {
	if err := a.selected(); err != nil {
		return nil, err
	}
	data, err := a.c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return nil, err
	}
	return data.AllUIDs(), nil
}

// Store changes flags of the messages in set and returns their new flags.
func (a *Agent) Store(set imap.NumSet, flags *imap.StoreFlags) ([]*imapclient.FetchMessageBuffer, error) {
	if err := a.selected(); err != nil {
		return nil, err
	}
	return a.c.Store(set, flags, nil).Collect()
}

// Create creates a mailbox.
func (a *Agent) Create(mailbox string) error {
	if err := a.ready(); err != nil {
		return err
	}
	return a.c.Create(mailbox, nil).Wait()
}

// Copy copies the messages in set to another mailbox.
func (a *Agent) Copy(set imap.NumSet, dest string) (*imap.CopyData, error) {
	if err := a.selected(); err != nil {
		return nil, err
	}
	return a.c.Copy(set, dest).Wait()
}

// Move moves the messages in set to another mailbox.
func (a *Agent) Move(set imap.NumSet, dest string) (*imapclient.MoveData, error) {
	if err := a.selected(); err != nil {
		return nil, err
	}
	return a.c.Move(set, dest).Wait()
}

// Expunge removes the messages flagged \Deleted and returns the sequence
// numbers the server reported.
func (a *Agent) Expunge() ([]uint32, error) {
	if err := a.selected(); err != nil {
		return nil, err
	}
	return a.c.Expunge().Collect()
}

// Idle starts IDLE: the server may then push changes to the selected
// mailbox at any time. Any other command ends it first.
func (a *Agent) Idle() error {
	if err := a.ready(); err != nil {
		return err
	}
	idle, err := a.c.Idle()
	if err != nil {
		return err
	}
	a.idle = idle
	return nil
}

// Done ends IDLE, if the agent is idling.
func (a *Agent) Done() error {
	if a.idle == nil {
		return nil
	}
	idle := a.idle
	a.idle = nil
	if err := idle.Close(); err != nil {
		return err
	}
	return idle.Wait()
}

// Logout logs out and closes the connection.
func (a *Agent) Logout() error {
	if a.c == nil {
		return nil
	}
	err := a.Done()
	if lerr := a.c.Logout().Wait(); err == nil {
		err = lerr
	}
	a.Close()
	return err
}

// Close drops the connection without logging out.
func (a *Agent) Close() {
	if a.c == nil {
		return
	}
	a.c.Close()
	a.c, a.idle, a.mailbox = nil, nil, ""
}

// ErrNotSelected is returned by commands that need a selected mailbox.
var ErrNotSelected = errors.New("imap: no mailbox is selected")

func (a *Agent) selected() error {
	if err := a.ready(); err != nil {
		return err
	}
	if a.mailbox == "" {
		return ErrNotSelected
	}
	return nil
}

// greetedConn holds the client's writes until the server's greeting (its
// first line) has arrived.
type greetedConn struct {
	net.Conn
	once    sync.Once
	greeted chan struct{} // closed when the greeting arrived, or reading failed
}

func newGreetedConn(c net.Conn) *greetedConn {
	return &greetedConn{Conn: c, greeted: make(chan struct{})}
}

func (c *greetedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil || bytes.IndexByte(b[:n], '\n') >= 0 {
		c.once.Do(func() { close(c.greeted) })
	}
	return n, err
}

func (c *greetedConn) Write(b []byte) (int, error) {
	<-c.greeted
	return c.Conn.Write(b)
}

func (c *greetedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { close(c.greeted) })
	return err
}

func (a *Agent) String() string {
	return fmt.Sprintf("imap.Agent(%s)", a.username)
}
