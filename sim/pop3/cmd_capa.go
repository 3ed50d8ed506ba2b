package pop3

import "strings"

// handleCapa runs CAPA (RFC 2449 section 5), valid in every state: a
// multi-line list of what the server offers now.
func (c *conn) handleCapa(cmd *command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	c.ok("Capability list follows")
	for _, line := range c.capabilities() {
		c.reply("%s", line)
	}
	c.reply(".")
	return nil
}

// capabilities returns the capabilities of RFC 2449 section 6 (and RFC
// 2595, 3206, 5034) the session offers in its state: the ways to log in
// only before logging in, and those that send the password only where the
// server allows them.
func (c *conn) capabilities() []string {
	caps := []string{"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"}
	if c.state == stateAuthorization {
		if c.srv.cfg.TLS != nil && !c.tls {
			caps = append(caps, "STLS")
		}
		if c.plaintextAuth() == nil {
			caps = append(caps, "USER", "SASL "+strings.Join(Mechanisms, " "))
		}
	}
	return append(caps, "IMPLEMENTATION MailScope")
}
