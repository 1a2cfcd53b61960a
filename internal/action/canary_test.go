package action_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/traffic"
)

func canaryReq(kind, name string) action.TrafficRequest {
	return action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: kind, Name: name}
}

func track(t string) map[string]string { return map[string]string{"app": "web", "track": t} }

// trPlainCanary is service web in front of web (3 stable pods, stableReady
// of them ready) and web-canary (1 pod).
func trPlainCanary(stableReady int) *fake.Clientset {
	objs := []runtime.Object{
		trService("web", map[string]string{"app": "web"}),
		trDeployment("web", 3, track("stable")), trDeployment("web-canary", 1, track("canary")),
		trSlice("web", "stable-0", "canary-0"),
	}
	objs = append(objs, trPods("stable", stableReady, true, track("stable"))...)
	objs = append(objs, trPods("stable-unready", 3-stableReady, false, track("stable"))...)
	objs = append(objs, trPods("canary", 1, true, track("canary"))...)
	return fake.NewClientset(objs...)
}

func replicas(t *testing.T, c *fake.Clientset, name string) (int32, map[string]string) {
	t.Helper()
	d, err := c.AppsV1().Deployments(trNS).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return *d.Spec.Replicas, d.Annotations
}

func TestPlainCanaryRollbackScalesTheCanaryToZero(t *testing.T) {
	for _, named := range []action.TrafficRequest{canaryReq("service", "web"), canaryReq("deployment", "web-canary"), canaryReq("deployment", "web")} {
		t.Run(named.Kind+"/"+named.Name, func(t *testing.T) {
			c := trPlainCanary(3)
			tr := trTraffic(c, nil)
			p := trPlan(t, tr, named)
			if p.Pattern != "plain canary" || len(p.Steps) != 1 || p.Steps[0].Object.String() != "deployment/web-canary" ||
				p.Changes[0] != "deployment/web-canary replicas: 1 → 0 (1 of its pods ready now)" || p.Object.String() != "service/web" {
				t.Fatalf("plan = %+v", p)
			}
			res, err := tr.Execute(context.Background(), p, action.DryRunNone, nil)
			if err != nil || res.Outcome != action.OutcomeApplied {
				t.Fatalf("%+v %v", res, err)
			}
			n, ann := replicas(t, c, "web-canary")
			if n != 0 || ann[action.CanaryFromAnnotation] != "replicas=1" || ann[rollout.ActorAnnotation] != "alice" {
				t.Errorf("canary replicas %d annotations %v", n, ann)
			}
			if n, _ := replicas(t, c, "web"); n != 3 {
				t.Errorf("stable replicas changed to %d", n)
			}
			evs, _ := c.CoreV1().Events(trNS).List(context.Background(), metav1.ListOptions{})
			if len(evs.Items) != 1 || evs.Items[0].Reason != action.CanaryRolledBackReason ||
				evs.Items[0].Message != "alice rolled back the canary of service/web: scaled deployment/web-canary to zero: 5xx after deploy (incident INC-9)" {
				t.Errorf("events = %+v", evs.Items)
			}
		})
	}
}

func TestPlainCanaryVerifyWaitsForTheCanaryPodsToGo(t *testing.T) {
	c := trPlainCanary(3)
	tr := trTraffic(c, nil)
	p := trPlan(t, tr, canaryReq("service", "web"))
	if _, err := tr.Execute(context.Background(), p, action.DryRunNone, nil); err != nil {
		t.Fatal(err)
	}
	opts := action.TrafficVerifyOptions{Interval: 5 * time.Millisecond, Timeout: 30 * time.Millisecond}
	v := tr.Verify(context.Background(), p, opts, nil)
	if v.Verified() || !strings.Contains(v.Problem, "service/web still has 1 ready endpoints on other pods (canary-0)") {
		t.Fatalf("before the controllers acted: %+v", v)
	}
	// The controllers delete the canary pod and its endpoint.
	_ = c.CoreV1().Pods(trNS).Delete(context.Background(), "canary-0", metav1.DeleteOptions{})
	_, _ = c.DiscoveryV1().EndpointSlices(trNS).Update(context.Background(), trSlice("web", "stable-0", "stable-1", "stable-2"), metav1.UpdateOptions{})
	v = tr.Verify(context.Background(), p, opts, nil)
	if !v.Verified() || !strings.Contains(strings.Join(v.Observed, "\n"), "deployment/web-canary: no pods left") {
		t.Fatalf("after: %+v", v)
	}
}

