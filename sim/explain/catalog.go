package explain

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"

	"github.com/mailscope/mailscope/sim"
)

// Entry is one explanation in the catalogue. Entries are shared: callers
// must not modify them.
type Entry struct {
	ID    string   // stable key, such as "smtp.cmd.EHLO", "smtp.reply.250", "imap.code.UIDVALIDITY"
	Title sim.Text // short: "EHLO — extended hello"
	Text  sim.Text // what it means, in one to three plain sentences
	RFC   string   // the section that defines it, such as "RFC 5321 §4.1.1.1"
}

//go:embed data/*.yaml
var dataFS embed.FS

// catalog is the decoded catalogue.
type catalog struct {
	byID map[string]*Entry
	all  []*Entry // sorted by ID
}

var loaded = sync.OnceValue(func() *catalog {
	c, err := loadCatalog(dataFS)
	if err != nil {
		// The files are embedded and checked by the tests: a broken
		// catalogue is a bug in the build, not a condition to handle.
		panic(err)
	}
	return c
})

// Lookup returns the entry with the given ID, or nil.
func Lookup(id string) *Entry { return loaded().byID[id] }

// All returns every entry, sorted by ID. The slice is the caller's; the
// entries are shared.
func All() []*Entry { return slices.Clone(loaded().all) }

// fileEntry is an entry as written in a data file.
type fileEntry struct {
	ID    string   `yaml:"id"`
	RFC   string   `yaml:"rfc"`
	Title sim.Text `yaml:"title"`
	Text  sim.Text `yaml:"text"`
}

// loadCatalog reads every data/*.yaml file of fsys: each is a list of
// entries, decoded strictly. Every entry needs an ID, an RFC, and a title
// and a text in every language; IDs are unique across the files.
func loadCatalog(fsys fs.FS) (*catalog, error) {
	names, err := fs.Glob(fsys, "data/*.yaml")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("explain: no catalogue files")
	}
	c := &catalog{byID: make(map[string]*Entry)}
	where := make(map[string]string)
	var errs []error
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var list []fileEntry
		if err := yaml.UnmarshalWithOptions(data, &list, yaml.Strict()); err != nil {
			return nil, fmt.Errorf("explain: %s: %w", name, err)
		}
		for i, fe := range list {
			e := &Entry{
				ID:    strings.TrimSpace(fe.ID),
				RFC:   clean(fe.RFC),
				Title: sim.Text{ES: clean(fe.Title.ES), EN: clean(fe.Title.EN)},
				Text:  sim.Text{ES: clean(fe.Text.ES), EN: clean(fe.Text.EN)},
			}
			at := fmt.Sprintf("%s: entry %d (%s)", path.Base(name), i+1, e.ID)
			switch {
			case e.ID == "":
				errs = append(errs, fmt.Errorf("explain: %s: no id", at))
				continue
			case where[e.ID] != "":
				errs = append(errs, fmt.Errorf("explain: %s: id already used in %s", at, where[e.ID]))
				continue
			}
			if e.RFC == "" {
				errs = append(errs, fmt.Errorf("explain: %s: no rfc", at))
			}
			for _, l := range e.Title.Missing() {
				errs = append(errs, fmt.Errorf("explain: %s: no title in %s", at, l))
			}
			for _, l := range e.Text.Missing() {
				errs = append(errs, fmt.Errorf("explain: %s: no text in %s", at, l))
			}
			where[e.ID] = at
			c.byID[e.ID] = e
			c.all = append(c.all, e)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortFunc(c.all, func(a, b *Entry) int { return strings.Compare(a.ID, b.ID) })
	return c, nil
}

// clean joins the lines of a text and trims it.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }
