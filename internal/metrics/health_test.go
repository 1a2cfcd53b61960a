package metrics

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

var checkout = Target{Namespace: "shop", Kind: "Deployment", Name: "checkout", Revisions: map[string]int64{"aaa": 5, "bbb": 6, "ccc": 12}}

func TestPlanRange(t *testing.T) {
	end := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		window time.Duration
		cells  int
	}{
		{15 * time.Minute, 80}, {time.Hour, 200}, {6 * time.Hour, 400}, {24 * time.Hour, 1},
		{time.Minute, 1000}, {time.Minute, 60}, {time.Minute, 7}, {30 * 24 * time.Hour, 1 << 30},
		{30 * 24 * time.Hour, 11000}, {2*time.Hour + 17*time.Second, 333},
	}
	for _, tt := range tests {
		r, err := PlanRange(end, tt.window, tt.cells)
		if err != nil {
			t.Errorf("%s/%d: %v", tt.window, tt.cells, err)
			continue
		}
		points := int(r.End.Sub(r.Start)/r.Step) + 1 // what Prometheus returns
		if points > tt.cells || points > MaxPoints {
			t.Errorf("%s/%d: %d points (step %s)", tt.window, tt.cells, points, r.Step)
		}
		if r.Step < time.Second || r.Step%time.Second != 0 {
			t.Errorf("%s/%d: step %s", tt.window, tt.cells, r.Step)
		}
		if !r.End.Equal(end) || r.End.Sub(r.Start) < tt.window-time.Second-r.Step || r.End.Sub(r.Start) > tt.window {
			t.Errorf("%s/%d: span %s", tt.window, tt.cells, r.End.Sub(r.Start))
		}
		if want := ceilSecond(tt.window / time.Duration(min(tt.cells, MaxPoints))); r.Step != want {
			t.Errorf("%s/%d: step %s, want %s", tt.window, tt.cells, r.Step, want)
		}
	}
	bad := []struct {
		window time.Duration
		cells  int
		want   string
	}{
		{0, 80, "window must be positive"},
		{-time.Hour, 80, "window must be positive"},
		{30 * time.Second, 80, "window 30s is shorter than 1m"},
		{10 * 365 * 24 * time.Hour, 80, "window 10y is longer than 30d"},
		{31 * 24 * time.Hour, 80, "window 31d is longer than 30d"},
		{time.Hour, 0, "at least one column"},
		{time.Hour, -5, "at least one column"},
	}
	for _, tt := range bad {
		if _, err := PlanRange(end, tt.window, tt.cells); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s/%d: err = %v, want %q", tt.window, tt.cells, err, tt.want)
		}
	}
}

func TestRateRange(t *testing.T) {
	tests := []struct {
		scrape, step, want time.Duration
	}{
		{0, time.Second, time.Minute},
		{15 * time.Second, 10 * time.Second, time.Minute},
		{15 * time.Second, 5 * time.Minute, 5 * time.Minute},
		{time.Second, time.Second, 4 * time.Second},
		{time.Second, 1500 * time.Millisecond, 4 * time.Second},
		{100 * time.Millisecond, 1500 * time.Millisecond, 2 * time.Second},
		{30 * time.Second, 0, 2 * time.Minute},
	}
	for _, tt := range tests {
		h := &Health{Scrape: tt.scrape}
		if got := h.RateRange(tt.step); got != tt.want {
			t.Errorf("scrape %s step %s: %s, want %s", tt.scrape, tt.step, got, tt.want)
		}
	}
}

func TestDetect(t *testing.T) {
	ctx := context.Background()
	f := (&fakeSource{}).value("istio_requests_total", 3).value("nginx_ingress", 1)
	h := &Health{Source: f}
	if got, err := h.Detect(ctx, checkout); err != nil || got != "istio" {
		t.Errorf("Detect = %q, %v; want istio (first in order with data)", got, err)
	}
	probes := f.probes()
	slices.Sort(probes)
	if !slices.Equal(probes, []string{"ingress-nginx", "istio", "promhttp"}) {
		t.Errorf("probed %v, want each request preset once", probes)
	}

	empty := &Health{Source: &fakeSource{}}
	_, err := empty.Detect(ctx, checkout)
	if err == nil || err.Error() != "no metrics found for shop/checkout: tried promhttp, istio, ingress-nginx" || !errors.Is(err, ErrNoMetrics) {
		t.Errorf("no data: %v", err)
	}

	refused := errors.New("prometheus at http://x unreachable: connection refused")
	down := &Health{Source: (&fakeSource{}).on("", func(context.Context, Query, Range) ([]Series, error) { return nil, refused })}
	if _, err := down.Detect(ctx, checkout); !errors.Is(err, refused) {
		t.Errorf("down: %v", err)
	}

	f2 := &fakeSource{}
	forced := &Health{Source: f2, Settings: func(Target) Settings { return Settings{Preset: "ingress-nginx"} }}
	if got, err := forced.Detect(ctx, checkout); err != nil || got != "ingress-nginx" || f2.count() != 0 {
		t.Errorf("forced = %q, %v after %d queries", got, err, f2.count())
	}
	wrong := &Health{Source: f2, Settings: func(Target) Settings { return Settings{Preset: "linkerd"} }}
	if _, err := wrong.Detect(ctx, checkout); err == nil || !strings.Contains(err.Error(), `preset "linkerd" is not known (known: promhttp, istio, ingress-nginx, kube)`) {
		t.Errorf("unknown preset: %v", err)
	}
	if _, err := (&Health{}).Detect(ctx, checkout); err == nil || !strings.Contains(err.Error(), "no metrics source") {
		t.Errorf("no source: %v", err)
	}
}

