// The TLS scenario's golden transcripts compare bytes: its handshakes must
// read their randomness from the world's seeded reader, which Go 1.26
// honours only with this setting (see sim/pki.NewReader).
//
//go:debug cryptocustomrand=1
package world_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// TestTLSEavesdropper checks the two truths of the TLS scenario: no tls
// event (what crosses the wire) holds a password, its base64, or any line
// of a message body, while the line events (what the endpoints read) hold
// them all.
func TestTLSEavesdropper(t *testing.T) {
	s, err := lessons.Builtin("tls")
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Run(s, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	plainAuth := "AUTH PLAIN " + b64("\x00ana@ejemplo.com\x00manzana")
	secrets := []string{"manzana", "naranja", b64("manzana"), b64("naranja"), plainAuth}
	var body []string
	for _, st := range s.Steps {
		for _, a := range st.Do {
			if a.Send == nil {
				continue
			}
			for _, line := range strings.Split(a.Send.Text, "\n") {
				// The body crosses the wire in quoted-printable: look for
				// the words, which it leaves alone.
				for _, word := range strings.Fields(line) {
					if len(word) >= 5 && !strings.ContainsAny(word, "áéíóú¿?") {
						body = append(body, word)
					}
				}
			}
		}
	}
	if len(body) < 5 {
		t.Fatalf("words of the bodies = %q, want several", body)
	}
	var wire, plain strings.Builder
	tlsEvents := 0
	for _, e := range w.Trace.Events() {
		switch e.Kind {
		case sim.KindTLS:
			tlsEvents++
			wire.WriteString(e.Text + "\n")
			if r := e.TLS; r != nil {
				wire.WriteString(r.Excerpt + " " + r.ServerName + " " + strings.Join(r.Messages, " ") + " " + strings.Join(r.InnerMessages, " ") + "\n")
			}
			wire.WriteString(sim.TextLine(&e, sim.EN) + "\n")
		case sim.KindLine:
			plain.WriteString(e.Text + "\n")
		}
	}
	if tlsEvents < 50 {
		t.Fatalf("%d tls events, want the records of six TLS connections", tlsEvents)
	}
	for _, want := range slices.Concat(secrets, body) {
		if strings.Contains(wire.String(), want) {
			t.Errorf("the eavesdropper's view holds %q", want)
		}
	}
	for _, want := range []string{"PASS naranja", plainAuth, b64("manzana"), `LOGIN "beto@otro.org" "naranja"`} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("the endpoints' view lacks %q", want)
		}
	}
	for _, want := range body {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("the endpoints' view lacks the body's %q", want)
		}
	}
}

