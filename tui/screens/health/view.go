package health

import (
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/healthgraph"
)

// headLines are the title, the verdict and where its data comes from.
const headLines = 3

// Chart heights: the least that shows a line with its axes, what a chart
// is given by default, and the most worth giving it.
const (
	minChartH  = 7
	chartH     = 9
	maxChartH  = 12
	detailRows = 2 // under the evidence table: the selection's reason and query
	gap        = 2 // between charts side by side
)

// frame is where things go at the current size.
type frame struct {
	cols, chartW, chartH int
	chartRows            int // chart rows on screen
	tableH               int // evidence table lines (heading, rows, details)
	alertH               int
}

func (s Screen) frame() frame {
	n := len(s.panels)
	f := frame{cols: 1}
	if s.width >= 110 && n > 1 {
		f.cols = 2
	}
	f.chartW = max((s.width-(f.cols-1)*gap)/f.cols, 0)
	avail := max(s.height-headLines, 0)
	if s.details {
		f.cols, f.chartW, f.chartH = 1, s.width, s.detailChartH
		if f.chartH > 0 {
			f.chartRows = 1
		}
		return f
	}
	f.alertH = s.alertLines()
	tableFull := 1 + n + detailRows
	if n == 0 {
		tableFull = 0
	}
	rowsWanted := (n + f.cols - 1) / f.cols
	space := avail - tableFull - f.alertH
	switch {
	case rowsWanted == 0:
	case space >= minChartH:
		f.chartRows = min(rowsWanted, max(space/chartH, 1))
		f.chartH = min(maxChartH, space/f.chartRows)
	case avail-f.alertH-4 >= minChartH:
		// The charts first; the table scrolls around the selection.
		f.chartRows, f.chartH = 1, minChartH
	}
	f.tableH = min(tableFull, max(avail-f.chartRows*f.chartH-f.alertH, 0))
	f.alertH = min(f.alertH, max(avail-f.chartRows*f.chartH-f.tableH, 0))
	return f
}

func (s Screen) alertLines() int {
	if s.deps.Health == nil || !s.detected {
		return 0
	}
	n := len(s.alerts.list)
	if !s.alerts.fetched || s.alerts.err != nil || n == 0 {
		return 1
	}
	return 1 + min(n, 3)
}

func (s Screen) chartWidth() int { return s.frame().chartW }

// tableRows is the range of evidence rows on screen.
func (s Screen) tableRows(f frame) (from, to int) {
	rows := max(f.tableH-1-detailRows, 0)
	if f.tableH > 0 && rows == 0 {
		rows = 1
	}
	n := len(s.panels)
	if n <= rows {
		return 0, n
	}
	from = max(0, min(s.cursor-rows/2, n-rows))
	return from, from + rows
}

// visible reports whether panel i is on screen, as a chart or as an
// evidence row: only those are queried.
func (s Screen) visible(i int) bool {
	f := s.frame()
	if s.details {
		return i == s.cursor
	}
	if row := i / f.cols; row >= s.offset && row < s.offset+f.chartRows {
		return true
	}
	from, to := s.tableRows(f)
	return i >= from && i < to
}

// sizeCharts sizes the charts and scrolls the selected one into view. In
// the details view the evidence comes first; the chart gets what is left.
func (s *Screen) sizeCharts() {
	s.detailChartH = 0
	if s.details && s.cursor < len(s.panels) {
		left := s.height - headLines - len(s.evidence(s.panels[s.cursor]))
		if left >= minChartH {
			s.detailChartH = min(left, maxChartH+2)
		}
	}
	f := s.frame()
	if f.chartRows > 0 && !s.details {
		row := s.cursor / f.cols
		if row < s.offset {
			s.offset = row
		}
		if row >= s.offset+f.chartRows {
			s.offset = row - f.chartRows + 1
		}
	}
	rows := (len(s.panels) + f.cols - 1) / f.cols
	s.offset = max(min(s.offset, rows-f.chartRows), 0)
	for i := range s.panels {
		p := &s.panels[i]
		p.chart.SetSize(f.chartW, f.chartH)
		p.chart.SetSelected(i == s.cursor)
	}
}

