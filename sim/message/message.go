// Package message builds and reads Internet messages (RFC 5322) with
// go-message: UTF-8 subjects and names become RFC 2047 encoded words, text
// bodies are quoted-printable when they are not plain ASCII, and attachments
// are base64 parts of a multipart/mixed message (RFC 2045, 2046).
//
// Everything that would be random in a mail client (the boundary) is given
// by the caller, so that the same draft always gives the same bytes.
package message

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	gomessage "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // read messages in any charset
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/mailscope/mailscope/sim"
)

// Address is a mailbox with an optional display name.
type Address struct {
	Name    string
	Address string
}

// String formats the address as in a header field, without encoding.
func (a Address) String() string {
	if a.Name == "" {
		return a.Address
	}
	return fmt.Sprintf("%s <%s>", a.Name, a.Address)
}

// Attachment is a file attached to a draft.
type Attachment struct {
	Filename    string
	ContentType string // "application/octet-stream" when empty
	Data        []byte
}

// Draft is a message as its author writes it.
type Draft struct {
	From        Address
	To          []Address
	Cc          []Address
	Subject     string
	Date        time.Time
	MessageID   string // without angle brackets
	Text        string // the body; line breaks may be "\n"
	Attachments []Attachment
	Boundary    string // the multipart boundary, when there are attachments
}

// Compose returns the RFC 5322 bytes of the draft, with CRLF line endings.
func Compose(d *Draft) ([]byte, error) {
	if d.From.Address == "" || len(d.To) == 0 {
		return nil, fmt.Errorf("message: a draft needs a sender and a recipient")
	}
	if len(d.Attachments) > 0 && d.Boundary == "" {
		return nil, fmt.Errorf("message: a draft with attachments needs a boundary")
	}

	// mail.Header formats and encodes the values; the fields are then
	// written in the usual order and with their usual spelling.
	var h mail.Header
	h.SetAddressList("From", toMail([]Address{d.From}))
	h.SetAddressList("To", toMail(d.To))
	if len(d.Cc) > 0 {
		h.SetAddressList("Cc", toMail(d.Cc))
	}
	h.SetSubject(d.Subject)
	h.SetDate(d.Date)
	if d.MessageID != "" {
		h.SetMessageID(d.MessageID)
	}
	fields := []string{"From", "To", "Cc", "Subject", "Date", "Message-ID"}

	var top textproto.Header
	for _, k := range fields {
		if v := h.Get(k); v != "" {
			addField(&top, k, v)
		}
	}
	addField(&top, "MIME-Version", "1.0")

	var buf bytes.Buffer
	if len(d.Attachments) == 0 {
		addTextFields(&top, d.Text)
		w, err := gomessage.CreateWriter(&buf, gomessage.Header{Header: reverse(top)})
		if err != nil {
			return nil, fmt.Errorf("message: %w", err)
		}
		if err := writeClose(w, d.Text); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}

	addField(&top, "Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": d.Boundary}))
	mw, err := gomessage.CreateWriter(&buf, gomessage.Header{Header: reverse(top)})
	if err != nil {
		return nil, fmt.Errorf("message: %w", err)
	}
	var th textproto.Header
	addTextFields(&th, d.Text)
	pw, err := mw.CreatePart(gomessage.Header{Header: reverse(th)})
	if err != nil {
		return nil, fmt.Errorf("message: %w", err)
	}
	if err := writeClose(pw, d.Text); err != nil {
		return nil, err
	}
	for _, a := range d.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		var ah mail.AttachmentHeader
		ah.SetContentType(ct, map[string]string{"name": a.Filename})
		ah.SetFilename(a.Filename)
		var fh textproto.Header
		addField(&fh, "Content-Type", ah.Get("Content-Type"))
		addField(&fh, "Content-Disposition", ah.Get("Content-Disposition"))
		addField(&fh, "Content-Transfer-Encoding", "base64")
		aw, err := mw.CreatePart(gomessage.Header{Header: reverse(fh)})
		if err != nil {
			return nil, fmt.Errorf("message: %w", err)
		}
		if _, err := aw.Write(a.Data); err != nil {
			return nil, fmt.Errorf("message: %w", err)
		}
		if err := aw.Close(); err != nil {
			return nil, fmt.Errorf("message: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("message: %w", err)
	}
	return buf.Bytes(), nil
}

