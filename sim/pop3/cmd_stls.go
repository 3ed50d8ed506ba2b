package pop3

import (
	"crypto/tls"
	"time"
)

// handleStls runs STLS (RFC 2595 section 4): after "+OK" the client and
// the server negotiate TLS, and the session goes on over it, still in the
// AUTHORIZATION state. The server knows the command only when it has a TLS
// configuration.
func (c *conn) handleStls(cmd *command) error {
	if c.srv.cfg.TLS == nil {
		return errorf("Unknown command: %s", cmd.Name)
	}
	if err := c.checkState(cmd, stateAuthorization); err != nil {
		return err
	}
	if err := noArgs(cmd); err != nil {
		return err
	}
	if c.tls {
		return errorf("TLS is already active")
	}
	c.ok("Begin TLS negotiation")
	if err := c.flush(); err != nil {
		return err
	}
	tc := tls.Server(c.raw, c.srv.cfg.TLS)
	tc.SetDeadline(time.Now().Add(c.srv.cfg.Timeout))
	if err := tc.Handshake(); err != nil {
		return err
	}
	tc.SetDeadline(time.Time{})
	// Whatever the client sent after STLS and before the handshake is
	// thrown away with the old reader: it was not protected.
	c.nc, c.tls = tc, true
	c.r, c.w = newBufs(tc)
	return nil
}
