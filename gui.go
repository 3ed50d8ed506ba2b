package main

import (
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/mailscope/mailscope/app"
	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
)

// runGUI opens the application window and returns when it is closed.
func runGUI(lang sim.Lang) int {
	a := fyneapp.NewWithID("org.mailscope.MailScope")
	s, err := lessons.Builtin("tour")
	if err != nil {
		fail(lang, "cli.scenario_error", err)
		return 1
	}
	w, err := app.NewWindow(a, app.Options{Lang: lang, Scenario: s})
	if err != nil {
		fail(lang, "cli.scenario_error", err)
		return 1
	}
	w.ShowAndRun()
	return 0
}
