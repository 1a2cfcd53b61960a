//go:build integration

package action_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/testbed"
	"github.com/mayday-tui/mayday/internal/traffic"
)

// bed is one test's namespace on the test bed, with the clients traffic
// actions use.
type bed struct {
	env *testbed.Env
	ns  string
	cs  kubernetes.Interface
	dyn dynamic.Interface
	tr  *action.Traffic
}

func newBed(t testing.TB) *bed {
	t.Helper()
	env := testbed.Require(t)
	requireTrafficCRDs(t, env)
	cs := env.Clientset(t)
	dyn, err := dynamic.NewForConfig(env.RESTConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return &bed{env: env, ns: env.Namespace(t), cs: cs, dyn: dyn,
		tr: &action.Traffic{Executor: &action.Executor{Client: cs, Host: "itest"}, Dynamic: dyn}}
}

// requireTrafficCRDs makes sure the test bed serves the CRDs in
// scripts/testbed/crds: a test bed started before they existed gets them
// from start.sh, which applies them to a running test bed too.
func requireTrafficCRDs(t testing.TB, env *testbed.Env) {
	t.Helper()
	cs := env.Clientset(t)
	missing := func() []string {
		var out []string
		for _, api := range traffic.KnownAPIs() {
			if _, err := traffic.Lookup(cs.Discovery(), api); err != nil {
				out = append(out, api.Name)
			}
		}
		return out
	}
	if len(missing()) == 0 {
		return
	}
	cmd := exec.Command("bash", filepath.Join(env.Scripts, "start.sh"))
	cmd.Env = append(os.Environ(), testbed.EnvDir+"="+env.Dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("start.sh (to apply the CRDs): %v\n%s", err, out)
	}
	if m := missing(); len(m) > 0 {
		t.Fatalf("the test bed does not serve %s after start.sh applied scripts/testbed/crds", strings.Join(m, ", "))
	}
}

func (b *bed) deployment(t testing.TB, name string, replicas int32, lbls map[string]string, image string, nodeSelector map[string]string) {
	t.Helper()
	_, err := b.cs.AppsV1().Deployments(b.ns).Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls},
				Spec: corev1.PodSpec{NodeSelector: nodeSelector, Containers: []corev1.Container{{Name: "app", Image: image}}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func (b *bed) service(t testing.TB, name string, sel map[string]string) {
	t.Helper()
	_, err := b.cs.CoreV1().Services(b.ns).Create(context.Background(), &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{{Port: 80}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// readyEndpoints waits until service's EndpointSlices list exactly n ready
// endpoints (kwok gives the pods IPs and makes them Ready; the controller
// manager's endpointslice controller lists them) and returns their pods.
func (b *bed) readyEndpoints(t testing.TB, service string, n int) []string {
	t.Helper()
	var eps traffic.Endpoints
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := b.cs.DiscoveryV1().EndpointSlices(b.ns).List(ctx, metav1.ListOptions{LabelSelector: traffic.ServiceNameLabel + "=" + service})
		if err != nil {
			return false, err
		}
		eps = traffic.SummarizeEndpoints(list.Items)
		return eps.Ready == n && eps.NotReady == 0, nil
	})
	if err != nil {
		t.Fatalf("service/%s: want %d ready endpoints, have %+v: %v", service, n, eps, err)
	}
	return eps.ReadyPods
}

func (b *bed) svc(t testing.TB, name string) *corev1.Service {
	t.Helper()
	svc, err := b.cs.CoreV1().Services(b.ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// events are the reasons and messages of the Events left on an object.
func (b *bed) events(t testing.TB, name string) []string {
	t.Helper()
	list, err := b.cs.CoreV1().Events(b.ns).List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		if e.Source.Component == "mayday" {
			out = append(out, e.InvolvedObject.Kind+" "+e.Reason+": "+e.Message)
		}
	}
	return out
}

func (b *bed) plan(t testing.TB, req action.TrafficRequest) *action.TrafficPlan {
	t.Helper()
	req.Namespace = b.ns
	if req.Attribution.Actor == "" {
		req.Attribution = rollout.Attribution{Actor: "itest", Reason: "INC-1 errors", Incident: "INC-1"}
	}
	p, err := b.tr.Plan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// run dry runs the plan on the server, checks that changed nothing, then
// executes and verifies it.
func (b *bed) run(t testing.TB, p *action.TrafficPlan, unchanged func() bool) *action.TrafficVerification {
	t.Helper()
	ctx := context.Background()
	if res, err := b.tr.Execute(ctx, p, action.DryRunServer, nil); err != nil || res.Outcome != action.OutcomeDryRun {
		t.Fatalf("server dry run: %+v %v", res, err)
	}
	if !unchanged() {
		t.Fatal("the server dry run changed the cluster")
	}
	res, err := b.tr.Execute(ctx, p, action.DryRunNone, nil)
	if err != nil || res.Outcome != action.OutcomeApplied {
		t.Fatalf("execute: %+v %v", res, err)
	}
	v := b.tr.Verify(ctx, p, action.TrafficVerifyOptions{Timeout: time.Minute}, nil)
	if !v.Verified() {
		t.Fatalf("not verified: %s", v.Summary())
	}
	return v
}

func slot(s string) map[string]string { return map[string]string{"app": "web", "slot": s} }

// blueGreen is service web on blue, with web-blue and web-green (2 pods
// each, all ready) behind it.
func (b *bed) blueGreen(t testing.TB) {
	t.Helper()
	b.deployment(t, "web-blue", 2, slot("blue"), "registry.example/web:1.0", nil)
	b.deployment(t, "web-green", 2, slot("green"), "registry.example/web:2.0", nil)
	b.service(t, "web", slot("blue"))
	b.readyEndpoints(t, "web", 2)
}

func TestSwitchOnTheTestBed(t *testing.T) {
	b := newBed(t)
	b.blueGreen(t)
	p := b.plan(t, action.TrafficRequest{Action: action.SwitchAction, Kind: "service", Name: "web", To: "green"})
	if !p.Checks[0].OK || p.Checks[0].Detail != "2 of 2 pods of web-green ready" {
		t.Fatalf("checks = %+v", p.Checks)
	}
	b.run(t, p, func() bool { return b.svc(t, "web").Spec.Selector["slot"] == "blue" })

	svc := b.svc(t, "web")
	if svc.Spec.Selector["slot"] != "green" || svc.Spec.Selector["app"] != "web" || len(svc.Spec.Selector) != 2 {
		t.Errorf("selector = %v", svc.Spec.Selector)
	}
	for k, want := range map[string]string{rollout.ActorAnnotation: "itest", action.ReasonAnnotation: "INC-1 errors",
		rollout.IncidentAnnotation: "INC-1", action.SwitchedFromAnnotation: "blue"} {
		if svc.Annotations[k] != want {
			t.Errorf("annotation %s = %q, want %q", k, svc.Annotations[k], want)
		}
	}
	for _, pod := range b.readyEndpoints(t, "web", 2) {
		if !strings.HasPrefix(pod, "web-green-") {
			t.Errorf("endpoint %s is not a green pod", pod)
		}
	}
	if evs := b.events(t, "web"); len(evs) != 1 || evs[0] != "Service TrafficSwitched: itest switched service/web from blue to green: INC-1 errors (incident INC-1)" {
		t.Errorf("events = %q", evs)
	}

	// Switching back needs no --to: the pair has two sides.
	back := b.plan(t, action.TrafficRequest{Action: action.SwitchAction, Kind: "service", Name: "web"})
	b.run(t, back, func() bool { return b.svc(t, "web").Spec.Selector["slot"] == "green" })
	if got := b.svc(t, "web"); got.Spec.Selector["slot"] != "blue" || got.Annotations[action.SwitchedFromAnnotation] != "green" {
		t.Errorf("after switching back: %v %v", got.Spec.Selector, got.Annotations)
	}
	for _, pod := range b.readyEndpoints(t, "web", 2) {
		if !strings.HasPrefix(pod, "web-blue-") {
			t.Errorf("endpoint %s is not a blue pod", pod)
		}
	}
}

func TestSwitchRefusalsOnTheTestBed(t *testing.T) {
	b := newBed(t)
	b.deployment(t, "web-blue", 2, slot("blue"), "registry.example/web:1.0", nil)
	// No node has this label: green's pods stay Pending, never ready.
	b.deployment(t, "web-green", 2, slot("green"), "registry.example/web:2.0", map[string]string{"mayday.dev/no-such-node": "true"})
	b.service(t, "web", slot("blue"))
	b.service(t, "plain", map[string]string{"app": "web"})
	b.readyEndpoints(t, "web", 2)
	ctx := context.Background()
	req := action.TrafficRequest{Action: action.SwitchAction, Kind: "service", Name: "web", To: "green", Namespace: b.ns,
		Attribution: rollout.Attribution{Actor: "itest"}}
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := b.tr.Plan(ctx, req)
		return err != nil && strings.Contains(err.Error(), "green (web-green) has 0 of 2 pods ready (2 not ready, 0 not created yet)"), nil
	})
	if err != nil {
		_, perr := b.tr.Plan(ctx, req)
		t.Fatalf("unready side: %v", perr)
	}
	req.Name, req.To = "plain", ""
	_, err = b.tr.Plan(ctx, req)
	var np *traffic.NoPairError
	if !errors.As(err, &np) || !strings.Contains(err.Error(), "its selector app=web has no slot label (slot, color or version); deployments it selects: web-blue, web-green") {
		t.Errorf("no pair: %v", err)
	}
	if svc := b.svc(t, "web"); svc.Spec.Selector["slot"] != "blue" || svc.Annotations[rollout.ActorAnnotation] != "" {
		t.Errorf("a refusal changed the service: %v %v", svc.Spec.Selector, svc.Annotations)
	}
	readOnly := &action.Traffic{Executor: &action.Executor{Client: b.cs, ReadOnly: true}, Dynamic: b.dyn}
	b.deployment(t, "api-blue", 1, map[string]string{"app": "api", "slot": "blue"}, "registry.example/api:1", nil)
	b.deployment(t, "api-green", 1, map[string]string{"app": "api", "slot": "green"}, "registry.example/api:2", nil)
	b.service(t, "api", map[string]string{"app": "api", "slot": "blue"})
	b.readyEndpoints(t, "api", 1)
	p := b.plan(t, action.TrafficRequest{Action: action.SwitchAction, Kind: "service", Name: "api", To: "green"})
	if _, err := readOnly.Execute(ctx, p, action.DryRunNone, nil); !errors.Is(err, action.ErrReadOnly) {
		t.Errorf("read-only: %v", err)
	}
	if b.svc(t, "api").Spec.Selector["slot"] != "blue" {
		t.Error("read-only mode switched the service")
	}
}

// The resourceVersion precondition is the API server's: a person's change
// to the Service's spec stops the switch; a change to its metadata only
// (labels, as a controller would write) is re-sent and lands.
func TestSwitchGuardOnTheTestBed(t *testing.T) {
	b := newBed(t)
	b.blueGreen(t)
	ctx := context.Background()
	p := b.plan(t, action.TrafficRequest{Action: action.SwitchAction, Kind: "service", Name: "web", To: "green"})
	b.env.RunKubectl(t, "-n", b.ns, "label", "service/web", "touched=yes")
	res, err := b.tr.Execute(ctx, p, action.DryRunNone, nil)
	if err != nil || res.Steps[0].Resent != 1 || b.svc(t, "web").Spec.Selector["slot"] != "green" {
		t.Fatalf("metadata-only change: %+v %v", res, err)
	}

	p = b.plan(t, action.TrafficRequest{Action: action.SwitchAction, Kind: "service", Name: "web", To: "blue"})
	b.env.RunKubectl(t, "-n", b.ns, "patch", "service/web", "--type=merge", "-p", `{"spec":{"ports":[{"port":8080}]}}`)
	_, err = b.tr.Execute(ctx, p, action.DryRunNone, nil)
	var ce *action.TrafficConflictError
	if !errors.As(err, &ce) || !slices.Equal(ce.Changed, []string{"spec.ports"}) {
		t.Fatalf("spec change: %v", err)
	}
	if svc := b.svc(t, "web"); svc.Spec.Selector["slot"] != "green" || svc.Spec.Ports[0].Port != 8080 {
		t.Errorf("the concurrent change was overwritten: %v %v", svc.Spec.Selector, svc.Spec.Ports)
	}
}

func TestPlainCanaryOnTheTestBed(t *testing.T) {
	b := newBed(t)
	b.deployment(t, "web", 3, map[string]string{"app": "web", "track": "stable"}, "registry.example/web:1.0", nil)
	b.deployment(t, "web-canary", 1, map[string]string{"app": "web", "track": "canary"}, "registry.example/web:2.0", nil)
	b.service(t, "web", map[string]string{"app": "web"})
	b.readyEndpoints(t, "web", 4)
	p := b.plan(t, action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: "deployment", Name: "web-canary"})
	replicas := func() int32 {
		d, err := b.cs.AppsV1().Deployments(b.ns).Get(context.Background(), "web-canary", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return *d.Spec.Replicas
	}
	b.run(t, p, func() bool { return replicas() == 1 })

	d, _ := b.cs.AppsV1().Deployments(b.ns).Get(context.Background(), "web-canary", metav1.GetOptions{})
	if *d.Spec.Replicas != 0 || d.Annotations[action.CanaryFromAnnotation] != "replicas=1" || d.Annotations[rollout.ActorAnnotation] != "itest" {
		t.Errorf("canary = %d replicas, annotations %v", *d.Spec.Replicas, d.Annotations)
	}
	pods, _ := b.cs.CoreV1().Pods(b.ns).List(context.Background(), metav1.ListOptions{LabelSelector: "track=canary"})
	if len(pods.Items) != 0 {
		t.Errorf("%d canary pods left", len(pods.Items))
	}
	for _, pod := range b.readyEndpoints(t, "web", 3) {
		if strings.HasPrefix(pod, "web-canary-") {
			t.Errorf("endpoint %s is a canary pod", pod)
		}
	}
	if evs := b.events(t, "web"); len(evs) != 1 || !strings.HasPrefix(evs[0], "Service CanaryRolledBack: itest rolled back the canary of service/web: scaled deployment/web-canary to zero") {
		t.Errorf("events = %q", evs)
	}
}

// stableAndCanary are services web-stable and web-canary, each in front of
// its own Deployment.
func (b *bed) stableAndCanary(t testing.TB) {
	t.Helper()
	b.deployment(t, "web", 2, map[string]string{"app": "web", "track": "stable"}, "registry.example/web:1.0", nil)
	b.deployment(t, "web-canary", 1, map[string]string{"app": "web", "track": "canary"}, "registry.example/web:2.0", nil)
	b.service(t, "web-stable", map[string]string{"app": "web", "track": "stable"})
	b.service(t, "web-canary", map[string]string{"app": "web", "track": "canary"})
	b.readyEndpoints(t, "web-stable", 2)
}

func (b *bed) create(t testing.TB, api traffic.API, version string, obj map[string]any) {
	t.Helper()
	api.Version = version
	u := &unstructured.Unstructured{Object: obj}
	u.SetAPIVersion(api.APIVersion())
	u.SetKind(api.Kind)
	if _, err := b.dyn.Resource(api.GVR()).Namespace(b.ns).Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (b *bed) get(t testing.TB, api traffic.API, version, name string) *unstructured.Unstructured {
	t.Helper()
	api.Version = version
	u, err := b.dyn.Resource(api.GVR()).Namespace(b.ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func weights(rules []traffic.Rule) string {
	var parts []string
	for _, r := range rules {
		for _, b := range r.Backends {
			parts = append(parts, fmt.Sprintf("%s=%d", b.Label(), b.Weight))
		}
	}
	return strings.Join(parts, ",")
}

func TestHTTPRouteWeightsOnTheTestBed(t *testing.T) {
	b := newBed(t)
	b.stableAndCanary(t)
	b.create(t, traffic.HTTPRoutes(), "v1", map[string]any{
		"metadata": map[string]any{"name": "web"},
		"spec": map[string]any{
			"parentRefs": []any{map[string]any{"name": "gateway"}},
			"rules": []any{map[string]any{"backendRefs": []any{
				map[string]any{"name": "web-stable", "port": int64(80), "weight": int64(90)},
				map[string]any{"name": "web-canary", "port": int64(80), "weight": int64(10)},
			}}},
		},
	})
	route := func() string {
		rules, err := traffic.HTTPRouteRules(b.get(t, traffic.HTTPRoutes(), "v1", "web"))
		if err != nil {
			t.Fatal(err)
		}
		return weights(rules)
	}
	p := b.plan(t, action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: "httproute", Name: "web"})
	if p.Object.APIVersion() != "gateway.networking.k8s.io/v1" || len(p.Steps) != 1 {
		t.Fatalf("plan = %+v", p)
	}
	b.run(t, p, func() bool { return route() == "web-stable=90,web-canary=10" })
	if got := route(); got != "web-stable=100,web-canary=0" {
		t.Errorf("weights = %s", got)
	}
	u := b.get(t, traffic.HTTPRoutes(), "v1", "web")
	if a := u.GetAnnotations(); a[action.CanaryFromAnnotation] != "web-stable=90,web-canary=10" || a[rollout.IncidentAnnotation] != "INC-1" {
		t.Errorf("annotations = %v", a)
	}
	if evs := b.events(t, "web"); len(evs) != 1 || !strings.HasPrefix(evs[0], "HTTPRoute CanaryRolledBack: itest rolled back the canary of httproute/web: all traffic to web-stable") {
		t.Errorf("events = %q", evs)
	}
	again := b.plan(t, action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: "httproute", Name: "web"})
	if !again.Skip {
		t.Errorf("a second rollback is not a no-op: %+v", again)
	}
}

func TestVirtualServiceWeightsOnTheTestBed(t *testing.T) {
	b := newBed(t)
	b.stableAndCanary(t)
	b.create(t, traffic.VirtualServices(), "v1", map[string]any{
		"metadata": map[string]any{"name": "web"},
		"spec": map[string]any{
			"hosts": []any{"web"},
			"http": []any{map[string]any{"route": []any{
				map[string]any{"destination": map[string]any{"host": "web-stable." + b.ns + ".svc.cluster.local"}, "weight": int64(75)},
				map[string]any{"destination": map[string]any{"host": "web-canary." + b.ns + ".svc.cluster.local"}, "weight": int64(25)},
			}}},
		},
	})
	vs := func() string {
		rules, err := traffic.VirtualServiceRoutes(b.get(t, traffic.VirtualServices(), "v1", "web"))
		if err != nil {
			t.Fatal(err)
		}
		return weights(rules)
	}
	p := b.plan(t, action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: "virtualservice", Name: "web"})
	if len(p.Checks) != 1 || p.Checks[0].Detail != "service/web-stable has 2 ready endpoints" {
		t.Fatalf("checks = %+v", p.Checks)
	}
	before := vs()
	b.run(t, p, func() bool { return vs() == before })
	want := fmt.Sprintf("web-stable.%[1]s.svc.cluster.local=100,web-canary.%[1]s.svc.cluster.local=0", b.ns)
	if got := vs(); got != want {
		t.Errorf("weights = %s, want %s", got, want)
	}
	if a := b.get(t, traffic.VirtualServices(), "v1", "web").GetAnnotations(); a[rollout.ActorAnnotation] != "itest" {
		t.Errorf("annotations = %v", a)
	}
}

// The test bed has no Argo controller: the test plays its part, owning
// two ReplicaSets (stable revision 1, canary revision 2) by the Rollout and
// recording the stable and current hashes in its status.
func TestArgoRolloutOnTheTestBed(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()
	template := func(image string) map[string]any {
		return map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "app", "image": image}}}}
	}
	b.create(t, traffic.Rollouts(), "v1alpha1", map[string]any{
		"metadata": map[string]any{"name": "web"},
		"spec": map[string]any{
			"replicas": int64(2),
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"strategy": map[string]any{"canary": map[string]any{"stableService": "web-stable", "canaryService": "web-canary",
				"steps": []any{map[string]any{"setWeight": int64(20)}, map[string]any{"pause": map[string]any{}}}}},
			"template": template("registry.example/web:2.0"),
		},
	})
	ro := b.get(t, traffic.Rollouts(), "v1alpha1", "web")
	owner := metav1.OwnerReference{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Name: "web", UID: types.UID(ro.GetUID()), Controller: new(true), BlockOwnerDeletion: new(true)}
	for _, rs := range []struct {
		hash, rev, image string
		replicas         int32
	}{{"stable1", "1", "registry.example/web:1.0", 2}, {"canary2", "2", "registry.example/web:2.0", 1}} {
		lbls := map[string]string{"app": "web", traffic.RolloutHashLabel: rs.hash}
		_, err := b.cs.AppsV1().ReplicaSets(b.ns).Create(ctx, &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: "web-" + rs.hash, Labels: lbls, OwnerReferences: []metav1.OwnerReference{owner},
				Annotations: map[string]string{traffic.RolloutRevisionAnnotation: rs.rev}},
			Spec: appsv1.ReplicaSetSpec{Replicas: &rs.replicas, Selector: &metav1.LabelSelector{MatchLabels: lbls},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: rs.image}}}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	b.service(t, "web-stable", map[string]string{"app": "web", traffic.RolloutHashLabel: "stable1"})
	b.readyEndpoints(t, "web-stable", 2)
	ro.Object["status"] = map[string]any{"stableRS": "stable1", "currentPodHash": "canary2"}
	rollouts := traffic.Rollouts()
	rollouts.Version = "v1alpha1"
	if _, err := b.dyn.Resource(rollouts.GVR()).Namespace(b.ns).UpdateStatus(ctx, ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	p := b.plan(t, action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: "rollout", Name: "web"})
	if len(p.Steps) != 2 || p.Steps[0].Subresource != "status" {
		t.Fatalf("plan = %+v", p.Steps)
	}
	parsed := func() *traffic.Rollout {
		r, err := traffic.ParseRollout(b.get(t, traffic.Rollouts(), "v1alpha1", "web"))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	b.run(t, p, func() bool {
		r := parsed()
		return !r.Aborted && r.Template.Spec.Containers[0].Image == "registry.example/web:2.0"
	})

	r := parsed()
	if !r.Aborted || r.Template.Spec.Containers[0].Image != "registry.example/web:1.0" || r.Template.Labels[traffic.RolloutHashLabel] != "" ||
		r.Template.Labels["app"] != "web" {
		t.Errorf("rollout after: aborted=%v template=%+v", r.Aborted, r.Template)
	}
	u := b.get(t, traffic.Rollouts(), "v1alpha1", "web")
	if a := u.GetAnnotations(); a[action.CanaryFromAnnotation] != "revision 2 (web-canary2)" || a[rollout.ActorAnnotation] != "itest" {
		t.Errorf("annotations = %v", a)
	}
	if evs := b.events(t, "web"); len(evs) != 1 || !strings.HasPrefix(evs[0], "Rollout CanaryRolledBack: itest rolled back the canary of rollout/web to its stable revision 1 (web-stable1)") {
		t.Errorf("events = %q", evs)
	}
	if again := b.plan(t, action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: "rollout", Name: "web"}); !again.Skip {
		t.Errorf("a second rollback is not a no-op: %+v", again.Steps)
	}
}
