package rollout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Attribution annotations mayday writes on a rolled-back workload.
const (
	AnnotationPrefix         = "mayday.dev/"
	RolledBackFromAnnotation = "mayday.dev/rolled-back-from"
	ActorAnnotation          = "mayday.dev/actor"
	IncidentAnnotation       = "mayday.dev/incident"
	// RolledBackAtAnnotation records when the rollback was made. The
	// deployment controller copies it onto the reused ReplicaSet, which
	// keeps its old creation time, so it dates the revision's new live
	// window (see LiveWindows).
	RolledBackAtAnnotation = "mayday.dev/rolled-back-at"
)

// Annotations the deployment keeps from itself instead of taking them from
// the target ReplicaSet (kubectl's annotationsToSkip).
var keptDeploymentAnnotations = []string{
	corev1.LastAppliedConfigAnnotation,
	RevisionAnnotation,
	RevisionHistoryAnnotation,
	DesiredReplicasAnnotation,
	MaxReplicasAnnotation,
	appsv1.DeprecatedRollbackTo,
}

// Attribution says who rolls back and why.
type Attribution struct {
	Actor    string `json:"actor"`
	Reason   string `json:"reason,omitempty"`
	Incident string `json:"incident,omitempty"`
}

// UndoOptions choose the target of an undo. ToRevision 0 means the
// previous revision (the second-highest number), as in kubectl.
type UndoOptions struct {
	ToRevision  int64
	Attribution Attribution
	Now         time.Time
}

// Plan is everything an undo will do, computed before doing it. The CLI's
// --dry-run, the console's confirmation and the incident journal all show
// the same plan; the action package executes it.
type Plan struct {
	Workload        Ref       `json:"workload"`
	UID             types.UID `json:"uid"`
	ResourceVersion string    `json:"resourceVersion"`
	FromRevision    int64     `json:"fromRevision"`
	ToRevision      int64     `json:"toRevision"`
	Target          ObjectID  `json:"target"`
	// Template is the pod template the workload will get; From is the one
	// it had when the plan was made.
	Template corev1.PodTemplateSpec `json:"-"`
	From     corev1.PodTemplateSpec `json:"-"`
	// FromAnnotations and FromPaused are the workload's at planning time.
	FromAnnotations map[string]string `json:"-"`
	FromPaused      bool              `json:"-"`
	// Annotations are the Deployment's annotations after the undo.
	Annotations map[string]string `json:"annotations,omitempty"`
	PatchType   types.PatchType   `json:"patchType"`
	Patch       json.RawMessage   `json:"patch"`
	Diff        Diff              `json:"diff"`
	Warnings    []Warning         `json:"warnings,omitempty"`
	// Skip is set when the workload already runs the target template; then
	// nothing is sent (kubectl's "skipped rollback").
	Skip        bool        `json:"skip,omitempty"`
	SkipReason  string      `json:"skipReason,omitempty"`
	Attribution Attribution `json:"attribution"`
	PlannedAt   time.Time   `json:"plannedAt"`
}

// ChangeCause is the change-cause the undo records.
func (p *Plan) ChangeCause() string {
	s := fmt.Sprintf("mayday: rollback to revision %d", p.ToRevision)
	if p.Attribution.Reason != "" {
		s += ": " + p.Attribution.Reason
	}
	return s
}

// Errors kubectl reports with the same words.
var ErrNoPreviousRevision = errors.New("no last revision to roll back to")

// RevisionNotFoundError is kubectl's "unable to find specified revision N in history".
type RevisionNotFoundError struct{ Revision int64 }

func (e *RevisionNotFoundError) Error() string {
	return fmt.Sprintf("unable to find specified revision %d in history", e.Revision)
}

// NoHistoryError is kubectl's "no rollout history found".
type NoHistoryError struct{ Ref Ref }

func (e *NoHistoryError) Error() string {
	return fmt.Sprintf("no rollout history found for %s %q", e.Ref.Kind.Short(), e.Ref.Name)
}

