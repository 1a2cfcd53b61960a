//go:build integration

package testbed_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/mayday-tui/mayday/internal/testbed"
)

func promAPI(t *testing.T, url string) v1.API {
	t.Helper()
	c, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		t.Fatal(err)
	}
	return v1.NewAPI(c)
}

// instant evaluates expr now and returns its single value.
func instant(t *testing.T, prom v1.API, expr string) (float64, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	v, _, _, err := prom.Query(ctx, expr, time.Now())
	if err != nil {
		t.Fatalf("query %s: %v", expr, err)
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) != 1 {
		return 0, false
	}
	return float64(vec[0].Value), true
}

// untilFull waits until the shop's series cover a whole 10 s rate window.
func untilFull(t *testing.T, prom v1.API, ns, pod string) {
	t.Helper()
	expr := `count_over_time(http_requests_total{namespace="` + ns + `",pod="` + pod + `",code="200"}[10s])`
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if n, ok := instant(t, prom, expr); ok && n >= 10 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s/%s: fewer than 10 samples in 10 s a minute after its first scrape", ns, pod)
}

// TestShopsScrapedWithTheirLabels: the good and the bad shop, scraped every
// second with the namespace and pod labels of their target files, serve
// their versions' error ratio and latency, and the shipped alert fires for
// the bad pod only.
func TestShopsScrapedWithTheirLabels(t *testing.T) {
	t.Parallel()
	env := testbed.Require(t)
	ns := env.Namespace(t)
	good := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: "web-6f9c8d7b5-good1"})
	bad := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: "web-7d4b9c6f8-bad01", Version: "bad"})
	env.WaitPrometheusTarget(t, ns, good.Pod)
	env.WaitPrometheusTarget(t, ns, bad.Pod)
	prom := promAPI(t, env.PrometheusURL)
	untilFull(t, prom, ns, good.Pod)
	untilFull(t, prom, ns, bad.Pod)

	for _, c := range []struct {
		shop               *testbed.Shop
		ratioLo, ratioHi   float64
		p99Lo, p99Hi, rate float64
	}{
		{good, 0, 0.01, 0.1, 0.25, 50},
		{bad, 0.08, 0.16, 1.2, 2.5, 50},
	} {
		sel := `namespace="` + ns + `",pod="` + c.shop.Pod + `"`
		ratio, ok := instant(t, prom, `sum(rate(http_requests_total{`+sel+`,code=~"5.."}[10s])) / sum(rate(http_requests_total{`+sel+`}[10s]))`)
		if !ok && c.ratioLo == 0 {
			ratio, ok = 0, true // no 5xx series yet: 0 % errors
		}
		if !ok || ratio < c.ratioLo || ratio > c.ratioHi {
			t.Errorf("%s (%s): error ratio %v (data: %v), want %v..%v", c.shop.Pod, c.shop.Version, ratio, ok, c.ratioLo, c.ratioHi)
		}
		p99, ok := instant(t, prom, `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{`+sel+`}[10s])))`)
		if !ok || p99 < c.p99Lo || p99 > c.p99Hi {
			t.Errorf("%s (%s): p99 %v s (data: %v), want %v..%v s", c.shop.Pod, c.shop.Version, p99, ok, c.p99Lo, c.p99Hi)
		}
		rate, ok := instant(t, prom, `sum(rate(http_requests_total{`+sel+`}[10s]))`)
		if !ok || rate < c.rate*0.8 || rate > c.rate*1.2 {
			t.Errorf("%s: %v requests/s, want about %v", c.shop.Pod, rate, c.rate)
		}
	}

	// The rule evaluates every second over 10 s of data.
	deadline := time.Now().Add(30 * time.Second)
	var firing []v1.Alert
	for time.Now().Before(deadline) {
		firing = shopAlerts(t, prom, ns)
		if len(firing) > 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(firing) != 1 || string(firing[0].Labels["pod"]) != bad.Pod || firing[0].Labels["severity"] != "critical" {
		t.Errorf("firing ShopHighErrorRatio alerts in %s: %v, want one for %s with severity critical", ns, firing, bad.Pod)
	}
}

