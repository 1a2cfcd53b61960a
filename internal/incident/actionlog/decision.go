package actionlog

import (
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/metrics"
)

// Signals are the journal records of a health verdict: the overall
// verdict, then each signal that is degraded or critical and each firing
// alert, with its value, threshold and query (the evidence the report's
// detection and root cause rest on).
func Signals(w incident.Workload, v metrics.Verdict, revision int64) []incident.Record {
	out := []incident.Record{{Time: v.At, Type: incident.TypeSignal, Payload: incident.Signal{
		Workload: w, Verdict: v.State.String(), Value: v.Reason, Revision: revision}}}
	for _, s := range v.Signals {
		if s.State != metrics.Degraded && s.State != metrics.Critical {
			continue
		}
		value := s.Reason
		if s.HasValue {
			value = metrics.FormatValue(s.Signal, s.Value)
		}
		out = append(out, incident.Record{Time: v.At, Type: incident.TypeSignal, Payload: incident.Signal{
			Workload: w, Signal: string(s.Signal), Verdict: s.State.String(), Value: value,
			Threshold: threshold(s), Query: s.Query, Revision: revision}})
	}
	for _, a := range v.Alerts {
		if a.State != "firing" {
			continue
		}
		out = append(out, incident.Record{Time: v.At, Type: incident.TypeSignal, Payload: incident.Signal{
			Workload: w, Signal: "alert " + a.Name, Verdict: "firing", Value: a.Value, Revision: revision}})
	}
	return out
}

// Decision is the journal record of the decision wizard's outcome.
func Decision(w incident.Workload, r decide.Recommendation, chosen string) incident.Record {
	d := incident.Decision{Workload: w, Recommendation: string(r.Action), Chosen: chosen, Target: r.Target.Text,
		Reasons: r.Reasons, Risks: r.Risks}
	if !r.Decided {
		d.Recommendation = "undecided"
	}
	for _, s := range r.Path {
		d.Path = append(d.Path, s.Node+" "+s.Answer)
		source := s.Source
		if s.Engineer != "" {
			source = "engineer " + s.Engineer
			if s.PreAnswer != "" {
				source += " (evidence said " + s.PreAnswer + ": " + s.PreAnswerSource + ")"
			}
		}
		d.Answers = append(d.Answers, incident.Answer{Question: s.Question, Answer: s.Answer, Source: source, Overridden: s.Overridden})
	}
	return incident.Record{Time: r.At, Type: incident.TypeDecision, Payload: d}
}

// threshold says the level the signal crossed.
func threshold(s metrics.SignalResult) string {
	level := s.Threshold.Degraded
	if s.State == metrics.Critical && s.Threshold.Critical != 0 {
		level = s.Threshold.Critical
	}
	t := "> " + metrics.FormatValue(s.Signal, level)
	if s.Threshold.For > 0 {
		t += " for " + metrics.ShortDuration(s.Threshold.For)
	}
	return t
}
