package message_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/message"
)

var (
	ana   = message.Address{Name: "Ana", Address: "ana@ejemplo.com"}
	beto  = message.Address{Name: "Beto", Address: "beto@otro.org"}
	carla = message.Address{Address: "carla@ejemplo.com"}
	date  = sim.Epoch // Mon, 02 Mar 2026 09:00:00 +0100
)

// compose composes d and fails the test on an error.
func compose(t *testing.T, d *message.Draft) []byte {
	t.Helper()
	raw, err := message.Compose(d)
	if err != nil {
		t.Fatalf("Compose(%+v) = %v", d, err)
	}
	return raw
}

// header returns the header of raw, up to the blank line, and its body.
func header(raw []byte) (head, body string) {
	head, body, _ = strings.Cut(string(raw), "\r\n\r\n")
	return head + "\r\n", body
}

// fieldNames returns the names of the header fields, in order.
func fieldNames(head string) []string {
	var names []string
	for _, line := range strings.Split(strings.TrimSuffix(head, "\r\n"), "\r\n") {
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		k, _, _ := strings.Cut(line, ":")
		names = append(names, k)
	}
	return names
}

// checkLines checks that raw uses CRLF and nothing else as line ending and
// keeps lines within what RFC 5322 allows.
func checkLines(t *testing.T, raw []byte) {
	t.Helper()
	s := string(raw)
	if !strings.HasSuffix(s, "\r\n") {
		t.Errorf("message does not end with CRLF: %q", s[max(0, len(s)-20):])
	}
	for i := range len(s) {
		switch {
		case s[i] == '\n' && (i == 0 || s[i-1] != '\r'):
			t.Errorf("bare LF at offset %d: %q", i, s[max(0, i-20):i+1])
			return
		case s[i] == '\r' && (i+1 == len(s) || s[i+1] != '\n'):
			t.Errorf("bare CR at offset %d: %q", i, s[max(0, i-20):min(len(s), i+2)])
			return
		}
	}
	for _, line := range strings.Split(s, "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d characters: %q...", len(line), line[:40])
		}
	}
}

// checkFolded checks that no header line is longer than 78 characters
// unless it holds a single word that cannot be folded.
func checkFolded(t *testing.T, head string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(head, "\r\n"), "\r\n") {
		if len(line) <= 78 {
			continue
		}
		rest := line
		if line[0] != ' ' && line[0] != '\t' {
			_, rest, _ = strings.Cut(line, ":")
		}
		if len(strings.Fields(rest)) > 1 {
			t.Errorf("header line of %d characters could be folded: %q", len(line), line)
		}
	}
}

// fieldLines returns how many lines the field named key takes in head.
func fieldLines(head, key string) int {
	n := 0
	for _, line := range strings.Split(head, "\r\n") {
		switch {
		case strings.HasPrefix(line, key+": "):
			n = 1
		case n > 0 && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")):
			n++
		case n > 0:
			return n
		}
	}
	return n
}

// readBody returns the decoded text of a single-part message.
func readBody(t *testing.T, raw []byte) string {
	t.Helper()
	e, err := gomessage.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("reading the message: %v", err)
	}
	b, err := io.ReadAll(e.Body)
	if err != nil {
		t.Fatalf("decoding the body: %v", err)
	}
	return string(b)
}