// PausedError refuses to roll back a paused Deployment, as kubectl does.
type PausedError struct{ Ref Ref }

func (e *PausedError) Error() string {
	return fmt.Sprintf("%s is paused: you cannot roll back a paused deployment; resume it first (mayday resume %s, or kubectl rollout resume %s)", e.Ref, e.Ref, e.Ref)
}

// PlanUndo plans an undo of the workload to opts.ToRevision.
func PlanUndo(ctx context.Context, r Reader, ref Ref, opts UndoOptions) (*Plan, error) {
	h, err := GetHistory(ctx, r, ref)
	if err != nil {
		return nil, err
	}
	p, err := PlanUndoFrom(h, opts)
	if err != nil {
		return nil, err
	}
	hpas, err := r.HorizontalPodAutoscalers(ctx, ref.Namespace)
	if err == nil {
		for _, hpa := range hpas {
			t := hpa.Spec.ScaleTargetRef
			if t.Kind == string(ref.Kind) && t.Name == ref.Name {
				p.Warnings = append(p.Warnings, Warning{Level: LevelWarning, Code: "hpa",
					Message: fmt.Sprintf("HorizontalPodAutoscaler %s scales this workload: replica counts will move while the rollback rolls out", hpa.Name)})
			}
		}
	}
	return p, nil
}

