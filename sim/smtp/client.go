package smtp

import (
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// Submission is a message a device submits to its server.
type Submission struct {
	Hello    string // the client's name in EHLO
	Username string // for AUTH
	Password string
	// Auth is the SASL mechanism: "PLAIN" (the default) or "LOGIN".
	Auth string
	// StartTLS, when set, makes the client upgrade the connection with
	// STARTTLS (RFC 3207) before it authenticates. For implicit TLS (port
	// 465) give Submit a TLS connection instead.
	StartTLS *tls.Config
	From     string   // MAIL FROM
	To       []string // RCPT TO, in order
	Data     []byte   // the message
}

// Submit runs one submission on conn, as a mail client does: EHLO
// (STARTTLS and EHLO again, if asked), AUTH, MAIL, RCPT for each recipient,
// DATA and QUIT. The first refusal ends the transaction (with QUIT) and is
// returned as a *gosmtp.SMTPError; the connection is closed either way.
// A refusal of a recipient because the transaction has as many as the
// server takes (452, see TooManyRecipients) is not one: the message goes
// to the recipients accepted so far, and the rest follow in another
// transaction on the same connection (RFC 5321 section 4.5.3.1.10).
func Submit(conn net.Conn, s *Submission) error {
	var c *gosmtp.Client
	if s.StartTLS != nil {
		var err error
		if c, _, err = startTLS(conn, s.Hello, s.StartTLS); err != nil {
			return err
		}
	} else {
		c = gosmtp.NewClient(conn)
		if err := c.Hello(s.Hello); err != nil {
			c.Quit()
			c.Close()
			return err
		}
	}
	defer c.Close()
	err := submit(c, s)
	c.Quit()
	return err
}

func submit(c *gosmtp.Client, s *Submission) error {
	if s.Username != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return fmt.Errorf("smtp: the server offers no AUTH")
		}
		var a sasl.Client
		switch mech := strings.ToUpper(s.Auth); mech {
		case "", sasl.Plain:
			a = sasl.NewPlainClient("", s.Username, s.Password)
		case sasl.Login:
			a = sasl.NewLoginClient(s.Username, s.Password)
		default:
			return fmt.Errorf("smtp: unknown SASL mechanism %q", s.Auth)
		}
		if mech, _, _ := a.Start(); !slices.Contains(strings.Fields(strings.ToUpper(mechs)), mech) {
			return fmt.Errorf("smtp: the server does not offer AUTH %s (it offers %s)", mech, mechs)
		}
		if err := c.Auth(a); err != nil {
			return err
		}
	}
	if len(s.To) == 0 {
		return fmt.Errorf("smtp: a message needs a recipient")
	}
	for rest := s.To; len(rest) > 0; {
		if err := c.Mail(s.From, &gosmtp.MailOptions{Size: int64(len(s.Data))}); err != nil {
			return err
		}
		accepted := 0
		var later []string
		for i, rcpt := range rest {
			if err := c.Rcpt(rcpt, nil); err != nil {
				if TooManyRecipients(err) && accepted > 0 {
					later = rest[i:]
					break
				}
				return err
			}
			accepted++
		}
		if err := sendData(c, s.Data); err != nil {
			return err
		}
		rest = later
	}
	return nil
}
