package workload

import (
	"context"

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
}

// NewExecutor builds the actions over a client whose requests are
// bounded by a timeout (not the watch client).
func NewExecutor(client kubernetes.Interface, readOnly bool) Executor {
	return Executor{Exec: &action.Executor{Client: client, ReadOnly: readOnly}, Client: client}
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
	out, err := rollback.Execute(ctx, e.Exec, p, dry, nil)
	if out == nil {
		return nil, err
	}
	return out.Result, err
}
