package wizard

import (
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
	"github.com/mayday-tui/mayday/tui/workload"
)

// The flow: checkout is critical, the wizard recommends rolling
// back to the last known good revision (5), executes it through the
// rollback flow with the decision recorded as the reason, follows the
// rollout to its end and sees health recover.
func TestCriticalCheckoutRollsBackToTheLastKnownGoodAndIsVerified(t *testing.T) {
	f := newFixture(t, true)
	c := f.common(120, 40)
	s := open(t, f, c)
	v := view(s)
	mustContain(t, v, "Decide: deployment/checkout in shop", "Question 1 · issue", "Is something wrong with this rollout?",
		"› yes", "← evidence", "evidence  health: ✗ critical")
	s = toRecommendation(t, s)
	rec := s.Recommendation()
	if rec.Action != decide.Rollback || rec.Target.Revision != 5 {
		t.Fatalf("recommendation %s to %+v", rec.Action, rec.Target)
	}
	mustContain(t, view(s), "→ ROLLBACK to revision 5", "last known good", "Reasons", "Risks",
		"Path (9 questions · 1 answered by you)", "x execute: roll back to revision 5 — plan, dry run, confirm")

	s, _ = press(t, s, "x")
	rb, ok := s.Rollback()
	if s.Phase() != Executing || !ok || rb.Phase() != rollback.Confirming {
		t.Fatalf("execute: phase %v, rollback %v %v\n%s", s.Phase(), ok, rb.Phase(), view(s))
	}
	mustContain(t, view(s), "→ ROLLBACK › plan › dry run › [confirm]", "Roll back deployment/checkout in namespace shop to revision 5",
		"why   last known good", "✓ server dry run", "Roll back deployment/checkout from revision 6 to revision 5?",
		`change-cause "mayday: rollback to revision 5: decision rollback after 9 questions; answered: traffic=rolling"`)

	// y writes; the wizard then follows the rollout and bakes health
	// (the commands run here until the verification ends).
	s, root := press(t, s, "y")
	if len(root) < 2 {
		t.Fatalf("confirm sent %#v", root)
	}
	if _, ok := root[0].(common.ActionStartedMsg); !ok {
		t.Errorf("first %#v", root[0])
	}
	verified, done := s.Verified()
	if s.Phase() != Finished || !done {
		t.Fatalf("phase %v\n%s", s.Phase(), view(s))
	}
	v = view(s)
	if !verified {
		t.Fatalf("not verified:\n%s", v)
	}
	mustContain(t, v, "Verification: roll back to revision 5", "write     ✓ rolled back to revision 5",
		"rollout   ✓ complete  4/4 updated", "health    ✓ healthy", "✓ verified: rollout complete in", "health ✓ healthy after",
		"Next: nothing more to do here")

	image, cause := deployment(t, f)
	if !strings.HasSuffix(image, "checkout:2.14.0") {
		t.Errorf("image after the rollback %s", image)
	}
	if !strings.Contains(cause, "mayday: rollback to revision 5: decision rollback after 9 questions; answered: traffic=rolling") {
		t.Errorf("change-cause %q", cause)
	}
	var confirmed, verifiedEv bool
	for _, e := range f.events.All() {
		confirmed = confirmed || e.Phase == action.PhaseConfirmed && e.Action == "rollback" && e.Actor == "demo:oncall"
		verifiedEv = verifiedEv || e.Phase == action.PhaseVerified && e.Action == "rollback" && e.Workload == "deployment/checkout"
	}
	if !confirmed || !verifiedEv {
		t.Errorf("events (confirmed %v, verified %v): %+v", confirmed, verifiedEv, f.events.All())
	}

	// r decides again on the state the action left: healthy now.
	s, _ = press(t, s, "r")
	if s.Phase() != Asking || s.walk.rec.Path[0].Answer != decide.No {
		t.Fatalf("after the rollback: phase %v, path %+v\n%s", s.Phase(), s.walk.rec.Path, view(s))
	}
}

