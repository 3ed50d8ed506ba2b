package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
)

// choices returns the quiz's answer buttons, in order.
func choices(a *App) []*widget.Button {
	var out []*widget.Button
	for _, o := range a.quiz.box.Objects {
		if c, ok := o.(*fyne.Container); ok && len(c.Objects) == 2 {
			b, isButton := c.Objects[0].(*widget.Button)
			if _, isText := c.Objects[1].(*widget.RichText); isButton && isText {
				out = append(out, b)
			}
		}
	}
	return out
}

// quizText is everything the quiz shows, as text.
func quizText(a *App) string {
	var b strings.Builder
	for _, o := range a.quiz.box.Objects {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *widget.RichText:
			b.WriteString(richText(w))
		case *fyne.Container:
			for _, c := range w.Objects {
				if r, ok := c.(*widget.RichText); ok {
					b.WriteString(richText(r))
				}
			}
		}
	}
	return b.String()
}

// TestQuiz answers the questions of lesson 4 as a learner would: the quiz
// takes the place of the views at its step, a wrong answer says why and
// gives the right one, the first answer is the one that counts, and the
// score is saved and shown in the lesson list.
func TestQuiz(t *testing.T) {
	a := newTestApp(t, sim.EN)
	if err := a.Load("pop3-delete"); err != nil {
		t.Fatal(err)
	}
	if a.viewsArea.Objects[0] != a.views || a.quizToggle.Visible() {
		t.Fatal("at the start the quiz is shown")
	}
	a.End()
	if a.viewsArea.Objects[0] != a.quiz.scroll {
		t.Fatal("at the last step the quiz is not shown")
	}
	qs := a.model.Script.Steps[len(a.model.Script.Steps)-1].Quiz
	if got := quizText(a); !strings.Contains(got, qs[0].Ask.EN) || !strings.Contains(got, "Question 1 of 3") {
		t.Fatalf("the quiz shows %q", got)
	}
	wrong, right := -1, -1
	for i, c := range qs[0].Choices {
		if c.Correct {
			right = i
		} else if wrong < 0 {
			wrong = i
		}
	}
	b := choices(a)
	if len(b) != len(qs[0].Choices) {
		t.Fatalf("%d answer buttons, want %d", len(b), len(qs[0].Choices))
	}
	test.Tap(b[wrong])
	got := quizText(a)
	for _, want := range []string{"Not quite.", qs[0].Choices[wrong].Why.EN, qs[0].Choices[right].Why.EN} {
		if !strings.Contains(got, want) {
			t.Errorf("after a wrong answer the quiz lacks %q:\n%s", want, got)
		}
	}
	if b := choices(a); b[right].Importance != widget.SuccessImportance || b[wrong].Importance != widget.DangerImportance {
		t.Error("the right and the chosen answers are not marked")
	}
	test.Tap(choices(a)[right]) // a second try does not count
	if p := a.progress.Get("pop3-delete"); p.Correct != 0 || p.Answers[0] != wrong {
		t.Errorf("after a wrong first answer the progress is %+v", p)
	}

	a.quiz.current = 1
	a.quiz.render()
	for i, c := range qs[1].Choices {
		if c.Correct {
			test.Tap(choices(a)[i])
		}
	}
	if !strings.Contains(quizText(a), "Right!") {
		t.Errorf("after the right answer the quiz shows %q", quizText(a))
	}
	p := a.progress.Get("pop3-delete")
	if p.Correct != 1 || len(p.Answers) != 2 || !p.Done {
		t.Errorf("the progress is %+v, want 1 right of 2 answered, done", p)
	}
	if row := listRow(a, "pop3-delete"); !strings.Contains(row, "1 of 3 right") || !strings.Contains(row, "done") {
		t.Errorf("the lesson list row says %q", row)
	}

	// The learner may look at the simulation, and come back.
	test.Tap(a.quizToggle)
	if a.viewsArea.Objects[0] != a.views || a.quizToggle.Text != "Back to the quiz" {
		t.Error("See the simulation does not show the views")
	}
	test.Tap(a.quizToggle)
	if a.viewsArea.Objects[0] != a.quiz.scroll {
		t.Error("Back to the quiz does not show the quiz")
	}
	a.Home()
	if a.viewsArea.Objects[0] != a.views || a.quizToggle.Visible() {
		t.Error("back at the start the quiz is still shown")
	}
}

