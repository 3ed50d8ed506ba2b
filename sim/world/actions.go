package world

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailscope/mailscope/sim"
	simimap "github.com/mailscope/mailscope/sim/imap"
)

// Run builds the script's world, takes every step and returns the world
// (closed: its trace is complete). An action that fails, as a refused
// recipient does, is recorded as an error event and the script goes on; an
// action the world cannot take (an unknown device) stops it with an error.
// Expectations that do not hold after their step are returned together as
// Problems, with the complete world.
func Run(s *Script, opts Options) (*World, error) {
	if err := Check(s); err != nil {
		return nil, err
	}
	w, err := New(s.World, opts)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	var unmet Problems
	for i := range s.Steps {
		from := w.Trace.Len()
		if err := w.Step(&s.Steps[i]); err != nil {
			return w, err
		}
		unmet = append(unmet, w.Verify(s, i, from)...)
	}
	if len(unmet) > 0 {
		return w, unmet
	}
	return w, nil
}

// Step begins the next step and takes its actions.
func (w *World) Step(st *Step) error {
	say := st.Say
	w.Trace.BeginStep(&say)
	for i := range st.Do {
		if err := w.Do(&st.Do[i]); err != nil {
			var fail *Failure
			if !errors.As(err, &fail) {
				return err
			}
			w.Trace.Append(sim.Event{Kind: sim.KindError, Text: fail.Error()})
		}
	}
	return nil
}

// Failure is an action that was taken but did not succeed, such as a
// message refused by a server: part of the story, not a broken script.
type Failure struct {
	Who string // the device or server that failed
	Err error
}

