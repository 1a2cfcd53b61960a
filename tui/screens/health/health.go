// Package health is a workload's health screen (h from the finder or the
// history): the verdict with its reason, a chart per signal over a window
// (15m, 1h, 6h, 24h) with a line per revision, the thresholds and a marker
// at every revision change, the evidence behind each signal (query,
// value, threshold, sample age, state) and the firing alerts.
//
// Every query runs in a command. A refresh asks once per panel on screen
// (a chart or an evidence row), never twice for a panel still waiting for
// its answer; answers carry the window generation and a sequence number,
// and any answer to an older question is dropped. A slow or dead
// Prometheus therefore delays data, never keys.
package health

import (
	"context"
	"slices"
	"strconv"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/healthgraph"
)

// Windows are the spans the screen plots, in the order w cycles them.
func Windows() []time.Duration {
	return []time.Duration{15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}
}

// DefaultWindow is the window the screen opens with.
const DefaultWindow = time.Hour

// Screen is one workload's health.
type Screen struct {
	c             *common.Common
	deps          common.Deps
	ref           rollout.Ref
	token         string
	width, height int

	// From the workload's history: revision names and live windows.
	target  metrics.Target
	uid     types.UID
	windows []rollout.LiveWindow
	histErr error
	histSeq int

	// Detection of the preset (which metric conventions apply).
	detectSeq int
	detecting bool
	detected  bool
	preset    string
	detectErr error
	detectAt  time.Time

	window time.Duration
	// gen changes with the window and with each detection: answers of
	// another generation are dropped.
	gen     int
	panels  []panelState
	alerts  alertState
	verdict *metrics.Verdict
	// lastRefresh is when the last refresh was issued.
	lastRefresh time.Time

	cursor  int // the selected signal
	offset  int // the first chart row on screen
	details bool
	// detailChartH is the chart's height in the details view (0: none).
	detailChartH int
}

// panelState is one signal's chart and its newest answer.
type panelState struct {
	signal   metrics.Signal
	chart    healthgraph.Model
	panel    *metrics.Panel
	seq      int
	inflight bool
}

type alertState struct {
	list     []metrics.Alert
	err      error
	fetched  bool
	seq      int
	inflight bool
}

// New returns the screen and its first command: read the history and
// detect the metric preset. Without a metrics source it only says how to
// configure one.
func New(deps common.Deps, c *common.Common, ref rollout.Ref) (Screen, tea.Cmd) {
	if deps.Ctx == nil {
		deps.Ctx = context.Background()
	}
	s := Screen{
		c: c, deps: deps, ref: ref, window: DefaultWindow,
		token:  ref.String() + "@" + ref.Namespace + "@" + strconv.FormatInt(c.Now().UnixNano(), 10),
		target: metrics.Target{Namespace: ref.Namespace, Kind: string(ref.Kind), Name: ref.Name},
	}
	if deps.Health == nil {
		return s, nil
	}
	return s, s.detect()
}

// Window is the span plotted.
func (s Screen) Window() time.Duration { return s.window }

// Signals are the signals shown, in order.
func (s Screen) Signals() []metrics.Signal {
	out := make([]metrics.Signal, len(s.panels))
	for i, p := range s.panels {
		out[i] = p.signal
	}
	return out
}

// Verdict is the verdict shown, if any.
func (s Screen) Verdict() (metrics.Verdict, bool) {
	if s.verdict == nil {
		return metrics.Verdict{}, false
	}
	return *s.verdict, true
}

// Panel is the newest answer for a signal in the current window.
func (s Screen) Panel(sig metrics.Signal) (metrics.Panel, bool) {
	for _, p := range s.panels {
		if p.signal == sig && p.panel != nil {
			return *p.panel, true
		}
	}
	return metrics.Panel{}, false
}

// Selected is the selected signal ("" before detection).
func (s Screen) Selected() metrics.Signal {
	if s.cursor < len(s.panels) {
		return s.panels[s.cursor].signal
	}
	return ""
}

// Title names the screen.
func (s Screen) Title() string { return "health of " + textsafe.String(s.ref.String()) }

// Workload is the workload judged.
func (s Screen) Workload() rollout.Ref { return s.ref }

// KeyMap is for help and the footer.
func (s Screen) KeyMap() help.KeyMap { return s.c.Keys.Health }

// CapturesInput is false: no text field.
func (s Screen) CapturesInput() bool { return false }

// SetSize sets the body area. Panels that come into view are queried on
// the next tick.
func (s Screen) SetSize(w, h int) common.Screen {
	s.width, s.height = max(w, 0), max(h, 0)
	s.sizeCharts()
	return s
}

