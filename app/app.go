// Package app is MailScope's desktop application, built with Fyne. It reads
// the simulation only through a trace and never touches server internals.
package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// Options configures the application window.
type Options struct {
	Lang     sim.Lang
	Scenario *world.Script
}

// NewWindow builds the main window of the application a.
func NewWindow(a fyne.App, opts Options) (fyne.Window, error) {
	w := a.NewWindow(assets.T(opts.Lang, "app.title"))
	var lines []string
	if opts.Scenario != nil {
		wd, err := world.Run(opts.Scenario, world.Options{})
		if err != nil {
			return nil, err
		}
		for _, e := range wd.Trace.Events() {
			lines = append(lines, sim.TextLine(&e, opts.Lang))
		}
	}
	list := widget.NewList(
		func() int { return len(lines) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(lines[i]) },
	)
	w.SetContent(container.NewBorder(widget.NewLabel(assets.T(opts.Lang, "app.tagline")), nil, nil, nil, list))
	w.Resize(fyne.NewSize(1280, 720))
	return w, nil
}
