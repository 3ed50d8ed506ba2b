package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim"
)

const (
	mxHost = "mx.example.org"
	// notQuiet is how long Settle is given when the network is expected
	// to stay busy: Settle must give up and say so.
	notQuiet = 50 * time.Millisecond
	// quiet bounds a Settle that is expected to succeed; it returns as
	// soon as the network is quiet.
	quiet = time.Minute
)

func newNet(resolve func(string) string) (*Network, *sim.Trace) {
	tr := newTrace()
	return NewNetwork(Options{Trace: tr, Resolve: resolve}), tr
}

// connect listens on mx:25, dials it from the laptop and accepts.
func connect(t *testing.T, n *Network) (cli, srv net.Conn) {
	t.Helper()
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	return dialAccept(t, n, l, "laptop")
}

func dialAccept(t *testing.T, n *Network, l *Listener, from string) (cli, srv net.Conn) {
	t.Helper()
	cli, err := n.Dial(from, l.host, l.port)
	if err != nil {
		t.Fatalf("Dial(%s, %s, %d) = %v", from, l.host, l.port, err)
	}
	srv, err = l.Accept()
	if err != nil {
		t.Fatalf("Accept() = %v", err)
	}
	return cli, srv
}

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if n, err := c.Write([]byte(s)); n != len(s) || err != nil {
		t.Fatalf("Write(%q) = %d, %v, want %d, nil", s, n, err, len(s))
	}
}

func readN(t *testing.T, c net.Conn, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	return string(b)
}

func lastEvent(tr *sim.Trace) sim.Event {
	evs := tr.Events()
	return evs[len(evs)-1]
}

func TestDialRefused(t *testing.T) {
	n, tr := newNet(nil)
	if _, err := n.Dial("laptop", mxHost, 25); !errors.Is(err, ErrRefused) {
		t.Errorf("Dial to nothing = %v, want an error wrapping ErrRefused", err)
	} else if op := (*net.OpError)(nil); !errors.As(err, &op) || op.Op != "dial" {
		t.Errorf("Dial to nothing = %#v, want a *net.OpError of op dial", err)
	}

	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	refused := []struct {
		host string
		port int
	}{{mxHost, 587}, {"smtp.example.org", 25}}
	for _, r := range refused {
		if _, err := n.Dial("laptop", r.host, r.port); !errors.Is(err, ErrRefused) {
			t.Errorf("Dial(laptop, %s, %d) with only %s:25 listening = %v, want ErrRefused", r.host, r.port, mxHost, err)
		}
	}
	l.Close()
	if _, err := n.Dial("laptop", mxHost, 25); !errors.Is(err, ErrRefused) {
		t.Errorf("Dial after the listener closed = %v, want ErrRefused", err)
	}
	if tr.Len() != 0 || n.Open() != 0 {
		t.Errorf("after refused dials: %d events, %d open connections, want none", tr.Len(), n.Open())
	}
}

