package world

import (
	"crypto/tls"
	"fmt"
	"net"
	"reflect"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/message"
	"github.com/mailscope/mailscope/sim/pop3"
	"github.com/mailscope/mailscope/sim/store"
)

// initPOP3 gives a device that reads mail with POP3 its agent: download
// and delete ("pop3"), or leave a copy on the server ("pop3-keep"),
// optionally for KeepDays days of the world's clock.
func (d *Device) initPOP3() {
	if d.Spec.Reads != ReadsPOP3 && d.Spec.Reads != ReadsPOP3Keep {
		return
	}
	d.pop3 = d.newPOP3Agent(d.password)
}

// newPOP3Agent returns a POP3 agent of the device that logs in with
// password.
func (d *Device) newPOP3Agent(password string) *pop3.Agent {
	return pop3.NewAgent(func() (net.Conn, *tls.Config, error) {
		return d.dial(d.pop3TLS, PortPOP3, PortPOP3S)
	}, d.Account(), password, pop3.AgentOptions{
		Keep:    d.Spec.Reads == ReadsPOP3Keep,
		KeepFor: time.Duration(d.Spec.KeepDays) * 24 * time.Hour,
		Clock:   d.w.Clock,
		Save:    d.savePOP3,
	})
}

// POP3 returns the device's POP3 agent, or nil if it does not read mail
// with POP3.
func (d *Device) POP3() *pop3.Agent { return d.pop3 }

// doPOP3 runs one POP3 session of a device. What it downloads is saved in
// the device's local copy as it arrives, so the trace shows it right after
// the RETR (or TOP) that brought it.
func (d *Device) doPOP3(a *POP3Action) error {
	if d.pop3 == nil {
		return fmt.Errorf("world: device %s reads mail with %s, not POP3", d.Spec.ID, d.Spec.Reads)
	}
	d.pop3TLS = a.TLS
	ag := d.pop3
	if a.Password != "" {
		// Another password: an agent that tries it, for this session.
		ag = d.newPOP3Agent(a.Password)
	}
	var err error
	switch a.Op {
	case "check":
		_, err = ag.Check()
	case "preview":
		_, err = ag.Preview()
	case "drop":
		_, err = ag.Drop()
	default:
		return fmt.Errorf("world: pop3 op %q is not one of %v", a.Op, POP3Ops)
	}
	return failure(d.Spec.ID, err)
}

// savePOP3 keeps a downloaded message (or its header) in the local copy,
// keyed by its unique-id, with its full size and the time it arrived on
// the device. The device keeps it when the server deletes it: that is what
// POP3 is for.
func (d *Device) savePOP3(m *pop3.Message) {
	info := message.Info(m.Data)
	info.Size, info.Date = m.Size, d.w.Clock.Now()
	item := sim.DeviceItem{Key: m.UID, Account: d.Account(), Mailbox: store.Inbox, Info: info, Partial: m.Partial}
	d.mu.Lock()
	defer d.mu.Unlock()
	if old, had := d.findLocked(item.Key); had && old.Partial == item.Partial && reflect.DeepEqual(old.Info, item.Info) {
		return
	}
	d.publishLocked(deviceChange(sim.OpDeviceAdd, d.Spec.ID, &item))
}
