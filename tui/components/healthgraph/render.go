package healthgraph

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/NimbleMarkets/ntcharts/v2/canvas"
	"github.com/NimbleMarkets/ntcharts/v2/canvas/graph"
	"github.com/NimbleMarkets/ntcharts/v2/canvas/runes"
	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/styles"
)

// Glyphs that carry meaning without colour.
const (
	degradedGlyph = '┄'
	criticalGlyph = '┅'
	markerGlyph   = '┊'
	seriesGlyph   = "●"
)

// line is one series as drawn.
type line struct {
	name   string // legend: "all", "rev 6"
	short  string // at the line's end: "all", "r6"
	colour int    // index into the theme's series colours
	rev    int64
	points []metrics.Point
}

// lines names the panel's series: the aggregate first, then revisions
// newest first. A revision's colour follows its number, so rev 6 has the
// same colour on every chart.
func (m Model) lines() []line {
	p := m.panel
	var out []line
	for _, s := range p.Series {
		l := line{points: s.Points, rev: -1}
		switch n, ok := p.Query.Target.Revisions[s.Revision]; {
		case s.Revision == "":
			l.name, l.short, l.rev = "all", "all", math.MaxInt64
		case ok:
			num := strconv.FormatInt(n, 10)
			l.name, l.short, l.rev, l.colour = "rev "+num, "r"+num, n, 1+int(n)
		default:
			h := textsafe.String(s.Revision)
			l.name, l.short = "rev "+h, common.Truncate(h, endW-1)
			l.colour = 1 + len(out)
		}
		out = append(out, l)
	}
	slices.SortStableFunc(out, func(a, b line) int { return cmp.Compare(b.rev, a.rev) })
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// last is the series' newest sample, NaN included: it is what the panel
// says now.
func (l line) last() (metrics.Point, bool) {
	if len(l.points) == 0 {
		return metrics.Point{}, false
	}
	return l.points[len(l.points)-1], true
}

func (m Model) seriesStyle(i int) lipgloss.Style {
	cs := m.c.Styles.Series
	if len(cs) == 0 {
		return m.c.Styles.Base
	}
	if i > 0 && len(cs) > 1 {
		i = 1 + (i-1)%(len(cs)-1)
	} else {
		i = 0
	}
	return lipgloss.NewStyle().Foreground(cs[i])
}

func (m Model) title() string {
	st := m.c.Styles
	if m.selected {
		return st.Title.Render("▸ " + Title(m.signal))
	}
	return st.Bold.Render(Title(m.signal))
}

// render draws the chart, or says why there is none.
func (m Model) render() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	st := m.c.Styles
	if m.panel == nil {
		return m.message(st.Muted, "… waiting for the first answer")
	}
	if m.panel.Err != nil {
		return m.message(st.Error, "✗ "+textsafe.String(m.panel.Err.Error()))
	}
	ls := m.lines()
	if len(ls) == 0 {
		return m.message(st.Muted, "? no data: the query returned no series")
	}
	var bad []string
	dataMax, seen := 0.0, false
	for _, l := range ls {
		for _, p := range l.points {
			if finite(p.V) {
				seen = true
				dataMax = max(dataMax, p.V)
			} else if s := metrics.FormatValue(m.signal, p.V); !slices.Contains(bad, s) {
				bad = append(bad, s)
			}
		}
	}
	if !seen {
		if len(bad) == 0 {
			return m.message(st.Muted, "? no data: the query returned no samples")
		}
		return m.message(st.Muted, "? no usable samples: every value is "+strings.Join(bad, " or "))
	}
	return m.plot(ls, dataMax)
}

// message is the title and a wrapped explanation instead of a chart.
func (m Model) message(style lipgloss.Style, text string) string {
	out := []string{m.title()}
	for l := range strings.SplitSeq(ansi.Wrap(text, max(m.width-2, 1), ""), "\n") {
		out = append(out, "  "+style.Render(l))
	}
	return common.Fit(strings.Join(out, "\n"), m.width, m.height)
}