// View renders the screen.
func (s Screen) View() string {
	if s.width <= 0 || s.height <= 0 {
		return ""
	}
	lines := []string{s.titleLine(), s.verdictLine(), s.sourceLine()}
	if msg := s.notice(); msg != "" {
		// Nothing to plot: the reason, whole.
		lines = lines[:1]
		for _, l := range strings.Split(ansi.Wrap(msg, max(s.width-2, 1), ""), "\n") {
			lines = append(lines, l)
		}
		return common.Fit(strings.Join(lines, "\n"), s.width, s.height)
	}
	f := s.frame()
	if s.details && s.cursor < len(s.panels) {
		lines = append(lines, s.evidence(s.panels[s.cursor])...)
		if f.chartRows > 0 {
			lines = append(lines, s.panels[s.cursor].chart.View())
		}
		return common.Fit(strings.Join(lines, "\n"), s.width, s.height)
	}
	for r := s.offset; r < s.offset+f.chartRows; r++ {
		lines = append(lines, s.chartRow(r, f))
	}
	if f.tableH > 0 {
		lines = append(lines, s.table(f)...)
	}
	if f.alertH > 0 {
		lines = append(lines, s.alertBlock(f.alertH)...)
	}
	return common.Fit(strings.Join(lines, "\n"), s.width, s.height)
}

func (s Screen) titleLine() string {
	st := s.c.Styles
	left := st.Title.Render("Health of "+textsafe.String(s.ref.String())) + st.Muted.Render(" · namespace "+textsafe.String(s.ref.Namespace))
	var ws []string
	for _, w := range Windows() {
		if w == s.window {
			ws = append(ws, st.Accent.Render("["+windowLabel(w)+"]"))
		} else {
			ws = append(ws, st.Muted.Render(windowLabel(w)))
		}
	}
	right := st.Muted.Render("window ") + strings.Join(ws, " ") + st.Muted.Render(" · UTC")
	if s.width-common.Width(left)-common.Width(right) < 2 {
		// Narrow: the window shown matters more than the namespace.
		right = st.Accent.Render("[" + windowLabel(s.window) + "]")
		left = common.Truncate(left, max(s.width-common.Width(right)-1, 0))
	}
	space := max(s.width-common.Width(left)-common.Width(right), 1)
	return common.Truncate(left+strings.Repeat(" ", space)+right, s.width)
}

// windowLabel names a window as people say it: 15m, 1h, 6h, 24h.
func windowLabel(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return metrics.ShortDuration(d)
}

func stateStyle(s Screen, state metrics.State) lipgloss.Style {
	st := s.c.Styles
	switch state {
	case metrics.Healthy:
		return st.Success
	case metrics.Degraded:
		return st.Warning
	case metrics.Critical:
		return st.Danger
	}
	return st.Muted
}

func stateText(state metrics.State) string { return state.Glyph() + " " + state.String() }

// notice is what the screen says instead of charts when there is nothing
// to plot: no source configured, or a source that does not answer.
func (s Screen) notice() string {
	st := s.c.Styles
	switch {
	case s.deps.Health == nil:
		return st.Warning.Render(stateText(metrics.Unknown)) + "  " + textsafe.String(s.c.NoPrometheus())
	case !s.detected && s.detectErr != nil:
		return st.Warning.Render(stateText(metrics.Unknown)) + "  " + textsafe.String(s.detectErr.Error()) +
			st.Muted.Render(" · asking again every "+metrics.ShortDuration(s.deps.Refresh()))
	}
	return ""
}

