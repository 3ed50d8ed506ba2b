package store_test

import (
	"bufio"
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/store"
)

func TestLogin(t *testing.T) {
	e := newEnv(t)
	if _, err := e.st.AddAccount("ana@uno.org", "pera", "mail.uno.org"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user, password string
		ok             bool
	}{
		{beto, password, true},
		{"Beto@Otro.org", password, true},
		{"beto", password, true},
		{beto, "limon", false},
		{beto, "", false},
		{"nadie@otro.org", password, false},
		{"ana@uno.org", "pera", false}, // kept by another server
		{"ana", "pera", false},
	}
	for _, tt := range tests {
		c := e.client(t, "laptop", nil)
		err := c.Login(tt.user, tt.password).Wait()
		if tt.ok {
			if err != nil {
				t.Errorf("LOGIN %s %s = %v, want OK", tt.user, tt.password, err)
			}
			if _, err := c.Status(store.Inbox, &imap.StatusOptions{NumMessages: true}).Wait(); err != nil {
				t.Errorf("STATUS after LOGIN %s = %v, want OK", tt.user, err)
			}
		} else {
			wantCode(t, fmt.Sprintf("LOGIN %s %s", tt.user, tt.password), err, imap.StatusResponseTypeNo, imap.ResponseCodeAuthenticationFailed)
			// The connection stays usable for another try.
			if err := c.Login(beto, password).Wait(); err != nil {
				t.Errorf("LOGIN after a failed LOGIN %s = %v, want OK", tt.user, err)
			}
		}
		c.Close()
	}
}

