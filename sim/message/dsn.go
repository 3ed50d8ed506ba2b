package message

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"mime"
	netmail "net/mail"
	"strings"
	"time"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// DSN describes a delivery status notification (RFC 3464): the message a
// mail server sends back to the envelope sender of a message it could not
// deliver (Action failed) or has not delivered yet (Action delayed). It is
// sent with the null reverse-path, MAIL FROM:<> (RFC 5321 section 4.5.5),
// which the caller does; BuildDSN builds its bytes.
type DSN struct {
	ReportingMTA string    // the host name of the server that reports, e.g. "mail.ejemplo.com"
	ArrivalDate  time.Time // when the reporting server received the message; omitted when zero
	Date         time.Time // the report's own Date:
	MessageID    string    // the report's own Message-ID, without angle brackets; omitted when empty
	From         string    // the report's From:, e.g. "MAILER-DAEMON@mail.ejemplo.com"
	To           string    // the report's To: the original envelope sender
	Subject      string    // the report's Subject:; a default in Lang when empty
	Action       string    // "failed" or "delayed": the default for recipients without their own
	Recipients   []DSNRecipient
	Original     []byte // the original message or only its header: its header is returned as text/rfc822-headers
	Lang         string // "es", "en", or "" for both (Spanish, then English) in the human-readable part
	Boundary     string // the multipart boundary; derived from the other fields when empty
}

// DSNRecipient is the per-recipient part of a delivery status notification
// (RFC 3464 section 2.3).
type DSNRecipient struct {
	Address        string    // Final-Recipient, an RFC 5321 mailbox
	Action         string    // "failed", "delayed", "delivered", "relayed" or "expanded"; DSN.Action when empty
	Status         string    // the enhanced status code (RFC 3463), e.g. "5.1.1"
	DiagnosticCode string    // the reply of the remote server, e.g. "550 5.1.1 No such user"; omitted when empty
	RemoteMTA      string    // the host that gave DiagnosticCode; omitted when empty
	LastAttempt    time.Time // Last-Attempt-Date; omitted when zero
	WillRetryUntil time.Time // Will-Retry-Until, for delayed reports; omitted when zero
}

// DSN actions (RFC 3464 section 2.3.3).
const (
	ActionFailed    = "failed"
	ActionDelayed   = "delayed"
	ActionDelivered = "delivered"
	ActionRelayed   = "relayed"
	ActionExpanded  = "expanded"
)

// dsnDate is the date-time format of RFC 5322 section 3.3, used in the
// header and in the date fields of the delivery-status part.
const dsnDate = "Mon, 02 Jan 2006 15:04:05 -0700"

