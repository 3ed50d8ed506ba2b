package pop3

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

// Lines that bring a session to a state before the command under test.
var preludes = map[string][]string{
	"AUTHORIZATION":   nil,
	"AUTHORIZATION+U": {"USER " + beto},
	"TRANSACTION":     {"USER " + beto, "PASS " + password},
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

const (
	capaAuth  = "+OK Capability list follows\nTOP\nUIDL\nRESP-CODES\nAUTH-RESP-CODE\nPIPELINING\nUSER\nSASL PLAIN LOGIN\nIMPLEMENTATION MailScope\n."
	capaTrans = "+OK Capability list follows\nTOP\nUIDL\nRESP-CODES\nAUTH-RESP-CODE\nPIPELINING\nIMPLEMENTATION MailScope\n."
	notTrans  = " is valid only in the TRANSACTION state (log in first)"
	notAuth   = " is valid only in the AUTHORIZATION state (already logged in)"
	uid1      = "69a5438100000001"
	uid2      = "69a5438100000002"
)

// commandTests is every command in every state, well formed and not. The
// maildrop is the fixture's: message 1 of 29 octets, message 2 of 36.
var commandTests = []struct {
	state string
	in    string
	want  string // the reply's lines, joined by "\n"
}{
	// AUTHORIZATION.
	{"AUTHORIZATION", "CAPA", capaAuth},
	{"AUTHORIZATION", "capa", capaAuth},
	{"AUTHORIZATION", "CAPA TOP", "-ERR CAPA takes no arguments"},
	{"AUTHORIZATION", "USER " + beto, "+OK Send your password with PASS"},
	{"AUTHORIZATION", "user beto", "+OK Send your password with PASS"},
	{"AUTHORIZATION", "USER", "-ERR USER needs a user name"},
	{"AUTHORIZATION", "PASS " + password, "-ERR PASS must come right after USER"},
	{"AUTHORIZATION", "APOP beto 0123456789abcdef0123456789abcdef", "-ERR [AUTH] Authentication failed"},
	{"AUTHORIZATION", "APOP beto", "-ERR APOP needs a name and a digest"},
	{"AUTHORIZATION", "APOP beto xyz", "-ERR The APOP digest must be 32 hexadecimal digits"},
	{"AUTHORIZATION", "AUTH", "+OK Methods supported:\nPLAIN\nLOGIN\n."},
	{"AUTHORIZATION", "AUTH PLAIN " + b64("\x00"+beto+"\x00"+password), "+OK beto@otro.org's maildrop has 2 messages (65 octets)"},
	{"AUTHORIZATION", "AUTH plain " + b64("beto\x00beto\x00"+password), "+OK beto@otro.org's maildrop has 2 messages (65 octets)"},
	{"AUTHORIZATION", "AUTH PLAIN " + b64("ana\x00"+beto+"\x00"+password), "-ERR [AUTH] Authentication failed"},
	{"AUTHORIZATION", "AUTH PLAIN " + b64("\x00"+beto+"\x00limon"), "-ERR [AUTH] Authentication failed"},
	{"AUTHORIZATION", "AUTH PLAIN " + b64("\x00ana@ejemplo.com\x00manzana"), "-ERR [AUTH] Authentication failed"},
	{"AUTHORIZATION", "AUTH PLAIN =", "-ERR [AUTH] Authentication failed"},
	{"AUTHORIZATION", "AUTH PLAIN !!!", "-ERR Invalid base64 data, authentication aborted"},
	{"AUTHORIZATION", "AUTH PLAIN a b", "-ERR AUTH needs a mechanism and at most an initial response"},
	{"AUTHORIZATION", "AUTH PLAIN", "+ "},
	{"AUTHORIZATION", "AUTH LOGIN", "+ " + b64("Username:")},
	{"AUTHORIZATION", "AUTH LOGIN " + b64(beto), "+ " + b64("Password:")},
	{"AUTHORIZATION", "AUTH CRAM-MD5", "-ERR Unsupported authentication mechanism: CRAM-MD5"},
	{"AUTHORIZATION", "STLS", "-ERR Unknown command: STLS"},
	{"AUTHORIZATION", "STAT", "-ERR STAT" + notTrans},
	{"AUTHORIZATION", "LIST", "-ERR LIST" + notTrans},
	{"AUTHORIZATION", "LIST 1", "-ERR LIST" + notTrans},
	{"AUTHORIZATION", "RETR 1", "-ERR RETR" + notTrans},
	{"AUTHORIZATION", "DELE 1", "-ERR DELE" + notTrans},
	{"AUTHORIZATION", "NOOP", "-ERR NOOP" + notTrans},
	{"AUTHORIZATION", "RSET", "-ERR RSET" + notTrans},
	{"AUTHORIZATION", "TOP 1 0", "-ERR TOP" + notTrans},
	{"AUTHORIZATION", "UIDL", "-ERR UIDL" + notTrans},
	{"AUTHORIZATION", "QUIT", "+OK mail.otro.org POP3 server signing off"},
	{"AUTHORIZATION", "QUIT now", "-ERR QUIT takes no arguments"},
	{"AUTHORIZATION", "HELO", "-ERR Unknown command: HELO"},
	{"AUTHORIZATION", "EHLO mail.ejemplo.com", "-ERR Unknown command: EHLO"},
	{"AUTHORIZATION", "A1 LOGIN beto naranja", "-ERR Unknown command: A1"},
	{"AUTHORIZATION", "GET / HTTP/1.1", "-ERR Unknown command: GET"},
	{"AUTHORIZATION", "", "-ERR Empty command line"},
	{"AUTHORIZATION", " USER beto", "-ERR Unknown command"},
	{"AUTHORIZATION", "\x00", "-ERR NUL bytes are not allowed in a command"},
	{"AUTHORIZATION", "US\x00ER beto", "-ERR NUL bytes are not allowed in a command"},
	{"AUTHORIZATION", "\x1b[31mUSER", "-ERR Control characters are not allowed in a command"},
	{"AUTHORIZATION", "ÑOÑO", "-ERR Unknown command"},
	{"AUTHORIZATION", "\xff\xfe\xfd", "-ERR Unknown command"},
	{"AUTHORIZATION", strings.Repeat("A", 300), "-ERR Line too long: a command may have at most 255 octets, CRLF included"},
	{"AUTHORIZATION", "CAPA" + strings.Repeat(" ", 249), capaAuth},                                                                   // 255 octets with CRLF
	{"AUTHORIZATION", "CAPA" + strings.Repeat(" ", 250), "-ERR Line too long: a command may have at most 255 octets, CRLF included"}, // 256

	// AUTHORIZATION, after USER.
	{"AUTHORIZATION+U", "PASS " + password, "+OK beto@otro.org's maildrop has 2 messages (65 octets)"},
	{"AUTHORIZATION+U", "PASS limon", "-ERR [AUTH] Authentication failed"},
	{"AUTHORIZATION+U", "PASS " + password + " ", "-ERR [AUTH] Authentication failed"}, // the space is part of the password
	{"AUTHORIZATION+U", "PASS", "-ERR PASS needs a password"},
	{"AUTHORIZATION+U", "pass " + password, "+OK beto@otro.org's maildrop has 2 messages (65 octets)"},
	{"AUTHORIZATION+U", "USER ana", "+OK Send your password with PASS"},
	{"AUTHORIZATION+U", "QUIT", "+OK mail.otro.org POP3 server signing off"},

	// TRANSACTION.
	{"TRANSACTION", "CAPA", capaTrans},
	{"TRANSACTION", "STAT", "+OK 2 65"},
	{"TRANSACTION", "stat", "+OK 2 65"},
	{"TRANSACTION", "STAT 1", "-ERR STAT takes no arguments"},
	{"TRANSACTION", "LIST", "+OK 2 messages (65 octets)\n1 29\n2 36\n."},
	{"TRANSACTION", "LIST 2", "+OK 2 36"},
	{"TRANSACTION", "LIST  2 ", "+OK 2 36"},
	{"TRANSACTION", "LIST 3", "-ERR no such message, only 2 messages in maildrop"},
	{"TRANSACTION", "LIST 0", "-ERR no such message, only 2 messages in maildrop"},
	{"TRANSACTION", "LIST -1", "-ERR Invalid message number: -1"},
	{"TRANSACTION", "LIST +1", "-ERR Invalid message number: +1"},
	{"TRANSACTION", "LIST one", "-ERR Invalid message number: one"},
	{"TRANSACTION", "LIST 99999999999999999999", "-ERR Invalid message number: 99999999999999999999"},
	{"TRANSACTION", "LIST 1 2", "-ERR LIST takes at most one message number"},
	{"TRANSACTION", "RETR 1", "+OK 29 octets\nSubject: uno\n\nHola, Beto.\n."},
	{"TRANSACTION", "RETR 2", "+OK 36 octets\nSubject: dos\n\n..punto\n...\n..\nfin\n."},
	{"TRANSACTION", "RETR 3", "-ERR no such message, only 2 messages in maildrop"},
	{"TRANSACTION", "RETR", "-ERR RETR needs one message number"},
	{"TRANSACTION", "RETR 1 2", "-ERR RETR needs one message number"},
	{"TRANSACTION", "RETR x", "-ERR Invalid message number: x"},
	{"TRANSACTION", "TOP 2 0", "+OK top of message follows\nSubject: dos\n\n."},
	{"TRANSACTION", "TOP 2 1", "+OK top of message follows\nSubject: dos\n\n..punto\n."},
	{"TRANSACTION", "TOP 2 100", "+OK top of message follows\nSubject: dos\n\n..punto\n...\n..\nfin\n."},
	{"TRANSACTION", "TOP 1", "-ERR TOP needs a message number and a number of lines"},
	{"TRANSACTION", "TOP 1 -1", "-ERR Invalid number of lines: -1"},
	{"TRANSACTION", "TOP 3 0", "-ERR no such message, only 2 messages in maildrop"},
	{"TRANSACTION", "UIDL", "+OK\n1 " + uid1 + "\n2 " + uid2 + "\n."},
	{"TRANSACTION", "UIDL 2", "+OK 2 " + uid2},
	{"TRANSACTION", "UIDL 3", "-ERR no such message, only 2 messages in maildrop"},
	{"TRANSACTION", "UIDL 1 2", "-ERR UIDL takes at most one message number"},
	{"TRANSACTION", "DELE 1", "+OK message 1 deleted"},
	{"TRANSACTION", "DELE", "-ERR DELE needs one message number"},
	{"TRANSACTION", "DELE 3", "-ERR no such message, only 2 messages in maildrop"},
	{"TRANSACTION", "NOOP", "+OK"},
	{"TRANSACTION", "NOOP 1", "-ERR NOOP takes no arguments"},
	{"TRANSACTION", "RSET", "+OK maildrop has 2 messages (65 octets)"},
	{"TRANSACTION", "RSET 1", "-ERR RSET takes no arguments"},
	{"TRANSACTION", "USER " + beto, "-ERR USER" + notAuth},
	{"TRANSACTION", "PASS " + password, "-ERR PASS" + notAuth},
	{"TRANSACTION", "APOP beto 0123456789abcdef0123456789abcdef", "-ERR APOP" + notAuth},
	{"TRANSACTION", "AUTH PLAIN", "-ERR AUTH" + notAuth},
	{"TRANSACTION", "STLS", "-ERR Unknown command: STLS"},
	{"TRANSACTION", "XTND XMIT", "-ERR Unknown command: XTND"},
	{"TRANSACTION", "\x00", "-ERR NUL bytes are not allowed in a command"},
	{"TRANSACTION", strings.Repeat("x", 1000), "-ERR Line too long: a command may have at most 255 octets, CRLF included"},
	{"TRANSACTION", "QUIT", "+OK mail.otro.org POP3 server signing off (2 messages left)"},
}

// TestCommands runs every command of the table on a fresh session.
func TestCommands(t *testing.T) {
	e := fixture(t, Config{})
	for _, tc := range commandTests {
		s := e.dial(t)
		for _, line := range preludes[tc.state] {
			s.must(line, "+OK")
		}
		if got := s.do(tc.in); got != tc.want {
			t.Errorf("%s: %q = %q, want %q", tc.state, tc.in, got, tc.want)
		}
		s.conn.Close()
		e.net.Settle(guard)
	}
	// No command of the table changed the maildrop.
	if _, msgs := e.acct.Maildrop(); len(msgs) != 2 {
		t.Errorf("after the table the INBOX holds %d messages, want 2", len(msgs))
	}
}

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		name string
		args []string
		rest string
		err  string
	}{
		{in: "STAT", name: "STAT"},
		{in: "list 1", name: "LIST", args: []string{"1"}, rest: "1"},
		{in: "TOP  1  0 ", name: "TOP", args: []string{"1", "0"}, rest: " 1  0 "},
		{in: "PASS  con espacios ", name: "PASS", args: []string{"con", "espacios"}, rest: " con espacios "},
		{in: "PASS contraseña", name: "PASS", args: []string{"contraseña"}, rest: "contraseña"},
		{in: "USER\tbeto", err: "-ERR Unknown command"},
		{in: "", err: "-ERR Empty command line"},
		{in: "ST", err: "-ERR Unknown command: ST"},
		{in: "STATS", err: "-ERR Unknown command: STATS"},
		{in: "ST4T", err: "-ERR Unknown command: ST4T"},
		{in: "NOOP\x00", err: "-ERR NUL bytes are not allowed in a command"},
		{in: "NOOP\r", err: "-ERR Control characters are not allowed in a command"},
		{in: "NOOP\x7f", err: "-ERR Control characters are not allowed in a command"},
		{in: strings.Repeat("Z", 17), err: "-ERR Unknown command"},
	} {
		cmd, err := parseCommand([]byte(tc.in))
		switch {
		case tc.err != "":
			if err == nil || err.Reply() != tc.err {
				t.Errorf("parseCommand(%q) = %+v, %v; want error %q", tc.in, cmd, err, tc.err)
			}
		case err != nil:
			t.Errorf("parseCommand(%q): %v", tc.in, err)
		case cmd.Name != tc.name || strings.Join(cmd.Args, "|") != strings.Join(tc.args, "|") || cmd.Rest != tc.rest:
			t.Errorf("parseCommand(%q) = %q %q %q, want %q %q %q", tc.in, cmd.Name, cmd.Args, cmd.Rest, tc.name, tc.args, tc.rest)
		}
	}
}

