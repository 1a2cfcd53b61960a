package action_test

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/traffic"
)

const trNS = "prod"

var trAttribution = rollout.Attribution{Actor: "alice", Reason: "5xx after deploy", Incident: "INC-9"}

func trDeployment(name string, replicas int32, lbls map[string]string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: trNS, UID: types.UID("uid-" + name), ResourceVersion: "7"},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "reg/" + name}}}}},
	}
}

func trPods(prefix string, n int, ready bool, lbls map[string]string) []runtime.Object {
	var out []runtime.Object
	for i := range n {
		status := corev1.ConditionFalse
		if ready {
			status = corev1.ConditionTrue
		}
		out = append(out, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", prefix, i), Namespace: trNS, Labels: lbls},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.244.0.%d", i+1),
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}}})
	}
	return out
}

func trService(name string, sel map[string]string) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: trNS, UID: types.UID("uid-svc-" + name), ResourceVersion: "5"},
		Spec: corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{{Port: 80}}}}
}

// trSlice is the EndpointSlice the controller keeps for service: one
// ready endpoint per pod named.
func trSlice(service string, pods ...string) *discoveryv1.EndpointSlice {
	yes := true
	s := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: service + "-abc", Namespace: trNS,
		Labels: map[string]string{discoveryv1.LabelServiceName: service}}, AddressType: discoveryv1.AddressTypeIPv4}
	for i, p := range pods {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.244.1.%d", i)},
			Conditions: discoveryv1.EndpointConditions{Ready: &yes}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: p}})
	}
	return s
}

func trSide(slot string) map[string]string { return map[string]string{"app": "web", "slot": slot} }

// trBlueGreen is service web live on blue (web-blue), with web-green
// ready beside it; greenReady of green's 2 pods are ready.
func trBlueGreen(greenReady int) *fake.Clientset {
	objs := []runtime.Object{
		trService("web", trSide("blue")),
		trDeployment("web-blue", 2, trSide("blue")), trDeployment("web-green", 2, trSide("green")),
		trSlice("web", "blue-0", "blue-1"),
	}
	objs = append(objs, trPods("blue", 2, true, trSide("blue"))...)
	objs = append(objs, trPods("green", greenReady, true, trSide("green"))...)
	objs = append(objs, trPods("green-unready", 2-greenReady, false, trSide("green"))...)
	return fake.NewClientset(objs...)
}

func trTraffic(c *fake.Clientset, dyn *dynamicfake.FakeDynamicClient) *action.Traffic {
	t := &action.Traffic{Executor: &action.Executor{Client: c, Host: "bastion-1"}}
	if dyn != nil {
		t.Dynamic = dyn
	}
	return t
}

func trPlan(t *testing.T, tr *action.Traffic, req action.TrafficRequest) *action.TrafficPlan {
	t.Helper()
	if req.Namespace == "" {
		req.Namespace = trNS
	}
	if req.Attribution.Actor == "" {
		req.Attribution = trAttribution
	}
	p, err := tr.Plan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// trCRDs are the traffic CRDs as discovery and the dynamic client serve them.
func trCRDs() (map[schema.GroupVersionResource]string, []*metav1.APIResourceList) {
	kinds := map[schema.GroupVersionResource]string{}
	var lists []*metav1.APIResourceList
	for _, api := range []traffic.API{traffic.HTTPRoutes(), traffic.VirtualServices(), traffic.Rollouts()} {
		version := map[string]string{"HTTPRoute": "v1", "VirtualService": "v1", "Rollout": "v1alpha1"}[api.Kind]
		api.Version = version
		kinds[api.GVR()] = api.Kind + "List"
		lists = append(lists, &metav1.APIResourceList{GroupVersion: api.APIVersion(), APIResources: []metav1.APIResource{
			{Name: api.Resource, Kind: api.Kind, Namespaced: true}, {Name: api.Resource + "/status", Kind: api.Kind, Namespaced: true}}})
	}
	return kinds, lists
}

func trDynamic(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	kinds, _ := trCRDs()
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), kinds, objs...)
}

func trUnstructured(apiVersion, kind, name string, spec map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion, "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": trNS, "uid": "uid-" + name, "resourceVersion": "11"},
		"spec":     spec,
	}}
}

func trGet(t *testing.T, dyn *dynamicfake.FakeDynamicClient, api traffic.API, version, name string) *unstructured.Unstructured {
	t.Helper()
	api.Version = version
	u, err := dyn.Resource(api.GVR()).Namespace(trNS).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