func TestListen(t *testing.T) {
	n, _ := newNet(nil)
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatalf("Listen(%s, 25) = %v", mxHost, err)
	}
	if _, err := n.Listen(mxHost, 25, sim.IMAP); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("second Listen(%s, 25) = %v, want address already in use", mxHost, err)
	}
	for _, hp := range []struct {
		host string
		port int
	}{{mxHost, 587}, {"imap.example.org", 25}} {
		if _, err := n.Listen(hp.host, hp.port, sim.SMTP); err != nil {
			t.Errorf("Listen(%s, %d) = %v, want nil", hp.host, hp.port, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	l2, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatalf("Listen(%s, 25) after Close = %v, want nil", mxHost, err)
	}
	// Closing the old listener again must not close the new one.
	l.Close()
	if _, err := n.Dial("laptop", mxHost, 25); err != nil {
		t.Errorf("Dial to the new listener after the old one closed again = %v", err)
	}
	l2.Close()
}

func TestRoundTrip(t *testing.T) {
	n, tr := newNet(nil)
	cli, srv := connect(t, n)

	write(t, srv, "220 mx ESMTP\r\n")
	if got := readN(t, cli, 14); got != "220 mx ESMTP\r\n" {
		t.Errorf("client read %q, want the greeting", got)
	}
	write(t, cli, "EHLO laptop\r\n")
	write(t, cli, "MAIL FROM:<ana@example.org>\r\n")
	// A small buffer reads what is there, in order, in parts.
	var got []byte
	b := make([]byte, 5)
	for len(got) < 42 {
		k, err := srv.Read(b)
		if err != nil {
			t.Fatalf("server Read = %v", err)
		}
		got = append(got, b[:k]...)
	}
	if want := "EHLO laptop\r\nMAIL FROM:<ana@example.org>\r\n"; string(got) != want {
		t.Errorf("server read %q, want %q", got, want)
	}

	// Empty reads and writes do nothing.
	if k, err := cli.Read(nil); k != 0 || err != nil {
		t.Errorf("Read(nil) = %d, %v, want 0, nil", k, err)
	}
	if k, err := cli.Write(nil); k != 0 || err != nil {
		t.Errorf("Write(nil) = %d, %v, want 0, nil", k, err)
	}

	want := []tapEvent{
		{Kind: sim.KindOpen, Conn: 1},
		{sim.KindLine, 1, sim.S2C, "220 mx ESMTP", sim.CRLF, 14},
		{sim.KindLine, 1, sim.C2S, "EHLO laptop", sim.CRLF, 13},
		{sim.KindLine, 1, sim.C2S, "MAIL FROM:<ana@example.org>", sim.CRLF, 29},
	}
	if got := tapEvents(tr.Events()); !reflect.DeepEqual(got, want) {
		t.Errorf("events =\n%v\nwant\n%v", got, want)
	}
	if n.Open() != 1 {
		t.Errorf("Open() = %d, want 1", n.Open())
	}
}

func TestWriteNeverBlocks(t *testing.T) {
	n, tr := newNet(nil)
	cli, srv := connect(t, n)
	up := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, no line end
	down := bytes.Repeat([]byte("ABCDEFGHIJKLMNO\n"), 1<<16)

	// Nobody reads: the writes must return all the same.
	if k, err := cli.Write(up); k != len(up) || err != nil {
		t.Fatalf("client Write(1 MiB) = %d, %v, want %d, nil", k, err, len(up))
	}
	if k, err := srv.Write(down); k != len(down) || err != nil {
		t.Fatalf("server Write(1 MiB) = %d, %v, want %d, nil", k, err, len(down))
	}

	if got := readN(t, srv, len(up)); got != string(up) {
		t.Errorf("server read %d bytes that differ from the %d written", len(got), len(up))
	}
	if got := readN(t, cli, len(down)); got != string(down) {
		t.Errorf("client read %d bytes that differ from the %d written", len(got), len(down))
	}
	srv.Close()
	cli.Close()

	var lines, cut int
	for _, e := range tr.Events() {
		if e.Kind != sim.KindLine {
			continue
		}
		switch {
		case e.Dir == sim.S2C && e.Text == "ABCDEFGHIJKLMNO" && e.End == sim.LF && e.Size == 16:
			lines++
		case e.Dir == sim.C2S && e.End == sim.Cutoff && e.Size == int32(len(up)) && e.Text == string(up[:sim.MaxLine]):
			cut++
		default:
			t.Errorf("unexpected line %v", tapEvents([]sim.Event{e}))
		}
	}
	if lines != 1<<16 || cut != 1 {
		t.Errorf("recorded %d server lines and %d cut client lines, want %d and 1", lines, cut, 1<<16)
	}
}

func TestReadAfterClose(t *testing.T) {
	n, _ := newNet(nil)
	cli, srv := connect(t, n)

	write(t, cli, "QUIT\r\n")
	write(t, srv, "221 2.0.0 Bye\r\n")
	write(t, srv, "extra\r\n")
	if err := srv.Close(); err != nil {
		t.Fatalf("server Close() = %v", err)
	}

	// The client still reads what was sent before the close, then EOF.
	var got []byte
	b := make([]byte, 4)
	var err error
	for err == nil {
		var k int
		k, err = cli.Read(b)
		got = append(got, b[:k]...)
	}
	if string(got) != "221 2.0.0 Bye\r\nextra\r\n" || err != io.EOF {
		t.Errorf("client reads after the server closed = %q, %v, want %q, io.EOF", got, err, "221 2.0.0 Bye\r\nextra\r\n")
	}
	if k, err := cli.Read(b); k != 0 || err != io.EOF {
		t.Errorf("client Read again = %d, %v, want 0, io.EOF", k, err)
	}
	if k, err := cli.Read(nil); k != 0 || err != io.EOF {
		t.Errorf("client Read(nil) = %d, %v, want 0, io.EOF", k, err)
	}
	if _, err := cli.Write([]byte("NOOP\r\n")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("client Write after the server closed = %v, want io.ErrClosedPipe", err)
	}

	// Each end's own close makes it unusable.
	if _, err := srv.Read(b); !errors.Is(err, net.ErrClosed) {
		t.Errorf("server Read after its Close = %v, want net.ErrClosed", err)
	}
	if _, err := srv.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("server Write after its Close = %v, want net.ErrClosed", err)
	}
	if err := cli.Close(); err != nil {
		t.Errorf("client Close() = %v", err)
	}
	if _, err := cli.Read(b); !errors.Is(err, net.ErrClosed) {
		t.Errorf("client Read after its Close = %v, want net.ErrClosed", err)
	}
	if _, err := cli.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("client Write after its Close = %v, want net.ErrClosed", err)
	}
	if err := cli.Close(); err != nil {
		t.Errorf("second client Close() = %v, want nil", err)
	}
	if n.Open() != 0 {
		t.Errorf("Open() after both ends closed = %d, want 0", n.Open())
	}
}

