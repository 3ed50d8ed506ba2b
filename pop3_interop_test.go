package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// deliverForBeto sends n messages to beto@otro.org through the serve's
// port 25 front door, each with a line that begins with a dot, and waits
// until POP3 sees them all.
const pythonDeliver = `
import smtplib, sys
host, port = sys.argv[1].rsplit(":", 1)
s = smtplib.SMTP(host, int(port))
for i in range(1, int(sys.argv[2]) + 1):
    s.sendmail("ana@ejemplo.com", ["beto@otro.org"],
        "From: ana@ejemplo.com\r\nTo: beto@otro.org\r\nSubject: mensaje %d\r\n\r\nHola %d.\r\n.punto\r\n" % (i, i))
s.quit()
`

// pythonPOP3 drives Python's poplib through the story POP3 exists for:
// list, retrieve, delete, see the deletion in a fresh session; a session
// dropped after DELE deletes nothing; APOP, TOP, CAPA and [IN-USE].
const pythonPOP3 = `
import poplib, sys, time
host, port = sys.argv[1].rsplit(":", 1)
port = int(port)

def login():
    p = poplib.POP3(host, port)
    p.user("beto@otro.org")
    p.pass_("naranja")
    return p

p = poplib.POP3(host, port)
print("welcome", p.getwelcome().decode())
print("capa", " ".join(sorted(p.capa())))
p.user("beto@otro.org")
print("pass", p.pass_("naranja").decode())
count, size = p.stat()
print("stat", count, size)
resp, listing, _ = p.list()
sizes = dict(l.decode().split() for l in listing)
print("list", len(listing), resp.decode())
resp, uids, _ = p.uidl()
uid1 = uids[0].decode().split()[1]
print("uidl", len(uids))
resp, lines, octets = p.retr(1)
print("retr", resp.decode(), "octets", octets, "list", sizes["1"], "match", str(octets) == sizes["1"])
print("body", b"\n".join(lines).decode().split("\n\n", 1)[1].replace("\n", "|"))
resp, lines, _ = p.top(2, 0)
print("top", len(lines), lines[-1] == b"")
try:
    login()
    print("second session: logged in")
except poplib.error_proto as e:
    print("second session:", e.args[0].decode())
print("dele", p.dele(1).decode())
print("quit", p.quit().decode())

p = login()
count2, _ = p.stat()
resp, uids, _ = p.uidl()
print("fresh", count2, "uid1 gone", all(uid1 not in u.decode() for u in uids))
p.dele(1)
p.dele(2)
p.sock.close()  # dropped without QUIT

# The server releases the maildrop when it notices the drop, which may
# take it a moment: until then a new session gets [IN-USE].
for attempt in range(100):
    p = poplib.POP3(host, port)
    try:
        p.apop("beto@otro.org", "naranja")
        break
    except poplib.error_proto as e:
        if b"[IN-USE]" not in e.args[0]:
            raise
        p.quit()
        time.sleep(0.05)
print("after drop", p.stat()[0])
p.quit()
`