// TestTLSConnections checks how each connection of the TLS scenario is
// secured: which port, whether its first bytes are a ClientHello (implicit
// TLS) or a STARTTLS exchange, and that every one of them has its lines
// decrypted.
func TestTLSConnections(t *testing.T) {
	w := runBuiltin(t, "tls")
	type conn struct {
		info      *sim.ConnInfo
		first     sim.Kind // the kind of its first line or record
		firstText string
		startTLS  bool // the client asked for TLS in the clear
		records   int
		decrypted int // lines after the first record
		inner     map[string]bool
	}
	var order []*conn
	byConn := make(map[*sim.ConnInfo]*conn)
	for _, e := range w.Trace.Events() {
		if e.Conn == nil {
			continue
		}
		c := byConn[e.Conn]
		if c == nil {
			c = &conn{info: e.Conn, inner: make(map[string]bool)}
			byConn[e.Conn] = c
			order = append(order, c)
		}
		switch e.Kind {
		case sim.KindTLS:
			if c.first == 0 {
				c.first, c.firstText = e.Kind, e.Text
			}
			c.records++
			for _, m := range e.TLS.InnerMessages {
				c.inner[m] = true
			}
		case sim.KindLine:
			if c.first == 0 {
				c.first, c.firstText = e.Kind, e.Text
			}
			if e.Dir == sim.C2S && (e.Text == "STARTTLS" || e.Text == "T1 STARTTLS") {
				c.startTLS = true
			}
			if c.records > 0 {
				c.decrypted++
			}
		}
	}
	want := []struct {
		client, server string
		port           int
		implicit       bool
	}{
		{"ana-laptop", "mail.ejemplo.com", 587, false},
		{"ana-laptop", "mail.ejemplo.com", 465, true},
		{"mail.ejemplo.com", "mail.otro.org", 25, false},
		{"mail.ejemplo.com", "mail.otro.org", 25, false},
		{"beto-phone", "mail.otro.org", 995, true},
		{"beto-laptop", "mail.otro.org", 143, false},
	}
	if len(order) != len(want) {
		t.Fatalf("%d connections, want %d", len(order), len(want))
	}
	for i, w := range want {
		c := order[i]
		where := c.info.Label()
		if c.info.Client != w.client || c.info.Server != w.server || c.info.Port != w.port {
			t.Errorf("%s: %s -> %s:%d, want %s -> %s:%d", where, c.info.Client, c.info.Server, c.info.Port, w.client, w.server, w.port)
		}
		if w.implicit && (c.first != sim.KindTLS || !strings.HasPrefix(c.firstText, "handshake ClientHello")) {
			t.Errorf("%s: begins with %v %q, want a ClientHello", where, c.first, c.firstText)
		}
		if !w.implicit && (c.first != sim.KindLine || !c.startTLS) {
			t.Errorf("%s: begins with %v %q (STARTTLS %v), want a greeting in the clear and STARTTLS", where, c.first, c.firstText, c.startTLS)
		}
		if c.decrypted < 5 {
			t.Errorf("%s: %d lines decrypted, want the session", where, c.decrypted)
		}
		for _, m := range []string{"EncryptedExtensions", "Certificate", "CertificateVerify", "Finished", "warning close_notify"} {
			if !c.inner[m] {
				t.Errorf("%s: no encrypted %s", where, m)
			}
		}
	}
}

// TestTLSActionsChecked checks the script fields that choose how a device
// connects: each wrong value is reported at its path.
func TestTLSActionsChecked(t *testing.T) {
	s := &world.Script{
		ID:    "x",
		Title: sim.Text{ES: "x", EN: "x"},
		Steps: []world.Step{{
			Say: sim.Text{ES: "x", EN: "x"},
			Do: []world.Action{
				{Send: &world.Send{Device: "ana-laptop", To: []string{"beto@otro.org"}, TLS: "ssl", Auth: "cram-md5"}},
				{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "login", TLS: "yes"}},
				{POP3: &world.POP3Action{Device: "beto-phone", Op: "check", TLS: "STARTTLS"}},
				{Send: &world.Send{Device: "ana-laptop", To: []string{"beto@otro.org"}, TLS: "implicit", Auth: "login"}},
			},
		}},
		World: world.DefaultSpec(),
	}
	s.World.Devices[2].Reads = world.ReadsPOP3
	err := world.Check(s)
	var ps world.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Check = %v, want Problems", err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Path)
	}
	want := []string{"$.steps[0].do[0].send.tls", "$.steps[0].do[0].send.auth", "$.steps[0].do[1].imap.tls", "$.steps[0].do[2].pop3.tls"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("problems at %q, want %q\n%v", got, want, err)
	}
}

