package incident

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Payload is a record's typed content. Summary is its one-line
// description in the timeline.
type Payload interface {
	Summary() string
}

// Workload names an object an incident is about.
type Workload struct {
	Namespace string `json:"namespace,omitempty"`
	// Name is KIND/NAME: deployment/checkout, service/web, app/shop.
	Name string `json:"name"`
}

func (w Workload) String() string {
	if w.Namespace == "" {
		return w.Name
	}
	return w.Name + " -n " + w.Namespace
}

// Opened starts an incident.
type Opened struct {
	// ID is chosen by Open when empty.
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Severity  string     `json:"severity,omitempty"`
	Owner     string     `json:"owner"`
	Workloads []Workload `json:"workloads,omitempty"`
}

func (p Opened) Summary() string {
	s := fmt.Sprintf("incident opened by %s: %s", p.Owner, p.Title)
	if p.Severity != "" {
		s += " (" + p.Severity + ")"
	}
	return s
}

// Signal is a health verdict change on a workload.
type Signal struct {
	Workload Workload `json:"workload"`
	// Signal is the golden signal or alert (error_ratio, latency_p99,
	// alert HighErrorRatio); empty for the overall verdict.
	Signal    string `json:"signal,omitempty"`
	Verdict   string `json:"verdict"`
	Previous  string `json:"previous,omitempty"`
	Value     string `json:"value,omitempty"`
	Threshold string `json:"threshold,omitempty"`
	Query     string `json:"query,omitempty"`
	Revision  int64  `json:"revision,omitempty"`
}

func (p Signal) Summary() string {
	var b strings.Builder
	b.WriteString(p.Workload.Name)
	if p.Signal != "" {
		b.WriteString(" " + p.Signal)
	}
	if p.Previous != "" {
		b.WriteString(" " + p.Previous + " →")
	}
	b.WriteString(" " + p.Verdict)
	if p.Value != "" {
		b.WriteString(": " + p.Value)
		if p.Threshold != "" {
			b.WriteString(" (threshold " + p.Threshold + ")")
		}
	}
	return b.String()
}

// Answer is one question of the decision and how it was answered.
type Answer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	// Source is the evidence behind a pre-filled answer ("health: error
	// ratio 7.2% > 5%") or "engineer".
	Source     string `json:"source,omitempty"`
	Overridden bool   `json:"overridden,omitempty"`
}

