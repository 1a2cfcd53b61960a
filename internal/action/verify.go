package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// DefaultBake is how long the health verdict has to recover after a
// rollout completes.
const DefaultBake = 2 * time.Minute

// Verifier observes that an action worked: the rollout completed, then the
// health verdict recovered within the bake time. Nothing is assumed: a
// verdict that was never observed healthy is reported as it was last seen.
type Verifier struct {
	// Client lists (bounded by the request timeout); WatchClient watches.
	Client, WatchClient kubernetes.Interface
	// Probe checks a quiet watch this often (the request timeout).
	Probe time.Duration
	// Timeout bounds the wait for the rollout (0: until it ends).
	Timeout time.Duration
	// Health judges the workload after its rollout (nil: not checked).
	Health *metrics.Health
	// Bake bounds the wait for a healthy verdict (0: DefaultBake); Poll
	// is the time between two checks (0: 5s).
	Bake, Poll time.Duration
	// Recorder receives the verified or failed event; Action and Actor
	// name them.
	Recorder Recorder
	Action   string
	Actor    string
	// OnStatus and OnHealth see each new rollout status and each verdict
	// (progress lines); either may be nil.
	OnStatus func(rollout.Ref, rollout.Status)
	OnHealth func(rollout.Ref, metrics.Verdict)
	// OnBake is told when the bake starts: how long it may last and how
	// long a healthy verdict needs before it counts (may be nil).
	OnBake func(ref rollout.Ref, bake, settle time.Duration)
}

// Verification is what was observed after an action.
type Verification struct {
	Workload rollout.Ref `json:"workload"`
	// Rollout is the last status seen; RolloutComplete says it completed.
	Rollout         rollout.Status `json:"rollout"`
	RolloutComplete bool           `json:"rolloutComplete"`
	RolloutFailed   bool           `json:"rolloutFailed,omitempty"`
	TimedOut        bool           `json:"timedOut,omitempty"`
	// Err is why the rollout could not be followed (the API went away).
	Err error `json:"-"`
	// HealthChecked says a verdict was asked for; Health is the last one
	// and HealthRecovered says it was observed healthy within the bake.
	HealthChecked   bool            `json:"healthChecked"`
	Health          metrics.Verdict `json:"health,omitzero"`
	HealthRecovered bool            `json:"healthRecovered,omitempty"`
	RolloutDuration time.Duration   `json:"rolloutDuration"`
	HealthDuration  time.Duration   `json:"healthDuration,omitempty"`
	// IsVerified and Observed repeat Verified() and Summary() for JSON.
	IsVerified bool   `json:"verified"`
	Observed   string `json:"observed"`
}

// Verified reports whether the action is known to have worked.
func (v *Verification) Verified() bool {
	return v.RolloutComplete && (!v.HealthChecked || v.HealthRecovered)
}

// HealthCritical reports a verdict still critical at the end of the bake.
func (v *Verification) HealthCritical() bool {
	return v.HealthChecked && !v.HealthRecovered && v.Health.State == metrics.Critical
}

// Summary says in one line what was observed.
func (v *Verification) Summary() string {
	var s string
	switch {
	case v.RolloutComplete:
		s = fmt.Sprintf("rollout complete in %s", roundDuration(v.RolloutDuration))
	case v.RolloutFailed:
		s = "rollout failed: " + v.Rollout.Message
	case v.TimedOut:
		s = fmt.Sprintf("rollout not complete after %s: %s", roundDuration(v.RolloutDuration), v.Rollout.Message)
	case v.Err != nil:
		s = "rollout not followed: " + v.Err.Error()
	default:
		s = "rollout not complete: " + v.Rollout.Message
	}
	if !v.RolloutComplete {
		return s
	}
	return s + healthSummary(v.HealthChecked, v.HealthRecovered, v.Health, v.HealthDuration)
}

// healthSummary is the health part of a verification's summary, shared by
// rollouts and traffic shifts: "; health ✓ healthy after 1m0s".
func healthSummary(checked, recovered bool, h metrics.Verdict, took time.Duration) string {
	switch {
	case !checked:
		return "; health not checked"
	case recovered:
		return fmt.Sprintf("; health %s %s after %s", h.State.Glyph(), h.State, roundDuration(took))
	}
	s := fmt.Sprintf("; health %s %s after the %s bake", h.State.Glyph(), h.State, roundDuration(took))
	if h.Reason != "" {
		s += " (" + h.Reason + ")"
	}
	return s
}

