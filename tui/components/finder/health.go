package finder

import (
	"charm.land/lipgloss/v2"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/workload"
)

// Health is a workload's health as the finder shows it: the verdict as a
// glyph and a word, and the error ratio's recent history as a sparkline.
// A workload not judged yet shows "…", never a blank that could pass for
// healthy.
type Health struct {
	State metrics.State
	// Known is set once a verdict has arrived (Unknown is a verdict too:
	// "? unknown").
	Known bool
	// Spark is the error ratio sparkline, already drawn (plain text).
	Spark string
}

// Text is the verdict as the column shows it.
func (h Health) Text() string {
	if !h.Known {
		return "… checking"
	}
	return h.State.Glyph() + " " + h.State.String()
}

func (h Health) glyph() string {
	if !h.Known {
		return "…"
	}
	return h.State.Glyph()
}

func (m Model) healthStyle(h Health) lipgloss.Style {
	s := m.c.Styles
	if !h.Known {
		return s.Muted
	}
	switch h.State {
	case metrics.Healthy:
		return s.Success
	case metrics.Degraded:
		return s.Warning
	case metrics.Critical:
		return s.Danger
	}
	return s.Muted
}

// ShowHealth adds the health columns. Without a metrics source they stay
// off: there is nothing to show but the absence of one.
func (m *Model) ShowHealth() {
	if m.health == nil {
		m.health = map[rollout.Ref]Health{}
	}
}

// SetHealth sets a workload's health. The map is the finder's own, so it
// is changed in place, like the filter's caches.
func (m *Model) SetHealth(ref rollout.Ref, h Health) {
	m.ShowHealth()
	m.health[ref] = h
}

// HealthOf is a workload's health as shown.
func (m Model) HealthOf(ref rollout.Ref) Health { return m.health[ref] }

// VisibleRows are the workloads on screen, top to bottom: those whose
// health is worth asking for.
func (m Model) VisibleRows() []workload.Row {
	first, last := m.offset, min(m.offset+m.listHeight(), m.Len())
	out := make([]workload.Row, 0, max(last-first, 0))
	for i := first; i < last; i++ {
		out = append(out, m.row(i))
	}
	return out
}
