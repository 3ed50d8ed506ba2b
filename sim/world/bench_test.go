package world_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/store"
	"github.com/mailscope/mailscope/sim/wire"
	"github.com/mailscope/mailscope/sim/world"
)

// BenchmarkTour runs the whole tour headless: world, servers, every step.
func BenchmarkTour(b *testing.B) {
	s, err := lessons.Builtin("tour")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := world.Run(s, world.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDelivery measures SMTP delivery throughput on port 25 through
// the in-process network with the tap and trace recording everything, and
// with nothing recorded. The two servers take turns, message by message, so
// that a busy machine slows both alike; the "throughput-ratio" metric is
// recorded throughput over bare throughput (the cost of recording).
func BenchmarkDelivery(b *testing.B) {
	bare, recorded := deliveryClient(b, false), deliveryClient(b, true)
	msg := []byte("Subject: bench\r\n\r\n" + strings.Repeat("A line of the message body, as long as most are.\r\n", 40))
	var tBare, tRecorded time.Duration
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		t0 := time.Now()
		if err := send(bare, msg); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := send(recorded, msg); err != nil {
			b.Fatal(err)
		}
		tBare, tRecorded = tBare+t1.Sub(t0), tRecorded+time.Since(t1)
	}
	b.ReportMetric(float64(tBare.Nanoseconds())/float64(b.N), "bare-ns/msg")
	b.ReportMetric(float64(tRecorded.Nanoseconds())/float64(b.N), "recorded-ns/msg")
	b.ReportMetric(float64(tBare)/float64(tRecorded), "throughput-ratio")
}

// deliveryClient starts an MX server for otro.org on an in-process network
// (recording everything, or nothing) and returns a client that has greeted
// it.
func deliveryClient(b *testing.B, recorded bool) *gosmtp.Client {
	var trace *sim.Trace
	publish := func(*sim.Change) {}
	if recorded {
		trace = sim.NewTrace(sim.TraceOptions{Clock: sim.NewVirtualClock(sim.Epoch), LineDelay: world.DefaultLineDelay})
		publish = func(c *sim.Change) { trace.Append(sim.Event{Kind: sim.KindStore, Change: c, Text: c.Summary()}) }
	}
	st := store.New(store.Options{Clock: sim.NewVirtualClock(sim.Epoch), Publish: publish})
	if _, err := st.AddAccount("beto@otro.org", "naranja", "mail.otro.org"); err != nil {
		b.Fatal(err)
	}
	host := &smtp.Host{Name: "mail.otro.org", Domains: []string{"otro.org"}, Queue: smtp.NewQueue("mail.otro.org", nil)}
	n := 0
	srv := smtp.NewServer(smtp.Config{
		Host: host, Role: smtp.RoleMX, Store: st,
		Hosts: func(d string) *smtp.Host {
			if d == "otro.org" {
				return host
			}
			return nil
		},
		NewID: func() string { n++; return fmt.Sprintf("%010X", n) },
	})
	netw := wire.NewNetwork(wire.Options{Trace: trace})
	l, err := netw.Listen("mail.otro.org", 25, sim.SMTP)
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	conn, err := netw.Dial("mail.ejemplo.com", "mail.otro.org", 25)
	if err != nil {
		b.Fatal(err)
	}
	c := gosmtp.NewClient(conn)
	b.Cleanup(func() { c.Close() })
	if err := c.Hello("mail.ejemplo.com"); err != nil {
		b.Fatal(err)
	}
	return c
}

func send(c *gosmtp.Client, msg []byte) error {
	if err := c.Mail("ana@ejemplo.com", nil); err != nil {
		return err
	}
	if err := c.Rcpt("beto@otro.org", nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

// BenchmarkEventMemory reports the heap bytes each recorded line event
// costs, text included, for lines of a typical length.
func BenchmarkEventMemory(b *testing.B) {
	const lines = 100_000
	chunk := []byte("c: RCPT TO:<beto@otro.org>\r\nS: 250 2.1.5 Ok\r\n")
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		trace := sim.NewTrace(sim.TraceOptions{Clock: sim.NewVirtualClock(sim.Epoch), LineDelay: world.DefaultLineDelay})
		tap := wire.NewTap(trace, &sim.ConnInfo{Proto: sim.SMTP, Client: "a", Server: "b", Port: 25}, nil)
		for i := 0; i < lines/2; i++ {
			tap.Observe(sim.C2S, chunk)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(trace.Len()), "B/event")
		runtime.KeepAlive(trace)
	}
}
