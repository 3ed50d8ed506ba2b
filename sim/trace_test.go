package sim_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mailscope/mailscope/sim"
)

// fixedClock is a Clock that is not a *VirtualClock: LineDelay must not move
// it.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func newVirtualTrace(delay time.Duration) (*sim.Trace, *sim.VirtualClock) {
	vc := sim.NewVirtualClock(sim.Epoch)
	return sim.NewTrace(sim.TraceOptions{Clock: vc, LineDelay: delay}), vc
}

func TestNewTraceDefaults(t *testing.T) {
	tr := sim.NewTrace(sim.TraceOptions{})
	if _, ok := tr.Clock().(sim.RealClock); !ok {
		t.Errorf("NewTrace(TraceOptions{}).Clock() = %T, want sim.RealClock", tr.Clock())
	}
	if tr.Len() != 0 || tr.Steps() != 0 || len(tr.Events()) != 0 {
		t.Errorf("new trace: Len() = %d, Steps() = %d, len(Events()) = %d, want 0, 0, 0", tr.Len(), tr.Steps(), len(tr.Events()))
	}

	vc := sim.NewVirtualClock(sim.Epoch)
	tr = sim.NewTrace(sim.TraceOptions{Clock: vc})
	if tr.Clock() != sim.Clock(vc) {
		t.Errorf("Clock() = %v, want the clock given in the options", tr.Clock())
	}
	if !tr.Start().Equal(sim.Epoch) {
		t.Errorf("Start() = %v, want %v", tr.Start(), sim.Epoch)
	}
}

func TestVirtualClock(t *testing.T) {
	vc := sim.NewVirtualClock(sim.Epoch)
	steps := []struct {
		advance time.Duration
		want    time.Duration // since Epoch
	}{
		{0, 0},
		{time.Second, time.Second},
		{-time.Hour, time.Second}, // never backwards
		{time.Minute, time.Minute + time.Second},
	}
	for _, s := range steps {
		vc.Advance(s.advance)
		if got := vc.Now().Sub(sim.Epoch); got != s.want {
			t.Errorf("after Advance(%v): Now() - Epoch = %v, want %v", s.advance, got, s.want)
		}
	}
}

func TestTraceAppend(t *testing.T) {
	tr, vc := newVirtualTrace(0)
	type want struct {
		seq, step int32
		t         time.Duration
	}
	steps := []struct {
		advance time.Duration // before the append
		kind    sim.Kind
		want    want
	}{
		{0, sim.KindStore, want{0, 0, 0}},
		{time.Second, sim.KindDNS, want{1, 0, time.Second}},
		{0, sim.KindStep, want{2, 1, time.Second}},
		{time.Second, sim.KindLine, want{3, 1, 2 * time.Second}},
		{time.Minute, sim.KindStep, want{4, 2, time.Minute + 2*time.Second}},
		{0, sim.KindError, want{5, 2, time.Minute + 2*time.Second}},
	}
	for i, s := range steps {
		vc.Advance(s.advance)
		e := tr.Append(sim.Event{Kind: s.kind, Seq: 99, Step: 99, T: time.Hour, Text: fmt.Sprint(i)})
		got := want{e.Seq, e.Step, e.T}
		if got != s.want {
			t.Errorf("Append #%d (%v): (Seq, Step, T) = %v, want %v", i, s.kind, got, s.want)
		}
		if e.Text != fmt.Sprint(i) || e.Kind != s.kind {
			t.Errorf("Append #%d: returned Kind %v Text %q, want %v %q", i, e.Kind, e.Text, s.kind, fmt.Sprint(i))
		}
		if rec := tr.Events()[i]; rec != e {
			t.Errorf("Events()[%d] = %+v, want the returned event %+v", i, rec, e)
		}
	}
	if tr.Len() != len(steps) {
		t.Errorf("Len() = %d, want %d", tr.Len(), len(steps))
	}
}

func TestBeginStep(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	tr.Append(sim.Event{Kind: sim.KindStore})
	for want := 1; want <= 3; want++ {
		say := &sim.Text{EN: fmt.Sprint("step ", want)}
		if got := tr.BeginStep(say); got != want {
			t.Errorf("BeginStep #%d = %d, want %d", want, got, want)
		}
		if got := tr.Steps(); got != want {
			t.Errorf("Steps() after BeginStep #%d = %d, want %d", want, got, want)
		}
		evs := tr.Events()
		last := evs[len(evs)-1]
		if last.Kind != sim.KindStep || last.Say != say || int(last.Step) != want {
			t.Errorf("last event after BeginStep #%d = %+v, want a step event of step %d with its Say", want, last, want)
		}
		if e := tr.Append(sim.Event{Kind: sim.KindLine}); int(e.Step) != want {
			t.Errorf("line after BeginStep #%d: Step = %d, want %d", want, e.Step, want)
		}
	}
}

