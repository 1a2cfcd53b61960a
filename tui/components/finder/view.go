package finder

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/workload"
)

// column is one column of the table at the current width.
type column struct {
	id    colID
	title string
	width int
}

type colID int

const (
	colKind colID = iota
	colNamespace
	colName
	colReady
	colRevision
	colRollout
	colState
	colHealth
	colSpark
)

// Widths of the health columns: "✗ critical", and the sparkline.
const (
	healthW = 10
	sparkW  = 10
)

const gap = 2

// layout picks the columns that fit width, dropping the least useful
// first; the name and the state (at least its glyph) always stay.
func layout(width int, allNamespaces, health bool, nsWidth, nameWidth int) ([]column, bool) {
	shortKind, shortState, shortHealth := false, false, false
	want := map[colID]bool{colKind: true, colNamespace: allNamespaces, colReady: true, colRevision: true, colRollout: true,
		colHealth: health, colSpark: health}
	build := func() []column {
		var cols []column
		add := func(id colID, title string, w int) {
			if id == colName || id == colState || want[id] {
				cols = append(cols, column{id: id, title: title, width: w})
			}
		}
		if shortKind {
			add(colKind, "KIND", 6)
		} else {
			add(colKind, "KIND", 11)
		}
		add(colNamespace, "NAMESPACE", max(nsWidth, 9))
		add(colName, "NAME", 0)
		add(colReady, "READY", 7)
		add(colRevision, "REV", 4)
		add(colRollout, "LAST ROLLOUT", 12)
		if shortState {
			add(colState, "", 1)
		} else {
			add(colState, "STATE", 13)
		}
		if shortHealth {
			add(colHealth, "", 1)
		} else {
			add(colHealth, "HEALTH", healthW)
		}
		add(colSpark, "ERRORS 30m", sparkW)
		return cols
	}
	// Give up columns in this order until the name gets a useful width.
	steps := []func(){
		func() { want[colRollout] = false },
		func() { want[colSpark] = false },
		func() { shortKind = true },
		func() { want[colRevision] = false },
		func() { want[colNamespace] = false },
		func() { want[colReady] = false },
		func() { want[colKind] = false },
		func() { shortHealth = true },
		func() { shortState = true },
	}
	const marker = 2
	for i := 0; ; i++ {
		cols := build()
		fixed := marker
		for _, c := range cols {
			fixed += c.width + gap
		}
		fixed -= gap
		free := width - fixed
		minName := min(max(nameWidth, 4), 16)
		if free >= minName || i >= len(steps) {
			for j := range cols {
				if cols[j].id == colName {
					// The name takes what is left, but not much more than the
					// longest name, so the columns stay close to it.
					cols[j].width = max(min(free, max(nameWidth, 4)+4), 1)
				}
			}
			return cols, shortState
		}
		steps[i]()
	}
}

// View renders the finder at its size.
func (m Model) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	var lines []string
	lines = append(lines, m.filterLine(w))
	if h == 1 {
		return common.Fit(lines[0], w, h)
	}
	for i, l := range m.bannerLines() {
		mark := "⚠ "
		if i > 0 {
			mark = "  "
		}
		lines = append(lines, common.Truncate(m.c.Styles.Warning.Render(mark+l), w))
	}

	nsW, nameW := 0, 0
	first, last := m.offset, min(m.offset+m.listHeight(), m.Len())
	for i := first; i < last; i++ {
		r := m.row(i)
		nsW = max(nsW, lipgloss.Width(r.Namespace))
		nw := lipgloss.Width(r.Name)
		if _, ok := m.inProgress[r.Ref]; ok {
			nw += 2 // " ⚑"
		}
		nameW = max(nameW, nw)
	}
	cols, _ := layout(w, m.c.AllNamespaces(), m.health != nil, min(nsW, 24), nameW)
	showHeader := h >= 4
	if showHeader {
		lines = append(lines, m.header(cols, w))
	}
	body := m.body(cols, w)
	lines = append(lines, body...)
	if detail, ok := m.detailLine(w); ok && h >= 6 {
		for len(lines) < h-1 {
			lines = append(lines, "")
		}
		lines = append(lines[:h-1], detail)
	}
	return common.Fit(strings.Join(lines, "\n"), w, h)
}

// listHeight is how many rows fit under the filter line and header (and
// above the detail line).
func (m Model) listHeight() int {
	h := m.height - 1
	if m.height >= 4 {
		h--
	}
	if m.height >= 6 {
		h--
	}
	h -= len(m.bannerLines())
	return max(h, 0)
}

