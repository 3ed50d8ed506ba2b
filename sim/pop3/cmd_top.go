package pop3

// handleTop runs TOP msg n (RFC 1939 section 7): the header of a message,
// the blank line after it and the first n lines of its body, byte-stuffed.
func (c *conn) handleTop(cmd *command) error {
	if err := c.checkState(cmd, stateTransaction); err != nil {
		return err
	}
	if len(cmd.Args) != 2 {
		return errorf("TOP needs a message number and a number of lines")
	}
	msg, _, err := c.drop.getArg(cmd.Args[0])
	if err != nil {
		return err
	}
	lines, ok := parseNumber(cmd.Args[1])
	if !ok {
		return errorf("Invalid number of lines: %s", sanitize(cmd.Args[1]))
	}
	c.ok("top of message follows")
	writeMessage(c.w, msg.raw, lines)
	return nil
}
