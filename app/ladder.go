package app

import (
	"image/color"
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/explain"
)

// The ladder is a sequence diagram of the lines played: a lifeline for
// every device and server, one arrow per line from sender to receiver,
// newest at the bottom. Like the transcript, it is a virtual list.

type ladder struct {
	a      *App
	cols   []string // node ids, left to right
	header *ladderHeader
	list   *widget.List
	box    *fyne.Container
}

func newLadder(a *App) *ladder {
	l := &ladder{a: a}
	l.header = newLadderHeader(l)
	l.list = widget.NewList(
		func() int {
			if a.model == nil {
				return 0
			}
			return a.model.LinesShown()
		},
		func() fyne.CanvasObject { return newLadderRow(l) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*ladderRow).set(a.model.LineEvent(i), a.model.LineExplained(i))
		},
	)
	l.list.OnSelected = func(i widget.ListItemID) { a.selectLine(i) }
	l.box = container.NewBorder(l.header, nil, nil, nil, l.list)
	return l
}

// setColumns orders the lifelines as the stage places the nodes: from left
// to right, then top to bottom.
func (l *ladder) setColumns(nodes []*stageNode) {
	sorted := append([]*stageNode(nil), nodes...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].x != sorted[j].x {
			return sorted[i].x < sorted[j].x
		}
		return sorted[i].y < sorted[j].y
	})
	l.cols = l.cols[:0]
	for _, n := range sorted {
		l.cols = append(l.cols, n.id)
	}
	l.header.Refresh()
	l.list.Refresh()
}

// colX returns the x of lifeline i in a row of the given width.
func (l *ladder) colX(i int, width float32) float32 {
	n := max(len(l.cols), 1)
	return width * (float32(i) + 0.5) / float32(n)
}

func (l *ladder) col(id string) int {
	for i, c := range l.cols {
		if c == id {
			return i
		}
	}
	return -1
}

// ladderHeader names the lifelines.
type ladderHeader struct {
	widget.BaseWidget
	l *ladder
}

func newLadderHeader(l *ladder) *ladderHeader {
	h := &ladderHeader{l: l}
	h.ExtendBaseWidget(h)
	return h
}

func (h *ladderHeader) CreateRenderer() fyne.WidgetRenderer {
	return &ladderHeaderRenderer{h: h}
}

type ladderHeaderRenderer struct {
	h     *ladderHeader
	texts []*canvas.Text
	size  fyne.Size
}

func (r *ladderHeaderRenderer) Destroy() {}
func (r *ladderHeaderRenderer) MinSize() fyne.Size {
	return fyne.NewSize(100, theme.TextSize()*1.8)
}
func (r *ladderHeaderRenderer) Objects() []fyne.CanvasObject {
	out := make([]fyne.CanvasObject, len(r.texts))
	for i, t := range r.texts {
		out[i] = t
	}
	return out
}
func (r *ladderHeaderRenderer) Layout(s fyne.Size) { r.size = s; r.Refresh() }
func (r *ladderHeaderRenderer) Refresh() {
	l := r.h.l
	for len(r.texts) < len(l.cols) {
		t := canvas.NewText("", color.Black)
		t.TextStyle = fyne.TextStyle{Bold: true}
		r.texts = append(r.texts, t)
	}
	r.texts = r.texts[:len(l.cols)]
	colW := r.size.Width / float32(max(len(l.cols), 1))
	for i, id := range l.cols {
		t := r.texts[i]
		t.Text = id
		if n := l.a.stage.byID[id]; n != nil {
			t.Text = n.label.In(l.a.lang)
		}
		t.TextSize = theme.TextSize() * 0.9
		t.Color = theme.Color(theme.ColorNameForeground)
		fitText(t, colW-6)
		ms := t.MinSize()
		t.Move(fyne.NewPos(l.colX(i, r.size.Width)-ms.Width/2, (r.size.Height-ms.Height)/2))
		t.Refresh()
	}
}

// ladderRow is one line as an arrow between two lifelines.
type ladderRow struct {
	widget.BaseWidget
	l       *ladder
	from    int
	to      int
	proto   sim.Proto
	label   string
	content bool
	wire    bool // a TLS record
}

func newLadderRow(l *ladder) *ladderRow {
	r := &ladderRow{l: l, from: -1, to: -1}
	r.ExtendBaseWidget(r)
	return r
}

