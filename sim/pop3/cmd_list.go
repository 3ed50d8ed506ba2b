package pop3

// handleList runs LIST [msg] (RFC 1939 section 5): the size of one
// message, or a multi-line list of every message not marked as deleted.
func (c *conn) handleList(cmd *command) error {
	if err := c.checkState(cmd, stateTransaction); err != nil {
		return err
	}
	switch len(cmd.Args) {
	case 0:
		c.ok("%s", c.drop.summary())
		for i := range c.drop.msgs {
			if msg := &c.drop.msgs[i]; !msg.deleted {
				c.reply("%d %d", i+1, msg.size)
			}
		}
		c.reply(".")
		return nil
	case 1:
		msg, n, err := c.drop.getArg(cmd.Args[0])
		if err != nil {
			return err
		}
		return c.ok("%d %d", n, msg.size)
	}
	return errorf("LIST takes at most one message number")
}