func shopAlerts(t *testing.T, prom v1.API, ns string) []v1.Alert {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	res, err := prom.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []v1.Alert
	for _, a := range res.Alerts {
		if a.Labels["alertname"] == "ShopHighErrorRatio" && string(a.Labels["namespace"]) == ns && a.State == v1.AlertStateFiring {
			out = append(out, a)
		}
	}
	return out
}

// TestShopStopLeavesTheTargets: a stopped shop is no longer scraped, like a
// deleted pod, and its target file is gone.
func TestShopStopLeavesTheTargets(t *testing.T) {
	t.Parallel()
	env := testbed.Require(t)
	ns := env.Namespace(t)
	shop := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: "api-5c7d9f8b6-abcde", RPS: 5})
	env.WaitPrometheusTarget(t, ns, shop.Pod)
	shop.Stop(t)
	if _, err := os.Stat(shop.TargetFile); !os.IsNotExist(err) {
		t.Errorf("target file after Stop: %v, want it gone", err)
	}
	if _, err := http.Get(shop.URL + "/metrics"); err == nil {
		t.Errorf("the shop still answers on %s after Stop", shop.URL)
	}
	prom := promAPI(t, env.PrometheusURL)
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		res, err := prom.Targets(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, at := range res.Active {
			found = found || string(at.Labels["pod"]) == shop.Pod
		}
		if !found {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus still has the target of %s a minute after Stop", shop.Pod)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestShippedRulesLoaded: the shipped alert is loaded and healthy.
func TestShippedRulesLoaded(t *testing.T) {
	env := testbed.Require(t)
	prom := promAPI(t, env.PrometheusURL)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	res, err := prom.Rules(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			if a, ok := r.(v1.AlertingRule); ok && a.Name == "ShopHighErrorRatio" {
				if a.Health != v1.RuleHealthGood && a.Health != v1.RuleHealthUnknown {
					t.Errorf("ShopHighErrorRatio health %s: %s", a.Health, a.LastError)
				}
				if a.Labels["severity"] != "critical" {
					t.Errorf("ShopHighErrorRatio labels %v, want severity critical", a.Labels)
				}
				return
			}
		}
	}
	t.Errorf("ShopHighErrorRatio not among the loaded rules: %+v", res.Groups)
}

// TestAddPrometheusRules: a test's own rule file is loaded on reload.
func TestAddPrometheusRules(t *testing.T) {
	t.Parallel()
	env := testbed.Require(t)
	ns := env.Namespace(t)
	env.AddPrometheusRules(t, ns, `groups:
  - name: `+ns+`
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels: {namespace: `+ns+`}
`)
	prom := promAPI(t, env.PrometheusURL)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		res, err := prom.Alerts(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range res.Alerts {
			if a.Labels["alertname"] == "AlwaysFiring" && string(a.Labels["namespace"]) == ns {
				return
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Error("the added rule's alert never showed in /api/v1/alerts")
}

// TestPrivatePrometheus: a private instance scrapes the same shops and,
// stopped, refuses connections; the shared one is untouched.
func TestPrivatePrometheus(t *testing.T) {
	t.Parallel()
	env := testbed.Require(t)
	ns := env.Namespace(t)
	p := env.StartPrivatePrometheus(t)
	if p.URL == env.PrometheusURL {
		t.Fatalf("private Prometheus at the shared address %s", p.URL)
	}
	shop := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: "web-6f9c8d7b5-priv1", RPS: 5})
	p.WaitTarget(t, ns, shop.Pod)
	p.Stop(t)
	_, err := http.Get(p.URL + "/-/ready")
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("stopped private Prometheus: err = %v, want connection refused", err)
	}
	resp, err := http.Get(env.PrometheusURL + "/-/ready")
	if err != nil {
		t.Fatalf("the shared Prometheus went away with the private one: %v", err)
	}
	resp.Body.Close()
}

// TestPrometheusControls shows StopPrometheus and StartPrometheus. Not
// parallel: it takes the shared Prometheus away.
func TestPrometheusControls(t *testing.T) {
	env := testbed.Require(t)
	ready := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.PrometheusURL+"/-/ready", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	env.StopPrometheus(t)
	if err := ready(); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("stopped Prometheus: err = %v, want connection refused", err)
	}
	env.StartPrometheus(t)
	if err := ready(); err != nil {
		t.Errorf("restarted Prometheus: %v", err)
	}
}
