package metrics

import (
	"context"
	"strings"
	"sync"
	"time"
)

// fakeSource answers by the first rule whose key the query's expression
// contains, and records every query.
type fakeSource struct {
	mu      sync.Mutex
	rules   []fakeRule
	alerts  []Alert
	alertsE error
	queries []Query
	ranges  []Range
}

type fakeRule struct {
	contains string
	answer   func(ctx context.Context, q Query, r Range) ([]Series, error)
}

func (f *fakeSource) on(contains string, answer func(ctx context.Context, q Query, r Range) ([]Series, error)) *fakeSource {
	f.rules = append(f.rules, fakeRule{contains, answer})
	return f
}

// value answers every query matching contains with one aggregate point
// per step of the range.
func (f *fakeSource) value(contains string, v float64) *fakeSource {
	return f.on(contains, func(_ context.Context, _ Query, r Range) ([]Series, error) {
		return []Series{constant("", r, v)}, nil
	})
}

func constant(rev string, r Range, v float64) Series {
	s := Series{Revision: rev}
	for t := r.Start; !t.After(r.End); t = t.Add(max(r.Step, time.Second)) {
		s.Points = append(s.Points, Point{T: t, V: v})
	}
	return s
}

func (f *fakeSource) QueryRange(ctx context.Context, q Query, r Range) ([]Series, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.ranges = append(f.ranges, r)
	rules := f.rules
	f.mu.Unlock()
	for _, rule := range rules {
		if strings.Contains(q.Expr, rule.contains) {
			return rule.answer(ctx, q, r)
		}
	}
	return nil, nil
}

func (f *fakeSource) Alerts(context.Context) ([]Alert, error) { return f.alerts, f.alertsE }

func (f *fakeSource) Name() string { return "fake" }

func (f *fakeSource) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queries)
}

func (f *fakeSource) probes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, q := range f.queries {
		if q.Signal == "" {
			out = append(out, q.Preset)
		}
	}
	return out
}
