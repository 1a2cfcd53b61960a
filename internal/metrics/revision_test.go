package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRevisionHealth(t *testing.T) {
	end := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	perRevision := func(errRatio map[string]float64) func(context.Context, Query, Range) ([]Series, error) {
		return func(_ context.Context, _ Query, r Range) ([]Series, error) {
			out := []Series{{Points: []Point{{T: r.End, V: 0.5}}}} // the aggregate mixes revisions
			for rev, v := range errRatio {
				out = append(out, Series{Revision: rev, Points: []Point{{T: r.End, V: v}}})
			}
			return out, nil
		}
	}
	f := (&fakeSource{}).
		on(`code=~"5.."`, perRevision(map[string]float64{"aaa": 0.001, "bbb": 0.2})).
		value("http_request_duration_seconds_bucket", 0.1)
	h := &Health{Source: f}

	good := h.RevisionHealth(context.Background(), checkout, RevisionWindow{Revision: 5, Hash: "aaa", Start: end.Add(-time.Hour), End: end, Preset: "promhttp"})
	if good.Verdict.State != Healthy || good.Revision != 5 {
		t.Errorf("rev 5: %s %s", good.Verdict.State, good.Verdict.Reason)
	}
	bad := h.RevisionHealth(context.Background(), checkout, RevisionWindow{Revision: 6, Hash: "bbb", Start: end.Add(-10 * time.Second), End: end, Preset: "promhttp"})
	if bad.Verdict.State != Critical {
		t.Errorf("rev 6: %s %s", bad.Verdict.State, bad.Verdict.Reason)
	}
	missing := h.RevisionHealth(context.Background(), checkout, RevisionWindow{Revision: 12, Hash: "ccc", Start: end.Add(-time.Hour), End: end, Preset: "promhttp"})
	if missing.Verdict.State != Unknown || !strings.Contains(missing.Verdict.Reason, "no data") {
		t.Errorf("rev 12 without series: %s %s", missing.Verdict.State, missing.Verdict.Reason)
	}
	for _, r := range f.ranges {
		if !r.Start.Equal(end) || !r.End.Equal(end) {
			t.Errorf("not an instant evaluation at End: %+v", r)
		}
	}
	rates := map[time.Duration]bool{}
	for _, q := range f.queries {
		rates[q.Rate] = true
		if !q.PerRevision {
			t.Errorf("%s not per revision", q.Signal)
		}
	}
	if !rates[time.Hour] || !rates[time.Minute] {
		t.Errorf("rates %v: want the live window (1h) and at least 4 scrapes (1m) for a 10s window", rates)
	}
	if f.count() != 6 {
		t.Errorf("%d queries, want 2 per revision (the preset was given)", f.count())
	}
}

func TestRevisionHealthWithoutRevisionLabels(t *testing.T) {
	end := time.Now()
	f := (&fakeSource{}).value(`code=~"5.."`, 0.001).value("bucket", 0.1).value("count(", 1)
	h := &Health{Source: f}
	// A StatefulSet's series never carry a revision: the workload's are used.
	sts := Target{Namespace: "db", Kind: "StatefulSet", Name: "pg"}
	rh := h.RevisionHealth(context.Background(), sts, RevisionWindow{Revision: 3, Start: end.Add(-time.Hour), End: end})
	if rh.Verdict.State != Healthy {
		t.Errorf("%s: %s", rh.Verdict.State, rh.Verdict.Reason)
	}
	// Deployment pods whose names did not yield a revision: the aggregate stays.
	rh = h.RevisionHealth(context.Background(), checkout, RevisionWindow{Revision: 6, Hash: "bbb", Start: end.Add(-time.Hour), End: end})
	if rh.Verdict.State != Healthy {
		t.Errorf("%s: %s", rh.Verdict.State, rh.Verdict.Reason)
	}
}

func TestRevisionHealthDetectionFails(t *testing.T) {
	refused := errors.New("connection refused")
	f := (&fakeSource{}).on("", func(context.Context, Query, Range) ([]Series, error) { return nil, refused })
	rh := (&Health{Source: f}).RevisionHealth(context.Background(), checkout, RevisionWindow{Revision: 6, Hash: "bbb", Start: time.Now().Add(-time.Hour), End: time.Now()})
	if rh.Verdict.State != Unknown || !strings.Contains(rh.Verdict.Reason, "connection refused") {
		t.Errorf("%s: %s", rh.Verdict.State, rh.Verdict.Reason)
	}
}

func TestRevisionHealthEmptyWindow(t *testing.T) {
	f := &fakeSource{}
	h := &Health{Source: f}
	now := time.Now()
	for _, w := range []RevisionWindow{{Revision: 3}, {Revision: 3, Start: now, End: now.Add(-time.Minute)}} {
		rh := h.RevisionHealth(context.Background(), checkout, w)
		if rh.Verdict.State != Unknown || !strings.Contains(rh.Verdict.Reason, "revision 3 has no live window") {
			t.Errorf("%+v: %s %s", w, rh.Verdict.State, rh.Verdict.Reason)
		}
	}
	if f.count() != 0 {
		t.Errorf("%d queries for nothing", f.count())
	}
}

func TestLastKnownGood(t *testing.T) {
	rh := func(rev int64, s State) RevisionHealth {
		return RevisionHealth{RevisionWindow: RevisionWindow{Revision: rev}, Verdict: Verdict{State: s}}
	}
	tests := []struct {
		name    string
		current int64
		hs      []RevisionHealth
		want    int64
		ok      bool
	}{
		{"previous healthy", 7, []RevisionHealth{rh(5, Healthy), rh(6, Healthy), rh(7, Critical)}, 6, true},
		{"skips unhealthy and unknown", 7, []RevisionHealth{rh(3, Healthy), rh(4, Degraded), rh(5, Unknown), rh(6, Critical), rh(7, Critical)}, 3, true},
		{"order does not matter", 9, []RevisionHealth{rh(8, Unknown), rh(2, Healthy), rh(4, Healthy)}, 4, true},
		{"current and newer do not count", 5, []RevisionHealth{rh(5, Healthy), rh(6, Healthy)}, 0, false},
		{"none healthy", 5, []RevisionHealth{rh(3, Unknown), rh(4, Degraded)}, 0, false},
		{"empty", 5, nil, 0, false},
	}
	for _, tt := range tests {
		got, ok := LastKnownGood(tt.current, tt.hs)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
