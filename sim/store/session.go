package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailscope/mailscope/sim"
)

// Session is an IMAP session on the store; it implements
// imapserver.Session with IMAP4rev2's NAMESPACE and MOVE.
type Session struct {
	st     *Store              // immutable
	accept func(*Account) bool // immutable; which accounts may log in

	// Owned by the connection's goroutine (and its IDLE goroutine, which
	// the library runs while the connection waits for DONE).
	acct      *Account
	mbox      *Mailbox
	view      *imapserver.SessionTracker
	readOnly  bool
	searchRes imap.UIDSet
}

var _ imapserver.SessionIMAP4rev2 = (*Session)(nil)

// NewSession returns an IMAP session in which the accounts accept allows
// (all of them when accept is nil) may log in.
func (s *Store) NewSession(accept func(*Account) bool) *Session {
	return &Session{st: s, accept: accept}
}

// Account returns the logged-in account, or nil.
func (s *Session) Account() *Account { return s.acct }

var (
	errNoMailbox = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "No such mailbox"}
	errTryCreate = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTryCreate, Text: "No such mailbox"}
	errReadOnly  = &imap.Error{Type: imap.StatusResponseTypeNo, Code: "READ-ONLY", Text: "The mailbox is open read-only (EXAMINE)"}
	errExists    = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlreadyExists, Text: "Mailbox already exists"}
)

// mailboxName returns the canonical form of a mailbox name: INBOX in any
// case is INBOX, also as the first level of a longer name (so that
// "inbox/x" is below INBOX), and a trailing delimiter is dropped.
func mailboxName(name string) string {
	name = strings.TrimRight(name, string(Delim))
	first, rest, below := strings.Cut(name, string(Delim))
	if !strings.EqualFold(first, Inbox) {
		return name
	}
	if below {
		return Inbox + string(Delim) + rest
	}
	return Inbox
}

// Close ends the session.
func (s *Session) Close() error {
	s.unselect()
	return nil
}

// Login authenticates the session.
func (s *Session) Login(username, password string) error {
	a, err := s.st.Authenticate(username, password, s.accept)
	if err != nil {
		return imapserver.ErrAuthFailed
	}
	s.acct = a
	return nil
}

// Select opens a mailbox (read-only for EXAMINE).
func (s *Session) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	m := s.acct.mailboxes[mailboxName(name)]
	if m == nil {
		return nil, errNoMailbox
	}
	s.unselectLocked()
	s.mbox, s.view, s.readOnly = m, m.tracker.NewSession(), options.ReadOnly
	flags := m.flagsLocked()
	perm := []imap.Flag{}
	if !s.readOnly {
		perm = append(append(perm, flags...), imap.FlagWildcard)
	}
	return &imap.SelectData{
		Flags:             flags,
		PermanentFlags:    perm,
		NumMessages:       uint32(len(m.msgs)),
		FirstUnseenSeqNum: m.firstUnseenLocked(),
		UIDNext:           m.uidNext,
		UIDValidity:       m.uidValidity,
	}, nil
}

// Unselect closes the selected mailbox.
func (s *Session) Unselect() error {
	s.unselect()
	return nil
}

func (s *Session) unselect() {
	s.st.mu.Lock()
	s.unselectLocked()
	s.st.mu.Unlock()
}

func (s *Session) unselectLocked() {
	if s.view != nil {
		s.view.Close()
	}
	s.mbox, s.view, s.readOnly, s.searchRes = nil, nil, false, nil
}

