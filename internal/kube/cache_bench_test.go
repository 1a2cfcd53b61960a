package kube_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// namespaceWith builds a namespace holding `target` (a Deployment with
// `revisions` ReplicaSets) among `others` ReplicaSets of other deployments
// that share its labels, so only the owner reference tells them apart.
func namespaceWith(revisions, others int) []runtime.Object {
	labels := map[string]string{"app": "shop"}
	dep := func(name string) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "big", UID: types.UID("uid-" + name)},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: fmt.Sprintf("reg/%s:%d", name, revisions)}}}},
			},
		}
	}
	rs := func(d *appsv1.Deployment, n int) *appsv1.ReplicaSet {
		t := d.Spec.Template.DeepCopy()
		t.Spec.Containers[0].Image = fmt.Sprintf("reg/%s:%d", d.Name, n)
		return &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("%s-%d", d.Name, n), Namespace: "big", UID: types.UID(fmt.Sprintf("%s-%d", d.UID, n)),
				Labels: labels, Annotations: map[string]string{rollout.RevisionAnnotation: strconv.Itoa(n)},
				CreationTimestamp: metav1.NewTime(time.Unix(int64(n), 0)),
				OwnerReferences:   []metav1.OwnerReference{*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))},
			},
			Spec: appsv1.ReplicaSetSpec{Template: *t},
		}
	}
	target := dep("checkout")
	objs := []runtime.Object{target}
	for n := 1; n <= revisions; n++ {
		objs = append(objs, rs(target, n))
	}
	for i := 0; i < others/revisions; i++ {
		d := dep(fmt.Sprintf("other-%d", i))
		objs = append(objs, d)
		for n := 1; n <= revisions; n++ {
			objs = append(objs, rs(d, n))
		}
	}
	return objs
}

func syncedCache(tb testing.TB, objs []runtime.Object) *kube.Cache {
	tb.Helper()
	c := kube.NewCache(fake.NewClientset(objs...), "")
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	c.Start(ctx)
	if err := c.WaitForSync(ctx); err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestCacheHistoryUsesOwnerIndex(t *testing.T) {
	c := syncedCache(t, namespaceWith(5, 50))
	h, err := rollout.GetHistory(context.Background(), c.Reader(), rollout.Ref{Kind: rollout.Deployment, Namespace: "big", Name: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Revisions) != 5 || h.Current != 5 {
		t.Fatalf("history has %d revisions, current %d; want 5 and 5", len(h.Revisions), h.Current)
	}
	for _, r := range h.Revisions {
		if r.Images[0].Image != fmt.Sprintf("reg/checkout:%d", r.Number) {
			t.Errorf("revision %d shows %s: another deployment's ReplicaSet leaked in", r.Number, r.Images[0].Image)
		}
	}
	if _, err := c.Reader().Deployment(context.Background(), "big", "missing"); err == nil {
		t.Error("missing deployment found in cache")
	}
}

func TestCacheStripsManagedFields(t *testing.T) {
	objs := namespaceWith(1, 0)
	objs[0].(*appsv1.Deployment).ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
	c := syncedCache(t, objs)
	d, err := c.Reader().Deployment(context.Background(), "big", "checkout")
	if err != nil {
		t.Fatal(err)
	}
	if d.ManagedFields != nil {
		t.Errorf("managedFields kept in the cache: %v", d.ManagedFields)
	}
}

// BenchmarkHistoryFromCache: a deployment with 100 revisions among 20,000
// ReplicaSets in its namespace (target: < 1 ms per history).
func BenchmarkHistoryFromCache(b *testing.B) {
	c := syncedCache(b, namespaceWith(100, 20000))
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: "big", Name: "checkout"}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h, err := rollout.GetHistory(ctx, c.Reader(), ref)
		if err != nil || len(h.Revisions) != 100 {
			b.Fatalf("history: %v (%d revisions)", err, len(h.Revisions))
		}
	}
}
