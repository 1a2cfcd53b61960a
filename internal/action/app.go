package action

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// AppUndoAction names application rollback events.
const AppUndoAction = "undo-app"

// App is an application: the Deployments, StatefulSets and DaemonSets of a
// namespace that share its app.kubernetes.io/part-of label (or, when none
// does, its app.kubernetes.io/instance label).
type App struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Label is the label that grouped the workloads.
	Label     string        `json:"label"`
	Workloads []rollout.Ref `json:"workloads"`
}

// FindApp lists the application's workloads (three lists, at once).
func FindApp(ctx context.Context, client kubernetes.Interface, namespace, name string) (*App, error) {
	if errs := validation.IsValidLabelValue(name); len(errs) > 0 || name == "" {
		return nil, fmt.Errorf("invalid application name %q: it is the value of the app.kubernetes.io/part-of or app.kubernetes.io/instance label", name)
	}
	for _, label := range []string{rollout.PartOfLabel, rollout.InstanceLabel} {
		refs, err := listByLabel(ctx, client, namespace, label+"="+name)
		if err != nil {
			return nil, err
		}
		if len(refs) > 0 {
			return &App{Name: name, Namespace: namespace, Label: label, Workloads: refs}, nil
		}
	}
	return nil, fmt.Errorf("no application %q in namespace %q: no deployment, statefulset or daemonset there carries %s=%s or %s=%s",
		name, namespace, rollout.PartOfLabel, name, rollout.InstanceLabel, name)
}

