package lessons

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// TestScenarios runs every built-in scenario that is not a lesson (it has
// no order: mailscope run NAME) and holds it to what a lesson promises but
// the quiz and the summary: mailscope check passes, every text exists in
// both languages,
// the expectations hold, and the transcript in each language is the golden
// one in testdata/scenarios (go test ./lessons -run TestScenarios -update
// rewrites them), unless sim/world's tests keep its golden transcripts.
func TestScenarios(t *testing.T) {
	n := 0
	for _, id := range IDs() {
		s, err := Builtin(id)
		if err != nil {
			t.Fatalf("Builtin(%q): %v", id, err)
		}
		if s.Order > 0 {
			continue
		}
		n++
		t.Run(id, func(t *testing.T) {
			data, err := BuiltinData(id)
			if err != nil {
				t.Fatal(err)
			}
			if err := Check("lessons/"+id+".yaml", data); err != nil {
				t.Fatalf("mailscope check fails:\n%v", err)
			}
			for _, p := range bilingual(reflect.ValueOf(s), "$") {
				t.Error(p)
			}
			w, err := world.Run(s, world.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join("..", "sim", "world", "testdata", id+".en.txt")); err == nil {
				return // its golden transcripts are sim/world's
			}
			for _, l := range sim.Langs {
				var b bytes.Buffer
				if err := sim.WriteText(&b, w.Trace.Events(), l); err != nil {
					t.Fatal(err)
				}
				golden(t, "scenarios/"+id+"."+string(l)+".txt", b.Bytes())
			}
		})
	}
	if n == 0 {
		t.Fatal("no built-in scenarios without an order")
	}
}
