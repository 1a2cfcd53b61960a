// Package report drafts an incident report from an incident's journal and
// the evidence gathered about it: summary, timeline, root-cause hints
// (marked as a draft), actions taken, prompts for lessons learned and
// action items, and an appendix with the evidence. The engineer's own
// text for the free-text sections is kept next to the journal and merged
// in. The report renders as Markdown through a text/template (the
// built-in one or a team's own) or as JSON.
package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/incident"
)

// Report is a drafted incident report: the template's data.
type Report struct {
	Incident  incident.Incident `json:"incident"`
	Generated time.Time         `json:"generated"`
	Summary   Summary           `json:"summary"`
	// Milestones are the incident's phases: deploy, detection, decision,
	// action, recovery, stable.
	Milestones []Milestone `json:"milestones"`
	// Timeline is the journal's significant records (not progress or
	// notifications), at most maxTimeline; Omitted counts the rest.
	Timeline []incident.Entry `json:"timeline"`
	Omitted  int              `json:"omitted,omitempty"`
	Actions  []ActionTaken    `json:"actions"`
	// Unknown are intents without a result: outcome unknown.
	Unknown   []incident.Entry `json:"unknown,omitempty"`
	RootCause []string         `json:"rootCauseHints,omitempty"`
	Notes     []Note           `json:"notes,omitempty"`
	// Edits are the engineer's text for the free-text sections.
	Edits    Edits    `json:"edits"`
	Analysis Analysis `json:"analysis"`
	// Journal says where the facts come from.
	Journal JournalInfo `json:"journal"`
	// Location is the time zone the report shows times in (nil: UTC).
	Location *time.Location `json:"-"`
}

// Summary is the report's head.
type Summary struct {
	Start time.Time `json:"start"`
	// End is zero while the incident is ongoing.
	End      time.Time     `json:"end,omitzero"`
	Duration time.Duration `json:"duration"`
	// TimeToDetect and TimeToRecover are from the deploy to the
	// detection, and from the detection to the recovery (zero: unknown).
	TimeToDetect  time.Duration `json:"timeToDetect,omitempty"`
	TimeToRecover time.Duration `json:"timeToRecover,omitempty"`
	Severity      string        `json:"severity"`
	Status        string        `json:"status"`
	Impact        string        `json:"impact"`
	Owner         string        `json:"owner"`
	Workloads     []string      `json:"workloads,omitempty"`
}

// Milestone is one phase of the incident in time.
type Milestone struct {
	Name string    `json:"name"`
	Time time.Time `json:"time,omitzero"`
	Text string    `json:"text,omitempty"`
	// Seq is the journal record it comes from (0: the analysis, or not
	// recorded).
	Seq int64 `json:"seq,omitempty"`
}

// ActionTaken is a mutation and how it ended.
type ActionTaken struct {
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	What    string    `json:"what"`
	Outcome string    `json:"outcome"`
	Seq     int64     `json:"seq"`
}

// Note is text the engineers typed during the incident.
type Note struct {
	Time  time.Time `json:"time"`
	Actor string    `json:"actor"`
	Text  string    `json:"text"`
}

// JournalInfo is the source of the report.
type JournalInfo struct {
	Path     string   `json:"path,omitempty"`
	Records  int      `json:"records"`
	Warnings []string `json:"warnings,omitempty"`
}

// Milestone names, in order.
const (
	MilestoneDeploy    = "deploy"
	MilestoneDetection = "detection"
	MilestoneDecision  = "decision"
	MilestoneAction    = "action"
	MilestoneRecovery  = "recovery"
	MilestoneStable    = "stable"
)

// maxTimeline bounds the timeline's rows; the journal has them all.
const maxTimeline = 300

