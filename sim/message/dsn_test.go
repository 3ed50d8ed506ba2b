package message_test

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/mailscope/mailscope/sim/message"
)

// original is the message a report returns the header of.
func original(t *testing.T) []byte {
	t.Helper()
	return compose(t, &message.Draft{
		From:      ana,
		To:        []message.Address{{Address: "nadie@otro.org"}},
		Subject:   "¿Cenamos el viernes?",
		Date:      date,
		MessageID: "1@ejemplo.com",
		Text:      "Hola.\nUna línea del cuerpo que no debe volver.\n",
	})
}

func failedDSN(t *testing.T) message.DSN {
	return message.DSN{
		ReportingMTA: "mail.ejemplo.com",
		ArrivalDate:  date,
		Date:         date.Add(2 * time.Second),
		MessageID:    "dsn.1@mail.ejemplo.com",
		From:         "MAILER-DAEMON@mail.ejemplo.com",
		To:           "ana@ejemplo.com",
		Action:       message.ActionFailed,
		Recipients: []message.DSNRecipient{{
			Address:        "nadie@otro.org",
			Status:         "5.1.1",
			DiagnosticCode: "550 5.1.1 <nadie@otro.org>: no such user here",
			RemoteMTA:      "mail.otro.org",
			LastAttempt:    date.Add(time.Second),
		}},
		Original: original(t),
	}
}

// TestBuildDSN parses a report back with go-message and checks what RFC 3464
// and RFC 6522 require: the multipart/report with its report-type, three parts
// in order, the delivery-status fields and the returned header without the body.
func TestBuildDSN(t *testing.T) {
	raw, err := message.BuildDSN(failedDSN(t))
	if err != nil {
		t.Fatalf("BuildDSN = %v", err)
	}
	checkLines(t, raw)
	head, _ := header(raw)
	checkFolded(t, head)

	e, err := gomessage.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("gomessage.Read = %v", err)
	}
	mh := mail.Header{Header: e.Header}
	if got, _ := mh.Subject(); got != "Mensaje no entregado / Undelivered Mail Returned to Sender" {
		t.Errorf("Subject = %q", got)
	}
	if l, err := mh.AddressList("From"); err != nil || len(l) != 1 || l[0].Address != "MAILER-DAEMON@mail.ejemplo.com" {
		t.Errorf("From = %v, %v", l, err)
	}
	if l, err := mh.AddressList("To"); err != nil || len(l) != 1 || l[0].Address != "ana@ejemplo.com" {
		t.Errorf("To = %v, %v", l, err)
	}
	if got := mh.Get("Auto-Submitted"); got != "auto-replied" {
		t.Errorf("Auto-Submitted = %q, want auto-replied", got)
	}
	if got, _ := mh.MessageID(); got != "dsn.1@mail.ejemplo.com" {
		t.Errorf("Message-ID = %q", got)
	}
	mt, params, err := e.Header.ContentType()
	if err != nil || mt != "multipart/report" || params["report-type"] != "delivery-status" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q %v, %v; want multipart/report; report-type=delivery-status; boundary=…", mt, params, err)
	}

	mr := e.MultipartReader()
	var types []string
	var bodies [][]byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextPart = %v", err)
		}
		ct, _, _ := p.Header.ContentType()
		b, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatalf("reading %s: %v", ct, err)
		}
		types = append(types, ct)
		bodies = append(bodies, b)
	}
	want := []string{"text/plain", "message/delivery-status", "text/rfc822-headers"}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Fatalf("parts = %v, want %v", types, want)
	}

	text := string(bodies[0])
	for _, s := range []string{"nadie@otro.org", "550 5.1.1", "No he podido entregar", "I could not deliver"} {
		if !strings.Contains(text, s) {
			t.Errorf("human-readable part lacks %q:\n%s", s, text)
		}
	}
	if strings.Index(text, "No he podido") > strings.Index(text, "I could not") {
		t.Errorf("human-readable part: want Spanish first, then English:\n%s", text)
	}

	// The delivery-status body: a per-message group, a blank line, a
	// per-recipient group (RFC 3464 section 2.1).
	groups := strings.Split(strings.TrimSuffix(string(bodies[1]), "\r\n"), "\r\n\r\n")
	if len(groups) != 2 {
		t.Fatalf("delivery-status has %d groups, want 2:\n%s", len(groups), bodies[1])
	}
	fields := func(g string) map[string]string {
		h, err := textproto.ReadHeader(bufioReader(g + "\r\n\r\n"))
		if err != nil {
			t.Fatalf("reading group %q: %v", g, err)
		}
		m := map[string]string{}
		for f := h.Fields(); f.Next(); {
			m[f.Key()] = f.Value()
		}
		return m
	}
	perMsg := fields(groups[0])
	if perMsg["Reporting-Mta"] != "dns; mail.ejemplo.com" {
		t.Errorf("Reporting-MTA = %q", perMsg["Reporting-Mta"])
	}
	if perMsg["Arrival-Date"] != "Mon, 02 Mar 2026 09:00:00 +0100" {
		t.Errorf("Arrival-Date = %q", perMsg["Arrival-Date"])
	}
	perRcpt := fields(groups[1])
	for k, v := range map[string]string{
		"Final-Recipient":   "rfc822; nadie@otro.org",
		"Action":            "failed",
		"Status":            "5.1.1",
		"Remote-Mta":        "dns; mail.otro.org",
		"Diagnostic-Code":   "smtp; 550 5.1.1 <nadie@otro.org>: no such user here",
		"Last-Attempt-Date": "Mon, 02 Mar 2026 09:00:01 +0100",
	} {
		if perRcpt[k] != v {
			t.Errorf("%s = %q, want %q", k, perRcpt[k], v)
		}
	}
	if _, ok := perRcpt["Will-Retry-Until"]; ok {
		t.Errorf("a failed report has Will-Retry-Until")
	}

	// The returned header is the original header, byte for byte, and not
	// a line of the body.
	orig := original(t)
	origHead, _ := header(orig)
	if string(bodies[2]) != origHead {
		t.Errorf("text/rfc822-headers =\n%q\nwant\n%q", bodies[2], origHead)
	}
	if bytes.Contains(raw, []byte("no debe volver")) {
		t.Errorf("the report returns the body of the original message")
	}

	// The same report gives the same bytes.
	again, _ := message.BuildDSN(failedDSN(t))
	if !bytes.Equal(raw, again) {
		t.Errorf("BuildDSN is not deterministic")
	}
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// TestParseDSN reads back what BuildDSN wrote, for a failed and a delayed
// report with two recipients.
func TestParseDSN(t *testing.T) {
	in := failedDSN(t)
	got, err := message.ParseDSN(mustBuild(t, in))
	if err != nil {
		t.Fatalf("ParseDSN = %v", err)
	}
	if got.ReportingMTA != in.ReportingMTA || !got.ArrivalDate.Equal(in.ArrivalDate) || got.Action != "failed" ||
		got.From != in.From || got.To != in.To || got.MessageID != in.MessageID || !got.Date.Equal(in.Date) {
		t.Errorf("ParseDSN = %+v", got)
	}
	if len(got.Recipients) != 1 {
		t.Fatalf("Recipients = %+v", got.Recipients)
	}
	r := got.Recipients[0]
	want := in.Recipients[0]
	want.Action = "failed"
	if r.Address != want.Address || r.Action != want.Action || r.Status != want.Status ||
		r.DiagnosticCode != want.DiagnosticCode || r.RemoteMTA != want.RemoteMTA || !r.LastAttempt.Equal(want.LastAttempt) {
		t.Errorf("recipient = %+v, want %+v", r, want)
	}
	if !strings.Contains(string(got.Original), "Message-ID: <1@ejemplo.com>") {
		t.Errorf("Original = %q", got.Original)
	}

	delayed := message.DSN{
		ReportingMTA: "mail.ejemplo.com",
		Date:         date.Add(4 * time.Hour),
		From:         "MAILER-DAEMON@mail.ejemplo.com",
		To:           "ana@ejemplo.com",
		Action:       message.ActionDelayed,
		Lang:         "en",
		Recipients: []message.DSNRecipient{
			{Address: "beto@otro.org", Status: "4.3.0", DiagnosticCode: "451 4.3.0 Try again later", RemoteMTA: "mail.otro.org", WillRetryUntil: date.Add(5 * 24 * time.Hour)},
			{Address: "carla@otro.org", Status: "4.4.1", Action: message.ActionDelayed},
		},
	}
	raw := mustBuild(t, delayed)
	if strings.Contains(string(raw), "text/rfc822-headers") {
		t.Errorf("a report without Original has a text/rfc822-headers part")
	}
	if !strings.Contains(string(raw), "Subject: Delayed Mail (still being retried)") || strings.Contains(string(raw), "Todavía") {
		t.Errorf("Lang en: want an English subject and text only:\n%s", raw)
	}
	got, err = message.ParseDSN(raw)
	if err != nil {
		t.Fatalf("ParseDSN(delayed) = %v", err)
	}
	if len(got.Recipients) != 2 || got.Recipients[0].Action != "delayed" || !got.Recipients[0].WillRetryUntil.Equal(date.Add(5*24*time.Hour)) ||
		got.Recipients[1].Status != "4.4.1" {
		t.Errorf("ParseDSN(delayed).Recipients = %+v", got.Recipients)
	}
}