// An override is recorded and changes the recommendation: minor with a
// quick, simple fix rolls forward to the image the engineer types, which
// is checked first.
func TestOverrideChangesTheRecommendationAndIsShown(t *testing.T) {
	f := newFixture(t, false)
	s := toRecommendation(t, open(t, f, f.common(120, 40)))
	// Back from the outcome to severity (the 8th question).
	s, _ = press(t, s, "left", "left")
	if q := s.Question(); q.ID != "severity" {
		t.Fatalf("back to %q", q.ID)
	}
	mustContain(t, view(s), "› critical", "← evidence")
	s, _ = press(t, s, "down", "enter")
	if q := s.Question(); q.ID != "quick-fix" {
		t.Fatalf("after minor: %q\n%s", q.ID, view(s))
	}
	mustContain(t, view(s), "? needs your answer", "severity minor*", "override by demo:oncall; the evidence said critical")
	s, _ = press(t, s, "enter")         // quick-fix: yes (the first answer)
	s, _ = press(t, s, "down", "enter") // fix-complex: no
	if q := s.Question(); q.ID != "fix-image" || !s.CapturesInput() {
		t.Fatalf("fix-image: %q, typing %v", q.ID, s.CapturesInput())
	}
	mustContain(t, view(s), "> registry.example.com/shop/checkout:▏")
	// No tag yet: refused, with the reason; nothing moves.
	s, _ = press(t, s, "enter")
	mustContain(t, view(s), "✗ fix-image:", "is not an image reference")
	s = typeText(t, s, "2.15.1")
	s, _ = press(t, s, "enter")
	rec := s.Recommendation()
	if s.Phase() != Recommending || rec.Action != decide.Rollforward || rec.Target.Image != "registry.example.com/shop/checkout:2.15.1" {
		t.Fatalf("phase %v, %s to %+v\n%s", s.Phase(), rec.Action, rec.Target, view(s))
	}
	if got := s.Answers(); got["severity"] != "minor" || got["quick-fix"] != "yes" || got["fix-complex"] != "no" {
		t.Errorf("answers %v", got)
	}
	var sev decide.Step
	for _, p := range rec.Path {
		if p.Node == "severity" {
			sev = p
		}
	}
	if !sev.Overridden || sev.Engineer != "demo:oncall" || sev.PreAnswer != "critical" {
		t.Errorf("severity step %+v", sev)
	}
	mustContain(t, view(s), "→ ROLLFORWARD to registry.example.com/shop/checkout:2.15.1",
		"5 answered by you · 1 override", "severity          minor*",
		"x execute: roll forward to registry.example.com/shop/checkout:2.15.1")

	// Choosing the evidence's answer again drops the override.
	for i := 0; s.Question().ID != "severity"; i++ {
		if i > 10 {
			t.Fatal("never back at severity")
		}
		s = previous(t, s)
	}
	s, _ = press(t, s, "up", "enter")
	if _, ok := s.Answers()["severity"]; ok {
		t.Errorf("the evidence's own answer is kept as an override: %v", s.Answers())
	}
	if s.Question().ID != "app-wide" {
		t.Errorf("after critical: %q", s.Question().ID)
	}
}

// A question the evidence cannot answer is asked: it cannot be skipped,
// and the walk goes on once it is answered.
func TestMissingAnswerIsAsked(t *testing.T) {
	f := newFixture(t, false)
	s := open(t, f, f.common(80, 24))
	s, _ = press(t, s, "tab") // accepts issue, stops at traffic
	if q := s.Question(); q.ID != "traffic" || !s.walk.current().Open {
		t.Fatalf("tab stopped at %q", q.ID)
	}
	mustContain(t, view(s), "How does the workload take traffic?", "? needs your answer", "not examined")
	s, _ = press(t, s, "tab")
	if s.Question().ID != "traffic" {
		t.Error("tab passed an open question")
	}
	if s.keys().Execute.Enabled() {
		t.Error("x is offered before a decision")
	}
	// The workload changes in the cache meanwhile: the evidence says so.
	sc, _ := s.Update(common.ClusterChangedMsg{Changes: []workload.Change{{Kind: "Deployment", Namespace: "shop", Name: "checkout"}}})
	s = sc.(Screen)
	mustContain(t, view(s), "workload changed since (r)")
	s, _ = press(t, s, "down", "down", "enter")
	if s.Question().ID != "paused" || s.Answers()["traffic"] != "rolling" {
		t.Errorf("after answering: %q, %v", s.Question().ID, s.Answers())
	}
}

// Read-only: the recommendation is shown; x is refused with the reason.
func TestReadOnlyShowsTheRecommendationAndRefusesExecution(t *testing.T) {
	f := newFixture(t, false)
	c := f.common(120, 40)
	c.Keys.SetReadOnly("read-only mode (--read-only)")
	c.ReadOnly, c.ReadOnlyReason = true, "read-only mode (--read-only)"
	s := toRecommendation(t, open(t, f, c))
	mustContain(t, view(s), "→ ROLLBACK to revision 5", "✗ execution refused: read-only mode (--read-only)",
		"From a shell that may act:", "mayday undo deployment/checkout -n shop --to-revision 5")
	s, root := press(t, s, "x")
	if s.Phase() != Recommending || len(root) != 0 {
		t.Errorf("x in read-only: phase %v, %v", s.Phase(), root)
	}
}
