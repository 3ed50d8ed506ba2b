// Package store is the one mail store behind every protocol of a simulated
// world: SMTP delivers into it, IMAP (RFC 9051) and POP3 (RFC 1939) read and
// change it. It keeps accounts, mailboxes (folders) and messages with their
// UID, UIDVALIDITY, flags, internal date, size and raw RFC 5322 bytes, and it
// publishes a sim.Change for everything it does, in the order it does it.
//
// Session implements go-imap's imapserver.Session over the store, with the
// library's mailbox trackers, so that an IMAP client sees a delivery, a flag
// change or an expunge made by anyone else. A client in IDLE is told before
// the change that caused it is acknowledged to whoever made it, which keeps a
// scripted world deterministic.
package store

import (
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/message"
)

// Inbox is the name of the mailbox every account has and mail is delivered to.
const Inbox = "INBOX"

// Delim is the hierarchy delimiter of mailbox names.
const Delim = '/'

// pushTimeout bounds how long a change waits for an idling client to be told.
const pushTimeout = 10 * time.Second

// Store holds every account of a world.
type Store struct {
	clock   sim.Clock         // immutable
	publish func(*sim.Change) // immutable; called with mu held

	mu          sync.Mutex
	idling      *sync.Cond          // on mu; signalled when a session starts or stops idling
	accounts    map[string]*Account // by lower-case address
	uidValidity uint32              // the last UIDVALIDITY given out
}

// Options configures a Store.
type Options struct {
	// Clock gives internal dates and UIDVALIDITY values. Nil means the wall
	// clock.
	Clock sim.Clock
	// Publish is called for every change, in order, while the store is
	// locked: it must be quick and must not call back into the store.
	Publish func(*sim.Change)
}

// New returns an empty store.
func New(opts Options) *Store {
	s := &Store{clock: opts.Clock, publish: opts.Publish, accounts: make(map[string]*Account)}
	s.idling = sync.NewCond(&s.mu)
	if s.clock == nil {
		s.clock = sim.RealClock{}
	}
	if s.publish == nil {
		s.publish = func(*sim.Change) {}
	}
	// UIDVALIDITY values start from the clock, as many servers do, so that
	// they are plausible and repeatable on a virtual clock.
	s.uidValidity = uint32(s.clock.Now().Unix())
	return s
}

// Account is a mail account on one server.
type Account struct {
	st       *Store // immutable
	address  string // immutable, lower case
	host     string // immutable: the server that keeps it
	password string // immutable

	mailboxes map[string]*Mailbox // guarded by st.mu
	maildrop  bool                // guarded by st.mu: a POP3 session holds the maildrop lock
}

// Address returns the account's address, such as "beto@otro.org".
func (a *Account) Address() string { return a.address }

// Host returns the name of the server that keeps the account.
func (a *Account) Host() string { return a.host }

// Local returns the part of the address before the @.
func (a *Account) Local() string {
	local, _, _ := strings.Cut(a.address, "@")
	return local
}

// AddAccount creates the account address (user@domain) kept by host, with
// an INBOX.
func (s *Store) AddAccount(address, password, host string) (*Account, error) {
	address = strings.ToLower(strings.TrimSpace(address))
	local, domain, ok := strings.Cut(address, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(address, " <>\"") {
		return nil, fmt.Errorf("store: %q is not an address (user@domain)", address)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accounts[address] != nil {
		return nil, fmt.Errorf("store: account %s already exists", address)
	}
	a := &Account{st: s, address: address, host: host, password: password, mailboxes: make(map[string]*Mailbox)}
	s.accounts[address] = a
	s.publish(&sim.Change{Op: sim.OpAccount, Host: host, Account: address})
	s.createLocked(a, Inbox)
	return a, nil
}

// Account returns the account with the given address, or nil.
func (s *Store) Account(address string) *Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[strings.ToLower(address)]
}

// Accounts returns every account, sorted by address.
func (s *Store) Accounts() []*Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := make([]*Account, 0, len(s.accounts))
	for _, a := range s.accounts {
		l = append(l, a)
	}
	slices.SortFunc(l, func(a, b *Account) int { return strings.Compare(a.address, b.address) })
	return l
}

// Authenticate returns the account named by username (its address, or its
// local part when that is unique among the accounts accept allows) if
// password is right. accept may be nil to allow every account.
func (s *Store) Authenticate(username, password string, accept func(*Account) bool) (*Account, error) {
	a := s.find(username, accept)
	if a == nil || subtle.ConstantTimeCompare([]byte(password), []byte(a.password)) != 1 {
		return nil, ErrAuth
	}
	return a, nil
}

// ErrAuth is returned for an unknown user or a wrong password (the two are
// not told apart, as servers do not).
var ErrAuth = fmt.Errorf("store: authentication failed")

func (s *Store) find(username string, accept func(*Account) bool) *Account {
	username = strings.ToLower(strings.TrimSpace(username))
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[username]; a != nil {
		if accept == nil || accept(a) {
			return a
		}
		return nil
	}
	if strings.Contains(username, "@") {
		return nil
	}
	var found *Account
	for _, a := range s.accounts {
		if a.Local() == username && (accept == nil || accept(a)) {
			if found != nil {
				return nil // ambiguous
			}
			found = a
		}
	}
	return found
}

