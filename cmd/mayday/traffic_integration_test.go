//go:build integration

package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/mayday-tui/mayday/internal/testbed"
	"github.com/mayday-tui/mayday/internal/traffic"
)

const trafficManifests = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-blue}
spec:
  replicas: 2
  selector: {matchLabels: {app: web, slot: blue}}
  template:
    metadata: {labels: {app: web, slot: blue}}
    spec: {containers: [{name: app, image: registry.example/web:1.0}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-green}
spec:
  replicas: 2
  selector: {matchLabels: {app: web, slot: green}}
  template:
    metadata: {labels: {app: web, slot: green}}
    spec: {containers: [{name: app, image: registry.example/web:2.0}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web, slot: blue}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web-green}
spec:
  selector: {app: web, slot: green}
  ports: [{port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gateway}]
  rules:
  - backendRefs:
    - {name: web-green, port: 80, weight: 90}
    - {name: web-canary, port: 80, weight: 10}
`

// The built binary switches a blue-green Service and rolls back an
// HTTPRoute's canary on the test bed; the objects in the API server show it.
func TestTrafficCommandsOnTheTestBed(t *testing.T) {
	var bin binary
	env := testbed.Require(t)
	requireCRDs(t, env)
	ns := env.Namespace(t)
	file := filepath.Join(t.TempDir(), "traffic.yaml")
	if err := os.WriteFile(file, []byte(trafficManifests), 0o600); err != nil {
		t.Fatal(err)
	}
	env.RunKubectl(t, "-n", ns, "apply", "-f", file)
	cs := env.Clientset(t)
	ctx := context.Background()
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := cs.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: traffic.ServiceNameLabel + "=web-green"})
		return err == nil && traffic.SummarizeEndpoints(list.Items).Ready == 2, nil
	})
	if err != nil {
		t.Fatalf("web-green's pods never became ready endpoints: %v", err)
	}

	r := mayday(t, &bin, env.Kubeconfig, "switch", "service/web", "-n", ns, "--to", "green", "--yes", "--reason", "INC-3 blue errors", "--incident", "INC-3", "--bake", "0")
	if r.code != 0 || !strings.Contains(r.stdout, "✓ switched service/web from blue to green (1 write in ") ||
		!strings.Contains(r.stdout, "✓ verified: traffic as planned after") ||
		!strings.Contains(r.stdout, "service/web: 2 ready endpoints, all on the pods that should take the traffic") {
		t.Fatalf("switch: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	svc, err := cs.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.Selector["slot"] != "green" || svc.Annotations["mayday.dev/switched-from"] != "blue" ||
		svc.Annotations["mayday.dev/incident"] != "INC-3" || svc.Annotations["mayday.dev/actor"] != "mayday-admin" {
		t.Errorf("service after the switch: %v %v", svc.Spec.Selector, svc.Annotations)
	}
	evs, _ := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=TrafficSwitched"})
	if len(evs.Items) != 1 || evs.Items[0].Message != "mayday-admin switched service/web from blue to green: INC-3 blue errors (incident INC-3)" {
		t.Errorf("events = %+v", evs.Items)
	}

	// The target side of the next switch (blue) is ready; the health of
	// web-blue is unknown to Prometheus: not verified, and it says so.
	r = mayday(t, &bin, env.Kubeconfig, "--prometheus", env.PrometheusURL, "switch", "service/web", "-n", ns, "--yes", "--bake", "2s")
	if r.code != 1 || !strings.Contains(r.stderr, "service/web not verified: traffic as planned after") || !strings.Contains(r.stderr, "health ? unknown after the") || !strings.Contains(r.stderr, "no metrics found for "+ns+"/web-blue") {
		t.Errorf("switch back with a bake: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if svc, _ := cs.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{}); svc.Spec.Selector["slot"] != "blue" {
		t.Errorf("not switched back: %v", svc.Spec.Selector)
	}

	r = mayday(t, &bin, env.Kubeconfig, "canary", "rollback", "httproute/web", "-n", ns, "--yes", "-o", "json")
	var doc struct {
		Kind         string
		Result       struct{ Outcome string }
		Verification struct{ Traffic bool }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); r.code != 0 || err != nil || doc.Kind != "CanaryRollback" ||
		doc.Result.Outcome != "applied" || !doc.Verification.Traffic {
		t.Fatalf("canary rollback: exit %d, %v\nstdout:\n%s\nstderr:\n%s", r.code, err, r.stdout, r.stderr)
	}
	dyn, err := dynamic.NewForConfig(env.RESTConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	api := traffic.HTTPRoutes()
	api.Version = "v1"
	u, err := dyn.Resource(api.GVR()).Namespace(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := traffic.HTTPRouteRules(u)
	if rules[0].Backends[0].Weight != 100 || rules[0].Backends[1].Weight != 0 {
		t.Errorf("weights after the rollback: %+v", rules[0].Backends)
	}

	r = mayday(t, &bin, env.ViewerKubeconfig, "canary", "rollback", "httproute/web", "-n", ns, "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "error: ") {
		t.Errorf("viewer: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
}

// requireCRDs makes sure the test bed serves the CRDs in
// scripts/testbed/crds; start.sh applies them to a running test bed too.
func requireCRDs(t *testing.T, env *testbed.Env) {
	t.Helper()
	cs := env.Clientset(t)
	for _, api := range traffic.KnownAPIs() {
		if _, err := traffic.Lookup(cs.Discovery(), api); err == nil {
			continue
		}
		cmd := exec.Command("bash", filepath.Join(env.Scripts, "start.sh"))
		cmd.Env = append(os.Environ(), testbed.EnvDir+"="+env.Dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("start.sh (to apply the CRDs): %v\n%s", err, out)
		}
		if _, err := traffic.Lookup(cs.Discovery(), api); err != nil {
			t.Fatal(err)
		}
	}
}
