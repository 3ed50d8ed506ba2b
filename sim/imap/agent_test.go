package imap_test

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/mailscope/mailscope/sim"
	simimap "github.com/mailscope/mailscope/sim/imap"
	"github.com/mailscope/mailscope/sim/store"
	"github.com/mailscope/mailscope/sim/wire"
)

const (
	host     = "mail.otro.org"
	beto     = "beto@otro.org"
	password = "naranja"
)

// world is an IMAP server over a store on a simulated network, with
// everything recorded in one trace.
type world struct {
	trace *sim.Trace
	st    *store.Store
	net   *wire.Network
	acct  *store.Account
	dials int // connections the agents made
}

func newWorld(t *testing.T) *world {
	t.Helper()
	clock := sim.NewVirtualClock(sim.Epoch)
	tr := sim.NewTrace(sim.TraceOptions{Clock: clock})
	st := store.New(store.Options{Clock: clock, Publish: func(c *sim.Change) {
		tr.Append(sim.Event{Kind: sim.KindStore, Change: c, Text: c.Summary()})
	}})
	nw := wire.NewNetwork(wire.Options{Trace: tr})
	ln, err := nw.Listen(host, 143, sim.IMAP)
	if err != nil {
		t.Fatal(err)
	}
	srv := simimap.NewServer(simimap.Config{Store: st, Host: host})
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
		<-served
	})
	acct, err := st.AddAccount(beto, password, host)
	if err != nil {
		t.Fatal(err)
	}
	return &world{trace: tr, st: st, net: nw, acct: acct}
}

// agent returns an agent of the device laptop that logs in with password.
func (w *world) agent(t *testing.T, password string) *simimap.Agent {
	t.Helper()
	a := simimap.NewAgent(simimap.Plain(func() (net.Conn, error) {
		w.dials++
		return w.net.Dial("laptop", host, 143)
	}), beto, password)
	t.Cleanup(a.Close)
	return a
}

func (w *world) deliver(t *testing.T, mailbox, subject string, flags ...imap.Flag) {
	t.Helper()
	raw := fmt.Appendf(nil, "From: Ana <ana@uno.org>\r\nTo: %s\r\nSubject: %s\r\n\r\nHola.\r\n", beto, subject)
	if _, err := w.st.Deliver(beto, mailbox, raw, flags); err != nil {
		t.Fatal(err)
	}
}

