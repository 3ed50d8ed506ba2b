package pop3

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// messageTests are messages as stored, their size as sent and the body of
// the RETR reply.
var messageTests = []struct {
	raw    string
	octets int
	sent   string
}{
	{"", 0, ".\r\n"},
	{"a", 3, "a\r\n.\r\n"},
	{"a\n", 3, "a\r\n.\r\n"},
	{"a\r\n", 3, "a\r\n.\r\n"},
	{"\n", 2, "\r\n.\r\n"},
	{"\r\n", 2, "\r\n.\r\n"},
	{"a\r", 4, "a\r\r\n.\r\n"},
	{"a\r\r\n", 4, "a\r\r\n.\r\n"},
	{".", 3, "..\r\n.\r\n"},
	{".\r\n", 3, "..\r\n.\r\n"},
	{"..\n", 4, "...\r\n.\r\n"},
	{"a\n.\nb", 9, "a\r\n..\r\nb\r\n.\r\n"},
	{" .\r\n", 4, " .\r\n.\r\n"},
	{"x\n\n\n", 7, "x\r\n\r\n\r\n.\r\n"},
	{msg1, 29, "Subject: uno\r\n\r\nHola, Beto.\r\n.\r\n"},
	{msg2, 36, "Subject: dos\r\n\r\n..punto\r\n...\r\n..\r\nfin\r\n.\r\n"},
}

func TestOctets(t *testing.T) {
	for _, tc := range messageTests {
		if got := octets([]byte(tc.raw)); got != tc.octets {
			t.Errorf("octets(%q) = %d, want %d", tc.raw, got, tc.octets)
		}
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		writeMessage(w, []byte(tc.raw), -1)
		w.Flush()
		if b.String() != tc.sent {
			t.Errorf("writeMessage(%q) = %q, want %q", tc.raw, b.String(), tc.sent)
		}
	}
}

func TestWriteTop(t *testing.T) {
	const raw = "A: 1\nB: 2\n\nuno\n.dos\ntres\n"
	for _, tc := range []struct {
		lines int
		want  string
	}{
		{0, "A: 1\r\nB: 2\r\n\r\n.\r\n"},
		{1, "A: 1\r\nB: 2\r\n\r\nuno\r\n.\r\n"},
		{2, "A: 1\r\nB: 2\r\n\r\nuno\r\n..dos\r\n.\r\n"},
		{3, "A: 1\r\nB: 2\r\n\r\nuno\r\n..dos\r\ntres\r\n.\r\n"},
		{9, "A: 1\r\nB: 2\r\n\r\nuno\r\n..dos\r\ntres\r\n.\r\n"},
	} {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		writeMessage(w, []byte(raw), tc.lines)
		w.Flush()
		if b.String() != tc.want {
			t.Errorf("writeMessage(%q, %d) = %q, want %q", raw, tc.lines, b.String(), tc.want)
		}
	}
	// A message without a body: TOP gives the whole header.
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	writeMessage(w, []byte("A: 1\r\nB: 2\r\n"), 0)
	w.Flush()
	if b.String() != "A: 1\r\nB: 2\r\n.\r\n" {
		t.Errorf("TOP of a header alone = %q", b.String())
	}
}

// FuzzMessage checks, for any stored message, that the octets announced
// are exactly what a client gets once it undoes the byte-stuffing, and that
// the reply ends at its terminating line and nowhere before.
func FuzzMessage(f *testing.F) {
	for _, tc := range messageTests {
		f.Add([]byte(tc.raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		writeMessage(w, raw, -1)
		w.Flush()
		sent := b.String()
		if !strings.HasSuffix(sent, ".\r\n") {
			t.Fatalf("writeMessage(%q) = %q: no terminating line", raw, sent)
		}
		var got strings.Builder
		lines := strings.Split(strings.TrimSuffix(sent, "\r\n"), "\r\n")
		for i, line := range lines {
			if line == "." {
				if i != len(lines)-1 {
					t.Fatalf("writeMessage(%q) = %q: ends early at line %d", raw, sent, i+1)
				}
				break
			}
			if strings.Contains(line, "\n") {
				t.Fatalf("writeMessage(%q) = %q: a bare LF", raw, sent)
			}
			got.WriteString(strings.TrimPrefix(line, "."))
			got.WriteString("\r\n")
		}
		if got.Len() != octets(raw) {
			t.Fatalf("octets(%q) = %d, but the client gets %d: %q", raw, octets(raw), got.Len(), got.String())
		}
	})
}
