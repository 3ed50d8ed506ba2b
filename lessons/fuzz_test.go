package lessons

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse feeds the loader arbitrary files, seeded with the built-in
// lessons and the broken-file base: it must never panic, and every error
// must be an ErrorList of problems placed inside the file, each with a
// sentence.
func FuzzParse(f *testing.F) {
	for _, id := range IDs() {
		data, err := BuiltinData(id)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(lessonBase))
	f.Add([]byte(good))
	f.Add([]byte("id: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		if err == nil {
			if s == nil || len(s.Steps) == 0 {
				t.Fatalf("Parse accepted a script without steps: %+v", s)
			}
			return
		}
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("Parse error %T %v is not an ErrorList", err, err)
		}
		// YAML breaks lines at LF, CRLF and a lone CR.
		lines := bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n")) + 2
		for _, e := range list {
			if e.Line < 1 || e.Col < 1 || e.Line > lines || e.Msg == "" || e.File != "f.yaml" {
				t.Fatalf("misplaced or empty error %q in a file of %d lines", e.Error(), lines)
			}
		}
	})
}
