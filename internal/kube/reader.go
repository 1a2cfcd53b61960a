// Package kube connects to the cluster: readers over the API or shared
// informer caches, permission checks and the identity of the person acting.
package kube

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// APIReader reads straight from the API server: one GET or LIST per call.
// One-shot CLI commands use it; the console reads from a CacheReader.
type APIReader struct {
	Client kubernetes.Interface
}

func (r APIReader) Deployment(ctx context.Context, ns, name string) (*appsv1.Deployment, error) {
	return r.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
}

func (r APIReader) StatefulSet(ctx context.Context, ns, name string) (*appsv1.StatefulSet, error) {
	return r.Client.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (r APIReader) DaemonSet(ctx context.Context, ns, name string) (*appsv1.DaemonSet, error) {
	return r.Client.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (r APIReader) ReplicaSetsFor(ctx context.Context, owner metav1.Object, sel labels.Selector) ([]*appsv1.ReplicaSet, error) {
	list, err := r.Client.AppsV1().ReplicaSets(owner.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	return controlled(owner, list.Items), nil
}

func (r APIReader) ControllerRevisionsFor(ctx context.Context, owner metav1.Object, sel labels.Selector) ([]*appsv1.ControllerRevision, error) {
	list, err := r.Client.AppsV1().ControllerRevisions(owner.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	return controlled(owner, list.Items), nil
}

func (r APIReader) PodsFor(ctx context.Context, owner metav1.Object, sel labels.Selector) ([]*corev1.Pod, error) {
	list, err := r.Client.CoreV1().Pods(owner.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	return controlled(owner, list.Items), nil
}

func (r APIReader) HorizontalPodAutoscalers(ctx context.Context, ns string) ([]*autoscalingv2.HorizontalPodAutoscaler, error) {
	list, err := r.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]*autoscalingv2.HorizontalPodAutoscaler, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

// controlled keeps the items whose controller owner reference is owner.
func controlled[T any, PT interface {
	*T
	metav1.Object
}](owner metav1.Object, items []T) []PT {
	out := make([]PT, 0, len(items))
	for i := range items {
		p := PT(&items[i])
		if metav1.IsControlledBy(p, owner) {
			out = append(out, p)
		}
	}
	return out
}
