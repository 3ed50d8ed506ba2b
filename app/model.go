package app

import (
	"sort"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/explain"
	"github.com/mailscope/mailscope/sim/world"
)

// A trace is played in beats: one beat is one command or reply travelling
// along its connection, or a run of message content (a DATA body, a
// message in a FETCH or RETR) travelling as one envelope, together with
// whatever it caused (store changes, connections opening and closing).
// The player moves from beat to beat; every view is a function of the
// number of beats played.

// beatKind says what travels in a beat.
type beatKind uint8

const (
	beatSilent  beatKind = iota // nothing travels: a step's start, a setup
	beatLine                    // a command or a reply
	beatContent                 // message content, shown as an envelope
	beatRecord                  // TLS records with no line yet: a handshake
)

// beat is a run of events [start, end) played together.
type beat struct {
	start, end int32
	kind       beatKind
	line       int32 // the first line event of the beat, or -1
	lines      int32 // how many line events the beat holds
	record     int32 // the first TLS record of the beat, or -1
	step       int32
}

// Model is the playback state over a trace: the trace's events, their
// explanations, the beats, and the position. It holds no widgets; the
// views read it.
type Model struct {
	Script *world.Script
	Spec   *world.Spec

	trace      *sim.Trace
	events     []sim.Event
	explained  []explain.Line // for each event (zero for non-line events)
	lines      []int32        // the rows as the endpoints see them: indices of the line events
	lineRank   []int32        // for each event, how many of those rows precede it
	wire       []int32        // the rows as an eavesdropper sees them: lines in the clear and TLS records
	wireRank   []int32        // for each event, how many of those rows precede it
	eaves      bool           // the views show the rows an eavesdropper sees
	beats      []beat
	stepBeats  []int        // first beat of each step; stepBeats[0] is the setup's
	checkpoint []checkpoint // states saved on the way, by ascending beat
	sinceSave  int          // changes applied since the last checkpoint

	pos   int        // beats played
	state *sim.State // the state after the events of the beats played
}

// checkpoint is the state at the start of a beat, saved to go back fast.
type checkpoint struct {
	beat  int
	state *sim.State
}

// checkpointChanges is how many changes are applied between two saved
// states: going back costs a copy and at most this many changes, and the
// saved states cost memory in proportion to the changes, not to the beats.
const checkpointChanges = 2048

// NewModel builds the model of a finished trace of a script's world.
func NewModel(s *world.Script, t *sim.Trace) *Model {
	m := &Model{Script: s, Spec: s.World.WithDefaults(), trace: t}
	m.events = t.Events()
	m.index()
	m.state = sim.NewState()
	return m
}

// index explains every line and cuts the events into beats. A beat is one
// line (or a run of content lines) with what it caused. Under TLS a line
// arrives in a record, which comes first in the trace: the record starts
// the beat and its line joins it, so that both views play the same beats;
// records that carry no line (the handshake) make beats of their own.
func (m *Model) index() {
	x := explain.New()
	m.explained = make([]explain.Line, len(m.events))
	m.lineRank = make([]int32, len(m.events)+1)
	m.wireRank = make([]int32, len(m.events)+1)
	secured := make(map[*sim.ConnInfo]bool) // connections whose lines now travel inside TLS
	var cur *beat
	var lastContent struct {
		conn *sim.ConnInfo
		dir  sim.Dir
	}
	// waiting reports whether the current beat is records of e's
	// connection and direction that no line has joined yet.
	waiting := func(e *sim.Event) bool {
		if cur == nil || cur.kind != beatRecord {
			return false
		}
		r := &m.events[cur.record]
		return r.Conn == e.Conn && r.Dir == e.Dir
	}
	for i := range m.events {
		e := &m.events[i]
		m.lineRank[i] = int32(len(m.lines))
		m.wireRank[i] = int32(len(m.wire))
		startBeat := false
		kind := beatSilent
		switch e.Kind {
		case sim.KindStep:
			startBeat, kind = true, beatSilent
		case sim.KindLine:
			m.explained[i] = x.Explain(e)
			m.lines = append(m.lines, int32(i))
			if !secured[e.Conn] {
				m.wire = append(m.wire, int32(i))
			}
			switch {
			case waiting(e):
				kind = beatLine
				if m.explained[i].Content {
					kind = beatContent
				}
			case m.explained[i].Content:
				kind = beatContent
				startBeat = cur == nil || cur.kind != beatContent || lastContent.conn != e.Conn || lastContent.dir != e.Dir
			default:
				kind, startBeat = beatLine, true
			}
			if kind == beatContent {
				lastContent.conn, lastContent.dir = e.Conn, e.Dir
			}
		case sim.KindTLS:
			m.explained[i] = x.Explain(e)
			m.wire = append(m.wire, int32(i))
			secured[e.Conn] = true
			kind, startBeat = beatRecord, !waiting(e)
		default:
			x.Explain(e) // opens and closes move the explainer's state
		}
		if cur == nil || startBeat {
			m.beats = append(m.beats, beat{start: int32(i), kind: kind, line: -1, record: -1, step: e.Step})
			cur = &m.beats[len(m.beats)-1]
			if e.Kind == sim.KindStep || len(m.stepBeats) == 0 {
				m.stepBeats = append(m.stepBeats, len(m.beats)-1)
			}
		} else if kind != beatSilent && (cur.kind == beatSilent || cur.kind == beatRecord && kind != beatRecord) {
			// The first line or record of a silent beat gives it its kind;
			// a line that joins its records makes theirs a line's beat.
			cur.kind = kind
		}
		switch e.Kind {
		case sim.KindLine:
			if cur.line < 0 {
				cur.line = int32(i)
			}
			cur.lines++
		case sim.KindTLS:
			if cur.record < 0 {
				cur.record = int32(i)
			}
		}
		cur.end = int32(i + 1)
	}
	m.lineRank[len(m.events)] = int32(len(m.lines))
	m.wireRank[len(m.events)] = int32(len(m.wire))
	if len(m.events) > 0 && m.events[0].Kind == sim.KindStep && len(m.stepBeats) > 0 && m.stepBeats[0] == 0 {
		// A trace without a setup: step 0 is empty.
		m.stepBeats = append([]int{0}, m.stepBeats...)
	}
}

