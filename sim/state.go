package sim

import (
	"slices"
	"sort"
)

// State is what every server store, outbound queue and device holds at one
// moment, rebuilt from the store and device events of a trace. It is the
// model behind the mailbox views and behind stepping back.
type State struct {
	Accounts map[string]*AccountState // by address
	Queues   map[string][]QueueEntry  // by server host, oldest first
	Devices  map[string]*DeviceState  // by device id; only devices that hold something
}

// AccountState is one account on a server.
type AccountState struct {
	Address   string
	Host      string
	Mailboxes map[string]*MailboxState // by name
}

// MailboxState is one mailbox (folder) of an account.
type MailboxState struct {
	Name        string
	UIDValidity uint32
	Messages    []MessageState // by ascending UID
}

// MessageState is one message in a mailbox.
type MessageState struct {
	UID   uint32
	Flags []string
	Info  MsgInfo
}

// QueueEntry is a message waiting in a server's outbound queue.
type QueueEntry struct {
	ID   string
	Info MsgInfo
	Try  *QueueTry // nil until a delivery attempt failed
}

// DeviceState is what a device keeps locally.
type DeviceState struct {
	ID    string
	Items []DeviceItem // in the order they were saved

	index map[string]int // key -> position in Items, built when first needed
}

// DeviceItem is a device's copy of one message.
type DeviceItem struct {
	Key     string
	Account string
	Mailbox string
	UID     uint32
	Flags   []string
	Info    MsgInfo
	Partial bool // only the header is held, not the body
}

// NewState returns an empty state.
func NewState() *State {
	return &State{
		Accounts: make(map[string]*AccountState),
		Queues:   make(map[string][]QueueEntry),
		Devices:  make(map[string]*DeviceState),
	}
}

// Apply applies a store or device event; other events are ignored.
func (s *State) Apply(e *Event) {
	c := e.Change
	if c == nil {
		return
	}
	switch c.Op {
	case OpAccount:
		if s.Accounts[c.Account] == nil {
			s.Accounts[c.Account] = &AccountState{Address: c.Account, Host: c.Host, Mailboxes: make(map[string]*MailboxState)}
		}
	case OpMailboxCreate:
		if a := s.Accounts[c.Account]; a != nil {
			a.Mailboxes[c.Mailbox] = &MailboxState{Name: c.Mailbox, UIDValidity: c.UIDValidity}
		}
	case OpMailboxDelete:
		if a := s.Accounts[c.Account]; a != nil {
			delete(a.Mailboxes, c.Mailbox)
		}
	case OpMailboxRename:
		if a := s.Accounts[c.Account]; a != nil && a.Mailboxes[c.Mailbox] != nil {
			m := a.Mailboxes[c.Mailbox]
			delete(a.Mailboxes, c.Mailbox)
			m.Name = c.NewName
			a.Mailboxes[c.NewName] = m
		}
	case OpAppend:
		if m := s.mailbox(c); m != nil {
			m.Messages = append(m.Messages, MessageState{UID: c.UID, Flags: c.Flags, Info: *c.Msg})
		}
	case OpFlags:
		if m := s.mailbox(c); m != nil {
			if i := m.Find(c.UID); i >= 0 {
				m.Messages[i].Flags = c.Flags
			}
		}
	case OpExpunge:
		if m := s.mailbox(c); m != nil {
			if i := m.Find(c.UID); i >= 0 {
				m.Messages = slices.Delete(m.Messages, i, i+1)
				if len(m.Messages) == 0 {
					m.Messages = nil // as a mailbox that never held any
				}
			}
		}
	case OpQueueAdd: // a second add of the same id updates the entry
		entry := QueueEntry{ID: c.QueueID, Info: *c.Msg, Try: c.Try}
		q := s.Queues[c.Host]
		if i := slices.IndexFunc(q, func(e QueueEntry) bool { return e.ID == c.QueueID }); i >= 0 {
			q[i] = entry
		} else {
			s.Queues[c.Host] = append(q, entry)
		}
	case OpQueueRemove:
		s.Queues[c.Host] = slices.DeleteFunc(s.Queues[c.Host], func(q QueueEntry) bool { return q.ID == c.QueueID })
		if len(s.Queues[c.Host]) == 0 {
			delete(s.Queues, c.Host)
		}
	case OpDeviceAdd:
		d := s.Devices[c.Host]
		if d == nil {
			d = &DeviceState{ID: c.Host}
			s.Devices[c.Host] = d
		}
		item := DeviceItem{Key: c.Key, Account: c.Account, Mailbox: c.Mailbox, UID: c.UID, Flags: c.Flags, Partial: c.Partial}
		if c.Msg != nil {
			item.Info = *c.Msg
		}
		if i := d.Find(c.Key); i >= 0 {
			d.Items[i] = item
		} else {
			d.index[c.Key] = len(d.Items)
			d.Items = append(d.Items, item)
		}
	case OpDeviceFlags:
		if d := s.Devices[c.Host]; d != nil {
			if i := d.Find(c.Key); i >= 0 {
				d.Items[i].Flags = c.Flags
			}
		}
	case OpDeviceRemove:
		if d := s.Devices[c.Host]; d != nil {
			if i := d.Find(c.Key); i >= 0 {
				d.Items = slices.Delete(d.Items, i, i+1)
				d.index = nil // positions moved; rebuilt when next needed
			}
			if len(d.Items) == 0 {
				delete(s.Devices, c.Host)
			}
		}
	}
}

