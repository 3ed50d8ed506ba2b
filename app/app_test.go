package app

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/sim"
)

// newTestApp opens the tour in Fyne's test app (no OpenGL needed).
func newTestApp(t *testing.T, lang sim.Lang) *App {
	t.Helper()
	fa := test.NewTempApp(t)
	a, err := New(fa, Options{Scenario: "tour", Lang: lang, Theme: "light", Step: -1, Size: fyne.NewSize(1280, 720)})
	if err != nil {
		t.Fatal(err)
	}
	// Each test keeps its own progress.
	if a.progress, err = OpenProgress(filepath.Join(t.TempDir(), "progress.json")); err != nil {
		t.Fatal(err)
	}
	a.Window().Show()
	t.Cleanup(a.Window().Close)
	a.Home()
	return a
}

// view is what every view shows, as data: two positions that show the
// same view are the same.
type view struct {
	pos        int
	transcript []string
	ladder     int
	rows       []string
	conns      []string
	narration  string
	explained  string
}

func snapshot(a *App) view {
	v := view{pos: a.model.Pos(), ladder: a.ladder.list.Length()}
	for _, r := range a.mail.rows {
		v.rows = append(v.rows, rowText(&r))
	}
	for i := 0; i < a.transcript.list.Length(); i++ {
		e := a.model.LineEvent(i)
		v.transcript = append(v.transcript, e.Conn.Label()+" "+e.Dir.String()+" "+e.Text)
	}
	for _, c := range a.stage.conns {
		v.conns = append(v.conns, c.Label())
	}
	v.narration = richText(a.narration)
	v.explained = richText(a.explain.text)
	return v
}

// rowText is what a mailbox row shows, as data.
func rowText(r *mailRow) string {
	s := fmt.Sprintf("%d %q %q %d change=%d gone=%v", r.kind, r.title, r.detail, r.count, r.change, r.gone)
	if r.msg != nil {
		s += fmt.Sprintf(" msg=%+v", *r.msg)
	}
	if r.item != nil {
		s += fmt.Sprintf(" item=%+v", *r.item)
	}
	if r.queued != nil {
		s += fmt.Sprintf(" queued=%+v", *r.queued)
	}
	return s
}

func richText(r *widget.RichText) string {
	var b strings.Builder
	for _, s := range r.Segments {
		if t, ok := s.(*widget.TextSegment); ok {
			b.WriteString(t.Text + "\n")
		}
	}
	return b.String()
}

// TestStepForwardFillsViews steps through the tour and checks that the
// transcript, the ladder and the mailboxes show what the trace says.
func TestStepForwardFillsViews(t *testing.T) {
	a := newTestApp(t, sim.EN)
	if n := a.transcript.list.Length(); n != 0 {
		t.Fatalf("at the start the transcript has %d rows, want 0", n)
	}
	for step := 1; step <= a.model.Steps(); step++ {
		a.NextStep()
		if got := a.model.Step(); got != step {
			t.Fatalf("after %d × NextStep the step is %d", step, got)
		}
		// Every line of the trace up to the end of the step, in order.
		var want []string
		end := a.model.Trace().Boundary(step + 1)
		for _, e := range a.model.Trace().Slice(0, end) {
			if e.Kind == sim.KindLine {
				want = append(want, e.Conn.Label()+" "+e.Dir.String()+" "+e.Text)
			}
		}
		got := snapshot(a).transcript
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d: the transcript has %d rows, the trace %d lines", step, len(got), len(want))
		}
		if l := a.ladder.list.Length(); l != len(want) {
			t.Errorf("step %d: the ladder has %d rows, want %d", step, l, len(want))
		}
		if !strings.Contains(richText(a.narration), strings.Fields(a.model.Say(step).EN)[0]) {
			t.Errorf("step %d: narration %q is not the step's", step, richText(a.narration))
		}
	}
	// At the end the message is in Beto's Amigos folder, seen.
	var found bool
	for _, r := range a.mail.rows {
		if r.kind == rowMessage && !r.gone && r.msg.Info.Subject == "¿Cenamos el viernes?" && reflect.DeepEqual(r.msg.Flags, []string{`\Seen`}) {
			found = true
		}
	}
	if !found {
		t.Errorf("at the end the mailbox view lacks the message with \\Seen")
	}
}

// TestStepBackRestores checks that going back to a position shows exactly
// what was shown there before.
func TestStepBackRestores(t *testing.T) {
	a := newTestApp(t, sim.EN)
	seen := make(map[int]view)
	for a.model.Pos() < a.model.Beats() {
		seen[a.model.Pos()] = snapshot(a)
		a.Next()
	}
	seen[a.model.Pos()] = snapshot(a)
	if len(seen) < 20 {
		t.Fatalf("only %d positions seen", len(seen))
	}
	for p := a.model.Beats(); p >= 0; p-- {
		want, ok := seen[p]
		if !ok {
			continue
		}
		a.seek(p)
		if got := snapshot(a); !reflect.DeepEqual(got, want) {
			t.Fatalf("going back to beat %d shows a different view than going forward did:\n%s", p, diffView(got, want))
		}
	}
	// Step back one beat at a time from the end.
	a.End()
	for p := a.model.Pos(); p > a.model.StepEnd(0); {
		a.Prev()
		np := a.model.Pos()
		if np >= p {
			t.Fatalf("Prev at %d went to %d", p, np)
		}
		p = np
		if want, ok := seen[p]; ok {
			if got := snapshot(a); !reflect.DeepEqual(got, want) {
				t.Fatalf("Prev to beat %d differs from playing forward:\n%s", p, diffView(got, want))
			}
		}
	}
}

