package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/store"
)

// newStore returns a store on a virtual clock standing at sim.Epoch, and
// what it publishes.
func newStore(t *testing.T) (*store.Store, *sim.VirtualClock, *recorder) {
	t.Helper()
	clock := sim.NewVirtualClock(sim.Epoch)
	rec := &recorder{}
	return store.New(store.Options{Clock: clock, Publish: rec.publish}), clock, rec
}

func mustAccount(t *testing.T, st *store.Store, address, password, host string) *store.Account {
	t.Helper()
	a, err := st.AddAccount(address, password, host)
	if err != nil {
		t.Fatalf("AddAccount(%q): %v", address, err)
	}
	return a
}

// epochUIDValidity is the UIDVALIDITY the first mailbox of a store on a
// clock standing at sim.Epoch gets.
var epochUIDValidity = uint32(sim.Epoch.Unix()) + 1

func TestAddAccount(t *testing.T) {
	tests := []struct {
		in      string
		want    string // the address, or "" for an error
		wantErr string // part of the error
	}{
		{"beto@otro.org", "beto@otro.org", ""},
		{"Ana@Uno.ORG", "ana@uno.org", ""},
		{"  carla@tres.org ", "carla@tres.org", ""},
		{"nope", "", "not an address"},
		{"@otro.org", "", "not an address"},
		{"dani@", "", "not an address"},
		{"", "", "not an address"},
		{"be to@otro.org", "", "not an address"},
		{"<eva@otro.org>", "", "not an address"},
		{`"eva"@otro.org`, "", "not an address"},
		{"beto@otro.org", "", "already exists"},
		{"BETO@OTRO.ORG", "", "already exists"},
	}
	st, _, rec := newStore(t)
	for _, tt := range tests {
		a, err := st.AddAccount(tt.in, "pw", "mail.example")
		changes := rec.take()
		if tt.want == "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "store: ") {
				t.Errorf("AddAccount(%q) = %v, want error %q", tt.in, err, tt.wantErr)
			}
			if a != nil || len(changes) != 0 {
				t.Errorf("AddAccount(%q) failed but returned %v and published %v", tt.in, a, changes)
			}
			continue
		}
		if err != nil {
			t.Errorf("AddAccount(%q) = %v, want success", tt.in, err)
			continue
		}
		if a.Address() != tt.want || a.Host() != "mail.example" {
			t.Errorf("AddAccount(%q) = %s on %s, want %s on mail.example", tt.in, a.Address(), a.Host(), tt.want)
		}
		if got := a.Mailboxes(); !slices.Equal(got, []string{store.Inbox}) {
			t.Errorf("AddAccount(%q).Mailboxes() = %q, want [INBOX]", tt.in, got)
		}
		if len(changes) != 2 || changes[0].Op != sim.OpAccount || changes[0].Account != tt.want || changes[0].Host != "mail.example" ||
			changes[1].Op != sim.OpMailboxCreate || changes[1].Account != tt.want || changes[1].Mailbox != store.Inbox || changes[1].UIDValidity == 0 {
			t.Errorf("AddAccount(%q) published %+v, want account then create INBOX", tt.in, changes)
		}
		if got := st.Account(strings.ToUpper(tt.want)); got != a {
			t.Errorf("Account(%q) = %v, want the new account", strings.ToUpper(tt.want), got)
		}
	}
	var got []string
	for _, a := range st.Accounts() {
		got = append(got, a.Address())
	}
	if want := []string{"ana@uno.org", "beto@otro.org", "carla@tres.org"}; !slices.Equal(got, want) {
		t.Errorf("Accounts() = %q, want %q", got, want)
	}
	if got := st.Account("nadie@otro.org"); got != nil {
		t.Errorf("Account(nadie@otro.org) = %v, want nil", got)
	}
}

func TestAccountLocal(t *testing.T) {
	st, _, _ := newStore(t)
	a := mustAccount(t, st, "Beto@Otro.org", "pw", "mail.otro.org")
	if got := a.Local(); got != "beto" {
		t.Errorf("Local() = %q, want beto", got)
	}
}