// BuildDSN returns the RFC 5322 bytes of a delivery status notification: a
// multipart/report; report-type=delivery-status message (RFC 6522) with a
// human-readable text/plain part, a message/delivery-status part (RFC 3464)
// and the returned header of the original message as text/rfc822-headers.
func BuildDSN(d DSN) ([]byte, error) {
	if d.ReportingMTA == "" || d.From == "" || d.To == "" {
		return nil, fmt.Errorf("message: a delivery status notification needs a reporting MTA, a From and a To")
	}
	if len(d.Recipients) == 0 {
		return nil, fmt.Errorf("message: a delivery status notification needs a recipient")
	}
	for _, r := range d.Recipients {
		if r.Address == "" || !validStatus(r.Status) {
			return nil, fmt.Errorf("message: recipient %q: a delivery status notification needs an address and a status such as 5.1.1, not %q", r.Address, r.Status)
		}
		if a := r.action(d.Action); !validAction(a) {
			return nil, fmt.Errorf("message: recipient %q: unknown DSN action %q", r.Address, a)
		}
	}
	boundary := d.Boundary
	if boundary == "" {
		boundary = dsnBoundary(d)
	}
	subject := d.Subject
	if subject == "" {
		subject = dsnSubject(d.Lang, d.Action)
	}

	var h mail.Header
	h.SetAddressList("From", []*mail.Address{dsnAddress(d.From, "Mail Delivery System")})
	h.SetAddressList("To", []*mail.Address{dsnAddress(d.To, "")})
	h.SetSubject(subject)
	if d.MessageID != "" {
		h.SetMessageID(d.MessageID)
	}
	var top textproto.Header
	addField(&top, "From", h.Get("From"))
	addField(&top, "To", h.Get("To"))
	addField(&top, "Subject", h.Get("Subject"))
	addField(&top, "Date", d.Date.Format(dsnDate))
	if d.MessageID != "" {
		addField(&top, "Message-ID", h.Get("Message-ID"))
	}
	// RFC 3834: a report is an automatic answer, which auto-responders must
	// not answer in turn.
	addField(&top, "Auto-Submitted", "auto-replied")
	addField(&top, "MIME-Version", "1.0")
	// Written by hand rather than with mime.FormatMediaType, which sorts
	// the parameters: report-type reads better first, as in RFC 3464's examples.
	addField(&top, "Content-Type", "multipart/report; report-type=delivery-status; boundary="+quoteParam(boundary))

	var buf bytes.Buffer
	mw, err := gomessage.CreateWriter(&buf, gomessage.Header{Header: reverse(top)})
	if err != nil {
		return nil, fmt.Errorf("message: %w", err)
	}

	// 1. The human-readable part.
	text := dsnText(d)
	var th textproto.Header
	addTextFields(&th, text)
	if err := writePart(mw, th, text); err != nil {
		return nil, err
	}

	// 2. The machine-readable part: per-message fields, a blank line, then
	// one group of per-recipient fields each.
	var ds strings.Builder
	ds.WriteString("Reporting-MTA: dns; " + d.ReportingMTA + "\r\n")
	if !d.ArrivalDate.IsZero() {
		ds.WriteString("Arrival-Date: " + d.ArrivalDate.Format(dsnDate) + "\r\n")
	}
	for _, r := range d.Recipients {
		ds.WriteString("\r\n")
		ds.WriteString("Final-Recipient: rfc822; " + r.Address + "\r\n")
		ds.WriteString("Action: " + r.action(d.Action) + "\r\n")
		ds.WriteString("Status: " + r.Status + "\r\n")
		if r.RemoteMTA != "" {
			ds.WriteString("Remote-MTA: dns; " + r.RemoteMTA + "\r\n")
		}
		if r.DiagnosticCode != "" {
			ds.WriteString("Diagnostic-Code: smtp; " + oneLine(r.DiagnosticCode) + "\r\n")
		}
		if !r.LastAttempt.IsZero() {
			ds.WriteString("Last-Attempt-Date: " + r.LastAttempt.Format(dsnDate) + "\r\n")
		}
		if !r.WillRetryUntil.IsZero() {
			ds.WriteString("Will-Retry-Until: " + r.WillRetryUntil.Format(dsnDate) + "\r\n")
		}
	}
	var sh textproto.Header
	addField(&sh, "Content-Type", "message/delivery-status")
	if err := writePart(mw, sh, ds.String()); err != nil {
		return nil, err
	}

	// 3. The returned header of the original message.
	if len(d.Original) > 0 {
		var oh textproto.Header
		addField(&oh, "Content-Type", "text/rfc822-headers")
		if err := writePart(mw, oh, headerSection(d.Original)); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("message: %w", err)
	}
	return buf.Bytes(), nil
}

func (r DSNRecipient) action(def string) string {
	if r.Action != "" {
		return r.Action
	}
	return def
}

func validAction(a string) bool {
	switch a {
	case ActionFailed, ActionDelayed, ActionDelivered, ActionRelayed, ActionExpanded:
		return true
	}
	return false
}

