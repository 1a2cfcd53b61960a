package incident

import "time"

// Entry is one line of an incident's timeline.
type Entry struct {
	Seq   int64     `json:"seq"`
	Time  time.Time `json:"time"`
	Type  Type      `json:"type"`
	Actor string    `json:"actor"`
	// Text is the record's one-line summary.
	Text string `json:"text"`
	// Outcome is set on intents: how the mutation ended, or
	// OutcomeUnknown when no result was recorded.
	Outcome OutcomeStatus `json:"outcome,omitempty"`
	// Unknown marks an intent without a result record: the process
	// stopped between sending the change and recording how it ended.
	Unknown bool `json:"unknown,omitempty"`
}

// Timeline lists the records as entries, each intent marked with its
// outcome, or as unknown when it has no result.
func Timeline(records []Record) []Entry {
	results := map[int64]OutcomeStatus{}
	for _, r := range records {
		if o, ok := r.Payload.(Outcome); ok {
			results[o.Intent] = o.Status
		}
	}
	out := make([]Entry, 0, len(records))
	for _, r := range records {
		e := Entry{Seq: r.Seq, Time: r.Time, Type: r.Type, Actor: r.Actor, Text: r.Payload.Summary()}
		if r.Type == TypeIntent {
			status, ok := results[r.Seq]
			e.Outcome, e.Unknown = status, !ok
			if !ok {
				e.Outcome = OutcomeUnknown
				e.Text += " — outcome unknown (no result recorded; check the cluster)"
			}
		}
		out = append(out, e)
	}
	return out
}
