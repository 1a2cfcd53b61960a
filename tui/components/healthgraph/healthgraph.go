// Package healthgraph draws one health panel (a signal's series over a
// window) as a braille line chart: one line per series (the whole
// workload and each revision, labelled "all", "r6"), the threshold lines,
// a vertical marker at each revision change, a Y axis in the signal's unit
// and an X axis in UTC times. Nothing depends on colour alone: every line
// is named at its right end and in the legend, thresholds and markers have
// their own glyphs.
//
// A failed panel shows Prometheus' message, an empty one says there is no
// data, and one whose samples are all NaN or infinite says so, instead of
// a chart that would look healthy.
//
// The braille rasterising (dot grid, line points, pattern merging) is
// ntcharts'; the layout is drawn here because the chart needs gaps where
// samples are missing, labels on the exact rows of the dots they name,
// and a frame cheap enough to redraw on every key press (ntcharts' own
// line chart styles each cell separately, several milliseconds per panel).
package healthgraph

import (
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/tui/common"
)

// Marker is a vertical line at a moment, such as a revision's rollout
// start, with a short label ("r6").
type Marker struct {
	T     time.Time
	Label string
}

// Model is one panel's chart. It has no messages of its own: the screen
// that owns it sets the panel it fetched.
type Model struct {
	c             *common.Common
	signal        metrics.Signal
	width, height int
	panel         *metrics.Panel
	threshold     metrics.Threshold
	markers       []Marker
	selected      bool
	cache         *renderCache
}

// renderCache keeps the last frame: panels change every few seconds,
// frames are drawn on every key press.
type renderCache struct {
	key cacheKey
	out string
	ok  bool
}

type cacheKey struct {
	profile colorprofile.Profile
	dark    bool
	theme   string
}

// New returns a chart for a signal, waiting for its first panel.
func New(c *common.Common, s metrics.Signal) Model {
	return Model{c: c, signal: s, cache: &renderCache{}}
}

// Signal is the signal drawn.
func (m Model) Signal() metrics.Signal { return m.signal }

// SetSize sets the chart's size in cells, legend and axes included.
func (m *Model) SetSize(w, h int) {
	if w != m.width || h != m.height {
		m.width, m.height = max(w, 0), max(h, 0)
		m.cache = &renderCache{}
	}
}

// SetPanel sets the data to draw.
func (m *Model) SetPanel(p metrics.Panel) {
	m.panel = &p
	m.cache = &renderCache{}
}

// Panel is the data drawn, if any has been set.
func (m Model) Panel() (metrics.Panel, bool) {
	if m.panel == nil {
		return metrics.Panel{}, false
	}
	return *m.panel, true
}

// SetThreshold sets the levels drawn as horizontal lines.
func (m *Model) SetThreshold(t metrics.Threshold) {
	m.threshold = t
	m.cache = &renderCache{}
}

// SetMarkers sets the vertical markers; those outside the panel's range
// are not drawn.
func (m *Model) SetMarkers(ms []Marker) {
	m.markers = ms
	m.cache = &renderCache{}
}

// SetSelected marks the chart as the selected one (a "▸" before its title).
func (m *Model) SetSelected(b bool) {
	if b != m.selected {
		m.selected = b
		m.cache = &renderCache{}
	}
}

// View is the chart at its size, exactly width×height cells.
func (m Model) View() string {
	st := m.c.Styles
	key := cacheKey{profile: st.Profile, dark: st.Dark, theme: st.Theme.Name}
	if m.cache != nil && m.cache.ok && m.cache.key == key {
		return m.cache.out
	}
	out := m.render()
	if m.cache != nil {
		*m.cache = renderCache{key: key, out: out, ok: true}
	}
	return out
}

// Geometry of a chart: the Y labels, the axis, the plot, and a margin on
// the right where each line's name is written at its last value.
const (
	yLabelW = 6
	plotX0  = yLabelW + 1
	endW    = 4
)

// Points is how many samples a chart of this width can show: two per
// plot cell (braille has two dot columns per cell). Query steps come from
// it, so a query never returns more points than the chart can draw.
func Points(width int) int {
	return max(width-plotX0-endW, 1) * 2
}