func TestInteropPOP3Python(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is needed for this test (make test installs it)")
	}
	s := startServe(t)
	mustRun(t, "python3", "-c", pythonDeliver, s.smtp, "3")
	waitPOP3(t, s, 3)
	out := mustRun(t, "python3", "-c", pythonPOP3, s.pop3)
	for _, want := range []string{
		"welcome +OK localhost POP3 server ready <",
		"capa AUTH-RESP-CODE IMPLEMENTATION PIPELINING RESP-CODES SASL STLS TOP UIDL USER",
		"pass +OK beto@otro.org's maildrop has 3 messages",
		"stat 3 ",
		"list 3 +OK 3 messages",
		"uidl 3",
		"match True",
		"body Hola 1.|.punto",
		"top ",
		"second session: -ERR [IN-USE] Unable to lock maildrop",
		"dele +OK message 1 deleted",
		"quit +OK localhost POP3 server signing off (2 messages left)",
		"fresh 2 uid1 gone True",
		"after drop 2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("poplib:\n%s\nwant %q", out, want)
		}
	}
	s.stop(t)
	trace, err := os.ReadFile(s.trace)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"proto":"pop3"`, `"port":110`, `"text":"RETR 1"`, `"op":"expunge"`} {
		if !bytes.Contains(trace, []byte(want)) {
			t.Errorf("the trace file lacks %s", want)
		}
	}
}

func TestInteropPOP3Curl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed for this test (make test installs it)")
	}
	s := startServe(t)
	msg := filepath.Join(t.TempDir(), "msg.eml")
	os.WriteFile(msg, []byte("From: Ana <ana@ejemplo.com>\r\nTo: Beto <beto@otro.org>\r\nSubject: desde curl\r\n\r\nHola, Beto.\r\n.\r\nAdios.\r\n"), 0o644)
	for i := 0; i < 2; i++ {
		mustRun(t, "curl", "-sS", "--url", "smtp://"+s.submission, "--mail-from", "ana@ejemplo.com",
			"--mail-rcpt", "beto@otro.org", "--user", "ana@ejemplo.com:manzana", "--upload-file", msg)
	}
	waitPOP3(t, s, 2)
	url := "pop3://" + s.pop3
	user := "beto@otro.org:naranja"
	// curl logs in with SASL when CAPA offers it (AUTH PLAIN here).
	list := mustRun(t, "curl", "-sS", "--url", url+"/", "--user", user)
	if lines := strings.Split(strings.TrimSpace(list), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "1 ") {
		t.Fatalf("curl LIST:\n%s\nwant two messages", list)
	}
	body := mustRun(t, "curl", "-sS", "--url", url+"/1", "--user", user)
	if !strings.Contains(body, "Subject: desde curl") || !strings.Contains(body, "Hola, Beto.\r\n.\r\nAdios.") {
		t.Errorf("curl RETR 1:\n%q\nwant the message, its lone dot unstuffed", body)
	}
	top := mustRun(t, "curl", "-sS", "--url", url+"/", "--user", user, "-X", "TOP 1 0")
	if !strings.Contains(top, "Subject: desde curl") || strings.Contains(top, "Hola, Beto.") {
		t.Errorf("curl TOP 1 0:\n%s\nwant the header alone", top)
	}
	// LOGIN and APOP, as curl's login options choose them.
	for _, opt := range []string{"AUTH=LOGIN", "AUTH=+APOP"} {
		if out := mustRun(t, "curl", "-sS", "--url", url+"/", "--user", user, "--login-options", opt); !strings.HasPrefix(out, "1 ") {
			t.Errorf("curl --login-options %s: %q", opt, out)
		}
	}
	if out, err := exec.Command("curl", "-sS", "--url", url+"/", "--user", "beto@otro.org:limon").CombinedOutput(); err == nil {
		t.Errorf("curl with a wrong password succeeded:\n%s", out)
	}
	// DELE, with QUIT at the end of curl's session: a fresh session no
	// longer lists the message.
	mustRun(t, "curl", "-sS", "--url", url+"/1", "--user", user, "-X", "DELE", "-I")
	list = mustRun(t, "curl", "-sS", "--url", url+"/", "--user", user)
	if lines := strings.Split(strings.TrimSpace(list), "\n"); len(lines) != 1 {
		t.Errorf("curl LIST after DELE:\n%s\nwant one message", list)
	}
	// A session that marks a message with DELE and drops without QUIT.
	conn, err := net.Dial("tcp", s.pop3)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	for _, line := range []string{"", "USER beto@otro.org\r\n", "PASS naranja\r\n", "DELE 1\r\n"} {
		conn.Write([]byte(line))
		if n, err := conn.Read(buf); err != nil || !bytes.HasPrefix(buf[:n], []byte("+OK")) {
			t.Fatalf("raw session, after %q: %q, %v", line, buf[:n], err)
		}
	}
	conn.Close()
	waitPOP3(t, s, 1)
	s.stop(t)
}

// waitPOP3 waits until Beto's maildrop, seen with POP3, holds n messages
// (relayed mail arrives a moment after it is accepted).
func waitPOP3(t *testing.T, s *server, n int) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		out, err := exec.Command("curl", "-sS", "--url", "pop3://"+s.pop3+"/", "--user", "beto@otro.org:naranja").CombinedOutput()
		last = string(out)
		if err == nil && len(strings.Fields(last)) == 2*n {
			return
		}
	}
	t.Fatalf("Beto's maildrop never held %d messages; last LIST:\n%s", n, last)
}
