package wizard

import (
	"context"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
)

// Ops implements common.Operations with the action layer, which enforces
// read-only mode and permissions on its own, and records every step of
// every action through Recorder.
type Ops struct {
	Exec    *action.Executor
	Traffic *action.Traffic
	// WatchClient follows rollouts (no request timeout); nil: Exec's.
	WatchClient kubernetes.Interface
	// Probe checks a quiet watch this often (the request timeout).
	Probe time.Duration
	// Health judges workloads after their rollout (nil: not checked).
	Health *metrics.Health
	// Poll is the time between two verdicts while baking (0: 5s).
	Poll time.Duration
	// Timeout bounds following a rollout: a stuck one fails its
	// progress deadline long before.
	Timeout  time.Duration
	Recorder action.Recorder
	// The journal's hooks (see OpsConfig).
	onDecision func(rollout.Ref, *decide.Evidence, decide.Recommendation)
	onVerified func(rollout.Ref, *action.Verification)
}

// OpsConfig is what NewOps builds on.
type OpsConfig struct {
	// Client makes bounded requests; WatchClient watches.
	Client, WatchClient kubernetes.Interface
	// Dynamic reaches HTTPRoutes, VirtualServices and Argo Rollouts
	// (nil: only Services and Deployments).
	Dynamic  dynamic.Interface
	ReadOnly bool
	Health   *metrics.Health
	Recorder action.Recorder
	// Ledger records every write before it is sent (nil: not journaled).
	Ledger action.Ledger
	Probe  time.Duration
	// OnDecision hears the decision an action was confirmed from, with
	// its evidence (nil: not journaled).
	OnDecision func(ref rollout.Ref, ev *decide.Evidence, rec decide.Recommendation)
	// OnVerified hears each verification of a workload once it ends.
	OnVerified func(ref rollout.Ref, v *action.Verification)
}

// DefaultVerifyTimeout bounds following a rollout in the console.
const DefaultVerifyTimeout = 15 * time.Minute

// NewOps builds the operations over a client.
func NewOps(cfg OpsConfig) *Ops {
	exec := &action.Executor{Client: cfg.Client, ReadOnly: cfg.ReadOnly, Ledger: cfg.Ledger}
	return &Ops{Exec: exec, Traffic: &action.Traffic{Executor: exec, Dynamic: cfg.Dynamic},
		WatchClient: cfg.WatchClient, Probe: cfg.Probe, Health: cfg.Health, Recorder: cfg.Recorder, Timeout: DefaultVerifyTimeout,
		onDecision: cfg.OnDecision, onVerified: cfg.OnVerified}
}

var _ common.Operations = (*Ops)(nil)

func (o *Ops) PrepareSetImage(ctx context.Context, req action.SetImageRequest) (*action.SetImagePrep, error) {
	req.Recorder = o.Recorder
	return action.PrepareSetImage(ctx, o.Exec, req)
}

func (o *Ops) SetImage(ctx context.Context, p *rollout.ImagePlan, dry action.DryRun) (*action.ImageResult, error) {
	return o.Exec.SetImage(ctx, p, dry, o.Recorder)
}

func (o *Ops) PreparePause(ctx context.Context, req action.PauseRequest) (*action.PausePlan, error) {
	req.Recorder = o.Recorder
	return action.PreparePause(ctx, o.Exec, req)
}

func (o *Ops) Pause(ctx context.Context, p *action.PausePlan, dry action.DryRun) (*action.PauseResult, error) {
	return o.Exec.Pause(ctx, p, dry, o.Recorder)
}

// PlanTraffic plans, then refuses up front what would fail later
// (read-only mode, a missing permission on any object written).
func (o *Ops) PlanTraffic(ctx context.Context, req action.TrafficRequest) (*action.TrafficPlan, error) {
	req.Recorder = o.Recorder
	p, err := o.Traffic.Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	if p.Skip {
		return p, nil
	}
	if err := o.Traffic.CheckAllowed(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

func (o *Ops) ExecuteTraffic(ctx context.Context, p *action.TrafficPlan, dry action.DryRun) (*action.TrafficResult, error) {
	return o.Traffic.Execute(ctx, p, dry, o.Recorder)
}

func (o *Ops) Verify(ctx context.Context, ref rollout.Ref, actionName, actor string, bake time.Duration, progress common.VerifyProgress) *action.Verification {
	vf := &action.Verifier{
		Client: o.Exec.Client, WatchClient: o.WatchClient, Probe: o.Probe, Timeout: o.Timeout,
		Health: o.Health, Bake: bake, Poll: o.Poll, Recorder: o.Recorder, Action: actionName, Actor: actor,
	}
	if progress.OnStatus != nil {
		vf.OnStatus = func(_ rollout.Ref, s rollout.Status) { progress.OnStatus(s) }
	}
	if progress.OnHealth != nil {
		vf.OnHealth = func(_ rollout.Ref, v metrics.Verdict) { progress.OnHealth(v) }
	}
	v := vf.Verify(ctx, ref)
	if o.onVerified != nil && v != nil {
		o.onVerified(ref, v)
	}
	return v
}

func (o *Ops) VerifyTraffic(ctx context.Context, p *action.TrafficPlan, bake time.Duration, progress common.VerifyProgress) *action.TrafficVerification {
	opts := action.TrafficVerifyOptions{Health: o.Health, Bake: bake, Poll: o.Poll}
	if progress.OnHealth != nil {
		opts.OnHealth = func(_ rollout.Ref, v metrics.Verdict) { progress.OnHealth(v) }
	}
	return o.Traffic.Verify(ctx, p, opts, o.Recorder)
}

// Confirmed records who confirmed an action in the console.
func (o *Ops) Confirmed(actionName string, ref rollout.Ref, actor string, ev *decide.Evidence, rec decide.Recommendation) {
	if o.onDecision != nil {
		o.onDecision(ref, ev, rec)
	}
	if o.Recorder == nil {
		return
	}
	o.Recorder.Record(action.Event{Time: time.Now(), Action: actionName, Namespace: ref.Namespace, Workload: ref.String(),
		Phase: action.PhaseConfirmed, Actor: actor, Detail: map[string]any{"by": "confirmed in the console (decision wizard)"}})
}
