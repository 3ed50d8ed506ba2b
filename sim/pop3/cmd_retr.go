package pop3

// handleRetr runs RETR msg (RFC 1939 section 5): the whole message as a
// multi-line reply, byte-stuffed.
func (c *conn) handleRetr(cmd *command) error {
	if err := c.checkState(cmd, stateTransaction); err != nil {
		return err
	}
	if len(cmd.Args) != 1 {
		return errorf("RETR needs one message number")
	}
	msg, _, err := c.drop.getArg(cmd.Args[0])
	if err != nil {
		return err
	}
	c.ok("%d octets", msg.size)
	writeMessage(c.w, msg.raw, -1)
	return nil
}
