package report

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/mayday-tui/mayday/internal/incident"

	"github.com/mayday-tui/mayday/internal/redact"
)

// Analysis is the evidence gathered about an incident's cause, besides
// the journal: every field is optional.
type Analysis struct {
	// Deployed is when the suspect revision went live (zero: the
	// journal's "deployed" milestone, if any).
	Deployed time.Time `json:"deployed,omitzero"`
	// BadRevision and GoodRevision describe the revisions compared
	// ("checkout revision 5, checkout:2.1.0").
	BadRevision  string `json:"badRevision,omitempty"`
	GoodRevision string `json:"goodRevision,omitempty"`
	// Changes summarise the difference ("image checkout:2.0.3 →
	// checkout:2.1.0", "memory limit 512Mi (unchanged)").
	Changes []string `json:"changes,omitempty"`
	// Diff is the unified diff between the revisions' templates.
	Diff string `json:"diff,omitempty"`
	// Events are the warning events of the bad revision's pods.
	Events []KubeEvent `json:"events,omitempty"`
	// Logs are the last lines of failing pods.
	Logs []LogLine `json:"logs,omitempty"`
	// Metrics are the signals before, during and after the incident.
	Metrics []MetricWindow `json:"metrics,omitempty"`
	Impact  *Impact        `json:"impact,omitempty"`
	// Hints are root-cause hints worked out from the evidence.
	Hints []string `json:"hints,omitempty"`
	// Redactor masks the values of Secrets the gatherer read (nil: masks
	// by pattern only).
	Redactor *redact.Redactor `json:"-"`
}

// KubeEvent is a Kubernetes warning event.
type KubeEvent struct {
	Time    time.Time `json:"time"`
	Object  string    `json:"object"`
	Reason  string    `json:"reason"`
	Message string    `json:"message"`
	Count   int       `json:"count,omitempty"`
}

// LogLine is a line of a pod's log.
type LogLine struct {
	Pod       string `json:"pod"`
	Container string `json:"container,omitempty"`
	Line      string `json:"line"`
}

// MetricWindow is one signal around the incident, as text.
type MetricWindow struct {
	Signal string `json:"signal"`
	Before string `json:"before,omitempty"`
	During string `json:"during,omitempty"`
	After  string `json:"after,omitempty"`
	// Plot is a small text chart of the window.
	Plot string `json:"plot,omitempty"`
}

// Impact is what the users felt.
type Impact struct {
	FailedRequests float64 `json:"failedRequests"`
	TotalRequests  float64 `json:"totalRequests,omitempty"`
	// AffectedShare is the share of traffic affected, 0 to 1 (negative:
	// unknown).
	AffectedShare float64 `json:"affectedShare"`
	// Window and Query say how it was measured.
	Window string `json:"window,omitempty"`
	Query  string `json:"query,omitempty"`
}

// Bounds on what the report quotes, so an enormous log does not become
// an enormous report.
const (
	maxLogLines  = 50
	maxLineBytes = 400
	maxEvents    = 50
	maxDiffBytes = 64 << 10
)

// bounded returns the analysis with secrets masked and long parts cut.
func (a Analysis) bounded() Analysis {
	r := a.Redactor
	out := a
	out.BadRevision, out.GoodRevision = r.String(a.BadRevision), r.String(a.GoodRevision)
	out.Changes = mapStrings(a.Changes, r.String)
	out.Diff = cut(r.String(a.Diff), maxDiffBytes)
	out.Hints = mapStrings(a.Hints, r.String)
	out.Events = nil
	for i, e := range a.Events {
		if i == maxEvents {
			break
		}
		e.Object, e.Reason, e.Message = r.String(e.Object), r.String(e.Reason), cut(r.String(e.Message), maxLineBytes)
		out.Events = append(out.Events, e)
	}
	out.Logs = nil
	start := max(0, len(a.Logs)-maxLogLines) // the last lines say the most
	for _, l := range a.Logs[start:] {
		l.Pod, l.Container, l.Line = r.String(l.Pod), r.String(l.Container), cut(r.String(l.Line), maxLineBytes)
		out.Logs = append(out.Logs, l)
	}
	out.Metrics = nil
	for _, m := range a.Metrics {
		m.Signal, m.Before, m.During, m.After, m.Plot = r.String(m.Signal), r.String(m.Before), r.String(m.During), r.String(m.After), r.String(m.Plot)
		out.Metrics = append(out.Metrics, m)
	}
	if a.Impact != nil {
		imp := *a.Impact
		imp.Query = r.String(imp.Query)
		out.Impact = &imp
	}
	return out
}

func mapStrings(in []string, f func(string) string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}

// cut shortens s to n bytes at a rune boundary, saying how much was cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "… (" + byteCount(len(s)-i) + " more)"
}

func byteCount(n int) string {
	switch {
	case n >= 1<<20:
		return formatFloat(float64(n)/(1<<20)) + " MiB"
	case n >= 1<<10:
		return formatFloat(float64(n)/(1<<10)) + " KiB"
	}
	return itoa(n) + " bytes"
}

// Record is the journal record of an analysis of w, with the sources
// that could not be read: the report finds it there, so a journal copied
// to another machine drafts the same report.
func Record(w incident.Workload, a Analysis, errs []error) (incident.Record, error) {
	data, err := json.Marshal(a.bounded())
	if err != nil {
		return incident.Record{}, fmt.Errorf("encoding the analysis: %w", err)
	}
	p := incident.Analysis{Workload: w, Data: data, Hints: a.Hints}
	for _, e := range errs {
		p.Errors = append(p.Errors, e.Error())
	}
	return incident.Record{Type: incident.TypeAnalysis, Payload: p}, nil
}

// FromJournal is the newest analysis recorded in the journal (false:
// none, or none that this version can read).
func FromJournal(records []incident.Record) (Analysis, []string, bool) {
	for i := len(records) - 1; i >= 0; i-- {
		p, ok := records[i].Payload.(incident.Analysis)
		if !ok {
			continue
		}
		var a Analysis
		if err := json.Unmarshal(p.Data, &a); err != nil {
			continue
		}
		return a, p.Errors, true
	}
	return Analysis{}, nil, false
}

// empty reports whether nothing was gathered.
func (a Analysis) empty() bool {
	return a.Deployed.IsZero() && a.BadRevision == "" && a.GoodRevision == "" && len(a.Changes) == 0 && a.Diff == "" &&
		len(a.Events) == 0 && len(a.Logs) == 0 && len(a.Metrics) == 0 && a.Impact == nil && len(a.Hints) == 0
}
