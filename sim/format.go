package sim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteText writes events as a classic transcript: step headings with their
// narration in language l, connection openings and closings, "C:" and "S:"
// lines labelled with their connection, and the changes they caused.
func WriteText(w io.Writer, events []Event, l Lang) error {
	bw := bufio.NewWriter(w)
	for i := range events {
		bw.WriteString(TextLine(&events[i], l))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// TextLine returns the transcript line of one event (without a newline).
func TextLine(e *Event, l Lang) string {
	switch e.Kind {
	case KindStep:
		say := ""
		if e.Say != nil {
			say = strings.Join(strings.Fields(e.Say.In(l)), " ")
		}
		return fmt.Sprintf("=== %d · %s", e.Step, say)
	case KindOpen:
		c := e.Conn
		return fmt.Sprintf("%s %s -> %s:%d %s connected", c.Label(), c.Client, c.Server, c.Port, strings.ToUpper(string(c.Proto)))
	case KindClose:
		return e.Conn.Label() + " closed"
	case KindLine:
		who := "C:"
		if e.Dir == S2C {
			who = "S:"
		}
		s := fmt.Sprintf("%s %s %s", e.Conn.Label(), who, Printable(e.Text))
		switch e.End {
		case LF:
			s += "  [bare LF]"
		case NoEOL:
			s += "  [no line end]"
		case Cutoff:
			s += fmt.Sprintf("  [… %d bytes]", e.Size)
		}
		return s
	case KindTLS:
		return tlsLine(e)
	case KindStore, KindDevice:
		return "   · " + e.Text
	case KindDNS:
		return "   · " + e.Text
	case KindError:
		return "   ! " + e.Text
	}
	return "   ? " + e.Text
}

// tlsLine returns the transcript line of a tls event: what crosses the
// wire, marked "~C:" or "~S:" to set it apart from the plaintext lines the
// endpoints read, such as
//
//	c5 ~C: TLS handshake ClientHello (SNI mail.ejemplo.com) 248 bytes
//	c5 ~S: TLS application_data 53 bytes 8f3a1c5e2b9d0a77…
//
// and, in parentheses, what an encrypted handshake record or alert holds
// for the endpoints.
func tlsLine(e *Event) string {
	who := "~C:"
	if e.Dir == S2C {
		who = "~S:"
	}
	label := ""
	if e.Conn != nil {
		label = e.Conn.Label() + " "
	}
	r := e.TLS
	if r == nil {
		return fmt.Sprintf("%s%s TLS %s %d bytes", label, who, Printable(e.Text), e.Size)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s TLS %s", label, who, r.Type)
	if len(r.Messages) > 0 {
		b.WriteString(" " + strings.Join(r.Messages, ", "))
	}
	if r.ServerName != "" {
		b.WriteString(" (SNI " + r.ServerName + ")")
	}
	fmt.Fprintf(&b, " %d bytes", e.Size)
	if r.Excerpt != "" {
		x := r.Excerpt
		if len(x) > 16 {
			x = x[:16] + "…"
		}
		b.WriteString(" " + x)
	}
	if r.Inner != "" && r.Inner != "application_data" {
		b.WriteString(" (" + r.Inner)
		if len(r.InnerMessages) > 0 {
			b.WriteString(": " + strings.Join(r.InnerMessages, ", "))
		}
		b.WriteString(")")
	}
	return Printable(b.String())
}

// Printable returns s with control characters and invalid UTF-8 escaped as
// \xNN, so that a transcript line never carries terminal control codes.
func Printable(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1, r < 0x20 && r != '\t', r >= 0x7f && r < 0xa0: // C0, DEL, C1
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}

// JSONEvent is the JSON Lines form of an Event. The fields up to Text are
// present in every line; the others only where they apply.
type JSONEvent struct {
	Seq    int32       `json:"seq"`
	Step   int32       `json:"step"`
	T      int64       `json:"t"` // milliseconds since the trace began
	Kind   string      `json:"kind"`
	Conn   string      `json:"conn"`
	Proto  string      `json:"proto"`
	Client string      `json:"client"`
	Server string      `json:"server"`
	Port   int         `json:"port"`
	Dir    string      `json:"dir"`
	Text   string      `json:"text"`
	EOL    string      `json:"eol,omitempty"`
	Size   int32       `json:"size,omitempty"`
	Live   bool        `json:"live,omitempty"`
	Say    *Text       `json:"say,omitempty"`
	Change *JSONChange `json:"change,omitempty"`
	DNS    *JSONLookup `json:"dns,omitempty"`
	Time   *time.Time  `json:"time,omitempty"` // absolute time, on step events
	TLS    *JSONTLS    `json:"tls,omitempty"`
}

// JSONTLS is the JSON form of a TLSRecord.
type JSONTLS struct {
	Type          string   `json:"type"`
	Length        int      `json:"length"`
	Messages      []string `json:"messages,omitempty"`
	ServerName    string   `json:"server_name,omitempty"`
	Excerpt       string   `json:"excerpt,omitempty"`
	Inner         string   `json:"inner,omitempty"`
	InnerMessages []string `json:"inner_messages,omitempty"`
}

// JSONChange is the JSON form of a Change.
type JSONChange struct {
	Op          string    `json:"op"`
	Host        string    `json:"host"`
	Account     string    `json:"account,omitempty"`
	Mailbox     string    `json:"mailbox,omitempty"`
	NewName     string    `json:"new_name,omitempty"`
	UIDValidity uint32    `json:"uidvalidity,omitempty"`
	UID         uint32    `json:"uid,omitempty"`
	Key         string    `json:"key,omitempty"`
	Flags       []string  `json:"flags,omitempty"`
	QueueID     string    `json:"queue_id,omitempty"`
	Result      string    `json:"result,omitempty"`
	Partial     bool      `json:"partial,omitempty"`
	Msg         *MsgInfo  `json:"msg,omitempty"`
	Try         *QueueTry `json:"try,omitempty"`
}

// JSONLookup is the JSON form of a Lookup.
type JSONLookup struct {
	Host   string   `json:"host"`
	Type   string   `json:"type"`
	Name   string   `json:"name"`
	Answer []string `json:"answer"`
}

// ToJSON converts an event to its JSON Lines form; start is the trace's
// start time.
func ToJSON(e *Event, start time.Time) JSONEvent {
	j := JSONEvent{
		Seq:  e.Seq,
		Step: e.Step,
		T:    e.T.Milliseconds(),
		Kind: e.Kind.String(),
		Dir:  e.Dir.String(),
		Text: e.Text,
		EOL:  e.End.String(),
		Say:  e.Say,
	}
	if e.Kind == KindLine || e.Kind == KindTLS {
		j.Size = e.Size
	}
	if r := e.TLS; r != nil {
		j.TLS = &JSONTLS{Type: r.Type, Length: r.Length, Messages: r.Messages, ServerName: r.ServerName, Excerpt: r.Excerpt, Inner: r.Inner, InnerMessages: r.InnerMessages}
	}
	if c := e.Conn; c != nil {
		j.Conn, j.Proto, j.Client, j.Server, j.Port, j.Live = c.Label(), string(c.Proto), c.Client, c.Server, c.Port, c.Live
	}
	if e.Kind == KindStep {
		t := start.Add(e.T)
		j.Time = &t
	}
	if c := e.Change; c != nil {
		j.Change = &JSONChange{
			Op: c.Op.String(), Host: c.Host, Account: c.Account, Mailbox: c.Mailbox, NewName: c.NewName,
			UIDValidity: c.UIDValidity, UID: c.UID, Key: c.Key, Flags: c.Flags, QueueID: c.QueueID,
			Result: c.Result, Partial: c.Partial, Msg: c.Msg, Try: c.Try,
		}
	}
	if d := e.DNS; d != nil {
		j.DNS = &JSONLookup{Host: d.Host, Type: d.Type, Name: d.Name, Answer: d.Answer}
	}
	return j
}

// JSONWriter writes events as JSON Lines, one object per line.
type JSONWriter struct {
	start time.Time
	bw    *bufio.Writer
	enc   *json.Encoder
}

// NewJSONWriter returns a writer of events of a trace that began at start.
func NewJSONWriter(w io.Writer, start time.Time) *JSONWriter {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &JSONWriter{start: start, bw: bw, enc: enc}
}

// Write writes events; call Flush when done.
func (jw *JSONWriter) Write(events []Event) error {
	for i := range events {
		if err := jw.enc.Encode(ToJSON(&events[i], jw.start)); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes any buffered lines to the underlying writer.
func (jw *JSONWriter) Flush() error { return jw.bw.Flush() }

// WriteJSONL writes events as JSON Lines.
func WriteJSONL(w io.Writer, events []Event, start time.Time) error {
	jw := NewJSONWriter(w, start)
	if err := jw.Write(events); err != nil {
		return err
	}
	return jw.Flush()
}
