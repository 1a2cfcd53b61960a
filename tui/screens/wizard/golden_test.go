package wizard

import (
	"fmt"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

var sizes = [][2]int{{120, 40}, {80, 24}}

func golden(t *testing.T, name string, size [2]int, s Screen) {
	t.Helper()
	tuitest.Golden(t, fmt.Sprintf("%s_%dx%d", name, size[0], size[1]), tuitest.ASCII(s.View()))
}

// The screens of the flow at both sizes, on the frozen demo with fixed
// health evidence.
func TestGoldens(t *testing.T) {
	f := newFrozenFixture(t)
	for _, size := range sizes {
		c := tuitest.Common(size[0], size[1])
		s := open(t, f, c)
		golden(t, "question", size, s)
		s, _ = press(t, s, "enter")
		golden(t, "open_question", size, s)
		s = toRecommendation(t, open(t, f, c))
		golden(t, "recommendation", size, s)
		r, _ := press(t, s, "x")
		golden(t, "rollback_confirm", size, r)
		o := toRollforward(t, open(t, f, c), "2.15.1")
		golden(t, "rollforward_recommendation", size, o)
		o, _ = press(t, o, "x")
		golden(t, "rollforward_confirm", size, o)

		// The verification half way, from a fixed state: the rollout done,
		// health still critical, the bake going on.
		v := s
		v.stage = stageVerify
		v.exec = v.executionFor(v.walk.rec)
		v.verify = verification{seq: 1, kind: verifyWorkload, action: "rollback", executed: "rolled back to revision 5", active: true,
			started: tuitest.Now().Add(-40 * time.Second), rolloutDoneAt: tuitest.Now().Add(-31 * time.Second),
			status: rollout.Status{Phase: rollout.PhaseComplete, Desired: 4, Updated: 4, Ready: 4, Available: 4}, statusSeen: true,
			verdict: metrics.Verdict{State: metrics.Critical, Reason: "error ratio 7% > 5% (critical) for 1m"}, verdictSeen: true,
			verdictAt: tuitest.Now().Add(-3 * time.Second)}
		v.deps.Health = &metrics.Health{}
		v.refresh()
		golden(t, "verifying", size, v)
		v.verify.done = &verifyDone{verified: true, summary: "rollout complete in 9s; health ✓ healthy after 1m0s", healthChecked: true,
			health: metrics.Verdict{State: metrics.Healthy}}
		v.verify.verdict = v.verify.done.health
		v.refresh()
		golden(t, "verified", size, v)
	}
}

// The read-only recommendation and a failed gather at 80x24.
func TestReadOnlyAndGatherFailedGoldens(t *testing.T) {
	f := newFrozenFixture(t)
	c := tuitest.Common(80, 24)
	c.Keys.SetReadOnly("read-only mode (--read-only)")
	s := toRecommendation(t, open(t, f, c))
	golden(t, "recommendation_readonly", [2]int{80, 24}, s)

	f.deps.Decision.Gather = nil
	n, _ := New(f.deps, tuitest.Common(80, 24), checkout)
	golden(t, "no_evidence", [2]int{80, 24}, n.SetSize(80, 22).(Screen))
}

// No size makes the wizard panic or draw more than it was given.
func TestTinyTerminals(t *testing.T) {
	f := newFrozenFixture(t)
	base := toRecommendation(t, open(t, f, tuitest.Common(120, 40)))
	executing, _ := press(t, base, "x")
	asking := open(t, f, tuitest.Common(120, 40))
	for _, s := range []Screen{base, executing, asking} {
		for _, size := range [][2]int{{0, 0}, {1, 1}, {5, 2}, {20, 3}, {30, 6}, {40, 10}} {
			sc := s.SetSize(size[0], size[1])
			v := sc.View()
			lines := 0
			if v != "" {
				lines = len(splitLines(v))
			}
			if lines > size[1] {
				t.Errorf("%v at %dx%d: %d lines", s.Phase(), size[0], size[1], lines)
			}
			for _, l := range splitLines(v) {
				if w := common.Width(l); w > size[0] {
					t.Errorf("%v at %dx%d: a line of %d cells", s.Phase(), size[0], size[1], w)
					break
				}
			}
			for _, k := range []string{"down", "enter", "left", "tab", "pgdown", "x", "esc"} {
				next, _ := sc.Update(tuitest.Key(k))
				_ = next.View()
			}
		}
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
