package world

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/message"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/store"
)

// raceSpec is a world of three domains, each with two users and a device
// for each.
func raceSpec() *Spec {
	s := &Spec{Seed: 7}
	for i, d := range []string{"ejemplo.com", "otro.org", "tercero.net"} {
		ds := DomainSpec{Name: d, Server: "mail." + d, IP: fmt.Sprintf("192.0.2.%d", 10+i)}
		for _, u := range []string{"u1", "u2"} {
			ds.Accounts = append(ds.Accounts, AccountSpec{User: u, Password: "pw"})
			s.Devices = append(s.Devices, DeviceSpec{ID: u + "-" + strings.Split(d, ".")[0], Label: sim.Text{ES: u, EN: u}, Kind: Laptop, Account: u + "@" + d, Reads: ReadsIMAP})
		}
		s.Domains = append(s.Domains, ds)
	}
	return s
}

// TestRetryQueueRace drives many messages through random temporary
// failures (451 and 421), servers going down and up, scheduled retries,
// relay actions and the clock jumping ahead, with concurrent submissions,
// and checks that every recipient of every message got it exactly once or
// that its sender got exactly one "failed" notification for it: nothing
// lost, nothing duplicated. Run it with -race.
func TestRetryQueueRace(t *testing.T) {
	messages := 240
	if testing.Short() {
		messages = 60
	}
	start := time.Now()
	vc := sim.NewVirtualClock(sim.Epoch)
	w, err := New(raceSpec(), Options{Clock: vc, LineDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	// Each message goes to one or two users of other domains.
	type sent struct {
		from    *Device
		subject string
		to      []string
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var all []sent
	for i := range messages {
		d := w.devices[rng.IntN(len(w.devices))]
		var to []string
		for len(to) < 1+rng.IntN(2) {
			o := w.devices[rng.IntN(len(w.devices))]
			if domainOf(o.Account()) != domainOf(d.Account()) && !strings.Contains(strings.Join(to, " "), o.Account()) {
				to = append(to, o.Account())
			}
		}
		all = append(all, sent{d, fmt.Sprintf("m-%05d", i), to})
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	// Submissions, from four goroutines at once. A submission refused
	// because the sender's own server is down is submitted again, as a
	// mail client does.
	var submitted sync.WaitGroup
	for g := range 4 {
		submitted.Add(1)
		go func() {
			defer submitted.Done()
			for i := g; i < len(all); i += 4 {
				m := all[i]
				for try := 0; ; try++ {
					err := m.from.Send(&Send{Device: m.from.Spec.ID, To: m.to, Subject: m.subject, Text: "x"})
					if err == nil {
						break
					}
					if try > 1000 {
						t.Errorf("%s: not submitted: %v", m.subject, err)
						break
					}
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	// Chaos: servers go down and up, and fail for a while.
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(3, 4))
		for {
			select {
			case <-stop:
				return
			default:
			}
			srv := w.servers[r.IntN(len(w.servers))]
			if srv.Name == "mail.tercero.net" {
				// Down most of the time: some of its mail expires.
				w.Net.SetDown(srv.Name, r.IntN(10) != 0)
				continue
			}
			switch r.IntN(4) {
			case 0:
				w.Net.SetDown(srv.Name, true)
			case 1:
				w.Net.SetDown(srv.Name, false)
			case 2:
				srv.faults.Set(r.IntN(4), smtp.FaultAbort)
			case 3:
				srv.faults.Set(r.IntN(4), smtp.FaultShutdown)
			}
			time.Sleep(time.Duration(r.IntN(500)) * time.Microsecond)
		}
	}()
	// Relay actions on every server, and time passing with the retries
	// that come due; sometimes a jump of days, so that some messages
	// expire.
	for i, srv := range w.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				w.flush(srv)
				time.Sleep(time.Duration(i+1) * 300 * time.Microsecond)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(5, 6))
		for {
			select {
			case <-stop:
				return
			default:
			}
			d := time.Duration(r.IntN(90)) * time.Minute
			if r.IntN(8) == 0 {
				d = time.Duration(1+r.IntN(3)) * 24 * time.Hour
			}
			vc.Advance(d)
			for _, srv := range w.servers {
				w.flushDue(srv)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	submitted.Wait()
	close(stop)
	wg.Wait()

	// Everything up again, a last relay action (for what was queued after
	// the others), and time passes until every queue is empty.
	for _, srv := range w.servers {
		w.Net.SetDown(srv.Name, false)
		srv.faults.Set(0, 0)
	}
	for _, srv := range w.servers {
		w.flush(srv)
	}
	for range 1000 {
		srv, at := w.nextDue()
		if srv == nil {
			break
		}
		if now := vc.Now(); at.After(now) {
			vc.Advance(at.Sub(now))
		}
		w.flushDue(srv)
	}
	for _, srv := range w.servers {
		if n := srv.Host.Queue.Len(); n != 0 {
			t.Fatalf("the queue of %s still holds %d messages", srv.Name, n)
		}
	}
	w.Settle()

	// Count deliveries by recipient and subject, and failed notifications
	// by sender and the subject they return.
	delivered := map[string]int{} // "rcpt subject"
	bounced := map[string]int{}   // "rcpt subject", from the notification's recipients
	for _, a := range w.Store.Accounts() {
		for _, m := range a.Messages(store.Inbox) {
			raw := a.Raw(store.Inbox, m.UID)
			if !bytes.HasPrefix(raw, []byte("Return-Path: <>")) {
				delivered[a.Address()+" "+message.Info(raw).Subject]++
				continue
			}
			d, err := message.ParseDSN(raw)
			if err != nil {
				t.Errorf("a notification in %s's INBOX does not parse: %v", a.Address(), err)
				continue
			}
			if d.Action != message.ActionFailed {
				continue
			}
			subject := message.Info(d.Original).Subject
			for _, r := range d.Recipients {
				bounced[r.Address+" "+subject]++
			}
			if d.To != a.Address() {
				t.Errorf("a notification for %s is in the INBOX of %s", d.To, a.Address())
			}
		}
	}
	nd, nb := 0, 0
	for _, m := range all {
		for _, rcpt := range m.to {
			k := rcpt + " " + m.subject
			switch d, b := delivered[k], bounced[k]; {
			case d == 1 && b == 0:
				nd++
			case d == 0 && b == 1:
				nb++
			default:
				t.Errorf("%s to %s: delivered %d times, bounced %d times; want exactly one of them once", m.subject, rcpt, d, b)
			}
		}
	}
	if nd == 0 || nb == 0 {
		t.Errorf("%d recipients delivered, %d bounced: the test should see both", nd, nb)
	}
	t.Logf("%d messages, %d recipients: %d delivered, %d bounced after 5 days; %d events, %v of virtual time, %v",
		len(all), nd+nb, nd, nb, w.Trace.Len(), vc.Now().Sub(sim.Epoch).Round(time.Minute), time.Since(start).Round(time.Millisecond))
}

// TestLiveRetries runs the retries in the background, as serve does: a
// message for a server that was down is delivered once the server is up and
// its retry is due, without any action.
func TestLiveRetries(t *testing.T) {
	vc := sim.NewVirtualClock(sim.Epoch)
	w, err := New(DefaultSpec(), Options{Clock: vc, LineDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Net.SetDown("mail.otro.org", true)
	ana := w.Device("ana-laptop")
	if err := ana.Send(&Send{Device: "ana-laptop", To: []string{"beto@otro.org"}, Subject: "en vivo"}); err != nil {
		t.Fatal(err)
	}
	w.relayNow(w.Server("mail.ejemplo.com").Host)
	q := w.Server("mail.ejemplo.com").Host.Queue
	waitFor(t, "the first attempt", func() bool { _, ok := q.NextDue(); return ok })
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); w.retryLive(stop, time.Millisecond) }()
	defer func() { close(stop); <-done }()
	w.Net.SetDown("mail.otro.org", false)
	time.Sleep(20 * time.Millisecond)
	if n := len(w.Store.Account("beto@otro.org").Messages(store.Inbox)); n != 0 {
		t.Fatalf("delivered before the retry was due (%d messages)", n)
	}
	vc.Advance(30 * time.Minute)
	waitFor(t, "the delivery", func() bool { return q.Len() == 0 })
	if n := len(w.Store.Account("beto@otro.org").Messages(store.Inbox)); n != 1 {
		t.Errorf("Beto's INBOX holds %d messages, want 1", n)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 5 seconds", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestNotifyRemoteSender sends a notification for a sender of another
// server through SMTP, with the null sender, and never one about a
// notification.
func TestNotifyRemoteSender(t *testing.T) {
	vc := sim.NewVirtualClock(sim.Epoch)
	w, err := New(DefaultSpec(), Options{Clock: vc, LineDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	srv := w.Server("mail.ejemplo.com")
	orig := []byte("From: beto@otro.org\r\nTo: x@caido.net\r\nSubject: lejos\r\n\r\nhola\r\n")
	w.notify(srv, &smtp.Notice{
		Item:   &smtp.Item{ID: "Q1", From: "beto@otro.org", Rcpts: []string{"x@caido.net"}, Data: orig, Arrived: vc.Now()},
		Action: message.ActionFailed,
		Rcpts:  []smtp.Outcome{{QueueID: "Q1", Rcpt: "x@caido.net", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}},
		At:     vc.Now(),
	})
	items := srv.Host.Queue.Items()
	if len(items) != 1 || items[0].From != "" || !slices.Equal(items[0].Rcpts, []string{"beto@otro.org"}) {
		t.Fatalf("queue = %+v, want the notification to beto@otro.org with the null sender", items)
	}
	if err := w.flushDue(srv); err != nil {
		t.Fatal(err)
	}
	w.Settle()
	var lines []string
	for _, e := range w.Trace.Events() {
		if e.Kind == sim.KindLine && e.Dir == sim.C2S && e.Conn.Client == "mail.ejemplo.com" && strings.HasPrefix(e.Text, "MAIL FROM:") {
			lines = append(lines, e.Text)
		}
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "MAIL FROM:<> ") {
		t.Errorf("MAIL commands %q, want one MAIL FROM:<>", lines)
	}
	msgs := w.Store.Account("beto@otro.org").Messages(store.Inbox)
	if len(msgs) != 1 {
		t.Fatalf("Beto's INBOX holds %d messages, want the notification", len(msgs))
	}
	d, err := message.ParseDSN(w.Store.Account("beto@otro.org").Raw(store.Inbox, msgs[0].UID))
	if err != nil || d.Recipients[0].Status != "4.4.1" || d.Recipients[0].Action != message.ActionFailed {
		t.Errorf("ParseDSN = %+v, %v; want x@caido.net failed with 4.4.1", d, err)
	}
}
