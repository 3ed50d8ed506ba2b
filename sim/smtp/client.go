package smtp

import (
	"fmt"
	"net"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// Submission is a message a device submits to its server.
type Submission struct {
	Hello    string // the client's name in EHLO
	Username string // for AUTH PLAIN
	Password string
	From     string   // MAIL FROM
	To       []string // RCPT TO, in order
	Data     []byte   // the message
}

// Submit runs one submission on conn, as a mail client does: EHLO, AUTH
// PLAIN, MAIL, RCPT for each recipient, DATA and QUIT. The first refusal
// ends the transaction (with QUIT) and is returned as a *gosmtp.SMTPError;
// the connection is closed either way.
func Submit(conn net.Conn, s *Submission) error {
	c := gosmtp.NewClient(conn)
	defer c.Close()
	err := submit(c, s)
	c.Quit()
	return err
}

func submit(c *gosmtp.Client, s *Submission) error {
	if err := c.Hello(s.Hello); err != nil {
		return err
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("smtp: the server offers no AUTH")
		}
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.From, &gosmtp.MailOptions{Size: int64(len(s.Data))}); err != nil {
		return err
	}
	for _, rcpt := range s.To {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(s.Data); err != nil {
		return err
	}
	return w.Close()
}
