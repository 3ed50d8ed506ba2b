package app

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// The stage draws the world: devices and servers as labelled boxes, an
// edge for every connection (its port and protocol on it), and the line
// being played travelling along its edge as a token in the protocol's
// colour, with the command's verb on it. Message content travels as an
// envelope.

// stageNode is a device or a server on the stage.
type stageNode struct {
	id    string   // device id or server host name
	kind  string   // "laptop", "phone" or "server"
	label sim.Text // what the box says
	sub   string   // the account (devices) or the domains (servers)
	x, y  float32  // the box's centre, as fractions of the stage
}

// stageToken is the line travelling on the stage.
type stageToken struct {
	conn     *sim.ConnInfo
	dir      sim.Dir
	verb     string
	content  bool
	sealed   bool    // it travels encrypted: drawn with a padlock
	wire     bool    // it is a TLS record, as an eavesdropper sees it
	progress float32 // 0 at the sender, 1 at the receiver
}

type stage struct {
	widget.BaseWidget
	a *App

	nodes []*stageNode
	byID  map[string]*stageNode

	conns   []*sim.ConnInfo
	closed  map[*sim.ConnInfo]bool
	secured map[*sim.ConnInfo]bool
	token   *stageToken
}

func newStage(a *App) *stage {
	s := &stage{a: a, byID: make(map[string]*stageNode)}
	s.ExtendBaseWidget(s)
	return s
}

// setWorld places the nodes of a world: servers in the middle column, the
// devices of the first domain on the left, the others on the right, each
// beside its server.
func (s *stage) setWorld(spec *world.Spec) {
	s.nodes, s.byID = nil, make(map[string]*stageNode)
	servers := []string{}
	serverOf := map[string]int{} // domain -> server index
	for _, d := range spec.Domains {
		i := -1
		for k, name := range servers {
			if name == d.Server {
				i = k
			}
		}
		if i < 0 {
			servers = append(servers, d.Server)
			i = len(servers) - 1
			s.add(&stageNode{id: d.Server, kind: "server", label: sim.Text{ES: d.Server, EN: d.Server}})
		}
		serverOf[d.Name] = i
		n := s.byID[d.Server]
		if n.sub != "" {
			n.sub += ", "
		}
		n.sub += d.Name
	}
	// Servers in the middle column, from top to bottom, a little apart
	// from left to right so that the relay between them is long enough to
	// carry its label. Three or more zigzag, so that neighbours, closer
	// in height, stand side by side rather than on top of each other.
	serverY := func(i int) float32 {
		if len(servers) == 1 {
			return 0.5
		}
		return 0.2 + 0.6*float32(i)/float32(len(servers)-1)
	}
	for i, name := range servers {
		x := float32(0.5)
		switch {
		case len(servers) == 2:
			x = 0.42 + 0.16*float32(i)
		case len(servers) > 2:
			x = 0.38 + 0.24*float32(i%2)
		}
		s.byID[name].x, s.byID[name].y = x, serverY(i)
	}
	// Devices: the first domain's on the left, the others' on the right.
	type column struct {
		x     float32
		nodes []*stageNode
		home  []int
	}
	left, right := &column{x: 0.1}, &column{x: 0.9}
	for _, d := range spec.Devices {
		_, domain, _ := strings.Cut(strings.ToLower(d.Account), "@")
		n := &stageNode{id: d.ID, kind: d.Kind, label: d.Label, sub: strings.ToLower(d.Account)}
		s.add(n)
		col := right
		if serverOf[domain] == 0 {
			col = left
		}
		col.nodes = append(col.nodes, n)
		col.home = append(col.home, serverOf[domain])
	}
	for _, col := range []*column{left, right} {
		// Spread a column's devices evenly, in the order of their servers.
		for i, n := range col.nodes {
			n.x = col.x
			switch len(col.nodes) {
			case 1:
				n.y = serverY(col.home[0])
			case 2:
				n.y = 0.2 + 0.6*float32(i)/float32(len(col.nodes)-1)
			default:
				// From the top edge to the bottom one (the boxes are
				// kept inside the stage), to leave room between them.
				n.y = float32(i) / float32(len(col.nodes)-1)
			}
		}
	}
	s.Refresh()
}

func (s *stage) add(n *stageNode) {
	s.nodes = append(s.nodes, n)
	s.byID[n.id] = n
}

// update shows the connections and the token of the model's position.
func (s *stage) update(c Conns, tok *stageToken) {
	s.conns, s.closed, s.secured, s.token = c.List, c.Closed, c.Secured, tok
	s.Refresh()
}

// setProgress moves the token along its edge.
func (s *stage) setProgress(p float32) {
	if s.token != nil {
		s.token.progress = p
		s.Refresh()
	}
}