// TestReadWakesOnClose checks that a Read waiting for data returns when
// the peer closes, or when its own end is closed.
func TestReadWakesOnClose(t *testing.T) {
	n, _ := newNet(nil)
	cli, srv := connect(t, n)

	srvErr, cliErr := make(chan error), make(chan error)
	go func() {
		_, err := srv.Read(make([]byte, 10))
		srvErr <- err
	}()
	go func() {
		_, err := cli.Read(make([]byte, 10))
		cliErr <- err
	}()
	// The client's Close ends its own Read (net.ErrClosed) and the
	// server's (io.EOF), then waits for the server to close.
	closed := make(chan struct{})
	go func() {
		cli.Close()
		close(closed)
	}()
	if err := <-srvErr; err != io.EOF {
		t.Errorf("server's waiting Read when the client closed = %v, want io.EOF", err)
	}
	srv.Close()
	if err := <-cliErr; !errors.Is(err, net.ErrClosed) {
		t.Errorf("client's waiting Read when the client closed = %v, want net.ErrClosed", err)
	}
	<-closed
}

func TestClientCloseWaitsForServer(t *testing.T) {
	n, tr := newNet(nil)
	cli, srv := connect(t, n)

	type result struct {
		got []byte
		err error
	}
	done := make(chan result)
	go func() {
		got, err := io.ReadAll(srv) // until the client closes
		srv.Close()
		done <- result{got, err}
	}()

	write(t, cli, "QUIT\r\n")
	if err := cli.Close(); err != nil {
		t.Fatalf("client Close() = %v", err)
	}
	// When the client's Close returns, the close is recorded.
	if e := lastEvent(tr); e.Kind != sim.KindClose || e.Conn.ID != 1 {
		t.Errorf("last event when the client's Close returned = %v, want the close of c1", tapEvents([]sim.Event{e}))
	}
	if n.Open() != 0 {
		t.Errorf("Open() after the client's Close = %d, want 0", n.Open())
	}
	r := <-done
	if string(r.got) != "QUIT\r\n" || r.err != nil {
		t.Errorf("server read %q, %v, want %q, nil", r.got, r.err, "QUIT\r\n")
	}
	want := []tapEvent{
		{Kind: sim.KindOpen, Conn: 1},
		{sim.KindLine, 1, sim.C2S, "QUIT", sim.CRLF, 6},
		{Kind: sim.KindClose, Conn: 1},
	}
	if got := tapEvents(tr.Events()); !reflect.DeepEqual(got, want) {
		t.Errorf("events =\n%v\nwant\n%v", got, want)
	}
}

func TestServerCloseFirst(t *testing.T) {
	n, tr := newNet(nil)
	cli, srv := connect(t, n)
	write(t, srv, "421 shutting down")
	srv.Close()
	if e := lastEvent(tr); e.Kind == sim.KindClose {
		t.Errorf("close recorded when only the server had closed")
	}
	if n.Open() != 1 {
		t.Errorf("Open() with the client still open = %d, want 1", n.Open())
	}
	cli.Close() // must not wait: the server is closed already
	want := []tapEvent{
		{Kind: sim.KindOpen, Conn: 1},
		{sim.KindLine, 1, sim.S2C, "421 shutting down", sim.NoEOL, 17},
		{Kind: sim.KindClose, Conn: 1},
	}
	if got := tapEvents(tr.Events()); !reflect.DeepEqual(got, want) {
		t.Errorf("events =\n%v\nwant\n%v", got, want)
	}
	if n.Open() != 0 {
		t.Errorf("Open() = %d, want 0", n.Open())
	}
}