func TestList(t *testing.T) {
	e := newEnv(t)
	e.create(t, "Sent", "Archive/2025", "Archive/2026/Q1", "Drafts")
	c := e.login(t, "laptop", nil)

	type entry struct {
		name  string
		attrs string
	}
	tests := []struct {
		ref, pattern string
		want         []entry
	}{
		{"", "*", []entry{
			{"INBOX", `\HasNoChildren`},
			{"Archive", `\HasChildren`},
			{"Archive/2025", `\HasNoChildren`},
			{"Archive/2026", `\HasChildren`},
			{"Archive/2026/Q1", `\HasNoChildren`},
			{"Drafts", `\HasNoChildren`},
			{"Sent", `\HasNoChildren`},
		}},
		{"", "%", []entry{
			{"INBOX", `\HasNoChildren`},
			{"Archive", `\HasChildren`},
			{"Drafts", `\HasNoChildren`},
			{"Sent", `\HasNoChildren`},
		}},
		{"", "Archive/%", []entry{
			{"Archive/2025", `\HasNoChildren`},
			{"Archive/2026", `\HasChildren`},
		}},
		{"Archive", "*", []entry{
			{"Archive/2025", `\HasNoChildren`},
			{"Archive/2026", `\HasChildren`},
			{"Archive/2026/Q1", `\HasNoChildren`},
		}},
		{"", "INBOX", []entry{{"INBOX", `\HasNoChildren`}}},
		{"", "Nope*", nil},
		{"", "", []entry{{"", `\Noselect`}}},
	}
	for _, tt := range tests {
		l, err := c.List(tt.ref, tt.pattern, nil).Collect()
		if err != nil {
			t.Errorf("LIST %q %q: %v", tt.ref, tt.pattern, err)
			continue
		}
		var got []entry
		for _, d := range l {
			var attrs []string
			for _, a := range d.Attrs {
				attrs = append(attrs, string(a))
			}
			got = append(got, entry{d.Mailbox, strings.Join(attrs, " ")})
			if d.Delim != '/' {
				t.Errorf("LIST %q %q: %s has delimiter %q, want /", tt.ref, tt.pattern, d.Mailbox, d.Delim)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("LIST %q %q = %v, want %v", tt.ref, tt.pattern, got, tt.want)
		}
	}
}

func TestListSubscribed(t *testing.T) {
	e := newEnv(t)
	e.create(t, "Sent", "Junk")
	c := e.login(t, "laptop", nil)
	if err := c.Unsubscribe("Junk").Wait(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "UNSUBSCRIBE Nope", c.Unsubscribe("Nope").Wait(), imap.StatusResponseTypeNo, imap.ResponseCodeNonExistent)
	l, err := c.List("", "*", &imap.ListOptions{SelectSubscribed: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range l {
		if !slices.Contains(d.Attrs, imap.MailboxAttrSubscribed) {
			t.Errorf("LIST (SUBSCRIBED): %s lacks \\Subscribed", d.Mailbox)
		}
		got = append(got, d.Mailbox)
	}
	if want := []string{"INBOX", "Sent"}; !slices.Equal(got, want) {
		t.Errorf("LIST (SUBSCRIBED) \"\" * = %q, want %q", got, want)
	}
	if err := c.Subscribe("Junk").Wait(); err != nil {
		t.Fatal(err)
	}
	l, err = c.List("", "Junk", &imap.ListOptions{SelectSubscribed: true}).Collect()
	if err != nil || len(l) != 1 {
		t.Errorf("LIST (SUBSCRIBED) \"\" Junk after SUBSCRIBE = %v, %v, want Junk", l, err)
	}

	// LIST-STATUS
	e.deliver(t, "Sent", mail("a@b.c", "x", "y"), imap.FlagSeen)
	l, err = c.List("", "Sent", &imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true, NumUnseen: true}}).Collect()
	if err != nil || len(l) != 1 || l[0].Status == nil || l[0].Status.NumMessages == nil || *l[0].Status.NumMessages != 1 ||
		l[0].Status.NumUnseen == nil || *l[0].Status.NumUnseen != 0 {
		t.Errorf("LIST \"\" Sent RETURN (STATUS (MESSAGES UNSEEN)) = %+v, %v, want 1 message, 0 unseen", l, err)
	}
}

func TestCreate(t *testing.T) {
	e := newEnv(t)
	c := e.login(t, "laptop", nil)
	tests := []struct {
		name string
		code imap.ResponseCode // "" for OK
		want []string          // mailboxes afterwards
	}{
		{"Work", "", []string{"INBOX", "Work"}},
		{"Archive/2026/Q1", "", []string{"Archive", "Archive/2026", "Archive/2026/Q1", "INBOX", "Work"}},
		{"Archive/2026", imap.ResponseCodeAlreadyExists, nil},
		{"Work", imap.ResponseCodeAlreadyExists, nil},
		{"INBOX", imap.ResponseCodeAlreadyExists, nil},
		{"inbox", imap.ResponseCodeAlreadyExists, nil},
		{"Trash/", "", []string{"Archive", "Archive/2026", "Archive/2026/Q1", "INBOX", "Trash", "Work"}},
		{"Trash", imap.ResponseCodeAlreadyExists, nil},
		{"inbox/Clients", "", []string{"Archive", "Archive/2026", "Archive/2026/Q1", "INBOX", "INBOX/Clients", "Trash", "Work"}},
	}
	for _, tt := range tests {
		before := e.acct.Mailboxes()
		err := c.Create(tt.name, nil).Wait()
		if tt.code != "" {
			wantCode(t, "CREATE "+tt.name, err, imap.StatusResponseTypeNo, tt.code)
			if got := e.acct.Mailboxes(); !slices.Equal(got, before) {
				t.Errorf("failed CREATE %s changed the mailboxes to %q", tt.name, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("CREATE %s = %v, want OK", tt.name, err)
		}
		if got := e.acct.Mailboxes(); !slices.Equal(got, tt.want) {
			t.Errorf("after CREATE %s: mailboxes %q, want %q", tt.name, got, tt.want)
		}
	}
	wantCode(t, `CREATE ""`, c.Create("", nil).Wait(), imap.StatusResponseTypeBad, "")
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	e.create(t, "Trash", "Archive/2026")
	e.deliver(t, "Trash", mail("a@b.c", "x", "y"))
	c := e.login(t, "laptop", nil)
	tests := []struct {
		name string
		typ  imap.StatusResponseType
		code imap.ResponseCode
		want []string
	}{
		{"INBOX", imap.StatusResponseTypeNo, imap.ResponseCodeCannot, nil},
		{"inbox", imap.StatusResponseTypeNo, imap.ResponseCodeCannot, nil},
		{"Nope", imap.StatusResponseTypeNo, imap.ResponseCodeNonExistent, nil},
		{"Trash", imap.StatusResponseTypeOK, "", []string{"Archive", "Archive/2026", "INBOX"}},
		{"Trash", imap.StatusResponseTypeNo, imap.ResponseCodeNonExistent, nil},
		{"Archive/2026/", imap.StatusResponseTypeOK, "", []string{"Archive", "INBOX"}},
	}
	for _, tt := range tests {
		before := e.acct.Mailboxes()
		err := c.Delete(tt.name).Wait()
		if tt.typ != imap.StatusResponseTypeOK {
			wantCode(t, "DELETE "+tt.name, err, tt.typ, tt.code)
			if got := e.acct.Mailboxes(); !slices.Equal(got, before) {
				t.Errorf("failed DELETE %s changed the mailboxes to %q", tt.name, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("DELETE %s = %v, want OK", tt.name, err)
		}
		if got := e.acct.Mailboxes(); !slices.Equal(got, tt.want) {
			t.Errorf("after DELETE %s: mailboxes %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := e.acct.Messages("Trash"); got != nil {
		t.Errorf("Messages(Trash) after DELETE = %v, want nil", got)
	}
	// A mailbox created again under the old name is new and empty.
	if err := c.Create("Trash", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	data, err := c.Status("Trash", &imap.StatusOptions{NumMessages: true, UIDNext: true}).Wait()
	if err != nil || *data.NumMessages != 0 || data.UIDNext != 1 {
		t.Errorf("STATUS Trash after DELETE and CREATE = %+v, %v, want empty with UIDNEXT 1", data, err)
	}
}

func TestRename(t *testing.T) {
	e := newEnv(t)
	e.create(t, "Work", "Play", "Old/2025")
	e.deliver(t, "Work", mail("a@b.c", "uno", "y"), "$Boss")
	e.deliver(t, "Work", mail("a@b.c", "dos", "y"))
	e.deliver(t, "Old/2025", mail("a@b.c", "tres", "y"))
	snap := e.st.Snapshot().Accounts[beto]
	c := e.login(t, "laptop", nil)
	// Y/2025 without Y: renaming Old to Y would clash below.
	e.create(t, "Y/2025")
	if err := c.Delete("Y").Wait(); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		from, to string
		code     imap.ResponseCode
	}{
		{"INBOX", "Inbox2", imap.ResponseCodeCannot},
		{"Old", "Y", imap.ResponseCodeAlreadyExists},
		{"Nope", "Other", imap.ResponseCodeNonExistent},
		{"Work", "Play", imap.ResponseCodeAlreadyExists},
		{"Work", "inbox", imap.ResponseCodeAlreadyExists},
		{"Work", "Job", ""},
		{"Old", "Older", ""},
	}
	for _, tt := range tests {
		before := e.acct.Mailboxes()
		err := c.Rename(tt.from, tt.to, nil).Wait()
		if tt.code != "" {
			wantCode(t, fmt.Sprintf("RENAME %s %s", tt.from, tt.to), err, imap.StatusResponseTypeNo, tt.code)
			if got := e.acct.Mailboxes(); !slices.Equal(got, before) {
				t.Errorf("failed RENAME %s %s changed the mailboxes to %q", tt.from, tt.to, got)
			}
		} else if err != nil {
			t.Errorf("RENAME %s %s = %v, want OK", tt.from, tt.to, err)
		}
	}
	wantCode(t, `RENAME Job ""`, c.Rename("Job", "", nil).Wait(), imap.StatusResponseTypeBad, "")
	if got, want := e.acct.Mailboxes(), []string{"INBOX", "Job", "Older", "Older/2025", "Play", "Y/2025"}; !slices.Equal(got, want) {
		t.Errorf("mailboxes after RENAME = %q, want %q", got, want)
	}
	// The renamed mailboxes keep their messages and UIDVALIDITY.
	after := e.st.Snapshot().Accounts[beto]
	for from, to := range map[string]string{"Work": "Job", "Old": "Older", "Old/2025": "Older/2025"} {
		old, now := snap.Mailboxes[from], after.Mailboxes[to]
		if now == nil {
			continue // reported above
		}
		if now.UIDValidity != old.UIDValidity || !reflect.DeepEqual(now.Messages, old.Messages) {
			t.Errorf("%s renamed %s: %+v, want %+v", from, to, now, old)
		}
	}
	// Mail is appended to the new name, with the next UID.
	data, err := c.Status("Job", &imap.StatusOptions{UIDNext: true, NumMessages: true}).Wait()
	if err != nil || data.UIDNext != 3 || *data.NumMessages != 2 {
		t.Errorf("STATUS Job = %+v, %v, want 2 messages, UIDNEXT 3", data, err)
	}
}

// TestRenameIntoItself checks that a mailbox cannot be renamed to a name
// below itself.
func TestRenameIntoItself(t *testing.T) {
	e := newEnv(t)
	e.create(t, "Work/2026")
	c := e.login(t, "laptop", nil)
	err := c.Rename("Work", "Work/Old", nil).Wait()
	wantCode(t, "RENAME Work Work/Old", err, imap.StatusResponseTypeNo, imap.ResponseCodeCannot)
	if got, want := e.acct.Mailboxes(), []string{"INBOX", "Work", "Work/2026"}; !slices.Equal(got, want) {
		t.Errorf("mailboxes after RENAME Work Work/Old = %q, want %q", got, want)
	}
}

// inbox3 fills INBOX with three messages: 1 seen, 2 flagged with a
// keyword, 3 unseen.
func inbox3(t *testing.T, e *env) [][]byte {
	raws := [][]byte{
		mail("Ana <ana@uno.org>", "Hola Beto", "Nos vemos el lunes."),
		mail("Carla <carla@tres.org>", "Factura marzo", "Adjunto la factura."),
		mail("Ana <ana@uno.org>", "Re: Factura marzo", "Gracias!"),
	}
	e.deliver(t, "", raws[0], imap.FlagSeen)
	e.clock.Advance(time.Hour)
	e.deliver(t, "", raws[1], imap.FlagFlagged, "$Work")
	e.clock.Advance(time.Hour)
	e.deliver(t, "", raws[2])
	return raws
}

func TestSelect(t *testing.T) {
	e := newEnv(t)
	inbox3(t, e)
	c := e.login(t, "laptop", nil)
	data, err := c.Select("inbox", nil).Wait()
	if err != nil {
		t.Fatalf("SELECT inbox: %v", err)
	}
	uidValidity := e.st.Snapshot().Accounts[beto].Mailboxes[store.Inbox].UIDValidity
	wantFlags := []string{"$Work", `\Answered`, `\Deleted`, `\Draft`, `\Flagged`, `\Seen`}
	if data.NumMessages != 3 || data.UIDNext != 4 || data.UIDValidity != uidValidity {
		t.Errorf("SELECT INBOX = %d messages, UIDNEXT %d, UIDVALIDITY %d, want 3, 4, %d", data.NumMessages, data.UIDNext, data.UIDValidity, uidValidity)
	}
	if got := sortedFlags(data.Flags); !slices.Equal(got, wantFlags) {
		t.Errorf("SELECT INBOX FLAGS = %q, want %q", got, wantFlags)
	}
	if got, want := sortedFlags(data.PermanentFlags), sortedFlags([]imap.Flag{"$Work", `\Answered`, `\Deleted`, `\Draft`, `\Flagged`, `\Seen`, `\*`}); !slices.Equal(got, want) {
		t.Errorf("SELECT INBOX PERMANENTFLAGS = %q, want %q", got, want)
	}
	events := e.trace.Events()
	conn := e.conn(t, "laptop")
	for _, prefix := range []string{"* 3 EXISTS", "* OK [UNSEEN 2]", fmt.Sprintf("* OK [UIDVALIDITY %d]", uidValidity), "* OK [UIDNEXT 4]"} {
		if lineIndex(events, conn, sim.S2C, func(s string) bool { return strings.HasPrefix(s, prefix) }) < 0 {
			t.Errorf("SELECT did not send %q...", prefix)
		}
	}
	if _, text := tagged(t, events, conn, "SELECT"); !strings.Contains(text, "OK [READ-WRITE]") {
		t.Errorf("SELECT completion = %q, want OK [READ-WRITE]", text)
	}

	// Selecting a mailbox that does not exist leaves none selected.
	_, err = c.Select("Nope", nil).Wait()
	wantCode(t, "SELECT Nope", err, imap.StatusResponseTypeNo, imap.ResponseCodeNonExistent)
	_, err = c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Flags: true}).Collect()
	wantCode(t, "FETCH after a failed SELECT", err, imap.StatusResponseTypeBad, imap.ResponseCodeClientBug)

	// An empty mailbox.
	e.create(t, "Empty")
	data, err = c.Select("Empty", nil).Wait()
	if err != nil || data.NumMessages != 0 || data.UIDNext != 1 {
		t.Errorf("SELECT Empty = %+v, %v, want 0 messages, UIDNEXT 1", data, err)
	}
	if got := sortedFlags(data.Flags); !slices.Equal(got, wantFlags[1:]) {
		t.Errorf("SELECT Empty FLAGS = %q, want the system flags %q", got, wantFlags[1:])
	}
}

func TestExamine(t *testing.T) {
	e := newEnv(t)
	inbox3(t, e)
	e.st.Deliver(beto, "", mail("a@b.c", "borrar", "x"), []imap.Flag{imap.FlagDeleted})
	e.create(t, "Archive")
	before := e.st.Snapshot()
	c := e.login(t, "laptop", nil)
	data, err := c.Select(store.Inbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("EXAMINE INBOX: %v", err)
	}
	if data.NumMessages != 4 || len(data.PermanentFlags) != 0 {
		t.Errorf("EXAMINE INBOX = %d messages, PERMANENTFLAGS %q, want 4 and none", data.NumMessages, data.PermanentFlags)
	}
	if _, text := tagged(t, e.trace.Events(), e.conn(t, "laptop"), "EXAMINE"); !strings.Contains(text, "OK [READ-ONLY]") {
		t.Errorf("EXAMINE completion = %q, want OK [READ-ONLY]", text)
	}

	_, err = c.Store(imap.SeqSetNum(3), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}}, nil).Collect()
	wantCode(t, "STORE in EXAMINE", err, imap.StatusResponseTypeNo, "READ-ONLY")

	msgs, err := c.Fetch(imap.SeqSetNum(3), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect()
	if err != nil || len(msgs) != 1 || len(msgs[0].BodySection) != 1 {
		t.Fatalf("FETCH 3 BODY[] in EXAMINE = %v, %v", msgs, err)
	}
	if msgs[0].Flags != nil {
		t.Errorf("FETCH 3 BODY[] in EXAMINE returned FLAGS %q, want none", msgs[0].Flags)
	}

	_, err = c.Move(imap.SeqSetNum(1), "Archive").Wait()
	wantCode(t, "MOVE in EXAMINE", err, imap.StatusResponseTypeNo, "READ-ONLY")

	if seqs, err := c.Expunge().Collect(); err != nil || len(seqs) != 0 {
		t.Errorf("EXPUNGE in EXAMINE = %v, %v, want nothing expunged", seqs, err)
	}
	if got, want := dump(e.st.Snapshot()), dump(before); got != want {
		t.Errorf("EXAMINE changed the store:\n%s\nwant\n%s", got, want)
	}

	// COPY only reads the source, so it is allowed.
	if _, err := c.Copy(imap.SeqSetNum(1), "Archive").Wait(); err != nil {
		t.Errorf("COPY in EXAMINE = %v, want OK", err)
	}
	if got := e.uids("Archive"); !slices.Equal(got, []uint32{1}) {
		t.Errorf("Archive UIDs after COPY = %v, want [1]", got)
	}

	// SELECT after EXAMINE makes the mailbox writable again.
	data, err = c.Select(store.Inbox, nil).Wait()
	if err != nil || len(data.PermanentFlags) == 0 {
		t.Errorf("SELECT after EXAMINE = %+v, %v, want PERMANENTFLAGS", data, err)
	}
	if _, err := c.Store(imap.SeqSetNum(3), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}}, nil).Collect(); err != nil {
		t.Errorf("STORE after SELECT = %v, want OK", err)
	}
}

func TestFetch(t *testing.T) {
	e := newEnv(t)
	raws := inbox3(t, e)
	c, _ := e.selectBox(t, "laptop", store.Inbox, nil)

	msgs, err := c.Fetch(imap.SeqSetNum(1, 2, 3), &imap.FetchOptions{
		Envelope: true, Flags: true, RFC822Size: true, InternalDate: true, UID: true,
	}).Collect()
	if err != nil || len(msgs) != 3 {
		t.Fatalf("FETCH 1:3 (ENVELOPE FLAGS RFC822.SIZE INTERNALDATE UID) = %d messages, %v", len(msgs), err)
	}
	wantFlags := [][]string{{`\Seen`}, {"$Work", `\Flagged`}, nil}
	subjects := []string{"Hola Beto", "Factura marzo", "Re: Factura marzo"}
	froms := []string{"ana@uno.org", "carla@tres.org", "ana@uno.org"}
	for i, m := range msgs {
		n := i + 1
		if m.SeqNum != uint32(n) || m.UID != imap.UID(n) {
			t.Errorf("FETCH %d: seq %d, UID %d", n, m.SeqNum, m.UID)
		}
		if got := sortedFlags(m.Flags); !slices.Equal(got, wantFlags[i]) {
			t.Errorf("FETCH %d FLAGS = %q, want %q", n, got, wantFlags[i])
		}
		if m.RFC822Size != int64(len(raws[i])) {
			t.Errorf("FETCH %d RFC822.SIZE = %d, want %d", n, m.RFC822Size, len(raws[i]))
		}
		if want := sim.Epoch.Add(time.Duration(i) * time.Hour); !m.InternalDate.Equal(want) {
			t.Errorf("FETCH %d INTERNALDATE = %v, want %v", n, m.InternalDate, want)
		}
		env := m.Envelope
		if env == nil {
			t.Errorf("FETCH %d ENVELOPE = nil", n)
			continue
		}
		if env.Subject != subjects[i] || len(env.From) != 1 || env.From[0].Addr() != froms[i] ||
			len(env.To) != 1 || env.To[0].Addr() != beto || env.To[0].Name != "Beto" ||
			env.MessageID != msgID(subjects[i]) {
			t.Errorf("FETCH %d ENVELOPE = %+v (from %v), want subject %q from %s to Beto <%s>", n, env, env.From, subjects[i], froms[i], beto)
		}
		if want := time.Date(2026, 3, 2, 8, 30, 0, 0, time.FixedZone("", 3600)); !env.Date.Equal(want) {
			t.Errorf("FETCH %d ENVELOPE date = %v, want %v", n, env.Date, want)
		}
	}

	// BODY.PEEK[] returns the message and leaves it unseen.
	peek := &imap.FetchItemBodySection{Peek: true}
	msgs, err = c.Fetch(imap.SeqSetNum(3), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{peek}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("FETCH 3 BODY.PEEK[] = %v, %v", msgs, err)
	}
	if got := msgs[0].FindBodySection(peek); !bytes.Equal(got, raws[2]) {
		t.Errorf("FETCH 3 BODY.PEEK[] = %q, want %q", got, raws[2])
	}
	if msgs[0].Flags != nil || e.flags(t, store.Inbox, 3) != nil {
		t.Errorf("FETCH 3 BODY.PEEK[] set flags: %q, %q", msgs[0].Flags, e.flags(t, store.Inbox, 3))
	}

	// BODY[HEADER] and BODY[TEXT] with PEEK.
	header := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	text := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierText, Peek: true}
	msgs, err = c.Fetch(imap.SeqSetNum(3), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{header, text}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("FETCH 3 (BODY.PEEK[HEADER] BODY.PEEK[TEXT]) = %v, %v", msgs, err)
	}
	i := bytes.Index(raws[2], []byte("\r\n\r\n")) + 4
	if got := msgs[0].FindBodySection(header); !bytes.Equal(got, raws[2][:i]) {
		t.Errorf("FETCH 3 BODY.PEEK[HEADER] = %q, want %q", got, raws[2][:i])
	}
	if got := msgs[0].FindBodySection(text); !bytes.Equal(got, raws[2][i:]) {
		t.Errorf("FETCH 3 BODY.PEEK[TEXT] = %q, want %q", got, raws[2][i:])
	}
	fields := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject"}, Peek: true}
	msgs, err = c.Fetch(imap.SeqSetNum(3), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{fields}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("FETCH 3 BODY.PEEK[HEADER.FIELDS (Subject)] = %v, %v", msgs, err)
	}
	if got, want := string(msgs[0].FindBodySection(fields)), "Subject: Re: Factura marzo\r\n\r\n"; got != want {
		t.Errorf("FETCH 3 BODY.PEEK[HEADER.FIELDS (Subject)] = %q, want %q", got, want)
	}

	// BODY[] sets \Seen, and the response carries the new flags even though
	// FLAGS was not asked for.
	body := &imap.FetchItemBodySection{}
	msgs, err = c.Fetch(imap.SeqSetNum(3), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{body}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("FETCH 3 BODY[] = %v, %v", msgs, err)
	}
	if got := msgs[0].FindBodySection(body); !bytes.Equal(got, raws[2]) {
		t.Errorf("FETCH 3 BODY[] = %q, want %q", got, raws[2])
	}
	if got := strs(msgs[0].Flags); !slices.Equal(got, []string{`\Seen`}) {
		t.Errorf("FETCH 3 BODY[] FLAGS = %q, want [\\Seen]", got)
	}
	if got := e.flags(t, store.Inbox, 3); !slices.Equal(got, []string{`\Seen`}) {
		t.Errorf("flags of message 3 after FETCH BODY[] = %q, want [\\Seen]", got)
	}
	if i := lineIndex(e.trace.Events(), e.conn(t, "laptop"), sim.S2C, func(s string) bool {
		return strings.HasPrefix(s, "* 3 FETCH (FLAGS (\\Seen) BODY[] {")
	}); i < 0 {
		t.Errorf("FETCH 3 BODY[] response does not start with FLAGS (\\Seen) BODY[]")
	}
	// Once seen, BODY[] no longer reports flags.
	msgs, err = c.Fetch(imap.SeqSetNum(3), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{body}}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].Flags != nil {
		t.Errorf("second FETCH 3 BODY[] = %+v, %v, want no FLAGS", msgs, err)
	}
	// Flags already set are kept when BODY[] adds \Seen.
	if _, err := c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{body}}).Collect(); err != nil {
		t.Fatal(err)
	}
	if got, want := e.flags(t, store.Inbox, 2), []string{"$Work", `\Flagged`, `\Seen`}; !slices.Equal(got, want) {
		t.Errorf("flags of message 2 after FETCH BODY[] = %q, want %q", got, want)
	}

	// UID FETCH with a range past the end, and of a UID that does not exist.
	msgs, err = c.Fetch(imap.UIDSetNum(2, 3, 9), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || len(msgs) != 2 || msgs[0].UID != 2 || msgs[1].UID != 3 {
		t.Errorf("UID FETCH 2,3,9 FLAGS = %+v, %v, want UIDs 2 and 3", msgs, err)
	}
	msgs, err = c.Fetch(imap.SeqSet{{Start: 2, Stop: 0}}, &imap.FetchOptions{UID: true}).Collect()
	if err != nil || len(msgs) != 2 || msgs[0].UID != 2 || msgs[1].UID != 3 {
		t.Errorf("FETCH 2:* UID = %+v, %v, want UIDs 2 and 3", msgs, err)
	}
}