func (s *stage) CreateRenderer() fyne.WidgetRenderer {
	r := &stageRenderer{s: s, bg: canvas.NewRectangle(color.Transparent), edges: make(map[*sim.ConnInfo]*edgeObjs)}
	r.tokBox = canvas.NewRectangle(color.Black)
	r.tokText = canvas.NewText("", color.White)
	r.tokText.TextStyle = fyne.TextStyle{Bold: true}
	r.tokIcon = canvas.NewImageFromResource(theme.NewColoredResource(fyne.NewStaticResource("envelope.svg", assets.Picture("envelope")), theme.ColorNameBackground))
	r.tokIcon.FillMode = canvas.ImageFillContain
	r.tokLock = canvas.NewImageFromResource(theme.NewColoredResource(fyne.NewStaticResource("lock.svg", assets.Picture("lock")), theme.ColorNameBackground))
	r.tokLock.FillMode = canvas.ImageFillContain
	return r
}

// scaleOf returns the presenter scale, from the theme's text size.
func scaleOf() float32 { return theme.TextSize() / 14 }

type edgeObjs struct {
	line     *canvas.Line
	label    *canvas.Text
	chip     *canvas.Rectangle
	labelled bool // the label is shown
}

type nodeObjs struct {
	box   *canvas.Rectangle
	icon  *canvas.Image
	name  *canvas.Text
	sub   *canvas.Text
	node  *stageNode
	isDev bool
}

type stageRenderer struct {
	s        *stage
	bg       *canvas.Rectangle
	nodes    []*nodeObjs
	edges    map[*sim.ConnInfo]*edgeObjs
	order    []*sim.ConnInfo
	tokBox   *canvas.Rectangle
	tokText  *canvas.Text
	tokIcon  *canvas.Image   // the envelope of content
	tokLock  *canvas.Image   // the padlock of what travels encrypted
	tokIcons []*canvas.Image // the icons the token shows
	objects  []fyne.CanvasObject
	size     fyne.Size
}

func (r *stageRenderer) Destroy() {}

func (r *stageRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *stageRenderer) MinSize() fyne.Size {
	k := scaleOf()
	return fyne.NewSize(300*k, 200*k)
}

// nodeSize is the size of the nodes' boxes (icon above, name and detail
// below): wide enough for the longest name, within limits, the same for
// all.
func (r *stageRenderer) nodeSize() fyne.Size {
	k := scaleOf()
	w := 120 * k
	for _, o := range r.nodes {
		tw := fyne.MeasureText(o.node.label.In(r.s.a.lang), theme.TextSize()*0.95, fyne.TextStyle{Bold: true}).Width
		sw := fyne.MeasureText(o.node.sub, theme.TextSize()*0.8, fyne.TextStyle{}).Width
		w = max(w, max(tw, sw)+20*k)
	}
	h := 34*k + theme.TextSize()*2.4 + 14*k
	return fyne.NewSize(min(w, 190*k, r.size.Width/4.3), h)
}

func (r *stageRenderer) center(n *stageNode) fyne.Position {
	ns := r.nodeSize()
	// Keep boxes inside the stage.
	x := min(max(n.x*r.size.Width, ns.Width/2+4), r.size.Width-ns.Width/2-4)
	y := min(max(n.y*r.size.Height, ns.Height/2+4), r.size.Height-ns.Height/2-4)
	return fyne.NewPos(x, y)
}

func (r *stageRenderer) Layout(size fyne.Size) {
	r.size = size
	r.Refresh()
}

