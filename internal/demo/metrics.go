package demo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	clienttesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/metrics"
)

// metricSource is the demo's synthetic Prometheus: the golden signals of
// every workload, consistent with the revisions the simulated cluster runs
// (see metrics_model.go and metrics_timeline.go).
type metricSource struct {
	store clienttesting.ObjectTracker
	now   func() time.Time

	mu        sync.Mutex
	timelines map[workloadID]*timeline

	// readMu serialises reads of the cluster; lastRead (real time) lets a
	// burst of queries (one refresh of a screen) share one read.
	readMu   sync.Mutex
	lastRead time.Time
}

// shareReadsWithin: queries this close to the last read of the cluster use
// it instead of reading again (a read costs more than answering a query).
const shareReadsWithin = 50 * time.Millisecond

// The presets whose metrics the demo shop exports.
const (
	presetPromHTTP = "promhttp"
	presetKube     = "kube"
)

// Alerting: HighErrorRatio fires for a workload failing more than 5% of
// its requests for a minute.
const (
	alertName  = "HighErrorRatio"
	alertLevel = 0.05
	alertFor   = time.Minute
)

// newMetricSource derives every workload's past from the seeded cluster.
func newMetricSource(ctx context.Context, store clienttesting.ObjectTracker, now func() time.Time) (*metricSource, error) {
	read, err := readCluster(ctx, store, true)
	if err != nil {
		return nil, err
	}
	o := read.observe(now())
	m := &metricSource{store: store, now: now, timelines: read.pastTimelines(o)}
	m.record(o)
	return m, nil
}

// Name says where the data comes from.
func (m *metricSource) Name() string { return "demo metrics (synthetic)" }

// run observes the cluster every interval until ctx is done, so that a
// rollout shows even when nobody is looking.
func (m *metricSource) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = m.observe(ctx) // a failed read is retried at the next tick
		}
	}
}

// observe records what the cluster runs now, unless it was read just now.
func (m *metricSource) observe(ctx context.Context) error {
	m.readMu.Lock()
	defer m.readMu.Unlock()
	if !m.lastRead.IsZero() && time.Since(m.lastRead) < shareReadsWithin {
		return nil
	}
	read, err := readCluster(ctx, m.store, false)
	if err != nil {
		return err
	}
	m.record(read.observe(m.now()))
	m.lastRead = time.Now()
	return nil
}

func (m *metricSource) record(o *observation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[workloadID]bool{}
	for id, counts := range o.pods {
		seen[id] = true
		tl := m.timelines[id]
		if tl == nil {
			tl = newTimeline(id)
			m.timelines[id] = tl
		}
		tl.record(o.at, mixOf(counts), o.revs[id])
	}
	// A known workload without running pods serves nothing.
	for id, tl := range m.timelines {
		if !seen[id] {
			tl.record(o.at, nil, nil)
		}
	}
}

// snapshot is a consistent copy of a workload's timeline.
func (m *metricSource) snapshot(id workloadID) (timeline, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	tl, ok := m.timelines[id]
	if !ok {
		return timeline{}, false
	}
	return *tl, true
}

func (m *metricSource) snapshots() []timeline {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]timeline, 0, len(m.timelines))
	for _, tl := range m.timelines {
		out = append(out, *tl)
	}
	slices.SortFunc(out, func(a, b timeline) int { return cmp.Compare(a.id.String(), b.id.String()) })
	return out
}