func (f *Failure) Error() string { return f.Who + ": " + f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// Do takes one action and waits until the world is quiet again.
func (w *World) Do(a *Action) error {
	defer w.Settle()
	switch {
	case a.Send != nil:
		d, err := w.device(a.Send.Device)
		if err != nil {
			return err
		}
		return failure(d.Spec.ID, d.Send(a.Send))
	case a.Relay != nil:
		srv := w.Server(a.Relay.Server)
		if srv == nil {
			return fmt.Errorf("world: there is no server %q", a.Relay.Server)
		}
		return w.flush(srv)
	case a.IMAP != nil:
		d, err := w.device(a.IMAP.Device)
		if err != nil {
			return err
		}
		return failure(d.Spec.ID, d.doIMAP(a.IMAP))
	case a.POP3 != nil:
		d, err := w.device(a.POP3.Device)
		if err != nil {
			return err
		}
		return d.doPOP3(a.POP3)
	case a.Raw != nil:
		return w.doRaw(a.Raw)
	case a.Wait != nil:
		vc, ok := w.Clock.(*sim.VirtualClock)
		if !ok {
			return fmt.Errorf("world: only a virtual clock can be advanced")
		}
		d, err := a.Wait.For.Value()
		if err != nil {
			return err
		}
		w.wait(vc, d)
		return nil
	case a.Server != nil:
		return w.doServer(a.Server)
	}
	return fmt.Errorf("world: empty action")
}

func failure(who string, err error) error {
	if err == nil {
		return nil
	}
	return &Failure{Who: who, Err: err}
}

func (w *World) device(id string) (*Device, error) {
	d := w.Device(id)
	if d == nil {
		return nil, fmt.Errorf("world: there is no device %q", id)
	}
	return d, nil
}

// flush makes a server relay its queue once and records what failed.
func (w *World) flush(srv *Server) error { return relayOnce(srv, srv.relay.Flush) }

// doIMAP runs one IMAP operation of a device and updates its local copy.
func (d *Device) doIMAP(a *IMAPAction) error {
	ag := d.imap
	if a.Password != "" {
		// Another password: tried on a connection of its own, which the
		// action closes, leaving the device's connection as it was.
		ag = simimap.NewAgent(func() (net.Conn, *tls.Config, error) {
			return d.dial(a.TLS, PortIMAP, PortIMAPS)
		}, d.Account(), a.Password)
		defer ag.Logout()
	} else if err := d.imapSecurity(a.TLS); err != nil {
		return err
	}
	set, err := a.numSet()
	if err != nil {
		return err
	}
	switch a.Op {
	case "login":
		return ag.Login()
	case "list":
		_, err := ag.List()
		return err
	case "select":
		data, err := ag.Select(a.mailbox())
		if err != nil {
			return err
		}
		return d.resync(data)
	case "fetch":
		opts, err := fetchOptions(a.Items)
		if err != nil {
			return err
		}
		msgs, err := ag.Fetch(set, opts)
		d.saveFetched(ag.Selected(), msgs)
		if err == nil {
			d.dropUnfetched(ag.Selected(), set, msgs)
		}
		return err
	case "store":
		var msgs []*imapclient.FetchMessageBuffer
		for _, sf := range a.storeFlags() {
			m, err := ag.Store(set, sf)
			if err != nil {
				return err
			}
			msgs = append(msgs, m...)
		}
		d.saveFlags(ag.Selected(), msgs)
		return nil
	case "create":
		return ag.Create(a.Mailbox)
	case "copy":
		_, err := ag.Copy(set, a.To)
		return err
	case "move":
		data, err := ag.Move(set, a.To)
		if err != nil {
			return err
		}
		src := ag.Selected()
		moved, _ := data.SourceUIDs.(imap.UIDSet)
		d.drop(func(it *sim.DeviceItem) bool {
			return it.Mailbox == src && moved.Contains(imap.UID(it.UID))
		})
		return nil
	case "expunge":
		if _, err := ag.Expunge(); err != nil {
			return err
		}
		src := ag.Selected()
		d.drop(func(it *sim.DeviceItem) bool {
			return it.Mailbox == src && slices.Contains(it.Flags, string(imap.FlagDeleted))
		})
		return nil
	case "idle":
		before := d.w.Store.Idlers(d.Account(), ag.Selected())
		if err := ag.Idle(); err != nil {
			return err
		}
		if ag.Selected() != "" {
			d.w.Store.WaitIdlers(d.Account(), ag.Selected(), before+1, settleTimeout)
		}
		return nil
	case "done":
		return ag.Done()
	case "logout":
		return ag.Logout()
	}
	return fmt.Errorf("imap op %q is not one of %s", a.Op, strings.Join(IMAPOps, ", "))
}

func (a *IMAPAction) mailbox() string {
	if a.Mailbox == "" {
		return "INBOX"
	}
	return a.Mailbox
}

// numSet returns the action's message set: its UIDs, its sequence numbers,
// or all messages ("1:*").
func (a *IMAPAction) numSet() (imap.NumSet, error) {
	switch {
	case a.UID != "" && a.Seq != "":
		return nil, msgf("give uid or seq, not both")
	case a.UID != "":
		ranges, err := parseSet(a.UID)
		if err != nil {
			return nil, msgf("uid %q is not a UID set such as 1, 2:4, 1,3 or 1:*", a.UID)
		}
		var set imap.UIDSet
		for _, r := range ranges {
			set = append(set, imap.UIDRange{Start: imap.UID(r[0]), Stop: imap.UID(r[1])})
		}
		return set, nil
	case a.Seq != "":
		ranges, err := parseSet(a.Seq)
		if err != nil {
			return nil, msgf("seq %q is not a sequence set such as 1, 2:4, 1,3 or 1:*", a.Seq)
		}
		var set imap.SeqSet
		for _, r := range ranges {
			set = append(set, imap.SeqRange{Start: r[0], Stop: r[1]})
		}
		return set, nil
	}
	return imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, nil
}

// parseSet parses an IMAP sequence set (RFC 9051 section 9, sequence-set)
// into ranges; "*" is 0.
func parseSet(s string) ([][2]uint32, error) {
	num := func(t string) (uint32, error) {
		if t == "*" {
			return 0, nil
		}
		n, err := strconv.ParseUint(t, 10, 32)
		if err != nil || n == 0 || strings.HasPrefix(t, "+") {
			return 0, fmt.Errorf("bad number %q", t)
		}
		return uint32(n), nil
	}
	var out [][2]uint32
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err := num(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = num(hi); err != nil {
				return nil, err
			}
		}
		out = append(out, [2]uint32{a, b})
	}
	return out, nil
}

// storeFlags returns the STORE operations of the action: +FLAGS, then
// -FLAGS.
func (a *IMAPAction) storeFlags() []*imap.StoreFlags {
	var l []*imap.StoreFlags
	if len(a.Add) > 0 {
		l = append(l, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: toFlags(a.Add)})
	}
	if len(a.Remove) > 0 {
		l = append(l, &imap.StoreFlags{Op: imap.StoreFlagsDel, Flags: toFlags(a.Remove)})
	}
	return l
}

func toFlags(l []string) []imap.Flag {
	out := make([]imap.Flag, len(l))
	for i, f := range l {
		out[i] = imap.Flag(f)
	}
	return out
}
