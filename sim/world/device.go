package world

import (
	"crypto/tls"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim"
	simimap "github.com/mailscope/mailscope/sim/imap"
	"github.com/mailscope/mailscope/sim/message"
	"github.com/mailscope/mailscope/sim/pop3"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/wire"
)

// Device is a laptop or phone of the world: it submits mail with SMTP and
// reads it with its client agent, and keeps a local copy of what it read.
type Device struct {
	Spec     DeviceSpec // immutable
	IP       string     // immutable
	Hostname string     // immutable: its name in EHLO and reverse DNS
	w        *World     // immutable

	password string         // immutable
	server   string         // immutable: the server of its account
	imap     *simimap.Agent // used by one action at a time
	pop3     *pop3.Agent    // nil unless the device reads with POP3; used by one action at a time
	imapTLS  string         // how the IMAP agent's next connection is secured; used by one action at a time
	pop3TLS  string         // how the next POP3 session is secured; used by one action at a time

	mu    sync.Mutex
	local *sim.State // the local copy (only its Devices[Spec.ID] is used)
	// What the device's IMAP connection has said so far: the connection
	// followed (nil for none), the trace index from which its lines are
	// still to be read, and what they tell of the selected mailbox.
	followOn *sim.ConnInfo
	followAt int
	follow   simimap.Follower
	validity map[string]uint32 // UIDVALIDITY of each mailbox when it was last selected
}

func (d *Device) init() {
	d.local = sim.NewState()
	addr := strings.ToLower(d.Spec.Account)
	for _, dom := range d.w.Spec.Domains {
		for _, a := range dom.Accounts {
			if a.User+"@"+dom.Name == addr {
				d.password, d.server = a.Password, dom.Server
			}
		}
	}
	d.validity = make(map[string]uint32)
	d.imap = simimap.NewAgent(func() (net.Conn, *tls.Config, error) {
		at := d.w.Trace.Len()
		conn, startTLS, err := d.dial(d.imapTLS, PortIMAP, PortIMAPS)
		if err == nil {
			d.mu.Lock()
			d.followOn, d.followAt, d.follow = wire.Info(conn), at, simimap.Follower{}
			d.mu.Unlock()
		}
		return conn, startTLS, err
	}, addr, d.password)
	d.initPOP3()
}

// Account returns the address of the device's account.
func (d *Device) Account() string { return strings.ToLower(d.Spec.Account) }

// IMAP returns the device's IMAP agent.
func (d *Device) IMAP() *simimap.Agent { return d.imap }

// close drops the device's connections.
func (d *Device) close() {
	d.imap.Close()
}

// Send composes a message and submits it to the device's server on the
// submission port (587, or 465 with implicit TLS), authenticated as its
// account.
func (d *Device) Send(s *Send) error {
	w := d.w
	addresses := func(list []string) []message.Address {
		out := make([]message.Address, len(list))
		for i, addr := range list {
			out[i] = w.addressOf(addr)
		}
		return out
	}
	draft := &message.Draft{
		From:      w.addressOf(d.Account()),
		To:        addresses(s.To),
		Cc:        addresses(s.Cc),
		Subject:   s.Subject,
		Date:      w.Clock.Now(),
		MessageID: w.messageID(domainOf(d.Account())),
		Text:      s.Text,
	}
	for _, a := range s.Attach {
		draft.Attachments = append(draft.Attachments, message.Attachment{Filename: a.Name, ContentType: a.Type, Data: a.data()})
	}
	if len(draft.Attachments) > 0 {
		draft.Boundary = w.boundary()
	}
	raw, err := message.Compose(draft)
	if err != nil {
		return err
	}
	conn, startTLS, err := d.dial(s.TLS, PortSubmission, PortSMTPS)
	if err != nil {
		return err
	}
	password := d.password
	if s.Password != "" {
		password = s.Password // a script's wrong password
	}
	return smtp.Submit(conn, &smtp.Submission{
		Hello:    d.Hostname,
		Username: d.Account(),
		Password: password,
		Auth:     strings.ToUpper(s.Auth),
		StartTLS: startTLS,
		From:     d.Account(),
		To:       slices.Concat(s.To, s.Cc, s.Bcc), // the envelope: every recipient, blind copies too
		Data:     raw,
	})
}

// fetchOptions returns what a fetch of the given items asks for. UID and
// FLAGS are always asked, as mail clients do.
func fetchOptions(items []string) (*imap.FetchOptions, error) {
	o := &imap.FetchOptions{UID: true, Flags: true}
	if len(items) == 0 {
		items = []string{"envelope"}
	}
	for _, it := range items {
		switch it {
		case "envelope":
			o.Envelope, o.RFC822Size, o.InternalDate = true, true, true
		case "flags":
		case "size":
			o.RFC822Size = true
		case "structure":
			o.BodyStructure = &imap.FetchItemBodyStructure{}
		case "header":
			o.BodySection = append(o.BodySection, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true})
		case "body":
			o.BodySection = append(o.BodySection, &imap.FetchItemBodySection{})
		case "peek":
			o.BodySection = append(o.BodySection, &imap.FetchItemBodySection{Peek: true})
		default:
			return nil, msgf("fetch item %q is not one of envelope, flags, size, structure, header, body, peek", it)
		}
	}
	return o, nil
}

