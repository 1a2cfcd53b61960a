package workload

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

func TestDeploymentRow(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web\x1b[2J", Namespace: "shop", Generation: 2,
			Annotations: map[string]string{rollout.RevisionAnnotation: "7"}, CreationTimestamp: metav1.NewTime(ts.Add(-time.Hour))},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3)},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Reason: "ReplicaSetUpdated", LastUpdateTime: metav1.NewTime(ts)}}},
	}
	r := DeploymentRow(d, true)
	if r.Revision != 7 || r.Ready != 2 || r.Desired != 3 || !r.LastRollout.Equal(ts) || r.Phase != rollout.PhaseProgressing {
		t.Errorf("row = %+v", r)
	}
	if r.Name != `web\x1b[2J` || r.Key != `shop/web\x1b[2J` || r.Ref.Name != "web\x1b[2J" {
		t.Errorf("escaping: name %q key %q ref %q", r.Name, r.Key, r.Ref.Name)
	}
}

func TestRowCarriesTheIncidentInProgress(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "checkout", Namespace: "shop",
		Annotations: map[string]string{rollout.IncidentAnnotation: "INC-7\x1b]0;x\a", rollout.ActorAnnotation: "alice"}}}
	r := DeploymentRow(d, false)
	if r.Incident != `INC-7\x1b]0;x\x07` || r.IncidentBy != "alice" {
		t.Fatalf("incident %q by %q", r.Incident, r.IncidentBy)
	}
	if r := DeploymentRow(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}}, false); r.Incident != "" || r.IncidentBy != "" {
		t.Fatalf("a workload without annotations has incident %q by %q", r.Incident, r.IncidentBy)
	}
}

func TestRowsFromTheDemoCache(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cl, err := demo.New(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := kube.NewCache(cl.Client(), demo.Namespace)
	c.Start(ctx)
	if err := c.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	cc := CacheCluster{Cache: c}
	rows := cc.Workloads()
	kinds := map[rollout.Kind]int{}
	for i, r := range rows {
		kinds[r.Ref.Kind]++
		if r.Revision <= 0 || r.LastRollout.IsZero() || r.Phase == "" || r.Key != r.Name {
			t.Errorf("incomplete row %+v", r)
		}
		if i > 0 && rows[i-1].Ref.Name > r.Ref.Name {
			t.Error("rows not sorted")
		}
	}
	if kinds[rollout.Deployment] == 0 || kinds[rollout.StatefulSet] == 0 || kinds[rollout.DaemonSet] == 0 {
		t.Errorf("kinds = %v", kinds)
	}
	if h := cc.Health(); !h.Synced || !h.Connected {
		t.Errorf("health = %+v", h)
	}
	// The StatefulSet and DaemonSet revisions agree with their histories.
	for _, r := range rows {
		if r.Ref.Kind == rollout.Deployment {
			continue
		}
		h, err := rollout.GetHistory(ctx, cc.Reader(), r.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if h.Current != r.Revision {
			t.Errorf("%s: row revision %d, history current %d", r.Ref, r.Revision, h.Current)
		}
	}
}