// listByLabel lists the workloads matching selector, in kind order
// (Deployments, StatefulSets, DaemonSets) and by name.
func listByLabel(ctx context.Context, client kubernetes.Interface, namespace, selector string) ([]rollout.Ref, error) {
	opts := metav1.ListOptions{LabelSelector: selector}
	lists := make([][]string, len(rollout.Kinds))
	var g errgroup.Group
	for i, kind := range rollout.Kinds {
		g.Go(func() error {
			apps := client.AppsV1()
			var names []string
			switch kind {
			case rollout.Deployment:
				l, err := apps.Deployments(namespace).List(ctx, opts)
				if err != nil {
					return fmt.Errorf("listing deployments in namespace %q: %w", namespace, err)
				}
				for _, o := range l.Items {
					names = append(names, o.Name)
				}
			case rollout.StatefulSet:
				l, err := apps.StatefulSets(namespace).List(ctx, opts)
				if err != nil {
					return fmt.Errorf("listing statefulsets in namespace %q: %w", namespace, err)
				}
				for _, o := range l.Items {
					names = append(names, o.Name)
				}
			case rollout.DaemonSet:
				l, err := apps.DaemonSets(namespace).List(ctx, opts)
				if err != nil {
					return fmt.Errorf("listing daemonsets in namespace %q: %w", namespace, err)
				}
				for _, o := range l.Items {
					names = append(names, o.Name)
				}
			}
			slices.Sort(names)
			lists[i] = names
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []rollout.Ref
	for i, kind := range rollout.Kinds {
		for _, n := range lists[i] {
			out = append(out, rollout.Ref{Kind: kind, Namespace: namespace, Name: n})
		}
	}
	return out, nil
}

// AppUndoRequest is an application rollback as asked for.
type AppUndoRequest struct {
	Namespace, Name string
	// At is the time to go back to; zero means just before the newest
	// revision start among the application's workloads (the suspect
	// deploy).
	At time.Time
	// Only restricts the rollback to these components (names or
	// KIND/NAME); the others stay as they are.
	Only     []string
	Reason   string
	Incident string
	DryRun   DryRun
	Now      time.Time
	Recorder Recorder
}

// Suspect is the deploy an application rollback goes back before, when
// no time was named.
type Suspect struct {
	Workload rollout.Ref `json:"workload"`
	Revision int64       `json:"revision"`
	Start    time.Time   `json:"start"`
}

// AppPlan is an application rollback, planned: one step per workload.
type AppPlan struct {
	App *App      `json:"app"`
	At  time.Time `json:"at"`
	// Suspect is set when At was chosen as just before it.
	Suspect *Suspect          `json:"suspect,omitempty"`
	Steps   []rollout.AppStep `json:"steps"`
	Actor   string            `json:"actor"`
	// Histories are the selected workloads' histories, by workload.
	Histories map[rollout.Ref]*rollout.History `json:"-"`
	// AccessErr is why a real rollback would be refused (client dry run
	// only; otherwise it is the error returned).
	AccessErr error `json:"-"`
}

// Changes counts the steps that change a workload.
func (p *AppPlan) Changes() int {
	n := 0
	for _, s := range p.Steps {
		if s.Plan != nil {
			n++
		}
	}
	return n
}

// PrepareAppUndo finds the application, reads every workload's history,
// resolves the time and plans each workload's undo to the revision live
// then. The permission to patch each workload that changes is checked
// before anything is sent. Unknown components, a time before a workload's
// history and a workload that cannot be rolled back are errors: then
// nothing is planned and nothing applied.
func PrepareAppUndo(ctx context.Context, e *Executor, req AppUndoRequest) (*AppPlan, error) {
	if req.DryRun != DryRunClient && e.ReadOnly {
		return nil, ErrReadOnly
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	var (
		g      errgroup.Group
		app    *App
		actor  string
		appErr error
		hpaOf  = map[rollout.Ref]string{}
	)
	g.Go(func() error {
		app, appErr = FindApp(ctx, e.Client, req.Namespace, req.Name)
		return nil
	})
	g.Go(func() error {
		actor = kube.Actor(ctx, e.Client)
		return nil
	})
	g.Go(func() error {
		// Only for warnings: an error loses the warning, as in PlanUndo.
		hpas, err := kube.APIReader{Client: e.Client}.HorizontalPodAutoscalers(ctx, req.Namespace)
		if err == nil {
			for _, h := range hpas {
				k, err := rollout.ParseKind(h.Spec.ScaleTargetRef.Kind)
				if err == nil {
					hpaOf[rollout.Ref{Kind: k, Namespace: req.Namespace, Name: h.Spec.ScaleTargetRef.Name}] = h.Name
				}
			}
		}
		return nil
	})
	_ = g.Wait()
	if appErr != nil {
		return nil, appErr
	}
	selected, err := rollout.SelectComponents(app.Workloads, req.Only)
	if err != nil {
		return nil, err
	}
	// Every workload's history: the suspect deploy is the application's,
	// whichever components are rolled back.
	hs, err := histories(ctx, e.Client, app.Workloads)
	if err != nil {
		return nil, err
	}
	plan := &AppPlan{App: app, At: req.At, Actor: actor, Histories: map[rollout.Ref]*rollout.History{}}
	if plan.At.IsZero() {
		ref, w, ok := rollout.LatestStart(hs, now)
		if !ok {
			return nil, fmt.Errorf("application %q has no rollout history to go back in", app.Name)
		}
		plan.Suspect = &Suspect{Workload: ref, Revision: w.Revision, Start: w.Start}
		// Revision starts are whole seconds: a second before is the
		// previous revision's.
		plan.At = w.Start.Add(-time.Second).In(now.Location())
	}
	var chosen []*rollout.History
	for _, h := range hs {
		if slices.Contains(selected, h.Workload) {
			chosen = append(chosen, h)
			plan.Histories[h.Workload] = h
		}
	}
	attribution := rollout.Attribution{Actor: actor, Reason: req.Reason, Incident: req.Incident}
	plan.Steps, err = rollout.PlanAppUndo(chosen, rollout.AppUndoOptions{At: plan.At, Attribution: attribution, Now: now})
	if err != nil {
		return nil, err
	}
	for i := range plan.Steps {
		st := &plan.Steps[i]
		if hpa, ok := hpaOf[st.Workload]; ok && st.Plan != nil {
			st.Plan.Warnings = append(st.Plan.Warnings, rollout.Warning{Level: rollout.LevelWarning, Code: "hpa",
				Message: fmt.Sprintf("HorizontalPodAutoscaler %s scales this workload: replica counts will move while the rollback rolls out", hpa)})
		}
	}
	accessErr := checkAppAccess(ctx, e.Client, plan.Steps, actor)
	if accessErr != nil && req.DryRun != DryRunClient {
		return nil, accessErr
	}
	plan.AccessErr = accessErr
	for _, st := range plan.Steps {
		detail := map[string]any{"at": plan.At.Format(time.RFC3339), "liveRevision": st.LiveRevision,
			"currentRevision": st.Current, "unchanged": st.Unchanged}
		record(req.Recorder, Event{Action: AppUndoAction, Namespace: st.Workload.Namespace, Workload: st.Workload.String(),
			Phase: PhasePlanned, Actor: actor, Detail: detail})
	}
	return plan, nil
}

// histories reads the workloads' histories at once, in refs' order.
func histories(ctx context.Context, client kubernetes.Interface, refs []rollout.Ref) ([]*rollout.History, error) {
	reader := kube.APIReader{Client: client}
	out := make([]*rollout.History, len(refs))
	var g errgroup.Group
	g.SetLimit(8)
	for i, ref := range refs {
		g.Go(func() error {
			h, err := rollout.GetHistory(ctx, reader, ref)
			out[i] = h
			return err
		})
	}
	return out, g.Wait()
}

// checkAppAccess checks the patch permission on every workload that
// changes, at once; all refusals are reported together.
func checkAppAccess(ctx context.Context, client kubernetes.Interface, steps []rollout.AppStep, actor string) error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, st := range steps {
		if st.Plan == nil {
			continue
		}
		wg.Go(func() {
			err := kube.CheckAccess(ctx, client, kube.Permission{Verb: "patch", Group: "apps",
				Resource: st.Workload.Kind.Resource(), Namespace: st.Workload.Namespace, Name: st.Workload.Name})
			if err != nil {
				mu.Lock()
				errs = append(errs, nameActor(err, actor))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// AppStepResult is what happened to one workload.
type AppStepResult struct {
	Step   rollout.AppStep `json:"step"`
	Result *Result         `json:"result,omitempty"`
	// Err is why this workload was not rolled back.
	Err error `json:"-"`
	// NotAttempted is set for the workloads after a failed one.
	NotAttempted bool `json:"notAttempted,omitempty"`
	// Replanned is set when a conflict a person caused was planned again
	// and that plan executed.
	Replanned *ConflictError `json:"-"`
}

// AppResult reports an executed application rollback.
type AppResult struct {
	Plan  *AppPlan        `json:"plan"`
	Steps []AppStepResult `json:"steps"`
	// Err is the first failure; the steps after it were not attempted.
	Err error `json:"-"`
}

// Applied lists the workloads that were rolled back.
func (r *AppResult) Applied() []rollout.Ref {
	var out []rollout.Ref
	for _, s := range r.Steps {
		if s.Result != nil && s.Result.Outcome == OutcomeApplied {
			out = append(out, s.Step.Workload)
		}
	}
	return out
}

// UndoApp executes an application rollback plan, one workload after the
// other in the plan's order, through Undo. Unchanged workloads are
// skipped. On a conflict a person caused, replan (may be nil) says
// whether to execute the plan made again; the first failure stops the
// rollback: the workloads after it are left as they are and reported as
// not attempted, so the engineer sees exactly what changed.
func (e *Executor) UndoApp(ctx context.Context, p *AppPlan, dry DryRun, replan func(*ConflictError) bool, rec Recorder) *AppResult {
	res := &AppResult{Plan: p}
	for _, st := range p.Steps {
		sr := AppStepResult{Step: st}
		switch {
		case res.Err != nil && st.Plan != nil:
			sr.NotAttempted = true
		case st.Plan == nil:
			sr.Result = &Result{Outcome: OutcomeSkipped, DryRun: dry,
				Message: fmt.Sprintf("already on revision %d, the one live at the chosen time", st.LiveRevision)}
		default:
			sr.Result, sr.Err = e.undoStep(ctx, st.Plan, dry, replan, &sr)
			res.Err = sr.Err // Undo's errors name the workload
		}
		res.Steps = append(res.Steps, sr)
		recordStep(rec, p.Actor, sr, dry)
	}
	return res
}

func (e *Executor) undoStep(ctx context.Context, plan *rollout.Plan, dry DryRun, replan func(*ConflictError) bool, sr *AppStepResult) (*Result, error) {
	res, err := e.Undo(ctx, plan, dry)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.New == nil || replan == nil || !replan(ce) {
		return res, err
	}
	sr.Replanned = ce
	return e.Undo(ctx, ce.New, dry)
}

func recordStep(rec Recorder, actor string, sr AppStepResult, dry DryRun) {
	ev := Event{Action: AppUndoAction, Namespace: sr.Step.Workload.Namespace, Workload: sr.Step.Workload.String(), Actor: actor,
		Detail: map[string]any{"toRevision": sr.Step.LiveRevision, "fromRevision": sr.Step.Current}}
	switch {
	case sr.NotAttempted:
		ev.Phase, ev.Detail["message"] = PhaseSkipped, "not attempted after an earlier failure"
	case sr.Err != nil:
		ev.Phase, ev.Detail["error"] = PhaseFailed, sr.Err.Error()
		if dry == DryRunServer {
			ev.Phase = PhaseDryRun
		}
	case sr.Result.Outcome == OutcomeSkipped:
		ev.Phase, ev.Detail["message"] = PhaseSkipped, sr.Result.Message
	case dry == DryRunServer:
		ev.Phase, ev.Detail["message"], ev.Duration = PhaseDryRun, sr.Result.Message, sr.Result.Duration
	default:
		ev.Phase, ev.Detail["message"], ev.Duration = PhaseExecuted, sr.Result.Message, sr.Result.Duration
	}
	record(rec, ev)
}

// ComponentList is the application's components as --only names them.
func (a *App) ComponentList() string {
	return strings.Join(rollout.ComponentNames(a.Workloads), ", ")
}
