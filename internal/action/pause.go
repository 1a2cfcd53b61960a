package action

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// Pause and resume event action names.
const (
	PauseAction  = "pause"
	ResumeAction = "resume"
)

// PauseReasonAnnotation records why a deployment was paused; resuming
// removes it.
const PauseReasonAnnotation = "mayday.dev/pause-reason"

// NotPausableError refuses to pause a kind that has no spec.paused.
type NotPausableError struct {
	Ref   rollout.Ref
	Pause bool
}

func (e *NotPausableError) Error() string {
	verb := "paused"
	if !e.Pause {
		verb = "resumed"
	}
	alt := ""
	switch e.Ref.Kind {
	case rollout.StatefulSet:
		alt = fmt.Sprintf("to hold a rolling update where it is, set spec.updateStrategy.rollingUpdate.partition to the replica count (kubectl patch statefulset %s -p '{\"spec\":{\"updateStrategy\":{\"rollingUpdate\":{\"partition\":N}}}}'), or roll back with mayday undo %s", e.Ref.Name, e.Ref)
	case rollout.DaemonSet:
		alt = fmt.Sprintf("to hold a rolling update where it is, set spec.updateStrategy.type to OnDelete, or roll back with mayday undo %s", e.Ref)
	}
	return fmt.Sprintf("%s cannot be %s: only Deployments have spec.paused; %s", e.Ref, verb, alt)
}

// PausePlan is a pause or resume of a Deployment's rollout.
type PausePlan struct {
	Workload        rollout.Ref `json:"workload"`
	UID             types.UID   `json:"uid"`
	ResourceVersion string      `json:"resourceVersion"`
	// Pause is the wanted state: true pauses, false resumes.
	Pause bool `json:"pause"`
	// Noop is set when the deployment is already in that state; Message
	// says so.
	Noop    bool   `json:"noop,omitempty"`
	Message string `json:"message"`
	// Rollout is the rollout's state when planned (where it stops).
	Rollout     rollout.Status         `json:"rollout"`
	From        corev1.PodTemplateSpec `json:"-"`
	FromPaused  bool                   `json:"-"`
	PatchType   types.PatchType        `json:"patchType"`
	Patch       json.RawMessage        `json:"patch"`
	Attribution rollout.Attribution    `json:"attribution"`
}

// Action names the plan's events: pause or resume.
func (p *PausePlan) Action() string {
	if p.Pause {
		return PauseAction
	}
	return ResumeAction
}

// PlanPause plans pausing (pause) or resuming (!pause) d's rollout: a
// merge patch of spec.paused with the actor, the incident and, when
// pausing, the reason, guarded by d's resourceVersion.
func PlanPause(d *appsv1.Deployment, pause bool, a rollout.Attribution) (*PausePlan, error) {
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: d.Namespace, Name: d.Name}
	p := &PausePlan{Workload: ref, UID: d.UID, ResourceVersion: d.ResourceVersion, Pause: pause,
		Rollout: rollout.DeploymentStatus(d), From: d.Spec.Template, FromPaused: d.Spec.Paused, PatchType: types.MergePatchType, Attribution: a}
	switch {
	case pause && d.Spec.Paused:
		p.Noop, p.Message = true, fmt.Sprintf("%s is already paused: nothing to do", ref)
	case !pause && !d.Spec.Paused:
		p.Noop, p.Message = true, fmt.Sprintf("%s is not paused: nothing to resume", ref)
	case pause:
		p.Message = fmt.Sprintf("pause the rollout of %s where it is (%s)", ref, p.Rollout.Message)
	default:
		p.Message = fmt.Sprintf("resume the rollout of %s", ref)
	}
	ann := map[string]any{rollout.ActorAnnotation: a.Actor}
	if a.Incident != "" {
		ann[rollout.IncidentAnnotation] = a.Incident
	}
	if pause && a.Reason != "" {
		ann[PauseReasonAnnotation] = a.Reason
	} else if !pause {
		ann[PauseReasonAnnotation] = nil
	}
	var err error
	p.Patch, err = json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": d.ResourceVersion, "annotations": ann},
		"spec":     map[string]any{"paused": pause},
	})
	return p, err
}

// PauseRequest is a pause or resume as asked for.
type PauseRequest struct {
	Ref      rollout.Ref
	Pause    bool
	Reason   string
	Incident string
	DryRun   DryRun
	Recorder Recorder
}