func (s *State) mailbox(c *Change) *MailboxState {
	if a := s.Accounts[c.Account]; a != nil {
		return a.Mailboxes[c.Mailbox]
	}
	return nil
}

// Find returns the index of the message with the given UID, or -1.
func (m *MailboxState) Find(uid uint32) int {
	i, ok := slices.BinarySearchFunc(m.Messages, uid, func(x MessageState, uid uint32) int {
		switch {
		case x.UID < uid:
			return -1
		case x.UID > uid:
			return 1
		}
		return 0
	})
	if !ok {
		return -1
	}
	return i
}

// Find returns the index of the item with the given key, or -1.
func (d *DeviceState) Find(key string) int {
	if d.index == nil {
		d.index = make(map[string]int, len(d.Items))
		for i, it := range d.Items {
			d.index[it.Key] = i
		}
	}
	if i, ok := d.index[key]; ok {
		return i
	}
	return -1
}

// AccountNames returns the addresses of all accounts, sorted.
func (s *State) AccountNames() []string {
	return sortedKeys(s.Accounts)
}

// MailboxNames returns the names of the account's mailboxes, INBOX first and
// the others sorted.
func (a *AccountState) MailboxNames() []string {
	names := sortedKeys(a.Mailboxes)
	if i := slices.Index(names, "INBOX"); i > 0 {
		names = append([]string{"INBOX"}, slices.Delete(names, i, i+1)...)
	}
	return names
}

// DeviceNames returns the ids of the devices that hold something, sorted.
func (s *State) DeviceNames() []string {
	return sortedKeys(s.Devices)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Clone returns a deep copy of the state, which Apply on either leaves the
// other untouched.
func (s *State) Clone() *State {
	c := NewState()
	for k, a := range s.Accounts {
		ca := &AccountState{Address: a.Address, Host: a.Host, Mailboxes: make(map[string]*MailboxState, len(a.Mailboxes))}
		for name, m := range a.Mailboxes {
			ca.Mailboxes[name] = &MailboxState{Name: m.Name, UIDValidity: m.UIDValidity, Messages: slices.Clone(m.Messages)}
		}
		c.Accounts[k] = ca
	}
	for h, q := range s.Queues {
		c.Queues[h] = slices.Clone(q)
	}
	for id, d := range s.Devices {
		c.Devices[id] = &DeviceState{ID: d.ID, Items: slices.Clone(d.Items)}
	}
	return c
}

// Equal reports whether two states hold the same accounts, mailboxes,
// messages, queues and devices. (It ignores the indexes a state keeps to
// find things fast, which reflect.DeepEqual would not.)
func (s *State) Equal(o *State) bool {
	if len(s.Accounts) != len(o.Accounts) || len(s.Queues) != len(o.Queues) || len(s.Devices) != len(o.Devices) {
		return false
	}
	for k, a := range s.Accounts {
		b := o.Accounts[k]
		if b == nil || a.Address != b.Address || a.Host != b.Host || len(a.Mailboxes) != len(b.Mailboxes) {
			return false
		}
		for name, m := range a.Mailboxes {
			n := b.Mailboxes[name]
			if n == nil || m.Name != n.Name || m.UIDValidity != n.UIDValidity ||
				!slices.EqualFunc(m.Messages, n.Messages, func(x, y MessageState) bool {
					return x.UID == y.UID && slices.Equal(x.Flags, y.Flags) && x.Info.equal(&y.Info)
				}) {
				return false
			}
		}
	}
	for h, q := range s.Queues {
		if !slices.EqualFunc(q, o.Queues[h], func(x, y QueueEntry) bool { return x.ID == y.ID && x.Info.equal(&y.Info) && x.Try.equal(y.Try) }) {
			return false
		}
	}
	for id, d := range s.Devices {
		e := o.Devices[id]
		if e == nil || d.ID != e.ID || !slices.EqualFunc(d.Items, e.Items, func(x, y DeviceItem) bool {
			return x.Key == y.Key && x.Account == y.Account && x.Mailbox == y.Mailbox && x.UID == y.UID &&
				slices.Equal(x.Flags, y.Flags) && x.Partial == y.Partial && x.Info.equal(&y.Info)
		}) {
			return false
		}
	}
	return true
}

func (t *QueueTry) equal(o *QueueTry) bool {
	if t == nil || o == nil {
		return t == o
	}
	return t.Attempts == o.Attempts && t.Next.Equal(o.Next) && t.LastError == o.LastError
}

func (m *MsgInfo) equal(o *MsgInfo) bool {
	return m.Size == o.Size && m.Date.Equal(o.Date) && m.From == o.From && m.To == o.To && m.Subject == o.Subject &&
		m.MessageID == o.MessageID && m.MailFrom == o.MailFrom && slices.Equal(m.RcptTo, o.RcptTo)
}