func TestStore(t *testing.T) {
	e := newEnv(t)
	e.deliver(t, "", mail("a@b.c", "x", "y"))
	c, _ := e.selectBox(t, "laptop", store.Inbox, nil)
	tests := []struct {
		op     imap.StoreFlagsOp
		silent bool
		flags  []imap.Flag
		want   []string
	}{
		{imap.StoreFlagsAdd, false, []imap.Flag{imap.FlagSeen}, []string{`\Seen`}},
		{imap.StoreFlagsAdd, false, []imap.Flag{imap.FlagSeen}, []string{`\Seen`}},
		{imap.StoreFlagsAdd, false, []imap.Flag{`\flagged`, "$Work"}, []string{"$Work", `\Flagged`, `\Seen`}},
		{imap.StoreFlagsDel, false, []imap.Flag{`\SEEN`}, []string{"$Work", `\Flagged`}},
		{imap.StoreFlagsDel, false, []imap.Flag{"$work"}, []string{`\Flagged`}},
		{imap.StoreFlagsDel, false, []imap.Flag{imap.FlagAnswered}, []string{`\Flagged`}},
		{imap.StoreFlagsSet, false, []imap.Flag{imap.FlagAnswered, "Later"}, []string{"Later", `\Answered`}},
		{imap.StoreFlagsSet, false, []imap.Flag{}, nil},
		{imap.StoreFlagsAdd, true, []imap.Flag{imap.FlagDraft}, []string{`\Draft`}},
		{imap.StoreFlagsSet, true, []imap.Flag{imap.FlagDeleted, imap.FlagSeen}, []string{`\Deleted`, `\Seen`}},
		{imap.StoreFlagsDel, true, []imap.Flag{imap.FlagDeleted}, []string{`\Seen`}},
		{imap.StoreFlagsAdd, false, []imap.Flag{`\Recent`}, []string{`\Seen`}},
	}
	ops := map[imap.StoreFlagsOp]string{imap.StoreFlagsAdd: "+FLAGS", imap.StoreFlagsDel: "-FLAGS", imap.StoreFlagsSet: "FLAGS"}
	for _, tt := range tests {
		cmd := fmt.Sprintf("STORE 1 %s %q", ops[tt.op], tt.flags)
		if tt.silent {
			cmd = fmt.Sprintf("STORE 1 %s.SILENT %q", ops[tt.op], tt.flags)
		}
		msgs, err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: tt.op, Silent: tt.silent, Flags: tt.flags}, nil).Collect()
		if err != nil {
			t.Errorf("%s: %v", cmd, err)
			continue
		}
		if got := e.flags(t, store.Inbox, 1); !slices.Equal(got, tt.want) {
			t.Errorf("%s: stored flags %q, want %q", cmd, got, tt.want)
		}
		if tt.silent {
			if len(msgs) != 0 {
				t.Errorf("%s = %d FETCH responses, want none", cmd, len(msgs))
			}
			continue
		}
		if len(msgs) != 1 || msgs[0].SeqNum != 1 || !slices.Equal(sortedFlags(msgs[0].Flags), tt.want) {
			t.Errorf("%s = %+v, want one FETCH with FLAGS %q", cmd, msgs, tt.want)
		}
	}

	// UID STORE answers with the UID.
	e.deliver(t, "", mail("a@b.c", "x", "y"))
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged}}, nil).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].UID != 2 || msgs[0].SeqNum != 2 || !slices.Equal(strs(msgs[0].Flags), []string{`\Flagged`}) {
		t.Errorf("UID STORE 2 +FLAGS (\\Flagged) = %+v, %v, want seq 2 UID 2 FLAGS (\\Flagged)", msgs, err)
	}
	if i := lineIndex(e.trace.Events(), e.conn(t, "laptop"), sim.S2C, is(`* 2 FETCH (UID 2 FLAGS (\Flagged))`)); i < 0 {
		t.Errorf(`UID STORE did not answer "* 2 FETCH (UID 2 FLAGS (\Flagged))"`)
	}
	// STORE of a message that does not exist changes nothing.
	msgs, err = c.Store(imap.UIDSetNum(7), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged}}, nil).Collect()
	if err != nil || len(msgs) != 0 {
		t.Errorf("UID STORE 7 = %+v, %v, want nothing", msgs, err)
	}
}

