package workloads

import (
	"context"
	"math"
	"time"

	"github.com/NimbleMarkets/ntcharts/v2/sparkline"
	"github.com/charmbracelet/x/ansi"

	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/components/finder"
	"github.com/mayday-tui/mayday/tui/workload"
)

// The finder's health columns: the verdict on the error ratio and p99,
// and the error ratio over the last half hour as a sparkline.
const (
	// maxChecks bounds the checks in flight: a screenful of workloads must
	// not become a burst of queries against Prometheus.
	maxChecks   = 4
	sparkWindow = 30 * time.Minute
	sparkCells  = 10
)

// CheckedMsg carries one workload's health for the finder.
type CheckedMsg struct {
	Ref    rollout.Ref
	Health finder.Health
}

// checks is what the screen has asked. Its maps are changed in place:
// only the newest screen value is ever used.
type checks struct {
	asked    map[rollout.Ref]time.Time // when each workload was last asked
	inflight map[rollout.Ref]bool
}

func newChecks() *checks {
	return &checks{asked: map[rollout.Ref]time.Time{}, inflight: map[rollout.Ref]bool{}}
}

// checkVisible asks for the health of workloads on screen that have none
// or whose answer is older than the refresh interval, a few at a time.
// It is cheap enough to run after every message: a lookup per row on
// screen.
func (s *Screen) checkVisible() tea.Cmd {
	h := s.deps.Health
	if h == nil {
		return nil
	}
	now, refresh := s.c.Now(), s.deps.Refresh()
	var cmds []tea.Cmd
	for _, r := range s.finder.VisibleRows() {
		if len(s.checks.inflight) >= maxChecks {
			break
		}
		if s.checks.inflight[r.Ref] {
			continue
		}
		if at, ok := s.checks.asked[r.Ref]; ok && now.Sub(at) < refresh {
			continue
		}
		s.checks.inflight[r.Ref] = true
		s.checks.asked[r.Ref] = now
		cmds = append(cmds, check(s.deps.Ctx, h, r.Ref))
	}
	return tea.Batch(cmds...)
}

func (s *Screen) checked(msg CheckedMsg) {
	delete(s.checks.inflight, msg.Ref)
	s.finder.SetHealth(msg.Ref, msg.Health)
}

// check judges one workload on its error ratio and p99 and draws the
// error ratio's sparkline, scaled so that a full block is the critical
// level.
func check(ctx context.Context, h *metrics.Health, ref rollout.Ref) tea.Cmd {
	return func() tea.Msg {
		t := workload.HealthTarget(ref, nil)
		v, panels := h.Check(ctx, t, sparkWindow, sparkCells, []metrics.Signal{metrics.ErrorRatio, metrics.LatencyP99})
		th := metrics.DefaultThresholds()
		if h.Settings != nil {
			th = h.Settings(t).EffectiveThresholds()
		}
		scale := th[metrics.ErrorRatio].Critical
		for _, p := range panels {
			if p.Signal == metrics.ErrorRatio {
				return CheckedMsg{Ref: ref, Health: finder.Health{State: v.State, Known: true, Spark: spark(p, scale)}}
			}
		}
		return CheckedMsg{Ref: ref, Health: finder.Health{State: v.State, Known: true}}
	}
}

// spark draws a panel's aggregate series as one row of block elements,
// one cell per step: a cell without a sample stays blank, any measured
// value shows at least the lowest block.
func spark(p metrics.Panel, scale float64) string {
	if p.Err != nil || len(p.Series) == 0 || p.Range.Step <= 0 {
		return ""
	}
	var pts []metrics.Point
	for _, s := range p.Series {
		if s.Revision == "" {
			pts = s.Points
		}
	}
	vals := make([]float64, sparkCells)
	top := scale
	for _, pt := range pts {
		if !math.IsNaN(pt.V) && !math.IsInf(pt.V, 0) {
			top = max(top, pt.V)
		}
	}
	if top <= 0 {
		top = 1
	}
	// The newest sample takes the last cell.
	end := p.Range.End
	for _, pt := range pts {
		i := sparkCells - 1 - int(end.Sub(pt.T)/p.Range.Step)
		if i < 0 || i >= sparkCells || math.IsNaN(pt.V) || math.IsInf(pt.V, 0) {
			continue
		}
		vals[i] = max(pt.V, top/12)
	}
	sl := sparkline.New(sparkCells, 1, sparkline.WithNoAutoMaxValue(), sparkline.WithMaxValue(top))
	sl.PushAll(vals)
	sl.DrawColumnsOnly()
	return ansi.Strip(sl.View())
}
