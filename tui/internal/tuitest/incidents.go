package tuitest

import (
	"sync"
	"testing"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/tui/common"
)

// Incidents is a common.Incidents over a real journal directory, as the
// console's own is: every incident is a journal file written by
// internal/incident, so screens are tested against real journals.
type Incidents struct {
	mu    sync.Mutex
	dir   string
	actor string
	opts  incident.Options
	cur   *incident.Journal
	// Opens counts the calls to Open.
	Opens int
}

// NewIncidents keeps journals in dir (usually t.TempDir()), acting as
// actor, with the pinned clock so ids are predictable
// (INC-20260314-0926-<workload>). Journals are closed when the test ends.
func NewIncidents(t testing.TB, dir, actor string) *Incidents {
	t.Helper()
	in := &Incidents{dir: dir, actor: actor, opts: incident.Options{Actor: actor, Host: "bastion-1", Now: Now}}
	t.Cleanup(func() {
		in.mu.Lock()
		defer in.mu.Unlock()
		if in.cur != nil {
			_ = in.cur.Close()
		}
	})
	return in
}

// Current is the incident opened last.
func (in *Incidents) Current() (incident.Incident, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cur == nil {
		return incident.Incident{}, false
	}
	_ = in.cur.Refresh()
	return in.cur.Incident(), true
}

// Open creates a journal and makes it current.
func (in *Incidents) Open(o incident.Opened) (incident.Incident, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.Opens++
	j, err := incident.Open(in.dir, o, in.opts)
	if err != nil {
		return incident.Incident{}, err
	}
	if in.cur != nil {
		_ = in.cur.Close()
	}
	in.cur = j
	return j.Incident(), nil
}

// Note appends to the current incident.
func (in *Incidents) Note(text string) error {
	j := in.Journal()
	if j == nil {
		return incident.ErrClosed
	}
	_, err := j.Note(in.actor, text)
	return err
}

func (in *Incidents) Actor() string { return in.actor }
func (in *Incidents) Dir() string   { return in.dir }

// Lookup reads the incident's journal in the directory.
func (in *Incidents) Lookup(id string) (incident.Incident, bool) {
	if incident.CheckID(id) != nil {
		return incident.Incident{}, false
	}
	inc, _, _, err := incident.Read(incident.Path(in.dir, id))
	if err != nil {
		return incident.Incident{}, false
	}
	return inc, true
}

// Pending lists the intents without a result in the directory.
func (in *Incidents) Pending() []incident.PendingIntent {
	p, _ := incident.PendingIn(in.dir)
	return p
}

// Journal is the current incident's journal (nil: none), for tests to
// append records as the action layer would.
func (in *Incidents) Journal() *incident.Journal {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cur
}

// Options are the journal options the fake writes with (for tests that
// open journals of their own in the same directory).
func (in *Incidents) Options() incident.Options { return in.opts }

var _ common.Incidents = (*Incidents)(nil)
