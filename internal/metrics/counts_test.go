package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestCountQueriesPerPreset(t *testing.T) {
	h := &Health{}
	tgt := Target{Namespace: "shop", Kind: "Deployment", Name: "checkout"}
	tests := []struct {
		preset       string
		failed, all  string
		failedMarker string
	}{
		{"promhttp", `increase(http_requests_total{namespace="shop",pod=~"checkout-[a-z0-9]+-[a-z0-9]+",code=~"5.."}[750s])`,
			`sum(increase(http_requests_total{namespace="shop",pod=~"checkout-[a-z0-9]+-[a-z0-9]+"}[750s]))`, `code=~"5.."`},
		{"istio", `increase(istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload="checkout",response_code=~"5.."}[750s])`,
			`sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload="checkout"}[750s]))`, `response_code=~"5.."`},
		{"ingress-nginx", `increase(nginx_ingress_controller_requests{exported_namespace="shop",exported_service="checkout",status=~"5.."}[750s])`,
			`sum(increase(nginx_ingress_controller_requests{exported_namespace="shop",exported_service="checkout"}[750s]))`, `status=~"5.."`},
	}
	for _, tt := range tests {
		// A window of 12m29.5s counts over whole seconds, rounded up.
		failed, total, err := h.CountQueries(tgt, tt.preset, 12*time.Minute+29*time.Second+500*time.Millisecond)
		if err != nil {
			t.Fatalf("%s: %v", tt.preset, err)
		}
		if failed.Signal != FailedRequests || total.Signal != Requests || failed.Preset != tt.preset || failed.PerRevision {
			t.Errorf("%s: queries %+v / %+v", tt.preset, failed, total)
		}
		if total.Expr != tt.all {
			t.Errorf("%s total:\n got %s\nwant %s", tt.preset, total.Expr, tt.all)
		}
		// Nothing failed is 0, not "no data".
		if want := "sum(" + tt.failed + ") or 0 * " + tt.all; failed.Expr != want {
			t.Errorf("%s failed:\n got %s\nwant %s", tt.preset, failed.Expr, want)
		}
		if strings.Contains(total.Expr, tt.failedMarker) {
			t.Errorf("%s: the total counts only failures: %s", tt.preset, total.Expr)
		}
		if failed.Rate != 750*time.Second {
			t.Errorf("%s: rate %s, want 750s", tt.preset, failed.Rate)
		}
	}
}

func TestCountQueriesRefusals(t *testing.T) {
	tgt := Target{Namespace: "shop", Kind: "Deployment", Name: "checkout"}
	custom := &Health{Settings: func(Target) Settings {
		return Settings{Queries: map[Signal]string{ErrorRatio: `sum(rate(rpc_errors_total[{{.Rate}}])) / sum(rate(rpc_total[{{.Rate}}]))`}}
	}}
	tests := []struct {
		name   string
		h      *Health
		preset string
		window time.Duration
		want   string
	}{
		{"custom error ratio", custom, "promhttp", time.Hour, "query of its own"},
		{"unknown preset", &Health{}, "nginx", time.Hour, `preset "nginx" is not known`},
		{"preset without counts", &Health{}, "kube", time.Hour, "preset kube has no request count queries"},
		{"empty window", &Health{}, "promhttp", 0, "must be positive"},
	}
	for _, tt := range tests {
		if _, _, err := tt.h.CountQueries(tgt, tt.preset, tt.window); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	// Counts of its own next to the custom error ratio are used as given.
	both := &Health{Settings: func(Target) Settings {
		return Settings{Queries: map[Signal]string{
			ErrorRatio:     `x`,
			FailedRequests: `sum(increase(rpc_errors_total{namespace="{{.Namespace}}"}[{{.Rate}}]))`,
			Requests:       `sum(increase(rpc_total{namespace="{{.Namespace}}"}[{{.Rate}}]))`,
		}}
	}}
	failed, total, err := both.CountQueries(tgt, "promhttp", time.Minute)
	if err != nil || failed.Preset != CustomPreset || failed.Expr != `sum(increase(rpc_errors_total{namespace="shop"}[60s]))` || total.Expr != `sum(increase(rpc_total{namespace="shop"}[60s]))` {
		t.Errorf("custom counts: %+v %+v %v", failed, total, err)
	}
}
