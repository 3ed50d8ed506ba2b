package pop3

import (
	"encoding/base64"
	"errors"
	"strings"

	gosasl "github.com/emersion/go-sasl"

	"github.com/mailscope/mailscope/sim/sasl"
	"github.com/mailscope/mailscope/sim/store"
)

// Mechanisms are the SASL mechanisms the server offers, in CAPA's order.
var Mechanisms = []string{gosasl.Plain, sasl.Login}

// handleAuth runs AUTH mechanism [initial-response] (RFC 5034 section 4):
// a SASL exchange of base64 challenges ("+ ...") and responses, which the
// client may cancel with "*". Without arguments it lists the mechanisms,
// as clients of RFC 1734, which RFC 5034 replaced, still ask.
func (c *conn) handleAuth(cmd *command) error {
	if err := c.checkState(cmd, stateAuthorization); err != nil {
		return err
	}
	switch len(cmd.Args) {
	case 0:
		c.ok("Methods supported:")
		for _, m := range Mechanisms {
			c.reply("%s", m)
		}
		c.reply(".")
		return nil
	case 1, 2:
	default:
		return errorf("AUTH needs a mechanism and at most an initial response")
	}
	if err := c.plaintextAuth(); err != nil {
		return err
	}
	var account *store.Account
	var srv gosasl.Server
	switch mech := strings.ToUpper(cmd.Args[0]); mech {
	case gosasl.Plain:
		srv = gosasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && !strings.EqualFold(identity, username) {
				return store.ErrAuth
			}
			a, err := c.srv.cfg.Store.Authenticate(username, password, c.srv.accept)
			account = a
			return err
		})
	case sasl.Login:
		srv = sasl.NewLoginServer(func(username, password string) error {
			a, err := c.srv.cfg.Store.Authenticate(username, password, c.srv.accept)
			account = a
			return err
		})
	default:
		return errorf("Unsupported authentication mechanism: %s", sanitize(cmd.Args[0]))
	}
	var response []byte
	if len(cmd.Args) == 2 {
		r, err := decodeResponse(cmd.Args[1])
		if err != nil {
			return err
		}
		response = r
	}
	for {
		challenge, done, err := srv.Next(response)
		if err != nil {
			return c.authFailed()
		}
		if done {
			break
		}
		c.reply("+ %s", base64.StdEncoding.EncodeToString(challenge))
		if err := c.flush(); err != nil {
			return err
		}
		line, err := c.readLine(MaxAuthLine)
		switch {
		case errors.Is(err, errLineTooLong):
			return errorf("Line too long, authentication aborted")
		case err != nil:
			return err
		case string(line) == "*":
			// RFC 5034 section 4: a cancelled exchange gets -ERR.
			return errorf("Authentication cancelled")
		}
		if response, err = decodeResponse(string(line)); err != nil {
			return err
		}
	}
	if account == nil {
		return c.authFailed()
	}
	return c.login(account)
}

// decodeResponse decodes a base64 SASL response; "=" is the empty initial
// response (RFC 5034 section 4).
func decodeResponse(s string) ([]byte, error) {
	if s == "=" {
		return []byte{}, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errorf("Invalid base64 data, authentication aborted")
	}
	return b, nil
}
