package smtp_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/message"
	"github.com/mailscope/mailscope/sim/smtp"
)

// anaSends is a submission by ana, authenticated, to the given recipients.
func anaSends(data []byte, to ...string) *smtp.Submission {
	return &smtp.Submission{
		Hello:    deviceName,
		Username: "ana@ejemplo.com",
		Password: "manzana",
		From:     "ana@ejemplo.com",
		To:       to,
		Data:     data,
	}
}

// TestSubmitTranscript is the golden transcript of a submission that is
// delivered on the same server.
func TestSubmitTranscript(t *testing.T) {
	f := newFixture(t)
	data := msg("ana@ejemplo.com", "carla@ejemplo.com", "hola carla")
	got, err := f.submit(ejemploHost, 587, anaSends(data, "carla@ejemplo.com"))
	if err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	want := []string{
		"S: 220 mail.ejemplo.com ESMTP Service Ready",
		"C: EHLO laptop.home.arpa",
		"S: 250-mail.ejemplo.com Hello laptop.home.arpa",
		"S: 250-PIPELINING",
		"S: 250-8BITMIME",
		"S: 250-ENHANCEDSTATUSCODES",
		"S: 250-CHUNKING",
		"S: 250-AUTH PLAIN LOGIN",
		fmt.Sprintf("S: 250-SIZE %d", smtp.DefaultMaxMessageBytes),
		"S: 250 LIMITS RCPTMAX=100",
		"C: AUTH PLAIN " + b64("\x00ana@ejemplo.com\x00manzana"),
		"S: 235 2.0.0 Authentication succeeded",
		fmt.Sprintf("C: MAIL FROM:<ana@ejemplo.com> BODY=8BITMIME SIZE=%d", len(data)),
		"S: 250 2.0.0 Roger, accepting mail from <ana@ejemplo.com>",
		"C: RCPT TO:<carla@ejemplo.com>",
		"S: 250 2.0.0 I'll make sure <carla@ejemplo.com> gets this",
		"C: DATA",
		"S: 354 Go ahead. End your data with <CR><LF>.<CR><LF>",
		"C: From: ana@ejemplo.com",
		"C: To: carla@ejemplo.com",
		"C: Subject: hola carla",
		"C: Date: Mon, 02 Mar 2026 08:59:00 +0100",
		"C: Message-ID: <hola.carla@test>",
		"C: ",
		"C: Hola.",
		"C: .",
		"S: 250 2.0.0 Ok: queued as Q0001",
		"C: QUIT",
		"S: 221 2.0.0 Bye",
	}
	if !slices.Equal(got, want) {
		t.Errorf("transcript:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := f.net.Open(); n != 0 {
		t.Errorf("after Submit, %d connections are open, want 0", n)
	}
}

func TestSubmitDeliversLocally(t *testing.T) {
	f := newFixture(t)
	data := msg("ana@ejemplo.com", "carla@ejemplo.com", "hola carla")
	tr, err := f.submit(ejemploHost, 587, anaSends(data, "carla@ejemplo.com"))
	if err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	if got, want := replyTo(tr, "."), "250 2.0.0 Ok: queued as Q0001"; got != want {
		t.Errorf("reply to the end of DATA = %q, want %q", got, want)
	}
	inbox := f.inbox("carla@ejemplo.com")
	if len(inbox) != 1 {
		t.Fatalf("carla's INBOX holds %d messages, want 1", len(inbox))
	}
	want := "Return-Path: <ana@ejemplo.com>\r\n" +
		"Received: from laptop.home.arpa (laptop.home.arpa [203.0.113.21])\r\n" +
		"\tby mail.ejemplo.com with ESMTPA id Q0001\r\n" +
		"\tfor <carla@ejemplo.com>; " + stamp + "\r\n" +
		string(data)
	if got := string(inbox[0]); got != want {
		t.Errorf("delivered message:\n%q\nwant:\n%q", got, want)
	}
	if n := f.byName[ejemploHost].Queue.Len(); n != 0 {
		t.Errorf("queue of %s holds %d items, want 0", ejemploHost, n)
	}
	if len(f.queuedHosts()) != 0 {
		t.Errorf("Queued was called for %v, want no call", f.queuedHosts())
	}
	appends := f.storeChanges(sim.OpAppend)
	if len(appends) != 1 || appends[0].Account != "carla@ejemplo.com" || appends[0].Msg.Subject != "hola carla" {
		t.Errorf("append changes = %+v, want one for carla@ejemplo.com with subject %q", appends, "hola carla")
	}
}

func TestSubmitQueuesRemote(t *testing.T) {
	f := newFixture(t)
	data := msg("ana@ejemplo.com", "beto@otro.org", "hola beto")
	tr, err := f.submit(ejemploHost, 587, anaSends(data, "beto@otro.org"))
	if err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	if got, want := replyTo(tr, "."), "250 2.0.0 Ok: queued as Q0001"; got != want {
		t.Errorf("reply to the end of DATA = %q, want %q", got, want)
	}
	if got := f.mailboxes(); len(got) != 0 {
		t.Errorf("messages delivered = %v, want none (the message waits in the queue)", got)
	}
	items := f.byName[ejemploHost].Queue.Items()
	if len(items) != 1 {
		t.Fatalf("queue of %s holds %d items, want 1", ejemploHost, len(items))
	}
	it := items[0]
	wantData := "Received: from laptop.home.arpa (laptop.home.arpa [203.0.113.21])\r\n" +
		"\tby mail.ejemplo.com with ESMTPA id Q0001\r\n" +
		"\tfor <beto@otro.org>; " + stamp + "\r\n" +
		string(data)
	if it.ID != "Q0001" || it.From != "ana@ejemplo.com" || !slices.Equal(it.Rcpts, []string{"beto@otro.org"}) || string(it.Data) != wantData {
		t.Errorf("queued item = {%s %s %v %q}, want {Q0001 ana@ejemplo.com [beto@otro.org] %q}", it.ID, it.From, it.Rcpts, it.Data, wantData)
	}
	if n := f.byName[otroHost].Queue.Len(); n != 0 {
		t.Errorf("queue of %s holds %d items, want 0", otroHost, n)
	}
	if want := []string{ejemploHost}; !slices.Equal(f.queuedHosts(), want) {
		t.Errorf("Queued was called for %v, want %v", f.queuedHosts(), want)
	}
	adds := f.storeChanges(sim.OpQueueAdd)
	if len(adds) != 1 {
		t.Fatalf("%d queue changes, want 1", len(adds))
	}
	c := adds[0]
	if c.Host != ejemploHost || c.QueueID != "Q0001" || c.Msg.MailFrom != "ana@ejemplo.com" ||
		!slices.Equal(c.Msg.RcptTo, []string{"beto@otro.org"}) || c.Msg.Subject != "hola beto" || c.Msg.Size != len(wantData) {
		t.Errorf("queue change = %+v %+v, want %s Q0001 ana@ejemplo.com -> [beto@otro.org] %q %d bytes", c, c.Msg, ejemploHost, "hola beto", len(wantData))
	}
}

// TestSubmitMixed sends to a local and a remote recipient: the local one
// gets the message at once, the remote one waits in the queue, under the same
// id.
func TestSubmitMixed(t *testing.T) {
	f := newFixture(t)
	data := msg("ana@ejemplo.com", "carla@ejemplo.com, beto@otro.org", "a los dos")
	if _, err := f.submit(ejemploHost, 587, anaSends(data, "carla@ejemplo.com", "beto@otro.org")); err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	inbox := f.inbox("carla@ejemplo.com")
	if len(inbox) != 1 {
		t.Fatalf("carla's INBOX holds %d messages, want 1", len(inbox))
	}
	received := "Received: from laptop.home.arpa (laptop.home.arpa [203.0.113.21])\r\n" +
		"\tby mail.ejemplo.com with ESMTPA id Q0001; " + stamp + "\r\n"
	if want := "Return-Path: <ana@ejemplo.com>\r\n" + received + string(data); string(inbox[0]) != want {
		t.Errorf("delivered message:\n%q\nwant:\n%q", inbox[0], want)
	}
	if got, want := queuedFor(f.byName[ejemploHost]), [][]string{{"beto@otro.org"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("queued recipients = %v, want %v", got, want)
	}
	if it := f.byName[ejemploHost].Queue.Items()[0]; it.ID != "Q0001" || string(it.Data) != received+string(data) {
		t.Errorf("queued item %s:\n%q\nwant Q0001:\n%q", it.ID, it.Data, received+string(data))
	}
}

// TestSubmitRefused runs submissions that the server refuses, each at the
// command it refuses, and checks that nothing is delivered or queued.
func TestSubmitRefused(t *testing.T) {
	ok := msg("ana@ejemplo.com", "carla@ejemplo.com", "hola")
	tests := []struct {
		name string
		port int
		host string
		sub  smtp.Submission
		at   string // the command refused
		want string // the reply code and enhanced code
	}{
		{
			name: "no AUTH",
			sub:  smtp.Submission{Hello: "x", From: "ana@ejemplo.com", To: []string{"carla@ejemplo.com"}, Data: ok},
			at:   "MAIL FROM:<ana@ejemplo.com>", want: "530 5.7.0",
		},
		{
			name: "wrong password",
			sub:  smtp.Submission{Hello: "x", Username: "ana@ejemplo.com", Password: "pera", From: "ana@ejemplo.com", To: []string{"carla@ejemplo.com"}, Data: ok},
			at:   "AUTH PLAIN", want: "535 5.7.8",
		},
		{
			name: "unknown user",
			sub:  smtp.Submission{Hello: "x", Username: "nadie@ejemplo.com", Password: "manzana", From: "nadie@ejemplo.com", To: []string{"carla@ejemplo.com"}, Data: ok},
			at:   "AUTH PLAIN", want: "535 5.7.8",
		},
		{
			name: "account of the other host",
			sub:  smtp.Submission{Hello: "x", Username: "beto@otro.org", Password: "naranja", From: "beto@otro.org", To: []string{"carla@ejemplo.com"}, Data: ok},
			at:   "AUTH PLAIN", want: "535 5.7.8",
		},
		{
			name: "local part of the other host's account",
			sub:  smtp.Submission{Hello: "x", Username: "beto", Password: "naranja", From: "beto@otro.org", To: []string{"carla@ejemplo.com"}, Data: ok},
			at:   "AUTH PLAIN", want: "535 5.7.8",
		},
		{
			name: "MAIL FROM another local user",
			sub:  smtp.Submission{Hello: "x", Username: "ana@ejemplo.com", Password: "manzana", From: "carla@ejemplo.com", To: []string{"beto@otro.org"}, Data: ok},
			at:   "MAIL FROM:<carla@ejemplo.com>", want: "553 5.7.1",
		},
		{
			name: "MAIL FROM a remote address",
			sub:  smtp.Submission{Hello: "x", Username: "ana@ejemplo.com", Password: "manzana", From: "beto@otro.org", To: []string{"carla@ejemplo.com"}, Data: ok},
			at:   "MAIL FROM:<beto@otro.org>", want: "553 5.7.1",
		},
		{
			name: "unknown local recipient",
			sub:  *anaSends(ok, "carla@ejemplo.com", "nadie@ejemplo.com", "beto@otro.org"),
			at:   "RCPT TO:<nadie@ejemplo.com>", want: "550 5.1.1",
		},
		{
			name: "recipient without a domain",
			sub:  *anaSends(ok, "carla"),
			at:   "RCPT TO:<carla>", want: "501 5.5.2", // go-smtp refuses a path without a domain

		},
		{
			name: "AUTH on port 25",
			port: 25,
			sub:  *anaSends(ok, "carla@ejemplo.com"),
			at:   "EHLO", want: "smtp: the server offers no AUTH",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			port := 587
			if tt.port != 0 {
				port = tt.port
			}
			tr, err := f.submit(ejemploHost, port, &tt.sub)
			if got := smtpCode(err); got != tt.want {
				t.Errorf("Submit = %v (%s), want %s", err, got, tt.want)
			}
			if !strings.HasPrefix(tt.want, "smtp:") {
				if got := replyTo(tr, tt.at); !strings.HasPrefix(got, tt.want+" ") {
					t.Errorf("reply to %s = %q, want %s ...", tt.at, got, tt.want)
				}
			}
			// The refusal ends the transaction: the client quits.
			if last := tr[len(tr)-2:]; !slices.Equal(last, []string{"C: QUIT", "S: 221 2.0.0 Bye"}) {
				t.Errorf("transcript ends with %q, want QUIT and 221", last)
			}
			if slices.Contains(tr, "C: DATA") {
				t.Errorf("transcript has DATA after a refusal:\n%s", strings.Join(tr, "\n"))
			}
			if got := f.mailboxes(); len(got) != 0 {
				t.Errorf("messages delivered = %v, want none", got)
			}
			for name, h := range f.byName {
				if n := h.Queue.Len(); n != 0 {
					t.Errorf("queue of %s holds %d items, want 0", name, n)
				}
			}
		})
	}
}

// TestSubmitOtherHost checks that an account submits through its own
// server, and through the local part of its address.
func TestSubmitOtherHost(t *testing.T) {
	f := newFixture(t)
	for _, user := range []string{"beto@otro.org", "beto", "BETO@OTRO.ORG"} {
		sub := &smtp.Submission{Hello: "x", Username: user, Password: "naranja", From: "beto@otro.org", To: []string{"ana@ejemplo.com"}, Data: msg("beto@otro.org", "ana@ejemplo.com", "hola")}
		if _, err := f.submit(otroHost, 587, sub); err != nil {
			t.Errorf("Submit as %s to %s = %v, want nil", user, otroHost, err)
		}
	}
	if got, want := queuedFor(f.byName[otroHost]), [][]string{{"ana@ejemplo.com"}, {"ana@ejemplo.com"}, {"ana@ejemplo.com"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("queued recipients on %s = %v, want %v", otroHost, got, want)
	}
}

// TestSubmitCompletesHeader checks that the submission server adds the
// Date: and Message-ID: a message lacks, and only those.
func TestSubmitCompletesHeader(t *testing.T) {
	const (
		date  = "Date: Sun, 01 Mar 2026 20:00:00 +0100\r\n"
		msgID = "Message-ID: <abc@laptop>\r\n"
		from  = "From: ana@ejemplo.com\r\nTo: carla@ejemplo.com\r\nSubject: x\r\n"
	)
	// The clock moves on before the submission: the added Date is its time.
	const added = "Date: Mon, 02 Mar 2026 10:30:00 +0100\r\n"
	const addedID = "Message-ID: <Q0001@mail.ejemplo.com>\r\n"
	tests := []struct {
		name, in, want string // want: what precedes the message after Received:
	}{
		{"complete", from + date + msgID + "\r\nHola.\r\n", ""},
		{"no Date", from + msgID + "\r\nHola.\r\n", added},
		{"no Message-ID", from + date + "\r\nHola.\r\n", addedID},
		{"neither", from + "\r\nHola.\r\n", added + addedID},
		{"lower case fields", from + "date: Sun, 01 Mar 2026 20:00:00 +0100\r\nmessage-id: <abc@laptop>\r\n\r\nHola.\r\n", ""},
		{"fields only in the body", from + "\r\n" + date + msgID, added + addedID},
		{"no body", from, added + addedID},
		{"fields named in a folded Subject", "From: ana@ejemplo.com\r\nSubject: cambia la\r\n Date: y el\r\n\tMessage-ID: de la cita\r\n\r\nHola.\r\n", added + addedID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.clock.Advance(90 * time.Minute)
			if _, err := f.submit(ejemploHost, 587, anaSends([]byte(tt.in), "carla@ejemplo.com")); err != nil {
				t.Fatalf("Submit = %v, want nil", err)
			}
			inbox := f.inbox("carla@ejemplo.com")
			if len(inbox) != 1 {
				t.Fatalf("carla's INBOX holds %d messages, want 1", len(inbox))
			}
			got := string(inbox[0])
			prefix := "Return-Path: <ana@ejemplo.com>\r\n" +
				"Received: from laptop.home.arpa (laptop.home.arpa [203.0.113.21])\r\n" +
				"\tby mail.ejemplo.com with ESMTPA id Q0001\r\n" +
				"\tfor <carla@ejemplo.com>; Mon, 02 Mar 2026 10:30:00 +0100\r\n"
			if want := prefix + tt.want + tt.in; got != want {
				t.Errorf("Submit(%q) delivered\n%q\nwant\n%q", tt.in, got, want)
			}
		})
	}
}

// TestReceivedUnknownClient checks the Received: field for a client whose
// address has no PTR record: its HELO name and IP are kept, its host name is
// unknown.
func TestReceivedUnknownClient(t *testing.T) {
	f := newFixture(t)
	sub := anaSends(msg("ana@ejemplo.com", "carla@ejemplo.com", "x"), "carla@ejemplo.com")
	sub.Hello = "[198.51.100.7]"
	if _, err := f.submitFrom("stranger", ejemploHost, 587, sub); err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	inbox := f.inbox("carla@ejemplo.com")
	if len(inbox) != 1 {
		t.Fatalf("carla's INBOX holds %d messages, want 1", len(inbox))
	}
	want := "Received: from [198.51.100.7] (unknown [127.0.0.1])\r\n\tby mail.ejemplo.com with ESMTPA id Q0001\r\n"
	if _, rest, _ := strings.Cut(string(inbox[0]), "\r\n"); !strings.HasPrefix(rest, want) {
		t.Errorf("after Return-Path:\n%q\nwant prefix\n%q", rest, want)
	}
}

// TestSubmitDotStuffing sends lines that begin with a dot: the message
// arrives as it was written.
func TestSubmitDotStuffing(t *testing.T) {
	f := newFixture(t)
	data := []byte("From: ana@ejemplo.com\r\nTo: carla@ejemplo.com\r\nDate: Mon, 02 Mar 2026 08:59:00 +0100\r\nMessage-ID: <dots@test>\r\n\r\n.\r\n..\r\n.hidden\r\nend\r\n")
	tr, err := f.submit(ejemploHost, 587, anaSends(data, "carla@ejemplo.com"))
	if err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	for _, line := range []string{"C: ..", "C: ...", "C: ..hidden"} {
		if !slices.Contains(tr, line) {
			t.Errorf("transcript lacks the dot-stuffed line %q", line)
		}
	}
	inbox := f.inbox("carla@ejemplo.com")
	if len(inbox) != 1 || !strings.HasSuffix(string(inbox[0]), "\r\n"+string(data)) {
		t.Errorf("carla's INBOX = %q, want one message ending with %q", inbox, data)
	}
}

// TestSubmitComposed submits what message.Compose makes of a draft with a
// long paragraph, UTF-8 and an attachment: it arrives intact.
func TestSubmitComposed(t *testing.T) {
	f := newFixture(t)
	draft := &message.Draft{
		From:      message.Address{Name: "Ana Núñez", Address: "ana@ejemplo.com"},
		To:        []message.Address{{Address: "carla@ejemplo.com"}},
		Subject:   "¿Leíste el informe?",
		Date:      sim.Epoch,
		MessageID: "informe@ejemplo.com",
		// A paragraph is one line to an editor; longer than an SMTP
		// server takes (2000 characters) unless it is encoded.
		Text:        strings.Repeat("Un párrafo largo sin saltos de línea. ", 80) + "\n",
		Attachments: []message.Attachment{{Filename: "informe.pdf", ContentType: "application/pdf", Data: []byte(strings.Repeat("%PDF", 600))}},
		Boundary:    "=_mailscope_test",
	}
	data, err := message.Compose(draft)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.submit(ejemploHost, 587, anaSends(data, "carla@ejemplo.com")); err != nil {
		t.Fatalf("Submit of a composed message = %v, want nil", err)
	}
	inbox := f.inbox("carla@ejemplo.com")
	if len(inbox) != 1 || !strings.HasSuffix(string(inbox[0]), "\r\n"+string(data)) {
		t.Fatalf("carla's INBOX holds %d messages, want 1 ending with the composed message", len(inbox))
	}
	info := message.Info(inbox[0])
	if info.Subject != draft.Subject || info.From != "Ana Núñez <ana@ejemplo.com>" || info.MessageID != "informe@ejemplo.com" {
		t.Errorf("Info(delivered) = %+v, want the draft's subject, sender and id", info)
	}
}

// step is one command of a raw session and the reply expected (its last
// line); an empty command only reads a reply.
type step struct{ cmd, want string }

// runSteps runs steps on a new connection to host:port.
func runSteps(t *testing.T, f *fixture, host string, port int, steps []step) *rawConn {
	t.Helper()
	r := f.rawDial(host, port)
	for _, s := range steps {
		var got string
		if s.cmd == "" {
			got = r.reply()
		} else {
			got = r.cmd(s.cmd)
		}
		if got != s.want {
			t.Errorf("%s = %q, want %q", s.cmd, got, s.want)
		}
	}
	return r
}

// TestSubmissionProtocol runs raw sessions on port 587.
func TestSubmissionProtocol(t *testing.T) {
	var (
		ehlo     = step{"EHLO x", "250 LIMITS RCPTMAX=100"}
		auth     = step{authPlain("", "ana@ejemplo.com", "manzana"), "235 2.0.0 Authentication succeeded"}
		mail     = step{"MAIL FROM:<ana@ejemplo.com>", "250 2.0.0 Roger, accepting mail from <ana@ejemplo.com>"}
		rcpt     = step{"RCPT TO:<carla@ejemplo.com>", "250 2.0.0 I'll make sure <carla@ejemplo.com> gets this"}
		authFail = "535 5.7.8 Authentication failed"
	)
	tests := []struct {
		name  string
		steps []step
	}{
		{"MAIL before EHLO", []step{{"MAIL FROM:<ana@ejemplo.com>", "503 5.5.1 Please introduce yourself first."}}},
		{"MAIL before AUTH", []step{ehlo, {"MAIL FROM:<ana@ejemplo.com>", "530 5.7.0 Authentication required"}}},
		{"RCPT before MAIL", []step{ehlo, auth, {"RCPT TO:<carla@ejemplo.com>", "503 5.5.1 Missing MAIL FROM command."}}},
		{"DATA before MAIL", []step{ehlo, auth, {"DATA", "503 5.5.1 Missing RCPT TO command."}}},
		{"DATA before RCPT", []step{ehlo, auth, mail, {"DATA", "503 5.5.1 Missing RCPT TO command."}}},
		{"DATA after a refused RCPT", []step{ehlo, auth, mail,
			{"RCPT TO:<nadie@ejemplo.com>", "550 5.1.1 <nadie@ejemplo.com>: Recipient address rejected: User unknown in local recipient table"},
			{"DATA", "503 5.5.1 Missing RCPT TO command."}}},
		{"AUTH CRAM-MD5", []step{ehlo, {"AUTH CRAM-MD5", "504 5.7.4 Unsupported authentication mechanism"}}},
		{"AUTH LOGIN", []step{ehlo, {"AUTH LOGIN", "334 VXNlcm5hbWU6"}, {b64("ana@ejemplo.com"), "334 UGFzc3dvcmQ6"}, {b64("manzana"), auth.want}, mail}},
		{"AUTH LOGIN with the username", []step{ehlo, {"AUTH LOGIN " + b64("ana@ejemplo.com"), "334 UGFzc3dvcmQ6"}, {b64("manzana"), auth.want}, mail}},
		{"AUTH LOGIN wrong password", []step{ehlo, {"AUTH LOGIN " + b64("ana@ejemplo.com"), "334 UGFzc3dvcmQ6"}, {b64("naranja"), authFail}}},
		{"AUTH without mechanism", []step{ehlo, {"AUTH", "502 5.5.4 Missing parameter"}}},
		{"AUTH bad base64", []step{ehlo, {"AUTH PLAIN !!!", "454 4.7.0 Invalid base64 data"}}},
		{"AUTH twice", []step{ehlo, auth, {authPlain("", "ana@ejemplo.com", "manzana"), "503 5.5.1 Already authenticated"}}},
		{"AUTH after a failure", []step{ehlo, {authPlain("", "ana@ejemplo.com", "naranja"), authFail}, auth, mail}},
		{"AUTH with a challenge", []step{ehlo, {"AUTH PLAIN", "334 "}, {b64("\x00ana@ejemplo.com\x00manzana"), auth.want}, mail}},
		{"AUTH cancelled", []step{ehlo, {"AUTH PLAIN", "334 "}, {"*", "501 5.0.0 Negotiation cancelled"}, {"MAIL FROM:<ana@ejemplo.com>", "530 5.7.0 Authentication required"}}},
		{"AUTH with its own identity", []step{ehlo, {authPlain("ana@ejemplo.com", "ana@ejemplo.com", "manzana"), auth.want}, mail}},
		{"AUTH as another identity", []step{ehlo, {authPlain("carla@ejemplo.com", "ana@ejemplo.com", "manzana"), authFail}}},
		{"AUTH by local part", []step{ehlo, {authPlain("", "ana", "manzana"), auth.want}, mail}},
		{"AUTH other host's account", []step{ehlo, {authPlain("", "beto@otro.org", "naranja"), authFail}}},
		{"MAIL FROM in capitals", []step{ehlo, auth, {"MAIL FROM:<ANA@EJEMPLO.COM>", "250 2.0.0 Roger, accepting mail from <ANA@EJEMPLO.COM>"}}},
		{"MAIL FROM another user", []step{ehlo, {authPlain("", "carla@ejemplo.com", "pera"), auth.want},
			{"MAIL FROM:<ana@ejemplo.com>", "553 5.7.1 <ana@ejemplo.com>: Sender address rejected: not owned by user carla@ejemplo.com"}}},
		{"MAIL FROM null", []step{ehlo, auth, {"MAIL FROM:<>", "553 5.7.1 <>: Sender address rejected: not owned by user ana@ejemplo.com"}}},
		{"RCPT remote", []step{ehlo, auth, mail,
			{"RCPT TO:<beto@otro.org>", "250 2.0.0 I'll make sure <beto@otro.org> gets this"},
			{"RCPT TO:<alguien@fuera.example>", "250 2.0.0 I'll make sure <alguien@fuera.example> gets this"}}},
		{"RCPT local in capitals", []step{ehlo, auth, mail, {"RCPT TO:<CARLA@Ejemplo.COM>", "250 2.0.0 I'll make sure <CARLA@Ejemplo.COM> gets this"}}},
		{"RSET keeps AUTH", []step{ehlo, auth, mail, rcpt, {"RSET", "250 2.0.0 Session reset"}, {"DATA", "503 5.5.1 Missing RCPT TO command."}, mail}},
		{"VRFY", []step{ehlo, {"VRFY ana", "252 2.5.0 Cannot VRFY user, but will accept message"}}},
		{"STARTTLS", []step{ehlo, {"STARTTLS", "502 5.5.1 TLS not supported"}}},
		{"HELO", []step{{"HELO x", "250 2.0.0 mail.ejemplo.com Hello x"}, auth, mail}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := runSteps(t, f, ejemploHost, 587, tt.steps)
			if got, want := r.cmd("QUIT"), "221 2.0.0 Bye"; got != want {
				t.Errorf("QUIT = %q, want %q", got, want)
			}
			if got := f.mailboxes(); len(got) != 0 {
				t.Errorf("messages delivered = %v, want none", got)
			}
		})
	}
}

