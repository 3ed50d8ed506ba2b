// Command mailscope is a desktop application that shows how e-mail
// protocols work and differ, with real SMTP and IMAP servers and clients
// talking inside it. Without arguments it opens the application; "run"
// and "serve" are its headless commands (see "mailscope help").
//
// Scripted worlds replay their TLS handshakes byte for byte: their key
// shares come from a seeded tls.Config.Rand, which Go 1.26 honours only
// with the GODEBUG setting cryptocustomrand=1, set here (see
// sim/pki.NewReader).
//
//go:debug cryptocustomrand=1
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/lessons"
	"github.com/mailscope/mailscope/sim"
)

func main() {
	os.Exit(mainArgs(os.Args[1:]))
}

// mainArgs runs the command named by args and returns the exit status: 0
// on success, 1 when the command failed, 2 for a usage error.
func mainArgs(args []string) int {
	lang := assets.SystemLang()
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		return runGUI(args, lang)
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], lang)
	case "serve":
		return cmdServe(args[1:], lang)
	case "check":
		return cmdCheck(args[1:], lang)
	case "lessons":
		return cmdLessons(args[1:], lang)
	case "help", "-h", "-help", "--help":
		fmt.Print(assets.T(lang, "cli.usage", strings.Join(lessons.IDs(), ", ")))
		return 0
	}
	fail(lang, "cli.unknown_command", args[0])
	return 2
}

func isHelp(s string) bool { return s == "-h" || s == "-help" || s == "--help" }

// fail prints one line on stderr.
func fail(lang sim.Lang, key string, args ...any) {
	fmt.Fprintln(os.Stderr, assets.T(lang, key, args...))
}
