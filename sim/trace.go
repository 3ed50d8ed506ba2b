package sim

import (
	"sync"
	"time"
)

// Trace is the append-only record of everything that happened in a world.
// Events are numbered in the order they were appended, carry the step they
// belong to and the virtual time at which they happened, and never change
// once appended. A Trace is safe for concurrent use: producers append from
// any goroutine, readers take snapshots and are told when more arrived.
type Trace struct {
	clock     Clock         // immutable
	start     time.Time     // immutable: the clock's time when the trace began
	lineDelay time.Duration // immutable: virtual time each line takes

	mu         sync.Mutex
	events     []Event
	step       int32
	boundaries []int // index of each step event; boundaries[i] starts step i+1
	nextConn   int
	watchers   map[chan struct{}]struct{}
}

// TraceOptions configures a Trace. The zero value uses the wall clock.
type TraceOptions struct {
	// Clock stamps every event. Nil means the wall clock.
	Clock Clock
	// LineDelay is how far a *VirtualClock advances for each protocol line
	// recorded, so that lines are spread out in virtual time as they would
	// be on a network. Ignored for other clocks.
	LineDelay time.Duration
}

// NewTrace returns an empty trace.
func NewTrace(opts TraceOptions) *Trace {
	c := opts.Clock
	if c == nil {
		c = RealClock{}
	}
	return &Trace{
		clock:     c,
		start:     c.Now(),
		lineDelay: opts.LineDelay,
		watchers:  make(map[chan struct{}]struct{}),
	}
}

// Clock returns the clock that stamps the trace's events.
func (t *Trace) Clock() Clock { return t.clock }

// Start returns the clock's time when the trace began; event times are
// relative to it.
func (t *Trace) Start() time.Time { return t.start }

// NewConn assigns the next connection number to info and records that it
// opened. info must not be changed afterwards.
func (t *Trace) NewConn(info *ConnInfo) {
	t.mu.Lock()
	t.nextConn++
	info.ID = t.nextConn
	t.mu.Unlock()
	t.Append(Event{Kind: KindOpen, Conn: info})
}

// BeginStep starts the next step, with its narration, and returns its number
// (the first step is 1; events before it belong to step 0, the setup).
func (t *Trace) BeginStep(say *Text) int {
	e := t.Append(Event{Kind: KindStep, Say: say})
	return int(e.Step)
}

// Append stamps e with its sequence number, step and time, records it and
// returns the recorded event.
func (t *Trace) Append(e Event) Event {
	if e.Kind == KindLine && t.lineDelay > 0 {
		if vc, ok := t.clock.(*VirtualClock); ok {
			vc.Advance(t.lineDelay)
		}
	}
	now := t.clock.Now()

	t.mu.Lock()
	if e.Kind == KindStep {
		t.step++
		t.boundaries = append(t.boundaries, len(t.events))
	}
	e.Seq = int32(len(t.events))
	e.Step = t.step
	e.T = now.Sub(t.start)
	t.events = append(t.events, e)
	for ch := range t.watchers {
		select {
		case ch <- struct{}{}:
		default: // already signalled; the reader will catch up
		}
	}
	t.mu.Unlock()
	return e
}

// Len returns the number of events recorded so far.
func (t *Trace) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.events)
}

// Events returns the events recorded so far. The slice is shared and must
// not be modified; it never changes, even as the trace grows.
func (t *Trace) Events() []Event {
	return t.Since(0)
}

// Since returns the events from index i on (see Events).
func (t *Trace) Since(i int) []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i >= len(t.events) {
		return nil
	}
	n := len(t.events)
	return t.events[i:n:n]
}

// Steps returns the number of steps begun so far.
func (t *Trace) Steps() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return int(t.step)
}

// Boundary returns the index of the event that begins step n (n ≥ 1), or the
// trace's length when step n has not begun; step 0 begins at 0.
func (t *Trace) Boundary(n int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case n <= 0:
		return 0
	case n > len(t.boundaries):
		return len(t.events)
	}
	return t.boundaries[n-1]
}

// StateAt returns the state of every store, queue and device just before
// step n begins: the setup and steps 1..n-1 applied. StateAt(Steps()+1) is
// the state after everything recorded so far.
func (t *Trace) StateAt(n int) *State {
	s := NewState()
	for _, e := range t.Events()[:t.Boundary(n)] {
		s.Apply(&e)
	}
	return s
}

// Watch returns a channel that receives a signal whenever events are
// appended (one pending signal at most: read Since to catch up), and a
// function that stops the signals.
func (t *Trace) Watch() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	t.mu.Lock()
	t.watchers[ch] = struct{}{}
	t.mu.Unlock()
	return ch, func() {
		t.mu.Lock()
		delete(t.watchers, ch)
		t.mu.Unlock()
	}
}
