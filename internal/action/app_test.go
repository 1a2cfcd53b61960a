package action_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// shop is the demo cluster, its controllers running fast until the test
// ends.
func shop(t *testing.T) *demo.Cluster {
	t.Helper()
	c, err := demo.New(demo.Options{Speed: 100})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		<-c.Done()
	})
	c.Start(ctx)
	return c
}

func checkoutRef() rollout.Ref {
	return rollout.Ref{Kind: rollout.Deployment, Namespace: demo.Namespace, Name: "checkout"}
}

func TestFindApp(t *testing.T) {
	c := shop(t)
	app, err := action.FindApp(context.Background(), c.Client(), demo.Namespace, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if app.Label != rollout.PartOfLabel || app.ComponentList() != "catalog, checkout, frontend, payments, ledger, log-agent" {
		t.Errorf("app = %+v (%s)", app, app.ComponentList())
	}
	_, err = action.FindApp(context.Background(), c.Client(), demo.Namespace, "nope")
	if err == nil || !strings.Contains(err.Error(), `no application "nope" in namespace "shop"`) {
		t.Errorf("unknown app: %v", err)
	}
	if _, err := action.FindApp(context.Background(), c.Client(), demo.Namespace, "a b"); err == nil {
		t.Error("an invalid label value was accepted")
	}
}

func TestAppUndoJustBeforeTheNewestDeploy(t *testing.T) {
	c := shop(t)
	ctx := context.Background()
	exec := &action.Executor{Client: c.Client()}
	var events action.Events
	plan, err := action.PrepareAppUndo(ctx, exec, action.AppUndoRequest{Namespace: demo.Namespace, Name: "shop", Reason: "INC-7", Recorder: &events})
	if err != nil {
		t.Fatal(err)
	}
	// checkout's 2.15.0 is the newest deploy; everything else was already
	// live before it.
	if plan.Suspect == nil || plan.Suspect.Workload != checkoutRef() || plan.Changes() != 1 {
		t.Fatalf("plan: suspect %+v, %d changes", plan.Suspect, plan.Changes())
	}
	var step rollout.AppStep
	for _, s := range plan.Steps {
		if s.Workload == checkoutRef() {
			step = s
		} else if !s.Unchanged {
			t.Errorf("%s changes: %+v", s.Workload, s)
		}
	}
	if step.Plan == nil || step.LiveRevision != step.Current-1 {
		t.Fatalf("checkout step = %+v", step)
	}
	before := deploymentGeneration(t, c, "frontend")
	// The server dry run persists nothing.
	if res := exec.UndoApp(ctx, plan, action.DryRunServer, nil, &events); res.Err != nil || len(res.Applied()) != 0 {
		t.Fatalf("dry run: %v", res.Err)
	}
	if img := checkoutImage(t, c); !strings.HasSuffix(img, "checkout:2.15.0") {
		t.Fatalf("the dry run changed checkout: %s", img)
	}
	res := exec.UndoApp(ctx, plan, action.DryRunNone, nil, &events)
	if res.Err != nil || len(res.Applied()) != 1 || res.Applied()[0] != checkoutRef() {
		t.Fatalf("undo app: %v, applied %v", res.Err, res.Applied())
	}
	if img := checkoutImage(t, c); !strings.HasSuffix(img, "checkout:2.14.0") {
		t.Errorf("checkout runs %s after the rollback", img)
	}
	if deploymentGeneration(t, c, "frontend") != before {
		t.Error("an unchanged component was written")
	}
	vf := &action.Verifier{Client: c.Client(), Timeout: time.Minute, Recorder: &events, Action: action.AppUndoAction}
	v := vf.Verify(ctx, checkoutRef())
	if !v.Verified() || !v.RolloutComplete || v.HealthChecked {
		t.Errorf("verification: %+v", v)
	}
	phases := map[action.Phase]int{}
	for _, e := range events.All() {
		phases[e.Phase]++
	}
	if phases[action.PhasePlanned] != 6 || phases[action.PhaseDryRun] != 1 || phases[action.PhaseExecuted] != 1 || phases[action.PhaseVerified] != 1 {
		t.Errorf("events by phase: %v", phases)
	}
}

func TestAppUndoBadInputChangesNothing(t *testing.T) {
	c := shop(t)
	ctx := context.Background()
	exec := &action.Executor{Client: c.Client()}
	_, err := action.PrepareAppUndo(ctx, exec, action.AppUndoRequest{Namespace: demo.Namespace, Name: "shop", Only: []string{"checkout", "paymnts"}})
	if err == nil || !strings.Contains(err.Error(), `unknown component "paymnts"`) || !strings.Contains(err.Error(), "catalog, checkout, frontend, payments, ledger, log-agent") {
		t.Errorf("unknown component: %v", err)
	}
	_, err = action.PrepareAppUndo(ctx, exec, action.AppUndoRequest{Namespace: demo.Namespace, Name: "shop", At: time.Now().Add(-60 * 24 * time.Hour)})
	var nr *rollout.NoRevisionAtError
	if !errors.As(err, &nr) || !strings.Contains(err.Error(), "deployment/checkout has no revision live at") {
		t.Errorf("before history: %v", err)
	}
	ro := &action.Executor{Client: c.Client(), ReadOnly: true}
	if _, err := action.PrepareAppUndo(ctx, ro, action.AppUndoRequest{Namespace: demo.Namespace, Name: "shop"}); !errors.Is(err, action.ErrReadOnly) {
		t.Errorf("read-only: %v", err)
	}
	for _, a := range c.Client().(*fake.Clientset).Actions() {
		if a.GetVerb() == "patch" || a.GetVerb() == "update" {
			if a.GetResource().Resource == "deployments" || a.GetResource().Resource == "statefulsets" || a.GetResource().Resource == "daemonsets" {
				// The simulated controllers write status; mayday writes
				// nothing but patches.
				if a.GetVerb() == "patch" {
					t.Errorf("bad input sent %s %s", a.GetVerb(), a.GetResource().Resource)
				}
			}
		}
	}
}

func TestPartialAppUndoToATime(t *testing.T) {
	c := shop(t)
	ctx := context.Background()
	exec := &action.Executor{Client: c.Client()}
	// Six days ago: checkout ran 2.13.0, frontend 3.10.0 (5d3h) was not
	// out yet.
	at := time.Now().Add(-5*24*time.Hour - 12*time.Hour)
	plan, err := action.PrepareAppUndo(ctx, exec, action.AppUndoRequest{Namespace: demo.Namespace, Name: "shop", At: at, Only: []string{"checkout"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 1 || plan.Steps[0].Workload != checkoutRef() {
		t.Fatalf("steps = %+v", plan.Steps)
	}
	frontend := deploymentGeneration(t, c, "frontend")
	if res := exec.UndoApp(ctx, plan, action.DryRunNone, nil, nil); res.Err != nil {
		t.Fatal(res.Err)
	}
	if img := checkoutImage(t, c); !strings.HasSuffix(img, "checkout:2.13.0") {
		t.Errorf("checkout runs %s", img)
	}
	if deploymentGeneration(t, c, "frontend") != frontend {
		t.Error("frontend was changed by a rollback of checkout only")
	}
}

func TestSetImageAndPause(t *testing.T) {
	c := shop(t)
	ctx := context.Background()
	exec := &action.Executor{Client: c.Client()}
	settings := []rollout.ImageSetting{{Container: "checkout", Image: "registry.example.com/shop/checkout:2.15.1"}}
	prep, err := action.PrepareSetImage(ctx, exec, action.SetImageRequest{Ref: checkoutRef(), Settings: settings, Reason: "INC-7 fix", Incident: "INC-7"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := exec.SetImage(ctx, prep.Plan, action.DryRunNone, nil)
	if err != nil || res.Outcome != action.OutcomeApplied {
		t.Fatalf("set image: %+v, %v", res, err)
	}
	d, err := c.Client().AppsV1().Deployments(demo.Namespace).Get(ctx, "checkout", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Spec.Template.Spec.Containers[0].Image != settings[0].Image || d.Annotations[rollout.ChangeCauseAnnotation] != "mayday: set image checkout=registry.example.com/shop/checkout:2.15.1: INC-7 fix" ||
		d.Annotations[rollout.IncidentAnnotation] != "INC-7" || d.Annotations[rollout.ActorAnnotation] != demo.User {
		t.Errorf("after set image: image %s, annotations %v", d.Spec.Template.Spec.Containers[0].Image, d.Annotations)
	}
	if d.Spec.Template.Spec.Containers[1].Name != "envoy" || !strings.Contains(d.Spec.Template.Spec.Containers[1].Image, "envoy") {
		t.Error("the other container was touched")
	}

	// Pause, pause again (no-op), resume.
	p, err := action.PreparePause(ctx, exec, action.PauseRequest{Ref: checkoutRef(), Pause: true, Reason: "hold"})
	if err != nil || p.Noop {
		t.Fatalf("pause plan %+v, %v", p, err)
	}
	if _, err := exec.Pause(ctx, p, action.DryRunNone, nil); err != nil {
		t.Fatal(err)
	}
	d, _ = c.Client().AppsV1().Deployments(demo.Namespace).Get(ctx, "checkout", metav1.GetOptions{})
	if !d.Spec.Paused || d.Annotations[action.PauseReasonAnnotation] != "hold" {
		t.Errorf("not paused: %v %v", d.Spec.Paused, d.Annotations)
	}
	p, err = action.PreparePause(ctx, exec, action.PauseRequest{Ref: checkoutRef(), Pause: true})
	if err != nil || !p.Noop || !strings.Contains(p.Message, "already paused") {
		t.Errorf("pause twice: %+v, %v", p, err)
	}
	p, _ = action.PreparePause(ctx, exec, action.PauseRequest{Ref: checkoutRef(), Pause: false})
	if _, err := exec.Pause(ctx, p, action.DryRunNone, nil); err != nil {
		t.Fatal(err)
	}
	d, _ = c.Client().AppsV1().Deployments(demo.Namespace).Get(ctx, "checkout", metav1.GetOptions{})
	if d.Spec.Paused || d.Annotations[action.PauseReasonAnnotation] != "" {
		t.Errorf("not resumed: %v %v", d.Spec.Paused, d.Annotations)
	}
	_, err = action.PreparePause(ctx, exec, action.PauseRequest{Ref: rollout.Ref{Kind: rollout.StatefulSet, Namespace: demo.Namespace, Name: "ledger"}, Pause: true})
	var np *action.NotPausableError
	if !errors.As(err, &np) || !strings.Contains(err.Error(), "partition") {
		t.Errorf("statefulset: %v", err)
	}
	ro := &action.Executor{Client: c.Client(), ReadOnly: true}
	if _, err := action.PreparePause(ctx, ro, action.PauseRequest{Ref: checkoutRef(), Pause: true}); !errors.Is(err, action.ErrReadOnly) {
		t.Errorf("read-only pause: %v", err)
	}
	if _, err := ro.SetImage(ctx, prep.Plan, action.DryRunNone, nil); !errors.Is(err, action.ErrReadOnly) {
		t.Errorf("read-only set image: %v", err)
	}
}

// A person changing the template between plan and write is reported,
// never overwritten.
func TestSetImageConflictWithAPerson(t *testing.T) {
	c := shop(t)
	ctx := context.Background()
	exec := &action.Executor{Client: c.Client()}
	prep, err := action.PrepareSetImage(ctx, exec, action.SetImageRequest{Ref: checkoutRef(),
		Settings: []rollout.ImageSetting{{Container: "checkout", Image: "registry.example.com/shop/checkout:2.15.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := action.PrepareSetImage(ctx, exec, action.SetImageRequest{Ref: checkoutRef(),
		Settings: []rollout.ImageSetting{{Container: "envoy", Image: "registry.example.com/platform/envoy:1.32.0"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.SetImage(ctx, other.Plan, action.DryRunNone, nil); err != nil {
		t.Fatal(err)
	}
	_, err = exec.SetImage(ctx, prep.Plan, action.DryRunNone, nil)
	var ce *action.ChangedError
	if !errors.As(err, &ce) || len(ce.Concurrent.Summary) == 0 {
		t.Fatalf("conflict: %v", err)
	}
	if img := checkoutImage(t, c); !strings.HasSuffix(img, "checkout:2.15.0") {
		t.Errorf("the conflicting write landed: %s", img)
	}
}

// Without health data, a failed rollforward falls back to the revision
// live before it.
func TestPlanFallback(t *testing.T) {
	c := shop(t)
	ctx := context.Background()
	exec := &action.Executor{Client: c.Client()}
	prep, err := action.PrepareSetImage(ctx, exec, action.SetImageRequest{Ref: checkoutRef(),
		Settings: []rollout.ImageSetting{{Container: "checkout", Image: "registry.example.com/shop/checkout:2.15.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.SetImage(ctx, prep.Plan, action.DryRunNone, nil); err != nil {
		t.Fatal(err)
	}
	fb, err := action.PlanFallback(ctx, c.Client(), nil, prep.Plan, "rollforward failed", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Without health: back to 2.15.0, the revision live before.
	if fb.Plan.ToRevision != prep.Plan.FromRevision || !strings.HasSuffix(fb.Plan.Template.Spec.Containers[0].Image, "checkout:2.15.0") {
		t.Errorf("fallback without health: to %d (%s), why %q", fb.Plan.ToRevision, fb.Plan.Template.Spec.Containers[0].Image, fb.Why)
	}
}

func checkoutImage(t *testing.T, c *demo.Cluster) string {
	t.Helper()
	d, err := kube.APIReader{Client: c.Client()}.Deployment(context.Background(), demo.Namespace, "checkout")
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}

func deploymentGeneration(t *testing.T, c *demo.Cluster, name string) string {
	t.Helper()
	d, err := c.Client().AppsV1().Deployments(demo.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(d.Generation)
}
