package wire

import "testing"

func TestAsksTLS(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"STARTTLS", true},
		{"starttls", true},
		{"STLS", true},
		{"  STLS  ", true},
		{"A1 STARTTLS", true},
		{"a1 starttls", true},
		{"A1  STARTTLS", true},
		{"STARTTLS now", false},
		{"A1 B2 STARTTLS", false},
		{"MAIL FROM:<a@b>", false},
		{"Subject: STARTTLS", true}, // "Subject:" is a valid IMAP tag; what follows must still be a TLS handshake
		{"X-Note: a long header line that happens to end in the word STARTTLS", false},
		{"STLS STLS", false},
		{"", false},
		{"   ", false},
	} {
		if got := asksTLS([]byte(tc.line)); got != tc.want {
			t.Errorf("asksTLS(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

func BenchmarkAsksTLS(b *testing.B) {
	line := []byte("A line of the message body, as long as most are.")
	for b.Loop() {
		asksTLS(line)
	}
}