func (m Model) filterLine(w int) string {
	s := m.c.Styles
	var left string
	switch {
	case m.focused:
		cursor := s.Selected.Render(" ")
		left = s.Prompt.Render("/ ") + m.query + cursor
	case m.query != "":
		left = s.Prompt.Render("/ ") + m.query + s.Muted.Render("  (esc clears)")
	default:
		left = s.Muted.Render("/ type to filter")
	}
	var right string
	switch {
	case !m.loaded:
		right = ""
	case m.pending:
		right = s.Muted.Render("filtering… ") + countText(m.Len(), len(m.rows), m.viewQuery != "")
	default:
		right = countText(m.Len(), len(m.rows), m.viewQuery != "")
	}
	right = s.Muted.Render(right)
	space := w - lipgloss.Width(left) - lipgloss.Width(right)
	if space < 1 {
		return common.Truncate(left, w)
	}
	return left + strings.Repeat(" ", space) + right
}

func countText(shown, total int, filtered bool) string {
	noun := "workloads"
	if total == 1 {
		noun = "workload"
	}
	if filtered {
		return fmt.Sprintf("%d of %d %s", shown, total, noun)
	}
	return fmt.Sprintf("%d %s", total, noun)
}

func (m Model) header(cols []column, w int) string {
	var b strings.Builder
	b.WriteString("  ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", gap))
		}
		b.WriteString(common.PadRight(c.title, c.width))
	}
	return m.c.Styles.Header.Render(common.Truncate(strings.TrimRight(b.String(), " "), w))
}

func (m Model) body(cols []column, w int) []string {
	if m.Len() == 0 {
		return m.empty(w)
	}
	first, last := m.offset, min(m.offset+m.listHeight(), m.Len())
	out := make([]string, 0, last-first)
	for i := first; i < last; i++ {
		var pos []int
		if m.viewQuery != "" {
			pos = m.matches[i].Positions
		}
		out = append(out, m.renderRow(m.row(i), pos, cols, w, i == m.cursor))
	}
	return out
}

func (m Model) empty(w int) []string {
	s := m.c.Styles
	var msg []string
	switch {
	case !m.loaded:
		msg = append(msg, s.Muted.Render("Loading workloads… (waiting for the API server)"))
	case m.viewQuery != "":
		msg = append(msg, s.Muted.Render(fmt.Sprintf("No workload matches %q.", m.viewQuery)))
	case m.c.AllNamespaces():
		msg = append(msg, s.Muted.Render("No Deployments, StatefulSets or DaemonSets in any namespace."))
	default:
		msg = append(msg, s.Muted.Render(fmt.Sprintf("No Deployments, StatefulSets or DaemonSets in namespace %q.", m.c.Namespace)))
	}
	if m.notice != "" {
		msg = append(msg, s.Error.Render(m.notice))
	}
	for i := range msg {
		msg[i] = common.Truncate("  "+msg[i], w)
	}
	return msg
}

// detailLine explains the selected workload's rollout state in words,
// after its incident when one is in progress.
func (m Model) detailLine(w int) (string, bool) {
	r, ok := m.Selected()
	if !ok {
		return "", false
	}
	p, marked := m.inProgress[r.Ref]
	if r.Message == "" && !marked {
		return "", false
	}
	s := m.c.Styles
	line := s.Muted.Render(r.Ref.Kind.Short() + "/" + r.Name + ": ")
	if marked {
		line += s.Warning.Render(Flag + " " + p.Text())
		if r.Message != "" {
			line += s.Muted.Render(" · ")
		}
	}
	return common.Truncate(line+phaseStyle(r.Phase, m).Render(r.Message), w), true
}

// seg is a piece of a row with its style.
type seg struct {
	text  string
	style lipgloss.Style
	plain bool // no style: skip rendering
	w     int  // cells, when known (0: measure)
}