func mustBuild(t *testing.T, d message.DSN) []byte {
	t.Helper()
	raw, err := message.BuildDSN(d)
	if err != nil {
		t.Fatalf("BuildDSN = %v", err)
	}
	return raw
}

// TestBuildDSNErrors: what a report cannot be without.
func TestBuildDSNErrors(t *testing.T) {
	ok := message.DSN{ReportingMTA: "m", From: "a@b", To: "c@d", Action: "failed",
		Recipients: []message.DSNRecipient{{Address: "x@y", Status: "5.1.1"}}}
	for _, tc := range []struct {
		name string
		edit func(*message.DSN)
	}{
		{"no reporting MTA", func(d *message.DSN) { d.ReportingMTA = "" }},
		{"no To", func(d *message.DSN) { d.To = "" }},
		{"no recipients", func(d *message.DSN) { d.Recipients = nil }},
		{"bad status", func(d *message.DSN) { d.Recipients = []message.DSNRecipient{{Address: "x@y", Status: "550"}} }},
		{"class 3", func(d *message.DSN) { d.Recipients = []message.DSNRecipient{{Address: "x@y", Status: "3.1.1"}} }},
		{"bad action", func(d *message.DSN) { d.Action = "bounced" }},
	} {
		d := ok
		tc.edit(&d)
		if _, err := message.BuildDSN(d); err == nil {
			t.Errorf("%s: BuildDSN = nil error", tc.name)
		}
	}
	if _, err := message.BuildDSN(ok); err != nil {
		t.Errorf("BuildDSN(ok) = %v", err)
	}
}

// TestParseDSNNotAReport: ParseDSN refuses what is not a delivery status
// notification, and does not panic on garbage.
func TestParseDSNNotAReport(t *testing.T) {
	for _, raw := range []string{
		"",
		"garbage",
		"Subject: hi\r\n\r\nbody\r\n",
		"Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n\r\n--b--\r\n",
	} {
		if _, err := message.ParseDSN([]byte(raw)); err == nil {
			t.Errorf("ParseDSN(%q) = nil error", raw)
		}
	}
}
