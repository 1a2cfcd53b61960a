// Package action executes plans against the cluster safely: read-only
// mode is enforced here, permissions are checked before acting, writes
// carry a resourceVersion precondition, and every action is attributed.
package action

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// DryRun is how far an action goes without changing the cluster.
type DryRun string

const (
	DryRunNone   DryRun = "none"
	DryRunClient DryRun = "client"
	DryRunServer DryRun = "server"
)

// ParseDryRun accepts kubectl's --dry-run values.
func ParseDryRun(s string) (DryRun, error) {
	switch DryRun(s) {
	case DryRunNone, DryRunClient, DryRunServer:
		return DryRun(s), nil
	case "":
		return DryRunNone, nil
	}
	return "", fmt.Errorf("invalid --dry-run %q: use none, client or server", s)
}

// ErrReadOnly refuses any mutation in read-only mode.
var ErrReadOnly = errors.New("read-only mode: mayday will not change the cluster (started with --read-only, or the context is marked read-only in the config)")

// Outcome is what an executed action did.
type Outcome string

const (
	OutcomeApplied    Outcome = "applied"
	OutcomeSkipped    Outcome = "skipped"
	OutcomeDryRun     Outcome = "dry-run"
	OutcomeNotApplied Outcome = "not-applied"
)

// Result reports an executed undo.
type Result struct {
	Plan    *rollout.Plan `json:"plan"`
	Outcome Outcome       `json:"outcome"`
	DryRun  DryRun        `json:"dryRun"`
	Message string        `json:"message"`
	// Unknown is set when the API did not answer the write: Outcome then
	// comes from reading the workload back.
	Unknown         bool   `json:"outcomeWasUnknown,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// Replans counts writes refused because only status or controller
	// bookkeeping had moved since the plan; each was planned again and
	// re-sent (see rollout.SameIntent).
	Replans    int           `json:"replans,omitempty"`
	Duration   time.Duration `json:"duration"`
	EventError string        `json:"eventError,omitempty"`
}

// ConflictError says the workload changed between planning and writing.
// Plan is the same undo planned again on the new state; Concurrent is what
// the other writer changed.
type ConflictError struct {
	Old, New   *rollout.Plan
	Concurrent rollout.Diff
	Err        error
}

func (e *ConflictError) Error() string {
	msg := fmt.Sprintf("%s changed after the plan was made (resourceVersion %s → %s); nothing was written",
		e.Old.Workload, e.Old.ResourceVersion, newRV(e.New))
	if e.New == nil && e.Err != nil {
		msg += "; re-planning failed: " + e.Err.Error()
	}
	return msg
}

func newRV(p *rollout.Plan) string {
	if p == nil {
		return "?"
	}
	return p.ResourceVersion
}

// Executor runs plans.
type Executor struct {
	Client   kubernetes.Interface
	ReadOnly bool
	// Host names this machine in events ("" = os.Hostname).
	Host string
	// Ledger records each mutation before it is sent and how it ended
	// (nil: nothing is journaled). When it cannot record, nothing is sent.
	Ledger Ledger
}

// CheckUndoAllowed refuses up front what would fail later: read-only mode
// and a missing patch permission.
func (e *Executor) CheckUndoAllowed(ctx context.Context, ref rollout.Ref) error {
	if e.ReadOnly {
		return ErrReadOnly
	}
	return kube.CheckAccess(ctx, e.Client, kube.Permission{
		Verb: "patch", Group: "apps", Resource: ref.Kind.Resource(), Namespace: ref.Namespace, Name: ref.Name,
	})
}

// Undo executes an undo plan. A conflict returns *ConflictError with the
// plan made again on the new state; nothing is retried blindly. A real
// write is recorded in the ledger first (and refused when it cannot be).
func (e *Executor) Undo(ctx context.Context, p *rollout.Plan, dry DryRun) (*Result, error) {
	if dry != DryRunNone || e.ReadOnly || p.Skip {
		return e.undo(ctx, p, dry)
	}
	m := Mutation{Action: "undo", Namespace: p.Workload.Namespace, Workload: p.Workload.String(),
		Description:     fmt.Sprintf("roll back from revision %d to revision %d", p.FromRevision, p.ToRevision),
		ResourceVersion: p.ResourceVersion, Actor: p.Attribution.Actor,
		Detail: map[string]any{"fromRevision": p.FromRevision, "toRevision": p.ToRevision, "reason": p.Attribution.Reason}}
	return journaled(ctx, e, m, func(inc string) (*Result, Outcome, map[string]any, error) {
		p, err := p.WithIncident(inc)
		if err != nil {
			return nil, "", nil, err
		}
		res, err := e.undo(ctx, p, dry)
		if res == nil {
			return nil, "", nil, err
		}
		detail := map[string]any{"outcome": string(res.Outcome), "resourceVersion": res.ResourceVersion, "replans": res.Replans}
		if res.Unknown {
			detail["readBack"] = res.Message
		}
		return res, res.Outcome, detail, err
	})
}

func (e *Executor) undo(ctx context.Context, p *rollout.Plan, dry DryRun) (*Result, error) {
	start := time.Now()
	res := &Result{Plan: p, DryRun: dry}
	if dry == DryRunClient {
		res.Outcome, res.Message = OutcomeDryRun, "client dry run: nothing was sent"
		return res, nil
	}
	if e.ReadOnly {
		return nil, ErrReadOnly
	}
	if p.Skip {
		res.Outcome, res.Message = OutcomeSkipped, "skipped rollback ("+p.SkipReason+")"
		return res, nil
	}
	opts := metav1.PatchOptions{FieldManager: "mayday"}
	if dry == DryRunServer {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	obj, err := e.patch(ctx, p, opts)
	// While a rollout runs the controllers update status every few hundred
	// milliseconds, and each update moves the resourceVersion. A conflict
	// caused only by that is re-planned and re-sent; a conflict caused by a
	// person (template, annotations, pause) is reported, never overwritten.
	for attempt := 0; err != nil && apierrors.IsConflict(err) && attempt < maxReplans; attempt++ {
		np, cerr := e.conflict(ctx, p, err)
		if cerr != nil {
			return nil, cerr
		}
		p, res.Plan = np, np
		res.Replans++
		obj, err = e.patch(ctx, p, opts)
	}
	res.Duration = time.Since(start)
	switch {
	case err == nil:
	case apierrors.IsConflict(err):
		return nil, fmt.Errorf("rolling back %s: the workload kept changing under %d attempts: %w", p.Workload, maxReplans+1, err)
	case dry == DryRunNone && outcomeUnknown(err):
		return e.reconcile(p, res, err)
	default:
		return nil, fmt.Errorf("rolling back %s to revision %d: %w", p.Workload, p.ToRevision, err)
	}
	res.ResourceVersion = obj.GetResourceVersion()
	if dry == DryRunServer {
		res.Outcome, res.Message = OutcomeDryRun, "server dry run: the API server accepted the change; nothing was persisted"
		return res, nil
	}
	res.Outcome, res.Message = OutcomeApplied, fmt.Sprintf("rolled back to revision %d", p.ToRevision)
	if err := e.recordEvent(ctx, p, obj); err != nil {
		res.EventError = err.Error()
	}
	return res, nil
}

func (e *Executor) patch(ctx context.Context, p *rollout.Plan, opts metav1.PatchOptions) (metav1.Object, error) {
	apps := e.Client.AppsV1()
	ns, name := p.Workload.Namespace, p.Workload.Name
	switch p.Workload.Kind {
	case rollout.Deployment:
		return apps.Deployments(ns).Patch(ctx, name, p.PatchType, p.Patch, opts)
	case rollout.StatefulSet:
		return apps.StatefulSets(ns).Patch(ctx, name, p.PatchType, p.Patch, opts)
	case rollout.DaemonSet:
		return apps.DaemonSets(ns).Patch(ctx, name, p.PatchType, p.Patch, opts)
	}
	return nil, fmt.Errorf("unsupported kind %q", p.Workload.Kind)
}

// maxReplans bounds re-sends after conflicts caused by status updates.
const maxReplans = 5

// conflict re-reads the workload and plans the same undo on its new state.
// It returns the new plan when nothing a person set has changed, else a
// *ConflictError describing the concurrent change.
func (e *Executor) conflict(ctx context.Context, p *rollout.Plan, cause error) (*rollout.Plan, error) {
	ce := &ConflictError{Old: p, Err: cause}
	h, err := rollout.GetHistory(ctx, kube.APIReader{Client: e.Client}, p.Workload)
	if err != nil {
		ce.Err = err
		return nil, ce
	}
	np, err := rollout.Replan(h, p)
	if err != nil {
		ce.Err = err
		return nil, ce
	}
	if rollout.SameIntent(p, np) && !np.Skip {
		return np, nil
	}
	ce.New = np
	ce.Concurrent = rollout.DiffTemplatesLabeled(&p.From, &np.From, "when planned", "now")
	return nil, ce
}

// outcomeUnknown reports errors after which the write may or may not
// have happened: the request was sent but no answer came back.
func outcomeUnknown(err error) bool {
	if apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err)
}

// reconcile reads the workload back after a write whose answer was lost
// and reports what actually happened.
func (e *Executor) reconcile(p *rollout.Plan, res *Result, cause error) (*Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res.Unknown = true
	h, err := rollout.GetHistory(ctx, kube.APIReader{Client: e.Client}, p.Workload)
	if err != nil {
		return nil, fmt.Errorf("the rollback of %s was sent but the API did not answer (%v), and reading it back failed (%v): the outcome is unknown; check with `mayday history %s`", p.Workload, cause, err, p.Workload)
	}
	res.ResourceVersion = h.ResourceVersion
	if rollout.EqualIgnoreHash(&h.Template, &p.Template) {
		res.Outcome = OutcomeApplied
		res.Message = fmt.Sprintf("the API did not answer the write (%v); reading it back shows the rollback to revision %d was applied", cause, p.ToRevision)
		if err := e.recordEvent(ctx, p, h.Object); err != nil {
			res.EventError = err.Error()
		}
		return res, nil
	}
	res.Outcome = OutcomeNotApplied
	res.Message = fmt.Sprintf("the API did not answer the write (%v); reading it back shows the rollback was NOT applied", cause)
	return res, fmt.Errorf("%s", res.Message)
}

// recordEvent leaves a Kubernetes Event on the workload, so kubectl
// describe and other engineers see who rolled back and why.
func (e *Executor) recordEvent(ctx context.Context, p *rollout.Plan, obj metav1.Object) error {
	host := e.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	msg := fmt.Sprintf("%s rolled back %s from revision %d to revision %d", p.Attribution.Actor, p.Workload, p.FromRevision, p.ToRevision)
	if p.Attribution.Reason != "" {
		msg += ": " + p.Attribution.Reason
	}
	if p.Attribution.Incident != "" {
		msg += " (incident " + p.Attribution.Incident + ")"
	}
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: p.Workload.Name + ".mayday-", Namespace: p.Workload.Namespace,
			Annotations: map[string]string{rollout.ActorAnnotation: p.Attribution.Actor}},
		InvolvedObject: corev1.ObjectReference{
			Kind: string(p.Workload.Kind), APIVersion: "apps/v1", Namespace: p.Workload.Namespace,
			Name: p.Workload.Name, UID: obj.GetUID(), ResourceVersion: obj.GetResourceVersion(),
		},
		Reason: "RolledBack", Message: msg, Type: corev1.EventTypeNormal,
		Source:         corev1.EventSource{Component: "mayday", Host: host},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
		ReportingController: "mayday.dev/mayday", ReportingInstance: host, Action: "Rollback",
	}
	if p.Attribution.Incident != "" {
		ev.Annotations[rollout.IncidentAnnotation] = p.Attribution.Incident
	}
	_, err := e.Client.CoreV1().Events(p.Workload.Namespace).Create(ctx, ev, metav1.CreateOptions{})
	return err
}
