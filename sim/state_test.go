package sim_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
)

// dump renders a state as sorted text, one thing a line, for comparisons
// that read well in a failure message.
func dump(s *sim.State) string {
	var b strings.Builder
	for _, addr := range s.AccountNames() {
		a := s.Accounts[addr]
		fmt.Fprintf(&b, "account %s on %s\n", a.Address, a.Host)
		for _, name := range a.MailboxNames() {
			m := a.Mailboxes[name]
			fmt.Fprintf(&b, "  mailbox %q uidvalidity=%d\n", m.Name, m.UIDValidity)
			for _, msg := range m.Messages {
				fmt.Fprintf(&b, "    uid=%d flags=%v %q\n", msg.UID, msg.Flags, msg.Info.Subject)
			}
		}
	}
	for _, host := range sortedHosts(s.Queues) {
		fmt.Fprintf(&b, "queue %s\n", host)
		for _, q := range s.Queues[host] {
			fmt.Fprintf(&b, "  id=%s %q <%s> -> %v\n", q.ID, q.Info.Subject, q.Info.MailFrom, q.Info.RcptTo)
		}
	}
	for _, id := range s.DeviceNames() {
		d := s.Devices[id]
		fmt.Fprintf(&b, "device %s\n", d.ID)
		for _, it := range d.Items {
			fmt.Fprintf(&b, "  %s %s %q uid=%d flags=%v %q partial=%v\n", it.Key, it.Account, it.Mailbox, it.UID, it.Flags, it.Info.Subject, it.Partial)
		}
	}
	return b.String()
}