// TestEHLOExtensions checks what each port advertises: AUTH only on the
// submission port.
func TestEHLOExtensions(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		port int
		want []string
	}{
		{25, []string{"250-mail.otro.org Hello x", "250-PIPELINING", "250-8BITMIME", "250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250-SIZE 10485760", "250 LIMITS RCPTMAX=100"}},
		{587, []string{"250-mail.otro.org Hello x", "250-PIPELINING", "250-8BITMIME", "250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250-AUTH PLAIN LOGIN", "250-SIZE 10485760", "250 LIMITS RCPTMAX=100"}},
	} {
		r := f.rawDial(otroHost, tt.port)
		if got := r.ehlo("x"); !slices.Equal(got, tt.want) {
			t.Errorf("EHLO on port %d = %q, want %q", tt.port, got, tt.want)
		}
		r.cmd("QUIT")
	}
}

// TestGarbageCommands sends commands the server does not know: it answers
// each and keeps serving until the fourth syntax error, then says so and
// closes the connection.
func TestGarbageCommands(t *testing.T) {
	f := newFixture(t)
	r := runSteps(t, f, ejemploHost, 587, []step{
		{"EHLO x", "250 LIMITS RCPTMAX=100"},
		{"FOOD", "500 5.5.2 Syntax errors, FOOD command unrecognized"}, // error 1
		{"NOOP", "250 2.0.0 I have successfully done nothing"},
		{"HELP", "502 5.5.1 HELP command not implemented"}, // not a syntax error
		{"EXPN staff", "502 5.5.1 EXPN command not implemented"},
		{"XY", "501 5.5.2 Bad command"}, // error 2
		{"MAIL", "501 5.5.2 Was expecting MAIL arg syntax of FROM:<address>"},
		{"MAILFROM:<ana@ejemplo.com>", "501 5.5.2 Bad command"}, // error 3
		{authPlain("", "ana@ejemplo.com", "manzana"), "235 2.0.0 Authentication succeeded"},
		{"MAIL FROM:<ana@ejemplo.com>", "250 2.0.0 Roger, accepting mail from <ana@ejemplo.com>"},
	})
	r.send("") // error 4
	if got := r.replyLines(); !slices.Equal(got, []string{"500 5.5.2 Error: bad syntax"}) {
		t.Errorf("empty line = %q, want 500 5.5.2", got)
	}
	if got, want := r.reply(), "500 5.5.1 Too many errors. Quiting now"; got != want {
		t.Errorf("after the fourth error: %q, want %q", got, want)
	}
	if !r.closed() {
		t.Error("the server did not close the connection after too many errors")
	}
}

