//go:build integration

package action_test

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	commoncfg "github.com/prometheus/common/config"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// A rollforward to a version that hurts, judged by the test bed's real
// Prometheus: the rollout completes but the verdict is still critical
// after the bake, the fallback goes to the last known good revision, and
// after the rollback the verdict is observed healthy within the bake.
// Each pod is mirrored by a demo shop named like it, as a scrape of the
// pod would label it.
func TestRollforwardHealthBakeOnTheTestBed(t *testing.T) {
	env := testbed.Require(t)
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	ctx := context.Background()
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: ns, Name: "web"}
	sel := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{Replicas: new(int32(1)), Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "shop", Image: "shop:good"}}}}},
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
	good := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: livePod(t, cs, ns, "shop:good"), Version: "good"})
	env.WaitPrometheusTarget(t, ns, good.Pod)
	// Let revision 1 serve long enough to be judged while it was live.
	time.Sleep(8 * time.Second)

	src, err := metrics.NewPrometheus(env.PrometheusURL, commoncfg.HTTPClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	thresholds := metrics.DefaultThresholds()
	for s, x := range thresholds {
		x.For = 0 // the test bed lives in seconds
		thresholds[s] = x
	}
	health := &metrics.Health{Source: src, Scrape: time.Second,
		Settings: func(metrics.Target) metrics.Settings { return metrics.Settings{Thresholds: thresholds} }}
	exec := &action.Executor{Client: cs}
	var events action.Events
	vf := &action.Verifier{Client: cs, Probe: 10 * time.Second, Timeout: time.Minute, Health: health,
		Bake: 20 * time.Second, Poll: time.Second, Recorder: &events, Action: action.SetImageAction}

	prep, err := action.PrepareSetImage(ctx, exec, action.SetImageRequest{Ref: ref,
		Settings: []rollout.ImageSetting{{Container: "shop", Image: "shop:bad"}}, Reason: "INC-64"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.SetImage(ctx, prep.Plan, action.DryRunNone, &events); err != nil {
		t.Fatal(err)
	}
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
	bad := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: livePod(t, cs, ns, "shop:bad"), Version: "bad"})
	env.WaitPrometheusTarget(t, ns, bad.Pod)
	good.Stop(t)

	v := vf.Verify(ctx, ref)
	t.Logf("after the rollforward: %s", v.Summary())
	if !v.RolloutComplete || !v.HealthChecked || v.Verified() || !v.HealthCritical() {
		t.Fatalf("the bad version was not found critical after the bake: %+v", v)
	}

	fb, err := action.PlanFallback(ctx, cs, health, prep.Plan, "rollforward failed", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if fb.Plan.ToRevision != 1 || !strings.Contains(fb.Why, "last known good") {
		t.Fatalf("fallback to revision %d: %s", fb.Plan.ToRevision, fb.Why)
	}
	if _, err := exec.Undo(ctx, fb.Plan, action.DryRunNone); err != nil {
		t.Fatal(err)
	}
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
	back := env.StartShop(t, testbed.ShopOptions{Namespace: ns, Pod: livePod(t, cs, ns, "shop:good"), Version: "good"})
	env.WaitPrometheusTarget(t, ns, back.Pod)
	bad.Stop(t)

	vf.Bake = time.Minute
	v = vf.Verify(ctx, ref)
	t.Logf("after the fallback: %s", v.Summary())
	if !v.Verified() || !v.HealthRecovered || v.Health.State != metrics.Healthy {
		t.Errorf("the rollback was not verified healthy: %+v", v)
	}
	if got := getImage(t, cs, ns); got != "shop:good" {
		t.Errorf("web runs %s", got)
	}
	phases := map[action.Phase]int{}
	for _, e := range events.All() {
		phases[e.Phase]++
	}
	if phases[action.PhaseExecuted] != 1 || phases[action.PhaseFailed] != 1 || phases[action.PhaseVerified] != 1 {
		t.Errorf("events by phase: %v", phases)
	}
}

// livePod is the name of the one running, ready pod of web with image.
func livePod(t *testing.T, cs kubernetes.Interface, ns, image string) string {
	t.Helper()
	var name string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		var names []string
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil && p.Spec.Containers[0].Image == image && p.Status.Phase == corev1.PodRunning {
				names = append(names, p.Name)
			}
		}
		if len(names) == 1 {
			name = names[0]
		}
		return len(names) == 1, nil
	})
	if err != nil {
		t.Fatalf("no single running pod of web with %s: %v", image, err)
	}
	return name
}

func getImage(t *testing.T, cs kubernetes.Interface, ns string) string {
	t.Helper()
	d, err := cs.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}
