package app

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/evidence"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/themes"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/health"
	"github.com/mayday-tui/mayday/tui/screens/history"
	"github.com/mayday-tui/mayday/tui/screens/wizard"
	"github.com/mayday-tui/mayday/tui/screens/workloads"
)

var checkoutRef = rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"}

// wizardApp is the root model over the frozen demo's history with the
// wizard's evidence read from the cache (no metrics: health is asked).
func wizardApp(tb testing.TB, w, h int) Model {
	d := tuitest.NewDemo(tb, demo.Options{Now: tuitest.Now}, false)
	c := tuitest.Common(w, h)
	cat, _ := themes.Builtin()
	th, _ := cat.Resolve("default")
	g := &evidence.Gatherer{Reader: d.Deps.Reader, Now: tuitest.Now}
	m := New(Options{Ctx: d.Deps.Ctx, Cluster: tuitest.NewCluster(tuitest.Shop(), d.Deps.Reader), Common: c, Theme: th,
		Actions: d.Deps.Actions, Decision: &common.Decision{Gather: g.Gather}})
	return step(tb, m, tea.WindowSizeMsg{Width: w, Height: h}, loadWorkloads(tuitest.NewCluster(tuitest.Shop(), nil), nil, c.Now)())
}

func wizardOn(t *testing.T, m Model) wizard.Screen {
	t.Helper()
	wz, ok := m.Top().(wizard.Screen)
	if !ok {
		t.Fatalf("top %T\n%s", m.Top(), screen(m))
	}
	return wz
}

// w opens the decision wizard for the workload on screen: the finder's
// selected row, the history's workload, the health screen's.
func TestWOpensTheWizardFromEveryWorkloadScreen(t *testing.T) {
	m := wizardApp(t, 120, 40)
	m = step(t, m, tuitest.Key("down")) // checkout
	wz := wizardOn(t, step(t, m, tuitest.Key("w")))
	if wz.Workload() != checkoutRef {
		t.Errorf("wizard on %v", wz.Workload())
	}
	v := screen(step(t, m, tuitest.Key("w")))
	if !strings.Contains(v, "Decide: deployment/checkout in shop") {
		t.Errorf("wizard:\n%s", v)
	}
	if back := step(t, m, tuitest.Key("w"), tuitest.Key("esc")); back.Depth() != 1 {
		t.Errorf("esc leaves the wizard: depth %d", back.Depth())
	}

	hist := step(t, m, tuitest.Key("enter"))
	if _, ok := hist.Top().(history.Screen); !ok {
		t.Fatalf("enter: %T", hist.Top())
	}
	if wz := wizardOn(t, step(t, hist, tuitest.Key("w"))); wz.Workload() != checkoutRef {
		t.Errorf("from history: %v", wz.Workload())
	}
	hs := step(t, hist, tuitest.Key("h"))
	if _, ok := hs.Top().(health.Screen); !ok {
		t.Fatalf("h: %T", hs.Top())
	}
	if wz := wizardOn(t, step(t, hs, tuitest.Key("w"))); wz.Workload() != checkoutRef {
		t.Errorf("from health: %v", wz.Workload())
	}

	// While the filter has focus, w is a letter.
	typing := step(t, m, tuitest.Key("/"), tuitest.Key("w"))
	if _, ok := typing.Top().(workloads.Screen); !ok || typing.Top().(workloads.Screen).Finder().Query() != "w" {
		t.Errorf("w while filtering: %T", typing.Top())
	}
}

func TestPaletteOffersTheDecision(t *testing.T) {
	m := step(t, wizardApp(t, 120, 40), tuitest.Key("down"))
	p := step(t, m, tuitest.Key(":"))
	if !strings.Contains(screen(p), "decide: deployment/checkout") {
		t.Fatalf("palette:\n%s", screen(p))
	}
	p = step(t, p, msgs(append(tuitest.Type("decide"), tuitest.Key("enter")))...)
	if wz := wizardOn(t, p); wz.Workload() != checkoutRef {
		t.Errorf("palette opened the wizard on %v", wz.Workload())
	}
}

// BenchmarkWizardKeyPress is a key press in the wizard through the root
// model to the rendered frame at 120×40: back to a question, choose an
// answer, accept it (the policy decides again), the recommendation.
// Target: well under 16 ms.
func BenchmarkWizardKeyPress(b *testing.B) {
	m := wizardApp(b, 120, 40)
	m = step(b, m, tuitest.Key("down"), tuitest.Key("w"))
	// Without metrics the issue and severity are asked: answer them.
	for i := 0; i < 20; i++ {
		wz := m.Top().(wizard.Screen)
		if wz.Phase() == wizard.Recommending {
			break
		}
		keys := []tea.Msg{tuitest.Key("enter")}
		if wz.Question().ID == "traffic" {
			keys = []tea.Msg{tuitest.Key("down"), tuitest.Key("down"), tuitest.Key("enter")}
		}
		m = step(b, m, keys...)
	}
	if wz := m.Top().(wizard.Screen); wz.Phase() != wizard.Recommending {
		b.Fatalf("not at the recommendation:\n%s", screen(m))
	}
	keys := []tea.KeyPressMsg{tuitest.Key("left"), tuitest.Key("down"), tuitest.Key("up"), tuitest.Key("enter")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		next, _ := m.Update(keys[i%len(keys)])
		m = next.(Model)
		_ = m.View()
	}
}
