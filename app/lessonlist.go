package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/world"
)

// The lesson list shows the curriculum in order, then the other built-in
// scenarios, each with its level and what the learner has done: followed
// to the end, and the quiz score. Choosing one opens it.

type lessonList struct {
	a       *App
	ids     []string
	scripts map[string]*world.Script
	list    *widget.List
	syncing bool // selecting the current lesson from code, not by a click
}

func newLessonList(a *App) *lessonList {
	v := &lessonList{a: a, scripts: make(map[string]*world.Script)}
	for _, s := range lessons.Builtins() {
		v.ids = append(v.ids, s.ID)
		v.scripts[s.ID] = s
	}
	v.list = widget.NewList(
		func() int { return len(v.ids) },
		func() fyne.CanvasObject {
			r := widget.NewRichText(&widget.TextSegment{}, &widget.TextSegment{})
			r.Truncation = fyne.TextTruncateEllipsis
			return r
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { v.setRow(i, o.(*widget.RichText)) },
	)
	v.list.OnSelected = func(i widget.ListItemID) {
		if v.syncing {
			return
		}
		if id := v.ids[i]; id != a.scenario {
			a.open(id)
		}
		a.unfocus()
	}
	return v
}

func (v *lessonList) setRow(i int, r *widget.RichText) {
	l := v.a.lang
	s := v.scripts[v.ids[i]]
	title := s.Title.In(l)
	if s.Order > 0 {
		title = fmt.Sprintf("%d. %s", s.Order, title)
	}
	detail := assets.T(l, "lessons.scenario")
	if s.Level != "" {
		detail = assets.T(l, "level."+s.Level)
	}
	p := v.a.progress.Get(s.ID)
	if p.Done {
		detail += " · " + assets.T(l, "lessons.done")
	}
	switch n := totalQuestions(s); {
	case n > 0 && len(p.Answers) > 0:
		detail += " · " + assets.T(l, "quiz.score", p.Correct, n)
	case n > 0:
		detail += " · " + assets.T(l, "quiz.count", n)
	}
	r.Segments[0].(*widget.TextSegment).Text = title
	r.Segments[0].(*widget.TextSegment).Style = block(widget.RichTextStyleStrong)
	r.Segments[1].(*widget.TextSegment).Text = detail
	r.Segments[1].(*widget.TextSegment).Style = widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder}
	r.Refresh()
}

// refresh redraws the rows and selects the lesson shown.
func (v *lessonList) refresh() {
	v.syncing = true
	defer func() { v.syncing = false }()
	v.list.UnselectAll()
	for i, id := range v.ids {
		if id == v.a.scenario {
			v.list.Select(i)
		}
	}
	v.list.Refresh()
}
