package app

import (
	"fmt"
	"image/color"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/sim"
)

// The mailbox view shows what every server keeps (each account's folders
// with their messages: UID, flags, size, sender, subject), every server's
// outbound queue, and what every device keeps locally. What changed in the
// current step is highlighted: arrived, flag set, downloaded, and removed
// (a removed message stays in the list, struck through, until the step
// ends). It is one virtual list, so ten thousand messages cost only the
// rows on screen.

type rowKind uint8

const (
	rowAccount rowKind = iota
	rowFolder
	rowMessage
	rowQueue
	rowQueued
	rowDevice
	rowItem
)

// mailRow is one row of the mailbox view.
type mailRow struct {
	kind   rowKind
	title  string // account, folder name, host or device id
	detail string
	count  int
	msg    *sim.MessageState // these point into the state the rows were built from
	item   *sim.DeviceItem
	queued *sim.QueueEntry
	change sim.Op // what happened to it in this step, or 0
	gone   bool   // removed in this step
}

type mailboxes struct {
	a    *App
	rows []mailRow
	list *widget.List
}

func newMailboxes(a *App) *mailboxes {
	v := &mailboxes{a: a}
	v.list = widget.NewList(
		func() int { return len(v.rows) },
		func() fyne.CanvasObject { return newMailRowWidget() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*mailRowWidget).set(&v.rows[i], a.lang, a.deviceLabel)
		},
	)
	v.list.OnSelected = func(widget.ListItemID) {
		v.list.UnselectAll()
		a.unfocus()
	}
	return v
}

// update rebuilds the rows from the model's state and the current step's
// changes.
func (v *mailboxes) update() {
	m := v.a.model
	if m == nil {
		v.rows = nil
		v.list.Refresh()
		return
	}
	v.rows = buildRows(m, v.rows[:0])
	v.list.Refresh()
}

// rowKey names what a row shows, to find what happened to it.
type rowKey struct {
	kind rowKind
	a, b string // account and mailbox, host and queue id, device and key
	uid  uint32
}

