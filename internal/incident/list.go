package incident

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Listed is one journal in a directory.
type Listed struct {
	Incident
	// Pending counts intents without a result (outcome unknown).
	Pending  int
	Warnings int
	// Err is set for a journal that cannot be read; Incident.Path still
	// names it.
	Err error
}

// List reads every journal in dir, newest incident first. A missing
// directory has no incidents.
func List(dir string) ([]Listed, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing incidents: %w", err)
	}
	var out []Listed
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".jsonl") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		inc, recs, warns, err := Read(path)
		inc.Path = path
		if inc.ID == "" {
			inc.ID = strings.TrimSuffix(e.Name(), ".jsonl")
		}
		out = append(out, Listed{Incident: inc, Pending: len(Pending(recs)), Warnings: len(warns), Err: err})
	}
	slices.SortStableFunc(out, func(a, b Listed) int {
		if c := b.Opened.Compare(a.Opened); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// Locate turns an argument into a journal file: an incident id in dir, or
// a path to a journal file (one copied from another machine).
func Locate(dir, arg string) (string, error) {
	if strings.ContainsRune(arg, os.PathSeparator) || strings.ContainsRune(arg, '/') || strings.HasSuffix(arg, ".jsonl") {
		if _, err := os.Stat(arg); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", &NotFoundError{Path: arg}
			}
			return "", fmt.Errorf("reading journal: %w", err)
		}
		return arg, nil
	}
	if err := CheckID(arg); err != nil {
		return "", err
	}
	path := Path(dir, arg)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", &NotFoundError{ID: arg, Dir: dir}
		}
		return "", fmt.Errorf("reading journal: %w", err)
	}
	return path, nil
}