func sortedHosts(m map[string][]sim.QueueEntry) []string {
	var hosts []string
	for h := range m {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	return hosts
}

// Shorthands for the changes of the tables below.
const (
	mx  = "mx.example.org"
	ana = "ana@example.org"
	bob = "bob@example.org"
)

func account(addr string) *sim.Change {
	return &sim.Change{Op: sim.OpAccount, Host: mx, Account: addr}
}

func create(addr, mbox string, v uint32) *sim.Change {
	return &sim.Change{Op: sim.OpMailboxCreate, Host: mx, Account: addr, Mailbox: mbox, UIDValidity: v}
}

func appendMsg(addr, mbox string, uid uint32, subject string, flags ...string) *sim.Change {
	return &sim.Change{Op: sim.OpAppend, Host: mx, Account: addr, Mailbox: mbox, UID: uid, Flags: flags, Msg: &sim.MsgInfo{Subject: subject, Size: 100}}
}

func flags(addr, mbox string, uid uint32, flags ...string) *sim.Change {
	return &sim.Change{Op: sim.OpFlags, Host: mx, Account: addr, Mailbox: mbox, UID: uid, Flags: flags}
}

func expunge(addr, mbox string, uid uint32) *sim.Change {
	return &sim.Change{Op: sim.OpExpunge, Host: mx, Account: addr, Mailbox: mbox, UID: uid}
}

func rename(addr, from, to string) *sim.Change {
	return &sim.Change{Op: sim.OpMailboxRename, Host: mx, Account: addr, Mailbox: from, NewName: to}
}

func deleteMbox(addr, mbox string) *sim.Change {
	return &sim.Change{Op: sim.OpMailboxDelete, Host: mx, Account: addr, Mailbox: mbox}
}

func queue(host, id, subject string) *sim.Change {
	return &sim.Change{Op: sim.OpQueueAdd, Host: host, QueueID: id, Msg: &sim.MsgInfo{Subject: subject, MailFrom: ana, RcptTo: []string{bob}}}
}

func dequeue(host, id string) *sim.Change {
	return &sim.Change{Op: sim.OpQueueRemove, Host: host, QueueID: id, Result: "delivered"}
}

func save(dev, key string, uid uint32, subject string, partial bool, flags ...string) *sim.Change {
	return &sim.Change{Op: sim.OpDeviceAdd, Host: dev, Account: ana, Mailbox: "INBOX", Key: key, UID: uid, Flags: flags, Partial: partial, Msg: &sim.MsgInfo{Subject: subject}}
}

func devFlags(dev, key string, flags ...string) *sim.Change {
	return &sim.Change{Op: sim.OpDeviceFlags, Host: dev, Key: key, Flags: flags}
}

func drop(dev, key string) *sim.Change {
	return &sim.Change{Op: sim.OpDeviceRemove, Host: dev, Key: key}
}

func summaries(changes []*sim.Change) string {
	var s []string
	for _, c := range changes {
		s = append(s, c.Summary())
	}
	return "[" + strings.Join(s, "; ") + "]"
}

func TestStateApply(t *testing.T) {
	tests := []struct {
		name    string
		changes []*sim.Change
		want    string
	}{
		{"nothing", nil, ""},
		{
			"account",
			[]*sim.Change{account(ana), create(ana, "INBOX", 7)},
			"account ana@example.org on mx.example.org\n" +
				"  mailbox \"INBOX\" uidvalidity=7\n",
		},
		{
			"account again keeps its mailboxes",
			[]*sim.Change{account(ana), create(ana, "INBOX", 7), account(ana)},
			"account ana@example.org on mx.example.org\n" +
				"  mailbox \"INBOX\" uidvalidity=7\n",
		},
		{
			"changes of unknown accounts and mailboxes are ignored",
			[]*sim.Change{
				create(bob, "INBOX", 1), appendMsg(bob, "INBOX", 1, "x"),
				account(ana), appendMsg(ana, "Nope", 1, "x"), flags(ana, "Nope", 1, `\Seen`),
				expunge(ana, "Nope", 1), rename(ana, "Nope", "Yes"), deleteMbox(ana, "Nope"),
			},
			"account ana@example.org on mx.example.org\n",
		},
		{
			"append",
			[]*sim.Change{account(ana), create(ana, "INBOX", 7), appendMsg(ana, "INBOX", 1, "one"), appendMsg(ana, "INBOX", 2, "two", `\Seen`)},
			"account ana@example.org on mx.example.org\n" +
				"  mailbox \"INBOX\" uidvalidity=7\n" +
				"    uid=1 flags=[] \"one\"\n" +
				"    uid=2 flags=[\\Seen] \"two\"\n",
		},
		{
			"flags replace the whole set",
			[]*sim.Change{
				account(ana), create(ana, "INBOX", 7), appendMsg(ana, "INBOX", 1, "one", `\Seen`), appendMsg(ana, "INBOX", 2, "two"),
				flags(ana, "INBOX", 2, `\Seen`, `\Flagged`), flags(ana, "INBOX", 1), flags(ana, "INBOX", 9, `\Deleted`),
			},
			"account ana@example.org on mx.example.org\n" +
				"  mailbox \"INBOX\" uidvalidity=7\n" +
				"    uid=1 flags=[] \"one\"\n" +
				"    uid=2 flags=[\\Seen \\Flagged] \"two\"\n",
		},
		{
			"expunge",
			[]*sim.Change{
				account(ana), create(ana, "INBOX", 7),
				appendMsg(ana, "INBOX", 1, "one"), appendMsg(ana, "INBOX", 2, "two"), appendMsg(ana, "INBOX", 3, "three"),
				expunge(ana, "INBOX", 2), expunge(ana, "INBOX", 2), expunge(ana, "INBOX", 4),
			},
			"account ana@example.org on mx.example.org\n" +
				"  mailbox \"INBOX\" uidvalidity=7\n" +
				"    uid=1 flags=[] \"one\"\n" +
				"    uid=3 flags=[] \"three\"\n",
		},
		{
			"expunge all",
			[]*sim.Change{account(ana), create(ana, "INBOX", 7), appendMsg(ana, "INBOX", 1, "one"), expunge(ana, "INBOX", 1)},
			"account ana@example.org on mx.example.org\n" +
				"  mailbox \"INBOX\" uidvalidity=7\n",
		},
		{
			"rename keeps the messages",
			[]*sim.Change{
				account(ana), create(ana, "INBOX", 7), create(ana, "Work", 8), appendMsg(ana, "Work", 1, "memo"),
				rename(ana, "Work", "Archive"), appendMsg(ana, "Archive", 2, "later"), appendMsg(ana, "Work", 3, "lost"),
			},
			"account ana@example.org on mx.example.org\n" +
				"  mailbox \"INBOX\" uidvalidity=7\n" +
				"  mailbox \"Archive\" uidvalidity=8\n" +
				"    uid=1 flags=[] \"memo\"\n" +
				"    uid=2 flags=[] \"later\"\n",
		},
		{
			"delete",
			[]*sim.Change{account(ana), create(ana, "INBOX", 7), create(ana, "Trash", 8), appendMsg(ana, "Trash", 1, "old"), deleteMbox(ana, "Trash")},
			"account ana@example.org on mx.example.org\n" +
				"  mailbox \"INBOX\" uidvalidity=7\n",
		},
		{
			"delete and create again starts empty",
			[]*sim.Change{account(ana), create(ana, "Trash", 8), appendMsg(ana, "Trash", 1, "old"), deleteMbox(ana, "Trash"), create(ana, "Trash", 9)},
			"account ana@example.org on mx.example.org\n" +
				"  mailbox \"Trash\" uidvalidity=9\n",
		},
		{
			"two accounts",
			[]*sim.Change{account(bob), account(ana), create(bob, "INBOX", 1), create(ana, "INBOX", 2), appendMsg(bob, "INBOX", 5, "for bob")},
			"account ana@example.org on mx.example.org\n" +
				"  mailbox \"INBOX\" uidvalidity=2\n" +
				"account bob@example.org on mx.example.org\n" +
				"  mailbox \"INBOX\" uidvalidity=1\n" +
				"    uid=5 flags=[] \"for bob\"\n",
		},
		{
			"queue",
			[]*sim.Change{queue(mx, "q1", "first"), queue(mx, "q2", "second"), queue("smtp.example.net", "q9", "other")},
			"queue mx.example.org\n" +
				"  id=q1 \"first\" <ana@example.org> -> [bob@example.org]\n" +
				"  id=q2 \"second\" <ana@example.org> -> [bob@example.org]\n" +
				"queue smtp.example.net\n" +
				"  id=q9 \"other\" <ana@example.org> -> [bob@example.org]\n",
		},
		{
			"queue add of the same id updates in place",
			[]*sim.Change{queue(mx, "q1", "first"), queue(mx, "q2", "second"), queue(mx, "q1", "first, retried")},
			"queue mx.example.org\n" +
				"  id=q1 \"first, retried\" <ana@example.org> -> [bob@example.org]\n" +
				"  id=q2 \"second\" <ana@example.org> -> [bob@example.org]\n",
		},
		{
			"dequeue",
			[]*sim.Change{queue(mx, "q1", "first"), queue(mx, "q2", "second"), dequeue(mx, "q1"), dequeue(mx, "q7"), dequeue("nowhere", "q2")},
			"queue mx.example.org\n" +
				"  id=q2 \"second\" <ana@example.org> -> [bob@example.org]\n",
		},
		{
			"dequeue the last",
			[]*sim.Change{queue(mx, "q1", "first"), dequeue(mx, "q1")},
			"",
		},
		{
			"device add",
			[]*sim.Change{save("phone", "INBOX/1", 1, "one", true), save("phone", "INBOX/2", 2, "two", false, `\Seen`), save("laptop", "INBOX/1", 1, "one", false)},
			"device laptop\n" +
				"  INBOX/1 ana@example.org \"INBOX\" uid=1 flags=[] \"one\" partial=false\n" +
				"device phone\n" +
				"  INBOX/1 ana@example.org \"INBOX\" uid=1 flags=[] \"one\" partial=true\n" +
				"  INBOX/2 ana@example.org \"INBOX\" uid=2 flags=[\\Seen] \"two\" partial=false\n",
		},
		{
			"device add of the same key replaces in place",
			[]*sim.Change{save("phone", "INBOX/1", 1, "one", true), save("phone", "INBOX/2", 2, "two", false), save("phone", "INBOX/1", 1, "one, whole", false, `\Seen`)},
			"device phone\n" +
				"  INBOX/1 ana@example.org \"INBOX\" uid=1 flags=[\\Seen] \"one, whole\" partial=false\n" +
				"  INBOX/2 ana@example.org \"INBOX\" uid=2 flags=[] \"two\" partial=false\n",
		},
		{
			"device add without a message",
			[]*sim.Change{{Op: sim.OpDeviceAdd, Host: "phone", Key: "42"}},
			"device phone\n" +
				"  42  \"\" uid=0 flags=[] \"\" partial=false\n",
		},
		{
			"device flags",
			[]*sim.Change{
				save("phone", "INBOX/1", 1, "one", false), save("phone", "INBOX/2", 2, "two", false, `\Seen`),
				devFlags("phone", "INBOX/1", `\Seen`, `\Answered`), devFlags("phone", "INBOX/2"),
				devFlags("phone", "INBOX/9", `\Seen`), devFlags("tablet", "INBOX/1", `\Seen`),
			},
			"device phone\n" +
				"  INBOX/1 ana@example.org \"INBOX\" uid=1 flags=[\\Seen \\Answered] \"one\" partial=false\n" +
				"  INBOX/2 ana@example.org \"INBOX\" uid=2 flags=[] \"two\" partial=false\n",
		},
		{
			"device remove",
			[]*sim.Change{
				save("phone", "INBOX/1", 1, "one", false), save("phone", "INBOX/2", 2, "two", false), save("phone", "INBOX/3", 3, "three", false),
				drop("phone", "INBOX/2"), drop("phone", "INBOX/9"), drop("tablet", "INBOX/1"),
			},
			"device phone\n" +
				"  INBOX/1 ana@example.org \"INBOX\" uid=1 flags=[] \"one\" partial=false\n" +
				"  INBOX/3 ana@example.org \"INBOX\" uid=3 flags=[] \"three\" partial=false\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sim.NewState()
			for _, c := range tt.changes {
				s.Apply(&sim.Event{Kind: sim.KindStore, Change: c})
			}
			if got := dump(s); got != tt.want {
				t.Errorf("Apply(%s) =\n%s\nwant\n%s", summaries(tt.changes), got, tt.want)
			}
		})
	}
}

