package traffic_test

import (
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/traffic"
)

func deployment(name string, replicas int32, lbls map[string]string) appsv1.Deployment {
	return appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "prod"},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls}}},
	}
}

func pod(name string, ready bool, lbls map[string]string) corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "prod", Labels: lbls},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}}}
}

func service(sel map[string]string) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "prod"}, Spec: corev1.ServiceSpec{Selector: sel}}
}

func side(slot string) map[string]string { return map[string]string{"app": "web", "slot": slot} }

func TestDetectBlueGreenFindsPairAndLiveSide(t *testing.T) {
	deps := []appsv1.Deployment{deployment("web-green", 3, side("green")), deployment("web-blue", 3, side("blue")),
		deployment("api", 1, map[string]string{"app": "api", "slot": "blue"})}
	pods := []corev1.Pod{pod("b1", true, side("blue")), pod("g1", true, side("green")), pod("g2", false, side("green"))}
	bg, err := traffic.DetectBlueGreen(service(side("blue")), deps, pods, "")
	if err != nil {
		t.Fatal(err)
	}
	if bg.Key != "slot" || bg.Live != "blue" || len(bg.Sides) != 2 {
		t.Fatalf("pair = %+v", bg)
	}
	other, ok := bg.Other()
	green, _ := bg.Side("green")
	if !ok || other != "green" || green.Deployments[0] != "web-green" || green.Desired != 3 ||
		green.Pods.Matched != 2 || green.Pods.Ready != 1 || green.Selector["slot"] != "green" {
		t.Errorf("green side = %+v (other %q)", green, other)
	}
}

func TestDetectBlueGreenByVersionLabel(t *testing.T) {
	v := func(s string) map[string]string { return map[string]string{"app": "web", "version": s} }
	deps := []appsv1.Deployment{deployment("web-v1", 2, v("v1")), deployment("web-v2", 2, v("v2"))}
	bg, err := traffic.DetectBlueGreen(service(v("v2")), deps, nil, "")
	if err != nil || bg.Key != "version" || bg.Live != "v2" {
		t.Fatalf("pair = %+v, %v", bg, err)
	}
}

func TestDetectBlueGreenExplainsWhatItFound(t *testing.T) {
	deps := []appsv1.Deployment{deployment("web-blue", 3, side("blue")), deployment("web", 1, map[string]string{"app": "web"})}
	for _, tc := range []struct {
		name string
		sel  map[string]string
		key  string
		want []string
	}{
		{"no selector", nil, "", []string{"service/web is not a blue-green pair", "no selector"}},
		{"no slot label", map[string]string{"app": "web"}, "", []string{"has no slot label (slot, color or version)", "web, web-blue"}},
		{"one side only", side("blue"), "", []string{"selects slot=blue and no other deployment differs from it only by slot", "slot=blue (web-blue)"}},
		{"live side missing", side("red"), "", []string{"selects slot=red, which no deployment's pods carry", "slot=blue (web-blue)"}},
		{"other key asked", side("blue"), "color", []string{"no slot label (color)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := traffic.DetectBlueGreen(service(tc.sel), deps, nil, tc.key)
			var np *traffic.NoPairError
			if !errors.As(err, &np) {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
		})
	}
}

func TestDetectPlainCanary(t *testing.T) {
	web := map[string]string{"app": "web"}
	stable := deployment("web", 3, map[string]string{"app": "web", "track": "stable"})
	canary := deployment("web-canary", 1, map[string]string{"app": "web", "track": "canary"})
	pods := []corev1.Pod{pod("s1", true, stable.Spec.Template.Labels), pod("c1", true, canary.Spec.Template.Labels)}
	pc, err := traffic.DetectPlainCanary(service(web), []appsv1.Deployment{canary, stable}, pods)
	if err != nil {
		t.Fatal(err)
	}
	if len(pc.Stable) != 1 || pc.Stable[0].Name != "web" || len(pc.Canary) != 1 || pc.Canary[0].Name != "web-canary" ||
		pc.Canary[0].Pods.Ready != 1 || pc.Stable[0].Pods.Ready != 1 {
		t.Fatalf("canary = %+v", pc)
	}
	_, err = traffic.DetectPlainCanary(service(web), []appsv1.Deployment{stable}, pods)
	if err == nil || !strings.Contains(err.Error(), "service/web has no canary to roll back: it selects web, and none is a canary") {
		t.Errorf("no canary: %v", err)
	}
	_, err = traffic.DetectPlainCanary(service(web), []appsv1.Deployment{canary}, pods)
	if err == nil || !strings.Contains(err.Error(), "only canaries") {
		t.Errorf("only canary: %v", err)
	}
}

func TestCountPodsIsWhatEndpointSlicesList(t *testing.T) {
	l := side("blue")
	terminating := pod("t", true, l)
	terminating.DeletionTimestamp = &metav1.Time{}
	noIP := pod("n", true, l)
	noIP.Status.PodIP = ""
	done := pod("d", true, l)
	done.Status.Phase = corev1.PodSucceeded
	got := traffic.CountPods([]corev1.Pod{pod("b", true, l), pod("a", true, l), pod("u", false, l), terminating, noIP, done, pod("g", true, side("green"))}, l)
	if got.Matched != 5 || got.Ready != 2 || strings.Join(got.Names, ",") != "a,b" {
		t.Errorf("pods = %+v", got)
	}
}

func TestSummarizeEndpoints(t *testing.T) {
	yes, no := true, false
	ep := func(pod string, ready *bool) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{Addresses: []string{"10.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: ready},
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: pod}}
	}
	v4 := discoveryv1.EndpointSlice{Endpoints: []discoveryv1.Endpoint{ep("b", &yes), ep("a", nil), ep("c", &no)}}
	v6 := discoveryv1.EndpointSlice{Endpoints: []discoveryv1.Endpoint{ep("b", &yes)}}
	got := traffic.SummarizeEndpoints([]discoveryv1.EndpointSlice{v4, v6})
	if got.Ready != 2 || got.NotReady != 1 || strings.Join(got.ReadyPods, ",") != "a,b" {
		t.Errorf("endpoints = %+v", got)
	}
}

