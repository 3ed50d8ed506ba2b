package sim

import (
	"slices"
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

	mu       sync.Mutex
	records  recordStore // the events, compactly
	nextConn int
	watchers []chan struct{}
}

// TraceOptions configures a Trace. The zero value uses the wall clock.
type TraceOptions struct {
	// Clock stamps every event. Nil means the wall clock.
	Clock Clock
	// LineDelay is how far a *VirtualClock advances for each protocol line
	// and each TLS record recorded, so that they are spread out in virtual
	// time as they would be on a network. Ignored for other clocks.
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
	defer t.mu.Unlock()
	t.nextConn++
	info.ID = t.nextConn
	t.appendLocked(Event{Kind: KindOpen, Conn: info}, nil)
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
	return t.append(e, nil)
}

// AppendLine records a line event (e.Kind must be KindLine) whose Text is
// text. The trace keeps its own copy of text.
func (t *Trace) AppendLine(e Event, text []byte) Event {
	return t.append(e, text)
}

func (t *Trace) append(e Event, text []byte) Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.appendLocked(e, text)
}

// appendLocked stamps and records e. The clock is read under the lock, so
// that times never decrease along the trace.
func (t *Trace) appendLocked(e Event, text []byte) Event {
	var now time.Time
	if vc, ok := t.clock.(*VirtualClock); ok && (e.Kind == KindLine || e.Kind == KindTLS) && t.lineDelay > 0 {
		now = vc.advance(t.lineDelay)
	} else {
		now = t.clock.Now()
	}

	e.T = now.Sub(t.start)
	e = t.records.add(e, text)
	for _, ch := range t.watchers {
		select {
		case ch <- struct{}{}:
		default: // already signalled; the reader will catch up
		}
	}
	return e
}

// Len returns the number of events recorded so far.
func (t *Trace) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.records.n
}

// At returns event i (0 ≤ i < Len()).
func (t *Trace) At(i int) Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.records.event(i)
}

// Events returns a copy of the events recorded so far.
func (t *Trace) Events() []Event {
	return t.Since(0)
}

// Since returns a copy of the events from index i on.
func (t *Trace) Since(i int) []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sliceLocked(i, t.records.n)
}

// Slice returns a copy of events [from, to) (clamped to what exists).
func (t *Trace) Slice(from, to int) []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sliceLocked(from, min(to, t.records.n))
}

func (t *Trace) sliceLocked(from, to int) []Event {
	from = max(from, 0)
	if from >= to {
		return nil
	}
	out := make([]Event, to-from)
	for i := range out {
		out[i] = t.records.event(from + i)
	}
	return out
}

// Steps returns the number of steps begun so far.
func (t *Trace) Steps() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.records.boundaries)
}

// Boundary returns the index of the event that begins step n (n ≥ 1), or the
// trace's length when step n has not begun; step 0 begins at 0.
func (t *Trace) Boundary(n int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case n <= 0:
		return 0
	case n > len(t.records.boundaries):
		return t.records.n
	}
	return t.records.boundaries[n-1]
}

// StateAt returns the state of every store, queue and device just before
// step n begins: the setup and steps 1..n-1 applied. StateAt(Steps()+1) is
// the state after everything recorded so far.
func (t *Trace) StateAt(n int) *State {
	s := NewState()
	for _, e := range t.Slice(0, t.Boundary(n)) {
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
	t.watchers = append(t.watchers, ch)
	t.mu.Unlock()
	return ch, func() {
		t.mu.Lock()
		t.watchers = slices.DeleteFunc(t.watchers, func(c chan struct{}) bool { return c == ch })
		t.mu.Unlock()
	}
}