// TestStateApplyEmpties checks that a state forgets a queue or a device
// that no longer holds anything, so that the views do not list it.
func TestStateApplyEmpties(t *testing.T) {
	s := sim.NewState()
	for _, c := range []*sim.Change{
		queue(mx, "q1", "x"), dequeue(mx, "q1"),
		save("phone", "k", 1, "x", false), save("laptop", "k", 1, "x", false), drop("phone", "k"),
	} {
		s.Apply(&sim.Event{Kind: sim.KindStore, Change: c})
	}
	if _, ok := s.Queues[mx]; ok {
		t.Errorf("Queues[%q] exists after its last entry left, want no entry", mx)
	}
	if got, want := s.DeviceNames(), []string{"laptop"}; !slices.Equal(got, want) {
		t.Errorf("DeviceNames() = %q, want %q (only devices that hold something)", got, want)
	}
}

func TestStateApplyIgnoresOtherEvents(t *testing.T) {
	s := sim.NewState()
	info := &sim.ConnInfo{ID: 1, Proto: sim.SMTP}
	for _, e := range []sim.Event{
		{Kind: sim.KindStep, Say: &sim.Text{EN: "hello"}},
		{Kind: sim.KindOpen, Conn: info},
		{Kind: sim.KindLine, Conn: info, Text: "EHLO laptop"},
		{Kind: sim.KindDNS, DNS: &sim.Lookup{Host: mx, Type: "MX", Name: "example.org"}},
		{Kind: sim.KindError, Text: "boom"},
		{Kind: sim.KindClose, Conn: info},
		{Kind: sim.KindStore}, // no Change
	} {
		s.Apply(&e)
	}
	if got := dump(s); got != "" || len(s.Accounts)+len(s.Queues)+len(s.Devices) != 0 {
		t.Errorf("state after events without changes = %q, want empty", got)
	}
}