func TestPlainCanaryBadInput(t *testing.T) {
	scaled := trPlainCanary(3)
	d := trDeployment("web-canary", 0, track("canary"))
	_ = scaled.Tracker().Update(appsv1.SchemeGroupVersion.WithResource("deployments"), d, trNS)
	_ = scaled.Tracker().Delete(corev1.SchemeGroupVersion.WithResource("pods"), trNS, "canary-0")
	for _, tc := range []struct {
		name string
		c    *fake.Clientset
		req  action.TrafficRequest
		want string
		skip bool
	}{
		{"stable not ready", trPlainCanary(0), canaryReq("service", "web"),
			"refusing to change service/web: its stable pods (deployment/web) have no ready pod: scaling the canary to zero would leave the Service without endpoints", false},
		{"no canary", fake.NewClientset(trService("web", map[string]string{"app": "web"}), trDeployment("web", 3, track("stable"))), canaryReq("service", "web"),
			"service/web has no canary to roll back: it selects web, and none is a canary (named *-canary or with pods labelled track=canary)", false},
		{"deployment behind no service", fake.NewClientset(trDeployment("web-canary", 1, track("canary"))), canaryReq("deployment", "web-canary"),
			"deployment/web-canary has no canary to roll back: no Service selects its pods", false},
		{"unknown kind", trPlainCanary(3), canaryReq("statefulset", "web"), "unknown kind", false},
		{"already zero", scaled, canaryReq("service", "web"), "the canary of service/web (deployment/web-canary) is already scaled to zero", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Namespace, tc.req.Attribution = trNS, trAttribution
			p, err := trTraffic(tc.c, nil).Plan(context.Background(), tc.req)
			if tc.skip {
				if err != nil || !p.Skip || p.SkipReason != tc.want {
					t.Fatalf("plan = %+v, %v", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant %q", err, tc.want)
			}
		})
	}
}

func httpRoute(weights ...int64) *unstructured.Unstructured {
	ref := func(name string, w int64) any {
		return map[string]any{"name": name, "port": int64(80), "weight": w}
	}
	return trUnstructured("gateway.networking.k8s.io/v1", "HTTPRoute", "web", map[string]any{
		"parentRefs": []any{map[string]any{"name": "gw"}},
		"rules": []any{
			map[string]any{"backendRefs": []any{ref("web", weights[0]), ref("web-canary", weights[1])}},
			map[string]any{"backendRefs": []any{map[string]any{"name": "static", "port": int64(80)}}},
		},
	})
}

// trWeighted is service web with one ready endpoint, the CRDs installed,
// and objs in the dynamic client.
func trWeighted(objs ...runtime.Object) (*fake.Clientset, *dynamicfake.FakeDynamicClient, *action.Traffic) {
	c := fake.NewClientset(trService("web", map[string]string{"app": "web"}), trSlice("web", "stable-0"))
	_, c.Resources = trCRDs()
	dyn := trDynamic(objs...)
	return c, dyn, trTraffic(c, dyn)
}

func TestHTTPRouteRollbackSetsWeightsInOnePatch(t *testing.T) {
	c, dyn, tr := trWeighted(httpRoute(80, 20))
	p := trPlan(t, tr, canaryReq("httproute", "web"))
	if p.Pattern != "Gateway API HTTPRoute" || len(p.Steps) != 1 || p.Steps[0].PatchType != types.JSONPatchType ||
		strings.Join(p.Changes, "; ") != "rule 1: web weight 80 → 100; rule 1: web-canary weight 20 → 0" {
		t.Fatalf("plan = %+v", p)
	}
	if len(p.Checks) != 1 || p.Checks[0].Detail != "service/web has 1 ready endpoints" {
		t.Errorf("checks = %+v", p.Checks)
	}
	res, err := tr.Execute(context.Background(), p, action.DryRunNone, nil)
	if err != nil || res.Outcome != action.OutcomeApplied {
		t.Fatalf("%+v %v", res, err)
	}
	u := trGet(t, dyn, traffic.HTTPRoutes(), "v1", "web")
	rules, _ := traffic.HTTPRouteRules(u)
	if rules[0].Backends[0].Weight != 100 || rules[0].Backends[1].Weight != 0 || rules[1].Backends[0].WeightSet {
		t.Errorf("rules = %+v", rules)
	}
	if a := u.GetAnnotations(); a[action.CanaryFromAnnotation] != "web=80,web-canary=20" || a[rollout.ActorAnnotation] != "alice" {
		t.Errorf("annotations = %v", a)
	}
	v := tr.Verify(context.Background(), p, action.TrafficVerifyOptions{Interval: time.Millisecond, Timeout: time.Second}, nil)
	if !v.Verified() {
		t.Errorf("verification = %+v", v)
	}
	evs, _ := c.CoreV1().Events(trNS).List(context.Background(), metav1.ListOptions{})
	if len(evs.Items) != 1 || evs.Items[0].InvolvedObject.APIVersion != "gateway.networking.k8s.io/v1" || evs.Items[0].InvolvedObject.Kind != "HTTPRoute" {
		t.Errorf("events = %+v", evs.Items)
	}
}

func TestHTTPRouteBadInput(t *testing.T) {
	t.Run("not installed", func(t *testing.T) {
		c := fake.NewClientset()
		_, all := trCRDs()
		c.Resources = all[1:] // Istio and Argo only
		_, err := trTraffic(c, trDynamic()).Plan(context.Background(), action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: "httproute", Name: "web", Namespace: trNS, Attribution: trAttribution})
		var ni *traffic.NotInstalledError
		if !errors.As(err, &ni) || err.Error() != "Gateway API is not installed in this cluster (it serves no httproutes in gateway.networking.k8s.io); canary rollback in this cluster works on: service, deployment, virtualservice, rollout" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("already rolled back", func(t *testing.T) {
		_, _, tr := trWeighted(httpRoute(100, 0))
		p := trPlan(t, tr, canaryReq("httproute", "web"))
		if !p.Skip || p.SkipReason != "all traffic of httproute/web already goes to web (web-canary at weight 0)" {
			t.Fatalf("plan = %+v", p)
		}
	})
	t.Run("stable without endpoints", func(t *testing.T) {
		c := fake.NewClientset(trService("web", map[string]string{"app": "web"}))
		_, c.Resources = trCRDs()
		_, err := trTraffic(c, trDynamic(httpRoute(50, 50))).Plan(context.Background(), action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: "httproute", Name: "web", Namespace: trNS, Attribution: trAttribution})
		if err == nil || !strings.Contains(err.Error(), "refusing to change httproute/web: its stable backend service/web has no ready endpoints") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing route", func(t *testing.T) {
		_, _, tr := trWeighted()
		_, err := tr.Plan(context.Background(), action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: "httproute", Name: "web", Namespace: trNS, Attribution: trAttribution})
		if err == nil || !strings.Contains(err.Error(), `httproute "web" not found in namespace "prod"`) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestVirtualServiceRollbackInTheServedVersion(t *testing.T) {
	vs := trUnstructured("networking.istio.io/v1beta1", "VirtualService", "web", map[string]any{
		"hosts": []any{"web"},
		"http": []any{map[string]any{"route": []any{
			map[string]any{"destination": map[string]any{"host": "web", "subset": "stable"}, "weight": int64(70)},
			map[string]any{"destination": map[string]any{"host": "web", "subset": "canary"}, "weight": int64(30)},
		}}},
	})
	c := fake.NewClientset(trService("web", map[string]string{"app": "web"}), trSlice("web", "stable-0"))
	c.Resources = []*metav1.APIResourceList{{GroupVersion: "networking.istio.io/v1beta1", APIResources: []metav1.APIResource{{Name: "virtualservices", Kind: "VirtualService", Namespaced: true}}}}
	api := traffic.VirtualServices()
	api.Version = "v1beta1"
	dyn := trDynamic()
	if _, err := dyn.Resource(api.GVR()).Namespace(trNS).Create(context.Background(), vs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr := trTraffic(c, dyn)
	p := trPlan(t, tr, canaryReq("virtualservice", "web"))
	if p.Object.APIVersion() != "networking.istio.io/v1beta1" || p.Checks[0].Detail != "service/web has 1 ready endpoints (all subsets)" {
		t.Fatalf("plan = %+v", p)
	}
	if _, err := tr.Execute(context.Background(), p, action.DryRunNone, nil); err != nil {
		t.Fatal(err)
	}
	rules, _ := traffic.VirtualServiceRoutes(trGet(t, dyn, traffic.VirtualServices(), "v1beta1", "web"))
	if rules[0].Backends[0].Weight != 100 || rules[0].Backends[1].Weight != 0 {
		t.Errorf("routes = %+v", rules)
	}
}

// argoFixture is rollout web moving from stable revision 1 (h1, v1) to a
// canary revision 2 (h2, v2), with the ReplicaSets its controller owns.
func argoFixture(aborted bool, template string) (*action.Traffic, *dynamicfake.FakeDynamicClient) {
	tmpl := func(image string) map[string]any {
		return map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "app", "image": image}}}}
	}
	ro := trUnstructured("argoproj.io/v1alpha1", "Rollout", "web", map[string]any{
		"replicas": int64(3),
		"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
		"strategy": map[string]any{"canary": map[string]any{"stableService": "web", "steps": []any{map[string]any{"setWeight": int64(20)}}}},
		"template": tmpl(template),
	})
	ro.Object["status"] = map[string]any{"stableRS": "h1", "currentPodHash": "h2", "abort": aborted}
	owner := metav1.OwnerReference{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Name: "web", UID: "uid-web", Controller: new(true)}
	rs := func(hash, rev, image string) runtime.Object {
		return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-" + hash, Namespace: trNS, OwnerReferences: []metav1.OwnerReference{owner},
			Labels: map[string]string{"app": "web", traffic.RolloutHashLabel: hash}, Annotations: map[string]string{traffic.RolloutRevisionAnnotation: rev}},
			Spec: appsv1.ReplicaSetSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", traffic.RolloutHashLabel: hash}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}}}}
	}
	c := fake.NewClientset(rs("h1", "1", "reg/web:v1"), rs("h2", "2", "reg/web:v2"), trService("web", map[string]string{"app": "web"}), trSlice("web", "stable-0"))
	_, c.Resources = trCRDs()
	dyn := trDynamic(ro)
	return trTraffic(c, dyn), dyn
}

