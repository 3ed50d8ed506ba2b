package pop3

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	gosasl "github.com/emersion/go-sasl"
)

// maxReplyLine bounds one line the client reads, a line of a message
// included.
const maxReplyLine = 1 << 20

// Client is a POP3 client on one connection (RFC 1939, with CAPA from RFC
// 2449, STLS from RFC 2595 and AUTH from RFC 5034). Its methods send one
// command each and wait for the reply; a negative reply is returned as an
// *Error. A Client is used by one goroutine at a time.
type Client struct {
	conn     net.Conn
	r        *bufio.Reader
	w        *bufio.Writer
	greeting string
}

// NewClient returns a client on conn and reads the server's greeting. It
// never dials: conn is any connection to a POP3 server.
func NewClient(conn net.Conn) (*Client, error) {
	c := &Client{conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriter(conn)}
	text, err := c.status()
	if err != nil {
		return nil, fmt.Errorf("pop3: greeting: %w", err)
	}
	c.greeting = text
	return c, nil
}

// Greeting returns the text of the server's greeting, after "+OK ".
func (c *Client) Greeting() string { return c.greeting }

// Timestamp returns the APOP timestamp of the greeting (RFC 1939 section
// 7), such as "<1896.697170952@dbc.mtview.ca.us>", or "" if it has none.
func (c *Client) Timestamp() string {
	i := strings.IndexByte(c.greeting, '<')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(c.greeting[i:], '>')
	if j < 0 {
		return ""
	}
	return c.greeting[i : i+j+1]
}

// cmd sends a command line and reads a single-line reply; it returns the
// reply's text.
func (c *Client) cmd(format string, args ...any) (string, error) {
	if err := c.send(format, args...); err != nil {
		return "", err
	}
	return c.status()
}

func (c *Client) send(format string, args ...any) error {
	fmt.Fprintf(c.w, format, args...)
	c.w.WriteString("\r\n")
	return c.w.Flush()
}

// readLine reads a line and returns it without its line ending.
func (c *Client) readLine() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) && len(long) <= maxReplyLine {
			line, err = c.r.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
		if err == nil && len(long) > maxReplyLine {
			err = fmt.Errorf("pop3: a reply line is longer than %d octets", maxReplyLine)
		}
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return trimEOL(line), nil
}

// status reads a status line: the text after "+OK", or an *Error.
func (c *Client) status() (string, error) {
	line, err := c.readLine()
	if err != nil {
		return "", err
	}
	return parseStatus(string(line))
}

// parseStatus parses a status line (RFC 1939 section 3, with the response
// codes of RFC 2449 section 8).
func parseStatus(line string) (string, error) {
	if text, ok := strings.CutPrefix(line, "+OK"); ok && (text == "" || text[0] == ' ') {
		return strings.TrimPrefix(text, " "), nil
	}
	text, ok := strings.CutPrefix(line, "-ERR")
	if !ok || (text != "" && text[0] != ' ') {
		return "", fmt.Errorf("pop3: unexpected reply %q", line)
	}
	e := &Error{Text: strings.TrimPrefix(text, " ")}
	if rest, ok := strings.CutPrefix(e.Text, "["); ok {
		if code, after, ok := strings.Cut(rest, "]"); ok && code != "" && !strings.ContainsAny(code, " ") {
			e.Code, e.Text = code, strings.TrimPrefix(after, " ")
		}
	}
	return "", e
}

// lines reads the rest of a multi-line reply, undoing the byte-stuffing,
// and calls f for each line.
func (c *Client) lines(f func(line []byte) error) error {
	var ferr error
	for {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if len(line) > 0 && line[0] == '.' {
			if len(line) == 1 {
				return ferr
			}
			line = line[1:]
		}
		if ferr == nil {
			ferr = f(line)
		}
	}
}

// multi sends a command and reads a multi-line reply.
func (c *Client) multi(f func(line []byte) error, format string, args ...any) error {
	if _, err := c.cmd(format, args...); err != nil {
		return err
	}
	return c.lines(f)
}

// Capa returns the server's capabilities (RFC 2449 section 5), one line
// each, such as "TOP" or "SASL PLAIN LOGIN".
func (c *Client) Capa() ([]string, error) {
	var caps []string
	err := c.multi(func(line []byte) error {
		caps = append(caps, string(line))
		return nil
	}, "CAPA")
	return caps, err
}

// Stls starts TLS (RFC 2595 section 4); config must name the server or
// skip verification.
func (c *Client) Stls(config *tls.Config) error {
	if _, err := c.cmd("STLS"); err != nil {
		return err
	}
	tc := tls.Client(c.conn, config)
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("pop3: tls: %w", err)
	}
	c.conn = tc
	c.r, c.w = bufio.NewReader(tc), bufio.NewWriter(tc)
	return nil
}

// User sends USER name.
func (c *Client) User(name string) error {
	_, err := c.cmd("USER %s", name)
	return err
}

// Pass sends PASS password.
func (c *Client) Pass(password string) error {
	_, err := c.cmd("PASS %s", password)
	return err
}

// Apop logs in with APOP (RFC 1939 section 7), which proves the password
// with the greeting's timestamp instead of sending it.
func (c *Client) Apop(name, password string) error {
	ts := c.Timestamp()
	if ts == "" {
		return errors.New("pop3: the greeting has no APOP timestamp")
	}
	sum := md5.Sum([]byte(ts + password))
	_, err := c.cmd("APOP %s %s", name, hex.EncodeToString(sum[:]))
	return err
}

