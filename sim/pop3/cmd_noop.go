package pop3

// handleNoop runs NOOP (RFC 1939 section 5).
func (c *conn) handleNoop(cmd *command) error {
	if err := c.checkState(cmd, stateTransaction); err != nil {
		return err
	}
	if err := noArgs(cmd); err != nil {
		return err
	}
	return c.ok("")
}