func TestCopy(t *testing.T) {
	e := newEnv(t)
	raws := inbox3(t, e)
	e.create(t, "Archive")
	e.deliver(t, "Archive", mail("a@b.c", "old", "y"))
	archive := e.st.Snapshot().Accounts[beto].Mailboxes["Archive"].UIDValidity
	c, _ := e.selectBox(t, "laptop", store.Inbox, nil)

	data, err := c.Copy(imap.SeqSetNum(1, 2), "Archive").Wait()
	if err != nil {
		t.Fatalf("COPY 1:2 Archive: %v", err)
	}
	if data.UIDValidity != archive || data.SourceUIDs.String() != "1:2" || data.DestUIDs.String() != "2:3" {
		t.Errorf("COPY 1:2 Archive = COPYUID %d %v %v, want %d 1:2 2:3", data.UIDValidity, data.SourceUIDs, data.DestUIDs, archive)
	}
	data, err = c.Copy(imap.UIDSetNum(3), "Archive").Wait()
	if err != nil || data.SourceUIDs.String() != "3" || data.DestUIDs.String() != "4" {
		t.Errorf("UID COPY 3 Archive = %+v, %v, want COPYUID 3 4", data, err)
	}
	if got := e.uids(store.Inbox); !slices.Equal(got, []uint32{1, 2, 3}) {
		t.Errorf("INBOX UIDs after COPY = %v, want [1 2 3]", got)
	}
	msgs := e.acct.Messages("Archive")
	if len(msgs) != 4 {
		t.Fatalf("Archive has %d messages after COPY, want 4", len(msgs))
	}
	src := e.acct.Messages(store.Inbox)
	for i, m := range msgs[1:] {
		if !slices.Equal(m.Flags, src[i].Flags) || !reflect.DeepEqual(m.Info, src[i].Info) || !bytes.Equal(e.acct.Raw("Archive", m.UID), raws[i]) {
			t.Errorf("copy of INBOX %d = %+v, want flags, info and bytes of %+v", i+1, m, src[i])
		}
	}

	_, err = c.Copy(imap.SeqSetNum(1), "Nope").Wait()
	wantCode(t, "COPY 1 Nope", err, imap.StatusResponseTypeNo, imap.ResponseCodeTryCreate)

	// COPY into the selected mailbox announces the new message.
	if _, err := c.Copy(imap.SeqSetNum(1), store.Inbox).Wait(); err != nil {
		t.Fatalf("COPY 1 INBOX: %v", err)
	}
	if n := c.Mailbox().NumMessages; n != 4 {
		t.Errorf("after COPY 1 INBOX the client counts %d messages, want 4", n)
	}
}