// legend is the title line's entries: each line with its current value,
// then the thresholds and markers shown.
func (m Model) legend(ls []line, levels []level, markers bool) (series, other []string) {
	st := m.c.Styles
	for _, l := range ls {
		v := "no samples"
		if p, ok := l.last(); ok {
			v = metrics.FormatValue(m.signal, p.V)
		}
		series = append(series, m.seriesStyle(l.colour).Render(seriesGlyph)+" "+l.name+" "+v)
	}
	for _, lv := range levels {
		other = append(other, lv.style(st).Render(string(lv.glyph))+" "+lv.word+" >"+metrics.FormatValue(m.signal, lv.v))
	}
	if markers {
		other = append(other, st.Accent.Render(string(markerGlyph))+" revision change")
	}
	return series, other
}

// head is the title and the legend on one line, or on two when they do
// not fit and the chart is tall enough; entries that fit nowhere are left
// out whole rather than cut.
func (m Model) head(series, other []string) []string {
	w := m.width
	fill := func(line string, entries []string) string {
		for _, e := range entries {
			if common.Width(line)+2+common.Width(e) > w {
				break
			}
			line += "  " + e
		}
		return line
	}
	all := append(append([]string(nil), series...), other...)
	one := m.title() + "  " + strings.Join(all, "  ")
	var out []string
	switch {
	case common.Width(one) <= w:
		out = []string{one}
	case m.height >= 9:
		out = []string{fill(m.title(), series), fill("", other)}
	default:
		out = []string{fill(m.title(), all)}
	}
	for i := range out {
		out[i] = common.PadRight(out[i], w)
	}
	return out
}

// level is a threshold drawn as a horizontal line.
type level struct {
	v     float64
	glyph rune
	word  string
	id    uint8
}

func (lv level) style(st styles.Styles) lipgloss.Style {
	if lv.id == idCritical {
		return st.Danger
	}
	return st.Warning
}

// levels are the thresholds worth drawing: degraded always, critical once
// the data passes degraded (or when it is the only level), so that a
// healthy chart is not squashed under a line far above it.
func (m Model) levels(dataMax float64) []level {
	t := m.threshold
	var out []level
	if t.Degraded > 0 {
		out = append(out, level{v: t.Degraded, glyph: degradedGlyph, word: "degraded", id: idDegraded})
	}
	if t.Critical > 0 && (t.Degraded <= 0 || dataMax > t.Degraded) {
		out = append(out, level{v: t.Critical, glyph: criticalGlyph, word: "critical", id: idCritical})
	}
	return out
}

// Cell kinds, each drawn in its own style.
const (
	idNone uint8 = iota
	idAxis
	idLabel
	idDegraded
	idCritical
	idMarker
	idSeries // idSeries+colour
)

// grid is the chart's cells before styling.
type grid struct {
	w, h int
	r    []rune
	id   []uint8
}

func newGrid(w, h int) *grid {
	return &grid{w: w, h: h, r: make([]rune, w*h), id: make([]uint8, w*h)}
}

func (g *grid) empty(x, y int) bool {
	return x >= 0 && x < g.w && y >= 0 && y < g.h && g.r[y*g.w+x] == 0
}

func (g *grid) set(x, y int, r rune, id uint8) {
	if x >= 0 && x < g.w && y >= 0 && y < g.h {
		g.r[y*g.w+x], g.id[y*g.w+x] = r, id
	}
}

func (g *grid) text(x, y int, s string, id uint8) {
	for _, r := range s {
		g.set(x, y, r, id)
		x++
	}
}