func (s Screen) verdictLine() string {
	st := s.c.Styles
	var line string
	switch {
	case s.notice() != "":
		line = s.notice()
	case !s.detected:
		line = st.Muted.Render("… finding which metrics " + textsafe.String(s.ref.Name) + " exports (" + textsafe.String(s.deps.Health.Source.Name()) + ")")
	case s.verdict == nil:
		line = st.Muted.Render("… querying " + textsafe.String(s.deps.Health.Source.Name()))
	default:
		v := s.verdict
		line = stateStyle(s, v.State).Render(stateText(v.State)) + "  " + textsafe.String(v.Reason)
	}
	return common.Truncate(line, s.width)
}

// sourceLine says where the data comes from and how old it is.
func (s Screen) sourceLine() string {
	if s.deps.Health == nil {
		return ""
	}
	meta := "source " + textsafe.String(s.deps.Health.Source.Name())
	switch {
	case s.preset != "":
		meta += " · preset " + textsafe.String(s.preset)
	case s.detected && s.detectErr != nil:
		meta += " · " + textsafe.String(s.detectErr.Error())
	}
	if at, ok := s.oldestFetch(); ok {
		meta += " · data " + common.Age(s.c.Now(), at) + " old"
	}
	if !s.lastRefresh.IsZero() {
		meta += " · every " + metrics.ShortDuration(s.deps.Refresh())
	}
	return common.Truncate(s.c.Styles.Muted.Render(meta), s.width)
}

// oldestFetch is when the least recent answer on screen was fetched: the
// data is at least this old.
func (s Screen) oldestFetch() (time.Time, bool) {
	var at time.Time
	for _, p := range s.panels {
		if p.panel != nil && !p.panel.Fetched.IsZero() && (at.IsZero() || p.panel.Fetched.Before(at)) {
			at = p.panel.Fetched
		}
	}
	return at, !at.IsZero()
}

// chartRow draws chart row r: one or two charts side by side.
func (s Screen) chartRow(r int, f frame) string {
	blank := strings.Repeat(" ", f.chartW)
	cols := make([][]string, f.cols)
	for c := range f.cols {
		i := r*f.cols + c
		if i < len(s.panels) {
			cols[c] = strings.Split(s.panels[i].chart.View(), "\n")
		}
	}
	out := make([]string, f.chartH)
	for y := range out {
		var b strings.Builder
		for c := range f.cols {
			if c > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			if y < len(cols[c]) {
				b.WriteString(cols[c][y])
			} else {
				b.WriteString(blank)
			}
		}
		out[y] = b.String()
	}
	return strings.Join(out, "\n")
}

// result is a signal's evidence as the table shows it.
type result struct {
	metrics.SignalResult
	known bool // evaluated (else waiting for the first answer)
}

func (s Screen) result(sig metrics.Signal) result {
	if s.verdict != nil {
		for _, r := range s.verdict.Signals {
			if r.Signal == sig {
				return result{SignalResult: r, known: true}
			}
		}
	}
	return result{SignalResult: metrics.SignalResult{Signal: sig, Threshold: s.thresholds()[sig]}}
}

// judged reports whether the signal counts toward the verdict.
func judged(t metrics.Threshold) bool { return t.Degraded > 0 || t.Critical > 0 }

func thresholdText(sig metrics.Signal, t metrics.Threshold) string {
	if !judged(t) {
		return "—"
	}
	var parts []string
	if t.Degraded > 0 {
		parts = append(parts, ">"+metrics.FormatValue(sig, t.Degraded))
	}
	if t.Critical > 0 {
		parts = append(parts, ">"+metrics.FormatValue(sig, t.Critical))
	}
	out := strings.Join(parts, " / ")
	if t.For > 0 {
		out += " for " + metrics.ShortDuration(t.For)
	}
	return out
}

// Evidence table columns.
const (
	sigW    = 14
	stateW  = 12
	valueW  = 11
	threshW = 20
	ageW    = 5
)

