package pop3

// handleUser runs USER name (RFC 1939 section 7). The reply is positive
// whatever the name, so that the server does not tell which names exist;
// PASS decides.
func (c *conn) handleUser(cmd *command) error {
	if err := c.checkState(cmd, stateAuthorization); err != nil {
		return err
	}
	if cmd.Rest == "" {
		return errorf("USER needs a user name")
	}
	if err := c.plaintextAuth(); err != nil {
		return err
	}
	c.user = cmd.Rest
	return c.ok("Send your password with PASS")
}
