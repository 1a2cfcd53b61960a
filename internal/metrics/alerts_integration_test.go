//go:build integration

package metrics_test

import (
	"strings"
	"testing"
	"time"

	commoncfg "github.com/prometheus/common/config"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// TestFiringAlertIsEvidence: the test bed's ShopHighErrorRatio rule fires
// for a pod serving the bad version; mayday lists it for that pod's
// workload (and counts it in the verdict), but not for a workload whose
// name only starts the same.
func TestFiringAlertIsEvidence(t *testing.T) {
	t.Parallel()
	env := testbed.Require(t)
	ns := env.Namespace(t)
	h := newHealth(t, env.PrometheusURL, commoncfg.HTTPClientConfig{}, nil)
	cart := metrics.Target{Namespace: ns, Kind: "Deployment", Name: "cart"}
	cartAPI := metrics.Target{Namespace: ns, Kind: "Deployment", Name: "cart-api"}
	badPod := shopPod("cart", "7d4b9c6f8", "q2w3e")
	bad := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: badPod, Version: "bad", RPS: rps})
	good := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: shopPod("cart-api", "5c7d9f8b6", "z9x8c"), RPS: rps})
	env.WaitPrometheusTarget(t, ns, bad.Pod)
	env.WaitPrometheusTarget(t, ns, good.Pod)

	var alerts []metrics.Alert
	deadline := time.Now().Add(time.Minute)
	for len(alerts) == 0 {
		var err error
		if alerts, err = h.Alerts(t.Context(), cart); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("ShopHighErrorRatio did not fire for the bad cart pod within a minute")
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(alerts) != 1 || alerts[0].Name != "ShopHighErrorRatio" || alerts[0].State != "firing" ||
		alerts[0].Labels["pod"] != badPod || alerts[0].Labels["severity"] != "critical" {
		t.Fatalf("alerts for cart: %+v, want ShopHighErrorRatio firing for %s with severity critical", alerts, badPod)
	}
	if !strings.Contains(alerts[0].Annotations["summary"], badPod) {
		t.Errorf("annotations %v: want the rule's summary naming the pod", alerts[0].Annotations)
	}

	v, _ := check(t, h, cart)
	if v.State != metrics.Critical || len(v.Alerts) != 1 || v.Alerts[0].Labels["pod"] != badPod {
		t.Errorf("cart's verdict %s: want critical with the firing alert", describe(v))
	}
	if !strings.Contains(v.Reason, "ShopHighErrorRatio") {
		t.Errorf("cart's verdict reason %q: want it to name the alert", v.Reason)
	}

	// cart-api's pods are cart-api-HASH-SUFFIX; cart's pattern must not
	// take them, nor cart-api's take cart's.
	others, err := h.Alerts(t.Context(), cartAPI)
	if err != nil {
		t.Fatal(err)
	}
	if len(others) != 0 {
		t.Errorf("alerts for cart-api: %+v, want none (only cart's pod is bad)", others)
	}
}