// buildRows lays out the state of the model's position as rows, appended
// to rows (an old slice to reuse).
func buildRows(m *Model, rows []mailRow) []mailRow {
	st := m.State()
	changes := m.Changes()
	changed := make(map[rowKey]sim.Op)
	ghosts := make(map[rowKey][]mailRow) // removed things, by the key of their parent row
	var before *sim.State
	added := make(map[rowKey]sim.MsgInfo) // messages added in this step
	note := func(k rowKey, op sim.Op) {
		if old, ok := changed[k]; !ok || isRemoval(op) || old == 0 {
			changed[k] = op
		}
	}
	for _, e := range changes {
		c := e.Change
		switch c.Op {
		case sim.OpAppend:
			k := rowKey{rowMessage, c.Account, c.Mailbox, c.UID}
			added[k] = *c.Msg
			note(k, c.Op)
		case sim.OpFlags:
			note(rowKey{rowMessage, c.Account, c.Mailbox, c.UID}, c.Op)
		case sim.OpExpunge:
			k := rowKey{rowMessage, c.Account, c.Mailbox, c.UID}
			note(k, c.Op)
			info, ok := added[k]
			if !ok {
				if before == nil {
					before = m.StepStartState()
				}
				if a := before.Accounts[c.Account]; a != nil && a.Mailboxes[c.Mailbox] != nil {
					mb := a.Mailboxes[c.Mailbox]
					if i := mb.Find(c.UID); i >= 0 {
						info = mb.Messages[i].Info
					}
				}
			}
			parent := rowKey{kind: rowFolder, a: c.Account, b: c.Mailbox}
			ghosts[parent] = append(ghosts[parent], mailRow{kind: rowMessage, msg: &sim.MessageState{UID: c.UID, Info: info}, change: c.Op, gone: true})
		case sim.OpMailboxCreate:
			note(rowKey{kind: rowFolder, a: c.Account, b: c.Mailbox}, c.Op)
		case sim.OpQueueAdd:
			note(rowKey{kind: rowQueued, a: c.Host, b: c.QueueID}, c.Op)
		case sim.OpQueueRemove:
			note(rowKey{kind: rowQueued, a: c.Host, b: c.QueueID}, c.Op)
			if before == nil {
				before = m.StepStartState()
			}
			entry := sim.QueueEntry{ID: c.QueueID}
			for _, q := range before.Queues[c.Host] {
				if q.ID == c.QueueID {
					entry = q
				}
			}
			for _, e2 := range changes { // queued and sent in this very step
				if e2.Change.Op == sim.OpQueueAdd && e2.Change.QueueID == c.QueueID {
					entry = sim.QueueEntry{ID: c.QueueID, Info: *e2.Change.Msg}
				}
			}
			qk := rowKey{kind: rowQueue, a: c.Host}
			ghosts[qk] = append(ghosts[qk], mailRow{kind: rowQueued, queued: &entry, change: c.Op, gone: true, detail: c.Result})
		case sim.OpDeviceAdd, sim.OpDeviceFlags:
			note(rowKey{kind: rowItem, a: c.Host, b: c.Key}, c.Op)
		case sim.OpDeviceRemove:
			note(rowKey{kind: rowItem, a: c.Host, b: c.Key}, c.Op)
			dk := rowKey{kind: rowDevice, a: c.Host}
			ghosts[dk] = append(ghosts[dk], mailRow{kind: rowItem, item: &sim.DeviceItem{Key: c.Key, Mailbox: c.Mailbox, UID: c.UID}, change: c.Op, gone: true})
		}
	}

	// Servers, in the world's order, with their accounts.
	var hosts []string
	for _, d := range m.Spec.Domains {
		if !contains(hosts, d.Server) {
			hosts = append(hosts, d.Server)
		}
	}
	for _, h := range hosts {
		for _, addr := range st.AccountNames() {
			acct := st.Accounts[addr]
			if acct.Host != h {
				continue
			}
			rows = append(rows, mailRow{kind: rowAccount, title: addr, detail: h})
			for _, name := range acct.MailboxNames() {
				mb := acct.Mailboxes[name]
				fk := rowKey{kind: rowFolder, a: addr, b: name}
				rows = append(rows, mailRow{kind: rowFolder, title: name, count: len(mb.Messages), change: changed[fk]})
				rows = mergeGhosts(rows, mb.Messages, ghosts[fk], func(msg *sim.MessageState) mailRow {
					r := mailRow{kind: rowMessage, msg: msg}
					if len(changed) > 0 {
						r.change = changed[rowKey{rowMessage, addr, name, msg.UID}]
					}
					return r
				})
			}
		}
		qk := rowKey{kind: rowQueue, a: h}
		if q := st.Queues[h]; len(q) > 0 || len(ghosts[qk]) > 0 {
			rows = append(rows, mailRow{kind: rowQueue, title: h, count: len(q)})
			for i := range q {
				rows = append(rows, mailRow{kind: rowQueued, queued: &q[i], change: changed[rowKey{kind: rowQueued, a: h, b: q[i].ID}]})
			}
			rows = append(rows, ghosts[qk]...)
		}
	}
	// Devices, in the world's order.
	for _, d := range m.Spec.Devices {
		ds := st.Devices[d.ID]
		dk := rowKey{kind: rowDevice, a: d.ID}
		n := 0
		if ds != nil {
			n = len(ds.Items)
		}
		rows = append(rows, mailRow{kind: rowDevice, title: d.ID, detail: strings.ToLower(d.Account), count: n})
		if ds != nil {
			for i := range ds.Items {
				r := mailRow{kind: rowItem, item: &ds.Items[i]}
				if len(changed) > 0 {
					r.change = changed[rowKey{kind: rowItem, a: d.ID, b: ds.Items[i].Key}]
				}
				rows = append(rows, r)
			}
		}
		rows = append(rows, ghosts[dk]...)
	}
	return rows
}

// mergeGhosts appends the messages and the ghosts of removed ones in UID
// order.
func mergeGhosts(rows []mailRow, msgs []sim.MessageState, ghosts []mailRow, row func(*sim.MessageState) mailRow) []mailRow {
	sort.Slice(ghosts, func(i, j int) bool { return ghosts[i].msg.UID < ghosts[j].msg.UID })
	g := 0
	for i := range msgs {
		for g < len(ghosts) && ghosts[g].msg.UID < msgs[i].UID {
			rows = append(rows, ghosts[g])
			g++
		}
		rows = append(rows, row(&msgs[i]))
	}
	return append(rows, ghosts[g:]...)
}

