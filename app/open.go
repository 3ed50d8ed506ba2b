package app

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim/world"
)

// Opening lessons: a built-in one from the list, or a teacher's file from
// disk (with the Open button, or dropped on the window). A file with
// problems shows them, each with its line and column, and nothing else
// changes.

// open shows a built-in lesson or scenario.
func (a *App) open(id string) {
	if err := a.Load(id); err != nil {
		a.showProblems(id, err)
	}
}

// OpenFile shows a lesson read from a file. It returns the problems found,
// which it also shows in a dialog.
func (a *App) OpenFile(name string, data []byte) error {
	s, err := lessons.Parse(name, data)
	if err != nil {
		a.showProblems(name, err)
		return err
	}
	m, err := prepare(s)
	var unmet world.Problems
	if errors.As(err, &unmet) && m != nil {
		// The lesson runs; its expectations say it does not do what it
		// claims. Show it, and say so.
		err = lessons.Locate(name, data, unmet)
		a.showProblems(name, err)
	} else if err != nil {
		a.showProblems(name, err)
		return err
	}
	a.show(m)
	return err
}

// maxLessonFile is the largest lesson file the application reads.
const maxLessonFile = 4 << 20

// openURI reads a dropped or chosen file.
func (a *App) openURI(u fyne.URI) {
	r, err := storage.Reader(u)
	if err != nil {
		a.showProblems(u.Name(), err)
		return
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxLessonFile+1))
	if err == nil && len(data) > maxLessonFile {
		err = fmt.Errorf("%s: %s", u.Path(), assets.T(a.lang, "open.too_large", maxLessonFile>>20))
	}
	if err != nil {
		a.showProblems(u.Name(), err)
		return
	}
	a.OpenFile(u.Path(), data)
}

// chooseFile asks for a lesson file to open.
func (a *App) chooseFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		u := r.URI()
		r.Close()
		a.openURI(u)
	}, a.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".yaml", ".yml"}))
	d.Show()
}

// dropped opens the first lesson file dropped on the window.
func (a *App) dropped(_ fyne.Position, uris []fyne.URI) {
	for _, u := range uris {
		if ext := strings.ToLower(u.Extension()); ext == ".yaml" || ext == ".yml" {
			a.openURI(u)
			return
		}
	}
}

// showProblems shows what is wrong with a lesson, one problem a line, in
// the app's language.
func (a *App) showProblems(name string, err error) {
	text := lessons.Describe(err, a.lang)
	label := widget.NewLabel(text)
	label.TextStyle = fyne.TextStyle{Monospace: true}
	label.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(label)
	scroll.SetMinSize(fyne.NewSize(640*scaleOf(), 240*scaleOf()))
	a.lastProblems = text
	dialog.ShowCustom(assets.T(a.lang, "open.problems", name), assets.T(a.lang, "open.close"), scroll, a.win)
}
