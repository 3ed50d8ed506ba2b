// Package app is MailScope's desktop application, built with Fyne: a
// player over a trace of a scenario, with the stage, the ladder and the
// transcript, the explanation of each line, the mailboxes and devices, and
// the narration. The views read the simulation only through the trace (via
// Model); nothing here touches a server.
package app

import (
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// Options configures the application. Zero values mean: as the user left
// it last time (Fyne preferences), or a sensible default.
type Options struct {
	Lang     sim.Lang // "" = remembered, else the system's language
	Scale    float32  // presenter scale, 0 = remembered (1..2.5)
	Theme    string   // "light", "dark", or "" = remembered, else the desktop's
	Scenario string   // a built-in scenario id or a lesson file; "" = remembered or "tour"
	Step     int      // show the end of this step; -1 = the remembered position
	Size     fyne.Size
	// Eavesdropper starts with the views showing what an eavesdropper on
	// the wire sees.
	Eavesdropper bool
	// Background runs the scenario off the UI thread, so that the window
	// shows at once and fills in a moment later (see Ready).
	Background bool
	// ReadOnly uses the remembered settings and progress but changes
	// neither: a screenshot must not mark a lesson done or move the
	// position a learner will come back to.
	ReadOnly bool
}

// Preference keys.
const (
	prefLang     = "lang"
	prefTheme    = "theme"
	prefScale    = "scale"
	prefSpeed    = "speed"
	prefScenario = "scenario"
	prefPos      = "pos."
	prefSidebar  = "sidebar"
)

// The speeds the player offers.
var speeds = []float64{0.25, 0.5, 1, 1.5, 2, 3, 4}

// How long a beat takes to travel at 1×.
const (
	lineDuration    = 700 * time.Millisecond
	contentDuration = 1200 * time.Millisecond
)

// App is the main window and its state.
type App struct {
	fa    fyne.App
	win   fyne.Window
	prefs fyne.Preferences

	lang     sim.Lang
	dark     bool
	scale    float32
	speed    float64
	scenario string
	model    *Model

	stage        *stage
	ladder       *ladder
	transcript   *transcript
	explain      *explainView
	mail         *mailboxes
	narration    *widget.RichText
	title        *widget.Label
	lessons      *lessonList
	quiz         *quizView
	progress     *Progress
	viewsArea    *fyne.Container // the views, or the quiz of the step
	eaves        *widget.Check   // the rows and tokens an eavesdropper sees
	views        fyne.CanvasObject
	quizHidden   bool            // the learner chose to look at the views during a quiz
	quizToggle   *widget.Button  // under the narration: back to the quiz
	sidebar      *fyne.Container // the lesson list, or nothing when hidden
	lastProblems string          // the text of the last problems dialog
	stepLabel    *widget.Label
	clock        *widget.Label // the world's virtual time at the position
	scrub        *widget.Slider
	scrubbing    bool
	speedSel     *widget.Select
	buttons      map[string]*widget.Button
	toolbar      *fyne.Container
	toolbarParts [3]fyne.CanvasObject // the left group, the scrub bar, the right group
	tabs         *container.AppTabs
	panes        map[string]*widget.Label

	ready chan struct{} // closed when the first scenario is shown

	selected int  // the line row the explanation shows, or -1 to follow playback
	playing  bool // playing continuously (until the end of the step)
	anim     *fyne.Animation
	animDone func() // finishes the running animation at once
}

// New builds the application window on fa (a real app, or Fyne's test
// app) and loads a scenario.
func New(fa fyne.App, opts Options) (*App, error) {
	a := &App{fa: fa, prefs: fa.Preferences(), selected: -1, buttons: make(map[string]*widget.Button), panes: make(map[string]*widget.Label)}
	if opts.ReadOnly {
		a.prefs = readOnlyPrefs{a.prefs}
	}
	a.lang = opts.Lang
	if a.lang == "" {
		if l, ok := sim.ParseLang(a.prefs.String(prefLang)); ok {
			a.lang = l
		} else {
			a.lang = assets.SystemLang()
		}
	}
	switch t := opts.Theme; {
	case t == "dark" || t == "light":
		a.dark = t == "dark"
	case a.prefs.String(prefTheme) != "":
		a.dark = a.prefs.String(prefTheme) == "dark"
	default:
		a.dark = fa.Settings().ThemeVariant() == theme.VariantDark
	}
	a.scale = opts.Scale
	if a.scale == 0 {
		a.scale = float32(a.prefs.FloatWithFallback(prefScale, 1))
	}
	a.scale = min(max(a.scale, minScale), maxScale)
	a.speed = a.prefs.FloatWithFallback(prefSpeed, 1)
	fa.Settings().SetTheme(newTheme(a.dark, a.scale))
	fa.SetIcon(fyne.NewStaticResource("mailscope.png", assets.Icon()))

	a.win = fa.NewWindow(assets.T(a.lang, "app.title"))
	var err error
	if a.progress, err = OpenProgress(filepath.Join(fa.Storage().RootURI().Path(), "progress.json")); err != nil {
		fyne.LogError("progress", err)
	}
	if opts.ReadOnly {
		a.progress.inMemory()
	}
	size := opts.Size
	if size.IsZero() {
		size = fyne.NewSize(1280, 720)
	}
	a.win.Resize(size)
	a.win.SetMaster()

	var s *world.Script
	if opts.Scenario != "" {
		s, err = lessons.Load(opts.Scenario)
	} else if s, err = lessons.Builtin(a.prefs.StringWithFallback(prefScenario, "tour")); err != nil {
		s, err = lessons.Builtin("tour") // a remembered scenario that went away
	}
	if err != nil {
		return nil, err
	}
	a.ready = make(chan struct{})
	show := func(m *Model) {
		a.build()
		a.eaves.Checked = opts.Eavesdropper
		a.show(m)
		if opts.Step >= 0 {
			a.seek(m.StepEnd(opts.Step))
		}
		close(a.ready)
	}
	if !opts.Background {
		m, err := prepare(s)
		if err != nil {
			return nil, err
		}
		show(m)
		return a, nil
	}
	// The window shows the icon at once; the views, whose text takes the
	// fonts a moment to load, are built once the scenario has run.
	icon := canvas.NewImageFromResource(fyne.NewStaticResource("mailscope.png", assets.Icon()))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(128, 128))
	a.win.SetContent(container.NewCenter(icon))
	go func() {
		m, err := prepare(s)
		lessons.Builtins() // parsed here rather than on the UI thread, for the lesson list
		fyne.Do(func() {
			if err != nil {
				fyne.LogError("load scenario", err)
				close(a.ready)
				return
			}
			show(m)
		})
	}()
	return a, nil
}