func TestLineDelay(t *testing.T) {
	const d = 10 * time.Millisecond
	tr, vc := newVirtualTrace(d)
	kinds := []struct {
		kind sim.Kind
		want time.Duration
	}{
		{sim.KindOpen, 0},
		{sim.KindLine, d},
		{sim.KindLine, 2 * d},
		{sim.KindStore, 2 * d},
		{sim.KindStep, 2 * d},
		{sim.KindDevice, 2 * d},
		{sim.KindDNS, 2 * d},
		{sim.KindError, 2 * d},
		{sim.KindLine, 3 * d},
		{sim.KindClose, 3 * d},
	}
	for i, k := range kinds {
		if e := tr.Append(sim.Event{Kind: k.kind}); e.T != k.want {
			t.Errorf("Append #%d (%v): T = %v, want %v", i, k.kind, e.T, k.want)
		}
	}
	if got := vc.Now().Sub(sim.Epoch); got != 3*d {
		t.Errorf("clock moved %v, want %v (one LineDelay per line)", got, 3*d)
	}

	// Other clocks are not moved.
	fc := fixedClock{sim.Epoch}
	tr = sim.NewTrace(sim.TraceOptions{Clock: fc, LineDelay: d})
	for i := 0; i < 3; i++ {
		if e := tr.Append(sim.Event{Kind: sim.KindLine}); e.T != 0 {
			t.Errorf("line #%d on a fixed clock: T = %v, want 0", i, e.T)
		}
	}
}

func TestSnapshotsAreImmutable(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	for i := 0; i < 3; i++ {
		tr.Append(sim.Event{Kind: sim.KindStore, Text: fmt.Sprint("e", i)})
	}
	all := tr.Events()
	since := tr.Since(1)
	if len(all) != 3 || len(since) != 2 || since[0].Text != "e1" {
		t.Fatalf("Events() = %d events, Since(1) = %v, want 3 events and [e1 e2]", len(all), since)
	}

	for i := 3; i < 6; i++ {
		tr.Append(sim.Event{Kind: sim.KindStore, Text: fmt.Sprint("e", i)})
	}
	// A reader appending to its old snapshot must not write into the trace.
	_ = append(all, sim.Event{Text: "reader's"})
	_ = append(since, sim.Event{Text: "reader's"})
	if len(all) != 3 || len(since) != 2 {
		t.Errorf("after more appends: len(Events()) = %d, len(Since(1)) = %d, want the old 3 and 2", len(all), len(since))
	}
	for i, e := range tr.Events() {
		if want := fmt.Sprint("e", i); e.Text != want || int(e.Seq) != i {
			t.Errorf("Events()[%d] = {Seq %d Text %q}, want {Seq %d Text %q}", i, e.Seq, e.Text, i, want)
		}
	}

	sinceTests := []struct {
		i    int
		want []string
	}{
		{0, []string{"e0", "e1", "e2", "e3", "e4", "e5"}},
		{4, []string{"e4", "e5"}},
		{5, []string{"e5"}},
		{6, nil},
		{100, nil},
	}
	for _, tt := range sinceTests {
		var got []string
		for _, e := range tr.Since(tt.i) {
			got = append(got, e.Text)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Since(%d) = %v, want %v", tt.i, got, tt.want)
		}
	}
}

