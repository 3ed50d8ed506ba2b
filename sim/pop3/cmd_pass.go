package pop3

// handlePass runs PASS string (RFC 1939 section 7), right after USER. The
// whole rest of the line is the password, spaces included, as the RFC
// allows.
func (c *conn) handlePass(cmd *command) error {
	if err := c.checkState(cmd, stateAuthorization); err != nil {
		return err
	}
	user := c.user
	c.user = ""
	if err := c.plaintextAuth(); err != nil {
		return err
	}
	switch {
	case user == "":
		return errorf("PASS must come right after USER")
	case cmd.Rest == "":
		return errorf("PASS needs a password")
	}
	a, err := c.srv.cfg.Store.Authenticate(user, cmd.Rest, c.srv.accept)
	if err != nil {
		return c.authFailed()
	}
	return c.login(a)
}