// PreparePause reads the deployment, the permission and the actor at once
// and plans. Read-only mode and kinds without spec.paused are refused
// before any request.
func PreparePause(ctx context.Context, e *Executor, req PauseRequest) (*PausePlan, error) {
	if req.Ref.Kind != rollout.Deployment {
		return nil, &NotPausableError{Ref: req.Ref, Pause: req.Pause}
	}
	if req.DryRun != DryRunClient && e.ReadOnly {
		return nil, ErrReadOnly
	}
	var (
		g                 errgroup.Group
		d                 *appsv1.Deployment
		getErr, accessErr error
		actor             string
	)
	g.Go(func() error {
		d, getErr = kube.APIReader{Client: e.Client}.Deployment(ctx, req.Ref.Namespace, req.Ref.Name)
		return nil
	})
	if req.DryRun != DryRunClient {
		g.Go(func() error {
			accessErr = kube.CheckAccess(ctx, e.Client, kube.Permission{Verb: "patch", Group: "apps",
				Resource: "deployments", Namespace: req.Ref.Namespace, Name: req.Ref.Name})
			return nil
		})
	}
	g.Go(func() error {
		actor = kube.Actor(ctx, e.Client)
		return nil
	})
	_ = g.Wait()
	if accessErr != nil {
		return nil, nameActor(accessErr, actor)
	}
	if getErr != nil {
		if apierrors.IsNotFound(getErr) {
			return nil, &rollout.NotFoundError{Ref: req.Ref}
		}
		return nil, fmt.Errorf("reading %s in namespace %q: %w", req.Ref, req.Ref.Namespace, getErr)
	}
	p, err := PlanPause(d, req.Pause, rollout.Attribution{Actor: actor, Reason: req.Reason, Incident: req.Incident})
	if err != nil {
		return nil, err
	}
	record(req.Recorder, pauseEvent(p, PhasePlanned, p.Message, 0))
	return p, nil
}

// PauseResult reports an executed pause or resume.
type PauseResult struct {
	Plan            *PausePlan    `json:"plan"`
	Outcome         Outcome       `json:"outcome"`
	DryRun          DryRun        `json:"dryRun"`
	Message         string        `json:"message"`
	Unknown         bool          `json:"outcomeWasUnknown,omitempty"`
	ResourceVersion string        `json:"resourceVersion,omitempty"`
	Replans         int           `json:"replans,omitempty"`
	Duration        time.Duration `json:"duration"`
	EventError      string        `json:"eventError,omitempty"`
}

// Pause executes a pause or resume plan, guarded like every write: a
// conflict caused only by status updates is planned again and re-sent; a
// change of the template or of the paused flag by someone else is a
// *ChangedError.
func (e *Executor) Pause(ctx context.Context, p *PausePlan, dry DryRun, rec Recorder) (*PauseResult, error) {
	if dry != DryRunNone || e.ReadOnly || p.Noop {
		return e.pause(ctx, p, dry, rec)
	}
	m := Mutation{Action: p.Action(), Namespace: p.Workload.Namespace, Workload: p.Workload.String(),
		Description: p.Message, ResourceVersion: p.ResourceVersion, Actor: p.Attribution.Actor,
		Detail: map[string]any{"reason": p.Attribution.Reason}}
	return journaled(ctx, e, m, func(inc string) (*PauseResult, Outcome, map[string]any, error) {
		p, err := p.withIncident(inc)
		if err != nil {
			return nil, "", nil, err
		}
		res, err := e.pause(ctx, p, dry, rec)
		if res == nil {
			return nil, "", nil, err
		}
		return res, res.Outcome, map[string]any{"outcome": string(res.Outcome), "resourceVersion": res.ResourceVersion}, err
	})
}

// withIncident is the plan attributed to incident id, its patch included.
func (p *PausePlan) withIncident(id string) (*PausePlan, error) {
	patch, changed, err := rollout.IncidentPatch(p.Attribution, p.PatchType, p.Patch, id)
	if err != nil || !changed {
		return p, err
	}
	np := *p
	np.Attribution.Incident, np.Patch = id, patch
	return &np, nil
}

