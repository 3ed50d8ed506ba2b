package explain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/explain"
	"github.com/mailscope/mailscope/sim/world"
)

// TestDecoded checks what the explanation decodes of SASL lines, in each
// protocol: initial responses, challenges and answers, NUL as ␀, and
// nothing for lines that carry no base64.
func TestDecoded(t *testing.T) {
	type line struct {
		dir  sim.Dir
		text string
		want string // Decoded
	}
	for _, tt := range []struct {
		proto sim.Proto
		lines []line
	}{
		{sim.SMTP, []line{
			{S, "220 mail.ejemplo.com ESMTP", ""},
			{C, "EHLO x", ""},
			{S, "250 AUTH PLAIN LOGIN", ""},
			{C, "AUTH PLAIN AGFuYUBlamVtcGxvLmNvbQBtYW56YW5h", "␀ana@ejemplo.com␀manzana"},
			{S, "535 5.7.8 Authentication credentials invalid", ""},
			{C, "AUTH LOGIN", ""},
			{S, "334 VXNlcm5hbWU6", "Username:"},
			{C, "YW5hQGVqZW1wbG8uY29t", "ana@ejemplo.com"},
			{S, "334 UGFzc3dvcmQ6", "Password:"},
			{C, "bWFuemFuYQ==", "manzana"},
			{S, "235 2.0.0 Authentication succeeded", ""},
			{C, "MAIL FROM:<ana@ejemplo.com>", ""},
		}},
		{sim.SMTP, []line{
			{S, "220 x", ""},
			{C, "AUTH PLAIN", ""},
			{S, "334 ", ""},
			{C, "AHUAcA==", "␀u␀p"},
			{S, "235 ok", ""},
			{C, "AUTH LOGIN not-base64!", ""},
			{S, "501 5.5.4 Invalid base64", ""},
			{C, "AUTH PLAIN =", ""},
		}},
		{sim.POP3, []line{
			{S, "+OK ready", ""},
			{C, "AUTH PLAIN AGJldG9Ab3Ryby5vcmcAbmFyYW5qYQ==", "␀beto@otro.org␀naranja"},
			{S, "-ERR [AUTH] Authentication failed", ""},
			{C, "AUTH LOGIN", ""},
			{S, "+ VXNlcm5hbWU6", "Username:"},
			{C, "YmV0bw==", "beto"},
			{S, "+ UGFzc3dvcmQ6", "Password:"},
			{C, "*", ""},
			{S, "-ERR Authentication cancelled", ""},
			{C, "USER beto", ""},
		}},
		{sim.IMAP, []line{
			{S, "* OK ready", ""},
			{C, "a AUTHENTICATE PLAIN AGJldG9Ab3Ryby5vcmcAbmFyYW5qYQ==", "␀beto@otro.org␀naranja"},
			{S, "a NO [AUTHENTICATIONFAILED] no", ""},
			{C, "b AUTHENTICATE PLAIN", ""},
			{S, "+ ", ""},
			{C, "AGJldG8AbmFyYW5qYQ==", "␀beto␀naranja"},
			{S, "b OK done", ""},
			{C, "c LOGIN beto naranja", ""},
		}},
	} {
		x := explain.New()
		c := &sim.ConnInfo{ID: 1, Proto: tt.proto}
		x.Explain(&sim.Event{Kind: sim.KindOpen, Conn: c})
		for i, l := range tt.lines {
			got := x.Explain(&sim.Event{Kind: sim.KindLine, Conn: c, Dir: l.dir, Text: l.text, Size: int32(len(l.text) + 2)})
			if got.Decoded != l.want {
				t.Errorf("%s line %d %q: Decoded = %q, want %q", tt.proto, i, l.text, got.Decoded, l.want)
			}
			has := slices.ContainsFunc(got.Extra, func(e *explain.Entry) bool { return e.ID == "sasl.base64" })
			if has != (l.want != "") {
				t.Errorf("%s line %d %q: the sasl.base64 entry %v, want %v", tt.proto, i, l.text, has, l.want != "")
			}
		}
	}
}

// TestTLSScenario explains the TLS scenario: each tls event is explained
// by its record type, with an entry for every handshake message and alert
// it carries, and leaves the protocol state alone; the lines under TLS are
// explained as usual, and the AUTH lines inside TLS are decoded.
func TestTLSScenario(t *testing.T) {
	s, err := lessons.Builtin("tls")
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Run(s, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := explain.New()
	var decoded []string
	records := 0
	for _, e := range w.Trace.Events() {
		var before explain.State
		if e.Conn != nil {
			before = x.StateOf(e.Conn)
		}
		l := x.Explain(&e)
		switch e.Kind {
		case sim.KindTLS:
			records++
			if l.Main == nil || l.Main.ID != "tls.record."+e.TLS.Type || !strings.HasPrefix(l.Verb, "TLS ") || l.Decoded != "" {
				t.Errorf("tls event %q explained as %+v", e.Text, l)
			}
			for _, m := range append(append([]string(nil), e.TLS.Messages...), e.TLS.InnerMessages...) {
				id := "tls.msg." + m
				if strings.Contains(m, " ") {
					id = "tls.alert." + m[strings.Index(m, " ")+1:]
				}
				if !hasEntry(l, id) && !(strings.HasPrefix(id, "tls.alert.") && hasEntry(l, "tls.alert.error")) {
					t.Errorf("tls event %q: no entry %s in %+v", e.Text, id, l.Extra)
				}
			}
			if e.TLS.ServerName != "" && !hasEntry(l, "tls.sni") {
				t.Errorf("tls event %q names a server, but tls.sni does not explain it", e.Text)
			}
			if after := x.StateOf(e.Conn); after != before {
				t.Errorf("tls event %q moved the state from %v to %v", e.Text, before, after)
			}
		case sim.KindLine:
			if l.Decoded != "" {
				decoded = append(decoded, e.Conn.Label()+" "+l.Decoded)
			}
			// After STARTTLS the client starts over with EHLO, in the
			// greeting state of the explanation (RFC 3207 section 4.2).
			if e.Conn.Proto == sim.SMTP && e.Dir == sim.C2S && strings.HasPrefix(e.Text, "EHLO") && l.Before.ID != explain.SMTPGreeting {
				t.Errorf("%s: EHLO in state %s, want %s", e.Conn.Label(), l.Before.ID, explain.SMTPGreeting)
			}
		}
	}
	if records == 0 {
		t.Fatal("no tls events")
	}
	want := []string{"c1 ␀ana@ejemplo.com␀manzana", "c2 ana@ejemplo.com", "c2 Password:", "c2 manzana"}
	if !slices.Equal(decoded, want) {
		t.Errorf("decoded %q, want %q", decoded, want)
	}
}
