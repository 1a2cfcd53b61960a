// Package palette is the command palette (":" or ctrl+k): a fuzzy search
// over screens and actions. Choosing an entry returns ChosenMsg; the root
// closes the palette and runs it.
package palette

import (
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/sahilm/fuzzy"

	"github.com/mayday-tui/mayday/tui/common"
)

// ChosenMsg says the user picked a command.
type ChosenMsg struct{ Command common.Command }

// ClosedMsg says the user dismissed the palette.
type ClosedMsg struct{}

// Model is the palette's state. The list is short (tens of entries), so
// it filters synchronously.
type Model struct {
	c             *common.Common
	width, height int
	query         string
	items         []common.Command
	shown         []fuzzy.Match
	cursor        int
}

// New opens a palette over items.
func New(c *common.Common, items []common.Command) Model {
	m := Model{c: c, items: items}
	m.refilter()
	return m
}

// SetSize sets the box's maximum size.
func (m *Model) SetSize(w, h int) { m.width, m.height = max(w, 0), max(h, 0) }

// Query is the text typed so far.
func (m Model) Query() string { return m.query }

type titles []common.Command

func (t titles) String(i int) string { return t[i].Title }
func (t titles) Len() int            { return len(t) }

func (m *Model) refilter() {
	if m.query == "" {
		m.shown = make([]fuzzy.Match, len(m.items))
		for i, it := range m.items {
			m.shown[i] = fuzzy.Match{Str: it.Title, Index: i}
		}
	} else {
		m.shown = fuzzy.FindFrom(m.query, titles(m.items))
	}
	m.cursor = 0
}

// Update handles typing and choosing.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	km := m.c.Keys.Palette
	switch {
	case key.Matches(k, km.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(k, km.Down):
		m.cursor = min(m.cursor+1, max(len(m.shown)-1, 0))
	case key.Matches(k, km.Run):
		if m.cursor < len(m.shown) {
			c := m.items[m.shown[m.cursor].Index]
			return m, func() tea.Msg { return ChosenMsg{Command: c} }
		}
	case k.String() == "esc" || key.Matches(k, m.c.Keys.Global.Palette) && k.Text != ":":
		return m, func() tea.Msg { return ClosedMsg{} }
	case k.String() == "backspace":
		if m.query == "" {
			return m, func() tea.Msg { return ClosedMsg{} }
		}
		r := []rune(m.query)
		m.query = string(r[:len(r)-1])
		m.refilter()
	case k.String() == "ctrl+u":
		m.query = ""
		m.refilter()
	default:
		if k.Text != "" && k.Mod&(tea.ModCtrl|tea.ModAlt) == 0 && !strings.ContainsFunc(k.Text, unicode.IsControl) {
			m.query += k.Text
			m.refilter()
		}
	}
	return m, nil
}

// View renders the palette box.
func (m Model) View() string {
	s := m.c.Styles
	w := min(m.width, 60)
	if w < 8 || m.height < 3 {
		return common.Truncate(s.Prompt.Render(": ")+m.query, m.width)
	}
	inner := w - 4
	lines := []string{s.Prompt.Render(": ") + common.Truncate(m.query, inner-3) + s.Selected.Render(" ")}
	rows := max(min(len(m.shown), m.height-3), 0)
	start := max(m.cursor-rows+1, 0)
	for i := start; i < start+rows && i < len(m.shown); i++ {
		mt := m.shown[i]
		it := m.items[mt.Index]
		title := it.Title
		if i != m.cursor {
			// The selected line is one reverse/background run: inner styles
			// would end it early.
			title = mark(it.Title, mt.MatchedIndexes, s.Match)
		}
		hint := s.Muted.Render(it.Keys)
		space := inner - 2 - lipgloss.Width(title) - lipgloss.Width(hint)
		line := title
		if space >= 1 {
			line += strings.Repeat(" ", space) + hint
		}
		line = common.PadRight(line, inner-2)
		if i == m.cursor {
			line = s.Selected.Render("▸ " + line)
		} else {
			line = "  " + line
		}
		lines = append(lines, line)
	}
	if len(m.shown) == 0 {
		lines = append(lines, s.Muted.Render("  no matching command"))
	}
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1).Width(w)
	if bc := s.Border.GetForeground(); bc != nil {
		box = box.BorderForeground(bc)
	}
	return box.Render(strings.Join(lines, "\n"))
}

func mark(text string, pos []int, st lipgloss.Style) string {
	if len(pos) == 0 {
		return text
	}
	in := map[int]bool{}
	for _, p := range pos {
		in[p] = true
	}
	var b strings.Builder
	for i, r := range text {
		if in[i] {
			b.WriteString(st.Render(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
