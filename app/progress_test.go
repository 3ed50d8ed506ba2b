package app

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/mailscope/mailscope/sim"
)

func TestProgressRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "progress.json")
	p, err := OpenProgress(path)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(p.Answer("smtp", 0, 2, true))
	must(p.Answer("smtp", 1, 0, false))
	must(p.Answer("smtp", 1, 1, true)) // a second answer does not count
	must(p.Finish("smtp"))
	q, err := OpenProgress(path)
	if err != nil {
		t.Fatal(err)
	}
	got := q.Get("smtp")
	if !got.Done || got.Correct != 1 || got.Answers[0] != 2 || got.Answers[1] != 0 || len(got.Answers) != 2 {
		t.Errorf("reopened progress = %+v, want done, 1 correct, answers {0:2, 1:0}", got)
	}
	if other := q.Get("imap"); other.Done || len(other.Answers) != 0 {
		t.Errorf("an untouched lesson has progress %+v", other)
	}
}

func TestProgressDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "progress.json")
	os.WriteFile(path, []byte(`{"smtp": {"done": tr`), 0o644)
	p, err := OpenProgress(path)
	if err == nil {
		t.Errorf("OpenProgress of a damaged file gave no error")
	}
	if got := p.Get("smtp"); got.Done {
		t.Errorf("progress from a damaged file: %+v", got)
	}
	if _, err := os.Stat(path + ".damaged"); err != nil {
		t.Errorf("the damaged file was not set aside: %v", err)
	}
	if err := p.Finish("smtp"); err != nil {
		t.Fatal(err)
	}
	if q, err := OpenProgress(path); err != nil || !q.Get("smtp").Done {
		t.Errorf("after starting again: %v, %+v", err, q.Get("smtp"))
	}
}

// TestProgressSurvivesKill kills a process while it saves progress as fast
// as it can, many times over: the file is always readable, and holds at
// least everything saved before the last complete save.
func TestProgressSurvivesKill(t *testing.T) {
	if os.Getenv("MAILSCOPE_PROGRESS_WRITER") != "" {
		writeProgressForever(os.Getenv("MAILSCOPE_PROGRESS_WRITER"))
		return
	}
	path := filepath.Join(t.TempDir(), "progress.json")
	for round := 0; round < 8; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestProgressSurvivesKill$")
		cmd.Env = append(os.Environ(), "MAILSCOPE_PROGRESS_WRITER="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until it has saved at least once in this round, then kill it
		// in the middle of whatever it is doing.
		buf := make([]byte, 1)
		out.Read(buf)
		time.Sleep(time.Duration(round%4) * 3 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		p, err := OpenProgress(path)
		if err != nil {
			t.Fatalf("round %d: progress unreadable after a kill: %v", round, err)
		}
		if lp := p.Get("lesson"); len(lp.Answers) == 0 {
			t.Fatalf("round %d: progress lost: %+v", round, lp)
		}
	}
}

// writeProgressForever answers question after question, saving each time,
// and says so on stdout after the first save.
func writeProgressForever(path string) {
	p, err := OpenProgress(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	start := len(p.Get("lesson").Answers)
	for q := start; ; q++ {
		if err := p.Answer("lesson", q, q%3, q%2 == 0); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if q == start {
			os.Stdout.WriteString(strconv.Itoa(q)[:1])
		}
	}
}

// TestReadOnly opens a lesson at its last step as a screenshot does: the
// lesson is done for the window, but neither the progress file nor the
// preferences change.
func TestReadOnly(t *testing.T) {
	fa := test.NewTempApp(t)
	fa.Preferences().SetString(prefScenario, "tour")
	file := filepath.Join(fa.Storage().RootURI().Path(), "progress.json")
	before, beforeErr := os.ReadFile(file)
	a, err := New(fa, Options{Scenario: "pop3-delete", Lang: sim.EN, Theme: "light", Step: 1000, Size: fyne.NewSize(1280, 720), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	a.Window().Show()
	t.Cleanup(a.Window().Close)
	a.ToggleLang()
	if !a.progress.Get("pop3-delete").Done {
		t.Fatal("the lesson shown to its end is not done in the window")
	}
	after, afterErr := os.ReadFile(file)
	if !bytes.Equal(before, after) || (beforeErr == nil) != (afterErr == nil) {
		t.Errorf("a read-only window changed %s:\n%s\nbecame\n%s", file, before, after)
	}
	p := fa.Preferences()
	if got := p.String(prefScenario); got != "tour" {
		t.Errorf("remembered scenario = %q, want tour", got)
	}
	if got := p.String(prefLang); got != "" {
		t.Errorf("remembered language = %q, want none", got)
	}
	if got := p.IntWithFallback(prefPos+"pop3-delete", -1); got != -1 {
		t.Errorf("remembered position = %d, want none", got)
	}
}
