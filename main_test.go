package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds mailscope once for the tests that run the real program.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mailscope-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "mailscope")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// command runs mailscope with args in a clean English locale.
func command(t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(isolated(t), "LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE=")
	return cmd
}

// isolated returns the environment with a configuration directory of the
// test's own, so that the program under test neither reads nor overwrites
// the user's settings and progress, nor shares them with tests running at
// the same time.
func isolated(tb testing.TB) []string {
	return append(os.Environ(), "XDG_CONFIG_HOME="+tb.TempDir())
}

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := command(t, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// freeAddrs returns n distinct loopback addresses with ports nothing
// listens on (all held open until all are chosen, so none repeats).
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs
}

func TestRunCommand(t *testing.T) {
	out, errs, code := run(t, "run", "tour")
	if code != 0 || errs != "" {
		t.Fatalf("mailscope run tour: exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"c2 C: AUTH PLAIN ", "c3 C: EHLO mail.ejemplo.com", "c1 S: * 1 EXISTS", "c4 C: T8 LOGOUT"} {
		if !strings.Contains(out, want) {
			t.Errorf("mailscope run tour: output lacks %q", want)
		}
	}
	out, _, code = run(t, "run", "tour", "--format", "jsonl", "--lang", "es")
	if code != 0 {
		t.Fatalf("mailscope run tour --format jsonl: exit %d", code)
	}
	required := []string{"seq", "step", "t", "kind", "conn", "proto", "client", "server", "port", "dir", "text"}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	lines := 0
	for sc.Scan() {
		lines++
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v", lines, err)
		}
		for _, k := range required {
			if _, ok := m[k]; !ok {
				t.Fatalf("line %d lacks %q: %s", lines, k, sc.Text())
			}
		}
	}
	if lines < 100 {
		t.Errorf("the jsonl transcript has %d lines, want the whole tour", lines)
	}
}

