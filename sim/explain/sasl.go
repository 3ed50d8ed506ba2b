package explain

import (
	"encoding/base64"
	"strings"

	"github.com/mailscope/mailscope/sim"
)

// NUL is how Line.Decoded shows a NUL octet, such as the separators of a
// PLAIN response (RFC 4616): "␀ana@ejemplo.com␀manzana".
const NUL = "␀"

// maxDecoded bounds the base64 text decoded for a line.
const maxDecoded = 4096

// decodeSASL decodes a SASL message as it crosses the wire in SMTP, POP3
// and IMAP: base64 (RFC 4648 section 4), with "=" for an empty initial
// response (RFC 4954, RFC 5034, RFC 9051). NUL octets show as NUL and other
// control characters as \xNN. It reports false for what is not base64 and
// for a message that decodes to nothing.
func decodeSASL(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "=" || s == "*" || len(s) > maxDecoded {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return "", false
	}
	return strings.ReplaceAll(sim.Printable(string(b)), `\x00`, NUL), true
}

// decoded fills in the decoded form of a SASL message in l, and adds the
// entry that explains it.
func (l *Line) decoded(b64 string) {
	d, ok := decodeSASL(b64)
	if !ok {
		return
	}
	l.Decoded = d
	if e := Lookup("sasl.base64"); e != nil && len(l.Extra) < maxExtra {
		l.Extra = append(l.Extra, e)
	}
}

// saslResponse explains a client's line during a SASL exchange of proto
// ("smtp", "pop3", "imap"): "*" cancels it (RFC 4954, 5034, 9051);
// anything else is a response in base64, shown decoded. x holds what the
// tracker knows of the mechanism.
func saslResponse(proto, text string, x *extras) Line {
	if strings.TrimSpace(text) == "*" {
		return Line{Main: lookupOr(proto+".auth.cancel", ""), Extra: x.list(), Verb: "*"}
	}
	l := Line{Main: lookupOr(proto+".auth.response", ""), Extra: x.list(), Verb: "SASL"}
	l.decoded(text)
	return l
}
