package app

import (
	"time"

	"fyne.io/fyne/v2/theme"

	"fyne.io/fyne/v2"

	"github.com/mailscope/mailscope/sim"
)

// Playback. Playing animates one beat after another: the token travels, and
// when it arrives the beat is applied to every view. Playing stops by
// itself at the end of each step, so that a teacher can talk about it. A
// paused player runs no animation and uses no CPU.

// TogglePlay plays or pauses.
func (a *App) TogglePlay() {
	if a.model == nil {
		return // still loading
	}
	if a.playing || a.anim != nil {
		a.pause()
		return
	}
	a.play()
}

func (a *App) play() {
	m := a.model
	if m.Pos() >= m.Beats() {
		m.Seek(m.StepEnd(0)) // played to the end: start again
	}
	a.playing = true
	a.advance()
}

// pause stops playing; a beat in flight is not applied.
func (a *App) pause() {
	a.playing = false
	a.stopAnim()
	a.refresh()
}

// advance plays the next beat: silent beats at once, the others animated.
func (a *App) advance() {
	m := a.model
	for {
		if m.Pos() >= m.Beats() {
			a.playing = false
			a.refresh()
			return
		}
		b := m.Beat(m.Pos())
		if b.kind != beatSilent {
			break
		}
		m.Seek(m.Pos() + 1)
		if a.stepEnded() {
			a.playing = false
			a.refresh()
			return
		}
	}
	a.animate(func() {
		if a.playing && !a.stepEnded() {
			a.advance()
		} else {
			a.playing = false
			a.refresh()
		}
	})
}

// stepEnded reports whether the position is at the end of a step.
func (a *App) stepEnded() bool {
	m := a.model
	return m.Pos() >= m.Beats() || m.Pos() == m.StepEnd(m.Step())
}

// animate plays the next beat: its token travels, then the beat is applied
// and then is called.
func (a *App) animate(then func()) {
	m := a.model
	b := m.Beat(m.Pos())
	tok := a.tokenOf(b, 0)
	d := lineDuration
	if b.kind == beatContent {
		d = contentDuration
	}
	d = time.Duration(float64(d) / a.speed)
	conns := m.OpenConns()
	// The connection of a greeting opens in the beat it travels in.
	if tok != nil && !containsConn(conns.List, tok.conn) {
		conns.List = append(conns.List, tok.conn)
	}
	a.stage.update(conns, tok)
	finished := false
	finish := func() {
		if finished {
			return
		}
		finished = true
		a.anim, a.animDone = nil, nil
		m.Seek(m.Pos() + 1)
		a.refresh()
		then()
	}
	anim := fyne.NewAnimation(d, func(f float32) {
		a.stage.setProgress(f)
		if f >= 1 {
			finish()
		}
	})
	anim.Curve = fyne.AnimationEaseInOut
	a.anim, a.animDone = anim, finish
	a.buttons["play"].SetIcon(theme.MediaPauseIcon())
	anim.Start()
}

func containsConn(l []*sim.ConnInfo, c *sim.ConnInfo) bool {
	for _, x := range l {
		if x == c {
			return true
		}
	}
	return false
}

// stopAnim stops a running animation without applying its beat.
func (a *App) stopAnim() {
	if a.anim != nil {
		a.anim.Stop()
		a.anim, a.animDone = nil, nil
	}
}

// Next plays the next beat alone (animated), or finishes the one in flight.
func (a *App) Next() {
	if a.model == nil {
		return // still loading
	}
	if a.animDone != nil {
		a.playing = false
		a.animDone()
		return
	}
	a.playing = false
	if a.model.Pos() < a.model.Beats() {
		for a.model.Pos() < a.model.Beats() && a.model.Beat(a.model.Pos()).kind == beatSilent {
			a.model.Seek(a.model.Pos() + 1)
		}
		if a.model.Pos() < a.model.Beats() {
			a.animate(func() {})
			return
		}
		a.refresh()
	}
}

