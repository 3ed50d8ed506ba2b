// The determinism tests compare the bytes of TLS sessions whose randomness
// comes from a seeded reader, which Go 1.26 honours only with this setting
// (see sim/pki.NewReader).
//
//go:debug cryptocustomrand=1
package wire

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/pki"
)

const tlsHost = "mx.example"

// tlsConfigs returns a server and a client configuration that log their
// secrets to keys (or to w, when not nil), with certificates of a repeatable
// authority; with seed, their randomness is repeatable too.
func tlsConfigs(t testing.TB, keys io.Writer, seed bool) (server, client *tls.Config) {
	t.Helper()
	ca, err := pki.New(7, sim.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(tlsHost)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return sim.Epoch }
	server = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS13, KeyLogWriter: keys, SessionTicketsDisabled: true, Time: now}
	client = &tls.Config{RootCAs: ca.Pool(), ServerName: tlsHost, MinVersion: tls.VersionTLS13, KeyLogWriter: keys, Time: now}
	if seed {
		r := pki.NewReader(7, "test")
		for _, c := range []*tls.Config{server, client} {
			c.Rand, c.CurvePreferences = r, []tls.CurveID{tls.X25519}
		}
	}
	return server, client
}

// echoSession runs a small line protocol over TLS on a network: the server
// greets, answers each line with "OK line" and "QUIT" with "BYE", then
// closes; at the end of its input it closes too. With startTLS the session
// begins in the clear and the client asks for TLS with STARTTLS first. The
// client reads the answer to each line, and closes.
func echoSession(t testing.TB, n *Network, scfg, ccfg *tls.Config, startTLS bool, lines ...string) {
	t.Helper()
	l, err := n.Listen(tlsHost, 465, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan error, 1)
	go func() {
		raw, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		var c net.Conn = raw
		if startTLS {
			r := bufio.NewReader(raw)
			fmt.Fprintf(raw, "220 hello\r\n")
			if line, _ := r.ReadString('\n'); line != "STARTTLS\r\n" {
				raw.Close()
				done <- fmt.Errorf("server read %q, want STARTTLS", line)
				return
			}
			fmt.Fprintf(raw, "220 go ahead\r\n")
			c = tls.Server(raw, scfg)
		} else {
			c = tls.Server(raw, scfg)
		}
		defer c.Close()
		fmt.Fprintf(c, "220 ready\r\n")
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				done <- nil
				return
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "QUIT" {
				fmt.Fprintf(c, "221 BYE\r\n")
				done <- nil
				return
			}
			fmt.Fprintf(c, "250 OK %s\r\n", line)
		}
	}()
	raw, err := n.Dial("client.example", tlsHost, 465)
	if err != nil {
		t.Fatal(err)
	}
	if startTLS {
		r := bufio.NewReader(raw)
		r.ReadString('\n')
		fmt.Fprintf(raw, "STARTTLS\r\n")
		r.ReadString('\n')
	}
	c := tls.Client(raw, ccfg)
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatalf("client reading the greeting: %v", err)
	}
	for _, line := range lines {
		fmt.Fprintf(c, "%s\r\n", line)
		r.ReadString('\n')
	}
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// transcript returns the transcript lines of a trace's events.
func transcript(events []sim.Event) []string {
	var out []string
	for i := range events {
		out = append(out, sim.TextLine(&events[i], sim.EN))
	}
	return out
}

// lines returns the line events of a trace as "C: text" and "S: text".
func lines(events []sim.Event) []string {
	var out []string
	for _, e := range events {
		if e.Kind == sim.KindLine {
			who := "C: "
			if e.Dir == sim.S2C {
				who = "S: "
			}
			out = append(out, who+e.Text)
		}
	}
	return out
}

