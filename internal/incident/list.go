package incident

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
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

// PendingIntent is an intent without a result in some incident's
// journal: a change whose outcome is unknown.
type PendingIntent struct {
	Incident string `json:"incident"`
	Path     string `json:"path"`
	Seq      int64  `json:"seq"`
	Actor    string `json:"actor"`
	Host     string `json:"host,omitempty"`
	// Action is what was about to be sent.
	Action Action    `json:"action"`
	Time   time.Time `json:"time"`
}

// PendingIn lists the intents without a result of the open incidents in
// dir, oldest first. Journals that cannot be read are skipped (List
// reports them).
func PendingIn(dir string) ([]PendingIntent, error) {
	list, err := List(dir)
	if err != nil {
		return nil, err
	}
	var out []PendingIntent
	for _, l := range list {
		if l.Err != nil || l.Pending == 0 || l.Status != StatusOpen {
			continue
		}
		_, recs, _, err := Read(l.Path)
		if err != nil {
			continue
		}
		for _, r := range Pending(recs) {
			a, _ := r.Payload.(Action)
			out = append(out, PendingIntent{Incident: l.ID, Path: l.Path, Seq: r.Seq, Actor: r.Actor, Host: r.Host, Action: a, Time: r.Time})
		}
	}
	slices.SortStableFunc(out, func(a, b PendingIntent) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// CheckWritable makes sure journals can be written in dir (created if
// missing) before anything is done that would need one.
func CheckWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("the journal directory is not usable: %w", err)
	}
	f, err := os.CreateTemp(dir, ".writable-*")
	if err != nil {
		return fmt.Errorf("the journal directory is not writable: %w", err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}