// FuzzParse checks that no command line makes the parser panic or break
// its promises. Its seeds are the lines of the command table.
func FuzzParse(f *testing.F) {
	for _, tc := range commandTests {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		cmd, err := parseCommand(line)
		if err != nil {
			reply := err.Reply()
			if !strings.HasPrefix(reply, "-ERR ") || len(reply)+2 > 512 || strings.ContainsAny(reply, "\r\n\x00") || !utf8.ValidString(reply) {
				t.Fatalf("parseCommand(%q): bad reply %q", line, reply)
			}
			return
		}
		if !isKeyword(cmd.Name) || strings.ToUpper(cmd.Name) != cmd.Name {
			t.Fatalf("parseCommand(%q): keyword %q", line, cmd.Name)
		}
		// The line is the keyword, then a space and the rest.
		rebuilt := cmd.Name
		if len(line) > len(cmd.Name) {
			rebuilt += " " + cmd.Rest
		}
		if !strings.EqualFold(rebuilt, string(line)) {
			t.Fatalf("parseCommand(%q) = %q %q: does not rebuild the line", line, cmd.Name, cmd.Rest)
		}
		// The arguments are the words of the rest, in order.
		rest := cmd.Rest
		for _, a := range cmd.Args {
			i := strings.Index(rest, a)
			if a == "" || strings.ContainsAny(a, " \x00\r\n") || i < 0 || strings.Trim(rest[:i], " ") != "" {
				t.Fatalf("parseCommand(%q): argument %q in %q", line, a, cmd.Rest)
			}
			rest = rest[i+len(a):]
		}
		if strings.Trim(rest, " ") != "" {
			t.Fatalf("parseCommand(%q): %q left after the arguments %q", line, rest, cmd.Args)
		}
	})
}