// set shows a line: its verb on the arrow (the whole line is in the
// transcript), and for message content the start of the text.
func (r *ladderRow) set(e *sim.Event, x *explain.Line) {
	c, s := r.l.col(e.Conn.Client), r.l.col(e.Conn.Server)
	if e.Dir == sim.S2C {
		c, s = s, c
	}
	r.from, r.to, r.proto, r.content, r.wire = c, s, e.Conn.Proto, x.Content, e.Kind == sim.KindTLS
	r.label = x.Verb
	switch {
	case r.wire:
		r.label = "TLS " + recordVerb(e, false)
	case x.Content || r.label == "":
		r.label = sim.Printable(e.Text)
	}
	r.Refresh()
}

func (r *ladderRow) CreateRenderer() fyne.WidgetRenderer {
	rr := &ladderRowRenderer{r: r, arrow: canvas.NewLine(color.Black), headA: canvas.NewLine(color.Black), headB: canvas.NewLine(color.Black), text: canvas.NewText("", color.Black)}
	rr.text.TextStyle = fyne.TextStyle{Monospace: true}
	return rr
}

type ladderRowRenderer struct {
	r            *ladderRow
	lifelines    []*canvas.Line
	arrow        *canvas.Line
	headA, headB *canvas.Line
	text         *canvas.Text
	objects      []fyne.CanvasObject
	size         fyne.Size
}

func (rr *ladderRowRenderer) Destroy() {}
func (rr *ladderRowRenderer) MinSize() fyne.Size {
	return fyne.NewSize(100, theme.TextSize()*2.1)
}
func (rr *ladderRowRenderer) Objects() []fyne.CanvasObject { return rr.objects }
func (rr *ladderRowRenderer) Layout(s fyne.Size)           { rr.size = s; rr.Refresh() }

func (rr *ladderRowRenderer) Refresh() {
	r, l := rr.r, rr.r.l
	fg := theme.Color(theme.ColorNameForeground)
	k := scaleOf()
	for len(rr.lifelines) < len(l.cols) {
		rr.lifelines = append(rr.lifelines, canvas.NewLine(color.Black))
	}
	rr.lifelines = rr.lifelines[:len(l.cols)]
	rr.objects = rr.objects[:0]
	for i, ln := range rr.lifelines {
		x := l.colX(i, rr.size.Width)
		ln.StrokeColor = faded(toNRGBA(fg), 0.25)
		ln.StrokeWidth = 1.5 * k
		ln.Position1, ln.Position2 = fyne.NewPos(x, 0), fyne.NewPos(x, rr.size.Height)
		ln.Refresh()
		rr.objects = append(rr.objects, ln)
	}
	if r.from < 0 || r.to < 0 || r.from == r.to {
		return
	}
	col := protoColor(r.proto)
	alpha := float32(1)
	if r.content {
		alpha = 0.45
	}
	if r.wire {
		col, alpha = toNRGBA(fg), 0.6
	}
	x1, x2 := l.colX(r.from, rr.size.Width), l.colX(r.to, rr.size.Width)
	y := rr.size.Height * 0.72
	rr.arrow.StrokeColor = faded(col, alpha)
	rr.arrow.StrokeWidth = 2 * k
	rr.arrow.Position1, rr.arrow.Position2 = fyne.NewPos(x1, y), fyne.NewPos(x2, y)
	dir := float32(1)
	if x2 < x1 {
		dir = -1
	}
	hl := 8 * k
	rr.headA.StrokeColor, rr.headB.StrokeColor = rr.arrow.StrokeColor, rr.arrow.StrokeColor
	rr.headA.StrokeWidth, rr.headB.StrokeWidth = 2*k, 2*k
	rr.headA.Position1, rr.headA.Position2 = fyne.NewPos(x2, y), fyne.NewPos(x2-dir*hl, y-hl*0.6)
	rr.headB.Position1, rr.headB.Position2 = fyne.NewPos(x2, y), fyne.NewPos(x2-dir*hl, y+hl*0.6)
	rr.text.Text = r.label
	rr.text.TextSize = theme.TextSize() * 0.85
	rr.text.Color = fg
	if r.content || r.wire {
		rr.text.Color = faded(toNRGBA(fg), 0.6)
	}
	span := max(x1, x2) - min(x1, x2)
	fitText(rr.text, span-6*k)
	ts := rr.text.MinSize()
	rr.text.Move(fyne.NewPos(min(x1, x2)+(span-ts.Width)/2, y-ts.Height-1*k))
	for _, o := range []fyne.CanvasObject{rr.arrow, rr.headA, rr.headB, rr.text} {
		o.Refresh()
	}
	rr.objects = append(rr.objects, rr.arrow, rr.headA, rr.headB, rr.text)
}
