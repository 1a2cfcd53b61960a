package action

import (
	"sync"
	"time"
)

// Phase is a step of an action's life, in the order they happen.
type Phase string

const (
	PhasePlanned   Phase = "planned"
	PhaseDryRun    Phase = "dry-run"
	PhaseConfirmed Phase = "confirmed"
	PhaseExecuted  Phase = "executed"
	PhaseSkipped   Phase = "skipped"
	PhaseVerified  Phase = "verified"
	PhaseFailed    Phase = "failed"
)

// Event is one step of an action, for the incident journal: what was
// planned, what the dry run said, who confirmed, what was executed and
// whether it was verified, with how long each took.
type Event struct {
	Time   time.Time `json:"time"`
	Action string    `json:"action"`
	// Namespace and Workload name the object acted on ("deployment/checkout",
	// "service/web", or "app/shop" for an application).
	Namespace string `json:"namespace"`
	Workload  string `json:"workload"`
	Phase     Phase  `json:"phase"`
	Actor     string `json:"actor,omitempty"`
	// Detail holds what the phase found (revisions, images, verdicts,
	// errors), as plain values that encode to JSON.
	Detail   map[string]any `json:"detail,omitempty"`
	Duration time.Duration  `json:"duration,omitempty"`
}

// Recorder receives an action's events. Implementations must be safe for
// concurrent use: verifications of several workloads record at once.
type Recorder interface {
	Record(Event)
}

// RecorderFunc adapts a function to a Recorder.
type RecorderFunc func(Event)

// Record calls f.
func (f RecorderFunc) Record(e Event) { f(e) }

// Events keeps the events it is given, in order (tests, and callers that
// journal them at the end).
type Events struct {
	mu     sync.Mutex
	events []Event
}

// Record appends e.
func (r *Events) Record(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// All returns a copy of the events so far.
func (r *Events) All() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// record fills the event's time when unset and hands it to rec (nil:
// nothing is recorded).
func record(rec Recorder, e Event) {
	if rec == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	rec.Record(e)
}