// TestMessageTooLarge checks the size limit, both announced (SIZE in MAIL)
// and found while reading DATA; the server goes on serving after either.
func TestMessageTooLarge(t *testing.T) {
	const limit = 300
	f := newFixture(t, fixtureOptions{maxBytes: limit})
	fits := msg("ana@ejemplo.com", "carla@ejemplo.com", "cabe")
	big := append(msg("ana@ejemplo.com", "carla@ejemplo.com", "no cabe"), strings.Repeat("relleno relleno\r\n", 20)...)
	if len(fits) > limit || len(big) <= limit {
		t.Fatalf("test messages of %d and %d bytes do not straddle %d", len(fits), len(big), limit)
	}

	r := f.rawDial(ejemploHost, 587)
	if got := r.ehlo("x"); !slices.Contains(got, fmt.Sprintf("250-SIZE %d", limit)) {
		t.Errorf("EHLO = %q, want SIZE %d", got, limit)
	}
	for _, s := range []step{
		{authPlain("", "ana@ejemplo.com", "manzana"), "235 2.0.0 Authentication succeeded"},
		{fmt.Sprintf("MAIL FROM:<ana@ejemplo.com> SIZE=%d", len(big)), "552 5.3.4 Max message size exceeded"},
		{"MAIL FROM:<ana@ejemplo.com>", "250 2.0.0 Roger, accepting mail from <ana@ejemplo.com>"},
		{"RCPT TO:<carla@ejemplo.com>", "250 2.0.0 I'll make sure <carla@ejemplo.com> gets this"},
		{"DATA", "354 Go ahead. End your data with <CR><LF>.<CR><LF>"},
	} {
		if got := r.cmd(s.cmd); got != s.want {
			t.Errorf("%s = %q, want %q", s.cmd, got, s.want)
		}
	}
	if _, err := r.c.Write(append(big, ".\r\n"...)); err != nil {
		t.Fatal(err)
	}
	if got, want := r.reply(), "552 5.3.4 Maximum message size exceeded"; got != want {
		t.Errorf("end of a message of %d bytes = %q, want %q", len(big), got, want)
	}
	// The connection still serves, and a message within the limit passes.
	for _, s := range []step{
		{"NOOP", "250 2.0.0 I have successfully done nothing"},
		{"MAIL FROM:<ana@ejemplo.com>", "250 2.0.0 Roger, accepting mail from <ana@ejemplo.com>"},
		{"RCPT TO:<carla@ejemplo.com>", "250 2.0.0 I'll make sure <carla@ejemplo.com> gets this"},
		{"DATA", "354 Go ahead. End your data with <CR><LF>.<CR><LF>"},
	} {
		if got := r.cmd(s.cmd); got != s.want {
			t.Errorf("%s = %q, want %q", s.cmd, got, s.want)
		}
	}
	if _, err := r.c.Write(append(fits, ".\r\n"...)); err != nil {
		t.Fatal(err)
	}
	if got, want := r.reply(), "250 2.0.0 Ok: queued as Q0001"; got != want {
		t.Errorf("end of a message of %d bytes = %q, want %q", len(fits), got, want)
	}
	r.cmd("QUIT")
	if got, want := f.mailboxes(), map[string]int{"carla@ejemplo.com": 1}; !maps.Equal(got, want) {
		t.Errorf("messages delivered = %v, want %v", got, want)
	}

	// Submit announces the size: the server refuses at MAIL.
	tr, err := f.submit(ejemploHost, 587, anaSends(big, "carla@ejemplo.com"))
	if got := smtpCode(err); got != "552 5.3.4" {
		t.Errorf("Submit of %d bytes = %v, want 552 5.3.4", len(big), err)
	}
	if got := replyTo(tr, "MAIL FROM:"); got != "552 5.3.4 Max message size exceeded" {
		t.Errorf("reply to MAIL = %q, want 552 5.3.4", got)
	}
}