// clockText writes a virtual time as "Tuesday 3 March, 09:00:05", in the
// language's words.
func clockText(t time.Time, l sim.Lang) string {
	days := strings.Split(assets.T(l, "clock.weekdays"), ",")
	months := strings.Split(assets.T(l, "clock.months"), ",")
	day, month := t.Weekday().String(), t.Month().String()
	if len(days) == 7 && len(months) == 12 {
		day, month = days[t.Weekday()], months[t.Month()-1]
	}
	return assets.T(l, "clock.date", day, t.Day(), month, t.Format("15:04:05"))
}

// readOnlyPrefs reads the preferences it wraps and drops every change.
type readOnlyPrefs struct{ fyne.Preferences }

func (readOnlyPrefs) SetBool(string, bool)           {}
func (readOnlyPrefs) SetFloat(string, float64)       {}
func (readOnlyPrefs) SetInt(string, int)             {}
func (readOnlyPrefs) SetString(string, string)       {}
func (readOnlyPrefs) RemoveValue(string)             {}
func (readOnlyPrefs) SetBoolList(string, []bool)     {}
func (readOnlyPrefs) SetFloatList(string, []float64) {}
func (readOnlyPrefs) SetIntList(string, []int)       {}
func (readOnlyPrefs) SetStringList(string, []string) {}

