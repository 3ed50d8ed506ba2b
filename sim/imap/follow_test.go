package imap_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	simimap "github.com/mailscope/mailscope/sim/imap"
)

// feed gives f a transcript: "C: " lines from the client, "S: " lines from
// the server, each CRLF-ended on the wire; SELECT and EXAMINE open mailbox.
// It returns the updates as text, one per line.
func feed(f *simimap.Follower, mailbox string, transcript ...string) []string {
	var out []string
	for _, l := range transcript {
		dir, text, _ := strings.Cut(l, ": ")
		if dir == "C" {
			f.ClientLine(text, len(text)+2, mailbox)
			continue
		}
		for _, u := range f.ServerLine(text, len(text)+2) {
			out = append(out, updateText(u))
		}
	}
	return out
}

func updateText(u simimap.Update) string {
	if u.Expunged {
		return fmt.Sprintf("%s/%d expunged", u.Mailbox, u.UID)
	}
	return fmt.Sprintf("%s/%d flags %v", u.Mailbox, u.UID, u.Flags)
}

// TestFollower follows transcripts shaped like those of the lessons.
func TestFollower(t *testing.T) {
	selectINBOX := []string{
		"C: T2 SELECT INBOX",
		"S: * 3 EXISTS",
		"S: * OK [UIDVALIDITY 7] UIDs valid",
		"S: T2 OK [READ-WRITE] SELECT completed",
	}
	fetchAll := []string{
		"C: T3 FETCH 1:* (UID FLAGS ENVELOPE)",
		`S: * 1 FETCH (UID 4 FLAGS (\Seen) ENVELOPE ("Mon, 2 Mar 2026" "a (b) \"c\"" NIL NIL NIL NIL NIL NIL NIL "<1@x>"))`,
		"S: * 2 FETCH (UID 6 FLAGS () ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))",
		"S: * 3 FETCH (UID 9 FLAGS (\\Flagged))",
		"S: T3 OK FETCH completed",
	}
	tests := []struct {
		name       string
		transcript []string
		want       []string
		uids       []imap.UID // by sequence number afterwards
	}{
		{"select and fetch", slices.Concat(selectINBOX, fetchAll),
			[]string{`INBOX/4 flags [\Seen]`, "INBOX/6 flags []", `INBOX/9 flags [\Flagged]`},
			[]imap.UID{4, 6, 9}},
		{"expunge renumbers", slices.Concat(selectINBOX, fetchAll, []string{
			"C: T4 LIST \"\" \"*\"",
			`S: * LIST () "/" INBOX`,
			"S: * 2 EXPUNGE",
			"S: * 2 EXPUNGE",
			"S: T4 OK LIST completed",
		}), []string{`INBOX/4 flags [\Seen]`, "INBOX/6 flags []", `INBOX/9 flags [\Flagged]`, "INBOX/6 expunged", "INBOX/9 expunged"},
			[]imap.UID{4}},
		{"unsolicited flags during IDLE", slices.Concat(selectINBOX, fetchAll, []string{
			"C: T4 IDLE",
			"S: + idling",
			`S: * 2 FETCH (UID 6 FLAGS (\Deleted \Seen))`,
			"S: * 4 EXISTS",
			"S: * 4 FETCH (FLAGS (\\Seen))", // no UID: the number is not known yet
			"S: * 1 EXPUNGE",
			"C: DONE",
			"S: T4 OK IDLE completed",
		}), []string{`INBOX/4 flags [\Seen]`, "INBOX/6 flags []", `INBOX/9 flags [\Flagged]`, `INBOX/6 flags [\Deleted \Seen]`, "INBOX/4 expunged"},
			[]imap.UID{6, 9, 0}},
		{"literal lines are not responses", slices.Concat(selectINBOX, []string{
			"C: T3 UID FETCH 9 (UID FLAGS BODY[])",
			"S: * 3 FETCH (UID 9 FLAGS (\\Seen) BODY[] {26}",
			"S: * 1 EXPUNGE",
			"S: * 2 EXPUNGE",
			"S: )",
			"S: T3 OK UID FETCH completed",
		}), []string{`INBOX/9 flags [\Seen]`},
			[]imap.UID{0, 0, 9}},
		{"literal ending inside a line", slices.Concat(selectINBOX, []string{
			`S: * 2 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {3}`,
			"S: abc UID 6 FLAGS (x))",
			"S: * 2 EXPUNGE",
		}), []string{"INBOX/6 flags [x]", "INBOX/6 expunged"},
			[]imap.UID{0, 0}},
		{"a failed select selects nothing", slices.Concat(selectINBOX, fetchAll, []string{
			"C: T4 SELECT Nada",
			"S: T4 NO [NONEXISTENT] No such mailbox",
			"S: * 1 EXPUNGE",
		}), []string{`INBOX/4 flags [\Seen]`, "INBOX/6 flags []", `INBOX/9 flags [\Flagged]`},
			nil},
		{"a new select forgets the numbers", slices.Concat(selectINBOX, fetchAll, selectINBOX, []string{
			"S: * 1 EXPUNGE",
		}), []string{`INBOX/4 flags [\Seen]`, "INBOX/6 flags []", `INBOX/9 flags [\Flagged]`},
			[]imap.UID{0, 0}},
		{"nothing selected", []string{
			"S: * 1 EXPUNGE",
			"S: * 1 FETCH (UID 3 FLAGS (\\Seen))",
		}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f simimap.Follower
			got := feed(&f, "INBOX", tt.transcript...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("updates:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			var uids []imap.UID
			for seq := 1; seq <= f.Messages(); seq++ {
				uids = append(uids, f.UID(uint32(seq)))
			}
			if !slices.Equal(uids, tt.uids) {
				t.Errorf("UIDs by sequence number = %v, want %v", uids, tt.uids)
			}
		})
	}
}

// TestFollowerKnow checks that UID SEARCH ALL's answer names every message,
// so that a later EXPUNGE can be told by UID.
func TestFollowerKnow(t *testing.T) {
	var f simimap.Follower
	feed(&f, "INBOX", "C: T2 SELECT INBOX", "S: * 2 EXISTS", "S: T2 OK SELECT completed")
	f.Know([]imap.UID{3, 8})
	got := feed(&f, "INBOX", "S: * 2 EXPUNGE")
	if want := []string{"INBOX/8 expunged"}; !slices.Equal(got, want) {
		t.Errorf("updates = %q, want %q", got, want)
	}
	if f.Mailbox() != "INBOX" || f.Messages() != 1 || f.UID(1) != 3 {
		t.Errorf("afterwards: mailbox %q, %d messages, UID(1) = %d; want INBOX, 1, 3", f.Mailbox(), f.Messages(), f.UID(1))
	}
}

// TestFollowerCutLine checks that a response whose line was too long to
// keep whole is not guessed at.
func TestFollowerCutLine(t *testing.T) {
	var f simimap.Follower
	feed(&f, "INBOX", "C: T2 SELECT INBOX", "S: * 1 EXISTS", "S: T2 OK SELECT completed")
	if got := f.ServerLine("* 1 FETCH (UID 5 FLAGS (\\Se", 9000); len(got) != 0 {
		t.Errorf("updates from a cut line = %v, want none", got)
	}
	if got := feed(&f, "INBOX", "S: * 1 FETCH (UID 5 FLAGS (\\Seen))"); len(got) != 1 {
		t.Errorf("updates from the next line = %v, want one", got)
	}
	// A line too long to keep inside a literal is counted by its size.
	feed(&f, "INBOX", "S: * 1 FETCH (UID 5 FLAGS (\\Seen \\Flagged) BODY[] {9000}")
	f.ServerLine(strings.Repeat("x", 4096), 9000)
	if got := f.ServerLine(")", 3); len(got) != 1 || len(got[0].Flags) != 2 {
		t.Errorf("updates after a long literal = %v, want the two flags", got)
	}
}
