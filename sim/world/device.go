package world

import (
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

	mu    sync.Mutex
	items []sim.DeviceItem // the local copy, in the order saved
}

func (d *Device) init() {
	addr := strings.ToLower(d.Spec.Account)
	for _, dom := range d.w.Spec.Domains {
		for _, a := range dom.Accounts {
			if a.User+"@"+dom.Name == addr {
				d.password, d.server = a.Password, dom.Server
			}
		}
	}
	d.imap = simimap.NewAgent(func() (net.Conn, error) {
		return d.w.Net.Dial(d.Spec.ID, d.server, PortIMAP)
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
// submission port, authenticated as its account.
func (d *Device) Send(s *Send) error {
	w := d.w
	to := make([]message.Address, len(s.To))
	for i, addr := range s.To {
		to[i] = w.addressOf(addr)
	}
	draft := &message.Draft{
		From:      w.addressOf(d.Account()),
		To:        to,
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
	conn, err := w.Net.Dial(d.Spec.ID, d.server, PortSubmission)
	if err != nil {
		return err
	}
	return smtp.Submit(conn, &smtp.Submission{
		Hello:    d.Hostname,
		Username: d.Account(),
		Password: d.password,
		From:     d.Account(),
		To:       s.To,
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
			return nil, fmt.Errorf("fetch item %q is not one of envelope, flags, size, structure, header, body, peek", it)
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
		i := slices.IndexFunc(d.items, func(it sim.DeviceItem) bool { return it.Key == key })
		item := sim.DeviceItem{Key: key, Account: d.Account(), Mailbox: mailbox, UID: uint32(m.UID), Partial: true}
		if i >= 0 {
			item = d.items[i]
		}
		before := item
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
			if bs.Section.Specifier == imap.PartSpecifierNone && len(bs.Section.Part) == 0 && bs.Section.Partial == nil {
				date := item.Info.Date
				item.Info = message.Info(bs.Bytes)
				item.Info.Date = date
				item.Partial = false
			}
		}
		switch {
		case i < 0:
			d.items = append(d.items, item)
			d.w.publishDevice(deviceChange(sim.OpDeviceAdd, d.Spec.ID, &item))
		case item.Partial != before.Partial || !reflect.DeepEqual(item.Info, before.Info):
			d.items[i] = item
			d.w.publishDevice(deviceChange(sim.OpDeviceAdd, d.Spec.ID, &item))
		case !slices.Equal(item.Flags, before.Flags):
			d.items[i] = item
			d.w.publishDevice(deviceChange(sim.OpDeviceFlags, d.Spec.ID, &item))
		}
	}
}

// saveFlags updates the flags of local copies after a STORE.
func (d *Device) saveFlags(mailbox string, msgs []*imapclient.FetchMessageBuffer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range msgs {
		key := itemKey(mailbox, uint32(m.UID))
		i := slices.IndexFunc(d.items, func(it sim.DeviceItem) bool { return it.Key == key })
		flags := flagStrings(m.Flags)
		if i < 0 || slices.Equal(d.items[i].Flags, flags) {
			continue
		}
		d.items[i].Flags = flags
		d.w.publishDevice(deviceChange(sim.OpDeviceFlags, d.Spec.ID, &d.items[i]))
	}
}

// drop removes the local copies for which remove is true.
func (d *Device) drop(remove func(*sim.DeviceItem) bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	kept := d.items[:0:0]
	for i := range d.items {
		if remove(&d.items[i]) {
			d.w.publishDevice(&sim.Change{Op: sim.OpDeviceRemove, Host: d.Spec.ID, Account: d.items[i].Account, Mailbox: d.items[i].Mailbox, UID: d.items[i].UID, Key: d.items[i].Key})
			continue
		}
		kept = append(kept, d.items[i])
	}
	d.items = kept
}

// state returns the device's local copy, or nil when it holds nothing.
func (d *Device) state() *sim.DeviceState {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.items) == 0 {
		return nil
	}
	return &sim.DeviceState{ID: d.Spec.ID, Items: slices.Clone(d.items)}
}

func deviceChange(op sim.Op, device string, it *sim.DeviceItem) *sim.Change {
	info := it.Info
	c := &sim.Change{Op: op, Host: device, Account: it.Account, Mailbox: it.Mailbox, UID: it.UID, Key: it.Key, Flags: it.Flags, Partial: it.Partial}
	if op == sim.OpDeviceAdd {
		c.Msg = &info
	}
	return c
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
