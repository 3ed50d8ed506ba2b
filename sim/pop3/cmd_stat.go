package pop3

// handleStat runs STAT (RFC 1939 section 5): the number of messages not
// marked as deleted and their size in octets.
func (c *conn) handleStat(cmd *command) error {
	if err := c.checkState(cmd, stateTransaction); err != nil {
		return err
	}
	if err := noArgs(cmd); err != nil {
		return err
	}
	return c.ok("%d %d", c.drop.count, c.drop.size)
}