// TestComposeGolden compares whole messages with what they must be.
func TestComposeGolden(t *testing.T) {
	tests := []struct {
		name  string
		draft message.Draft
		want  string
	}{
		{
			name: "ASCII",
			draft: message.Draft{
				From: ana, To: []message.Address{beto}, Subject: "Hola", Date: date, MessageID: "m1@ejemplo.com",
				Text: "Hola Beto.\nHasta luego.",
			},
			want: "From: \"Ana\" <ana@ejemplo.com>\r\n" +
				"To: \"Beto\" <beto@otro.org>\r\n" +
				"Subject: Hola\r\n" +
				"Date: Mon, 02 Mar 2026 09:00:00 +0100\r\n" +
				"Message-ID: <m1@ejemplo.com>\r\n" +
				"MIME-Version: 1.0\r\n" +
				"Content-Type: text/plain; charset=utf-8\r\n" +
				"Content-Transfer-Encoding: 7bit\r\n" +
				"\r\n" +
				"Hola Beto.\r\n" +
				"Hasta luego.\r\n",
		},
		{
			name: "UTF-8",
			draft: message.Draft{
				From: message.Address{Name: "Ana Núñez", Address: "ana@ejemplo.com"}, To: []message.Address{beto}, Cc: []message.Address{carla},
				Subject: "¿Café?", Date: date, MessageID: "m2@ejemplo.com",
				Text: "¿Un café a las 10?\r\nSí = sí.\n",
			},
			want: "From: =?utf-8?q?Ana_N=C3=BA=C3=B1ez?= <ana@ejemplo.com>\r\n" +
				"To: \"Beto\" <beto@otro.org>\r\n" +
				"Cc: <carla@ejemplo.com>\r\n" +
				"Subject: =?utf-8?q?=C2=BFCaf=C3=A9=3F?=\r\n" +
				"Date: Mon, 02 Mar 2026 09:00:00 +0100\r\n" +
				"Message-ID: <m2@ejemplo.com>\r\n" +
				"MIME-Version: 1.0\r\n" +
				"Content-Type: text/plain; charset=utf-8\r\n" +
				"Content-Transfer-Encoding: quoted-printable\r\n" +
				"\r\n" +
				"=C2=BFUn caf=C3=A9 a las 10?\r\n" +
				"S=C3=AD =3D s=C3=AD.\r\n",
		},
		{
			name: "attachments",
			draft: message.Draft{
				From: ana, To: []message.Address{beto}, Subject: "Fotos", Date: date, MessageID: "m3@ejemplo.com",
				Text: "Ahí van.",
				Attachments: []message.Attachment{
					{Filename: "foto.jpg", ContentType: "image/jpeg", Data: []byte("\xff\xd8\xff\xe0JFIF")},
					{Filename: "notas.txt", Data: []byte("uno\ndos\n")},
				},
				Boundary: "=_mailscope_0123456789abcdef",
			},
			want: "From: \"Ana\" <ana@ejemplo.com>\r\n" +
				"To: \"Beto\" <beto@otro.org>\r\n" +
				"Subject: Fotos\r\n" +
				"Date: Mon, 02 Mar 2026 09:00:00 +0100\r\n" +
				"Message-ID: <m3@ejemplo.com>\r\n" +
				"MIME-Version: 1.0\r\n" +
				"Content-Type: multipart/mixed; boundary=\"=_mailscope_0123456789abcdef\"\r\n" +
				"\r\n" +
				"--=_mailscope_0123456789abcdef\r\n" +
				"Content-Type: text/plain; charset=utf-8\r\n" +
				"Content-Transfer-Encoding: quoted-printable\r\n" +
				"\r\n" +
				"Ah=C3=AD van.\r\n" +
				"\r\n" +
				"--=_mailscope_0123456789abcdef\r\n" +
				"Content-Type: image/jpeg; name=foto.jpg\r\n" +
				"Content-Disposition: attachment; filename=foto.jpg\r\n" +
				"Content-Transfer-Encoding: base64\r\n" +
				"\r\n" +
				"/9j/4EpGSUY=\r\n" +
				"--=_mailscope_0123456789abcdef\r\n" +
				"Content-Type: application/octet-stream; name=notas.txt\r\n" +
				"Content-Disposition: attachment; filename=notas.txt\r\n" +
				"Content-Transfer-Encoding: base64\r\n" +
				"\r\n" +
				"dW5vCmRvcwo=\r\n" +
				"--=_mailscope_0123456789abcdef--\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := compose(t, &tt.draft)
			if string(got) != tt.want {
				t.Errorf("Compose(%s) =\n%s\nwant\n%s", tt.name, got, tt.want)
			}
			again := compose(t, &tt.draft)
			if !bytes.Equal(got, again) {
				t.Errorf("Compose(%s) twice gave different bytes:\n%q\n%q", tt.name, got, again)
			}
			checkLines(t, got)
		})
	}
}