// table is the evidence: per signal its state, value, threshold, sample
// age and query, then the selected signal's reason and full query.
func (s Screen) table(f frame) []string {
	st := s.c.Styles
	withThresh := s.width >= 90
	fixed := 2 + sigW + 1 + stateW + 1 + valueW + 1 + ageW + 1
	if withThresh {
		fixed += threshW + 1
	}
	queryW := max(s.width-fixed, 0)
	row := func(cursor, sig, state, value, thresh, age, query string) string {
		out := cursor + common.PadRight(sig, sigW) + " " + common.PadRight(state, stateW) + " " + common.PadRight(value, valueW) + " "
		if withThresh {
			out += common.PadRight(thresh, threshW) + " "
		}
		return out + common.PadRight(age, ageW) + " " + common.Truncate(query, queryW)
	}
	out := []string{st.Header.Render(row("  ", "SIGNAL", "STATE", "VALUE", "DEGRADED/CRIT", "AGE", "QUERY"))}
	from, to := s.tableRows(f)
	for i := from; i < to; i++ {
		p := s.panels[i]
		r := s.result(p.signal)
		state, value, age, query := "… querying", "", "", ""
		style := st.Muted
		if r.known {
			state, style = stateText(r.State), stateStyle(s, r.State)
			if r.State == metrics.Healthy && !judged(r.Threshold) {
				state, style = "· shown", st.Muted
			}
			if r.HasValue {
				value = metrics.FormatValue(p.signal, r.Value)
			} else {
				value = "—"
			}
			age = common.Age(s.c.Now(), r.SampledAt)
			if r.SampledAt.IsZero() {
				age = "—"
			}
			query = textsafe.String(r.Query)
		}
		cursor := "  "
		if i == s.cursor {
			cursor = "▸ "
		}
		if i == s.cursor {
			line := row(cursor, p.signal.Label(), state, value, thresholdText(p.signal, r.Threshold), age, query)
			out = append(out, st.Selected.Render(common.PadRight(line, s.width)))
			continue
		}
		// Off the selection the state column carries the state's style.
		line := row(cursor, p.signal.Label(), style.Render(common.PadRight(state, stateW)), value, thresholdText(p.signal, r.Threshold), age, query)
		out = append(out, line)
	}
	if len(out) < f.tableH {
		out = append(out, s.selectionDetail(f.tableH-len(out))...)
	}
	return out
}