// Deliver appends raw to the account's mailbox (INBOX when mailbox is
// empty) with the given flags, and returns the new message's UID.
func (s *Store) Deliver(address, mailbox string, raw []byte, flags []imap.Flag) (imap.UID, error) {
	if mailbox == "" {
		mailbox = Inbox
	}
	s.mu.Lock()
	a := s.accounts[strings.ToLower(address)]
	if a == nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("store: no account %s", address)
	}
	mbox := a.mailboxes[mailbox]
	if mbox == nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("store: %s has no mailbox %q", address, mailbox)
	}
	msg := s.appendLocked(mbox, raw, flags, time.Time{})
	watchers := mbox.watchersLocked()
	s.mu.Unlock()
	push(watchers)
	return msg.uid, nil
}

// Idlers returns how many IMAP sessions idle on the account's mailbox.
func (s *Store) Idlers(address, mailbox string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idlersLocked(address, mailbox)
}

func (s *Store) idlersLocked(address, mailbox string) int {
	if a := s.accounts[strings.ToLower(address)]; a != nil {
		if m := a.mailboxes[mailboxName(mailbox)]; m != nil {
			return len(m.watchers)
		}
	}
	return 0
}

// WaitIdlers waits until at least n IMAP sessions idle on the account's
// mailbox, or timeout passes, and reports whether they do. A client is told
// "+ idling" a moment before its session starts to watch the mailbox; a
// scripted world waits for that moment, so that the next change is pushed
// to the client before it is acknowledged, as every later one is.
func (s *Store) WaitIdlers(address, mailbox string, n int, timeout time.Duration) bool {
	stop := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.idling.Broadcast()
		s.mu.Unlock()
	})
	defer stop.Stop()
	deadline := time.Now().Add(timeout)
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.idlersLocked(address, mailbox) < n {
		if !time.Now().Before(deadline) {
			return false
		}
		s.idling.Wait()
	}
	return true
}

// Snapshot returns the store's current contents in the same form as a state
// rebuilt from the trace (queues and devices are not the store's).
func (s *Store) Snapshot() *sim.State {
	st := sim.NewState()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		as := &sim.AccountState{Address: a.address, Host: a.host, Mailboxes: make(map[string]*sim.MailboxState)}
		for name, m := range a.mailboxes {
			ms := &sim.MailboxState{Name: name, UIDValidity: m.uidValidity}
			for _, msg := range m.msgs {
				ms.Messages = append(ms.Messages, sim.MessageState{UID: uint32(msg.uid), Flags: flagStrings(msg.flags), Info: msg.info})
			}
			as.Mailboxes[name] = ms
		}
		st.Accounts[a.address] = as
	}
	return st
}

// Mailboxes returns the names of the account's mailboxes, sorted.
func (a *Account) Mailboxes() []string {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	names := make([]string, 0, len(a.mailboxes))
	for name := range a.mailboxes {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Messages returns a copy of what the mailbox holds, by ascending UID.
func (a *Account) Messages(mailbox string) []sim.MessageState {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	m := a.mailboxes[mailbox]
	if m == nil {
		return nil
	}
	out := make([]sim.MessageState, len(m.msgs))
	for i, msg := range m.msgs {
		out[i] = sim.MessageState{UID: uint32(msg.uid), Flags: flagStrings(msg.flags), Info: msg.info}
	}
	return out
}

// Raw returns the bytes of message uid in the mailbox, or nil.
func (a *Account) Raw(mailbox string, uid uint32) []byte {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	if m := a.mailboxes[mailbox]; m != nil {
		if i := m.indexLocked(imap.UID(uid)); i >= 0 {
			return m.msgs[i].raw
		}
	}
	return nil
}

// CreateMailbox creates a mailbox for the account, as IMAP CREATE does.
func (a *Account) CreateMailbox(name string) error {
	return (&Session{st: a.st, acct: a}).Create(name, nil)
}

// createLocked creates a mailbox; the name must be free.
func (s *Store) createLocked(a *Account, name string) *Mailbox {
	s.uidValidity++
	m := &Mailbox{
		acct:        a,
		tracker:     imapserver.NewMailboxTracker(0),
		name:        name,
		uidValidity: s.uidValidity,
		uidNext:     1,
		subscribed:  true,
	}
	a.mailboxes[name] = m
	s.publish(&sim.Change{Op: sim.OpMailboxCreate, Host: a.host, Account: a.address, Mailbox: name, UIDValidity: m.uidValidity})
	return m
}

// appendLocked adds a message to a mailbox; a zero date means now.
func (s *Store) appendLocked(m *Mailbox, raw []byte, flags []imap.Flag, date time.Time) *Message {
	if date.IsZero() {
		date = s.clock.Now()
	}
	info := message.Info(raw)
	info.Date = date
	msg := &Message{uid: m.uidNext, raw: raw, date: date, info: info, flags: normFlags(flags)}
	m.uidNext++
	m.msgs = append(m.msgs, msg)
	m.tracker.QueueNumMessages(uint32(len(m.msgs)))
	s.publish(&sim.Change{
		Op: sim.OpAppend, Host: m.acct.host, Account: m.acct.address, Mailbox: m.name,
		UIDValidity: m.uidValidity, UID: uint32(msg.uid), Flags: flagStrings(msg.flags), Msg: &msg.info,
	})
	return msg
}