// Auth authenticates with a SASL mechanism (RFC 5034 section 4), sending
// the initial response with the command when it fits in a command line.
func (c *Client) Auth(a gosasl.Client) error {
	mech, ir, err := a.Start()
	if err != nil {
		return fmt.Errorf("pop3: auth: %w", err)
	}
	line := "AUTH " + mech
	if ir != nil {
		enc := "="
		if len(ir) > 0 {
			enc = base64.StdEncoding.EncodeToString(ir)
		}
		if len(line)+1+len(enc)+2 <= MaxCommandLine {
			line += " " + enc
			ir = nil
		}
	}
	if err := c.send("%s", line); err != nil {
		return err
	}
	for {
		reply, err := c.readLine()
		if err != nil {
			return err
		}
		challenge, isChallenge := bytes.CutPrefix(reply, []byte("+ "))
		if !isChallenge && string(reply) == "+" {
			challenge, isChallenge = nil, true
		}
		if !isChallenge {
			_, err := parseStatus(string(reply))
			return err
		}
		var response []byte
		if ir != nil {
			response, ir = ir, nil // the initial response that did not fit
		} else {
			dec, derr := base64.StdEncoding.DecodeString(string(challenge))
			if derr == nil {
				response, derr = a.Next(dec)
			}
			if derr != nil {
				// Cancel, and read the -ERR that must follow.
				if err := c.send("*"); err != nil {
					return err
				}
				c.status()
				return fmt.Errorf("pop3: auth: %w", derr)
			}
		}
		if err := c.send("%s", base64.StdEncoding.EncodeToString(response)); err != nil {
			return err
		}
	}
}

// Stat returns the number of messages in the maildrop and their size in
// octets.
func (c *Client) Stat() (count, size int, err error) {
	text, err := c.cmd("STAT")
	if err != nil {
		return 0, 0, err
	}
	if _, err := fmt.Sscanf(text, "%d %d", &count, &size); err != nil {
		return 0, 0, fmt.Errorf("pop3: bad STAT reply %q", text)
	}
	return count, size, nil
}

// MessageSize is a message number and the message's size in octets, as
// LIST gives them.
type MessageSize struct {
	Num  int
	Size int
}

// MessageUID is a message number and the message's unique-id, as UIDL
// gives them.
type MessageUID struct {
	Num int
	UID string
}

// List returns the size of message n.
func (c *Client) List(n int) (MessageSize, error) {
	text, err := c.cmd("LIST %d", n)
	if err != nil {
		return MessageSize{}, err
	}
	return parseSize(text)
}

// ListAll returns the size of every message.
func (c *Client) ListAll() ([]MessageSize, error) {
	var l []MessageSize
	err := c.multi(func(line []byte) error {
		m, err := parseSize(string(line))
		l = append(l, m)
		return err
	}, "LIST")
	return l, err
}

func parseSize(s string) (MessageSize, error) {
	var m MessageSize
	num, size, ok := strings.Cut(s, " ")
	var err1, err2 error
	m.Num, err1 = strconv.Atoi(num)
	if ok {
		size, _, _ = strings.Cut(size, " ")
		m.Size, err2 = strconv.Atoi(size)
	}
	if !ok || err1 != nil || err2 != nil {
		return m, fmt.Errorf("pop3: bad scan listing %q", s)
	}
	return m, nil
}

// Uidl returns the unique-id of message n.
func (c *Client) Uidl(n int) (MessageUID, error) {
	text, err := c.cmd("UIDL %d", n)
	if err != nil {
		return MessageUID{}, err
	}
	return parseUID(text)
}

// UidlAll returns the unique-id of every message.
func (c *Client) UidlAll() ([]MessageUID, error) {
	var l []MessageUID
	err := c.multi(func(line []byte) error {
		m, err := parseUID(string(line))
		l = append(l, m)
		return err
	}, "UIDL")
	return l, err
}

func parseUID(s string) (MessageUID, error) {
	num, uid, ok := strings.Cut(s, " ")
	n, err := strconv.Atoi(num)
	uid, _, _ = strings.Cut(uid, " ")
	if !ok || err != nil || uid == "" {
		return MessageUID{}, fmt.Errorf("pop3: bad unique-id listing %q", s)
	}
	return MessageUID{Num: n, UID: uid}, nil
}

// Retr returns message n, its lines ending in CRLF.
func (c *Client) Retr(n int) ([]byte, error) {
	return c.message("RETR %d", n)
}

// Top returns the header of message n and the first lines of its body.
func (c *Client) Top(n, lines int) ([]byte, error) {
	return c.message("TOP %d %d", n, lines)
}

func (c *Client) message(format string, args ...any) ([]byte, error) {
	var b []byte
	err := c.multi(func(line []byte) error {
		b = append(b, line...)
		b = append(b, '\r', '\n')
		return nil
	}, format, args...)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Dele marks message n as deleted; it leaves the maildrop at Quit.
func (c *Client) Dele(n int) error {
	_, err := c.cmd("DELE %d", n)
	return err
}

// Noop does nothing but keep the session alive.
func (c *Client) Noop() error {
	_, err := c.cmd("NOOP")
	return err
}

// Rset takes back every deletion mark of the session.
func (c *Client) Rset() error {
	_, err := c.cmd("RSET")
	return err
}

// Quit ends the session, which deletes the messages marked as deleted,
// and closes the connection. The error is the server's if the deletions
// failed. (An error closing the connection, which the server closes too,
// is of no interest once the server has replied.)
func (c *Client) Quit() error {
	_, err := c.cmd("QUIT")
	c.conn.Close()
	return err
}

// Close drops the connection without QUIT: the server deletes nothing.
func (c *Client) Close() error {
	return c.conn.Close()
}
