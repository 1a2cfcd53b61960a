//go:build integration

package metrics_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	commoncfg "github.com/prometheus/common/config"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// countingProxy forwards to Prometheus and counts the requests per API path.
type countingProxy struct {
	*httptest.Server
	mu     sync.Mutex
	counts map[string]int
}

func newCountingProxy(t *testing.T, prometheusURL string) *countingProxy {
	t.Helper()
	upstream, err := url.Parse(prometheusURL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(upstream)
	p := &countingProxy{counts: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.counts[r.URL.Path]++
		p.mu.Unlock()
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// take returns the counts so far and starts again from zero.
func (p *countingProxy) take() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.counts
	p.counts = map[string]int{}
	return out
}

// TestOneQueryPerPanel counts what mayday sends to the real Prometheus:
// a Panel is exactly one query_range; a Check is one query_range per
// panel asked for, one alerts request, and one instant probe per request
// preset when the preset is detected (none when configured).
func TestOneQueryPerPanel(t *testing.T) {
	t.Parallel()
	env := testbed.Require(t)
	ns := env.Namespace(t)
	proxy := newCountingProxy(t, env.PrometheusURL)
	target := metrics.Target{Namespace: ns, Kind: "Deployment", Name: "web"}
	shop := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: shopPod("web", "6f9c8d7b5", "k1l2m"), RPS: rps})
	env.WaitPrometheusTarget(t, ns, shop.Pod)

	detecting := newHealth(t, proxy.URL, commoncfg.HTTPClientConfig{}, nil)
	until(t, "data for every panel", time.Minute, detecting, target, func(_ metrics.Verdict, ps []metrics.Panel) bool {
		for _, p := range ps {
			if _, ok := latest(p, ""); !ok {
				return false
			}
		}
		return true
	})
	proxy.take()

	// The presets Detect chooses between: those measuring requests.
	probes := 0
	for _, p := range metrics.DefaultPresets() {
		if p.Probe != "" && p.Queries[metrics.ErrorRatio] != "" {
			probes++
		}
	}
	signals := metrics.GoldenSignals()
	_, panels := detecting.Check(t.Context(), target, window, cells, signals)
	want := map[string]int{"/api/v1/query": probes, "/api/v1/query_range": len(signals), "/api/v1/alerts": 1}
	if got := proxy.take(); !maps.Equal(got, want) {
		t.Errorf("a Check with detection sent %v, want %v", got, want)
	}
	for _, p := range panels {
		if p.Err != nil || len(p.Series) == 0 {
			t.Errorf("%s panel: err %v, %d series; want the data counted above", p.Signal.Label(), p.Err, len(p.Series))
		}
	}

	configured := newHealth(t, proxy.URL, commoncfg.HTTPClientConfig{}, func(metrics.Target) metrics.Settings {
		return metrics.Settings{Preset: "promhttp", Thresholds: testThresholds()}
	})
	all := metrics.Signals()
	configured.Check(t.Context(), target, window, cells, all)
	want = map[string]int{"/api/v1/query_range": len(all), "/api/v1/alerts": 1}
	if got := proxy.take(); !maps.Equal(got, want) {
		t.Errorf("a Check of all %d signals with the preset configured sent %v, want %v", len(all), got, want)
	}

	// The health screen's refresh: one Panel per visible panel.
	r, err := metrics.PlanRange(time.Now(), window, cells)
	if err != nil {
		t.Fatal(err)
	}
	qs, errs := configured.Queries(target, "promhttp", configured.RateRange(r.Step), true)
	if len(errs) != 0 {
		t.Fatalf("queries: %v", errs)
	}
	for _, s := range signals {
		if p := configured.Panel(t.Context(), qs[s], r); p.Err != nil || len(p.Series) == 0 {
			t.Errorf("%s panel: err %v, %d series", s.Label(), p.Err, len(p.Series))
		}
	}
	want = map[string]int{"/api/v1/query_range": len(signals)}
	if got := proxy.take(); !maps.Equal(got, want) {
		t.Errorf("%d Panel calls sent %v, want %v", len(signals), got, want)
	}
}
