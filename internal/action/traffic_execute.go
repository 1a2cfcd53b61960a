package action

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// OutcomePartial says some steps of a plan were applied and a later one
// was not.
const OutcomePartial Outcome = "partial"

// TrafficStepResult is what one write did.
type TrafficStepResult struct {
	Description     string `json:"description"`
	ResourceVersion string `json:"resourceVersion"`
	// Resent counts writes refused because only the object's status or
	// metadata had moved since the plan; each was sent again.
	Resent int `json:"resent"`
	// Unknown is set when the API did not answer and the outcome comes
	// from reading the object back.
	Unknown  bool          `json:"outcomeWasUnknown"`
	Duration time.Duration `json:"duration"`
}

// TrafficResult reports an executed traffic plan.
type TrafficResult struct {
	Plan    *TrafficPlan        `json:"-"`
	Outcome Outcome             `json:"outcome"`
	DryRun  DryRun              `json:"dryRun"`
	Message string              `json:"message"`
	Steps   []TrafficStepResult `json:"steps"`
	// Duration is from the first write sent to the last one answered.
	Duration   time.Duration `json:"duration"`
	EventError string        `json:"eventError"`
}

// TrafficConflictError says an object changed between planning and
// writing in a way its plan depends on; nothing more was written.
type TrafficConflictError struct {
	Object       ObjectRef
	OldRV, NewRV string
	// Changed lists the spec fields the other writer changed.
	Changed []string
	// Applied is how many steps were applied before (of Total).
	Applied, Total int
	Err            error
}

func (e *TrafficConflictError) Error() string {
	msg := fmt.Sprintf("%s changed after the plan was made (resourceVersion %s → %s)", e.Object, e.OldRV, e.NewRV)
	if len(e.Changed) > 0 {
		msg += "; changed meanwhile: " + strings.Join(e.Changed, ", ")
	}
	if e.Err != nil {
		msg += "; reading it again failed: " + e.Err.Error()
	}
	if e.Applied == 0 {
		return msg + "; nothing was written; review it and run the command again"
	}
	return msg + fmt.Sprintf("; %d of %d steps were applied before, the rest was not; review it and run the command again", e.Applied, e.Total)
}