// Prev goes back one beat, at once (not before the start).
func (a *App) Prev() {
	if a.model == nil {
		return // still loading
	}
	a.playing = false
	a.seek(max(a.model.Pos()-1, a.model.StepEnd(0)))
}

// NextStep goes to the end of the current step, or of the next one when
// already there.
func (a *App) NextStep() {
	if a.model == nil {
		return // still loading
	}
	a.playing = false
	m := a.model
	end := m.StepEnd(m.Step())
	if m.Pos() >= end {
		end = m.StepEnd(m.Step() + 1)
	}
	a.seek(end)
}

// PrevStep goes to the end of the previous step.
func (a *App) PrevStep() {
	if a.model == nil {
		return // still loading
	}
	a.playing = false
	m := a.model
	a.seek(m.StepEnd(max(m.Step()-1, 0)))
}

// Home goes to the start: the world as it was set up, before step 1.
func (a *App) Home() {
	if a.model == nil {
		return // still loading
	}
	a.playing = false
	a.seek(a.model.StepEnd(0))
}

// End goes to the end.
func (a *App) End() {
	if a.model == nil {
		return // still loading
	}
	a.playing = false
	a.seek(a.model.Beats())
}

// ZoomIn makes text and stage larger, for the back of the room.
func (a *App) ZoomIn() { a.setScale(a.scale + scaleStep) }

// ZoomOut makes them smaller.
func (a *App) ZoomOut() { a.setScale(a.scale - scaleStep) }

func (a *App) setScale(s float32) {
	s = min(max(s, minScale), maxScale)
	if s == a.scale {
		return
	}
	a.scale = s
	a.prefs.SetFloat(prefScale, float64(s))
	a.fa.Settings().SetTheme(newTheme(a.dark, a.scale))
	if a.toolbar != nil {
		a.layoutToolbar()
	}
	a.refresh()
}

// ToggleTheme switches between the light and the dark theme.
func (a *App) ToggleTheme() {
	a.dark = !a.dark
	t := "light"
	if a.dark {
		t = "dark"
	}
	a.prefs.SetString(prefTheme, t)
	a.fa.Settings().SetTheme(newTheme(a.dark, a.scale))
	a.relabel()
	a.refresh()
}

// ToggleLang switches between Spanish and English.
func (a *App) ToggleLang() {
	if a.lang == sim.ES {
		a.lang = sim.EN
	} else {
		a.lang = sim.ES
	}
	a.prefs.SetString(prefLang, string(a.lang))
	a.relabel()
	a.refresh()
}

// ToggleFullScreen enters or leaves full screen.
func (a *App) ToggleFullScreen() { a.win.SetFullScreen(!a.win.FullScreen()) }

// shortcuts binds the keyboard: Space play/pause, → and ← one line, Page
// Down and Page Up one step, Home and End, + and − size, F11 full screen,
// L language, E what an eavesdropper sees.
func (a *App) shortcuts() {
	// The canvas gets the keys no focused widget takes; the views give the
	// focus back (unfocus) after every click, so the keys reach it.
	c := a.win.Canvas()
	c.SetOnTypedKey(func(e *fyne.KeyEvent) { a.key(e.Name) })
	c.SetOnTypedRune(func(r rune) { a.rune(r) })
}

func (a *App) key(k fyne.KeyName) {
	switch k {
	case fyne.KeySpace:
		a.TogglePlay()
	case fyne.KeyRight:
		a.Next()
	case fyne.KeyLeft:
		a.Prev()
	case fyne.KeyPageDown:
		a.NextStep()
	case fyne.KeyPageUp:
		a.PrevStep()
	case fyne.KeyHome:
		a.Home()
	case fyne.KeyEnd:
		a.End()
	case fyne.KeyF11:
		a.ToggleFullScreen()
	}
}

func (a *App) rune(r rune) {
	switch r {
	case '+', '=':
		a.ZoomIn()
	case '-':
		a.ZoomOut()
	case 'l', 'L':
		a.ToggleLang()
	case 'e', 'E':
		a.setEavesdropper(!a.eaves.Checked)
	}
}