// saveFetched updates the local copy with what a FETCH returned.
func (d *Device) saveFetched(mailbox string, msgs []*imapclient.FetchMessageBuffer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range msgs {
		key := itemKey(mailbox, uint32(m.UID))
		before, had := d.findLocked(key)
		item := before
		if !had {
			item = sim.DeviceItem{Key: key, Account: d.Account(), Mailbox: mailbox, UID: uint32(m.UID), Partial: true}
		}
		item.Flags = flagStrings(m.Flags)
		if e := m.Envelope; e != nil {
			item.Info.Subject = e.Subject
			item.Info.From = envelopeAddrs(e.From)
			item.Info.To = envelopeAddrs(e.To)
			item.Info.MessageID = e.MessageID
		}
		if m.RFC822Size > 0 {
			item.Info.Size = int(m.RFC822Size)
		}
		if !m.InternalDate.IsZero() {
			item.Info.Date = m.InternalDate
		}
		for _, bs := range m.BodySection {
			if bs.Section.Specifier == imap.PartSpecifierHeader && len(bs.Section.Part) == 0 && item.Partial {
				// The header alone names the sender and the subject, but
				// not the size of the whole message.
				h := message.Info(bs.Bytes)
				item.Info.Subject, item.Info.From, item.Info.To, item.Info.MessageID = h.Subject, h.From, h.To, h.MessageID
			}
			if bs.Section.Specifier == imap.PartSpecifierNone && len(bs.Section.Part) == 0 && bs.Section.Partial == nil {
				date := item.Info.Date
				item.Info = message.Info(bs.Bytes)
				item.Info.Date = date
				item.Partial = false
			}
		}
		switch {
		case !had || item.Partial != before.Partial || !reflect.DeepEqual(item.Info, before.Info):
			d.publishLocked(deviceChange(sim.OpDeviceAdd, d.Spec.ID, &item))
		case !slices.Equal(item.Flags, before.Flags):
			d.publishLocked(deviceChange(sim.OpDeviceFlags, d.Spec.ID, &item))
		}
	}
}

// saveFlags updates the flags of local copies after a STORE.
func (d *Device) saveFlags(mailbox string, msgs []*imapclient.FetchMessageBuffer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range msgs {
		item, had := d.findLocked(itemKey(mailbox, uint32(m.UID)))
		flags := flagStrings(m.Flags)
		if !had || slices.Equal(item.Flags, flags) {
			continue
		}
		item.Flags = flags
		d.publishLocked(deviceChange(sim.OpDeviceFlags, d.Spec.ID, &item))
	}
}

// drop removes the local copies for which remove is true.
func (d *Device) drop(remove func(*sim.DeviceItem) bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ds := d.local.Devices[d.Spec.ID]
	if ds == nil {
		return
	}
	var gone []sim.DeviceItem
	for i := range ds.Items {
		if remove(&ds.Items[i]) {
			gone = append(gone, ds.Items[i])
		}
	}
	for _, it := range gone {
		d.publishLocked(removeChange(d.Spec.ID, &it))
	}
}

// followIMAP reads the lines that crossed the device's IMAP connection
// since it last did, and keeps the local copy in step with what the server
// said, asked for or not (RFC 9051 sections 7.5.1 and 7.5.2): a message
// expunged (by this device or another, reported in reply to any command or
// during IDLE) is removed, and flags the server reports replace those of
// the copy. The lines are read from the trace, where the network recorded
// them as they were written: unlike imapclient's handlers, which run on
// goroutines of their own, that gives the same changes at the same place on
// every run. The world calls it whenever it settles.
func (d *Device) followIMAP() {
	selecting := d.imap.Selected()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.followOn == nil {
		return
	}
	events := d.w.Trace.Since(d.followAt)
	d.followAt += len(events)
	for i := range events {
		e := &events[i]
		if e.Conn != d.followOn || e.Kind != sim.KindLine {
			continue
		}
		if e.Dir == sim.C2S {
			d.follow.ClientLine(e.Text, int(e.Size), selecting)
			continue
		}
		for _, u := range d.follow.ServerLine(e.Text, int(e.Size)) {
			d.applyLocked(u)
		}
	}
}

// applyLocked applies to the local copy what the server said about one
// message.
func (d *Device) applyLocked(u simimap.Update) {
	item, had := d.findLocked(itemKey(u.Mailbox, uint32(u.UID)))
	if !had {
		return
	}
	if u.Expunged {
		d.publishLocked(removeChange(d.Spec.ID, &item))
		return
	}
	if flags := flagStrings(u.Flags); !slices.Equal(item.Flags, flags) {
		item.Flags = flags
		d.publishLocked(deviceChange(sim.OpDeviceFlags, d.Spec.ID, &item))
	}
}

