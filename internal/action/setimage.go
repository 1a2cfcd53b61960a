package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// SetImageAction names set-image events.
const SetImageAction = "set-image"

// SetImageRequest is a rollforward as asked for.
type SetImageRequest struct {
	Ref      rollout.Ref
	Settings []rollout.ImageSetting
	Reason   string
	Incident string
	DryRun   DryRun
	Now      time.Time
	Recorder Recorder
}

// SetImagePrep is a planned set-image with what was read for it.
type SetImagePrep struct {
	Plan    *rollout.ImagePlan
	History *rollout.History
	Actor   string
	// AccessErr is why a real change would be refused (client dry run
	// only; otherwise it is the error returned).
	AccessErr error
}

// PrepareSetImage reads the workload's history, the patch permission and
// the actor at once, then plans. Read-only mode refuses before any
// request (except for a client dry run, which sends nothing).
func PrepareSetImage(ctx context.Context, e *Executor, req SetImageRequest) (*SetImagePrep, error) {
	if req.DryRun != DryRunClient && e.ReadOnly {
		return nil, ErrReadOnly
	}
	var (
		g         errgroup.Group
		h         *rollout.History
		histErr   error
		accessErr error
		actor     string
	)
	g.Go(func() error {
		h, histErr = rollout.GetHistory(ctx, kube.APIReader{Client: e.Client}, req.Ref)
		return nil
	})
	g.Go(func() error {
		accessErr = kube.CheckAccess(ctx, e.Client, kube.Permission{Verb: "patch", Group: "apps",
			Resource: req.Ref.Kind.Resource(), Namespace: req.Ref.Namespace, Name: req.Ref.Name})
		return nil
	})
	g.Go(func() error {
		actor = kube.Actor(ctx, e.Client)
		return nil
	})
	_ = g.Wait()
	if accessErr != nil && req.DryRun != DryRunClient {
		return nil, nameActor(accessErr, actor)
	}
	if histErr != nil {
		return nil, histErr
	}
	p, err := rollout.PlanSetImage(h, req.Settings, rollout.SetImageOptions{Now: req.Now,
		Attribution: rollout.Attribution{Actor: actor, Reason: req.Reason, Incident: req.Incident}})
	if err != nil {
		return nil, err
	}
	detail := map[string]any{"fromRevision": p.FromRevision, "images": settingsText(p.Settings), "skip": p.Skip}
	record(req.Recorder, Event{Action: SetImageAction, Namespace: req.Ref.Namespace, Workload: req.Ref.String(),
		Phase: PhasePlanned, Actor: actor, Detail: detail})
	prep := &SetImagePrep{Plan: p, History: h, Actor: actor}
	if req.DryRun == DryRunClient {
		prep.AccessErr = accessErr
	}
	return prep, nil
}

// nameActor names who lacks a permission when the API did not.
func nameActor(err error, actor string) error {
	var fe *kube.ForbiddenError
	if errors.As(err, &fe) && fe.User == "" && !strings.HasPrefix(actor, "os:") {
		fe.User = actor
	}
	return err
}

func settingsText(s []rollout.ImageSetting) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = x.String()
	}
	return strings.Join(parts, ",")
}

// ImageResult reports an executed set-image.
type ImageResult struct {
	Plan    *rollout.ImagePlan `json:"plan"`
	Outcome Outcome            `json:"outcome"`
	DryRun  DryRun             `json:"dryRun"`
	Message string             `json:"message"`
	// Unknown is set when the API did not answer the write: Outcome then
	// comes from reading the workload back.
	Unknown         bool          `json:"outcomeWasUnknown,omitempty"`
	ResourceVersion string        `json:"resourceVersion,omitempty"`
	Replans         int           `json:"replans,omitempty"`
	Duration        time.Duration `json:"duration"`
	EventError      string        `json:"eventError,omitempty"`
}

// SetImage executes a set-image plan: read-only refusal, a patch guarded by
// the plan's resourceVersion (re-planned and re-sent when only status
// moved; a change by someone else is a *ChangedError), a read-back when
// the API does not answer, and an Event on the workload.
func (e *Executor) SetImage(ctx context.Context, p *rollout.ImagePlan, dry DryRun, rec Recorder) (*ImageResult, error) {
	if dry != DryRunNone || e.ReadOnly || p.Skip {
		return e.setImage(ctx, p, dry, rec)
	}
	m := Mutation{Action: SetImageAction, Namespace: p.Workload.Namespace, Workload: p.Workload.String(),
		Description: "set image " + settingsText(p.Settings), ResourceVersion: p.ResourceVersion, Actor: p.Attribution.Actor,
		Detail: map[string]any{"reason": p.Attribution.Reason}}
	return journaled(ctx, e, m, func(inc string) (*ImageResult, Outcome, map[string]any, error) {
		p, err := p.WithIncident(inc)
		if err != nil {
			return nil, "", nil, err
		}
		res, err := e.setImage(ctx, p, dry, rec)
		if res == nil {
			return nil, "", nil, err
		}
		return res, res.Outcome, map[string]any{"outcome": string(res.Outcome), "resourceVersion": res.ResourceVersion, "replans": res.Replans}, err
	})
}

