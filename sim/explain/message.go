package explain

import "strings"

// part is what a run of content lines holds.
type part uint8

// The kinds of content.
const (
	partData    part = iota // opaque data: a password, a mailbox name, a MIME part's body
	partMessage             // a whole message: header, blank line, body
	partHeader              // only a header (ending in its blank line)
	partBody                // only a body
)

// msgReader follows the lines of a message as content goes by, to say
// which part of it each line is (RFC 5322 section 2.1).
type msgReader struct {
	kind  part
	body  bool   // past the blank line that ends the header
	field string // the last header field seen, for folded lines
	qp    bool   // the header said Content-Transfer-Encoding: quoted-printable
}

// reset starts a new run of content of the given kind.
func (m *msgReader) reset(kind part) {
	*m = msgReader{kind: kind, body: kind == partBody}
}

// headerIDs maps header field names, in lower case, to their entries.
var headerIDs = map[string]string{
	"received":                  "msg.header.Received",
	"return-path":               "msg.header.Return-Path",
	"from":                      "msg.header.From",
	"to":                        "msg.header.To",
	"cc":                        "msg.header.Cc",
	"subject":                   "msg.header.Subject",
	"date":                      "msg.header.Date",
	"message-id":                "msg.header.Message-ID",
	"mime-version":              "msg.header.MIME-Version",
	"content-type":              "msg.header.Content-Type",
	"content-transfer-encoding": "msg.header.Content-Transfer-Encoding",
	"reply-to":                  "msg.header.Reply-To",
	"in-reply-to":               "msg.header.In-Reply-To",
	"references":                "msg.header.References",
}

// line reads the next content line (already without any dot-stuffing) and
// returns its Verb and the entries that say what it is.
func (m *msgReader) line(text string, x *extras) string {
	if m.kind == partData {
		return "✉ data"
	}
	if !m.body {
		switch {
		case text == "":
			m.body = true
			x.add("msg.blank")
			return "✉ data"
		case (text[0] == ' ' || text[0] == '\t') && m.field != "":
			x.add("msg.header.fold")
			x.addFirst(headerIDs[strings.ToLower(m.field)], "msg.header")
			return "✉ " + short(m.field, 26) + ":"
		}
		if name, value, ok := headerField(text); ok {
			m.field = name
			lower := strings.ToLower(name)
			if lower == "content-transfer-encoding" {
				m.qp = strings.EqualFold(strings.TrimSpace(value), "quoted-printable")
			}
			x.addFirst(headerIDs[lower], "msg.header")
			return "✉ " + short(name, 26) + ":"
		}
		// Not a header field: the header is over (a lenient reading).
		m.body = true
	}
	if m.kind == partHeader {
		return "✉ data"
	}
	x.add("msg.body")
	if m.qp && strings.HasSuffix(text, "=") {
		x.add("msg.qp.softbreak")
	}
	return "✉ data"
}

// headerField splits a header field line "Name: value" (RFC 5322 section
// 2.2: the name is printable ASCII without colons or spaces).
func headerField(s string) (name, value string, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return "", "", false
	}
	for j := 0; j < i; j++ {
		if c := s[j]; c <= ' ' || c > '~' {
			return "", "", false
		}
	}
	return s[:i], s[i+1:], true
}
