// Package rollback runs one undo from start to end over the API: it
// gathers what must be known before acting (history, autoscalers,
// permission, identity) concurrently, plans, and executes with a single
// re-plan after a conflict. The CLI uses it; it prints nothing.
package rollback

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// Request is one undo as asked for.
type Request struct {
	Ref        rollout.Ref
	ToRevision int64
	Reason     string
	Incident   string
	DryRun     action.DryRun
	Now        time.Time
}

// Prepared is everything known before acting.
type Prepared struct {
	Plan    *rollout.Plan
	History *rollout.History
	Actor   string
	// AccessErr is why a real undo would be refused; it is only set for a
	// client dry run, which sends nothing and so is not refused.
	AccessErr error
}

// Prepare reads what an undo needs and plans it. The reads are
// independent, so they run at once and the wall time is the slowest of
// them, not their sum:
//
//   - the workload and its ReplicaSets/ControllerRevisions (the history),
//   - the namespace's autoscalers (for the HPA warning),
//   - a SelfSubjectAccessReview for patch permission (action layer),
//   - a SelfSubjectReview for the actor's name.
//
// The plan is then made from memory. Read-only mode refuses before any
// request. When permission is missing, that is the error returned, even
// if planning failed too: the user cannot act either way, and the missing
// permission is what they must go and fix.
func Prepare(ctx context.Context, client kubernetes.Interface, exec *action.Executor, req Request) (*Prepared, error) {
	if req.DryRun != action.DryRunClient && exec.ReadOnly {
		// The action layer refuses, before any request.
		return nil, exec.CheckUndoAllowed(ctx, req.Ref)
	}
	reader := kube.NewMemoReader(kube.APIReader{Client: client})
	var (
		g         errgroup.Group
		history   *rollout.History
		planErr   error
		accessErr error
		actor     string
	)
	g.Go(func() error {
		history, planErr = rollout.GetHistory(ctx, reader, req.Ref)
		return nil
	})
	g.Go(func() error {
		// Warm the memo for PlanUndo's autoscaler check; its errors only
		// lose the warning, as in PlanUndo.
		_, _ = reader.HorizontalPodAutoscalers(ctx, req.Ref.Namespace)
		return nil
	})
	g.Go(func() error {
		if req.DryRun == action.DryRunClient {
			// Nothing will be sent; still say if a real undo would fail.
			accessErr = kube.CheckAccess(ctx, client, kube.Permission{Verb: "patch", Group: "apps",
				Resource: req.Ref.Kind.Resource(), Namespace: req.Ref.Namespace, Name: req.Ref.Name})
			return nil
		}
		accessErr = exec.CheckUndoAllowed(ctx, req.Ref)
		return nil
	})
	g.Go(func() error {
		actor = kube.Actor(ctx, client)
		return nil
	})
	_ = g.Wait()

	var forbidden *kube.ForbiddenError
	if errors.As(accessErr, &forbidden) && forbidden.User == "" && !strings.HasPrefix(actor, "os:") {
		// The identity was looked up anyway: name who lacks the permission.
		forbidden.User = actor
	}
	if req.DryRun != action.DryRunClient {
		if forbidden != nil || errors.Is(accessErr, action.ErrReadOnly) {
			return nil, accessErr
		}
	}
	if planErr != nil {
		return nil, planErr
	}
	if accessErr != nil && req.DryRun != action.DryRunClient {
		return nil, accessErr
	}
	// All reads are in the memo: this makes no request.
	plan, err := rollout.PlanUndo(ctx, reader, req.Ref, rollout.UndoOptions{
		ToRevision: req.ToRevision, Now: req.Now,
		Attribution: rollout.Attribution{Actor: actor, Reason: req.Reason, Incident: req.Incident},
	})
	if err != nil {
		return nil, err
	}
	p := &Prepared{Plan: plan, History: history, Actor: actor}
	if req.DryRun == action.DryRunClient {
		p.AccessErr = accessErr
	}
	return p, nil
}

// Outcome is what Execute did.
type Outcome struct {
	Result *action.Result
	// Conflict is the conflict met by the first write, when the plan was
	// made again and executed (replan).
	Conflict *action.ConflictError
}

// Execute runs plan. Conflicts caused only by status updates are handled
// by the executor. On a conflict a person caused, Execute asks replan
// (which may print the conflict) whether to execute the plan made again on
// the new state; if so, that plan is executed once and a second conflict
// is returned as is. Otherwise the *action.ConflictError is returned.
//
// The write runs to its end even if ctx is cancelled (Ctrl-C after the
// confirmation): an interrupted write leaves the outcome unknown, which
// is worse than waiting for the answer, bounded by the request timeout.
func Execute(ctx context.Context, exec *action.Executor, plan *rollout.Plan, dry action.DryRun,
	replan func(*action.ConflictError) bool) (*Outcome, error) {
	ctx = context.WithoutCancel(ctx)
	res, err := exec.Undo(ctx, plan, dry)
	var ce *action.ConflictError
	if !errors.As(err, &ce) || ce.New == nil || replan == nil || !replan(ce) {
		return &Outcome{Result: res}, err
	}
	res, err = exec.Undo(ctx, ce.New, dry)
	return &Outcome{Result: res, Conflict: ce}, err
}

// NextRevision is the number the controller gives the restored revision:
// it moves the reused ReplicaSet (or ControllerRevision) to the highest
// revision number + 1.
func NextRevision(h *rollout.History) int64 {
	if h == nil || len(h.Revisions) == 0 {
		return 0
	}
	return slices.MaxFunc(h.Revisions, func(a, b rollout.Revision) int {
		switch {
		case a.Number < b.Number:
			return -1
		case a.Number > b.Number:
			return 1
		}
		return 0
	}).Number + 1
}
