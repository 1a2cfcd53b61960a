package common

import (
	"context"
	"time"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/evidence"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// Decision is what the decision wizard needs beyond Deps' reader,
// rollback actions and health: the evidence, the policy, and the actions
// other than a rollback.
type Decision struct {
	// Gather reads a workload's evidence (history, rollout state, health
	// and each revision's health while live, the application). It does
	// I/O: call it from commands only.
	Gather func(ctx context.Context, ref rollout.Ref) (*evidence.Gathered, error)
	// Policy decides: the team's file, or the default. PolicyErr is the
	// problem found in the team's file (the default decides then).
	Policy    *decide.Policy
	PolicyErr error
	// Ops runs rollforwards, pauses and resumes, traffic switches and
	// verifications; nil when the console cannot act (the wizard shows
	// the command to run instead).
	Ops Operations
	// Bake bounds the wait for a healthy verdict after an action (0:
	// action.DefaultBake).
	Bake time.Duration
}

// BakeTime is how long a verification waits for a healthy verdict.
func (d *Decision) BakeTime() time.Duration {
	if d != nil && d.Bake > 0 {
		return d.Bake
	}
	return action.DefaultBake
}

// Operations are the wizard's actions over internal/action. Each refuses
// in read-only mode on its own; the wizard reaches them only from
// commands.
type Operations interface {
	// PrepareSetImage reads, checks permission and plans a rollforward.
	PrepareSetImage(ctx context.Context, req action.SetImageRequest) (*action.SetImagePrep, error)
	// SetImage executes (or, with action.DryRunServer, validates) it; a
	// change by someone else since the plan is an *action.ChangedError.
	SetImage(ctx context.Context, p *rollout.ImagePlan, dry action.DryRun) (*action.ImageResult, error)
	// PreparePause plans a pause (or, with req.Pause false, a resume).
	PreparePause(ctx context.Context, req action.PauseRequest) (*action.PausePlan, error)
	Pause(ctx context.Context, p *action.PausePlan, dry action.DryRun) (*action.PauseResult, error)
	// PlanTraffic plans a blue-green switch or a canary rollback and
	// checks the permission to carry it out.
	PlanTraffic(ctx context.Context, req action.TrafficRequest) (*action.TrafficPlan, error)
	ExecuteTraffic(ctx context.Context, p *action.TrafficPlan, dry action.DryRun) (*action.TrafficResult, error)
	// Verify follows ref's rollout to its end, then waits up to bake for a
	// healthy verdict; progress is reported through the callbacks (from
	// another goroutine).
	Verify(ctx context.Context, ref rollout.Ref, actionName, actor string, bake time.Duration, progress VerifyProgress) *action.Verification
	// VerifyTraffic observes a traffic plan's effect, then health.
	VerifyTraffic(ctx context.Context, p *action.TrafficPlan, bake time.Duration, progress VerifyProgress) *action.TrafficVerification
	// Confirmed records who confirmed an action, and the decision and
	// evidence it came from (ev nil: not known), for the journal.
	Confirmed(actionName string, ref rollout.Ref, actor string, ev *decide.Evidence, rec decide.Recommendation)
}

// VerifyProgress receives what a verification observes as it goes.
type VerifyProgress struct {
	OnStatus func(rollout.Status)
	OnHealth func(metrics.Verdict)
}