func (r *stageRenderer) Refresh() {
	s := r.s
	th := fyne.CurrentApp().Settings().Theme()
	variant := fyne.CurrentApp().Settings().ThemeVariant()
	fg := th.Color(theme.ColorNameForeground, variant)
	bg := th.Color(theme.ColorNameBackground, variant)
	boxFill := th.Color(theme.ColorNameInputBackground, variant)
	lang := s.a.lang
	k := scaleOf()
	r.bg.FillColor = bg
	r.bg.Resize(r.size)

	// Nodes, rebuilt when the world changed.
	if len(r.nodes) != len(s.nodes) || (len(r.nodes) > 0 && r.nodes[0].node != s.nodes[0]) {
		r.nodes = nil
		for _, n := range s.nodes {
			res := fyne.NewStaticResource(n.kind+".svg", assets.Picture(n.kind))
			o := &nodeObjs{
				box:   canvas.NewRectangle(boxFill),
				icon:  canvas.NewImageFromResource(theme.NewThemedResource(res)),
				name:  canvas.NewText("", fg),
				sub:   canvas.NewText("", fg),
				node:  n,
				isDev: n.kind != "server",
			}
			o.icon.FillMode = canvas.ImageFillContain
			o.name.TextStyle = fyne.TextStyle{Bold: true}
			r.nodes = append(r.nodes, o)
		}
	}
	ns := r.nodeSize()
	for _, o := range r.nodes {
		c := r.center(o.node)
		o.box.FillColor = boxFill
		o.box.StrokeColor = faded(toNRGBA(fg), 0.35)
		o.box.StrokeWidth = 1.5 * k
		o.box.CornerRadius = 10 * k
		o.box.Resize(ns)
		o.box.Move(fyne.NewPos(c.X-ns.Width/2, c.Y-ns.Height/2))
		icon := 34 * k
		top := c.Y - ns.Height/2 + 6*k
		o.icon.Resize(fyne.NewSize(icon, icon))
		o.icon.Move(fyne.NewPos(c.X-icon/2, top))
		o.name.Text = o.node.label.In(lang)
		o.name.TextSize = theme.TextSize() * 0.95
		o.name.Color = fg
		o.sub.Text = o.node.sub
		o.sub.TextSize = theme.TextSize() * 0.8
		o.sub.Color = faded(toNRGBA(fg), 0.75)
		avail := ns.Width - 10*k
		fitText(o.name, avail)
		fitText(o.sub, avail)
		nm, sm := o.name.MinSize(), o.sub.MinSize()
		o.name.Move(fyne.NewPos(c.X-nm.Width/2, top+icon+2*k))
		o.sub.Move(fyne.NewPos(c.X-sm.Width/2, top+icon+2*k+nm.Height-2*k))
		o.name.Refresh()
		o.sub.Refresh()
		o.box.Refresh()
	}

	// Edges: one per connection; parallel connections are set apart.
	seen := make(map[*sim.ConnInfo]bool)
	pairCount := make(map[[2]string]int)
	labelled := make(map[string]*sim.ConnInfo)
	r.order = r.order[:0]
	for _, c := range s.conns {
		from, to := s.byID[c.Client], s.byID[c.Server]
		if from == nil || to == nil {
			continue
		}
		seen[c] = true
		r.order = append(r.order, c)
		e := r.edges[c]
		if e == nil {
			e = &edgeObjs{line: canvas.NewLine(color.Black), label: canvas.NewText("", color.White), chip: canvas.NewRectangle(color.Black)}
			e.label.TextStyle = fyne.TextStyle{Bold: true}
			r.edges[c] = e
		}
		pair := [2]string{c.Client, c.Server}
		nth := pairCount[pair]
		pairCount[pair]++
		a, b := r.center(from), r.center(to)
		off := perpendicular(a, b, float32(nth)*14*k)
		a, b = a.Add(off), b.Add(off)
		col := protoColor(c.Proto)
		alpha := float32(1)
		if s.closed[c] {
			alpha = 0.3
		}
		e.line.StrokeColor = faded(col, alpha)
		e.line.StrokeWidth = 3 * k
		e.line.Position1, e.line.Position2 = a, b
		e.label.Text = fmt.Sprintf("%d %s", c.Port, strings.ToUpper(string(c.Proto)))
		if s.secured[c] {
			e.label.Text += " + TLS"
		}
		e.label.TextSize = theme.TextSize() * 0.8
		e.label.Color = faded(color.NRGBA{R: 255, G: 255, B: 255, A: 255}, max(alpha, 0.6))
		ls := e.label.MinSize()
		va, vb := shorten(a, b, ns)
		mid := fyne.NewPos((va.X+vb.X)/2, (va.Y+vb.Y)/2)
		if from.x == to.x {
			// The label of a vertical edge stands beside the line.
			mid = mid.Add(fyne.NewPos(ls.Width/2+8*k, 0))
		}
		// Parallel edges that would carry the same label show it once,
		// on the newest one (an open one before a closed one).
		key := pair[0] + "|" + pair[1] + "|" + e.label.Text
		if prev := labelled[key]; prev == nil || !s.closed[c] || s.closed[prev] {
			if prev != nil {
				r.edges[prev].labelled = false
			}
			labelled[key] = c
			e.labelled = true
		} else {
			e.labelled = false
		}
		e.chip.FillColor = faded(col, max(alpha, 0.5))
		e.chip.CornerRadius = 6 * k
		e.chip.Resize(ls.Add(fyne.NewSize(10*k, 2*k)))
		e.chip.Move(fyne.NewPos(mid.X-ls.Width/2-5*k, mid.Y-ls.Height/2-1*k))
		e.label.Move(fyne.NewPos(mid.X-ls.Width/2, mid.Y-ls.Height/2))
		e.line.Refresh()
		e.chip.Refresh()
		e.label.Refresh()
	}
	for c := range r.edges {
		if !seen[c] {
			delete(r.edges, c)
		}
	}

	// The token.
	tok := s.token
	showTok := false
	if tok != nil && r.edges[tok.conn] != nil {
		e := r.edges[tok.conn]
		a, b := e.line.Position1, e.line.Position2
		if tok.dir == sim.S2C {
			a, b = b, a
		}
		// Travel between the edges of the boxes, not their centres, and
		// stop just outside them.
		a, b = shorten(a, b, ns.Add(fyne.NewSize(36*k, 36*k)))
		p := fyne.NewPos(a.X+(b.X-a.X)*tok.progress, a.Y+(b.Y-a.Y)*tok.progress)
		col := protoColor(tok.conn.Proto)
		if tok.wire {
			col = wireColor
		}
		r.tokText.Text = tok.verb
		r.tokText.TextSize = theme.TextSize() * 1.05
		fitText(r.tokText, 260*k)
		ts := r.tokText.MinSize()
		pad := fyne.NewSize(14*k, 8*k)
		w, h := ts.Width+pad.Width, ts.Height+pad.Height
		x := p.X - w/2 + pad.Width/2 // where the next part of the token goes
		var icons []*canvas.Image
		if tok.sealed {
			icons = append(icons, r.tokLock)
		}
		if tok.content {
			icons = append(icons, r.tokIcon)
		}
		iconW := ts.Height * 1.1
		w += float32(len(icons)) * (iconW + 4*k)
		x -= float32(len(icons)) * (iconW + 4*k) / 2
		r.tokBox.FillColor = col
		r.tokBox.StrokeColor = bg
		r.tokBox.StrokeWidth = 2 * k
		r.tokBox.CornerRadius = h / 2
		r.tokBox.Resize(fyne.NewSize(w, h))
		r.tokBox.Move(fyne.NewPos(p.X-w/2, p.Y-h/2))
		for _, ic := range icons {
			ic.Resize(fyne.NewSize(iconW, ts.Height))
			ic.Move(fyne.NewPos(x, p.Y-ts.Height/2))
			ic.Refresh()
			x += iconW + 4*k
		}
		r.tokText.Move(fyne.NewPos(x, p.Y-ts.Height/2))
		r.tokIcons = icons
		r.tokBox.Refresh()
		r.tokText.Refresh()
		showTok = true
	}

	r.objects = r.objects[:0]
	r.objects = append(r.objects, r.bg)
	for _, c := range r.order {
		r.objects = append(r.objects, r.edges[c].line)
	}
	for _, o := range r.nodes {
		r.objects = append(r.objects, o.box, o.icon, o.name, o.sub)
	}
	for _, c := range r.order {
		if r.edges[c].labelled {
			r.objects = append(r.objects, r.edges[c].chip, r.edges[c].label)
		}
	}
	if showTok {
		r.objects = append(r.objects, r.tokBox, r.tokText)
		for _, ic := range r.tokIcons {
			r.objects = append(r.objects, ic)
		}
	}
	canvas.Refresh(r.bg)
}