// TestTLSIMAPConnectionKept checks that an open IMAP connection keeps how it
// was secured: an action may repeat it or say nothing, not change it.
func TestTLSIMAPConnectionKept(t *testing.T) {
	w, err := world.New(nil, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	step := func(a world.IMAPAction) error {
		return w.Do(&world.Action{IMAP: &a})
	}
	if err := step(world.IMAPAction{Device: "beto-laptop", Op: "login", TLS: world.TLSImplicit}); err != nil {
		t.Fatal(err)
	}
	if err := step(world.IMAPAction{Device: "beto-laptop", Op: "select", TLS: world.TLSImplicit}); err != nil {
		t.Errorf("select repeating tls implicit: %v", err)
	}
	if err := step(world.IMAPAction{Device: "beto-laptop", Op: "list"}); err != nil {
		t.Errorf("list without tls: %v", err)
	}
	if err := step(world.IMAPAction{Device: "beto-laptop", Op: "list", TLS: world.TLSNone}); err == nil {
		t.Error("list with tls none on a TLS connection succeeded, want an error")
	}
	if err := step(world.IMAPAction{Device: "beto-laptop", Op: "logout"}); err != nil {
		t.Fatal(err)
	}
	if err := step(world.IMAPAction{Device: "beto-laptop", Op: "login", TLS: world.TLSStartTLS}); err != nil {
		t.Errorf("login with starttls after logout: %v", err)
	}
	ports := map[int]bool{}
	for _, e := range w.Trace.Events() {
		if e.Kind == sim.KindOpen {
			ports[e.Conn.Port] = true
		}
	}
	if !ports[world.PortIMAPS] || !ports[world.PortIMAP] {
		t.Errorf("ports connected to: %v, want 993 and 143", ports)
	}
}

// TestTLSSubmissionAuthLogin checks a send with auth: login in the clear:
// the password crosses the wire in base64, which the explanation decodes.
func TestTLSSubmissionAuthLogin(t *testing.T) {
	w, err := world.New(nil, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Do(&world.Action{Send: &world.Send{Device: "ana-laptop", To: []string{"beto@otro.org"}, Subject: "hola", Text: "hola\n", Auth: world.AuthLogin}}); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range w.Trace.Events() {
		if e.Kind == sim.KindLine {
			lines = append(lines, e.Text)
		}
		if e.Kind == sim.KindTLS {
			t.Errorf("a tls event on a cleartext submission: %s", e.Text)
		}
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"AUTH LOGIN " + base64.StdEncoding.EncodeToString([]byte("ana@ejemplo.com")), "334 UGFzc3dvcmQ6", base64.StdEncoding.EncodeToString([]byte("manzana")), "235 2.0.0 Authentication succeeded"} {
		if !strings.Contains(all, want) {
			t.Errorf("the submission lacks %q", want)
		}
	}
}

// TestTLSGarbage sends the implicit-TLS ports what is not TLS, or a TLS
// record that makes no sense: each server closes the connection, the taps
// record what came, and the world goes on serving TLS.
func TestTLSGarbage(t *testing.T) {
	w, err := world.New(nil, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, port := range []int{world.PortSMTPS, world.PortIMAPS, world.PortPOP3S} {
		for _, garbage := range [][]byte{
			[]byte("EHLO x\r\n"),
			{0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0},
			{0x17, 0x03, 0x03, 0xff, 0xff, 1, 2, 3},
			bytes.Repeat([]byte{0x16, 0x03}, 3000),
		} {
			c, err := w.Net.Dial("beto-laptop", "mail.otro.org", port)
			if err != nil {
				t.Fatal(err)
			}
			c.Write(garbage)
			buf := make([]byte, 512)
			for {
				if _, err := c.Read(buf); err != nil {
					break // the server closed the connection
				}
			}
			c.Close()
		}
	}
	w.Settle()
	if err := w.Do(&world.Action{POP3: nil, IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "login", TLS: world.TLSImplicit}}); err != nil {
		t.Errorf("a TLS login after the garbage: %v", err)
	}
	if testing.Verbose() {
		for _, e := range w.Trace.Events() {
			t.Log(sim.TextLine(&e, sim.EN))
		}
	}
	invalid := 0
	for _, e := range w.Trace.Events() {
		if e.Kind == sim.KindTLS && (e.TLS.Type == "invalid" || len(e.TLS.Messages) > 0) {
			invalid++
		}
	}
	if invalid == 0 {
		t.Error("no record of the garbage in the trace")
	}
}