// Ready is closed once the first scenario is shown.
func (a *App) Ready() <-chan struct{} { return a.ready }

// Window returns the application's window.
func (a *App) Window() fyne.Window { return a.win }

// Model returns the model of the scenario shown.
func (a *App) Model() *Model { return a.model }

// Lang returns the language of the user interface.
func (a *App) Lang() sim.Lang { return a.lang }

// Capture returns an image of the window's content as it is drawn now.
// Where the OpenGL front buffer cannot be read back (as under Xvfb, which
// gives a black image), the content is drawn again by Fyne's software
// painter, at the window's size and scale; the window is of no use after
// that, which is fine for a screenshot taken on the way out.
func (a *App) Capture() image.Image {
	c := a.win.Canvas()
	if img := c.Capture(); img != nil && !uniform(img) {
		return img
	}
	sc := software.NewCanvas()
	sc.SetScale(c.Scale())
	sc.SetPadded(false)
	sc.SetContent(c.Content())
	sc.Resize(c.Size())
	return sc.Capture()
}

// uniform reports whether an image is all one colour (nothing drawn).
func uniform(img image.Image) bool {
	b := img.Bounds()
	if b.Empty() {
		return true
	}
	first := img.At(b.Min.X, b.Min.Y)
	r0, g0, b0, a0 := first.RGBA()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			if r, g, bl, al := img.At(x, y).RGBA(); r != r0 || g != g0 || bl != b0 || al != a0 {
				return false
			}
		}
	}
	return true
}

// Load runs a built-in scenario headless and shows its trace from the
// remembered position (or the start).
func (a *App) Load(id string) error {
	s, err := lessons.Builtin(id)
	if err != nil {
		return err
	}
	return a.LoadScript(s)
}

// LoadScript runs a script headless and shows its trace.
func (a *App) LoadScript(s *world.Script) error {
	m, err := prepare(s)
	if err != nil {
		return err
	}
	a.show(m)
	return nil
}

// prepare runs a script headless and builds its model. It touches no
// widget, so it may run off the UI thread.
func prepare(s *world.Script) (*Model, error) {
	w, err := world.Run(s, world.Options{})
	var unmet world.Problems
	if err != nil && !(errors.As(err, &unmet) && w != nil) {
		return nil, err
	}
	return NewModel(s, w.Trace), err
}

// show makes m the model shown, at its remembered position.
func (a *App) show(m *Model) {
	a.stopAnim()
	a.playing = false
	a.scenario = m.Script.ID
	a.prefs.SetString(prefScenario, a.scenario)
	a.model = m
	m.SetEavesdropper(a.eaves.Checked)
	a.selected = -1
	a.stage.setWorld(m.Spec)
	a.ladder.setColumns(a.stage.nodes)
	a.scrub.Max = float64(max(m.Steps(), 1))
	m.Seek(max(a.prefs.IntWithFallback(prefPos+a.scenario, 0), m.StepEnd(0)))
	a.relabel()
	a.refresh()
}

// deviceLabel returns the label of a device, in the current language.
func (a *App) deviceLabel(id string) string {
	if n := a.stage.byID[id]; n != nil {
		return n.label.In(a.lang)
	}
	return id
}

