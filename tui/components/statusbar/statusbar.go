// Package statusbar is the console's top line: where you are (context,
// namespace), whether you can change anything (RO), whether the data is
// live (connection state and the age of the data) and the time.
package statusbar

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/workload"
)

// Model is the status bar's state.
type Model struct {
	c      *common.Common
	width  int
	health workload.Health
	now    time.Time
	// since is when the connection was last seen failing, for "retrying
	// for 40s"; zero while connected.
	since time.Time
	// dataAt is when the last snapshot arrived.
	dataAt time.Time
	known  bool // a health report has arrived
	// start is when the bar was created, to say how long the first list
	// has been waiting: a cluster that does not answer is not always
	// reported as an error (client-go retries a refused watch quietly).
	start time.Time
}

// New returns a status bar showing "connecting" until the first health.
func New(c *common.Common) Model {
	return Model{c: c, now: c.Now(), start: c.Now()}
}

// SetSize sets the width (the bar is one line high).
func (m *Model) SetSize(w, _ int) { m.width = max(w, 0) }

// Update takes ticks and snapshots.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case common.TickMsg:
		m.now = msg.Now
		m.setHealth(msg.Health)
	case common.ClusterChangedMsg:
		m.now = msg.At
		m.dataAt = msg.At
		m.setHealth(msg.Health)
	}
	return m, nil
}

func (m *Model) setHealth(h workload.Health) {
	m.known = true
	if !h.Connected && m.since.IsZero() {
		m.since = m.now
	}
	if h.Connected {
		m.since = time.Time{}
	}
	m.health = h
}

// Health is the last connection state seen.
func (m Model) Health() workload.Health { return m.health }

// ConnectionText is the connection state in words, with the data's age.
// Ages are coarse while connected (minutes) so an idle screen does not
// redraw every second; while disconnected the seconds matter.
func (m Model) ConnectionText() (glyph, text string) {
	h := m.health
	switch {
	case !m.known:
		return "◌", "connecting…"
	case !h.Connected:
		t := "disconnected (retrying)"
		switch {
		case !h.Synced && h.LastEvent.IsZero():
			t += " · no data yet"
		case !m.since.IsZero():
			// The cache was current until the connection failed.
			t += " · data " + common.Age(m.now, m.since) + " old"
		}
		return "✗", t
	case h.Forbidden != nil:
		// The server answers but refuses a list: say which, not "no answer".
		return "✗", textsafe.String(h.Forbidden.Error())
	case !h.Synced:
		if wait := m.now.Sub(m.start); wait >= 5*time.Second {
			return "◌", "connecting… no answer for " + common.Age(m.now, m.start)
		}
		return "◌", "connecting…"
	}
	t := "connected"
	if !h.LastEvent.IsZero() {
		t += " · last event " + coarseAge(m.now, h.LastEvent)
	}
	return "●", t
}

func coarseAge(now, t time.Time) string {
	if now.Sub(t) < time.Minute {
		return "<1m ago"
	}
	return common.Age(now, t) + " ago"
}

// View renders the bar, dropping the least important parts when narrow.
func (m Model) View() string {
	if m.width <= 0 {
		return ""
	}
	s := m.c.Styles
	sep := s.Muted.Render(" │ ")
	glyph, conn := m.ConnectionText()
	connStyle := s.Success
	switch glyph {
	case "✗":
		connStyle = s.Danger
	case "◌":
		connStyle = s.Warning
	}
	ns := m.c.Namespace
	if ns == "" {
		ns = "all namespaces"
	}
	type part struct {
		text     string
		priority int // lower survives longer
	}
	parts := []part{
		{s.Title.Render("mayday"), 5},
		{s.Muted.Render("ctx ") + s.Base.Render(textsafe.String(m.c.Context)), 2},
		{s.Muted.Render("ns ") + s.Base.Render(textsafe.String(ns)), 3},
	}
	if m.c.ReadOnly {
		parts = append(parts, part{s.Badge.Render(" RO "), 0})
	}
	if m.c.Production {
		parts = append(parts, part{s.Danger.Render("PROD"), 1})
	}
	parts = append(parts, part{connStyle.Render(glyph + " " + conn), 0})
	parts = append(parts, part{s.Muted.Render(m.now.Format("15:04")), 4})

	for drop := 5; drop >= 0; drop-- {
		var kept []string
		for _, p := range parts {
			if p.priority <= drop {
				kept = append(kept, p.text)
			}
		}
		line := " " + strings.Join(kept, sep)
		if lipgloss.Width(line) <= m.width || drop == 0 {
			return common.Truncate(line, m.width)
		}
	}
	return ""
}
