package wizard

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
	"github.com/mayday-tui/mayday/tui/workload"
)

// toRollforward overrides severity to minor and answers the fix
// questions: the recommendation is a rollforward to the typed image.
func toRollforward(t *testing.T, s Screen, tag string) Screen {
	t.Helper()
	s = toRecommendation(t, s)
	s, _ = press(t, s, "left", "left", "down", "enter", "enter", "down", "enter")
	s = typeText(t, s, tag)
	s, _ = press(t, s, "enter")
	if rec := s.Recommendation(); rec.Action != decide.Rollforward {
		t.Fatalf("recommendation %s\n%s", rec.Action, view(s))
	}
	return s
}

// A rollforward runs through the wizard's own flow: plan, server dry run,
// confirmation, the guarded write, then the rollout and health.
func TestRollforwardPlanDryRunConfirmExecuteVerify(t *testing.T) {
	f := newFixture(t, true)
	s := toRollforward(t, open(t, f, f.common(120, 40)), "2.15.1")
	s, _ = press(t, s, "x")
	if s.Phase() != Executing || s.op.phase != opConfirming {
		t.Fatalf("phase %v, op %v: %v\n%s", s.Phase(), s.op.phase, s.op.err, view(s))
	}
	mustContain(t, view(s), "→ ROLLFORWARD › plan › dry run › [confirm]", "Roll forward deployment/checkout in namespace shop",
		"from  revision 6", "set   checkout: registry.example.com/shop/checkout:2.15.0 → registry.example.com/shop/checkout:2.15.1",
		`change-cause "mayday: set image checkout=registry.example.com/shop/checkout:2.15.1: decision rollforward after`,
		`answered: traffic=rolling, severity=minor (override), quick-fix=yes, fix-complex=no"`,
		"✓ server dry run: the API server accepted the change", "Set image checkout=registry.example.com/shop/checkout:2.15.1 on deployment/checkout?")
	if image, _ := deployment(t, f); !strings.HasSuffix(image, ":2.15.0") {
		t.Fatalf("the dry run changed the image: %s", image)
	}
	s, root := press(t, s, "y")
	if len(root) < 2 {
		t.Errorf("confirm sent %#v", root)
	}
	verified, done := s.Verified()
	if !done || !verified {
		t.Fatalf("phase %v, verified %v %v\n%s", s.Phase(), verified, done, view(s))
	}
	mustContain(t, view(s), "Verification: roll forward to registry.example.com/shop/checkout:2.15.1",
		"write     ✓ set image checkout=registry.example.com/shop/checkout:2.15.1", "rollout   ✓ complete", "✓ verified:")
	image, cause := deployment(t, f)
	if !strings.HasSuffix(image, ":2.15.1") || !strings.Contains(cause, "mayday: set image checkout=registry.example.com/shop/checkout:2.15.1: decision rollforward after 11 questions; answered: traffic=rolling, severity=minor (override), quick-fix=yes, fix-complex=no") {
		t.Errorf("after: image %s, change-cause %q", image, cause)
	}
	var phases []action.Phase
	for _, e := range f.events.All() {
		if e.Action == action.SetImageAction {
			phases = append(phases, e.Phase)
		}
	}
	want := []action.Phase{action.PhasePlanned, action.PhaseDryRun, action.PhaseConfirmed, action.PhaseExecuted, action.PhaseVerified}
	if len(phases) != len(want) {
		t.Fatalf("set-image events %v, want %v", phases, want)
	}
	for i := range want {
		if phases[i] != want[i] {
			t.Errorf("set-image events %v, want %v", phases, want)
			break
		}
	}
}

// A rollforward that is not verified offers the rollback to the last
// known good revision as the next step, through the rollback flow.
func TestFailedRollforwardOffersTheRollback(t *testing.T) {
	f := newFrozenFixture(t)
	s := toRollforward(t, open(t, f, f.common(120, 40)), "2.15.1")
	s.stage = stageVerify
	s.verify = verification{seq: 1, kind: verifyWorkload, action: action.SetImageAction,
		done: &verifyDone{summary: "rollout complete in 8s; health ✗ critical after the 2m bake (error ratio 12% > 5%)"}}
	s.next = s.nextStep()
	s.refresh()
	if s.Phase() != Finished || s.next == nil {
		t.Fatalf("phase %v, next %+v", s.Phase(), s.next)
	}
	mustContain(t, view(s), "✗ not verified: rollout complete in 8s; health ✗ critical",
		"x next step: roll back to revision 5 (last known good)")
	s, _ = press(t, s, "x")
	rb, ok := s.Rollback()
	if !ok || rb.Phase() != rollback.Confirming || rb.Target().Number != 5 {
		t.Fatalf("next step: %v %v\n%s", ok, rb.Phase(), view(s))
	}
	if !strings.Contains(rb.Plan().ChangeCause(), "rollforward not verified") {
		t.Errorf("change-cause %q", rb.Plan().ChangeCause())
	}
}

// Esc before anything is written goes back to the recommendation, n too;
// the cluster is untouched.
func TestLeavingTheFlowBeforeTheWriteChangesNothing(t *testing.T) {
	f := newFrozenFixture(t)
	s := toRecommendation(t, open(t, f, f.common(80, 24)))
	for _, k := range []string{"esc", "n"} {
		x, root := press(t, s, "x")
		if rb, ok := x.Rollback(); !ok || rb.Phase() != rollback.Confirming {
			t.Fatalf("x: %v", view(x))
		}
		x, root = press(t, x, k)
		if x.Phase() != Recommending || len(root) != 0 {
			t.Errorf("%s: phase %v, root %v", k, x.Phase(), root)
		}
	}
	if image, cause := deployment(t, f); !strings.HasSuffix(image, ":2.15.0") || strings.Contains(cause, "mayday") {
		t.Errorf("changed: %s %q", image, cause)
	}
}

