//go:build integration

package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	commoncfg "github.com/prometheus/common/config"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// TestPrometheusGoneIsUnknown: a private Prometheus of this test serves the
// verdict, then stops; the next check is unknown and says that Prometheus
// is unreachable, for the verdict and for every signal.
func TestPrometheusGoneIsUnknown(t *testing.T) {
	t.Parallel()
	env := testbed.Require(t)
	ns := env.Namespace(t)
	prom := env.StartPrivatePrometheus(t)
	h := newHealth(t, prom.URL, commoncfg.HTTPClientConfig{}, nil)
	target := metrics.Target{Namespace: ns, Kind: "Deployment", Name: "web"}
	shop := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: shopPod("web", "6f9c8d7b5", "a1b2c"), RPS: rps})
	prom.WaitTarget(t, ns, shop.Pod)
	until(t, "a verdict from the private Prometheus", time.Minute, h, target, func(v metrics.Verdict, _ []metrics.Panel) bool {
		return v.State != metrics.Unknown
	})

	prom.Stop(t)
	v, panels := check(t, h, target)
	where := "prometheus at " + prom.URL + " unreachable"
	if v.State != metrics.Unknown || !strings.Contains(v.Reason, where) || !strings.Contains(v.Reason, "connection refused") {
		t.Errorf("verdict %s, want unknown saying %q (connection refused)", describe(v), where)
	}
	if len(panels) != len(metrics.GoldenSignals()) {
		t.Fatalf("%d panels, want one per signal asked for", len(panels))
	}
	for _, r := range v.Signals {
		if r.State != metrics.Unknown || r.HasValue || !strings.Contains(r.Reason, where) {
			t.Errorf("%s: %s, want unknown because %s", r.Signal, r, where)
		}
	}
}

// TestBadPromQLOverrideFailsOnlyItsPanel: a per-workload override of the
// error ratio with PromQL that does not parse; that panel carries
// Prometheus' own parse error, the other panels have data, and the verdict
// (which cannot be healthy without an error ratio) is unknown and says why.
func TestBadPromQLOverrideFailsOnlyItsPanel(t *testing.T) {
	t.Parallel()
	env := testbed.Require(t)
	ns := env.Namespace(t)
	settings := func(metrics.Target) metrics.Settings {
		return metrics.Settings{
			Thresholds: testThresholds(),
			Queries:    map[metrics.Signal]string{metrics.ErrorRatio: `sum(rate(http_requests_total{ {{.Sel}} }[{{.Rate}}])`},
		}
	}
	h := newHealth(t, env.PrometheusURL, commoncfg.HTTPClientConfig{}, settings)
	target := metrics.Target{Namespace: ns, Kind: "Deployment", Name: "web"}
	shop := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: shopPod("web", "6f9c8d7b5", "d4e5f"), RPS: rps})
	env.WaitPrometheusTarget(t, ns, shop.Pod)

	v, panels := until(t, "data in the panels that work", time.Minute, h, target, func(_ metrics.Verdict, ps []metrics.Panel) bool {
		_, ok := latest(panelOf(ps, metrics.RequestRate), "")
		return ok
	})
	bad := panelOf(panels, metrics.ErrorRatio)
	if bad.Err == nil || !strings.Contains(bad.Err.Error(), "parse error") || len(bad.Series) != 0 {
		t.Errorf("error ratio panel: err %v, %d series; want Prometheus' parse error and no series", bad.Err, len(bad.Series))
	}
	if bad.Query.Preset != metrics.CustomPreset {
		t.Errorf("error ratio query preset %q, want %q (the override)", bad.Query.Preset, metrics.CustomPreset)
	}
	for _, s := range []metrics.Signal{metrics.LatencyP99, metrics.RequestRate} {
		p := panelOf(panels, s)
		if _, ok := latest(p, ""); p.Err != nil || !ok {
			t.Errorf("%s panel: err %v, series %q; want data", s.Label(), p.Err, revisionsOf(p))
		}
	}
	r := result(v, metrics.ErrorRatio)
	if v.State != metrics.Unknown || r.State != metrics.Unknown || !strings.Contains(r.Reason, "parse error") || !strings.Contains(v.Reason, "parse error") {
		t.Errorf("verdict %s: want unknown, the error ratio's reason being the parse error", describe(v))
	}
}

// TestWrongCredentials: Prometheus behind a proxy that wants basic auth
// (user mayday may read, user intern may not). Wrong or missing
// credentials and a refused user give unknown with a message saying so;
// the right ones get data.
func TestWrongCredentials(t *testing.T) {
	t.Parallel()
	env := testbed.Require(t)
	ns := env.Namespace(t)
	upstream, err := url.Parse(env.PrometheusURL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(upstream)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		switch {
		case !ok || !(user == "mayday" && pass == "s3cret" || user == "intern" && pass == "intern"):
			w.Header().Set("WWW-Authenticate", `Basic realm="prometheus"`)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		case user == "intern":
			http.Error(w, "Forbidden", http.StatusForbidden)
		default:
			forward.ServeHTTP(w, r)
		}
	}))
	defer proxy.Close()
	target := metrics.Target{Namespace: ns, Kind: "Deployment", Name: "web"}
	shop := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: shopPod("web", "6f9c8d7b5", "g7h8j"), RPS: rps})
	env.WaitPrometheusTarget(t, ns, shop.Pod)

	basic := func(user, pass string) commoncfg.HTTPClientConfig {
		return commoncfg.HTTPClientConfig{BasicAuth: &commoncfg.BasicAuth{Username: user, Password: commoncfg.Secret(pass)}}
	}
	for _, c := range []struct {
		name string
		http commoncfg.HTTPClientConfig
		want string
	}{
		{"no credentials", commoncfg.HTTPClientConfig{}, "refused the credentials (401 Unauthorized)"},
		{"wrong password", basic("mayday", "guess"), "refused the credentials (401 Unauthorized)"},
		{"user without access", basic("intern", "intern"), "refused the credentials (403 Forbidden)"},
	} {
		h := newHealth(t, proxy.URL, c.http, nil)
		v, _ := check(t, h, target)
		want := "prometheus at " + proxy.URL + " " + c.want
		if v.State != metrics.Unknown || !strings.Contains(v.Reason, want) {
			t.Errorf("%s: verdict %s, want unknown saying %q", c.name, describe(v), want)
		}
		if strings.Contains(describe(v), "s3cret") || strings.Contains(describe(v), "guess") {
			t.Errorf("%s: the verdict shows a password: %s", c.name, describe(v))
		}
	}

	h := newHealth(t, proxy.URL, basic("mayday", "s3cret"), nil)
	until(t, "data through the proxy with the right credentials", time.Minute, h, target, func(v metrics.Verdict, ps []metrics.Panel) bool {
		_, ok := latest(panelOf(ps, metrics.RequestRate), "")
		return ok && v.State != metrics.Unknown
	})
}