// validStatus reports whether s is an enhanced status code class.subject.detail
// (RFC 3463) whose class is 2, 4 or 5.
func validStatus(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return false
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 {
			return false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// dsnAddress parses "Name <addr>" or a bare address; a bare address gets
// name, when given.
func dsnAddress(s, name string) *mail.Address {
	if a, err := mail.ParseAddress(s); err == nil {
		if a.Name == "" {
			a.Name = name
		}
		return a
	}
	return &mail.Address{Name: name, Address: strings.Trim(s, "<> ")}
}

// oneLine joins the lines of a multi-line reply with spaces, as a field
// value of the delivery-status part must not contain line breaks.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// headerSection returns the header of raw up to (not including) the blank
// line, ending in CRLF; all of raw when it has no body.
func headerSection(raw []byte) string {
	s := toCRLF.Replace(string(raw))
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		return s[:i+2]
	}
	if !strings.HasSuffix(s, "\r\n") {
		s += "\r\n"
	}
	return s
}

func writePart(mw *gomessage.Writer, h textproto.Header, body string) error {
	pw, err := mw.CreatePart(gomessage.Header{Header: reverse(h)})
	if err != nil {
		return fmt.Errorf("message: %w", err)
	}
	return writeClose(pw, body)
}

// dsnBoundary derives a boundary from the report's content, so that the same
// report always gives the same bytes.
func dsnBoundary(d DSN) string {
	f := fnv.New64a()
	io.WriteString(f, d.ReportingMTA+"\x00"+d.MessageID+"\x00"+d.To+"\x00"+d.Date.String())
	for _, r := range d.Recipients {
		io.WriteString(f, "\x00"+r.Address+"\x00"+r.Status)
	}
	f.Write(d.Original)
	return fmt.Sprintf("=_report_%016x", f.Sum64())
}

func dsnSubject(lang, action string) string {
	es, en := "Mensaje no entregado", "Undelivered Mail Returned to Sender"
	if action == ActionDelayed {
		es, en = "Entrega retrasada", "Delayed Mail (still being retried)"
	}
	switch lang {
	case "es":
		return es
	case "en":
		return en
	}
	return es + " / " + en
}

// dsnText is the human-readable part: what happened to each recipient, in
// Spanish, English or both.
func dsnText(d DSN) string {
	var b strings.Builder
	langs := []string{"es", "en"}
	if d.Lang == "es" || d.Lang == "en" {
		langs = []string{d.Lang}
	}
	for i, lang := range langs {
		if i > 0 {
			b.WriteString("\n----------------------------------------\n\n")
		}
		writeDSNText(&b, d, lang)
	}
	return b.String()
}

func writeDSNText(b *strings.Builder, d DSN, lang string) {
	es := lang == "es"
	if es {
		fmt.Fprintf(b, "Este es el servidor de correo %s.\n\n", d.ReportingMTA)
	} else {
		fmt.Fprintf(b, "This is the mail server %s.\n\n", d.ReportingMTA)
	}
	for _, r := range d.Recipients {
		switch a := r.action(d.Action); {
		case a == ActionDelayed && es:
			fmt.Fprintf(b, "Todavía no he podido entregar su mensaje a <%s>.\n", r.Address)
			if !r.WillRetryUntil.IsZero() {
				fmt.Fprintf(b, "Lo seguiré intentando hasta el %s; no hace falta que lo envíe de nuevo.\n", r.WillRetryUntil.Format(dsnDate))
			}
		case a == ActionDelayed:
			fmt.Fprintf(b, "I have not been able to deliver your message to <%s> yet.\n", r.Address)
			if !r.WillRetryUntil.IsZero() {
				fmt.Fprintf(b, "I will keep trying until %s; you need not send it again.\n", r.WillRetryUntil.Format(dsnDate))
			}
		case a == ActionFailed && es:
			fmt.Fprintf(b, "No he podido entregar su mensaje a <%s>. Es un error permanente: no lo volveré a intentar.\n", r.Address)
			if strings.HasPrefix(r.Status, "4.") {
				b.WriteString("Los errores fueron temporales, pero el mensaje ha pasado demasiado tiempo en la cola.\n")
			}
		case a == ActionFailed:
			fmt.Fprintf(b, "I could not deliver your message to <%s>. This is a permanent error: I will not try again.\n", r.Address)
			if strings.HasPrefix(r.Status, "4.") {
				b.WriteString("The errors were temporary, but the message has been in the queue for too long.\n")
			}
		case es:
			fmt.Fprintf(b, "Su mensaje a <%s>: %s.\n", r.Address, a)
		default:
			fmt.Fprintf(b, "Your message to <%s>: %s.\n", r.Address, a)
		}
		if r.DiagnosticCode != "" {
			host := r.RemoteMTA
			if host == "" {
				host = d.ReportingMTA
			}
			if es {
				fmt.Fprintf(b, "%s respondió: %s\n", host, oneLine(r.DiagnosticCode))
			} else {
				fmt.Fprintf(b, "%s said: %s\n", host, oneLine(r.DiagnosticCode))
			}
		}
		b.WriteString("\n")
	}
	if len(d.Original) > 0 {
		if es {
			b.WriteString("Adjunto la cabecera del mensaje original.\n")
		} else {
			b.WriteString("The header of the original message is attached.\n")
		}
	}
}

// ParseDSN reads a delivery status notification built by BuildDSN or by
// another server: the multipart/report's delivery-status fields and the
// returned header (in Original). The human-readable text and the header's
// own fields other than From, To, Subject and Date are not read back;
// Boundary is the one the message uses.
func ParseDSN(raw []byte) (DSN, error) {
	var d DSN
	e, err := gomessage.Read(bytes.NewReader(raw))
	if e == nil {
		return d, fmt.Errorf("message: %w", err)
	}
	mt, params, err := e.Header.ContentType()
	if err != nil || mt != "multipart/report" || !strings.EqualFold(params["report-type"], "delivery-status") {
		return d, fmt.Errorf("message: not a delivery status notification: Content-Type %q", e.Header.Get("Content-Type"))
	}
	d.Boundary = params["boundary"]
	mh := mail.Header{Header: e.Header}
	if l, err := mh.AddressList("From"); err == nil && len(l) > 0 {
		d.From = l[0].Address
	}
	if l, err := mh.AddressList("To"); err == nil && len(l) > 0 {
		d.To = l[0].Address
	}
	d.Subject, _ = mh.Subject()
	d.Date, _ = mh.Date()
	d.MessageID, _ = mh.MessageID()

	mr := e.MultipartReader()
	if mr == nil {
		return d, fmt.Errorf("message: a multipart/report without parts")
	}
	seen := false
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return d, fmt.Errorf("message: %w", err)
		}
		pt, _, _ := p.Header.ContentType()
		body, err := io.ReadAll(p.Body)
		if err != nil {
			return d, fmt.Errorf("message: %w", err)
		}
		switch pt {
		case "message/delivery-status":
			seen = true
			if err := parseDeliveryStatus(&d, body); err != nil {
				return d, err
			}
		case "text/rfc822-headers":
			d.Original = body
		}
	}
	if !seen {
		return d, fmt.Errorf("message: a delivery status notification without a message/delivery-status part")
	}
	return d, nil
}