// listRow is the text of the lesson list's row for id.
func listRow(a *App, id string) string {
	for i, x := range a.lessons.ids {
		if x == id {
			r := widget.NewRichText(&widget.TextSegment{}, &widget.TextSegment{})
			a.lessons.setRow(i, r)
			return richText(r)
		}
	}
	return ""
}

// TestLessonList checks that the list holds the curriculum in order and
// that choosing a row opens that lesson.
func TestLessonList(t *testing.T) {
	a := newTestApp(t, sim.ES)
	if got, want := a.lessons.ids, lessons.IDs(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("the list is %v, want %v", got, want)
	}
	for i, id := range a.lessons.ids {
		if id != "pop3-delete" {
			continue
		}
		a.lessons.list.Select(i)
		if a.scenario != id || a.model.Script.ID != id {
			t.Fatalf("choosing %s opened %s", id, a.scenario)
		}
		if row := listRow(a, id); !strings.HasPrefix(row, "4. POP3: descargar y borrar\nBásico · 3 preguntas") {
			t.Errorf("the row says %q", row)
		}
	}
}

// A small lesson a teacher might write, and the same with a mistake.
const (
	teacherLesson = `id: mine
title: {es: "La mía", en: "Mine"}
steps:
  - say: {es: "Ana escribe", en: "Ana writes"}
    do:
      - send: {device: ana-laptop, to: [beto@otro.org], subject: "Hola"}
    expect:
      - {queue: mail.ejemplo.com, count: 1}
`
	brokenLesson = `id: mine
title: {es: "La mía", en: "Mine"}
steps:
  - say: {es: "Ana escribe", en: "Ana writes"}
    do:
      - send: {device: ana-tablet, to: [beto@otro.org], subject: "Hola"}
`
)

// TestOpenFile opens a teacher's file, then a broken one: the broken one
// shows its problems with their lines and columns, and the lesson shown
// stays as it was.
func TestOpenFile(t *testing.T) {
	a := newTestApp(t, sim.EN)
	if err := a.OpenFile("mine.yaml", []byte(teacherLesson)); err != nil {
		t.Fatal(err)
	}
	if a.model.Script.ID != "mine" {
		t.Fatalf("the file's lesson is not shown: %s", a.model.Script.ID)
	}
	a.NextStep()
	if err := a.OpenFile("broken.yaml", []byte(brokenLesson)); err == nil {
		t.Fatal("a broken file opened without a problem")
	}
	if want := `broken.yaml:6:24: there is no device "ana-tablet"`; a.lastProblems != want {
		t.Errorf("the dialog shows %q, want %q", a.lastProblems, want)
	}
	if a.model.Script.ID != "mine" || a.model.Step() != 1 {
		t.Errorf("after the broken file the app shows %s at step %d", a.model.Script.ID, a.model.Step())
	}
	// An expectation that fails: the lesson is shown, and the problem too.
	failing := strings.Replace(teacherLesson, "count: 1", "count: 2", 1)
	if err := a.OpenFile("failing.yaml", []byte(failing)); err == nil {
		t.Error("a failing expectation was not reported")
	}
	if want := "failing.yaml:8:10: expected 2 messages in the queue of mail.ejemplo.com, found 1"; a.lastProblems != want {
		t.Errorf("the dialog shows %q, want %q", a.lastProblems, want)
	}
}

// TestOpenFileInSpanish opens broken files in the app in Spanish: the
// dialog says what is wrong in Spanish, with each line and column.
func TestOpenFileInSpanish(t *testing.T) {
	a := newTestApp(t, sim.ES)
	if err := a.OpenFile("roto.yaml", []byte(brokenLesson)); err == nil {
		t.Fatal("a broken file opened without a problem")
	}
	want := `roto.yaml:6:24: no existe el dispositivo "ana-tablet"`
	if a.lastProblems != want {
		t.Errorf("the dialog shows %q, want %q", a.lastProblems, want)
	}
	if !overlayShows(a, want) {
		t.Errorf("no label of the dialog shows %q", want)
	}
	failing := strings.Replace(teacherLesson, "count: 1", "count: 2", 1)
	if err := a.OpenFile("falla.yaml", []byte(failing)); err == nil {
		t.Error("a failing expectation was not reported")
	}
	if want := "falla.yaml:8:10: se esperaban 2 mensajes en la cola de mail.ejemplo.com y hay 1"; a.lastProblems != want {
		t.Errorf("the dialog shows %q, want %q", a.lastProblems, want)
	}
	bad := strings.Replace(teacherLesson, "subject:", "subjet:", 1)
	a.OpenFile("tecla.yaml", []byte(bad))
	if want := `tecla.yaml:6:57: clave desconocida "subjet" (revisa cómo está escrita y su sangría)`; a.lastProblems != want {
		t.Errorf("the dialog shows %q, want %q", a.lastProblems, want)
	}
}

