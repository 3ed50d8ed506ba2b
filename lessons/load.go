// Package lessons holds MailScope's built-in scenarios and lessons, embedded
// in the binary, and the loader that reads them and teachers' own files:
// YAML decoded strictly, every problem reported as file:line:col and a
// sentence.
package lessons

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/mailscope/mailscope/sim/world"
)

//go:embed *.yaml
var builtin embed.FS

// Error is a problem at a place in a lesson file.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg) }

// ErrorList is every problem found in a file, in the order of the file.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Parse reads a script from data; file names it in errors. The error is an
// ErrorList.
func Parse(file string, data []byte) (*world.Script, error) {
	var s world.Script
	if err := yaml.UnmarshalWithOptions(data, &s, yaml.Strict()); err != nil {
		return nil, ErrorList{yamlError(file, err)}
	}
	err := world.Check(&s)
	if err == nil {
		return &s, nil
	}
	var problems world.Problems
	if !errors.As(err, &problems) {
		return nil, ErrorList{{File: file, Line: 1, Col: 1, Msg: err.Error()}}
	}
	f, perr := parser.ParseBytes(data, 0)
	var list ErrorList
	for _, p := range problems {
		line, col := 1, 1
		if perr == nil {
			line, col = position(f, p.Path)
		}
		list = append(list, &Error{File: file, Line: line, Col: col, Msg: p.Msg})
	}
	slices.SortStableFunc(list, func(a, b *Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return nil, list
}

// yamlError turns a decoding error into an Error at its token.
func yamlError(file string, err error) *Error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := &Error{File: file, Line: 1, Col: 1, Msg: cleanMessage(ye.GetMessage())}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Col = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return &Error{File: file, Line: 1, Col: 1, Msg: err.Error()}
}

// cleanMessage rewords the decoder's messages for people writing lessons.
func cleanMessage(msg string) string {
	if field, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return fmt.Sprintf("unknown key %s (check its spelling and its indentation)", field)
	}
	return msg
}

// position returns the line and column of the value at a YAMLPath such as
// "$.steps[1].do[0].imap.device", or of the nearest enclosing value that
// exists in the file (a missing key is reported where it belongs).
func position(f *ast.File, p string) (line, col int) {
	for p != "" && p != "$" {
		if yp, err := yaml.PathString(p); err == nil {
			if n, err := yp.FilterFile(f); err == nil && n != nil {
				// A mapping is reported at its first key, not at its colon.
				switch m := n.(type) {
				case *ast.MappingNode:
					if len(m.Values) > 0 {
						n = m.Values[0].Key
					}
				case *ast.MappingValueNode:
					n = m.Key
				}
				if tk := n.GetToken(); tk != nil && tk.Position != nil {
					return tk.Position.Line, tk.Position.Column
				}
			}
		}
		p = parent(p)
	}
	return 1, 1
}

// parent returns the path of the value that contains the one at p.
func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// LoadFile reads a script from a file on disk.
func LoadFile(name string) (*world.Script, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return Parse(name, data)
}

// Builtin returns the built-in script with the given id.
func Builtin(id string) (*world.Script, error) {
	data, err := builtin.ReadFile(id + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("lessons: there is no built-in scenario %q (try one of: %s)", id, strings.Join(IDs(), ", "))
	}
	return Parse("lessons/"+id+".yaml", data)
}

// IDs returns the ids of the built-in scripts, sorted.
func IDs() []string {
	names, _ := fs.Glob(builtin, "*.yaml")
	ids := make([]string, len(names))
	for i, n := range names {
		ids[i] = strings.TrimSuffix(path.Base(n), ".yaml")
	}
	return ids
}

// Load returns a built-in script when name is an id, or reads the file name.
func Load(name string) (*world.Script, error) {
	if slices.Contains(IDs(), name) {
		return Builtin(name)
	}
	if _, err := os.Stat(name); err == nil {
		return LoadFile(name)
	}
	if strings.ContainsAny(name, "/.") {
		return nil, fmt.Errorf("lessons: cannot read %s: no such file", name)
	}
	return nil, fmt.Errorf("lessons: there is no built-in scenario %q (try one of: %s)", name, strings.Join(IDs(), ", "))
}
