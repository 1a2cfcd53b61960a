package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/history"
)

// hundredRevisions is a Deployment with 100 ReplicaSets, revisions 1–100,
// each with its own image and change-cause; the newest is current.
func hundredRevisions() (rollout.Ref, []runtime.Object) {
	const ns, name, n = "shop", "checkout", 100
	labels := map[string]string{"app": name}
	tmpl := func(i int) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: name, Image: fmt.Sprintf("registry.example.com/shop/checkout:2.%d.0", i)},
				{Name: "envoy", Image: "envoy:1.31.2"},
			}},
		}
	}
	replicas := int32(4)
	uid := types.UID("dep-uid")
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: uid, Generation: n,
			Annotations: map[string]string{rollout.RevisionAnnotation: strconv.Itoa(n)}},
		Spec:   appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl(n)},
		Status: appsv1.DeploymentStatus{ObservedGeneration: n, Replicas: 4, UpdatedReplicas: 4, ReadyReplicas: 4, AvailableReplicas: 4},
	}
	objs := []runtime.Object{dep}
	yes := true
	for i := 1; i <= n; i++ {
		r := int32(0)
		if i == n {
			r = 4
		}
		objs = append(objs, &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("%s-%08x", name, i), Namespace: ns, UID: types.UID(fmt.Sprintf("rs-%d", i)),
				Labels: labels,
				Annotations: map[string]string{rollout.RevisionAnnotation: strconv.Itoa(i),
					rollout.ChangeCauseAnnotation: fmt.Sprintf("deploy checkout 2.%d.0 (CHG-%d)", i, 2000+i)},
				CreationTimestamp: metav1.NewTime(tuitest.Now().Add(-time.Duration(n-i) * time.Hour)),
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: name,
					UID: uid, Controller: &yes}},
			},
			Spec:   appsv1.ReplicaSetSpec{Replicas: &r, Selector: dep.Spec.Selector, Template: tmpl(i)},
			Status: appsv1.ReplicaSetStatus{Replicas: r, ReadyReplicas: r, AvailableReplicas: r},
		})
	}
	return rollout.Ref{Kind: rollout.Deployment, Namespace: ns, Name: name}, objs
}

// historyOf100 is the root model at w×h on the history screen of a
// workload with 100 revisions, loaded.
func historyOf100(tb testing.TB, w, h int) Model {
	ref, objs := hundredRevisions()
	reader := kube.APIReader{Client: fake.NewClientset(objs...)}
	cluster := tuitest.NewCluster(tuitest.Shop(), reader)
	c := tuitest.Common(w, h)
	m := New(Options{Ctx: context.Background(), Cluster: cluster, Common: c})
	m = feed(tb, m, tea.WindowSizeMsg{Width: w, Height: h}, common.OpenWorkloadMsg{Ref: ref})
	hs, ok := m.Top().(history.Screen)
	if !ok || hs.History() == nil || len(hs.History().Revisions) != 100 {
		tb.Fatalf("history not loaded: top %T\n%s", m.Top(), m.Render())
	}
	return m
}

// feed sends msgs and the messages their commands produce (run
// synchronously: opening a history only reads the fake API).
func feed(tb testing.TB, m Model, msgs ...tea.Msg) Model {
	queue := append([]tea.Msg(nil), msgs...)
	for i := 0; len(queue) > 0; i++ {
		if i > 1000 {
			tb.Fatal("message loop does not settle")
		}
		next, cmd := m.Update(queue[0])
		queue = queue[1:]
		m = next.(Model)
		queue = append(queue, tuitest.Run(cmd)...)
	}
	return m
}

// BenchmarkHistoryKeyPress100 is a key press on the history screen of a
// workload with 100 revisions, through the root model, to the rendered
// frame at 120×40. Target (issue 3): under 16 ms.
func BenchmarkHistoryKeyPress100(b *testing.B) {
	m := historyOf100(b, 120, 40)
	// History moves with up and down: walk the list down and back up, so
	// the selection crosses every row and the list scrolls.
	keys := make([]tea.KeyPressMsg, 0, 198)
	for range 99 {
		keys = append(keys, tuitest.Key("down"))
	}
	for range 99 {
		keys = append(keys, tuitest.Key("up"))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		next, _ := m.Update(keys[i%len(keys)])
		m = next.(Model)
		_ = m.View()
	}
}

func TestHistoryOf100Renders(t *testing.T) {
	m := historyOf100(t, 120, 40)
	for range 99 {
		m = feed(t, m, tuitest.Key("down"))
	}
	if r := m.Top().(history.Screen).Selected(); r == nil || r.Number != 1 {
		t.Fatalf("99 downs selected %+v", r)
	}
	if v := ansi.Strip(m.Render()); !strings.Contains(v, "deploy checkout 2.1.0 (CHG-2001)") || !strings.Contains(v, "100 revisions") {
		t.Errorf("the last row is not on screen:\n%s", v)
	}
}