func TestBoundary(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	// Events 0-1 are the setup; 2 starts step 1; 5 starts step 2; 6 starts
	// step 3; the trace has 8 events.
	for _, k := range []sim.Kind{sim.KindStore, sim.KindStore, sim.KindStep, sim.KindLine, sim.KindLine, sim.KindStep, sim.KindStep, sim.KindLine} {
		if k == sim.KindStep {
			tr.BeginStep(nil)
		} else {
			tr.Append(sim.Event{Kind: k})
		}
	}
	if got := tr.Steps(); got != 3 {
		t.Errorf("Steps() = %d, want 3", got)
	}
	tests := []struct{ n, want int }{
		{-1, 0},
		{0, 0},
		{1, 2},
		{2, 5},
		{3, 6},
		{4, 8},
		{100, 8},
	}
	for _, tt := range tests {
		if got := tr.Boundary(tt.n); got != tt.want {
			t.Errorf("Boundary(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func TestBoundaryEmpty(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	for _, n := range []int{0, 1, 5} {
		if got := tr.Boundary(n); got != 0 {
			t.Errorf("empty trace: Boundary(%d) = %d, want 0", n, got)
		}
	}
}

func TestNewConn(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	for want := 1; want <= 3; want++ {
		info := &sim.ConnInfo{Proto: sim.SMTP, Client: "laptop", Server: "mx", Port: 25}
		tr.NewConn(info)
		if info.ID != want {
			t.Errorf("NewConn #%d: ID = %d, want %d", want, info.ID, want)
		}
		evs := tr.Events()
		if e := evs[len(evs)-1]; e.Kind != sim.KindOpen || e.Conn != info {
			t.Errorf("NewConn #%d recorded %+v, want an open event of the connection", want, e)
		}
	}
}

func TestWatch(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	ch, stop := tr.Watch()
	ch2, stop2 := tr.Watch()
	defer stop2()

	select {
	case <-ch:
		t.Fatal("Watch signalled before anything was appended")
	default:
	}

	tr.Append(sim.Event{Kind: sim.KindStore})
	<-ch // Append signals before it returns; a missing signal hangs here.

	// Signals coalesce: many appends leave one pending signal.
	for i := 0; i < 5; i++ {
		tr.Append(sim.Event{Kind: sim.KindStore})
	}
	<-ch
	select {
	case <-ch:
		t.Error("Watch has two pending signals, want at most one")
	default:
	}

	stop()
	tr.Append(sim.Event{Kind: sim.KindStore})
	select {
	case <-ch:
		t.Error("Watch signalled after its cancel func was called")
	default:
	}
	stop() // a second call is harmless

	// The other watcher is still signalled.
	select {
	case <-ch2:
	default:
		t.Error("the second watcher was not signalled")
	}
}

// TestWatchReader follows a trace from another goroutine the way a view
// does: wait for a signal, read Since, repeat.
func TestWatchReader(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	ch, stop := tr.Watch()
	defer stop()
	const n = 500
	done := make(chan []string)
	go func() {
		var seen []string
		for len(seen) < n {
			<-ch
			for _, e := range tr.Since(len(seen)) {
				seen = append(seen, e.Text)
			}
		}
		done <- seen
	}()
	for i := 0; i < n; i++ {
		tr.Append(sim.Event{Kind: sim.KindStore, Text: fmt.Sprint(i)})
	}
	seen := <-done
	for i, s := range seen {
		if s != fmt.Sprint(i) {
			t.Fatalf("reader saw event %d as %q, want %q", i, s, fmt.Sprint(i))
		}
	}
}

func TestConcurrentAppend(t *testing.T) {
	tr, _ := newVirtualTrace(time.Millisecond)
	const writers, each = 16, 200
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				k := sim.KindLine
				if i%10 == 0 {
					k = sim.KindStore
				}
				tr.Append(sim.Event{Kind: k, Size: int32(w), Text: fmt.Sprint(i)})
			}
		}()
	}
	wg.Wait()

	evs := tr.Events()
	if len(evs) != writers*each {
		t.Fatalf("len(Events()) = %d, want %d", len(evs), writers*each)
	}
	next := make([]int, writers) // each writer's events are in its own order
	for i, e := range evs {
		if int(e.Seq) != i {
			t.Errorf("Events()[%d].Seq = %d, want %d", i, e.Seq, i)
		}
		w := e.Size
		if want := fmt.Sprint(next[w]); e.Text != want {
			t.Errorf("writer %d's event at %d is %q, want %q", w, i, e.Text, want)
		}
		next[w]++
		if i > 0 && e.T < evs[i-1].T {
			t.Errorf("Events()[%d].T = %v, before Events()[%d].T = %v", i, e.T, i-1, evs[i-1].T)
		}
	}
	if want := time.Duration(writers*each*9/10) * time.Millisecond; evs[len(evs)-1].T != want {
		t.Errorf("last event's T = %v, want %v (one LineDelay per line)", evs[len(evs)-1].T, want)
	}
}

// TestConcurrentNewConn checks that connection numbers follow the order in
// which their open events were recorded even when connections open at once.
func TestConcurrentNewConn(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	const n = 64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr.NewConn(&sim.ConnInfo{Proto: sim.IMAP})
		}()
	}
	wg.Wait()
	for i, e := range tr.Events() {
		if e.Conn.ID != i+1 {
			t.Errorf("open event %d is of connection c%d, want c%d", i, e.Conn.ID, i+1)
		}
	}
}

