package wizard

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/evidence"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

var checkout = rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"}

// fixture is the demo shop behind the wizard's dependencies.
type fixture struct {
	demo   *tuitest.Demo
	deps   common.Deps
	events *action.Events
}

// newFixture wires the wizard to the demo cluster on the real clock (the
// demo's metrics and the health checks read it): evidence from the cache
// and the demo's metrics, actions over its client. live starts the
// controllers, so rollouts progress; otherwise the cluster stays as
// seeded.
func newFixture(t testing.TB, live bool) *fixture {
	t.Helper()
	d := tuitest.NewDemo(t, demo.Options{Speed: 100}, live)
	health := &metrics.Health{Source: d.Cluster.Metrics()}
	if live {
		// A short scrape interval makes the rate window a verdict must
		// wait out after a rollout one second, so verification ends
		// quickly.
		health.Scrape = 250 * time.Millisecond
	}
	g := &evidence.Gatherer{Reader: d.Deps.Reader, Health: health, Now: time.Now,
		App: evidence.AppFinder(d.Cluster.Client(), d.Deps.Reader)}
	events := &action.Events{}
	ops := NewOps(OpsConfig{Client: d.Cluster.Client(), Health: health, Recorder: events})
	ops.Poll = 100 * time.Millisecond
	deps := d.Deps
	deps.Health = health
	deps.Decision = &common.Decision{Gather: g.Gather, Ops: ops, Bake: time.Minute}
	return &fixture{demo: d, deps: deps, events: events}
}

// newFrozenFixture is the demo on the tests' pinned clock with fixed
// health evidence (checkout critical, revision 5 healthy while live), for
// goldens: the metrics queries run on the real clock, so their values
// would change from run to run.
func newFrozenFixture(t testing.TB) *fixture {
	t.Helper()
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	g := &evidence.Gatherer{Reader: d.Deps.Reader, Now: tuitest.Now,
		App: evidence.AppFinder(d.Cluster.Client(), d.Deps.Reader)}
	gather := func(ctx context.Context, ref rollout.Ref) (*evidence.Gathered, error) {
		got, err := g.Gather(ctx, ref)
		if err != nil {
			return nil, err
		}
		got.Evidence.Health = metrics.Verdict{State: metrics.Critical, At: tuitest.Now(), Source: "demo metrics (synthetic)",
			Reason: "error ratio 12% > 5% (critical) for 1m; p99 1.8s > 1s (critical) for 1m"}
		got.Evidence.LastKnownGood = 5
		for _, w := range got.Windows {
			state := metrics.Healthy
			if w.Current {
				state = metrics.Critical
			}
			got.Evidence.RevisionHealth = append(got.Evidence.RevisionHealth, metrics.RevisionHealth{
				RevisionWindow: metrics.RevisionWindow{Revision: w.Revision, Start: w.Start, End: w.End},
				Verdict:        metrics.Verdict{State: state, Reason: "error ratio 0.2%, p99 143ms"}})
		}
		return got, nil
	}
	events := &action.Events{}
	deps := d.Deps
	deps.Decision = &common.Decision{Gather: gather, Ops: NewOps(OpsConfig{Client: d.Cluster.Client(), Recorder: events})}
	return &fixture{demo: d, deps: deps, events: events}
}

// common returns the shared state for a size on the real clock.
func (f *fixture) common(w, h int) *common.Common {
	c := tuitest.Common(w, h)
	c.Now = time.Now
	return c
}

// open opens the wizard on checkout and drives it until the evidence is
// in.
func open(t testing.TB, f *fixture, c *common.Common) Screen {
	t.Helper()
	s, cmd := New(f.deps, c, checkout)
	var sc common.Screen = s.SetSize(c.Width, c.Height-2)
	sc, _ = tuitest.Drive(t, sc, tuitest.Run(cmd)...)
	w := sc.(Screen)
	if w.Phase() != Asking {
		t.Fatalf("after gathering: phase %v, err %v\n%s", w.Phase(), w.gatherErr, view(w))
	}
	return w
}

// press sends keys one at a time, feeding back what their commands
// produce, and returns the messages meant for the root.
func press(t testing.TB, s Screen, keys ...string) (Screen, []tea.Msg) {
	t.Helper()
	var root []tea.Msg
	var sc common.Screen = s
	for _, k := range keys {
		var out []tea.Msg
		sc, out = tuitest.Drive(t, sc, tuitest.Key(k))
		root = append(root, out...)
	}
	return sc.(Screen), root
}

func typeText(t testing.TB, s Screen, text string) Screen {
	t.Helper()
	var sc common.Screen = s
	for _, k := range tuitest.Type(text) {
		sc, _ = tuitest.Drive(t, sc, k)
	}
	return sc.(Screen)
}

func view(s Screen) string { return ansi.Strip(s.View()) }

func mustContain(t *testing.T, v string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(v, w) {
			t.Errorf("missing %q in\n%s", w, v)
		}
	}
}

// toRecommendation answers the demo's open traffic question (rolling)
// and accepts the evidence for the rest.
func toRecommendation(t *testing.T, s Screen) Screen {
	t.Helper()
	s, _ = press(t, s, "enter") // issue: yes, from health
	if q := s.Question(); q.ID != "traffic" {
		t.Fatalf("second question %q", q.ID)
	}
	s, _ = press(t, s, "down", "down", "enter", "tab")
	if s.Phase() != Recommending {
		t.Fatalf("phase %v\n%s", s.Phase(), view(s))
	}
	return s
}

func deployment(t *testing.T, f *fixture) (image, changeCause string) {
	t.Helper()
	d, err := f.demo.Cluster.Client().AppsV1().Deployments("shop").Get(context.Background(), "checkout", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image, d.Annotations[rollout.ChangeCauseAnnotation]
}

// previous sends shift+tab: back one question, also from a text answer.
func previous(t testing.TB, s Screen) Screen {
	t.Helper()
	sc, _ := tuitest.Drive(t, s, tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	return sc.(Screen)
}
