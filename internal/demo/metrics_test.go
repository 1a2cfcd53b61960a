package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

func deployment(name string) metrics.Target {
	return metrics.Target{Namespace: Namespace, Kind: "Deployment", Name: name}
}

func instant(at time.Time) metrics.Range { return metrics.Range{Start: at, End: at, Step: time.Second} }

// query asks the cluster's metrics as the health screen does (preset
// promhttp, rate window 1m).
func query(t *testing.T, c *Cluster, s metrics.Signal, target metrics.Target, r metrics.Range, perRevision bool) []metrics.Series {
	t.Helper()
	q := metrics.Query{Signal: s, Preset: "promhttp", Expr: "synthetic", PerRevision: perRevision, Rate: time.Minute, Target: target}
	series, err := c.Metrics().QueryRange(context.Background(), q, r)
	if err != nil {
		t.Fatalf("%s of %s: %v", s, target.Name, err)
	}
	return series
}

// now is the workload's value at the cluster's now.
func now(t *testing.T, c *Cluster, s metrics.Signal, target metrics.Target) float64 {
	t.Helper()
	series := query(t, c, s, target, instant(c.metrics.now()), false)
	if len(series) != 1 || len(series[0].Points) != 1 || series[0].Revision != "" {
		t.Fatalf("%s of %s now: want one aggregate point, got %v", s, target.Name, series)
	}
	return series[0].Points[0].V
}