func roundDuration(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// Verify follows ref's rollout to its end, then, with a Health, polls the
// verdict until it is healthy or the bake time passes.
func (vf *Verifier) Verify(ctx context.Context, ref rollout.Ref) *Verification {
	v := &Verification{Workload: ref}
	start := time.Now()
	vf.followRollout(ctx, ref, v)
	v.RolloutDuration = time.Since(start)
	if v.RolloutComplete && vf.Health != nil {
		vf.bake(ctx, ref, v)
	}
	v.IsVerified, v.Observed = v.Verified(), v.Summary()
	phase := PhaseVerified
	if !v.Verified() {
		phase = PhaseFailed
	}
	detail := map[string]any{"rollout": string(v.Rollout.Phase), "message": v.Rollout.Message, "summary": v.Summary()}
	if v.HealthChecked {
		detail["health"] = v.Health.State.String()
		detail["healthReason"] = v.Health.Reason
		detail["healthDuration"] = v.HealthDuration.String()
	}
	record(vf.Recorder, Event{Action: vf.Action, Namespace: ref.Namespace, Workload: ref.String(), Phase: phase,
		Actor: vf.Actor, Detail: detail, Duration: time.Since(start)})
	return v
}

func (vf *Verifier) followRollout(ctx context.Context, ref rollout.Ref, v *Verification) {
	wctx := ctx
	if vf.Timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, vf.Timeout)
		defer cancel()
	}
	watchClient := vf.WatchClient
	if watchClient == nil {
		watchClient = vf.Client
	}
	var last rollout.Status
	err := kube.WatchWorkload(wctx, vf.Client, watchClient, string(ref.Kind), ref.Namespace, ref.Name, vf.Probe,
		func(obj runtime.Object) (bool, error) {
			s := RolloutStatus(wctx, vf.Client, obj)
			if s != last && vf.OnStatus != nil {
				vf.OnStatus(ref, s)
			}
			last = s
			return s.Done(), nil
		})
	v.Rollout = last
	v.RolloutComplete = err == nil && last.Phase == rollout.PhaseComplete
	v.RolloutFailed = err == nil && last.Phase == rollout.PhaseFailed
	switch {
	case err == nil:
	case ctx.Err() == nil && wctx.Err() != nil && errors.Is(err, context.DeadlineExceeded):
		v.TimedOut = true
	default:
		v.Err = err
	}
}

// bake polls the verdict. A healthy verdict counts once the rate window
// of its queries lies after the rollout's end, so it judges the new pods
// rather than what ran before.
func (vf *Verifier) bake(ctx context.Context, ref rollout.Ref, v *Verification) {
	start := time.Now()
	bake := vf.Bake
	if bake <= 0 {
		bake = DefaultBake
	}
	poll := vf.Poll
	if poll <= 0 {
		poll = 5 * time.Second
	}
	settle := vf.Health.RateRange(0)
	if vf.OnBake != nil {
		vf.OnBake(ref, bake, min(settle, bake))
	}
	target := vf.target(ctx, ref)
	v.HealthChecked = true
	for {
		verdict, _ := vf.Health.Check(ctx, target, healthWindow, healthCells, metrics.Signals())
		v.Health = verdict
		if vf.OnHealth != nil {
			vf.OnHealth(ref, verdict)
		}
		elapsed := time.Since(start)
		if verdict.State == metrics.Healthy && elapsed >= min(settle, bake) {
			v.HealthRecovered = true
			break
		}
		if elapsed >= bake || ctx.Err() != nil {
			break
		}
		wait := min(poll, bake-elapsed)
		if verdict.State == metrics.Healthy {
			wait = min(wait, settle-elapsed)
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	v.HealthDuration = time.Since(start)
}

// The range a verdict reads: long enough for the thresholds' For.
const (
	healthWindow = 10 * time.Minute
	healthCells  = 60
)

// target names ref for metric queries with its revisions' hashes, read
// after the rollout so the new revision is among them.
func (vf *Verifier) target(ctx context.Context, ref rollout.Ref) metrics.Target {
	t := metrics.Target{Namespace: ref.Namespace, Kind: string(ref.Kind), Name: ref.Name, Revisions: map[string]int64{}}
	h, err := rollout.GetHistory(ctx, kube.APIReader{Client: vf.Client}, ref)
	if err != nil {
		return t
	}
	return HealthTarget(h)
}

// HealthTarget names a workload for metric queries, with its revisions'
// pod-template-hashes so per-revision series carry revision numbers.
func HealthTarget(h *rollout.History) metrics.Target {
	t := metrics.Target{Namespace: h.Workload.Namespace, Kind: string(h.Workload.Kind), Name: h.Workload.Name,
		Revisions: map[string]int64{}}
	for _, r := range h.Revisions {
		if r.Source.Hash != "" {
			t.Revisions[r.Source.Hash] = r.Number
		}
	}
	return t
}

// RolloutStatus judges obj's rollout as `kubectl rollout status` does,
// except that a progress deadline left over from the rollout before a
// rollback is not this rollout's failure: the timed-out ReplicaSet is read
// and, when its template is not the deployment's, the rollout is still in
// progress.
func RolloutStatus(ctx context.Context, client kubernetes.Interface, obj runtime.Object) rollout.Status {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		s := rollout.DeploymentStatus(o)
		if s.Phase != rollout.PhaseFailed {
			return s
		}
		name := rollout.TimedOutReplicaSet(o)
		if name == "" {
			return s
		}
		rs, err := client.AppsV1().ReplicaSets(o.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil || rollout.EqualIgnoreHash(&rs.Spec.Template, &o.Spec.Template) {
			return s
		}
		return rollout.DeploymentStatusFor(o, "(current revision)")
	case *appsv1.StatefulSet:
		return rollout.StatefulSetStatus(o)
	case *appsv1.DaemonSet:
		return rollout.DaemonSetStatus(o)
	}
	return rollout.Status{Phase: rollout.PhaseProgressing, Message: "unknown object"}
}