// plot draws the chart itself.
func (m Model) plot(ls []line, dataMax float64) string {
	w, h := m.width, m.height
	p := m.panel
	start, end := p.Range.Start, p.Range.End
	if !end.After(start) {
		start, end = pointSpan(ls)
	}
	minX, maxX := seconds(start), seconds(end)
	if maxX <= minX {
		maxX = minX + 1
	}
	lv := m.levels(dataMax)
	top := dataMax
	for _, l := range lv {
		top = max(top, l.v)
	}
	yTop := niceCeil(top * 1.15)
	var inRange []Marker
	for _, mk := range m.markers {
		if !mk.T.Before(start) && !mk.T.After(end) {
			inRange = append(inRange, mk)
		}
	}

	series, other := m.legend(ls, lv, len(inRange) > 0)
	head := m.head(series, other)
	markerRow := 0
	if len(inRange) > 0 && h-len(head)-3 >= 3 {
		markerRow = 1
	}
	plotH := h - len(head) - 2 - markerRow
	plotW := w - plotX0 - endW
	if plotH < 2 || plotW < 8 {
		return common.Fit(strings.Join(head, "\n"), w, h)
	}

	g := newGrid(w, markerRow+plotH+2)
	y0 := markerRow
	bg := graph.NewBrailleGrid(plotW, plotH, minX, maxX, 0, yTop)
	at := func(t time.Time, v float64) canvas.Point {
		return bg.GridPoint(canvas.Float64Point{X: seconds(t), Y: min(max(v, 0), yTop)})
	}
	// Revisions first, the aggregate last: it stays on top where lines cross.
	for i := len(ls) - 1; i >= 0; i-- {
		m.drawLine(g, ls[i], plotW, plotH, minX, maxX, yTop, y0)
	}
	for _, l := range lv {
		row := y0 + at(start, l.v).Y/4
		for x := plotX0; x < plotX0+plotW; x++ {
			if g.empty(x, row) || g.id[row*w+x] == idDegraded {
				g.set(x, row, l.glyph, l.id)
			}
		}
	}
	labelEnd := -1
	for _, mk := range inRange {
		col := plotX0 + at(mk.T, 0).X/2
		for y := y0; y < y0+plotH; y++ {
			if g.empty(col, y) {
				g.set(col, y, markerGlyph, idMarker)
			}
		}
		label := textsafe.String(mk.Label)
		x := min(col, w-common.Width(label))
		if x > labelEnd {
			g.text(x, 0, label, idMarker)
			labelEnd = x + common.Width(label)
		}
	}
	m.axes(g, lv, plotW, plotH, y0, yTop, start, end, at)
	m.endLabels(g, ls, plotW, plotH, y0, at)

	// Every row is exactly w cells already: no measuring.
	out := head
	wraps := m.wraps(ls)
	for y := 0; y < g.h; y++ {
		out = append(out, g.row(y, wraps))
	}
	return strings.Join(out, "\n")
}

// drawLine rasterises one series into braille dots and merges them into
// the grid. A missing sample (a gap longer than one and a half steps, or
// a NaN) breaks the line rather than bridging it.
func (m Model) drawLine(g *grid, l line, plotW, plotH int, minX, maxX, yTop float64, y0 int) {
	bg := graph.NewBrailleGrid(plotW, plotH, minX, maxX, 0, yTop)
	step := m.panel.Range.Step
	var prev canvas.Point
	var prevT time.Time
	havePrev := false
	for _, pt := range l.points {
		if !finite(pt.V) {
			havePrev = false
			continue
		}
		gp := bg.GridPoint(canvas.Float64Point{X: seconds(pt.T), Y: min(max(pt.V, 0), yTop)})
		if havePrev && (step <= 0 || pt.T.Sub(prevT) <= step*3/2) {
			for _, q := range graph.GetLinePoints(prev, gp) {
				bg.Set(q)
			}
		} else {
			bg.Set(gp)
		}
		prev, prevT, havePrev = gp, pt.T, true
	}
	id := idSeries + uint8(min(l.colour, 200))
	for y, row := range bg.BraillePatterns() {
		for x, r := range row {
			if r == 0 || r == runes.BrailleBlockOffset {
				continue
			}
			i := (y0+y)*g.w + plotX0 + x
			if old := g.r[i]; runes.IsBraillePattern(old) {
				r = runes.CombineBraillePatterns(old, r)
			}
			g.r[i], g.id[i] = r, id
		}
	}
}

// axes draws the Y axis with labels at the top, at zero and at each
// threshold (on the exact rows of their lines), and the X axis with UTC
// times at round intervals.
func (m Model) axes(g *grid, lv []level, plotW, plotH, y0 int, yTop float64, start, end time.Time, at func(time.Time, float64) canvas.Point) {
	ya := y0 + plotH
	for y := y0; y < ya; y++ {
		g.set(yLabelW, y, '│', idAxis)
	}
	g.set(yLabelW, ya, '└', idAxis)
	for x := plotX0; x < plotX0+plotW; x++ {
		g.set(x, ya, '─', idAxis)
	}
	ylabel := func(row int, v float64) {
		s := axisLabel(m.signal, v)
		if common.Width(s) > yLabelW {
			s = common.Truncate(s, yLabelW)
		}
		g.text(yLabelW-common.Width(s), row, s, idLabel)
		if row < ya {
			g.set(yLabelW, row, '┤', idAxis)
		}
	}
	ylabel(y0, yTop)
	ylabel(ya, 0)
	for _, l := range lv {
		if row := y0 + at(start, l.v).Y/4; row > y0 && row < ya {
			ylabel(row, l.v)
		}
	}

	window := end.Sub(start)
	every := tickInterval(window, plotW)
	lastEnd := -1
	for t := start.Truncate(every); !t.After(end); t = t.Add(every) {
		if t.Before(start) {
			continue
		}
		col := plotX0 + at(t, 0).X/2
		label := t.UTC().Format("15:04")
		x := col - 2
		if x <= lastEnd || x < 0 || x+len(label) > g.w {
			continue
		}
		g.set(col, ya, '┬', idAxis)
		g.text(x, ya+1, label, idLabel)
		lastEnd = x + len(label)
	}
}