// echo serves c: every line read is answered in upper case.
func echo(c net.Conn, done chan<- struct{}) {
	defer close(done)
	defer c.Close()
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		fmt.Fprintf(c, "%s\r\n", strings.ToUpper(sc.Text()))
	}
}

func TestSettle(t *testing.T) {
	n, tr := newNet(nil)
	if !n.Settle(quiet) {
		t.Fatal("Settle on an empty network = false, want true")
	}
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	if !n.Settle(quiet) {
		t.Fatal("Settle with only a listener = false, want true")
	}

	// A connection not yet accepted keeps the network busy.
	cli, err := n.Dial("laptop", mxHost, 25)
	if err != nil {
		t.Fatal(err)
	}
	if n.Settle(notQuiet) {
		t.Error("Settle with a connection not accepted = true, want false")
	}
	srv, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	// Accepted, but the server is not reading yet.
	if n.Settle(notQuiet) {
		t.Error("Settle with a server not reading = true, want false")
	}

	done := make(chan struct{})
	go echo(srv, done)
	if !n.Settle(quiet) {
		t.Fatal("Settle with the server waiting in Read = false, want true")
	}
	write(t, cli, "ping\r\n")
	if !n.Settle(quiet) {
		t.Fatal("Settle after a line to an echo server = false, want true")
	}
	// Quiet means the server has read the line and gone back to wait for
	// more, so its answer is recorded already.
	if e := lastEvent(tr); e.Kind != sim.KindLine || e.Dir != sim.S2C || e.Text != "PING" {
		t.Errorf("last event when settled = %v, want the server's answer PING", tapEvents([]sim.Event{e}))
	}
	// What the client has not read does not matter.
	write(t, cli, "pong\r\n")
	if !n.Settle(quiet) {
		t.Fatal("Settle with unread data at the client = false, want true")
	}

	// A second server that does not read its data keeps the network busy
	// until it does.
	cli2, srv2 := dialAccept(t, n, l, "phone")
	release := make(chan struct{})
	done2 := make(chan struct{})
	go func() {
		<-release
		echo(srv2, done2)
	}()
	write(t, cli2, "hello\r\n")
	if n.Settle(notQuiet) {
		t.Error("Settle with unread data at a server = true, want false")
	}
	close(release)
	if !n.Settle(quiet) {
		t.Error("Settle after the server read its data = false, want true")
	}

	// A closed server end is quiet even with the client still open.
	srv2.Close() // echo sees net.ErrClosed and ends
	<-done2
	write(t, cli, "again\r\n")
	if !n.Settle(quiet) {
		t.Error("Settle with one server closed and the other waiting = false, want true")
	}
	cli.Close()
	<-done
	cli2.Close()
	if !n.Settle(quiet) || n.Open() != 0 {
		t.Errorf("after all closed: Settle = false or Open() = %d, want true and 0", n.Open())
	}
}

// TestSettleWakes checks that a Settle in progress returns true as soon as
// the network becomes quiet, before its timeout.
func TestSettleWakes(t *testing.T) {
	n, tr := newNet(nil)
	cli, srv := connect(t, n)
	write(t, cli, "a\r\nb\r\nc\r\n")
	settled := make(chan bool)
	go func() { settled <- n.Settle(10 * quiet) }()
	done := make(chan struct{})
	go echo(srv, done)
	if !<-settled {
		t.Error("Settle = false, want true once the server read everything")
	}
	if got := tr.Len(); got != 7 { // open, three lines, three answers
		t.Errorf("events when settled = %d, want 7", got)
	}
	cli.Close()
	<-done
}

