package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/sim"
)

// liveRecords reads the trace file of a stopped serve: for each port of
// the world, the texts of its live connections' tls events and of their
// lines.
func liveRecords(t *testing.T, s *server) (records, lines map[int]string) {
	t.Helper()
	f, err := os.Open(s.trace)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, lines = make(map[int]string), make(map[int]string)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct {
			Kind string `json:"kind"`
			Port int    `json:"port"`
			Text string `json:"text"`
			Live bool   `json:"live"`
			TLS  *struct {
				Excerpt       string   `json:"excerpt"`
				InnerMessages []string `json:"inner_messages"`
			} `json:"tls"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("trace: %v: %s", err, sc.Text())
		}
		if !e.Live {
			continue
		}
		switch e.Kind {
		case "tls":
			records[e.Port] += e.Text + " " + strings.Join(e.TLS.InnerMessages, " ") + "\n"
		case "line":
			lines[e.Port] += e.Text + "\n"
		}
	}
	return records, lines
}

// checkTwoTruths checks a trace of live TLS sessions on the given ports:
// each has TLS records and decrypted lines holding want; no record shows a
// password or a line of the messages.
func checkTwoTruths(t *testing.T, s *server, ports []int, want map[int][]string, secrets []string) {
	t.Helper()
	records, lines := liveRecords(t, s)
	for _, port := range ports {
		if !strings.Contains(records[port], "handshake ClientHello") || !strings.Contains(records[port], "Finished") {
			t.Errorf("port %d: no TLS handshake in the trace:\n%s", port, records[port])
		}
		for _, w := range want[port] {
			if !strings.Contains(lines[port], w) {
				t.Errorf("port %d: the decrypted lines lack %q:\n%s", port, w, lines[port])
			}
		}
		for _, secret := range secrets {
			if strings.Contains(records[port], secret) {
				t.Errorf("port %d: the eavesdropper's view shows %q", port, secret)
			}
		}
	}
}

// TestInteropTLSCurl has curl, trusting the world's authority (--cacert),
// send, read and delete mail over every TLS door: implicit TLS on the
// smtps, imaps and pop3s ports, STARTTLS (--ssl-reqd) on the others.
func TestInteropTLSCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed for this test (make test installs it)")
	}
	s := startServe(t)
	// The banner names the CA file (once its text is in the catalogues:
	// until then assets.T prints the key).
	if assets.T(sim.EN, "serve.ca", "x") != "serve.ca" && !strings.Contains(s.out.String(), s.ca) {
		t.Errorf("the banner does not name the CA file %s:\n%s", s.ca, s.out)
	}
	curl := func(args ...string) string {
		t.Helper()
		return mustRun(t, "curl", append([]string{"-sS", "--cacert", s.ca}, args...)...)
	}
	dir := t.TempDir()
	for i, url := range []string{"smtps://" + s.smtps, "smtp://" + s.submission} {
		msg := filepath.Join(dir, fmt.Sprintf("msg%d.eml", i))
		os.WriteFile(msg, []byte(fmt.Sprintf("From: Ana <ana@ejemplo.com>\r\nTo: Beto <beto@otro.org>\r\nSubject: curl TLS %d\r\n\r\nLinea secreta %d.\r\n", i, i)), 0o644)
		args := []string{"--url", url, "--mail-from", "ana@ejemplo.com", "--mail-rcpt", "beto@otro.org", "--user", "ana@ejemplo.com:manzana", "--upload-file", msg}
		if strings.HasPrefix(url, "smtp:") {
			args = append(args, "--ssl-reqd")
		}
		curl(args...)
	}
	// The messages are relayed inside the world; wait for both.
	var list string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		list = curl("--url", "pop3s://"+s.pop3s+"/", "--user", "beto@otro.org:naranja")
		if len(strings.Fields(list)) == 4 {
			break
		}
	}
	if len(strings.Fields(list)) != 4 {
		t.Fatalf("curl LIST over pop3s:\n%s\nwant two messages", list)
	}
	// IMAP with implicit TLS (with the ChaCha20-Poly1305 suite), and with
	// STARTTLS.
	env := curl("--url", "imaps://"+s.imaps+"/INBOX", "--user", "beto@otro.org:naranja", "--tls13-ciphers", "TLS_CHACHA20_POLY1305_SHA256", "-X", "FETCH 1:* (FLAGS ENVELOPE)")
	if !strings.Contains(env, "curl TLS 0") || !strings.Contains(env, "curl TLS 1") {
		t.Errorf("curl FETCH over imaps:\n%s\nwant both messages", env)
	}
	body := curl("--url", "imap://"+s.imap+"/INBOX;UID=1", "--ssl-reqd", "--user", "beto@otro.org:naranja")
	if !strings.Contains(body, "Linea secreta") || !strings.Contains(body, "with ESMTPSA id") {
		t.Errorf("curl reading UID 1 over IMAP STARTTLS:\n%s\nwant the body, received with ESMTPSA", body)
	}
	// POP3 with STLS: RETR, then DELE (QUIT ends curl's session).
	retr := curl("--url", "pop3://"+s.pop3+"/1", "--ssl-reqd", "--user", "beto@otro.org:naranja")
	if !strings.Contains(retr, "Linea secreta") {
		t.Errorf("curl RETR 1 over POP3 STLS:\n%s", retr)
	}
	curl("--url", "pop3://"+s.pop3+"/1", "--ssl-reqd", "--user", "beto@otro.org:naranja", "-X", "DELE", "-I")
	if list := curl("--url", "pop3s://"+s.pop3s+"/", "--user", "beto@otro.org:naranja"); len(strings.Fields(list)) != 2 {
		t.Errorf("curl LIST after DELE:\n%s\nwant one message", list)
	}
	// A client that does not trust the world's authority gives up.
	if out, err := exec.Command("curl", "-sS", "--url", "pop3s://"+s.pop3s+"/", "--user", "beto@otro.org:naranja").CombinedOutput(); err == nil {
		t.Errorf("curl without --cacert succeeded:\n%s", out)
	}
	s.stop(t)
	checkTwoTruths(t, s, []int{465, 587, 993, 143, 995, 110}, map[int][]string{
		465: {"AUTH PLAIN", "Linea secreta 0."},
		587: {"STARTTLS", "AUTH PLAIN", "Linea secreta 1."},
		993: {"FETCH 1:* (FLAGS ENVELOPE)"},
		143: {"STARTTLS", "UID FETCH 1 BODY[]"},
		995: {"LIST"},
		110: {"STLS", "RETR 1", "DELE 1"},
	}, []string{"manzana", "naranja", "Linea secreta"})
}

// pythonTLS drives Python's smtplib, poplib and imaplib over TLS, each
// with an SSL context that trusts the world's authority: send with
// SMTP_SSL and with starttls, read with POP3_SSL and with stls, read and
// delete with IMAP4_SSL and with starttls.
const pythonTLS = `
import imaplib, poplib, smtplib, ssl, sys, time
ca, smtps, submission, pop3s, pop3, imaps, imap = sys.argv[1:8]
ctx = ssl.create_default_context(cafile=ca)
def hp(a):
    h, p = a.rsplit(":", 1)
    return h, int(p)

msg = "From: ana@ejemplo.com\r\nTo: carla@ejemplo.com\r\nSubject: python %s\r\n\r\nTexto secreto %s.\r\n"
s = smtplib.SMTP_SSL(*hp(smtps), context=ctx)
s.login("ana@ejemplo.com", "manzana")
s.sendmail("ana@ejemplo.com", ["carla@ejemplo.com"], msg % ("465", "465"))
s.quit()
s = smtplib.SMTP(*hp(submission))
s.ehlo()
print("ehlo plain starttls", s.has_extn("starttls"))
s.starttls(context=ctx)
s.ehlo()
print("ehlo tls starttls", s.has_extn("starttls"), "auth", s.has_extn("auth"))
s.login("ana@ejemplo.com", "manzana")
s.sendmail("ana@ejemplo.com", ["carla@ejemplo.com"], msg % ("587", "587"))
s.quit()

p = poplib.POP3_SSL(*hp(pop3s), context=ctx)
p.user("carla@ejemplo.com")
p.pass_("limon")
print("pop3s stat", p.stat()[0])
p.quit()
p = poplib.POP3(*hp(pop3))
print("pop3 capa stls", "STLS" in p.capa())
p.stls(context=ctx)
print("pop3 capa under tls stls", "STLS" in p.capa())
p.user("carla@ejemplo.com")
p.pass_("limon")
resp, lines, _ = p.retr(1)
print("pop3 retr", b"Texto secreto" in b"\n".join(lines))
p.quit()

m = imaplib.IMAP4_SSL(*hp(imaps), ssl_context=ctx)
m.login("carla@ejemplo.com", "limon")
typ, data = m.select("INBOX")
print("imaps select", typ, data[0].decode())
typ, data = m.fetch("1", "(BODY.PEEK[TEXT])")
print("imaps body", data[0][1].decode().strip())
m.logout()
m = imaplib.IMAP4(*hp(imap))
m.starttls(ssl_context=ctx)
m.login("carla@ejemplo.com", "limon")
m.select("INBOX")
m.store("1:*", "+FLAGS", "\\Deleted")
typ, data = m.expunge()
print("imap expunged", len([d for d in data if d]))
typ, data = m.select("INBOX")
print("imap left", data[0].decode())
m.logout()
`

func TestInteropTLSPython(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is needed for this test (make test installs it)")
	}
	s := startServe(t)
	out := mustRun(t, "python3", "-c", pythonTLS, s.ca, s.smtps, s.submission, s.pop3s, s.pop3, s.imaps, s.imap)
	for _, want := range []string{
		"ehlo plain starttls True",
		"ehlo tls starttls False auth True",
		"pop3s stat 2",
		"pop3 capa stls True",
		"pop3 capa under tls stls False",
		"pop3 retr True",
		"imaps select OK 2",
		"imaps body Texto secreto 465.",
		"imap expunged 2",
		"imap left 0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("python over TLS:\n%s\nwant %q", out, want)
		}
	}
	s.stop(t)
	checkTwoTruths(t, s, []int{465, 587, 995, 110, 993, 143}, map[int][]string{
		465: {"AUTH PLAIN", "Texto secreto 465."},
		587: {"STARTTLS", "AUTH PLAIN", "Texto secreto 587."},
		995: {"PASS limon", "STAT"},
		110: {"STLS", "PASS limon", "RETR 1"},
		993: {"LOGIN", "SELECT INBOX"},
		143: {"STARTTLS", "EXPUNGE"},
	}, []string{"manzana", "limon", "Texto secreto"})
	trace, err := os.ReadFile(s.trace)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(trace, []byte(`"kind":"tls"`)) {
		t.Error("the trace file has no tls events")
	}
}
