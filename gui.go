package main

import (
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/mailscope/mailscope/app"
	"github.com/mailscope/mailscope/sim"
)

// appID is the application's id, as in FyneApp.toml.
const appID = "org.mailscope.MailScope"

// runGUI opens the application window and returns when it is closed. With
// --screenshot it lays the window out, writes a PNG of it and exits.
func runGUI(args []string, lang sim.Lang) int {
	fs := flag.NewFlagSet("mailscope", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	scenario := fs.String("scenario", "", "")
	step := fs.Int("step", -1, "")
	shot := fs.String("screenshot", "", "")
	size := fs.String("size", "", "")
	langFlag := fs.String("lang", "", "")
	scale := fs.Float64("scale", 0, "")
	themeName := fs.String("theme", "", "")
	eaves := fs.Bool("eavesdropper", false, "")
	firstFrame := fs.Bool("first-frame", false, "") // for the start-up benchmark
	bare := fs.Bool("bare", false, "")              // a bare Fyne window, for comparison
	pos, err := parseFlags(fs, args)
	if err != nil {
		fail(lang, "gui.bad_flag", err)
		return 2
	}
	if len(pos) > 0 {
		fail(lang, "cli.unknown_command", pos[0])
		return 2
	}
	opts := app.Options{Scenario: *scenario, Step: *step, Scale: float32(*scale), Theme: *themeName, Eavesdropper: *eaves, Background: true}
	if opts.Lang, err = langOption(*langFlag, ""); err != nil {
		return 2
	}
	opts.ReadOnly = *shot != "" || *firstFrame
	if *size != "" {
		w, h, ok := parseSize(*size)
		if !ok {
			fail(lang, "gui.bad_size", *size)
			return 2
		}
		opts.Size = fyne.NewSize(w, h)
	}
	if *themeName != "" && *themeName != "light" && *themeName != "dark" {
		fail(lang, "gui.bad_theme", *themeName)
		return 2
	}
	if *scale != 0 && (*scale < 1 || *scale > 2.5) {
		fail(lang, "gui.bad_scale", *scale)
		return 2
	}

	start := time.Now()
	quietLocale()
	fa := fyneapp.NewWithID(appID)
	var w fyne.Window
	var capture func() error
	var ready <-chan struct{} = closedChan()
	if *bare {
		w = fa.NewWindow("MailScope")
		w.SetContent(widget.NewLabel(""))
		w.Resize(fyne.NewSize(1280, 720))
	} else {
		a, err := app.New(fa, opts)
		if err != nil {
			fail(lang, "cli.scenario_error", err)
			return 2
		}
		w = a.Window()
		ready = a.Ready()
		capture = func() error { return writePNG(*shot, a) }
	}
	status := 0
	if *shot != "" || *firstFrame {
		fa.Lifecycle().SetOnStarted(func() {
			// Show has drawn the window's first frame before the run
			// loop starts and calls this.
			first := time.Since(start)
			go func() {
				if *firstFrame {
					// Then the views, once the scenario is shown and a
					// frame with them is drawn (a capture waits for one).
					<-ready
					fyne.DoAndWait(func() { w.Canvas().Capture() })
					fmt.Printf("first-frame %d\nready %d\n", first.Microseconds(), time.Since(start).Microseconds())
				} else {
					// Once the scenario is shown, let the layout settle
					// (lists measure their rows once shown), then capture.
					<-ready
					time.Sleep(700 * time.Millisecond)
					var err error
					fyne.DoAndWait(func() { err = capture() })
					if err != nil {
						fail(lang, "gui.screenshot_error", err)
						status = 1
					}
				}
				fyne.Do(fa.Quit)
			}()
		})
	}
	w.ShowAndRun()
	return status
}

// writePNG writes an image of the window to name.
func writePNG(name string, a *app.App) error {
	img := a.Capture()
	if img == nil || img.Bounds().Empty() {
		return errors.New("the window drew nothing")
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// parseSize parses "1280x720".
func parseSize(s string) (w, h float32, ok bool) {
	a, b, found := strings.Cut(strings.ToLower(s), "x")
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	if !found || err1 != nil || err2 != nil || x < 320 || y < 240 || x > 8192 || y > 8192 {
		return 0, 0, false
	}
	return float32(x), float32(y), true
}

// quietLocale keeps Fyne from logging an error for locales it cannot parse,
// such as C.UTF-8 (the default of many containers): for Fyne they are the
// same as no locale, which it reads as English.
func quietLocale() {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
		val := os.Getenv(v)
		base, _, _ := strings.Cut(val, ".")
		if base == "C" || base == "POSIX" {
			os.Unsetenv(v)
		}
	}
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