// count returns how many events of the given kind the trace holds.
func (w *world) count(kind sim.Kind) int {
	n := 0
	for _, ev := range w.trace.Events() {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

// commands returns the commands the clients sent, without their tags.
func (w *world) commands() []string {
	var l []string
	for _, ev := range w.trace.Events() {
		if ev.Kind == sim.KindLine && ev.Dir == sim.C2S {
			if _, cmd, ok := strings.Cut(ev.Text, " "); ok {
				l = append(l, cmd)
			} else {
				l = append(l, ev.Text)
			}
		}
	}
	return l
}

func (w *world) uids(mailbox string) []uint32 {
	var l []uint32
	for _, m := range w.acct.Messages(mailbox) {
		l = append(l, m.UID)
	}
	return l
}

func TestAgentLogin(t *testing.T) {
	w := newWorld(t)
	a := w.agent(t, password)
	if a.Connected() || a.Idling() || a.Selected() != "" {
		t.Fatalf("new agent: connected %v, idling %v, selected %q", a.Connected(), a.Idling(), a.Selected())
	}
	if got, want := a.String(), "imap.Agent(beto@otro.org)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for i := range 3 {
		if err := a.Login(); err != nil {
			t.Fatalf("Login #%d: %v", i+1, err)
		}
	}
	if _, err := a.List(); err != nil {
		t.Fatal(err)
	}
	if !a.Connected() || w.dials != 1 || w.count(sim.KindOpen) != 1 {
		t.Errorf("after three Logins and a List: connected %v, %d dials, %d connections; want one", a.Connected(), w.dials, w.count(sim.KindOpen))
	}
	if got := w.commands(); len(got) != 2 || !strings.HasPrefix(got[0], "LOGIN ") || !strings.HasPrefix(got[1], "LIST ") {
		t.Errorf("commands = %q, want one LOGIN and one LIST", got)
	}
}

// TestAgentConnectsOnDemand checks that the first command logs in.
func TestAgentConnectsOnDemand(t *testing.T) {
	w := newWorld(t)
	a := w.agent(t, password)
	if err := a.Create("Archive"); err != nil {
		t.Fatalf("Create without Login: %v", err)
	}
	if !a.Connected() || w.dials != 1 {
		t.Errorf("Create without Login: connected %v, %d dials", a.Connected(), w.dials)
	}
	if got := w.acct.Mailboxes(); !slices.Equal(got, []string{"Archive", "INBOX"}) {
		t.Errorf("mailboxes = %q, want [Archive INBOX]", got)
	}
}

func TestAgentWrongPassword(t *testing.T) {
	w := newWorld(t)
	a := w.agent(t, "limon")
	err := a.Login()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeAuthenticationFailed {
		t.Errorf("Login with a wrong password = %v, want NO [AUTHENTICATIONFAILED]", err)
	}
	if a.Connected() {
		t.Error("agent connected after a failed Login")
	}
	// The connection is closed, and its close recorded, before Login returns.
	if n := w.net.Open(); n != 0 {
		t.Errorf("%d connections open after a failed Login, want 0", n)
	}
	if w.count(sim.KindOpen) != 1 || w.count(sim.KindClose) != 1 {
		t.Errorf("trace has %d opens and %d closes, want 1 and 1", w.count(sim.KindOpen), w.count(sim.KindClose))
	}
	if got := w.commands(); len(got) != 2 || !strings.HasPrefix(got[0], "LOGIN ") || got[1] != "LOGOUT" {
		t.Errorf("commands = %q, want LOGIN then LOGOUT", got)
	}
	// Every command tries again, and fails again.
	if _, err := a.List(); err == nil || a.Connected() || w.dials != 2 {
		t.Errorf("List after a failed Login = %v (connected %v, %d dials), want an error after a second dial", err, a.Connected(), w.dials)
	}
}

func TestAgentDialError(t *testing.T) {
	w := newWorld(t)
	a := simimap.NewAgent(simimap.Plain(func() (net.Conn, error) { return w.net.Dial("laptop", host, 993) }), beto, password)
	err := a.Login()
	if !errors.Is(err, wire.ErrRefused) || a.Connected() {
		t.Errorf("Login to a closed port = %v (connected %v), want %v", err, a.Connected(), wire.ErrRefused)
	}
	if _, err := a.Select(store.Inbox); !errors.Is(err, wire.ErrRefused) {
		t.Errorf("Select with no server = %v, want %v", err, wire.ErrRefused)
	}
}

func TestAgentNotSelected(t *testing.T) {
	w := newWorld(t)
	w.deliver(t, "", "uno")
	a := w.agent(t, password)
	set := imap.SeqSetNum(1)
	tests := []struct {
		name string
		do   func() error
	}{
		{"Fetch", func() error { _, err := a.Fetch(set, &imap.FetchOptions{Flags: true}); return err }},
		{"Store", func() error {
			_, err := a.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}})
			return err
		}},
		{"Copy", func() error { _, err := a.Copy(set, store.Inbox); return err }},
		{"Move", func() error { _, err := a.Move(set, store.Inbox); return err }},
		{"Expunge", func() error { _, err := a.Expunge(); return err }},
	}
	for _, tt := range tests {
		if err := tt.do(); !errors.Is(err, simimap.ErrNotSelected) {
			t.Errorf("%s before Select = %v, want ErrNotSelected", tt.name, err)
		}
	}
	// Nothing but the login reached the server.
	if got := w.commands(); len(got) != 1 || !strings.HasPrefix(got[0], "LOGIN ") {
		t.Errorf("commands = %q, want only LOGIN", got)
	}
	if got := w.acct.Messages(store.Inbox); len(got) != 1 || got[0].Flags != nil {
		t.Errorf("INBOX = %+v, want the message untouched", got)
	}
}