// overlayShows reports whether a label on the window's top overlay (a
// dialog) shows text.
func overlayShows(a *App, text string) bool {
	top := a.win.Canvas().Overlays().Top()
	if top == nil {
		return false
	}
	found := false
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text == text {
			found = true
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, o := range c.Objects {
				walk(o)
			}
		}
		if w, ok := o.(fyne.Widget); ok {
			for _, o := range test.WidgetRenderer(w).Objects() {
				walk(o)
			}
		}
	}
	walk(top)
	return found
}

// TestDropFile drops a lesson file, and a file that is not one, on the
// window.
func TestDropFile(t *testing.T) {
	a := newTestApp(t, sim.EN)
	dir := t.TempDir()
	lesson := filepath.Join(dir, "mine.yaml")
	other := filepath.Join(dir, "notes.txt")
	for name, data := range map[string]string{lesson: teacherLesson, other: "id: x"} {
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(other)})
	if a.model.Script.ID != "tour" {
		t.Fatalf("dropping a text file opened %s", a.model.Script.ID)
	}
	a.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(other), storage.NewFileURI(lesson)})
	if a.model.Script.ID != "mine" {
		t.Errorf("dropping a lesson file shows %s", a.model.Script.ID)
	}
}

// TestEveryLesson shows every built-in lesson at each step in both
// languages: the narration is the step's, and the quiz appears exactly at
// the steps that have one.
func TestEveryLesson(t *testing.T) {
	a := newTestApp(t, sim.EN)
	for _, id := range lessons.IDs() {
		if err := a.Load(id); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for _, l := range sim.Langs {
			if a.lang != l {
				a.ToggleLang()
			}
			a.Home()
			for step := 1; step <= a.model.Steps(); step++ {
				a.NextStep()
				say := strings.Join(strings.Fields(a.model.Script.Steps[step-1].Say.In(l)), " ")
				if got := richText(a.narration); got != say+"\n" {
					t.Errorf("%s step %d (%s): the narration is %q", id, step, l, got)
				}
				hasQuiz := len(a.model.Script.Steps[step-1].Quiz) > 0
				if shown := a.viewsArea.Objects[0] == a.quiz.scroll; shown != hasQuiz {
					t.Errorf("%s step %d: quiz shown %v, the step has one: %v", id, step, shown, hasQuiz)
				}
			}
		}
	}
}

// TestClock follows the world's virtual clock: it shows the start of the
// day at the start, and a day later once the lesson has waited a day, in
// the language of the window.
func TestClock(t *testing.T) {
	a := newTestApp(t, sim.EN)
	if err := a.Load("pop3-keep"); err != nil {
		t.Fatal(err)
	}
	a.Home()
	start := a.model.Now()
	if want := "Simulated time: " + clockText(start, sim.EN); a.clock.Text != want {
		t.Errorf("at the start the clock shows %q, want %q", a.clock.Text, want)
	}
	waited := -1 // the first step that waits a day
	for i, st := range a.model.Script.Steps {
		for _, act := range st.Do {
			if act.Wait != nil && waited < 0 {
				waited = i + 1
			}
		}
	}
	if waited < 0 {
		t.Fatal("pop3-keep no longer waits: choose another lesson for this test")
	}
	a.seek(a.model.StepEnd(waited))
	if d := a.model.Now().Sub(start); d < 24*time.Hour {
		t.Errorf("after waiting a day the clock moved %v", d)
	}
	a.ToggleLang()
	if want := "Hora simulada: " + clockText(a.model.Now(), sim.ES); a.clock.Text != want {
		t.Errorf("in Spanish the clock shows %q, want %q", a.clock.Text, want)
	}
}

func TestClockText(t *testing.T) {
	at := time.Date(2026, time.March, 4, 7, 5, 9, 0, time.UTC)
	for _, tc := range []struct {
		lang sim.Lang
		want string
	}{
		{sim.EN, "Wednesday 4 March, 07:05:09"},
		{sim.ES, "miércoles 4 de marzo, 07:05:09"},
	} {
		if got := clockText(at, tc.lang); got != tc.want {
			t.Errorf("clockText(%s) = %q, want %q", tc.lang, got, tc.want)
		}
	}
}
