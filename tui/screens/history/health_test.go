package history

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
)

// withHealth is the demo's checkout with a fake Prometheus in which the
// revisions listed in bad failed 20% of requests (p99 1.5s) while live
// and the others 0.2% (p99 180ms).
func withHealth(t *testing.T, bad ...int64) (*tuitest.Demo, common.Deps, *tuitest.Metrics) {
	t.Helper()
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	hist, err := rollout.GetHistory(context.Background(), d.Deps.Reader, checkout)
	if err != nil {
		t.Fatal(err)
	}
	byHash := map[string]int64{}
	var hashes []string
	for _, r := range hist.Revisions {
		byHash[r.Source.Hash] = r.Number
		hashes = append(hashes, r.Source.Hash)
	}
	isBad := map[int64]bool{}
	for _, n := range bad {
		isBad[n] = true
	}
	good, worse := tuitest.Steady(0.002, 0.18), tuitest.Steady(0.2, 1.5)
	fake := &tuitest.Metrics{Revisions: hashes, Value: func(s metrics.Signal, rev string, at time.Time) float64 {
		if isBad[byHash[rev]] {
			return worse(s, rev, at)
		}
		return good(s, rev, at)
	}}
	deps := d.Deps
	deps.Health = &metrics.Health{Source: fake}
	return d, deps, fake
}

func openWith(t *testing.T, deps common.Deps, c *common.Common) Screen {
	t.Helper()
	s, cmd := New(deps, c, checkout)
	var sc common.Screen = s.SetSize(c.Width, c.Height-2)
	sc, _ = tuitest.Drive(t, sc, tuitest.Run(cmd)...)
	return sc.(Screen)
}

func rowOf(v string, rev string) string {
	for _, l := range strings.Split(v, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, "▸ "), rev+" ") {
			return l
		}
	}
	return ""
}

func TestRevisionsShowHealthWhileLiveAndTheLastKnownGood(t *testing.T) {
	_, deps, _ := withHealth(t, 6, 5)
	s := openWith(t, deps, tuitest.Common(120, 40))
	v := view(s)
	if !strings.Contains(v, "WHILE LIVE") {
		t.Fatalf("no health column:\n%s", v)
	}
	for rev, want := range map[string]string{"6": "✗ 20% 1.5s", "5": "✗ 20% 1.5s", "4": "✓ 0.2% 180ms"} {
		if row := rowOf(v, rev); !strings.Contains(row, want) {
			t.Errorf("revision %s: want %q in %q", rev, want, row)
		}
	}
	if row := rowOf(v, "4"); !strings.Contains(row, "★ last good") {
		t.Errorf("revision 4 not marked last good: %q", row)
	}
	if strings.Count(v, "★ last good") != 1 {
		t.Errorf("last good marked %d times", strings.Count(v, "★ last good"))
	}
	lkg, h, ok := s.LastKnownGood()
	if !ok || lkg.Number != 4 || h.Verdict.State != metrics.Healthy {
		t.Errorf("last known good %v %+v", lkg, h.Verdict)
	}
	if !strings.Contains(v, "while live    ✗ critical") {
		t.Errorf("the selected revision's health is not in its details:\n%s", v)
	}
}

// r on the current revision rolls back to the last known good revision,
// and the flow says why.
func TestRollbackSuggestsTheLastKnownGood(t *testing.T) {
	_, deps, _ := withHealth(t, 6, 5)
	s := openWith(t, deps, tuitest.Common(120, 40))
	if r := s.Selected(); r == nil || !r.Current {
		t.Fatalf("selected %+v", r)
	}
	_, root := tuitest.Drive(t, s, tuitest.Key("r"))
	push, ok := root[0].(common.PushScreenMsg)
	if !ok {
		t.Fatalf("r sent %#v", root)
	}
	rb := push.Screen.(rollback.Screen)
	if rb.Target().Number != 4 || !strings.Contains(rb.Reason(), "last known good: rev 4, error ratio 0.2%, p99 180ms while live") {
		t.Errorf("target %d, reason %q", rb.Target().Number, rb.Reason())
	}
	sc, _ := tuitest.Drive(t, rb.SetSize(120, 38), tuitest.Run(push.Cmd)...)
	if v := view(sc); !strings.Contains(v, "why   last known good: rev 4") || !strings.Contains(v, "to    revision 4") {
		t.Errorf("the plan does not say why:\n%s", v)
	}
}