// TestComposeHeaderOrder checks the fields and their order, with the
// optional ones present or not.
func TestComposeHeaderOrder(t *testing.T) {
	full := []string{"From", "To", "Cc", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"}
	without := func(drop ...string) []string {
		var out []string
		for _, f := range full {
			if !strings.Contains(" "+strings.Join(drop, " ")+" ", " "+f+" ") {
				out = append(out, f)
			}
		}
		return out
	}
	tests := []struct {
		name  string
		draft message.Draft
		want  []string
	}{
		{"all", message.Draft{From: ana, To: []message.Address{beto}, Cc: []message.Address{carla}, Subject: "s", Date: date, MessageID: "id@x"}, full},
		{"no Cc", message.Draft{From: ana, To: []message.Address{beto}, Subject: "s", Date: date, MessageID: "id@x"}, without("Cc")},
		{"no Subject", message.Draft{From: ana, To: []message.Address{beto}, Date: date, MessageID: "id@x"}, without("Cc", "Subject")},
		{"no Date", message.Draft{From: ana, To: []message.Address{beto}, Subject: "s", MessageID: "id@x"}, without("Cc", "Date")},
		{"no Message-ID", message.Draft{From: ana, To: []message.Address{beto}, Subject: "s", Date: date}, without("Cc", "Message-ID")},
		{"attachments", message.Draft{From: ana, To: []message.Address{beto}, Subject: "s", Date: date, MessageID: "id@x",
			Attachments: []message.Attachment{{Filename: "a", Data: []byte("a")}}, Boundary: "b"}, without("Cc", "Content-Transfer-Encoding")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, _ := header(compose(t, &tt.draft))
			if got := fieldNames(head); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("Compose(%s) fields = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

// TestComposeEncodedWords checks subjects and names: plain ASCII stays as
// it is, anything else becomes RFC 2047 encoded words, and Info reads back
// what was written.
func TestComposeEncodedWords(t *testing.T) {
	tests := []struct {
		subject, name string
		plain         bool // whether the subject stays unencoded
	}{
		{"Hola", "Ana", true},
		{"Re: [lista] ¿Qué tal?", "Ana María", false},
		{"Résumé", "José Pérez", false},
		{"日本語のテスト", "山田太郎", false},
		{"emoji 🎉 fiesta", "Zoë", false},
		{"tabs\tand  spaces", "O'Brien, Pat", true},
		{"¿" + strings.Repeat("Vamos al cine mañana por la tarde? ", 4), strings.Repeat("Ñ", 40), false},
		{strings.Repeat("palabra ", 30), "Ana", true},
	}
	for _, tt := range tests {
		d := &message.Draft{From: message.Address{Name: tt.name, Address: "ana@ejemplo.com"}, To: []message.Address{beto, carla}, Subject: tt.subject, Date: date}
		raw := compose(t, d)
		head, _ := header(raw)
		if !utf8.ValidString(tt.subject) {
			t.Fatalf("bad test subject %q", tt.subject)
		}
		for i := range len(head) {
			if head[i] >= 0x80 {
				t.Errorf("Compose(subject %q, name %q): the header has a byte 0x%x at %d, want ASCII only", tt.subject, tt.name, head[i], i)
				break
			}
		}
		plain := strings.Contains(head, "\r\nSubject: "+strings.Fields(tt.subject)[0])
		if plain != tt.plain {
			t.Errorf("Compose(subject %q): plain = %v, want %v\n%s", tt.subject, plain, tt.plain, head)
		}
		if !tt.plain && !strings.Contains(head, "Subject: =?utf-8?") {
			t.Errorf("Compose(subject %q): no encoded word in\n%s", tt.subject, head)
		}
		checkFolded(t, head)
		info := message.Info(raw)
		if want := strings.TrimSpace(tt.subject); strings.TrimSpace(info.Subject) != want {
			t.Errorf("Info(Compose(subject %q)).Subject = %q, want %q", tt.subject, info.Subject, want)
		}
		wantFrom := tt.name + " <ana@ejemplo.com>"
		if info.From != wantFrom {
			t.Errorf("Info(Compose(name %q)).From = %q, want %q", tt.name, info.From, wantFrom)
		}
		if want := "Beto <beto@otro.org>, carla@ejemplo.com"; info.To != want {
			t.Errorf("Info(Compose(...)).To = %q, want %q", info.To, want)
		}
	}
}

// TestComposeFolding checks that long fields are folded at spaces to lines
// of at most 78 characters, that a word too long for that has a line of its
// own, and that they unfold to what they were.
func TestComposeFolding(t *testing.T) {
	long := strings.Repeat("x", 90)
	var many []message.Address
	for _, n := range []string{"Ana", "Beto", "Carla", "Daniel", "Elena", "Fernando", "Gloria", "Héctor", "Inés", "Juan"} {
		many = append(many, message.Address{Name: n + " Apellido", Address: strings.ToLower(n[:1]) + "@ejemplo.com"})
	}
	tests := []struct {
		name  string
		draft message.Draft
		lines int // how many lines the field under test takes
		field string
	}{
		{"ASCII subject", message.Draft{Subject: strings.TrimSpace(strings.Repeat("una palabra ", 20))}, 4, "Subject"},
		{"UTF-8 subject", message.Draft{Subject: strings.TrimSpace(strings.Repeat("¿Quedamos mañana? ", 8))}, 4, "Subject"},
		{"a long word first", message.Draft{Subject: long + " y " + strings.TrimSpace(strings.Repeat("más ", 30))}, 6, "Subject"},
		{"a long ASCII word first", message.Draft{Subject: long + " y " + strings.TrimSpace(strings.Repeat("mas ", 30))}, 3, "Subject"},
		{"a long word inside", message.Draft{Subject: "ver " + long + " " + strings.TrimSpace(strings.Repeat("y otra ", 15))}, 4, "Subject"},
		{"a long word at the end", message.Draft{Subject: "ver " + long}, 2, "Subject"},
		{"only a long word", message.Draft{Subject: long + long}, 1, "Subject"},
		{"many recipients", message.Draft{To: many}, 6, "To"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.draft
			d.From, d.Date = ana, date
			if d.To == nil {
				d.To = []message.Address{beto}
			}
			raw := compose(t, &d)
			head, _ := header(raw)
			checkFolded(t, head)
			checkLines(t, raw)
			if n := fieldLines(head, tt.field); n != tt.lines {
				t.Errorf("%s takes %d lines, want %d:\n%s", tt.field, n, tt.lines, head)
			}
			info := message.Info(raw)
			switch tt.field {
			case "Subject":
				if info.Subject != d.Subject {
					t.Errorf("Info(...).Subject = %q, want %q", info.Subject, d.Subject)
				}
			case "To":
				var want []string
				for _, a := range d.To {
					want = append(want, a.String())
				}
				if info.To != strings.Join(want, ", ") {
					t.Errorf("Info(...).To = %q, want %q", info.To, strings.Join(want, ", "))
				}
			}
		})
	}
}

// TestComposeBody checks the transfer encoding of text bodies and that
// they decode to the text with CRLF line endings.
func TestComposeBody(t *testing.T) {
	long := strings.Repeat("0123456789", 120) // longer than a line may be
	tests := []struct {
		text, cte, decoded string
	}{
		{"", "7bit", ""},
		{"hola", "7bit", "hola\r\n"},
		{"hola\n", "7bit", "hola\r\n"},
		{"a\nb\r\nc\rd", "7bit", "a\r\nb\r\nc\r\nd\r\n"},
		{".\n..\nfin", "7bit", ".\r\n..\r\nfin\r\n"},
		{"\n\n", "7bit", "\r\n\r\n"},
		{"año", "quoted-printable", "año\r\n"},
		{"línea uno\nlínea dos\n", "quoted-printable", "línea uno\r\nlínea dos\r\n"},
		{"= sign and é", "quoted-printable", "= sign and é\r\n"},
		{strings.Repeat("ñ", 200), "quoted-printable", strings.Repeat("ñ", 200) + "\r\n"},
		{long, "quoted-printable", long + "\r\n"},
		{"corta\n" + long + "\n", "quoted-printable", "corta\r\n" + long + "\r\n"},
		{strings.Repeat("x", 998), "7bit", strings.Repeat("x", 998) + "\r\n"},
	}
	for _, tt := range tests {
		raw := compose(t, &message.Draft{From: ana, To: []message.Address{beto}, Date: date, Text: tt.text})
		short := tt.text[:min(len(tt.text), 30)]
		head, _ := header(raw)
		if want := "\r\nContent-Transfer-Encoding: " + tt.cte + "\r\n"; !strings.Contains(head, want) {
			t.Errorf("Compose(text %q) header:\n%s\nwant %s", short, head, strings.TrimSpace(want))
		}
		checkLines(t, raw)
		if got := readBody(t, raw); got != tt.decoded {
			t.Errorf("Compose(text %q) decodes to %q, want %q", short, got, tt.decoded)
		}
	}
}

// TestComposeAttachments reads back a composed multipart message with
// go-message.
func TestComposeAttachments(t *testing.T) {
	bin := make([]byte, 1000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	atts := []message.Attachment{
		{Filename: "datos.bin", Data: bin},
		{Filename: "informe final.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4")},
		{Filename: "año.txt", ContentType: "text/plain", Data: []byte("texto\n")},
		{Filename: "vacío", Data: nil},
	}
	const boundary = "=_mailscope_fedcba9876543210"
	d := &message.Draft{From: ana, To: []message.Address{beto}, Subject: "adjuntos", Date: date, Text: "Mira.\n", Attachments: atts, Boundary: boundary}
	raw := compose(t, d)
	checkLines(t, raw)
	head, body := header(raw)
	if want := "\r\nContent-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n"; !strings.Contains(head, want) {
		t.Errorf("header:\n%s\nwant %s", head, strings.TrimSpace(want))
	}
	if n := strings.Count(body, "--"+boundary+"\r\n"); n != len(atts)+1 {
		t.Errorf("the body has %d boundary lines, want %d", n, len(atts)+1)
	}
	if !strings.HasSuffix(body, "\r\n--"+boundary+"--\r\n") {
		t.Errorf("the body does not end with the closing boundary: %q", body[max(0, len(body)-60):])
	}
	for _, line := range strings.Split(body, "\r\n") {
		if len(line) > 76 {
			t.Errorf("body line of %d characters: %q", len(line), line)
		}
	}

	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail.CreateReader: %v", err)
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatalf("first part: %v", err)
	}
	if h, ok := p.Header.(*mail.InlineHeader); !ok {
		t.Errorf("first part is %T, want the text inline", p.Header)
	} else if ct, _, _ := h.ContentType(); ct != "text/plain" {
		t.Errorf("first part's Content-Type = %q, want text/plain", ct)
	}
	if b, _ := io.ReadAll(p.Body); string(b) != "Mira.\r\n" {
		t.Errorf("text = %q, want %q", b, "Mira.\r\n")
	}
	for i, want := range atts {
		p, err := r.NextPart()
		if err != nil {
			t.Fatalf("attachment %d: %v", i, err)
		}
		h, ok := p.Header.(*mail.AttachmentHeader)
		if !ok {
			t.Errorf("attachment %d is %T, want an attachment", i, p.Header)
			continue
		}
		wantCT := want.ContentType
		if wantCT == "" {
			wantCT = "application/octet-stream"
		}
		name, _ := h.Filename()
		ct, params, _ := h.ContentType()
		if name != want.Filename || ct != wantCT || params["name"] != want.Filename || h.Get("Content-Transfer-Encoding") != "base64" {
			t.Errorf("attachment %d: filename %q, type %q %v, encoding %q; want %q, %q, base64",
				i, name, ct, params, h.Get("Content-Transfer-Encoding"), want.Filename, wantCT)
		}
		if b, err := io.ReadAll(p.Body); err != nil || !bytes.Equal(b, want.Data) {
			t.Errorf("attachment %d decodes to %d bytes (%v), want %d", i, len(b), err, len(want.Data))
		}
	}
	if _, err := r.NextPart(); err != io.EOF {
		t.Errorf("after the attachments NextPart = %v, want EOF", err)
	}
	if again := compose(t, d); !bytes.Equal(raw, again) {
		t.Error("Compose gave different bytes for the same draft")
	}
}

func TestComposeErrors(t *testing.T) {
	tests := []struct {
		name  string
		draft message.Draft
	}{
		{"no sender", message.Draft{To: []message.Address{beto}}},
		{"sender without address", message.Draft{From: message.Address{Name: "Ana"}, To: []message.Address{beto}}},
		{"no recipient", message.Draft{From: ana}},
		{"empty recipient list", message.Draft{From: ana, To: []message.Address{}}},
		{"attachments without boundary", message.Draft{From: ana, To: []message.Address{beto}, Attachments: []message.Attachment{{Filename: "a", Data: []byte("a")}}}},
	}
	for _, tt := range tests {
		raw, err := message.Compose(&tt.draft)
		if err == nil || raw != nil || !strings.HasPrefix(err.Error(), "message: ") {
			t.Errorf("Compose(%s) = %q, %v; want nil and a message: error", tt.name, raw, err)
		}
	}
}

// infoTests are messages and what Info reads from them; they also seed
// FuzzInfo.
var infoTests = []struct {
	name string
	raw  string
	want sim.MsgInfo // Size is checked apart
}{
	{"complete", "From: \"Ana\" <ana@ejemplo.com>\r\nTo: Beto <beto@otro.org>, carla@ejemplo.com\r\nSubject: Hola\r\nMessage-ID: <m1@ejemplo.com>\r\n\r\nHola.\r\n",
		sim.MsgInfo{From: "Ana <ana@ejemplo.com>", To: "Beto <beto@otro.org>, carla@ejemplo.com", Subject: "Hola", MessageID: "m1@ejemplo.com"}},
	{"encoded words", "From: =?utf-8?q?Ana_N=C3=BA=C3=B1ez?= <ana@ejemplo.com>\r\nSubject: =?utf-8?q?=C2=BFCaf=C3=A9=3F?=\r\n\r\n",
		sim.MsgInfo{From: "Ana Núñez <ana@ejemplo.com>", Subject: "¿Café?"}},
	{"Latin-1", "Subject: =?iso-8859-1?q?caf=E9?=\r\n\r\n", sim.MsgInfo{Subject: "café"}},
	{"folded", "Subject: una\r\n dos\r\n\ttres\r\nTo: a@b,\r\n c@d\r\n\r\n", sim.MsgInfo{Subject: "una dos tres", To: "a@b, c@d"}},
	{"LF only", "Subject: x\nFrom: a@b\n\nbody\n", sim.MsgInfo{Subject: "x", From: "a@b"}},
	{"header only", "Subject: solo\r\n", sim.MsgInfo{Subject: "solo"}},
	{"no header", "\r\nbody\r\n", sim.MsgInfo{}},
	{"empty", "", sim.MsgInfo{}},
	{"bad address", "From: garbage <<<\r\nTo: ,,,\r\n\r\n", sim.MsgInfo{From: "garbage <<<", To: ",,,"}},
	{"bad encoded word", "Subject: =?bogus?q?x?=\r\n\r\n", sim.MsgInfo{Subject: "=?bogus?q?x?="}},
	{"bad Message-ID", "Message-ID: not an id\r\nSubject: s\r\n\r\n", sim.MsgInfo{Subject: "s"}},
	{"no colon", "no colon here\r\nSubject: x\r\n\r\n", sim.MsgInfo{}},
	{"continuation first", " leading\r\nSubject: y\r\n\r\n", sim.MsgInfo{}},
	{"binary", "\x00\xff\xfe\r\n\r\n", sim.MsgInfo{}},
	{"8-bit header", "Subject: café\r\nFrom: José <jose@ejemplo.com>\r\n\r\n", sim.MsgInfo{Subject: "café", From: "José <jose@ejemplo.com>"}},
	{"long line", "Subject: " + strings.Repeat("x", 5000) + "\r\n\r\n", sim.MsgInfo{Subject: strings.Repeat("x", 5000)}},
	{"repeated field", "Subject: uno\r\nSubject: dos\r\n\r\n", sim.MsgInfo{Subject: "uno"}},
	{"no end of header", "Subject: x\r\nFrom: a@b", sim.MsgInfo{Subject: "x", From: "a@b"}},
}

func TestInfo(t *testing.T) {
	for _, tt := range infoTests {
		got := message.Info([]byte(tt.raw))
		want := tt.want
		want.Size = len(tt.raw)
		if got.Size != want.Size || got.From != want.From || got.To != want.To || got.Subject != want.Subject ||
			got.MessageID != want.MessageID || !got.Date.IsZero() || got.MailFrom != "" || got.RcptTo != nil {
			t.Errorf("Info(%s) = %+v, want %+v", tt.name, got, want)
		}
	}
}

func TestPrepend(t *testing.T) {
	tests := []struct {
		raw, key, value, want string
	}{
		{"Subject: x\r\n\r\nbody\r\n", "Return-Path", "<ana@ejemplo.com>", "Return-Path: <ana@ejemplo.com>\r\nSubject: x\r\n\r\nbody\r\n"},
		{"Subject: x\r\n\r\n", "Received", "from a (b [1.2.3.4])\r\n\tby c with ESMTP id Q1; Mon, 02 Mar 2026 09:00:00 +0100",
			"Received: from a (b [1.2.3.4])\r\n\tby c with ESMTP id Q1; Mon, 02 Mar 2026 09:00:00 +0100\r\nSubject: x\r\n\r\n"},
		{"", "X-Weird-CASE", "", "X-Weird-CASE: \r\n"},
		{"garbage", "Return-Path", "<>", "Return-Path: <>\r\ngarbage"},
	}
	for _, tt := range tests {
		raw := []byte(tt.raw)
		got := message.Prepend(raw, tt.key, tt.value)
		if string(got) != tt.want {
			t.Errorf("Prepend(%q, %q, %q) = %q, want %q", tt.raw, tt.key, tt.value, got, tt.want)
		}
		if string(raw) != tt.raw {
			t.Errorf("Prepend changed its input to %q", raw)
		}
	}
	// Prepended twice, the last one comes first, as servers stack
	// Received: fields.
	raw := message.Prepend(message.Prepend([]byte("Subject: s\r\n\r\n"), "Received", "first"), "Received", "second")
	if want := "Received: second\r\nReceived: first\r\nSubject: s\r\n\r\n"; string(raw) != want {
		t.Errorf("two Prepends = %q, want %q", raw, want)
	}
	if info := message.Info(raw); info.Subject != "s" {
		t.Errorf("Info after Prepend: Subject = %q, want s", info.Subject)
	}
}

// FuzzInfo checks that Info never panics and always reports the size of
// what it was given.
func FuzzInfo(f *testing.F) {
	for _, tt := range infoTests {
		f.Add([]byte(tt.raw))
	}
	for _, d := range []*message.Draft{
		{From: ana, To: []message.Address{beto, carla}, Subject: "¿Qué tal?", Date: date, MessageID: "x@y", Text: "año"},
		{From: ana, To: []message.Address{beto}, Subject: "s", Date: date, Attachments: []message.Attachment{{Filename: "a.txt", Data: []byte("a")}}, Boundary: "b"},
	} {
		raw, err := message.Compose(d)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		info := message.Info(raw)
		if info.Size != len(raw) {
			t.Errorf("Info(%q).Size = %d, want %d", raw, info.Size, len(raw))
		}
		if again := message.Info(raw); again.From != info.From || again.To != info.To || again.Subject != info.Subject || again.MessageID != info.MessageID {
			t.Errorf("Info(%q) gave %+v, then %+v", raw, info, again)
		}
	})
}

// FuzzCompose composes drafts with arbitrary subjects, names and texts:
// the message uses CRLF only, keeps its lines within the limits, is the same
// when composed again, and gives back its subject.
func FuzzCompose(f *testing.F) {
	for _, tt := range []struct{ subject, name, text string }{
		{"Hola", "Ana", "Hola.\n"},
		{"¿Qué tal?", "Ana María", "línea\r\notra\rmás"},
		{strings.Repeat("palabra ", 30), strings.Repeat("Ñ", 40), strings.Repeat("x", 1200)},
		{strings.Repeat("x", 100) + " y " + strings.Repeat("z", 100), "O'Brien, Pat", ".\n..\n"},
		{"  spaces   inside  ", "", ""},
	} {
		f.Add(tt.subject, tt.name, tt.text)
	}
	f.Fuzz(func(t *testing.T, subject, name, text string) {
		d := &message.Draft{
			From:    message.Address{Name: name, Address: "ana@ejemplo.com"},
			To:      []message.Address{beto, {Name: name, Address: "x@y.example"}},
			Subject: subject, Date: date, MessageID: "id@ejemplo.com", Text: text,
		}
		raw, err := message.Compose(d)
		if err != nil {
			t.Fatalf("Compose(%q, %q, %q) = %v", subject, name, text, err)
		}
		checkLines(t, raw)
		head, _ := header(raw)
		checkFolded(t, head)
		if again, _ := message.Compose(d); !bytes.Equal(raw, again) {
			t.Errorf("Compose(%q, %q, %q) gave different bytes twice", subject, name, text)
		}
		info := message.Info(raw)
		if info.Size != len(raw) {
			t.Errorf("Info(...).Size = %d, want %d", info.Size, len(raw))
		}
		// A subject of printable words separated by single spaces reads
		// back as it was written.
		if utf8.ValidString(subject) && subject == strings.Join(strings.Fields(subject), " ") &&
			!strings.Contains(subject, "=?") && !strings.ContainsFunc(subject, func(r rune) bool { return r < ' ' || r == 0x7f || r == utf8.RuneError }) {
			if info.Subject != subject {
				t.Errorf("Info(Compose(subject %q)).Subject = %q", subject, info.Subject)
			}
		}
	})
}
