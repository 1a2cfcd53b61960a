package kube

import (
	"context"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Reader is the read interface of rollout.Reader, repeated here so that
// kube does not import rollout.
type Reader interface {
	Deployment(ctx context.Context, namespace, name string) (*appsv1.Deployment, error)
	StatefulSet(ctx context.Context, namespace, name string) (*appsv1.StatefulSet, error)
	DaemonSet(ctx context.Context, namespace, name string) (*appsv1.DaemonSet, error)
	ReplicaSetsFor(ctx context.Context, owner metav1.Object, selector labels.Selector) ([]*appsv1.ReplicaSet, error)
	ControllerRevisionsFor(ctx context.Context, owner metav1.Object, selector labels.Selector) ([]*appsv1.ControllerRevision, error)
	PodsFor(ctx context.Context, owner metav1.Object, selector labels.Selector) ([]*corev1.Pod, error)
	HorizontalPodAutoscalers(ctx context.Context, namespace string) ([]*autoscalingv2.HorizontalPodAutoscaler, error)
}

// MemoReader answers each distinct read once and remembers the answer;
// concurrent callers of the same read share one request.
//
// A one-shot undo uses it to overlap its reads: the autoscaler list is
// fetched while the history is read, and the plan is made again, without
// any request, once the actor's name (looked up concurrently) is known.
// Answers never expire: use one MemoReader per command, not per session.
type MemoReader struct {
	R     Reader
	mu    sync.Mutex
	calls map[memoKey]*memoCall
}

type memoKey struct {
	method, namespace, name, selector string
}

type memoCall struct {
	done chan struct{}
	val  any
	err  error
}

// NewMemoReader wraps r.
func NewMemoReader(r Reader) *MemoReader { return &MemoReader{R: r} }

// do runs fn once per key. A caller whose context ends stops waiting; the
// read itself runs under the context of the first caller.
func (m *MemoReader) do(ctx context.Context, k memoKey, fn func() (any, error)) (any, error) {
	m.mu.Lock()
	if m.calls == nil {
		m.calls = map[memoKey]*memoCall{}
	}
	c, ok := m.calls[k]
	if !ok {
		c = &memoCall{done: make(chan struct{})}
		m.calls[k] = c
		m.mu.Unlock()
		c.val, c.err = fn()
		close(c.done)
		return c.val, c.err
	}
	m.mu.Unlock()
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func memoGet[T any](m *MemoReader, ctx context.Context, k memoKey, fn func() (T, error)) (T, error) {
	v, err := m.do(ctx, k, func() (any, error) { return fn() })
	t, _ := v.(T)
	return t, err
}

func ownerKey(method string, owner metav1.Object, sel labels.Selector) memoKey {
	return memoKey{method: method, namespace: owner.GetNamespace(), name: string(owner.GetUID()) + "/" + owner.GetName(), selector: sel.String()}
}

func (m *MemoReader) Deployment(ctx context.Context, ns, name string) (*appsv1.Deployment, error) {
	return memoGet(m, ctx, memoKey{method: "deployment", namespace: ns, name: name}, func() (*appsv1.Deployment, error) {
		return m.R.Deployment(ctx, ns, name)
	})
}

func (m *MemoReader) StatefulSet(ctx context.Context, ns, name string) (*appsv1.StatefulSet, error) {
	return memoGet(m, ctx, memoKey{method: "statefulset", namespace: ns, name: name}, func() (*appsv1.StatefulSet, error) {
		return m.R.StatefulSet(ctx, ns, name)
	})
}

func (m *MemoReader) DaemonSet(ctx context.Context, ns, name string) (*appsv1.DaemonSet, error) {
	return memoGet(m, ctx, memoKey{method: "daemonset", namespace: ns, name: name}, func() (*appsv1.DaemonSet, error) {
		return m.R.DaemonSet(ctx, ns, name)
	})
}

func (m *MemoReader) ReplicaSetsFor(ctx context.Context, owner metav1.Object, sel labels.Selector) ([]*appsv1.ReplicaSet, error) {
	return memoGet(m, ctx, ownerKey("replicasets", owner, sel), func() ([]*appsv1.ReplicaSet, error) {
		return m.R.ReplicaSetsFor(ctx, owner, sel)
	})
}

func (m *MemoReader) ControllerRevisionsFor(ctx context.Context, owner metav1.Object, sel labels.Selector) ([]*appsv1.ControllerRevision, error) {
	return memoGet(m, ctx, ownerKey("controllerrevisions", owner, sel), func() ([]*appsv1.ControllerRevision, error) {
		return m.R.ControllerRevisionsFor(ctx, owner, sel)
	})
}

func (m *MemoReader) PodsFor(ctx context.Context, owner metav1.Object, sel labels.Selector) ([]*corev1.Pod, error) {
	return memoGet(m, ctx, ownerKey("pods", owner, sel), func() ([]*corev1.Pod, error) {
		return m.R.PodsFor(ctx, owner, sel)
	})
}

func (m *MemoReader) HorizontalPodAutoscalers(ctx context.Context, ns string) ([]*autoscalingv2.HorizontalPodAutoscaler, error) {
	return memoGet(m, ctx, memoKey{method: "hpas", namespace: ns}, func() ([]*autoscalingv2.HorizontalPodAutoscaler, error) {
		return m.R.HorizontalPodAutoscalers(ctx, ns)
	})
}
