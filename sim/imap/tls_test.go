package imap_test

import (
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/mailscope/mailscope/sim"
	simimap "github.com/mailscope/mailscope/sim/imap"
	"github.com/mailscope/mailscope/sim/pki"
	"github.com/mailscope/mailscope/sim/store"
	"github.com/mailscope/mailscope/sim/wire"
)

// tlsWorld is an IMAP server over a store with STARTTLS on port 143 and
// implicit TLS on 993, its TLS decrypted in the trace.
type tlsWorld struct {
	trace  *sim.Trace
	net    *wire.Network
	client *tls.Config
}

func newTLSWorld(t *testing.T, requireTLS bool) *tlsWorld {
	t.Helper()
	clock := sim.NewVirtualClock(sim.Epoch)
	tr := sim.NewTrace(sim.TraceOptions{Clock: clock})
	st := store.New(store.Options{Clock: clock})
	if _, err := st.AddAccount(beto, password, host); err != nil {
		t.Fatal(err)
	}
	keys := wire.NewKeyLog()
	nw := wire.NewNetwork(wire.Options{Trace: tr, KeyLog: keys})
	ca, err := pki.New(5, sim.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(host)
	if err != nil {
		t.Fatal(err)
	}
	scfg := &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS13, KeyLogWriter: keys, SessionTicketsDisabled: true, Time: sim.Epoch.Local}
	srv := simimap.NewServer(simimap.Config{Store: st, Host: host, TLS: scfg, RequireTLS: requireTLS})
	plain, err := nw.Listen(host, 143, sim.IMAP)
	if err != nil {
		t.Fatal(err)
	}
	implicit, err := nw.Listen(host, 993, sim.IMAP)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}, 2)
	for _, l := range []net.Listener{plain, tls.NewListener(implicit, scfg)} {
		go func() {
			srv.Serve(l)
			done <- struct{}{}
		}()
	}
	t.Cleanup(func() {
		srv.Close()
		plain.Close()
		implicit.Close()
		<-done
		<-done
	})
	return &tlsWorld{trace: tr, net: nw, client: &tls.Config{RootCAs: ca.Pool(), ServerName: host, MinVersion: tls.VersionTLS13, KeyLogWriter: keys, Time: sim.Epoch.Local}}
}

// agent returns an agent that connects as mode says.
func (w *tlsWorld) agent(t *testing.T, mode string) *simimap.Agent {
	a := simimap.NewAgent(func() (net.Conn, *tls.Config, error) {
		switch mode {
		case "starttls":
			c, err := w.net.Dial("laptop", host, 143)
			return c, w.client, err
		case "implicit":
			c, err := w.net.Dial("laptop", host, 993)
			if err != nil {
				return nil, nil, err
			}
			return tls.Client(c, w.client), nil, nil
		}
		c, err := w.net.Dial("laptop", host, 143)
		return c, nil, err
	}, beto, password)
	t.Cleanup(a.Close)
	return a
}

// lines returns the line events, "C: " and "S: ", and how many tls events
// there were; a tls event that shows the password fails the test.
func (w *tlsWorld) lines(t *testing.T) ([]string, int) {
	var out []string
	records := 0
	for _, e := range w.trace.Events() {
		switch e.Kind {
		case sim.KindLine:
			who := "C: "
			if e.Dir == sim.S2C {
				who = "S: "
			}
			out = append(out, who+e.Text)
		case sim.KindTLS:
			records++
			if strings.Contains(e.Text, password) {
				t.Errorf("the wire shows the password: %s", e.Text)
			}
		}
	}
	return out, records
}

func TestAgentTLS(t *testing.T) {
	for _, tt := range []struct {
		mode string
		want []string // the start of the transcript
	}{
		{"starttls", []string{
			"S: * OK [CAPABILITY IMAP4rev2 IMAP4rev1 SASL-IR LITERAL- STARTTLS AUTH=PLAIN] IMAP server ready",
			"C: T1 STARTTLS",
			"S: T1 OK Begin TLS negotiation now",
			// Over TLS the client asks again, and STARTTLS is gone.
			"C: T2 CAPABILITY",
			"S: * CAPABILITY IMAP4rev2 IMAP4rev1 SASL-IR LITERAL- AUTH=PLAIN",
			"S: T2 OK CAPABILITY completed",
			`C: T3 LOGIN "beto@otro.org" "naranja"`,
		}},
		{"implicit", []string{
			"S: * OK [CAPABILITY IMAP4rev2 IMAP4rev1 SASL-IR LITERAL- AUTH=PLAIN] IMAP server ready",
			`C: T1 LOGIN "beto@otro.org" "naranja"`,
		}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			w := newTLSWorld(t, false)
			a := w.agent(t, tt.mode)
			if _, err := a.Select("INBOX"); err != nil {
				t.Fatal(err)
			}
			if err := a.Logout(); err != nil {
				t.Fatal(err)
			}
			got, records := w.lines(t)
			if len(got) < len(tt.want) || !slices.Equal(got[:len(tt.want)], tt.want) {
				t.Errorf("transcript:\n%s\nwant it to begin:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if records < 10 {
				t.Errorf("%d TLS records, want the session's", records)
			}
		})
	}
}

// TestRequireTLS checks a server that refuses to authenticate before TLS:
// LOGINDISABLED in the clear, and NO [PRIVACYREQUIRED] to LOGIN; the same
// login over TLS works.
func TestRequireTLS(t *testing.T) {
	w := newTLSWorld(t, true)
	a := w.agent(t, "none")
	err := a.Login()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.ResponseCodePrivacyRequired {
		t.Errorf("LOGIN in the clear = %v, want NO [PRIVACYREQUIRED]", err)
	}
	got, _ := w.lines(t)
	if len(got) == 0 || !strings.Contains(got[0], "LOGINDISABLED") || strings.Contains(got[0], "AUTH=PLAIN") {
		t.Errorf("greeting %q, want LOGINDISABLED and no AUTH=", got)
	}
	for _, mode := range []string{"starttls", "implicit"} {
		if err := w.agent(t, mode).Login(); err != nil {
			t.Errorf("LOGIN with %s = %v, want OK", mode, err)
		}
	}
}
