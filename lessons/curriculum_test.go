package lessons

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

// lessonIDs returns the built-in scripts that are lessons (they have an
// order in the curriculum), in that order.
func lessonIDs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, id := range IDs() {
		s, err := Builtin(id)
		if err != nil {
			t.Fatalf("Builtin(%q): %v", id, err)
		}
		if s.Order > 0 {
			out = append(out, id)
		}
	}
	return out
}

// TestLessons holds every built-in lesson to what the curriculum promises:
// its expectations pass when it runs, it is complete in both languages, it
// ends with a quiz of at least three questions, and its transcript in each
// language is the golden one in testdata.
func TestLessons(t *testing.T) {
	ids := lessonIDs(t)
	if len(ids) == 0 {
		t.Fatal("no built-in lessons")
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			data, err := BuiltinData(id)
			if err != nil {
				t.Fatal(err)
			}
			if err := Check("lessons/"+id+".yaml", data); err != nil {
				t.Fatalf("mailscope check fails:\n%v", err)
			}
			s, err := Builtin(id)
			if err != nil {
				t.Fatal(err)
			}
			if s.Level == "" || s.Summary.IsZero() {
				t.Errorf("level %q, summary %+v: a lesson needs both", s.Level, s.Summary)
			}
			for _, p := range bilingual(reflect.ValueOf(s), "$") {
				t.Error(p)
			}
			if q := s.Steps[len(s.Steps)-1].Quiz; len(q) < 3 {
				t.Errorf("the last step has %d quiz questions, want at least 3", len(q))
			}
			w, err := world.Run(s, world.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range sim.Langs {
				var b bytes.Buffer
				if err := sim.WriteText(&b, w.Trace.Events(), l); err != nil {
					t.Fatal(err)
				}
				golden(t, id+"."+string(l)+".txt", b.Bytes())
			}
		})
	}
}

// TestCurriculumOrder checks that no two lessons claim the same place in
// the curriculum.
func TestCurriculumOrder(t *testing.T) {
	seen := map[int]string{}
	for _, id := range lessonIDs(t) {
		s, _ := Builtin(id)
		if other, ok := seen[s.Order]; ok {
			t.Errorf("lessons %s and %s both have order %d", other, id, s.Order)
		}
		seen[s.Order] = id
	}
	// The curriculum: at least twelve lessons, numbered 1 to N with no gap.
	if len(seen) < 12 {
		t.Errorf("the curriculum has %d lessons, want at least 12", len(seen))
	}
	for n := 1; n <= len(seen); n++ {
		if _, ok := seen[n]; !ok {
			t.Errorf("no lesson has order %d: the lessons are not numbered 1 to %d", n, len(seen))
		}
	}
}

// bilingual walks v and reports every sim.Text that is missing a language,
// or whose two languages are the same sentence (a text copied and not
// translated). Short texts — a name, a protocol keyword — may coincide.
func bilingual(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return bilingual(v.Elem(), path)
	case reflect.Struct:
		if t, ok := v.Interface().(sim.Text); ok {
			switch {
			case t.IsZero():
				return nil
			case t.ES == "" || t.EN == "":
				return []string{path + ": a language is missing"}
			case t.ES == t.EN && strings.Count(t.EN, " ") >= 3:
				return []string{path + ": the Spanish and English texts are the same: " + t.EN}
			}
			return nil
		}
		var out []string
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() {
				out = append(out, bilingual(v.Field(i), path+"."+f.Name)...)
			}
		}
		return out
	case reflect.Slice:
		var out []string
		for i := 0; i < v.Len(); i++ {
			out = append(out, bilingual(v.Index(i), path+"["+strconv.Itoa(i)+"]")...)
		}
		return out
	}
	return nil
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./lessons -run %s -update to create it)", err, t.Name())
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s differs from the golden transcript at line %d:\n got: %s\nwant: %s\n(run go test ./lessons -update if the change is intended)", name, i+1, g, w)
		}
	}
}
