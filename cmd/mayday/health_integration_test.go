//go:build integration

package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// The built binary judges a real Deployment from the test bed's real
// Prometheus scraping demo shops that stand in for its pods: healthy, then
// critical after a bad rollout (with the last known good revision named),
// then healthy again after mayday's own rollback.
func TestHealthOnTheTestBed(t *testing.T) {
	var bin binary
	bin.get(t)
	env := testbed.Require(t)
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	env.RunKubectl(t, "-n", ns, "create", "deployment", "web", "--image=registry.example/web:1.0", "--replicas=1")
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")

	// hash is the pod-template-hash of the deployment's current template.
	hash := func() string {
		t.Helper()
		h, _ := currentReplicaSet(t, cs, ns, "web")
		return h
	}
	// judge polls `mayday health` until the verdict is want (a bound for
	// a broken run, not a speed assertion) and returns the document.
	judge := func(want string) output.HealthDoc {
		t.Helper()
		var doc output.HealthDoc
		deadline := time.Now().Add(3 * time.Minute)
		for {
			r := mayday(t, &bin, env.Kubeconfig, "-n", ns, "--prometheus", env.PrometheusURL, "health", "deployment/web", "--window", "15m", "-o", "json")
			if r.code != 0 {
				t.Fatalf("health: exit %d\n%s", r.code, r.stderr)
			}
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
				t.Fatalf("health -o json: %v\n%s", err, r.stdout)
			}
			if doc.State == want {
				return doc
			}
			if time.Now().After(deadline) {
				t.Fatalf("verdict stayed %s (%s), want %s", doc.State, doc.Reason, want)
			}
			time.Sleep(2 * time.Second)
		}
	}
	value := func(doc output.HealthDoc, signal string) float64 {
		for _, s := range doc.Signals {
			if s.Signal == signal && s.Value != nil {
				return *s.Value
			}
		}
		t.Fatalf("no value for %s: %+v", signal, doc.Signals)
		return 0
	}

	good := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: "web-" + hash() + "-good1"})
	env.WaitPrometheusTarget(t, ns, "web-"+hash()+"-good1")
	doc := judge("healthy")
	if v := value(doc, "error_ratio"); v > 0.01 {
		t.Errorf("good version: error ratio %v", v)
	}
	if !strings.Contains(doc.Signals[0].Query, `namespace="`+ns+`"`) {
		t.Errorf("query does not select the namespace: %s", doc.Signals[0].Query)
	}

	// A bad rollout: the new pod serves the bad version, the old one goes.
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/web", "web=registry.example/web:2.0-bad")
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
	bad := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: "web-" + hash() + "-bad01", Version: "bad"})
	env.WaitPrometheusTarget(t, ns, "web-"+hash()+"-bad01")
	good.Stop(t)
	doc = judge("critical")
	if len(doc.Alerts) == 0 {
		t.Errorf("no firing alert on the critical verdict: %s", doc.Reason)
	}
	if doc.LastKnownGood == nil || *doc.LastKnownGood != 1 {
		t.Errorf("last known good = %v, want revision 1", doc.LastKnownGood)
	}

	// mayday's rollback; the restored revision's pod serves the good
	// version again.
	if r := mayday(t, &bin, env.Kubeconfig, "-n", ns, "undo", "deployment/web", "--yes", "--reason", "bad build"); r.code != 0 {
		t.Fatalf("undo: exit %d\n%s", r.code, r.stderr)
	}
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
	env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: "web-" + hash() + "-good2"})
	env.WaitPrometheusTarget(t, ns, "web-"+hash()+"-good2")
	bad.Stop(t)
	doc = judge("healthy")

	// The table shows the markers of the rollout and the rollback.
	r := mayday(t, &bin, env.Kubeconfig, "-n", ns, "--prometheus", env.PrometheusURL, "health", "deployment/web", "--window", "15m")
	for _, want := range []string{"✓ healthy", "▲2", "▲3", "REVISIONS WHILE LIVE"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("health table lacks %q:\n%s", want, r.stdout)
		}
	}
}
