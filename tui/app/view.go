package app

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/help"
)

// frameLayout is where things go at the current size.
type frameLayout struct {
	framed         bool
	innerW, innerH int
	noticeH        int
	footerH        int
	bodyH          int
}

// frame computes the layout. The production frame costs two rows and two
// columns, so it is dropped on very small terminals where the status bar's
// PROD mark must carry the warning alone.
func (m Model) frame() frameLayout {
	w, h := max(m.c.Width, 0), max(m.c.Height, 0)
	l := frameLayout{innerW: w, innerH: h}
	if m.c.Styles.FrameBorder != nil && w >= 20 && h >= 8 {
		l.framed = true
		l.innerW, l.innerH = w-2, h-2
	}
	if l.innerH >= 6 {
		l.footerH = 1
	}
	if len(m.opts.Notices) > 0 && l.innerH >= 8 {
		l.noticeH = 1
	}
	l.bodyH = max(l.innerH-1-l.footerH-l.noticeH, 0)
	return l
}

// View renders the whole screen in the alternate screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	return v
}

// Render is the screen's text (View without the terminal settings), for
// tests and benchmarks.
func (m Model) Render() string {
	if m.quitting {
		return ""
	}
	if !m.sizeKnown {
		// Before the terminal has told its size: one line, so the first
		// frame is never blank and never wraps.
		return m.c.Styles.Title.Render("mayday") + m.c.Styles.Muted.Render(" · connecting…")
	}
	if m.c.Width <= 0 || m.c.Height <= 0 {
		return ""
	}
	l := m.frame()
	var parts []string
	parts = append(parts, m.status.View())
	if l.noticeH > 0 {
		parts = append(parts, m.noticeLine(l.innerW))
	}
	if l.bodyH > 0 {
		parts = append(parts, common.Fit(m.body(l), l.innerW, l.bodyH))
	}
	if l.footerH > 0 {
		parts = append(parts, m.footer(l.innerW))
	}
	inner := common.Fit(strings.Join(parts, "\n"), l.innerW, l.innerH)
	if l.framed {
		return m.framed(inner, l)
	}
	return inner
}

func (m Model) body(l frameLayout) string {
	if m.helpOpen != nil {
		return m.helpOpen.View()
	}
	body := m.Top().View()
	if m.palette == nil {
		return body
	}
	box := m.palette.View()
	bw, bh := lipgloss.Width(box), lipgloss.Height(box)
	x := max((l.innerW-bw)/2, 0)
	y := min(1, max(l.bodyH-bh, 0))
	canvas := lipgloss.NewCanvas(l.innerW, l.bodyH)
	canvas.Compose(lipgloss.NewCompositor(
		lipgloss.NewLayer(common.Fit(body, l.innerW, l.bodyH)),
		lipgloss.NewLayer(box).X(x).Y(y).Z(1),
	))
	return canvas.Render()
}

func (m Model) noticeLine(w int) string {
	s := m.c.Styles
	n := m.opts.Notices
	first, _, _ := strings.Cut(n[0], "\n")
	more := strings.Count(strings.Join(n, "\n"), "\n") + len(n) - 1
	text := "⚠ " + first
	if more > 0 {
		text += s.Muted.Render("  (+" + strconv.Itoa(more) + " more: press ? )")
	}
	return common.Truncate(s.Warning.Render(text), w)
}

func (m Model) footer(w int) string {
	s := m.c.Styles
	var text string
	switch {
	case m.confirmQuit:
		text = s.Danger.Render("An action is still running ("+m.inFlight[0]+"). Quit anyway? ") + s.Key.Render("y") + s.Muted.Render(" quit · any other key stays")
	case m.palette != nil:
		text = help.Short(m.c, m.c.Keys.Palette) + s.Muted.Render(" · esc close")
	case m.helpOpen != nil:
		text = s.Muted.Render("esc close help")
	default:
		// The screen's keys first; when they leave too little room, the
		// palette's hint goes, then quit's: help (?) lists them all.
		g := m.c.Keys.Global
		variants := []shortKeys{{g.Help, g.Palette, g.Quit}, {g.Help, g.Quit}, {g.Help}}
		typing := m.Top().CapturesInput()
		if typing {
			// Letters are typed: q and ? do not work, nor does esc go
			// back (it leaves the text field).
			variants = []shortKeys{{g.ForceQuit}, {}}
		}
		for _, globals := range variants {
			text = help.Short(m.c, m.Top().KeyMap(), globals)
			if len(m.stack) > 1 && g.Back.Enabled() && !typing {
				b := g.Back.Help()
				text += s.Muted.Render(" · ") + s.Key.Render(b.Key) + " " + s.Muted.Render(b.Desc)
			}
			if m.c.ReadOnly {
				text = s.Badge.Render(" RO ") + " " + text
			}
			if common.Width(" "+text) <= w {
				break
			}
		}
	}
	return common.Truncate(" "+text, w)
}

// shortKeys is a few bindings as a key map, for the footer.
type shortKeys []key.Binding

func (k shortKeys) ShortHelp() []key.Binding  { return k }
func (k shortKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k} }

// framed draws the theme's frame with its label in the top border.
func (m Model) framed(inner string, l frameLayout) string {
	s := m.c.Styles
	b := *s.FrameBorder
	edge := s.Frame.UnsetBorderStyle().UnsetPadding()
	w := l.innerW
	label := ""
	if s.FrameLabel != "" && w >= lipgloss.Width(s.FrameLabel)+6 {
		label = " " + s.FrameLabel + " "
	}
	top := b.TopLeft + b.Top + label
	top += strings.Repeat(b.Top, max(w+1-lipgloss.Width(top), 0)) + b.TopRight
	bottom := b.BottomLeft + strings.Repeat(b.Bottom, w) + b.BottomRight
	lines := strings.Split(inner, "\n")
	out := make([]string, 0, len(lines)+2)
	out = append(out, edge.Render(top))
	for _, line := range lines {
		out = append(out, edge.Render(b.Left)+line+edge.Render(b.Right))
	}
	out = append(out, edge.Render(bottom))
	return strings.Join(out, "\n")
}
