package pop3

// handleRset runs RSET (RFC 1939 section 5): every deletion mark of the
// session is taken back.
func (c *conn) handleRset(cmd *command) error {
	if err := c.checkState(cmd, stateTransaction); err != nil {
		return err
	}
	if err := noArgs(cmd); err != nil {
		return err
	}
	d := c.drop
	for i := range d.msgs {
		if msg := &d.msgs[i]; msg.deleted {
			msg.deleted = false
			d.count++
			d.size += int64(msg.size)
		}
	}
	return c.ok("maildrop has %s", d.summary())
}
