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
	d.imap = simimap.NewAgent(func() (net.Conn, *tls.Config, error) {
		return d.dial(d.imapTLS, PortIMAP, PortIMAPS)
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
		d.publishLocked(&sim.Change{Op: sim.OpDeviceRemove, Host: d.Spec.ID, Account: it.Account, Mailbox: it.Mailbox, UID: it.UID, Key: it.Key})
	}
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
