// Package help renders the full help of a screen from its key maps: every
// enabled binding with its description, grouped, plus the actions that are
// disabled and why (read-only mode, missing permissions). Disabled
// bindings are never listed as if they worked.
package help

import (
	"strings"

	bhelp "charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/keys"
)

// Section is one titled key map.
type Section struct {
	Title string
	Keys  bhelp.KeyMap
}

// Model is a scrollable full-help page.
type Model struct {
	c             *common.Common
	width, height int
	sections      []Section
	disabled      []keys.Disabled
	notes         []string // extra lines, e.g. config problems (escaped)
	offset        int
}

// New builds help for the given sections.
func New(c *common.Common, sections []Section, disabled []keys.Disabled, notes []string) Model {
	return Model{c: c, sections: sections, disabled: disabled, notes: notes}
}

// SetSize sets the area.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 0), max(h, 0)
	m.offset = max(min(m.offset, len(m.lines())-m.height), 0)
}

// Update scrolls with the arrow keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "up", "k":
			m.offset--
		case "down", "j":
			m.offset++
		case "pgup":
			m.offset -= m.height
		case "pgdown", "space":
			m.offset += m.height
		}
		m.offset = max(min(m.offset, len(m.lines())-m.height), 0)
	}
	return m, nil
}

func (m Model) lines() []string {
	s := m.c.Styles
	var out []string
	for _, sec := range m.sections {
		var rows [][2]string
		for _, group := range sec.Keys.FullHelp() {
			for _, b := range group {
				if !b.Enabled() || b.Help().Key == "" {
					continue
				}
				rows = append(rows, [2]string{b.Help().Key, b.Help().Desc})
			}
		}
		if len(rows) == 0 {
			continue
		}
		out = append(out, s.Title.Render(sec.Title))
		kw := 0
		for _, r := range rows {
			kw = max(kw, len([]rune(r[0])))
		}
		for _, r := range rows {
			out = append(out, "  "+s.Key.Render(common.PadRight(r[0], kw))+"  "+r[1])
		}
		out = append(out, "")
	}
	if len(m.disabled) > 0 {
		out = append(out, s.Title.Render("Unavailable"))
		seen := map[string]bool{}
		for _, d := range m.disabled {
			// The same key disabled on several screens for the same
			// reason (n on the finder and the history) is said once.
			line := d.Keys + "  " + d.Desc + ": " + d.Reason
			if seen[line] {
				continue
			}
			seen[line] = true
			out = append(out, "  "+s.Muted.Render(line))
		}
		out = append(out, "")
	}
	if len(m.notes) > 0 {
		out = append(out, s.Title.Render("Problems"))
		for _, n := range m.notes {
			for _, l := range strings.Split(n, "\n") {
				out = append(out, "  "+s.Error.Render(l))
			}
		}
		out = append(out, "")
	}
	out = append(out, s.Muted.Render("esc closes help · ↑/↓ scroll"))
	return out
}

// View renders the visible part.
func (m Model) View() string {
	lines := m.lines()
	end := min(m.offset+m.height, len(lines))
	return common.Fit(strings.Join(lines[min(m.offset, end):end], "\n"), m.width, m.height)
}

// Short renders a one-line hint of the most useful keys of maps.
func Short(c *common.Common, maps ...bhelp.KeyMap) string {
	s := c.Styles
	var parts []string
	for _, km := range maps {
		for _, b := range km.ShortHelp() {
			if b.Enabled() && b.Help().Key != "" {
				parts = append(parts, s.Key.Render(b.Help().Key)+" "+s.Muted.Render(b.Help().Desc))
			}
		}
	}
	return strings.Join(parts, s.Muted.Render(" · "))
}