// checkoutReplicaSet is checkout's ReplicaSet of revision n, read from the
// cluster.
func checkoutReplicaSet(t *testing.T, c *Cluster, n int64) *appsv1.ReplicaSet {
	t.Helper()
	d := getDeployment(t, c, "checkout")
	l, err := c.Client().AppsV1().ReplicaSets(Namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range l.Items {
		rs := &l.Items[i]
		if metav1.IsControlledBy(rs, d) && rs.Annotations[rollout.RevisionAnnotation] == strconv.FormatInt(n, 10) {
			return rs
		}
	}
	t.Fatalf("checkout has no ReplicaSet of revision %d", n)
	return nil
}

func revisionSeries(series []metrics.Series, hash string) (metrics.Series, bool) {
	for _, s := range series {
		if s.Revision == hash {
			return s, true
		}
	}
	return metrics.Series{}, false
}

func TestMetricsSeededCheckoutFailsAndTheRestIsHealthy(t *testing.T) {
	c := newCluster(t)
	checkout := deployment("checkout")
	if v := now(t, c, metrics.ErrorRatio, checkout); v < 0.09 || v > 0.15 {
		t.Errorf("checkout error ratio now %.4f, want about 12%%", v)
	}
	if v := now(t, c, metrics.LatencyP99, checkout); v <= 1.5 {
		t.Errorf("checkout p99 now %.3fs, want above 1.5s", v)
	}
	if v := now(t, c, metrics.Restarts, checkout); v <= 0 {
		t.Errorf("checkout restarts now %.2f, want some", v)
	}
	for _, target := range []metrics.Target{deployment("frontend"), deployment("payments"), deployment("catalog"),
		{Namespace: Namespace, Kind: "StatefulSet", Name: "ledger"}, {Namespace: Namespace, Kind: "DaemonSet", Name: "log-agent"},
		{Namespace: "kube-system", Kind: "Deployment", Name: "coredns"}} {
		if v := now(t, c, metrics.ErrorRatio, target); v >= 0.01 || v <= 0 {
			t.Errorf("%s error ratio now %.4f, want healthy (0 < v < 1%%)", target.Name, v)
		}
		if v := now(t, c, metrics.LatencyP99, target); v >= 0.3 || v < 0.1 {
			t.Errorf("%s p99 now %.3fs, want 100-300ms", target.Name, v)
		}
		if v := now(t, c, metrics.Restarts, target); v != 0 {
			t.Errorf("%s restarts now %.2f, want 0", target.Name, v)
		}
	}
}

// A day of a healthy workload stays within realistic bands and is not flat.
func TestMetricsHealthyDayIsRealistic(t *testing.T) {
	c := newCluster(t)
	end := c.metrics.now()
	day := metrics.Range{Start: end.Add(-24 * time.Hour), End: end, Step: 5 * time.Minute}
	bands := map[metrics.Signal][2]float64{
		metrics.ErrorRatio:    {0.0005, 0.008},
		metrics.LatencyP50:    {0.02, 0.08},
		metrics.LatencyP99:    {0.1, 0.3},
		metrics.RequestRate:   {150, 450},
		metrics.CPUThrottling: {0, 0.1},
		metrics.Memory:        {50 << 20, 256 << 20},
		metrics.Restarts:      {0, 0},
	}
	for s, band := range bands {
		series := query(t, c, s, deployment("frontend"), day, false)
		if len(series) != 1 || len(series[0].Points) != 289 {
			t.Fatalf("frontend %s over a day: %d series, want one with 289 points", s, len(series))
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range series[0].Points {
			lo, hi = min(lo, p.V), max(hi, p.V)
		}
		if lo < band[0] || hi > band[1] {
			t.Errorf("frontend %s over a day spans %g..%g, want within %g..%g", s, lo, hi, band[0], band[1])
		}
		if s != metrics.Restarts && hi-lo < 0.05*hi {
			t.Errorf("frontend %s over a day is flat (%g..%g): want noise", s, lo, hi)
		}
	}
}

func TestMetricsCheckoutWasHealthyBeforeRevision6(t *testing.T) {
	c := newCluster(t)
	created := checkoutReplicaSet(t, c, 6).CreationTimestamp.Time
	before := metrics.Range{Start: created.Add(-6 * time.Hour), End: created.Add(-time.Second), Step: time.Minute}
	for _, s := range []metrics.Signal{metrics.ErrorRatio, metrics.LatencyP99} {
		series := query(t, c, s, deployment("checkout"), before, false)
		if len(series) != 1 || len(series[0].Points) == 0 {
			t.Fatalf("checkout %s before revision 6: %v", s, series)
		}
		limit := map[metrics.Signal]float64{metrics.ErrorRatio: 0.01, metrics.LatencyP99: 0.3}[s]
		for _, p := range series[0].Points {
			if p.V >= limit {
				t.Fatalf("checkout %s at %s (before revision 6 at %s) = %g, want < %g", s, p.T, created, p.V, limit)
			}
		}
	}
	// From a minute after it started rolling out, it hurts.
	after := query(t, c, metrics.ErrorRatio, deployment("checkout"), metrics.Range{Start: created.Add(time.Minute), End: c.metrics.now(), Step: 10 * time.Second}, false)
	for _, p := range after[0].Points {
		if p.V < 0.05 {
			t.Fatalf("checkout error ratio at %s, after revision 6 started at %s, is %g", p.T, created, p.V)
		}
	}
}

func TestMetricsPerRevisionDuringTheHalfDoneRollout(t *testing.T) {
	c := newCluster(t)
	good, bad := checkoutReplicaSet(t, c, 5), checkoutReplicaSet(t, c, 6)
	goodHash, badHash := good.Labels[rollout.PodTemplateHashKey], bad.Labels[rollout.PodTemplateHashKey]
	start := bad.CreationTimestamp.Add(-2 * time.Minute)
	r := metrics.Range{Start: start, End: c.metrics.now(), Step: 10 * time.Second}
	series := query(t, c, metrics.ErrorRatio, deployment("checkout"), r, true)
	if len(series) != 3 || series[0].Revision != "" || series[1].Revision != goodHash || series[2].Revision != badHash {
		var got []string
		for _, s := range series {
			got = append(got, strconv.Quote(s.Revision))
		}
		t.Fatalf("series %v, want the aggregate, revision 5 (%s) and revision 6 (%s)", got, goodHash, badHash)
	}
	old, cur := series[1], series[2]
	if n := len(series[0].Points); len(old.Points) != n {
		t.Errorf("revision 5 has %d points, the workload %d: its pods ran throughout", len(old.Points), n)
	}
	for _, p := range cur.Points {
		if p.T.Before(bad.CreationTimestamp.Time) {
			t.Errorf("revision 6 has a point at %s, before its ReplicaSet existed (%s)", p.T, bad.CreationTimestamp)
		}
	}
	if len(cur.Points) == 0 {
		t.Fatal("revision 6 has no points")
	}
	if v := cur.Points[len(cur.Points)-1].V; v < 0.2 {
		t.Errorf("revision 6's own error ratio now %.3f, want its pods failing", v)
	}
	if v := old.Points[len(old.Points)-1].V; v >= 0.01 {
		t.Errorf("revision 5's own error ratio now %.4f, want healthy", v)
	}
	// The workload is the mix of both, by their pods (3 old, 2 new).
	agg := series[0].Points[len(series[0].Points)-1].V
	mixed := (3*old.Points[len(old.Points)-1].V + 2*cur.Points[len(cur.Points)-1].V) / 5
	if math.Abs(agg-mixed) > 1e-9 {
		t.Errorf("workload error ratio %g, the pods' mix of the revisions is %g", agg, mixed)
	}
	// Request rates split by pods and add up.
	rates := query(t, c, metrics.RequestRate, deployment("checkout"), instant(r.End), true)
	if len(rates) != 3 || math.Abs(rates[0].Points[0].V-rates[1].Points[0].V-rates[2].Points[0].V) > 1e-9 {
		t.Errorf("request rates %v: the revisions' should add up to the workload's", rates)
	}
	// Other kinds have the workload's series only.
	if s := query(t, c, metrics.ErrorRatio, metrics.Target{Namespace: Namespace, Kind: "StatefulSet", Name: "ledger"}, r, true); len(s) != 1 || s[0].Revision != "" {
		t.Errorf("ledger per revision: %d series, want the aggregate only", len(s))
	}
}

func TestMetricsPastRollbackOfPaymentsShows(t *testing.T) {
	c := newCluster(t)
	// payments' revision 5 (4.3.0, whose image crashes) was rolled back
	// 22 minutes after it started: revision 6 is revision 4 again.
	h := history(t, c, rollout.Deployment, Namespace, "payments")
	bad, ok := h.Find(5)
	if !ok {
		t.Fatal("payments has no revision 5")
	}
	during := bad.Created.Add(10 * time.Minute)
	if v := query(t, c, metrics.ErrorRatio, deployment("payments"), instant(during), false)[0].Points[0].V; v < 0.05 {
		t.Errorf("payments error ratio during its bad revision %.4f, want above 5%%", v)
	}
	if v := query(t, c, metrics.ErrorRatio, deployment("payments"), instant(bad.Created.Add(-time.Hour)), false)[0].Points[0].V; v >= 0.01 {
		t.Errorf("payments error ratio before its bad revision %.4f, want healthy", v)
	}
	if v := now(t, c, metrics.ErrorRatio, deployment("payments")); v >= 0.01 {
		t.Errorf("payments error ratio now, after the rollback, %.4f", v)
	}
}

func TestMetricsRollbackInTheDemoHeals(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	ctx := context.Background()
	checkout := deployment("checkout")
	if v := now(t, c, metrics.ErrorRatio, checkout); v < 0.05 {
		t.Fatalf("checkout error ratio before the rollback %.4f", v)
	}
	alerts, err := c.Metrics().Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	firing := metrics.MatchAlerts(alerts, checkout)
	if len(firing) != 1 || firing[0].Name != "HighErrorRatio" || firing[0].Labels["severity"] != "critical" ||
		firing[0].Labels["deployment"] != "checkout" || firing[0].Annotations["summary"] == "" {
		t.Fatalf("alerts before the rollback %+v, want HighErrorRatio firing for checkout", alerts)
	}
	created := checkoutReplicaSet(t, c, 6).CreationTimestamp.Time
	if at := firing[0].ActiveAt; at.Before(created) || at.After(created.Add(time.Minute)) {
		t.Errorf("alert active since %s, revision 6 started rolling out at %s", at, created)
	}
	if len(metrics.MatchAlerts(alerts, deployment("frontend"))) != 0 {
		t.Errorf("alerts %+v match frontend", alerts)
	}

	// Queries keep coming while the rollback runs (race detector).
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, s := range []metrics.Signal{metrics.ErrorRatio, metrics.LatencyP99, metrics.RequestRate} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				end := time.Now()
				q := metrics.Query{Signal: s, Preset: "promhttp", PerRevision: true, Rate: time.Minute, Target: checkout}
				if _, err := c.Metrics().QueryRange(ctx, q, metrics.Range{Start: end.Add(-15 * time.Minute), End: end, Step: 5 * time.Second}); err != nil {
					t.Error(err)
					return
				}
				if _, err := c.Metrics().Alerts(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	undoAt := time.Now()
	undo(t, c, rollout.Ref{Kind: rollout.Deployment, Namespace: Namespace, Name: "checkout"},
		rollout.UndoOptions{Attribution: rollout.Attribution{Actor: User, Reason: "INC-42"}})
	waitComplete(t, c, rollout.Deployment, "checkout")
	close(stop)
	wg.Wait()

	waitFor(t, "checkout's error ratio to fall below 1%", func() (bool, string) {
		v := now(t, c, metrics.ErrorRatio, checkout)
		return v < 0.01, fmt.Sprintf("error ratio %.4f", v)
	})
	if v := now(t, c, metrics.LatencyP99, checkout); v >= 0.3 {
		t.Errorf("checkout p99 after the rollback %.3fs", v)
	}
	alerts, err = c.Metrics().Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 0 {
		t.Errorf("alerts after the rollback: %+v", alerts)
	}
	// The graph tells the story: failing before the undo, healed after;
	// revision 6's own line stops when its pods are gone.
	end := c.metrics.now()
	series := query(t, c, metrics.ErrorRatio, checkout, metrics.Range{Start: undoAt.Add(-2 * time.Minute), End: end, Step: time.Second}, true)
	if first := series[0].Points[0].V; first < 0.05 {
		t.Errorf("error ratio two minutes before the undo %.4f", first)
	}
	badHash := checkoutReplicaSet(t, c, 6).Labels[rollout.PodTemplateHashKey]
	if s, ok := revisionSeries(series, badHash); !ok || len(s.Points) == 0 || !s.Points[len(s.Points)-1].T.Before(end) {
		t.Errorf("revision 6's series %v should end before now", s.Points)
	}
}

func TestMetricsProbes(t *testing.T) {
	c := newCluster(t)
	at := instant(c.metrics.now())
	for preset, want := range map[string]bool{"promhttp": true, "kube": true, "istio": false, "ingress-nginx": false, "custom": false} {
		q := metrics.Query{Preset: preset, Expr: "count(x)", Target: deployment("frontend")}
		series, err := c.Metrics().QueryRange(context.Background(), q, at)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(series) > 0 && len(series[0].Points) > 0; got != want {
			t.Errorf("probe of preset %s has data %v, want %v", preset, got, want)
		}
	}
	// A preset the shop does not export answers no signal either.
	q := metrics.Query{Signal: metrics.ErrorRatio, Preset: "istio", Target: deployment("frontend")}
	if series, err := c.Metrics().QueryRange(context.Background(), q, at); err != nil || len(series) != 0 {
		t.Errorf("istio error ratio: %v %v, want no data", series, err)
	}
}

func TestMetricsPointsNeverExceedTheRange(t *testing.T) {
	c := newCluster(t)
	end := c.metrics.now()
	for _, r := range []metrics.Range{
		{Start: end.Add(-time.Hour), End: end, Step: 7 * time.Second},
		{Start: end.Add(-24 * time.Hour), End: end, Step: 24 * time.Hour / 200},
		{Start: end.Add(-15 * time.Minute), End: end.Add(15 * time.Minute), Step: 13 * time.Second}, // half in the future
		{Start: end.Add(-40 * day), End: end, Step: time.Hour},                                      // before the shop existed
		{Start: end.Add(-time.Minute), End: end, Step: time.Hour},
		instant(end),
	} {
		limit := 1
		if r.End.After(r.Start) {
			limit = int(r.End.Sub(r.Start)/r.Step) + 1
		}
		series := query(t, c, metrics.LatencyP99, deployment("checkout"), r, true)
		for _, s := range series {
			if len(s.Points) > limit {
				t.Errorf("range %s..%s step %s: series %q has %d points, limit %d", r.Start, r.End, r.Step, s.Revision, len(s.Points), limit)
			}
			for i, p := range s.Points {
				if p.T.After(end) || p.T.Before(r.Start) || p.T.After(r.End) || (i > 0 && !p.T.After(s.Points[i-1].T)) {
					t.Errorf("series %q point %d at %s is outside %s..%s (now %s) or out of order", s.Revision, i, p.T, r.Start, r.End, end)
				}
				if math.IsNaN(p.V) || math.IsInf(p.V, 0) || p.V <= 0 {
					t.Errorf("series %q point at %s is %g", s.Revision, p.T, p.V)
				}
			}
		}
	}
}

func TestMetricsBadInput(t *testing.T) {
	c := newCluster(t)
	end := c.metrics.now()
	ctx := context.Background()
	q := metrics.Query{Signal: metrics.ErrorRatio, Preset: "promhttp", Target: deployment("checkout")}
	for _, tc := range []struct {
		r    metrics.Range
		want string
	}{
		{metrics.Range{Start: end, End: end.Add(-time.Minute), Step: time.Second}, "before it starts"},
		{metrics.Range{Start: end.Add(-time.Minute), End: end}, "step must be positive"},
		{metrics.Range{Start: end.Add(-time.Minute), End: end, Step: -time.Second}, "step must be positive"},
		{metrics.Range{Start: end.Add(-24 * time.Hour), End: end, Step: time.Second}, "11,000 points"},
		{metrics.Range{End: end, Step: time.Second}, "needs a start"},
	} {
		if _, err := c.Metrics().QueryRange(ctx, q, tc.r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("range %+v: error %v, want one saying %q", tc.r, err, tc.want)
		}
	}
	bad := q
	bad.Signal = "throughput"
	if _, err := c.Metrics().QueryRange(ctx, bad, instant(end)); err == nil || !strings.Contains(err.Error(), `"throughput"`) {
		t.Errorf("unknown signal: %v", err)
	}
	for _, target := range []metrics.Target{deployment("nope"), {Namespace: "other", Kind: "Deployment", Name: "checkout"},
		{Namespace: Namespace, Kind: "StatefulSet", Name: "checkout"}} {
		unknown := q
		unknown.Target = target
		if series, err := c.Metrics().QueryRange(ctx, unknown, instant(end)); err != nil || len(series) != 0 {
			t.Errorf("%+v: %v %v, want no data and no error", target, series, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Metrics().QueryRange(cancelled, q, instant(end)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled query: %v", err)
	}
	if _, err := c.Metrics().Alerts(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled alerts: %v", err)
	}
	if name := c.Metrics().Name(); name != "demo metrics (synthetic)" {
		t.Errorf("name %q", name)
	}
}

func TestMetricsAreDeterministic(t *testing.T) {
	a, b := newCluster(t), newCluster(t) // the same test clock
	end := a.metrics.now()
	r := metrics.Range{Start: end.Add(-6 * time.Hour), End: end, Step: 97 * time.Second}
	for _, s := range metrics.Signals() {
		first := query(t, a, s, deployment("checkout"), r, true)
		again := query(t, a, s, deployment("checkout"), r, true)
		other := query(t, b, s, deployment("checkout"), r, true)
		if fmt.Sprint(first) != fmt.Sprint(again) || fmt.Sprint(first) != fmt.Sprint(other) {
			t.Errorf("%s differs between two identical queries", s)
		}
		// A range with other bounds agrees at the times both have.
		shifted := query(t, a, s, deployment("checkout"), metrics.Range{Start: r.Start.Add(97 * time.Second), End: end.Add(-97 * time.Second), Step: 97 * time.Second}, false)
		byTime := map[time.Time]float64{}
		for _, p := range first[0].Points {
			byTime[p.T] = p.V
		}
		for _, p := range shifted[0].Points {
			if v, ok := byTime[p.T]; !ok || v != p.V {
				t.Errorf("%s at %s: %g in one range, %g (present %v) in the other", s, p.T, p.V, v, ok)
				break
			}
		}
	}
}

// End to end: the health checks mayday runs, on the demo's metrics.
func TestMetricsHealthCheckOnTheDemo(t *testing.T) {
	c, err := New(Options{}) // the real clock: Health plans its ranges on it
	if err != nil {
		t.Fatal(err)
	}
	h := &metrics.Health{Source: c.Metrics()}
	ctx := context.Background()
	v, panels := h.Check(ctx, deployment("checkout"), 15*time.Minute, 60, metrics.GoldenSignals())
	if v.State != metrics.Critical || len(v.Alerts) != 1 || v.Source != "demo metrics (synthetic)" {
		t.Errorf("checkout: %s (%s), %d alerts, source %q; want critical with the HighErrorRatio alert", v.State, v.Reason, len(v.Alerts), v.Source)
	}
	for _, p := range panels {
		if p.Err != nil || p.Query.Preset != "promhttp" {
			t.Errorf("checkout panel %s: preset %q, error %v", p.Signal, p.Query.Preset, p.Err)
		}
	}
	v, _ = h.Check(ctx, deployment("frontend"), time.Hour, 120, metrics.GoldenSignals())
	if v.State != metrics.Healthy || len(v.Alerts) != 0 {
		t.Errorf("frontend: %s (%s), alerts %v; want healthy", v.State, v.Reason, v.Alerts)
	}
}

func BenchmarkMetricsDayOfThreeSeries(b *testing.B) {
	c, err := New(Options{Now: newTestClock().Now})
	if err != nil {
		b.Fatal(err)
	}
	end := c.metrics.now()
	r := metrics.Range{Start: end.Add(-24 * time.Hour), End: end, Step: 24 * time.Hour / 199}
	// The aggregate and one series per revision of the half-done rollout.
	q := metrics.Query{Signal: metrics.LatencyP99, Preset: "promhttp", PerRevision: true, Rate: time.Minute, Target: deployment("checkout")}
	ctx := context.Background()
	for b.Loop() {
		series, err := c.Metrics().QueryRange(ctx, q, r)
		if err != nil || len(series) != 3 {
			b.Fatalf("%d series, %v", len(series), err)
		}
	}
}

// BenchmarkMetricsReadCluster is the cost of one look at the simulated
// cluster, which a burst of queries shares.
func BenchmarkMetricsReadCluster(b *testing.B) {
	c, err := New(Options{Now: newTestClock().Now})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		read, err := readCluster(ctx, c.cs.Tracker(), false)
		if err != nil {
			b.Fatal(err)
		}
		c.metrics.record(read.observe(c.metrics.now()))
	}
}
