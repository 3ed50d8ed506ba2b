package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/sim"
)

// The transcript is the classic C:/S: listing of every line played so
// far, one row per line, each labelled with its connection in the
// protocol's colour. It is a virtual list: only the rows on screen exist.

type transcript struct {
	a    *App
	list *widget.List
}

func newTranscript(a *App) *transcript {
	t := &transcript{a: a}
	t.list = widget.NewList(
		func() int {
			if a.model == nil {
				return 0
			}
			return a.model.LinesShown()
		},
		func() fyne.CanvasObject { return newTranscriptRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*transcriptRow).set(a.model.LineEvent(i), a.model.LineExplained(i).Content)
		},
	)
	t.list.OnSelected = func(i widget.ListItemID) { a.selectLine(i) }
	return t
}

// transcriptRow is one line: a chip with the connection, C: or S:, the text.
type transcriptRow struct {
	widget.BaseWidget
	chip  *canvas.Rectangle
	conn  *canvas.Text
	who   *canvas.Text
	text  *widget.Label
	inner *fyne.Container
}

func newTranscriptRow() *transcriptRow {
	r := &transcriptRow{
		chip: canvas.NewRectangle(color.Black),
		conn: canvas.NewText("c00", color.White),
		who:  canvas.NewText("C:", color.Black),
		text: widget.NewLabel(""),
	}
	r.conn.TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
	r.who.TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
	r.text.TextStyle = fyne.TextStyle{Monospace: true}
	r.text.Truncation = fyne.TextTruncateEllipsis
	chip := container.NewStack(r.chip, container.NewPadded(r.conn))
	r.inner = container.NewBorder(nil, nil, container.NewHBox(chip, container.NewCenter(r.who)), nil, r.text)
	r.ExtendBaseWidget(r)
	return r
}

func (r *transcriptRow) set(e *sim.Event, content bool) {
	col := protoColor(e.Conn.Proto)
	r.chip.FillColor = col
	r.chip.CornerRadius = 4 * scaleOf()
	r.conn.Text = e.Conn.Label()
	r.conn.TextSize = theme.TextSize() * 0.85
	r.who.Text = "C:"
	if e.Dir == sim.S2C {
		r.who.Text = "S:"
	}
	if e.Kind == sim.KindTLS {
		r.who.Text = "~" + r.who.Text // as in text transcripts: on the wire
		content = true                // drawn faint, as content is
	}
	r.who.Color = theme.Color(theme.ColorNameForeground)
	r.who.TextSize = theme.TextSize()
	text := sim.Printable(e.Text)
	if text == "" {
		text = " "
	}
	r.text.SetText(text)
	r.text.Importance = widget.MediumImportance
	if content {
		r.text.Importance = widget.LowImportance
	}
	r.chip.Refresh()
	r.conn.Refresh()
	r.who.Refresh()
	r.text.Refresh()
}

func (r *transcriptRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.inner)
}