func (e *Executor) setImage(ctx context.Context, p *rollout.ImagePlan, dry DryRun, rec Recorder) (*ImageResult, error) {
	start := time.Now()
	res := &ImageResult{Plan: p, DryRun: dry}
	if dry == DryRunClient {
		res.Outcome, res.Message = OutcomeDryRun, "client dry run: nothing was sent"
		return res, nil
	}
	if e.ReadOnly {
		return nil, ErrReadOnly
	}
	if p.Skip {
		res.Outcome, res.Message = OutcomeSkipped, "nothing to change ("+p.SkipReason+")"
		record(rec, imageEvent(p, PhaseSkipped, res.Message, 0))
		return res, nil
	}
	opts := metav1.PatchOptions{FieldManager: "mayday"}
	if dry == DryRunServer {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	obj, err := patchWorkload(ctx, e.Client, p.Workload, p.PatchType, p.Patch, opts)
	for attempt := 0; err != nil && apierrors.IsConflict(err) && attempt < maxReplans; attempt++ {
		np, cerr := e.replanImage(ctx, p)
		if cerr != nil {
			return nil, cerr
		}
		p, res.Plan = np, np
		res.Replans++
		obj, err = patchWorkload(ctx, e.Client, p.Workload, p.PatchType, p.Patch, opts)
	}
	res.Duration = time.Since(start)
	switch {
	case err == nil:
	case apierrors.IsConflict(err):
		return nil, fmt.Errorf("setting the image of %s: the workload kept changing under %d attempts: %w", p.Workload, maxReplans+1, err)
	case dry == DryRunNone && outcomeUnknown(err):
		return e.readBackImage(p, res, err, rec)
	default:
		if dry == DryRunServer {
			record(rec, imageEvent(p, PhaseDryRun, "refused: "+err.Error(), res.Duration))
		} else {
			record(rec, imageEvent(p, PhaseFailed, err.Error(), res.Duration))
		}
		return nil, fmt.Errorf("setting the image of %s: %w", p.Workload, err)
	}
	res.ResourceVersion = obj.GetResourceVersion()
	if dry == DryRunServer {
		res.Outcome, res.Message = OutcomeDryRun, "server dry run: the API server accepted the change; nothing was persisted"
		record(rec, imageEvent(p, PhaseDryRun, "accepted", res.Duration))
		return res, nil
	}
	res.Outcome, res.Message = OutcomeApplied, "set image "+settingsText(p.Settings)
	record(rec, imageEvent(p, PhaseExecuted, res.Message, res.Duration))
	if err := e.leaveEvent(ctx, imageKubeEvent(p, obj)); err != nil {
		res.EventError = err.Error()
	}
	return res, nil
}

func imageEvent(p *rollout.ImagePlan, phase Phase, msg string, d time.Duration) Event {
	return Event{Action: SetImageAction, Namespace: p.Workload.Namespace, Workload: p.Workload.String(), Phase: phase,
		Actor: p.Attribution.Actor, Duration: d,
		Detail: map[string]any{"message": msg, "images": settingsText(p.Settings), "fromRevision": p.FromRevision}}
}

func imageKubeEvent(p *rollout.ImagePlan, obj metav1.Object) workloadEvent {
	return workloadEvent{ref: p.Workload, obj: obj, reason: "RolledForward", action: "SetImage", attribution: p.Attribution,
		message: fmt.Sprintf("%s set image %s on %s (from revision %d)", p.Attribution.Actor, settingsText(p.Settings), p.Workload, p.FromRevision)}
}

// replanImage plans the same set-image on the workload as it is now. Only
// when nothing a person sets has changed is the new plan returned.
func (e *Executor) replanImage(ctx context.Context, p *rollout.ImagePlan) (*rollout.ImagePlan, error) {
	h, err := rollout.GetHistory(ctx, kube.APIReader{Client: e.Client}, p.Workload)
	if err != nil {
		return nil, fmt.Errorf("%s changed after the plan was made and reading it again failed: %w", p.Workload, err)
	}
	np, err := rollout.PlanSetImage(h, p.Settings, rollout.SetImageOptions{Attribution: p.Attribution, Now: p.PlannedAt})
	if err != nil {
		return nil, fmt.Errorf("%s changed after the plan was made: %w", p.Workload, err)
	}
	if rollout.SameImageIntent(p, np) {
		np.FromSource = p.FromSource
		return np, nil
	}
	ce := &ChangedError{Workload: p.Workload, OldRV: p.ResourceVersion, NewRV: np.ResourceVersion,
		Concurrent: rollout.DiffTemplatesLabeled(&p.From, &np.From, "when planned", "now")}
	switch {
	case p.FromPaused != np.FromPaused:
		ce.Detail = fmt.Sprintf("paused %t → %t", p.FromPaused, np.FromPaused)
	case len(ce.Concurrent.Summary) == 0:
		ce.Detail = "annotations"
	default:
		ce.Detail = "the pod template"
	}
	return nil, ce
}

// readBackImage reads the workload after a write whose answer was lost.
func (e *Executor) readBackImage(p *rollout.ImagePlan, res *ImageResult, cause error, rec Recorder) (*ImageResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res.Unknown = true
	h, err := rollout.GetHistory(ctx, kube.APIReader{Client: e.Client}, p.Workload)
	if err != nil {
		return nil, fmt.Errorf("the image change of %s was sent but the API did not answer (%v), and reading it back failed (%v): the outcome is unknown; check with `mayday history %s`", p.Workload, cause, err, p.Workload)
	}
	res.ResourceVersion = h.ResourceVersion
	if rollout.EqualIgnoreHash(&h.Template, &p.Template) {
		res.Outcome = OutcomeApplied
		res.Message = fmt.Sprintf("the API did not answer the write (%v); reading it back shows the image change was applied", cause)
		record(rec, imageEvent(p, PhaseExecuted, res.Message, res.Duration))
		if err := e.leaveEvent(ctx, imageKubeEvent(p, h.Object)); err != nil {
			res.EventError = err.Error()
		}
		return res, nil
	}
	res.Outcome = OutcomeNotApplied
	res.Message = fmt.Sprintf("the API did not answer the write (%v); reading it back shows the image change was NOT applied", cause)
	record(rec, imageEvent(p, PhaseFailed, res.Message, res.Duration))
	return res, fmt.Errorf("%s", res.Message)
}

// Fallback is where a failed rollforward goes back to, and why there.
type Fallback struct {
	Plan    *rollout.Plan
	History *rollout.History
	Why     string
}

// PlanFallback plans the undo of a failed rollforward: to the last known
// good revision when health can name one (the newest earlier revision
// whose live window was healthy), else to the revision that was live
// before the rollforward.
func PlanFallback(ctx context.Context, client kubernetes.Interface, health *metrics.Health, p *rollout.ImagePlan, reason string, now time.Time) (*Fallback, error) {
	h, err := rollout.GetHistory(ctx, kube.APIReader{Client: client}, p.Workload)
	if err != nil {
		return nil, err
	}
	to, why := int64(0), ""
	if health != nil {
		if lkg, ok := lastKnownGood(ctx, health, h, now); ok {
			to, why = lkg, fmt.Sprintf("revision %d is the last known good (healthy while it was live)", lkg)
		}
	}
	if to == 0 {
		if prev, ok := h.FindByUID(p.FromSource.UID); ok && !prev.Current {
			to, why = prev.Number, fmt.Sprintf("revision %d ran before the rollforward", prev.Number)
			if health != nil {
				why += " (health names no last known good revision)"
			}
		}
	}
	if to == 0 {
		why = "the previous revision (the revision before the rollforward is gone)"
	}
	plan, err := rollout.PlanUndoFrom(h, rollout.UndoOptions{ToRevision: to, Now: now,
		Attribution: rollout.Attribution{Actor: p.Attribution.Actor, Incident: p.Attribution.Incident, Reason: reason}})
	if err != nil {
		return nil, fmt.Errorf("planning the fallback of %s: %w", p.Workload, err)
	}
	return &Fallback{Plan: plan, History: h, Why: why}, nil
}

// lastKnownGood judges the revisions before the current one while they
// were live (the newest few) and returns the newest healthy one.
func lastKnownGood(ctx context.Context, health *metrics.Health, h *rollout.History, now time.Time) (int64, bool) {
	const judged = 5
	current := h.Current
	if current == 0 && len(h.Revisions) > 0 {
		// The controller has not yet recorded the new template as a
		// revision: it will be the next number.
		current = h.Revisions[len(h.Revisions)-1].Number + 1
	}
	t := HealthTarget(h)
	windows := rollout.LiveWindows(h, now)
	var hs []metrics.RevisionHealth
	for _, w := range windows[max(len(windows)-judged-1, 0):] {
		if w.Revision >= current {
			continue
		}
		hs = append(hs, health.RevisionHealth(ctx, t, metrics.RevisionWindow{Revision: w.Revision, Hash: w.Hash, Start: w.Start, End: w.End}))
	}
	return metrics.LastKnownGood(current, hs)
}