// TestMXDelivers hands a message to the exchanger of otro.org as another
// server does: no AUTH, and it is delivered with Return-Path: and a
// Received: field that says ESMTP.
func TestMXDelivers(t *testing.T) {
	f := newFixture(t)
	data := msg("ana@ejemplo.com", "beto@otro.org", "por el puerto 25")
	sub := &smtp.Submission{Hello: ejemploHost, From: "ana@ejemplo.com", To: []string{"beto@otro.org"}, Data: data}
	tr, err := f.submitFrom(ejemploHost, otroHost, 25, sub)
	if err != nil {
		t.Fatalf("Submit to port 25 = %v, want nil", err)
	}
	if got, want := replyTo(tr, "."), "250 2.0.0 Ok: queued as Q0001"; got != want {
		t.Errorf("reply to the end of DATA = %q, want %q", got, want)
	}
	inbox := f.inbox("beto@otro.org")
	if len(inbox) != 1 {
		t.Fatalf("beto's INBOX holds %d messages, want 1", len(inbox))
	}
	want := "Return-Path: <ana@ejemplo.com>\r\n" +
		"Received: from mail.ejemplo.com (mail.ejemplo.com [192.0.2.10])\r\n" +
		"\tby mail.otro.org with ESMTP id Q0001\r\n" +
		"\tfor <beto@otro.org>; " + stamp + "\r\n" +
		string(data)
	if got := string(inbox[0]); got != want {
		t.Errorf("delivered message:\n%q\nwant:\n%q", got, want)
	}
	for name, h := range f.byName {
		if n := h.Queue.Len(); n != 0 {
			t.Errorf("queue of %s holds %d items, want 0", name, n)
		}
	}
}