// QueryRange answers q over r: the workload's series, and with
// q.PerRevision one series per revision (pod-template-hash) of a
// Deployment while it has pods. There is no data before the workload
// existed, after the cluster's now, for presets the shop does not export,
// or for unknown workloads.
func (m *metricSource) QueryRange(ctx context.Context, q metrics.Query, r metrics.Range) ([]metrics.Series, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n, err := pointCount(r)
	if err != nil {
		return nil, err
	}
	if q.Signal != "" && !slices.Contains(metrics.Signals(), q.Signal) && !isCount(q.Signal) {
		return nil, fmt.Errorf("demo metrics: unknown signal %q", q.Signal)
	}
	if !exports(q.Preset, q.Signal == "") {
		return nil, nil
	}
	if err := m.observe(ctx); err != nil {
		return nil, err
	}
	tl, ok := m.snapshot(workloadID{q.Target.Namespace, q.Target.Kind, q.Target.Name})
	if !ok {
		return nil, nil
	}
	perRevision := q.PerRevision && q.Signal != "" && q.Target.Kind == "Deployment"
	window := q.Rate
	if window <= 0 {
		window = time.Minute
	}
	now := m.now()
	if isCount(q.Signal) {
		return countSeries(ctx, &tl, q.Signal, r, n, window, now)
	}
	all := metrics.Series{}
	byRevision := map[*revision]*metrics.Series{}
	var buf []share
	for i := range n {
		if i%256 == 255 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		t := r.Start.Add(time.Duration(i) * r.Step)
		if t.After(now) {
			break
		}
		var ok bool
		if buf, ok = tl.shares(t, buf); !ok {
			continue
		}
		if q.Signal == "" {
			// A probe: the workload's series exist, one per pod.
			pods := 0.0
			for _, sh := range buf {
				pods += sh.pods
			}
			all.Points = append(all.Points, metrics.Point{T: t, V: pods})
			continue
		}
		rps := demand(tl.base, t)
		all.Points = append(all.Points, metrics.Point{T: t, V: value(q.Signal, buf, rps, window.Seconds())})
		if !perRevision {
			continue
		}
		for _, sh := range buf {
			if sh.rev.key == "" {
				continue
			}
			s := byRevision[sh.rev]
			if s == nil {
				s = &metrics.Series{Revision: sh.rev.key}
				byRevision[sh.rev] = s
			}
			one := sh
			one.weight = 1
			s.Points = append(s.Points, metrics.Point{T: t, V: value(q.Signal, []share{one}, rps*sh.weight, window.Seconds())})
		}
	}
	if len(all.Points) == 0 {
		return nil, nil
	}
	out := []metrics.Series{all}
	revs := make([]*revision, 0, len(byRevision))
	for r := range byRevision {
		revs = append(revs, r)
	}
	slices.SortFunc(revs, func(a, b *revision) int {
		return cmp.Or(cmp.Compare(tl.revision(a.key).number, tl.revision(b.key).number), cmp.Compare(a.key, b.key))
	})
	for _, r := range revs {
		out = append(out, *byRevision[r])
	}
	return out, nil
}

// isCount reports whether s is a request count over the query's window
// (an incident's impact) rather than a panel's signal.
func isCount(s metrics.Signal) bool { return s == metrics.FailedRequests || s == metrics.Requests }

// countSteps is how finely a count integrates the request rate: at most
// this many slices of its window, and none shorter than a second.
const countSteps = 600

// countSeries answers a request count: at each step, the requests (or the
// failed ones) of the whole workload over the window before it, the
// integral of the same rates the error ratio and request rate panels show.
// Slices of the window with no pods, or after now, count nothing.
func countSeries(ctx context.Context, tl *timeline, s metrics.Signal, r metrics.Range, n int, window time.Duration, now time.Time) ([]metrics.Series, error) {
	k := min(countSteps, max(1, int(window/time.Second)))
	dt := window / time.Duration(k)
	all := metrics.Series{}
	var buf []share
	for i := range n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := r.Start.Add(time.Duration(i) * r.Step)
		if t.After(now) {
			break
		}
		sum, seen := 0.0, false
		for j := range k {
			at := t.Add(-window + time.Duration(j)*dt + dt/2)
			var ok bool
			if buf, ok = tl.shares(at, buf); !ok {
				continue
			}
			seen = true
			rate := value(metrics.RequestRate, buf, demand(tl.base, at), 0)
			if s == metrics.FailedRequests {
				rate *= value(metrics.ErrorRatio, buf, 0, 0)
			}
			sum += rate * dt.Seconds()
		}
		if seen {
			all.Points = append(all.Points, metrics.Point{T: t, V: sum})
		}
	}
	if len(all.Points) == 0 {
		return nil, nil
	}
	return []metrics.Series{all}, nil
}