func TestAgentMail(t *testing.T) {
	w := newWorld(t)
	for _, s := range []string{"uno", "dos", "tres", "cuatro"} {
		w.deliver(t, "", s)
	}
	a := w.agent(t, password)

	data, err := a.Select(store.Inbox)
	if err != nil || data.NumMessages != 4 || a.Selected() != store.Inbox {
		t.Fatalf("Select(INBOX) = %+v, %v (selected %q), want 4 messages", data, err, a.Selected())
	}
	msgs, err := a.Fetch(imap.SeqSetNum(1, 2, 3, 4), &imap.FetchOptions{Envelope: true, UID: true})
	if err != nil || len(msgs) != 4 {
		t.Fatalf("Fetch(1:4) = %d messages, %v", len(msgs), err)
	}
	for i, m := range msgs {
		if m.UID != imap.UID(i+1) || m.Envelope == nil || m.Envelope.Subject != []string{"uno", "dos", "tres", "cuatro"}[i] {
			t.Errorf("Fetch(1:4)[%d] = UID %d, envelope %+v", i, m.UID, m.Envelope)
		}
	}
	msgs, err = a.Store(imap.UIDSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}})
	if err != nil || len(msgs) != 1 || !slices.Equal(msgs[0].Flags, []imap.Flag{imap.FlagSeen}) {
		t.Errorf("Store(UID 1, +\\Seen) = %+v, %v, want FLAGS (\\Seen)", msgs, err)
	}
	if got := w.acct.Messages(store.Inbox)[0].Flags; !slices.Equal(got, []string{`\Seen`}) {
		t.Errorf("UID 1 flags = %q, want [\\Seen]", got)
	}

	if err := a.Create("Archive/2026"); err != nil {
		t.Fatal(err)
	}
	cd, err := a.Copy(imap.UIDSetNum(2), "Archive/2026")
	if err != nil || cd.SourceUIDs.String() != "2" || cd.DestUIDs.String() != "1" {
		t.Errorf("Copy(UID 2, Archive/2026) = %+v, %v, want COPYUID 2 1", cd, err)
	}
	md, err := a.Move(imap.UIDSetNum(3), "Archive/2026")
	if err != nil || md.SourceUIDs.String() != "3" || md.DestUIDs.String() != "2" {
		t.Errorf("Move(UID 3, Archive/2026) = %+v, %v, want COPYUID 3 2", md, err)
	}
	if got := w.uids("Archive/2026"); !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("Archive/2026 UIDs = %v, want [1 2]", got)
	}

	if _, err := a.Store(imap.UIDSetNum(4), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}); err != nil {
		t.Fatal(err)
	}
	seqs, err := a.Expunge()
	if err != nil || !slices.Equal(seqs, []uint32{3}) {
		t.Errorf("Expunge() = %v, %v, want [3]", seqs, err)
	}
	if got := w.uids(store.Inbox); !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("INBOX UIDs = %v, want [1 2]", got)
	}

	l, err := a.List()
	var names []string
	for _, d := range l {
		names = append(names, d.Mailbox)
	}
	if want := []string{"INBOX", "Archive", "Archive/2026"}; err != nil || !slices.Equal(names, want) {
		t.Errorf("List() = %q, %v, want %q", names, err, want)
	}
	if w.dials != 1 {
		t.Errorf("%d dials, want 1", w.dials)
	}
}

