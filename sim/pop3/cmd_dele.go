package pop3

// handleDele runs DELE msg (RFC 1939 section 5): the message is only
// marked as deleted; it leaves the maildrop in the UPDATE state, after
// QUIT, and not at all if the session ends otherwise.
func (c *conn) handleDele(cmd *command) error {
	if err := c.checkState(cmd, stateTransaction); err != nil {
		return err
	}
	if len(cmd.Args) != 1 {
		return errorf("DELE needs one message number")
	}
	msg, n, err := c.drop.getArg(cmd.Args[0])
	if err != nil {
		return err
	}
	msg.deleted = true
	c.drop.count--
	c.drop.size -= int64(msg.size)
	return c.ok("message %d deleted", n)
}
