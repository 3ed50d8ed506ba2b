package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
)

// cmdLessons lists the built-in lessons and scenarios, id and title, or
// prints the lesson format's JSON Schema.
func cmdLessons(args []string, lang sim.Lang) int {
	fs := flag.NewFlagSet("lessons", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	langFlag := fs.String("lang", "", "")
	schema := fs.Bool("schema", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		fail(lang, "cli.bad_flag", "lessons", err)
		return 2
	}
	if *schema {
		if _, err := os.Stdout.Write(lessons.Schema); err != nil {
			fail(lang, "cli.write_error", err)
			return 1
		}
		return 0
	}
	if lang, err = langOption(*langFlag, lang); err != nil {
		return 2
	}
	if len(pos) > 0 {
		fail(lang, "cli.extra_args", "lessons", pos[0])
		return 2
	}
	for _, id := range lessons.IDs() {
		s, err := lessons.Builtin(id)
		if err != nil {
			fail(lang, "cli.scenario_error", err)
			return 1
		}
		kind := assets.T(lang, "lessons.scenario")
		if s.Order > 0 {
			kind = assets.T(lang, "lessons.lesson", s.Order)
		}
		fmt.Printf("%-14s %-12s %s\n", id, kind, s.Title.In(lang))
	}
	return 0
}

// cmdCheck validates lesson files, runs them and checks their
// expectations, and prints every problem as file:line:col: message.
func cmdCheck(args []string, lang sim.Lang) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	langFlag := fs.String("lang", "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		fail(lang, "cli.bad_flag", "check", err)
		return 2
	}
	if lang, err = langOption(*langFlag, lang); err != nil {
		return 2
	}
	if len(pos) == 0 {
		fail(lang, "check.need_file")
		return 2
	}
	status := 0
	for _, name := range pos {
		data, file, err := lessons.Source(name)
		if err != nil {
			fail(lang, "check.read_error", name, err)
			status = 1
			continue
		}
		if err := lessons.Check(file, data); err != nil {
			var list lessons.ErrorList
			if errors.As(err, &list) {
				fmt.Fprintln(os.Stderr, list.In(lang))
			} else {
				fail(lang, "check.read_error", name, lessons.Describe(err, lang))
			}
			status = 1
			continue
		}
		fmt.Println(assets.T(lang, "check.ok", file))
	}
	return status
}
