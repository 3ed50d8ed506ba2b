package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/explain"
)

// The explanation pane says what the selected line (or the line just
// played) means: its entry in the catalogue with the RFC that defines it,
// the protocol state before and after it, and the other things the line
// mentions.

type explainView struct {
	a      *App
	text   *widget.RichText
	scroll *container.Scroll
}

func newExplainView(a *App) *explainView {
	v := &explainView{a: a, text: widget.NewRichText()}
	v.text.Wrapping = fyne.TextWrapWord
	v.scroll = container.NewVScroll(v.text)
	return v
}

// show explains line row i of the model, or says how to choose one when i
// is negative.
func (v *explainView) show(i int) {
	l := v.a.lang
	if v.a.model == nil || i < 0 || i >= v.a.model.LinesShown() {
		v.text.Segments = []widget.RichTextSegment{
			&widget.TextSegment{Text: assets.T(l, "explain.hint"), Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder, Inline: false}},
		}
		v.text.Refresh()
		return
	}
	e := v.a.model.LineEvent(i)
	x := v.a.model.LineExplained(i)
	who := "C: "
	if e.Dir == sim.S2C {
		who = "S: "
	}
	if e.Kind == sim.KindTLS {
		who = "~" + who
	}
	segs := []widget.RichTextSegment{
		&widget.TextSegment{Text: e.Conn.Label() + " " + who + sim.Printable(e.Text), Style: widget.RichTextStyle{TextStyle: fyne.TextStyle{Monospace: true}, ColorName: theme.ColorNamePrimary}},
	}
	add := func(en *explain.Entry, heading bool) {
		if en == nil {
			return
		}
		style := block(widget.RichTextStyleStrong)
		if heading {
			style = block(widget.RichTextStyleSubHeading)
		}
		segs = append(segs,
			&widget.TextSegment{Text: en.Title.In(l), Style: style},
			&widget.TextSegment{Text: en.Text.In(l), Style: widget.RichTextStyleParagraph},
			&widget.TextSegment{Text: en.RFC, Style: widget.RichTextStyle{TextStyle: fyne.TextStyle{Italic: true}, ColorName: theme.ColorNamePlaceHolder}},
		)
	}
	if x.Content {
		segs = append(segs,
			&widget.TextSegment{Text: assets.T(l, "explain.content.title"), Style: block(widget.RichTextStyleSubHeading)},
			&widget.TextSegment{Text: assets.T(l, "explain.content.text"), Style: widget.RichTextStyleParagraph},
		)
	}
	add(x.Main, true)
	if x.Decoded != "" {
		segs = append(segs, &widget.TextSegment{Text: assets.T(l, "explain.decoded", x.Decoded), Style: widget.RichTextStyle{TextStyle: fyne.TextStyle{Monospace: true}, ColorName: theme.ColorNameError, Inline: false}})
	}
	if x.Before.ID != "" {
		state := x.Before.Name(l)
		if x.After.ID != x.Before.ID {
			state += " ⟶ " + x.After.Name(l)
		}
		segs = append(segs, &widget.TextSegment{Text: assets.T(l, "explain.state", state), Style: widget.RichTextStyleParagraph})
	}
	for _, en := range x.Extra {
		add(en, false)
	}
	v.text.Segments = segs
	v.text.Refresh()
	v.scroll.ScrollToTop()
}

// block returns style standing on its own line.
func block(style widget.RichTextStyle) widget.RichTextStyle {
	style.Inline = false
	return style
}
