package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// cmdRun runs a scenario headless and prints its transcript.
func cmdRun(args []string, lang sim.Lang) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "")
	langFlag := fs.String("lang", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		fail(lang, "cli.bad_flag", "run", err)
		return 2
	}
	if lang, err = langOption(*langFlag, lang); err != nil {
		return 2
	}
	switch {
	case len(pos) == 0:
		fail(lang, "cli.need_scenario", strings.Join(lessons.IDs(), ", "))
		return 2
	case len(pos) > 1:
		fail(lang, "cli.extra_args", "run", pos[1])
		return 2
	case *format != "text" && *format != "jsonl":
		fail(lang, "cli.bad_format", *format)
		return 2
	}
	s, err := lessons.Load(pos[0])
	if err != nil {
		var list lessons.ErrorList
		if errors.As(err, &list) {
			fmt.Fprintln(os.Stderr, list.In(lang))
		} else {
			fail(lang, "cli.scenario_error", lessons.Describe(err, lang))
		}
		return 2
	}
	w, err := world.Run(s, world.Options{})
	var unmet world.Problems
	if errors.As(err, &unmet) && w != nil {
		err = nil // the transcript is complete; the unmet expectations follow it
	}
	if err != nil {
		fail(lang, "cli.scenario_error", lessons.Describe(err, lang))
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	if *format == "jsonl" {
		err = sim.WriteJSONL(out, w.Trace.Events(), w.Trace.Start())
	} else {
		err = sim.WriteText(out, w.Trace.Events(), lang)
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		fail(lang, "cli.write_error", err)
		return 1
	}
	if len(unmet) > 0 {
		data, file, _ := lessons.Source(pos[0])
		fmt.Fprintln(os.Stderr, lessons.Locate(file, data, unmet).In(lang))
		return 1
	}
	return 0
}

// parseFlags parses fs from args, allowing flags after the positional
// arguments, and returns the positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// langOption returns the language a --lang flag names, or def when the
// flag is empty; a bad value is reported.
func langOption(flagValue string, def sim.Lang) (sim.Lang, error) {
	if flagValue == "" {
		return def, nil
	}
	if l, ok := sim.ParseLang(flagValue); ok && (flagValue == "es" || flagValue == "en") {
		return l, nil
	}
	fail(def, "cli.bad_lang", flagValue)
	return def, errors.New("bad --lang")
}
