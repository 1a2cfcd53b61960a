package actionlog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/incident"
)

// Keeper holds the incident a process records its actions in: the one
// named (ID), else an open incident about the same workload, else one the
// first action opens. It is the action layer's Ledger (intent before
// each write, result after) and Recorder (every phase).
//
// Events before the first write (planned, dry run, confirmed) are held
// until an incident exists, so a plan nobody confirms opens none.
type Keeper struct {
	// Dir is the journal directory; Opts the journals' options.
	Dir  string
	Opts incident.Options
	// ID names the incident to record in: joined when its journal
	// exists in Dir, else opened with that id.
	ID string
	// Severity is given to an incident the first action opens.
	Severity string
	// OnError hears about records that could not be written after the
	// change was sent (the intent, which must be written, refuses the
	// change instead). Nil drops them.
	OnError func(error)

	mu      sync.Mutex
	j       *incident.Journal
	held    []incident.Record
	opened  bool // this keeper opened the incident
	lastErr error
}

// maxHeld bounds the events held before an incident exists.
const maxHeld = 200

// Journal is the incident's journal (nil: none yet).
func (k *Keeper) Journal() *incident.Journal {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.j
}

// Opened reports whether this keeper opened the incident (rather than
// joining one).
func (k *Keeper) Opened() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.opened
}

// Open starts a new incident and records in it from now on.
func (k *Keeper) Open(o incident.Opened) (*incident.Journal, error) {
	j, err := incident.Open(k.Dir, o, k.Opts)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	old := k.j
	k.j, k.opened = j, true
	held := k.takeHeld()
	k.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	k.flush(j, held)
	return j, nil
}

// Ensure returns the journal to record an action on w in, joining or
// opening the incident first (title: what opened it).
func (k *Keeper) Ensure(w incident.Workload, title string) (*incident.Journal, error) {
	k.mu.Lock()
	if j := k.j; j != nil {
		k.mu.Unlock()
		return j, nil
	}
	k.mu.Unlock()
	j, opened, err := k.find(w, title)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	if k.j != nil { // another goroutine got there first
		k.mu.Unlock()
		_ = j.Close()
		return k.Journal(), nil
	}
	k.j, k.opened = j, opened
	held := k.takeHeld()
	k.mu.Unlock()
	k.flush(j, held)
	return j, nil
}

// find joins the named incident, or the newest open one about w, or
// opens one.
func (k *Keeper) find(w incident.Workload, title string) (*incident.Journal, bool, error) {
	if k.ID != "" {
		j, err := incident.Load(k.Dir, k.ID, k.Opts)
		var nf *incident.NotFoundError
		if !errors.As(err, &nf) {
			return j, false, err
		}
		j, err = incident.Open(k.Dir, incident.Opened{ID: k.ID, Title: title, Severity: k.Severity, Workloads: []incident.Workload{w}}, k.Opts)
		return j, true, err
	}
	list, err := incident.List(k.Dir)
	if err != nil {
		return nil, false, err
	}
	for _, l := range list {
		if l.Err == nil && l.Status == incident.StatusOpen && slices.Contains(l.Workloads, w) {
			j, err := incident.LoadFile(l.Path, k.Opts)
			if err == nil {
				return j, false, nil
			}
		}
	}
	j, err := incident.Open(k.Dir, incident.Opened{Title: title, Severity: k.Severity, Workloads: []incident.Workload{w}}, k.Opts)
	return j, true, err
}

// Begin records the intent of m, durably, before it is sent.
func (k *Keeper) Begin(ctx context.Context, m action.Mutation) (action.Intent, error) {
	w := incident.Workload{Namespace: m.Namespace, Name: m.Workload}
	j, err := k.Ensure(w, m.Action+" "+m.Workload)
	if err != nil {
		return action.Intent{}, err
	}
	id, err := j.IntentAs(ctx, m.Actor, incident.Action{Action: m.Action, Workload: w, Description: m.Description,
		ResourceVersion: m.ResourceVersion, Detail: m.Detail})
	if err != nil {
		return action.Intent{}, fmt.Errorf("journal %s: %w", j.File(), err)
	}
	return action.Intent{Incident: j.ID(), End: func(e action.Ended) {
		o := incident.Outcome{Status: incident.OutcomeStatus(e.Status), Error: e.Error, Detail: e.Detail}
		if err := j.Result(id, o); err != nil {
			k.fail(fmt.Errorf("journal %s: the result of #%d could not be recorded (it reads back as outcome unknown): %w", j.File(), id, err))
		}
	}}, nil
}

// Record journals an action's event, or holds it until an incident
// exists.
func (k *Keeper) Record(e action.Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	k.Append(Record(e))
}

// Append journals r in the incident, or holds it until an incident
// exists (what was seen and decided before the first write belongs to
// the incident that write opens).
func (k *Keeper) Append(r incident.Record) {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	k.mu.Lock()
	j := k.j
	if j == nil {
		if len(k.held) < maxHeld {
			k.held = append(k.held, r)
		}
		k.mu.Unlock()
		return
	}
	k.mu.Unlock()
	if _, err := j.Append(r); err != nil {
		k.fail(fmt.Errorf("journal %s: %w", r.Type, err))
	}
}

// Close closes the journal file; the incident stays as it is.
func (k *Keeper) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.j == nil {
		return nil
	}
	err := k.j.Close()
	k.j = nil
	return err
}

// Err is the last record that could not be written (nil: none).
func (k *Keeper) Err() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastErr
}

func (k *Keeper) takeHeld() []incident.Record {
	held := k.held
	k.held = nil
	return held
}

func (k *Keeper) flush(j *incident.Journal, held []incident.Record) {
	for _, r := range held {
		if _, err := j.Append(r); err != nil {
			k.fail(fmt.Errorf("journal %s: %w", r.Type, err))
		}
	}
}

func (k *Keeper) fail(err error) {
	k.mu.Lock()
	k.lastErr = err
	k.mu.Unlock()
	if k.OnError != nil {
		k.OnError(err)
	}
}