func (e *Executor) pause(ctx context.Context, p *PausePlan, dry DryRun, rec Recorder) (*PauseResult, error) {
	start := time.Now()
	res := &PauseResult{Plan: p, DryRun: dry}
	if dry == DryRunClient {
		res.Outcome, res.Message = OutcomeDryRun, "client dry run: nothing was sent"
		return res, nil
	}
	if e.ReadOnly {
		return nil, ErrReadOnly
	}
	if p.Noop {
		res.Outcome, res.Message = OutcomeSkipped, p.Message
		record(rec, pauseEvent(p, PhaseSkipped, p.Message, 0))
		return res, nil
	}
	opts := metav1.PatchOptions{FieldManager: "mayday"}
	if dry == DryRunServer {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	obj, err := patchWorkload(ctx, e.Client, p.Workload, p.PatchType, p.Patch, opts)
	for attempt := 0; err != nil && apierrors.IsConflict(err) && attempt < maxReplans; attempt++ {
		np, cerr := e.replanPause(ctx, p)
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
		return nil, fmt.Errorf("%s %s: the deployment kept changing under %d attempts: %w", p.Action(), p.Workload, maxReplans+1, err)
	case dry == DryRunNone && outcomeUnknown(err):
		return e.readBackPause(p, res, err, rec)
	default:
		record(rec, pauseEvent(p, PhaseFailed, err.Error(), res.Duration))
		return nil, fmt.Errorf("%s %s: %w", p.Action(), p.Workload, err)
	}
	res.ResourceVersion = obj.GetResourceVersion()
	if dry == DryRunServer {
		res.Outcome, res.Message = OutcomeDryRun, "server dry run: the API server accepted the change; nothing was persisted"
		record(rec, pauseEvent(p, PhaseDryRun, "accepted", res.Duration))
		return res, nil
	}
	res.Outcome = OutcomeApplied
	res.Message = p.Workload.String() + " paused"
	if !p.Pause {
		res.Message = p.Workload.String() + " resumed"
	}
	record(rec, pauseEvent(p, PhaseExecuted, res.Message, res.Duration))
	if err := e.leaveEvent(ctx, pauseKubeEvent(p, obj)); err != nil {
		res.EventError = err.Error()
	}
	return res, nil
}

func pauseEvent(p *PausePlan, phase Phase, msg string, d time.Duration) Event {
	return Event{Action: p.Action(), Namespace: p.Workload.Namespace, Workload: p.Workload.String(), Phase: phase,
		Actor: p.Attribution.Actor, Duration: d,
		Detail: map[string]any{"message": msg, "rollout": string(p.Rollout.Phase), "rolloutMessage": p.Rollout.Message}}
}

func pauseKubeEvent(p *PausePlan, obj metav1.Object) workloadEvent {
	we := workloadEvent{ref: p.Workload, obj: obj, reason: "RolloutPaused", action: "Pause", attribution: p.Attribution,
		message: fmt.Sprintf("%s paused the rollout of %s (%s)", p.Attribution.Actor, p.Workload, p.Rollout.Message)}
	if !p.Pause {
		we.reason, we.action = "RolloutResumed", "Resume"
		we.message = fmt.Sprintf("%s resumed the rollout of %s", p.Attribution.Actor, p.Workload)
	}
	return we
}

func (e *Executor) replanPause(ctx context.Context, p *PausePlan) (*PausePlan, error) {
	d, err := e.Client.AppsV1().Deployments(p.Workload.Namespace).Get(ctx, p.Workload.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s changed after the plan was made and reading it again failed: %w", p.Workload, err)
	}
	np, err := PlanPause(d, p.Pause, p.Attribution)
	if err != nil {
		return nil, err
	}
	wasPaused := p.FromPaused
	if d.Spec.Paused == wasPaused && rollout.EqualIgnoreHash(&p.From, &d.Spec.Template) {
		return np, nil
	}
	ce := &ChangedError{Workload: p.Workload, OldRV: p.ResourceVersion, NewRV: d.ResourceVersion,
		Concurrent: rollout.DiffTemplatesLabeled(&p.From, &d.Spec.Template, "when planned", "now")}
	if d.Spec.Paused != wasPaused {
		ce.Detail = fmt.Sprintf("paused %t → %t", wasPaused, d.Spec.Paused)
	} else {
		ce.Detail = "the pod template"
	}
	return nil, ce
}

func (e *Executor) readBackPause(p *PausePlan, res *PauseResult, cause error, rec Recorder) (*PauseResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res.Unknown = true
	d, err := e.Client.AppsV1().Deployments(p.Workload.Namespace).Get(ctx, p.Workload.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("the %s of %s was sent but the API did not answer (%v), and reading it back failed (%v): the outcome is unknown", p.Action(), p.Workload, cause, err)
	}
	res.ResourceVersion = d.ResourceVersion
	if d.Spec.Paused == p.Pause {
		res.Outcome = OutcomeApplied
		res.Message = fmt.Sprintf("the API did not answer the write (%v); reading it back shows the %s was applied", cause, p.Action())
		record(rec, pauseEvent(p, PhaseExecuted, res.Message, res.Duration))
		if err := e.leaveEvent(ctx, pauseKubeEvent(p, d)); err != nil {
			res.EventError = err.Error()
		}
		return res, nil
	}
	res.Outcome = OutcomeNotApplied
	res.Message = fmt.Sprintf("the API did not answer the write (%v); reading it back shows the %s was NOT applied", cause, p.Action())
	record(rec, pauseEvent(p, PhaseFailed, res.Message, res.Duration))
	return res, fmt.Errorf("%s", res.Message)
}
