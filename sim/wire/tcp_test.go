package wire

import (
	"bufio"
	"errors"
	"io"
	"net"
	"reflect"
	"testing"

	"github.com/mailscope/mailscope/sim"
)

// TestTapListener serves an echo server on a real loopback TCP listener
// and checks what the tap records.
func TestTapListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback TCP: %v", err)
	}
	tr := newTrace()
	tl := TapListener(ln, tr, mxHost, 25, sim.SMTP, nil)
	defer tl.Close()
	if tl.Addr().String() != ln.Addr().String() {
		t.Errorf("TapListener.Addr() = %v, want the real listener's %v", tl.Addr(), ln.Addr())
	}

	type served struct {
		info *sim.ConnInfo
		err  error
	}
	done := make(chan served, 1)
	go func() {
		c, err := tl.Accept()
		if err != nil {
			done <- served{nil, err}
			return
		}
		info := Info(c)
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil { // an unfinished line is not answered
				if err == io.EOF {
					err = nil
				}
				done <- served{info, errors.Join(err, c.Close())}
				return
			}
			if _, err := io.WriteString(c, line); err != nil {
				done <- served{info, err}
				return
			}
		}
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for _, writes := range [][]string{{"EHLO laptop\r\n"}, {"NO", "OP\r\n"}, {"bare\n"}} {
		want := ""
		for _, w := range writes {
			if _, err := io.WriteString(c, w); err != nil {
				t.Fatal(err)
			}
			want += w
		}
		if got, err := r.ReadString('\n'); got != want || err != nil {
			t.Fatalf("echo = %q, %v, want %q, nil", got, err, want)
		}
	}
	// An unfinished line, then the end of the client's input.
	if _, err := io.WriteString(c, "QUI"); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(r); len(rest) != 0 || err != nil {
		t.Errorf("client read %q, %v after its end of input, want nothing", rest, err)
	}
	s := <-done
	if s.err != nil {
		t.Fatalf("server: %v", s.err)
	}

	client := c.LocalAddr().String()
	wantInfo := sim.ConnInfo{ID: 1, Proto: sim.SMTP, Client: client, Server: mxHost, Port: 25, Live: true}
	if s.info == nil || *s.info != wantInfo {
		t.Errorf("Info(accepted conn) = %+v, want %+v", s.info, wantInfo)
	}
	want := []tapEvent{
		{Kind: sim.KindOpen, Conn: 1},
		{sim.KindLine, 1, sim.C2S, "EHLO laptop", sim.CRLF, 13},
		{sim.KindLine, 1, sim.S2C, "EHLO laptop", sim.CRLF, 13},
		{sim.KindLine, 1, sim.C2S, "NOOP", sim.CRLF, 6},
		{sim.KindLine, 1, sim.S2C, "NOOP", sim.CRLF, 6},
		{sim.KindLine, 1, sim.C2S, "bare", sim.LF, 5},
		{sim.KindLine, 1, sim.S2C, "bare", sim.LF, 5},
		{sim.KindLine, 1, sim.C2S, "QUI", sim.NoEOL, 3},
		{Kind: sim.KindClose, Conn: 1},
	}
	evs := tr.Events()
	if got := tapEvents(evs); !reflect.DeepEqual(got, want) {
		t.Errorf("events =\n%v\nwant\n%v", got, want)
	}
	for _, e := range evs {
		if e.Conn != s.info {
			t.Errorf("event %d has Conn %+v, want the accepted connection's %+v", e.Seq, e.Conn, s.info)
		}
	}

	// The wrapper passes the listener's errors on.
	tl.Close()
	if _, err := tl.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, want an error wrapping net.ErrClosed", err)
	}
	if got := tr.Len(); got != len(want) {
		t.Errorf("events after a failed Accept = %d, want %d", got, len(want))
	}
}
