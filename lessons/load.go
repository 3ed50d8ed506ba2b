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
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

//go:embed *.yaml
var builtin embed.FS

// Schema is the JSON Schema of the lesson format (lesson.schema.json), for
// editors that complete and check YAML as it is written.
//
//go:embed lesson.schema.json
var Schema []byte

// Error is a problem at a place in a lesson file. Msg says it in English;
// In says the whole error in either language.
type Error struct {
	File      string
	Line, Col int
	Msg       string
	es        string // Msg in Spanish; "" when there is none
}

// newError returns the problem m at a place in file.
func newError(file string, line, col int, m sim.Localized) *Error {
	return &Error{File: file, Line: line, Col: col, Msg: m.In(sim.EN), es: m.In(sim.ES)}
}

func (e *Error) Error() string { return e.In(sim.EN) }

// Message returns what is wrong in language l (in English when there is
// no Spanish).
func (e *Error) Message(l sim.Lang) string {
	if l == sim.ES && e.es != "" {
		return e.es
	}
	return e.Msg
}

// In returns the error as Error does, file:line:col: and a sentence, in
// language l.
func (e *Error) In(l sim.Lang) string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Message(l))
}

// ErrorList is every problem found in a file, in the order of the file.
type ErrorList []*Error

func (l ErrorList) Error() string { return l.In(sim.EN) }

// In returns the errors as Error does, one a line, in language lang.
func (l ErrorList) In(lang sim.Lang) string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.In(lang)
	}
	return strings.Join(msgs, "\n")
}

// Describe returns err in language l: an ErrorList, an Error, world
// Problems or any error that can say itself in both languages (a
// sim.Localized) in l, any other error as its Error says it.
func Describe(err error, l sim.Lang) string {
	if err == nil {
		return ""
	}
	var list ErrorList
	if errors.As(err, &list) {
		return list.In(l)
	}
	var e *Error
	if errors.As(err, &e) {
		return e.In(l)
	}
	var ps world.Problems
	if errors.As(err, &ps) {
		return ps.In(l)
	}
	if x, ok := err.(sim.Localized); ok {
		return x.In(l)
	}
	return err.Error()
}

// Parse reads a script from data; file names it in errors. The error is an
// ErrorList.
func Parse(file string, data []byte) (*world.Script, error) {
	var s world.Script
	if err := yaml.UnmarshalWithOptions(data, &s, yaml.Strict()); err != nil {
		return nil, ErrorList{yamlError(file, err)}
	}
	if err := world.Check(&s); err != nil {
		return nil, Locate(file, data, err)
	}
	return &s, nil
}

// Check reads a script from data and runs it, and returns every problem:
// the file's own, and the expectations that do not hold when it runs. The
// error is an ErrorList.
func Check(file string, data []byte) error {
	s, err := Parse(file, data)
	if err != nil {
		return err
	}
	if _, err := world.Run(s, world.Options{}); err != nil {
		return Locate(file, data, err)
	}
	return nil
}

// Locate gives each problem of err (world.Problems, or any error) its line
// and column in the file's data.
func Locate(file string, data []byte, err error) ErrorList {
	var problems world.Problems
	if !errors.As(err, &problems) {
		return ErrorList{newError(file, 1, 1, localized(err))}
	}
	f, perr := parser.ParseBytes(data, 0)
	var list ErrorList
	for _, p := range problems {
		line, col := 1, 1
		if perr == nil {
			line, col = position(f, p.Path)
		}
		list = append(list, &Error{File: file, Line: line, Col: col, Msg: p.Msg, es: p.Message(sim.ES)})
	}
	slices.SortStableFunc(list, func(a, b *Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return list
}

// yamlError turns a decoding error into an Error at its token.
func yamlError(file string, err error) *Error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := newError(file, 1, 1, cleanMessage(ye.GetMessage()))
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Col = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return newError(file, 1, 1, localized(err))
}

// localized returns err as a text in both languages: itself if it says
// itself in both, else its Error in both.
func localized(err error) sim.Localized {
	if x, ok := err.(sim.Localized); ok {
		return x
	}
	return sim.Text{ES: err.Error(), EN: err.Error()}
}

// cleanMessage rewords the decoder's messages for people writing lessons,
// who know YAML's words (a list, a mapping) and not Go's, in both
// languages; a rare message it does not know stays the decoder's, after a
// Spanish lead-in.
func cleanMessage(msg string) sim.Message {
	if field, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return msgf("unknown key %s (check its spelling and its indentation)", field)
	}
	if m := wrongKind.FindStringSubmatch(msg); m != nil {
		return msgf("%s was written where %s is expected", kindName(m[1]), kindName(m[2]))
	}
	if m := wrongType.FindStringSubmatch(msg); m != nil {
		if m[3] != "" {
			return msgf("%s is too large a number", m[1])
		}
		return msgf("%s was written where %s is expected", kindName(m[1]), kindName(m[2]))
	}
	if m := duplicateKey.FindStringSubmatch(msg); m != nil {
		return msgf("the key %s appears twice (first at line %s, column %s)", m[1], m[2], m[3])
	}
	if m := unclosedFlow.FindStringSubmatch(msg); m != nil {
		return msgf("%s or %s is missing here (is a quote or a bracket left open before?)", m[1], m[2])
	}
	if strings.Contains(msg, "found character '\t'") {
		return msgf("a tab cannot indent YAML: indent with spaces")
	}
	if strings.HasPrefix(msg, "value is not allowed in this context") {
		return msgf("nothing can be written here (check the indentation, the colon after a key, or a quote left open before)")
	}
	if msg == "mapping value is not allowed in this context" {
		return msgf("a second colon cannot go here (a text that contains \": \" needs quotes)")
	}
	if m := unclosedQuote.FindStringSubmatch(msg); m != nil {
		if m[1] == "single" {
			return msgf("a text opened with ' is never closed")
		}
		return msgf("a text opened with \" is never closed")
	}
	if msg == "could not find flow map content" {
		return msgf("a { is never closed")
	}
	if m := unknownAlias.FindStringSubmatch(msg); m != nil {
		return msgf("the alias *%s refers to no anchor &%s before it", m[1], m[1])
	}
	if msg == "non-map value is specified" {
		return msgf("a key and its value (key: value) are expected here")
	}
	if m := reservedChar.FindStringSubmatch(msg); m != nil {
		return msgf("a text cannot begin with %s unless it is in quotes", m[1])
	}
	return yamlLeadIn.Sprintf("%s", msg)
}