// TestStateApplyDevice checks that device events (KindDevice) apply like
// store events.
func TestStateApplyDevice(t *testing.T) {
	s := sim.NewState()
	s.Apply(&sim.Event{Kind: sim.KindDevice, Change: save("phone", "1", 1, "hi", true)})
	d := s.Devices["phone"]
	if d == nil || len(d.Items) != 1 {
		t.Fatalf("Devices[phone] = %+v, want one item", d)
	}
	want := sim.DeviceItem{Key: "1", Account: ana, Mailbox: "INBOX", UID: 1, Partial: true, Info: sim.MsgInfo{Subject: "hi"}}
	if got := d.Items[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("Items[0] = %+v, want %+v", got, want)
	}
}

func TestMailboxNames(t *testing.T) {
	tests := []struct {
		mailboxes []string
		want      []string
	}{
		{nil, []string{}},
		{[]string{"INBOX"}, []string{"INBOX"}},
		{[]string{"Sent", "Archive"}, []string{"Archive", "Sent"}},
		{[]string{"Sent", "INBOX", "Archive", "Drafts"}, []string{"INBOX", "Archive", "Drafts", "Sent"}},
		{[]string{"Trash", "INBOX"}, []string{"INBOX", "Trash"}},
		{[]string{"Inbox", "AAA"}, []string{"AAA", "Inbox"}}, // only the exact name INBOX is special
		{[]string{"INBOX/Sub", "INBOX", "Archive"}, []string{"INBOX", "Archive", "INBOX/Sub"}},
	}
	for _, tt := range tests {
		a := &sim.AccountState{Mailboxes: make(map[string]*sim.MailboxState)}
		for _, m := range tt.mailboxes {
			a.Mailboxes[m] = &sim.MailboxState{Name: m}
		}
		if got := a.MailboxNames(); !slices.Equal(got, tt.want) {
			t.Errorf("MailboxNames(%q) = %q, want %q", tt.mailboxes, got, tt.want)
		}
	}
}

