package incident

import "context"

// IntentID names an intent record (its sequence number) for its result.
type IntentID int64

// Intent records that a mutation is about to be sent, and returns once the
// record is durable; only then may the caller send it. It refuses on a
// closed incident or a cancelled context (nothing is written).
func (j *Journal) Intent(ctx context.Context, a Action) (IntentID, error) {
	return j.IntentAs(ctx, "", a)
}

// IntentAs is Intent with the actor named (empty: the journal's).
func (j *Journal) IntentAs(ctx context.Context, actor string, a Action) (IntentID, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if j.Incident().Status == StatusClosed {
		return 0, ErrClosed
	}
	r, err := j.Append(Record{Type: TypeIntent, Actor: actor, Payload: a})
	if err != nil {
		return 0, err
	}
	return IntentID(r.Seq), nil
}

// Result records how the mutation of intent id ended. The duration is
// measured from the intent when unset.
func (j *Journal) Result(id IntentID, o Outcome) error {
	o.Intent = int64(id)
	now := j.opts.Now()
	if o.Duration == 0 {
		if r, ok := j.record(int64(id)); ok {
			o.Duration = now.Sub(r.Time)
		}
	}
	_, err := j.Append(Record{Type: TypeResult, Time: now, Payload: o})
	return err
}

// record finds a record by sequence number.
func (j *Journal) record(seq int64) (Record, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := len(j.p.records) - 1; i >= 0; i-- {
		if j.p.records[i].Seq == seq {
			return j.p.records[i], true
		}
	}
	return Record{}, false
}

// Pending lists the intents that have no result: their outcome is unknown
// (the process stopped between sending the change and recording it), to
// be reconciled against the cluster.
func Pending(records []Record) []Record {
	done := map[int64]bool{}
	for _, r := range records {
		if o, ok := r.Payload.(Outcome); ok {
			done[o.Intent] = true
		}
	}
	var out []Record
	for _, r := range records {
		if r.Type == TypeIntent && !done[r.Seq] {
			out = append(out, r)
		}
	}
	return out
}
