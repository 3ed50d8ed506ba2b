package smtp_test

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/pki"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/wire"
)

// tlsConfigs are the TLS configurations of a fixture: one authority, a
// certificate for each host, clients that trust the authority.
type tlsConfigs struct {
	ca   *pki.Authority
	keys *wire.KeyLog
	srv  *tls.Config
}

func newTLSConfigs(t *testing.T, keys *wire.KeyLog) *tlsConfigs {
	t.Helper()
	ca, err := pki.New(3, sim.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(ejemploHost, otroHost)
	if err != nil {
		t.Fatal(err)
	}
	return &tlsConfigs{ca: ca, keys: keys, srv: &tls.Config{
		Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS13, KeyLogWriter: keys,
		SessionTicketsDisabled: true, Time: sim.Epoch.Local,
	}}
}

// server returns the servers' configuration; nil for a fixture without
// TLS.
func (c *tlsConfigs) server() *tls.Config {
	if c == nil {
		return nil
	}
	return c.srv
}

// client returns the configuration of a client of host.
func (c *tlsConfigs) client(host string) *tls.Config {
	return &tls.Config{RootCAs: c.ca.Pool(), ServerName: host, MinVersion: tls.VersionTLS13, KeyLogWriter: c.keys, Time: sim.Epoch.Local}
}

// tlsRecords returns the tls events of a connection.
func (f *fixture) tlsRecords(conn *sim.ConnInfo) []*sim.TLSRecord {
	var out []*sim.TLSRecord
	for _, e := range f.trace.Events() {
		if e.Kind == sim.KindTLS && e.Conn == conn {
			out = append(out, e.TLS)
		}
	}
	return out
}

func TestSubmitStartTLS(t *testing.T) {
	f := newFixture(t, fixtureOptions{tls: true})
	data := msg("ana@ejemplo.com", "carla@ejemplo.com", "hola carla")
	s := anaSends(data, "carla@ejemplo.com")
	s.StartTLS = f.tls.client(ejemploHost)
	got, err := f.submit(ejemploHost, 587, s)
	if err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	ehlo := []string{
		"S: 250-mail.ejemplo.com Hello laptop.home.arpa",
		"S: 250-PIPELINING",
		"S: 250-8BITMIME",
		"S: 250-ENHANCEDSTATUSCODES",
		"S: 250-CHUNKING",
	}
	want := slices.Concat([]string{
		"S: 220 mail.ejemplo.com ESMTP Service Ready",
		"C: EHLO laptop.home.arpa",
	}, ehlo, []string{
		"S: 250-STARTTLS",
		"S: 250-AUTH PLAIN LOGIN",
		"S: 250-SIZE 10485760",
		"S: 250 LIMITS RCPTMAX=100",
		"C: STARTTLS",
		"S: 220 2.0.0 Ready to start TLS",
		// Over TLS: the client starts over (RFC 3207 section 4.2), and
		// STARTTLS is no longer on offer.
		"C: EHLO laptop.home.arpa",
	}, ehlo, []string{
		"S: 250-AUTH PLAIN LOGIN",
		"S: 250-SIZE 10485760",
		"S: 250 LIMITS RCPTMAX=100",
		"C: " + authPlain("", "ana@ejemplo.com", "manzana"),
		"S: 235 2.0.0 Authentication succeeded",
	})
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("transcript:\n%s\nwant it to begin:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	inbox := f.inbox("carla@ejemplo.com")
	if len(inbox) != 1 || !strings.Contains(string(inbox[0]), "with ESMTPSA id") {
		t.Errorf("Carla's INBOX = %q, want the message received with ESMTPSA (RFC 3848)", inbox)
	}
	conn := f.conns(device, 587)[0]
	recs := f.tlsRecords(conn)
	if len(recs) < 10 || recs[0].Messages[0] != "ClientHello" || recs[0].ServerName != ejemploHost {
		t.Errorf("TLS records = %d, the first %+v; want the session's, from a ClientHello for %s", len(recs), recs[0], ejemploHost)
	}
	for _, r := range recs {
		if strings.Contains(r.Summary(), "manzana") {
			t.Errorf("the wire shows %q", r.Summary())
		}
	}
}

func TestSubmitImplicitTLS(t *testing.T) {
	f := newFixture(t, fixtureOptions{tls: true})
	data := msg("ana@ejemplo.com", "carla@ejemplo.com", "hola carla")
	s := anaSends(data, "carla@ejemplo.com")
	s.Auth = "LOGIN"
	raw := f.dial(ejemploHost, 465)
	info := wire.Info(raw)
	c := tls.Client(raw, f.tls.client(ejemploHost))
	if got := wire.Info(c); got != info {
		t.Errorf("wire.Info of the TLS connection = %v, want the connection under it, %v", got, info)
	}
	err := smtp.Submit(c, s)
	if err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	got := f.transcript(info)
	want := []string{
		"S: 220 mail.ejemplo.com ESMTP Service Ready",
		"C: EHLO laptop.home.arpa",
	}
	if !slices.Equal(got[:2], want) || slices.Contains(got, "S: 250-STARTTLS") {
		t.Errorf("transcript:\n%s\nwant it to begin %q, without STARTTLS on offer", strings.Join(got, "\n"), want)
	}
	for _, step := range []string{"C: AUTH LOGIN " + b64("ana@ejemplo.com"), "S: 334 UGFzc3dvcmQ6", "C: " + b64("manzana"), "S: 235 2.0.0 Authentication succeeded"} {
		if !slices.Contains(got, step) {
			t.Errorf("the transcript lacks %q", step)
		}
	}
	if recs := f.tlsRecords(info); len(recs) == 0 || recs[0].Messages[0] != "ClientHello" {
		t.Errorf("first record %+v, want a ClientHello before anything else", recs)
	}
	if inbox := f.inbox("carla@ejemplo.com"); len(inbox) != 1 || !strings.Contains(string(inbox[0]), "with ESMTPSA id") {
		t.Errorf("Carla's INBOX = %q, want the message received with ESMTPSA", inbox)
	}
}

// TestSubmitStartTLSNotOffered checks a client that insists on STARTTLS
// with a server that does not offer it: it sends nothing more.
func TestSubmitStartTLSNotOffered(t *testing.T) {
	f := newFixture(t)
	tc := newTLSConfigs(t, f.keys)
	s := anaSends(msg("ana@ejemplo.com", "carla@ejemplo.com", "x"), "carla@ejemplo.com")
	s.StartTLS = tc.client(ejemploHost)
	got, err := f.submit(ejemploHost, 587, s)
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("Submit = %v, want an error about STARTTLS", err)
	}
	for _, l := range got {
		if strings.HasPrefix(l, "C: AUTH") || strings.HasPrefix(l, "C: MAIL") {
			t.Errorf("the client went on in the clear: %q", l)
		}
	}
}

// TestRequireTLS checks a submission server that refuses authentication
// before TLS: AUTH is not offered, and refused, in the clear; over TLS all
// goes as usual.
func TestRequireTLS(t *testing.T) {
	f := newFixture(t, fixtureOptions{tls: true})
	cfg := f.config(f.byName[ejemploHost], smtp.RoleSubmission)
	cfg.RequireTLS = true
	f.serveConfig(ejemploHost, 5870, cfg)
	r := f.rawDial(ejemploHost, 5870)
	ehlo := r.ehlo("x")
	if !slices.Contains(ehlo, "250-STARTTLS") || slices.ContainsFunc(ehlo, func(l string) bool { return strings.Contains(l, "AUTH") }) {
		t.Errorf("EHLO in the clear = %q, want STARTTLS and no AUTH", ehlo)
	}
	if got, want := r.cmd(authPlain("", "ana@ejemplo.com", "manzana")), "523 5.7.10 TLS is required"; got != want {
		t.Errorf("AUTH in the clear = %q, want %q", got, want)
	}
	if got, want := r.cmd("MAIL FROM:<ana@ejemplo.com>"), "530 5.7.0 Authentication required"; got != want {
		t.Errorf("MAIL = %q, want %q", got, want)
	}
	r.cmd("QUIT")

	s := anaSends(msg("ana@ejemplo.com", "carla@ejemplo.com", "x"), "carla@ejemplo.com")
	if _, err := f.submit(ejemploHost, 5870, s); err == nil || !strings.Contains(err.Error(), "no AUTH") {
		t.Errorf("Submit in the clear = %v, want: the server offers no AUTH", err)
	}
	s.StartTLS = f.tls.client(ejemploHost)
	if _, err := f.submit(ejemploHost, 5870, s); err != nil {
		t.Errorf("Submit with STARTTLS = %v, want nil", err)
	}
}

// TestRelayOpportunisticTLS relays with STARTTLS to an exchanger that
// offers it; the message says so in its Received: field.
func TestRelayOpportunisticTLS(t *testing.T) {
	f := newFixture(t, fixtureOptions{tls: true})
	ejemplo := f.byName[ejemploHost]
	ejemplo.Queue.Add(&smtp.Item{ID: "Q1", From: "ana@ejemplo.com", Rcpts: []string{"beto@otro.org"}, Data: msg("ana@ejemplo.com", "beto@otro.org", "hola")})
	r := f.relay(ejemplo)
	r.TLS = f.tls.client
	for _, o := range r.Flush() {
		if o.Err != nil {
			t.Fatalf("relay: %v", o.Err)
		}
	}
	conns := f.conns(ejemploHost, 25)
	if len(conns) != 1 {
		t.Fatalf("%d relay connections, want 1", len(conns))
	}
	got := f.transcript(conns[0])
	i := slices.Index(got, "C: STARTTLS")
	if i < 0 || got[1] != "C: EHLO mail.ejemplo.com" || !slices.Contains(got[i:], "C: EHLO mail.ejemplo.com") {
		t.Errorf("transcript:\n%s\nwant EHLO mail.ejemplo.com, STARTTLS and EHLO again", strings.Join(got, "\n"))
	}
	if inbox := f.inbox("beto@otro.org"); len(inbox) != 1 || !strings.Contains(string(inbox[0]), "with ESMTPS id") {
		t.Errorf("Beto's INBOX = %q, want the message received with ESMTPS", inbox)
	}
}

// TestRelayTLSNotOffered relays to an exchanger without STARTTLS: the
// relay delivers in the clear, on a second connection.
func TestRelayTLSNotOffered(t *testing.T) {
	f := newFixture(t)
	tc := newTLSConfigs(t, f.keys)
	ejemplo := f.byName[ejemploHost]
	ejemplo.Queue.Add(&smtp.Item{ID: "Q1", From: "ana@ejemplo.com", Rcpts: []string{"beto@otro.org"}, Data: msg("ana@ejemplo.com", "beto@otro.org", "hola")})
	r := f.relay(ejemplo)
	r.TLS = tc.client
	for _, o := range r.Flush() {
		if o.Err != nil {
			t.Fatalf("relay: %v", o.Err)
		}
	}
	conns := f.conns(ejemploHost, 25)
	if len(conns) != 2 {
		t.Fatalf("%d relay connections, want 2 (the one without STARTTLS, then one in the clear)", len(conns))
	}
	if got := f.transcript(conns[0]); slices.Contains(got, "C: STARTTLS") || slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, "C: MAIL") }) {
		t.Errorf("first connection:\n%s\nwant EHLO and nothing more", strings.Join(got, "\n"))
	}
	if inbox := f.inbox("beto@otro.org"); len(inbox) != 1 || !strings.Contains(string(inbox[0]), "with ESMTP id") {
		t.Errorf("Beto's INBOX = %q, want the message received with ESMTP", inbox)
	}
}