// Commands lists palette entries.
func (s Screen) Commands() []common.Command {
	k := s.c.Keys.Health
	var out []common.Command
	for i, w := range Windows() {
		if w != s.window {
			b := []key.Binding{k.Window15m, k.Window1h, k.Window6h, k.Window24h}[i]
			out = append(out, common.Command{Title: "Show the last " + metrics.ShortDuration(w), Keys: b.Help().Key, Msg: windowMsg{w}})
		}
	}
	if sig := s.Selected(); sig != "" {
		title := "Show the full evidence of " + sig.Label()
		if s.details {
			title = "Back to the charts"
		}
		out = append(out, common.Command{Title: title, Keys: k.Details.Help().Key, Msg: detailsMsg{}})
	}
	return append(out, common.Command{Title: "Back", Keys: s.c.Keys.Global.Back.Help().Key, Msg: common.BackMsg{}})
}

type windowMsg struct{ w time.Duration }
type detailsMsg struct{}

// Update handles answers, ticks, cluster changes and keys.
func (s Screen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case DetectedMsg:
		if msg.token == s.token && msg.seq == s.detectSeq {
			return s.detectedMsg(msg)
		}
	case HistoryMsg:
		if msg.token == s.token && msg.seq == s.histSeq {
			s.setHistory(msg.Target, msg.UID, msg.Windows, msg.Err)
		}
	case PanelMsg:
		if msg.token == s.token {
			s.answered(msg)
		}
	case AlertsMsg:
		if msg.token == s.token && msg.seq == s.alerts.seq {
			s.alerts = alertState{list: msg.Alerts, err: msg.Err, fetched: true, seq: s.alerts.seq}
			s.evaluate()
			s.sizeCharts() // the alert list takes its lines from the charts'
			return s, s.fetchMissing()
		}
	case common.TickMsg:
		return s, s.tick()
	case common.ClusterChangedMsg:
		if s.deps.Health != nil && msg.Touches(s.ref, s.uid) {
			return s, s.readHistory()
		}
	case windowMsg:
		return s.setWindow(msg.w)
	case detailsMsg:
		s.details = !s.details
		s.sizeCharts()
		return s, s.fetchMissing()
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return s, nil
}

func (s Screen) key(msg tea.KeyPressMsg) (common.Screen, tea.Cmd) {
	k := s.c.Keys.Health
	ws := Windows()
	switch {
	case key.Matches(msg, k.Up):
		return s.move(-1)
	case key.Matches(msg, k.Down):
		return s.move(1)
	case key.Matches(msg, k.Details):
		if len(s.panels) > 0 {
			s.details = !s.details
			s.sizeCharts()
			return s, s.fetchMissing()
		}
	case key.Matches(msg, k.NextWindow):
		i := slices.Index(ws, s.window)
		return s.setWindow(ws[(i+1)%len(ws)])
	case key.Matches(msg, k.Window15m):
		return s.setWindow(ws[0])
	case key.Matches(msg, k.Window1h):
		return s.setWindow(ws[1])
	case key.Matches(msg, k.Window6h):
		return s.setWindow(ws[2])
	case key.Matches(msg, k.Window24h):
		return s.setWindow(ws[3])
	case key.Matches(msg, s.c.Keys.Global.Back):
		if s.details {
			s.details = false
			s.sizeCharts()
			return s, s.fetchMissing()
		}
		return s, func() tea.Msg { return common.BackMsg{} }
	}
	return s, nil
}

// move selects another signal and brings its chart into view; a panel
// that comes into view for the first time is queried now.
func (s Screen) move(d int) (common.Screen, tea.Cmd) {
	if len(s.panels) == 0 {
		return s, nil
	}
	s.cursor = max(min(s.cursor+d, len(s.panels)-1), 0)
	s.sizeCharts()
	return s, s.fetchMissing()
}

// setWindow switches the window: what was drawn belongs to the old one,
// so it goes, and the panels on screen are asked again at once.
func (s Screen) setWindow(w time.Duration) (common.Screen, tea.Cmd) {
	if w == s.window {
		return s, nil
	}
	s.window = w
	s.gen++
	s.panels = slices.Clone(s.panels)
	for i := range s.panels {
		p := &s.panels[i]
		p.panel, p.inflight = nil, false
		p.chart = healthgraph.New(s.c, p.signal)
	}
	s.sizeCharts()
	s.setMarkers()
	return s, s.fetchMissing()
}

// tick refreshes once the refresh interval has passed since the last
// refresh, retries a failed detection as often, and queries panels that
// came into view without an answer (after a resize).
func (s *Screen) tick() tea.Cmd {
	if s.deps.Health == nil {
		return nil
	}
	now := s.c.Now()
	due := now.Sub(s.lastRefresh) >= s.deps.Refresh()
	switch {
	case !s.detected:
		if due && !s.detecting {
			s.lastRefresh = now
			return s.detect()
		}
		return nil
	case due:
		return s.refresh()
	}
	return s.fetchMissing()
}