// PlanUndoFrom plans an undo from an already read history (the console's
// warm cache). It does not look for autoscalers.
func PlanUndoFrom(h *History, opts UndoOptions) (*Plan, error) {
	if opts.ToRevision < 0 {
		return nil, &RevisionNotFoundError{Revision: opts.ToRevision}
	}
	target, err := selectTarget(h, opts.ToRevision)
	if err != nil {
		return nil, err
	}
	if h.Workload.Kind == Deployment && h.Paused {
		return nil, &PausedError{Ref: h.Workload}
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	p := &Plan{
		Workload: h.Workload, UID: h.UID, ResourceVersion: h.ResourceVersion,
		FromRevision: h.Current, ToRevision: target.Number, Target: target.Source,
		Attribution: opts.Attribution, PlannedAt: now, From: h.Template,
		FromAnnotations: h.Object.GetAnnotations(), FromPaused: h.Paused,
	}
	switch h.Workload.Kind {
	case Deployment:
		p.Template = *target.Template.DeepCopy()
		delete(p.Template.Labels, PodTemplateHashKey)
		if EqualIgnoreHash(target.Template, &h.Template) {
			p.Skip, p.SkipReason = true, fmt.Sprintf("current template already matches revision %d", target.Number)
		}
		p.Annotations = undoAnnotations(h.Object.GetAnnotations(), target, p)
		p.PatchType = types.JSONPatchType
		p.Patch, err = json.Marshal([]map[string]any{
			{"op": "replace", "path": "/spec/template", "value": p.Template},
			// kubectl says "replace"; "add" does the same to an existing
			// member and also works on an object without annotations.
			{"op": "add", "path": "/metadata/annotations", "value": p.Annotations},
			// The precondition kubectl lacks: the write fails with a
			// conflict if the deployment changed since it was planned.
			{"op": "replace", "path": "/metadata/resourceVersion", "value": h.ResourceVersion},
		})
	default:
		p.Template = *target.Template
		cur, _ := h.Find(h.Current)
		if cur != nil && cur.Source.UID == target.Source.UID {
			p.Skip, p.SkipReason = true, fmt.Sprintf("current template already matches revision %d", target.Number)
		}
		p.PatchType = types.StrategicMergePatchType
		p.Patch, err = controllerRevisionPatch(target.Data, h.ResourceVersion, p)
	}
	if err != nil {
		return nil, fmt.Errorf("building the patch for revision %d: %w", target.Number, err)
	}
	p.Diff = DiffTemplates(&h.Template, target.Template)
	p.Warnings = append(p.Warnings, planWarnings(h, target)...)
	return p, nil
}

// Replan plans the same undo again on a newer history: the target is found
// by its UID, since the controller renumbers revisions after each rollback.
func Replan(h *History, old *Plan) (*Plan, error) {
	target, ok := h.FindByUID(old.Target.UID)
	if !ok {
		return nil, fmt.Errorf("the target of the plan, revision %d (%s %s), is no longer in the history of %s", old.ToRevision, old.Target.Kind, old.Target.Name, old.Workload)
	}
	return PlanUndoFrom(h, UndoOptions{ToRevision: target.Number, Attribution: old.Attribution, Now: old.PlannedAt})
}

// controllerAnnotations are written by the controllers, not by people:
// their changes during a rollout are noise, not a concurrent change.
var controllerAnnotations = []string{RevisionAnnotation, RevisionHistoryAnnotation, DesiredReplicasAnnotation, MaxReplicasAnnotation}

// SameIntent reports whether two plans of the same undo were made against
// the same human-set state: same target object, same template and
// annotations (ignoring what controllers write), same paused flag. Between
// such plans only status and controller bookkeeping moved, which bump the
// resourceVersion constantly while a rollout runs.
func SameIntent(a, b *Plan) bool {
	if a.Target.UID != b.Target.UID || a.FromPaused != b.FromPaused || !EqualIgnoreHash(&a.From, &b.From) {
		return false
	}
	strip := func(m map[string]string) map[string]string {
		out := maps.Clone(m)
		for _, k := range controllerAnnotations {
			delete(out, k)
		}
		return out
	}
	return maps.Equal(strip(a.FromAnnotations), strip(b.FromAnnotations))
}

// selectTarget applies kubectl's choice of revision, with its messages.
func selectTarget(h *History, to int64) (*Revision, error) {
	if to > 0 {
		if rev, ok := h.Find(to); ok {
			return rev, nil
		}
		return nil, &RevisionNotFoundError{Revision: to}
	}
	if h.Workload.Kind != Deployment && len(h.Revisions) <= 1 {
		return nil, ErrNoPreviousRevision
	}
	if len(h.Revisions) < 2 {
		return nil, &NoHistoryError{Ref: h.Workload}
	}
	// The second-highest revision number (revisions are sorted).
	return &h.Revisions[len(h.Revisions)-2], nil
}

func undoAnnotations(current map[string]string, target *Revision, p *Plan) map[string]string {
	out := map[string]string{}
	for _, k := range keptDeploymentAnnotations {
		if v, ok := current[k]; ok {
			out[k] = v
		}
	}
	for k, v := range target.Annotations {
		if !slices.Contains(keptDeploymentAnnotations, k) && !strings.HasPrefix(k, AnnotationPrefix) {
			out[k] = v
		}
	}
	maps.Copy(out, attributionAnnotations(p))
	return out
}

func attributionAnnotations(p *Plan) map[string]string {
	out := map[string]string{
		ChangeCauseAnnotation:    p.ChangeCause(),
		RolledBackFromAnnotation: strconv.FormatInt(p.FromRevision, 10),
		ActorAnnotation:          p.Attribution.Actor,
	}
	if !p.PlannedAt.IsZero() {
		out[RolledBackAtAnnotation] = p.PlannedAt.UTC().Format(time.RFC3339)
	}
	if p.Attribution.Incident != "" {
		out[IncidentAnnotation] = p.Attribution.Incident
	}
	return out
}

func controllerRevisionPatch(data []byte, resourceVersion string, p *Plan) (json.RawMessage, error) {
	var patch map[string]any
	if err := json.Unmarshal(data, &patch); err != nil {
		return nil, err
	}
	ann := map[string]any{}
	for k, v := range attributionAnnotations(p) {
		ann[k] = v
	}
	if p.Attribution.Incident == "" {
		ann[IncidentAnnotation] = nil // drop a stale incident of an earlier rollback
	}
	patch["metadata"] = map[string]any{"resourceVersion": resourceVersion, "annotations": ann}
	return json.Marshal(patch)
}