func TestAccountAndDeviceNames(t *testing.T) {
	s := sim.NewState()
	for _, c := range []*sim.Change{
		account("zoe@example.org"), account(bob), account(ana),
		save("tablet", "k", 1, "", false), save("laptop", "k", 1, "", false), save("phone", "k", 1, "", false),
	} {
		s.Apply(&sim.Event{Kind: sim.KindStore, Change: c})
	}
	if got, want := s.AccountNames(), []string{ana, bob, "zoe@example.org"}; !slices.Equal(got, want) {
		t.Errorf("AccountNames() = %q, want %q", got, want)
	}
	if got, want := s.DeviceNames(), []string{"laptop", "phone", "tablet"}; !slices.Equal(got, want) {
		t.Errorf("DeviceNames() = %q, want %q", got, want)
	}
}

func TestMailboxFind(t *testing.T) {
	m := &sim.MailboxState{Messages: []sim.MessageState{{UID: 2}, {UID: 5}, {UID: 9}}}
	tests := []struct {
		uid  uint32
		want int
	}{{0, -1}, {2, 0}, {3, -1}, {5, 1}, {9, 2}, {10, -1}}
	for _, tt := range tests {
		if got := m.Find(tt.uid); got != tt.want {
			t.Errorf("Find(%d) = %d, want %d", tt.uid, got, tt.want)
		}
	}
	if got := (&sim.MailboxState{}).Find(1); got != -1 {
		t.Errorf("empty mailbox: Find(1) = %d, want -1", got)
	}
}