func TestMove(t *testing.T) {
	e := newEnv(t)
	inbox3(t, e)
	e.create(t, "Archive")
	archive := e.st.Snapshot().Accounts[beto].Mailboxes["Archive"].UIDValidity
	c, _ := e.selectBox(t, "laptop", store.Inbox, nil)

	data, err := c.Move(imap.SeqSetNum(2), "Archive").Wait()
	if err != nil {
		t.Fatalf("MOVE 2 Archive: %v", err)
	}
	if data.UIDValidity != archive || fmt.Sprint(data.SourceUIDs) != "2" || fmt.Sprint(data.DestUIDs) != "1" {
		t.Errorf("MOVE 2 Archive = COPYUID %d %v %v, want %d 2 1", data.UIDValidity, data.SourceUIDs, data.DestUIDs, archive)
	}
	if n := c.Mailbox().NumMessages; n != 2 {
		t.Errorf("after MOVE the client counts %d messages, want 2", n)
	}
	events := e.trace.Events()
	conn := e.conn(t, "laptop")
	okLine := lineIndex(events, conn, sim.S2C, func(s string) bool { return strings.HasPrefix(s, "* OK [COPYUID ") })
	expunge := lineIndex(events, conn, sim.S2C, is("* 2 EXPUNGE"))
	done, _ := tagged(t, events, conn, "MOVE")
	if okLine < 0 || expunge < 0 || !(okLine < expunge && expunge < done) {
		t.Errorf("MOVE responses at %d (COPYUID), %d (EXPUNGE), %d (OK), want them in that order", okLine, expunge, done)
	}
	if got, want := e.uids(store.Inbox), []uint32{1, 3}; !slices.Equal(got, want) {
		t.Errorf("INBOX UIDs after MOVE = %v, want %v", got, want)
	}
	if got := e.acct.Messages("Archive"); len(got) != 1 || got[0].Info.Subject != "Factura marzo" || !slices.Equal(got[0].Flags, []string{"$Work", `\Flagged`}) {
		t.Errorf("Archive after MOVE = %+v, want the invoice with its flags", got)
	}

	data, err = c.Move(imap.UIDSetNum(3), "Archive").Wait()
	if err != nil || fmt.Sprint(data.SourceUIDs) != "3" || fmt.Sprint(data.DestUIDs) != "2" {
		t.Errorf("UID MOVE 3 Archive = %+v, %v, want COPYUID 3 2", data, err)
	}

	_, err = c.Move(imap.SeqSetNum(1), "Nope").Wait()
	wantCode(t, "MOVE 1 Nope", err, imap.StatusResponseTypeNo, imap.ResponseCodeTryCreate)
	_, err = c.Move(imap.SeqSetNum(1), "inbox").Wait()
	wantCode(t, "MOVE 1 inbox", err, imap.StatusResponseTypeNo, imap.ResponseCodeCannot)
	if got := e.uids(store.Inbox); !slices.Equal(got, []uint32{1}) {
		t.Errorf("INBOX UIDs after failed MOVEs = %v, want [1]", got)
	}
	// Moving nothing succeeds and changes nothing.
	if _, err := c.Move(imap.UIDSetNum(99), "Archive").Wait(); err != nil {
		t.Errorf("UID MOVE 99 Archive = %v, want OK", err)
	}
	if got := e.uids("Archive"); !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("Archive UIDs = %v, want [1 2]", got)
	}
}

func TestExpunge(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		var flags []imap.Flag
		if i == 1 || i == 3 {
			flags = []imap.Flag{imap.FlagDeleted}
		}
		e.deliver(t, "", mail("a@b.c", fmt.Sprint(i), "y"), flags...)
	}
	c, _ := e.selectBox(t, "laptop", store.Inbox, nil)
	seqs, err := c.Expunge().Collect()
	// Each sequence number is valid when it is reported: 4 first, then 2.
	if err != nil || !slices.Equal(seqs, []uint32{4, 2}) {
		t.Errorf("EXPUNGE = %v, %v, want [4 2]", seqs, err)
	}
	if got, want := e.uids(store.Inbox), []uint32{1, 3, 5}; !slices.Equal(got, want) {
		t.Errorf("INBOX UIDs after EXPUNGE = %v, want %v", got, want)
	}
	if seqs, err := c.Expunge().Collect(); err != nil || len(seqs) != 0 {
		t.Errorf("second EXPUNGE = %v, %v, want nothing", seqs, err)
	}

	// UID EXPUNGE removes only the given messages among those \Deleted.
	if _, err := c.Store(imap.SeqSetNum(1, 2, 3), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	seqs, err = c.UIDExpunge(imap.UIDSetNum(1, 3)).Collect()
	if err != nil || !slices.Equal(seqs, []uint32{2, 1}) {
		t.Errorf("UID EXPUNGE 1,3 = %v, %v, want [2 1]", seqs, err)
	}
	if got := e.uids(store.Inbox); !slices.Equal(got, []uint32{5}) {
		t.Errorf("INBOX UIDs after UID EXPUNGE = %v, want [5]", got)
	}
	if got := e.flags(t, store.Inbox, 5); !slices.Equal(got, []string{`\Deleted`}) {
		t.Errorf("UID 5 flags = %q, want [\\Deleted]", got)
	}

	// CLOSE expunges silently.
	if err := c.UnselectAndExpunge().Wait(); err != nil {
		t.Fatal(err)
	}
	if got := e.uids(store.Inbox); len(got) != 0 {
		t.Errorf("INBOX UIDs after CLOSE = %v, want none", got)
	}
}

func TestSearch(t *testing.T) {
	e := newEnv(t)
	// UID 1 is expunged first, so that sequence numbers and UIDs differ:
	// message n has UID n+1.
	e.deliver(t, "", mail("x@y.z", "gone", "gone"))
	msgs := []struct {
		from, subject, body string
		flags               []imap.Flag
	}{
		{"Ana <ana@uno.org>", "Hola Beto", "Nos vemos el lunes.", []imap.Flag{imap.FlagSeen}},
		{"Carla <carla@tres.org>", "Factura marzo", "Adjunto la factura.", []imap.Flag{imap.FlagFlagged}},
		{"Ana <ana@uno.org>", "Re: Factura marzo", "Gracias!", nil},
		{"Dani <dani@cuatro.org>", "Fiesta", "El sabado en casa.", []imap.Flag{imap.FlagSeen, imap.FlagDeleted}},
	}
	for _, m := range msgs {
		e.clock.Advance(24 * time.Hour)
		e.deliver(t, "", mail(m.from, m.subject, m.body), m.flags...)
	}
	e.acct.ExpungeUIDs(store.Inbox, []uint32{1})
	c, _ := e.selectBox(t, "laptop", store.Inbox, nil)

	header := func(k, v string) imap.SearchCriteriaHeaderField {
		return imap.SearchCriteriaHeaderField{Key: k, Value: v}
	}
	day := func(n int) time.Time { return time.Date(2026, 3, 2+n, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		criteria imap.SearchCriteria
		want     []uint32 // sequence numbers
	}{
		{"ALL", imap.SearchCriteria{}, []uint32{1, 2, 3, 4}},
		{"UNSEEN", imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, []uint32{2, 3}},
		{"SEEN", imap.SearchCriteria{Flag: []imap.Flag{imap.FlagSeen}}, []uint32{1, 4}},
		{"FLAGGED UNSEEN", imap.SearchCriteria{Flag: []imap.Flag{imap.FlagFlagged}, NotFlag: []imap.Flag{imap.FlagSeen}}, []uint32{2}},
		{"DELETED", imap.SearchCriteria{Flag: []imap.Flag{imap.FlagDeleted}}, []uint32{4}},
		{"SUBJECT factura", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{header("Subject", "factura")}}, []uint32{2, 3}},
		{"SUBJECT FACTURA MARZO", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{header("Subject", "FACTURA MARZO")}}, []uint32{2, 3}},
		{"FROM ana", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{header("From", "ana")}}, []uint32{1, 3}},
		{"FROM carla@tres.org", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{header("From", "carla@tres.org")}}, []uint32{2}},
		{"TO beto", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{header("To", "beto")}}, []uint32{1, 2, 3, 4}},
		{"HEADER Message-ID fiesta", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{header("Message-ID", "fiesta")}}, []uint32{4}},
		{"TEXT gracias", imap.SearchCriteria{Text: []string{"gracias"}}, []uint32{3}},
		{"TEXT factura", imap.SearchCriteria{Text: []string{"factura"}}, []uint32{2, 3}},
		{"BODY factura", imap.SearchCriteria{Body: []string{"factura"}}, []uint32{2}},
		{"TEXT nadie", imap.SearchCriteria{Text: []string{"nadie"}}, nil},
		{"UID 3:4", imap.SearchCriteria{UID: []imap.UIDSet{imap.UIDSetNum(3, 4)}}, []uint32{2, 3}},
		{"UID 4:*", imap.SearchCriteria{UID: []imap.UIDSet{{{Start: 4, Stop: 0}}}}, []uint32{3, 4}},
		{"UID 1", imap.SearchCriteria{UID: []imap.UIDSet{imap.UIDSetNum(1)}}, nil},
		{"2:*", imap.SearchCriteria{SeqNum: []imap.SeqSet{{{Start: 2, Stop: 0}}}}, []uint32{2, 3, 4}},
		{"NOT SEEN", imap.SearchCriteria{Not: []imap.SearchCriteria{{Flag: []imap.Flag{imap.FlagSeen}}}}, []uint32{2, 3}},
		{"NOT FROM ana", imap.SearchCriteria{Not: []imap.SearchCriteria{{Header: []imap.SearchCriteriaHeaderField{header("From", "ana")}}}}, []uint32{2, 4}},
		{"OR FROM carla SUBJECT fiesta", imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{
			{Header: []imap.SearchCriteriaHeaderField{header("From", "carla")}},
			{Header: []imap.SearchCriteriaHeaderField{header("Subject", "fiesta")}},
		}}}, []uint32{2, 4}},
		{"OR SEEN FLAGGED NOT DELETED", imap.SearchCriteria{
			Or:  [][2]imap.SearchCriteria{{{Flag: []imap.Flag{imap.FlagSeen}}, {Flag: []imap.Flag{imap.FlagFlagged}}}},
			Not: []imap.SearchCriteria{{Flag: []imap.Flag{imap.FlagDeleted}}},
		}, []uint32{1, 2}},
		{"SINCE 4-Mar-2026", imap.SearchCriteria{Since: day(2)}, []uint32{2, 3, 4}},
		{"BEFORE 4-Mar-2026", imap.SearchCriteria{Before: day(2)}, []uint32{1}},
		{"SENTBEFORE 2-Mar-2026", imap.SearchCriteria{SentBefore: day(0)}, nil},
		{"SENTSINCE 2-Mar-2026", imap.SearchCriteria{SentSince: day(0)}, []uint32{1, 2, 3, 4}},
		{"LARGER 1000", imap.SearchCriteria{Larger: 1000}, nil},
		{"SMALLER 1000", imap.SearchCriteria{Smaller: 1000}, []uint32{1, 2, 3, 4}},
	}
	for _, tt := range tests {
		data, err := c.Search(&tt.criteria, nil).Wait()
		if err != nil {
			t.Errorf("SEARCH %s: %v", tt.name, err)
			continue
		}
		if got := data.AllSeqNums(); !slices.Equal(got, tt.want) {
			t.Errorf("SEARCH %s = %v, want %v", tt.name, got, tt.want)
		}
		data, err = c.UIDSearch(&tt.criteria, nil).Wait()
		if err != nil {
			t.Errorf("UID SEARCH %s: %v", tt.name, err)
			continue
		}
		var want []imap.UID
		for _, n := range tt.want {
			want = append(want, imap.UID(n+1))
		}
		if got := data.AllUIDs(); !slices.Equal(got, want) {
			t.Errorf("UID SEARCH %s = %v, want %v", tt.name, got, want)
		}
	}

	// ESEARCH with MIN, MAX and COUNT.
	data, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}, &imap.SearchOptions{ReturnMin: true, ReturnMax: true, ReturnCount: true}).Wait()
	if err != nil || data.Min != 2 || data.Max != 4 || data.Count != 3 {
		t.Errorf("UID SEARCH RETURN (MIN MAX COUNT) UNDELETED = %+v, %v, want MIN 2 MAX 4 COUNT 3", data, err)
	}
}