// parseDeliveryStatus reads the groups of fields of a message/delivery-status
// body: the per-message group, then one per recipient.
func parseDeliveryStatus(d *DSN, body []byte) error {
	r := bufio.NewReader(bytes.NewReader(body))
	first := true
	for {
		// Skip the blank lines between groups.
		for {
			b, err := r.Peek(1)
			if err != nil {
				if first {
					return fmt.Errorf("message: an empty message/delivery-status part")
				}
				return nil
			}
			if b[0] != '\r' && b[0] != '\n' {
				break
			}
			r.ReadByte()
		}
		h, err := textproto.ReadHeader(r)
		if err != nil && h.Len() == 0 {
			return fmt.Errorf("message: message/delivery-status: %w", err)
		}
		if first {
			d.ReportingMTA = typed(h.Get("Reporting-MTA"))
			d.ArrivalDate, _ = parseDate(h.Get("Arrival-Date"))
			if d.ReportingMTA == "" {
				return fmt.Errorf("message: message/delivery-status without Reporting-MTA")
			}
			first = false
		} else {
			rc := DSNRecipient{
				Address:        typed(h.Get("Final-Recipient")),
				Action:         strings.ToLower(strings.TrimSpace(h.Get("Action"))),
				Status:         strings.TrimSpace(h.Get("Status")),
				DiagnosticCode: typed(h.Get("Diagnostic-Code")),
				RemoteMTA:      typed(h.Get("Remote-MTA")),
			}
			rc.LastAttempt, _ = parseDate(h.Get("Last-Attempt-Date"))
			rc.WillRetryUntil, _ = parseDate(h.Get("Will-Retry-Until"))
			if rc.Address == "" || rc.Action == "" || rc.Status == "" {
				return fmt.Errorf("message: message/delivery-status: a recipient needs Final-Recipient, Action and Status")
			}
			d.Recipients = append(d.Recipients, rc)
			if d.Action == "" {
				d.Action = rc.Action
			}
		}
		if err != nil {
			return nil
		}
	}
}

// typed returns the value of a field of the form "type; value" without its
// type (RFC 3464 section 2.1.2: address-type, mta-name-type, diagnostic-type).
func typed(v string) string {
	if _, after, ok := strings.Cut(v, ";"); ok {
		return strings.TrimSpace(after)
	}
	return strings.TrimSpace(v)
}

// parseDate reads an RFC 5322 date-time; the zero time when v is empty or
// not a date.
func parseDate(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	return netmail.ParseDate(v)
}

// quoteParam returns a MIME parameter value, quoted when it is not a token
// (RFC 2045 section 5.1).
func quoteParam(v string) string {
	if t := mime.FormatMediaType("x/y", map[string]string{"p": v}); strings.HasPrefix(t, "x/y; p=") {
		return strings.TrimPrefix(t, "x/y; p=")
	}
	return `"` + v + `"`
}