func TestPanel(t *testing.T) {
	f := (&fakeSource{}).on("", func(_ context.Context, _ Query, r Range) ([]Series, error) {
		return []Series{constant("zzz", r, 1), constant("ccc", r, 2), constant("", r, 3), constant("aaa", r, 4), constant("bbb", r, 5)}, nil
	})
	h := &Health{Source: f}
	r, _ := PlanRange(time.Now(), 15*time.Minute, 60)
	p := h.Panel(context.Background(), Query{Signal: ErrorRatio, Expr: "x", Target: checkout}, r)
	if f.count() != 1 {
		t.Errorf("%d queries, want 1", f.count())
	}
	var order []string
	for _, s := range p.Series {
		order = append(order, s.Revision)
	}
	if !slices.Equal(order, []string{"", "aaa", "bbb", "ccc", "zzz"}) {
		t.Errorf("order %v: aggregate first, then revisions 5, 6, 12, then unknown hashes", order)
	}
	if p.Err != nil || p.Signal != ErrorRatio || p.Range != r || p.Fetched.IsZero() {
		t.Errorf("panel = %+v", p)
	}
}

func TestPanelTimeout(t *testing.T) {
	f := (&fakeSource{}).on("", func(ctx context.Context, _ Query, _ Range) ([]Series, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	h := &Health{Source: f, Timeout: 20 * time.Millisecond}
	p := h.Panel(context.Background(), Query{Signal: LatencyP99, Expr: "x"}, Range{})
	if !errors.Is(p.Err, context.DeadlineExceeded) {
		t.Errorf("err = %v", p.Err)
	}
}

func TestCheck(t *testing.T) {
	f := (&fakeSource{alerts: []Alert{
		{Name: "CheckoutErrors", State: "firing", Labels: map[string]string{"namespace": "shop", "deployment": "checkout", "severity": "warning"}},
		{Name: "Other", State: "firing", Labels: map[string]string{"namespace": "shop", "deployment": "cart", "severity": "critical"}},
	}}).
		value("count(http_requests_total", 1).
		on(`code=~"5.."`, func(_ context.Context, _ Query, r Range) ([]Series, error) {
			return []Series{constant("", r, 0.002), constant("aaa", r, 0.001), constant("bbb", r, 0.003)}, nil
		}).
		value("http_request_duration_seconds_bucket", 0.18)
	h := &Health{Source: f}
	v, panels := h.Check(context.Background(), checkout, time.Hour, 120, GoldenSignals())
	if len(panels) != 3 {
		t.Fatalf("%d panels", len(panels))
	}
	// 3 probes, then one query per panel.
	if f.count() != 3+3 {
		t.Errorf("%d queries, want 6", f.count())
	}
	if v.State != Degraded || !strings.Contains(v.Reason, "alert CheckoutErrors firing") || len(v.Alerts) != 1 {
		t.Errorf("verdict %s: %s (%d alerts)", v.State, v.Reason, len(v.Alerts))
	}
	errPanel := panels[0]
	if errPanel.Signal != ErrorRatio || !errPanel.Query.PerRevision || errPanel.Query.Preset != "promhttp" || len(errPanel.Series) != 3 || errPanel.Series[0].Revision != "" {
		t.Errorf("error ratio panel = %+v", errPanel)
	}
	if errPanel.Query.Rate != time.Minute || errPanel.Range.Step != 30*time.Second {
		t.Errorf("rate %s step %s", errPanel.Query.Rate, errPanel.Range.Step)
	}
	if panels[2].Signal != RequestRate || panels[2].Err != nil || len(panels[2].Series) != 0 {
		t.Errorf("request rate panel = %+v", panels[2])
	}
	got := map[Signal]State{}
	for _, r := range v.Signals {
		got[r.Signal] = r.State
	}
	if got[ErrorRatio] != Healthy || got[LatencyP99] != Healthy || got[RequestRate] != Unknown {
		t.Errorf("signals %v", got)
	}
}

func TestCheckOneBadQueryLeavesOthers(t *testing.T) {
	bad := errors.New("bad_data: 1:5: parse error: unexpected character")
	f := (&fakeSource{}).value("count(http_requests_total", 1).
		on("my_broken", func(context.Context, Query, Range) ([]Series, error) { return nil, bad }).
		value(`code=~"5.."`, 0.001)
	h := &Health{Source: f, Settings: func(Target) Settings {
		return Settings{Queries: map[Signal]string{LatencyP99: "my_broken(", LatencyP50: "{{oops"}}
	}}
	v, panels := h.Check(context.Background(), checkout, 15*time.Minute, 60, []Signal{ErrorRatio, LatencyP99, LatencyP50})
	if panels[0].Err != nil || !errors.Is(panels[1].Err, bad) || panels[2].Err == nil || !strings.Contains(panels[2].Err.Error(), "latency_p50") {
		t.Errorf("panel errors: %v / %v / %v", panels[0].Err, panels[1].Err, panels[2].Err)
	}
	if v.State != Healthy || !strings.Contains(v.Reason, "p99 unknown: bad_data") {
		t.Errorf("verdict %s: %s", v.State, v.Reason)
	}
}

func TestCheckNothingFound(t *testing.T) {
	f := &fakeSource{}
	v, panels := (&Health{Source: f}).Check(context.Background(), checkout, time.Hour, 100, GoldenSignals())
	if v.State != Unknown || v.Reason != "no metrics found for shop/checkout: tried promhttp, istio, ingress-nginx" {
		t.Errorf("verdict %s: %q", v.State, v.Reason)
	}
	for _, p := range panels {
		if !errors.Is(p.Err, ErrNoMetrics) {
			t.Errorf("%s: %v", p.Signal, p.Err)
		}
	}
}

func TestCheckSourceDown(t *testing.T) {
	refused := errors.New("prometheus at http://127.0.0.1:9 unreachable: connection refused")
	f := (&fakeSource{alertsE: refused}).on("", func(context.Context, Query, Range) ([]Series, error) { return nil, refused })
	v, panels := (&Health{Source: f}).Check(context.Background(), checkout, time.Hour, 100, GoldenSignals())
	if v.State != Unknown || v.Reason != refused.Error() {
		t.Errorf("verdict %s: %q", v.State, v.Reason)
	}
	if f.count() != 3 {
		t.Errorf("%d queries: after the probes fail, the panels are not queried again", f.count())
	}
	for _, p := range panels {
		if !errors.Is(p.Err, refused) {
			t.Errorf("%s: %v", p.Signal, p.Err)
		}
	}
}

func TestCheckBadWindow(t *testing.T) {
	f := &fakeSource{}
	v, _ := (&Health{Source: f}).Check(context.Background(), checkout, 0, 100, GoldenSignals())
	if v.State != Unknown || !strings.Contains(v.Reason, "window must be positive") || f.count() != 0 {
		t.Errorf("verdict %s: %q after %d queries", v.State, v.Reason, f.count())
	}
}

func TestCheckAlertsUnavailable(t *testing.T) {
	f := (&fakeSource{alertsE: errors.New("answered 404")}).value("count(http_requests_total", 1).value(`code=~"5.."`, 0.001)
	v, _ := (&Health{Source: f}).Check(context.Background(), checkout, time.Hour, 100, []Signal{ErrorRatio})
	if v.State != Healthy || !strings.Contains(v.Reason, "alerts not checked: answered 404") {
		t.Errorf("verdict %s: %q", v.State, v.Reason)
	}
}

func TestCheckOverrideWorksWithoutPreset(t *testing.T) {
	f := (&fakeSource{}).value("my_errors", 0.2)
	h := &Health{Source: f, Settings: func(Target) Settings {
		return Settings{Queries: map[Signal]string{ErrorRatio: `my_errors{ {{- .Sel -}} }`}}
	}}
	v, panels := h.Check(context.Background(), checkout, time.Hour, 100, []Signal{ErrorRatio, LatencyP99})
	if panels[0].Query.Preset != CustomPreset || panels[0].Err != nil {
		t.Errorf("error ratio panel = %+v", panels[0])
	}
	if !errors.Is(panels[1].Err, ErrNoMetrics) {
		t.Errorf("p99 panel err = %v", panels[1].Err)
	}
	if v.State != Critical || !strings.Contains(v.Reason, "error ratio 20% > 5% (critical)") || !strings.Contains(v.Reason, "p99 unknown: no metrics found") {
		t.Errorf("verdict %s: %s", v.State, v.Reason)
	}
}
