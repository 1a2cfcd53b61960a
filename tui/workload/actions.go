package workload

import (
	"context"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollback"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// Executor implements common.Actions with the action layer, which
// enforces read-only mode and permissions on its own: hiding the keys in
// the console is not what keeps a read-only console from writing.
type Executor struct {
	Exec *action.Executor
	// Client answers who the user is (SelfSubjectReview).
	Client kubernetes.Interface
	// Recorder hears the confirmed, executed and failed phases of the
	// console's rollbacks (nil: none).
	Recorder action.Recorder
}

// NewExecutor builds the actions over a client whose requests are
// bounded by a timeout (not the watch client). Every write is recorded
// in ledger first (nil: not journaled).
func NewExecutor(client kubernetes.Interface, readOnly bool, ledger action.Ledger, rec action.Recorder) Executor {
	return Executor{Exec: &action.Executor{Client: client, ReadOnly: readOnly, Ledger: ledger}, Client: client, Recorder: rec}
}

// CheckUndoAllowed asks the action layer.
func (e Executor) CheckUndoAllowed(ctx context.Context, ref rollout.Ref) error {
	return e.Exec.CheckUndoAllowed(ctx, ref)
}

// Actor names the kube user, else the OS user.
func (e Executor) Actor(ctx context.Context) string { return kube.Actor(ctx, e.Client) }

// Undo runs the plan through the CLI's rollback.Execute, so the console
// and `mayday undo` share one execution path: the write runs to its end
// even if ctx ends, and a conflict a person caused is returned (no
// replan callback), for the console to show and ask again.
func (e Executor) Undo(ctx context.Context, p *rollout.Plan, dry action.DryRun) (*action.Result, error) {
	real := dry == action.DryRunNone && !p.Skip
	if real {
		e.record(p, action.PhaseConfirmed, "confirmed in the console by "+p.Attribution.Actor)
	}
	out, err := rollback.Execute(ctx, e.Exec, p, dry, nil)
	switch {
	case !real:
	case err != nil:
		e.record(p, action.PhaseFailed, err.Error())
	case out != nil && out.Result != nil && out.Result.Outcome == action.OutcomeApplied:
		e.record(out.Result.Plan, action.PhaseExecuted, out.Result.Message)
	}
	if out == nil {
		return nil, err
	}
	return out.Result, err
}

func (e Executor) record(p *rollout.Plan, phase action.Phase, msg string) {
	if e.Recorder == nil {
		return
	}
	e.Recorder.Record(action.Event{Time: time.Now(), Action: "undo", Namespace: p.Workload.Namespace, Workload: p.Workload.String(),
		Phase: phase, Actor: p.Attribution.Actor,
		Detail: map[string]any{"summary": msg, "fromRevision": p.FromRevision, "toRevision": p.ToRevision}})
}
