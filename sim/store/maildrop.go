package store

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"sync"
)

// MaildropMessage is a message of an account's INBOX as a POP3 session sees
// it.
type MaildropMessage struct {
	UID uint32
	Raw []byte // the message as stored; shared with the store, never to be changed
}

// Maildrop returns what a POP3 session works on (RFC 1939 section 8): the
// UIDVALIDITY of the account's INBOX and its messages by ascending UID, as
// they are now. Mail that arrives later is not in the snapshot, and
// messages in other mailboxes are not a POP3 client's to see.
func (a *Account) Maildrop() (uidValidity uint32, msgs []MaildropMessage) {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	m := a.mailboxes[Inbox]
	if m == nil {
		return 0, nil
	}
	msgs = make([]MaildropMessage, len(m.msgs))
	for i, msg := range m.msgs {
		msgs[i] = MaildropMessage{UID: uint32(msg.uid), Raw: msg.raw}
	}
	return m.uidValidity, msgs
}

// LockMaildrop takes the account's exclusive maildrop lock, which RFC 1939
// section 4 asks a POP3 server to hold for the whole of a session. It
// reports false when another session holds it. unlock releases it; later
// calls of unlock do nothing. IMAP sessions do not take the lock and go on
// working while it is held.
func (a *Account) LockMaildrop() (unlock func(), ok bool) {
	st := a.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if a.maildrop {
		return nil, false
	}
	a.maildrop = true
	var once sync.Once
	return func() {
		once.Do(func() {
			st.mu.Lock()
			a.maildrop = false
			st.mu.Unlock()
		})
	}, true
}

// AuthenticateAPOP returns the account named by username (as in
// Authenticate) if digest is the MD5 digest, in hexadecimal, of timestamp
// followed by the account's password: the APOP command of RFC 1939 section
// 7, which proves the password without sending it. accept may be nil to
// allow every account.
func (s *Store) AuthenticateAPOP(username, timestamp, digest string, accept func(*Account) bool) (*Account, error) {
	a := s.find(username, accept)
	if a == nil {
		return nil, ErrAuth
	}
	sum := md5.Sum([]byte(timestamp + a.password))
	want := hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(digest)), []byte(want)) != 1 {
		return nil, ErrAuth
	}
	return a, nil
}