// Every action the policy can recommend becomes something the wizard
// runs, or the exact command to run with what it lacks named.
func TestExecutionForEveryAction(t *testing.T) {
	f := newFrozenFixture(t)
	s := toRecommendation(t, open(t, f, f.common(120, 40)))
	cases := []struct {
		rec  decide.Recommendation
		kind execKind
		cli  string
	}{
		{decide.Recommendation{Action: decide.Rollback, Target: decide.Target{Kind: decide.TargetRevision, Revision: 5}}, execRollback,
			"mayday undo deployment/checkout -n shop --to-revision 5 --reason 'decision"},
		{decide.Recommendation{Action: decide.Rollback, Target: decide.Target{Kind: decide.TargetRevision, Revision: 42}}, execCommand,
			"--to-revision 42"},
		{decide.Recommendation{Action: decide.Rollforward, Target: decide.Target{Kind: decide.TargetImage, Image: "registry.example.com/shop/checkout:2.15.1"}}, execOp,
			"mayday set-image deployment/checkout -n shop checkout=registry.example.com/shop/checkout:2.15.1 --reason"},
		{decide.Recommendation{Action: decide.Pause}, execOp, "mayday pause deployment/checkout -n shop --reason"},
		{decide.Recommendation{Action: decide.Resume}, execOp, "mayday resume deployment/checkout -n shop"},
		{decide.Recommendation{Action: decide.BlueGreenSwitch, Target: decide.Target{Kind: decide.TargetSide, Side: "blue"}}, execCommand,
			"mayday switch service/NAME -n shop"},
		{decide.Recommendation{Action: decide.CanaryRollback}, execCommand, "mayday canary rollback KIND/NAME -n shop"},
		{decide.Recommendation{Action: decide.RollbackApp, Target: decide.Target{Kind: decide.TargetTime, Time: s.gathered.Evidence.DeployedAt.Add(-1)}}, execCommand,
			"mayday undo app/shop -n shop --to-time 2026-03-14T09:2"},
		{decide.Recommendation{Action: decide.PartialRollback}, execCommand, "--only COMPONENTS"},
		{decide.Recommendation{Action: decide.NoAction}, execNone, ""},
		{decide.Recommendation{Action: decide.Investigate}, execNone, ""},
	}
	for _, c := range cases {
		x := s.executionFor(c.rec)
		if x.kind != c.kind || !strings.Contains(x.cli, c.cli) {
			t.Errorf("%s: kind %v, cli %q (note %q)", c.rec.Action, x.kind, x.cli, x.note)
		}
	}
	// A blue-green pair in the evidence is switched by the wizard.
	s.gathered.Evidence.Traffic.BlueGreen = &decide.BlueGreen{Service: "web", Live: "green", Idle: "blue"}
	x := s.executionFor(decide.Recommendation{Action: decide.BlueGreenSwitch, Target: decide.Target{Kind: decide.TargetSide, Side: "blue"}})
	if x.kind != execOp || !strings.Contains(x.cli, "mayday switch service/web -n shop --to blue") {
		t.Errorf("blue-green: %v %q", x.kind, x.cli)
	}
}

// A pause goes through the same flow and is verified by seeing the
// workload paused in the cache.
func TestPauseIsPlannedConfirmedAndSeenPaused(t *testing.T) {
	f := newFrozenFixture(t)
	s := toRecommendation(t, open(t, f, f.common(120, 40)))
	s.walk.rec.Action, s.walk.rec.Outcome = decide.Pause, "pause"
	s.exec = s.executionFor(s.walk.rec)
	s, _ = press(t, s, "x")
	if s.op.phase != opConfirming {
		t.Fatalf("op %v: %v\n%s", s.op.phase, s.op.err, view(s))
	}
	mustContain(t, view(s), "Pause the rollout of deployment/checkout in namespace shop", "✓ server dry run", "Pause the rollout of deployment/checkout?")
	s, _ = press(t, s, "y")
	for i := 0; s.Phase() != Finished; i++ {
		if i > 20 {
			t.Fatalf("never seen paused\n%s", view(s))
		}
		sc, _ := tuitest.Drive(t, s, f.demo.WaitForChange(t))
		s = sc.(Screen)
	}
	if ok, _ := s.Verified(); !ok {
		t.Fatalf("not verified\n%s", view(s))
	}
	mustContain(t, view(s), "✓ verified: the rollout is paused where it was")
	d, _ := f.demo.Cluster.Client().AppsV1().Deployments("shop").Get(t.Context(), "checkout", metav1.GetOptions{})
	if !d.Spec.Paused {
		t.Error("not paused in the cluster")
	}
}

// The action layer refuses in read-only mode even when the flow is
// reached (the keys are not the only guard).
func TestReadOnlyActionLayerRefuses(t *testing.T) {
	f := newFrozenFixture(t)
	f.deps.Decision.Ops = NewOps(OpsConfig{Client: f.demo.Cluster.Client(), ReadOnly: true})
	f.deps.Actions = workload.NewExecutor(f.demo.Cluster.Client(), true, nil, nil)
	s := toRollforward(t, open(t, f, f.common(80, 24)), "2.15.1")
	s, _ = press(t, s, "x")
	if s.op.phase != opPlanFailed || !errors.Is(s.op.err, action.ErrReadOnly) {
		t.Fatalf("op %v: %v", s.op.phase, s.op.err)
	}
	mustContain(t, view(s), "✗ cannot plan: read-only mode", "Nothing was changed.")
	s, _ = press(t, s, "esc")
	if s.Phase() != Recommending {
		t.Errorf("esc: %v", s.Phase())
	}
}