func route(rules ...[]map[string]any) *unstructured.Unstructured {
	var rs []any
	for _, refs := range rules {
		var bs []any
		for _, r := range refs {
			bs = append(bs, r)
		}
		rs = append(rs, map[string]any{"backendRefs": bs})
	}
	return &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "web"}, "spec": map[string]any{"rules": rs}}}
}

func ref(name string, weight ...int64) map[string]any {
	m := map[string]any{"name": name, "port": int64(80)}
	if len(weight) > 0 {
		m["weight"] = weight[0]
	}
	return m
}

func TestPlanWeightsHTTPRoute(t *testing.T) {
	rules, err := traffic.HTTPRouteRules(route([]map[string]any{ref("web", 90), ref("web-canary", 10)}, []map[string]any{ref("static")}))
	if err != nil {
		t.Fatal(err)
	}
	wp, err := traffic.PlanWeights("httproute/web", rules, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(wp.Changes) != 2 || wp.Changes[0].Path != "/spec/rules/0/backendRefs/0/weight" || wp.Changes[0].To != 100 ||
		wp.Changes[1].Backend != "web-canary" || wp.Changes[1].From != 10 || wp.Changes[1].To != 0 {
		t.Fatalf("changes = %+v", wp.Changes)
	}
	if strings.Join(wp.Stable, ",") != "web" || strings.Join(wp.Canary, ",") != "web-canary" {
		t.Errorf("stable %v canary %v", wp.Stable, wp.Canary)
	}
}

func TestPlanWeightsUnsetWeightsAndDone(t *testing.T) {
	// Unset weights default to 1 each: a 50/50 split.
	rules, _ := traffic.HTTPRouteRules(route([]map[string]any{ref("web"), ref("web-canary")}))
	wp, err := traffic.PlanWeights("httproute/web", rules, "")
	if err != nil || len(wp.Changes) != 2 || wp.Changes[1].FromSet || wp.Changes[1].From != 1 {
		t.Fatalf("changes = %+v, %v", wp, err)
	}
	rules, _ = traffic.HTTPRouteRules(route([]map[string]any{ref("web", 100), ref("web-canary", 0)}))
	wp, err = traffic.PlanWeights("httproute/web", rules, "")
	if err != nil || len(wp.Changes) != 0 {
		t.Fatalf("already rolled back: %+v, %v", wp, err)
	}
}

func TestPlanWeightsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rules  *unstructured.Unstructured
		stable string
		want   string
	}{
		{"no weights", route([]map[string]any{ref("web")}), "", "httproute/web has no canary to roll back: no rule splits traffic by weight; each sends everything to one backend (web)"},
		{"no rules", route(), "", "it has no rule with backends"},
		{"no canary name", route([]map[string]any{ref("web-v1", 50), ref("web-v2", 50)}), "", "rule 1 splits traffic between web-v1 weight 50, web-v2 weight 50, and none is named as a canary; pass --stable NAME"},
		{"only canaries", route([]map[string]any{ref("a-canary", 50), ref("b-canary", 50)}), "", "sends only to canaries"},
		{"several stable", route([]map[string]any{ref("a", 40), ref("b", 40), ref("c-canary", 20)}), "", "several backends that are not canaries (a weight 40, b weight 40)"},
		{"unknown stable", route([]map[string]any{ref("web", 90), ref("web-canary", 10)}), "nope", "no weighted rule sends traffic to nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := traffic.HTTPRouteRules(tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			_, err = traffic.PlanWeights("httproute/web", rules, tc.stable)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestPlanWeightsWithStableFlag(t *testing.T) {
	rules, _ := traffic.HTTPRouteRules(route([]map[string]any{ref("web-v1", 50), ref("web-v2", 50)}, []map[string]any{ref("api", 90), ref("api-next", 10)}))
	wp, err := traffic.PlanWeights("httproute/web", rules, "web-v1")
	if err != nil {
		t.Fatal(err)
	}
	if len(wp.Changes) != 2 || wp.Changes[1].Backend != "web-v2" || len(wp.Untouched) != 1 || !strings.Contains(wp.Untouched[0], "rule 2: web-v1 is not among its backends") {
		t.Errorf("plan = %+v", wp)
	}
}

func TestVirtualServiceRoutes(t *testing.T) {
	vs := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"http": []any{
		map[string]any{"route": []any{
			map[string]any{"destination": map[string]any{"host": "web.prod.svc.cluster.local", "subset": "stable"}, "weight": int64(80)},
			map[string]any{"destination": map[string]any{"host": "web.prod.svc.cluster.local", "subset": "canary"}, "weight": int64(20)},
		}},
		map[string]any{"route": []any{map[string]any{"destination": map[string]any{"host": "static"}}}},
	}}}}
	rules, err := traffic.VirtualServiceRoutes(vs)
	if err != nil {
		t.Fatal(err)
	}
	if rules[1].Backends[0].Weight != 100 || rules[0].Backends[1].Path != "/spec/http/0/route/1/weight" {
		t.Fatalf("rules = %+v", rules)
	}
	wp, err := traffic.PlanWeights("virtualservice/web", rules, "")
	if err != nil || len(wp.Changes) != 2 || wp.Changes[0].To != 100 || wp.Stable[0] != "web.prod.svc.cluster.local (subset stable)" {
		t.Fatalf("plan = %+v, %v", wp, err)
	}
	// --stable may name the subset or the host's first label.
	if !rules[0].Backends[0].Matches("stable") || !rules[0].Backends[0].Matches("web") || rules[0].Backends[0].Matches("we") {
		t.Error("Matches")
	}
}

