package rollout

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Reader reads workloads and the objects that record their revisions.
// kube.APIReader reads straight from the API server (one-shot CLI commands);
// kube.CacheReader reads from shared informers (the console).
//
// The *For methods return only objects that match the selector AND are
// controlled by owner (the controller owner reference), as kubectl does.
// Returned objects are shared with the cache: callers must not mutate them.
type Reader interface {
	Deployment(ctx context.Context, namespace, name string) (*appsv1.Deployment, error)
	StatefulSet(ctx context.Context, namespace, name string) (*appsv1.StatefulSet, error)
	DaemonSet(ctx context.Context, namespace, name string) (*appsv1.DaemonSet, error)
	ReplicaSetsFor(ctx context.Context, owner metav1.Object, selector labels.Selector) ([]*appsv1.ReplicaSet, error)
	ControllerRevisionsFor(ctx context.Context, owner metav1.Object, selector labels.Selector) ([]*appsv1.ControllerRevision, error)
	PodsFor(ctx context.Context, owner metav1.Object, selector labels.Selector) ([]*corev1.Pod, error)
	HorizontalPodAutoscalers(ctx context.Context, namespace string) ([]*autoscalingv2.HorizontalPodAutoscaler, error)
}