func TestDeviceFind(t *testing.T) {
	d := &sim.DeviceState{Items: []sim.DeviceItem{{Key: "b"}, {Key: "a"}, {Key: "c"}}}
	tests := []struct {
		key  string
		want int
	}{{"a", 1}, {"b", 0}, {"c", 2}, {"d", -1}, {"", -1}}
	for _, tt := range tests {
		if got := d.Find(tt.key); got != tt.want {
			t.Errorf("Find(%q) = %d, want %d", tt.key, got, tt.want)
		}
	}
}

func TestStateAt(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	store := func(c *sim.Change) { tr.Append(sim.Event{Kind: sim.KindStore, Change: c}) }
	// Setup.
	store(account(ana))
	store(create(ana, "INBOX", 1))
	store(appendMsg(ana, "INBOX", 1, "welcome"))
	// Step 1: a message arrives, through a queue.
	tr.BeginStep(&sim.Text{EN: "mail arrives"})
	store(queue(mx, "q1", "hello"))
	tr.Append(sim.Event{Kind: sim.KindLine, Text: "DATA"})
	store(dequeue(mx, "q1"))
	store(appendMsg(ana, "INBOX", 2, "hello"))
	// Step 2: it is read on the phone.
	tr.BeginStep(&sim.Text{EN: "phone syncs"})
	tr.Append(sim.Event{Kind: sim.KindDevice, Change: save("phone", "INBOX/2", 2, "hello", false)})
	store(flags(ana, "INBOX", 2, `\Seen`))
	// Step 3: the welcome is deleted.
	tr.BeginStep(&sim.Text{EN: "clean up"})
	store(expunge(ana, "INBOX", 1))

	setup := "account ana@example.org on mx.example.org\n" +
		"  mailbox \"INBOX\" uidvalidity=1\n" +
		"    uid=1 flags=[] \"welcome\"\n"
	after1 := setup + "    uid=2 flags=[] \"hello\"\n"
	after2 := "account ana@example.org on mx.example.org\n" +
		"  mailbox \"INBOX\" uidvalidity=1\n" +
		"    uid=1 flags=[] \"welcome\"\n" +
		"    uid=2 flags=[\\Seen] \"hello\"\n" +
		"device phone\n" +
		"  INBOX/2 ana@example.org \"INBOX\" uid=2 flags=[] \"hello\" partial=false\n"
	after3 := "account ana@example.org on mx.example.org\n" +
		"  mailbox \"INBOX\" uidvalidity=1\n" +
		"    uid=2 flags=[\\Seen] \"hello\"\n" +
		"device phone\n" +
		"  INBOX/2 ana@example.org \"INBOX\" uid=2 flags=[] \"hello\" partial=false\n"
	tests := []struct {
		n    int
		want string
	}{
		{0, ""}, // before the setup
		{1, setup},
		{2, after1},
		{3, after2},
		{4, after3},
		{tr.Steps() + 1, after3},
		{100, after3},
	}
	for _, tt := range tests {
		if got := dump(tr.StateAt(tt.n)); got != tt.want {
			t.Errorf("StateAt(%d) =\n%s\nwant\n%s", tt.n, got, tt.want)
		}
	}

	// States are independent of each other.
	s1, s2 := tr.StateAt(2), tr.StateAt(2)
	s1.Apply(&sim.Event{Kind: sim.KindStore, Change: expunge(ana, "INBOX", 2)})
	if got := dump(s2); got != after1 {
		t.Errorf("StateAt(2) changed when another StateAt(2) did:\n%s\nwant\n%s", got, after1)
	}
}