// Draft builds the report of an incident from its journal records and
// the analysis (empty: the newest analysis in the journal). It reads
// nothing but its arguments.
func Draft(inc incident.Incident, records []incident.Record, a Analysis) (Report, error) {
	if inc.ID == "" || len(records) == 0 {
		return Report{}, errors.New("no incident to report on: the journal has no incident-opened record")
	}
	if a.empty() {
		// Nothing gathered by the caller: the analysis journaled with the
		// incident, if any (the report drafts from the journal alone).
		if ja, _, ok := FromJournal(records); ok {
			ja.Redactor = a.Redactor
			a = ja
		}
	}
	a = a.bounded()
	r := Report{Incident: inc, Analysis: a, Journal: JournalInfo{Path: inc.Path, Records: len(records)}}
	entries := incident.Timeline(records)
	r.Milestones = milestones(records, a)
	r.Summary = summarize(inc, r.Milestones, a)
	for i, e := range entries {
		if e.Unknown {
			r.Unknown = append(r.Unknown, e)
		}
		if n, ok := records[i].Payload.(incident.Note); ok {
			r.Notes = append(r.Notes, Note{Time: e.Time, Actor: e.Actor, Text: n.Text})
		}
		if !significant(e) {
			continue
		}
		if len(r.Timeline) == maxTimeline {
			r.Omitted++
			continue
		}
		r.Timeline = append(r.Timeline, e)
	}
	// Journal order is the order things were written down; a record can
	// carry an earlier time (the deploy, found afterwards).
	slices.SortStableFunc(r.Timeline, func(x, y incident.Entry) int { return x.Time.Compare(y.Time) })
	r.Actions = actionsTaken(records, entries)
	r.RootCause = hints(a)
	return r, nil
}

// WithEdits merges the engineer's text into the report.
func (r Report) WithEdits(e Edits) Report {
	red := r.Analysis.Redactor
	e.Summary, e.RootCause = red.String(e.Summary), red.String(e.RootCause)
	e.LessonsLearned, e.ActionItems = red.String(e.LessonsLearned), red.String(e.ActionItems)
	r.Edits = e
	return r
}

// significant leaves progress chatter and notifications to the journal.
func significant(e incident.Entry) bool {
	switch e.Type {
	case incident.TypeNotificationSent, incident.TypeNotificationFailed, incident.TypeResult:
		return false
	case incident.TypeProgress:
		return strings.Contains(e.Text, " "+incident.MilestoneDeployed) || strings.Contains(e.Text, " "+incident.MilestoneRolloutComplete) ||
			strings.Contains(e.Text, " "+incident.MilestoneRecovered) || strings.Contains(e.Text, " "+incident.MilestoneStable)
	}
	return true
}

func milestones(records []incident.Record, a Analysis) []Milestone {
	ms := map[string]Milestone{}
	set := func(name string, r incident.Record, text string, last bool) {
		if _, ok := ms[name]; ok && !last {
			return
		}
		ms[name] = Milestone{Name: name, Time: r.Time, Text: text, Seq: r.Seq}
	}
	var opened, intent incident.Record
	acted := false
	for _, r := range records {
		switch p := r.Payload.(type) {
		case incident.Opened:
			opened = r
		case incident.Signal:
			bad := p.Verdict == "critical" || p.Verdict == "degraded"
			if bad && !acted {
				set(MilestoneDetection, r, p.Summary(), false)
			}
			if !bad && acted && p.Verdict == "healthy" {
				set(MilestoneRecovery, r, p.Summary(), false)
			}
		case incident.Decision:
			set(MilestoneDecision, r, p.Summary(), false)
		case incident.Phase:
			switch r.Type {
			case incident.TypeExecuted:
				set(MilestoneAction, r, p.Summary(), false)
				acted = true
			case incident.TypeVerified:
				set(MilestoneRecovery, r, p.Summary(), false)
				set(MilestoneStable, r, p.Summary(), true)
			}
		case incident.Action:
			if intent.Seq == 0 {
				intent = r
			}
			acted = true
		case incident.Progress:
			switch p.Milestone {
			case incident.MilestoneDeployed:
				set(MilestoneDeploy, r, p.Summary(), false)
			case incident.MilestoneRolloutComplete, incident.MilestoneRecovered:
				set(MilestoneRecovery, r, p.Summary(), false)
			case incident.MilestoneStable:
				set(MilestoneStable, r, p.Summary(), true)
			}
		}
	}
	if _, ok := ms[MilestoneAction]; !ok && intent.Seq > 0 {
		// No executed record (yet): the first intent marks the action.
		ms[MilestoneAction] = Milestone{Name: MilestoneAction, Time: intent.Time, Text: intent.Payload.Summary(), Seq: intent.Seq}
	}
	if !a.Deployed.IsZero() {
		text := "suspect revision live"
		if a.BadRevision != "" {
			text = a.BadRevision + " live"
		}
		ms[MilestoneDeploy] = Milestone{Name: MilestoneDeploy, Time: a.Deployed, Text: text}
	}
	if _, ok := ms[MilestoneDetection]; !ok && opened.Seq > 0 {
		ms[MilestoneDetection] = Milestone{Name: MilestoneDetection, Time: opened.Time, Text: "incident opened", Seq: opened.Seq}
	}
	var out []Milestone
	for _, name := range []string{MilestoneDeploy, MilestoneDetection, MilestoneDecision, MilestoneAction, MilestoneRecovery, MilestoneStable} {
		m, ok := ms[name]
		if !ok {
			m = Milestone{Name: name}
		}
		out = append(out, m)
	}
	return out
}

