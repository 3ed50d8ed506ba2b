package store

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailscope/mailscope/sim"
)

// Mailbox is one folder of an account. Its fields are guarded by the
// store's lock, but for the immutable ones.
type Mailbox struct {
	acct    *Account                   // immutable
	tracker *imapserver.MailboxTracker // immutable

	name        string
	uidValidity uint32
	uidNext     imap.UID
	msgs        []*Message
	subscribed  bool
	deleted     bool
	watchers    []*watcher // sessions idling on this mailbox
}

// Message is one message in a mailbox.
type Message struct {
	uid  imap.UID    // immutable
	raw  []byte      // immutable
	date time.Time   // immutable: the internal date
	info sim.MsgInfo // immutable

	flags []imap.Flag // guarded by the store's lock; sorted, canonical
}

func (m *Mailbox) indexLocked(uid imap.UID) int {
	i, ok := slices.BinarySearchFunc(m.msgs, uid, func(msg *Message, uid imap.UID) int {
		switch {
		case msg.uid < uid:
			return -1
		case msg.uid > uid:
			return 1
		}
		return 0
	})
	if !ok {
		return -1
	}
	return i
}

// setFlagsLocked gives msg (at sequence number seq) exactly flags, tells the
// other sessions (all but source) and publishes the change. It reports
// whether the flags changed.
func (m *Mailbox) setFlagsLocked(seq uint32, msg *Message, flags []imap.Flag, source *imapserver.SessionTracker) bool {
	flags = normFlags(flags)
	if slices.Equal(flags, msg.flags) {
		return false
	}
	msg.flags = flags
	m.tracker.QueueMessageFlags(seq, msg.uid, slices.Clone(flags), source)
	m.publishLocked(&sim.Change{
		Op: sim.OpFlags, Host: m.acct.host, Account: m.acct.address, Mailbox: m.name,
		UIDValidity: m.uidValidity, UID: uint32(msg.uid), Flags: flagStrings(flags),
	})
	return true
}

// expungeLocked removes the messages for which remove is true, tells every
// session and publishes each removal. It returns the sequence numbers
// removed, in the order EXPUNGE responses must report them.
func (m *Mailbox) expungeLocked(remove func(*Message) bool) []uint32 {
	var seqs []uint32
	// From the end, so that each sequence number is valid when reported
	// after the removals before it.
	for i := len(m.msgs) - 1; i >= 0; i-- {
		msg := m.msgs[i]
		if !remove(msg) {
			continue
		}
		seq := uint32(i) + 1
		m.msgs = slices.Delete(m.msgs, i, i+1)
		m.tracker.QueueExpunge(seq)
		seqs = append(seqs, seq)
		m.publishLocked(&sim.Change{
			Op: sim.OpExpunge, Host: m.acct.host, Account: m.acct.address, Mailbox: m.name,
			UIDValidity: m.uidValidity, UID: uint32(msg.uid),
		})
	}
	return seqs
}

// publishLocked publishes a change of the mailbox's messages, unless the
// mailbox was deleted (while a session still has it selected): its name may
// belong to another mailbox by now.
func (m *Mailbox) publishLocked(c *sim.Change) {
	if !m.deleted {
		m.acct.st.publish(c)
	}
}

// ExpungeUIDs removes the given messages from the mailbox at once, as a
// POP3 session's UPDATE state does; sessions that have the mailbox selected
// are told with EXPUNGE.
func (a *Account) ExpungeUIDs(mailbox string, uids []uint32) {
	st := a.st
	st.mu.Lock()
	m := a.mailboxes[mailbox]
	if m == nil {
		st.mu.Unlock()
		return
	}
	m.expungeLocked(func(msg *Message) bool { return slices.Contains(uids, uint32(msg.uid)) })
	watchers := m.watchersLocked()
	st.mu.Unlock()
	push(watchers)
}

func (m *Mailbox) firstUnseenLocked() uint32 {
	for i, msg := range m.msgs {
		if !hasFlag(msg.flags, imap.FlagSeen) {
			return uint32(i) + 1
		}
	}
	return 0
}

