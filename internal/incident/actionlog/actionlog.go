// Package actionlog writes the action layer's events (planned, dry run,
// confirmed, executed, verified, failed) to an incident journal.
package actionlog

import (
	"fmt"
	"time"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/incident"
)

// PhaseMilestone marks an event that is a rollout or recovery milestone
// (Detail "milestone": incident.MilestoneDeployed, ...; "message").
const PhaseMilestone action.Phase = "milestone"

// Milestone is the event of a milestone of a workload at t.
func Milestone(t time.Time, actionName, namespace, workload, milestone, message string) action.Event {
	return action.Event{Time: t, Action: actionName, Namespace: namespace, Workload: workload, Phase: PhaseMilestone,
		Detail: map[string]any{"milestone": milestone, "message": message}}
}

// Recorder journals every event it receives. A record that cannot be
// written is passed to onError (nil: dropped); the action goes on, since
// its intent, which is required, is written separately before it.
func Recorder(j *incident.Journal, onError func(error)) action.Recorder {
	return action.RecorderFunc(func(e action.Event) {
		if _, err := j.Append(Record(e)); err != nil && onError != nil {
			onError(fmt.Errorf("journal %s: %w", e.Phase, err))
		}
	})
}

// Record turns an action event into a journal record.
func Record(e action.Event) incident.Record {
	p := incident.Phase{Action: e.Action, Workload: incident.Workload{Namespace: e.Namespace, Name: e.Workload},
		Message: message(e.Detail), Detail: e.Detail, Duration: e.Duration}
	r := incident.Record{Time: e.Time, Actor: e.Actor, Type: Type(e.Phase), Payload: p}
	switch {
	case e.Phase == action.PhaseSkipped:
		r.Payload = incident.Progress{Workload: p.Workload, Message: "skipped " + e.Action + ": " + p.Message, Detail: e.Detail}
	case e.Phase == PhaseMilestone:
		m, _ := e.Detail["milestone"].(string)
		r.Payload = incident.Progress{Workload: p.Workload, Milestone: m, Message: p.Message, Detail: e.Detail}
	}
	return r
}

// Type is the record type of an action phase.
func Type(p action.Phase) incident.Type {
	switch p {
	case action.PhasePlanned:
		return incident.TypePlanned
	case action.PhaseDryRun:
		return incident.TypeDryRun
	case action.PhaseConfirmed:
		return incident.TypeConfirmed
	case action.PhaseExecuted:
		return incident.TypeExecuted
	case action.PhaseVerified:
		return incident.TypeVerified
	case action.PhaseFailed:
		return incident.TypeFailed
	}
	return incident.TypeProgress
}

// message picks the event's own one-line description from its detail.
func message(d map[string]any) string {
	for _, k := range []string{"summary", "message", "error"} {
		if s, ok := d[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
