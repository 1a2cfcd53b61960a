package evidence

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clienttesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

func demoGatherer(t *testing.T) (*Gatherer, *demo.Cluster) {
	t.Helper()
	cl, err := demo.New(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &Gatherer{Reader: kube.APIReader{Client: cl.Client()}, Health: &metrics.Health{Source: cl.Metrics()}}, cl
}

func ref(name string) rollout.Ref {
	return rollout.Ref{Kind: rollout.Deployment, Namespace: demo.Namespace, Name: name}
}

func TestGatherTheBadRollout(t *testing.T) {
	g, _ := demoGatherer(t)
	got, err := g.Gather(context.Background(), ref("checkout"))
	if err != nil {
		t.Fatal(err)
	}
	ev := got.Evidence
	if ev.CurrentRevision != 6 || len(ev.Revisions) != 6 || len(ev.Images) == 0 {
		t.Errorf("revision %d of %v, images %v", ev.CurrentRevision, ev.Revisions, ev.Images)
	}
	if ev.Health.State != metrics.Critical {
		t.Errorf("health %s: %s", ev.Health.State, ev.Health.Reason)
	}
	if ev.LastKnownGood != 5 {
		t.Errorf("last known good = %d, want 5 (healthy while live)", ev.LastKnownGood)
	}
	if !ev.Rollout.Observed || ev.Rollout.Complete || ev.Rollout.OldReady == 0 {
		t.Errorf("rollout = %+v: the bad rollout is half done, old pods still ready", ev.Rollout)
	}
	if ev.DeployedAt.IsZero() || ev.DeployedAt.After(ev.Now) {
		t.Errorf("deployed at %s (now %s)", ev.DeployedAt, ev.Now)
	}
	// The default policy pre-answers the issue and severity from it.
	rec, err := decide.Default().Decide(ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Path) == 0 || rec.Path[0].Answer != "yes" {
		t.Errorf("path = %+v", rec.Path)
	}
}

func TestGatherAHealthyWorkload(t *testing.T) {
	g, _ := demoGatherer(t)
	got, err := g.Gather(context.Background(), ref("frontend"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Evidence.Health.State != metrics.Healthy {
		t.Errorf("frontend: %s (%s)", got.Evidence.Health.State, got.Evidence.Health.Reason)
	}
}

func TestGatherWithoutPrometheusLeavesHealthUnknown(t *testing.T) {
	g, _ := demoGatherer(t)
	g.Health = nil
	got, err := g.Gather(context.Background(), ref("checkout"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Evidence.Health.State != metrics.Unknown || got.Evidence.LastKnownGood != 0 || got.Evidence.RevisionHealth != nil {
		t.Errorf("health evidence without a source: %+v", got.Evidence.Health)
	}
}

func TestGatherReadsOwnershipAutoscalingAndMigration(t *testing.T) {
	g, cl := demoGatherer(t)
	g.Health = nil
	ctx := context.Background()
	c := cl.Client()
	d, err := c.AppsV1().Deployments(demo.Namespace).Get(ctx, "payments", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Labels["argocd.argoproj.io/instance"] = "shop"
	d.Annotations[decide.MigrationAnnotation] = "3"
	if _, err := c.AppsV1().Deployments(demo.Namespace).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "payments-hpa", Namespace: demo.Namespace},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{MaxReplicas: 5,
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "payments", APIVersion: "apps/v1"}}}
	if _, err := c.AutoscalingV2().HorizontalPodAutoscalers(demo.Namespace).Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := g.Gather(ctx, ref("payments"))
	if err != nil {
		t.Fatal(err)
	}
	ev := got.Evidence
	if ev.GitOps.Tool != decide.GitOpsArgoCD || ev.GitOps.Marker != "argocd.argoproj.io/instance=shop" {
		t.Errorf("gitops = %+v", ev.GitOps)
	}
	if ev.HPA != "payments-hpa" {
		t.Errorf("hpa = %q", ev.HPA)
	}
	if ev.Migration.Revision != 3 {
		t.Errorf("migration = %+v", ev.Migration)
	}
}

func TestGatherAMissingWorkload(t *testing.T) {
	g, _ := demoGatherer(t)
	_, err := g.Gather(context.Background(), ref("nope"))
	if err == nil {
		t.Fatal("no error for a missing workload")
	}
}

func BenchmarkGatherAndDecide(b *testing.B) {
	cl, err := demo.New(demo.Options{})
	if err != nil {
		b.Fatal(err)
	}
	g := &Gatherer{Reader: kube.APIReader{Client: cl.Client()}, Health: &metrics.Health{Source: cl.Metrics()},
		Now: func() time.Time { return time.Now() }}
	got, err := g.Gather(context.Background(), ref("checkout"))
	if err != nil {
		b.Fatal(err)
	}
	p := decide.Default()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Decide(got.Evidence); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAppFinderNamesThePartsOfTheSameDeploy(t *testing.T) {
	g, cl := demoGatherer(t)
	g.Health = nil
	g.App = AppFinder(cl.Client(), g.Reader)
	got, err := g.Gather(context.Background(), ref("checkout"))
	if err != nil {
		t.Fatal(err)
	}
	app := got.Evidence.App
	if !app.Checked || app.Name != "shop" || app.Label != "app.kubernetes.io/part-of=shop" {
		t.Fatalf("app = %+v", app)
	}
	// In the demo only checkout rolled out in the last quarter hour.
	if len(app.Changed) != 0 {
		t.Errorf("changed with checkout: %v", app.Changed)
	}
	// Move frontend's current revision into the same deploy.
	ctx := context.Background()
	rs, err := cl.Client().AppsV1().ReplicaSets(demo.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := rollout.GetHistory(ctx, g.Reader, ref("frontend"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs.Items {
		r := &rs.Items[i]
		if r.UID == h.Revisions[len(h.Revisions)-1].Source.UID {
			r.CreationTimestamp = metav1.NewTime(got.Evidence.DeployedAt.Add(2 * time.Minute))
			// The API server keeps creation times; set it in the store.
			tracker := cl.Client().(clienttesting.FakeClient).Tracker()
			if err := tracker.Update(appsv1.SchemeGroupVersion.WithResource("replicasets"), r, demo.Namespace); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err = g.Gather(ctx, ref("checkout"))
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Evidence.App.Changed; len(c) != 1 || c[0] != "deployment/frontend" {
		t.Errorf("changed with checkout = %v, want deployment/frontend", c)
	}
}