func (m Model) renderRow(r workload.Row, pos []int, cols []column, w int, selected bool) string {
	s := m.c.Styles
	segs := make([]seg, 0, 24)
	add := func(text string, st lipgloss.Style) { segs = append(segs, seg{text: text, style: st}) }
	addPlain := func(text string) { segs = append(segs, seg{text: text, plain: true}) }
	if selected {
		segs = append(segs, seg{text: "▸ ", style: s.Accent.Bold(true), w: 2})
	} else {
		addPlain("  ")
	}
	nsOffset := -1
	if m.c.AllNamespaces() {
		nsOffset = len(r.Namespace) + 1
	}
	for i, c := range cols {
		if i > 0 {
			addPlain(strings.Repeat(" ", gap))
		}
		switch c.id {
		case colKind:
			k := string(r.Ref.Kind)
			if c.width < 11 {
				k = shortKind(r.Ref.Kind)
			}
			segs = append(segs, seg{text: common.PadRight(k, c.width), style: s.Muted})
		case colNamespace:
			var p []int
			if nsOffset > 0 {
				p = positionsIn(pos, 0, len(r.Namespace))
			}
			segs = append(segs, highlight(r.Namespace, p, c.width, s.Base, s.Match)...)
		case colName:
			p := pos
			if nsOffset > 0 {
				p = positionsIn(pos, nsOffset, nsOffset+len(r.Name))
			}
			if _, marked := m.inProgress[r.Ref]; marked && c.width >= 3 {
				// The flag follows the name (cut to leave it room).
				nw := min(common.Width(r.Name), c.width-2)
				segs = append(segs, highlight(r.Name, p, nw, s.Base, s.Match)...)
				segs = append(segs, seg{text: " " + Flag, style: s.Warning, w: 2})
				if pad := c.width - nw - 2; pad > 0 {
					addPlain(strings.Repeat(" ", pad))
				}
				continue
			}
			segs = append(segs, highlight(r.Name, p, c.width, s.Base, s.Match)...)
		case colReady:
			st := s.Base
			if r.Ready < r.Desired {
				st = s.Warning
			}
			add(common.PadRight(strconv.Itoa(int(r.Ready))+"/"+strconv.Itoa(int(r.Desired)), c.width), st)
		case colRevision:
			rev := "?"
			if r.Revision > 0 {
				rev = strconv.FormatInt(r.Revision, 10)
			}
			add(common.PadRight(rev, c.width), s.Base)
		case colRollout:
			add(common.PadRight(common.Age(m.c.Now(), r.LastRollout), c.width), s.Muted)
		case colState:
			g, word := PhaseText(r.Phase)
			text := g + " " + word
			if c.width < 3 {
				text = g
			}
			segs = append(segs, seg{text: common.PadRight(text, c.width), style: phaseStyle(r.Phase, m), w: c.width})
		case colHealth:
			h := m.health[r.Ref]
			text := h.Text()
			if c.width < 3 {
				text = h.glyph()
			}
			segs = append(segs, seg{text: common.PadRight(text, c.width), style: m.healthStyle(h), w: c.width})
		case colSpark:
			h := m.health[r.Ref]
			segs = append(segs, seg{text: common.PadRight(h.Spark, c.width), style: m.healthStyle(h), w: c.width})
		}
	}
	var b strings.Builder
	used := 0
	for _, sg := range segs {
		if used >= w {
			break
		}
		t := sg.text
		tw := sg.w
		if tw == 0 {
			tw = common.Width(t)
		}
		if used+tw > w {
			t = common.Truncate(t, w-used)
			tw = common.Width(t)
		}
		used += tw
		st := sg.style
		if selected {
			st = st.Inherit(s.Selected)
			if sg.plain {
				st = s.Selected
			}
		} else if sg.plain {
			b.WriteString(t)
			continue
		}
		b.WriteString(st.Render(t))
	}
	if selected && used < w {
		b.WriteString(s.Selected.Render(strings.Repeat(" ", w-used)))
	}
	return b.String()
}

// positionsIn returns the positions in [from, to), shifted to start at 0.
func positionsIn(pos []int, from, to int) []int {
	var out []int
	for _, p := range pos {
		if p >= from && p < to {
			out = append(out, p-from)
		}
	}
	return out
}

// highlight cuts text to width and styles the matched byte positions.
func highlight(text string, pos []int, width int, base, match lipgloss.Style) []seg {
	cut := common.Truncate(text, width)
	ell := ""
	if cut != text {
		cut, ell = strings.TrimSuffix(cut, "…"), "…"
	}
	var out []seg
	if len(pos) == 0 {
		out = append(out, seg{text: cut, style: base})
	} else {
		in := make(map[int]bool, len(pos))
		for _, p := range pos {
			in[p] = true
		}
		start, cur := 0, in[0]
		for i := range cut {
			if in[i] != cur {
				out = append(out, seg{text: cut[start:i], style: pick(cur, base, match)})
				start, cur = i, in[i]
			}
		}
		out = append(out, seg{text: cut[start:], style: pick(cur, base, match)})
	}
	pad := max(width-common.Width(cut)-len([]rune(ell)), 0)
	out = append(out, seg{text: ell + strings.Repeat(" ", pad), style: base, w: len([]rune(ell)) + pad})
	return out
}

func pick(matched bool, base, match lipgloss.Style) lipgloss.Style {
	if matched {
		return match
	}
	return base
}

func shortKind(k rollout.Kind) string {
	switch k {
	case rollout.Deployment:
		return "deploy"
	case rollout.StatefulSet:
		return "sts"
	case rollout.DaemonSet:
		return "ds"
	}
	return strings.ToLower(string(k))
}

// PhaseText is a rollout phase as glyph and word: the state is never told
// by colour alone.
func PhaseText(p rollout.Phase) (glyph, word string) {
	switch p {
	case rollout.PhaseProgressing:
		return "●", "progressing"
	case rollout.PhaseComplete:
		return "✓", "complete"
	case rollout.PhaseFailed:
		return "✗", "failed"
	case rollout.PhasePaused:
		return "‖", "paused"
	}
	return "?", "unknown"
}

func phaseStyle(p rollout.Phase, m Model) lipgloss.Style {
	s := m.c.Styles
	switch p {
	case rollout.PhaseProgressing:
		return s.Info
	case rollout.PhaseComplete:
		return s.Success
	case rollout.PhaseFailed:
		return s.Danger
	case rollout.PhasePaused:
		return s.Warning
	}
	return s.Muted
}