func TestParseRolloutAndStableReplicaSet(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": "web", "uid": "ro-1"},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"strategy": map[string]any{"canary": map[string]any{"stableService": "web-stable"}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
				"spec": map[string]any{"containers": []any{map[string]any{"name": "app", "image": "reg/web:v2"}}}},
		},
		"status": map[string]any{"stableRS": "h1", "currentPodHash": "h2"},
	}}
	ro, err := traffic.ParseRollout(u)
	if err != nil {
		t.Fatal(err)
	}
	if ro.Strategy != "canary" || ro.StableService != "web-stable" || ro.StableRS != "h1" || ro.Template.Spec.Containers[0].Image != "reg/web:v2" {
		t.Fatalf("rollout = %+v", ro)
	}
	owner := metav1.OwnerReference{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Name: "web", UID: "ro-1", Controller: new(true)}
	rs := func(name, hash, image string, owned bool) appsv1.ReplicaSet {
		r := appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{traffic.RolloutHashLabel: hash},
			Annotations: map[string]string{traffic.RolloutRevisionAnnotation: "1"}}}
		if owned {
			r.OwnerReferences = []metav1.OwnerReference{owner}
		}
		r.Spec.Template.Labels = map[string]string{"app": "web", traffic.RolloutHashLabel: hash}
		r.Spec.Template.Spec.Containers = []corev1.Container{{Name: "app", Image: image}}
		return r
	}
	stable, err := traffic.StableReplicaSet(ro, []appsv1.ReplicaSet{rs("other", "h1", "x", false), rs("web-h2", "h2", "reg/web:v2", true), rs("web-h1", "h1", "reg/web:v1", true)})
	if err != nil || stable.Name != "web-h1" {
		t.Fatalf("stable = %v, %v", stable, err)
	}
	tmpl := traffic.StableTemplate(stable)
	if _, ok := tmpl.Labels[traffic.RolloutHashLabel]; ok || traffic.EqualIgnoreHash(ro.Template, &stable.Spec.Template) {
		t.Error("the stable template keeps its hash or equals the canary's")
	}
	ro.StableRS = ""
	if _, err := traffic.StableReplicaSet(ro, nil); err == nil || !strings.Contains(err.Error(), "status.stableRS is empty") {
		t.Errorf("no stable: %v", err)
	}
}

func TestLookupFindsServedVersionOrSaysNotInstalled(t *testing.T) {
	c := fake.NewClientset()
	c.Resources = []*metav1.APIResourceList{{GroupVersion: "networking.istio.io/v1beta1", APIResources: []metav1.APIResource{
		{Name: "virtualservices", Kind: "VirtualService", Namespaced: true}, {Name: "virtualservices/status"}}}}
	api, err := traffic.Lookup(c.Discovery(), traffic.VirtualServices())
	if err != nil || api.Version != "v1beta1" || !api.Status {
		t.Fatalf("api = %+v, %v", api, err)
	}
	_, err = traffic.Lookup(c.Discovery(), traffic.HTTPRoutes())
	var ni *traffic.NotInstalledError
	if !errors.As(err, &ni) || err.Error() != "Gateway API is not installed in this cluster (it serves no httproutes in gateway.networking.k8s.io)" {
		t.Errorf("err = %v", err)
	}
}
