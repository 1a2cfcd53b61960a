//go:build integration

package action_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// BenchmarkSwitchOnTheTestBed measures a blue-green switch on the test
// bed from the confirmation on: the guarded PATCH of the Service's
// selector (the traffic switched, as far as the API is concerned), and
// until the EndpointSlices list only the target side's pods (the cluster's
// part: the endpointslice controller, observed every 2ms). Each iteration
// plans first (not timed), then switches to the other side.
//
//	go test -tags integration -run '^$' -bench SwitchOnTheTestBed -benchtime 200x ./internal/action/
func BenchmarkSwitchOnTheTestBed(b *testing.B) {
	bd := newBed(b)
	bd.blueGreen(b)
	ctx := context.Background()
	var patch, endpoints []time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		p, err := bd.tr.Plan(ctx, action.TrafficRequest{Action: action.SwitchAction, Kind: "service", Name: "web",
			Namespace: bd.ns, Attribution: rollout.Attribution{Actor: "bench"}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := bd.tr.Execute(ctx, p, action.DryRunNone, nil)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		v := bd.tr.Verify(ctx, p, action.TrafficVerifyOptions{Interval: 2 * time.Millisecond, Timeout: time.Minute}, nil)
		if !v.Verified() {
			b.Fatal(v.Summary())
		}
		patch = append(patch, res.Duration)
		endpoints = append(endpoints, res.Duration+v.TrafficDuration)
		b.StartTimer()
	}
	b.StopTimer()
	report := func(name string, ds []time.Duration) {
		slices.Sort(ds)
		b.ReportMetric(ms(ds[len(ds)/2]), name+"-p50-ms")
		b.ReportMetric(ms(ds[(len(ds)*9)/10]), name+"-p90-ms")
	}
	report("patch", patch)
	report("endpoints", endpoints)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