func toMail(l []Address) []*mail.Address {
	out := make([]*mail.Address, len(l))
	for i, a := range l {
		out[i] = &mail.Address{Name: a.Name, Address: a.Address}
	}
	return out
}

// addTextFields adds the fields of a UTF-8 text/plain body: 7bit when it is
// plain ASCII in lines RFC 5322 allows, quoted-printable otherwise.
func addTextFields(h *textproto.Header, text string) {
	addField(h, "Content-Type", "text/plain; charset=utf-8")
	cte := "7bit"
	if !isASCII(text) || hasLongLine(text) {
		cte = "quoted-printable"
	}
	addField(h, "Content-Transfer-Encoding", cte)
}

// maxLine is the longest line RFC 5322 (section 2.1.1) allows, CRLF aside.
const maxLine = 998

// hasLongLine reports whether text has a line longer than maxLine.
func hasLongLine(text string) bool {
	n := 0
	for i := 0; i < len(text); i++ {
		if text[i] == '\r' || text[i] == '\n' {
			n = 0
			continue
		}
		if n++; n > maxLine {
			return true
		}
	}
	return false
}

// toCRLF turns every line break of a text (CRLF, LF or a lone CR) into CRLF.
var toCRLF = strings.NewReplacer("\r\n", "\r\n", "\r", "\r\n", "\n", "\r\n")

func writeClose(w io.WriteCloser, text string) error {
	text = toCRLF.Replace(text)
	if text != "" && !strings.HasSuffix(text, "\r\n") {
		text += "\r\n"
	}
	if _, err := io.WriteString(w, text); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	return nil
}

// addField appends a field, folded at spaces to lines of at most 78
// characters where possible (RFC 5322 section 2.1.1). A word too long for
// that gets a line of its own.
func addField(h *textproto.Header, k, v string) {
	line := k + ": " + v
	var b strings.Builder
	// A fold must leave more than blanks before it: never right after the
	// colon, nor among the blanks a continuation line begins with.
	lead := len(k) + 1
	for len(line) > 78 {
		i := strings.LastIndexByte(line[:78], ' ')
		if i <= lead {
			// No space to fold at within 78 characters: fold at the
			// first one after the long word.
			from := max(78, lead+1)
			j := strings.IndexByte(line[from:], ' ')
			if j < 0 {
				break
			}
			i = from + j
		}
		b.WriteString(line[:i] + "\r\n")
		line = line[i:]
		lead = len(line) - len(strings.TrimLeft(line, " ")) - 1
	}
	b.WriteString(line + "\r\n")
	h.AddRaw([]byte(b.String()))
}

// reverse returns the header with its fields in the opposite order:
// textproto.Header.AddRaw prepends, so fields added in reading order come out
// reversed.
func reverse(h textproto.Header) textproto.Header {
	var raws [][]byte
	for f := h.Fields(); f.Next(); {
		raw, _ := f.Raw()
		raws = append(raws, raw)
	}
	var out textproto.Header
	for _, raw := range raws {
		out.AddRaw(raw)
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Info reads the summary of a message from its header. A header that cannot
// be parsed gives what could be read; Size is always the length of raw.
func Info(raw []byte) sim.MsgInfo {
	info := sim.MsgInfo{Size: len(raw)}
	th, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil && th.Len() == 0 {
		return info
	}
	h := mail.Header{Header: gomessage.Header{Header: th}}
	info.Subject, _ = h.Subject()
	info.From = addressText(&h, "From")
	info.To = addressText(&h, "To")
	info.MessageID, _ = h.MessageID()
	return info
}

func addressText(h *mail.Header, key string) string {
	l, err := h.AddressList(key)
	if err != nil || len(l) == 0 {
		v, _ := h.Text(key)
		return strings.TrimSpace(v)
	}
	parts := make([]string, len(l))
	for i, a := range l {
		parts[i] = Address{Name: a.Name, Address: a.Address}.String()
	}
	return strings.Join(parts, ", ")
}

// Prepend returns raw with a header field added at the top, as a server
// adds Received: and Return-Path:. A long value must come folded (lines
// joined by CRLF and a space or tab).
func Prepend(raw []byte, key, value string) []byte {
	out := make([]byte, 0, len(key)+len(value)+4+len(raw))
	out = append(out, key...)
	out = append(out, ": "...)
	out = append(out, value...)
	out = append(out, "\r\n"...)
	return append(out, raw...)
}
