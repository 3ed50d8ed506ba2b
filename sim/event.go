package sim

import (
	"fmt"
	"strings"
	"time"
)

// Kind says what an Event records.
type Kind uint8

// The kinds of events.
const (
	KindStep   Kind = iota + 1 // a step boundary; Say holds the narration
	KindOpen                   // a connection was opened
	KindClose                  // a connection was closed by both ends
	KindLine                   // one protocol line crossed a connection
	KindStore                  // a server's store or queue changed
	KindDevice                 // a device's local copy changed
	KindDNS                    // a server looked up a name
	KindError                  // an agent's action failed; Text says why
	KindTLS                    // one TLS record crossed a connection; TLS describes it
)

var kindNames = [...]string{
	KindStep:   "step",
	KindOpen:   "open",
	KindClose:  "close",
	KindLine:   "line",
	KindStore:  "store",
	KindDevice: "device",
	KindDNS:    "dns",
	KindError:  "error",
	KindTLS:    "tls",
}

// String returns the kind's name as it appears in JSON Lines.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Dir is the direction of a protocol line.
type Dir uint8

// The directions of a line on a connection.
const (
	C2S Dir = iota + 1 // from the client to the server
	S2C                // from the server to the client
)

// String returns "c2s" or "s2c".
func (d Dir) String() string {
	switch d {
	case C2S:
		return "c2s"
	case S2C:
		return "s2c"
	}
	return ""
}

// Proto names an application protocol.
type Proto string

// The protocols MailScope speaks.
const (
	SMTP Proto = "smtp"
	IMAP Proto = "imap"
	POP3 Proto = "pop3"
)

// ConnInfo describes a connection. It is immutable and shared by every event
// of the connection.
type ConnInfo struct {
	ID     int    // 1, 2, ... in the order connections were opened
	Proto  Proto  // the protocol the server speaks on Port
	Client string // the client's host: a device, a server relaying, or ip:port of a real client
	Server string // the server's host name
	Port   int    // the server's port in the simulated world (or the real one in live mode)
	Live   bool   // a real TCP connection from outside the process
}

// Label returns the connection's short label, such as "c3".
func (c *ConnInfo) Label() string { return fmt.Sprintf("c%d", c.ID) }

// LineEnd says how a recorded line ended on the wire.
type LineEnd uint8

// The ways a line can end.
const (
	CRLF   LineEnd = iota // the protocol's own line ending
	LF                    // a bare line feed
	NoEOL                 // the connection closed in the middle of a line
	Cutoff                // the line was longer than MaxLine; Text holds its start
)

// String returns "", "lf", "none" or "cut" (the JSON Lines "eol" field).
func (e LineEnd) String() string {
	switch e {
	case LF:
		return "lf"
	case NoEOL:
		return "none"
	case Cutoff:
		return "cut"
	}
	return ""
}

// MaxLine is the most bytes of one line kept in an event; the rest is counted
// in Size but not kept.
const MaxLine = 4096

// Event is one immutable entry of a Trace.
type Event struct {
	Seq  int32         // position in the trace, from 0
	Step int32         // the step it belongs to; 0 is the world's setup
	T    time.Duration // virtual time since the trace began
	Kind Kind
	Dir  Dir     // for lines and TLS records
	End  LineEnd // for lines
	Size int32   // for lines: bytes on the wire, line ending included; for TLS records: header included

	Conn   *ConnInfo  // for open, close, line and tls events
	Text   string     // the line without its ending, or a summary
	Change *Change    // for store and device events
	DNS    *Lookup    // for dns events
	Say    *Text      // for step events: the narration
	TLS    *TLSRecord // for tls events
}

// Lookup is a DNS query made by a server and its answer.
type Lookup struct {
	Host   string // who asked
	Type   string // "MX" or "A"
	Name   string // what was asked
	Answer []string
}

// TLSRecord is one TLS record (RFC 8446 section 5) as it crossed a
// connection. Type, Length, Messages and Excerpt are what anybody on the
// wire sees; Inner and InnerMessages are what the two endpoints read once
// the record is decrypted. A record is immutable once recorded.
type TLSRecord struct {
	// Type is the record's content type on the wire: "handshake",
	// "change_cipher_spec", "alert", "application_data", "heartbeat", or
	// "invalid" for bytes that do not parse as a TLS record.
	Type string
	// Length is the record's length field: the octets after its 5-octet
	// header (for "invalid", the octets that could not be parsed).
	Length int
	// Messages names what a record in the clear carries: its handshake
	// messages, such as "ClientHello" or "ServerHello", or its alert, such
	// as "fatal handshake_failure".
	Messages []string
	// ServerName is the host name a ClientHello asks for (its server_name
	// extension, RFC 6066), which crosses the wire in the clear.
	ServerName string
	// Excerpt is the start of an encrypted record's ciphertext, in
	// hexadecimal: all an eavesdropper can read of it.
	Excerpt string
	// Inner is the true content type of an encrypted record, as the
	// endpoints see it after decrypting it: "handshake", "application_data"
	// or "alert". It is empty when the record was not decrypted.
	Inner string
	// InnerMessages names the handshake messages (such as "Certificate",
	// "Finished") or the alert (such as "warning close_notify") inside an
	// encrypted record.
	InnerMessages []string
}

// Summary returns what an eavesdropper reads of the record, such as
// "handshake ClientHello (SNI mail.ejemplo.com)" or "application_data
// 8f3a1c5e…" (the record's Text in a trace).
func (r *TLSRecord) Summary() string {
	s := r.Type
	if len(r.Messages) > 0 {
		s += " " + strings.Join(r.Messages, ", ")
	}
	if r.ServerName != "" {
		s += " (SNI " + r.ServerName + ")"
	}
	if r.Excerpt != "" {
		s += " " + r.Excerpt
	}
	return s
}
