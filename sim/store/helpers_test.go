package store_test

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim"
	simimap "github.com/mailscope/mailscope/sim/imap"
	"github.com/mailscope/mailscope/sim/store"
	"github.com/mailscope/mailscope/sim/wire"
)

// Names shared by the tests.
const (
	host     = "mail.otro.org"
	beto     = "beto@otro.org"
	password = "naranja"
)

// guard bounds how long a test waits for something that must happen; it
// only turns a hang into a failure and never measures speed.
const guard = 10 * time.Second

// recorder keeps the changes a store publishes.
type recorder struct {
	mu      sync.Mutex
	changes []sim.Change
}

func (r *recorder) publish(c *sim.Change) {
	r.mu.Lock()
	r.changes = append(r.changes, *c)
	r.mu.Unlock()
}

// take returns the changes published since the last take.
func (r *recorder) take() []sim.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.changes
	r.changes = nil
	return l
}

// env is a store served by an IMAP server on a simulated network, with
// everything recorded in one trace.
type env struct {
	clock *sim.VirtualClock
	trace *sim.Trace
	st    *store.Store
	net   *wire.Network
	acct  *store.Account
}

// newEnv returns a world with the account beto@otro.org (password naranja)
// kept by mail.otro.org, whose IMAP server listens on port 143.
func newEnv(t *testing.T) *env {
	t.Helper()
	clock := sim.NewVirtualClock(sim.Epoch)
	tr := sim.NewTrace(sim.TraceOptions{Clock: clock})
	st := store.New(store.Options{Clock: clock, Publish: func(c *sim.Change) {
		tr.Append(sim.Event{Kind: sim.KindStore, Change: c, Text: c.Summary()})
	}})
	nw := wire.NewNetwork(wire.Options{Trace: tr})
	ln, err := nw.Listen(host, 143, sim.IMAP)
	if err != nil {
		t.Fatal(err)
	}
	srv := simimap.NewServer(simimap.Config{Store: st, Host: host})
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
		<-served
	})
	acct, err := st.AddAccount(beto, password, host)
	if err != nil {
		t.Fatal(err)
	}
	return &env{clock: clock, trace: tr, st: st, net: nw, acct: acct}
}

// dial opens a raw connection from the client host from.
func (e *env) dial(t *testing.T, from string) net.Conn {
	t.Helper()
	conn, err := e.net.Dial(from, host, 143)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// client connects an IMAP client from the client host from.
func (e *env) client(t *testing.T, from string, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c := imapclient.New(e.dial(t, from), opts)
	t.Cleanup(func() { c.Close() })
	if err := c.WaitGreeting(); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	return c
}

// login connects a client from the client host from and logs in as beto.
func (e *env) login(t *testing.T, from string, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c := e.client(t, from, opts)
	if err := c.Login(beto, password).Wait(); err != nil {
		t.Fatalf("LOGIN %s: %v", beto, err)
	}
	return c
}

// selectBox logs in from the client host from and selects mailbox.
func (e *env) selectBox(t *testing.T, from, mailbox string, opts *imapclient.Options) (*imapclient.Client, *imap.SelectData) {
	t.Helper()
	c := e.login(t, from, opts)
	data, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		t.Fatalf("SELECT %s: %v", mailbox, err)
	}
	return c, data
}

// deliver delivers a message to beto's mailbox and returns its UID.
func (e *env) deliver(t *testing.T, mailbox string, raw []byte, flags ...imap.Flag) imap.UID {
	t.Helper()
	uid, err := e.st.Deliver(beto, mailbox, raw, flags)
	if err != nil {
		t.Fatalf("Deliver(%s, %q): %v", beto, mailbox, err)
	}
	return uid
}

// create creates mailboxes of beto's.
func (e *env) create(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if err := e.acct.CreateMailbox(name); err != nil {
			t.Fatalf("CreateMailbox(%q): %v", name, err)
		}
	}
}

// uids returns the UIDs of the messages in beto's mailbox.
func (e *env) uids(mailbox string) []uint32 {
	var l []uint32
	for _, m := range e.acct.Messages(mailbox) {
		l = append(l, m.UID)
	}
	return l
}

