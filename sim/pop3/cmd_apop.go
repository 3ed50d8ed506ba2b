package pop3

// handleApop runs APOP name digest (RFC 1939 section 7): the digest is
// the MD5 of the greeting's timestamp followed by the password, in
// hexadecimal, so the password itself never crosses the wire. Like most
// servers, and unlike the RFC's advice, every account may log in both with
// APOP and with USER and PASS: a lesson compares the two.
func (c *conn) handleApop(cmd *command) error {
	if err := c.checkState(cmd, stateAuthorization); err != nil {
		return err
	}
	if len(cmd.Args) != 2 {
		return errorf("APOP needs a name and a digest")
	}
	name, digest := cmd.Args[0], cmd.Args[1]
	if !isDigest(digest) {
		return errorf("The APOP digest must be 32 hexadecimal digits")
	}
	a, err := c.srv.cfg.Store.AuthenticateAPOP(name, c.timestamp, digest, c.srv.accept)
	if err != nil {
		return c.authFailed()
	}
	return c.login(a)
}

func isDigest(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	return true
}