func TestArgoRolloutAbortThenUndoToStable(t *testing.T) {
	tr, dyn := argoFixture(false, "reg/web:v2")
	p := trPlan(t, tr, canaryReq("rollout", "web"))
	if p.Pattern != "Argo Rollout" || len(p.Steps) != 2 || p.Steps[0].Subresource != "status" || p.Steps[1].ResourceVersion != "" ||
		p.Summary != "roll back the canary of rollout/web: abort it, then undo to its stable revision 1 (web-h1)" {
		t.Fatalf("plan = %+v", p)
	}
	if !strings.Contains(strings.Join(p.Changes, "\n"), "app image: reg/web:v2 → reg/web:v1") {
		t.Errorf("changes = %q", p.Changes)
	}
	var subs []string
	dyn.PrependReactor("patch", "rollouts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		subs = append(subs, a.GetSubresource())
		return false, nil, nil
	})
	res, err := tr.Execute(context.Background(), p, action.DryRunNone, nil)
	if err != nil || res.Outcome != action.OutcomeApplied || len(res.Steps) != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	if strings.Join(subs, ",") != "status," {
		t.Errorf("subresources patched = %q", subs)
	}
	api := traffic.Rollouts()
	api.Version = "v1alpha1"
	u, err := dyn.Resource(api.GVR()).Namespace(trNS).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ro, _ := traffic.ParseRollout(u)
	if !ro.Aborted || ro.Template.Spec.Containers[0].Image != "reg/web:v1" || ro.Template.Labels[traffic.RolloutHashLabel] != "" {
		t.Errorf("rollout = %+v template %+v", ro, ro.Template)
	}
	if u.GetAnnotations()[action.CanaryFromAnnotation] != "revision 2 (web-h2)" {
		t.Errorf("annotations = %v", u.GetAnnotations())
	}
	v := tr.Verify(context.Background(), p, action.TrafficVerifyOptions{Interval: time.Millisecond, Timeout: time.Second}, nil)
	if !v.Verified() || !strings.Contains(strings.Join(v.Observed, "\n"), "aborted (status.abort=true)") {
		t.Errorf("verification = %+v", v)
	}
}

func TestArgoRolloutAlreadyAbortedOnlyUndoes(t *testing.T) {
	tr, _ := argoFixture(true, "reg/web:v2")
	p := trPlan(t, tr, canaryReq("rollout", "web"))
	if len(p.Steps) != 1 || p.Steps[0].ResourceVersion != "11" || !strings.Contains(p.Steps[0].Description, "undo rollout/web") {
		t.Fatalf("plan = %+v", p.Steps)
	}
}

func TestArgoRolloutOnStableIsNotRolledBack(t *testing.T) {
	tr, _ := argoFixture(true, "reg/web:v1")
	p := trPlan(t, tr, canaryReq("rollout", "web"))
	if !p.Skip || p.SkipReason != "rollout/web is already aborted and its template is its stable revision 1 (web-h1)" {
		t.Fatalf("plan = %+v", p)
	}
}