func TestListenerClose(t *testing.T) {
	n, tr := newNet(nil)
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	accepted, kept := dialAccept(t, n, l, "laptop")
	pending, err := n.Dial("phone", mxHost, 25)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, want an error wrapping net.ErrClosed", err)
	}

	// The pending connection was closed by the listener.
	if _, err := pending.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("Read on a connection the listener closed = %v, want io.EOF", err)
	}
	pending.Close()

	// An accepted connection outlives its listener.
	write(t, accepted, "still\r\n")
	if got := readN(t, kept, 7); got != "still\r\n" {
		t.Errorf("accepted connection after the listener closed read %q, want %q", got, "still\r\n")
	}
	kept.Close()
	accepted.Close()
	if n.Open() != 0 {
		t.Errorf("Open() = %d, want 0", n.Open())
	}
	var closes []int
	for _, e := range tr.Events() {
		if e.Kind == sim.KindClose {
			closes = append(closes, e.Conn.ID)
		}
	}
	if want := []int{2, 1}; !reflect.DeepEqual(closes, want) {
		t.Errorf("closed connections = %v, want %v", closes, want)
	}
}

// TestListenerCloseWakesAccept checks that Close ends an Accept that waits
// for a connection.
func TestListenerCloseWakesAccept(t *testing.T) {
	n, _ := newNet(nil)
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error)
	for i := 0; i < 2; i++ {
		go func() {
			_, err := l.Accept()
			errc <- err
		}()
	}
	l.Close()
	for i := 0; i < 2; i++ {
		if err := <-errc; !errors.Is(err, net.ErrClosed) {
			t.Errorf("waiting Accept = %v, want an error wrapping net.ErrClosed", err)
		}
	}
}

// TestListenerClosePending checks that Close closes connections nobody
// accepted, so that their clients see the end of input.
func TestListenerClosePending(t *testing.T) {
	n, tr := newNet(nil)
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	var clients []net.Conn
	for i := 0; i < 3; i++ {
		c, err := n.Dial(fmt.Sprint("dev", i), mxHost, 25)
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	l.Close()
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, want an error wrapping net.ErrClosed", err)
	}
	for i, c := range clients {
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("client %d: Read = %v, want io.EOF", i, err)
		}
		c.Close() // does not wait: the server end is closed
	}
	if n.Open() != 0 || !n.Settle(quiet) {
		t.Errorf("Open() = %d, want 0 and quiet", n.Open())
	}
	if got := tr.Len(); got != 6 {
		t.Errorf("events = %d, want 6 (three opens, three closes)", got)
	}
}