func isRemoval(op sim.Op) bool {
	return op == sim.OpExpunge || op == sim.OpQueueRemove || op == sim.OpDeviceRemove || op == sim.OpMailboxDelete
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// twoColumns reports whether the row's first line has columns (UID,
// flags, size): the rows of messages.
func (r *mailRow) twoColumns() bool {
	return r.kind == rowMessage || r.kind == rowQueued || r.kind == rowItem
}

// mailRowWidget draws one row: a highlight, an indented title and columns.
type mailRowWidget struct {
	widget.BaseWidget
	bg     *canvas.Rectangle
	strike *canvas.Line
	texts  [4]*canvas.Text // title or UID, flags, size; then the detail
	row    *mailRow
}

func newMailRowWidget() *mailRowWidget {
	w := &mailRowWidget{bg: canvas.NewRectangle(color.Transparent), strike: canvas.NewLine(color.Black)}
	for i := range w.texts {
		w.texts[i] = canvas.NewText("", color.Black)
	}
	w.ExtendBaseWidget(w)
	return w
}

func (w *mailRowWidget) set(r *mailRow, l sim.Lang, deviceLabel func(id string) string) {
	w.row = r
	for _, t := range w.texts {
		t.Text = ""
		t.TextStyle = fyne.TextStyle{}
	}
	t := w.texts
	switch r.kind {
	case rowAccount:
		t[0].Text = r.title
		t[0].TextStyle.Bold = true
		t[3].Text = assets.T(l, "mailbox.on", r.detail)
	case rowFolder:
		t[0].Text = assets.T(l, "mailbox.folder", r.title)
		t[0].TextStyle.Bold = true
		t[3].Text = countText(l, "mailbox.n", r.count)
	case rowMessage:
		t[0].Text = "UID " + fmt.Sprint(r.msg.UID)
		t[1].Text = strings.Join(r.msg.Flags, " ")
		t[2].Text = sizeText(r.msg.Info.Size)
		t[3].Text = fromSubject(r.msg.Info)
		if r.gone {
			t[1].Text = assets.T(l, "mailbox.expunged")
		}
	case rowQueue:
		t[0].Text = assets.T(l, "mailbox.queue", r.title)
		t[0].TextStyle.Bold = true
		t[3].Text = countText(l, "mailbox.queued", r.count)
	case rowQueued:
		// Where the message stands goes first on the long line, where
		// the pane is never too narrow for it.
		t[0].Text = r.queued.ID
		t[2].Text = sizeText(r.queued.Info.Size)
		status := ""
		switch {
		case r.gone && r.detail == "expired":
			status = assets.T(l, "mailbox.expired")
		case r.gone:
			status = assets.T(l, "mailbox.sent")
		case r.queued.Try != nil:
			status = retryText(l, r.queued.Try)
		}
		if status != "" {
			status += " · "
		}
		t[3].Text = status + "<" + r.queued.Info.MailFrom + "> ⟶ <" + strings.Join(r.queued.Info.RcptTo, ">, <") + ">  " + r.queued.Info.Subject
	case rowDevice:
		t[0].Text = deviceLabel(r.title)
		t[0].TextStyle.Bold = true
		t[3].Text = assets.T(l, "mailbox.device", r.detail, countText(l, "mailbox.kept", r.count))
	case rowItem:
		t[0].Text = r.item.Key
		switch {
		case r.gone:
			t[1].Text = assets.T(l, "mailbox.dropped")
		case r.item.Partial:
			t[1].Text = assets.T(l, "mailbox.header_only")
		default:
			t[1].Text = strings.Join(r.item.Flags, " ")
		}
		t[2].Text = sizeText(r.item.Info.Size)
		t[3].Text = fromSubject(r.item.Info)
	}
	w.Refresh()
}

// countText words a count with the catalogue's keys key.0, key.1 and key.n.
func countText(l sim.Lang, key string, n int) string {
	switch n {
	case 0:
		return assets.T(l, key+".0")
	case 1:
		return assets.T(l, key+".1")
	}
	return assets.T(l, key+".n", n)
}

func fromSubject(m sim.MsgInfo) string {
	switch {
	case m.From == "":
		return m.Subject
	case m.Subject == "":
		return m.From
	}
	return m.From + " — " + m.Subject
}

// retryText says where a queued message stands after failed attempts: how
// many, and when the next one is due ("2 failed; next: Mon 10:30").
func retryText(l sim.Lang, t *sim.QueueTry) string {
	when := t.Next.Format("15:04")
	if days := strings.Split(assets.T(l, "clock.weekdays_short"), ","); len(days) == 7 {
		when = days[t.Next.Weekday()] + " " + when
	}
	if t.Attempts == 1 {
		return assets.T(l, "mailbox.retry.1", when)
	}
	return assets.T(l, "mailbox.retry.n", t.Attempts, when)
}

func sizeText(n int) string {
	switch {
	case n == 0:
		return ""
	case n < 10*1024:
		return fmt.Sprintf("%d B", n)
	case n < 10*1024*1024:
		return fmt.Sprintf("%d KB", n/1024)
	}
	return fmt.Sprintf("%d MB", n/1024/1024)
}

func (w *mailRowWidget) CreateRenderer() fyne.WidgetRenderer {
	objs := []fyne.CanvasObject{w.bg}
	for _, t := range w.texts {
		objs = append(objs, t)
	}
	objs = append(objs, w.strike)
	return &mailRowRenderer{w: w, objects: objs}
}

type mailRowRenderer struct {
	w       *mailRowWidget
	objects []fyne.CanvasObject
}

func (r *mailRowRenderer) Destroy()                     {}
func (r *mailRowRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *mailRowRenderer) MinSize() fyne.Size {
	return fyne.NewSize(200, theme.TextSize()*3.0)
}

func (r *mailRowRenderer) Layout(s fyne.Size) {
	w := r.w
	row := w.row
	fg := theme.Color(theme.ColorNameForeground)
	k := scaleOf()
	w.bg.Resize(s)
	w.bg.FillColor = color.Transparent
	if row != nil && row.change != 0 {
		w.bg.FillColor = changeColor(row.change)
	}
	indent := float32(0)
	if row != nil {
		switch row.kind {
		case rowFolder:
			indent = 12 * k
		case rowMessage, rowQueued, rowItem:
			indent = 28 * k
		}
	}
	for _, t := range w.texts {
		t.TextSize = theme.TextSize() * 0.9
		t.Color = fg
		if row != nil && row.gone {
			t.Color = faded(toNRGBA(fg), 0.55)
		}
	}
	// Two lines: the title (or UID, flags and size), then the detail (or
	// sender and subject).
	th := w.texts[0].MinSize().Height
	top := (s.Height - 2*th) / 2
	x := 6*k + indent
	widths := []float32{max(w.texts[0].MinSize().Width, 64*k) + 12*k, 0, 70 * k}
	widths[1] = max(s.Width-x-widths[0]-widths[2]-6*k, 40)
	if row != nil && !row.twoColumns() {
		widths = []float32{s.Width - x - 6*k, 0, 0}
	}
	for i, cw := range widths {
		w.texts[i].Move(fyne.NewPos(x, top))
		fitText(w.texts[i], cw-8*k)
		x += cw
	}
	w.texts[3].Move(fyne.NewPos(6*k+indent, top+th))
	fitText(w.texts[3], s.Width-indent-12*k)
	w.texts[3].Color = faded(toNRGBA(w.texts[3].Color), 0.8)
	w.strike.StrokeColor = faded(toNRGBA(fg), 0.6)
	w.strike.StrokeWidth = 1.5 * k
	w.strike.Hidden = row == nil || !row.gone
	w.strike.Position1 = fyne.NewPos(indent+4*k, s.Height/2)
	w.strike.Position2 = fyne.NewPos(s.Width-4*k, s.Height/2)
	for _, o := range r.objects {
		o.Refresh()
	}
}

func (r *mailRowRenderer) Refresh() { r.Layout(r.w.Size()) }