func TestAppend(t *testing.T) {
	e := newEnv(t)
	e.create(t, "Sent")
	sent := e.st.Snapshot().Accounts[beto].Mailboxes["Sent"].UIDValidity
	c, _ := e.selectBox(t, "laptop", store.Inbox, nil)
	appendMsg := func(mailbox string, raw []byte, opts *imap.AppendOptions) (*imap.AppendData, error) {
		cmd := c.Append(mailbox, int64(len(raw)), opts)
		if _, err := cmd.Write(raw); err != nil {
			return nil, err
		}
		if err := cmd.Close(); err != nil {
			return nil, err
		}
		return cmd.Wait()
	}

	raw := mail("Beto <beto@otro.org>", "Enviado", "Hola")
	date := time.Date(2026, 2, 14, 18, 30, 0, 0, time.FixedZone("", 3600))
	data, err := appendMsg("Sent", raw, &imap.AppendOptions{Flags: []imap.Flag{`\seen`, "$Sent"}, Time: date})
	if err != nil || data.UID != 1 || data.UIDValidity != sent {
		t.Fatalf("APPEND Sent = %+v, %v, want APPENDUID %d 1", data, err, sent)
	}
	msgs := e.acct.Messages("Sent")
	if len(msgs) != 1 || !slices.Equal(msgs[0].Flags, []string{"$Sent", `\Seen`}) || !msgs[0].Info.Date.Equal(date) || msgs[0].Info.Subject != "Enviado" {
		t.Errorf("Sent after APPEND = %+v, want flags [$Sent \\Seen], date %v", msgs, date)
	}
	if got := e.acct.Raw("Sent", 1); !bytes.Equal(got, raw) {
		t.Errorf("Raw(Sent, 1) = %q, want %q", got, raw)
	}

	// Without a date, the internal date is the clock's.
	e.clock.Advance(time.Hour)
	if _, err := appendMsg("Sent", raw, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.acct.Messages("Sent")[1]; !got.Info.Date.Equal(e.clock.Now()) || got.Flags != nil {
		t.Errorf("APPEND without date and flags = %+v, want date %v, no flags", got, e.clock.Now())
	}

	_, err = appendMsg("Nope", raw, nil)
	wantCode(t, "APPEND Nope", err, imap.StatusResponseTypeNo, imap.ResponseCodeTryCreate)

	// APPEND to the selected mailbox announces the new message.
	if _, err := appendMsg("inbox", raw, nil); err != nil {
		t.Fatal(err)
	}
	if n := c.Mailbox().NumMessages; n != 1 {
		t.Errorf("after APPEND INBOX the client counts %d messages, want 1", n)
	}
}

func TestStatus(t *testing.T) {
	e := newEnv(t)
	raws := inbox3(t, e)
	e.st.Deliver(beto, "", raws[0], []imap.Flag{imap.FlagDeleted})
	e.acct.ExpungeUIDs(store.Inbox, []uint32{1})
	c := e.login(t, "laptop", nil)
	uidValidity := e.st.Snapshot().Accounts[beto].Mailboxes[store.Inbox].UIDValidity
	// The client matches the STATUS response by the name it was given, so
	// ask for INBOX in the server's spelling.
	data, err := c.Status(store.Inbox, &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, NumUnseen: true, NumDeleted: true, Size: true}).Wait()
	if err != nil {
		t.Fatalf("STATUS INBOX: %v", err)
	}
	size := int64(len(raws[1]) + len(raws[2]) + len(raws[0]))
	if data.Mailbox != store.Inbox || *data.NumMessages != 3 || data.UIDNext != 5 || data.UIDValidity != uidValidity ||
		*data.NumUnseen != 3 || *data.NumDeleted != 1 || *data.Size != size {
		t.Errorf("STATUS INBOX = %s %d messages, UIDNEXT %d, UIDVALIDITY %d, %d unseen, %d deleted, %d bytes; want INBOX 3, 5, %d, 3, 1, %d",
			data.Mailbox, *data.NumMessages, data.UIDNext, data.UIDValidity, *data.NumUnseen, *data.NumDeleted, *data.Size, uidValidity, size)
	}
	_, err = c.Status("Nope", &imap.StatusOptions{NumMessages: true}).Wait()
	wantCode(t, "STATUS Nope", err, imap.StatusResponseTypeNo, imap.ResponseCodeNonExistent)
}

func TestNamespace(t *testing.T) {
	e := newEnv(t)
	c := e.login(t, "laptop", nil)
	data, err := c.Namespace().Wait()
	if err != nil {
		t.Fatalf("NAMESPACE: %v", err)
	}
	want := &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Prefix: "", Delim: '/'}}}
	if !reflect.DeepEqual(data, want) {
		t.Errorf("NAMESPACE = %+v, want %+v", data, want)
	}
}

func TestCapabilities(t *testing.T) {
	e := newEnv(t)
	c := e.login(t, "laptop", nil)
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range []imap.Cap{imap.CapIMAP4rev1, imap.CapIMAP4rev2, imap.CapIdle, imap.CapMove, imap.CapUIDPlus, imap.CapNamespace, imap.CapChildren} {
		if !caps.Has(cp) {
			t.Errorf("CAPABILITY lacks %s", cp)
		}
	}
}

// rawSession is an IMAP connection driven by hand.
type rawSession struct {
	t    *testing.T
	conn interface{ Write([]byte) (int, error) }
	r    *bufio.Reader
}

// cmd sends line and returns the responses up to the one tagged tag.
func (s *rawSession) cmd(tag, line string) []string {
	s.t.Helper()
	if _, err := fmt.Fprintf(s.conn, "%s\r\n", line); err != nil {
		s.t.Fatalf("write %q: %v", line, err)
	}
	var resp []string
	for {
		l, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("after %q: %v (read %q)", line, err, resp)
		}
		l = strings.TrimRight(l, "\r\n")
		resp = append(resp, l)
		if strings.HasPrefix(l, tag+" ") {
			return resp
		}
	}
}