// tickInterval is the roundest interval that leaves room for each label.
func tickInterval(window time.Duration, plotW int) time.Duration {
	maxTicks := max(plotW/9, 1)
	for _, d := range []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
		15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour} {
		if int(window/d) <= maxTicks {
			return d
		}
	}
	return 24 * time.Hour
}

// endLabels names each line where it ends: in the right margin, or just
// after its last dot when it stops early (an old revision's pods gone).
func (m Model) endLabels(g *grid, ls []line, plotW, plotH, y0 int, at func(time.Time, float64) canvas.Point) {
	used := map[int]bool{}
	for _, l := range ls {
		var last metrics.Point
		ok := false
		for i := len(l.points) - 1; i >= 0; i-- {
			if finite(l.points[i].V) {
				last, ok = l.points[i], true
				break
			}
		}
		if !ok {
			continue
		}
		gp := at(last.T, last.V)
		row, col := y0+gp.Y/4, plotX0+gp.X/2
		id := idSeries + uint8(min(l.colour, 200))
		if col < plotX0+plotW-len(l.short)-2 && g.emptyRun(col+1, row, len(l.short)+1) {
			g.text(col+2, row, l.short, id)
			continue
		}
		for _, d := range []int{0, -1, 1, -2, 2} {
			r := row + d
			if r < y0 || r >= y0+plotH || used[r] {
				continue
			}
			used[r] = true
			g.text(plotX0+plotW+1, r, common.Truncate(l.short, endW-1), id)
			break
		}
	}
}

func (g *grid) emptyRun(x, y, n int) bool {
	for i := range n {
		if !g.empty(x+i, y) {
			return false
		}
	}
	return true
}

// wrap is a style as the escape sequences around its text, taken once per
// frame: styling each run of a row through lipgloss measured and copied
// every run again, a third of the frame's cost.
type wrap struct{ pre, post string }

func wrapOf(s lipgloss.Style) wrap {
	out := s.Render("X")
	i := strings.Index(out, "X")
	if i < 0 {
		return wrap{}
	}
	return wrap{pre: out[:i], post: out[i+1:]}
}

// wraps are the styles of every kind of cell in this frame.
func (m Model) wraps(ls []line) map[uint8]wrap {
	st := m.c.Styles
	out := map[uint8]wrap{
		idNone: {}, idAxis: wrapOf(st.Muted), idLabel: wrapOf(st.Muted),
		idDegraded: wrapOf(st.Warning), idCritical: wrapOf(st.Danger), idMarker: wrapOf(st.Accent),
	}
	for _, l := range ls {
		id := idSeries + uint8(min(l.colour, 200))
		out[id] = wrapOf(m.seriesStyle(l.colour))
	}
	return out
}

// row renders one grid row, one styled run per kind of cell.
func (g *grid) row(y int, wraps map[uint8]wrap) string {
	var b strings.Builder
	b.Grow(g.w * 4)
	cur, open := uint8(255), false
	for x := 0; x < g.w; x++ {
		i := y*g.w + x
		r, id := g.r[i], g.id[i]
		if r == 0 {
			r, id = ' ', idNone
		}
		if id != cur {
			if open {
				b.WriteString(wraps[cur].post)
			}
			cur = id
			b.WriteString(wraps[cur].pre)
			open = true
		}
		b.WriteRune(r)
	}
	if open {
		b.WriteString(wraps[cur].post)
	}
	return b.String()
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// pointSpan is the time span of the samples (a panel without a range).
func pointSpan(ls []line) (time.Time, time.Time) {
	var a, b time.Time
	for _, l := range ls {
		for _, p := range l.points {
			if a.IsZero() || p.T.Before(a) {
				a = p.T
			}
			if p.T.After(b) {
				b = p.T
			}
		}
	}
	return a, b
}
