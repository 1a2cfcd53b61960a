package demo

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/metrics"
)

// The request counts of a window agree with the rate and ratio panels
// over it: what an incident's impact is computed from.
func TestMetricsCountsAgreeWithRateAndRatio(t *testing.T) {
	c := newCluster(t)
	end := c.metrics.now()
	window := 10 * time.Minute
	for _, target := range []metrics.Target{deployment("checkout"), deployment("frontend")} {
		count := func(s metrics.Signal) float64 {
			q := metrics.Query{Signal: s, Preset: "promhttp", Expr: "synthetic", Rate: window, Target: target}
			series, err := c.Metrics().QueryRange(context.Background(), q, instant(end))
			if err != nil {
				t.Fatalf("%s of %s: %v", s, target.Name, err)
			}
			if len(series) != 1 || len(series[0].Points) != 1 {
				t.Fatalf("%s of %s: want one point, got %v", s, target.Name, series)
			}
			return series[0].Points[0].V
		}
		failed, total := count(metrics.FailedRequests), count(metrics.Requests)

		// The same integral, summed second by second from the panels.
		r := metrics.Range{Start: end.Add(-window + time.Second), End: end, Step: time.Second}
		rates := query(t, c, metrics.RequestRate, target, r, false)[0].Points
		ratios := query(t, c, metrics.ErrorRatio, target, r, false)[0].Points
		if len(rates) != len(ratios) || len(rates) < 590 {
			t.Fatalf("%s: %d rate and %d ratio points over 10m", target.Name, len(rates), len(ratios))
		}
		wantTotal, wantFailed := 0.0, 0.0
		for i := range rates {
			wantTotal += rates[i].V
			wantFailed += rates[i].V * ratios[i].V
		}
		if math.Abs(total-wantTotal) > 0.01*wantTotal || math.Abs(failed-wantFailed) > 0.01*wantFailed {
			t.Errorf("%s over 10m: %.0f failed of %.0f, want about %.0f of %.0f", target.Name, failed, total, wantFailed, wantTotal)
		}
		if failed <= 0 || failed >= total {
			t.Errorf("%s: %.0f failed of %.0f", target.Name, failed, total)
		}
	}
	// Before the cluster's past begins there is nothing to count.
	q := metrics.Query{Signal: metrics.Requests, Preset: "promhttp", Expr: "synthetic", Rate: time.Minute, Target: deployment("checkout")}
	series, err := c.Metrics().QueryRange(context.Background(), q, instant(end.Add(-400*24*time.Hour)))
	if err != nil || len(series) != 0 {
		t.Errorf("a count before any data: %v, %v; want no series", series, err)
	}
}
