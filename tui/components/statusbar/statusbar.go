// Package statusbar is the console's top line: where you are (context,
// namespace), whether you can change anything (RO), whether the data is
// live (connection state and the age of the data) and the time.
package statusbar

import (
	"strconv"
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
	// incident is the current incident (nil: none).
	incident *Incident
	// flash is a passing message (an incident opened, a report
	// exported), shown from flashAt for flashFor.
	flash    string
	flashErr bool
	flashAt  time.Time
}

// Incident is the current incident as the bar shows it; strings are
// escaped.
type Incident struct {
	ID       string
	Severity string
	Actions  int
}

// flashFor is how long a passing message stays: long enough to read a
// path.
const flashFor = 8 * time.Second

// SetIncident sets the current incident (nil: none).
func (m *Model) SetIncident(inc *Incident) { m.incident = inc }

// Flash shows text (escaped) for a few seconds in place of the context,
// namespace and clock; isErr styles it as an error.
func (m *Model) Flash(text string, isErr bool) {
	m.flash, m.flashErr, m.flashAt = text, isErr, m.now
}

// Flashing is the passing message shown now ("" none).
func (m Model) Flashing() string {
	if m.flash == "" || m.now.Sub(m.flashAt) >= flashFor {
		return ""
	}
	return m.flash
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
		// variants are the part's texts, longest first: the first that
		// fits is shown.
		variants []string
		priority int // lower survives longer
	}
	one := func(text string, priority int) part { return part{[]string{text}, priority} }
	flash := m.Flashing()
	parts := []part{one(s.Title.Render("mayday"), 5)}
	if flash == "" {
		parts = append(parts,
			one(s.Muted.Render("ctx ")+s.Base.Render(textsafe.String(m.c.Context)), 2),
			one(s.Muted.Render("ns ")+s.Base.Render(textsafe.String(ns)), 3))
	}
	if m.c.ReadOnly {
		parts = append(parts, one(s.Badge.Render(" RO "), 0))
	}
	if m.c.Production {
		parts = append(parts, one(s.Danger.Render("PROD"), 1))
	}
	if inc := m.incident; inc != nil && flash == "" {
		parts = append(parts, part{m.incidentTexts(*inc), 1})
	}
	if flash == "" || glyph != "●" {
		// While connected, the age of the last event is the first thing
		// to go; a broken connection keeps every word.
		cp := one(connStyle.Render(glyph+" "+conn), 0)
		if short, _, cut := strings.Cut(conn, " · "); cut && glyph == "●" {
			cp.variants = append(cp.variants, connStyle.Render(glyph+" "+short))
		}
		parts = append(parts, cp)
	}
	if flash != "" {
		st := s.Info
		if m.flashErr {
			st = s.Error
		}
		parts = append(parts, one(st.Render(flash), 0))
	} else {
		parts = append(parts, one(s.Muted.Render(m.now.Format("15:04")), 4))
	}

	variants := 1
	for _, p := range parts {
		variants = max(variants, len(p.variants))
	}
	for drop := 5; drop >= 0; drop-- {
		for v := 0; v < variants; v++ {
			if v > 0 && drop > keepContext {
				// The title, the clock and the namespace go before any
				// text is shortened.
				continue
			}
			var kept []string
			for _, p := range parts {
				if p.priority <= drop {
					kept = append(kept, p.variants[min(v, len(p.variants)-1)])
				}
			}
			line := " " + strings.Join(kept, sep)
			if lipgloss.Width(line) <= m.width || drop == 0 && v == variants-1 {
				return common.Truncate(line, m.width)
			}
		}
	}
	return ""
}

// keepContext is the priority of the kube context: shorter variants are
// tried only once the parts less important than it are gone.
const keepContext = 2

// incidentTexts are the current incident's texts, longest first:
// "⚑ INC-20261125-1420-checkout · SEV2 · 3 actions", then with the id cut
// in the middle (its date and its workload both stay readable), then
// shorter still.
func (m Model) incidentTexts(inc Incident) []string {
	s := m.c.Styles
	sev := ""
	if inc.Severity != "" {
		sev = " · " + inc.Severity
	}
	acts := strconv.Itoa(inc.Actions) + " actions"
	if inc.Actions == 1 {
		acts = "1 action"
	}
	text := func(id, tail string) string { return s.Warning.Render("⚑ " + id + sev + tail) }
	return []string{
		text(inc.ID, " · "+acts),
		text(inc.ID, " · "+acts), // while the connection's text shortens
		text(middle(inc.ID, 18), " · "+acts),
		text(middle(inc.ID, 12), " · "+strconv.Itoa(inc.Actions)),
	}
}

// middle cuts s to width cells by taking out its middle.
func middle(s string, width int) string {
	r := []rune(s)
	if len(r) <= width || width < 3 {
		return s
	}
	head := (width - 1) / 2
	tail := width - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}