func TestStateClone(t *testing.T) {
	s := sim.NewState()
	apply := func(s *sim.State, c *sim.Change) { s.Apply(&sim.Event{Kind: sim.KindStore, Change: c}) }
	apply(s, &sim.Change{Op: sim.OpAccount, Host: "h", Account: "a@x"})
	apply(s, &sim.Change{Op: sim.OpMailboxCreate, Host: "h", Account: "a@x", Mailbox: "INBOX"})
	for uid := uint32(1); uid <= 3; uid++ {
		apply(s, &sim.Change{Op: sim.OpAppend, Host: "h", Account: "a@x", Mailbox: "INBOX", UID: uid, Msg: &sim.MsgInfo{}})
	}
	apply(s, &sim.Change{Op: sim.OpQueueAdd, Host: "h", QueueID: "Q", Msg: &sim.MsgInfo{}})
	apply(s, &sim.Change{Op: sim.OpDeviceAdd, Host: "d", Key: "k", Msg: &sim.MsgInfo{}})
	c := s.Clone()
	if !c.Equal(s) || !s.Equal(c) {
		t.Fatalf("Clone() differs from the original")
	}
	// Changing the clone leaves the original as it was.
	apply(c, &sim.Change{Op: sim.OpExpunge, Host: "h", Account: "a@x", Mailbox: "INBOX", UID: 1})
	apply(c, &sim.Change{Op: sim.OpQueueRemove, Host: "h", QueueID: "Q"})
	apply(c, &sim.Change{Op: sim.OpDeviceRemove, Host: "d", Key: "k"})
	if got := len(s.Accounts["a@x"].Mailboxes["INBOX"].Messages); got != 3 {
		t.Errorf("after expunging in the clone, the original holds %d messages, want 3", got)
	}
	if uids := []uint32{s.Accounts["a@x"].Mailboxes["INBOX"].Messages[0].UID, s.Accounts["a@x"].Mailboxes["INBOX"].Messages[2].UID}; uids[0] != 1 || uids[1] != 3 {
		t.Errorf("original UIDs changed to %v", uids)
	}
	if len(s.Queues["h"]) != 1 || s.Devices["d"] == nil {
		t.Errorf("the original lost its queue or device: %v %v", s.Queues, s.Devices)
	}
}

func TestStateEqual(t *testing.T) {
	base := func() *sim.State {
		s := sim.NewState()
		s.Apply(&sim.Event{Change: &sim.Change{Op: sim.OpAccount, Host: "h", Account: "a@x"}})
		s.Apply(&sim.Event{Change: &sim.Change{Op: sim.OpMailboxCreate, Host: "h", Account: "a@x", Mailbox: "INBOX", UIDValidity: 7}})
		s.Apply(&sim.Event{Change: &sim.Change{Op: sim.OpAppend, Host: "h", Account: "a@x", Mailbox: "INBOX", UID: 1, Msg: &sim.MsgInfo{Subject: "s"}}})
		s.Apply(&sim.Event{Change: &sim.Change{Op: sim.OpDeviceAdd, Host: "d", Key: "k", Msg: &sim.MsgInfo{}}})
		return s
	}
	a, b := base(), base()
	b.Devices["d"].Find("k") // builds b's index only
	if !a.Equal(b) {
		t.Errorf("equal states with and without an index compare unequal")
	}
	for name, change := range map[string]*sim.Change{
		"flags":  {Op: sim.OpFlags, Account: "a@x", Mailbox: "INBOX", UID: 1, Flags: []string{`\Seen`}},
		"device": {Op: sim.OpDeviceFlags, Host: "d", Key: "k", Flags: []string{`\Seen`}},
		"queue":  {Op: sim.OpQueueAdd, Host: "h", QueueID: "Q", Msg: &sim.MsgInfo{}},
		"folder": {Op: sim.OpMailboxCreate, Account: "a@x", Mailbox: "Sent"},
	} {
		c := base()
		c.Apply(&sim.Event{Change: change})
		if a.Equal(c) || c.Equal(a) {
			t.Errorf("states differing by %s compare equal", name)
		}
	}
}