// TestMXProtocol runs raw sessions on port 25.
func TestMXProtocol(t *testing.T) {
	ehlo := step{"EHLO mail.ejemplo.com", "250 LIMITS RCPTMAX=100"}
	mail := step{"MAIL FROM:<ana@ejemplo.com>", "250 2.0.0 Roger, accepting mail from <ana@ejemplo.com>"}
	tests := []struct {
		name      string
		steps     []step
		delivered map[string]int
	}{
		{"unknown user", []step{ehlo, mail,
			{"RCPT TO:<nadie@otro.org>", "550 5.1.1 <nadie@otro.org>: Recipient address rejected: User unknown in local recipient table"}}, nil},
		{"no open relay to a domain of the world", []step{ehlo, mail,
			{"RCPT TO:<carla@ejemplo.com>", "550 5.7.1 <carla@ejemplo.com>: Relay access denied"}}, nil},
		{"no open relay", []step{ehlo, mail,
			{"RCPT TO:<alguien@fuera.example>", "550 5.7.1 <alguien@fuera.example>: Relay access denied"}}, nil},
		{"no relay even after AUTH", []step{ehlo,
			{authPlain("", "beto@otro.org", "naranja"), "504 5.7.4 Unsupported authentication mechanism"}, mail,
			{"RCPT TO:<alguien@fuera.example>", "550 5.7.1 <alguien@fuera.example>: Relay access denied"}}, nil},
		{"recipient without a domain", []step{ehlo, mail, {"RCPT TO:<beto>", "501 5.5.2 Was expecting RCPT arg syntax of TO:<address>"}}, nil},
		{"recipient in capitals", []step{ehlo, mail,
			{"RCPT TO:<BETO@Otro.Org>", "250 2.0.0 I'll make sure <BETO@Otro.Org> gets this"},
			{"DATA", "354 Go ahead. End your data with <CR><LF>.<CR><LF>"},
			{"Subject: x\r\n\r\nhola\r\n.", "250 2.0.0 Ok: queued as Q0001"}}, map[string]int{"beto@otro.org": 1}},
		{"a refused recipient among others", []step{ehlo, mail,
			{"RCPT TO:<beto@otro.org>", "250 2.0.0 I'll make sure <beto@otro.org> gets this"},
			{"RCPT TO:<nadie@otro.org>", "550 5.1.1 <nadie@otro.org>: Recipient address rejected: User unknown in local recipient table"},
			{"DATA", "354 Go ahead. End your data with <CR><LF>.<CR><LF>"},
			{"Subject: x\r\n\r\nhola\r\n.", "250 2.0.0 Ok: queued as Q0001"}}, map[string]int{"beto@otro.org": 1}},
		{"null sender (a bounce)", []step{ehlo,
			{"MAIL FROM:<>", "250 2.0.0 Roger, accepting mail from <>"},
			{"RCPT TO:<beto@otro.org>", "250 2.0.0 I'll make sure <beto@otro.org> gets this"},
			{"DATA", "354 Go ahead. End your data with <CR><LF>.<CR><LF>"},
			{"Subject: x\r\n\r\nhola\r\n.", "250 2.0.0 Ok: queued as Q0001"}}, map[string]int{"beto@otro.org": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := runSteps(t, f, otroHost, 25, tt.steps)
			r.cmd("QUIT")
			if got := f.mailboxes(); !maps.Equal(got, tt.delivered) {
				t.Errorf("messages delivered = %v, want %v", got, tt.delivered)
			}
			for name, h := range f.byName {
				if n := h.Queue.Len(); n != 0 {
					t.Errorf("queue of %s holds %d items, want 0 (an MX never relays)", name, n)
				}
			}
		})
	}
}