func (m *Mailbox) countLocked(flag imap.Flag, want bool) uint32 {
	var n uint32
	for _, msg := range m.msgs {
		if hasFlag(msg.flags, flag) == want {
			n++
		}
	}
	return n
}

func (m *Mailbox) sizeLocked() int64 {
	var n int64
	for _, msg := range m.msgs {
		n += int64(len(msg.raw))
	}
	return n
}

// flagsLocked returns the flags in use in the mailbox, with the system
// flags always listed.
func (m *Mailbox) flagsLocked() []imap.Flag {
	l := slices.Clone(systemFlags)
	for _, msg := range m.msgs {
		for _, f := range msg.flags {
			if !hasFlag(l, f) {
				l = append(l, f)
			}
		}
	}
	return normFlags(l)
}

func (m *Mailbox) statusLocked(options *imap.StatusOptions) *imap.StatusData {
	data := imap.StatusData{Mailbox: m.name}
	if options.NumMessages {
		n := uint32(len(m.msgs))
		data.NumMessages = &n
	}
	if options.UIDNext {
		data.UIDNext = m.uidNext
	}
	if options.UIDValidity {
		data.UIDValidity = m.uidValidity
	}
	if options.NumUnseen {
		n := m.countLocked(imap.FlagSeen, false)
		data.NumUnseen = &n
	}
	if options.NumDeleted {
		n := m.countLocked(imap.FlagDeleted, true)
		data.NumDeleted = &n
	}
	if options.Size {
		n := m.sizeLocked()
		data.Size = &n
	}
	if options.NumRecent {
		n := uint32(0)
		data.NumRecent = &n
	}
	return &data
}

// systemFlags are the flags of RFC 9051 section 2.3.2, in their usual case.
var systemFlags = []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft}

// canonFlag returns a system flag in its usual case, and keywords as given.
// Flags are compared without regard to case.
func canonFlag(f imap.Flag) imap.Flag {
	for _, s := range systemFlags {
		if strings.EqualFold(string(f), string(s)) {
			return s
		}
	}
	return f
}

// normFlags returns the flags canonical, without duplicates, sorted.
func normFlags(flags []imap.Flag) []imap.Flag {
	out := make([]imap.Flag, 0, len(flags))
	for _, f := range flags {
		f = canonFlag(f)
		if strings.EqualFold(string(f), `\Recent`) || f == imap.FlagWildcard || hasFlag(out, f) {
			continue
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	return slices.ContainsFunc(flags, func(x imap.Flag) bool { return strings.EqualFold(string(x), string(f)) })
}

func flagStrings(flags []imap.Flag) []string {
	if len(flags) == 0 {
		return nil
	}
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = string(f)
	}
	return out
}

// storeFlags applies a STORE operation to a flag list.
func storeFlags(cur []imap.Flag, sf *imap.StoreFlags) []imap.Flag {
	switch sf.Op {
	case imap.StoreFlagsSet:
		return slices.Clone(sf.Flags)
	case imap.StoreFlagsAdd:
		return append(slices.Clone(cur), sf.Flags...)
	case imap.StoreFlagsDel:
		return slices.DeleteFunc(slices.Clone(cur), func(f imap.Flag) bool { return hasFlag(sf.Flags, f) })
	}
	return cur
}

// watcher is a session idling on a mailbox: a change to the mailbox hands it
// a channel, waits until the session has written the pending updates to its
// client, and goes on.
type watcher struct {
	req  chan chan struct{}
	quit chan struct{} // closed when the session stops idling
}

func (m *Mailbox) watchersLocked() []*watcher {
	return slices.Clone(m.watchers)
}

// push tells each idling session to write its pending updates and waits until
// it has. It must be called without the store's lock.
func push(watchers []*watcher) {
	for _, w := range watchers {
		done := make(chan struct{})
		select {
		case w.req <- done:
		case <-w.quit:
			continue
		}
		select {
		case <-done:
		case <-time.After(pushTimeout):
		}
	}
}