// flags returns the flags of message uid in beto's mailbox.
func (e *env) flags(t *testing.T, mailbox string, uid imap.UID) []string {
	t.Helper()
	for _, m := range e.acct.Messages(mailbox) {
		if m.UID == uint32(uid) {
			return m.Flags
		}
	}
	t.Fatalf("%s has no message with UID %d", mailbox, uid)
	return nil
}

// conn returns the connection opened last from the client host from.
func (e *env) conn(t *testing.T, from string) *sim.ConnInfo {
	t.Helper()
	var c *sim.ConnInfo
	for _, ev := range e.trace.Events() {
		if ev.Kind == sim.KindOpen && ev.Conn.Client == from {
			c = ev.Conn
		}
	}
	if c == nil {
		t.Fatalf("no connection from %s in the trace", from)
	}
	return c
}

// lineIndex returns the index in events of the first line on conn in
// direction dir for which match is true, or -1.
func lineIndex(events []sim.Event, conn *sim.ConnInfo, dir sim.Dir, match func(string) bool) int {
	return slices.IndexFunc(events, func(ev sim.Event) bool {
		return ev.Kind == sim.KindLine && ev.Conn == conn && ev.Dir == dir && match(ev.Text)
	})
}

// is returns a matcher for a line equal to text.
func is(text string) func(string) bool {
	return func(s string) bool { return s == text }
}

// tagged returns the index of the tagged completion (OK, NO or BAD) of the
// first command on conn whose line contains cmd, and the completion line.
func tagged(t *testing.T, events []sim.Event, conn *sim.ConnInfo, cmd string) (int, string) {
	t.Helper()
	i := lineIndex(events, conn, sim.C2S, func(s string) bool { return strings.Contains(s, cmd) })
	if i < 0 {
		t.Fatalf("no command %q on %s", cmd, conn.Label())
	}
	tag, _, _ := strings.Cut(events[i].Text, " ")
	j := lineIndex(events[i:], conn, sim.S2C, func(s string) bool { return strings.HasPrefix(s, tag+" ") })
	if j < 0 {
		t.Fatalf("no completion of %q (tag %s) on %s", cmd, tag, conn.Label())
	}
	return i + j, events[i+j].Text
}

// mail returns a small RFC 5322 message; its Message-ID is msgID(subject).
func mail(from, subject, body string) []byte {
	return fmt.Appendf(nil, "From: %s\r\nTo: Beto <beto@otro.org>\r\nSubject: %s\r\n"+
		"Date: Mon, 02 Mar 2026 08:30:00 +0100\r\nMessage-ID: <%s>\r\n"+
		"Content-Type: text/plain; charset=us-ascii\r\n\r\n%s\r\n",
		from, subject, msgID(subject), body)
}

// msgID returns the Message-ID (without angle brackets) mail gives a
// message with the given subject.
func msgID(subject string) string {
	id := strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			return r
		}
		return '.'
	}, strings.ToLower(subject))
	return id + "@test"
}

// imapCode returns the response code of an IMAP error, or "" with the
// error's text when err is not one.
func imapCode(err error) (imap.StatusResponseType, imap.ResponseCode) {
	var ie *imap.Error
	if errors.As(err, &ie) {
		return ie.Type, ie.Code
	}
	return "", ""
}

// wantCode fails unless err is an IMAP error of the given type and code.
func wantCode(t *testing.T, what string, err error, typ imap.StatusResponseType, code imap.ResponseCode) {
	t.Helper()
	gotType, gotCode := imapCode(err)
	if gotType != typ || gotCode != code {
		t.Errorf("%s = %v, want %s [%s]", what, err, typ, code)
	}
}

// strs returns flags as strings (nil for none), as the store reports them.
func strs(flags []imap.Flag) []string {
	if len(flags) == 0 {
		return nil
	}
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = string(f)
	}
	return out
}

// sortedFlags returns the flags as sorted strings.
func sortedFlags(flags []imap.Flag) []string {
	l := strs(flags)
	slices.Sort(l)
	return l
}

// within runs f and fails the test if it has not returned within guard.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(guard):
		t.Fatalf("%s did not return within %v", what, guard)
	}
}
