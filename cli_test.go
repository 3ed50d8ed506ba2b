package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/lessons"
)

// TestLessonCommands runs the commands a teacher uses on lessons:
// "lessons" lists every built-in one, "check" passes every built-in one
// (given by id or as a file) and "run" plays each to the end.
func TestLessonCommands(t *testing.T) {
	out, stderr, code := run(t, "lessons")
	if code != 0 || stderr != "" {
		t.Fatalf("mailscope lessons: exit %d, stderr %q", code, stderr)
	}
	ids := lessons.IDs()
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if i >= len(ids) || !strings.HasPrefix(line, ids[i]+" ") {
			t.Errorf("mailscope lessons, line %d: %q; want the ids in the order %v", i+1, line, ids)
			break
		}
	}
	out, stderr, code = run(t, append([]string{"check"}, ids...)...)
	if code != 0 || stderr != "" || strings.Count(out, "\n") != len(ids) {
		t.Errorf("mailscope check (every built-in lesson): exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if _, stderr, code = run(t, "check", filepath.Join("lessons", "pop3-delete.yaml")); code != 0 {
		t.Errorf("mailscope check lessons/pop3-delete.yaml: exit %d, stderr %q", code, stderr)
	}
	for _, id := range ids {
		out, stderr, code := run(t, "run", id)
		if code != 0 || stderr != "" || !strings.Contains(out, "=== 1 · ") {
			t.Errorf("mailscope run %s: exit %d, stderr %q, %d bytes out", id, code, stderr, len(out))
		}
	}
}

// TestCheckBroken checks a file with two mistakes: both are reported as
// file:line:col: message, and the exit status is 1.
func TestCheckBroken(t *testing.T) {
	data, err := lessons.BuiltinData("pop3-delete")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), "title:", "titel:", 1)
	broken = strings.Replace(broken, "device: beto-phone", "device: beto-tablet", 1)
	name := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(name, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, "check", name)
	if code != 1 {
		t.Errorf("mailscope check on a broken file: exit %d, want 1", code)
	}
	located := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `:\d+:\d+: \S`)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) == 0 || !strings.Contains(stderr, `unknown key "titel"`) {
		t.Fatalf("mailscope check on a broken file said:\n%s", stderr)
	}
	for _, l := range lines {
		if !located.MatchString(l) {
			t.Errorf("not file:line:col: message: %q", l)
		}
	}
}
