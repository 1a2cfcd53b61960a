package tui

import (
	"errors"
	"os"
	"sync"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/actionlog"
	"github.com/mayday-tui/mayday/tui/common"
)

// journal implements common.Incidents over the keeper that journals the
// console's actions.
type journal struct {
	keeper *actionlog.Keeper
	actor  string
	// pending is read once at start: intents of earlier sessions whose
	// outcome is unknown.
	pending []incident.PendingIntent

	mu     sync.Mutex
	looked map[string]lookedUp
}

// lookedUp caches a journal read by Lookup until its file changes.
type lookedUp struct {
	size, mtime int64
	inc         incident.Incident
	ok          bool
}

var _ common.Incidents = (*journal)(nil)

func newJournal(k *actionlog.Keeper, actor string) *journal {
	j := &journal{keeper: k, actor: actor, looked: map[string]lookedUp{}}
	j.pending, _ = incident.PendingIn(k.Dir)
	return j
}

func (j *journal) Current() (incident.Incident, bool) {
	jn := j.keeper.Journal()
	if jn == nil {
		return incident.Incident{}, false
	}
	inc := jn.Incident()
	inc.Path = jn.File()
	return inc, true
}

func (j *journal) Open(o incident.Opened) (incident.Incident, error) {
	if o.Owner == "" {
		o.Owner = j.actor
	}
	jn, err := j.keeper.Open(o)
	if err != nil {
		return incident.Incident{}, err
	}
	inc := jn.Incident()
	inc.Path = jn.File()
	return inc, nil
}

func (j *journal) Note(text string) error {
	jn := j.keeper.Journal()
	if jn == nil {
		return errors.New("no incident yet: open one with n")
	}
	_, err := jn.Note(j.actor, text)
	return err
}

func (j *journal) Actor() string { return j.actor }

func (j *journal) Dir() string { return j.keeper.Dir }

func (j *journal) Pending() []incident.PendingIntent { return j.pending }

// Lookup reads the incident's journal in Dir, again only when the file
// changed: the finder and history ask on every refresh.
func (j *journal) Lookup(id string) (incident.Incident, bool) {
	if incident.CheckID(id) != nil {
		return incident.Incident{}, false
	}
	path := incident.Path(j.keeper.Dir, id)
	st, err := os.Stat(path)
	if err != nil {
		return incident.Incident{}, false
	}
	j.mu.Lock()
	c, hit := j.looked[id]
	j.mu.Unlock()
	if hit && c.size == st.Size() && c.mtime == st.ModTime().UnixNano() {
		return c.inc, c.ok
	}
	inc, _, _, err := incident.Read(path)
	inc.Path = path
	c = lookedUp{size: st.Size(), mtime: st.ModTime().UnixNano(), inc: inc, ok: err == nil}
	j.mu.Lock()
	j.looked[id] = c
	j.mu.Unlock()
	return c.inc, c.ok
}