// TestRelayShownInMailboxes checks the highlights of the relay step: the
// queue entry leaves the queue (struck through) and the message arrives.
func TestRelayShownInMailboxes(t *testing.T) {
	a := newTestApp(t, sim.EN)
	a.seek(a.model.StepEnd(3))
	var arrived, sent bool
	for _, r := range a.mail.rows {
		if r.kind == rowMessage && r.change == sim.OpAppend {
			arrived = true
		}
		if r.kind == rowQueued && r.gone {
			sent = true
		}
	}
	if !arrived || !sent {
		t.Errorf("after the relay: arrived %v, sent %v; want both highlighted", arrived, sent)
	}
}

func TestLanguageSwitch(t *testing.T) {
	a := newTestApp(t, sim.EN)
	a.seek(a.model.StepEnd(2))
	en := snapshot(a)
	if a.tabs.Items[1].Text != "Transcript" || !strings.Contains(en.narration, "Ana writes") {
		t.Fatalf("English: tab %q, narration %q", a.tabs.Items[1].Text, en.narration)
	}
	test.TypeOnCanvas(a.Window().Canvas(), "l")
	if a.Lang() != sim.ES {
		t.Fatalf("after L the language is %s", a.Lang())
	}
	es := snapshot(a)
	if a.tabs.Items[1].Text != "Transcripción" || !strings.Contains(es.narration, "Ana escribe") {
		t.Errorf("Spanish: tab %q, narration %q", a.tabs.Items[1].Text, es.narration)
	}
	if es.explained == en.explained {
		t.Errorf("the explanation did not change language: %q", es.explained)
	}
	if es.pos != en.pos {
		t.Errorf("switching language moved the position from %d to %d", en.pos, es.pos)
	}
	if got := a.fa.Preferences().String(prefLang); got != "es" {
		t.Errorf("remembered language = %q, want es", got)
	}
}

func TestKeyboard(t *testing.T) {
	a := newTestApp(t, sim.EN)
	c := a.Window().Canvas()
	key := func(k fyne.KeyName) { c.OnTypedKey()(&fyne.KeyEvent{Name: k}) }

	key(fyne.KeyRight)
	if a.model.Pos() == 0 || a.model.LinesShown() != 1 {
		t.Errorf("→: position %d, %d lines shown; want the first line", a.model.Pos(), a.model.LinesShown())
	}
	key(fyne.KeyLeft)
	if a.model.LinesShown() != 0 {
		t.Errorf("←: %d lines shown, want 0", a.model.LinesShown())
	}
	key(fyne.KeyPageDown)
	if a.model.Step() != 1 || a.model.Pos() != a.model.StepEnd(1) {
		t.Errorf("Page Down: step %d pos %d, want the end of step 1", a.model.Step(), a.model.Pos())
	}
	key(fyne.KeySpace) // plays step 2 to its end (the test driver runs animations at once)
	if a.model.Pos() != a.model.StepEnd(2) {
		t.Errorf("Space: pos %d, want the end of step 2 (%d)", a.model.Pos(), a.model.StepEnd(2))
	}
	key(fyne.KeyEnd)
	if a.model.Pos() != a.model.Beats() {
		t.Errorf("End: pos %d, want %d", a.model.Pos(), a.model.Beats())
	}
	key(fyne.KeyHome)
	if a.model.Pos() != a.model.StepEnd(0) || a.model.LinesShown() != 0 {
		t.Errorf("Home: pos %d, %d lines; want %d, none", a.model.Pos(), a.model.LinesShown(), a.model.StepEnd(0))
	}
	test.TypeOnCanvas(c, "+")
	if a.scale != 1+scaleStep {
		t.Errorf("+: scale %v, want %v", a.scale, 1+scaleStep)
	}
	test.TypeOnCanvas(c, "-")
	if a.scale != 1 {
		t.Errorf("−: scale %v, want 1", a.scale)
	}
	key(fyne.KeyF11)
	if !a.Window().FullScreen() {
		t.Errorf("F11 did not enter full screen")
	}
}

func TestRemembersPosition(t *testing.T) {
	fa := test.NewTempApp(t)
	a, err := New(fa, Options{Scenario: "tour", Lang: sim.EN, Step: 3})
	if err != nil {
		t.Fatal(err)
	}
	pos := a.model.Pos()
	a.ToggleTheme()
	b, err := New(fa, Options{Lang: sim.ES, Step: -1})
	if err != nil {
		t.Fatal(err)
	}
	if b.scenario != "tour" || b.model.Pos() != pos || !b.dark {
		t.Errorf("reopened: scenario %q pos %d dark %v; want tour, %d, dark", b.scenario, b.model.Pos(), b.dark, pos)
	}
}

func diffView(got, want view) string {
	var b strings.Builder
	if got.pos != want.pos {
		fmt.Fprintf(&b, "pos %d, want %d\n", got.pos, want.pos)
	}
	if !reflect.DeepEqual(got.transcript, want.transcript) {
		fmt.Fprintf(&b, "transcript: %d rows, want %d\n", len(got.transcript), len(want.transcript))
	}
	if got.ladder != want.ladder {
		fmt.Fprintf(&b, "ladder: %d rows, want %d\n", got.ladder, want.ladder)
	}
	if !reflect.DeepEqual(got.rows, want.rows) {
		fmt.Fprintf(&b, "mailbox rows:\n got %+v\nwant %+v\n", got.rows, want.rows)
	}
	if !reflect.DeepEqual(got.conns, want.conns) {
		fmt.Fprintf(&b, "stage: %v, want %v\n", got.conns, want.conns)
	}
	if got.narration != want.narration {
		fmt.Fprintf(&b, "narration: %q, want %q\n", got.narration, want.narration)
	}
	if got.explained != want.explained {
		fmt.Fprintf(&b, "explanation: %q, want %q\n", got.explained, want.explained)
	}
	return b.String()
}