// Execute runs a plan's steps in order, each a patch guarded by the
// object's resourceVersion. A conflict caused only by status updates
// (controllers move the resourceVersion constantly) is re-sent; one
// caused by a change to the object's spec stops with
// *TrafficConflictError. When the API does not answer a write, the object
// is read back to tell whether it landed.
func (t *Traffic) Execute(ctx context.Context, p *TrafficPlan, dry DryRun, rec Recorder) (*TrafficResult, error) {
	res := &TrafficResult{Plan: p, DryRun: dry, Steps: []TrafficStepResult{}}
	if dry == DryRunClient {
		res.Outcome, res.Message = OutcomeDryRun, "client dry run: nothing was sent"
		return res, nil
	}
	if t.ReadOnly {
		return nil, ErrReadOnly
	}
	if p.Skip {
		res.Outcome, res.Message = OutcomeSkipped, p.SkipReason
		record(rec, p.event(PhaseSkipped, p.SkipReason, 0, nil))
		return res, nil
	}
	opts := metav1.PatchOptions{FieldManager: "mayday"}
	if dry == DryRunServer {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	start := time.Now()
	lastRV := map[ObjectRef]string{}
	var main *unstructured.Unstructured
	for i, s := range p.Steps {
		rv := s.ResourceVersion
		if rv == "" {
			rv = lastRV[s.Object]
		}
		obj, sr, err := t.journaledStep(ctx, p, s, rv, opts, dry)
		res.Steps = append(res.Steps, sr)
		if err != nil {
			res.Duration = time.Since(start)
			return t.stepFailed(p, res, i, err, dry, rec)
		}
		lastRV[s.Object] = obj.GetResourceVersion()
		if s.Object.Name == p.Object.Name && s.Object.Resource == p.Object.Resource {
			main = obj
		}
	}
	res.Duration = time.Since(start)
	if dry == DryRunServer {
		res.Outcome, res.Message = OutcomeDryRun, "server dry run: the API server accepted every change; nothing was persisted"
		record(rec, p.event(PhaseDryRun, "accepted", res.Duration, nil))
		return res, nil
	}
	res.Outcome, res.Message = OutcomeApplied, p.Done
	record(rec, p.event(PhaseExecuted, p.Done, res.Duration, map[string]any{"steps": len(res.Steps)}))
	if err := t.leaveTrafficEvent(ctx, p, main); err != nil {
		res.EventError = err.Error()
	}
	return res, nil
}

// journaledStep sends one step; a real write is recorded in the ledger
// before it is sent, and its result after. The first intent's incident
// attributes the action's Event.
func (t *Traffic) journaledStep(ctx context.Context, p *TrafficPlan, s TrafficStep, rv string, opts metav1.PatchOptions, dry DryRun) (*unstructured.Unstructured, TrafficStepResult, error) {
	send := func() (*unstructured.Unstructured, TrafficStepResult, error) {
		obj, sr, err := t.sendStep(ctx, s, rv, opts)
		if err != nil && dry == DryRunNone && outcomeUnknown(err) {
			obj, err = t.readBackStep(s, err)
			sr.Unknown = err == nil
		}
		return obj, sr, err
	}
	if dry != DryRunNone {
		return send()
	}
	a := p.Request.Attribution
	m := Mutation{Action: string(p.Request.Action), Namespace: s.Object.Namespace, Workload: s.Object.String(),
		Description: s.Description, ResourceVersion: rv, Actor: a.Actor,
		Detail: map[string]any{"pattern": p.Pattern, "reason": a.Reason}}
	var sr TrafficStepResult
	obj, err := journaled(ctx, t.Executor, m, func(inc string) (*unstructured.Unstructured, Outcome, map[string]any, error) {
		if p.Request.Attribution.Incident == "" {
			p.Request.Attribution.Incident = inc
		}
		var obj *unstructured.Unstructured
		var err error
		obj, sr, err = send()
		var na *notAppliedError
		if errors.As(err, &na) {
			return nil, OutcomeNotApplied, nil, err
		}
		if err != nil {
			return nil, "", nil, err
		}
		return obj, OutcomeApplied, map[string]any{"resourceVersion": sr.ResourceVersion, "resent": sr.Resent, "readBack": sr.Unknown}, nil
	})
	return obj, sr, err
}

// sendStep sends one guarded write, re-sending it while conflicts are
// caused only by status updates.
func (t *Traffic) sendStep(ctx context.Context, s TrafficStep, rv string, opts metav1.PatchOptions) (*unstructured.Unstructured, TrafficStepResult, error) {
	start := time.Now()
	sr := TrafficStepResult{Description: s.Description}
	for {
		data, err := guarded(s, rv)
		if err != nil {
			return nil, sr, fmt.Errorf("building the patch of %s: %w", s.Object, err)
		}
		obj, err := t.patchObject(ctx, s.Object, s.Subresource, s.PatchType, data, opts)
		sr.Duration = time.Since(start)
		if err == nil {
			sr.ResourceVersion = obj.GetResourceVersion()
			return obj, sr, nil
		}
		if !apierrors.IsConflict(err) {
			return nil, sr, err
		}
		cur, gerr := t.getObject(ctx, s.Object)
		if gerr != nil {
			return nil, sr, &TrafficConflictError{Object: s.Object, OldRV: rv, NewRV: "?", Err: gerr}
		}
		if changed := changedPaths(s.spec, specOf(cur)); len(changed) > 0 || sr.Resent >= maxReplans {
			return nil, sr, &TrafficConflictError{Object: s.Object, OldRV: rv, NewRV: cur.GetResourceVersion(), Changed: changed}
		}
		rv = cur.GetResourceVersion()
		sr.Resent++
	}
}

// readBackStep reads the object after a write whose answer was lost.
func (t *Traffic) readBackStep(s TrafficStep, cause error) (*unstructured.Unstructured, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	obj, err := t.getObject(ctx, s.Object)
	if err != nil {
		return nil, fmt.Errorf("%s: the write was sent but the API did not answer (%v), and reading it back failed (%v): the outcome is unknown", s.Description, cause, err)
	}
	if ok, why := holds(obj, s.Expect); !ok {
		return nil, &notAppliedError{msg: fmt.Sprintf("%s: the API did not answer the write (%v); reading it back shows it was NOT applied (%s)", s.Description, cause, why)}
	}
	return obj, nil
}

// stepFailed reports a failed step: the outcome says whether earlier
// steps were applied.
func (t *Traffic) stepFailed(p *TrafficPlan, res *TrafficResult, i int, err error, dry DryRun, rec Recorder) (*TrafficResult, error) {
	var ce *TrafficConflictError
	if errors.As(err, &ce) {
		ce.Applied, ce.Total = i, len(p.Steps)
	}
	res.Outcome = OutcomeNotApplied
	if i > 0 && dry == DryRunNone {
		res.Outcome = OutcomePartial
		err = fmt.Errorf("%w (the earlier steps were applied: %s)", err, stepsDone(p.Steps[:i]))
	}
	res.Message = err.Error()
	phase := PhaseFailed
	if dry == DryRunServer {
		phase = PhaseDryRun
		res.Message = "refused: " + res.Message
	}
	record(rec, p.event(phase, res.Message, res.Duration, nil))
	return res, err
}

func stepsDone(steps []TrafficStep) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = s.Description
	}
	return strings.Join(parts, "; ")
}