// raw connects from the client host from, logs in by hand and returns the
// session.
func (e *env) raw(t *testing.T, from string) *rawSession {
	t.Helper()
	conn := e.dial(t, from)
	t.Cleanup(func() { conn.Close() })
	s := &rawSession{t: t, conn: conn, r: bufio.NewReader(conn)}
	if greeting, err := s.r.ReadString('\n'); err != nil || !strings.HasPrefix(greeting, "* OK ") {
		t.Fatalf("greeting = %q, %v", greeting, err)
	}
	if resp := s.cmd("a0", "a0 LOGIN beto@otro.org naranja"); !strings.HasPrefix(resp[len(resp)-1], "a0 OK") {
		t.Fatalf("LOGIN = %q", resp)
	}
	return s
}

// TestBadCommand checks that a malformed command is answered BAD and that
// the session goes on.
func TestBadCommand(t *testing.T) {
	e := newEnv(t)
	s := e.raw(t, "laptop")
	tests := []struct {
		tag, line string
		want      string // the start of the tagged response
	}{
		{"a1", "a1 FROB", "a1 BAD"},
		{"a2", "a2 NOOP", "a2 OK"},
		{"a3", "a3 FETCH 1", "a3 BAD"},
		{"a4", "a4 SELECT", "a4 BAD"},
		{"a5", "a5 FETCH 1 FLAGS", "a5 BAD"}, // not selected yet
		{"a6", "a6 SELECT INBOX", "a6 OK"},
		{"a7", "a7 FETCH 1 (FROB)", "a7 BAD"},
		{"a8", "a8 STORE 1 FROB (\\Seen)", "a8 BAD"},
		{"a9", "a9 UID FROB 1", "a9 BAD"},
		{"b1", "b1 CREATE", "b1 BAD"},
		{"b2", "b2 LOGIN beto naranja", "b2 BAD"}, // already logged in
		{"b3", "b3 NOOP", "b3 OK"},
		{"b4", "b4 LOGOUT", "b4 OK"},
	}
	for _, tt := range tests {
		resp := s.cmd(tt.tag, tt.line)
		if last := resp[len(resp)-1]; !strings.HasPrefix(last, tt.want) {
			t.Errorf("%s = %q, want %s...", tt.line, resp, tt.want)
		}
	}
}

// TestTwoSessions checks that a session that has a mailbox selected, but
// does not idle, learns of the changes made by others at its next command.
func TestTwoSessions(t *testing.T) {
	e := newEnv(t)
	inbox3(t, e)
	e.create(t, "Archive")
	b, bEvents := handlerClient(t, e, "phone")
	a, _ := e.selectBox(t, "laptop", store.Inbox, nil)

	// A marks message 3 \Seen: B is told at its next NOOP, A is not told twice.
	if _, err := a.Store(imap.SeqSetNum(3), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	if err := b.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if got := bEvents.next(t); got != `FETCH 3 UID 3 FLAGS (\Seen)` {
		t.Errorf("B after A's STORE and a NOOP got %q, want FETCH 3 with \\Seen", got)
	}
	if err := a.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if i := lineIndex(e.trace.Events(), e.conn(t, "laptop"), sim.S2C, func(s string) bool { return strings.HasPrefix(s, "* 3 FETCH (UID 3") }); i >= 0 {
		t.Errorf("A was told of its own STORE again: %q", e.trace.Events()[i].Text)
	}

	// A delivery: B gets EXISTS.
	e.deliver(t, "", mail("a@b.c", "nuevo", "y"))
	if err := b.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if got := bEvents.next(t); got != "EXISTS 4" {
		t.Errorf("B after a delivery and a NOOP got %q, want EXISTS 4", got)
	}

	// A expunges message 2: B gets EXPUNGE, but not during a FETCH.
	if _, err := a.Store(imap.SeqSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Expunge().Collect(); err != nil {
		t.Fatal(err)
	}
	msgs, err := b.Fetch(imap.SeqSetNum(4), &imap.FetchOptions{UID: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].UID != 4 {
		t.Errorf("B's FETCH 4 UID before learning of the EXPUNGE = %+v, %v, want UID 4", msgs, err)
	}
	if got := bEvents.next(t); got != `FETCH 2 UID 2 FLAGS ($Work \Deleted \Flagged)` {
		t.Errorf("B got %q, want the \\Deleted flag of message 2", got)
	}
	if err := b.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if got := bEvents.next(t); got != "EXPUNGE 2" {
		t.Errorf("B after an EXPUNGE and a NOOP got %q, want EXPUNGE 2", got)
	}
	if n := b.Mailbox().NumMessages; n != 3 {
		t.Errorf("B counts %d messages, want 3", n)
	}
	bEvents.none(t)
}

// TestStaleSequenceNumbers checks that a session that has not yet been told
// of an expunge keeps using its own sequence numbers, "*" included. (The
// commands are sent by hand: imapclient cannot match the answers to a
// FETCH of "*".)
func TestStaleSequenceNumbers(t *testing.T) {
	e := newEnv(t)
	for i := range 4 {
		e.deliver(t, "", mail("a@b.c", fmt.Sprint(i), "y"))
	}
	b := e.raw(t, "phone")
	b.cmd("s1", "s1 SELECT INBOX")
	e.acct.ExpungeUIDs(store.Inbox, []uint32{2})

	// B still counts 4 messages: its message 3 is UID 3 and its * is UID 4.
	tests := []struct {
		cmd  string
		want []string // the untagged responses
	}{
		{"FETCH 3 UID", []string{"* 3 FETCH (UID 3)"}},
		{"FETCH * UID", []string{"* 4 FETCH (UID 4)"}},
		{"FETCH 3:* UID", []string{"* 3 FETCH (UID 3)", "* 4 FETCH (UID 4)"}},
		{"FETCH *:3 UID", []string{"* 3 FETCH (UID 3)", "* 4 FETCH (UID 4)"}},
		{"FETCH 1:2 UID", []string{"* 1 FETCH (UID 1)"}},
		{"SEARCH *", []string{"* SEARCH 4"}},
		{"SEARCH 2:*", []string{"* SEARCH 3 4"}},
		{"STORE * +FLAGS (\\Flagged)", []string{"* 4 FETCH (FLAGS (\\Flagged))"}},
		// UID commands may report expunges (RFC 9051 section 7.5.1).
		{"UID FETCH * UID", []string{"* 4 FETCH (UID 4)", "* 2 EXPUNGE"}},
	}
	for i, tt := range tests {
		tag := fmt.Sprintf("t%d", i)
		resp := b.cmd(tag, tag+" "+tt.cmd)
		if got := resp[:len(resp)-1]; !slices.Equal(got, tt.want) || !strings.HasPrefix(resp[len(resp)-1], tag+" OK") {
			t.Errorf("%s = %q, want %q and OK", tt.cmd, resp, tt.want)
		}
	}
	if got := e.flags(t, store.Inbox, 4); !slices.Equal(got, []string{`\Flagged`}) {
		t.Errorf("UID 4 flags after STORE * = %q, want [\\Flagged]", got)
	}
	if got := e.flags(t, store.Inbox, 3); got != nil {
		t.Errorf("UID 3 flags after STORE * = %q, want none", got)
	}
	// Now B's * is message 3, UID 4.
	if resp := b.cmd("f1", "f1 FETCH * UID"); !slices.Equal(resp[:len(resp)-1], []string{"* 3 FETCH (UID 4)"}) {
		t.Errorf("FETCH * UID after the EXPUNGE = %q, want * 3 FETCH (UID 4)", resp)
	}
}

// TestStarNotYetAnnounced checks that "*" is the last message the client
// knows of, not one delivered since that it has not been told about.
func TestStarNotYetAnnounced(t *testing.T) {
	e := newEnv(t)
	for i := range 2 {
		e.deliver(t, "", mail("a@b.c", fmt.Sprint(i), "y"))
	}
	b := e.raw(t, "phone")
	b.cmd("s1", "s1 SELECT INBOX")
	// The new message is announced after the answers, and not answered for.
	tests := []struct {
		cmd  string
		want []string
	}{
		{"FETCH * UID", []string{"* 2 FETCH (UID 2)", "* 3 EXISTS"}},
		{"UID FETCH 9:* UID", []string{"* 3 FETCH (UID 3)", "* 4 EXISTS"}},
		{"SEARCH *", []string{"* SEARCH 4", "* 5 EXISTS"}},
		{"STORE * +FLAGS.SILENT (\\Seen)", []string{"* 6 EXISTS"}},
	}
	for i, tt := range tests {
		e.deliver(t, "", mail("a@b.c", fmt.Sprint("new ", i), "y"))
		tag := fmt.Sprintf("t%d", i)
		resp := b.cmd(tag, tag+" "+tt.cmd)
		if got := resp[:len(resp)-1]; !slices.Equal(got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.cmd, resp, tt.want)
		}
	}
	if got := e.flags(t, store.Inbox, 5); !slices.Equal(got, []string{`\Seen`}) {
		t.Errorf("UID 5 flags after STORE * = %q, want [\\Seen]", got)
	}
	if got := e.flags(t, store.Inbox, 6); got != nil {
		t.Errorf("UID 6 (not yet announced) flags after STORE * = %q, want none", got)
	}
}

// TestUIDStarAfterExpunge checks that "*" in a UID range is the highest UID
// in use, even when higher UIDs were given out and expunged.
func TestUIDStarAfterExpunge(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		e.deliver(t, "", mail("a@b.c", fmt.Sprint(i), "y"))
	}
	e.acct.ExpungeUIDs(store.Inbox, []uint32{3})
	c := e.raw(t, "laptop")
	c.cmd("s1", "s1 SELECT INBOX")
	// RFC 9051 section 6.4.8: "a UID range of 559:* always includes the UID
	// of the last message in the mailbox, even if 559 is higher than any
	// assigned UID value".
	tests := []struct {
		cmd  string
		want []string
	}{
		{"UID FETCH 5:* UID", []string{"* 2 FETCH (UID 2)"}},
		{"UID FETCH 3:* UID", []string{"* 2 FETCH (UID 2)"}},
		{"UID FETCH 1:* UID", []string{"* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)"}},
		{"UID SEARCH UID 5:*", []string{"* SEARCH 2"}},
		{"UID SEARCH UID 3", []string{"* SEARCH"}},
	}
	for i, tt := range tests {
		tag := fmt.Sprintf("t%d", i)
		resp := c.cmd(tag, tag+" "+tt.cmd)
		if got := resp[:len(resp)-1]; !slices.Equal(got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.cmd, resp, tt.want)
		}
	}
	// An empty mailbox has no "*".
	e.create(t, "Empty")
	c.cmd("s2", "s2 SELECT Empty")
	for _, cmd := range []string{"FETCH * UID", "UID FETCH 1:* UID", "SEARCH *"} {
		resp := c.cmd("e1", "e1 "+cmd)
		if last := resp[len(resp)-1]; strings.Contains(strings.Join(resp, "\n"), "FETCH (") || !strings.HasPrefix(last, "e1 OK") {
			t.Errorf("%s in an empty mailbox = %q, want nothing and OK", cmd, resp)
		}
	}
}