// selectionDetail is the selected signal's reason and its full query,
// wrapped, in n lines.
func (s Screen) selectionDetail(n int) []string {
	if s.cursor >= len(s.panels) || n <= 0 {
		return nil
	}
	st := s.c.Styles
	p := s.panels[s.cursor]
	r := s.result(p.signal)
	var out []string
	if !r.known {
		return []string{st.Muted.Render("  " + p.signal.Label() + ": waiting for the first answer")}
	}
	why := r.Reason
	if why == "" {
		why = "within its thresholds"
		if !judged(r.Threshold) {
			why = "shown, not judged (no threshold)"
		}
	}
	meta := ""
	if r.Preset != "" {
		meta = " · preset " + r.Preset
	}
	out = append(out, "  "+stateStyle(s, r.State).Render(p.signal.Label()+": "+textsafe.String(why))+st.Muted.Render(meta))
	if n > 1 && r.Query != "" {
		q := strings.Split(ansi.Hardwrap("query: "+textsafe.String(r.Query), max(s.width-2, 1), true), "\n")
		if len(q) > n-1 {
			q = q[:n-1]
			q[len(q)-1] = common.Truncate(q[len(q)-1]+"  (enter: all of it)", max(s.width-2, 1))
			if !strings.HasSuffix(q[len(q)-1], "(enter: all of it)") {
				q[len(q)-1] = common.Truncate(q[len(q)-1], max(s.width-3, 1))
			}
		}
		for _, l := range q {
			out = append(out, "  "+st.Muted.Render(l))
		}
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// alertBlock lists the firing alerts that match the workload.
func (s Screen) alertBlock(n int) []string {
	st := s.c.Styles
	switch {
	case !s.alerts.fetched:
		return []string{st.Muted.Render("… alerts: querying")}
	case s.alerts.err != nil:
		return []string{st.Warning.Render("? alerts not checked: ") + textsafe.String(s.alerts.err.Error())}
	case len(s.alerts.list) == 0:
		return []string{st.Muted.Render("✓ no firing alerts for this workload")}
	}
	out := []string{st.Bold.Render("Firing alerts (" + strconv.Itoa(len(s.alerts.list)) + ")")}
	for i, a := range s.alerts.list {
		if len(out) >= n {
			break
		}
		if i == n-2 && len(s.alerts.list) > n-1 {
			out = append(out, st.Muted.Render("  … and "+strconv.Itoa(len(s.alerts.list)-i)+" more"))
			break
		}
		out = append(out, "  "+s.alertLine(a))
	}
	return out
}

func (s Screen) alertLine(a metrics.Alert) string {
	st := s.c.Styles
	name := a.Name
	if name == "" {
		name = a.Labels["alertname"]
	}
	sev := a.Labels["severity"]
	glyph, style := "!", st.Warning
	if sev == "critical" || sev == "page" {
		glyph, style = "✗", st.Danger
	}
	line := style.Render(glyph+" "+textsafe.String(name)) + st.Muted.Render(" "+a.State)
	if sev != "" {
		line += st.Muted.Render(" · severity " + textsafe.String(sev))
	}
	if !a.ActiveAt.IsZero() {
		line += st.Muted.Render(" · since " + common.Age(s.c.Now(), a.ActiveAt))
	}
	for _, k := range []string{"summary", "description"} {
		if v := a.Annotations[k]; v != "" {
			line += "  " + textsafe.String(v)
			break
		}
	}
	return line
}

// evidence is the selected signal in full: everything the verdict used.
func (s Screen) evidence(p panelState) []string {
	st := s.c.Styles
	r := s.result(p.signal)
	label := func(k string) string { return st.Muted.Render(common.PadRight(k, 11)) }
	wrap := func(k, v string) []string {
		lines := strings.Split(ansi.Hardwrap(v, max(s.width-11, 1), true), "\n")
		out := []string{label(k) + lines[0]}
		for _, l := range lines[1:] {
			out = append(out, strings.Repeat(" ", 11)+l)
		}
		return out
	}
	out := []string{st.Bold.Render(healthgraph.Title(p.signal)) + st.Muted.Render("  (esc or enter: back to every signal)")}
	if !r.known {
		return append(out, st.Muted.Render("… waiting for the first answer"))
	}
	state := stateStyle(s, r.State).Render(stateText(r.State))
	if r.Reason != "" {
		state += "  " + textsafe.String(r.Reason)
	}
	out = append(out, label("state")+state)
	value := "—"
	if r.HasValue {
		value = metrics.FormatValue(p.signal, r.Value)
	}
	if !r.SampledAt.IsZero() {
		value += st.Muted.Render("  sampled " + r.SampledAt.UTC().Format("15:04:05 UTC") + " (" + common.Age(s.c.Now(), r.SampledAt) + " ago)")
	}
	out = append(out, label("value")+value, label("threshold")+thresholdText(p.signal, r.Threshold))
	if p.panel != nil {
		q := p.panel.Query
		src := "preset " + textsafe.String(q.Preset)
		if q.Rate > 0 {
			src += " · rate() over " + metrics.ShortDuration(q.Rate)
		}
		if rg := p.panel.Range; !rg.End.IsZero() {
			src += " · " + rg.Start.UTC().Format("15:04") + "–" + rg.End.UTC().Format("15:04 UTC") + " every " + metrics.ShortDuration(rg.Step)
		}
		out = append(out, label("source")+src, label("query"))
		// At full width, unindented: fewer lines, and easier to copy.
		out = append(out, strings.Split(ansi.Hardwrap(textsafe.String(q.Expr), max(s.width, 1), true), "\n")...)
		if p.panel.Err != nil {
			out = append(out, wrap("error", textsafe.String(p.panel.Err.Error()))...)
		}
	}
	return out
}