func TestAuthenticate(t *testing.T) {
	st, _, _ := newStore(t)
	mustAccount(t, st, "beto@otro.org", "naranja", "mail.otro.org")
	mustAccount(t, st, "ana@otro.org", "kiwi", "mail.otro.org")
	mustAccount(t, st, "ana@uno.org", "pera", "mail.uno.org")
	mustAccount(t, st, "carla@uno.org", "uva", "mail.uno.org")
	otro := func(a *store.Account) bool { return a.Host() == "mail.otro.org" }
	uno := func(a *store.Account) bool { return a.Host() == "mail.uno.org" }

	tests := []struct {
		name     string
		user     string
		password string
		accept   func(*store.Account) bool
		want     string // the account, or "" when authentication fails
	}{
		{"address", "beto@otro.org", "naranja", nil, "beto@otro.org"},
		{"address in capitals", "BETO@Otro.Org", "naranja", nil, "beto@otro.org"},
		{"address with spaces", " beto@otro.org ", "naranja", nil, "beto@otro.org"},
		{"unique local part", "beto", "naranja", nil, "beto@otro.org"},
		{"unique local part in capitals", "Carla", "uva", nil, "carla@uno.org"},
		{"ambiguous local part", "ana", "kiwi", nil, ""},
		{"ambiguous local part, other password", "ana", "pera", nil, ""},
		{"local part unique among accepted", "ana", "kiwi", otro, "ana@otro.org"},
		{"local part unique among accepted, other host", "ana", "pera", uno, "ana@uno.org"},
		{"local part of a refused account", "beto", "naranja", uno, ""},
		{"wrong password", "beto@otro.org", "limon", nil, ""},
		{"password in other case", "beto@otro.org", "NARANJA", nil, ""},
		{"empty password", "beto@otro.org", "", nil, ""},
		{"refused by accept", "beto@otro.org", "naranja", uno, ""},
		{"accepted", "beto@otro.org", "naranja", otro, "beto@otro.org"},
		{"unknown address", "nadie@otro.org", "naranja", nil, ""},
		{"address is not a local part", "beto@uno.org", "naranja", nil, ""},
		{"unknown local part", "nadie", "x", nil, ""},
		{"empty user", "", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := st.Authenticate(tt.user, tt.password, tt.accept)
			if tt.want == "" {
				if !errors.Is(err, store.ErrAuth) || a != nil {
					t.Errorf("Authenticate(%q, %q) = %v, %v, want nil, ErrAuth", tt.user, tt.password, a, err)
				}
				return
			}
			if err != nil || a == nil || a.Address() != tt.want {
				t.Errorf("Authenticate(%q, %q) = %v, %v, want %s", tt.user, tt.password, a, err, tt.want)
			}
		})
	}
}

func TestDeliver(t *testing.T) {
	st, clock, rec := newStore(t)
	a := mustAccount(t, st, "beto@otro.org", "naranja", "mail.otro.org")
	if err := a.CreateMailbox("Archive"); err != nil {
		t.Fatal(err)
	}
	rec.take()

	tests := []struct {
		address string
		mailbox string
		want    imap.UID // 0 for an error
		wantBox string
	}{
		{"beto@otro.org", "", 1, store.Inbox},
		{"beto@otro.org", store.Inbox, 2, store.Inbox},
		{"BETO@otro.org", "", 3, store.Inbox},
		{"beto@otro.org", "Archive", 1, "Archive"},
		{"beto@otro.org", "Archive", 2, "Archive"},
		{"beto@otro.org", "Nope", 0, ""},
		{"beto@otro.org", "Archive/Nope", 0, ""},
		{"nadie@otro.org", "", 0, ""},
		{"beto@otro.org", "", 4, store.Inbox},
	}
	for i, tt := range tests {
		clock.Advance(time.Minute)
		raw := mail("Ana <ana@uno.org>", fmt.Sprintf("Message %d", i), "hola")
		uid, err := st.Deliver(tt.address, tt.mailbox, raw, nil)
		changes := rec.take()
		if tt.want == 0 {
			if err == nil || !strings.HasPrefix(err.Error(), "store: ") || uid != 0 || len(changes) != 0 {
				t.Errorf("Deliver(%s, %q) = %d, %v (published %d changes), want a store error", tt.address, tt.mailbox, uid, err, len(changes))
			}
			continue
		}
		if err != nil || uid != tt.want {
			t.Errorf("Deliver(%s, %q) = %d, %v, want %d", tt.address, tt.mailbox, uid, err, tt.want)
			continue
		}
		if len(changes) != 1 {
			t.Errorf("Deliver(%s, %q) published %d changes, want 1", tt.address, tt.mailbox, len(changes))
			continue
		}
		c := changes[0]
		if c.Op != sim.OpAppend || c.Host != "mail.otro.org" || c.Account != "beto@otro.org" || c.Mailbox != tt.wantBox || c.UID != uint32(tt.want) || c.Msg == nil {
			t.Errorf("Deliver(%s, %q) published %+v, want append %s uid %d", tt.address, tt.mailbox, c, tt.wantBox, tt.want)
			continue
		}
		wantInfo := sim.MsgInfo{Size: len(raw), Date: clock.Now(), From: "Ana <ana@uno.org>", To: "Beto <beto@otro.org>",
			Subject: fmt.Sprintf("Message %d", i), MessageID: msgID(fmt.Sprintf("Message %d", i))}
		if !reflect.DeepEqual(*c.Msg, wantInfo) {
			t.Errorf("Deliver(%s, %q) info = %+v, want %+v", tt.address, tt.mailbox, *c.Msg, wantInfo)
		}
		if got := a.Raw(tt.wantBox, uint32(uid)); !bytes.Equal(got, raw) {
			t.Errorf("Raw(%s, %d) = %q, want %q", tt.wantBox, uid, got, raw)
		}
		msgs := a.Messages(tt.wantBox)
		if last := msgs[len(msgs)-1]; last.UID != uint32(uid) || !reflect.DeepEqual(last.Info, wantInfo) {
			t.Errorf("Messages(%s) ends with %+v, want UID %d and %+v", tt.wantBox, last, uid, wantInfo)
		}
	}
	if got, want := uidsOf(a.Messages(store.Inbox)), []uint32{1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("INBOX UIDs = %v, want %v", got, want)
	}
	if got := a.Raw(store.Inbox, 99); got != nil {
		t.Errorf("Raw(INBOX, 99) = %q, want nil", got)
	}
	if got := a.Raw("Nope", 1); got != nil {
		t.Errorf("Raw(Nope, 1) = %q, want nil", got)
	}
	if got := a.Messages("Nope"); got != nil {
		t.Errorf("Messages(Nope) = %v, want nil", got)
	}
}

