package pop3

import (
	"bufio"
	"bytes"
	"fmt"

	"github.com/mailscope/mailscope/sim/store"
)

// maildrop is a session's view of the account's INBOX (RFC 1939 section 5):
// the messages present at login, numbered from 1 in UID order, with the
// session's deletion marks.
type maildrop struct {
	uidValidity uint32
	msgs        []message
	count       int   // messages not marked as deleted
	size        int64 // their octets
}

// message is a message of a maildrop.
type message struct {
	uid     uint32
	raw     []byte // as stored; shared with the store
	size    int    // octets as sent (see octets)
	deleted bool
}

func newMaildrop(uidValidity uint32, msgs []store.MaildropMessage) *maildrop {
	m := &maildrop{uidValidity: uidValidity, msgs: make([]message, len(msgs)), count: len(msgs)}
	for i, msg := range msgs {
		size := octets(msg.Raw)
		m.msgs[i] = message{uid: msg.UID, raw: msg.Raw, size: size}
		m.size += int64(size)
	}
	return m
}

// uidl returns a message's unique-id (RFC 1939 section 7): persistent
// across sessions, and never given to another message of the maildrop,
// because an IMAP UID never is within one UIDVALIDITY.
func (m *maildrop) uidl(msg *message) string {
	return fmt.Sprintf("%08x%08x", m.uidValidity, msg.uid)
}

// get returns message n, unless it does not exist or is marked as deleted.
func (m *maildrop) get(n int) (*message, error) {
	if n < 1 || n > len(m.msgs) {
		return nil, errorf("no such message, only %s in maildrop", plural(len(m.msgs), "message"))
	}
	msg := &m.msgs[n-1]
	if msg.deleted {
		return nil, errorf("message %d already deleted", n)
	}
	return msg, nil
}

// getArg returns the message an argument names.
func (m *maildrop) getArg(arg string) (*message, int, error) {
	n, ok := parseNumber(arg)
	if !ok {
		return nil, 0, errorf("Invalid message number: %s", sanitize(arg))
	}
	msg, err := m.get(n)
	return msg, n, err
}

// summary returns "N messages (M octets)".
func (m *maildrop) summary() string {
	return fmt.Sprintf("%s (%d octets)", plural(m.count, "message"), m.size)
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// octets returns the size of a message as a POP3 server sends it, without
// byte-stuffing (RFC 1939 section 11): every line ends in CRLF, so a bare
// LF counts as two octets, and a last line without an ending gets one.
func octets(raw []byte) int {
	n := len(raw)
	for i := 0; ; {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			break
		}
		if i+j == 0 || raw[i+j-1] != '\r' {
			n++
		}
		i += j + 1
	}
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		n += 2
	}
	return n
}

// writeMessage writes a message as the body of a multi-line reply (RFC 1939
// section 3): lines end in CRLF, a line that begins with "." gets another
// one (byte-stuffing), and a line holding a single "." ends the reply. With
// bodyLines ≥ 0 only the header, the blank line and that many lines of the
// body are written (TOP).
func writeMessage(w *bufio.Writer, raw []byte, bodyLines int) {
	inBody := false
	for len(raw) > 0 {
		var line []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
		} else {
			line, raw = raw, nil // the last line, without an ending: one is added
		}
		if inBody {
			if bodyLines == 0 {
				break
			}
			if bodyLines > 0 {
				bodyLines--
			}
		}
		if len(line) > 0 && line[0] == '.' {
			w.WriteByte('.')
		}
		w.Write(line)
		w.WriteString("\r\n")
		if len(line) == 0 {
			inBody = true
		}
	}
	w.WriteString(".\r\n")
}
