package sim_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim"
)

// TestTLSEvents records tls events in a trace and reads them back: in the
// trace, in the transcript and in JSON Lines.
func TestTLSEvents(t *testing.T) {
	tr := sim.NewTrace(sim.TraceOptions{Clock: sim.NewVirtualClock(sim.Epoch), LineDelay: 10 * time.Millisecond})
	c := &sim.ConnInfo{Proto: sim.SMTP, Client: "ana-laptop", Server: "mail.ejemplo.com", Port: 465}
	tr.NewConn(c)
	records := []*sim.TLSRecord{
		{Type: "handshake", Length: 243, Messages: []string{"ClientHello"}, ServerName: "mail.ejemplo.com"},
		{Type: "change_cipher_spec", Length: 1},
		{Type: "application_data", Length: 431, Excerpt: "dd13ee74113e566f0011223344556677", Inner: "handshake", InnerMessages: []string{"Certificate"}},
		{Type: "application_data", Length: 48, Excerpt: "8f3a1c5e", Inner: "application_data"},
		{Type: "application_data", Length: 19, Excerpt: "459c40b31a7c1e2b", Inner: "alert", InnerMessages: []string{"warning close_notify"}},
		{Type: "alert", Length: 2, Messages: []string{"fatal unknown_ca"}},
		{Type: "invalid", Length: 8},
	}
	for i, r := range records {
		dir := sim.S2C
		if i == 0 || i == 3 {
			dir = sim.C2S
		}
		tr.Append(sim.Event{Kind: sim.KindTLS, Conn: c, Dir: dir, Size: int32(r.Length + 5), Text: r.Summary(), TLS: r})
	}
	events := tr.Events()
	if len(events) != len(records)+1 {
		t.Fatalf("%d events, want %d", len(events), len(records)+1)
	}
	for i, r := range records {
		e := events[i+1]
		if e.Kind != sim.KindTLS || e.Conn != c || e.TLS != r || e.Text != r.Summary() {
			t.Errorf("event %d = %+v, want the record %+v on its connection", i+1, e, r)
		}
		if e.T != time.Duration(i+1)*10*time.Millisecond {
			t.Errorf("event %d at %v, want %v: a record takes the line delay", i+1, e.T, time.Duration(i+1)*10*time.Millisecond)
		}
	}
	var text bytes.Buffer
	sim.WriteText(&text, events, sim.EN)
	want := strings.Join([]string{
		"c1 ana-laptop -> mail.ejemplo.com:465 SMTP connected",
		"c1 ~C: TLS handshake ClientHello (SNI mail.ejemplo.com) 248 bytes",
		"c1 ~S: TLS change_cipher_spec 6 bytes",
		"c1 ~S: TLS application_data 436 bytes dd13ee74113e566f… (handshake: Certificate)",
		"c1 ~C: TLS application_data 53 bytes 8f3a1c5e",
		"c1 ~S: TLS application_data 24 bytes 459c40b31a7c1e2b (alert: warning close_notify)",
		"c1 ~S: TLS alert fatal unknown_ca 7 bytes",
		"c1 ~S: TLS invalid 13 bytes",
	}, "\n") + "\n"
	if got := text.String(); got != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", got, want)
	}
	var jl bytes.Buffer
	sim.WriteJSONL(&jl, events[1:3], tr.Start())
	wantJSON := `{"seq":1,"step":0,"t":10,"kind":"tls","conn":"c1","proto":"smtp","client":"ana-laptop","server":"mail.ejemplo.com","port":465,"dir":"c2s","text":"handshake ClientHello (SNI mail.ejemplo.com)","size":248,"tls":{"type":"handshake","length":243,"messages":["ClientHello"],"server_name":"mail.ejemplo.com"}}
{"seq":2,"step":0,"t":20,"kind":"tls","conn":"c1","proto":"smtp","client":"ana-laptop","server":"mail.ejemplo.com","port":465,"dir":"s2c","text":"change_cipher_spec","size":6,"tls":{"type":"change_cipher_spec","length":1}}
`
	if jl.String() != wantJSON {
		t.Errorf("JSON Lines:\n%s\nwant:\n%s", jl.String(), wantJSON)
	}
	if got := sim.KindTLS.String(); got != "tls" {
		t.Errorf("KindTLS.String() = %q, want tls", got)
	}
	// A state rebuilt from tls events is empty: they change nothing.
	if s := tr.StateAt(1); len(s.Accounts) != 0 {
		t.Errorf("state after tls events: %+v", s)
	}
}