// refresh asks again for every panel on screen that is not waiting for an
// answer already, and for the alerts.
func (s *Screen) refresh() tea.Cmd {
	s.lastRefresh = s.c.Now()
	var cmds []tea.Cmd
	s.panels = slices.Clone(s.panels)
	planned := s.newPlan()
	for i := range s.panels {
		if s.visible(i) && !s.panels[i].inflight {
			cmds = append(cmds, s.fetch(i, planned))
		}
	}
	if !s.alerts.inflight {
		cmds = append(cmds, s.fetchAlerts())
	}
	return tea.Batch(cmds...)
}

// fetchMissing asks for panels on screen that have no answer for this
// window and are not waiting for one.
func (s *Screen) fetchMissing() tea.Cmd {
	if s.deps.Health == nil || !s.detected {
		return nil
	}
	var cmds []tea.Cmd
	s.panels = slices.Clone(s.panels)
	planned := s.newPlan()
	for i := range s.panels {
		if s.visible(i) && s.panels[i].panel == nil && !s.panels[i].inflight {
			cmds = append(cmds, s.fetch(i, planned))
		}
	}
	return tea.Batch(cmds...)
}

func (s Screen) detectedMsg(msg DetectedMsg) (common.Screen, tea.Cmd) {
	s.detecting = false
	s.setHistory(msg.Target, msg.UID, msg.Windows, msg.HistErr)
	s.detectAt = s.c.Now()
	if msg.Unreachable {
		// Prometheus did not answer: nothing to plot; the tick tries again.
		s.detected, s.detectErr = false, msg.Err
		s.evaluate()
		return s, nil
	}
	s.detected, s.preset, s.detectErr = true, msg.Preset, msg.Err
	s.gen++
	old := s.panels
	s.panels = nil
	for _, sig := range msg.Signals {
		p := panelState{signal: sig, chart: healthgraph.New(s.c, sig)}
		for _, o := range old {
			if o.signal == sig {
				p.chart = o.chart // keep drawing the last answer until the next
			}
		}
		s.panels = append(s.panels, p)
	}
	s.cursor = min(s.cursor, max(len(s.panels)-1, 0))
	s.sizeCharts()
	s.setMarkers()
	return s, s.refresh()
}

func (s *Screen) answered(msg PanelMsg) {
	if msg.gen != s.gen || msg.window != s.window {
		return // another window's or another detection's answer
	}
	for i := range s.panels {
		if s.panels[i].signal != msg.Panel.Signal || s.panels[i].seq != msg.seq {
			continue
		}
		s.panels = slices.Clone(s.panels)
		p := &s.panels[i]
		panel := msg.Panel
		p.panel, p.inflight = &panel, false
		p.chart.SetPanel(panel)
		s.evaluate()
		if s.details {
			s.sizeCharts() // the evidence may have grown (an error)
		}
		return
	}
}

// evaluate judges what has arrived for this window. The verdict of the
// previous window stays until the first answer of the new one.
func (s *Screen) evaluate() {
	var panels []metrics.Panel
	for _, p := range s.panels {
		if p.panel != nil {
			panels = append(panels, *p.panel)
		}
	}
	if len(panels) == 0 {
		return
	}
	source := s.deps.Health.Source.Name()
	var alerts []metrics.Alert
	if s.alerts.fetched {
		alerts = s.alerts.list
	}
	v := metrics.Evaluate(panels, alerts, s.thresholds(), s.c.Now(), source)
	if s.alerts.err != nil && v.State == metrics.Healthy {
		v.Reason += "; alerts not checked: " + s.alerts.err.Error()
	}
	s.verdict = &v
}

func (s Screen) thresholds() map[metrics.Signal]metrics.Threshold {
	if h := s.deps.Health; h != nil && h.Settings != nil {
		return h.Settings(s.target).EffectiveThresholds()
	}
	return metrics.DefaultThresholds()
}

func (s *Screen) setHistory(t metrics.Target, uid types.UID, ws []rollout.LiveWindow, err error) {
	s.histErr = err
	if err != nil {
		return // keep the last markers
	}
	s.target, s.uid, s.windows = t, uid, ws
	s.setMarkers()
}

// setMarkers puts a marker at every revision's rollout start (and at
// every rollback, "↶r4") on every chart.
func (s *Screen) setMarkers() {
	var ms []healthgraph.Marker
	for _, w := range s.windows {
		label := "r" + strconv.FormatInt(w.Revision, 10)
		if w.Rollback {
			label = "↶" + label
		}
		ms = append(ms, healthgraph.Marker{T: w.Start, Label: label})
	}
	th := s.thresholds()
	s.panels = slices.Clone(s.panels)
	for i := range s.panels {
		s.panels[i].chart.SetMarkers(ms)
		s.panels[i].chart.SetThreshold(th[s.panels[i].signal])
	}
}