// TestUsageErrors checks that each usage error gives one line on stderr
// and exit status 2.
func TestUsageErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "no-such-scenario"}, `no built-in scenario "no-such-scenario"`},
		{[]string{"run"}, "name a scenario"},
		{[]string{"run", "tour", "--format", "xml"}, `--format must be text or jsonl, not "xml"`},
		{[]string{"run", "tour", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"run", "tour", "--lang", "fr"}, `--lang must be es or en, not "fr"`},
		{[]string{"run", "/nonexistent/lesson.yaml"}, "no such file"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--bogus"}, "mailscope: flag provided but not defined: -bogus"},
		{[]string{"--size", "big"}, `--size must be WIDTHxHEIGHT`},
		{[]string{"--theme", "blue"}, `--theme must be light or dark`},
		{[]string{"--scale", "9"}, `--scale must be between 1 and 2.5`},
		{[]string{"serve", "--smtp", busy.Addr().String(), "--submission", "", "--imap", ""}, "cannot listen"},
		{[]string{"serve", "--imap", "0.0.0.0:0", "--smtp", "", "--submission", ""}, "add --public"},
		{[]string{"serve", "--user", "nobody"}, "NAME@DOMAIN:PASSWORD"},
		{[]string{"serve", "--user", "x@nowhere.test:pw"}, "no server keeps mail for nowhere.test"},
	} {
		_, stderr, code := run(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("mailscope %s: exit %d, stderr %q; want exit 2 and one line with %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
}

// server is a running "mailscope serve".
type server struct {
	cmd                          *exec.Cmd
	smtp, submission, imap, pop3 string
	smtps, imaps, pop3s          string // the implicit-TLS ports
	ca                           string // the file of the world's certificate authority
	trace                        string
	out                          *bytes.Buffer // everything serve printed, complete once outDone is closed
	outDone                      chan struct{}
}

func startServe(t *testing.T) *server {
	t.Helper()
	// A port chosen free may be taken by another process before serve
	// binds it; serve then says so and exits, and the test tries again
	// with other ports.
	var err error
	for range 3 {
		var s *server
		if s, err = tryServe(t); err == nil {
			return s
		}
		t.Log(err)
	}
	t.Fatal(err)
	return nil
}

// tryServe starts "mailscope serve" on free ports and waits until it is
// ready.
func tryServe(t *testing.T) (*server, error) {
	t.Helper()
	dir := t.TempDir()
	a := freeAddrs(t, 7)
	s := &server{smtp: a[0], submission: a[1], imap: a[2], pop3: a[3], smtps: a[4], imaps: a[5], pop3s: a[6],
		ca: filepath.Join(dir, "ca.pem"), trace: filepath.Join(dir, "trace.jsonl"), out: &bytes.Buffer{}, outDone: make(chan struct{})}
	s.cmd = command(t, "serve", "--smtp", s.smtp, "--submission", s.submission, "--imap", s.imap, "--pop3", s.pop3,
		"--smtps", s.smtps, "--imaps", s.imaps, "--pop3s", s.pop3s, "--ca-out", s.ca,
		"--user", "carla@ejemplo.com:limon", "--trace", s.trace)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	ready := make(chan bool, 1)
	go func() {
		defer close(s.outDone)
		sc := bufio.NewScanner(pr)
		signalled := false
		for sc.Scan() {
			s.out.WriteString(sc.Text() + "\n")
			if !signalled && strings.HasPrefix(sc.Text(), "Press Ctrl+C") {
				ready <- true
				signalled = true
			}
		}
		if !signalled {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			s.cmd.Wait()
			return nil, fmt.Errorf("serve ended before it was ready:\n%s", s.out)
		}
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		t.Fatal("serve did not start within a minute")
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	return s, nil
}

// stop interrupts the server and checks it stops cleanly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		// The process has exited; its output may still be in the pipe.
		<-s.outDone
		if err != nil {
			t.Errorf("serve after SIGINT: %v\n%s", err, s.out)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("serve did not stop within 30 s of SIGINT")
	}
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestInteropCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed for this test (make test installs it)")
	}
	s := startServe(t)
	msg := filepath.Join(t.TempDir(), "msg.eml")
	os.WriteFile(msg, []byte("From: Ana <ana@ejemplo.com>\r\nTo: Beto <beto@otro.org>\r\nSubject: desde curl\r\n\r\nHola, Beto.\r\n"), 0o644)
	mustRun(t, "curl", "-sS", "--url", "smtp://"+s.submission, "--mail-from", "ana@ejemplo.com",
		"--mail-rcpt", "beto@otro.org", "--user", "ana@ejemplo.com:manzana", "--upload-file", msg)

	// The message is relayed inside the world; wait until Beto's INBOX has it.
	var out string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		out = mustRun(t, "curl", "-sS", "--url", "imap://"+s.imap+"/INBOX", "--user", "beto@otro.org:naranja", "-X", "FETCH 1:* (FLAGS ENVELOPE)")
		if strings.Contains(out, "desde curl") {
			break
		}
	}
	if !strings.Contains(out, `"desde curl"`) {
		t.Fatalf("Beto's INBOX over IMAP with curl:\n%s\nwant the message sent with curl", out)
	}
	body := mustRun(t, "curl", "-sS", "--url", "imap://"+s.imap+"/INBOX;UID=1", "--user", "beto:naranja")
	if !strings.Contains(body, "Hola, Beto.") || !strings.Contains(body, "Received: from mail.ejemplo.com") {
		t.Errorf("curl reading UID 1:\n%s\nwant the body and the relay's Received: field", body)
	}
	// A wrong password is refused.
	if out, err := exec.Command("curl", "-sS", "--url", "imap://"+s.imap+"/INBOX", "--user", "beto@otro.org:wrong").CombinedOutput(); err == nil {
		t.Errorf("curl with a wrong password succeeded:\n%s", out)
	}
	s.stop(t)

	trace, err := os.ReadFile(s.trace)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"text":"AUTH PLAIN"`, `"kind":"dns"`, `"text":"EHLO mail.ejemplo.com"`, `"live":true`, `"op":"append"`} {
		if !bytes.Contains(trace, []byte(want)) {
			t.Errorf("the trace file lacks %s", want)
		}
	}
}

const pythonClients = `
import imaplib, smtplib, sys
smtp_addr, imap_addr = sys.argv[1], sys.argv[2]
host, port = smtp_addr.rsplit(":", 1)
s = smtplib.SMTP(host, int(port))
s.ehlo("python.example")
try:
    s.sendmail("x@remote.example", ["nadie@otro.org"], "Subject: t\r\n\r\nx")
    print("NO-550")
except smtplib.SMTPRecipientsRefused as e:
    print("refused", e.recipients["nadie@otro.org"][0])
try:
    s.sendmail("x@remote.example", ["someone@elsewhere.example"], "Subject: t\r\n\r\nx")
    print("OPEN-RELAY")
except smtplib.SMTPRecipientsRefused as e:
    print("refused", e.recipients["someone@elsewhere.example"][0])
s.sendmail("x@remote.example", ["carla@ejemplo.com"], "Subject: desde python\r\n\r\nhola")
s.quit()

host, port = imap_addr.rsplit(":", 1)
m = imaplib.IMAP4(host, int(port))
m.login("carla@ejemplo.com", "limon")
typ, data = m.select("INBOX")
print("select", typ, data[0].decode())
typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
print("subject", data[0][1].decode().strip())
m.store("1", "+FLAGS", "\\Seen")
typ, data = m.search(None, "SEEN")
print("seen", data[0].decode())
m.create("Archivo")
typ, data = m.list()
print("list", " ".join(d.decode() for d in data))
m.logout()
`

func TestInteropPython(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is needed for this test (make test installs it)")
	}
	s := startServe(t)
	out := mustRun(t, "python3", "-c", pythonClients, s.smtp, s.imap)
	for _, want := range []string{"refused 550\nrefused 550\n", "select OK 1", "subject Subject: desde python", "seen 1", `"Archivo"`} {
		if !strings.Contains(out, want) {
			t.Errorf("python clients:\n%s\nwant %q", out, want)
		}
	}
	s.stop(t)
	if !strings.Contains(s.out.String(), "Stopped.") {
		t.Errorf("serve's output does not end with Stopped.:\n%s", s.out)
	}
}

// TestCheckInSpanish checks that check and run say what is wrong with a
// lesson file in the language asked for, each problem at its line and
// column.
func TestCheckInSpanish(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mal.yaml")
	lesson := "id: demo\ntitle: {es: \"Hola\"}\nsteps:\n  - say: {es: \"a\", en: \"b\"}\n    do:\n      - wait: {for: 5 minutos}\n"
	if err := os.WriteFile(file, []byte(lesson), 0o644); err != nil {
		t.Fatal(err)
	}
	es := file + ":2:9: falta el texto en inglés (cada texto necesita es y en)\n" +
		file + ":6:21: \"5 minutos\" no es una duración como 90s, 5m, 2h o 3d\n"
	en := file + ":2:9: the English text is missing (every text needs es and en)\n" +
		file + ":6:21: \"5 minutos\" is not a duration such as 90s, 5m, 2h or 3d\n"
	for _, tt := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"check", "--lang", "es", file}, es, 1},
		{[]string{"check", file}, en, 1},
		{[]string{"run", file, "--lang", "es"}, es, 2},
	} {
		_, errs, code := run(t, tt.args...)
		if code != tt.code || errs != tt.want {
			t.Errorf("mailscope %s: exit %d, stderr\n%s\nwant exit %d, stderr\n%s", strings.Join(tt.args, " "), code, errs, tt.code, tt.want)
		}
	}
}