// Decision is the outcome of the decision wizard.
type Decision struct {
	Workload       Workload `json:"workload"`
	Recommendation string   `json:"recommendation"`
	// Chosen is what the engineer chose, when not the recommendation.
	Chosen  string   `json:"chosen,omitempty"`
	Target  string   `json:"target,omitempty"`
	Path    []string `json:"path,omitempty"`
	Answers []Answer `json:"answers,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
	Risks   []string `json:"risks,omitempty"`
}

func (p Decision) Summary() string {
	s := "decision for " + p.Workload.Name + ": " + p.Recommendation
	if p.Target != "" {
		s += " to " + p.Target
	}
	if p.Chosen != "" && p.Chosen != p.Recommendation {
		s += "; chose " + p.Chosen
	}
	overrides := 0
	for _, a := range p.Answers {
		if a.Overridden {
			overrides++
		}
	}
	if overrides > 0 {
		s += fmt.Sprintf(" (%d answer(s) overridden)", overrides)
	}
	return s
}

// Phase is one step of an action (planned, dry run, confirmed, executed,
// verified, failed), as the action layer reports it.
type Phase struct {
	Action   string         `json:"action"`
	Workload Workload       `json:"workload"`
	Message  string         `json:"message,omitempty"`
	Detail   map[string]any `json:"detail,omitempty"`
	Duration time.Duration  `json:"duration,omitempty"`
}

func (p Phase) Summary() string {
	s := p.Action + " " + p.Workload.Name
	if p.Message != "" {
		s += ": " + p.Message
	}
	if p.Duration > 0 {
		s += " (" + p.Duration.Round(time.Millisecond).String() + ")"
	}
	return s
}

// Action is a mutation about to be sent: the intent record.
type Action struct {
	Action   string   `json:"action"`
	Workload Workload `json:"workload"`
	// Description says what will change ("roll back to revision 4").
	Description string `json:"description"`
	// ResourceVersion is the version the change is guarded by.
	ResourceVersion string         `json:"resourceVersion,omitempty"`
	Detail          map[string]any `json:"detail,omitempty"`
}

func (p Action) Summary() string {
	return "about to " + p.Action + " " + p.Workload.Name + ": " + p.Description
}

// OutcomeStatus is how a mutation ended.
type OutcomeStatus string

const (
	OutcomeSucceeded OutcomeStatus = "succeeded"
	OutcomeFailed    OutcomeStatus = "failed"
	// OutcomeUnknown: the API did not answer and a read-back could not
	// tell whether the change landed.
	OutcomeUnknown OutcomeStatus = "unknown"
	// OutcomeNotSent: refused or abandoned before anything was sent.
	OutcomeNotSent OutcomeStatus = "not-sent"
)

// Outcome is the result record of an intent.
type Outcome struct {
	// Intent is the sequence number of the intent record.
	Intent int64          `json:"intent"`
	Status OutcomeStatus  `json:"status"`
	Error  string         `json:"error,omitempty"`
	Detail map[string]any `json:"detail,omitempty"`
	// Duration is from intent to result.
	Duration time.Duration `json:"duration,omitempty"`
}

func (p Outcome) Summary() string {
	s := fmt.Sprintf("result of #%d: %s", p.Intent, p.Status)
	if p.Error != "" {
		s += ": " + p.Error
	}
	return s
}

// Milestones of a rollout or an incident, for the report's timeline.
const (
	MilestoneDeployed        = "deployed"
	MilestoneRolloutComplete = "rollout-complete"
	MilestoneRecovered       = "recovered"
	MilestoneStable          = "stable"
)

// Progress is a rollout or recovery milestone.
type Progress struct {
	Workload  Workload       `json:"workload"`
	Milestone string         `json:"milestone,omitempty"`
	Message   string         `json:"message"`
	Detail    map[string]any `json:"detail,omitempty"`
}

func (p Progress) Summary() string {
	s := p.Workload.Name
	if p.Milestone != "" {
		s += " " + p.Milestone
	}
	if p.Message != "" {
		s += ": " + p.Message
	}
	return strings.TrimSpace(s)
}

// Note is text typed by the engineer.
type Note struct {
	Text string `json:"text"`
}

func (p Note) Summary() string { return "note: " + p.Text }

// Notification is a webhook delivery (sent or failed) of a record.
type Notification struct {
	// Webhook is the configured name, never the URL (which is a secret).
	Webhook string `json:"webhook"`
	// Event is the record type that was announced, and Seq its record.
	Event    Type   `json:"event"`
	Seq      int64  `json:"seq,omitempty"`
	Attempts int    `json:"attempts"`
	Status   int    `json:"status,omitempty"`
	Error    string `json:"error,omitempty"`
	// Duration is from the first attempt to the outcome.
	Duration time.Duration `json:"duration,omitempty"`
}

func (p Notification) Summary() string {
	s := fmt.Sprintf("webhook %s notified of %s", p.Webhook, p.Event)
	if p.Error != "" {
		s = fmt.Sprintf("webhook %s not notified of %s: %s", p.Webhook, p.Event, p.Error)
	}
	if p.Attempts > 1 {
		s += fmt.Sprintf(" (%d attempts)", p.Attempts)
	}
	return s
}

// Closed ends an incident.
type Closed struct {
	Resolution string `json:"resolution,omitempty"`
}

func (p Closed) Summary() string {
	if p.Resolution == "" {
		return "incident closed"
	}
	return "incident closed: " + p.Resolution
}

// Raw is a payload this version cannot read (an unknown type from a newer
// mayday, or a damaged payload), kept as stored.
type Raw struct {
	Data json.RawMessage
}

func (p Raw) Summary() string {
	s := string(p.Data)
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// MarshalJSON keeps the stored bytes.
func (p Raw) MarshalJSON() ([]byte, error) {
	if len(p.Data) == 0 {
		return []byte("null"), nil
	}
	return p.Data, nil
}

// newPayload returns an empty payload for a known type.
func newPayload(t Type) Payload {
	switch t {
	case TypeOpened:
		return &Opened{}
	case TypeSignal:
		return &Signal{}
	case TypeDecision:
		return &Decision{}
	case TypePlanned, TypeDryRun, TypeConfirmed, TypeExecuted, TypeVerified, TypeFailed:
		return &Phase{}
	case TypeIntent:
		return &Action{}
	case TypeResult:
		return &Outcome{}
	case TypeProgress:
		return &Progress{}
	case TypeAnalysis:
		return &Analysis{}
	case TypeNote:
		return &Note{}
	case TypeNotificationSent, TypeNotificationFailed:
		return &Notification{}
	case TypeClosed:
		return &Closed{}
	}
	return nil
}

func decodePayload(t Type, data json.RawMessage) (Payload, error) {
	p := newPayload(t)
	if p == nil {
		return Raw{Data: data}, nil
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, p); err != nil {
			return nil, err
		}
	}
	return deref(p), nil
}

// deref turns the decoding pointer back into the value type callers use.
func deref(p Payload) Payload {
	switch x := p.(type) {
	case *Opened:
		return *x
	case *Signal:
		return *x
	case *Decision:
		return *x
	case *Phase:
		return *x
	case *Action:
		return *x
	case *Outcome:
		return *x
	case *Progress:
		return *x
	case *Analysis:
		return *x
	case *Note:
		return *x
	case *Notification:
		return *x
	case *Closed:
		return *x
	}
	return p
}

// Analysis is the post-rollback analysis of a workload, as the report
// reads it (internal/incident/report.Analysis, kept as JSON so the journal
// needs no knowledge of it), with the sources that could not be read.
type Analysis struct {
	Workload Workload        `json:"workload"`
	Data     json.RawMessage `json:"data"`
	Errors   []string        `json:"errors,omitempty"`
	// Hints are the root-cause hints, for the timeline.
	Hints []string `json:"hints,omitempty"`
}

func (p Analysis) Summary() string {
	s := "analysis of " + p.Workload.String()
	switch len(p.Hints) {
	case 0:
		s += ": no root-cause hint"
	case 1:
		s += ": " + p.Hints[0]
	default:
		s += fmt.Sprintf(": %s (+%d more hints)", p.Hints[0], len(p.Hints)-1)
	}
	if len(p.Errors) > 0 {
		s += fmt.Sprintf("; %d source(s) unavailable", len(p.Errors))
	}
	return s
}
