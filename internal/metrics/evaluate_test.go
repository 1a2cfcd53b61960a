package metrics

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

var evalNow = time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)

// ramp is a series with one point every 15s, the last at evalNow-lag.
func ramp(lag time.Duration, values ...float64) Series {
	s := Series{}
	for i, v := range values {
		s.Points = append(s.Points, Point{T: evalNow.Add(-lag - time.Duration(len(values)-1-i)*15*time.Second), V: v})
	}
	return s
}

func flat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func panelOf(s Signal, series ...Series) Panel {
	return Panel{Signal: s, Query: Query{Signal: s, Expr: "expr_" + string(s), Preset: "promhttp"}, Range: Range{Step: 15 * time.Second}, Series: series}
}

func failed(s Signal, err error) Panel { p := panelOf(s); p.Err = err; return p }

func withRevision(s Series, rev string) Series { s.Revision = rev; return s }

func TestEvaluate(t *testing.T) {
	th := DefaultThresholds() // error ratio 1%/5% for 1m, p99 0.5/1s for 1m
	crit2m := map[Signal]Threshold{ErrorRatio: {Degraded: 0.01, Critical: 0.05, For: 2 * time.Minute}, LatencyP99: th[LatencyP99]}
	healthyP99 := panelOf(LatencyP99, ramp(0, flat(0.18, 10)...))
	healthyErr := panelOf(ErrorRatio, ramp(0, flat(0.002, 10)...))
	unreachable := errors.New("prometheus at http://127.0.0.1:9 unreachable: connection refused")

	tests := []struct {
		name       string
		panels     []Panel
		alerts     []Alert
		thresholds map[Signal]Threshold
		state      State
		reason     []string          // substrings of Verdict.Reason
		notReason  string            // not in Verdict.Reason
		signals    map[Signal]State  // per-signal states
		why        map[Signal]string // substrings of per-signal reasons
	}{
		{
			name:    "healthy",
			panels:  []Panel{healthyErr, healthyP99, panelOf(RequestRate, ramp(0, 12.5))},
			state:   Healthy,
			reason:  []string{"healthy: error ratio 0.2%, p99 180ms"},
			signals: map[Signal]State{ErrorRatio: Healthy, LatencyP99: Healthy, RequestRate: Healthy},
		},
		{
			name:       "critical for the whole For",
			panels:     []Panel{panelOf(ErrorRatio, ramp(0, append([]float64{0.001}, flat(0.123, 9)...)...)), healthyP99},
			thresholds: crit2m,
			state:      Critical,
			reason:     []string{"error ratio 12.3% > 5% (critical) for 2m"},
			signals:    map[Signal]State{ErrorRatio: Critical, LatencyP99: Healthy},
			why:        map[Signal]string{ErrorRatio: "above 5% for 2m"},
		},
		{
			name:       "breach shorter than For is not a breach",
			panels:     []Panel{panelOf(ErrorRatio, ramp(0, append(flat(0.001, 8), 0.2, 0.2)...)), healthyP99},
			thresholds: crit2m,
			state:      Healthy,
			reason:     []string{"error ratio 20% (above 5%, not yet for 2m)"},
			why:        map[Signal]string{ErrorRatio: "above 5%, not yet for 2m"},
		},
		{
			name:       "below critical within For, degraded throughout",
			panels:     []Panel{panelOf(ErrorRatio, ramp(0, append(flat(0.03, 6), 0.2, 0.2, 0.2, 0.2)...)), healthyP99},
			thresholds: crit2m,
			state:      Degraded,
			reason:     []string{"error ratio 20% > 1% (degraded) for 2m"},
		},
		{
			name:       "series shorter than For: judged on what exists",
			panels:     []Panel{panelOf(ErrorRatio, ramp(0, 0.2, 0.3)), healthyP99},
			thresholds: crit2m,
			state:      Critical,
		},
		{
			name:       "NaN inside the For window counts neither way",
			panels:     []Panel{panelOf(ErrorRatio, ramp(0, 0.2, math.NaN(), 0.2, 0.2)), healthyP99},
			thresholds: map[Signal]Threshold{ErrorRatio: {Critical: 0.05, For: 30 * time.Second}},
			state:      Critical,
		},
		{
			name:    "degraded p99",
			panels:  []Panel{healthyErr, panelOf(LatencyP99, ramp(0, flat(0.8, 6)...))},
			state:   Degraded,
			reason:  []string{"p99 800ms > 500ms (degraded) for 1m"},
			signals: map[Signal]State{LatencyP99: Degraded},
		},
		{
			name:    "panel error: error ratio unknown caps the verdict",
			panels:  []Panel{failed(ErrorRatio, unreachable), healthyP99},
			state:   Unknown,
			reason:  []string{"error ratio unknown: prometheus at http://127.0.0.1:9 unreachable", "p99 180ms"},
			signals: map[Signal]State{ErrorRatio: Unknown, LatencyP99: Healthy},
			why:     map[Signal]string{ErrorRatio: "connection refused"},
		},
		{
			name:   "every signal unknown for the same reason",
			panels: []Panel{failed(ErrorRatio, unreachable), failed(LatencyP99, unreachable)},
			state:  Unknown,
			reason: []string{"error ratio, p99 unknown: prometheus at"},
		},
		{
			name:    "no series",
			panels:  []Panel{panelOf(ErrorRatio), healthyP99},
			state:   Unknown,
			reason:  []string{"error ratio unknown: no data"},
			signals: map[Signal]State{ErrorRatio: Unknown},
		},
		{
			name:   "series without points",
			panels: []Panel{panelOf(ErrorRatio, Series{}), healthyP99},
			state:  Unknown,
			why:    map[Signal]string{ErrorRatio: "no data"},
		},
		{
			name:   "only per-revision series",
			panels: []Panel{panelOf(ErrorRatio, withRevision(ramp(0, 0.3), "abc")), healthyP99},
			state:  Unknown,
			why:    map[Signal]string{ErrorRatio: "no data"},
		},
		{
			name:   "NaN latest",
			panels: []Panel{panelOf(ErrorRatio, ramp(0, 0.001, math.NaN())), healthyP99},
			state:  Unknown,
			why:    map[Signal]string{ErrorRatio: "value is NaN (no requests in the rate window?)"},
		},
		{
			name:    "+Inf p99 is unknown, named in a healthy verdict",
			panels:  []Panel{healthyErr, panelOf(LatencyP99, ramp(0, math.Inf(1)))},
			state:   Healthy,
			reason:  []string{"healthy: error ratio 0.2%", "p99 unknown: value is +Inf"},
			signals: map[Signal]State{LatencyP99: Unknown},
		},
		{
			name:   "-Inf",
			panels: []Panel{panelOf(ErrorRatio, ramp(0, math.Inf(-1)))},
			state:  Unknown,
			why:    map[Signal]string{ErrorRatio: "value is -Inf"},
		},
		{
			name:   "stale sample",
			panels: []Panel{panelOf(ErrorRatio, ramp(10*time.Minute, 0.001)), healthyP99},
			state:  Unknown,
			why:    map[Signal]string{ErrorRatio: "latest sample is 10m old"},
		},
		{
			name:    "critical alert",
			panels:  []Panel{healthyErr, healthyP99},
			alerts:  []Alert{{Name: "CheckoutDown", State: "firing", Labels: map[string]string{"severity": "critical"}}},
			state:   Critical,
			reason:  []string{"alert CheckoutDown firing (severity critical)"},
			signals: map[Signal]State{ErrorRatio: Healthy},
		},
		{
			name:   "page alert",
			panels: []Panel{healthyErr},
			alerts: []Alert{{Name: "X", State: "firing", Labels: map[string]string{"severity": "PAGE"}}},
			state:  Critical,
		},
		{
			name:   "warning alert degrades, pending ignored",
			panels: []Panel{healthyErr, healthyP99},
			alerts: []Alert{
				{Name: "Slow", State: "firing", Labels: map[string]string{"severity": "warning"}},
				{Name: "Later", State: "pending", Labels: map[string]string{"severity": "critical"}},
			},
			state:  Degraded,
			reason: []string{"alert Slow firing"},
		},
		{
			name:   "firing alert with unknown signals",
			panels: []Panel{failed(ErrorRatio, unreachable)},
			alerts: []Alert{{Labels: map[string]string{"alertname": "FromLabels"}, State: "firing"}},
			state:  Degraded,
			reason: []string{"alert FromLabels firing", "error ratio unknown"},
		},
		{
			name:    "p99 critical while error ratio unknown",
			panels:  []Panel{panelOf(ErrorRatio), panelOf(LatencyP99, ramp(0, flat(1.8, 6)...))},
			state:   Critical,
			reason:  []string{"p99 1.8s > 1s (critical)", "error ratio unknown: no data"},
			signals: map[Signal]State{LatencyP99: Critical},
		},
		{
			name:    "informational signals never judge",
			panels:  []Panel{healthyErr, panelOf(RequestRate), panelOf(Memory, ramp(0, 5e9))},
			state:   Healthy,
			signals: map[Signal]State{RequestRate: Unknown, Memory: Healthy},
		},
		{
			name:      "saturation without metrics is left out",
			panels:    []Panel{healthyErr, healthyP99, panelOf(CPUThrottling), panelOf(Restarts, Series{})},
			state:     Healthy,
			reason:    []string{"healthy: error ratio 0.2%, p99 180ms"},
			notReason: "unknown",
			signals:   map[Signal]State{CPUThrottling: Unknown, Restarts: Unknown},
		},
		{
			name:   "saturation that fails is named",
			panels: []Panel{healthyErr, failed(Restarts, errors.New("bad_data: x"))},
			state:  Healthy,
			reason: []string{"restarts unknown: bad_data: x"},
		},
		{
			name:   "nothing to judge by",
			panels: []Panel{panelOf(RequestRate, ramp(0, 3))},
			state:  Unknown,
			reason: []string{"no signal with a threshold"},
		},
		{
			name:  "empty",
			state: Unknown,
		},
		{
			name:    "several aggregate series: the highest",
			panels:  []Panel{panelOf(ErrorRatio, ramp(0, 0.001), ramp(0, 0.3), ramp(0, math.NaN())), healthyP99},
			state:   Critical,
			signals: map[Signal]State{ErrorRatio: Critical},
		},
		{
			name:       "zero levels are not checked",
			panels:     []Panel{panelOf(ErrorRatio, ramp(0, 0.5))},
			thresholds: map[Signal]Threshold{ErrorRatio: {Critical: 0.9}},
			state:      Healthy,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			thr := tt.thresholds
			if thr == nil {
				thr = th
			}
			v := Evaluate(tt.panels, tt.alerts, thr, evalNow, "test")
			if v.State != tt.state {
				t.Errorf("state = %s (%s), want %s", v.State, v.Reason, tt.state)
			}
			if v.Reason == "" {
				t.Error("no reason")
			}
			if tt.notReason != "" && strings.Contains(v.Reason, tt.notReason) {
				t.Errorf("reason %q has %q", v.Reason, tt.notReason)
			}
			for _, want := range tt.reason {
				if !strings.Contains(v.Reason, want) {
					t.Errorf("reason %q lacks %q", v.Reason, want)
				}
			}
			if len(v.Signals) != len(tt.panels) || !v.At.Equal(evalNow) || v.Source != "test" {
				t.Errorf("verdict = %+v", v)
			}
			got := map[Signal]SignalResult{}
			for _, r := range v.Signals {
				got[r.Signal] = r
			}
			for s, want := range tt.signals {
				if got[s].State != want {
					t.Errorf("%s = %s (%s), want %s", s, got[s].State, got[s].Reason, want)
				}
			}
			for s, want := range tt.why {
				if !strings.Contains(got[s].Reason, want) {
					t.Errorf("%s reason %q lacks %q", s, got[s].Reason, want)
				}
			}
			for _, r := range v.Signals {
				if r.State == Unknown && r.Reason == "" {
					t.Errorf("%s unknown without a reason", r.Signal)
				}
				if r.HasValue && (math.IsNaN(r.Value) || math.IsInf(r.Value, 0)) {
					t.Errorf("%s has a non-finite value", r.Signal)
				}
			}
			for _, a := range v.Alerts {
				if a.State != "firing" {
					t.Errorf("verdict lists a %s alert", a.State)
				}
			}
		})
	}
}

func TestEvaluateEvidence(t *testing.T) {
	p := panelOf(ErrorRatio, ramp(time.Second, 0.01, 0.02), withRevision(ramp(0, 0.5), "abc"))
	v := Evaluate([]Panel{p}, nil, DefaultThresholds(), evalNow, "prometheus x")
	r := v.Signals[0]
	if r.Query != "expr_error_ratio" || r.Preset != "promhttp" || !r.HasValue || r.Value != 0.02 ||
		!r.SampledAt.Equal(evalNow.Add(-time.Second)) || r.Threshold != DefaultThresholds()[ErrorRatio] {
		t.Errorf("evidence = %+v", r)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	var panels []Panel
	for _, s := range Signals() {
		panels = append(panels, panelOf(s, ramp(0, flat(0.02, 200)...), withRevision(ramp(0, flat(0.03, 200)...), "a"), withRevision(ramp(0, flat(0.01, 200)...), "b")))
	}
	alerts := []Alert{{Name: "A", State: "firing", Labels: map[string]string{"severity": "warning"}}}
	th := DefaultThresholds()
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(panels, alerts, th, evalNow, "bench")
	}
}