func maybe(b bool, v float32) float32 {
	if b {
		return v
	}
	return 0
}

// perpendicular returns an offset of length d perpendicular to a→b.
func perpendicular(a, b fyne.Position, d float32) fyne.Position {
	dx, dy := b.X-a.X, b.Y-a.Y
	l := float32(math.Hypot(float64(dx), float64(dy)))
	if l == 0 || d == 0 {
		return fyne.NewPos(0, 0)
	}
	return fyne.NewPos(-dy/l*d, dx/l*d)
}

// shorten moves a and b towards each other so that they sit on the edges
// of boxes of size ns centred on them.
func shorten(a, b fyne.Position, ns fyne.Size) (fyne.Position, fyne.Position) {
	dx, dy := b.X-a.X, b.Y-a.Y
	if dx == 0 && dy == 0 {
		return a, b
	}
	// The fraction of the way at which a ray from a centre leaves its box.
	t := float32(math.Inf(1))
	if dx != 0 {
		t = min(t, ns.Width/2/float32(math.Abs(float64(dx))))
	}
	if dy != 0 {
		t = min(t, ns.Height/2/float32(math.Abs(float64(dy))))
	}
	t = min(t, 0.45)
	return fyne.NewPos(a.X+dx*t, a.Y+dy*t), fyne.NewPos(b.X-dx*t, b.Y-dy*t)
}

// fitText shortens t's text with an ellipsis until it fits width.
func fitText(t *canvas.Text, width float32) {
	if t.MinSize().Width <= width {
		return
	}
	runes := []rune(t.Text)
	for n := len(runes) - 1; n > 0; n-- {
		t.Text = string(runes[:n]) + "…"
		if t.MinSize().Width <= width {
			return
		}
	}
}

func toNRGBA(c color.Color) color.NRGBA {
	return color.NRGBAModel.Convert(c).(color.NRGBA)
}
