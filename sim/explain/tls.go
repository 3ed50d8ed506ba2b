package explain

import (
	"fmt"
	"strings"

	"github.com/mailscope/mailscope/sim"
)

// explainTLS explains a TLS record: its type as the wire shows it (Main),
// and in Extra the handshake messages or alert it carries — those sent in
// the clear, the server name a ClientHello gives away, and what an
// encrypted record holds once the endpoints decrypt it. A record does not
// move the protocol's state: state is the connection's, before and after.
func explainTLS(e *sim.Event, state State) Line {
	l := Line{Before: state, After: state}
	r := e.TLS
	if r == nil {
		l.Main, l.Verb = lookupOr("tls.record.invalid", ""), "TLS"
		return l
	}
	l.Main = lookupOr("tls.record."+r.Type, "tls.record.invalid")
	var x extras
	for _, m := range append(append([]string(nil), r.Messages...), r.InnerMessages...) {
		if level, desc, ok := strings.Cut(m, " "); ok && (level == "warning" || level == "fatal" || strings.HasPrefix(level, "level(")) {
			x.addFirst("tls.alert."+desc, "tls.alert.error")
			continue
		}
		x.add("tls.msg." + m)
		if m == "ClientHello" && r.ServerName != "" {
			x.add("tls.sni")
		}
	}
	if r.Inner == "application_data" {
		x.add("tls.inner.application_data")
	}
	l.Extra = x.list()
	switch {
	case len(r.Messages) > 0:
		l.Verb = "TLS " + strings.Join(r.Messages, ", ")
	default:
		l.Verb = fmt.Sprintf("TLS %d B", e.Size)
	}
	return l
}