var (
	duplicateKey  = regexp.MustCompile(`^mapping key ("[^"]*") already defined at \[(\d+):(\d+)\]$`)
	unclosedFlow  = regexp.MustCompile(`^('.') or ('.') must be specified$`)
	unclosedQuote = regexp.MustCompile(`^could not find end character of (single|double)-quoted text$`)
	unknownAlias  = regexp.MustCompile(`^could not find alias "([^"]*)"$`)
	reservedChar  = regexp.MustCompile(`^'(.)' is a reserved character$`)
	wrongKind     = regexp.MustCompile(`^(\w+) was used where (\w+) is expected$`)
	wrongType     = regexp.MustCompile(`^cannot unmarshal (\S+|\[\]interface \{\}|map\[string\]interface \{\}) into Go (?:struct field \S+|value) of type (\S+)( \( overflow \))?$`)
)

// kindName names a YAML kind or a Go type as a lesson's author knows it.
func kindName(k string) sim.Localized {
	switch {
	case k == "string":
		return msgf("a text")
	case k == "bool":
		return msgf("true or false")
	case k == "sequence" || strings.HasPrefix(k, "[]"):
		return msgf("a list")
	case k == "mapping" || strings.HasPrefix(k, "map[") || strings.Contains(k, "."):
		return msgf("a mapping of keys and values")
	case k == "null":
		return msgf("nothing")
	case strings.HasPrefix(k, "int") || strings.HasPrefix(k, "uint") || strings.HasPrefix(k, "float"):
		return msgf("a number")
	case k != "" && (k[0] == '-' || k[0] >= '0' && k[0] <= '9'):
		return msgf("the number %s", k)
	}
	return sim.Text{ES: k, EN: k}
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
	data, err := BuiltinData(id)
	if err != nil {
		return nil, err
	}
	return Parse("lessons/"+id+".yaml", data)
}

// BuiltinData returns the file of the built-in script with the given id.
func BuiltinData(id string) ([]byte, error) {
	data, err := builtin.ReadFile(id + ".yaml")
	if err != nil {
		names, _ := fs.Glob(builtin, "*.yaml")
		for i := range names {
			names[i] = strings.TrimSuffix(names[i], ".yaml")
		}
		return nil, msgf("lessons: there is no built-in scenario %q (try one of: %s)", id, strings.Join(names, ", "))
	}
	return data, nil
}

// IDs returns the ids of the built-in scripts: the lessons in the order
// of the curriculum, then the other scenarios by id.
func IDs() []string {
	var out []string
	for _, s := range Builtins() {
		out = append(out, s.ID)
	}
	return out
}

// Builtins returns every built-in script that parses, in the order of IDs.
// They are parsed once and shared: callers must not change them (Builtin
// returns a script of one's own).
func Builtins() []*world.Script {
	builtinsOnce.Do(func() {
		names, _ := fs.Glob(builtin, "*.yaml")
		for _, n := range names {
			if s, err := Builtin(strings.TrimSuffix(path.Base(n), ".yaml")); err == nil {
				builtins = append(builtins, s)
			}
		}
		slices.SortStableFunc(builtins, func(a, b *world.Script) int {
			switch {
			case a.Order > 0 && b.Order > 0:
				return a.Order - b.Order
			case a.Order > 0:
				return -1
			case b.Order > 0:
				return 1
			}
			return strings.Compare(a.ID, b.ID)
		})
	})
	return slices.Clone(builtins)
}

var (
	builtinsOnce sync.Once
	builtins     []*world.Script
)

// isBuiltin reports whether a built-in script has the id name.
func isBuiltin(name string) bool {
	if !fs.ValidPath(name) || strings.Contains(name, "/") {
		return false
	}
	_, err := fs.Stat(builtin, name+".yaml")
	return err == nil
}

// Source returns the data of a built-in script (when name is an id) or of
// the file name, and the name to give it in errors.
func Source(name string) (data []byte, file string, err error) {
	if isBuiltin(name) {
		data, err = BuiltinData(name)
		return data, "lessons/" + name + ".yaml", err
	}
	data, err = os.ReadFile(name)
	return data, name, err
}

// Load returns a built-in script when name is an id, or reads the file name.
func Load(name string) (*world.Script, error) {
	if isBuiltin(name) {
		return Builtin(name)
	}
	if _, err := os.Stat(name); err == nil {
		return LoadFile(name)
	}
	if strings.ContainsAny(name, "/.") {
		return nil, msgf("lessons: cannot read %s: no such file", name)
	}
	return nil, msgf("lessons: there is no built-in scenario %q (try one of: %s)", name, strings.Join(IDs(), ", "))
}
