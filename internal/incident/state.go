package incident

import (
	"slices"
	"time"
)

// Status is whether an incident is still being worked on.
type Status string

const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Incident is the state a journal's records leave.
type Incident struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Severity  string     `json:"severity,omitempty"`
	Owner     string     `json:"owner"`
	Status    Status     `json:"status"`
	Workloads []Workload `json:"workloads"`
	// Host is where the incident was opened.
	Host   string    `json:"host,omitempty"`
	Opened time.Time `json:"opened"`
	// Closed and Resolution are set once closed.
	Closed     time.Time `json:"closed,omitzero"`
	Resolution string    `json:"resolution,omitempty"`
	// Actions counts the mutations attempted (intent records).
	Actions int `json:"actions"`
	// Records counts the records; Last is the newest record's time.
	Records int       `json:"records"`
	Last    time.Time `json:"last"`
	// Path is the journal file, when read from one.
	Path string `json:"path,omitempty"`
}

// apply folds one record into the state.
func (inc *Incident) apply(r Record) {
	inc.Records++
	if r.Time.After(inc.Last) {
		inc.Last = r.Time
	}
	switch p := r.Payload.(type) {
	case Opened:
		if inc.ID != "" {
			return // a second opened record does not rename the incident
		}
		inc.ID, inc.Title, inc.Severity, inc.Owner = p.ID, p.Title, p.Severity, p.Owner
		if inc.ID == "" {
			inc.ID = r.Incident
		}
		inc.Status, inc.Host, inc.Opened = StatusOpen, r.Host, r.Time
		for _, w := range p.Workloads {
			inc.addWorkload(w)
		}
	case Action:
		inc.Actions++
		inc.addWorkload(p.Workload)
	case Phase:
		inc.addWorkload(p.Workload)
	case Closed:
		inc.Status, inc.Closed, inc.Resolution = StatusClosed, r.Time, p.Resolution
	}
}

func (inc *Incident) addWorkload(w Workload) {
	if w.Name == "" || slices.Contains(inc.Workloads, w) {
		return
	}
	inc.Workloads = append(inc.Workloads, w)
}

// End is when the incident closed, else its newest record.
func (inc Incident) End() time.Time {
	if inc.Status == StatusClosed {
		return inc.Closed
	}
	return inc.Last
}