// TestStateAtWhileAppending reads states while a producer appends, as the
// user interface does while a world runs.
func TestStateAtWhileAppending(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	tr.Append(sim.Event{Kind: sim.KindStore, Change: &sim.Change{Op: sim.OpAccount, Host: "mx", Account: "ana@example.org"}})
	const n = 2000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; i++ {
			if i%100 == 0 {
				tr.BeginStep(nil)
			}
			tr.Append(sim.Event{Kind: sim.KindLine})
		}
	}()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		s := tr.StateAt(tr.Steps() + 1)
		if s.Accounts["ana@example.org"] == nil {
			t.Fatal("StateAt lost the setup's account")
		}
		tr.StateAt(tr.Steps())
	}
}

// TestTraceSliceAt reads a trace long enough to cross the boundaries of
// however it stores its events.
func TestTraceSliceAt(t *testing.T) {
	tr, _ := newVirtualTrace(0)
	const n = 3*4096 + 10
	for i := 0; i < n; i++ {
		tr.Append(sim.Event{Kind: sim.KindStore, Text: fmt.Sprint(i)})
	}
	for _, i := range []int{0, 1, 4095, 4096, 4097, 8191, 8192, n - 1} {
		if e := tr.At(i); int(e.Seq) != i || e.Text != fmt.Sprint(i) {
			t.Errorf("At(%d) = {Seq %d Text %q}, want {Seq %d Text %q}", i, e.Seq, e.Text, i, fmt.Sprint(i))
		}
	}
	tests := []struct {
		from, to      int
		first, length int
	}{
		{0, n, 0, n},
		{-5, 3, 0, 3},
		{4090, 4100, 4090, 10},
		{4096, 8192, 4096, 4096},
		{4095, 8193, 4095, 4098},
		{100, 2 * n, 100, n - 100},
		{5, 5, 0, 0},
		{7, 3, 0, 0},
		{n, n + 1, 0, 0},
	}
	for _, tt := range tests {
		got := tr.Slice(tt.from, tt.to)
		if len(got) != tt.length {
			t.Errorf("Slice(%d, %d) has %d events, want %d", tt.from, tt.to, len(got), tt.length)
			continue
		}
		for k, e := range got {
			if int(e.Seq) != tt.first+k {
				t.Errorf("Slice(%d, %d)[%d].Seq = %d, want %d", tt.from, tt.to, k, e.Seq, tt.first+k)
				break
			}
		}
	}
	if got := tr.Since(4096 * 2); len(got) != n-8192 || got[0].Seq != 8192 {
		t.Errorf("Since(8192) = %d events from %d, want %d from 8192", len(got), got[0].Seq, n-8192)
	}
}

// TestAppendLine checks that the trace keeps its own copy of a line's text,
// whatever the caller does with its buffer afterwards.
func TestAppendLine(t *testing.T) {
	tr, _ := newVirtualTrace(time.Millisecond)
	buf := make([]byte, 0, 20000)
	var want []string
	for i := 0; i < 3000; i++ { // enough text to fill several blocks of storage
		size := 1 + i%200
		if i%500 == 0 {
			size = 10000 // a long line
		}
		buf = buf[:0]
		for len(buf) < size {
			buf = append(buf, byte('a'+(i+len(buf))%26))
		}
		want = append(want, string(buf))
		e := tr.AppendLine(sim.Event{Kind: sim.KindLine, Dir: sim.C2S, Size: int32(size + 2)}, buf)
		if e.Text != want[i] {
			t.Fatalf("AppendLine #%d returned Text %q, want %q", i, e.Text, want[i])
		}
		for j := range buf {
			buf[j] = '#' // the caller reuses its buffer
		}
	}
	if e := tr.AppendLine(sim.Event{Kind: sim.KindLine}, []byte{}); e.Text != "" {
		t.Errorf("AppendLine(empty text) Text = %q, want empty", e.Text)
	}
	for i, e := range tr.Events()[:len(want)] {
		if e.Text != want[i] {
			t.Fatalf("event %d Text = %q, want %q", i, e.Text, want[i])
		}
		if want := time.Duration(i+1) * time.Millisecond; e.T != want {
			t.Fatalf("event %d T = %v, want %v (a line takes LineDelay)", i, e.T, want)
		}
	}
}