// Trace returns the trace the model plays.
func (m *Model) Trace() *sim.Trace { return m.trace }

// Beats returns the number of beats.
func (m *Model) Beats() int { return len(m.beats) }

// Pos returns the number of beats played.
func (m *Model) Pos() int { return m.pos }

// Steps returns the number of steps of the script (not counting the setup).
func (m *Model) Steps() int { return len(m.stepBeats) - 1 }

// Step returns the step the position is in: the step of the last beat
// played (0 before the first step).
func (m *Model) Step() int {
	if m.pos == 0 {
		return 0
	}
	return int(m.beats[m.pos-1].step)
}

// StepStart returns the first beat of step n (n in 0..Steps()), and
// Beats() for n beyond the last step.
func (m *Model) StepStart(n int) int {
	if n >= len(m.stepBeats) {
		return len(m.beats)
	}
	return m.stepBeats[max(n, 0)]
}

// StepEnd returns the position at the end of step n.
func (m *Model) StepEnd(n int) int { return m.StepStart(n + 1) }

// Say returns the narration of step n, or nil.
func (m *Model) Say(n int) *sim.Text {
	if n < 1 || n > len(m.Script.Steps) {
		return nil
	}
	return &m.Script.Steps[n-1].Say
}

// Applied returns the number of events the position has applied.
func (m *Model) Applied() int {
	if m.pos == 0 {
		return 0
	}
	return int(m.beats[m.pos-1].end)
}

// Now returns the virtual time at the position: when the last event
// played happened on the world's clock.
func (m *Model) Now() time.Time {
	t := m.trace.Start()
	if n := m.Applied(); n > 0 {
		t = t.Add(m.events[n-1].T)
	}
	return t
}

// SetEavesdropper chooses the rows the transcript and the ladder show:
// what the endpoints read (false: every line), or what an eavesdropper on
// the wire sees (true: the lines sent in the clear, and the TLS records
// that carry the rest).
func (m *Model) SetEavesdropper(on bool) { m.eaves = on }

// Eavesdropper reports whether the rows are what an eavesdropper sees.
func (m *Model) Eavesdropper() bool { return m.eaves }

// rows returns the events of the rows shown and their rank per event.
func (m *Model) rows() (rows, rank []int32) {
	if m.eaves {
		return m.wire, m.wireRank
	}
	return m.lines, m.lineRank
}

// LinesShown returns how many rows the position has applied: the rows of
// the transcript and the ladder.
func (m *Model) LinesShown() int {
	_, rank := m.rows()
	return int(rank[m.Applied()])
}

// LineEvent returns the event of row i: a line, or a TLS record.
func (m *Model) LineEvent(i int) *sim.Event {
	rows, _ := m.rows()
	return &m.events[rows[i]]
}

// LineExplained returns the explanation of row i.
func (m *Model) LineExplained(i int) *explain.Line {
	rows, _ := m.rows()
	return &m.explained[rows[i]]
}