func uidsOf(msgs []sim.MessageState) []uint32 {
	var l []uint32
	for _, m := range msgs {
		l = append(l, m.UID)
	}
	return l
}

// TestUIDsNeverReused checks that UIDs keep increasing after the messages
// with the highest UIDs are expunged.
func TestUIDsNeverReused(t *testing.T) {
	st, _, _ := newStore(t)
	a := mustAccount(t, st, "beto@otro.org", "naranja", "mail.otro.org")
	for range 3 {
		if _, err := st.Deliver(a.Address(), "", mail("a@b.c", "x", "y"), nil); err != nil {
			t.Fatal(err)
		}
	}
	a.ExpungeUIDs(store.Inbox, []uint32{2, 3})
	uid, err := st.Deliver(a.Address(), "", mail("a@b.c", "x", "y"), nil)
	if err != nil || uid != 4 {
		t.Errorf("Deliver after expunging UIDs 2 and 3 = %d, %v, want 4", uid, err)
	}
	if got, want := uidsOf(a.Messages(store.Inbox)), []uint32{1, 4}; !slices.Equal(got, want) {
		t.Errorf("INBOX UIDs = %v, want %v", got, want)
	}
}

func TestUIDValidity(t *testing.T) {
	st, clock, rec := newStore(t)
	a := mustAccount(t, st, "beto@otro.org", "naranja", "mail.otro.org")
	clock.Advance(time.Hour) // later mailboxes still count on from the store's start
	mustAccount(t, st, "ana@uno.org", "pera", "mail.uno.org")
	if err := a.CreateMailbox("Archive/2026"); err != nil {
		t.Fatal(err)
	}
	sess := st.NewSession(nil)
	if err := sess.Login("beto@otro.org", "naranja"); err != nil {
		t.Fatal(err)
	}
	if err := sess.Delete("Archive/2026"); err != nil {
		t.Fatal(err)
	}
	if err := sess.Create("Archive/2026", nil); err != nil {
		t.Fatal(err)
	}

	var got []string
	seen := make(map[uint32]bool)
	for _, c := range rec.take() {
		if c.Op != sim.OpMailboxCreate {
			continue
		}
		got = append(got, fmt.Sprintf("%s %s %d", c.Account, c.Mailbox, c.UIDValidity-epochUIDValidity))
		if seen[c.UIDValidity] {
			t.Errorf("UIDVALIDITY %d given twice", c.UIDValidity)
		}
		seen[c.UIDValidity] = true
	}
	want := []string{
		"beto@otro.org INBOX 0",
		"ana@uno.org INBOX 1",
		"beto@otro.org Archive 2",
		"beto@otro.org Archive/2026 3",
		"beto@otro.org Archive/2026 4", // created again: a new UIDVALIDITY
	}
	if !slices.Equal(got, want) {
		t.Errorf("created mailboxes (UIDVALIDITY - %d) = %q, want %q", epochUIDValidity, got, want)
	}
	if v := st.Snapshot().Accounts["beto@otro.org"].Mailboxes[store.Inbox].UIDValidity; v != epochUIDValidity {
		t.Errorf("INBOX UIDVALIDITY = %d, want %d (the clock's Unix time + 1)", v, epochUIDValidity)
	}

	// A store on another clock starts elsewhere, and a store restarted on the
	// same clock gives the same values.
	later := sim.NewVirtualClock(sim.Epoch.Add(24 * time.Hour))
	st2 := store.New(store.Options{Clock: later})
	mustAccount(t, st2, "beto@otro.org", "naranja", "mail.otro.org")
	if v, want := st2.Snapshot().Accounts["beto@otro.org"].Mailboxes[store.Inbox].UIDValidity, epochUIDValidity+24*3600; v != want {
		t.Errorf("INBOX UIDVALIDITY a day later = %d, want %d", v, want)
	}
}

