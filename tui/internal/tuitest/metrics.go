package tuitest

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/mayday-tui/mayday/internal/metrics"
)

// Metrics is an in-memory metrics.Source. It answers the promhttp
// preset's probe (so detection picks promhttp), every signal with a
// series per revision plus the aggregate, and lists Alerts. It records
// every query, and can hold answers back (Delay, Gate) to stand for a
// slow or dead Prometheus.
type Metrics struct {
	mu     sync.Mutex
	calls  []metrics.Query
	ranges []metrics.Range
	alertN int

	// Value gives a revision's value of a signal at t ("" is the whole
	// workload); nil is a Rollout 20 minutes before Now.
	Value func(s metrics.Signal, revision string, t time.Time) float64
	// Workloads answer for a workload by name instead of Value; a nil
	// function answers with no series (no data).
	Workloads map[string]func(s metrics.Signal, revision string, t time.Time) float64
	// Revisions are the revision hashes with series, besides the aggregate.
	Revisions []string
	// Err fails every signal query (not the probe) with this error.
	Err error
	// Fail fails one signal's queries.
	Fail map[metrics.Signal]error
	// Empty answers these signals with no series.
	Empty map[metrics.Signal]bool
	// AlertList is what Alerts answers.
	AlertList []metrics.Alert
	// Delay holds every answer this long, or until the query's context
	// ends (a dead Prometheus).
	Delay time.Duration
	// Gate, when set, holds every answer until it is closed.
	Gate chan struct{}
}

// Name is what the screens show as the source.
func (m *Metrics) Name() string { return "fake prometheus" }

// QueryRange answers from Value.
func (m *Metrics) QueryRange(ctx context.Context, q metrics.Query, r metrics.Range) ([]metrics.Series, error) {
	m.mu.Lock()
	m.calls = append(m.calls, q)
	m.ranges = append(m.ranges, r)
	m.mu.Unlock()
	if err := m.wait(ctx); err != nil {
		return nil, err
	}
	if q.Signal == "" {
		if q.Preset == "promhttp" {
			return []metrics.Series{{Points: []metrics.Point{{T: r.End, V: 1}}}}, nil
		}
		return nil, nil
	}
	if m.Err != nil {
		return nil, m.Err
	}
	if err := m.Fail[q.Signal]; err != nil {
		return nil, err
	}
	if m.Empty[q.Signal] {
		return nil, nil
	}
	value := m.Value
	if value == nil {
		value = Rollout(Now().Add(-20 * time.Minute))
	}
	if f, ok := m.Workloads[q.Target.Name]; ok {
		if f == nil {
			return nil, nil
		}
		value = f
	}
	revs := []string{""}
	if q.PerRevision {
		revs = append(revs, m.Revisions...)
	}
	step := max(r.Step, time.Second)
	var out []metrics.Series
	for _, rev := range revs {
		s := metrics.Series{Revision: rev}
		for t := r.Start; !t.After(r.End); t = t.Add(step) {
			if v := value(q.Signal, rev, t); !math.IsNaN(v) || rev == "" {
				s.Points = append(s.Points, metrics.Point{T: t, V: v})
			}
		}
		if len(s.Points) > 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

// Steady is a workload that fails ratio of its requests with a p99 of
// p99 seconds, all along.
func Steady(ratio, p99 float64) func(s metrics.Signal, revision string, t time.Time) float64 {
	return func(s metrics.Signal, _ string, _ time.Time) float64 {
		switch s {
		case metrics.ErrorRatio:
			return ratio
		case metrics.LatencyP99:
			return p99
		case metrics.LatencyP50:
			return p99 / 4
		case metrics.RequestRate:
			return 50
		}
		return 0
	}
}

// Alerts lists AlertList.
func (m *Metrics) Alerts(ctx context.Context) ([]metrics.Alert, error) {
	m.mu.Lock()
	m.alertN++
	m.mu.Unlock()
	if err := m.wait(ctx); err != nil {
		return nil, err
	}
	if m.Err != nil {
		return nil, m.Err
	}
	return m.AlertList, nil
}

func (m *Metrics) wait(ctx context.Context) error {
	var delay <-chan time.Time
	if m.Delay > 0 {
		t := time.NewTimer(m.Delay)
		defer t.Stop()
		delay = t.C
	}
	if m.Gate == nil && delay == nil {
		return nil
	}
	select {
	case <-m.Gate:
	case <-delay:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Calls counts the queries of a signal so far (metrics.Signal("") counts
// the detection probes).
func (m *Metrics) Calls(s metrics.Signal) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, q := range m.calls {
		if q.Signal == s {
			n++
		}
	}
	return n
}

// Queries are every query so far, in order.
func (m *Metrics) Queries() []metrics.Query {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]metrics.Query(nil), m.calls...)
}

// Ranges are the ranges of every query so far, in order.
func (m *Metrics) Ranges() []metrics.Range {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]metrics.Range(nil), m.ranges...)
}

// AlertCalls counts Alerts calls.
func (m *Metrics) AlertCalls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.alertN
}

// The demo's checkout revisions' pod-template hashes are not known to
// the fake: these name the revisions a test lists in Revisions.
const (
	GoodRevision = "good"
	BadRevision  = "bad"
)

// Rollout is a bad rollout that starts at start: the good revision fails
// 0.2% of requests with a p99 of 180ms, the bad one 24% with 1.8s; the
// workload is their mix (half each once the rollout starts). Other
// signals are flat and healthy. A revision that is not serving has no
// value (NaN).
func Rollout(start time.Time) func(s metrics.Signal, revision string, t time.Time) float64 {
	return func(s metrics.Signal, revision string, t time.Time) float64 {
		bad := !t.Before(start)
		wiggle := 1 + 0.05*math.Sin(float64(t.Unix())/60)
		good, worse := 0.0, 0.0
		switch s {
		case metrics.ErrorRatio:
			good, worse = 0.002, 0.24
		case metrics.LatencyP99:
			good, worse = 0.18, 1.8
		case metrics.LatencyP50:
			good, worse = 0.04, 0.3
		case metrics.RequestRate:
			good, worse = 120, 120
		case metrics.CPUThrottling:
			good, worse = 0.02, 0.03
		case metrics.Memory:
			good, worse = 300<<20, 310<<20
		}
		switch revision {
		case GoodRevision:
			return good * wiggle
		case BadRevision:
			if !bad {
				return math.NaN()
			}
			return worse * wiggle
		}
		if !bad {
			return good * wiggle
		}
		return (good + worse) / 2 * wiggle
	}
}