// build lays out the window: the controls on top, the narration across
// the window, then the stage beside the mailboxes, and the ladder or the
// transcript beside the explanation.
func (a *App) build() {
	a.stage = newStage(a)
	a.ladder = newLadder(a)
	a.transcript = newTranscript(a)
	a.explain = newExplainView(a)
	a.mail = newMailboxes(a)
	a.narration = widget.NewRichText()
	a.narration.Wrapping = fyne.TextWrapWord
	a.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	a.title.Truncation = fyne.TextTruncateEllipsis
	a.clock = widget.NewLabel("")
	clock := container.NewHBox(widget.NewIcon(theme.HistoryIcon()), a.clock)

	a.tabs = container.NewAppTabs(
		container.NewTabItem("", a.ladder.box),
		container.NewTabItem("", a.transcript.list),
	)
	a.eaves = widget.NewCheck("", func(on bool) { a.setEavesdropper(on); a.unfocus() })
	for _, key := range []string{"pane.explain", "pane.lessons", "pane.mailboxes"} {
		a.panes[key] = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	pane := func(key string, content fyne.CanvasObject) fyne.CanvasObject {
		return container.NewBorder(a.panes[key], nil, nil, nil, content)
	}
	a.quiz = newQuizView(a)
	a.lessons = newLessonList(a)
	top := container.NewHSplit(a.stage, pane("pane.mailboxes", a.mail.list))
	top.Offset = 0.62
	// The eavesdropper switch sits at the right end of the tab bar.
	tabs := container.NewStack(a.tabs, container.NewVBox(container.NewHBox(layout.NewSpacer(), a.eaves)))
	bottom := container.NewHSplit(tabs, pane("pane.explain", a.explain.scroll))
	bottom.Offset = 0.62
	views := container.NewVSplit(top, bottom)
	views.Offset = 0.56
	a.views = views
	a.viewsArea = container.NewStack(views)
	a.quizToggle = widget.NewButtonWithIcon("", theme.QuestionIcon(), func() { a.setQuizHidden(!a.quizHidden); a.unfocus() })
	a.quizToggle.Hide()
	narration := container.NewVScroll(container.NewPadded(container.NewVBox(container.NewBorder(nil, nil, nil, clock, a.title), a.narration, container.NewHBox(a.quizToggle))))
	main := container.New(&topCapped{frac: 0.3}, narration, a.viewsArea)
	a.sidebar = container.NewStack()
	body := container.NewBorder(nil, nil, a.sidebar, nil, main)
	a.win.SetContent(container.NewBorder(a.controls(), nil, nil, nil, body))
	a.setSidebar(a.prefs.BoolWithFallback(prefSidebar, true))
	a.win.SetOnDropped(a.dropped)
	a.shortcuts()
}

// setSidebar shows or hides the lesson list.
func (a *App) setSidebar(show bool) {
	a.prefs.SetBool(prefSidebar, show)
	if show {
		a.sidebar.Objects = []fyne.CanvasObject{container.New(minWidth(230), container.NewBorder(a.panes["pane.lessons"], nil, nil, nil, a.lessons.list))}
	} else {
		a.sidebar.Objects = nil
	}
	a.sidebar.Refresh()
}

// ToggleLessons shows or hides the lesson list.
func (a *App) ToggleLessons() { a.setSidebar(len(a.sidebar.Objects) == 0) }

// setEavesdropper shows the transcript, the diagram and the stage as an
// eavesdropper on the wire sees them (on) or as the endpoints do.
func (a *App) setEavesdropper(on bool) {
	if a.eaves.Checked != on {
		a.eaves.SetChecked(on) // calls back
		return
	}
	if a.model == nil || a.model.Eavesdropper() == on {
		return
	}
	a.model.SetEavesdropper(on)
	a.selected = -1 // the rows are others now
	a.refresh()
}

// showQuiz puts the quiz of the current step in the place of the views, or
// the views back; at a step with a quiz, a button under the narration
// switches between the two.
func (a *App) showQuiz(quiz bool) {
	var content fyne.CanvasObject = a.views
	if quiz && !a.quizHidden {
		content = a.quiz.scroll
	}
	if len(a.viewsArea.Objects) != 1 || a.viewsArea.Objects[0] != content {
		a.viewsArea.Objects = []fyne.CanvasObject{content}
		a.viewsArea.Refresh()
	}
	if a.quizHidden {
		a.quizToggle.SetText(assets.T(a.lang, "quiz.show"))
		a.quizToggle.SetIcon(theme.QuestionIcon())
	} else {
		a.quizToggle.SetText(assets.T(a.lang, "quiz.hide"))
		a.quizToggle.SetIcon(theme.VisibilityIcon())
	}
	if quiz {
		a.quizToggle.Show()
	} else {
		a.quizToggle.Hide()
	}
}

// setQuizHidden shows the views (true) or the quiz (false) at a step with
// a quiz.
func (a *App) setQuizHidden(hidden bool) {
	a.quizHidden = hidden
	a.showQuiz(a.quizStep() > 0)
}

// quizStep returns the current step if it has a quiz, or 0.
func (a *App) quizStep() int {
	m := a.model
	if step := m.Step(); step >= 1 && step <= len(m.Script.Steps) && len(m.Script.Steps[step-1].Quiz) > 0 {
		return step
	}
	return 0
}

// controls builds the toolbar.
func (a *App) controls() fyne.CanvasObject {
	btn := func(key string, icon fyne.Resource, f func()) *widget.Button {
		b := widget.NewButtonWithIcon("", icon, func() { f(); a.unfocus() })
		a.buttons[key] = b
		return b
	}
	a.scrub = widget.NewSlider(0, 1)
	a.scrub.Step = 1
	a.scrub.OnChanged = func(v float64) {
		if !a.scrubbing && a.model != nil {
			a.playing = false
			a.seek(a.model.StepEnd(int(v)))
		}
	}
	a.scrub.OnChangeEnded = func(float64) { a.unfocus() }
	a.stepLabel = widget.NewLabel("")
	a.speedSel = widget.NewSelect(nil, func(s string) {
		for _, v := range speeds {
			if speedText(v) == s {
				a.speed = v
				a.prefs.SetFloat(prefSpeed, v)
			}
		}
		a.unfocus()
	})
	for _, v := range speeds {
		a.speedSel.Options = append(a.speedSel.Options, speedText(v))
	}
	a.speedSel.SetSelected(speedText(a.speed))
	transport := container.NewHBox(
		btn("start", theme.MediaSkipPreviousIcon(), a.Home),
		btn("prevStep", theme.MediaFastRewindIcon(), a.PrevStep),
		btn("prev", theme.NavigateBackIcon(), a.Prev),
		btn("play", theme.MediaPlayIcon(), a.TogglePlay),
		btn("next", theme.NavigateNextIcon(), a.Next),
		btn("nextStep", theme.MediaFastForwardIcon(), a.NextStep),
		btn("end", theme.MediaSkipNextIcon(), a.End),
	)
	right := container.NewHBox(
		a.speedSel,
		btn("zoomOut", theme.ZoomOutIcon(), a.ZoomOut),
		btn("zoomIn", theme.ZoomInIcon(), a.ZoomIn),
		btn("lang", theme.SettingsIcon(), a.ToggleLang),
		btn("theme", theme.ColorPaletteIcon(), a.ToggleTheme),
		btn("full", theme.ViewFullScreenIcon(), a.ToggleFullScreen),
	)
	a.buttons["lang"].Icon = nil
	left := container.NewHBox(
		btn("lessons", theme.ListIcon(), a.ToggleLessons),
		btn("open", theme.FolderOpenIcon(), a.chooseFile),
		transport, a.stepLabel)
	a.toolbar = container.NewStack()
	a.toolbarParts = [3]fyne.CanvasObject{left, a.scrub, right}
	a.layoutToolbar()
	return a.toolbar
}

// twoRowScale is the presenter scale from which the toolbar takes two rows.
const twoRowScale = 1.75

// layoutToolbar puts the toolbar in one row, or in two when the presenter
// scale makes it too wide for one (the scrub bar and the settings go
// below).
func (a *App) layoutToolbar() {
	left, scrub, right := a.toolbarParts[0], a.toolbarParts[1], a.toolbarParts[2]
	var bar fyne.CanvasObject
	if a.scale < twoRowScale {
		bar = container.NewBorder(nil, nil, left, right, scrub)
	} else {
		bar = container.NewVBox(left, container.NewBorder(nil, nil, nil, right, scrub))
	}
	a.toolbar.Objects = []fyne.CanvasObject{bar}
	a.toolbar.Refresh()
}

func speedText(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "×" }

// relabel sets every text of the window in the current language.
func (a *App) relabel() {
	l := a.lang
	a.win.SetTitle(assets.T(l, "app.title"))
	a.tabs.Items[0].Text = assets.T(l, "tab.ladder")
	a.tabs.Items[1].Text = assets.T(l, "tab.transcript")
	a.tabs.Refresh()
	a.eaves.Text = assets.T(l, "control.eavesdropper")
	a.eaves.Refresh()
	for key, lab := range a.panes {
		lab.SetText(assets.T(l, key))
	}
	a.buttons["lang"].SetText(assets.T(l, "control.other_lang"))
	if a.dark {
		a.buttons["theme"].SetText(assets.T(l, "control.light"))
	} else {
		a.buttons["theme"].SetText(assets.T(l, "control.dark"))
	}
	a.lessons.refresh()
	a.ladder.header.Refresh()
	a.stage.Refresh()
}

// refresh brings every view to the model's position.
func (a *App) refresh() {
	m := a.model
	l := a.lang
	if m == nil {
		a.narration.Segments = []widget.RichTextSegment{&widget.TextSegment{Text: assets.T(l, "app.tagline"), Style: widget.RichTextStyle{SizeName: theme.SizeNameSubHeadingText}}}
		a.narration.Refresh()
		a.explain.show(-1)
		return
	}
	// Stage: the connections, and the line just played at its destination.
	a.stage.update(m.OpenConns(), a.lastToken(1))
	// Transcript and ladder follow the newest line.
	a.transcript.list.Refresh()
	a.ladder.list.Refresh()
	if n := m.LinesShown(); n > 0 {
		a.transcript.list.ScrollToBottom()
		a.ladder.list.ScrollToBottom()
	}
	a.mail.update()
	// Narration.
	step := m.Step()
	var say string
	if t := m.Say(step); t != nil {
		say = strings.Join(strings.Fields(t.In(l)), " ")
	} else {
		say = assets.T(l, "narration.start", m.Script.Title.In(l))
	}
	a.narration.Segments = []widget.RichTextSegment{&widget.TextSegment{Text: say, Style: widget.RichTextStyle{SizeName: theme.SizeNameSubHeadingText}}}
	a.narration.Refresh()
	title := m.Script.Title.In(l)
	if m.Script.Order > 0 {
		title = assets.T(l, "lessons.heading", m.Script.Order) + " · " + title
	}
	a.title.SetText(title)
	a.clock.SetText(assets.T(l, "clock.now", clockText(m.Now(), l)))
	// The quiz of the step, or what the lines mean.
	if qs := a.quizStep(); qs > 0 {
		if qs != a.quiz.step {
			a.quizHidden = false // a new quiz is shown first
		}
		a.quiz.show(qs)
		a.showQuiz(true)
	} else {
		a.showQuiz(false)
	}
	if m.Pos() >= m.Beats() && !a.progress.Get(m.Script.ID).Done {
		if err := a.progress.Finish(m.Script.ID); err != nil {
			fyne.LogError("save progress", err)
		}
		a.lessons.refresh()
	}
	if step == 0 {
		a.stepLabel.SetText(assets.T(l, "control.setup", m.Steps()))
	} else {
		a.stepLabel.SetText(assets.T(l, "control.step", step, m.Steps()))
	}
	a.scrubbing = true
	a.scrub.SetValue(float64(step))
	a.scrubbing = false
	// Explanation: the selected line, or the last one played.
	if a.selected >= 0 && a.selected < m.LinesShown() {
		a.explain.show(a.selected)
	} else {
		a.selected = -1
		a.explain.show(m.LinesShown() - 1)
	}
	if a.playing || a.anim != nil {
		a.buttons["play"].SetIcon(theme.MediaPauseIcon())
	} else {
		a.buttons["play"].SetIcon(theme.MediaPlayIcon())
	}
	a.prefs.SetInt(prefPos+a.scenario, m.Pos())
}

// lastToken returns the token of the beat just played, at the given
// progress, or nil.
func (a *App) lastToken(progress float32) *stageToken {
	b, ok := a.model.LastBeat()
	if !ok {
		return nil
	}
	return a.tokenOf(b, progress)
}

// tokenOf returns what travels in beat b: its line, as the endpoints read
// it (with a padlock when it travels inside TLS), or the TLS record that
// carries it, as an eavesdropper sees it; a handshake record in both views.
func (a *App) tokenOf(b beat, progress float32) *stageToken {
	m := a.model
	if b.record >= 0 && (b.line < 0 || m.Eavesdropper()) {
		r := m.Event(int(b.record))
		return &stageToken{conn: r.Conn, dir: r.Dir, verb: recordVerb(r, !m.Eavesdropper()), sealed: r.TLS != nil && r.TLS.Type == "application_data", wire: m.Eavesdropper(), progress: progress}
	}
	if b.line < 0 {
		return nil
	}
	e := m.Event(int(b.line))
	if m.Eavesdropper() && m.LineRow(int(b.line)) < 0 {
		return nil // an eavesdropper does not see this line
	}
	verb := m.Explained(int(b.line)).Verb
	if b.kind == beatContent {
		verb = assets.T(a.lang, "stage.message")
	}
	return &stageToken{conn: e.Conn, dir: e.Dir, verb: verb, content: b.kind == beatContent, sealed: b.record >= 0, progress: progress}
}

// recordVerb is what a TLS record's token says: the handshake messages or
// the alert it carries, which an eavesdropper reads only when they travel
// in the clear (inside, true: as the endpoints read them once decrypted);
// else its type and size.
func recordVerb(e *sim.Event, inside bool) string {
	r := e.TLS
	switch {
	case r == nil:
		return "TLS"
	case len(r.Messages) > 0:
		return strings.Join(r.Messages, ", ")
	case inside && len(r.InnerMessages) > 0:
		return strings.Join(r.InnerMessages, ", ")
	case r.Type == "application_data":
		return fmt.Sprintf("%d B", e.Size)
	}
	return r.Type
}

// selectLine shows the explanation of line row i.
func (a *App) selectLine(i int) {
	a.selected = i
	a.explain.show(i)
	a.unfocus()
}

// unfocus gives the keyboard back to the window's shortcuts.
func (a *App) unfocus() {
	if c := a.win.Canvas(); c != nil {
		c.Unfocus()
	}
}

// seek moves to beat p without animation.
func (a *App) seek(p int) {
	if a.model == nil {
		return
	}
	a.stopAnim()
	a.model.Seek(p)
	a.refresh()
}

// minWidth is a layout that gives its objects at least this width (scaled
// with the presenter scale).
type minWidth float32

func (w minWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (w minWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(float32(w)*scaleOf(), 0)
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s
}

// topCapped lays out two objects one above the other: the first (the
// narration) as tall as it needs but at most frac of the height (it
// scrolls beyond), the second (the views) in the rest.
type topCapped struct{ frac float32 }

func (l *topCapped) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	top, rest := objects[0], objects[1]
	h := top.MinSize().Height
	if s, ok := top.(*container.Scroll); ok {
		h = s.Content.MinSize().Height
	}
	h = min(h, size.Height*l.frac)
	top.Resize(fyne.NewSize(size.Width, h))
	top.Move(fyne.NewPos(0, 0))
	rest.Resize(fyne.NewSize(size.Width, size.Height-h))
	rest.Move(fyne.NewPos(0, h))
}

func (l *topCapped) MinSize(objects []fyne.CanvasObject) fyne.Size {
	m := objects[1].MinSize()
	return fyne.NewSize(max(m.Width, objects[0].MinSize().Width), m.Height+objects[0].MinSize().Height)
}
