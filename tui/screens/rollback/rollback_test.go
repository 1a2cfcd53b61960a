package rollback

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/workload"
)

var checkout = rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"}

func start(t *testing.T, d *tuitest.Demo, c *common.Common, number int64) common.Screen {
	t.Helper()
	h, err := rollout.GetHistory(context.Background(), d.Deps.Reader, checkout)
	if err != nil {
		t.Fatal(err)
	}
	rev, _ := h.Find(number)
	s, cmd := New(d.Deps, c, checkout, *rev)
	var sc common.Screen = s.SetSize(c.Width, c.Height-2)
	sc, _ = tuitest.Drive(t, sc, tuitest.Run(cmd)...)
	return sc
}

func view(s common.Screen) string { return ansi.Strip(s.View()) }

func phase(s common.Screen) Phase { return s.(Screen).Phase() }

// watch feeds cache changes until the rollout ends.
func watch(t *testing.T, d *tuitest.Demo, s common.Screen) common.Screen {
	t.Helper()
	for !s.(Screen).Done() {
		s, _ = tuitest.Drive(t, s, d.WaitForChange(t))
	}
	return s
}

func TestRollbackPlanDryRunConfirmExecuteAndProgress(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Speed: 100}, true)
	s := start(t, d, tuitest.Common(120, 40), 5)
	if phase(s) != Confirming {
		t.Fatalf("phase %v, err %v\n%s", phase(s), s.(Screen).Err(), view(s))
	}
	v := view(s)
	for _, want := range []string{"from  revision 6", "to    revision 5", "becomes revision 7 (was 5)",
		"Changes from revision 6 to revision 5 (2):", `env    checkout PAYMENTS_CLIENT: removed "v2"`,
		"actor demo:oncall", "Warnings (2):", "✓ server dry run: the API server accepted the change",
		"Roll back deployment/checkout from revision 6 to revision 5?"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	s, root := tuitest.Drive(t, s, tuitest.Key("y"))
	if len(root) != 2 {
		t.Fatalf("confirm sent %#v", root)
	}
	if _, ok := root[0].(common.ActionStartedMsg); !ok {
		t.Errorf("first %#v", root[0])
	}
	if _, ok := root[1].(common.ActionFinishedMsg); !ok {
		t.Errorf("then %#v", root[1])
	}
	if phase(s) != Watching {
		t.Fatalf("phase %v, err %v", phase(s), s.(Screen).Err())
	}
	s = watch(t, d, s)
	v = view(s)
	if st := s.(Screen).Status(); st.Phase != rollout.PhaseComplete {
		t.Fatalf("status %+v\n%s", st, v)
	}
	for _, want := range []string{"✓ rolled back to revision 5; it is now revision 7 (was 5)", "✓ complete",
		"available  ", "4/4", "Pods (", "rev 7", "✓ ready", "✓ rollout complete in"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	// esc leaves; nothing more is read once it ended.
	if _, root := tuitest.Drive(t, s, tuitest.Key("esc")); len(root) != 1 {
		t.Errorf("esc: %v", root)
	}
}

// Someone changes the image while the engineer reads the plan: nothing is
// written, the change and the new plan are shown, and confirming again
// applies the new plan.
func TestConflictShowsTheOtherChangeAndAsksAgain(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	s := start(t, d, tuitest.Common(120, 40), 5)
	if phase(s) != Confirming {
		t.Fatalf("phase %v: %v", phase(s), s.(Screen).Err())
	}
	ctx := context.Background()
	deps := d.Cluster.Client().AppsV1().Deployments("shop")
	dep, err := deps.Get(ctx, "checkout", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dep.Spec.Template.Spec.Containers[0].Image = "registry.example.com/shop/checkout:2.15.1-hotfix"
	if _, err := deps.Update(ctx, dep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	s, _ = tuitest.Drive(t, s, tuitest.Key("enter"))
	if phase(s) != Confirming {
		t.Fatalf("after the conflict: phase %v, err %v", phase(s), s.(Screen).Err())
	}
	v := view(s)
	for _, want := range []string{"⚠ conflict: deployment/checkout changed after the plan was made", "nothing was written",
		"Changed meanwhile by someone else (1):", "checkout:2.15.1-hotfix", "What changed in the plan:",
		"Confirm again to apply it", "✓ server dry run"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	if got, _ := deps.Get(ctx, "checkout", metav1.GetOptions{}); got.Spec.Template.Spec.Containers[0].Image != "registry.example.com/shop/checkout:2.15.1-hotfix" {
		t.Fatal("the concurrent change was overwritten")
	}
	s, _ = tuitest.Drive(t, s, tuitest.Key("y"))
	if phase(s) != Watching {
		t.Fatalf("second confirm: phase %v, err %v", phase(s), s.(Screen).Err())
	}
	got, _ := deps.Get(ctx, "checkout", metav1.GetOptions{})
	if img := got.Spec.Template.Spec.Containers[0].Image; img != "registry.example.com/shop/checkout:2.14.0" {
		t.Errorf("image after the rollback %s", img)
	}
}

func TestProductionConfirmationTakesTheName(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	c := tuitest.Common(120, 40)
	c.Production, c.ProductionReason = true, `context "prod-eu" is marked production`
	s := start(t, d, c, 5)
	if !s.CapturesInput() {
		t.Fatal("typing the name must capture input")
	}
	s, root := tuitest.Drive(t, s, tuitest.Key("y"), tuitest.Key("enter"))
	if len(root) != 0 || phase(s) != Confirming {
		t.Fatalf("y and enter confirmed in production: %v %v", root, phase(s))
	}
	s, _ = tuitest.Drive(t, s, tuitest.Key("backspace"))
	var keys []any
	for _, k := range tuitest.Type("checkout") {
		keys = append(keys, k)
	}
	for _, k := range keys {
		s, _ = tuitest.Drive(t, s, k)
	}
	if v := view(s); !strings.Contains(v, "PROD") || !strings.Contains(v, "> checkout") || !strings.Contains(v, "✓ matches") {
		t.Errorf("prompt:\n%s", v)
	}
	s, root = tuitest.Drive(t, s, tuitest.Key("enter"))
	if phase(s) != Watching || len(root) != 2 {
		t.Fatalf("phase %v, root %v, err %v", phase(s), root, s.(Screen).Err())
	}
}

func TestCancelChangesNothing(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	s := start(t, d, tuitest.Common(80, 24), 5)
	for _, k := range []string{"n", "esc"} {
		_, root := tuitest.Drive(t, s, tuitest.Key(k))
		if len(root) != 1 {
			t.Fatalf("%s: %v", k, root)
		}
		if _, ok := root[0].(common.BackMsg); !ok {
			t.Errorf("%s sent %#v", k, root[0])
		}
	}
}

// The action layer refuses in read-only mode even if the flow is reached.
func TestReadOnlyExecutorRefuses(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	d.Deps.Actions = workload.NewExecutor(d.Cluster.Client(), true, nil, nil)
	s := start(t, d, tuitest.Common(80, 24), 5)
	if phase(s) != PlanFailed || !errors.Is(s.(Screen).Err(), action.ErrReadOnly) {
		t.Fatalf("phase %v err %v", phase(s), s.(Screen).Err())
	}
	if v := view(s); !strings.Contains(v, "✗ cannot roll back: read-only mode") || !strings.Contains(v, "Nothing was changed") {
		t.Errorf("view:\n%s", v)
	}
}

// A write that fails is shown, and the console goes on.
func TestFailedWriteIsShown(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	real := d.Deps.Actions
	d.Deps.Actions = failingUndo{real}
	s := start(t, d, tuitest.Common(80, 24), 5)
	s, root := tuitest.Drive(t, s, tuitest.Key("y"))
	if phase(s) != ExecFailed || len(root) != 2 {
		t.Fatalf("phase %v root %v", phase(s), root)
	}
	if v := view(s); !strings.Contains(v, "✗ the rollback failed: the API server went away") {
		t.Errorf("view:\n%s", v)
	}
}

type failingUndo struct{ common.Actions }

func (f failingUndo) Undo(ctx context.Context, p *rollout.Plan, dry action.DryRun) (*action.Result, error) {
	if dry == action.DryRunNone {
		return nil, errors.New("the API server went away")
	}
	return f.Actions.Undo(ctx, p, dry)
}

func TestPlanAndConfirmGoldens(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		s := start(t, d, tuitest.Common(size[0], size[1]), 5)
		tuitest.Golden(t, "plan_"+strconv.Itoa(size[0])+"x"+strconv.Itoa(size[1]), tuitest.ASCII(s.View()))
	}
}

// The progress view of a rollout half way, from a fixed state.
func TestProgressGoldens(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		c := tuitest.Common(size[0], size[1])
		sc := start(t, d, c, 5)
		s := sc.(Screen)
		s.phase, s.started = Watching, tuitest.Now().Add(-12*time.Second)
		s.result = &action.Result{Outcome: action.OutcomeApplied, Message: "rolled back to revision 5"}
		h, err := rollout.GetHistory(context.Background(), d.Deps.Reader, checkout)
		if err != nil {
			t.Fatal(err)
		}
		// As the controller leaves it: the target renumbered and current.
		live := *h
		live.Revisions = append([]rollout.Revision(nil), h.Revisions...)
		for i := range live.Revisions {
			r := &live.Revisions[i]
			r.Current = r.Source.UID == s.plan.Target.UID
			if r.Current {
				r.FormerNumbers, r.Number = []int64{5}, 7
			}
		}
		live.Current = 7
		live.Status = rollout.Status{Phase: rollout.PhaseProgressing, Desired: 4, Updated: 4, Ready: 3, Available: 3, Total: 5,
			Message: "Waiting for deployment \"checkout\" rollout to finish: 3 of 4 updated replicas are available..."}
		s.live = &live
		s.pods = []Pod{
			{Name: "checkout-6d6d548f48-a1", Revision: 7, State: "✓ ready", Ready: true, Created: tuitest.Now().Add(-48 * time.Hour)},
			{Name: "checkout-6d6d548f48-b2", Revision: 7, State: "… ContainerCreating", Created: tuitest.Now().Add(-2 * time.Second)},
			{Name: "checkout-6d5696687-c3", Revision: 6, State: "◌ terminating", Created: tuitest.Now().Add(-4 * time.Minute)},
		}
		tuitest.Golden(t, "progress_"+strconv.Itoa(size[0])+"x"+strconv.Itoa(size[1]), tuitest.ASCII(s.View()))
	}
}
