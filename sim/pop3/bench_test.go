package pop3

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/store"
)

// benchMessages is the size of the maildrop of the download benchmark.
const benchMessages = 10000

// benchMessage returns message i of the benchmark's maildrop, with CRLF
// line endings: between about 0.5 and 4 KB, some lines beginning with a
// dot, all the same on every run.
func benchMessage(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <ana@ejemplo.com>\r\n")
	fmt.Fprintf(&b, "From: Ana Garcia <ana@ejemplo.com>\r\nTo: Beto Ramirez <beto@otro.org>\r\n")
	fmt.Fprintf(&b, "Subject: Mensaje %d de %d\r\n", i+1, benchMessages)
	fmt.Fprintf(&b, "Date: Mon, 02 Mar 2026 09:%02d:%02d +0100\r\n", i/60%60, i%60)
	fmt.Fprintf(&b, "Message-ID: <bench.%d@ejemplo.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", i)
	for l := 0; l < 5+(i*7)%60; l++ {
		if l%9 == 4 {
			b.WriteString(".")
		}
		fmt.Fprintf(&b, "Linea %d del mensaje %d: el veloz murcielago hindu comia feliz cardillo y kiwi.\r\n", l, i)
	}
	return b.String()
}

// benchStore returns a store whose account beto@otro.org holds the
// benchmark's maildrop.
func benchStore(b testing.TB) (*store.Store, int64) {
	st := store.New(store.Options{Clock: sim.NewVirtualClock(sim.Epoch)})
	if _, err := st.AddAccount(beto, password, host); err != nil {
		b.Fatal(err)
	}
	var total int64
	for i := 0; i < benchMessages; i++ {
		m := benchMessage(i)
		total += int64(len(m))
		if _, err := st.Deliver(beto, store.Inbox, []byte(m), nil); err != nil {
			b.Fatal(err)
		}
	}
	return st, total
}

// download is the benchmark's work, as a mail program does it on a full
// maildrop: log in, UIDL, LIST, RETR of every message, QUIT.
func download(addr, user, pass string) (int64, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	c, err := NewClient(conn)
	if err != nil {
		conn.Close()
		return 0, err
	}
	defer c.Close()
	if err := c.User(user); err != nil {
		return 0, err
	}
	if err := c.Pass(pass); err != nil {
		return 0, err
	}
	uids, err := c.UidlAll()
	if err != nil {
		return 0, err
	}
	sizes, err := c.ListAll()
	if err != nil {
		return 0, err
	}
	if len(uids) != benchMessages || len(sizes) != benchMessages {
		return 0, fmt.Errorf("%d unique-ids and %d sizes, want %d", len(uids), len(sizes), benchMessages)
	}
	var n int64
	for _, s := range sizes {
		m, err := c.Retr(s.Num)
		if err != nil {
			return 0, err
		}
		if len(m) != s.Size {
			return 0, fmt.Errorf("message %d has %d octets, LIST said %d", s.Num, len(m), s.Size)
		}
		n += int64(len(m))
	}
	return n, c.Quit()
}

// BenchmarkPOP3Download measures UIDL, LIST and RETR of every message of a
// 10,000-message maildrop over loopback TCP, with this package's client.
// With POP3_BENCH_DOVECOT=host:port (and the same maildrop there; see
// scripts/bench-pop3-dovecot) it measures Dovecot too, for a ratio.
func BenchmarkPOP3Download(b *testing.B) {
	st, _ := benchStore(b)
	srv := NewServer(Config{Store: st})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	servers := []struct{ name, addr, user, pass string }{{"mailscope", ln.Addr().String(), "beto", password}}
	if addr := os.Getenv("POP3_BENCH_DOVECOT"); addr != "" {
		servers = append(servers, struct{ name, addr, user, pass string }{"dovecot", addr, "beto", password})
	}
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			// A first session warms the server (Dovecot builds its index).
			n, err := download(s.addr, s.user, s.pass)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := download(s.addr, s.user, s.pass); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWriteBenchMaildir writes the benchmark's maildrop as a Maildir for
// another server, when POP3_BENCH_MAILDIR names the directory: one file a
// message, LF line endings as Maildir keeps them, named with their size
// (S=) and their size with CRLF (W=) as Dovecot names them.
func TestWriteBenchMaildir(t *testing.T) {
	dir := os.Getenv("POP3_BENCH_MAILDIR")
	if dir == "" {
		t.Skip("POP3_BENCH_MAILDIR is not set")
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < benchMessages; i++ {
		m := benchMessage(i)
		lf := strings.ReplaceAll(m, "\r\n", "\n")
		name := fmt.Sprintf("%d.M%dP1.bench,S=%d,W=%d:2,", 1772438400+i, i, len(lf), len(m))
		if err := os.WriteFile(filepath.Join(dir, "cur", name), []byte(lf), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
