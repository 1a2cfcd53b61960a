package health

import (
	"errors"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/components/healthgraph"
	"github.com/mayday-tui/mayday/tui/workload"
)

// DetectedMsg carries the history read and the preset detection.
type DetectedMsg struct {
	token   string
	seq     int
	Target  metrics.Target
	UID     types.UID
	Windows []rollout.LiveWindow
	HistErr error
	// Preset is the request preset found ("" when none has data).
	Preset string
	// Signals are the panels to show, in order.
	Signals []metrics.Signal
	// Err is why no preset was found, or why detection failed.
	Err error
	// Unreachable is set when the source did not answer at all.
	Unreachable bool
}

// HistoryMsg carries a new read of the history (revision names, markers).
type HistoryMsg struct {
	token   string
	seq     int
	Target  metrics.Target
	UID     types.UID
	Windows []rollout.LiveWindow
	Err     error
}

// PanelMsg carries one panel's answer, tagged with the question.
type PanelMsg struct {
	token  string
	gen    int
	seq    int
	window time.Duration
	Panel  metrics.Panel
}

// AlertsMsg carries the workload's firing alerts.
type AlertsMsg struct {
	token  string
	seq    int
	Alerts []metrics.Alert
	Err    error
}

// requestSignals are shown even without a query, with the reason: they
// are what the screen is for.
func requestSignals() []metrics.Signal {
	return []metrics.Signal{metrics.ErrorRatio, metrics.LatencyP99, metrics.LatencyP50, metrics.RequestRate}
}

// readHistory is the history part of the commands: the target with its
// revision names, and the live windows for the markers.
func (s Screen) historyReader() func() (metrics.Target, types.UID, []rollout.LiveWindow, error) {
	ctx, r, ref, now := s.deps.Ctx, s.deps.Reader, s.ref, s.c.Now()
	return func() (metrics.Target, types.UID, []rollout.LiveWindow, error) {
		if r == nil {
			return workload.HealthTarget(ref, nil), "", nil, errors.New("no cluster reader")
		}
		h, err := rollout.GetHistory(ctx, r, ref)
		if err != nil {
			return workload.HealthTarget(ref, nil), "", nil, err
		}
		return workload.HealthTarget(ref, h), h.UID, rollout.LiveWindows(h, now), nil
	}
}

// detect reads the history, then finds the preset whose probe has data
// and which signals have queries.
func (s *Screen) detect() tea.Cmd {
	s.detectSeq++
	s.detecting = true
	h, ctx, token, seq, read := s.deps.Health, s.deps.Ctx, s.token, s.detectSeq, s.historyReader()
	return func() tea.Msg {
		t, uid, ws, herr := read()
		msg := DetectedMsg{token: token, seq: seq, Target: t, UID: uid, Windows: ws, HistErr: herr}
		preset, err := h.Detect(ctx, t)
		if err != nil && !errors.Is(err, metrics.ErrNoMetrics) {
			msg.Err, msg.Unreachable = err, true
			return msg
		}
		msg.Preset, msg.Err = preset, err
		qs, errs := h.Queries(t, preset, h.RateRange(time.Minute), true)
		for _, sig := range metrics.Signals() {
			_, ok := qs[sig]
			_, bad := errs[sig]
			if ok || bad || contains(requestSignals(), sig) {
				msg.Signals = append(msg.Signals, sig)
			}
		}
		return msg
	}
}

func contains(ss []metrics.Signal, s metrics.Signal) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Screen) readHistory() tea.Cmd {
	s.histSeq++
	token, seq, read := s.token, s.histSeq, s.historyReader()
	return func() tea.Msg {
		t, uid, ws, err := read()
		return HistoryMsg{token: token, seq: seq, Target: t, UID: uid, Windows: ws, Err: err}
	}
}

// plan is one refresh's range and rendered queries, shared by its panel
// commands: rendering the templates once per refresh, not once per panel.
type plan struct {
	once sync.Once
	r    metrics.Range
	err  error
	qs   map[metrics.Signal]metrics.Query
	errs map[metrics.Signal]error
}

// newPlan is the plan of a refresh issued now, run by the first command
// that needs it.
func (s *Screen) newPlan() func() *plan {
	h, t, preset, window := s.deps.Health, s.target, s.preset, s.window
	cells := healthgraph.Points(s.chartWidth())
	end := s.c.Now()
	p := &plan{}
	return func() *plan {
		p.once.Do(func() {
			p.r, p.err = metrics.PlanRange(end, window, cells)
			if p.err == nil {
				p.qs, p.errs = h.Queries(t, preset, h.RateRange(p.r.Step), true)
			}
		})
		return p
	}
}

// fetch asks for panel i over the window ending now, at the resolution
// its chart can draw: exactly one query (none when the signal has no
// query, whose reason is the answer).
func (s *Screen) fetch(i int, planned func() *plan) tea.Cmd {
	p := &s.panels[i]
	p.seq++
	p.inflight = true
	h, ctx, token, gen, seq, window := s.deps.Health, s.deps.Ctx, s.token, s.gen, p.seq, s.window
	t, preset, sig, detectErr := s.target, s.preset, p.signal, s.detectErr
	return func() tea.Msg {
		msg := PanelMsg{token: token, gen: gen, seq: seq, window: window}
		pl := planned()
		if pl.err != nil {
			msg.Panel = metrics.Panel{Signal: sig, Err: pl.err, Fetched: time.Now()}
			return msg
		}
		q, ok := pl.qs[sig]
		if !ok {
			err := pl.errs[sig]
			if err == nil {
				err = detectErr
			}
			if err == nil {
				err = fmt.Errorf("no query for %s in preset %s", sig.Label(), preset)
			}
			msg.Panel = metrics.Panel{Signal: sig, Query: metrics.Query{Signal: sig, Target: t}, Range: pl.r, Err: err, Fetched: time.Now()}
			return msg
		}
		msg.Panel = h.Panel(ctx, q, pl.r)
		return msg
	}
}

func (s *Screen) fetchAlerts() tea.Cmd {
	s.alerts.seq++
	s.alerts.inflight = true
	h, ctx, token, seq, t := s.deps.Health, s.deps.Ctx, s.token, s.alerts.seq, s.target
	return func() tea.Msg {
		alerts, err := h.Alerts(ctx, t)
		return AlertsMsg{token: token, seq: seq, Alerts: alerts, Err: err}
	}
}