// Create creates a mailbox, and the mailboxes above it that are missing.
func (s *Session) Create(name string, _ *imap.CreateOptions) error {
	name = mailboxName(name)
	if name == "" {
		return &imap.Error{Type: imap.StatusResponseTypeBad, Text: "Empty mailbox name"}
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if s.acct.mailboxes[name] != nil {
		return errExists
	}
	parts := strings.Split(name, string(Delim))
	for i := range parts {
		n := strings.Join(parts[:i+1], string(Delim))
		if s.acct.mailboxes[n] == nil {
			st.createLocked(s.acct, n)
		}
	}
	return nil
}

// Delete deletes a mailbox and the messages in it. INBOX cannot be deleted.
func (s *Session) Delete(name string) error {
	name = mailboxName(name)
	if name == Inbox {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "INBOX cannot be deleted"}
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	m := s.acct.mailboxes[name]
	if m == nil {
		return errNoMailbox
	}
	m.deleted = true
	delete(s.acct.mailboxes, name)
	st.publish(&sim.Change{Op: sim.OpMailboxDelete, Host: s.acct.host, Account: s.acct.address, Mailbox: name})
	return nil
}

// Rename renames a mailbox, and the mailboxes below it with it (RFC 9051
// section 6.3.6). Renaming INBOX (which RFC 9051 gives special rules) is
// refused, and so is renaming a mailbox to a name below itself.
func (s *Session) Rename(oldName, newName string, _ *imap.RenameOptions) error {
	oldName, newName = mailboxName(oldName), mailboxName(newName)
	switch {
	case oldName == Inbox:
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "This server does not rename INBOX"}
	case newName == "":
		return &imap.Error{Type: imap.StatusResponseTypeBad, Text: "Empty mailbox name"}
	case strings.HasPrefix(newName, oldName+string(Delim)):
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "A mailbox cannot be moved below itself"}
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if s.acct.mailboxes[oldName] == nil {
		return errNoMailbox
	}
	names := []string{oldName}
	for n := range s.acct.mailboxes {
		if strings.HasPrefix(n, oldName+string(Delim)) {
			names = append(names, n)
		}
	}
	slices.Sort(names[1:])
	for _, n := range names {
		if s.acct.mailboxes[newName+strings.TrimPrefix(n, oldName)] != nil {
			return errExists
		}
	}
	for _, n := range names {
		to := newName + strings.TrimPrefix(n, oldName)
		m := s.acct.mailboxes[n]
		delete(s.acct.mailboxes, n)
		m.name = to
		s.acct.mailboxes[to] = m
		st.publish(&sim.Change{Op: sim.OpMailboxRename, Host: s.acct.host, Account: s.acct.address, Mailbox: n, NewName: to})
	}
	return nil
}

// Subscribe marks a mailbox as subscribed.
func (s *Session) Subscribe(name string) error { return s.subscribe(name, true) }

// Unsubscribe marks a mailbox as not subscribed.
func (s *Session) Unsubscribe(name string) error { return s.subscribe(name, false) }

func (s *Session) subscribe(name string, on bool) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	m := s.acct.mailboxes[mailboxName(name)]
	if m == nil {
		return errNoMailbox
	}
	m.subscribed = on
	return nil
}