// TestAgentSelectFails checks that a failed Select leaves no mailbox
// selected, as it does on the server.
func TestAgentSelectFails(t *testing.T) {
	w := newWorld(t)
	w.deliver(t, "", "uno")
	a := w.agent(t, password)
	if _, err := a.Select(store.Inbox); err != nil {
		t.Fatal(err)
	}
	_, err := a.Select("Nope")
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeNonExistent {
		t.Errorf("Select(Nope) = %v, want NO [NONEXISTENT]", err)
	}
	if got := a.Selected(); got != "" {
		t.Errorf("Selected() after a failed Select = %q, want none", got)
	}
	if _, err := a.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Flags: true}); !errors.Is(err, simimap.ErrNotSelected) {
		t.Errorf("Fetch after a failed Select = %v, want ErrNotSelected", err)
	}
}

func TestAgentIdle(t *testing.T) {
	w := newWorld(t)
	w.deliver(t, "", "uno")
	a := w.agent(t, password)
	if _, err := a.Select(store.Inbox); err != nil {
		t.Fatal(err)
	}
	if err := a.Done(); err != nil || a.Idling() {
		t.Errorf("Done when not idling = %v (idling %v), want nil", err, a.Idling())
	}
	if err := a.Idle(); err != nil || !a.Idling() {
		t.Fatalf("Idle() = %v (idling %v)", err, a.Idling())
	}
	w.deliver(t, "", "dos") // pushed to the idling agent

	// Any command ends IDLE first.
	msgs, err := a.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{UID: true})
	if err != nil || len(msgs) != 1 || msgs[0].UID != 2 {
		t.Errorf("Fetch(2) after IDLE = %+v, %v, want UID 2", msgs, err)
	}
	if a.Idling() {
		t.Error("still idling after Fetch")
	}
	cmds := w.commands()
	idle, done, fetch := slices.Index(cmds, "IDLE"), slices.Index(cmds, "DONE"), slices.Index(cmds, "FETCH 2 (UID)")
	if idle < 0 || done < 0 || fetch < 0 || !(idle < done && done < fetch) {
		t.Errorf("commands = %q, want IDLE, DONE, then the FETCH", cmds)
	}

	tests := []struct {
		name string
		do   func() error
		cmd  string // the command that follows DONE
	}{
		{"Select", func() error { _, err := a.Select(store.Inbox); return err }, "SELECT INBOX"},
		{"List", func() error { _, err := a.List(); return err }, `LIST "" "*"`},
		{"Create", func() error { return a.Create("Work") }, `CREATE "Work"`},
		{"Store", func() error {
			_, err := a.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}})
			return err
		}, `STORE 1 +FLAGS (\Seen)`},
		{"Copy", func() error { _, err := a.Copy(imap.SeqSetNum(1), "Work"); return err }, `COPY 1 "Work"`},
		{"Move", func() error { _, err := a.Move(imap.SeqSetNum(2), "Work"); return err }, `MOVE 2 "Work"`},
		{"Expunge", func() error { _, err := a.Expunge(); return err }, "EXPUNGE"},
		{"Idle", a.Idle, "IDLE"},
		{"Done", a.Done, ""},
		{"Logout", a.Logout, "LOGOUT"},
	}
	for _, tt := range tests {
		if !a.Idling() {
			if err := a.Idle(); err != nil {
				t.Fatalf("Idle before %s: %v", tt.name, err)
			}
		}
		from := len(w.commands())
		if err := tt.do(); err != nil {
			t.Errorf("%s in IDLE: %v", tt.name, err)
		}
		cmds := w.commands()[from:]
		want := []string{"DONE", tt.cmd}
		if tt.cmd == "" {
			want = want[:1]
		}
		if !slices.Equal(cmds, want) {
			t.Errorf("%s in IDLE sent %q, want %q", tt.name, cmds, want)
		}
		if tt.name != "Idle" && a.Idling() {
			t.Errorf("%s in IDLE: still idling", tt.name)
		}
	}
	if a.Connected() || a.Selected() != "" {
		t.Errorf("after Logout: connected %v, selected %q", a.Connected(), a.Selected())
	}
	if got := w.uids("Work"); !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("Work UIDs = %v, want [1 2]", got)
	}
}

