package kube

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// Key names a changed workload: the object itself for workloads, the
// controller for ReplicaSets, ControllerRevisions and pods.
type Key struct {
	Kind      string
	Namespace string
	Name      string
	// OwnerUID is set for changes to owned objects.
	OwnerUID types.UID
}

// Changes coalesces informer events: listeners wait for "something
// changed" and receive every key that changed since their last wait, so a
// burst of events becomes one redraw and the newest state wins.
type Changes struct {
	mu      sync.Mutex
	pending map[Key]struct{}
	signal  chan struct{}
}

// NewChanges returns an empty change set.
func NewChanges() *Changes {
	return &Changes{pending: map[Key]struct{}{}, signal: make(chan struct{}, 1)}
}

// Add records a change.
func (c *Changes) Add(k Key) {
	c.mu.Lock()
	c.pending[k] = struct{}{}
	c.mu.Unlock()
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// Wait blocks until at least one change is pending (or ctx ends) and
// returns all pending changes.
func (c *Changes) Wait(ctx context.Context) ([]Key, error) {
	for {
		c.mu.Lock()
		if len(c.pending) > 0 {
			out := make([]Key, 0, len(c.pending))
			for k := range c.pending {
				out = append(out, k)
			}
			clear(c.pending)
			c.mu.Unlock()
			return out, nil
		}
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.signal:
		}
	}
}

func (c *Cache) handler() cache.ResourceEventHandler {
	record := func(obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			return
		}
		c.health.event()
		k := Key{Kind: kindOf(obj), Namespace: m.GetNamespace(), Name: m.GetName()}
		if ref := metav1.GetControllerOfNoCopy(m); ref != nil {
			k.OwnerUID = ref.UID
		}
		c.changes.Add(k)
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    record,
		UpdateFunc: func(_, n any) { record(n) },
		DeleteFunc: record,
	}
}

func kindOf(obj any) string {
	switch obj.(type) {
	case *appsv1.Deployment:
		return "Deployment"
	case *appsv1.StatefulSet:
		return "StatefulSet"
	case *appsv1.DaemonSet:
		return "DaemonSet"
	case *appsv1.ReplicaSet:
		return "ReplicaSet"
	case *appsv1.ControllerRevision:
		return "ControllerRevision"
	case *corev1.Pod:
		return "Pod"
	case *autoscalingv2.HorizontalPodAutoscaler:
		return "HorizontalPodAutoscaler"
	}
	return ""
}
