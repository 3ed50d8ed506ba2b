package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// LessonProgress is what a learner has done in one lesson.
type LessonProgress struct {
	Done    bool        `json:"done,omitempty"`    // reached the last step
	Answers map[int]int `json:"answers,omitempty"` // question number -> choice chosen first
	Correct int         `json:"correct,omitempty"` // questions answered right the first time
}

// Progress keeps every lesson's progress in a JSON file, written as it
// changes. A write goes to a temporary file that is synced and then renamed
// over the old one, so a killed process leaves either the old file or the
// new one, never half of one; a file that cannot be read is set aside and
// progress starts again.
type Progress struct {
	path string // immutable once opened; "" keeps progress in memory only

	mu      sync.Mutex
	lessons map[string]*LessonProgress
}

// OpenProgress reads the progress file at path (which need not exist).
func OpenProgress(path string) (*Progress, error) {
	p := &Progress{path: path, lessons: make(map[string]*LessonProgress)}
	// Temporary files left by a process killed while saving.
	if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".progress-*")); len(stale) > 0 {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return p, nil
	case err != nil:
		return p, fmt.Errorf("app: progress: %w", err)
	}
	if err := json.Unmarshal(data, &p.lessons); err != nil {
		// Keep the damaged file for whoever wants to look, and go on.
		os.Rename(path, path+".damaged")
		p.lessons = make(map[string]*LessonProgress)
		return p, fmt.Errorf("app: progress: %s is damaged, set aside: %w", path, err)
	}
	if p.lessons == nil {
		p.lessons = make(map[string]*LessonProgress)
	}
	return p, nil
}

// Get returns a copy of a lesson's progress.
func (p *Progress) Get(id string) LessonProgress {
	p.mu.Lock()
	defer p.mu.Unlock()
	lp := p.lessons[id]
	if lp == nil {
		return LessonProgress{}
	}
	c := *lp
	c.Answers = make(map[int]int, len(lp.Answers))
	for k, v := range lp.Answers {
		c.Answers[k] = v
	}
	return c
}

// Answer records the first answer to question q of a lesson, and whether
// it was right, and saves. Later answers to the same question do not
// change the score.
func (p *Progress) Answer(id string, q, choice int, correct bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	lp := p.lessonLocked(id)
	if _, ok := lp.Answers[q]; ok {
		return nil
	}
	lp.Answers[q] = choice
	if correct {
		lp.Correct++
	}
	return p.saveLocked()
}

// Finish records that a lesson was followed to its end, and saves.
func (p *Progress) Finish(id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	lp := p.lessonLocked(id)
	if lp.Done {
		return nil
	}
	lp.Done = true
	return p.saveLocked()
}

func (p *Progress) lessonLocked(id string) *LessonProgress {
	lp := p.lessons[id]
	if lp == nil {
		lp = &LessonProgress{}
		p.lessons[id] = lp
	}
	if lp.Answers == nil {
		lp.Answers = make(map[int]int)
	}
	return lp
}

// inMemory stops saving: changes stay in memory and the file is left as
// it is.
func (p *Progress) inMemory() { p.path = "" }

// saveLocked writes the file atomically.
func (p *Progress) saveLocked() error {
	if p.path == "" {
		return nil
	}
	data, err := json.MarshalIndent(p.lessons, "", "  ")
	if err != nil {
		return fmt.Errorf("app: progress: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(p.path), 0o755); err != nil {
		return fmt.Errorf("app: progress: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.path), ".progress-*")
	if err != nil {
		return fmt.Errorf("app: progress: %w", err)
	}
	_, werr := tmp.Write(data)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("app: progress: %w", err)
	}
	if err := os.Rename(tmp.Name(), p.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("app: progress: %w", err)
	}
	return nil
}