func TestTLSDecrypt(t *testing.T) {
	for _, tt := range []struct {
		name     string
		startTLS bool
		want     []string
	}{
		{"implicit", false, []string{"S: 220 ready", "C: HELO secreto", "S: 250 OK HELO secreto", "C: QUIT", "S: 221 BYE"}},
		{"starttls", true, []string{"S: 220 hello", "C: STARTTLS", "S: 220 go ahead", "S: 220 ready", "C: HELO secreto", "S: 250 OK HELO secreto", "C: QUIT", "S: 221 BYE"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := sim.NewTrace(sim.TraceOptions{})
			keys := NewKeyLog()
			n := NewNetwork(Options{Trace: tr, KeyLog: keys})
			scfg, ccfg := tlsConfigs(t, keys, false)
			echoSession(t, n, scfg, ccfg, tt.startTLS, "HELO secreto", "QUIT")
			events := tr.Events()
			if got := lines(events); !slices.Equal(got, tt.want) {
				t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			var records []string
			var inner []string
			for _, e := range events {
				if e.Kind != sim.KindTLS {
					continue
				}
				r := e.TLS
				if r == nil || int(e.Size) != r.Length+5 || e.Text != r.Summary() {
					t.Errorf("tls event %+v: want a record with Size = Length+5 and Text = its summary", e)
					continue
				}
				if strings.Contains(e.Text, "secreto") {
					t.Errorf("the wire shows %q", e.Text)
				}
				records = append(records, e.Dir.String()+" "+r.Type+" "+strings.Join(r.Messages, ","))
				if r.Type == "application_data" && (len(r.Excerpt) != 2*excerptLen || r.Inner == "") {
					t.Errorf("record %q: excerpt %q, inner %q; want %d hex digits and its inner type", e.Text, r.Excerpt, r.Inner, 2*excerptLen)
				}
				inner = append(inner, r.InnerMessages...)
			}
			wantStart := []string{"c2s handshake ClientHello", "s2c handshake ServerHello", "s2c change_cipher_spec "}
			if len(records) < 3 || !slices.Equal(records[:3], wantStart) {
				t.Errorf("records begin %q, want %q", records[:min(3, len(records))], wantStart)
			}
			for _, m := range []string{"EncryptedExtensions", "Certificate", "CertificateVerify", "Finished", "warning close_notify"} {
				if !slices.Contains(inner, m) {
					t.Errorf("no encrypted %s in %q", m, inner)
				}
			}
			for _, e := range events {
				if e.Kind == sim.KindTLS && e.TLS.Type == "handshake" && e.Dir == sim.C2S && e.TLS.ServerName != tlsHost {
					t.Errorf("ClientHello's SNI = %q, want %q", e.TLS.ServerName, tlsHost)
				}
			}
		})
	}
}

// TestTLSWithoutKeys checks a tap with no key log: it records the records,
// and nothing of what they hold.
func TestTLSWithoutKeys(t *testing.T) {
	tr := sim.NewTrace(sim.TraceOptions{})
	n := NewNetwork(Options{Trace: tr})
	scfg, ccfg := tlsConfigs(t, nil, false)
	echoSession(t, n, scfg, ccfg, false, "HELO secreto", "QUIT")
	events := tr.Events()
	if got := lines(events); len(got) != 0 {
		t.Errorf("lines without the keys: %q, want none", got)
	}
	records := 0
	for _, e := range events {
		if e.Kind == sim.KindTLS {
			records++
			if e.TLS.Inner != "" {
				t.Errorf("record %q has inner type %q without the keys", e.Text, e.TLS.Inner)
			}
		}
	}
	if records < 10 {
		t.Errorf("%d records, want the whole session", records)
	}
}

// heldKeys keeps the secrets written to it until release hands them to a
// key log, as when a real client's records reach the tap before the
// server logged its secrets.
type heldKeys struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (h *heldKeys) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.buf.Write(p)
}

func (h *heldKeys) release(k *KeyLog) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// One byte at a time: lines arrive in pieces.
	for _, b := range h.buf.Bytes() {
		k.Write([]byte{b})
	}
	h.buf.Reset()
}

// TestTLSLateSecrets checks that records that came before their secret
// are decrypted when it is logged.
func TestTLSLateSecrets(t *testing.T) {
	tr := sim.NewTrace(sim.TraceOptions{})
	keys := NewKeyLog()
	n := NewNetwork(Options{Trace: tr, KeyLog: keys})
	held := &heldKeys{}
	scfg, ccfg := tlsConfigs(t, held, false)
	l, _ := n.Listen(tlsHost, 993, sim.IMAP)
	defer l.Close()
	read, done := make(chan string, 1), make(chan struct{})
	go func() {
		c, _ := tls.NewListener(l, scfg).Accept()
		line, _ := bufio.NewReader(c).ReadString('\n')
		read <- line
		<-done
		c.Close()
	}()
	raw, _ := n.Dial("client.example", tlsHost, 993)
	c := tls.Client(raw, ccfg)
	fmt.Fprintf(c, "a LOGIN secreto\r\n")
	if got := <-read; got != "a LOGIN secreto\r\n" {
		t.Fatalf("server read %q", got)
	}
	if got := lines(tr.Events()); len(got) != 0 {
		t.Fatalf("lines before the secrets are logged: %q", got)
	}
	held.release(keys)
	if got, want := lines(tr.Events()), []string{"C: a LOGIN secreto"}; !slices.Equal(got, want) {
		t.Errorf("lines after the secrets are logged: %q, want %q", got, want)
	}
	close(done)
	c.Close()
}