// List writes the mailboxes that match the patterns.
func (s *Session) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if len(patterns) == 0 {
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: Delim})
	}
	s.st.mu.Lock()
	var l []imap.ListData
	for name, m := range s.acct.mailboxes {
		match := false
		for _, p := range patterns {
			if imapserver.MatchList(name, Delim, ref, p) {
				match = true
				break
			}
		}
		if !match || (options.SelectSubscribed && !m.subscribed) {
			continue
		}
		data := imap.ListData{Mailbox: name, Delim: Delim}
		if s.hasChildrenLocked(name) {
			data.Attrs = append(data.Attrs, imap.MailboxAttrHasChildren)
		} else {
			data.Attrs = append(data.Attrs, imap.MailboxAttrHasNoChildren)
		}
		if m.subscribed && (options.SelectSubscribed || options.ReturnSubscribed) {
			data.Attrs = append(data.Attrs, imap.MailboxAttrSubscribed)
		}
		if options.ReturnStatus != nil {
			data.Status = m.statusLocked(options.ReturnStatus)
		}
		l = append(l, data)
	}
	s.st.mu.Unlock()
	sortList(l)
	for i := range l {
		if err := w.WriteList(&l[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Session) hasChildrenLocked(name string) bool {
	prefix := name + string(Delim)
	for n := range s.acct.mailboxes {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// Status returns the status of a mailbox.
func (s *Session) Status(name string, options *imap.StatusOptions) (*imap.StatusData, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	m := s.acct.mailboxes[mailboxName(name)]
	if m == nil {
		return nil, errNoMailbox
	}
	return m.statusLocked(options), nil
}

// Append adds a message to a mailbox.
func (s *Session) Append(name string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	st := s.st
	st.mu.Lock()
	m := s.acct.mailboxes[mailboxName(name)]
	if m == nil {
		st.mu.Unlock()
		return nil, errTryCreate
	}
	msg := st.appendLocked(m, buf.Bytes(), options.Flags, options.Time)
	data := &imap.AppendData{UID: msg.uid, UIDValidity: m.uidValidity}
	watchers := m.watchersLocked()
	st.mu.Unlock()
	push(watchers)
	return data, nil
}

// Poll writes the updates other sessions caused since the last poll.
func (s *Session) Poll(w *imapserver.UpdateWriter, allowExpunge bool) error {
	if s.view == nil {
		return nil
	}
	return s.view.Poll(w, allowExpunge)
}

// Idle writes updates as they happen until stop is closed. A change to the
// mailbox waits until its updates are written (see push).
func (s *Session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	st := s.st
	st.mu.Lock()
	m, view := s.mbox, s.view
	if m == nil {
		st.mu.Unlock()
		<-stop
		return nil
	}
	wt := &watcher{req: make(chan chan struct{}), quit: make(chan struct{})}
	m.watchers = append(m.watchers, wt)
	st.idling.Broadcast()
	st.mu.Unlock()

	defer func() {
		st.mu.Lock()
		for i, x := range m.watchers {
			if x == wt {
				m.watchers = append(m.watchers[:i:i], m.watchers[i+1:]...)
				break
			}
		}
		st.idling.Broadcast()
		st.mu.Unlock()
		close(wt.quit)
	}()

	if err := view.Poll(w, true); err != nil {
		return err
	}
	for {
		select {
		case done := <-wt.req:
			err := view.Poll(w, true)
			close(done)
			if err != nil {
				return err
			}
		case <-stop:
			return nil
		}
	}
}

// Namespace returns the personal namespace.
func (s *Session) Namespace() (*imap.NamespaceData, error) {
	return &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Delim: Delim}}}, nil
}

// Expunge removes the messages flagged \Deleted (only those in uids, when
// given). In a mailbox opened with EXAMINE it removes nothing.
func (s *Session) Expunge(_ *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	if s.readOnly {
		return nil
	}
	st := s.st
	st.mu.Lock()
	s.mbox.expungeLocked(func(msg *Message) bool {
		return hasFlag(msg.flags, imap.FlagDeleted) && (uids == nil || uids.Contains(msg.uid))
	})
	watchers := s.mbox.watchersLocked()
	st.mu.Unlock()
	push(watchers)
	return nil
}

// fetched is what a FETCH or STORE response needs of one message, taken
// under the lock and written without it.
type fetched struct {
	seq   uint32 // in the client's view
	msg   *Message
	flags []imap.Flag
	seen  bool // \Seen was just set by this fetch
}

// Fetch writes the requested items of the messages in numSet. Fetching a
// body section without PEEK sets \Seen, and the new flags are included in
// the response (RFC 9051 section 6.4.5).
func (s *Session) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	markSeen := false
	if !s.readOnly {
		for _, bs := range options.BodySection {
			if !bs.Peek {
				markSeen = true
			}
		}
	}
	st := s.st
	st.mu.Lock()
	var list []fetched
	s.forEachLocked(numSet, func(seq, clientSeq uint32, msg *Message) {
		f := fetched{seq: clientSeq, msg: msg}
		if markSeen && !hasFlag(msg.flags, imap.FlagSeen) {
			f.seen = s.mbox.setFlagsLocked(seq, msg, append(msg.flags, imap.FlagSeen), s.view)
		}
		f.flags = msg.flags
		list = append(list, f)
	})
	watchers := s.mbox.watchersLocked()
	st.mu.Unlock()
	push(watchers)

	for _, f := range list {
		if err := writeFetch(w, &f, options); err != nil {
			return err
		}
	}
	return nil
}

// Store changes the flags of the messages in numSet.
func (s *Session) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, _ *imap.StoreOptions) error {
	if s.readOnly {
		return errReadOnly
	}
	st := s.st
	st.mu.Lock()
	var list []fetched
	s.forEachLocked(numSet, func(seq, clientSeq uint32, msg *Message) {
		s.mbox.setFlagsLocked(seq, msg, storeFlags(msg.flags, flags), s.view)
		list = append(list, fetched{seq: clientSeq, msg: msg, flags: msg.flags})
	})
	watchers := s.mbox.watchersLocked()
	st.mu.Unlock()
	push(watchers)

	if flags.Silent {
		return nil
	}
	_, byUID := numSet.(imap.UIDSet)
	for _, f := range list {
		rw := w.CreateMessage(f.seq)
		if byUID {
			rw.WriteUID(f.msg.uid)
		}
		rw.WriteFlags(f.flags)
		if err := rw.Close(); err != nil {
			return err
		}
	}
	return nil
}

