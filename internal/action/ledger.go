package action

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Mutation is a change about to be sent to the cluster, as the incident
// journal records it before sending.
type Mutation struct {
	Action    string
	Namespace string
	// Workload is KIND/NAME ("deployment/checkout", "service/web").
	Workload string
	// Description says what will change ("roll back to revision 4").
	Description string
	// ResourceVersion is the version the write is guarded by.
	ResourceVersion string
	Actor           string
	Detail          map[string]any
}

// Ended says how a mutation ended.
type Ended struct {
	// Status is one of the Ended* statuses.
	Status string
	Error  string
	Detail map[string]any
}

// Statuses of an ended mutation, as the journal names them.
const (
	EndedSucceeded = "succeeded"
	EndedFailed    = "failed"
	EndedUnknown   = "unknown"
	EndedNotSent   = "not-sent"
)

// Intent is a mutation recorded durably before it is sent. End records
// how it ended; Incident is the incident it belongs to, written onto the
// object and into its Event.
type Intent struct {
	Incident string
	End      func(Ended)
}

// Ledger records every mutation before it is sent and its outcome after:
// no change without a record. Begin returns only once the intent is
// durable; an error refuses the mutation (nothing is sent).
type Ledger interface {
	Begin(ctx context.Context, m Mutation) (Intent, error)
}

// JournalError refuses a mutation whose intent could not be recorded.
type JournalError struct {
	Mutation Mutation
	Err      error
}

func (e *JournalError) Error() string {
	return fmt.Sprintf("refusing to %s %s: the incident journal could not record it first (%v); nothing was changed",
		e.Mutation.Action, e.Mutation.Workload, e.Err)
}

func (e *JournalError) Unwrap() error { return e.Err }

// begin records m in the executor's ledger (none: a no-op intent).
func (e *Executor) begin(ctx context.Context, m Mutation) (Intent, error) {
	if e.Ledger == nil {
		return Intent{End: func(Ended) {}}, nil
	}
	in, err := e.Ledger.Begin(ctx, m)
	if err != nil {
		return Intent{}, &JournalError{Mutation: m, Err: err}
	}
	if in.End == nil {
		in.End = func(Ended) {}
	}
	return in, nil
}

// ended classifies how a write ended: applied; refused by the API server
// or stopped before sending (nothing changed); or unanswered.
func ended(err error, applied bool, detail map[string]any) Ended {
	switch {
	case err == nil && applied:
		return Ended{Status: EndedSucceeded, Detail: detail}
	case err == nil:
		return Ended{Status: EndedFailed, Error: "not applied", Detail: detail}
	}
	out := Ended{Status: EndedUnknown, Error: err.Error(), Detail: detail}
	var ce *ConflictError
	var che *ChangedError
	var tce *TrafficConflictError
	var status apierrors.APIStatus
	switch {
	case errors.As(err, &ce), errors.As(err, &che), errors.As(err, &tce):
		out.Status = EndedNotSent
	case errors.As(err, &status) && !outcomeUnknown(err):
		// The API server answered with a refusal: nothing was changed.
		out.Status = EndedFailed
	}
	// Anything else (no answer, a read-back that failed) may or may not
	// have changed the cluster.
	return out
}

// journaled runs a real write between its intent and its result: run gets
// the incident id the ledger gave (for the object's annotation and
// Event) and says what the write did.
func journaled[R any](ctx context.Context, e *Executor, m Mutation, run func(incident string) (R, Outcome, map[string]any, error)) (R, error) {
	var zero R
	in, err := e.begin(ctx, m)
	if err != nil {
		return zero, err
	}
	res, outcome, detail, err := run(in.Incident)
	end := ended(err, outcome == OutcomeApplied, detail)
	if outcome == OutcomeNotApplied {
		end.Status = EndedFailed // read back: the write did not land
	}
	in.End(end)
	return res, err
}