// TestRelayUntrustedCertificate relays to an exchanger whose certificate
// the relay does not trust: nothing is delivered and the message stays
// queued, to be tried again.
func TestRelayUntrustedCertificate(t *testing.T) {
	f := newFixture(t, fixtureOptions{tls: true})
	other := newTLSConfigs(t, f.keys)
	other.ca, _ = pki.New(99, sim.Epoch) // another authority
	ejemplo := f.byName[ejemploHost]
	ejemplo.Queue.Add(&smtp.Item{ID: "Q1", From: "ana@ejemplo.com", Rcpts: []string{"beto@otro.org"}, Data: msg("ana@ejemplo.com", "beto@otro.org", "hola")})
	r := f.relay(ejemplo)
	r.TLS = other.client
	outcomes := r.Flush()
	if len(outcomes) != 1 || outcomes[0].Err == nil || outcomes[0].Permanent || !strings.Contains(outcomes[0].Err.Error(), "certificate") {
		t.Fatalf("outcomes = %+v, want a temporary failure about the certificate", outcomes)
	}
	if q := queuedFor(ejemplo); len(q) != 1 {
		t.Errorf("queue = %v, want the message still there", q)
	}
	if inbox := f.inbox("beto@otro.org"); len(inbox) != 0 {
		t.Errorf("Beto's INBOX = %q, want nothing", inbox)
	}
	var alerts []string
	for _, rec := range f.tlsRecords(f.conns(ejemploHost, 25)[0]) {
		alerts = append(alerts, rec.Messages...)
		alerts = append(alerts, rec.InnerMessages...)
	}
	if !slices.Contains(alerts, "fatal bad_certificate") && !slices.Contains(alerts, "fatal unknown_ca") {
		t.Errorf("TLS messages %q, want the client's alert", alerts)
	}
}
