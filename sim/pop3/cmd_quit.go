package pop3

import "github.com/mailscope/mailscope/sim/store"

// handleQuit runs QUIT (RFC 1939 sections 4 and 6). In the AUTHORIZATION
// state it only ends the session. In the TRANSACTION state it enters the
// UPDATE state: the messages marked as deleted leave the maildrop now, and
// not before (IMAP sessions on the account are told with EXPUNGE before the
// reply is sent), the lock is released and the session ends.
func (c *conn) handleQuit(cmd *command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	c.hangup = true
	if c.state != stateTransaction {
		return c.ok("%s POP3 server signing off", c.srv.hostname)
	}
	c.state = stateUpdate
	deleted := make(map[uint32]bool)
	var uids []uint32
	for i := range c.drop.msgs {
		if msg := &c.drop.msgs[i]; msg.deleted {
			uids = append(uids, msg.uid)
			deleted[msg.uid] = true
		}
	}
	if len(uids) > 0 {
		c.acct.ExpungeUIDs(store.Inbox, uids)
	}
	_, left := c.acct.Maildrop()
	c.unlock()
	for _, msg := range left {
		if deleted[msg.UID] {
			return &Error{Code: CodeSysTemp, Text: "some deleted messages not removed"}
		}
	}
	if len(left) == 0 {
		return c.ok("%s POP3 server signing off (maildrop empty)", c.srv.hostname)
	}
	return c.ok("%s POP3 server signing off (%s left)", c.srv.hostname, plural(len(left), "message"))
}
