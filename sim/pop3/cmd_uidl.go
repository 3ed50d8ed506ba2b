package pop3

// handleUidl runs UIDL [msg] (RFC 1939 section 7): the unique-id of one
// message, or a multi-line list for every message not marked as deleted.
func (c *conn) handleUidl(cmd *command) error {
	if err := c.checkState(cmd, stateTransaction); err != nil {
		return err
	}
	switch len(cmd.Args) {
	case 0:
		c.ok("")
		for i := range c.drop.msgs {
			if msg := &c.drop.msgs[i]; !msg.deleted {
				c.reply("%d %s", i+1, c.drop.uidl(msg))
			}
		}
		c.reply(".")
		return nil
	case 1:
		msg, n, err := c.drop.getArg(cmd.Args[0])
		if err != nil {
			return err
		}
		return c.ok("%d %s", n, c.drop.uidl(msg))
	}
	return errorf("UIDL takes at most one message number")
}