// TestTLSRecordsInvalid feeds a tap bytes that begin like TLS and go
// wrong, or are not TLS at all: it records what it can and never panics.
func TestTLSRecordsInvalid(t *testing.T) {
	hello := record(ctHandshake, handshakeMsg(hsClientHello, make([]byte, 40)))
	for _, tt := range []struct {
		name   string
		writes [][]byte // client writes; a nil write is the server writing "+OK\r\n"
		want   []string
	}{
		{"not TLS on an implicit port", [][]byte{[]byte("EHLO x\r\n")}, []string{"c1 C: EHLO x"}},
		{"ClientHello then garbage", [][]byte{hello, []byte("EHLO x\r\n")}, []string{"c1 ~C: TLS handshake ClientHello 49 bytes", "c1 ~C: TLS invalid 8 bytes"}},
		{"garbage, then more", [][]byte{hello, []byte("EHLO x\r\n"), []byte("QUIT\r\n")}, []string{"c1 ~C: TLS handshake ClientHello 49 bytes", "c1 ~C: TLS invalid 8 bytes", "c1 ~C: TLS invalid 6 bytes"}},
		{"a bad content type", [][]byte{{99, 3, 3, 0, 1, 0}}, nil},
		{"a record too long", [][]byte{hello, {23, 3, 3, 0xff, 0xff, 1, 2, 3}}, []string{"c1 ~C: TLS handshake ClientHello 49 bytes", "c1 ~C: TLS invalid 8 bytes"}},
		{"a record cut short", [][]byte{hello, {23, 3, 3, 0, 50, 1, 2, 3}}, []string{"c1 ~C: TLS handshake ClientHello 49 bytes", "c1 ~C: TLS invalid 8 bytes"}},
		{"a ClientHello cut short", [][]byte{record(ctHandshake, []byte{1, 0, 0, 90, 3, 3})}, []string{"c1 ~C: TLS handshake ClientHello 11 bytes"}},
		{"a ServerHello before a ClientHello", [][]byte{record(ctHandshake, handshakeMsg(hsServerHello, make([]byte, 10)))}, []string{"c1 ~C: TLS handshake ServerHello 19 bytes"}},
		{"an alert in the clear", [][]byte{hello, nil}, []string{"c1 ~C: TLS handshake ClientHello 49 bytes", "c1 S: +OK"}},
		{"STARTTLS asked late", [][]byte{[]byte("NOOP\r\n"), []byte("STLS\r\n"), hello}, []string{"c1 C: NOOP", "c1 C: STLS", "c1 ~C: TLS handshake ClientHello 49 bytes"}},
		{"no ClientHello after other lines", [][]byte{[]byte("NOOP\r\n"), hello[:5]}, []string{"c1 C: NOOP", "c1 C: \\x16\\x03\\x01\\x00,  [no line end]"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := sim.NewTrace(sim.TraceOptions{})
			tap := NewTap(tr, &sim.ConnInfo{Proto: sim.POP3}, NewKeyLog())
			for _, w := range tt.writes {
				if w == nil {
					tap.Observe(sim.S2C, []byte("+OK\r\n"))
					continue
				}
				tap.Observe(sim.C2S, w)
			}
			tap.Close()
			events := tr.Events()
			got := transcript(events[1 : len(events)-1])
			if tt.want == nil {
				if len(got) == 0 {
					t.Errorf("nothing recorded, want the bytes")
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("recorded:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func record(typ byte, body []byte) []byte {
	return append([]byte{typ, 3, 1, byte(len(body) >> 8), byte(len(body))}, body...)
}

func handshakeMsg(typ byte, body []byte) []byte {
	return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

// FuzzTapTLS feeds a tap a ClientHello and then anything, in any pieces:
// it must never panic, and every byte must be accounted for.
func FuzzTapTLS(f *testing.F) {
	hello := record(ctHandshake, handshakeMsg(hsClientHello, make([]byte, 40)))
	serverHello := make([]byte, 38)
	binary.BigEndian.PutUint16(serverHello[0:], 0x0303)
	serverHello = append(serverHello, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4)
	f.Add(hello, record(ctHandshake, handshakeMsg(hsServerHello, serverHello)), uint8(3))
	f.Add(hello, []byte{23, 3, 3, 0, 20, 1, 2, 3}, uint8(1))
	f.Add([]byte("EHLO\r\n"), []byte{21, 3, 3, 0, 2, 2, 40}, uint8(7))
	f.Add(hello, record(ctHandshake, handshakeMsg(hsServerHello, append(make([]byte, 2), helloRetryRandom...))), uint8(2))
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, chunk uint8) {
		tr := sim.NewTrace(sim.TraceOptions{})
		tap := NewTap(tr, &sim.ConnInfo{Proto: sim.SMTP}, NewKeyLog())
		step := int(chunk%16) + 1
		for len(c2s) > 0 || len(s2c) > 0 {
			k := min(step, len(c2s))
			tap.Observe(sim.C2S, c2s[:k])
			c2s = c2s[k:]
			k = min(step, len(s2c))
			tap.Observe(sim.S2C, s2c[:k])
			s2c = s2c[k:]
		}
		tap.Close()
		if got := tr.Events(); got[len(got)-1].Kind != sim.KindClose {
			t.Errorf("the last event is %v, want the close", got[len(got)-1].Kind)
		}
	})
}

// TestTLSDeterministic runs the same TLS sessions, with repeatable
// randomness, again and again: the trace must be the same bytes each time,
// however the two ends' close_notify alerts race (the server closing
// first, after QUIT, or the client, without it).
func TestTLSDeterministic(t *testing.T) {
	run := func(clientCloses bool) string {
		tr := sim.NewTrace(sim.TraceOptions{})
		keys := NewKeyLog()
		n := NewNetwork(Options{Trace: tr, KeyLog: keys})
		scfg, ccfg := tlsConfigs(t, keys, true)
		lines := []string{"HELO", "NOOP", "QUIT"}
		if clientCloses {
			lines = lines[:2]
		}
		echoSession(t, n, scfg, ccfg, true, lines...)
		if !n.Settle(5 * time.Second) {
			t.Fatal("the network did not settle")
		}
		return strings.Join(transcript(tr.Events()), "\n")
	}
	for _, clientCloses := range []bool{false, true} {
		first := run(clientCloses)
		if !strings.Contains(first, "closed") || !strings.Contains(first, "close_notify") {
			t.Fatalf("transcript:\n%s\nwant a close_notify and the close", first)
		}
		for i := 0; i < 30; i++ {
			if again := run(clientCloses); again != first {
				t.Fatalf("client closes %v: run %d differs:\n%s\nfirst:\n%s", clientCloses, i+2, again, first)
			}
		}
	}
}

func TestKeyLog(t *testing.T) {
	k := NewKeyLog()
	random := [32]byte{1, 2, 3}
	hexRandom := fmt.Sprintf("%x", random)
	called := 0
	k.wait(random, func() { called++ })
	input := "CLIENT_RANDOM " + hexRandom + " 00112233\n" + // TLS 1.2: ignored
		"garbage\n" +
		"SERVER_HANDSHAKE_TRAFFIC_SECRET " + hexRandom + " zz\n" + // not hex
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET " + hexRandom + " 0a0b"
	if n, err := k.Write([]byte(input)); n != len(input) || err != nil {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(input))
	}
	if s := k.secret(random, labelClientHandshake); s != nil || called != 0 {
		t.Fatalf("a secret without its line end: %x (called %d)", s, called)
	}
	k.Write([]byte("0c\nCLIENT_TRAFFIC_SECRET_0 " + hexRandom + " ff\n"))
	if s := k.secret(random, labelClientHandshake); !bytes.Equal(s, []byte{10, 11, 12}) {
		t.Errorf("client handshake secret = %x, want 0a0b0c", s)
	}
	if s := k.secret(random, labelClientTraffic); !bytes.Equal(s, []byte{0xff}) {
		t.Errorf("client traffic secret = %x, want ff", s)
	}
	for _, l := range []string{labelServerHandshake, labelServerTraffic, "OTHER"} {
		if s := k.secret(random, l); s != nil {
			t.Errorf("secret %s = %x, want none", l, s)
		}
	}
	if called != 1 {
		t.Errorf("the wait was called %d times, want once", called)
	}
	k.forget(random)
	if s := k.secret(random, labelClientTraffic); s != nil {
		t.Errorf("after forget: %x", s)
	}
	k.Write(bytes.Repeat([]byte("x"), 10000)) // a line too long is dropped
	if len(k.partial) > maxKeyLogLine {
		t.Errorf("kept %d octets of an overlong line", len(k.partial))
	}
}

// TestTLSCipherSuites has OpenSSL's client talk to a Go server through a
// tapped real TCP listener with each TLS 1.3 cipher suite: the tap must
// decrypt each (it skips when openssl is not installed).
func TestTLSCipherSuites(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed")
	}
	keys := NewKeyLog()
	scfg, _ := tlsConfigs(t, keys, false)
	ca, _ := pki.New(7, sim.Epoch)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, ca.PEM(), 0o644)
	for _, suite := range []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"} {
		t.Run(suite, func(t *testing.T) {
			tr := sim.NewTrace(sim.TraceOptions{})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			tl := tls.NewListener(TapListener(ln, tr, tlsHost, 993, sim.IMAP, keys), scfg)
			served := make(chan struct{})
			go func() {
				defer close(served)
				c, err := tl.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(20 * time.Second))
				r := bufio.NewReader(c)
				fmt.Fprintf(c, "* OK ready\r\n")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					fmt.Fprintf(c, "* echo %s", line)
					if strings.HasPrefix(line, "a LOGOUT") {
						return
					}
				}
			}()
			cmd := exec.Command(openssl, "s_client", "-connect", ln.Addr().String(), "-tls1_3", "-ciphersuites", suite,
				"-servername", tlsHost, "-CAfile", caFile, "-verify_return_error", "-quiet", "-crlf")
			cmd.Stdin = strings.NewReader("a LOGIN secreto\na LOGOUT\n")
			out, err := cmd.CombinedOutput()
			<-served
			if err != nil && !strings.Contains(string(out), "echo a LOGOUT") {
				t.Fatalf("openssl: %v\n%s", err, out)
			}
			deadline := time.Now().Add(5 * time.Second)
			// openssl sends its lines as it reads them, without waiting for
			// the answers: each direction is in order, not the two together.
			want := []string{"C: a LOGIN secreto", "C: a LOGOUT", "S: * OK ready", "S: * echo a LOGIN secreto", "S: * echo a LOGOUT"}
			var got []string
			for time.Now().Before(deadline) {
				if got = lines(tr.Events()); len(got) >= len(want) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			slices.SortStableFunc(got, func(a, b string) int { return strings.Compare(a[:1], b[:1]) })
			if !slices.Equal(got, want) {
				t.Errorf("lines with %s:\n%s\nwant:\n%s\nopenssl said:\n%s", suite, strings.Join(got, "\n"), strings.Join(want, "\n"), out)
			}
		})
	}
}

// TestExpandLabel checks HKDF-Expand-Label against RFC 8448 section 3: the
// server's handshake key and IV from its handshake traffic secret.
func TestExpandLabel(t *testing.T) {
	secret := unhex(t, "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38")
	s := suites[0x1301]
	for _, tt := range []struct {
		label string
		n     int
		want  string
	}{
		{"key", 16, "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc"},
		{"iv", 12, "5d 31 3e b2 67 12 76 ee 13 00 0b 30"},
	} {
		got, err := expandLabel(s.hash, secret, tt.label, tt.n)
		if err != nil || !bytes.Equal(got, unhex(t, tt.want)) {
			t.Errorf("expandLabel(%q) = %x, %v; want %s", tt.label, got, err, tt.want)
		}
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for _, f := range strings.Fields(s) {
		var x byte
		if _, err := fmt.Sscanf(f, "%02x", &x); err != nil {
			t.Fatal(err)
		}
		b = append(b, x)
	}
	return b
}