// Copy copies the messages in numSet to another mailbox.
func (s *Session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	st := s.st
	st.mu.Lock()
	d := s.acct.mailboxes[mailboxName(dest)]
	if d == nil {
		st.mu.Unlock()
		return nil, errTryCreate
	}
	data := &imap.CopyData{UIDValidity: d.uidValidity}
	s.forEachLocked(numSet, func(_, _ uint32, msg *Message) {
		c := st.appendLocked(d, msg.raw, msg.flags, msg.date)
		data.SourceUIDs.AddNum(msg.uid)
		data.DestUIDs.AddNum(c.uid)
	})
	watchers := d.watchersLocked()
	st.mu.Unlock()
	push(watchers)
	return data, nil
}

// Move moves the messages in numSet to another mailbox (RFC 6851): they are
// copied, then expunged from the selected mailbox; the EXPUNGE responses
// follow from the session's poll.
func (s *Session) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	if s.readOnly {
		return errReadOnly
	}
	st := s.st
	st.mu.Lock()
	d := s.acct.mailboxes[mailboxName(dest)]
	switch {
	case d == nil:
		st.mu.Unlock()
		return errTryCreate
	case d == s.mbox:
		st.mu.Unlock()
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Source and destination are the same mailbox"}
	}
	data := &imap.CopyData{UIDValidity: d.uidValidity}
	moved := make(map[*Message]bool)
	s.forEachLocked(numSet, func(_, _ uint32, msg *Message) {
		c := st.appendLocked(d, msg.raw, msg.flags, msg.date)
		data.SourceUIDs.AddNum(msg.uid)
		data.DestUIDs.AddNum(c.uid)
		moved[msg] = true
	})
	s.mbox.expungeLocked(func(msg *Message) bool { return moved[msg] })
	watchers := append(d.watchersLocked(), s.mbox.watchersLocked()...)
	st.mu.Unlock()
	push(watchers)
	if len(moved) == 0 {
		return nil
	}
	return w.WriteCopyData(data)
}

// forEachLocked calls f for each message of the selected mailbox in numSet,
// with its sequence number in the server's view and in the client's (a
// message the client has not been told about yet is skipped).
func (s *Session) forEachLocked(numSet imap.NumSet, f func(seq, clientSeq uint32, msg *Message)) {
	numSet = s.staticNumSetLocked(numSet)
	for i, msg := range s.mbox.msgs {
		seq := uint32(i) + 1
		clientSeq := s.view.EncodeSeqNum(seq)
		if clientSeq == 0 {
			continue
		}
		var ok bool
		switch set := numSet.(type) {
		case imap.SeqSet:
			ok = set.Contains(clientSeq)
		case imap.UIDSet:
			ok = set.Contains(msg.uid)
		}
		if ok {
			f(seq, clientSeq, msg)
		}
	}
}

// staticNumSetLocked replaces "*" by the highest sequence number or UID and
// "$" by the saved search result.
func (s *Session) staticNumSetLocked(numSet imap.NumSet) imap.NumSet {
	if imap.IsSearchRes(numSet) {
		return s.searchRes
	}
	lastSeq, lastUID := s.lastKnownLocked()
	switch set := numSet.(type) {
	case imap.SeqSet:
		max := lastSeq
		out := make(imap.SeqSet, len(set))
		for i, r := range set {
			out[i] = r
			staticRange(&out[i].Start, &out[i].Stop, max)
		}
		return out
	case imap.UIDSet:
		max := uint32(lastUID)
		out := make(imap.UIDSet, len(set))
		for i, r := range set {
			out[i] = r
			staticRange((*uint32)(&out[i].Start), (*uint32)(&out[i].Stop), max)
		}
		return out
	}
	return numSet
}

// lastKnownLocked returns the sequence number (in the client's view) and the
// UID of the last message the client knows of, which is what "*" stands for
// (RFC 9051 section 6.4.8). A message whose expunge the client has not been
// told of yet cannot be found; the last one that remains stands for it.
func (s *Session) lastKnownLocked() (uint32, imap.UID) {
	for i := len(s.mbox.msgs) - 1; i >= 0; i-- {
		if seq := s.view.EncodeSeqNum(uint32(i) + 1); seq != 0 {
			return seq, s.mbox.msgs[i].uid
		}
	}
	return 0, 0
}

func staticRange(start, stop *uint32, max uint32) {
	dyn := false
	if *start == 0 {
		*start, dyn = max, true
	}
	if *stop == 0 {
		*stop, dyn = max, true
	}
	if dyn && *start > *stop {
		*start, *stop = *stop, *start
	}
}

func (s *Session) String() string {
	if s.acct == nil {
		return "store.Session(not logged in)"
	}
	return fmt.Sprintf("store.Session(%s)", s.acct.address)
}