func TestFlagNormalisation(t *testing.T) {
	tests := []struct {
		in   []imap.Flag
		want []string
	}{
		{nil, nil},
		{[]imap.Flag{}, nil},
		{[]imap.Flag{`\seen`}, []string{`\Seen`}},
		{[]imap.Flag{`\SEEN`, `\Seen`, `\seen`}, []string{`\Seen`}},
		{[]imap.Flag{`\answered`, `\DELETED`, `\draft`, `\fLaGgEd`, `\seen`}, []string{`\Answered`, `\Deleted`, `\Draft`, `\Flagged`, `\Seen`}},
		{[]imap.Flag{`\Recent`}, nil},
		{[]imap.Flag{`\recent`, `\Flagged`}, []string{`\Flagged`}},
		{[]imap.Flag{`\*`}, nil},
		{[]imap.Flag{`\*`, `\Seen`, `\Recent`}, []string{`\Seen`}},
		{[]imap.Flag{`$Forwarded`, `Work`}, []string{`$Forwarded`, `Work`}},
		{[]imap.Flag{`\Seen`, `Work`, `$Forwarded`}, []string{`$Forwarded`, `Work`, `\Seen`}},
		{[]imap.Flag{`Work`, `work`, `WORK`}, []string{`Work`}},
		{[]imap.Flag{`$Junk`, `\Seen`, `$junk`, `\seen`}, []string{`$Junk`, `\Seen`}},
	}
	st, _, rec := newStore(t)
	a := mustAccount(t, st, "beto@otro.org", "naranja", "mail.otro.org")
	rec.take()
	for _, tt := range tests {
		uid, err := st.Deliver(a.Address(), "", mail("a@b.c", "x", "y"), tt.in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range a.Messages(store.Inbox) {
			if m.UID == uint32(uid) {
				got = m.Flags
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Deliver with flags %q: flags = %q, want %q", tt.in, got, tt.want)
		}
		if c := rec.take(); len(c) != 1 || !slices.Equal(c[0].Flags, tt.want) {
			t.Errorf("Deliver with flags %q published %+v, want flags %q", tt.in, c, tt.want)
		}
	}
}

// literal is an APPEND literal.
type literal struct{ *bytes.Reader }

func newLiteral(b []byte) literal { return literal{bytes.NewReader(b)} }

// TestChanges checks every change a mixed sequence publishes, in order.
func TestChanges(t *testing.T) {
	st, clock, rec := newStore(t)
	v := func(n uint32) uint32 { return epochUIDValidity + n }
	const (
		h = "mail.otro.org"
		b = "beto@otro.org"
	)
	a := mustAccount(t, st, b, "naranja", h)
	raw1 := mail("Ana <ana@uno.org>", "Uno", "1")
	raw2 := mail("Ana <ana@uno.org>", "Dos", "2")
	raw3 := mail("Ana <ana@uno.org>", "Tres", "3")
	if _, err := st.Deliver(b, "", raw1, nil); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if _, err := st.Deliver(b, "", raw2, []imap.Flag{`\seen`}); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateMailbox("Work/2026"); err != nil {
		t.Fatal(err)
	}
	sess := st.NewSession(nil)
	if err := sess.Login("beto", "naranja"); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Select("inbox", &imap.SelectOptions{}); err != nil {
		t.Fatal(err)
	}
	// STORE 1 +FLAGS.SILENT (\Flagged \Deleted): a silent store writes nothing.
	if err := sess.Store(nil, imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagFlagged, imap.FlagDeleted}}, nil); err != nil {
		t.Fatal(err)
	}
	// STORE 2 +FLAGS.SILENT (\Seen): nothing changes, nothing is published.
	if err := sess.Store(nil, imap.SeqSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Copy(imap.SeqSetNum(1, 2), "Work"); err != nil {
		t.Fatal(err)
	}
	if err := sess.Expunge(nil, nil); err != nil {
		t.Fatal(err)
	}
	date := sim.Epoch.Add(-time.Hour)
	if _, err := sess.Append("Work/2026", newLiteral(raw3), &imap.AppendOptions{Flags: []imap.Flag{"$Work"}, Time: date}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Rename("Work/2026", "Work/2025", nil); err != nil {
		t.Fatal(err)
	}
	a.ExpungeUIDs("Work", []uint32{2, 99})
	if err := sess.Delete("Work/2025"); err != nil {
		t.Fatal(err)
	}

	info := func(raw []byte, subject string, date time.Time) *sim.MsgInfo {
		return &sim.MsgInfo{Size: len(raw), Date: date, From: "Ana <ana@uno.org>", To: "Beto <beto@otro.org>", Subject: subject,
			MessageID: msgID(subject)}
	}
	t0, t1 := sim.Epoch, sim.Epoch.Add(time.Minute)
	want := []sim.Change{
		{Op: sim.OpAccount, Host: h, Account: b},
		{Op: sim.OpMailboxCreate, Host: h, Account: b, Mailbox: "INBOX", UIDValidity: v(0)},
		{Op: sim.OpAppend, Host: h, Account: b, Mailbox: "INBOX", UIDValidity: v(0), UID: 1, Msg: info(raw1, "Uno", t0)},
		{Op: sim.OpAppend, Host: h, Account: b, Mailbox: "INBOX", UIDValidity: v(0), UID: 2, Flags: []string{`\Seen`}, Msg: info(raw2, "Dos", t1)},
		{Op: sim.OpMailboxCreate, Host: h, Account: b, Mailbox: "Work", UIDValidity: v(1)},
		{Op: sim.OpMailboxCreate, Host: h, Account: b, Mailbox: "Work/2026", UIDValidity: v(2)},
		{Op: sim.OpFlags, Host: h, Account: b, Mailbox: "INBOX", UIDValidity: v(0), UID: 1, Flags: []string{`\Deleted`, `\Flagged`}},
		{Op: sim.OpAppend, Host: h, Account: b, Mailbox: "Work", UIDValidity: v(1), UID: 1, Flags: []string{`\Deleted`, `\Flagged`}, Msg: info(raw1, "Uno", t0)},
		{Op: sim.OpAppend, Host: h, Account: b, Mailbox: "Work", UIDValidity: v(1), UID: 2, Flags: []string{`\Seen`}, Msg: info(raw2, "Dos", t1)},
		{Op: sim.OpExpunge, Host: h, Account: b, Mailbox: "INBOX", UIDValidity: v(0), UID: 1},
		{Op: sim.OpAppend, Host: h, Account: b, Mailbox: "Work/2026", UIDValidity: v(2), UID: 1, Flags: []string{"$Work"}, Msg: info(raw3, "Tres", date)},
		{Op: sim.OpMailboxRename, Host: h, Account: b, Mailbox: "Work/2026", NewName: "Work/2025"},
		{Op: sim.OpExpunge, Host: h, Account: b, Mailbox: "Work", UIDValidity: v(1), UID: 2},
		{Op: sim.OpMailboxDelete, Host: h, Account: b, Mailbox: "Work/2025"},
	}
	got := rec.take()
	for i := range max(len(got), len(want)) {
		var g, w *sim.Change
		if i < len(got) {
			g = &got[i]
		}
		if i < len(want) {
			w = &want[i]
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("change %d = %s, want %s", i, describe(g), describe(w))
		}
	}
}

func describe(c *sim.Change) string {
	if c == nil {
		return "none"
	}
	s := fmt.Sprintf("%+v", *c)
	if c.Msg != nil {
		s += fmt.Sprintf(" msg %+v", *c.Msg)
	}
	return s
}

// TestSnapshotMatchesTrace checks that the state rebuilt from what the
// store published is what the store holds, after a mixed sequence made
// over IMAP and directly.
func TestSnapshotMatchesTrace(t *testing.T) {
	e := newEnv(t)
	if _, err := e.st.AddAccount("ana@uno.org", "pera", "mail.uno.org"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		e.clock.Advance(time.Minute)
		var flags []imap.Flag
		if i%2 == 0 {
			flags = []imap.Flag{imap.FlagSeen}
		}
		e.deliver(t, "", mail("Ana <ana@uno.org>", fmt.Sprintf("Mensaje %d", i), "hola"), flags...)
	}
	if _, err := e.st.Deliver("ana@uno.org", "", mail("Beto <beto@otro.org>", "Hola Ana", "hola"), nil); err != nil {
		t.Fatal(err)
	}
	e.create(t, "Archive/2026", "Trash", "Empty")

	c, _ := e.selectBox(t, "laptop", "INBOX", nil)
	d, _ := e.selectBox(t, "phone", "Archive/2026", nil)
	steps := []struct {
		name string
		do   func() error
	}{
		{"STORE", func() error {
			_, err := c.Store(imap.SeqSetNum(1, 2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged, "$Work"}}, nil).Collect()
			return err
		}},
		{"FETCH BODY[]", func() error {
			_, err := c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect()
			return err
		}},
		{"COPY", func() error { _, err := c.Copy(imap.SeqSetNum(1, 2, 3), "Archive/2026").Wait(); return err }},
		{"MOVE", func() error { _, err := c.Move(imap.UIDSetNum(4), "Trash").Wait(); return err }},
		{"STORE \\Deleted", func() error {
			_, err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsSet, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect()
			return err
		}},
		{"EXPUNGE", func() error { _, err := c.Expunge().Collect(); return err }},
		{"RENAME", func() error { return c.Rename("Archive/2026", "Archive/2025", nil).Wait() }},
		{"DELETE", func() error { return c.Delete("Empty").Wait() }},
		{"CREATE", func() error { return c.Create("Sent/Old", nil).Wait() }},
		{"APPEND", func() error {
			raw := mail("Beto <beto@otro.org>", "Borrador", "...")
			cmd := c.Append("Sent/Old", int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagDraft}})
			cmd.Write(raw)
			cmd.Close()
			_, err := cmd.Wait()
			return err
		}},
		{"ExpungeUIDs", func() error { e.acct.ExpungeUIDs("Trash", []uint32{1}); return nil }},
		{"Deliver", func() error {
			_, err := e.st.Deliver(beto, "Archive/2025", mail("x@y.z", "Tarde", "..."), []imap.Flag{"$Late"})
			return err
		}},
		{"RENAME with children", func() error { return c.Rename("Archive", "Attic", nil).Wait() }},
		{"STORE in a mailbox renamed while selected", func() error {
			if err := d.Noop().Wait(); err != nil {
				return err
			}
			_, err := d.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{"$Renamed"}}, nil).Collect()
			return err
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		rebuilt := sim.NewState()
		for _, ev := range e.trace.Events() {
			rebuilt.Apply(&ev)
		}
		if got, want := dump(rebuilt), dump(e.st.Snapshot()); got != want {
			t.Fatalf("after %s, state rebuilt from the trace =\n%s\nwant (Snapshot)\n%s", s.name, got, want)
		}
	}
	// The sequence left something in every kind of place.
	snap := dump(e.st.Snapshot())
	for _, want := range []string{`Attic/2025`, `Sent/Old`, `$Late`, `$Renamed`, `\Draft`, `ana@uno.org`} {
		if !strings.Contains(snap, want) {
			t.Errorf("Snapshot() lacks %s:\n%s", want, snap)
		}
	}
}

// dump formats the accounts of a state so that an empty list and a nil one
// look the same.
func dump(s *sim.State) string {
	var b strings.Builder
	for _, addr := range s.AccountNames() {
		a := s.Accounts[addr]
		fmt.Fprintf(&b, "%s on %s\n", a.Address, a.Host)
		for _, name := range a.MailboxNames() {
			m := a.Mailboxes[name]
			fmt.Fprintf(&b, "  %s (%s) uidvalidity %d\n", name, m.Name, m.UIDValidity)
			for _, msg := range m.Messages {
				fmt.Fprintf(&b, "    %d %q %+v\n", msg.UID, msg.Flags, msg.Info)
			}
		}
	}
	return b.String()
}