// resync brings the local copy of the mailbox just selected in step with
// what SELECT said (RFC 4549 section 4.1): after a change of UIDVALIDITY
// the copies no longer name the server's messages and all go; with fewer
// messages on the server than copies, some copies are of messages that
// have gone, and UID SEARCH ALL tells which (with none, all have gone).
func (d *Device) resync(data *imap.SelectData) error {
	d.followIMAP()
	mailbox := d.imap.Selected()
	d.mu.Lock()
	held := 0
	if ds := d.local.Devices[d.Spec.ID]; ds != nil {
		for _, it := range ds.Items {
			if it.Mailbox == mailbox {
				held++
			}
		}
	}
	last, seen := d.validity[mailbox]
	d.validity[mailbox] = data.UIDValidity
	d.mu.Unlock()
	inMailbox := func(it *sim.DeviceItem) bool { return it.Mailbox == mailbox }
	switch {
	case held == 0 || int(data.NumMessages) >= held && (!seen || last == data.UIDValidity):
		return nil
	case seen && last != data.UIDValidity, data.NumMessages == 0:
		d.drop(inMailbox)
		return nil
	}
	uids, err := d.imap.UIDs()
	if err != nil {
		return err
	}
	d.followIMAP()
	d.mu.Lock()
	d.follow.Know(uids)
	d.mu.Unlock()
	there := imap.UIDSetNum(uids...)
	d.drop(func(it *sim.DeviceItem) bool { return inMailbox(it) && !there.Contains(imap.UID(it.UID)) })
	return nil
}

// dropUnfetched removes the local copies that a FETCH of set should have
// returned and did not: those messages are no longer on the server. Only a
// UID set or all messages ("1:*") tell which messages the set names.
func (d *Device) dropUnfetched(mailbox string, set imap.NumSet, msgs []*imapclient.FetchMessageBuffer) {
	var named func(uid uint32) bool
	switch s := set.(type) {
	case imap.SeqSet:
		if len(s) != 1 || s[0] != (imap.SeqRange{Start: 1, Stop: 0}) {
			return
		}
		named = func(uint32) bool { return true }
	case imap.UIDSet:
		named = func(uid uint32) bool { return s.Contains(imap.UID(uid)) }
	default:
		return
	}
	got := make(map[uint32]bool, len(msgs))
	for _, m := range msgs {
		got[uint32(m.UID)] = true
	}
	d.drop(func(it *sim.DeviceItem) bool {
		return it.Mailbox == mailbox && named(it.UID) && !got[it.UID]
	})
}

// findLocked returns the local copy with the given key.
func (d *Device) findLocked(key string) (sim.DeviceItem, bool) {
	if ds := d.local.Devices[d.Spec.ID]; ds != nil {
		if i := ds.Find(key); i >= 0 {
			return ds.Items[i], true
		}
	}
	return sim.DeviceItem{}, false
}

// publishLocked applies a change to the local copy and records it: the
// local copy is kept by the same rules that rebuild it from the trace.
func (d *Device) publishLocked(c *sim.Change) {
	d.local.Apply(&sim.Event{Kind: sim.KindDevice, Change: c})
	d.w.publishDevice(c)
}

// state returns the device's local copy, or nil when it holds nothing.
func (d *Device) state() *sim.DeviceState {
	d.mu.Lock()
	defer d.mu.Unlock()
	ds := d.local.Devices[d.Spec.ID]
	if ds == nil {
		return nil
	}
	return &sim.DeviceState{ID: ds.ID, Items: slices.Clone(ds.Items)}
}

func deviceChange(op sim.Op, device string, it *sim.DeviceItem) *sim.Change {
	info := it.Info
	c := &sim.Change{Op: op, Host: device, Account: it.Account, Mailbox: it.Mailbox, UID: it.UID, Key: it.Key, Flags: it.Flags, Partial: it.Partial}
	if op == sim.OpDeviceAdd {
		c.Msg = &info
	}
	return c
}

func removeChange(device string, it *sim.DeviceItem) *sim.Change {
	return &sim.Change{Op: sim.OpDeviceRemove, Host: device, Account: it.Account, Mailbox: it.Mailbox, UID: it.UID, Key: it.Key}
}

func itemKey(mailbox string, uid uint32) string { return fmt.Sprintf("%s/%d", mailbox, uid) }

func envelopeAddrs(l []imap.Address) string {
	parts := make([]string, len(l))
	for i, a := range l {
		parts[i] = message.Address{Name: a.Name, Address: a.Addr()}.String()
	}
	return strings.Join(parts, ", ")
}

func flagStrings(flags []imap.Flag) []string {
	if len(flags) == 0 {
		return nil
	}
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = string(f)
	}
	slices.Sort(out)
	return out
}