func TestAgentLogout(t *testing.T) {
	w := newWorld(t)
	a := w.agent(t, password)
	if err := a.Logout(); err != nil {
		t.Errorf("Logout when not connected = %v, want nil", err)
	}
	if w.dials != 0 {
		t.Errorf("Logout when not connected dialled %d times", w.dials)
	}
	if _, err := a.Select(store.Inbox); err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(); err != nil {
		t.Errorf("Logout() = %v", err)
	}
	if a.Connected() || a.Selected() != "" || a.Idling() {
		t.Errorf("after Logout: connected %v, selected %q, idling %v", a.Connected(), a.Selected(), a.Idling())
	}
	// The close is recorded before Logout returns.
	if n := w.net.Open(); n != 0 || w.count(sim.KindClose) != 1 {
		t.Errorf("after Logout: %d connections open, %d closes recorded; want 0 and 1", n, w.count(sim.KindClose))
	}
	if got := w.commands(); len(got) == 0 || got[len(got)-1] != "LOGOUT" {
		t.Errorf("commands = %q, want LOGOUT last", got)
	}

	// The next command connects again.
	if _, err := a.List(); err != nil || !a.Connected() || w.dials != 2 {
		t.Errorf("List after Logout = %v (connected %v, %d dials), want a second connection", err, a.Connected(), w.dials)
	}

	// Close drops the connection without LOGOUT.
	n := len(w.commands())
	a.Close()
	if a.Connected() || w.net.Open() != 0 || w.count(sim.KindClose) != 2 {
		t.Errorf("after Close: connected %v, %d open, %d closes", a.Connected(), w.net.Open(), w.count(sim.KindClose))
	}
	if got := w.commands()[n:]; len(got) != 0 {
		t.Errorf("Close sent %q, want nothing", got)
	}
	a.Close() // a second Close does nothing
}

// TestServerHost checks that a server lets in only the accounts it keeps,
// and every account when it has no host name (live mode's front door).
func TestServerHost(t *testing.T) {
	st := store.New(store.Options{Clock: sim.NewVirtualClock(sim.Epoch)})
	for _, a := range []struct{ addr, host string }{{beto, host}, {"ana@uno.org", "mail.uno.org"}} {
		if _, err := st.AddAccount(a.addr, password, a.host); err != nil {
			t.Fatal(err)
		}
	}
	nw := wire.NewNetwork(wire.Options{})
	tests := []struct {
		host string // the server's Config.Host
		user string
		ok   bool
	}{
		{host, beto, true},
		{host, "beto", true},
		{host, "ana@uno.org", false},
		{host, "ana", false},
		{"", beto, true},
		{"", "ana@uno.org", true},
		{"", "ana", true},
	}
	for i, tt := range tests {
		port := 1000 + i
		ln, err := nw.Listen("server", port, sim.IMAP)
		if err != nil {
			t.Fatal(err)
		}
		srv := simimap.NewServer(simimap.Config{Store: st, Host: tt.host})
		served := make(chan struct{})
		go func() {
			defer close(served)
			srv.Serve(ln)
		}()
		a := simimap.NewAgent(simimap.Plain(func() (net.Conn, error) { return nw.Dial("laptop", "server", port) }), tt.user, password)
		err = a.Login()
		if tt.ok && err != nil {
			t.Errorf("Login(%s) on a server for %q = %v, want OK", tt.user, tt.host, err)
		}
		if !tt.ok {
			var ie *imap.Error
			if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeAuthenticationFailed {
				t.Errorf("Login(%s) on a server for %q = %v, want NO [AUTHENTICATIONFAILED]", tt.user, tt.host, err)
			}
		}
		a.Close()
		srv.Close()
		ln.Close()
		<-served
	}
}
