package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/sim/world"
)

// The quiz view asks a step's questions, one at a time. Choosing an answer
// shows whether it is right and why, and the why of the right one; the
// first answer to each question counts for the lesson's score, which is
// saved at once.

type quizView struct {
	a       *App
	box     *fyne.Container
	scroll  *container.Scroll
	step    int // the step whose questions are shown
	current int // the question shown
	chosen  map[int]int
}

func newQuizView(a *App) *quizView {
	q := &quizView{a: a, box: container.NewVBox(), chosen: make(map[int]int)}
	q.scroll = container.NewVScroll(container.NewPadded(q.box))
	return q
}

// questionNumber is the number of question i of step (0-based) in the
// whole lesson, the key of its answer in the progress.
func questionNumber(s *world.Script, step, i int) int {
	n := 0
	for k := 0; k < step-1 && k < len(s.Steps); k++ {
		n += len(s.Steps[k].Quiz)
	}
	return n + i
}

// show shows the questions of step (1-based) of the model's script.
func (q *quizView) show(step int) {
	m := q.a.model
	if step != q.step {
		q.step, q.current = step, 0
		q.chosen = make(map[int]int)
		// Answers given before (in an earlier session) are shown as given.
		prog := q.a.progress.Get(m.Script.ID)
		for i := range m.Script.Steps[step-1].Quiz {
			if c, ok := prog.Answers[questionNumber(m.Script, step, i)]; ok {
				q.chosen[i] = c
			}
		}
	}
	q.render()
}

func (q *quizView) render() {
	a, l := q.a, q.a.lang
	questions := a.model.Script.Steps[q.step-1].Quiz
	qu := questions[q.current]
	var objs []fyne.CanvasObject
	title := widget.NewLabelWithStyle(assets.T(l, "pane.quiz")+" · "+assets.T(l, "quiz.question", q.current+1, len(questions)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	ask := widget.NewRichText(&widget.TextSegment{Text: qu.Ask.In(l), Style: block(widget.RichTextStyleSubHeading)})
	ask.Wrapping = fyne.TextWrapWord
	objs = append(objs, title, ask)
	chosen, answered := q.chosen[q.current]
	for i, ch := range qu.Choices {
		imp, fg := widget.MediumImportance, theme.ColorNameForeground
		if answered {
			switch {
			case ch.Correct:
				imp, fg = widget.SuccessImportance, theme.ColorNameForegroundOnSuccess
			case i == chosen:
				imp, fg = widget.DangerImportance, theme.ColorNameForegroundOnError
			default:
				imp = widget.LowImportance
			}
		}
		objs = append(objs, choiceCard(fmt.Sprintf("%c) %s", 'a'+i, ch.Text.In(l)), imp, fg, func() { q.choose(i) }))
	}
	if answered {
		key := "quiz.wrong"
		if qu.Choices[chosen].Correct {
			key = "quiz.right"
		}
		verdict := widget.NewRichText(
			&widget.TextSegment{Text: assets.T(l, key), Style: block(widget.RichTextStyleStrong)},
			&widget.TextSegment{Text: qu.Choices[chosen].Why.In(l), Style: widget.RichTextStyleParagraph},
		)
		if !qu.Choices[chosen].Correct {
			for _, ch := range qu.Choices {
				if ch.Correct {
					verdict.Segments = append(verdict.Segments,
						&widget.TextSegment{Text: assets.T(l, "quiz.answer", ch.Text.In(l)), Style: block(widget.RichTextStyleStrong)},
						&widget.TextSegment{Text: ch.Why.In(l), Style: widget.RichTextStyleParagraph})
				}
			}
		}
		verdict.Wrapping = fyne.TextWrapWord
		objs = append(objs, verdict)
	}
	nav := container.NewHBox()
	if q.current > 0 {
		nav.Add(widget.NewButtonWithIcon(assets.T(l, "quiz.previous"), theme.NavigateBackIcon(), func() { q.current--; q.render(); a.unfocus() }))
	}
	if q.current < len(questions)-1 {
		nav.Add(widget.NewButtonWithIcon(assets.T(l, "quiz.next"), theme.NavigateNextIcon(), func() { q.current++; q.render(); a.unfocus() }))
	}
	prog := a.progress.Get(a.model.Script.ID)
	nav.Add(widget.NewLabel(assets.T(l, "quiz.score", prog.Correct, totalQuestions(a.model.Script))))
	objs = append(objs, nav)
	q.box.Objects = objs
	q.box.Refresh()
}

// choiceCard is an answer to tap: a button behind text that wraps, so a
// long answer stays whole at any width.
func choiceCard(text string, imp widget.Importance, fg fyne.ThemeColorName, tap func()) fyne.CanvasObject {
	b := widget.NewButton("", tap)
	b.Importance = imp
	r := widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{ColorName: fg, SizeName: theme.SizeNameSubHeadingText}})
	r.Wrapping = fyne.TextWrapWord
	return container.NewStack(b, r)
}

// choose answers the current question with choice i.
func (q *quizView) choose(i int) {
	a := q.a
	q.chosen[q.current] = i
	qu := a.model.Script.Steps[q.step-1].Quiz[q.current]
	if err := a.progress.Answer(a.model.Script.ID, questionNumber(a.model.Script, q.step, q.current), i, qu.Choices[i].Correct); err != nil {
		fyne.LogError("save progress", err)
	}
	q.render()
	a.lessons.refresh()
	a.unfocus()
}

// totalQuestions is the number of quiz questions of a script.
func totalQuestions(s *world.Script) int {
	n := 0
	for _, st := range s.Steps {
		n += len(st.Quiz)
	}
	return n
}
