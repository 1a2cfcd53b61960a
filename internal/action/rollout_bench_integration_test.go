//go:build integration

package action_test

import (
	"context"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/rollback"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// BenchmarkUndoToRolloutComplete times an undo of a 10-replica Deployment
// on the test bed from the confirmation to the rollout observed complete,
// split into mayday's part (the guarded write, answered) and the
// cluster's (from the answered write to the completed rollout, seen
// through the watch). Planning happens before the confirmation and is
// reported on its own. The figures are medians over the iterations.
func BenchmarkUndoToRolloutComplete(b *testing.B) {
	env := testbed.Require(b)
	ns := env.Namespace(b)
	cs := env.Clientset(b)
	ctx := context.Background()
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: ns, Name: "web"}
	sel := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{Replicas: new(int32(10)), Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example/web:1"}}}}},
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	env.RunKubectl(b, "-n", ns, "rollout", "status", "deployment/web", "--timeout=120s")
	env.RunKubectl(b, "-n", ns, "set", "image", "deployment/web", "web=registry.example/web:2")
	env.RunKubectl(b, "-n", ns, "rollout", "status", "deployment/web", "--timeout=120s")

	exec := &action.Executor{Client: cs}
	vf := &action.Verifier{Client: cs, Probe: 10 * time.Second, Timeout: 2 * time.Minute}
	var plan, write, wait, total []time.Duration
	replans := 0
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		prep, err := rollback.Prepare(ctx, cs, exec, rollback.Request{Ref: ref, Reason: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		confirmed := time.Now()
		res, err := exec.Undo(ctx, prep.Plan, action.DryRunNone)
		if err != nil {
			b.Fatal(err)
		}
		replans += res.Replans
		written := time.Now()
		v := vf.Verify(ctx, ref)
		done := time.Now()
		if !v.RolloutComplete {
			b.Fatalf("rollout not complete: %s", v.Summary())
		}
		plan = append(plan, confirmed.Sub(start))
		write = append(write, written.Sub(confirmed))
		wait = append(wait, done.Sub(written))
		total = append(total, done.Sub(confirmed))
	}
	b.StopTimer()
	ms := func(ds []time.Duration) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[len(s)/2]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(total), "confirm-to-complete-ms")
	b.ReportMetric(ms(write), "mayday-write-ms")
	b.ReportMetric(ms(wait), "cluster-rollout-ms")
	b.ReportMetric(ms(plan), "plan-before-confirm-ms")
	b.ReportMetric(100*ms(write)/ms(total), "mayday-%")
	b.ReportMetric(float64(replans)/float64(len(total)), "replans/op")
}
