// Package catalogtest checks that a package has every one of its
// sentences for people in both languages: it reads the package's Go source
// and finds each format string given to the functions that make those
// sentences, so that a sentence added without its Spanish fails a test
// rather than showing English to a Spanish reader.
package catalogtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/mailscope/mailscope/sim"
)

// Check reads the Go files of dir (not its tests) and returns a sentence
// for each problem: a call of one of funcs (a function or method name,
// mapped to the index of its format argument) whose format is not a string
// literal (or a wrapper's own parameter named format), or is one with no entry in cat; an entry of cat that no call
// uses; an entry whose Spanish has other verbs than its English. Formats
// with no letters ("%v") need no entry.
func Check(dir string, cat sim.Catalog, funcs map[string]int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	used := make(map[string]bool)
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fn string
			switch x := call.Fun.(type) {
			case *ast.Ident:
				fn = x.Name
			case *ast.SelectorExpr:
				fn = x.Sel.Name
			}
			i, ok := funcs[fn]
			if !ok || i >= len(call.Args) {
				return true
			}
			pos := fset.Position(call.Args[i].Pos())
			if id, ok := call.Args[i].(*ast.Ident); ok && id.Name == "format" {
				return true // a wrapper passing its own format on
			}
			lit, ok := call.Args[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				out = append(out, fmt.Sprintf("%s: the format given to %s is not a string literal", pos, fn))
				return true
			}
			format, err := strconv.Unquote(lit.Value)
			if err != nil {
				out = append(out, fmt.Sprintf("%s: %v", pos, err))
				return true
			}
			used[format] = true
			if _, ok := cat[format]; !ok && strings.IndexFunc(format, unicode.IsLetter) >= 0 && !onlyVerbs(format) {
				out = append(out, fmt.Sprintf("%s: %q has no Spanish", pos, format))
			}
			return true
		})
	}
	for en := range cat {
		if !used[en] {
			out = append(out, fmt.Sprintf("%q is in the catalog but no call says it", en))
		}
	}
	slices.Sort(out)
	return append(out, cat.Check()...), nil
}

// onlyVerbs reports whether format is nothing but verbs and spaces.
func onlyVerbs(format string) bool {
	for _, f := range strings.Fields(format) {
		if !strings.HasPrefix(f, "%") || len(sim.Verbs(f)) != 1 {
			return false
		}
	}
	return true
}
