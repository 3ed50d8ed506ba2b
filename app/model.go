package app

import (
	"sort"

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
)

// beat is a run of events [start, end) played together.
type beat struct {
	start, end int32
	kind       beatKind
	line       int32 // the first line event of the beat, or -1
	lines      int32 // how many line events the beat holds
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
	lines      []int32        // indices of the line events
	lineRank   []int32        // for each event, how many line events precede it
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

// index explains every line and cuts the events into beats.
func (m *Model) index() {
	x := explain.New()
	m.explained = make([]explain.Line, len(m.events))
	m.lineRank = make([]int32, len(m.events)+1)
	var cur *beat
	var lastContent struct {
		conn *sim.ConnInfo
		dir  sim.Dir
	}
	for i := range m.events {
		e := &m.events[i]
		m.lineRank[i] = int32(len(m.lines))
		startBeat := false
		kind := beatSilent
		switch e.Kind {
		case sim.KindStep:
			startBeat, kind = true, beatSilent
		case sim.KindLine:
			m.explained[i] = x.Explain(e)
			m.lines = append(m.lines, int32(i))
			if m.explained[i].Content {
				kind = beatContent
				startBeat = cur == nil || cur.kind != beatContent || lastContent.conn != e.Conn || lastContent.dir != e.Dir
				lastContent.conn, lastContent.dir = e.Conn, e.Dir
			} else {
				kind, startBeat = beatLine, true
			}
		default:
			x.Explain(e) // opens and closes move the explainer's state
		}
		if cur == nil || startBeat {
			m.beats = append(m.beats, beat{start: int32(i), kind: kind, line: -1, step: e.Step})
			cur = &m.beats[len(m.beats)-1]
			if e.Kind == sim.KindStep || len(m.stepBeats) == 0 {
				m.stepBeats = append(m.stepBeats, len(m.beats)-1)
			}
		} else if cur.kind == beatSilent && kind != beatSilent {
			// The first line of a silent beat gives it its kind.
			cur.kind = kind
		}
		if e.Kind == sim.KindLine {
			if cur.line < 0 {
				cur.line = int32(i)
			}
			cur.lines++
		}
		cur.end = int32(i + 1)
	}
	m.lineRank[len(m.events)] = int32(len(m.lines))
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

// LinesShown returns how many line events the position has applied: the
// rows of the transcript and the ladder.
func (m *Model) LinesShown() int { return int(m.lineRank[m.Applied()]) }

// LineEvent returns the event of line row i.
func (m *Model) LineEvent(i int) *sim.Event { return &m.events[m.lines[i]] }

// LineExplained returns the explanation of line row i.
func (m *Model) LineExplained(i int) *explain.Line { return &m.explained[m.lines[i]] }

// LineRow returns the row of the line event with index ev, or -1.
func (m *Model) LineRow(ev int) int {
	i := sort.Search(len(m.lines), func(k int) bool { return m.lines[k] >= int32(ev) })
	if i < len(m.lines) && m.lines[i] == int32(ev) {
		return i
	}
	return -1
}

// Event returns event i of the trace.
func (m *Model) Event(i int) *sim.Event { return &m.events[i] }

// Explained returns the explanation of event i (zero unless it is a line).
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

// OpenConns returns the connections open at the position, and those closed
// during the current step (closed true), in the order they opened.
func (m *Model) OpenConns() (conns []*sim.ConnInfo, closed map[*sim.ConnInfo]bool) {
	stepFrom := m.stepFrom()
	closed = make(map[*sim.ConnInfo]bool)
	open := make(map[*sim.ConnInfo]bool)
	for i := 0; i < m.Applied(); i++ {
		e := &m.events[i]
		switch e.Kind {
		case sim.KindOpen:
			open[e.Conn] = true
			conns = append(conns, e.Conn)
		case sim.KindClose:
			delete(open, e.Conn)
			if i >= stepFrom {
				closed[e.Conn] = true
			}
		}
	}
	out := conns[:0]
	for _, c := range conns {
		if open[c] || closed[c] {
			out = append(out, c)
		}
	}
	return out, closed
}