func TestAddrs(t *testing.T) {
	ips := map[string]string{"laptop": "192.0.2.10", mxHost: "198.51.100.25"}
	n, _ := newNet(func(h string) string { return ips[h] })
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	cli, srv := dialAccept(t, n, l, "laptop")
	cli2, srv2 := dialAccept(t, n, l, "phone") // not resolved: 127.0.0.1

	tests := []struct {
		name string
		a    net.Addr
		want string
	}{
		{"listener", l.Addr(), "198.51.100.25:25"},
		{"client local", cli.LocalAddr(), "192.0.2.10:49152"},
		{"client remote", cli.RemoteAddr(), "198.51.100.25:25"},
		{"server local", srv.LocalAddr(), "198.51.100.25:25"},
		{"server remote", srv.RemoteAddr(), "192.0.2.10:49152"},
		{"second client local", cli2.LocalAddr(), "127.0.0.1:49153"},
		{"second server remote", srv2.RemoteAddr(), "127.0.0.1:49153"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%s address = %q, want %q", tt.name, got, tt.want)
		}
		if got := tt.a.Network(); got != "tcp" {
			t.Errorf("%s address network = %q, want tcp", tt.name, got)
		}
	}

	_, err = n.Dial("laptop", mxHost, 587)
	var op *net.OpError
	if !errors.As(err, &op) || op.Addr == nil || op.Addr.String() != "198.51.100.25:587" {
		t.Errorf("refused Dial = %v, want a *net.OpError for 198.51.100.25:587", err)
	}

	// Without Resolve every host is 127.0.0.1.
	n2, _ := newNet(nil)
	l2, err := n2.Listen(mxHost, 2525, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	c, s := dialAccept(t, n2, l2, "laptop")
	for _, a := range []net.Addr{l2.Addr(), c.RemoteAddr(), s.LocalAddr()} {
		if got := a.String(); got != "127.0.0.1:2525" {
			t.Errorf("address without Resolve = %q, want 127.0.0.1:2525", got)
		}
	}
}

func TestClientPortsWrap(t *testing.T) {
	n, _ := newNet(nil)
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	n.nextPort = 65535
	c1, _ := dialAccept(t, n, l, "laptop")
	c2, _ := dialAccept(t, n, l, "laptop")
	if got := c1.LocalAddr().String(); got != "127.0.0.1:65535" {
		t.Errorf("client port at the top = %q, want 127.0.0.1:65535", got)
	}
	if got := c2.LocalAddr().String(); got != "127.0.0.1:49152" {
		t.Errorf("client port after wrapping = %q, want 127.0.0.1:49152", got)
	}
}

func TestInfo(t *testing.T) {
	n, tr := newNet(nil)
	cli, srv := connect(t, n)
	want := sim.ConnInfo{ID: 1, Proto: sim.SMTP, Client: "laptop", Server: mxHost, Port: 25}
	ci, si := Info(cli), Info(srv)
	if ci == nil || *ci != want {
		t.Errorf("Info(client) = %+v, want %+v", ci, want)
	}
	if si != ci {
		t.Errorf("Info(server) = %p, want the client's %p", si, ci)
	}
	if e := tr.Events()[0]; e.Conn != ci {
		t.Errorf("open event's Conn = %p, want Info's %p", e.Conn, ci)
	}

	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if got := Info(a); got != nil {
		t.Errorf("Info(net.Pipe end) = %+v, want nil", got)
	}
	if got := Info(nil); got != nil {
		t.Errorf("Info(nil) = %+v, want nil", got)
	}
}

// TestNoTrace checks that a network without a trace works the same and
// records nothing.
func TestNoTrace(t *testing.T) {
	n := NewNetwork(Options{})
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	cli, srv := dialAccept(t, n, l, "laptop")
	if got := Info(cli); got != nil {
		t.Errorf("Info without a trace = %+v, want nil", got)
	}
	done := make(chan struct{})
	go echo(srv, done)
	write(t, cli, "hi\r\n")
	if got := readN(t, cli, 4); got != "HI\r\n" {
		t.Errorf("echo = %q, want %q", got, "HI\r\n")
	}
	if !n.Settle(quiet) {
		t.Error("Settle = false, want true")
	}
	cli.Close()
	<-done
	if n.Open() != 0 {
		t.Errorf("Open() = %d, want 0", n.Open())
	}
}

func TestDeadlinesIgnored(t *testing.T) {
	n, _ := newNet(nil)
	cli, srv := connect(t, n)
	past := time.Now().Add(-time.Hour)
	for _, c := range []net.Conn{cli, srv} {
		for name, set := range map[string]func(time.Time) error{
			"SetDeadline": c.SetDeadline, "SetReadDeadline": c.SetReadDeadline, "SetWriteDeadline": c.SetWriteDeadline,
		} {
			if err := set(past); err != nil {
				t.Errorf("%s(past) = %v, want nil", name, err)
			}
		}
	}
	// A Read with a deadline long past waits for data all the same.
	got := make(chan string)
	go func() {
		b := make([]byte, 16)
		k, err := cli.Read(b)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(b[:k])
	}()
	write(t, srv, "* OK IMAP\r\n")
	if s := <-got; s != "* OK IMAP\r\n" {
		t.Errorf("Read after a past deadline = %q, want the greeting", s)
	}
	write(t, cli, "a\r\n") // Write after a past deadline works too
	if s := readN(t, srv, 3); s != "a\r\n" {
		t.Errorf("server read %q, want %q", s, "a\r\n")
	}
}

// TestConversationOrder runs an SMTP-like dialogue and checks that every
// line is recorded after the line it answers.
func TestConversationOrder(t *testing.T) {
	n, tr := newNet(nil)
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error)
	go func() {
		c, err := l.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		fmt.Fprint(c, "220 mx ESMTP\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				served <- err
				return
			}
			switch cmd := strings.TrimSpace(line); cmd {
			case "QUIT":
				fmt.Fprint(c, "221 Bye\r\n")
				served <- nil
				return
			default:
				fmt.Fprintf(c, "250 %s ok\r\n", cmd)
			}
		}
	}()

	cli, err := n.Dial("laptop", mxHost, 25)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(cli)
	expect := func(want string) {
		t.Helper()
		got, err := r.ReadString('\n')
		if got != want || err != nil {
			t.Fatalf("client read %q, %v, want %q, nil", got, err, want)
		}
	}
	expect("220 mx ESMTP\r\n")
	for _, cmd := range []string{"HELO laptop", "NOOP"} {
		write(t, cli, cmd+"\r\n")
		expect("250 " + cmd + " ok\r\n")
	}
	write(t, cli, "QUIT\r\n")
	expect("221 Bye\r\n")
	if err := <-served; err != nil {
		t.Fatalf("server: %v", err)
	}
	cli.Close()

	var got []string
	for _, e := range tr.Events() {
		got = append(got, sim.TextLine(&e, sim.EN))
	}
	want := []string{
		"c1 laptop -> mx.example.org:25 SMTP connected",
		"c1 S: 220 mx ESMTP",
		"c1 C: HELO laptop",
		"c1 S: 250 HELO laptop ok",
		"c1 C: NOOP",
		"c1 S: 250 NOOP ok",
		"c1 C: QUIT",
		"c1 S: 221 Bye",
		"c1 closed",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("transcript =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestConcurrentConnections runs many echo conversations at once: each
// connection's lines are recorded whole and in order.
func TestConcurrentConnections(t *testing.T) {
	n, tr := newNet(nil)
	l, err := n.Listen(mxHost, 25, sim.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go echo(c, make(chan struct{}))
		}
	}()
	defer l.Close()

	const conns, lines = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := n.Dial(fmt.Sprint("dev", i), mxHost, 25)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			r := bufio.NewReader(c)
			for j := 0; j < lines; j++ {
				// Write each line in two parts.
				fmt.Fprintf(c, "dev%d ", i)
				fmt.Fprintf(c, "line %d\r\n", j)
				got, err := r.ReadString('\n')
				if want := fmt.Sprintf("DEV%d LINE %d\r\n", i, j); got != want || err != nil {
					errs <- fmt.Errorf("dev%d read %q, %v, want %q", i, got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Per connection: open, then line/answer pairs in order, then close.
	type connLog struct {
		client string
		events []string
	}
	logs := make(map[int]*connLog)
	for _, e := range tr.Events() {
		lg := logs[e.Conn.ID]
		if lg == nil {
			lg = &connLog{client: e.Conn.Client}
			logs[e.Conn.ID] = lg
		}
		lg.events = append(lg.events, sim.TextLine(&e, sim.EN)[len(e.Conn.Label())+1:])
	}
	if len(logs) != conns {
		t.Fatalf("recorded %d connections, want %d", len(logs), conns)
	}
	for id, lg := range logs {
		want := []string{fmt.Sprintf("%s -> mx.example.org:25 SMTP connected", lg.client)}
		for j := 0; j < lines; j++ {
			want = append(want, fmt.Sprintf("C: %s line %d", lg.client, j), fmt.Sprintf("S: %s LINE %d", strings.ToUpper(lg.client), j))
		}
		want = append(want, "closed")
		if !reflect.DeepEqual(lg.events, want) {
			t.Errorf("c%d recorded\n%s\nwant\n%s", id, strings.Join(lg.events, "\n"), strings.Join(want, "\n"))
		}
	}
	for i, e := range tr.Events() {
		if int(e.Seq) != i {
			t.Fatalf("event %d has Seq %d", i, e.Seq)
		}
	}
}

// TestDown refuses connections to a host that is down, leaves the open
// ones alone, and accepts new ones once the host is up again.
func TestDown(t *testing.T) {
	n, _ := newNet(nil)
	cli, srv := connect(t, n)
	defer cli.Close()
	defer srv.Close()
	n.SetDown(mxHost, true)
	if !n.Down(mxHost) || n.Down("laptop") {
		t.Errorf("Down(%s), Down(laptop) = %v, %v; want true, false", mxHost, n.Down(mxHost), n.Down("laptop"))
	}
	if _, err := n.Dial("laptop", mxHost, 25); !errors.Is(err, ErrRefused) {
		t.Errorf("Dial to a host that is down = %v, want ErrRefused", err)
	}
	write(t, cli, "still here\r\n")
	if got := readN(t, srv, 12); got != "still here\r\n" {
		t.Errorf("the open connection read %q", got)
	}
	n.SetDown(mxHost, false)
	l := n.listeners[net.JoinHostPort(mxHost, "25")]
	c, s := dialAccept(t, n, l, "laptop")
	s.Close()
	c.Close()
}