// LineRow returns the row of the event with index ev, or -1 when it is
// not a row of the current view.
func (m *Model) LineRow(ev int) int {
	rows, _ := m.rows()
	i := sort.Search(len(rows), func(k int) bool { return rows[k] >= int32(ev) })
	if i < len(rows) && rows[i] == int32(ev) {
		return i
	}
	return -1
}

// Event returns event i of the trace.
func (m *Model) Event(i int) *sim.Event { return &m.events[i] }

// Explained returns the explanation of event i (zero unless it is a line
// or a TLS record).
func (m *Model) Explained(i int) *explain.Line { return &m.explained[i] }

// Beat returns beat i.
func (m *Model) Beat(i int) beat { return m.beats[i] }

// LastBeat returns the beat just played, and false at the start.
func (m *Model) LastBeat() (beat, bool) {
	if m.pos == 0 {
		return beat{}, false
	}
	return m.beats[m.pos-1], true
}

// State returns the state of every store, queue and device at the
// position. It must not be changed.
func (m *Model) State() *sim.State { return m.state }

// StepStartState returns the state at the start of the current step.
func (m *Model) StepStartState() *sim.State {
	return m.stateAt(m.StepStart(m.Step()))
}

// Seek moves the position to beat p (clamped) and brings the state there.
func (m *Model) Seek(p int) {
	p = min(max(p, 0), len(m.beats))
	if p == m.pos {
		return
	}
	if p > m.pos {
		m.apply(m.pos, p)
	} else {
		m.state = m.stateAt(p)
	}
	m.pos = p
}

// apply applies the events of beats [from, to) to the current state,
// saving checkpoints on the way the first time through.
func (m *Model) apply(from, to int) {
	for b := from; b < to; b++ {
		last := -1
		if n := len(m.checkpoint); n > 0 {
			last = m.checkpoint[n-1].beat
		}
		if b > last && (last < 0 || m.sinceSave >= checkpointChanges) {
			m.checkpoint = append(m.checkpoint, checkpoint{beat: b, state: m.state.Clone()})
			m.sinceSave = 0
		}
		bt := m.beats[b]
		for i := bt.start; i < bt.end; i++ {
			if m.events[i].Change != nil {
				m.state.Apply(&m.events[i])
				if b > last {
					m.sinceSave++
				}
			}
		}
	}
}

// stateAt returns a fresh state at beat p, from the nearest checkpoint.
func (m *Model) stateAt(p int) *sim.State {
	c := sort.Search(len(m.checkpoint), func(i int) bool { return m.checkpoint[i].beat > p }) - 1
	s, from := sim.NewState(), 0
	if c >= 0 {
		s, from = m.checkpoint[c].state.Clone(), m.checkpoint[c].beat
	}
	for b := from; b < p; b++ {
		bt := m.beats[b]
		for i := bt.start; i < bt.end; i++ {
			if m.events[i].Change != nil {
				s.Apply(&m.events[i])
			}
		}
	}
	return s
}

// stepFrom returns the index of the first event of the current step.
func (m *Model) stepFrom() int {
	if m.pos == 0 {
		return 0
	}
	return int(m.beats[m.StepStart(m.Step())].start)
}

// Changes returns the store and device events of the current step up to
// the position, oldest first: what the mailbox views highlight.
func (m *Model) Changes() []*sim.Event {
	var out []*sim.Event
	for i := m.stepFrom(); i < m.Applied(); i++ {
		if m.events[i].Change != nil {
			out = append(out, &m.events[i])
		}
	}
	return out
}

// Conns is what the stage shows of the connections at a position.
type Conns struct {
	List    []*sim.ConnInfo        // open now, or closed during the current step, in the order they opened
	Closed  map[*sim.ConnInfo]bool // closed during the current step
	Secured map[*sim.ConnInfo]bool // their TLS handshake has begun
}

// OpenConns returns the connections open at the position, and those closed
// during the current step, in the order they opened.
func (m *Model) OpenConns() Conns {
	stepFrom := m.stepFrom()
	c := Conns{Closed: make(map[*sim.ConnInfo]bool), Secured: make(map[*sim.ConnInfo]bool)}
	open := make(map[*sim.ConnInfo]bool)
	var all []*sim.ConnInfo
	for i := 0; i < m.Applied(); i++ {
		e := &m.events[i]
		switch e.Kind {
		case sim.KindOpen:
			open[e.Conn] = true
			all = append(all, e.Conn)
		case sim.KindClose:
			delete(open, e.Conn)
			if i >= stepFrom {
				c.Closed[e.Conn] = true
			}
		case sim.KindTLS:
			c.Secured[e.Conn] = true
		}
	}
	for _, x := range all {
		if open[x] || c.Closed[x] {
			c.List = append(c.List, x)
		}
	}
	return c
}