// TestDeletedWhileSelected checks that changes made in a mailbox that
// another session deleted are not published as changes of a new mailbox
// with the same name.
func TestDeletedWhileSelected(t *testing.T) {
	e := newEnv(t)
	e.create(t, "Work")
	e.deliver(t, "Work", mail("a@b.c", "old", "y"))
	a, _ := e.selectBox(t, "laptop", "Work", nil)
	b := e.login(t, "phone", nil)
	if err := b.Delete("Work").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := b.Create("Work", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	e.deliver(t, "Work", mail("a@b.c", "new", "y"))

	// A still has the old Work selected.
	a.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect()
	a.Expunge().Collect()

	if got := e.acct.Messages("Work"); len(got) != 1 || got[0].Info.Subject != "new" || got[0].Flags != nil {
		t.Errorf("new Work = %+v, want the new message, unflagged", got)
	}
	rebuilt := sim.NewState()
	for _, ev := range e.trace.Events() {
		rebuilt.Apply(&ev)
	}
	if got, want := dump(rebuilt), dump(e.st.Snapshot()); got != want {
		t.Errorf("state rebuilt from the trace =\n%s\nwant (Snapshot)\n%s", got, want)
	}
}

// events records a client's unilateral data as text.
type events struct {
	ch chan string
}

// handlerClient logs in from the client host from with a client that
// records unilateral EXISTS, FETCH and EXPUNGE, and selects INBOX.
func handlerClient(t *testing.T, e *env, from string) (*imapclient.Client, *events) {
	t.Helper()
	ev := &events{ch: make(chan string, 1000)}
	opts := &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				ev.ch <- fmt.Sprintf("EXISTS %d", *data.NumMessages)
			}
		},
		Expunge: func(seq uint32) { ev.ch <- fmt.Sprintf("EXPUNGE %d", seq) },
		Fetch: func(msg *imapclient.FetchMessageData) {
			buf, err := msg.Collect()
			if err != nil {
				ev.ch <- fmt.Sprintf("FETCH %d error %v", msg.SeqNum, err)
				return
			}
			ev.ch <- fmt.Sprintf("FETCH %d UID %d FLAGS (%s)", buf.SeqNum, buf.UID, strings.Join(sortedFlags(buf.Flags), " "))
		},
	}}
	c, _ := e.selectBox(t, from, store.Inbox, opts)
	return c, ev
}

// next waits for the next unilateral response.
func (ev *events) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-ev.ch:
		return s
	case <-time.After(guard):
		t.Fatalf("no unilateral response within %v", guard)
		return ""
	}
}

// none fails if a unilateral response is waiting.
func (ev *events) none(t *testing.T) {
	t.Helper()
	select {
	case s := <-ev.ch:
		t.Errorf("unexpected unilateral response %q", s)
	default:
	}
}

// multipart is a message with a text part and an attachment.
var multipart = []byte("From: Ana <ana@uno.org>\r\nTo: beto@otro.org\r\nSubject: Fotos\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n\r\n" +
	"--sep\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVer el adjunto.\r\n" +
	"--sep\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=secreto.bin\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nc2VjcmV0bw==\r\n" +
	"--sep--\r\n")

func TestMultipart(t *testing.T) {
	e := newEnv(t)
	e.deliver(t, "", mail("Ana <ana@uno.org>", "Plano", "Sin adjunto; secreto.bin"))
	e.deliver(t, "", multipart)
	c, _ := e.selectBox(t, "laptop", store.Inbox, nil)

	// Text is searched in text parts only.
	tests := []struct {
		name     string
		criteria imap.SearchCriteria
		want     []uint32
	}{
		{"BODY adjunto", imap.SearchCriteria{Body: []string{"adjunto"}}, []uint32{1, 2}},
		{"BODY ver el", imap.SearchCriteria{Body: []string{"ver el"}}, []uint32{2}},
		{"BODY c2VjcmV0bw", imap.SearchCriteria{Body: []string{"c2VjcmV0bw"}}, nil},
		{"TEXT secreto.bin", imap.SearchCriteria{Text: []string{"secreto.bin"}}, []uint32{1, 2}},
		{"BODY secreto.bin", imap.SearchCriteria{Body: []string{"secreto.bin"}}, []uint32{1}},
		{"TEXT multipart", imap.SearchCriteria{Text: []string{"multipart/mixed"}}, []uint32{2}},
	}
	for _, tt := range tests {
		data, err := c.Search(&tt.criteria, nil).Wait()
		if err != nil || !slices.Equal(data.AllSeqNums(), tt.want) {
			t.Errorf("SEARCH %s = %v, %v, want %v", tt.name, data.AllSeqNums(), err, tt.want)
		}
	}

	part2 := &imap.FetchItemBinarySection{Part: []int{2}, Peek: true}
	msgs, err := c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{
		BodyStructure:     &imap.FetchItemBodyStructure{Extended: true},
		BinarySection:     []*imap.FetchItemBinarySection{part2},
		BinarySectionSize: []*imap.FetchItemBinarySectionSize{{Part: []int{2}}},
	}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("FETCH 2 (BODYSTRUCTURE BINARY.PEEK[2] BINARY.SIZE[2]) = %v, %v", msgs, err)
	}
	m := msgs[0]
	mp, ok := m.BodyStructure.(*imap.BodyStructureMultiPart)
	if !ok || mp.Subtype != "mixed" || len(mp.Children) != 2 || mp.Children[1].MediaType() != "application/octet-stream" {
		t.Errorf("BODYSTRUCTURE = %#v, want multipart/mixed with an application/octet-stream second part", m.BodyStructure)
	}
	if got := m.FindBinarySection(part2); string(got) != "secreto" {
		t.Errorf("BINARY.PEEK[2] = %q, want %q", got, "secreto")
	}
	if len(m.BinarySectionSize) != 1 || m.BinarySectionSize[0].Size != 7 {
		t.Errorf("BINARY.SIZE[2] = %+v, want 7", m.BinarySectionSize)
	}
	if got := e.flags(t, store.Inbox, 2); got != nil {
		t.Errorf("flags after peeking = %q, want none", got)
	}
}

func TestSessionAccount(t *testing.T) {
	e := newEnv(t)
	s := e.st.NewSession(nil)
	if s.Account() != nil || s.String() != "store.Session(not logged in)" {
		t.Errorf("new session: Account() = %v, String() = %q", s.Account(), s)
	}
	if err := s.Login("beto", "limon"); err == nil || s.Account() != nil {
		t.Errorf("Login(beto, limon) = %v, account %v; want an error and no account", err, s.Account())
	}
	if err := s.Login("beto", password); err != nil || s.Account() != e.acct || s.String() != "store.Session(beto@otro.org)" {
		t.Errorf("Login(beto) = %v: account %v, %q", err, s.Account(), s)
	}
}
