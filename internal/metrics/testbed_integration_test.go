//go:build integration

package metrics_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	commoncfg "github.com/prometheus/common/config"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// Helpers shared by the integration tests against the test bed's real
// Prometheus, which scrapes the demo shops (cmd/shopd) every second.

// The plot the tests check: 30 cells over 5 minutes is a 10 s step, so
// the rate() range is 10 s; with a shop at 100 requests/s that holds
// enough requests to see the good version's 0.2 % errors.
const (
	window = 5 * time.Minute
	cells  = 30
	rps    = 100
)

// testThresholds are the default levels judged on the latest point: the
// test bed lives in seconds, not in production's minutes.
func testThresholds() map[metrics.Signal]metrics.Threshold {
	th := metrics.DefaultThresholds()
	for s, x := range th {
		x.For = 0
		th[s] = x
	}
	return th
}

// newHealth is mayday's health checker against the Prometheus at url, as
// the CLI builds it, with the test bed's scrape interval.
func newHealth(t *testing.T, url string, http commoncfg.HTTPClientConfig, settings func(metrics.Target) metrics.Settings) *metrics.Health {
	t.Helper()
	src, err := metrics.NewPrometheus(url, http)
	if err != nil {
		t.Fatal(err)
	}
	if settings == nil {
		settings = func(metrics.Target) metrics.Settings { return metrics.Settings{Thresholds: testThresholds()} }
	}
	return &metrics.Health{Source: src, Scrape: time.Second, Settings: settings}
}

// rateRange is the rate() range of the tests' plot.
func rateRange(t *testing.T, h *metrics.Health) time.Duration {
	t.Helper()
	r, err := metrics.PlanRange(time.Now(), window, cells)
	if err != nil {
		t.Fatal(err)
	}
	return h.RateRange(r.Step)
}

func check(t *testing.T, h *metrics.Health, target metrics.Target) (metrics.Verdict, []metrics.Panel) {
	t.Helper()
	return h.Check(t.Context(), target, window, cells, metrics.GoldenSignals())
}

// until checks again every half second until ok holds, and fails the test
// with the last verdict when it does not within limit.
func until(t *testing.T, what string, limit time.Duration, h *metrics.Health, target metrics.Target,
	ok func(metrics.Verdict, []metrics.Panel) bool) (metrics.Verdict, []metrics.Panel) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		v, panels := check(t, h, target)
		if ok(v, panels) {
			return v, panels
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last verdict %s", what, limit, describe(v))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// settled checks once the latest point's rate() window lies wholly after
// since: then the verdict reflects only what has served since then.
func settled(t *testing.T, h *metrics.Health, target metrics.Target, since time.Time) (metrics.Verdict, []metrics.Panel) {
	t.Helper()
	after := since.Add(rateRange(t, h) + 2*time.Second)
	return until(t, "a sample whose rate window starts after "+since.Format(time.TimeOnly), 90*time.Second, h, target,
		func(v metrics.Verdict, _ []metrics.Panel) bool {
			r := result(v, metrics.ErrorRatio)
			return r.HasValue && r.SampledAt.After(after)
		})
}

func result(v metrics.Verdict, s metrics.Signal) metrics.SignalResult {
	for _, r := range v.Signals {
		if r.Signal == s {
			return r
		}
	}
	return metrics.SignalResult{Signal: s, Reason: "not in the verdict"}
}

func panelOf(panels []metrics.Panel, s metrics.Signal) metrics.Panel {
	for _, p := range panels {
		if p.Signal == s {
			return p
		}
	}
	return metrics.Panel{Signal: s, Err: fmt.Errorf("no %s panel", s)}
}

func describe(v metrics.Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)", v.State, v.Reason)
	for _, r := range v.Signals {
		fmt.Fprintf(&b, "\n  %s", r)
	}
	for _, a := range v.Alerts {
		fmt.Fprintf(&b, "\n  alert %s %v", a.Name, a.Labels)
	}
	return b.String()
}

// inRange fails the test unless signal s has a value within lo..hi.
func inRange(t *testing.T, v metrics.Verdict, s metrics.Signal, lo, hi float64) {
	t.Helper()
	r := result(v, s)
	if !r.HasValue || r.Value < lo || r.Value > hi {
		t.Errorf("%s = %s (has value: %v), want %s..%s; verdict %s", s.Label(), metrics.FormatValue(s, r.Value), r.HasValue,
			metrics.FormatValue(s, lo), metrics.FormatValue(s, hi), describe(v))
	}
}

// shopPod is a pod name as a Deployment's ReplicaSet names them.
func shopPod(workload, hash, suffix string) string { return workload + "-" + hash + "-" + suffix }

// ---- a real Deployment whose pods the test mirrors with demo shops ----

func webDeployment(image string) *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	one := int32(1)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "shop", Image: image}}},
			},
		},
	}
}

// live is a Deployment's state after a rollout completed: the current
// revision's pod-template-hash, its pod, and every revision by hash.
type live struct {
	Hash      string
	Pod       string
	Revisions map[string]int64
}

// waitRolledOut waits until deployment web in ns has completed its rollout
// and returns the live revision and its pod.
func waitRolledOut(t *testing.T, env *testbed.Env, ns string) live {
	t.Helper()
	cs := env.Clientset(t)
	var out live
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s := d.Status
		if s.ObservedGeneration < d.Generation || s.UpdatedReplicas != *d.Spec.Replicas || s.Replicas != s.UpdatedReplicas || s.AvailableReplicas != s.Replicas {
			return false, nil
		}
		rss, err := cs.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		out = live{Revisions: map[string]int64{}}
		var newest int64
		for _, rs := range rss.Items {
			rev, _ := strconv.ParseInt(rs.Annotations["deployment.kubernetes.io/revision"], 10, 64)
			hash := rs.Labels["pod-template-hash"]
			out.Revisions[hash] = rev
			if rev > newest {
				newest, out.Hash = rev, hash
			}
		}
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "pod-template-hash=" + out.Hash})
		if err != nil {
			return false, err
		}
		var names []string
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil {
				names = append(names, p.Name)
			}
		}
		if len(names) != 1 {
			return false, nil
		}
		out.Pod = names[0]
		return true, nil
	})
	if err != nil {
		t.Fatalf("deployment %s/web did not complete its rollout: %v", ns, err)
	}
	return out
}

func revisionsOf(p metrics.Panel) []string {
	var out []string
	for _, s := range p.Series {
		out = append(out, s.Revision)
	}
	return out
}

// latest is the last point of the series of revision rev.
func latest(p metrics.Panel, rev string) (float64, bool) {
	i := slices.IndexFunc(p.Series, func(s metrics.Series) bool { return s.Revision == rev })
	if i < 0 || len(p.Series[i].Points) == 0 {
		return 0, false
	}
	pts := p.Series[i].Points
	return pts[len(pts)-1].V, true
}