func find(ms []Milestone, name string) time.Time {
	for _, m := range ms {
		if m.Name == name {
			return m.Time
		}
	}
	return time.Time{}
}

func summarize(inc incident.Incident, ms []Milestone, a Analysis) Summary {
	s := Summary{Severity: inc.Severity, Status: string(inc.Status), Owner: inc.Owner, Impact: impactText(a.Impact)}
	for _, w := range inc.Workloads {
		s.Workloads = append(s.Workloads, w.String())
	}
	deploy, detect := find(ms, MilestoneDeploy), find(ms, MilestoneDetection)
	recovery, stable := find(ms, MilestoneRecovery), find(ms, MilestoneStable)
	s.Start = inc.Opened
	for _, t := range []time.Time{deploy, detect} {
		if !t.IsZero() && t.Before(s.Start) {
			s.Start = t
		}
	}
	switch {
	case !stable.IsZero():
		s.End = stable
	case inc.Status == incident.StatusClosed:
		s.End = inc.Closed
	}
	if !s.End.IsZero() {
		s.Duration = s.End.Sub(s.Start)
	} else {
		s.Duration = inc.Last.Sub(s.Start)
	}
	if !deploy.IsZero() && !detect.IsZero() && detect.After(deploy) {
		s.TimeToDetect = detect.Sub(deploy)
	}
	if !detect.IsZero() && !recovery.IsZero() && recovery.After(detect) {
		s.TimeToRecover = recovery.Sub(detect)
	}
	return s
}

func impactText(imp *Impact) string {
	if imp == nil {
		return ""
	}
	var parts []string
	failed := formatFloat(imp.FailedRequests) + " failed requests"
	if imp.TotalRequests > 0 {
		failed += fmt.Sprintf(" of %s (%s%%)", formatFloat(imp.TotalRequests), formatFloat(100*imp.FailedRequests/imp.TotalRequests))
	}
	parts = append(parts, failed)
	if imp.AffectedShare >= 0 {
		parts = append(parts, formatFloat(100*imp.AffectedShare)+"% of traffic affected")
	}
	s := strings.Join(parts, "; ")
	if imp.Window != "" {
		s += " over " + imp.Window
	}
	return s
}

// actionsTaken lists each mutation (intent) with its outcome, and each
// verification; a journal without intents lists its executed records.
func actionsTaken(records []incident.Record, entries []incident.Entry) []ActionTaken {
	hasIntents := slices.ContainsFunc(records, func(r incident.Record) bool { return r.Type == incident.TypeIntent })
	var out []ActionTaken
	for i, r := range records {
		e := entries[i]
		switch {
		case r.Type == incident.TypeIntent:
			p := r.Payload.(incident.Action)
			what := p.Action + " " + p.Workload.String()
			if p.Description != "" {
				what += ": " + p.Description
			}
			out = append(out, ActionTaken{Time: r.Time, Actor: r.Actor, What: what, Outcome: string(e.Outcome), Seq: r.Seq})
		case r.Type == incident.TypeExecuted && !hasIntents,
			r.Type == incident.TypeVerified, r.Type == incident.TypeFailed:
			out = append(out, ActionTaken{Time: r.Time, Actor: r.Actor, What: e.Text, Outcome: string(r.Type), Seq: r.Seq})
		}
	}
	return out
}

// hints are the analysis' own hints, then what the evidence shows by
// itself: the changes, and the most frequent warning reasons.
func hints(a Analysis) []string {
	out := slices.Clone(a.Hints)
	for _, c := range a.Changes {
		out = append(out, "changed: "+c)
	}
	counts := map[string]int{}
	var reasons []string
	for _, e := range a.Events {
		if counts[e.Reason] == 0 {
			reasons = append(reasons, e.Reason)
		}
		counts[e.Reason] += max(1, e.Count)
	}
	slices.SortStableFunc(reasons, func(x, y string) int { return counts[y] - counts[x] })
	for _, reason := range reasons {
		out = append(out, fmt.Sprintf("%d %s warning event(s) on the bad revision's pods", counts[reason], reason))
	}
	return out
}