// Event reasons of traffic actions.
const (
	TrafficSwitchedReason  = "TrafficSwitched"
	CanaryRolledBackReason = "CanaryRolledBack"
)

// leaveTrafficEvent leaves a Kubernetes Event on the plan's object, so
// kubectl describe and other engineers see who moved the traffic and why.
func (t *Traffic) leaveTrafficEvent(ctx context.Context, p *TrafficPlan, obj *unstructured.Unstructured) error {
	host := t.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	a := p.Request.Attribution
	msg := a.Actor + " " + p.Done
	if a.Reason != "" {
		msg += ": " + a.Reason
	}
	if a.Incident != "" {
		msg += " (incident " + a.Incident + ")"
	}
	reason, act := CanaryRolledBackReason, "CanaryRollback"
	if p.Request.Action == SwitchAction {
		reason, act = TrafficSwitchedReason, "Switch"
	}
	ref := corev1.ObjectReference{Kind: p.Object.Kind, APIVersion: p.Object.APIVersion(),
		Namespace: p.Object.Namespace, Name: p.Object.Name, UID: p.Object.UID}
	if obj != nil {
		ref.UID, ref.ResourceVersion = obj.GetUID(), obj.GetResourceVersion()
	}
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: p.Object.Name + ".mayday-", Namespace: p.Object.Namespace,
			Annotations: map[string]string{rollout.ActorAnnotation: a.Actor}},
		InvolvedObject: ref,
		Reason:         reason, Message: msg, Type: corev1.EventTypeNormal,
		Source:         corev1.EventSource{Component: "mayday", Host: host},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
		ReportingController: "mayday.dev/mayday", ReportingInstance: host, Action: act,
	}
	if a.Incident != "" {
		ev.Annotations[rollout.IncidentAnnotation] = a.Incident
	}
	_, err := t.Client.CoreV1().Events(p.Object.Namespace).Create(ctx, ev, metav1.CreateOptions{})
	return err
}

// notAppliedError is a write whose answer was lost and that reading back
// shows did not land.
type notAppliedError struct{ msg string }

func (e *notAppliedError) Error() string { return e.msg }
