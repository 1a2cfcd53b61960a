package demo

import (
	"context"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// reader is a rollout.Reader straight over the API (one request per call),
// kept here so these tests do not depend on the kube package.
type reader struct{ c kubernetes.Interface }

func (r reader) Deployment(ctx context.Context, ns, name string) (*appsv1.Deployment, error) {
	return r.c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
}

func (r reader) StatefulSet(ctx context.Context, ns, name string) (*appsv1.StatefulSet, error) {
	return r.c.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (r reader) DaemonSet(ctx context.Context, ns, name string) (*appsv1.DaemonSet, error) {
	return r.c.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (r reader) ReplicaSetsFor(ctx context.Context, owner metav1.Object, sel labels.Selector) ([]*appsv1.ReplicaSet, error) {
	l, err := r.c.AppsV1().ReplicaSets(owner.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	return owned(ptrs(l.Items), owner.GetUID()), nil
}

func (r reader) ControllerRevisionsFor(ctx context.Context, owner metav1.Object, sel labels.Selector) ([]*appsv1.ControllerRevision, error) {
	l, err := r.c.AppsV1().ControllerRevisions(owner.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	return owned(ptrs(l.Items), owner.GetUID()), nil
}

func (r reader) PodsFor(ctx context.Context, owner metav1.Object, sel labels.Selector) ([]*corev1.Pod, error) {
	l, err := r.c.CoreV1().Pods(owner.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	return owned(ptrs(l.Items), owner.GetUID()), nil
}

func (r reader) HorizontalPodAutoscalers(ctx context.Context, ns string) ([]*autoscalingv2.HorizontalPodAutoscaler, error) {
	l, err := r.c.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return ptrs(l.Items), nil
}

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newCluster seeds a cluster on a fixed clock without starting it.
func newCluster(t *testing.T) *Cluster {
	t.Helper()
	clock := newTestClock()
	c, err := New(Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startCluster seeds and starts a cluster; it stops with the test.
func startCluster(t *testing.T, opts Options) *Cluster {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	t.Cleanup(func() {
		cancel()
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Error("the controllers did not stop within 10s of cancel")
		}
	})
	return c
}

// waitFor polls cond until it holds; the deadline is generous because it
// only bounds a hang, it does not measure speed.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last state: %s", what, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func history(t *testing.T, c *Cluster, kind rollout.Kind, namespace, name string) *rollout.History {
	t.Helper()
	h, err := rollout.GetHistory(context.Background(), reader{c.Client()}, rollout.Ref{Kind: kind, Namespace: namespace, Name: name})
	if err != nil {
		t.Fatalf("history of %s/%s: %v", kind, name, err)
	}
	return h
}

func getDeployment(t *testing.T, c *Cluster, name string) *appsv1.Deployment {
	t.Helper()
	d, err := c.Client().AppsV1().Deployments(Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func numbers(h *rollout.History) []int64 {
	var out []int64
	for _, r := range h.Revisions {
		out = append(out, r.Number)
	}
	return out
}