// TestMXNullSender checks the Return-Path: of a message with the null
// sender.
func TestMXNullSender(t *testing.T) {
	f := newFixture(t)
	sub := &smtp.Submission{Hello: ejemploHost, From: "", To: []string{"beto@otro.org"}, Data: []byte("Subject: rebote\r\n\r\nx\r\n")}
	if _, err := f.submitFrom(ejemploHost, otroHost, 25, sub); err != nil {
		t.Fatalf("Submit = %v, want nil", err)
	}
	inbox := f.inbox("beto@otro.org")
	if len(inbox) != 1 || !strings.HasPrefix(string(inbox[0]), "Return-Path: <>\r\nReceived: from mail.ejemplo.com ") {
		t.Errorf("beto's INBOX = %q, want one message beginning with Return-Path: <>", inbox)
	}
}

// TestFrontDoor checks servers without a Host, which stand for every host
// of the world (live mode): the submission door hands the message to the
// author's host, which delivers what it keeps and queues the rest; the MX
// door delivers to the host of the recipient.
func TestFrontDoor(t *testing.T) {
	f := newFixture(t)
	f.serveConfig("localhost", 587, f.config(nil, smtp.RoleSubmission))
	f.serveConfig("localhost", 25, f.config(nil, smtp.RoleMX))

	// Any account may submit; beto's mail is handled by mail.otro.org.
	sub := &smtp.Submission{Hello: "cliente", Username: "beto@otro.org", Password: "naranja", From: "beto@otro.org",
		To: []string{"ana@ejemplo.com"}, Data: msg("beto@otro.org", "ana@ejemplo.com", "por la puerta")}
	if _, err := f.submit("localhost", 587, sub); err != nil {
		t.Fatalf("Submit as beto to the front door = %v, want nil", err)
	}
	if got, want := queuedFor(f.byName[otroHost]), [][]string{{"ana@ejemplo.com"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("queued on %s = %v, want %v", otroHost, got, want)
	}
	if it := f.byName[otroHost].Queue.Items(); len(it) == 1 && !strings.Contains(string(it[0].Data), "\tby mail.otro.org with ESMTPA id Q0001") {
		t.Errorf("queued message:\n%s\nwant Received: by mail.otro.org with ESMTPA", it[0].Data)
	}
	if got := f.mailboxes(); len(got) != 0 {
		t.Errorf("messages delivered = %v, want none before the relay", got)
	}

	// ana's mail to carla and beto: carla's copy is delivered by
	// mail.ejemplo.com, beto's waits in its queue.
	if _, err := f.submit("localhost", 587, anaSends(msg("ana@ejemplo.com", "carla@ejemplo.com", "x"), "carla@ejemplo.com", "beto@otro.org")); err != nil {
		t.Fatalf("Submit as ana to the front door = %v, want nil", err)
	}
	if got, want := f.mailboxes(), map[string]int{"carla@ejemplo.com": 1}; !maps.Equal(got, want) {
		t.Errorf("messages delivered = %v, want %v", got, want)
	}
	if got, want := queuedFor(f.byName[ejemploHost]), [][]string{{"beto@otro.org"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("queued on %s = %v, want %v", ejemploHost, got, want)
	}
	if want := []string{otroHost, ejemploHost}; !slices.Equal(f.queuedHosts(), want) {
		t.Errorf("Queued was called for %v, want %v", f.queuedHosts(), want)
	}

	// The MX door: delivered by the recipient's host; other domains are
	// refused.
	runSteps(t, f, "localhost", 25, []step{
		{"EHLO fuera.example", "250 LIMITS RCPTMAX=100"},
		{"MAIL FROM:<alguien@fuera.example>", "250 2.0.0 Roger, accepting mail from <alguien@fuera.example>"},
		{"RCPT TO:<beto@otro.org>", "250 2.0.0 I'll make sure <beto@otro.org> gets this"},
		{"RCPT TO:<nadie@otro.org>", "550 5.1.1 <nadie@otro.org>: Recipient address rejected: User unknown in local recipient table"},
		{"RCPT TO:<alguien@fuera.example>", "550 5.7.1 <alguien@fuera.example>: Relay access denied"},
		{"DATA", "354 Go ahead. End your data with <CR><LF>.<CR><LF>"},
		{"Subject: desde fuera\r\n\r\nhola\r\n.", "250 2.0.0 Ok: queued as Q0003"},
		{"QUIT", "221 2.0.0 Bye"},
	})
	inbox := f.inbox("beto@otro.org")
	if len(inbox) != 1 || !strings.Contains(string(inbox[0]), "\tby mail.otro.org with ESMTP id Q0003") {
		t.Errorf("beto's INBOX = %q, want one message received by mail.otro.org", inbox)
	}
}

func TestHostServes(t *testing.T) {
	h := &smtp.Host{Name: ejemploHost, Domains: []string{"ejemplo.com", "ejemplo.net"}}
	for _, tt := range []struct {
		domain string
		want   bool
	}{
		{"ejemplo.com", true},
		{"EJEMPLO.Net", true},
		{"otro.org", false},
		{"mail.ejemplo.com", false},
		{"", false},
	} {
		if got := h.Serves(tt.domain); got != tt.want {
			t.Errorf("Serves(%q) = %v, want %v", tt.domain, got, tt.want)
		}
	}
}

// TestNewServerSettings checks what NewServer sets on the go-smtp server.
func TestNewServerSettings(t *testing.T) {
	h := &smtp.Host{Name: ejemploHost}
	for _, tt := range []struct {
		cfg      smtp.Config
		domain   string
		maxBytes int64
	}{
		{smtp.Config{Host: h, Role: smtp.RoleMX}, ejemploHost, smtp.DefaultMaxMessageBytes},
		{smtp.Config{Host: h, Role: smtp.RoleSubmission, MaxMessageBytes: 1000}, ejemploHost, 1000},
		{smtp.Config{Role: smtp.RoleSubmission}, "localhost", smtp.DefaultMaxMessageBytes},
	} {
		s := smtp.NewServer(tt.cfg)
		if s.Domain != tt.domain || s.MaxMessageBytes != tt.maxBytes || !s.AllowInsecureAuth || s.MaxRecipients != 100 || s.ErrorLog == nil {
			t.Errorf("NewServer(%+v): Domain %q, MaxMessageBytes %d, AllowInsecureAuth %v, MaxRecipients %d, ErrorLog %v; want %q, %d, true, 100, set",
				tt.cfg, s.Domain, s.MaxMessageBytes, s.AllowInsecureAuth, s.MaxRecipients, s.ErrorLog, tt.domain, tt.maxBytes)
		}
	}
}