// exports says whether the shop has the metrics of a preset: client_golang
// and kube-state-metrics/cAdvisor, no mesh and no ingress controller.
// Signal queries of a custom override are answered like the presets'.
func exports(preset string, probe bool) bool {
	switch preset {
	case presetPromHTTP, presetKube:
		return true
	case metrics.CustomPreset, "":
		return !probe
	}
	return false
}

// pointCount is the number of steps of r, checked as Prometheus does.
func pointCount(r metrics.Range) (int, error) {
	switch {
	case r.Start.IsZero() || r.End.IsZero():
		return 0, fmt.Errorf("demo metrics: the range needs a start and an end")
	case r.End.Before(r.Start):
		return 0, fmt.Errorf("demo metrics: the range ends (%s) before it starts (%s)", r.End.Format(time.RFC3339), r.Start.Format(time.RFC3339))
	case r.End.Equal(r.Start):
		return 1, nil
	case r.Step <= 0:
		return 0, fmt.Errorf("demo metrics: the step must be positive, not %s", r.Step)
	}
	n := int64(r.End.Sub(r.Start)/r.Step) + 1
	if n > metrics.MaxPoints {
		return 0, fmt.Errorf("demo metrics: exceeded maximum resolution of 11,000 points per timeseries: %d points (try a larger step than %s)", n, r.Step)
	}
	return int(n), nil
}

// Alerts are HighErrorRatio for every workload failing more than 5% of its
// requests now: pending for the first minute, then firing.
func (m *metricSource) Alerts(ctx context.Context) ([]metrics.Alert, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := m.observe(ctx); err != nil {
		return nil, err
	}
	now := m.now()
	var out []metrics.Alert
	for _, tl := range m.snapshots() {
		ratio, ok := tl.errorRatio(now)
		if !ok || ratio <= alertLevel {
			continue
		}
		since := tl.above(now)
		state := "firing"
		if now.Sub(since) < alertFor {
			state = "pending"
		}
		kind := strings.ToLower(tl.id.kind)
		out = append(out, metrics.Alert{
			Name: alertName, State: state, ActiveAt: since, Value: strconv.FormatFloat(ratio, 'e', 4, 64),
			Labels: map[string]string{"alertname": alertName, "namespace": tl.id.namespace, kind: tl.id.name, "severity": "critical"},
			Annotations: map[string]string{
				"summary": fmt.Sprintf("%s is failing %.1f%% of its requests", tl.id.name, ratio*100),
				"description": fmt.Sprintf("The error ratio of %s %s/%s has been above %.0f%% since %s.",
					kind, tl.id.namespace, tl.id.name, alertLevel*100, since.UTC().Format(time.RFC3339)),
			},
		})
	}
	return out, nil
}

func (tl *timeline) errorRatio(t time.Time) (float64, bool) {
	shares, ok := tl.shares(t, nil)
	if !ok {
		return 0, false
	}
	return value(metrics.ErrorRatio, shares, 0, 0), true
}

// above is when the error ratio last crossed the alert level before now:
// minute steps back, then seconds forward.
func (tl *timeline) above(now time.Time) time.Time {
	high := func(t time.Time) bool { r, ok := tl.errorRatio(t); return ok && r > alertLevel }
	first := now
	for range 7 * 24 * 60 {
		t := first.Add(-time.Minute)
		if !high(t) {
			for s := t.Add(time.Second); s.Before(first); s = s.Add(time.Second) {
				if high(s) {
					return s
				}
			}
			return first
		}
		first = t
	}
	return first
}