// Without a healthy earlier revision, r on the current one falls back to
// kubectl's choice, the previous revision, and says so.
func TestRollbackWithoutLastKnownGoodSaysItIsKubectlsChoice(t *testing.T) {
	_, deps, _ := withHealth(t, 1, 2, 3, 4, 5, 6)
	s := openWith(t, deps, tuitest.Common(120, 40))
	if _, _, ok := s.LastKnownGood(); ok {
		t.Fatal("a last known good among failing revisions")
	}
	if strings.Contains(view(s), "★") {
		t.Error("a revision marked last good")
	}
	_, root := tuitest.Drive(t, s, tuitest.Key("r"))
	rb := root[0].(common.PushScreenMsg).Screen.(rollback.Screen)
	if rb.Target().Number != 5 || !strings.Contains(rb.Reason(), "as kubectl rollout undo picks it (no earlier revision is known to have been healthy while live)") {
		t.Errorf("target %d, reason %q", rb.Target().Number, rb.Reason())
	}
}

// Revisions are judged a few at a time, and a past revision only once.
func TestRevisionChecksAreBoundedAndKept(t *testing.T) {
	_, deps, fake := withHealth(t, 6)
	c := tuitest.Common(120, 40)
	s, cmd := New(deps, c, checkout)
	var sc common.Screen = s.SetSize(120, 38)
	sc, _ = tuitest.Drive(t, sc, tuitest.Run(cmd)...) // loads, detects, judges
	calls := len(fake.Queries())
	// Later messages ask nothing new: every past window is judged.
	sc, more := sc.Update(tuitest.Key("down"))
	if msgs := tuitest.Run(more); len(msgs) != 0 {
		t.Errorf("asked again: %v (%d queries before)", msgs, calls)
	}
	// The current revision's window grows: judged again after the refresh
	// interval, and only it.
	c.Now = func() time.Time { return tuitest.Now().Add(11 * time.Second) }
	_, again := sc.Update(common.TickMsg{Now: c.Now()})
	msgs := tuitest.Run(again)
	if len(msgs) != 1 {
		t.Fatalf("after the refresh interval: %d checks", len(msgs))
	}
	if m := msgs[0].(RevisionHealthMsg); m.Health.Revision != 6 {
		t.Errorf("judged again: revision %d", m.Health.Revision)
	}

	// At most maxRevisionChecks at once.
	s2, cmd2 := New(deps, tuitest.Common(120, 40), checkout)
	var first common.Screen = s2.SetSize(120, 38)
	first, checks := first.Update(tuitest.Run(cmd2)[0])
	_ = first
	if msgs := tuitest.Run(checks); len(msgs) != 1 {
		t.Fatalf("before detection: %v", msgs)
	} else if _, ok := msgs[0].(PresetMsg); !ok {
		t.Fatalf("first ask %T", msgs[0])
	} else {
		_, judge := first.Update(msgs[0])
		if n := len(tuitest.Run(judge)); n != maxRevisionChecks {
			t.Errorf("%d revisions judged at once, want %d", n, maxRevisionChecks)
		}
	}
}

func TestHistoryHealthGoldens(t *testing.T) {
	_, deps, _ := withHealth(t, 6, 5)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		s := openWith(t, deps, tuitest.Common(size[0], size[1]))
		tuitest.Golden(t, "history_health_"+itoa(size[0])+"x"+itoa(size[1]), tuitest.ASCII(s.View()))
	}
}
